//! `nurturec diff --against REF [PATH...]`: what the working tree's change
//! to the project does to leads already inside its campaigns, compared with
//! the project at a git revision. The revision is read through git (`git
//! ls-tree`, `git cat-file`), so the working tree is never touched; files
//! are named relative to the repository root, the same on both sides.

use super::{config, inputs, project, render_diagnostics, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use clap::{Args, ValueEnum};
use nurturec::diff::render::{self, Sides};
use nurturec::diff::Impact;
use nurturec::emit::Target;
use nurturec::{Diagnostic, SourceMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Args)]
pub struct DiffArgs {
    /// Files or directories of the project (every `.nurture` below, in path order)
    /// [default: the folder of the nearest nurture.toml in or above the working directory, else `.`].
    paths: Vec<PathBuf>,
    /// The git revision to compare with: a branch, a tag or a commit (`origin/main`).
    #[arg(long, value_name = "REF")]
    against: String,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    message_format: DiffFormat,
    /// Fail (exit 1) when a change has this impact or a worse one.
    #[arg(long, value_enum, value_name = "IMPACT")]
    deny: Option<DenyArg>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DiffFormat {
    /// Grouped per campaign, with the source of both sides, on standard output.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands on standard output, and a Markdown
    /// summary appended to `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DenyArg {
    /// Changes that leads already inside will live, and breaking ones.
    InFlight,
    /// Changes that make leads inside lose their place or their way.
    Breaking,
}

pub fn run(args: &DiffArgs) -> u8 {
    match compare(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

/// One side of the comparison, compiled.
struct Side {
    sources: SourceMap,
    project: nurturec::ir::Project,
    targets: Vec<Target>,
}

fn compare(args: &DiffArgs) -> Result<u8, String> {
    let paths = super::or_default(args.paths.clone());
    if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(
            "`nurturec diff` compares files in a git repository; it cannot read standard input"
                .to_string(),
        );
    }
    // The repository is the one the project is in, wherever git runs from.
    inputs::collect(&paths, None).map_err(|e| e.0)?;
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let from = if first.is_dir() {
        first.clone()
    } else {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let from = if from.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        from
    };
    let top = git(&from, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        "not in a git repository: `nurturec diff` reads the other side of the comparison through git".to_string()
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let against = &args.against;
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{against}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!("`{against}` is not a revision of the repository at `{}` (a branch, a tag or a commit); with a shallow clone, fetch it first", top.display())
    })?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();

    let config_path = config::find(&paths)?;
    let after = working_tree(&paths, &top, config_path.as_deref())?;
    let before = at_revision(&paths, &top, &commit, against, config_path.as_deref())?;

    let report = nurturec::diff::diff(&before.project, &after.project);
    let sides = Sides {
        before: &before.sources,
        after: &after.sources,
    };
    let mut targets: Vec<Target> = after
        .targets
        .iter()
        .chain(&before.targets)
        .copied()
        .filter(|t| *t != Target::Ir)
        .collect();
    targets.sort_by_key(|t| t.as_str());
    targets.dedup();
    if targets.is_empty() {
        targets = vec![Target::Asl, Target::Hubspot, Target::Klaviyo];
    }
    let text = match args.message_format {
        DiffFormat::Human => render::human(&report, &sides, against, &targets),
        DiffFormat::Json => render::json(&report, &sides),
        DiffFormat::Github => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let summary = render::markdown(&report, &sides, against, &targets);
                let written = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(summary.as_bytes()));
                if let Err(e) = written {
                    return Err(format!(
                        "cannot write the summary to `{}` ($GITHUB_STEP_SUMMARY): {}",
                        Path::new(&path).display(),
                        inputs::io_reason(&e)
                    ));
                }
            }
            render::github(&report, &sides)
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    let denied = args.deny.map(|d| match d {
        DenyArg::InFlight => Impact::InFlight,
        DenyArg::Breaking => Impact::Breaking,
    });
    Ok(match (denied, report.worst()) {
        (Some(level), Some(worst)) if worst >= level => EXIT_FAILED,
        _ => EXIT_OK,
    })
}

/// Runs git in `dir`; its standard output, or its standard error as the reason.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run `git`: {}", inputs::io_reason(&e)))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

/// `path` relative to the repository root, `/` between components.
fn in_repository(top: &Path, path: &Path) -> Result<String, String> {
    let relative = project::project_path(top, path);
    if relative == ".." || relative.starts_with("../") {
        return Err(format!(
            "`{}` is outside the git repository at `{}`",
            path.display(),
            top.display()
        ));
    }
    Ok(if relative == "." {
        String::new()
    } else {
        relative
    })
}

/// The project as the working tree has it.
fn working_tree(paths: &[PathBuf], top: &Path, config_path: Option<&Path>) -> Result<Side, String> {
    let mut sources = SourceMap::new();
    for input in inputs::collect(paths, None).map_err(|e| e.0)? {
        let inputs::Input::File(path) = &input else {
            continue;
        };
        let name = in_repository(top, path)?;
        let (_, text) = inputs::read(&input, None).map_err(|e| e.0)?;
        sources.add_with_project_path(name.clone(), name, text);
    }
    let config = match config_path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    inputs::io_reason(&e)
                )
            })?;
            Some((in_repository(top, path)?, text))
        }
        None => None,
    };
    compile_side(
        sources,
        config,
        "the project in the working tree does not compile",
    )
}

/// The project at `commit`: the same paths, read from git.
fn at_revision(
    paths: &[PathBuf],
    top: &Path,
    commit: &str,
    against: &str,
    config_path: Option<&Path>,
) -> Result<Side, String> {
    let mut files: Vec<String> = Vec::new();
    for path in paths {
        let prefix = in_repository(top, path)?;
        let spec = if prefix.is_empty() {
            "."
        } else {
            prefix.as_str()
        };
        let listing = git(
            top,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--full-name",
                "--name-only",
                commit,
                "--",
                spec,
            ],
        )
        .map_err(|reason| format!("cannot list `{spec}` at `{against}`: {reason}"))?;
        for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let name = String::from_utf8_lossy(name).into_owned();
            let below = name
                .strip_prefix(&prefix)
                .unwrap_or(&name)
                .trim_start_matches('/');
            // As the walk of the working tree does: `.nurture` files, not in hidden folders.
            let hidden = below
                .split('/')
                .rev()
                .skip(1)
                .any(|part| part.starts_with('.'));
            if name.ends_with(".nurture") && !hidden && !files.contains(&name) {
                files.push(name);
            }
        }
    }
    files.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    let mut sources = SourceMap::new();
    for name in files {
        let text = blob(top, commit, &name, against)?;
        sources.add_with_project_path(format!("{against}:{name}"), name, text);
    }
    let config = match config_path {
        Some(path) => {
            let name = in_repository(top, path)?;
            // A project that gained its nurture.toml since has none there.
            match git(top, &["cat-file", "-e", &format!("{commit}:{name}")]) {
                Ok(_) => Some((name.clone(), blob(top, commit, &name, against)?)),
                Err(_) => None,
            }
        }
        None => None,
    };
    compile_side(
        sources,
        config,
        &format!("the project at `{against}` does not compile, so it cannot be compared"),
    )
}

fn blob(top: &Path, commit: &str, name: &str, against: &str) -> Result<String, String> {
    let bytes = git(top, &["cat-file", "blob", &format!("{commit}:{name}")])
        .map_err(|reason| format!("cannot read `{name}` at `{against}`: {reason}"))?;
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|_| format!("`{name}` at `{against}` is not valid UTF-8"))
}

/// Compiles one side as `check` does; its errors stop the comparison.
fn compile_side(
    mut sources: SourceMap,
    config: Option<(String, String)>,
    failure: &str,
) -> Result<Side, String> {
    let compilation = nurturec::compile(&sources);
    let mut diagnostics: Vec<Diagnostic> = compilation.diagnostics.clone();
    let mut targets = Vec::new();
    let mut lints = None;
    if let Some((name, text)) = config {
        let file = sources.add_with_project_path(name.clone(), name, text.clone());
        match nurturec::config::parse_config(file, &text) {
            Ok(parsed) => {
                targets = parsed.targets.clone();
                lints = Some(parsed.lints);
            }
            Err(mut problems) => diagnostics.append(&mut problems),
        }
    }
    nurturec::diagnostics::sort_and_dedup(&mut diagnostics);
    if let Some(lints) = &lints {
        nurturec::diagnostics::lints::apply_levels(&mut diagnostics, lints);
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        let errors: Vec<Diagnostic> = diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        render_diagnostics(&errors, &sources);
        return Err(failure.to_string());
    }
    Ok(Side {
        sources,
        project: compilation.project,
        targets,
    })
}
