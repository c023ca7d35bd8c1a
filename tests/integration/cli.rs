//! The `nurturec` binary: exit codes, message formats, inputs and outputs.

use crate::support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn nurturec(args: &[&str]) -> Output {
    run(args, None, &[])
}

pub fn run(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nurturec"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A fresh, empty directory under the system's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nurturec-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = crate::support::files_below(dir, "json")
        .into_iter()
        .chain(crate::support::files_below(dir, "txt"))
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

const INVALID: &str = "tests/fixtures/invalid/undefined_label_and_campaign.nurture";
const WARNINGS_ONLY: &str = "tests/fixtures/invalid/unused.nurture";

#[test]
fn check_exit_codes() {
    let ok = nurturec(&["check", "tests/fixtures/valid"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert_eq!(stderr(&ok), "");

    let errors = nurturec(&["check", "--color", "never", INVALID]);
    assert_eq!(code(&errors), 1);
    assert!(stderr(&errors).contains("error[undefined-name]"));
    assert!(
        stderr(&errors).ends_with("2 errors emitted\n"),
        "{}",
        stderr(&errors)
    );

    let warnings = nurturec(&["check", WARNINGS_ONLY]);
    assert_eq!(code(&warnings), 0);
    assert!(stderr(&warnings).contains("warning[unused]"));
    let denied = nurturec(&["check", "--deny-warnings", WARNINGS_ONLY]);
    assert_eq!(code(&denied), 1);
}

#[test]
fn usage_and_io_problems_exit_2_with_a_message_naming_the_file() {
    let missing = nurturec(&["check", "no/such/file.nurture"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("cannot read `no/such/file.nurture`: no such file or directory")
    );

    let dir = temp_dir("io");
    let latin1 = dir.join("latin1.nurture");
    std::fs::write(&latin1, b"segment caf\xe9 = role == \"x\"\n").unwrap();
    let bad = nurturec(&["check", latin1.to_str().unwrap()]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("latin1.nurture` is not valid UTF-8"),
        "{}",
        stderr(&bad)
    );

    let empty_dir = dir.join("empty");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let none = nurturec(&["check", empty_dir.to_str().unwrap()]);
    assert_eq!(code(&none), 2);
    assert!(stderr(&none).contains("no `.nurture` files found"));
    // `fmt` finds its inputs the same way, and says the same.
    let none_to_format = nurturec(&["fmt", empty_dir.to_str().unwrap()]);
    assert_eq!(code(&none_to_format), 2);
    assert_eq!(stderr(&none_to_format), stderr(&none));

    // (With no path, `check` reads the current project: `paths.rs`.)
    assert_eq!(
        code(&nurturec(&["check", "--message-format", "xml", INVALID])),
        2
    );
    assert_eq!(code(&nurturec(&["frobnicate"])), 2);

    // In JSON mode standard output still holds exactly one document.
    let json = nurturec(&["check", "--message-format", "json", "no/such.nurture"]);
    assert_eq!(code(&json), 2);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
}

#[test]
fn short_format_is_one_line_each() {
    let o = nurturec(&["check", "--message-format", "short", INVALID]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "tests/fixtures/invalid/undefined_label_and_campaign.nurture:10:14: error[undefined-name]: cannot find campaign `nowhere`\n\
         tests/fixtures/invalid/undefined_label_and_campaign.nurture:13:8: error[undefined-name]: cannot find label `nowhere_label` in campaign `c`\n"
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn json_format_is_one_versioned_document_on_stdout() {
    let o = nurturec(&[
        "check",
        "--message-format",
        "json",
        "tests/fixtures/invalid/duplicate_email.nurture",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "");
    insta::assert_snapshot!(stdout(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["warnings"], 0);
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(7))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(14))
    );

    let clean = nurturec(&["check", "--message-format", "json", "tests/fixtures/valid"]);
    assert_eq!(code(&clean), 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&clean)).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"version": 1, "diagnostics": [], "errors": 0, "warnings": 0})
    );
}

#[test]
fn github_format_prints_workflow_commands() {
    let o = nurturec(&["check", "--message-format", "github", WARNINGS_ONLY]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(
            "::warning file=tests/fixtures/invalid/unused.nurture,line=2,col=7,endLine=2,endColumn=13,title=warning[unused]::email `orphan` is never used"
        ),
        "{first}"
    );
    // Newlines inside a message are escaped so each annotation is one line.
    assert_eq!(out.lines().count(), 2);
    assert!(first.contains("%0Ahelp: "));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let always = nurturec(&["check", "--color", "always", INVALID]);
    assert!(stderr(&always).contains('\u{1b}'), "--color always colours");
    let never = nurturec(&["check", "--color", "never", INVALID]);
    assert!(!stderr(&never).contains('\u{1b}'));
    // Standard error is a pipe here, so `auto` must not colour either.
    let auto = run(&["check", INVALID], None, &[("NO_COLOR", "1")]);
    assert!(!stderr(&auto).contains('\u{1b}'));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let source = b"email hello { subject \"Hi\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send helo\n  exit\n}\n";
    let o = run(
        &["check", "--message-format", "short", "-"],
        Some(source),
        &[],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("<stdin>:6:8: error[undefined-name]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let dir = temp_dir("bom");
    let file = dir.join("bom.nurture");
    let text = "\u{feff}email hello { subject \"Hi\" template \"t\" }\r\ncampaign c {\r\n  trigger form.submitted(\"f\")\r\n  goal g when meeting.booked\r\n  suppress when unsubscribed\r\n  send hello\r\n\twait 0d\r\n  exit\r\n}\r\n";
    std::fs::write(&file, text).unwrap();
    let o = nurturec(&["check", "--message-format", "short", file.to_str().unwrap()]);
    // The BOM does not shift columns; the tab counts as one column.
    assert!(
        stderr(&o)
            .ends_with(":7:7: error[invalid-duration]: a duration must be longer than zero\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_directory_is_one_project_across_files() {
    let dir = temp_dir("project");
    std::fs::write(
        dir.join("a_emails.nurture"),
        "email hello { subject \"Hi\" template \"t\" }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("campaigns")).unwrap();
    std::fs::write(
        dir.join("campaigns/b.nurture"),
        "campaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hello\n  exit\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a campaign").unwrap();
    let o = nurturec(&["check", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn build_writes_one_file_per_campaign_and_is_byte_identical() {
    let out = temp_dir("build");
    let out_s = out.to_str().unwrap();
    let first = nurturec(&["build", "tests/fixtures/valid", "-o", out_s]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).contains("9 written, 0 unchanged"),
        "{}",
        stderr(&first)
    );
    let tree = read_tree(&out);
    assert_eq!(tree.len(), 9, "8 campaigns and ir/project.json");
    assert!(tree.iter().any(|(p, _)| p == "ir/webinar_followup.json"));
    let second = nurturec(&["build", "tests/fixtures/valid", "-o", out_s]);
    assert!(
        stderr(&second).contains("0 written, 9 unchanged"),
        "{}",
        stderr(&second)
    );
    assert_eq!(read_tree(&out), tree, "rebuilding changed the output");
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(out.join("ir"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_failing_build_writes_nothing_and_leaves_the_folder_as_it_was() {
    let out = temp_dir("failing");
    std::fs::create_dir_all(out.join("ir")).unwrap();
    std::fs::write(out.join("ir/old.json"), "{\"kept\": true}\n").unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let before = read_tree(&out);
    // A project where one campaign is fine and another has an error.
    let o = nurturec(&[
        "build",
        "tests/fixtures/valid/webinar_followup.nurture",
        INVALID,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("nothing was written"));
    assert_eq!(read_tree(&out), before);
}

/// The IR is staged before the Klaviyo backend runs and finds that
/// nurture.toml binds nothing: the staged IR goes again, with the folders
/// the build made.
#[test]
fn a_build_failing_in_a_later_target_writes_nothing() {
    let out = temp_dir("later-target");
    std::fs::create_dir_all(out.join("ir")).unwrap();
    std::fs::write(out.join("ir/old.json"), "{\"kept\": true}\n").unwrap();
    let before = read_tree(&out);
    let o = nurturec(&[
        "build",
        "tests/fixtures/valid/webinar_followup.nurture",
        "--target",
        "ir,klaviyo,asl",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("error[missing-binding]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was written"));
    assert_eq!(read_tree(&out), before);
    // No staged file or new folder is left: `ir/` holds what it held.
    let entries = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(entries(&out), ["ir"]);
    assert_eq!(entries(&out.join("ir")), ["old.json"]);
}

#[test]
fn build_check_lists_differing_missing_and_stale_files() {
    let out = temp_dir("check");
    let out_s = out.to_str().unwrap();
    assert_eq!(
        code(&nurturec(&["build", "tests/fixtures/valid", "-o", out_s])),
        0
    );
    let fresh = nurturec(&["build", "--check", "tests/fixtures/valid", "-o", out_s]);
    assert_eq!(code(&fresh), 0, "{}", stderr(&fresh));

    std::fs::write(out.join("ir/long_term.json"), "{}\n").unwrap();
    std::fs::remove_file(out.join("ir/evaluation.json")).unwrap();
    std::fs::write(out.join("ir/renamed_away.json"), "{}\n").unwrap();
    let before = read_tree(&out);
    let stale = nurturec(&["build", "--check", "tests/fixtures/valid", "-o", out_s]);
    assert_eq!(code(&stale), 1);
    let err = stderr(&stale);
    assert!(err.contains("ir/long_term.json: differs"), "{err}");
    assert!(err.contains("ir/evaluation.json: missing"), "{err}");
    assert!(
        err.contains("ir/renamed_away.json: no longer produced by the build"),
        "{err}"
    );
    assert_eq!(read_tree(&out), before, "--check must not write");

    // A real build repairs all three.
    assert_eq!(
        code(&nurturec(&["build", "tests/fixtures/valid", "-o", out_s])),
        0
    );
    assert_eq!(
        code(&nurturec(&[
            "build",
            "--check",
            "tests/fixtures/valid",
            "-o",
            out_s
        ])),
        0
    );
}

#[test]
fn explain_prints_markdown_and_rejects_unknown_codes() {
    let o = nurturec(&["explain", "undefined-name"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("# undefined-name:"));
    let list = nurturec(&["explain"]);
    assert_eq!(code(&list), 0);
    assert!(stdout(&list).contains("missing-trigger"));
    let unknown = nurturec(&["explain", "undefined-nme"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("did you mean `undefined-name`?"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn stdin_can_stand_in_for_a_file_of_the_project() {
    let dir = temp_dir("stdin-path");
    std::fs::write(
        dir.join("emails.nurture"),
        "email hello { subject \"Hi\" template \"t\" }\n",
    )
    .unwrap();
    let on_disk = dir.join("campaign.nurture");
    std::fs::write(&on_disk, "this file on disk is broken").unwrap();
    // An editor's unsaved buffer: it uses `hello` from the other file.
    let buffer = b"campaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hello\n  wait 0d\n  exit\n}\n";
    let o = run(
        &[
            "check",
            "--message-format",
            "short",
            "--stdin-path",
            // Another spelling of the same file still replaces it.
            &format!("{}/./campaign.nurture", dir.display()),
            dir.to_str().unwrap(),
            "-",
        ],
        Some(buffer),
        &[],
    );
    assert_eq!(code(&o), 1);
    let expected = format!(
        "{}/./campaign.nurture:6:8: error[invalid-duration]",
        dir.display()
    );
    assert!(stderr(&o).starts_with(&expected), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn a_syntax_error_stops_only_its_file_and_diagnostics_sort_by_file_and_position() {
    let dir = temp_dir("sorted");
    std::fs::write(
        dir.join("b_broken.nurture"),
        "email oops {\n  subject \"x\"\n  wait 4\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a_campaign.nurture"),
        "email hello { subject \"Hi\" template \"t\" }\nemail spare { subject \"S\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send helo\n  exit\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("c_more.nurture"),
        "campaign d {\n  goal g when meeting.booked\n  exit\n}\n",
    )
    .unwrap();
    let o = nurturec(&["check", "--message-format", "short", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let lines: Vec<String> = stderr(&o)
        .lines()
        .map(|l| {
            l.rsplit('/')
                .next()
                .unwrap()
                .split(": ")
                .take(2)
                .collect::<Vec<_>>()
                .join(": ")
        })
        .collect();
    assert_eq!(
        lines,
        [
            "a_campaign.nurture:2:7: warning[unused]",
            "a_campaign.nurture:7:8: error[undefined-name]",
            "b_broken.nurture:3:3: error[syntax]",
            "c_more.nurture:1:10: error[missing-trigger]",
        ]
    );
}

#[test]
fn graph_draws_one_campaign_in_mermaid_or_dot() {
    let mermaid = nurturec(&["graph", "examples", "--campaign", "long_term"]);
    assert_eq!(code(&mermaid), 0, "{}", stderr(&mermaid));
    assert!(stdout(&mermaid).starts_with("flowchart TD\n"));
    assert!(stdout(&mermaid).contains("goto digest"));
    let dot = nurturec(&[
        "graph",
        "examples",
        "--campaign",
        "long_term",
        "--format",
        "dot",
    ]);
    assert_eq!(code(&dot), 0);
    assert!(stdout(&dot).starts_with("digraph \"long_term\" {"));
    // One campaign in the project: no need to name it.
    let single = nurturec(&["graph", "tests/fixtures/invalid/unreachable_label.nurture"]);
    assert_eq!(
        code(&single),
        1,
        "errors are reported, and the picture still drawn"
    );
    assert!(stdout(&single).contains("class "), "{}", stdout(&single));
    let ambiguous = nurturec(&["graph", "examples"]);
    assert_eq!(code(&ambiguous), 2);
    assert!(stderr(&ambiguous).contains("choose a campaign with `--campaign`"));
    let unknown = nurturec(&["graph", "examples", "--campaign", "nope"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no campaign `nope`"));
}

fn write_project(dir: &Path, config: Option<&str>) {
    std::fs::write(
        dir.join("campaign.nurture"),
        "email hello { subject \"Hi\" template \"t\" }\n\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hello\n  exit\n}\n",
    )
    .unwrap();
    if let Some(text) = config {
        std::fs::write(dir.join("nurture.toml"), text).unwrap();
    }
}

#[test]
fn targets_come_from_the_flag_else_the_config_else_ir() {
    let dir = temp_dir("targets");
    write_project(&dir, None);
    let out = dir.join("out");
    let out_s = out.to_str().unwrap();
    let d = dir.to_str().unwrap();
    let o = nurturec(&[
        "build",
        d,
        "-o",
        out_s,
        "--target",
        "klaviyo,asl",
        "--placeholder-ids",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tree: Vec<String> = read_tree(&out).into_iter().map(|(p, _)| p).collect();
    assert_eq!(tree, ["asl/c.json", "asl/starter/c.json", "klaviyo/c.json"]);
    let asl: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("asl/c.json")).unwrap()).unwrap();
    assert!(asl["StartAt"].is_string());

    // Without placeholders, a missing binding fails the build and names the key.
    let o = nurturec(&[
        "build",
        d,
        "-o",
        dir.join("out2").to_str().unwrap(),
        "--target",
        "klaviyo",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("error[missing-binding]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("[klaviyo.templates]"), "{}", stderr(&o));
    assert!(!dir.join("out2").exists(), "a failing build writes nothing");

    // The config's targets and output folder apply when no flag is given.
    std::fs::write(
        dir.join("nurture.toml"),
        "[build]\nout = \"from-config\"\ntargets = [\"ir\", \"hubspot\"]\n",
    )
    .unwrap();
    let o = run_in(&dir, &["build", ".", "--placeholder-ids"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tree: Vec<String> = read_tree(&dir.join("from-config"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(tree, ["hubspot/c.json", "ir/c.json", "ir/project.json"]);
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

#[test]
fn check_reports_config_errors_at_their_line_and_missing_bindings() {
    let dir = temp_dir("config-errors");
    write_project(
        &dir,
        Some("[build]\ntargets = [\"klaviyo\"]\n\n[klaviyo.templates]\nhello = 42\n"),
    );
    let o = run_in(&dir, &["check", "--message-format", "short", "."]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("nurture.toml:5:9: error[invalid-config]"),
        "{}",
        stderr(&o)
    );

    // A valid config whose target lacks a binding: `check` says so too.
    std::fs::write(
        dir.join("nurture.toml"),
        "[build]\ntargets = [\"klaviyo\"]\n",
    )
    .unwrap();
    let o = run_in(&dir, &["check", "--message-format", "short", "."]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("campaign.nurture:7:3: error[missing-binding]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn paths_of_projects_with_different_configs_are_a_usage_error() {
    let a = temp_dir("config-a");
    let b = temp_dir("config-b");
    write_project(&a, Some("[build]\n"));
    write_project(&b, Some("[build]\n"));
    let o = nurturec(&["check", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("different configurations"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_examples_build_for_every_target_with_their_config() {
    let out = temp_dir("examples-all");
    let o = nurturec(&["build", "examples", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tree = read_tree(&out);
    // `[klaviyo] skip` leaves out the campaign with a handler; the other
    // targets build it, and the summary says what was left out.
    for target in ["ir", "klaviyo", "hubspot", "asl"] {
        let built = tree
            .iter()
            .any(|(p, _)| p.starts_with(&format!("{target}/webinar_followup.")));
        assert_eq!(built, target != "klaviyo", "{target}");
        assert!(
            tree.iter()
                .any(|(p, _)| p == &format!("{target}/guide_download.json")),
            "{target} missing"
        );
    }
    assert!(
        stderr(&o).contains("; `[klaviyo] skip` left out webinar_followup\n"),
        "{}",
        stderr(&o)
    );
    let check = nurturec(&["build", "--check", "examples", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    assert!(
        stderr(&check).contains("; `[klaviyo] skip` left out webinar_followup)"),
        "{}",
        stderr(&check)
    );
}
