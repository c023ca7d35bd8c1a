//! Lint levels: which warnings a project allows, keeps or denies.
//!
//! Two sources, as in Cargo and rustc:
//!
//! - `[lints]` in `nurture.toml` sets a level per warning code for the whole
//!   project ([`LintLevels`], read by [`crate::config::parse_config`] and
//!   applied by [`apply_levels`]): `allow` drops it, `warn` keeps it, `deny`
//!   makes it an error. Errors have no level: they cannot be allowed.
//! - A comment `// nurturec: allow(<code>, …)` allows warnings at one site
//!   ([`scan_allows`], applied by [`apply_allows`] inside [`crate::compile`]):
//!   at the end of a line it covers the diagnostics whose primary label
//!   starts on that line; on a line of its own, those of the next line that
//!   holds code. Text after the closing `)` is free, for a reason.
//!
//! A site's allow wins over `[lints]`: it is applied first, so a warning it
//! silences is gone before `deny` could turn it into an error.

use super::{Code, Diagnostic, Severity};
use crate::span::{FileId, Span};
use std::collections::BTreeMap;

/// What `[lints]` does with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["allow", "warn", "deny"];

    pub fn from_name(name: &str) -> Option<Level> {
        match name {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// The `[lints]` table: a level for some warning codes, each with where it
/// is written in `nurture.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintLevels {
    levels: BTreeMap<Code, (Level, Span)>,
}

impl LintLevels {
    /// Sets the level of a warning code; `false` (and no change) for an
    /// error code, which has no level.
    pub fn set(&mut self, code: Code, level: Level, span: Span) -> bool {
        if code.severity() == Severity::Error {
            return false;
        }
        self.levels.insert(code, (level, span));
        true
    }

    pub fn level(&self, code: Code) -> Option<Level> {
        self.levels.get(&code).map(|(level, _)| *level)
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

/// Applies `[lints]` to diagnostics (sorted, as [`super::sort_and_dedup`]
/// leaves them; the order is kept): allowed warnings are dropped, denied ones
/// become errors that say why.
pub fn apply_levels(diagnostics: &mut Vec<Diagnostic>, levels: &LintLevels) {
    if levels.is_empty() {
        return;
    }
    diagnostics
        .retain(|d| d.severity == Severity::Error || levels.level(d.code) != Some(Level::Allow));
    for d in diagnostics.iter_mut() {
        if d.severity == Severity::Warning && levels.level(d.code) == Some(Level::Deny) {
            d.severity = Severity::Error;
            d.notes.push(format!(
                "`{} = \"deny\"` in `[lints]` of {} makes this warning an error",
                d.code,
                crate::config::FILE_NAME
            ));
        }
    }
}

/// One code allowed at one site by a `// nurturec: allow(…)` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub code: Code,
    /// The code as written in the comment.
    pub span: Span,
    /// The bytes of the line whose diagnostics it allows (empty when no line
    /// of code follows an own-line comment).
    pub line: std::ops::Range<usize>,
}

/// A `//` comment and the line it is on.
struct Comment {
    /// From just after `//` to the end of the line (without `\r`).
    body: std::ops::Range<usize>,
    /// Whether code comes before the comment on its line.
    after_code: bool,
    /// Index into the lines.
    line: usize,
}

struct Line {
    range: std::ops::Range<usize>,
    has_code: bool,
}

/// Every `//` comment of a text, and its lines, from the lexical scan the
/// parser uses (so a `//` inside a string is not a comment here either).
fn comments_and_lines(text: &str) -> (Vec<Comment>, Vec<Line>) {
    use crate::syntax::scan::{tokens, Token};
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| {
        line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    };
    let mut has_code = vec![false; line_starts.len()];
    let mut comments = Vec::new();
    for token in tokens(text) {
        let start = match token {
            Token::Comment { start, end } => {
                let line = line_of(start);
                let body_end = if end > start + 2 && text.as_bytes().get(end - 1) == Some(&b'\r') {
                    end - 1
                } else {
                    end
                };
                comments.push(Comment {
                    body: start + 2..body_end,
                    after_code: has_code.get(line).copied().unwrap_or(false),
                    line,
                });
                continue;
            }
            Token::Word { start, .. } | Token::Str { start, .. } => start,
            Token::Punct { at, .. } => at,
        };
        if let Some(code) = has_code.get_mut(line_of(start)) {
            *code = true;
        }
    }
    let lines = line_starts
        .iter()
        .enumerate()
        .map(|(i, &start)| Line {
            range: start..line_starts.get(i + 1).map_or(text.len(), |next| next - 1),
            has_code: has_code.get(i).copied().unwrap_or(false),
        })
        .collect();
    (comments, lines)
}

const PRAGMA: &str = "nurturec:";

/// The `// nurturec: allow(…)` comments of one file, and the problems with
/// them (`invalid-pragma`: not `allow(…)`, an unknown code, an error code).
pub fn scan_allows(file: FileId, text: &str) -> (Vec<Allow>, Vec<Diagnostic>) {
    // Every pragma names it: a file without it needs no scan and no index
    // of its lines (most files; `SourceFile` has the line index already).
    if !text.contains(PRAGMA) {
        return (Vec::new(), Vec::new());
    }
    let (comments, lines) = comments_and_lines(text);
    let mut allows = Vec::new();
    let mut problems = Vec::new();
    for comment in &comments {
        let body = &text[comment.body.clone()];
        let Some(after) = body.trim_start().strip_prefix(PRAGMA) else {
            continue;
        };
        // `// nurturec: <word>`: the comment up to what should be `allow`.
        let rest_start = comment.body.end - after.trim_start().len();
        let word = after
            .trim_start()
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
            .unwrap_or(after.trim_start().len());
        let whole = Span::new(file, comment.body.start - 2, rest_start + word);
        let line = if comment.after_code {
            lines.get(comment.line).map(|l| l.range.clone())
        } else {
            lines
                .iter()
                .skip(comment.line + 1)
                .find(|l| l.has_code)
                .map(|l| l.range.clone())
        }
        .unwrap_or(text.len()..text.len());
        let rest = after.trim_start();
        let list = rest
            .strip_prefix("allow")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.find(')').map(|close| &r[..close]));
        let Some(list) = list else {
            problems.push(
                Diagnostic::new(
                    Code::InvalidPragma,
                    "a `nurturec:` comment must be `nurturec: allow(<code>, …)`",
                    whole,
                    "not an allow",
                )
                .with_help("write e.g. `// nurturec: allow(email-not-sent-yet)`, or drop `nurturec:` from an ordinary comment"),
            );
            continue;
        };
        // `list` is a slice of `text`: its offset is where the codes start.
        let mut offset = list.as_ptr() as usize - text.as_ptr() as usize;
        let mut any = false;
        for item in list.split(',') {
            let name = item.trim();
            let start = offset + (item.len() - item.trim_start().len());
            offset += item.len() + 1;
            if name.is_empty() {
                continue;
            }
            any = true;
            let span = Span::new(file, start, start + name.len());
            match Code::from_name(name) {
                Some(code) if code.severity() == Severity::Warning => allows.push(Allow {
                    code,
                    span,
                    line: line.clone(),
                }),
                Some(code) => problems.push(
                    Diagnostic::new(
                        Code::InvalidPragma,
                        format!("`{code}` is an error, and errors cannot be allowed"),
                        span,
                        "an error code",
                    )
                    .with_help("fix what the error says; only warnings can be allowed"),
                ),
                None => {
                    let mut d = Diagnostic::new(
                        Code::InvalidPragma,
                        format!("`{name}` is not a diagnostic code"),
                        span,
                        "unknown code",
                    );
                    d = match Code::similar(name, 1).first() {
                        Some(close) => d.with_help(format!("did you mean `{close}`?")),
                        None => d.with_help("`nurturec explain` lists every code"),
                    };
                    problems.push(d);
                }
            }
        }
        if !any {
            problems.push(
                Diagnostic::new(
                    Code::InvalidPragma,
                    "`allow()` names no code",
                    whole,
                    "allows nothing",
                )
                .with_help("name the warning to allow, e.g. `allow(unused-label)`"),
            );
        }
    }
    (allows, problems)
}

/// Drops every warning that an allow of its file covers (its primary label
/// starts on the allow's line, and the code matches). With
/// `report_unfulfilled`, an allow that covered nothing is an
/// `unfulfilled-allow` warning.
pub fn apply_allows(diagnostics: &mut Vec<Diagnostic>, allows: &[Allow], report_unfulfilled: bool) {
    if allows.is_empty() {
        return;
    }
    let mut fulfilled = vec![false; allows.len()];
    diagnostics.retain(|d| {
        if d.severity != Severity::Warning {
            return true;
        }
        let start = d.primary.span.start;
        let mut covered = false;
        for (allow, done) in allows.iter().zip(fulfilled.iter_mut()) {
            if allow.code == d.code
                && allow.span.file == d.primary.span.file
                && allow.line.contains(&start)
            {
                *done = true;
                covered = true;
            }
        }
        !covered
    });
    if !report_unfulfilled {
        return;
    }
    for (allow, done) in allows.iter().zip(fulfilled) {
        if !done {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnfulfilledAllow,
                    format!("`allow({})` allows nothing here", allow.code),
                    allow.span,
                    format!("no `{}` warning on the line this covers", allow.code),
                )
                .with_help(
                    "remove it: the warning it was for no longer happens (or is on another line)",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn scan(text: &str) -> (Vec<Allow>, Vec<Diagnostic>) {
        scan_allows(FileId(0), text)
    }

    #[test]
    fn trailing_and_own_line_pragmas_cover_their_line() {
        let text = "a\n  b // nurturec: allow(unused-label)\n// nurturec: allow(unused, missing-goal) because\n\n// other\nc\n";
        let (allows, problems) = scan(text);
        assert!(problems.is_empty(), "{problems:?}");
        let lines: Vec<(&str, &str)> = allows
            .iter()
            .map(|a| (&text[a.span.start..a.span.end], &text[a.line.clone()]))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("unused-label", "  b // nurturec: allow(unused-label)"),
                ("unused", "c"),
                ("missing-goal", "c"),
            ]
        );
    }

    #[test]
    fn slashes_in_strings_are_not_comments() {
        let text =
            "x \"http://a // nurturec: allow(unused)\" y\n\"\\\"// nurturec: allow(unused)\"\n";
        assert_eq!(scan(text), (vec![], vec![]));
        // After an escaped backslash the string ends; the comment is real.
        let (allows, _) = scan("\"a\\\\\" // nurturec: allow(unused)\n");
        assert_eq!(allows.len(), 1);
        // An unterminated string ends with its line, even after a backslash.
        let (allows, _) = scan("\"a\\\nb\n// nurturec: allow(unused)\nc\n");
        assert_eq!(allows.len(), 1);
        assert_eq!(allows[0].line, 33..34);
    }

    #[test]
    fn bad_pragmas_are_reported() {
        let (allows, problems) =
            scan("// nurturec: alow(unused)\n// nurturec: allow(unusd, missing-exit)\n// nurturec: allow()\nx\n");
        assert!(allows.is_empty());
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(problems.iter().all(|d| d.code == Code::InvalidPragma));
        assert_eq!(problems[1].help.as_deref(), Some("did you mean `unused`?"));
        assert!(messages[2].contains("errors cannot be allowed"));
    }
}
