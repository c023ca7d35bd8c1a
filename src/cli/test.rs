//! `nurturec test`: campaign tests kept in the repository. Each
//! `<name>.lead.toml` below the paths is a lead file with the campaign it
//! enters; `<name>.trace` beside it is the committed timeline the simulation
//! must print. `--accept` writes or updates the timelines.

use super::simulate::file_namer;
use super::{load_project, render_diagnostics, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use clap::{Args, ValueEnum};
use nurturec::simulate::{self, CampaignTest};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

const TEST_SUFFIX: &str = ".lead.toml";
const TRACE_SUFFIX: &str = ".trace";

#[derive(Args)]
pub(super) struct TestArgs {
    /// Files or directories: the project's `.nurture` files and its
    /// `*.lead.toml` tests below them [default: the current folder].
    paths: Vec<PathBuf>,
    /// Write missing timelines and replace those that differ.
    #[arg(long)]
    accept: bool,
    /// How to report the results.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    message_format: TestFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TestFormat {
    /// One line per test and a diff for each failure, on standard output.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands for the failures.
    Github,
    /// A JUnit XML report.
    Junit,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Passed,
    Failed,
    Written,
    Updated,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Written => "written",
            Status::Updated => "updated",
        }
    }
}

struct Outcome {
    file: String,
    campaign: String,
    status: Status,
    /// Why it failed, and the diff (expected `-`, actual `+`).
    message: Option<String>,
    diff: Option<String>,
}

/// Every `*.lead.toml` below the paths, in path order.
fn find_tests(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            if path.to_string_lossy().ends_with(TEST_SUFFIX) {
                out.push(path.clone());
            }
            continue;
        }
        let mut stack = vec![path.clone()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
            for entry in entries.flatten() {
                let p = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || name == "target" {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else if name.ends_with(TEST_SUFFIX) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn trace_path(test: &Path) -> PathBuf {
    let name = test.to_string_lossy();
    let stem = name.strip_suffix(TEST_SUFFIX).unwrap_or(&name);
    PathBuf::from(format!("{stem}{TRACE_SUFFIX}"))
}

pub(super) fn run(args: &TestArgs) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let tests = match find_tests(&paths) {
        Ok(t) => t,
        Err(message) => return usage(&message),
    };
    if tests.is_empty() {
        return usage("no campaign tests (`*.lead.toml`) below the paths given");
    }
    let loaded = match load_project(&paths, None) {
        Ok(l) => l,
        Err(message) => return usage(&message),
    };
    if loaded.has_errors() {
        render_diagnostics(&loaded.diagnostics, &loaded.sources);
        eprintln!("error: the project must check without errors before it is tested");
        return EXIT_FAILED;
    }
    let name = file_namer(&loaded.sources);
    let mut outcomes = Vec::new();
    for test in &tests {
        let text = match std::fs::read_to_string(test) {
            Ok(t) => t,
            Err(e) => return usage(&format!("cannot read `{}`: {e}", test.display())),
        };
        let case = match CampaignTest::from_toml(&text) {
            Ok(c) => c,
            Err(e) => return usage(&format!("campaign test `{}`: {e}", test.display())),
        };
        let project = &loaded.compilation.project;
        let trace = match simulate::simulate(project, &case.campaign, &case.lead, &case.options) {
            Ok(t) => t,
            Err(e) => return usage(&format!("campaign test `{}`: {e}", test.display())),
        };
        let actual = simulate::human(&trace, &loaded.sources, &name);
        match judge(test, &case.campaign, &actual, args.accept) {
            Ok(outcome) => outcomes.push(outcome),
            Err(message) => return usage(&message),
        }
    }
    report(&outcomes, args.message_format);
    if outcomes.iter().any(|o| o.status == Status::Failed) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// Compares a test's timeline with its committed one (or writes it).
fn judge(test: &Path, campaign: &str, actual: &str, accept: bool) -> Result<Outcome, String> {
    let snapshot = trace_path(test);
    let expected = match std::fs::read_to_string(&snapshot) {
        Ok(text) => Some(text.replace("\r\n", "\n")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read `{}`: {e}", snapshot.display())),
    };
    let mut outcome = Outcome {
        file: test.display().to_string().replace('\\', "/"),
        campaign: campaign.to_string(),
        status: Status::Passed,
        message: None,
        diff: None,
    };
    if expected.as_deref() == Some(actual) {
        return Ok(outcome);
    }
    if accept {
        std::fs::write(&snapshot, actual)
            .map_err(|e| format!("cannot write `{}`: {e}", snapshot.display()))?;
        outcome.status = if expected.is_some() {
            Status::Updated
        } else {
            Status::Written
        };
        return Ok(outcome);
    }
    outcome.status = Status::Failed;
    match expected {
        None => {
            outcome.message = Some(format!(
                "no timeline `{}` yet: run `nurturec test --accept` to write it",
                snapshot.display()
            ));
            outcome.diff = Some(diff("", actual));
        }
        Some(expected) => {
            outcome.message = Some(format!(
                "the timeline differs from `{}` (-: committed, +: now)",
                snapshot.display()
            ));
            outcome.diff = Some(diff(&expected, actual));
        }
    }
    Ok(outcome)
}

/// A line diff (longest common subsequence): ` ` kept, `-` only in
/// `expected`, `+` only in `actual`. Timelines are short.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

fn report(outcomes: &[Outcome], format: TestFormat) {
    let failed = outcomes
        .iter()
        .filter(|o| o.status == Status::Failed)
        .count();
    let summary = format!(
        "{} campaign test{}: {} passed, {failed} failed{}",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        outcomes.len() - failed,
        match outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Written | Status::Updated))
            .count()
        {
            0 => String::new(),
            n => format!(" ({n} timeline{} written)", if n == 1 { "" } else { "s" }),
        }
    );
    let text = match format {
        TestFormat::Human => {
            let mut out = String::new();
            for o in outcomes {
                out.push_str(&format!("{:<8} {}\n", o.status.name(), o.file));
                if let Some(message) = &o.message {
                    out.push_str(&format!("  {message}\n"));
                }
                if let Some(diff) = &o.diff {
                    for line in diff.lines() {
                        out.push_str(&format!("  {line}\n"));
                    }
                }
            }
            out.push_str(&summary);
            out.push('\n');
            out
        }
        TestFormat::Json => {
            let tests: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|o| {
                    json!({"file": o.file, "campaign": o.campaign, "status": o.status.name(),
                           "message": o.message, "diff": o.diff})
                })
                .collect();
            let doc = json!({"version": 1, "tests": tests, "passed": outcomes.len() - failed, "failed": failed});
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        TestFormat::Github => {
            let mut out = String::new();
            for o in outcomes.iter().filter(|o| o.status == Status::Failed) {
                let body = format!(
                    "{}\n{}",
                    o.message.as_deref().unwrap_or(""),
                    o.diff.as_deref().unwrap_or("")
                );
                out.push_str(&format!(
                    "::error file={},line=1,title=campaign test failed::{}\n",
                    o.file,
                    github_escape(&body)
                ));
            }
            out.push_str(&summary);
            out.push('\n');
            out
        }
        TestFormat::Junit => junit(outcomes, failed),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn github_escape(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(outcomes: &[Outcome], failed: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuite name=\"nurturec campaign tests\" tests=\"{}\" failures=\"{failed}\">\n",
        outcomes.len()
    ));
    for o in outcomes {
        out.push_str(&format!(
            "  <testcase name=\"{}\" classname=\"{}\"",
            xml_escape(&o.file),
            xml_escape(&o.campaign)
        ));
        if o.status == Status::Failed {
            out.push_str(&format!(
                ">\n    <failure message=\"{}\">{}</failure>\n  </testcase>\n",
                xml_escape(o.message.as_deref().unwrap_or("")),
                xml_escape(o.diff.as_deref().unwrap_or(""))
            ));
        } else {
            out.push_str("/>\n");
        }
    }
    out.push_str("</testsuite>\n");
    out
}
