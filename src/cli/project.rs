//! Where a project is, and how its files are named in what `build` writes.
//!
//! Diagnostics name a file the way the user typed it, so that a terminal or
//! an editor can open it from the working directory. Outputs name it
//! relative to the project root, with `/` separators, so that `build` writes
//! the same bytes whatever the working directory and however the paths were
//! spelt (`ex`, `./ex`, an absolute path, `.` from inside). The project root
//! is the folder of the `nurture.toml` in use, else the deepest folder that
//! holds every input.

use std::path::{Component, Path, PathBuf};

/// The paths to read when none are given: the folder of the nearest
/// `nurture.toml` in or above the working directory (spelt relative to it,
/// so diagnostics stay clickable), else the working directory.
pub fn default_paths() -> Vec<PathBuf> {
    let cwd = current_dir();
    let folder = cwd
        .ancestors()
        .find(|dir| dir.join(nurturec::config::FILE_NAME).is_file())
        .map_or_else(|| PathBuf::from("."), |dir| relative(&cwd, dir));
    vec![folder]
}

/// The project root (absolute, symbolic links resolved): the folder of
/// `config` if there is one, else the deepest folder holding every input.
pub fn root(paths: &[PathBuf], stdin_path: Option<&Path>, config: Option<&Path>) -> PathBuf {
    if let Some(folder) = config.and_then(Path::parent) {
        return absolute(folder);
    }
    let folders = paths.iter().filter_map(|path| {
        if path.as_os_str() == "-" {
            // Standard input lives where it says it does, if it says.
            stdin_path.map(|p| parent_of(&absolute(p)))
        } else if path.is_dir() {
            Some(absolute(path))
        } else {
            Some(parent_of(&absolute(path)))
        }
    });
    folders
        .reduce(|common, folder| common_ancestor(&common, &folder))
        .unwrap_or_else(current_dir)
}

/// How outputs name `file`: relative to `root`, `/` between components,
/// `..` where the file is outside the root.
pub fn project_path(root: &Path, file: &Path) -> String {
    let components: Vec<String> = relative(root, &absolute(file))
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    components.join("/")
}

/// The absolute path of `path`: its folder with symbolic links resolved,
/// then its own name. Only the folder is resolved so that a linked file keeps
/// its name, and so that a file that does not exist yet (an editor's unsaved
/// buffer named by `--stdin-path`) still has a place.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        if canonical.is_dir() {
            return canonical;
        }
    }
    let joined = current_dir().join(path);
    match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .unwrap_or_else(|_| without_dots(parent))
            .join(name),
        _ => without_dots(&joined),
    }
}

/// `path` with `.` removed and each `..` taking away the component before it.
fn without_dots(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

fn current_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    std::fs::canonicalize(&cwd).unwrap_or(cwd)
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// `to` seen from the folder `from` (both absolute): `.` when they are the
/// same, `..` for each folder to climb.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let common = common_ancestor(from, to);
    let climb = from.components().count() - common.components().count();
    let mut out: PathBuf = std::iter::repeat_n(Component::ParentDir, climb).collect();
    out.extend(to.components().skip(common.components().count()));
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_climbs_and_descends() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(relative(&p("/a/b"), &p("/a/b")), p("."));
        assert_eq!(
            relative(&p("/a/b"), &p("/a/b/c/d.nurture")),
            p("c/d.nurture")
        );
        assert_eq!(relative(&p("/a/b/c"), &p("/a")), p("../.."));
        assert_eq!(
            relative(&p("/a/b"), &p("/a/x/y.nurture")),
            p("../x/y.nurture")
        );
    }

    #[test]
    fn without_dots_resolves_lexically() {
        assert_eq!(
            without_dots(Path::new("/a/./b/../c")),
            PathBuf::from("/a/c")
        );
        assert_eq!(without_dots(Path::new("../x")), PathBuf::from("../x"));
    }
}
