//! `cargo bench --bench lsp`: the language server's edit → diagnostics, on
//! the analysis host the server runs (`nurturec::ide`): one edit to one file
//! (a send's email misspelt, or put back), then the whole project's
//! diagnostics. Two sizes, from the compile benchmark's generator
//! (`support/generate.rs`):
//!
//! - `file_1000_lines`: a project whose campaign file has about 1,000 lines;
//! - `statements_100k`: 100,000 flow statements in about 80 files, the edit in one.
//!
//! The aims (issue 14): under 20 ms and under 150 ms. Each is timed twice:
//! `…/edit_to_diagnostics` in wall-clock time (criterion's default), and
//! `…/edit_to_diagnostics_cpu` in the CPU time of the benchmark's thread
//! (Linux: `/proc/thread-self/schedstat`), which a machine shared with
//! other work inflates far less.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/generate.rs"]
mod generate;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput};
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

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The CPU time of the measuring thread.
struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, started: u64) -> u64 {
        thread_cpu_ns().saturating_sub(started)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Milliseconds
    }
}

struct Milliseconds;

impl ValueFormatter for Milliseconds {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        for v in values.iter_mut() {
            *v /= 1e6;
        }
        "ms (CPU)"
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        for v in values.iter_mut() {
            *v /= 1e6;
        }
        "ms (CPU)"
    }
    fn scale_for_machines(&self, values: &mut [f64]) -> &'static str {
        for v in values.iter_mut() {
            *v /= 1e6;
        }
        "ms"
    }
}

fn bench_edit<M: Measurement>(
    c: &mut Criterion<M>,
    name: &str,
    function: &str,
    project: &generate::Project,
) {
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
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.measurement_time(Duration::from_secs(3));
    }
    let mut flip = false;
    group.bench_function(function, |b| {
        b.iter(|| {
            flip = !flip;
            host.set_file(path, if flip { text } else { &edited });
            black_box(host.diagnostics().len())
        });
    });
    group.finish();
}

fn main() {
    let small = with_lines(1000);
    let large = generate::realistic(100_000, 100);
    let mut wall = Criterion::default().configure_from_args();
    bench_edit(&mut wall, "file_1000_lines", "edit_to_diagnostics", &small);
    bench_edit(&mut wall, "statements_100k", "edit_to_diagnostics", &large);
    wall.final_summary();
    let mut cpu = Criterion::default()
        .with_measurement(ThreadCpu)
        .configure_from_args();
    bench_edit(
        &mut cpu,
        "file_1000_lines",
        "edit_to_diagnostics_cpu",
        &small,
    );
    bench_edit(
        &mut cpu,
        "statements_100k",
        "edit_to_diagnostics_cpu",
        &large,
    );
    cpu.final_summary();
}
