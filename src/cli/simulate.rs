//! `nurturec simulate`: one lead through one campaign, as a timeline or a
//! JSON trace.

use super::{load_project, render_diagnostics, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use clap::{Args, ValueEnum};
use nurturec::simulate::{self, Lead, Options};
use nurturec::span::FileId;
use nurturec::SourceMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(super) struct SimulateArgs {
    /// Files or directories (every `.nurture` below, in path order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The campaign the lead enters.
    #[arg(long, value_name = "NAME")]
    campaign: String,
    /// The lead file (TOML; docs/language.md, "Simulating and testing").
    #[arg(long, value_name = "FILE")]
    lead: PathBuf,
    /// Seeds every `split`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// How long after the first entry the simulation runs, e.g. `90d`.
    #[arg(long, value_name = "DURATION", default_value = "730d")]
    until: String,
    /// A readable timeline, or one JSON document on standard output.
    #[arg(long, value_enum, default_value_t = TraceFormat::Human)]
    message_format: TraceFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(super) enum TraceFormat {
    Human,
    Json,
}

fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// Reads and parses a lead file; the error names the file and the field.
pub(super) fn read_lead(path: &Path) -> Result<Lead, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read lead file `{}`: {}",
            path.display(),
            super::inputs::io_reason(&e)
        )
    })?;
    Lead::from_toml(&text).map_err(|e| format!("lead file `{}`: {e}", path.display()))
}

pub(super) fn parse_until(text: &str) -> Result<u64, String> {
    simulate::lead::parse_duration(text)
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| format!("`--until {text}`: expected a duration such as `90d` or `2w`"))
}

/// How trace steps name their file: by its project path (relative to the
/// project root, with `/`), as every other output does.
pub(super) fn file_namer(sources: &SourceMap) -> impl Fn(FileId) -> String + '_ {
    move |file| sources.project_path(file).to_string()
}

pub(super) fn run(args: &SimulateArgs) -> u8 {
    let horizon = match parse_until(&args.until) {
        Ok(h) => h,
        Err(message) => return usage(&message),
    };
    let lead = match read_lead(&args.lead) {
        Ok(l) => l,
        Err(message) => return usage(&message),
    };
    let loaded = match load_project(&args.paths, None) {
        Ok(l) => l,
        Err(message) => return usage(&message),
    };
    if loaded.has_errors() {
        render_diagnostics(&loaded.diagnostics, &loaded.sources);
        eprintln!("error: the project must check without errors before it is simulated");
        return EXIT_FAILED;
    }
    let project = &loaded.compilation.project;
    if !project.campaigns.iter().any(|c| c.name == args.campaign) {
        let names: Vec<String> = project
            .campaigns
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect();
        return usage(&format!(
            "no campaign `{}` in the project; it has {}",
            args.campaign,
            names.join(", ")
        ));
    }
    let options = Options {
        seed: args.seed,
        horizon,
        ..Options::default()
    };
    let trace = match simulate::simulate(project, &args.campaign, &lead, &options) {
        Ok(t) => t,
        Err(e) => return usage(&format!("lead file `{}`: {e}", args.lead.display())),
    };
    let name = file_namer(&loaded.sources);
    let text = match args.message_format {
        TraceFormat::Human => simulate::human(&trace, &loaded.sources, &name),
        TraceFormat::Json => {
            let doc = simulate::json(&trace, &loaded.sources, &name);
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    EXIT_OK
}
