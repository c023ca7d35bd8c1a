//! Command-line interface: `check`, `build`, `graph`, `simulate`, `test`,
//! `fmt`, `diff`, `explain`, `init`, `completions`, `lsp`.

mod config;
mod diff;
mod fmt;
mod init;
mod inputs;
mod lsp;
mod output;
mod project;
mod simulate;
mod test;

use clap::{Args, Parser, Subcommand, ValueEnum};
use nurturec::config::Config;
use nurturec::diagnostics::render;
use nurturec::emit::{IdMode, OutputFile, Target};
use nurturec::source::{ColumnUnit, SourceFile};
use nurturec::{Code, Compilation, Diagnostic, SourceMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Compile `.nurture` nurture campaigns: prove them sound, emit platform JSON.
#[derive(Parser)]
#[command(name = "nurturec", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a project and print its diagnostics; writes nothing.
    Check {
        /// Files or directories (every `.nurture` below, in path order); `-` reads standard input
        /// [default: the folder of the nearest nurture.toml in or above the working directory, else `.`].
        paths: Vec<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Check a project and write `DIR/ir/<campaign>.json` for each campaign.
    Build {
        /// Files or directories (every `.nurture` below, in path order); `-` reads standard input
        /// [default: the folder of the nearest nurture.toml in or above the working directory, else `.`].
        paths: Vec<PathBuf>,
        /// Output folder [default: `[build] out` of nurture.toml, else `dist`].
        #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// What to emit, comma-separated: ir, klaviyo, hubspot, asl
        /// [default: `[build] targets` of nurture.toml, else `ir`].
        #[arg(long, value_delimiter = ',', value_name = "TARGETS")]
        target: Vec<TargetArg>,
        /// Emit readable placeholders (`"<template:recording>"`) instead of the
        /// account ids bound in nurture.toml: for review and tests.
        #[arg(long)]
        placeholder_ids: bool,
        /// Write nothing: compare the build with what `DIR` holds, list the files
        /// that differ or are missing, and fail if there are any.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Draw a campaign's flow as a Mermaid or Graphviz (DOT) picture on standard output.
    Graph {
        /// Files or directories (every `.nurture` below, in path order); `-` reads standard input
        /// [default: the folder of the nearest nurture.toml in or above the working directory, else `.`].
        paths: Vec<PathBuf>,
        /// The campaign to draw; required when the project has more than one.
        #[arg(long, value_name = "NAME")]
        campaign: Option<String>,
        /// Mermaid renders in pull requests; DOT is for Graphviz.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Run one lead through a campaign and print what happens to it, day by day.
    Simulate(simulate::SimulateArgs),
    /// Run the campaign tests (`*.lead.toml`) and compare their timelines with the committed ones.
    Test(test::TestArgs),
    /// Rewrite files in the one canonical layout; `--check` only shows what would change.
    Fmt {
        /// Files or directories (every `.nurture` below); `-` formats standard input to standard output
        /// [default: the folder of the nearest nurture.toml in or above the working directory, else `.`].
        paths: Vec<PathBuf>,
        /// Write nothing: print a unified diff for each file that is not formatted,
        /// and fail if there is any.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Compare the project with a git revision: what each change does to leads already inside.
    Diff(diff::DiffArgs),
    /// Explain a diagnostic code, with a failing and a fixed example.
    Explain {
        /// The code, e.g. `missing-exit`; without it, list every code.
        code: Option<String>,
    },
    /// Start a project in DIR: a nurture.toml, a commented campaign and a
    /// GitHub Actions workflow that checks it. Overwrites nothing.
    Init {
        /// The folder to write into; created if missing.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a shell completion script on standard output.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp,
}

#[derive(Args)]
struct ReportArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// When to colour human output (`NO_COLOR` is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// What the columns of short output count (`byte` is what Vim's `%c` reads).
    #[arg(long, value_enum, default_value_t = ColumnUnitArg::Char)]
    column_unit: ColumnUnitArg,
    /// Fail (exit 1) when there are warnings, too.
    #[arg(long)]
    deny_warnings: bool,
    /// Print only diagnostics: no count of errors and warnings, no line
    /// saying what was built, that it is up to date or that the build
    /// failed. Usage and I/O errors, and what an out-of-date `--check`
    /// found, still print: they are the only report of those failures.
    #[arg(short, long)]
    quiet: bool,
    /// Name standard input (`-`) as this file, and let it stand in for that
    /// file wherever the paths would read it: how editors check an unsaved
    /// buffer within its whole project.
    #[arg(long, value_name = "FILE")]
    stdin_path: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum MessageFormat {
    /// Rich diagnostics with source excerpts, on standard error.
    Human,
    /// One line each, `file:line:col: severity[code]: message`, on standard error.
    Short,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands, on standard output.
    Github,
    /// One SARIF 2.1.0 log on standard output, for GitHub code scanning.
    Sarif,
    /// A JUnit XML report on standard output: a test case per file, a failure per error.
    Junit,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ColumnUnitArg {
    /// Characters (Unicode scalar values).
    Char,
    /// UTF-8 bytes.
    Byte,
}

impl From<ColumnUnitArg> for ColumnUnit {
    fn from(unit: ColumnUnitArg) -> ColumnUnit {
        match unit {
            ColumnUnitArg::Char => ColumnUnit::Char,
            ColumnUnitArg::Byte => ColumnUnit::Byte,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
enum TargetArg {
    /// The canonical IR (`DIR/ir/`).
    Ir,
    /// Klaviyo `POST /api/flows` bodies.
    Klaviyo,
    /// HubSpot `POST /automation/v4/flows` bodies.
    Hubspot,
    /// AWS Step Functions state machines (Amazon States Language).
    Asl,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::Ir => Target::Ir,
            TargetArg::Klaviyo => Target::Klaviyo,
            TargetArg::Hubspot => Target::Hubspot,
            TargetArg::Asl => Target::Asl,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

const EXIT_OK: u8 = 0;
const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    ExitCode::from(match cli.command {
        Command::Check { paths, report } => check(&or_default(paths), &report),
        Command::Build {
            paths,
            out_dir,
            target,
            placeholder_ids,
            check,
            report,
        } => {
            let ids = if placeholder_ids {
                IdMode::Placeholders
            } else {
                IdMode::Bindings
            };
            let targets: Vec<Target> = target.into_iter().map(Target::from).collect();
            let paths = or_default(paths);
            build(&paths, out_dir.as_deref(), &targets, ids, check, &report)
        }
        Command::Graph {
            paths,
            campaign,
            format,
            report,
        } => graph(&or_default(paths), campaign.as_deref(), format, &report),
        Command::Simulate(args) => simulate::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt {
            paths,
            check,
            report,
        } => fmt::run(&or_default(paths), check, &report),
        Command::Diff(args) => diff::run(&args),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Init { dir } => init::run(&dir),
        Command::Completions { shell } => completions(shell),
        Command::Lsp => lsp::run(),
    })
}

/// No path means the project the working directory is in.
fn or_default(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        project::default_paths()
    } else {
        paths
    }
}

fn fail_usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// Reads every input into a source map, or says why it cannot. Files are
/// shown as the paths name them and recorded in outputs relative to `root`.
fn load(paths: &[PathBuf], stdin_path: Option<&Path>, root: &Path) -> Result<SourceMap, String> {
    use rayon::prelude::*;
    let inputs = inputs::collect(paths, stdin_path).map_err(|e| e.0)?;
    // Read, and index by line, on all cores; the first failure in path
    // order is the one reported, as on one thread.
    let files: Vec<Result<SourceFile, String>> = inputs
        .par_iter()
        .map(|input| {
            let (name, text) = inputs::read(input, stdin_path).map_err(|e| e.0)?;
            let project_path = match (input, stdin_path) {
                (inputs::Input::File(path), _) => project::project_path(root, path),
                (inputs::Input::Stdin, Some(path)) => project::project_path(root, path),
                (inputs::Input::Stdin, None) => name.clone(),
            };
            Ok(SourceFile::with_project_path(name, project_path, text))
        })
        .collect();
    let mut sources = SourceMap::new();
    for file in files {
        sources.add_file(file?);
    }
    Ok(sources)
}

/// Prints diagnostics in the chosen format; returns whether they fail the run.
fn report(diagnostics: &[Diagnostic], sources: &SourceMap, args: &ReportArgs) -> bool {
    match args.message_format {
        MessageFormat::Human => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stderr().is_terminal()
                }
            };
            let mut text = render::human(diagnostics, sources, color);
            if let Some(summary) = render::summary(diagnostics).filter(|_| !args.quiet) {
                text.push_str(&summary);
                text.push('\n');
            }
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
        MessageFormat::Short => {
            let text = render::short_in(diagnostics, sources, args.column_unit.into());
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
        MessageFormat::Json => {
            let _ = std::io::stdout().write_all(render::json(diagnostics, sources).as_bytes());
        }
        MessageFormat::Github => {
            let _ = std::io::stdout().write_all(render::github(diagnostics, sources).as_bytes());
        }
        MessageFormat::Sarif => {
            let _ = std::io::stdout().write_all(render::sarif(diagnostics, sources).as_bytes());
        }
        MessageFormat::Junit => {
            let text = render::junit(diagnostics, sources, args.deny_warnings);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    fails(diagnostics, args)
}

/// Whether `diagnostics` fail the command: an error, or with
/// `--deny-warnings` anything at all.
fn fails(diagnostics: &[Diagnostic], args: &ReportArgs) -> bool {
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    errors || (args.deny_warnings && !diagnostics.is_empty())
}

/// Prints diagnostics as the human format does, without colour, on standard error.
fn render_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let mut text = render::human(diagnostics, sources, false);
    if let Some(summary) = render::summary(diagnostics) {
        text.push_str(&summary);
        text.push('\n');
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// In the document formats an I/O failure still owes standard output one
/// document; SARIF and JUnit carry the reason in it.
fn io_failure(message: &str, args: &ReportArgs) -> u8 {
    let document = match args.message_format {
        MessageFormat::Json => Some(render::json(&[], &SourceMap::new())),
        MessageFormat::Sarif => Some(render::sarif_tool_failure(message)),
        MessageFormat::Junit => Some(render::junit_tool_failure(message)),
        MessageFormat::Human | MessageFormat::Short | MessageFormat::Github => None,
    };
    if let Some(document) = document {
        let _ = std::io::stdout().write_all(document.as_bytes());
    }
    fail_usage(message)
}

/// A compiled project with its configuration, and every diagnostic so far.
struct Loaded {
    sources: SourceMap,
    /// The project; its diagnostics are in `diagnostics`, with the config's.
    compilation: Compilation,
    /// `nurture.toml` and the folder it is in, if one was found and parsed.
    config: Option<(Config, PathBuf)>,
    diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    fn config(&self) -> Config {
        self.config
            .as_ref()
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }
}

/// Reads and compiles the project, then its `nurture.toml` (added to the
/// source map after compiling, so it is not read as a `.nurture` file).
fn load_project(paths: &[PathBuf], stdin_path: Option<&Path>) -> Result<Loaded, String> {
    let config_path = config::find(paths)?;
    let root = project::root(paths, stdin_path, config_path.as_deref());
    let mut sources = load(paths, stdin_path, &root)?;
    let mut compilation = nurturec::compile(&sources);
    let mut diagnostics = std::mem::take(&mut compilation.diagnostics);
    let mut config = None;
    if let Some(path) = config_path {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read `{}`: {}",
                path.display(),
                inputs::io_reason(&e)
            )
        })?;
        let file = sources.add_with_project_path(
            config::display_name(&path),
            project::project_path(&root, &path),
            text.clone(),
        );
        match nurturec::config::parse_config(file, &text) {
            Ok(parsed) => {
                // `[policy]` judges the project as compiled (its own
                // checks ran in `compile`).
                diagnostics.extend(nurturec::check::check_policy(
                    &compilation.project,
                    &parsed.policy,
                    &nurturec::file_rank(&sources),
                ));
                let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                config = Some((parsed, folder));
            }
            Err(mut problems) => diagnostics.append(&mut problems),
        }
    }
    nurturec::diagnostics::sort_and_dedup(&mut diagnostics);
    if let Some((parsed, _)) = &config {
        nurturec::diagnostics::lints::apply_levels(&mut diagnostics, &parsed.lints);
    }
    Ok(Loaded {
        sources,
        compilation,
        config,
        diagnostics,
    })
}

/// Runs the backends of `targets` one after another, giving each one's
/// files to `take` as soon as they are made (with the project, whose
/// diagnostics then include that backend's); the diagnostics are sorted
/// at the end.
fn emit(
    loaded: &mut Loaded,
    targets: &[Target],
    ids: IdMode,
    mut take: impl FnMut(&Loaded, Vec<OutputFile>),
) {
    for &target in targets {
        let files = emit_one(loaded, target, ids);
        take(loaded, files);
    }
    nurturec::diagnostics::sort_and_dedup(&mut loaded.diagnostics);
}

/// Runs the backend of `target`; its diagnostics join `loaded`'s, unsorted.
fn emit_one(loaded: &mut Loaded, target: Target, ids: IdMode) -> Vec<OutputFile> {
    let config = loaded.config();
    let project = &loaded.compilation.project;
    let result = match target {
        Target::Ir => nurturec::emit::ir(project, &loaded.sources),
        Target::Klaviyo => nurturec::emit::klaviyo(project, &config, ids),
        Target::Hubspot => nurturec::emit::hubspot(project, &config, ids),
        Target::Asl => nurturec::emit::asl(project, &config, ids),
    };
    match result {
        Ok(files) => files,
        Err(mut problems) => {
            loaded.diagnostics.append(&mut problems);
            Vec::new()
        }
    }
}

/// The output folders a build of `targets` owns, with their `segments/`
/// subfolders: a stale file in any of them is removed (or, with `--check`,
/// reported) even when the build writes nothing there any more.
fn owned_folders(targets: &[Target]) -> Vec<String> {
    let mut folders = Vec::new();
    for t in targets {
        folders.push(t.as_str().to_string());
        if matches!(t, Target::Klaviyo | Target::Hubspot) {
            folders.push(format!("{}/segments", t.as_str()));
        }
        if *t == Target::Hubspot {
            folders.push("hubspot/scoring".to_string());
        }
        if *t == Target::Asl {
            folders.push("asl/starter".to_string());
        }
    }
    folders
}

/// The project of a `check` or `build`, kept until the process exits: the
/// command is the process's last work, and freeing the syntax trees and the
/// IR node by node is 1.4% of the instructions of `check` (callgrind, 10k
/// statements). The operating system takes the memory back at once.
fn not_freed(loaded: Loaded) -> std::mem::ManuallyDrop<Loaded> {
    std::mem::ManuallyDrop::new(loaded)
}

fn check(paths: &[PathBuf], args: &ReportArgs) -> u8 {
    let mut loaded = match load_project(paths, args.stdin_path.as_deref()) {
        Ok(l) => not_freed(l),
        Err(message) => return io_failure(&message, args),
    };
    // The platforms the project builds for must have their bindings too.
    if !loaded.has_errors() {
        let targets: Vec<Target> = loaded
            .config()
            .targets
            .into_iter()
            .filter(|t| *t != Target::Ir)
            .collect();
        emit(&mut loaded, &targets, IdMode::Bindings, |_, _| {});
    }
    if report(&loaded.diagnostics, &loaded.sources, args) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn build(
    paths: &[PathBuf],
    out_dir: Option<&Path>,
    targets: &[Target],
    ids: IdMode,
    check_only: bool,
    args: &ReportArgs,
) -> u8 {
    let mut loaded = match load_project(paths, args.stdin_path.as_deref()) {
        Ok(l) => not_freed(l),
        Err(message) => return io_failure(&message, args),
    };
    let config = loaded.config();
    let out_dir: PathBuf = match (out_dir, &config.output, &loaded.config) {
        (Some(dir), _, _) => dir.to_path_buf(),
        // `[build] out` is relative to the folder of nurture.toml.
        (None, Some(out), Some((_, folder))) => config::relative_to_cwd(&folder.join(out)),
        _ => PathBuf::from("dist"),
    };
    let targets: Vec<Target> = match (targets, config.targets.as_slice()) {
        ([], []) => vec![Target::Ir],
        ([], from_config) => from_config.to_vec(),
        (given, _) => given.to_vec(),
    };
    let mut files = Vec::new();
    let mut staging = output::Staging::new(&out_dir);
    let mut staged = Ok(());
    if !loaded.has_errors() {
        // A build stages each target's files as soon as they are made, so
        // that it holds one target's files in memory at a time; nothing
        // more is staged after an error, and dropping the staging removes
        // what it staged.
        emit(&mut loaded, &targets, ids, |loaded, made| {
            if check_only {
                files.extend(made);
            } else if staged.is_ok() && !loaded.has_errors() {
                staged = staging.stage(&made);
            }
        });
    }
    if fails(&loaded.diagnostics, args) {
        // Before the report says so: nothing of the build is left.
        drop(staging);
        report(&loaded.diagnostics, &loaded.sources, args);
        if !args.quiet {
            eprintln!(
                "error: build failed; nothing was written to `{}`",
                out_dir.display()
            );
        }
        return EXIT_FAILED;
    }
    report(&loaded.diagnostics, &loaded.sources, args);
    let folders = owned_folders(&targets);
    let left_out = left_out(&loaded.compilation.project, &config, &targets);
    if check_only {
        let problems = output::check_all(&out_dir, &files, &folders);
        if problems.is_empty() {
            if !args.quiet {
                eprintln!(
                    "`{}` is up to date ({} files{})",
                    out_dir.display(),
                    files.len(),
                    left_out
                        .as_deref()
                        .map(|l| format!("; {l}"))
                        .unwrap_or_default()
                );
            }
            return EXIT_OK;
        }
        for p in &problems {
            eprintln!("{p}");
        }
        eprintln!(
            "error: `{}` is out of date ({} of {} files); run `nurturec build` without `--check`",
            out_dir.display(),
            problems.len(),
            files.len()
        );
        return EXIT_FAILED;
    }
    let campaigns = loaded.compilation.project.campaigns.len();
    match staged.and_then(|()| staging.commit(&folders)) {
        Ok(_) if args.quiet => EXIT_OK,
        Ok(w) => {
            eprintln!(
                "built {} campaign{} for {} into `{}` ({} written, {} unchanged{}){}",
                campaigns,
                if campaigns == 1 { "" } else { "s" },
                targets
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                out_dir.display(),
                w.written,
                w.unchanged,
                if w.removed > 0 {
                    format!(", {} stale removed", w.removed)
                } else {
                    String::new()
                },
                left_out
                    .as_deref()
                    .map(|l| format!("; {l}"))
                    .unwrap_or_default()
            );
            EXIT_OK
        }
        Err(message) => fail_usage(&message),
    }
}

/// Which campaigns the targets' `skip` left out, for the build's summary
/// (`[klaviyo] skip left out webinar_followup`), or `None`.
fn left_out(
    project: &nurturec::ir::Project,
    config: &Config,
    targets: &[Target],
) -> Option<String> {
    let parts: Vec<String> = targets
        .iter()
        .filter_map(|&t| {
            let names = nurturec::emit::skipped(project, config, t);
            (!names.is_empty()).then(|| format!("`[{t}] skip` left out {}", names.join(", ")))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Draws one campaign. Errors are reported but do not stop the picture
/// unless the campaign cannot be found: an unreachable or falling-off
/// statement is exactly what one wants to see drawn.
fn graph(paths: &[PathBuf], name: Option<&str>, format: GraphFormat, args: &ReportArgs) -> u8 {
    let stdin_path = args.stdin_path.as_deref();
    let root = project::root(paths, stdin_path, None);
    let sources = match load(paths, stdin_path, &root) {
        Ok(s) => s,
        Err(message) => return fail_usage(&message),
    };
    let compilation = nurturec::compile(&sources);
    let campaigns = &compilation.project.campaigns;
    let names = || {
        campaigns
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let campaign = match (name, campaigns.as_slice()) {
        (Some(n), _) => match campaigns.iter().find(|c| c.name == n) {
            Some(c) => c,
            None => {
                report(&compilation.diagnostics, &sources, args);
                return fail_usage(&format!(
                    "no campaign `{n}` in the project; it has {}",
                    names()
                ));
            }
        },
        (None, [only]) => only,
        (None, []) => {
            report(&compilation.diagnostics, &sources, args);
            return fail_usage("the project has no campaign to draw");
        }
        (None, _) => {
            return fail_usage(&format!("choose a campaign with `--campaign`: {}", names()))
        }
    };
    let picture = match format {
        GraphFormat::Mermaid => nurturec::emit::graph::mermaid(&compilation.project, campaign),
        GraphFormat::Dot => nurturec::emit::graph::dot(&compilation.project, campaign),
    };
    let failed = report(&compilation.diagnostics, &sources, args);
    let _ = std::io::stdout().write_all(picture.as_bytes());
    if failed {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Completions are generated from the same clap definition that parses the
/// arguments, so they cannot fall behind a new option.
fn completions(shell: clap_complete::Shell) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "nurturec", &mut script);
    let _ = std::io::stdout().write_all(&script);
    EXIT_OK
}

fn explain(code: Option<&str>) -> u8 {
    let Some(name) = code else {
        let mut out = String::from("Diagnostic codes (`nurturec explain <code>` for details):\n\n");
        for c in Code::ALL {
            out.push_str(&format!(
                "  {:<34} {:<8} {}\n",
                c.as_str(),
                c.severity().as_str(),
                c.summary()
            ));
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return EXIT_OK;
    };
    match Code::parse(name) {
        Some(c) => {
            let _ = std::io::stdout().write_all(c.explanation().as_bytes());
            EXIT_OK
        }
        None => {
            let close: Vec<String> = Code::similar(name, 3)
                .iter()
                .map(|c| format!("`{c}`"))
                .collect();
            let hint = match close.as_slice() {
                [] => String::new(),
                [one] => format!("; did you mean {one}?"),
                [first @ .., last] => format!("; did you mean {} or {last}?", first.join(", ")),
            };
            fail_usage(&format!(
                "unknown diagnostic code `{name}`{hint} (`nurturec explain` lists them all)"
            ))
        }
    }
}
