//! `nurturec fmt`: one canonical layout for a `.nurture` file. Text in,
//! text out; the CLI reads and writes.
//!
//! The layout depends only on the file's tokens, its comments and where it
//! has blank lines, never on its other white space, so formatting is
//! idempotent and two layouts of the same campaign format alike:
//!
//! - one item, field, setting, rule, statement or arm per line, indented
//!   by [`INDENT`] spaces per level of `{ … }`; a `split` arm of one simple
//!   statement and a `handoff` block of one line stay on their line when
//!   they fit (`50% { send a }`, `handoff sales { note "…" }`), and an empty
//!   block is `{}`;
//! - one space between tokens, none inside `( … )` and `[ … ]`, before `,`
//!   or a label's `:`, or between an event and its argument;
//! - a blank line between an item in braces and the next item, and between
//!   a campaign's settings and its flow; elsewhere a blank line of the
//!   source is kept (several count as one) between lines, never just after
//!   `{` or before `}`;
//! - a line longer than [`WIDTH`] characters breaks before the `or`s of its
//!   outermost condition, then, where still too long, before the `and`s or
//!   `or`s one level in, and so on; each level of break is indented
//!   [`CONTINUATION`] more spaces than the line it belongs to. Nothing else
//!   breaks: a long string or list stays on one line;
//! - every comment stays where it is relative to the tokens: an end-of-line
//!   comment at the end of the line of the token before it, an own-line
//!   comment on its own line at the indentation of what follows it. The
//!   end-of-line comments of consecutive lines (no blank line or own-line
//!   comment between them) line up, [`COMMENT_GAP`] spaces after the longest
//!   code among them; an own-line comment written in the column of the
//!   end-of-line comment above it continues that comment and stays in its
//!   column;
//! - the points of a scoring component line up (`+2  on …` under `+12 on …`);
//! - strings, merge tags and comments are copied byte for byte (a comment
//!   loses only trailing white space);
//! - the file keeps its line ending: CRLF if its first line ends in CRLF,
//!   else LF, and ends with one.
//!
//! A file with a syntax error is not formatted: [`format_file`] returns the
//! parser's diagnostics. Every result is checked before it is returned: it
//! parses, and it holds the same tokens and comments in the same order.

mod lex;
mod plan;
mod print;

use crate::diagnostics::Diagnostic;
use crate::span::FileId;
use crate::syntax::{self, scan};
use lex::{Atom, AtomKind};
use plan::Mark;

/// The longest line the formatter writes when it can break it.
pub const WIDTH: usize = 100;
/// Spaces per level of `{ … }`.
pub const INDENT: usize = 2;
/// The extra indentation of each level of a broken condition.
pub const CONTINUATION: usize = 4;
/// Spaces between the longest code of aligned lines and their comments.
pub const COMMENT_GAP: usize = 3;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq)]
pub enum FormatError {
    /// The file does not parse: its diagnostics.
    Syntax(Vec<Diagnostic>),
    /// The formatter produced text that would change the file's meaning;
    /// a bug, reported instead of writing it.
    Changed(String),
}

/// The file in canonical layout.
pub fn format_file(file: FileId, text: &str) -> Result<String, FormatError> {
    let (ast, diagnostics) = syntax::parse(file, text);
    if !ast.broken.is_empty() {
        return Err(FormatError::Syntax(diagnostics));
    }
    let lexed = lex::lex(text);
    let plan = plan::plan(text, &lexed.atoms, &lexed.comments, &ast);
    let newline = if text.find('\n').is_some_and(|i| text[..i].ends_with('\r')) {
        "\r\n"
    } else {
        "\n"
    };
    let formatted = print::print(text, &lexed, &plan, newline);
    verify(file, text, &formatted)?;
    Ok(formatted)
}

/// The formatted text must parse and hold the source's tokens, comments
/// included, in the same order: only white space may differ.
fn verify(file: FileId, before: &str, after: &str) -> Result<(), FormatError> {
    let (ast, _) = syntax::parse(file, after);
    if !ast.broken.is_empty() {
        return Err(FormatError::Changed(
            "the formatted text does not parse".to_string(),
        ));
    }
    let mut old = scan::tokens(before).map(|t| token_text(before, t));
    let mut new = scan::tokens(after).map(|t| token_text(after, t));
    loop {
        match (old.next(), new.next()) {
            (None, None) => return Ok(()),
            (a, b) if a == b => {}
            (a, b) => {
                return Err(FormatError::Changed(format!(
                    "the formatted text has {} where the source has {}",
                    b.map_or("nothing".to_string(), |t| format!("`{t}`")),
                    a.map_or("nothing".to_string(), |t| format!("`{t}`")),
                )))
            }
        }
    }
}

fn token_text(text: &str, token: scan::Token) -> &str {
    let (start, end) = match token {
        scan::Token::Word { start, end } | scan::Token::Str { start, end } => (start, end),
        scan::Token::Comment { start, end } => return text[start..end].trim_end(),
        scan::Token::Punct { at, .. } => (at, at + lex_char_len(text, at)),
    };
    &text[start..end]
}

fn lex_char_len(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

/// The spaces between atoms `previous` and `next` on one line.
fn spacing(text: &str, atoms: &[Atom], marks: &[Mark], previous: usize, next: usize) -> usize {
    let (Some(p), Some(n)) = (atoms.get(previous), atoms.get(next)) else {
        return 1;
    };
    let previous_mark = marks.get(previous).copied().unwrap_or_default();
    let next_mark = marks.get(next).copied().unwrap_or_default();
    match (p.kind, n.kind) {
        _ if next_mark.tight => 0,
        (AtomKind::Open(b'{'), AtomKind::Close(b'}')) => 0,
        (_, AtomKind::Close(b')' | b']') | AtomKind::Comma | AtomKind::Colon) => 0,
        (AtomKind::Open(b'(' | b'['), _) => 0,
        (_, AtomKind::Open(b'(')) if next_mark.argument => 0,
        _ if previous_mark.points_width > 0 => {
            let width = text[p.start..p.end].chars().count();
            previous_mark.points_width.saturating_sub(width) + 1
        }
        _ => 1,
    }
}
