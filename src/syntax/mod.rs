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

/// Parses one file into its items and the items that failed to parse, with
/// every syntax error (up to [`recover::MAX_SYNTAX_ERRORS`]) and every value
/// that does not fit its type.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    // The common case, a file that parses, in one pass over the whole text.
    if scan::too_deep(text, MAX_NESTING).is_none() {
        if let Ok(pairs) = NurtureParser::parse(Rule::file, text) {
            if let Ok((items, diagnostics)) = convert::file(file, 0, pairs) {
                let parsed = ast::File {
                    items,
                    broken: Vec::new(),
                };
                return (parsed, diagnostics);
            }
        }
    }
    recover::parse_by_item(file, text)
}
