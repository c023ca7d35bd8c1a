//! Writing build outputs: nothing until everything is ready, each file
//! replaced atomically, and `--check` to compare without writing.

use super::inputs::io_reason;
use nurturec::emit::OutputFile;
use std::path::{Path, PathBuf};

/// Folders of the output directory that belong to us: stale `.json` files
/// in them are removed by a build and reported by `--check`.
fn owned_folders(files: &[OutputFile]) -> Vec<String> {
    let mut folders: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.split_once('/').map(|(dir, _)| dir.to_string()))
        .collect();
    folders.sort();
    folders.dedup();
    folders
}

fn stale_files(out_dir: &Path, files: &[OutputFile], folders: &[String]) -> Vec<PathBuf> {
    let wanted: std::collections::HashSet<PathBuf> =
        files.iter().map(|f| out_dir.join(&f.path)).collect();
    let mut stale = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(out_dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") && !wanted.contains(&path) {
                stale.push(path);
            }
        }
    }
    stale.sort();
    stale
}

pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes every file through a temporary file and a rename, so a reader
/// never sees a half-written file; files whose contents are unchanged are
/// left untouched.
pub fn write_all(
    out_dir: &Path,
    files: &[OutputFile],
    all_folders: &[String],
) -> Result<Written, String> {
    let mut result = Written {
        written: 0,
        unchanged: 0,
        removed: 0,
    };
    for file in files {
        let path = out_dir.join(&file.path);
        if std::fs::read(&path).is_ok_and(|old| old == file.contents.as_bytes()) {
            result.unchanged += 1;
            continue;
        }
        let parent = path.parent().unwrap_or(out_dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&temp, &file.contents).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("cannot write `{}`: {}", temp.display(), io_reason(&e))
        })?;
        std::fs::rename(&temp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("cannot write `{}`: {}", path.display(), io_reason(&e))
        })?;
        result.written += 1;
    }
    let mut folders = owned_folders(files);
    folders.extend(all_folders.iter().cloned());
    folders.sort();
    folders.dedup();
    for stale in stale_files(out_dir, files, &folders) {
        std::fs::remove_file(&stale).map_err(|e| {
            format!(
                "cannot remove stale `{}`: {}",
                stale.display(),
                io_reason(&e)
            )
        })?;
        result.removed += 1;
    }
    Ok(result)
}

/// What `--check` finds: files that differ, are missing, or should not exist.
pub fn check_all(out_dir: &Path, files: &[OutputFile], all_folders: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        let path = out_dir.join(&file.path);
        match std::fs::read(&path) {
            Ok(old) if old == file.contents.as_bytes() => {}
            Ok(_) => problems.push(format!("{}: differs", path.display())),
            Err(_) => problems.push(format!("{}: missing", path.display())),
        }
    }
    let mut folders = owned_folders(files);
    folders.extend(all_folders.iter().cloned());
    folders.sort();
    folders.dedup();
    for stale in stale_files(out_dir, files, &folders) {
        problems.push(format!(
            "{}: no longer produced by the build",
            stale.display()
        ));
    }
    problems
}
