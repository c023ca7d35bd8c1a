//! Turning diagnostics into text: `human` (codespan-reporting), `short` (one
//! line each), `json` (one versioned document), `github` (workflow
//! commands), `sarif` (SARIF 2.1.0, for code scanning) and `junit` (a JUnit
//! XML report). Everything renders into a `String`; the CLI does the writing.

mod junit;
mod sarif;

pub use junit::{junit, junit_tool_failure};
pub use sarif::{sarif, sarif_tool_failure};

use super::{Diagnostic, Label, Severity};
use crate::source::{ColumnUnit, SourceMap};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// Version of the JSON diagnostics document; bump it on any breaking change.
pub const JSON_FORMAT_VERSION: u32 = 1;

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<crate::span::FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![cs::Label::primary(
        d.primary.span.file,
        d.primary.span.start..d.primary.span.end,
    )
    .with_message(&d.primary.message)];
    labels.extend(d.secondary.iter().map(|l| {
        cs::Label::secondary(l.span.file, l.span.start..l.span.end).with_message(&l.message)
    }));
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// The rustc-like rendering, with ANSI colour when `color` is set. Each
/// diagnostic renders alone, so runs of them render on all cores and are
/// joined in order: the text one thread gives.
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    use rayon::prelude::*;
    /// Enough diagnostics per task that the split costs nothing.
    const PER_TASK: usize = 64;
    diagnostics
        .par_chunks(PER_TASK)
        .map(|run| human_run(run, sources, color))
        .collect::<Vec<String>>()
        .concat()
}

fn human_run(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let config = term::Config::default();
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for d in diagnostics {
        // A span outside its file (never expected) must not lose the message.
        if term::emit_to_write_style(&mut buffer, &config, sources, &to_codespan(d)).is_err() {
            let line = short_line(d, sources);
            let _ = std::io::Write::write_all(&mut buffer, format!("{line}\n").as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn short_line(d: &Diagnostic, sources: &SourceMap) -> String {
    short_line_in(d, sources, ColumnUnit::Char)
}

fn short_line_in(d: &Diagnostic, sources: &SourceMap, unit: ColumnUnit) -> String {
    let (line, column) = sources.start_location_in(d.primary.span, unit);
    format!(
        "{}:{}:{}: {}[{}]: {}",
        sources.name(d.primary.span.file),
        line,
        column,
        d.severity.as_str(),
        d.code,
        d.message
    )
}

/// One line per diagnostic: `file:line:col: severity[code]: message`, the
/// column in characters.
pub fn short(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    short_in(diagnostics, sources, ColumnUnit::Char)
}

/// [`short`] with the column counted in `unit` (Vim's `%c` wants bytes).
pub fn short_in(diagnostics: &[Diagnostic], sources: &SourceMap, unit: ColumnUnit) -> String {
    diagnostics
        .iter()
        .map(|d| short_line_in(d, sources, unit) + "\n")
        .collect()
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    column_utf16: usize,
    end_column_utf16: usize,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    primary: bool,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    column_utf16: usize,
    end_column_utf16: usize,
}

fn json_label<'a>(label: &'a Label, primary: bool, sources: &'a SourceMap) -> JsonLabel<'a> {
    let (line, column) = sources.start_location(label.span);
    let (end_line, end_column) = sources.end_location(label.span);
    let (_, column_utf16) = sources.start_location_in(label.span, ColumnUnit::Utf16);
    let (_, end_column_utf16) = sources.end_location_in(label.span, ColumnUnit::Utf16);
    JsonLabel {
        primary,
        message: &label.message,
        file: sources.name(label.span.file),
        line,
        column,
        end_line,
        end_column,
        column_utf16,
        end_column_utf16,
    }
}

/// Exactly one JSON document (with a trailing newline).
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let doc = JsonDocument {
        version: JSON_FORMAT_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| {
                let primary = json_label(&d.primary, true, sources);
                let mut labels = vec![json_label(&d.primary, true, sources)];
                labels.extend(d.secondary.iter().map(|l| json_label(l, false, sources)));
                JsonDiagnostic {
                    severity: d.severity.as_str(),
                    code: d.code.as_str(),
                    message: &d.message,
                    file: primary.file,
                    line: primary.line,
                    column: primary.column,
                    end_line: primary.end_line,
                    end_column: primary.end_column,
                    column_utf16: primary.column_utf16,
                    end_column_utf16: primary.end_column_utf16,
                    labels,
                    notes: &d.notes,
                    help: d.help.as_deref(),
                }
            })
            .collect(),
        errors: diagnostics.iter().filter(|d| d.is_error()).count(),
        warnings: diagnostics.iter().filter(|d| !d.is_error()).count(),
    };
    // Serialising plain structs of strings and integers cannot fail.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// GitHub Actions workflow commands, one per diagnostic.
pub fn github(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (line, column) = sources.start_location(d.primary.span);
        let (end_line, end_column) = sources.end_location(d.primary.span);
        let mut message = format!("{} ({})", d.message, d.primary.message);
        for note in &d.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            d.severity.as_str(),
            escape_property(sources.name(d.primary.span.file)),
            line,
            column,
            end_line,
            end_column,
            escape_property(&format!("{}[{}]", d.severity.as_str(), d.code)),
            escape_data(&message),
        ));
    }
    out
}

/// A GitHub workflow command's message, escaped as the runner reads it.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A GitHub workflow command's property value (`file=`, `title=`).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `1 error and 2 warnings emitted`, or `None` when there is nothing to say.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (e, 0) => Some(format!("{} emitted", plural(e, "error"))),
        (0, w) => Some(format!("{} emitted", plural(w, "warning"))),
        (e, w) => Some(format!(
            "{} and {} emitted",
            plural(e, "error"),
            plural(w, "warning")
        )),
    }
}
