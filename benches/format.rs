//! `cargo bench --bench format`: `nurturec fmt`'s library stage,
//! [`nurturec::format::format_file`], over the generated projects of
//! `support/generate.rs` (10k and 100k flow statements), every file in turn,
//! with throughput in bytes of source. `parse` times `syntax::parse` over
//! the same files for scale: formatting parses twice (the source, then its
//! own output to check it) and lays the tokens out once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;

use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

fn bench_project(c: &mut Criterion, project: &generate::Project) {
    let sources = project.sources();
    let mut group = c.benchmark_group(format!("format_{}", project.name));
    group.throughput(Throughput::Bytes(project.bytes() as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(BenchmarkId::from_parameter("parse"), |b| {
        b.iter(|| {
            for (id, file) in sources.iter() {
                black_box(nurturec::syntax::parse(id, &file.text));
            }
        });
    });
    group.bench_function(BenchmarkId::from_parameter("format"), |b| {
        b.iter(|| {
            for (id, file) in sources.iter() {
                black_box(
                    nurturec::format::format_file(id, &file.text)
                        .map(|t| t.len())
                        .ok(),
                );
            }
        });
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for project in [
        generate::realistic(10_000, 10),
        generate::realistic(100_000, 100),
    ] {
        // A file that does not parse would time the error path.
        for (id, file) in project.sources().iter() {
            assert!(
                nurturec::format::format_file(id, &file.text).is_ok(),
                "{} does not format",
                file.name
            );
        }
        bench_project(&mut c, &project);
    }
    c.final_summary();
}
