//! A JUnit XML report, the format CI test dashboards read (Jenkins, GitLab,
//! GitHub test-report actions): one test suite, one test case per file
//! checked, and a `<failure>` for each error of that file.
//!
//! Warnings fail a test case only when they fail the run (`deny_warnings`);
//! otherwise each is listed in the test case's `<system-out>`, so that the
//! report shows them without turning the build red.

use super::short_line;
use crate::diagnostics::Diagnostic;
use crate::source::SourceMap;

/// The report (with a trailing newline).
pub fn junit(diagnostics: &[Diagnostic], sources: &SourceMap, deny_warnings: bool) -> String {
    let fails = |d: &Diagnostic| d.is_error() || deny_warnings;
    let mut cases = String::new();
    let mut failed_cases = 0;
    for (file, source) in sources.iter() {
        let of_file: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.primary.span.file == file)
            .collect();
        let failures: Vec<&Diagnostic> = of_file.iter().copied().filter(|d| fails(d)).collect();
        let passed: Vec<&Diagnostic> = of_file.iter().copied().filter(|d| !fails(d)).collect();
        if !failures.is_empty() {
            failed_cases += 1;
        }
        cases.push_str(&test_case(&source.name, &failures, &passed, sources));
    }
    // A diagnostic outside every file (never expected) must not be lost.
    let orphans: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| sources.get(d.primary.span.file).is_none())
        .collect();
    let mut tests = sources.len();
    if !orphans.is_empty() {
        tests += 1;
        failed_cases += 1;
        cases.push_str(&test_case("<unknown>", &orphans, &[], sources));
    }
    document(tests, failed_cases, 0, &cases)
}

/// The report of a run that could not check anything (an unreadable path):
/// one test case, `nurturec`, with the reason as its `<error>`.
pub fn junit_tool_failure(message: &str) -> String {
    let case = format!(
        "    <testcase name=\"nurturec\" classname=\"nurturec\">\n      <error type=\"io\" message=\"{}\">{}</error>\n    </testcase>\n",
        escape(message, true),
        escape(message, false)
    );
    document(1, 0, 1, &case)
}

/// `failures` counts the test cases that failed, not their `<failure>`s.
fn document(tests: usize, failures: usize, errors: usize, cases: &str) -> String {
    let counts = format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\"");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"nurturec\" {counts}>\n  \
         <testsuite name=\"nurturec\" {counts} skipped=\"0\">\n\
         {cases}  \
         </testsuite>\n\
         </testsuites>\n"
    )
}

fn test_case(
    name: &str,
    failures: &[&Diagnostic],
    others: &[&Diagnostic],
    sources: &SourceMap,
) -> String {
    let name = escape(name, true);
    if failures.is_empty() && others.is_empty() {
        return format!("    <testcase name=\"{name}\" classname=\"nurturec\"/>\n");
    }
    let mut out = format!("    <testcase name=\"{name}\" classname=\"nurturec\">\n");
    for d in failures {
        out.push_str(&format!(
            "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
            d.code,
            escape(&d.message, true),
            escape(&details(d, sources), false)
        ));
    }
    if !others.is_empty() {
        let text: String = others.iter().map(|d| details(d, sources)).collect();
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            escape(&text, false)
        ));
    }
    out.push_str("    </testcase>\n");
    out
}

/// A diagnostic as plain text: its `short` line, where its other labels
/// point, its notes and its help.
fn details(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut text = short_line(d, sources);
    text.push('\n');
    for label in &d.secondary {
        let (line, column) = sources.start_location(label.span);
        let file = sources.name(label.span.file);
        text.push_str(&format!(
            "  --> {file}:{line}:{column}: {}\n",
            label.message
        ));
    }
    for note in &d.notes {
        text.push_str(&format!("  = note: {note}\n"));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("  = help: {help}\n"));
    }
    text
}

/// XML text (or, with `attribute`, an attribute value in double quotes).
/// Characters XML 1.0 cannot hold at all (most control characters) are
/// written as `\u{…}`.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    out
}

/// The `Char` production of XML 1.0, without tab, newline and return.
fn is_xml_char(c: char) -> bool {
    matches!(u32::from(c), 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(escape("a<b>&\"c\"\n", false), "a&lt;b&gt;&amp;\"c\"\n");
        assert_eq!(escape("\"x\"\n\ty", true), "&quot;x&quot;&#10;&#9;y");
        assert_eq!(
            escape("bell\u{7} nul\u{0} \u{FFFE}", false),
            "bell\\u{7} nul\\u{0} \\u{fffe}"
        );
        assert_eq!(escape("Café — ü 😀", true), "Café — ü 😀");
    }
}
