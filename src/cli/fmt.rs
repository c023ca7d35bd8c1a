//! `nurturec fmt`: rewrites files in canonical layout
//! ([`nurturec::format`]), or with `--check` shows what would change.

use super::{inputs, report, ReportArgs, EXIT_FAILED, EXIT_OK};
use nurturec::format::{format_file, FormatError};
use nurturec::SourceMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file read and formatted.
struct Formatted {
    input: inputs::Input,
    name: String,
    before: String,
    after: String,
    /// The file starts with a byte-order mark, kept when it is rewritten.
    bom: bool,
}

pub fn run(paths: &[PathBuf], check: bool, args: &ReportArgs) -> u8 {
    let stdin_path = args.stdin_path.as_deref();
    let found = match inputs::collect(paths, stdin_path) {
        Ok(found) => found,
        Err(e) => return super::fail_usage(&e.0),
    };
    // Everything is read and formatted before anything is written.
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut formatted = Vec::new();
    let mut failed = false;
    for input in found {
        let (name, text) = match inputs::read(&input, stdin_path) {
            Ok(read) => read,
            Err(e) => return super::fail_usage(&e.0),
        };
        let bom = matches!(&input, inputs::Input::File(path) if starts_with_bom(path));
        let file = sources.add(name.clone(), text.clone());
        match format_file(file, &text) {
            Ok(after) => formatted.push(Formatted {
                input,
                name,
                before: text,
                after,
                bom,
            }),
            Err(FormatError::Syntax(mut problems)) => diagnostics.append(&mut problems),
            Err(FormatError::Changed(why)) => {
                failed = true;
                eprintln!(
                    "error: cannot format `{name}`: {why}; this is a bug in nurturec, please report it (the file is left as it is)"
                );
            }
        }
    }
    nurturec::diagnostics::sort_and_dedup(&mut diagnostics);
    if !diagnostics.is_empty() {
        failed |= report(&diagnostics, &sources, args);
    }
    let outcome = if check {
        show_changes(&formatted, args.quiet)
    } else {
        write_changes(&formatted, args.quiet)
    };
    match outcome {
        Err(message) => super::fail_usage(&message),
        Ok(changed) if failed || (check && changed > 0) => EXIT_FAILED,
        Ok(_) => EXIT_OK,
    }
}

/// `--check`: a unified diff for each file that would change (standard
/// input's formatted text is not printed). Returns how many would.
fn show_changes(files: &[Formatted], quiet: bool) -> Result<usize, String> {
    let mut out = std::io::stdout().lock();
    let mut changed = 0;
    for f in files.iter().filter(|f| f.before != f.after) {
        changed += 1;
        let diff = similar::TextDiff::from_lines(&f.before, &f.after);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&f.name, &f.name)
            .to_string();
        out.write_all(text.as_bytes())
            .map_err(|e| format!("cannot write standard output: {e}"))?;
    }
    if !quiet {
        if changed > 0 {
            eprintln!(
                "{changed} of {} file{} would be reformatted; run `nurturec fmt` without `--check`",
                files.len(),
                plural(files.len())
            );
        } else {
            eprintln!(
                "{} file{} already formatted",
                files.len(),
                plural(files.len())
            );
        }
    }
    Ok(changed)
}

/// Rewrites each file that changes, atomically; standard input goes to
/// standard output. Returns how many files changed.
fn write_changes(files: &[Formatted], quiet: bool) -> Result<usize, String> {
    let mut changed = 0;
    for f in files {
        match &f.input {
            inputs::Input::Stdin => std::io::stdout()
                .write_all(f.after.as_bytes())
                .map_err(|e| format!("cannot write standard output: {e}"))?,
            inputs::Input::File(path) if f.before != f.after => {
                replace(path, &f.after, f.bom)?;
                changed += 1;
            }
            inputs::Input::File(_) => {}
        }
    }
    let on_disk = files
        .iter()
        .filter(|f| matches!(f.input, inputs::Input::File(_)))
        .count();
    if !quiet && on_disk > 0 {
        eprintln!(
            "formatted {on_disk} file{} ({changed} changed)",
            plural(on_disk)
        );
    }
    Ok(changed)
}

/// Writes `text` to a hidden file beside `path` with the same permissions,
/// then renames it over `path`: a reader sees the old file or the new one,
/// never half of one.
fn replace(path: &Path, text: &str, bom: bool) -> Result<(), String> {
    // A linked file is rewritten where it is, and stays linked.
    let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = path.with_file_name(format!(".{name}.{}.fmt", std::process::id()));
    let why = |e: std::io::Error| {
        format!(
            "cannot write `{}`: {}",
            path.display(),
            inputs::io_reason(&e)
        )
    };
    let result = (|| {
        let mut bytes = Vec::with_capacity(text.len() + 3);
        if bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(text.as_bytes());
        std::fs::write(&staged, &bytes)?;
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&staged, metadata.permissions())?;
        }
        std::fs::rename(&staged, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    result.map_err(why)
}

fn starts_with_bom(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == *b"\xEF\xBB\xBF")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
