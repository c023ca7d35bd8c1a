//! `cargo bench --bench lsp`: the language server's edit → diagnostics, on
//! the analysis host the server runs (`nurturec::ide`): one edit to one file
//! (a send's email misspelt, or put back), then the whole project's
//! diagnostics. Two sizes, from the compile benchmark's generator
//! (`support/generate.rs`):
//!
//! - `file_1000_lines`: a project whose campaign file has about 1,000 lines;
//! - `statements_100k`: 100,000 flow statements in about 80 files, the edit in one.
//!
//! The aims (issue 14): under 20 ms and under 150 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;

use criterion::Criterion;
use nurturec::ide::AnalysisHost;
use std::hint::black_box;
use std::time::Duration;

/// A project of `statements` statements whose campaign file has at least `lines` lines.
fn with_lines(lines: usize) -> generate::Project {
    let mut statements = 100;
    loop {
        let project = generate::realistic(statements, 11);
        if project.files.last().unwrap().1.lines().count() >= lines {
            return project;
        }
        statements += 50;
    }
}

fn bench_edit(c: &mut Criterion, name: &str, project: &generate::Project) {
    let mut host = AnalysisHost::new();
    for (path, text) in &project.files {
        host.set_file(path, text);
    }
    let (path, text) = project.files.last().unwrap();
    let edited = text.replacen("send ", "send x", 1);
    assert_ne!(&edited, text);
    let all = host.diagnostics();
    let errors = |all: &[(String, Vec<nurturec::ide::FileDiagnostic>)]| {
        all.iter()
            .flat_map(|(_, d)| d)
            .filter(|d| d.severity == nurturec::Severity::Error)
            .count()
    };
    assert_eq!(errors(&all), 0, "{name} has errors");
    host.set_file(path, &edited);
    assert_eq!(errors(&host.diagnostics()), 1, "the edit is an error");

    let mut group = c.benchmark_group(name);
    group.warm_up_time(Duration::from_secs(1));
    if project.bytes() > 1_000_000 {
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(10));
    } else {
        group.measurement_time(Duration::from_secs(3));
    }
    let mut flip = false;
    group.bench_function("edit_to_diagnostics", |b| {
        b.iter(|| {
            flip = !flip;
            host.set_file(path, if flip { text } else { &edited });
            black_box(host.diagnostics().len())
        });
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let small = with_lines(1000);
    bench_edit(&mut c, "file_1000_lines", &small);
    let large = generate::realistic(100_000, 100);
    bench_edit(&mut c, "statements_100k", &large);
    c.final_summary();
}
