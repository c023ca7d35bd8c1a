//! Byte offsets ↔ LSP positions: 0-based lines, columns in UTF-16 code
//! units ([`ColumnUnit::Utf16`], the unit SARIF output already uses).

use crate::source::{ColumnUnit, SourceFile};

/// 0-based line and UTF-16 column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub fn new(line: u32, character: u32) -> Self {
        Position { line, character }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn of_offset(file: &SourceFile, offset: usize) -> Position {
    let (line, column) = file.location_in(offset, ColumnUnit::Utf16);
    Position {
        line: to_u32(line.saturating_sub(1)),
        character: to_u32(column.saturating_sub(1)),
    }
}

/// The byte offset of a position; past the end of its line is the line's
/// end, past the last line the end of the text, inside a character that
/// needs two UTF-16 units the character's start.
pub(crate) fn to_offset(file: &SourceFile, at: Position) -> usize {
    let Some(line) = file.line_range(at.line as usize) else {
        return file.text.len();
    };
    let text = file.text.get(line.clone()).unwrap_or("");
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let mut units = 0usize;
    for (i, c) in text.char_indices() {
        let next = units + c.len_utf16();
        if next > at.character as usize {
            return line.start + i;
        }
        units = next;
    }
    line.start + text.len()
}

/// `text` with `range` replaced by `new_text`: an editor's ranged change
/// (incremental synchronisation). A range past the end is clamped like
/// [`to_offset`]'s positions; an end before the start is the start.
pub fn apply_change(text: &str, range: Range, new_text: &str) -> String {
    let file = SourceFile::new("", text);
    let start = to_offset(&file, range.start);
    let end = to_offset(&file, range.end).max(start);
    let mut out = String::with_capacity(text.len() + new_text.len());
    out.push_str(text.get(..start).unwrap_or(text));
    out.push_str(new_text);
    out.push_str(text.get(end..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let file = SourceFile::new("a", "ab\n\u{1F600}x\r\nz");
        let x = file.text.find('x').unwrap_or(0);
        assert_eq!(of_offset(&file, x), Position::new(1, 2));
        assert_eq!(to_offset(&file, Position::new(1, 2)), x);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(to_offset(&file, Position::new(1, 1)), 3);
        // Past the line's end, before its CRLF.
        assert_eq!(to_offset(&file, Position::new(1, 99)), x + 1);
        assert_eq!(to_offset(&file, Position::new(9, 0)), file.text.len());
    }

    #[test]
    fn ranged_changes_count_utf16_units() {
        let range = |a: (u32, u32), b: (u32, u32)| Range {
            start: Position::new(a.0, a.1),
            end: Position::new(b.0, b.1),
        };
        // After the emoji (two units) and `é` (one): `x` is at column 3.
        let text = "a\n\u{1F600}\u{e9}x\n";
        assert_eq!(
            apply_change(text, range((1, 3), (1, 4)), "yz"),
            "a\n\u{1F600}\u{e9}yz\n"
        );
        // An insertion across lines, and an end before the start.
        assert_eq!(apply_change(text, range((0, 1), (1, 2)), ""), "a\u{e9}x\n");
        assert_eq!(
            apply_change(text, range((1, 2), (0, 0)), "!"),
            "a\n\u{1F600}!\u{e9}x\n"
        );
        assert_eq!(
            apply_change(text, range((7, 0), (9, 9)), "end"),
            format!("{text}end")
        );
    }
}
