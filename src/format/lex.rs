//! The formatter's tokens: the lexical scan ([`crate::syntax::scan`]) with
//! the pieces the grammar reads as one token glued back together (`a.b`,
//! `+15`, `-1.5`, `50%`, `>=`), and each comment placed between two of them.

use crate::syntax::scan::{self, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomKind {
    /// A name, keyword, number, duration, dotted path, points or percentage.
    Word,
    /// A string, re-emitted exactly as written.
    Str,
    /// `=`, `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Operator,
    /// `{`, `(` or `[`.
    Open(u8),
    /// `}`, `)` or `]`.
    Close(u8),
    Comma,
    Colon,
    /// Anything else (only in text that does not parse).
    Other,
}

/// A token as the formatter prints it: `text[start..end]`.
#[derive(Debug, Clone, Copy)]
pub struct Atom {
    pub start: usize,
    pub end: usize,
    pub kind: AtomKind,
    /// A blank line comes before it in the source (after the token before).
    pub blank_before: bool,
}

#[derive(Debug, Clone)]
pub struct Comment {
    /// The comment without trailing white space (a CRLF's `\r` included).
    pub text: String,
    /// The number of atoms before it: it sits between atoms `at - 1` and `at`.
    pub at: usize,
    /// Nothing but white space before it on its line.
    pub own_line: bool,
    /// An own-line comment that continues the end-of-line comment above it:
    /// the line above ends in a comment that starts in the same column.
    pub continues: bool,
    pub blank_before: bool,
}

pub struct Lexed {
    pub atoms: Vec<Atom>,
    pub comments: Vec<Comment>,
}

/// Splits `text` into atoms and comments.
pub fn lex(text: &str) -> Lexed {
    let tokens: Vec<Token> = scan::tokens(text).collect();
    let mut atoms: Vec<Atom> = Vec::new();
    let mut comments: Vec<Comment> = Vec::new();
    // Where the previous token (atom or comment) ended.
    let mut previous_end: Option<usize> = None;
    // The column of the previous comment, when nothing but comments and
    // white space lies between it and here.
    let mut comment_column: Option<usize> = None;
    let mut i = 0;
    while let Some(&token) = tokens.get(i) {
        let (start, end, kind, used) = match token {
            Token::Comment { start, end } => {
                let gap = previous_end.map(|p| &text[p..start]);
                let own_line = gap.is_none_or(|g| g.contains('\n'));
                let column = column_of(text, start);
                let continues = own_line
                    && comment_column == Some(column)
                    && gap.is_some_and(|g| newlines(g) == 1);
                comments.push(Comment {
                    text: text[start..end].trim_end().to_string(),
                    at: atoms.len(),
                    own_line,
                    continues,
                    blank_before: gap.is_some_and(|g| newlines(g) >= 2),
                });
                // Only an end-of-line comment (or a line continuing one)
                // can be continued below.
                comment_column = (!own_line || continues).then_some(column);
                previous_end = Some(end);
                i += 1;
                continue;
            }
            Token::Str { start, end } => (start, end, AtomKind::Str, 1),
            Token::Word { start, end } => {
                let (end, used) = glue_word(text, &tokens, i, end);
                (start, end, AtomKind::Word, used)
            }
            // `09:00-17:00`: after a clock time, `-` is the range's dash,
            // not the sign of a number.
            Token::Punct { at, byte: b'-' }
                if atoms
                    .last()
                    .is_some_and(|a| is_clock(&text[a.start..a.end])) =>
            {
                (at, at + 1, AtomKind::Other, 1)
            }
            Token::Punct { at, byte } => punct(text, &tokens, i, at, byte),
        };
        comment_column = None;
        let blank_before = previous_end.is_some_and(|p| newlines(&text[p..start]) >= 2);
        atoms.push(Atom {
            start,
            end,
            kind,
            blank_before,
        });
        previous_end = Some(end);
        i += used;
    }
    Lexed { atoms, comments }
}

/// `HH:MM`, as a send window writes a time of day.
fn is_clock(atom: &str) -> bool {
    atom.split_once(':').is_some_and(|(h, m)| {
        !h.is_empty() && !m.is_empty() && (h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
    })
}

fn is_digits(text: &str, start: usize, end: usize) -> bool {
    text.get(start..end)
        .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
}

/// A word and what is glued to it: `.word` parts (paths, decimals), a `%`,
/// and `:digits` after digits (a clock time, `09:00`). Returns the end and
/// how many tokens were used.
fn glue_word(text: &str, tokens: &[Token], i: usize, mut end: usize) -> (usize, usize) {
    let first_start = match tokens.get(i) {
        Some(&Token::Word { start, .. }) => start,
        _ => end,
    };
    let mut used = 1;
    loop {
        match (tokens.get(i + used), tokens.get(i + used + 1)) {
            (Some(&Token::Punct { at, byte: b':' }), Some(&Token::Word { start, end: e }))
                if at == end
                    && start == at + 1
                    && is_digits(text, first_start, end)
                    && is_digits(text, start, e) =>
            {
                end = e;
                used += 2;
            }
            (Some(&Token::Punct { at, byte: b'.' }), Some(&Token::Word { start, end: e }))
                if at == end && start == at + 1 =>
            {
                end = e;
                used += 2;
            }
            (Some(&Token::Punct { at, byte: b'%' }), _) if at == end => {
                end = at + 1;
                used += 1;
            }
            _ => return (end, used),
        }
    }
}

fn punct(
    text: &str,
    tokens: &[Token],
    i: usize,
    at: usize,
    byte: u8,
) -> (usize, usize, AtomKind, usize) {
    let next = tokens.get(i + 1).copied();
    match byte {
        b'{' | b'(' | b'[' => (at, at + 1, AtomKind::Open(byte), 1),
        b'}' | b')' | b']' => (at, at + 1, AtomKind::Close(byte), 1),
        b',' => (at, at + 1, AtomKind::Comma, 1),
        b':' => (at, at + 1, AtomKind::Colon, 1),
        b'+' | b'-' => match next {
            Some(Token::Word { start, end })
                if start == at + 1 && text.as_bytes()[start].is_ascii_digit() =>
            {
                let (end, used) = glue_word(text, tokens, i + 1, end);
                (at, end, AtomKind::Word, used + 1)
            }
            _ => (at, at + 1, AtomKind::Other, 1),
        },
        b'=' | b'!' | b'<' | b'>' => match next {
            Some(Token::Punct {
                at: next_at,
                byte: b'=',
            }) if next_at == at + 1 => (at, at + 2, AtomKind::Operator, 2),
            _ if byte == b'!' => (at, at + 1, AtomKind::Other, 1),
            _ => (at, at + 1, AtomKind::Operator, 1),
        },
        _ => {
            let width = char_len(byte);
            (at, at + width, AtomKind::Other, 1)
        }
    }
}

/// The byte length of the UTF-8 character that starts with `first`.
fn char_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn newlines(gap: &str) -> usize {
    gap.bytes().filter(|b| *b == b'\n').count()
}

/// The 0-based column, in characters, of `offset` on its line.
fn column_of(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atoms(text: &str) -> Vec<(&str, AtomKind)> {
        lex(text)
            .atoms
            .iter()
            .map(|a| (&text[a.start..a.end], a.kind))
            .collect()
    }

    #[test]
    fn the_grammars_whole_tokens_are_glued_back() {
        use AtomKind::*;
        assert_eq!(
            atoms("page.visited(\"/x\") +15 -1.5 50% >= != = < ,:"),
            [
                ("page.visited", Word),
                ("(", Open(b'(')),
                ("\"/x\"", Str),
                (")", Close(b')')),
                ("+15", Word),
                ("-1.5", Word),
                ("50%", Word),
                (">=", Operator),
                ("!=", Operator),
                ("=", Operator),
                ("<", Operator),
                (",", Comma),
                (":", Colon),
            ]
        );
        // Apart, they are apart.
        assert_eq!(atoms("a . b").len(), 3);
        assert_eq!(atoms("> =").len(), 2);
    }

    #[test]
    fn comments_know_their_place() {
        let text = "a // end\n  // continues\n\n// own\nb\n   // aligned by chance\n";
        let comments = lex(text).comments;
        let summary: Vec<(usize, bool, bool, bool)> = comments
            .iter()
            .map(|c| (c.at, c.own_line, c.continues, c.blank_before))
            .collect();
        assert_eq!(
            summary,
            [
                (1, false, false, false),
                (1, true, true, false),
                (1, true, false, true),
                (2, true, false, false),
            ]
        );
        let aligned = lex("send x   // a\n         // b\n").comments;
        assert!(aligned[1].continues);
        assert_eq!(aligned[0].text, "// a");
    }
}
