//! SARIF 2.1.0, the format GitHub code scanning (and other static-analysis
//! dashboards) read: one run of the tool `nurturec`, a rule for each code
//! the results use, and a result for each diagnostic.

use crate::diagnostics::{Code, Diagnostic, Label, Severity};
use crate::source::{ColumnUnit, SourceMap};
use serde_json::{json, Value};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base that relative artifact URIs are resolved against: the folder
/// the tool ran in, which code scanning takes as the repository's root.
const SOURCE_ROOT: &str = "%SRCROOT%";

/// One SARIF log (with a trailing newline). Columns are UTF-16 code units,
/// SARIF's default `columnKind`, stated in the run.
pub fn sarif(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| result(d, &codes, sources))
        .collect();
    log(json!({
        "tool": tool(codes.iter().map(|&c| rule(c)).collect()),
        "invocations": [{ "executionSuccessful": true }],
        "columnKind": "utf16CodeUnits",
        "results": results,
    }))
}

/// The log of a run that could not check anything (an unreadable path):
/// no results, and the reason as a notification of a failed invocation.
pub fn sarif_tool_failure(message: &str) -> String {
    log(json!({
        "tool": tool(Vec::new()),
        "invocations": [{
            "executionSuccessful": false,
            "toolExecutionNotifications": [{
                "level": "error",
                "message": { "text": message },
            }],
        }],
        "columnKind": "utf16CodeUnits",
        "results": [],
    }))
}

fn log(run: Value) -> String {
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    // Serialising a `Value` cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn tool(rules: Vec<Value>) -> Value {
    json!({
        "driver": {
            "name": "nurturec",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A code as a rule: its summary, the opening paragraph of its explanation,
/// and the whole explanation (Markdown) as the help.
fn rule(code: Code) -> Value {
    let explanation = code.explanation();
    json!({
        "id": code.as_str(),
        "shortDescription": { "text": code.summary() },
        "fullDescription": { "text": opening_paragraph(explanation).unwrap_or_else(|| code.summary().to_string()) },
        "help": { "text": explanation, "markdown": explanation },
        "defaultConfiguration": { "level": level(code.severity()) },
    })
}

/// The first paragraph after the title of an explanation, on one line.
fn opening_paragraph(markdown: &str) -> Option<String> {
    let lines: Vec<&str> = markdown
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn result(d: &Diagnostic, codes: &[Code], sources: &SourceMap) -> Value {
    let mut text = d.message.clone();
    if !d.primary.message.is_empty() && d.primary.message != d.message {
        text.push_str(&format!(" ({})", d.primary.message));
    }
    for note in &d.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": codes.iter().position(|&c| c == d.code).unwrap_or(0),
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [location(&d.primary, None, sources)],
    });
    if !d.secondary.is_empty() {
        result["relatedLocations"] = d
            .secondary
            .iter()
            .zip(1..)
            .map(|(label, id)| location(label, Some(id), sources))
            .collect();
    }
    result
}

fn location(label: &Label, id: Option<usize>, sources: &SourceMap) -> Value {
    let (start_line, start_column) = sources.start_location_in(label.span, ColumnUnit::Utf16);
    let (end_line, end_column) = sources.end_location_in(label.span, ColumnUnit::Utf16);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(sources.name(label.span.file)),
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        },
    });
    if let Some(id) = id {
        location["id"] = json!(id);
    }
    if !label.message.is_empty() {
        location["message"] = json!({ "text": label.message });
    }
    location
}

/// A file name as SARIF wants it: a URI with `/`, relative to the source
/// root when the name is relative, else a `file:` URI.
fn artifact_location(name: &str) -> Value {
    let mut path = name.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/";
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(&path, true)) })
    } else if drive {
        json!({ "uri": format!("file:///{}", percent_encode(&path, true)) })
    } else {
        json!({ "uri": percent_encode(&path, false), "uriBaseId": SOURCE_ROOT })
    }
}

/// Percent-encodes everything but unreserved characters and `/` (and `:`,
/// where it cannot be taken for a scheme).
fn percent_encode(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (keep_colon && byte == b':');
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uris() {
        let uri = |name: &str| artifact_location(name)["uri"].as_str().map(String::from);
        assert_eq!(
            uri("./campaigns/a b.nurture").as_deref(),
            Some("campaigns/a%20b.nurture")
        );
        assert_eq!(
            uri("café\\é.nurture").as_deref(),
            Some("caf%C3%A9/%C3%A9.nurture")
        );
        assert_eq!(
            uri("/srv/x:y.nurture").as_deref(),
            Some("file:///srv/x:y.nurture")
        );
        assert_eq!(
            uri("C:\\p\\a.nurture").as_deref(),
            Some("file:///C:/p/a.nurture")
        );
        assert_eq!(uri("x:y.nurture").as_deref(), Some("x%3Ay.nurture"));
        assert_eq!(artifact_location("a.nurture")["uriBaseId"], SOURCE_ROOT);
        assert!(artifact_location("/a.nurture").get("uriBaseId").is_none());
    }

    #[test]
    fn the_full_description_is_the_opening_paragraph() {
        let md = "# code: what\n\nFirst line\nsecond line.\n\nMore.\n";
        assert_eq!(
            opening_paragraph(md).as_deref(),
            Some("First line second line.")
        );
        assert_eq!(opening_paragraph("# only a title\n"), None);
    }
}
