//! `nurturec diff --against REF`: each case of `tests/diff/<case>/` is a
//! project before and after a change. The test commits `before/` in a
//! fresh git repository, puts `after/` in the working tree, runs the binary
//! and compares its JSON and human output with the case's snapshot; the
//! exit codes of `--deny` follow from the impacts in the JSON.

use crate::cli::{code, stderr, stdout, temp_dir};
use crate::support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// git with no user or system configuration, so that a developer's
/// settings (signing, hooks, default branch) cannot change what it does.
fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

fn nurturec_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nurturec"));
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Everything of the working tree but `.git`.
fn clear_tree(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).unwrap();
        } else {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// A repository whose one commit holds `before` and whose working tree holds `after`.
fn repository(name: &str, before: &Path, after: &Path) -> PathBuf {
    let dir = temp_dir(&format!("diff-{name}"));
    git(&dir, &["init", "-q", "-b", "main"]);
    copy_tree(before, &dir);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "--allow-empty", "-m", "before"]);
    clear_tree(&dir);
    copy_tree(after, &dir);
    dir
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/diff"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn diff_cases() {
    let dirs = case_dirs();
    assert!(dirs.len() >= 10, "the cases are missing");
    for dir in dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let repo = repository(&case, &dir.join("before"), &dir.join("after"));
        // `args`, if the case has one: the paths to compare.
        let paths = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let paths: Vec<&str> = paths.split_whitespace().collect();
        let run = |extra: &[&str]| {
            let mut args = vec!["diff", "--against", "main"];
            args.extend(extra);
            args.extend(&paths);
            nurturec_in(&repo, &args, &[])
        };
        let json = run(&["--message-format", "json"]);
        assert_eq!(code(&json), 0, "{case}: {}", stderr(&json));
        let human = run(&[]);
        assert_eq!(code(&human), 0, "{case}: {}", stderr(&human));

        // --deny fails exactly when a change is at the level or worse.
        let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        let impacts: Vec<String> = doc["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["changes"].as_array().unwrap().clone())
            .map(|ch| ch["impact"].as_str().unwrap().to_string())
            .collect();
        let breaking = impacts.iter().any(|i| i == "breaking");
        let in_flight = breaking || impacts.iter().any(|i| i == "in-flight");
        for (level, fails) in [("breaking", breaking), ("in-flight", in_flight)] {
            let o = run(&["--deny", level, "--message-format", "json"]);
            assert_eq!(code(&o), i32::from(fails), "{case}: --deny {level}");
            assert_eq!(
                stdout(&o),
                stdout(&json),
                "{case}: --deny changes no output"
            );
        }
        // The working tree is left as it was.
        assert!(stderr(&json).is_empty(), "{case}: {}", stderr(&json));

        let snapshot = format!(
            "--- json ---\n{}--- human ---\n{}",
            stdout(&json),
            stdout(&human)
        );
        insta::with_settings!({ snapshot_suffix => case.clone(), prepend_module_to_snapshot => true }, {
            insta::assert_snapshot!(snapshot);
        });
        let _ = std::fs::remove_dir_all(&repo);
    }
}

/// Every kind the stage can report has a case that reports it, no case
/// reports a kind outside the list, and every impact occurs.
#[test]
fn every_kind_and_impact_has_a_case() {
    let snapshots = std::fs::read_dir(root().join("tests/integration/snapshots"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("integration__diff__diff_cases@")
        })
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let missing: Vec<&&str> = nurturec::diff::KINDS
        .iter()
        .filter(|k| !snapshots.contains(&format!("\"kind\": \"{k}\"")))
        .collect();
    assert!(missing.is_empty(), "kinds without a case: {missing:?}");
    for line in snapshots.lines() {
        if let Some(kind) = line.trim().strip_prefix("\"kind\": \"") {
            let kind = kind.trim_end_matches("\",").trim_end_matches('"');
            assert!(
                nurturec::diff::KINDS.contains(&kind),
                "{kind} is not in KINDS"
            );
        }
    }
    for impact in ["safe", "in-flight", "breaking"] {
        assert!(snapshots.contains(&format!("\"impact\": \"{impact}\"")));
    }
}

const CAMPAIGN: &str = r#"email welcome {
  subject "Welcome"
  template "t/welcome"
}

campaign series {
  trigger form.submitted("guide")
  suppress when unsubscribed
  send welcome
  wait 3d
  exit "done"
}
"#;

/// A repository with `CAMPAIGN` committed on `main` and `after` in the working tree.
fn one_file_repository(name: &str, committed: &str, after: &str) -> PathBuf {
    let dir = temp_dir(&format!("diff-{name}"));
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("series.nurture"), committed).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "before"]);
    std::fs::write(dir.join("series.nurture"), after).unwrap();
    dir
}

#[test]
fn github_format_annotates_and_writes_the_step_summary() {
    let after = CAMPAIGN.replace("  wait 3d\n", "");
    let repo = one_file_repository("github", CAMPAIGN, &after);
    let summary = repo.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let o = nurturec_in(
        &repo,
        &[
            "diff",
            "--against",
            "main",
            "--message-format",
            "github",
            "--deny",
            "breaking",
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n"),
        "the summary is appended"
    );
    insta::assert_snapshot!(format!(
        "--- annotations ---\n{}--- summary ---\n{written}",
        stdout(&o)
    ));
    // Without $GITHUB_STEP_SUMMARY only the annotations are printed.
    let o = nurturec_in(
        &repo,
        &["diff", "--against", "main", "--message-format", "github"],
        &[],
    );
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("::error file=series.nurture,line=10,"));
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn errors_exit_2_with_a_message() {
    // Not in a git repository.
    let dir = temp_dir("diff-no-repo");
    std::fs::write(dir.join("series.nurture"), CAMPAIGN).unwrap();
    let ceiling = dir.parent().unwrap().to_str().unwrap().to_string();
    let o = nurturec_in(
        &dir,
        &["diff", "--against", "main"],
        &[("GIT_CEILING_DIRECTORIES", &ceiling)],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error: not in a git repository"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");

    // A revision that does not exist.
    let repo = one_file_repository("bad-ref", CAMPAIGN, CAMPAIGN);
    let o = nurturec_in(
        &repo,
        &[
            "diff",
            "--against",
            "origin/nope",
            "--message-format",
            "json",
        ],
        &[],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error: `origin/nope` is not a revision of the repository"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // The same tree on both sides: nothing to say, and --deny passes.
    let o = nurturec_in(
        &repo,
        &["diff", "--against", "main", "--deny", "in-flight"],
        &[],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "no campaign changes against `main`\n");

    // The working tree does not compile.
    let broken = CAMPAIGN.replace("send welcome", "send welcom");
    std::fs::write(repo.join("series.nurture"), &broken).unwrap();
    let o = nurturec_in(&repo, &["diff", "--against", "main"], &[]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("error[undefined-name]"), "{err}");
    assert!(err.contains("series.nurture:9"), "{err}");
    assert!(
        err.contains("error: the project in the working tree does not compile"),
        "{err}"
    );

    // The revision does not compile: its diagnostics name the file at the revision.
    let repo = one_file_repository("broken-before", &broken, CAMPAIGN);
    let o = nurturec_in(&repo, &["diff", "--against", "main"], &[]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("main:series.nurture:9"), "{err}");
    assert!(
        err.contains("error: the project at `main` does not compile, so it cannot be compared"),
        "{err}"
    );
    // The working tree is untouched by any of it.
    assert_eq!(
        std::fs::read_to_string(repo.join("series.nurture")).unwrap(),
        CAMPAIGN
    );

    // A missing path is named.
    let o = nurturec_in(&repo, &["diff", "--against", "main", "nowhere"], &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`nowhere`"), "{}", stderr(&o));
    for d in [dir, repo] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The project `nurturec init` writes, committed: the diff step of its
/// workflow passes on an unchanged tree and fails once a wait is removed.
#[test]
fn the_init_project_runs_its_diff_step() {
    let dir = temp_dir("diff-init");
    git(&dir, &["init", "-q", "-b", "main"]);
    let o = nurturec_in(&dir, &["init"], &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "init"]);
    let args = [
        "diff",
        "--against",
        "main",
        "--deny",
        "breaking",
        "--message-format",
        "github",
    ];
    assert_eq!(code(&nurturec_in(&dir, &args, &[])), 0);
    let file = dir.join("campaigns/welcome_series.nurture");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("  wait 7d\n", "")).unwrap();
    let o = nurturec_in(&dir, &args, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("file=campaigns/welcome_series.nurture"),
        "{}",
        stdout(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn compile_named(files: &[(String, String)]) -> nurturec::Compilation {
    let mut sources = nurturec::SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    nurturec::compile(&sources)
}

/// A project compared with itself, or with itself in the canonical layout,
/// has no change: the comparison reads meaning, not spans or layout.
#[test]
fn a_project_has_no_change_against_itself_or_its_formatting() {
    let mut projects: Vec<Vec<(String, String)>> = Vec::new();
    for folder in ["examples", "tests/fixtures/valid"] {
        let files = crate::support::files_below(&root().join(folder), "nurture");
        projects.push(
            files
                .iter()
                .map(|p| {
                    (
                        crate::support::relative(p),
                        std::fs::read_to_string(p).unwrap(),
                    )
                })
                .collect(),
        );
    }
    // Generated projects too: long flows, many campaigns, deep nesting.
    for generated in [
        crate::generate::realistic(3_000, 7),
        crate::generate::many_small_campaigns(200),
        crate::generate::deep_nesting(40),
    ] {
        projects.push(generated.files.clone());
    }
    for files in projects {
        let before = compile_named(&files);
        assert!(!before.project.campaigns.is_empty());
        let formatted: Vec<(String, String)> = files
            .iter()
            .enumerate()
            .map(|(i, (name, text))| {
                let id = nurturec::span::FileId(u32::try_from(i).unwrap());
                let text = nurturec::format::format_file(id, text).unwrap_or_else(|_| text.clone());
                (name.clone(), format!("// reformatted\n{text}"))
            })
            .collect();
        for after in [compile_named(&files), compile_named(&formatted)] {
            let report = nurturec::diff::diff(&before.project, &after.project);
            assert_eq!(
                report,
                nurturec::diff::Report::default(),
                "{:?}",
                files[0].0
            );
        }
    }
}

/// Run from inside the project's folder with no path, the comparison is the
/// same as from the repository root naming the folder: paths are relative
/// to the repository root on both sides.
#[test]
fn the_project_is_found_from_inside_its_folder() {
    let case = root().join("tests/diff/project-in-folder");
    let repo = repository("from-inside", &case.join("before"), &case.join("after"));
    let json = ["diff", "--against", "main", "--message-format", "json"];
    let from_root = nurturec_in(&repo, &[&json[..], &["marketing"]].concat(), &[]);
    let inside = repo.join("marketing/campaigns");
    let from_inside = nurturec_in(&inside, &json, &[]);
    assert_eq!(code(&from_inside), 0, "{}", stderr(&from_inside));
    assert_eq!(stdout(&from_inside), stdout(&from_root));
    assert!(stdout(&from_inside).contains("\"file\": \"marketing/campaigns/series.nurture\""));
    let _ = std::fs::remove_dir_all(&repo);
}
