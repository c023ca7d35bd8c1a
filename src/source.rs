//! The files of a project, with the line index needed to turn byte offsets
//! into 1-based lines and columns.

use crate::span::{FileId, Span};
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (or `<stdin>`), shown in diagnostics so
    /// that a terminal or an editor can open it from where the user is.
    pub name: String,
    /// The path relative to the project root with `/` separators, named in
    /// every output (the IR's `source`), so that outputs do not depend on the
    /// working directory or on how the paths were spelt.
    pub project_path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file whose display name is also its project path.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let name = name.into();
        SourceFile::with_project_path(name.clone(), name, text)
    }

    pub fn with_project_path(
        name: impl Into<String>,
        project_path: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            project_path: project_path.into(),
            text,
            line_starts,
        }
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line)?;
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        Some(start..end)
    }

    /// 1-based line and column (in characters, so tabs and non-ASCII text
    /// count as one column each) of a byte offset.
    pub fn location(&self, offset: usize) -> (usize, usize) {
        self.location_in(offset, ColumnUnit::Char)
    }

    /// 1-based line and column of a byte offset, the column counted in `unit`.
    pub fn location_in(&self, offset: usize, unit: ColumnUnit) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| unit.measure(prefix));
        (line + 1, column + 1)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// What a column counts of the text before it on its line. Every unit
/// counts a tab as one; they differ only after non-ASCII text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Unicode scalar values (what `human`, `short` and `json` print).
    Char,
    /// UTF-8 bytes (what Vim's and Neovim's quickfix `%c` means).
    Byte,
    /// UTF-16 code units (VS Code's and LSP's positions, SARIF's default).
    Utf16,
}

impl ColumnUnit {
    fn measure(self, text: &str) -> usize {
        match self {
            ColumnUnit::Char => text.chars().count(),
            ColumnUnit::Byte => text.len(),
            ColumnUnit::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }
}

/// Every file of a project, in the order they were read (path order).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file whose display name is also its project path.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.add_file(SourceFile::new(name, text))
    }

    /// Adds a file shown in diagnostics as `name` and named in outputs by
    /// `project_path` (relative to the project root, `/` separators).
    pub fn add_with_project_path(
        &mut self,
        name: impl Into<String>,
        project_path: impl Into<String>,
        text: impl Into<String>,
    ) -> FileId {
        self.add_file(SourceFile::with_project_path(name, project_path, text))
    }

    /// Adds a file made apart (the CLI reads and indexes files on all
    /// cores, then adds them in path order).
    pub fn add_file(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The name diagnostics show.
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    /// The name outputs record: relative to the project root.
    pub fn project_path(&self, id: FileId) -> &str {
        self.get(id)
            .map_or("<unknown>", |f| f.project_path.as_str())
    }

    /// 1-based (line, column) of the span's start.
    pub fn start_location(&self, span: Span) -> (usize, usize) {
        self.get(span.file)
            .map_or((1, 1), |f| f.location(span.start))
    }

    pub fn end_location(&self, span: Span) -> (usize, usize) {
        self.get(span.file).map_or((1, 1), |f| f.location(span.end))
    }

    /// 1-based (line, column) of the span's start, the column in `unit`.
    pub fn start_location_in(&self, span: Span, unit: ColumnUnit) -> (usize, usize) {
        self.get(span.file)
            .map_or((1, 1), |f| f.location_in(span.start, unit))
    }

    /// 1-based (line, column) just after the span's end, the column in `unit`.
    pub fn end_location_in(&self, span: Span, unit: ColumnUnit) -> (usize, usize) {
        self.get(span.file)
            .map_or((1, 1), |f| f.location_in(span.end, unit))
    }

    /// The source text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.line_index(byte_index))
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        file.line_range(line_index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: file.line_count().saturating_sub(1),
            })
    }
}
