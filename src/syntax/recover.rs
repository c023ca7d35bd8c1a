//! Error recovery: when pest cannot read a file as a whole, the file is cut
//! where its top-level items start and each item is parsed on its own, so a
//! syntax error ends only the item it is in. An item that fails still
//! defines its name and uses what it mentions ([`ast::BrokenItem`]).

use super::ast::{self, BrokenItem, Ident, ItemKind};
use super::error::{self, Failure};
use super::scan::{self, Token};
use super::{convert, NurtureParser, Rule, MAX_NESTING};
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};
use pest::Parser;
use std::ops::Range;

/// Syntax errors reported per file; the items after the limit are still
/// parsed, so their names are defined, but their errors are only counted.
pub const MAX_SYNTAX_ERRORS: usize = 50;

/// The words no name can be (the sketch's reserved words).
const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "within", "when", "where", "if", "on", "else", "true", "false",
];

/// Parses `text` item by item.
pub fn parse_by_item(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let mut parsed = ast::File::default();
    let mut diagnostics = Vec::new();
    let mut errors = 0usize;
    for chunk in item_ranges(text) {
        let Some(chunk_text) = text.get(chunk.clone()) else {
            continue;
        };
        match parse_item(file, text, chunk.clone(), chunk_text) {
            Ok((mut items, mut problems)) => {
                parsed.items.append(&mut items);
                diagnostics.append(&mut problems);
            }
            Err(problem) => {
                errors += 1;
                if errors <= MAX_SYNTAX_ERRORS {
                    diagnostics.push(*problem);
                }
                parsed.broken.push(broken_item(file, text, chunk));
            }
        }
    }
    if errors > MAX_SYNTAX_ERRORS {
        if let Some(last) = diagnostics.iter_mut().rev().find(|d| d.is_error()) {
            last.notes.push(format!(
                "{} more syntax errors in this file are not shown (at most {MAX_SYNTAX_ERRORS} are)",
                errors - MAX_SYNTAX_ERRORS
            ));
        }
    }
    (parsed, diagnostics)
}

/// An item's syntax error is boxed: the error is the rare case.
type ItemResult = Result<(Vec<ast::Item>, Vec<Diagnostic>), Box<Diagnostic>>;

fn parse_item(file: FileId, text: &str, chunk: Range<usize>, chunk_text: &str) -> ItemResult {
    let comments = match scan::comments_within_depth(chunk_text, MAX_NESTING) {
        Ok(comments) => comments,
        Err((at, depth)) => {
            return Err(Box::new(error::too_deep(
                file,
                chunk.start + at,
                depth,
                MAX_NESTING,
            )))
        }
    };
    let blanked = scan::blank_comments(chunk_text, &comments);
    match NurtureParser::parse(Rule::file, &blanked) {
        Ok(pairs) => convert::file(file, chunk.start, pairs),
        Err(fast) => {
            // The same language, tried alternative by alternative: what an
            // error says comes from there (`grammar/nurture.pest`).
            let e = match NurtureParser::parse(Rule::file_e, &blanked) {
                Err(e) => error::canonical_error(e),
                Ok(_) => fast,
            };
            Err(Box::new(error::syntax_error(&Failure {
                file,
                text,
                chunk,
                error: &e,
            })))
        }
    }
}

/// The ranges of the file's items: each from where an item starts to where
/// the next one does. Text before the first item is a range of its own.
pub fn item_ranges(text: &str) -> Vec<Range<usize>> {
    let mut starts = item_starts(text);
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    starts
        .iter()
        .copied()
        .zip(ends)
        .map(|(s, e)| s..e)
        .collect()
}

/// Where items start. An item keyword followed by a name starts an item when
/// it begins its line (or follows a `}` that closes everything) and either
/// stands outside every `{ … }`, or is followed by the `{` or `=` its item
/// needs: inside an unclosed item no statement, setting or field looks like
/// that (`scoring b2b` the setting is never followed by `{`), so a missing
/// `}` cannot swallow the items after it. (No two words of a condition look
/// like `segment name` either, so an unclosed `(` or `[` does not count.)
fn item_starts(text: &str) -> Vec<usize> {
    let tokens: Vec<Token> = scan::tokens(text)
        .filter(|t| !matches!(t, Token::Comment { .. }))
        .collect();
    let mut starts = Vec::new();
    let mut braces = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match *token {
            Token::Punct { byte: b'{', .. } => braces += 1,
            Token::Punct { byte: b'}', .. } => braces = braces.saturating_sub(1),
            Token::Punct { .. } => {}
            Token::Word { start, end } => {
                let Some(kind) = text.get(start..end).and_then(ItemKind::from_keyword) else {
                    continue;
                };
                if text.as_bytes().get(end) == Some(&b'.') {
                    continue; // `email.clicked`, `segment.entered`
                }
                let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
                let begins = match previous {
                    None => true,
                    Some(&Token::Punct { byte: b'}', .. }) if braces == 0 => true,
                    Some(previous) => begins_line(text, token_end(previous), start),
                };
                if !begins {
                    continue;
                }
                let header = tokens.get(i + 1).zip(tokens.get(i + 2));
                let full_header = if kind == ItemKind::Properties {
                    // `properties {`: the block has no name, and no
                    // statement, setting or field is a word and a `{`.
                    tokens.get(i + 1).is_some_and(|t| opens(kind, t))
                } else {
                    header.is_some_and(|(name, opener)| {
                        is_name_token(text, name) && opens(kind, opener)
                    })
                };
                let named = tokens.get(i + 1).is_some_and(|t| is_name_token(text, t));
                if full_header || (braces == 0 && named && kind != ItemKind::Properties) {
                    starts.push(start);
                    braces = 0;
                }
            }
            Token::Str { .. } | Token::Comment { .. } => {}
        }
    }
    starts
}

fn opens(kind: ItemKind, token: &Token) -> bool {
    let expected = if kind == ItemKind::Segment {
        b'='
    } else {
        b'{'
    };
    matches!(token, Token::Punct { byte, .. } if *byte == expected)
}

fn token_end(token: &Token) -> usize {
    match *token {
        Token::Word { end, .. } | Token::Str { end, .. } | Token::Comment { end, .. } => end,
        Token::Punct { at, .. } => at + 1,
    }
}

fn begins_line(text: &str, previous_end: usize, start: usize) -> bool {
    text.get(previous_end..start)
        .is_some_and(|gap| gap.contains('\n'))
}

fn is_name_token(text: &str, token: &Token) -> bool {
    match *token {
        Token::Word { start, end } => text.get(start..end).is_some_and(is_name),
        _ => false,
    }
}

/// `[a-z_][a-z0-9_]*`, not reserved.
pub fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&word)
}

/// What the tokens of an item that failed to parse say about it.
fn broken_item(file: FileId, text: &str, chunk: Range<usize>) -> BrokenItem {
    let base = chunk.start;
    let chunk_text = text.get(chunk.clone()).unwrap_or("");
    let tokens: Vec<Token> = scan::tokens(chunk_text)
        .filter(|t| !matches!(t, Token::Comment { .. }))
        .collect();
    let word = |token: Option<&Token>| match token {
        Some(&Token::Word { start, end }) => chunk_text.get(start..end).map(|w| (w, start, end)),
        _ => None,
    };
    let ident = |token: Option<&Token>| {
        word(token).and_then(|(name, start, end)| {
            is_name(name).then(|| Ident {
                name: name.to_string(),
                span: Span::new(file, base + start, base + end),
            })
        })
    };
    let kind = word(tokens.first()).and_then(|(w, _, _)| ItemKind::from_keyword(w));
    let name = kind
        .filter(|k| *k != ItemKind::Properties)
        .and_then(|_| ident(tokens.get(1)));
    let header_len = match (kind, &name) {
        (None, _) => 0,
        (Some(_), None) => 1,
        (Some(_), Some(_)) => 2,
    };
    let mentions = tokens
        .iter()
        .skip(header_len)
        .filter_map(|t| ident(Some(t)))
        .collect();
    BrokenItem {
        kind,
        name,
        mentions,
        span: Span::new(file, base, base + chunk_text.trim_end().len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(text: &str) -> Vec<String> {
        item_ranges(text)
            .into_iter()
            .map(|r| {
                text[r]
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn a_missing_brace_does_not_swallow_the_next_item() {
        let text = "campaign a {\n  trigger inactive 9d\n  scoring b2b\n  send x\nemail x {\n}\nsegment s = in t\n";
        assert_eq!(starts(text), ["campaign a", "email x", "segment s"]);
    }

    #[test]
    fn words_of_conditions_and_settings_start_nothing() {
        let text = "segment a = email.opened(x) or\n  segment.entered(b)\ncampaign c {\n  scoring m\n  branch { when x {\n    exit } }\n}\n";
        assert_eq!(starts(text), ["segment a", "campaign c"]);
        let same_line = "email a { subject \"s\" } email b {";
        assert_eq!(starts(same_line), ["email a", "email b"]);
    }

    #[test]
    fn text_before_the_first_item_is_an_item_of_its_own() {
        assert_eq!(starts("notes here\nemail a {}"), ["notes here", "email a"]);
        assert_eq!(starts(""), [""]);
    }

    #[test]
    fn past_the_limit_errors_are_counted_in_a_note() {
        let text = "email e @\n".repeat(MAX_SYNTAX_ERRORS + 3);
        let (parsed, diagnostics) = parse_by_item(FileId(0), &text);
        assert_eq!(diagnostics.len(), MAX_SYNTAX_ERRORS);
        assert_eq!(parsed.broken.len(), MAX_SYNTAX_ERRORS + 3);
        let last = diagnostics.last().map(|d| d.notes.clone());
        assert_eq!(
            last,
            Some(vec![format!(
                "3 more syntax errors in this file are not shown (at most {MAX_SYNTAX_ERRORS} are)"
            )])
        );
    }

    #[test]
    fn a_broken_item_keeps_its_name_and_what_it_mentions() {
        let text = "campaign c {\n  send welcome ??\n  goto again\n";
        let (parsed, _) = parse_by_item(FileId(0), text);
        let broken = &parsed.broken[0];
        assert_eq!(broken.kind, Some(ItemKind::Campaign));
        assert_eq!(broken.name.as_ref().map(|n| n.name.as_str()), Some("c"));
        let mentions: Vec<&str> = broken.mentions.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(mentions, ["send", "welcome", "goto", "again"]);
    }
}
