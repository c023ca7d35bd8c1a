//! Code actions: the fixes the diagnostics' help lines spell out, applied.
//! Every "did you mean `x`?" replaces what the diagnostic points at with
//! `x`; a few other helps name an exact replacement too.

use super::{AnalysisHost, Range, TextEdit};
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::Code;

/// A quick fix for one diagnostic of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    /// The diagnostic it fixes: its code and range.
    pub code: &'static str,
    pub diagnostic_range: Range,
    /// Edits to the file the action was asked for.
    pub edits: Vec<TextEdit>,
}

/// The first backticked (or double-quoted, with `"`) text after `prefix`.
fn quoted_after<'h>(help: &'h str, prefix: &str) -> Option<&'h str> {
    let rest = help.strip_prefix(prefix)?;
    if let Some(rest) = rest.strip_prefix('`') {
        return rest.split('`').next();
    }
    if let Some(inner) = rest.strip_prefix('"') {
        // `did you mean "fintech"?`: the replacement keeps its quotes.
        let end = inner.find('"')? + 2;
        return rest.get(..end);
    }
    None
}

/// The replacement a help line names for the text `found` at the
/// diagnostic's primary span, with the span it replaces.
fn fix(d: &Diagnostic, found: &str) -> Option<(String, Span, String)> {
    let help = d.help.as_deref()?;
    let span = d.primary.span;
    if let Some(x) = quoted_after(help, "did you mean ") {
        return Some((format!("Replace with `{x}`"), span, x.to_string()));
    }
    if let Some(x) = quoted_after(help, "test membership: ") {
        return Some((format!("Write `{x}`"), span, x.to_string()));
    }
    if help.starts_with("quote it: ") && d.code == Code::InvalidEventArgument {
        let quoted = format!("\"{found}\"");
        return Some((format!("Quote it: `{quoted}`"), span, quoted));
    }
    if let Some(x) = quoted_after(help, "names are lowercase snake_case: ") {
        let word_len = found
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(found.len());
        let at = Span::new(span.file, span.start, span.start + word_len);
        return Some((format!("Rename to `{x}`"), at, x.to_string()));
    }
    if let Some(ours) = quoted_after(help, "conditions are written in words: ") {
        let theirs = help.rsplit('`').nth(1)?;
        if found.starts_with(theirs) {
            let at = Span::new(span.file, span.start, span.start + theirs.len());
            return Some((format!("Write `{ours}`"), at, ours.to_string()));
        }
    }
    if help.starts_with("to compare, write `==`") && found.starts_with('=') {
        let at = Span::new(span.file, span.start, span.start + 1);
        return Some(("Write `==`".to_string(), at, "==".to_string()));
    }
    None
}

impl AnalysisHost {
    /// The fixes for the diagnostics of `path` that touch `range`.
    pub fn code_actions(&mut self, path: &str, range: Range) -> Vec<CodeAction> {
        let diagnostics = self.raw_diagnostics(path);
        let mut out = Vec::new();
        for d in diagnostics {
            let Some(diagnostic_range) = self.range_of(d.primary.span) else {
                continue;
            };
            if diagnostic_range.end < range.start || range.end < diagnostic_range.start {
                continue;
            }
            let found = self
                .state(d.primary.span.file)
                .and_then(|f| f.source.text.get(d.primary.span.start..))
                .unwrap_or("");
            let found_exact = found
                .get(..d.primary.span.end.saturating_sub(d.primary.span.start))
                .unwrap_or(found);
            let found = if d.code == Code::Syntax {
                found
            } else {
                found_exact
            };
            let Some((title, span, new_text)) = fix(&d, found) else {
                continue;
            };
            let Some(edit_range) = self.range_of(span) else {
                continue;
            };
            out.push(CodeAction {
                title,
                code: d.code.as_str(),
                diagnostic_range,
                edits: vec![TextEdit {
                    range: edit_range,
                    new_text,
                }],
            });
        }
        out
    }
}
