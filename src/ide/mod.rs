//! What an editor asks of a project, without any protocol: an
//! [`AnalysisHost`] holds the text of every file by path (an editor's open
//! buffers over what is on disk), keeps each file's parse, and answers
//! diagnostics, completion, definitions, references, renames, hovers,
//! symbols, code actions and formatting. Positions are 0-based lines and
//! UTF-16 columns, as the Language Server Protocol counts them. The
//! `nurturec lsp` command (`src/cli/lsp.rs`) speaks the protocol over
//! standard input and output.
//!
//! After an edit only the edited file is parsed again; resolving and
//! checking run over the whole project, from the syntax trees kept.

mod actions;
mod complete;
mod hover;
mod incremental;
mod position;
mod symbols;

pub use actions::CodeAction;
pub use complete::{CompletionItem, CompletionKind};
pub use position::{apply_change, Position, Range};
pub use symbols::{DocumentSymbol, DocumentSymbolKind};

use crate::config::Config;
use crate::diagnostics::lints::{self, Allow};
use crate::resolve::index::{Index, Occurrence, SymbolKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span};
use crate::syntax::{self, ast};
use crate::{Compilation, Diagnostic, Severity};

/// A place in a file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub range: Range,
}

/// Replace `range` by `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range,
    pub new_text: String,
}

/// Edits to several files, each file's in order.
pub type WorkspaceEdit = Vec<(String, Vec<TextEdit>)>;

/// A diagnostic placed in one file, ready for an editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiagnostic {
    pub range: Range,
    pub severity: Severity,
    pub code: &'static str,
    /// The message, with the help line after it when there is one.
    pub message: String,
    /// The secondary labels, wherever they are in the project.
    pub related: Vec<(Location, String)>,
}

struct FileState {
    path: String,
    source: SourceFile,
    ast: ast::File,
    /// The parse's diagnostics and those of the file's allow comments.
    problems: Vec<Diagnostic>,
    allows: Vec<Allow>,
    /// Parsed since the last analysis (which compares the syntax trees of
    /// such files only).
    parsed_since: bool,
}

/// The results of resolving and checking the whole project.
struct Analysis {
    compilation: Compilation,
    index: Index,
    /// The errors of `nurture.toml`, as `nurturec check` reports them.
    config_problems: Vec<Diagnostic>,
}

/// The project as an editor sees it. Every method is total: any text, any
/// position, any name gives an answer (possibly empty), never a panic.
#[derive(Default)]
pub struct AnalysisHost {
    /// In path order, the order the compiler reads a project in; a file's
    /// [`FileId`] is its index.
    files: Vec<FileState>,
    /// Each file's syntax tree, in the same order (the resolver takes a slice).
    asts: Vec<ast::File>,
    /// The project's `nurture.toml`: its path and text. Its diagnostics
    /// point into it with the file id after the last file's.
    config: Option<SourceFile>,
    analysis: Option<Analysis>,
    /// The last analysis's project, kept after an edit for the next run to
    /// take its unchanged campaigns from.
    stale: Option<crate::ir::Project>,
    incremental: incremental::Incremental,
}

fn file_id(index: usize) -> FileId {
    FileId(u32::try_from(index).unwrap_or(u32::MAX))
}

impl AnalysisHost {
    pub fn new() -> Self {
        AnalysisHost::default()
    }

    /// Sets the text of the file at `path` (added when new). Only this file
    /// is parsed again, unless adding it renumbers the files after it.
    pub fn set_file(&mut self, path: &str, text: &str) {
        match self.files.binary_search_by(|f| f.path.as_str().cmp(path)) {
            Ok(i) => {
                if self.files[i].source.text == text {
                    return;
                }
                self.invalidate();
                let state = parse_file(i, path, text);
                self.asts[i] = state.ast.clone();
                self.files[i] = state;
            }
            Err(i) => {
                self.invalidate();
                let state = parse_file(i, path, text);
                self.asts.insert(i, state.ast.clone());
                self.files.insert(i, state);
                self.renumber_from(i + 1);
            }
        }
    }

    /// Forgets the file at `path`.
    pub fn remove_file(&mut self, path: &str) {
        if let Ok(i) = self.files.binary_search_by(|f| f.path.as_str().cmp(path)) {
            self.invalidate();
            self.files.remove(i);
            self.asts.remove(i);
            self.renumber_from(i);
        }
    }

    /// The project's `nurture.toml` (its lint levels and policy apply, and
    /// its errors are diagnostics of its path), or none.
    pub fn set_config(&mut self, config: Option<(&str, &str)>) {
        let config = config.map(|(p, t)| SourceFile::new(p, t));
        let same = match (&self.config, &config) {
            (Some(a), Some(b)) => a.name == b.name && a.text == b.text,
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.invalidate();
            self.config = config;
        }
    }

    /// The files after `from` changed index: their spans name their index.
    fn renumber_from(&mut self, from: usize) {
        for i in from..self.files.len() {
            let state = parse_file(i, &self.files[i].path, &self.files[i].source.text);
            self.asts[i] = state.ast.clone();
            self.files[i] = state;
        }
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.path.as_str())
    }

    /// The text of a file of the project, or of its `nurture.toml`.
    pub fn text(&self, path: &str) -> Option<&str> {
        match self.file(path) {
            Some((_, f)) => Some(f.source.text.as_str()),
            None => self
                .config
                .as_ref()
                .filter(|c| c.name == path)
                .map(|c| c.text.as_str()),
        }
    }

    fn file(&self, path: &str) -> Option<(FileId, &FileState)> {
        let i = self
            .files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()?;
        Some((file_id(i), self.files.get(i)?))
    }

    fn state(&self, id: FileId) -> Option<&FileState> {
        self.files.get(id.0 as usize)
    }

    fn analysis(&mut self) -> &Analysis {
        let analysis = match self.analysis.take() {
            Some(analysis) => analysis,
            None => {
                let unchanged: Vec<bool> = self.files.iter().map(|f| !f.parsed_since).collect();
                let analysis = analyze(
                    &self.files,
                    &self.asts,
                    self.config.as_ref(),
                    self.stale.take(),
                    &unchanged,
                    &mut self.incremental,
                );
                for f in &mut self.files {
                    f.parsed_since = false;
                }
                analysis
            }
        };
        self.analysis.insert(analysis)
    }

    /// Forgets the analysis after a change, keeping its project for the next.
    fn invalidate(&mut self) {
        if let Some(analysis) = self.analysis.take() {
            self.stale = Some(analysis.compilation.project);
        }
    }

    /// Makes the next query compute the analysis now (for timing an edit).
    pub fn analyze(&mut self) {
        let _ = self.analysis();
    }

    /// Every file's diagnostics, a file without any included (so that an
    /// editor clears what it showed), and last those of `nurture.toml` when
    /// the project has one.
    pub fn diagnostics(&mut self) -> Vec<(String, Vec<FileDiagnostic>)> {
        self.analyze();
        let Some(analysis) = &self.analysis else {
            return Vec::new();
        };
        let mut out: Vec<(String, Vec<FileDiagnostic>)> = self
            .files
            .iter()
            .map(|f| (f.path.clone(), Vec::new()))
            .collect();
        for d in &analysis.compilation.diagnostics {
            let Some(slot) = out.get_mut(d.primary.span.file.0 as usize) else {
                continue;
            };
            if let Some(converted) = self.to_file_diagnostic(d) {
                slot.1.push(converted);
            }
        }
        if let Some(config) = &self.config {
            let converted = analysis
                .config_problems
                .iter()
                .filter_map(|d| self.to_file_diagnostic(d))
                .collect();
            out.push((config.name.clone(), converted));
        }
        out
    }

    fn to_file_diagnostic(&self, d: &Diagnostic) -> Option<FileDiagnostic> {
        let range = self.range_of(d.primary.span)?;
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(": ");
            message.push_str(&d.primary.message);
        }
        for note in &d.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let related = d
            .secondary
            .iter()
            .filter_map(|l| Some((self.location_of(l.span)?, l.message.clone())))
            .collect();
        Some(FileDiagnostic {
            range,
            severity: d.severity,
            code: d.code.as_str(),
            message,
            related,
        })
    }

    /// The diagnostics whose primary span is in `path`, as the compiler has them.
    fn raw_diagnostics(&mut self, path: &str) -> Vec<Diagnostic> {
        let Some((id, _)) = self.file(path) else {
            return Vec::new();
        };
        self.analysis()
            .compilation
            .diagnostics
            .iter()
            .filter(|d| d.primary.span.file == id)
            .cloned()
            .collect()
    }

    /// A file of the project, or `nurture.toml` (the id after the last file's).
    fn source(&self, id: FileId) -> Option<&SourceFile> {
        match self.state(id) {
            Some(state) => Some(&state.source),
            None if id.0 as usize == self.files.len() => self.config.as_ref(),
            None => None,
        }
    }

    fn range_of(&self, span: Span) -> Option<Range> {
        let file = self.source(span.file)?;
        Some(Range {
            start: position::of_offset(file, span.start),
            end: position::of_offset(file, span.end),
        })
    }

    fn location_of(&self, span: Span) -> Option<Location> {
        Some(Location {
            path: self.source(span.file)?.name.clone(),
            range: self.range_of(span)?,
        })
    }

    fn offset_of(&self, path: &str, at: Position) -> Option<(FileId, usize)> {
        let (id, f) = self.file(path)?;
        Some((id, position::to_offset(&f.source, at)))
    }

    /// The name (definition or reference) at a position.
    fn occurrence_at(&mut self, path: &str, at: Position) -> Option<Occurrence> {
        let (id, offset) = self.offset_of(path, at)?;
        let index = &self.analysis().index;
        index
            .references()
            .chain(index.definitions())
            .find(|o| o.span.file == id && o.span.start <= offset && offset <= o.span.end)
            .cloned()
    }

    /// Where the name at `at` is defined.
    pub fn definition(&mut self, path: &str, at: Position) -> Option<Location> {
        let occurrence = self.occurrence_at(path, at)?;
        let span = self.analysis().index.definition_of(&occurrence)?.span;
        self.location_of(span)
    }

    /// Every use of the name at `at`, and its definition when asked.
    pub fn references(
        &mut self,
        path: &str,
        at: Position,
        include_declaration: bool,
    ) -> Vec<Location> {
        let Some(occurrence) = self.occurrence_at(path, at) else {
            return Vec::new();
        };
        let spans = self.spans_of(&occurrence, include_declaration);
        spans
            .into_iter()
            .filter_map(|s| self.location_of(s))
            .collect()
    }

    fn spans_of(&mut self, occurrence: &Occurrence, include_declaration: bool) -> Vec<Span> {
        let index = &self.analysis().index;
        let mut spans: Vec<Span> = Vec::new();
        if include_declaration {
            spans.extend(
                index
                    .definitions()
                    .filter(|d| crate::resolve::index::same_symbol(d, occurrence))
                    .map(|d| d.span),
            );
        }
        spans.extend(index.references_to(occurrence).map(|r| r.span));
        spans.sort();
        spans.dedup();
        spans
    }

    /// The name at `at` and its range, if it can be renamed.
    pub fn prepare_rename(&mut self, path: &str, at: Position) -> Option<(Range, String)> {
        let occurrence = self.occurrence_at(path, at)?;
        if occurrence.kind == SymbolKind::Event {
            return None;
        }
        Some((self.range_of(occurrence.span)?, occurrence.name))
    }

    /// Renames the name at `at` everywhere it is used: across the project,
    /// or within its campaign for a label. Refuses a name that is not a
    /// name of the language, one already taken, and events (the catalogue
    /// is fixed).
    pub fn rename(
        &mut self,
        path: &str,
        at: Position,
        new_name: &str,
    ) -> Result<WorkspaceEdit, String> {
        let occurrence = self
            .occurrence_at(path, at)
            .ok_or_else(|| "there is no name here to rename".to_string())?;
        if occurrence.kind == SymbolKind::Event {
            return Err("events are the catalogue's: they cannot be renamed".to_string());
        }
        if !is_identifier(new_name) {
            return Err(format!(
                "`{new_name}` is not a name: names are lowercase letters, digits and `_`, start with a letter or `_`, and are not a reserved word"
            ));
        }
        if occurrence.kind == SymbolKind::Property && new_name.contains('.') {
            return Err(format!("`{new_name}` is not a property name"));
        }
        let taken = {
            let index = &self.analysis().index;
            let probe = Occurrence {
                name: new_name.to_string(),
                ..occurrence.clone()
            };
            index
                .definitions()
                .any(|d| crate::resolve::index::same_symbol(d, &probe))
        };
        if taken && new_name != occurrence.name {
            return Err(format!(
                "`{new_name}` is already defined{}",
                match &occurrence.scope {
                    Some(campaign) => format!(" in campaign `{campaign}`"),
                    None => String::new(),
                }
            ));
        }
        let spans = self.spans_of(&occurrence, true);
        let mut edits: WorkspaceEdit = Vec::new();
        for span in spans {
            let (Some(location), Some(state)) = (self.location_of(span), self.state(span.file))
            else {
                continue;
            };
            // Only the name's own text: a span may be wider (a goto's).
            if state.source.text.get(span.start..span.end) != Some(occurrence.name.as_str()) {
                continue;
            }
            let edit = TextEdit {
                range: location.range,
                new_text: new_name.to_string(),
            };
            match edits.iter_mut().find(|(p, _)| *p == location.path) {
                Some((_, list)) => list.push(edit),
                None => edits.push((location.path, vec![edit])),
            }
        }
        Ok(edits)
    }

    /// The whole file in canonical layout, as one edit; `None` when it does
    /// not parse or is already formatted.
    pub fn format(&self, path: &str) -> Option<Vec<TextEdit>> {
        let (id, state) = self.file(path)?;
        let text = &state.source.text;
        let formatted = crate::format::format_file(id, text).ok()?;
        if formatted == *text {
            return Some(Vec::new());
        }
        Some(vec![TextEdit {
            range: Range {
                start: Position::default(),
                end: position::of_offset(&state.source, text.len()),
            },
            new_text: formatted,
        }])
    }
}

fn analyze(
    files: &[FileState],
    asts: &[ast::File],
    config: Option<&SourceFile>,
    previous: Option<crate::ir::Project>,
    unchanged: &[bool],
    incremental: &mut incremental::Incremental,
) -> Analysis {
    let problems: Vec<Diagnostic> = files
        .iter()
        .flat_map(|f| f.problems.iter().cloned())
        .collect();
    let allows: Vec<Allow> = files
        .iter()
        .flat_map(|f| f.allows.iter().cloned())
        .collect();
    let rank = crate::rank_by_name(files.iter().map(|f| f.source.project_path.as_str()));
    let (parsed, config_problems): (Option<Config>, Vec<Diagnostic>) = match config {
        Some(c) => match crate::config::parse_config(file_id(files.len()), &c.text) {
            Ok(parsed) => (Some(parsed), Vec::new()),
            Err(problems) => (None, problems),
        },
        None => (None, Vec::new()),
    };
    let (mut compilation, index, policy) = incremental.run(
        asts,
        &allows,
        &rank,
        problems,
        previous.map(|p| (p, unchanged)),
        parsed.as_ref().map(|c| &c.policy),
    );
    if let Some(config) = parsed {
        // `[policy]` judges the project as compiled, as `nurturec check` does.
        compilation.diagnostics.extend(policy);
        crate::diagnostics::sort_and_dedup(&mut compilation.diagnostics);
        lints::apply_levels(&mut compilation.diagnostics, &config.lints);
    }
    Analysis {
        compilation,
        index,
        config_problems,
    }
}

fn parse_file(index: usize, path: &str, text: &str) -> FileState {
    let id = file_id(index);
    let (allows, mut problems) = lints::scan_allows(id, text);
    let (ast, mut parse_problems) = syntax::parse(id, text);
    problems.append(&mut parse_problems);
    FileState {
        path: path.to_string(),
        source: SourceFile::new(path, text),
        ast,
        problems,
        allows,
        parsed_since: true,
    }
}

/// Whether `name` is a name of the language (the grammar's `ident`).
pub fn is_identifier(name: &str) -> bool {
    use pest::Parser;
    match syntax::NurtureParser::parse(syntax::Rule::ident, name) {
        Ok(mut pairs) => pairs.next().is_some_and(|p| p.as_str() == name),
        Err(_) => false,
    }
}
