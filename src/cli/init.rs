//! `nurturec init [DIR]`: a starter project that checks clean, with the CI
//! workflow that keeps it so.

use super::inputs::io_reason;
use super::{EXIT_OK, EXIT_USAGE};
use std::io::Write;
use std::path::{Path, PathBuf};

const CONFIG: &str = r#"# nurture.toml: the project configuration. `nurturec check`, `build` and
# `graph` run without a path use the folder of this file, and what `build`
# writes names the sources relative to it, so the output is the same from any
# working directory.

[build]
out = "dist"        # commit this folder: `nurturec build --check` fails when it is stale
targets = ["ir"]    # add "klaviyo", "hubspot" or "asl" once their ids are bound below

# Each platform needs the ids of your account for the names the campaigns use
# (emails, events, segments, ...); `nurturec check` names every missing key.
# See docs/backends.md of nurturec for the tables, e.g.:
#
# [klaviyo]
# from_email = "marketing@example.com"
# [klaviyo.templates]
# welcome = "TmQ1eF"
"#;

const CAMPAIGN: &str = r#"// A first campaign: a welcome, a follow-up for leads who did not click, and
// a handoff to sales for those who did. `nurturec check` proves it sound:
// every step is reachable, every path ends, and no lead gets more email than
// the cap allows. `nurturec explain CODE` tells what any diagnostic means.

// ── Emails ────────────────────────────────────────────────────────────────
// An email names its template on the platform; `stage` says where in the
// buyer's journey it belongs.

email welcome {
  subject "Here is the guide you asked for"
  template "starter/welcome"
  stage awareness
}

email follow_up {
  subject "Three ideas from the guide, in five minutes"
  template "starter/follow-up"
  stage consideration
}

// ── The campaign ──────────────────────────────────────────────────────────

campaign welcome_series {
  title "Guide download: welcome series"
  trigger form.submitted("guide")                  // who enters
  goal demo_requested when demo.requested          // reaching a goal exits the lead
  suppress when unsubscribed or bounced or complained
  cap 2 emails per 7d                              // never more than this, on any path

  send welcome
  wait 3d

  // The first arm whose condition holds runs; a lead that matches none
  // continues below the branch.
  branch {
    when email.clicked(welcome) {
      handoff sales { note "Clicked the guide's welcome email" }
    }
  }
  send follow_up
  wait 7d
  exit "series complete"                           // every path must end
}
"#;

const WORKFLOW: &str = r#"# Checks the campaigns on every push and pull request: diagnostics become
# annotations on the changed lines, and a pull request whose compiled JSON in
# dist/ is stale fails (run `nurturec build` and commit dist/ to fix it). On a
# pull request, `nurturec diff` says what the change does to leads already
# inside the live campaigns, and fails it when they would lose their place.
name: nurture

on:
  push:
  pull_request:

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # the whole history: `nurturec diff` reads origin/main through git
      # nurturec is built from source with cargo, which GitHub's Ubuntu
      # runners have (it takes a few minutes on each run). This line takes
      # from crates.io the release of nurturec that wrote this file. If you
      # get nurturec from its git repository rather than from crates.io,
      # replace it with:
      #   cargo install --locked --git <repository URL> nurturec
      - run: cargo install --locked nurturec --version "=@VERSION@"
      - run: nurturec check --message-format github
      - run: nurturec build --check
      # Changes leads inside will live become warnings, changes that make them
      # lose their place (a removed or moved wait, a renamed label) errors;
      # see docs/diff.md of nurturec. Compare with the branch you deploy from.
      - run: nurturec diff --against origin/main --deny breaking --message-format github
        if: github.event_name == 'pull_request'
"#;

/// The files of a starter project, relative to its folder.
fn starter_files() -> [(&'static str, String); 3] {
    [
        ("nurture.toml", CONFIG.to_string()),
        ("campaigns/welcome_series.nurture", CAMPAIGN.to_string()),
        (
            ".github/workflows/nurture.yml",
            WORKFLOW.replace("@VERSION@", env!("CARGO_PKG_VERSION")),
        ),
    ]
}

pub fn run(dir: &Path) -> u8 {
    let files = starter_files();
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| std::fs::symlink_metadata(path).is_ok())
        .map(|path| format!("`{}`", path.display()))
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: `nurturec init` overwrites nothing, and {} already exist{}; \
             move {} away or choose another folder",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" },
            if existing.len() == 1 { "it" } else { "them" },
        );
        return EXIT_USAGE;
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, contents) in &files {
        let path = dir.join(name);
        if let Err(message) = write_new(&path, contents) {
            // All or nothing: take back what this run wrote.
            for done in written.iter().rev() {
                let _ = std::fs::remove_file(done);
            }
            eprintln!("error: {message}; nothing was written");
            return EXIT_USAGE;
        }
        written.push(path);
    }
    let from_there = if dir == Path::new(".") {
        String::new()
    } else {
        format!("in `{}`, ", dir.display())
    };
    eprintln!(
        "created a nurture project in `{}`: {}\nnext: {from_there}`nurturec check`, then `nurturec build` and commit `dist/`",
        dir.display(),
        files
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    EXIT_OK
}

/// Writes a file that must not exist yet (`create_new`, so a file appearing
/// since the check above is not overwritten either).
fn write_new(path: &Path, contents: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write `{}`: {}", path.display(), io_reason(&e));
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(fail)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    if let Err(e) = file.write_all(contents.as_bytes()) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(fail(e));
    }
    Ok(())
}
