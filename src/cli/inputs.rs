//! Finding and reading the `.nurture` files of a project.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Refuse files larger than this: nothing legitimate comes close, and it
/// keeps byte offsets comfortably within range.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A problem with the inputs themselves: exit status 2.
#[derive(Debug)]
pub struct InputError(pub String);

pub enum Input {
    Stdin,
    File(PathBuf),
}

/// Expands the given paths: a directory means every `.nurture` file below it
/// in path order (hidden directories skipped), `-` means standard input.
/// Finding nothing is an error: every command needs at least one input.
pub fn collect(paths: &[PathBuf], stdin_path: Option<&Path>) -> Result<Vec<Input>, InputError> {
    let mut inputs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let reads_stdin = paths.iter().any(|p| p.as_os_str() == "-");
    // The file standard input stands in for is read from standard input only.
    let replaced = stdin_path.filter(|_| reads_stdin).map(normalise);
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let metadata = std::fs::metadata(path).map_err(|e| {
            InputError(format!(
                "cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        let mut found = Vec::new();
        if metadata.is_dir() {
            walk(path, &mut found)?;
            found.sort();
        } else {
            found.push(path.clone());
        }
        for file in found {
            if replaced.as_ref() == Some(&normalise(&file)) {
                continue;
            }
            // Read once however often it is reached (two spellings,
            // overlapping folders), under the first name it was reached by.
            if seen.insert(normalise(&file)) {
                inputs.push(Input::File(file));
            }
        }
    }
    if inputs.is_empty() {
        return Err(InputError(format!(
            "no `.nurture` files found in {}",
            paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(inputs)
}

/// One spelling per file, for comparing what the walk found with what the
/// user named: the canonical path when the file exists (so `./a/b.nurture`,
/// an absolute path and a path through a symbolic link agree), else the path
/// without `.` components.
fn normalise(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        path.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    })
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        InputError(format!(
            "cannot read directory `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| {
            InputError(format!(
                "cannot read directory `{}`: {}",
                dir.display(),
                io_reason(&e)
            ))
        })?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        // `file_type` does not follow symbolic links, so a linked directory is
        // never entered and a link cycle cannot trap the walk.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !hidden {
                walk(&path, found)?;
            }
        } else if (kind.is_file() && path.extension().is_some_and(|e| e == "nurture"))
            || is_linked_file(&path)
        {
            found.push(path);
        }
    }
    Ok(())
}

fn is_linked_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "nurture")
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The name shown in diagnostics, and the text with a byte-order mark removed.
pub fn read(input: &Input, stdin_path: Option<&Path>) -> Result<(String, String), InputError> {
    let (name, bytes) = match input {
        Input::Stdin => {
            let name =
                stdin_path.map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string());
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    InputError(format!("cannot read standard input: {}", io_reason(&e)))
                })?;
            (name, bytes)
        }
        Input::File(path) => {
            let name = path.display().to_string();
            let metadata = std::fs::metadata(path)
                .map_err(|e| InputError(format!("cannot read `{name}`: {}", io_reason(&e))))?;
            if metadata.is_dir() {
                return Err(InputError(format!(
                    "cannot read `{name}`: it is a directory"
                )));
            }
            if metadata.len() > MAX_FILE_BYTES {
                return Err(InputError(format!(
                    "`{name}` is too large ({} bytes; the limit is {} MiB)",
                    metadata.len(),
                    MAX_FILE_BYTES / (1024 * 1024)
                )));
            }
            let bytes = std::fs::read(path)
                .map_err(|e| InputError(format!("cannot read `{name}`: {}", io_reason(&e))))?;
            (name, bytes)
        }
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(InputError(format!(
            "`{name}` is too large (the limit is {} MiB)",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes)
        .to_vec();
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(&name, e.as_bytes(), bom))?;
    Ok((name, text))
}

/// Where the first byte that is not UTF-8 is, in words.
fn not_utf8(name: &str, bytes: &[u8], bom: bool) -> InputError {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return InputError(format!(
            "`{name}` is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8"
        ));
    }
    let valid_up_to = std::str::from_utf8(bytes)
        .err()
        .map_or(bytes.len(), |e| e.valid_up_to());
    let valid = bytes.get(..valid_up_to).unwrap_or_default();
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let column = std::str::from_utf8(valid.get(line_start..).unwrap_or_default())
        .map_or(0, |s| s.chars().count())
        + 1;
    let byte = bytes.get(valid_up_to).copied().unwrap_or_default();
    let offset = valid_up_to + if bom { 3 } else { 0 };
    InputError(format!(
        "`{name}` is not valid UTF-8: byte 0x{byte:02X} at line {line}, column {column} (offset {offset}); save it as UTF-8"
    ))
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotADirectory => "a part of the path is not a directory".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    }
}
