//! Lint levels from the command line: `[lints]` in `nurture.toml`, the
//! `// nurturec: allow(…)` comment, and how `--deny-warnings` honours both;
//! and `explain` reading codes in any case.

use crate::cli::{code, run, stderr, stdout, temp_dir};
use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// A campaign with one warning: `email-not-sent-yet` on line 8.
const WARNS: &str = "email welcome { subject \"Hi\" template \"t/welcome\" }

campaign c {
  trigger form.submitted(\"f\")
  goal g when meeting.booked
  suppress when unsubscribed
  wait 1d or until email.opened(welcome)
  branch { when email.clicked(welcome) { exit } }
  send welcome
  exit
}
";

fn project(name: &str, source: &str, config: Option<&str>) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("campaign.nurture"), source).unwrap();
    if let Some(text) = config {
        std::fs::write(dir.join("nurture.toml"), text).unwrap();
    }
    dir
}

fn short(dir: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["check", ".", "--message-format", "short"];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    (code(&o), stderr(&o))
}

#[test]
fn without_levels_the_warnings_fail_only_under_deny_warnings() {
    let dir = project("lints-none", WARNS, None);
    let (status, text) = short(&dir, &[]);
    assert_eq!(status, 0, "{text}");
    assert_eq!(
        text.matches("warning[email-not-sent-yet]").count(),
        2,
        "{text}"
    );
    assert_eq!(short(&dir, &["--deny-warnings"]).0, 1);
}

#[test]
fn lints_allow_drops_a_warning_and_deny_makes_it_an_error() {
    let dir = project(
        "lints-allow",
        WARNS,
        Some("[lints]\nemail-not-sent-yet = \"allow\"\n"),
    );
    assert_eq!(short(&dir, &["--deny-warnings"]), (0, String::new()));
    let out = dir.join("dist");
    let o = run_in(&dir, &["build", ".", "--deny-warnings"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(out.join("ir/c.json").is_file());

    std::fs::write(
        dir.join("nurture.toml"),
        "[lints]\nemail-not-sent-yet = \"deny\"\n",
    )
    .unwrap();
    let (status, text) = short(&dir, &[]);
    assert_eq!(status, 1, "{text}");
    assert_eq!(
        text.matches("error[email-not-sent-yet]").count(),
        2,
        "{text}"
    );
    let o = run_in(&dir, &["check", ".", "--color", "never"]);
    assert!(
        stderr(&o).contains("`email-not-sent-yet = \"deny\"` in `[lints]`"),
        "{}",
        stderr(&o)
    );
    let o = run_in(&dir, &["build", ".", "-o", "denied"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        !dir.join("denied").exists(),
        "a denied warning writes nothing"
    );

    std::fs::write(
        dir.join("nurture.toml"),
        "[lints]\nemail-not-sent-yet = \"warn\"\n",
    )
    .unwrap();
    assert_eq!(short(&dir, &[]).0, 0);
    assert_eq!(short(&dir, &["--deny-warnings"]).0, 1);
}

#[test]
fn unknown_codes_and_error_codes_in_lints_are_config_errors() {
    let dir = project(
        "lints-bad",
        WARNS,
        Some(
            "[lints]\nemail_not_sent_yet = \"allow\"\nmissing-exit = \"allow\"\nunused = \"off\"\n",
        ),
    );
    let (status, text) = short(&dir, &[]);
    assert_eq!(status, 1, "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("invalid-config"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("nurture.toml:2:1: "), "{text}");
    assert!(lines[1].contains("`missing-exit` is an error"), "{text}");
    assert!(lines[2].contains("`off` is not a lint level"), "{text}");
    let o = run_in(&dir, &["check", ".", "--color", "never"]);
    assert!(
        stderr(&o).contains("did you mean `email-not-sent-yet`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_allow_comment_silences_its_line_for_check_and_build() {
    let source = WARNS
        .replace(
            "email.opened(welcome)\n",
            "email.opened(welcome)   // nurturec: allow(email-not-sent-yet)\n",
        )
        .replace(
            "  branch {",
            "  // nurturec: allow(email-not-sent-yet): asked by the sales team\n  branch {",
        );
    let dir = project("lints-pragma", &source, None);
    assert_eq!(short(&dir, &["--deny-warnings"]), (0, String::new()));
    let o = run_in(&dir, &["build", ".", "--deny-warnings"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // A site's allow wins over a project-wide deny.
    std::fs::write(
        dir.join("nurture.toml"),
        "[lints]\nemail-not-sent-yet = \"deny\"\n",
    )
    .unwrap();
    assert_eq!(short(&dir, &["--deny-warnings"]), (0, String::new()));

    // One allow only: the other line still warns.
    let one = WARNS.replace(
        "email.opened(welcome)\n",
        "email.opened(welcome)   // nurturec: allow(email-not-sent-yet)\n",
    );
    let dir = project("lints-pragma-one", &one, None);
    let (status, text) = short(&dir, &["--deny-warnings"]);
    assert_eq!(status, 1);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("campaign.nurture:8:17: warning[email-not-sent-yet]"),
        "{text}"
    );
}

#[test]
fn a_stale_allow_fails_deny_warnings_unless_lints_allow_it() {
    let source = WARNS.replace(
        "  send welcome\n",
        "  send welcome   // nurturec: allow(unused)\n",
    );
    let source = source
        .replace(
            "email.opened(welcome)\n",
            "email.opened(welcome)   // nurturec: allow(email-not-sent-yet)\n",
        )
        .replace(
            "  branch {",
            "  // nurturec: allow(email-not-sent-yet)\n  branch {",
        );
    let dir = project("lints-stale", &source, None);
    let (status, text) = short(&dir, &["--deny-warnings"]);
    assert_eq!(status, 1);
    assert!(
        text.contains("campaign.nurture:10:37: warning[unfulfilled-allow]"),
        "{text}"
    );
    std::fs::write(
        dir.join("nurture.toml"),
        "[lints]\nunfulfilled-allow = \"allow\"\n",
    )
    .unwrap();
    assert_eq!(short(&dir, &["--deny-warnings"]), (0, String::new()));
}

#[test]
fn explain_reads_codes_in_any_case_and_suggests_close_ones() {
    for spelling in ["Missing-Exit", "MISSING_EXIT", "error[missing-exit]"] {
        let o = run(&["explain", spelling], None, &[]);
        assert_eq!(code(&o), 0, "{spelling}: {}", stderr(&o));
        assert!(stdout(&o).starts_with("# missing-exit:"), "{spelling}");
    }
    let o = run(&["explain", "Mising_Exit"], None, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `missing-exit`?"),
        "{}",
        stderr(&o)
    );
    let o = run(&["explain", "unused"], None, &[]);
    assert_eq!(code(&o), 0);
    let o = run(&["explain", "label"], None, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `unused-label`?"),
        "{}",
        stderr(&o)
    );
    let o = run(&["explain", "zzzzzzzz"], None, &[]);
    assert_eq!(code(&o), 2);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
}
