//! Finding a project's `nurture.toml`: next to or above the paths given.

use std::path::{Path, PathBuf};

/// The one `nurture.toml` of the paths' project, if any: for each path (a
/// file's folder, a folder, or the current folder for `-`), the nearest
/// `nurture.toml` in it or above it. Paths of different projects are an error.
pub fn find(paths: &[PathBuf]) -> Result<Option<PathBuf>, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut found: Vec<PathBuf> = Vec::new();
    for path in paths {
        let start = if path.as_os_str() == "-" {
            cwd.clone()
        } else if path.is_dir() {
            path.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let start = if start.as_os_str().is_empty() {
            cwd.clone()
        } else {
            start
        };
        let start = std::fs::canonicalize(&start).unwrap_or(start);
        if let Some(config) = start
            .ancestors()
            .map(|dir| dir.join(nurturec::config::FILE_NAME))
            .find(|candidate| candidate.is_file())
        {
            if !found.contains(&config) {
                found.push(config);
            }
        }
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        several => Err(format!(
            "the paths belong to projects with different configurations: {}; check them one project at a time",
            several
                .iter()
                .map(|p| format!("`{}`", display_name(p)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// An absolute path as seen from the current folder (`../out` rather than
/// `/home/me/project/out`), so that what is printed can be clicked and
/// pasted; absolute still when the two share nothing but the root.
pub fn relative_to_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let shared = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if !path.is_absolute() || (shared <= 1 && cwd.components().count() > 1) {
        return path.to_path_buf();
    }
    super::project::relative(&cwd, path)
}

/// How `nurture.toml` is named in diagnostics.
pub fn display_name(path: &Path) -> String {
    relative_to_cwd(path).display().to_string()
}
