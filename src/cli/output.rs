//! Writing build outputs: nothing until everything is ready, each file
//! replaced atomically, the whole build or nothing at all, and `--check` to
//! compare without writing.

use super::inputs::io_reason;
use nurturec::emit::OutputFile;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The `.json` files of `out_dir` the build at `paths` no longer makes, in
/// the folders that belong to us: each file's own folder (`klaviyo/segments`
/// as well as `klaviyo`) and `all_folders`. A build removes them and
/// `--check` reports them.
fn stale_files(out_dir: &Path, paths: &[&str], all_folders: &[String]) -> Vec<PathBuf> {
    let mut folders: Vec<&str> = paths
        .iter()
        .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
        .chain(all_folders.iter().map(String::as_str))
        .collect();
    folders.sort_unstable();
    folders.dedup();
    let wanted: std::collections::HashSet<PathBuf> =
        paths.iter().map(|p| out_dir.join(p)).collect();
    let mut stale = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(out_dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // Only files: a folder named `x.json` is not something we wrote.
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && path.extension().is_some_and(|e| e == "json") && !wanted.contains(&path) {
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

/// One change to the output folder: a new file staged at `staged`, to be
/// renamed to `target`; or, with `staged` unset, a stale `target` to remove.
struct Change {
    target: PathBuf,
    staged: Option<PathBuf>,
    /// Where the file at `target` was moved while the change is made.
    backup: Option<PathBuf>,
    /// Whether the staged file is now at `target`.
    placed: bool,
}

/// `.name.<pid>.<suffix>` beside `path`: hidden, not `.json`, and on the
/// same file system, so that renaming it over `path` is atomic.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{suffix}", std::process::id()))
}

/// A build being written into its output folder as one change: every file
/// is updated and every stale one removed, or the folder is left exactly as
/// it was. Files whose contents are unchanged are not touched.
///
/// 1. Check that nothing is in the way (a directory where a file goes).
/// 2. Stage: write every new file to a temporary file beside its target.
///    Most failures (a full disk, permissions) happen here, before anything
///    visible has changed.
/// 3. Commit: move each file being replaced or removed aside, and rename
///    each staged file into place. Each file is replaced atomically, so a
///    reader never sees half of one.
/// 4. Delete what was moved aside.
///
/// A failure in 2 or 3 undoes everything: staged files are deleted, files
/// moved aside are moved back, and folders this build created are removed.
///
/// The files come in parts ([`Staging::stage`], one per target), each
/// staged as soon as it is made, so that a build for several targets holds
/// one target's files in memory, not all of them. Dropped before
/// [`Staging::commit`], it removes what it staged.
pub struct Staging {
    out_dir: PathBuf,
    /// Every file of the build so far, relative to `out_dir`.
    paths: Vec<String>,
    unchanged: usize,
    created: Vec<PathBuf>,
    changes: Vec<Change>,
    /// A failure undid the staging: nothing more is staged or committed.
    failed: bool,
}

impl Staging {
    pub fn new(out_dir: &Path) -> Staging {
        Staging {
            out_dir: out_dir.to_path_buf(),
            paths: Vec::new(),
            unchanged: 0,
            created: Vec::new(),
            changes: Vec::new(),
            failed: false,
        }
    }

    /// Stages `files` (steps 1 and 2); on a failure, everything staged so
    /// far is removed and the message says what failed.
    pub fn stage(&mut self, files: &[OutputFile]) -> Result<(), String> {
        if self.failed {
            return Err("an earlier part of the build could not be staged".to_string());
        }
        let Err(failure) = self.try_stage(files) else {
            return Ok(());
        };
        self.failed = true;
        let stuck = self.undo(&mut |from, to| std::fs::rename(from, to));
        match failure {
            // It says itself that nothing was written.
            StageFailure::InTheWay(message) if stuck.is_empty() => Err(message),
            StageFailure::InTheWay(message) | StageFailure::Io(message) => {
                Err(undone(message, &stuck))
            }
        }
    }

    fn try_stage(&mut self, files: &[OutputFile]) -> Result<(), StageFailure> {
        let out_dir = self.out_dir.as_path();
        // 1. What changes; nothing in the way. Files are read on all
        // cores, and the first problem in file order is the one reported.
        let looked: Vec<Result<Option<PathBuf>, String>> = files
            .par_iter()
            .map(|file| {
                let path = out_dir.join(&file.path);
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                    return Err(format!(
                        "cannot write `{}`: a directory is in the way; nothing was written",
                        path.display()
                    ));
                }
                let unchanged =
                    std::fs::read(&path).is_ok_and(|old| old == file.contents.as_bytes());
                Ok((!unchanged).then_some(path))
            })
            .collect();
        let mut to_write: Vec<(PathBuf, &OutputFile)> = Vec::new();
        for (file, looked) in files.iter().zip(looked) {
            self.paths.push(file.path.clone());
            match looked.map_err(StageFailure::InTheWay)? {
                Some(path) => to_write.push((path, file)),
                None => self.unchanged += 1,
            }
        }

        // 2. Stage: the folders first, then every file on all cores.
        for (target, _) in &to_write {
            let parent = target.parent().unwrap_or(out_dir);
            create_dirs(parent, &mut self.created).map_err(|e| {
                StageFailure::Io(format!(
                    "cannot create `{}`: {}",
                    parent.display(),
                    io_reason(&e)
                ))
            })?;
        }
        let staged: Vec<Result<PathBuf, String>> = to_write
            .par_iter()
            .map(|(target, file)| {
                let staged = sibling(target, "tmp");
                match std::fs::write(&staged, &file.contents) {
                    Ok(()) => Ok(staged),
                    Err(e) => {
                        let _ = std::fs::remove_file(&staged);
                        Err(format!(
                            "cannot write `{}`: {}",
                            target.display(),
                            io_reason(&e)
                        ))
                    }
                }
            })
            .collect();
        let mut failure = None;
        for ((target, _), staged) in to_write.into_iter().zip(staged) {
            match staged {
                Ok(staged) => self.changes.push(Change {
                    target,
                    staged: Some(staged),
                    backup: None,
                    placed: false,
                }),
                Err(message) => {
                    failure.get_or_insert(message);
                }
            }
        }
        failure.map_or(Ok(()), |message| Err(StageFailure::Io(message)))
    }

    /// Puts the build in place (steps 3 and 4), removing the stale `.json`
    /// files of the folders of the files staged and of `all_folders`.
    pub fn commit(self, all_folders: &[String]) -> Result<Written, String> {
        self.commit_with(all_folders, &mut |from, to| std::fs::rename(from, to))
    }

    /// [`Staging::commit`], renaming with `rename` (the tests make it fail).
    fn commit_with(
        mut self,
        all_folders: &[String],
        rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
    ) -> Result<Written, String> {
        if self.failed {
            return Err("the build could not be staged".to_string());
        }
        let mut result = Written {
            written: 0,
            unchanged: self.unchanged,
            removed: 0,
        };
        let paths: Vec<&str> = self.paths.iter().map(String::as_str).collect();
        let stale = stale_files(&self.out_dir, &paths, all_folders);
        self.changes.extend(stale.into_iter().map(|target| Change {
            target,
            staged: None,
            backup: None,
            placed: false,
        }));

        // 3. Commit.
        for i in 0..self.changes.len() {
            if let Err(message) = place(&mut self.changes[i], rename, &mut result) {
                self.failed = true;
                return Err(undone(message, &self.undo(rename)));
            }
        }

        // 4. The build is in place; what was moved aside can go.
        for change in std::mem::take(&mut self.changes) {
            if let Some(backup) = &change.backup {
                let _ = std::fs::remove_file(backup);
            }
        }
        self.created.clear();
        Ok(result)
    }

    /// Puts the folder back as it was before the first file was staged;
    /// returns what could not be put back.
    fn undo(&mut self, rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>) -> Vec<String> {
        let changes = std::mem::take(&mut self.changes);
        let created = std::mem::take(&mut self.created);
        restore(changes, &created, rename)
    }
}

/// Why a part could not be staged.
enum StageFailure {
    /// A directory where a file goes, found before the part stages
    /// anything.
    InTheWay(String),
    /// A folder or file that could not be written.
    Io(String),
}

impl Drop for Staging {
    /// A build that ends before its commit (an error in a later target)
    /// leaves nothing behind.
    fn drop(&mut self) {
        if !self.changes.is_empty() || !self.created.is_empty() {
            let _ = self.undo(&mut |from, to| std::fs::rename(from, to));
        }
    }
}

/// Step 3 for one change: the file at its target moved aside, the staged
/// one renamed into place.
fn place(
    change: &mut Change,
    rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
    result: &mut Written,
) -> Result<(), String> {
    // `symlink_metadata`: a link at the target is itself moved aside.
    if change.staged.is_none() || std::fs::symlink_metadata(&change.target).is_ok() {
        let backup = sibling(&change.target, "old");
        rename(&change.target, &backup).map_err(|e| {
            format!(
                "cannot replace `{}`: {}",
                change.target.display(),
                io_reason(&e)
            )
        })?;
        change.backup = Some(backup);
    }
    match &change.staged {
        Some(staged) => {
            rename(staged, &change.target).map_err(|e| {
                format!(
                    "cannot write `{}`: {}",
                    change.target.display(),
                    io_reason(&e)
                )
            })?;
            change.placed = true;
            result.written += 1;
        }
        None => result.removed += 1,
    }
    Ok(())
}

/// Creates `dir` and its missing parents, recording each one created.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(d) = current.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        current = d.parent();
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d)?;
        created.push(d);
    }
    Ok(())
}

/// Undoes `changes` and removes the folders `created`; returns what could
/// not be put back.
fn restore(
    mut changes: Vec<Change>,
    created: &[PathBuf],
    rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
) -> Vec<String> {
    let mut stuck = Vec::new();
    for change in changes.iter_mut().rev() {
        if change.placed {
            if let Err(e) = std::fs::remove_file(&change.target) {
                stuck.push(format!("{}: {}", change.target.display(), io_reason(&e)));
            }
        } else if let Some(staged) = &change.staged {
            let _ = std::fs::remove_file(staged);
        }
        if let Some(backup) = &change.backup {
            if let Err(e) = rename(backup, &change.target) {
                stuck.push(format!(
                    "{} (its previous contents are in `{}`): {}",
                    change.target.display(),
                    backup.display(),
                    io_reason(&e)
                ));
            }
        }
    }
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    stuck
}

/// The message of a failure the build was undone after, saying so if
/// something (`stuck`) could not be put back.
fn undone(message: String, stuck: &[String]) -> String {
    if stuck.is_empty() {
        format!("{message}; the output folder is unchanged")
    } else {
        format!(
            "{message}; and the output folder could not be fully restored: {}",
            stuck.join("; ")
        )
    }
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
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for stale in stale_files(out_dir, &paths, all_folders) {
        problems.push(format!(
            "{}: no longer produced by the build",
            stale.display()
        ));
    }
    problems
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The whole build in one part.
    fn write_all(
        out_dir: &Path,
        files: &[OutputFile],
        all_folders: &[String],
    ) -> Result<Written, String> {
        write_all_with(out_dir, files, all_folders, &mut |from, to| {
            std::fs::rename(from, to)
        })
    }

    fn write_all_with(
        out_dir: &Path,
        files: &[OutputFile],
        all_folders: &[String],
        rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
    ) -> Result<Written, String> {
        let mut staging = Staging::new(out_dir);
        staging.stage(files)?;
        staging.commit_with(all_folders, rename)
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nurturec-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Every file below `dir`, hidden ones included, with its contents.
    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap().flatten() {
                let path = entry.path();
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                if path.is_dir() {
                    out.push((format!("{name}/"), Vec::new()));
                    stack.push(path);
                } else {
                    out.push((name, std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    fn output(path: &str, contents: &str) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: contents.to_string(),
        }
    }

    /// The build replaces one file, adds one, adds one in a new folder,
    /// keeps one unchanged and removes a stale one; let each rename in
    /// turn fail, and the folder must be exactly as it was.
    #[test]
    fn a_failure_at_any_rename_leaves_the_folder_as_it_was() {
        let files = [
            output("ir/a.json", "new a\n"),
            output("ir/b.json", "new b\n"),
            output("ir/same.json", "same\n"),
            output("web/c.json", "new c\n"),
        ];
        let mut failure_points = 0;
        for fail_at in 1.. {
            let out = temp("any-rename");
            std::fs::create_dir_all(out.join("ir")).unwrap();
            std::fs::write(out.join("ir/a.json"), "old a\n").unwrap();
            std::fs::write(out.join("ir/same.json"), "same\n").unwrap();
            std::fs::write(out.join("ir/stale.json"), "stale\n").unwrap();
            std::fs::write(out.join("notes.txt"), "mine").unwrap();
            let before = tree(&out);
            let mut calls = 0;
            let result = write_all_with(&out, &files, &["ir".to_string()], &mut |from, to| {
                calls += 1;
                if calls == fail_at {
                    Err(std::io::Error::other("injected failure"))
                } else {
                    std::fs::rename(from, to)
                }
            });
            match result {
                Err(message) => {
                    failure_points += 1;
                    assert!(message.contains("injected failure"), "{message}");
                    assert!(
                        message.ends_with("the output folder is unchanged"),
                        "{message}"
                    );
                    assert_eq!(tree(&out), before, "failing at rename {fail_at}");
                }
                Ok(written) => {
                    assert_eq!(
                        (written.written, written.unchanged, written.removed),
                        (3, 1, 1)
                    );
                    let after = tree(&out);
                    assert_eq!(
                        after,
                        vec![
                            ("ir/".to_string(), Vec::new()),
                            ("ir/a.json".to_string(), b"new a\n".to_vec()),
                            ("ir/b.json".to_string(), b"new b\n".to_vec()),
                            ("ir/same.json".to_string(), b"same\n".to_vec()),
                            ("notes.txt".to_string(), b"mine".to_vec()),
                            ("web/".to_string(), Vec::new()),
                            ("web/c.json".to_string(), b"new c\n".to_vec()),
                        ]
                    );
                    break;
                }
            }
        }
        // a.json: aside and in; b.json, c.json: in; stale.json: aside.
        assert_eq!(failure_points, 5);
    }

    /// Files are staged on all cores: when one cannot be staged (here a
    /// directory holds its temporary name), every other staged file goes
    /// again, and the first failure in file order is the one reported.
    #[test]
    fn a_failure_while_staging_leaves_the_folder_as_it_was() {
        let out = temp("staging");
        std::fs::create_dir_all(out.join("ir")).unwrap();
        std::fs::write(out.join("ir/a.json"), "old a\n").unwrap();
        let files: Vec<OutputFile> = (0..64)
            .map(|i| output(&format!("ir/f{i:02}.json"), "new\n"))
            .chain([output("ir/a.json", "new a\n"), output("new/b.json", "b\n")])
            .collect();
        for blocked in ["ir/f40.json", "ir/f50.json"] {
            std::fs::create_dir_all(sibling(&out.join(blocked), "tmp")).unwrap();
        }
        let before = tree(&out);
        let Err(message) = write_all(&out, &files, &["ir".to_string()]) else {
            panic!("staging into a directory succeeded");
        };
        assert!(message.starts_with("cannot write `"), "{message}");
        assert!(message.contains("f40.json"), "{message}");
        assert!(
            message.ends_with("the output folder is unchanged"),
            "{message}"
        );
        assert_eq!(tree(&out), before);
    }

    /// A build for several targets stages each as it is made: a failure in
    /// a later part, or a build that stops before its commit (an error in a
    /// later target), leaves the folder as it was.
    #[test]
    fn a_build_staged_in_parts_is_all_or_nothing() {
        let out = temp("parts");
        std::fs::create_dir_all(out.join("ir")).unwrap();
        std::fs::write(out.join("ir/a.json"), "old a\n").unwrap();
        std::fs::create_dir_all(out.join("asl/b.json")).unwrap();
        let before = tree(&out);
        let ir = [output("ir/a.json", "new a\n"), output("ir/c.json", "c\n")];
        let klaviyo = [output("klaviyo/d.json", "d\n")];

        let mut staging = Staging::new(&out);
        staging.stage(&ir).unwrap();
        staging.stage(&klaviyo).unwrap();
        let message = staging.stage(&[output("asl/b.json", "b\n")]).unwrap_err();
        assert!(message.contains("a directory is in the way"), "{message}");
        assert!(staging.commit(&[]).is_err());
        assert_eq!(tree(&out), before);

        let mut staging = Staging::new(&out);
        staging.stage(&ir).unwrap();
        staging.stage(&klaviyo).unwrap();
        drop(staging);
        assert_eq!(tree(&out), before);

        let mut staging = Staging::new(&out);
        staging.stage(&ir).unwrap();
        staging.stage(&klaviyo).unwrap();
        let written = staging.commit(&[]).unwrap();
        assert_eq!((written.written, written.unchanged), (3, 0));
        assert_eq!(std::fs::read(out.join("ir/a.json")).unwrap(), b"new a\n");
        assert_eq!(std::fs::read(out.join("klaviyo/d.json")).unwrap(), b"d\n");
    }

    #[test]
    fn a_directory_in_the_way_is_refused_before_anything_is_written() {
        let out = temp("in-the-way");
        std::fs::create_dir_all(out.join("ir/b.json")).unwrap();
        let before = tree(&out);
        let files = [output("ir/a.json", "a\n"), output("ir/b.json", "b\n")];
        let message = write_all(&out, &files, &[]).err().unwrap();
        assert!(message.contains("a directory is in the way"), "{message}");
        assert_eq!(tree(&out), before);
    }

    #[test]
    fn a_folder_named_like_an_output_is_not_stale() {
        let out = temp("json-folder");
        std::fs::create_dir_all(out.join("ir/notes.json")).unwrap();
        let files = [output("ir/a.json", "a\n")];
        let written = write_all(&out, &files, &[]).unwrap();
        assert_eq!((written.written, written.removed), (1, 0));
        assert_eq!(
            tree(&out),
            vec![
                ("ir/".to_string(), Vec::new()),
                ("ir/a.json".to_string(), b"a\n".to_vec()),
                ("ir/notes.json/".to_string(), Vec::new()),
            ]
        );
    }

    #[test]
    fn a_new_output_folder_is_removed_again_on_failure() {
        let root = temp("new-folder");
        let out = root.join("dist");
        let files = [output("ir/a.json", "a\n"), output("ir/b.json", "b\n")];
        let result = write_all_with(&out, &files, &[], &mut |_, _| {
            Err(std::io::Error::other("injected failure"))
        });
        assert!(result.is_err());
        assert_eq!(tree(&root), Vec::new());
    }
}
