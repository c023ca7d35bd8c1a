//! A lexical scan that knows only what hides structure from a plain search:
//! strings and comments. It tells the brackets, words and comments of a
//! file apart without the grammar, for the checks that must run before pest
//! (nesting depth), for finding where items start when pest has failed, and
//! for the comments that are blanked before pest runs.

use std::borrow::Cow;

/// One token of the scan. Offsets are bytes into the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// `[A-Za-z0-9_]+`: names, keywords, numbers, the parts of dotted paths.
    Word { start: usize, end: usize },
    /// `"…"` up to the closing quote or the end of the line.
    Str { start: usize, end: usize },
    /// `// …` up to the end of the line (the newline excluded).
    Comment { start: usize, end: usize },
    /// Any other character that is not white space.
    Punct { at: usize, byte: u8 },
}

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens {
        bytes: text.as_bytes(),
        at: 0,
    }
}

pub struct Tokens<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.bytes;
        while let Some(&b) = bytes.get(self.at) {
            let start = self.at;
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.at += 1,
                b'"' => {
                    let mut i = start + 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        // An escape, unless the backslash ends the line: a
                        // string never runs onto the next line.
                        let escape = bytes[i] == b'\\' && bytes.get(i + 1) != Some(&b'\n');
                        i += if escape { 2 } else { 1 };
                    }
                    // Past the closing quote, if there is one.
                    let end = if bytes.get(i) == Some(&b'"') {
                        i + 1
                    } else {
                        i.min(bytes.len())
                    };
                    self.at = end;
                    return Some(Token::Str { start, end });
                }
                b'/' if bytes.get(start + 1) == Some(&b'/') => {
                    let end = memchr_newline(bytes, start);
                    self.at = end;
                    return Some(Token::Comment { start, end });
                }
                _ if is_word_byte(b) => {
                    let mut end = start + 1;
                    while bytes.get(end).is_some_and(|b| is_word_byte(*b)) {
                        end += 1;
                    }
                    self.at = end;
                    return Some(Token::Word { start, end });
                }
                _ => {
                    // A whole UTF-8 character, so that offsets stay on
                    // character boundaries.
                    let mut end = start + 1;
                    while bytes.get(end).is_some_and(|b| (b & 0xC0) == 0x80) {
                        end += 1;
                    }
                    self.at = end;
                    return Some(Token::Punct { at: start, byte: b });
                }
            }
        }
        None
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
        .map_or(bytes.len(), |i| from + i)
}

/// Every `//` comment of the text, `(start, end)` in order, the end at its
/// line's end.
pub fn comments(text: &str) -> Vec<(usize, usize)> {
    tokens(text)
        .filter_map(|t| match t {
            Token::Comment { start, end } => Some((start, end)),
            _ => None,
        })
        .collect()
}

/// `text` with every byte of its `comments` ([`comments`]) a space: what
/// pest parses (`grammar/nurture.pest` has no comments), with every offset
/// and every token outside the comments as in `text`. A comment is whole
/// characters and spaces are ASCII, so the result is still UTF-8.
pub fn blank_comments<'t>(text: &'t str, comments: &[(usize, usize)]) -> Cow<'t, str> {
    if comments.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut blanked = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in comments {
        blanked.push_str(text.get(at..start).unwrap_or_default());
        blanked.extend(std::iter::repeat_n(' ', end.saturating_sub(start)));
        at = end;
    }
    blanked.push_str(text.get(at..).unwrap_or_default());
    debug_assert_eq!(blanked.len(), text.len());
    Cow::Owned(blanked)
}

/// The offset of the last `{` left open at the end of the text.
pub fn unclosed_brace(text: &str) -> Option<usize> {
    unclosed(text, b'{', b'}')
}

/// The offset of the last `opening` bracket left open at the end of the text.
pub fn unclosed(text: &str, opening: u8, closing: u8) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    for token in tokens(text) {
        match token {
            Token::Punct { at, byte } if byte == opening => open.push(at),
            Token::Punct { byte, .. } if byte == closing => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().copied()
}

/// The comments of the text ([`comments`]), or its first bracket deeper
/// than `limit` with its depth ([`too_deep`]): both from one scan, since a
/// parse needs both.
pub fn comments_within_depth(
    text: &str,
    limit: usize,
) -> Result<Vec<(usize, usize)>, (usize, usize)> {
    let mut depth = 0usize;
    let mut comments = Vec::new();
    for token in tokens(text) {
        match token {
            Token::Comment { start, end } => comments.push((start, end)),
            Token::Punct { at, byte } => match byte {
                b'{' | b'(' | b'[' => {
                    depth += 1;
                    if depth > limit {
                        return Err((at, depth));
                    }
                }
                b'}' | b')' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            },
            Token::Word { .. } | Token::Str { .. } => {}
        }
    }
    Ok(comments)
}

/// The first opening bracket (`{`, `(` or `[`) deeper than `limit`, with its
/// depth.
pub fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for token in tokens(text) {
        if let Token::Punct { at, byte } = token {
            match byte {
                b'{' | b'(' | b'[' => {
                    depth += 1;
                    if depth > limit {
                        return Some((at, depth));
                    }
                }
                b'}' | b')' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_comments_hide_brackets() {
        let text = "a { \"}\" // }\n} \"open {";
        let kinds: Vec<Token> = tokens(text).collect();
        assert_eq!(
            kinds,
            vec![
                Token::Word { start: 0, end: 1 },
                Token::Punct { at: 2, byte: b'{' },
                Token::Str { start: 4, end: 7 },
                Token::Comment { start: 8, end: 12 },
                Token::Punct { at: 13, byte: b'}' },
                Token::Str { start: 15, end: 22 },
            ]
        );
        assert_eq!(unclosed_brace(text), None);
        assert_eq!(unclosed_brace("x { { }"), Some(2));
    }

    #[test]
    fn non_ascii_punctuation_is_one_token() {
        let text = "é{";
        let kinds: Vec<Token> = tokens(text).collect();
        assert_eq!(
            kinds,
            vec![
                Token::Punct { at: 0, byte: 0xC3 },
                Token::Punct { at: 2, byte: b'{' }
            ]
        );
    }

    #[test]
    fn a_backslash_at_the_end_does_not_overrun() {
        assert_eq!(tokens("\"\\").count(), 1);
        assert_eq!(too_deep("((( \"(((\"", 2), Some((2, 3)));
        assert_eq!(comments_within_depth("((( \"(((\"", 2), Err((2, 3)));
        assert_eq!(comments_within_depth("( // (\n)", 1), Ok(vec![(2, 6)]));
    }
}
