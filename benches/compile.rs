//! `cargo bench`: the compiler over generated projects (see
//! `support/generate.rs`): 1k, 10k and 100k statements, 40 branches in a
//! row, nesting 60 levels deep, and 1,000 small campaigns. For each, four
//! stages are timed separately, with throughput in bytes of source:
//!
//! - `pest`: the pest grammar alone, every file (the floor for `parse`);
//! - `parse`: `syntax::parse` of every file (pest and the syntax tree);
//! - `check`: `nurturec::compile` (parse, resolve, check);
//! - `check_one_thread`: `check` in a one-thread rayon pool (files and
//!   campaigns in order);
//! - `build`: `compile` and every backend.
//!
//! `emit_10k`, `emit_100k`: each backend alone (`ir`, `klaviyo`, `hubspot`,
//! `asl`) on the compiled project, for the emitters' cost and growth.
//!
//! `long_file_10k`: the 10k project as one file, parsed in pieces on all
//! cores (`syntax::parse`) against parsed whole (`syntax::parse_in_one`).
//!
//! `cargo bench --bench compile -- 100k` runs only the projects whose name
//! contains `100k` (`statements_100k`). `NURTUREC_BENCH_DUMP=DIR cargo bench --bench compile`
//! writes every project to `DIR/<name>/` and exits, for timing the CLI:
//! `/usr/bin/time -v target/release/nurturec check DIR/statements_100k`, or
//! `bash benches/measure.sh target/release/nurturec DIR` for the figures of
//! issue 16 (json.load, every target, 10k and 100k, 16 files) in one run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;
#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use criterion::{BenchmarkId, Criterion, Throughput};
use pest::Parser;
use std::hint::black_box;
use std::time::Duration;

// The allocator the `nurturec` binary runs with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_project(c: &mut Criterion, project: &generate::Project) {
    let sources = project.sources();
    let mut group = c.benchmark_group(&project.name);
    group.throughput(Throughput::Bytes(project.bytes() as u64));
    // Quick: about two minutes for the whole run.
    group.warm_up_time(Duration::from_secs(1));
    if project.bytes() > 1_000_000 {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.measurement_time(Duration::from_secs(2));
    }
    // pest alone, on what it is given: the texts with comments blanked.
    let blanked: Vec<String> = sources
        .iter()
        .map(|(_, file)| {
            let comments = nurturec::syntax::scan::comments(&file.text);
            nurturec::syntax::scan::blank_comments(&file.text, &comments).into_owned()
        })
        .collect();
    group.bench_function(BenchmarkId::from_parameter("pest"), |b| {
        b.iter(|| {
            for text in &blanked {
                let pairs =
                    nurturec::syntax::NurtureParser::parse(nurturec::syntax::Rule::file, text);
                black_box(pairs.map(|p| p.len()).ok());
            }
        });
    });
    group.bench_function(BenchmarkId::from_parameter("parse"), |b| {
        b.iter(|| {
            for (id, file) in sources.iter() {
                black_box(nurturec::syntax::parse(id, &file.text));
            }
        });
    });
    group.bench_function(BenchmarkId::from_parameter("check"), |b| {
        b.iter(|| black_box(nurturec::compile(&sources).diagnostics.len()));
    });
    // The same on one thread: what the parallel parse and check save.
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function(BenchmarkId::from_parameter("check_one_thread"), |b| {
        b.iter(|| one_thread.install(|| black_box(nurturec::compile(&sources).diagnostics.len())));
    });
    group.bench_function(BenchmarkId::from_parameter("build"), |b| {
        b.iter(|| {
            let compilation = nurturec::compile(&sources);
            black_box(invariants::all_backends(&compilation, &sources).len())
        });
    });
    group.finish();
}

/// Each backend alone on the compiled 10k and 100k projects (placeholder
/// ids, the default config): `emit_10k/klaviyo`, … With `build` above, the
/// cost of the emitters apart from the checks, and their growth from 10k to
/// 100k statements (linear: about 10×).
fn bench_emitters(c: &mut Criterion) {
    let config = nurturec::config::Config::default();
    let ids = nurturec::emit::IdMode::Placeholders;
    for (statements, seed, name) in [(10_000, 10, "emit_10k"), (100_000, 100, "emit_100k")] {
        let project = generate::realistic(statements, seed);
        let sources = project.sources();
        let compilation = nurturec::compile(&sources);
        let ir = &compilation.project;
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(project.bytes() as u64));
        group.warm_up_time(Duration::from_secs(1));
        if statements > 10_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(10));
        } else {
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_function(BenchmarkId::from_parameter("ir"), |b| {
            b.iter(|| black_box(nurturec::emit::ir(ir, &sources).map(|f| f.len())));
        });
        group.bench_function(BenchmarkId::from_parameter("klaviyo"), |b| {
            b.iter(|| black_box(nurturec::emit::klaviyo(ir, &config, ids).map(|f| f.len())));
        });
        group.bench_function(BenchmarkId::from_parameter("hubspot"), |b| {
            // 100k writes more workflows than an account holds: an error
            // after every file is made, so the time is the same.
            b.iter(|| black_box(nurturec::emit::hubspot(ir, &config, ids).map(|f| f.len())));
        });
        group.bench_function(BenchmarkId::from_parameter("asl"), |b| {
            b.iter(|| black_box(nurturec::emit::asl(ir, &config, ids).map(|f| f.len())));
        });
        group.finish();
    }
}

/// One long file (every file of the 10k project in one): cut at its items
/// and parsed in parallel, against parsed whole.
fn bench_long_file(c: &mut Criterion) {
    let project = generate::realistic(10_000, 10);
    let whole: String = project.files.iter().map(|(_, t)| t.as_str()).collect();
    let id = nurturec::span::FileId(0);
    let mut group = c.benchmark_group("long_file_10k");
    group.throughput(Throughput::Bytes(whole.len() as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function(BenchmarkId::from_parameter("pieces"), |b| {
        b.iter(|| black_box(nurturec::syntax::parse(id, &whole)));
    });
    group.bench_function(BenchmarkId::from_parameter("whole"), |b| {
        b.iter(|| black_box(nurturec::syntax::parse_in_one(id, &whole)));
    });
    group.finish();
}

fn main() {
    if let Some(dir) = std::env::var_os("NURTUREC_BENCH_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        // 16 files, for the CPU/wall ratio of `check` on all cores.
        let sixteen = generate::Project {
            name: "files_16".to_string(),
            ..generate::realistic(18_750, 16)
        };
        for project in generate::all().into_iter().chain([sixteen]) {
            let target = dir.join(&project.name);
            let _ = std::fs::remove_dir_all(&target);
            project.write_to(&target).unwrap();
            println!(
                "{}: {} files, {} statements, {} bytes",
                target.display(),
                project.files.len(),
                project.statements,
                project.bytes()
            );
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for project in generate::all() {
        // Every project is sound: a benchmark of a failing build would time
        // the wrong thing.
        let sources = project.sources();
        let compilation = nurturec::compile(&sources);
        let errors: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not compile: {:?}",
            project.name,
            errors.first()
        );
        bench_project(&mut c, &project);
    }
    bench_long_file(&mut c);
    bench_emitters(&mut c);
    c.final_summary();
}
