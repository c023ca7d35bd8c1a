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
