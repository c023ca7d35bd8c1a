//! Stage 1, parse: text → [`ast::File`]. A syntax error ends only the item
//! it is in ([`recover`]); the items around it are parsed as usual.

pub mod ast;
mod convert;
mod error;
pub mod recover;
pub mod scan;
mod slips;

use crate::diagnostics::Diagnostic;
use crate::span::FileId;
use pest::Parser;

/// The pest parser. The path is relative to the crate root (pest_derive looks
/// in `CARGO_MANIFEST_DIR`), not to `src/` as its docs suggest.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/nurture.pest"]
pub struct NurtureParser;

/// Deepest nesting of blocks, parentheses and lists accepted. Every later
/// stage recurses over the tree, so the limit keeps all of them far from the
/// end of the stack.
pub const MAX_NESTING: usize = 64;

/// A file longer than this is cut at its top-level items into pieces about
/// this long, which parse on all cores.
const PIECE_BYTES: usize = 64 * 1024;

/// Parses one file into its items and the items that failed to parse, with
/// every syntax error (up to [`recover::MAX_SYNTAX_ERRORS`]) and every value
/// that does not fit its type.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    if text.len() > 2 * PIECE_BYTES {
        if let Some(parsed) = parse_in_pieces(file, text) {
            return parsed;
        }
    }
    parse_in_one(file, text)
}

/// [`parse`] without cutting a long file into pieces: what the pieces must
/// add up to (tests/integration/parallel.rs).
pub fn parse_in_one(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    // The common case, a file that parses, in one pass over the whole text.
    if let Some(parsed) = parse_piece(file, 0, text) {
        let (items, diagnostics) = parsed;
        let parsed = ast::File {
            items,
            broken: Vec::new(),
        };
        return (parsed, diagnostics);
    }
    recover::parse_by_item(file, text)
}

/// The items of a text that parses, and the values in it that do not fit
/// their types; `None` if it does not parse.
fn parse_piece(file: FileId, base: usize, text: &str) -> Option<(Vec<ast::Item>, Vec<Diagnostic>)> {
    let comments = scan::comments_within_depth(text, MAX_NESTING).ok()?;
    let blanked = scan::blank_comments(text, &comments);
    let pairs = NurtureParser::parse(Rule::file, &blanked).ok()?;
    convert::file(file, base, pairs).ok()
}

/// A long file cut where its items start ([`recover::item_ranges`]), the
/// pieces parsed in parallel; `None` unless every piece parses. Then the
/// items are the whole file's, with the same spans and diagnostics in the
/// same order: no item can continue past the start of the next (each ends
/// at its `}`, or a segment at a condition, which no item keyword extends),
/// and a cut inside an item leaves a piece that does not parse.
fn parse_in_pieces(file: FileId, text: &str) -> Option<(ast::File, Vec<Diagnostic>)> {
    use rayon::prelude::*;
    let mut pieces: Vec<std::ops::Range<usize>> = Vec::new();
    for range in recover::item_ranges(text) {
        match pieces.last_mut() {
            Some(last) if last.len() < PIECE_BYTES => last.end = range.end,
            _ => pieces.push(range),
        }
    }
    let parsed: Vec<_> = pieces
        .into_par_iter()
        .map(|range| parse_piece(file, range.start, text.get(range.clone())?))
        .collect::<Option<_>>()?;
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for (mut piece_items, mut piece_diagnostics) in parsed {
        items.append(&mut piece_items);
        diagnostics.append(&mut piece_diagnostics);
    }
    let parsed = ast::File {
        items,
        broken: Vec::new(),
    };
    Some((parsed, diagnostics))
}
