//! A [`Report`] as text: human, JSON, GitHub workflow commands and a
//! Markdown summary. Files are named by their project paths (the CLI makes
//! them relative to the repository root, the same on both sides).

use super::{Change, Impact, Report};
use crate::diagnostics::render::{escape_data, escape_property};
use crate::emit::Target;
use crate::SourceMap;
use serde_json::json;

/// Version of the JSON document; bumped on any incompatible change.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// The two sides' sources, for naming and quoting the spans of a change.
pub struct Sides<'a> {
    pub before: &'a SourceMap,
    pub after: &'a SourceMap,
}

impl Sides<'_> {
    /// The file and 1-based line a change is reported at: the after side,
    /// or the before side for what was removed.
    pub fn location(&self, change: &Change) -> (String, usize) {
        match (change.after, change.before) {
            (Some(span), _) => (
                self.after.project_path(span.file).to_string(),
                self.after.start_location(span).0,
            ),
            (None, Some(span)) => (
                self.before.project_path(span.file).to_string(),
                self.before.start_location(span).0,
            ),
            (None, None) => (String::new(), 1),
        }
    }
}

/// Exactly one JSON document, with a trailing newline.
pub fn json(report: &Report, sides: &Sides<'_>) -> String {
    let campaigns: Vec<serde_json::Value> = report
        .campaigns
        .iter()
        .map(|c| {
            let changes: Vec<serde_json::Value> = c
                .changes
                .iter()
                .map(|change| {
                    let (file, line) = sides.location(change);
                    json!({
                        "impact": change.impact.as_str(),
                        "kind": change.kind,
                        "message": change.message,
                        "file": file,
                        "line": line,
                    })
                })
                .collect();
            json!({ "campaign": c.campaign, "changes": changes })
        })
        .collect();
    let doc = json!({ "version": JSON_FORMAT_VERSION, "campaigns": campaigns });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The lines a span starts on, at most three, as `  12 | text`.
fn excerpt(sources: &SourceMap, span: crate::span::Span) -> String {
    let Some(file) = sources.get(span.file) else {
        return String::new();
    };
    let first = file.line_index(span.start);
    let last = file.line_index(span.end.saturating_sub(1).max(span.start));
    let mut out = String::new();
    for line in first..=last.min(first + 2) {
        let Some(range) = file.line_range(line) else {
            break;
        };
        let text = file.text.get(range).unwrap_or("").trim_end();
        out.push_str(&format!("      {:>4} | {text}\n", line + 1));
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn counts(report: &Report) -> String {
    format!(
        "{} breaking, {} in-flight, {} safe",
        report.count(Impact::Breaking),
        report.count(Impact::InFlight),
        report.count(Impact::Safe)
    )
}

/// Grouped per campaign, each change with the source of both sides.
/// `against` names the before side; `targets` are the platforms whose
/// handling of running leads is explained when a change reaches them.
pub fn human(report: &Report, sides: &Sides<'_>, against: &str, targets: &[Target]) -> String {
    if report.campaigns.is_empty() {
        return format!("no campaign changes against `{against}`\n");
    }
    let mut out = String::new();
    for c in &report.campaigns {
        out.push_str(&format!(
            "campaign `{}`: {}\n",
            c.campaign,
            plural(c.changes.len(), "change")
        ));
        for change in &c.changes {
            out.push_str(&format!(
                "  {}[{}]: {}\n",
                change.impact.as_str(),
                change.kind,
                change.message
            ));
            if let Some(span) = change.before {
                let (line, _) = sides.before.start_location(span);
                out.push_str(&format!(
                    "    before ({against}) {}:{line}\n",
                    sides.before.project_path(span.file)
                ));
                out.push_str(&excerpt(sides.before, span));
            }
            if let Some(span) = change.after {
                let (line, _) = sides.after.start_location(span);
                out.push_str(&format!(
                    "    after {}:{line}\n",
                    sides.after.project_path(span.file)
                ));
                out.push_str(&excerpt(sides.after, span));
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} against `{against}`: {}\n",
        plural(report.campaigns.len(), "campaign"),
        counts(report)
    ));
    let notes = migration_notes(report, targets);
    if !notes.is_empty() {
        out.push_str("\nleads already inside, per target:\n");
        for note in notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    out
}

/// What becomes of the leads already inside on each target, when a change
/// is more than safe.
fn migration_notes(report: &Report, targets: &[Target]) -> Vec<&'static str> {
    if report.worst() <= Some(Impact::Safe) {
        return Vec::new();
    }
    targets
        .iter()
        .filter_map(|t| super::migration_note(*t))
        .collect()
}

/// GitHub Actions workflow commands: an error per breaking change, a
/// warning per in-flight one, a notice per safe one.
pub fn github(report: &Report, sides: &Sides<'_>) -> String {
    let mut out = String::new();
    for c in &report.campaigns {
        for change in &c.changes {
            let level = match change.impact {
                Impact::Breaking => "error",
                Impact::InFlight => "warning",
                Impact::Safe => "notice",
            };
            let (file, line) = sides.location(change);
            out.push_str(&format!(
                "::{level} file={},line={line},title={}::{}\n",
                escape_property(&file),
                escape_property(&format!("{}[{}]", change.impact.as_str(), change.kind)),
                escape_data(&format!("campaign `{}`: {}", c.campaign, change.message)),
            ));
        }
    }
    out
}

/// A Markdown summary for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(report: &Report, sides: &Sides<'_>, against: &str, targets: &[Target]) -> String {
    let mut out = format!("## nurturec diff against `{against}`\n\n");
    if report.campaigns.is_empty() {
        out.push_str("No campaign changes.\n");
        return out;
    }
    out.push_str(&format!("{}.\n\n", counts(report)));
    out.push_str("| impact | campaign | kind | where | change |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for c in &report.campaigns {
        for change in &c.changes {
            let (file, line) = sides.location(change);
            out.push_str(&format!(
                "| {} | `{}` | `{}` | `{file}:{line}` | {} |\n",
                change.impact.as_str(),
                c.campaign,
                change.kind,
                change.message.replace('|', "\\|")
            ));
        }
    }
    let notes = migration_notes(report, targets);
    if !notes.is_empty() {
        out.push_str("\n**Leads already inside, per target**\n\n");
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}
