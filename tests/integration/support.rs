//! Helpers shared by the test modules.

use nurturec::{Compilation, SourceMap};
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file with the given extension below `dir`, sorted.
pub fn files_below(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == extension) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The path relative to the crate root, with `/` separators (stable in snapshots).
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Compiles the given files as one project, named by their relative paths.
pub fn compile_files(paths: &[PathBuf]) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    for p in paths {
        sources.add(relative(p), std::fs::read_to_string(p).unwrap());
    }
    let compilation = nurturec::compile(&sources);
    (sources, compilation)
}

/// Compiles the given files as the project of `project_root`, as `build`
/// does: shown by their paths relative to the crate root, recorded in
/// outputs relative to `project_root`.
pub fn compile_project(project_root: &Path, paths: &[PathBuf]) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    for p in paths {
        let project_path = p
            .strip_prefix(project_root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        sources.add_with_project_path(
            relative(p),
            project_path,
            std::fs::read_to_string(p).unwrap(),
        );
    }
    let compilation = nurturec::compile(&sources);
    (sources, compilation)
}

pub fn compile_text(name: &str, text: &str) -> (SourceMap, Compilation) {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    let compilation = nurturec::compile(&sources);
    (sources, compilation)
}

/// `(line, "severity[code]")` for every `//~ severity[code]` annotation.
pub fn annotations(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, rest)) = line.split_once("//~") else {
            continue;
        };
        for word in rest.split_whitespace() {
            out.push((i + 1, word.to_string()));
        }
    }
    out.sort();
    out
}

/// `(line, "severity[code]")` for every diagnostic of a compilation.
pub fn produced(sources: &SourceMap, compilation: &Compilation) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = compilation
        .diagnostics
        .iter()
        .map(|d| {
            let (line, _) = sources.start_location(d.primary.span);
            (line, format!("{}[{}]", d.severity.as_str(), d.code))
        })
        .collect();
    out.sort();
    out
}
