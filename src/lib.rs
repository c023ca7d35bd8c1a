//! `nurturec`: a compiler for `.nurture` B2B email nurture campaigns.
//!
//! The pipeline, each stage a public function:
//!
//! | stage   | function                  | input → output                          |
//! | ------- | ------------------------- | --------------------------------------- |
//! | parse   | [`syntax::parse`]         | text → [`syntax::ast::File`]            |
//! | resolve | [`resolve::resolve`]      | syntax trees → [`ir::Project`]          |
//! | check   | [`check::check`]          | project → diagnostics                   |
//! | emit    | [`emit::ir_json`]         | project → canonical JSON, per campaign  |
//! | emit    | [`emit::klaviyo()`], [`emit::hubspot()`], [`emit::asl()`] | project + [`config::Config`] → platform JSON |
//! | format  | [`format::format_file`]   | text → text in canonical layout         |
//!
//! [`compile`] runs the first three over a [`SourceMap`]. The library does no
//! file or terminal I/O: the `nurturec` binary reads, renders and writes.

// pest_derive without `std` names `alloc::` in the parser it generates.
extern crate alloc;

pub mod check;
pub mod config;
mod decimal;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod format;
pub mod ide;
pub mod ir;
pub mod merge_tags;
pub mod resolve;
pub mod simulate;
pub mod source;
pub mod span;
pub mod syntax;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use source::SourceMap;

/// The longest duration accepted, in seconds (about 136 years: what fits in
/// 32 bits, the widest delay the target platforms take).
pub const MAX_DURATION_SECONDS: u64 = u32::MAX as u64;

/// The largest cap, point value or percentage accepted.
pub const MAX_WHOLE_NUMBER: u64 = 1_000_000_000;

/// The result of compiling a project: its IR and every diagnostic, sorted.
#[derive(Debug)]
pub struct Compilation {
    pub project: ir::Project,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Per file id: the file's place in path order. Source order across files
/// is path order, whatever order the files were added in.
pub fn file_rank(sources: &SourceMap) -> Vec<usize> {
    rank_by_name(sources.iter().map(|(_, f)| f.project_path.as_str()))
}

/// [`file_rank`] for files given by their names in id order.
pub fn rank_by_name<'a>(names_in_id_order: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut names: Vec<(&str, usize)> = names_in_id_order.zip(0..).collect();
    names.sort();
    let mut rank = vec![0; names.len()];
    for (place, (_, id)) in names.iter().enumerate() {
        if let Some(slot) = rank.get_mut(*id) {
            *slot = place;
        }
    }
    rank
}

/// Parses, resolves and checks every file of a project. An item with a
/// syntax error contributes only that error: it still defines its name.
/// Warnings allowed at their site (`// nurturec: allow(…)`, see
/// [`diagnostics::lints`]) are left out.
pub fn compile(sources: &SourceMap) -> Compilation {
    use rayon::prelude::*;
    // Files on all cores; `collect` keeps their order, so the result is a
    // single thread's.
    let inputs: Vec<_> = sources.iter().collect();
    let per_file: Vec<_> = inputs
        .par_iter()
        .map(|&(id, file)| {
            let allows = diagnostics::lints::scan_allows(id, &file.text);
            (allows, syntax::parse(id, &file.text))
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(per_file.len());
    let mut allows = Vec::new();
    let mut parse_problems = Vec::new();
    for ((mut found, mut problems), (ast, mut more)) in per_file {
        allows.append(&mut found);
        diagnostics.append(&mut problems);
        parse_problems.append(&mut more);
        files.push(ast);
    }
    diagnostics.append(&mut parse_problems);
    // `compile_parsed`'s stages, but without the editors' index, and with
    // the syntax trees freed on one core while the checks start on the
    // others.
    let (project, resolved) = resolve::resolve(&files);
    let rank = file_rank(sources);
    let ((), checked) = rayon::join(
        move || drop(files),
        || check::check_in_order(&project, &rank),
    );
    let index = resolve::index::Index::default();
    assemble(project, diagnostics, resolved, checked, &allows, index).0
}

/// The stages after parsing, for a caller that keeps each file's syntax
/// tree, its allows and its parse diagnostics (`diagnostics`) and re-parses
/// only the file that changed: the language server ([`ide`]). Also returns
/// the resolver's index of definitions and references.
pub fn compile_parsed(
    files: &[syntax::ast::File],
    allows: &[diagnostics::lints::Allow],
    file_rank: &[usize],
    diagnostics: Vec<Diagnostic>,
) -> (Compilation, resolve::index::Index) {
    let (project, problems, index) = resolve::resolve_indexed(files);
    let checked = check::check_in_order(&project, file_rank);
    assemble(project, diagnostics, problems, checked, allows, index)
}

/// The end of [`compile_parsed`], shared with the language server's
/// incremental run ([`ide`]): the diagnostics of every stage, the allows
/// applied, sorted.
pub(crate) fn assemble(
    project: ir::Project,
    mut diagnostics: Vec<Diagnostic>,
    mut resolved: Vec<Diagnostic>,
    checked: Vec<Diagnostic>,
    allows: &[diagnostics::lints::Allow],
    index: resolve::index::Index,
) -> (Compilation, resolve::index::Index) {
    diagnostics.append(&mut resolved);
    diagnostics.extend(checked);
    // An error can stop the checks that would raise an allowed warning, so
    // only a project without errors can tell that an allow covers nothing.
    let report_unfulfilled = !diagnostics.iter().any(Diagnostic::is_error);
    diagnostics::lints::apply_allows(&mut diagnostics, allows, report_unfulfilled);
    diagnostics::sort_and_dedup(&mut diagnostics);
    let compilation = Compilation {
        project,
        diagnostics,
    };
    (compilation, index)
}
