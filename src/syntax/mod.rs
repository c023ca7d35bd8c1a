//! Stage 1, parse: text → [`ast::File`], or the syntax error that stopped it.

pub mod ast;
mod convert;
mod error;

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

/// Parses one file. A syntax error stops the file (pest reports the first);
/// values that do not fit their type are reported without stopping it.
pub fn parse(file: FileId, text: &str) -> Result<(ast::File, Vec<Diagnostic>), Vec<Diagnostic>> {
    if let Some(too_deep) = error::check_nesting(file, text, MAX_NESTING) {
        return Err(vec![too_deep]);
    }
    let pairs = NurtureParser::parse(Rule::file, text)
        .map_err(|e| vec![error::syntax_error(file, text, &e)])?;
    convert::file(file, pairs)
}
