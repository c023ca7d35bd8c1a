//! Stage 4, backends: the resolved project as files for a target, and
//! [`graph`], a campaign's flow as a Mermaid or DOT picture.

pub mod graph;
mod ir_json;

pub use ir_json::{ir_json, IR_FORMAT_VERSION};

/// One output file: a path relative to the output folder, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}
