//! Limits: nesting, size, long flat shapes. Run through the `nurturec`
//! binary, so that a stack overflow shows as a crash (killed by a signal)
//! rather than taking the test binary down with it. Overflowing numbers and
//! durations are cases: `tests/cases/syntax/overflowing_numbers.nurture` and
//! `tests/cases/resolve/overflowing_durations.nurture`.

use crate::cli::temp_dir;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const HEAD: &str = "email e { subject \"s\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send e\n";

fn nurturec(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // The binary may stop reading early (past the size limit).
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Checks one file of the given text; returns the exit code and stderr.
fn check(dir: &Path, text: &str) -> (i32, String) {
    let file = dir.join("input.nurture");
    std::fs::write(&file, text).unwrap();
    let o = nurturec(
        &["check", "--message-format", "short", file.to_str().unwrap()],
        None,
    );
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let Some(code) = o.status.code() else {
        panic!(
            "nurturec crashed ({:?}); stderr:\n{}",
            o.status,
            stderr.chars().take(2000).collect::<String>()
        );
    };
    (code, stderr)
}

const DEPTH: usize = 100_000;

#[test]
fn a_hundred_thousand_nested_branches_are_too_deep() {
    let dir = temp_dir("deep-branches");
    let text = format!(
        "{HEAD}{}exit{}\n  exit\n}}\n",
        "  branch { when x { ".repeat(DEPTH),
        " } }".repeat(DEPTH)
    );
    let (code, stderr) = check(&dir, &text);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "{}:7:639: error[too-deep]: nesting deeper than 64 levels\n",
            dir.join("input.nurture").display()
        )
    );
}

#[test]
fn a_hundred_thousand_nested_parentheses_and_lists_are_too_deep() {
    let dir = temp_dir("deep-parens");
    let parens = format!(
        "{HEAD}  branch {{ when {}x{} {{ exit }} }}\n  exit\n}}\n",
        "(".repeat(DEPTH),
        ")".repeat(DEPTH)
    );
    let (code, stderr) = check(&dir, &parens);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(":7:79: error[too-deep]"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let lists = format!(
        "segment s = x in {}1{}\n",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    let (code, stderr) = check(&dir, &lists);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(":1:82: error[too-deep]"), "{stderr}");

    // Unclosed: the scan still stops at level 65.
    let (code, stderr) = check(&dir, &"(".repeat(DEPTH));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(":1:65: error[too-deep]"), "{stderr}");
}

#[test]
fn a_hundred_thousand_nots_fold_and_compile() {
    let dir = temp_dir("nots");
    // An even number of `not`s is no `not` at all.
    let text = format!(
        "{HEAD}  branch {{ when {}customer {{ exit }} }}\n  exit\n}}\n",
        "not ".repeat(DEPTH)
    );
    let (code, stderr) = check(&dir, &text);
    assert_eq!((code, stderr.as_str()), (0, ""));

    let ir = |condition: &str| {
        let text = format!("{HEAD}  branch {{ when {condition} {{ exit }} }}\n  exit\n}}\n");
        let (sources, c) = crate::support::compile_text("nots.nurture", &text);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let file = nurturec::emit::ir_json(&c.project, &sources).remove(0);
        let json: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
        json["nodes"][1]["arms"][0]["when"].clone()
    };
    assert_eq!(ir("not not customer"), ir("customer"));
    assert_eq!(
        ir(&format!("{}customer", "not ".repeat(1001))),
        ir("not customer")
    );
    assert_eq!(ir("not customer")["type"], "not");

    // In a segment, inside parentheses, in a scoring rule.
    let text = format!(
        "segment s = ({}a) and not ({}b)\nscoring m {{ fit {{ +1 if {}c }} }}\n",
        "not ".repeat(DEPTH),
        "not ".repeat(DEPTH + 1),
        "not ".repeat(DEPTH)
    );
    let (code, stderr) = check(&dir, &text);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn long_flat_shapes_do_not_recurse() {
    let dir = temp_dir("flat");
    // 100,000 operands of one `and`, and of one list.
    let and_chain = format!(
        "segment s = {}x\n",
        (0..DEPTH).map(|i| format!("p{i} and ")).collect::<String>()
    );
    let (code, stderr) = check(&dir, &and_chain);
    assert_eq!(code, 0, "{stderr}");
    let list = format!("segment s = x in [{}1]\n", "1, ".repeat(DEPTH));
    let (code, stderr) = check(&dir, &list);
    assert_eq!(code, 0, "{stderr}");

    // 5,000 segments, each defined through the next, used by a campaign.
    let mut chain: String = (0..5_000)
        .map(|i| format!("segment s{i} = p{i} or in s{}\n", i + 1))
        .collect();
    chain.push_str("segment s5000 = done\n");
    let chain = format!("{chain}{HEAD}  branch {{ when in s0 {{ exit }} }}\n  exit\n}}\n");
    let (code, stderr) = check(&dir, &chain);
    assert_eq!((code, stderr.as_str()), (0, ""));

    // A flow of 20,000 statements in a row, and 2,000 labels with a `goto` each.
    let flow = format!(
        "{HEAD}{}  exit\n}}\n",
        "  wait 1d\n  send e\n".repeat(10_000)
    );
    let (code, stderr) = check(&dir, &flow);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let labels = format!(
        "{HEAD}{}  exit\n}}\n",
        (0..2_000)
            .map(|i| format!(
                "  l{i}: wait 1d\n  branch {{ when p{i} {{ wait 1d goto l{} }} }}\n",
                // Every label is some `goto`'s target (else `unused-label`).
                (i * 7) % 2_000
            ))
            .collect::<String>()
    );
    let (code, stderr) = check(&dir, &labels);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn a_file_over_64_mib_is_refused_with_exit_2() {
    let dir = temp_dir("huge");
    let file = dir.join("huge.nurture");
    // Sparse: no 64 MiB written to disk; the size alone refuses it.
    std::fs::File::create(&file)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    let o = nurturec(&["check", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        stderr,
        format!(
            "error: `{}` is too large (67108865 bytes; the limit is 64 MiB)\n",
            file.display()
        )
    );

    // The same on standard input, which has no size to ask for first.
    let bytes = vec![b' '; 64 * 1024 * 1024 + 1];
    let o = nurturec(&["check", "-"], Some(&bytes));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: `<stdin>` is too large (the limit is 64 MiB)\n"
    );
}

/// A realistic file of 61 MiB (a million flow statements), under the
/// limit: it must compile. In a release build on a two-core machine it
/// takes about 21 s and 2.6 GB of memory (most of it pest's tokens and the
/// syntax tree of one huge file); a debug build takes minutes, so run it
/// in release: `cargo test --release --test integration -- --ignored sixty`.
#[test]
#[ignore = "a minute or more: run with --release --ignored"]
fn a_sixty_mib_file_is_handled() {
    let project = crate::generate::realistic(1_080_000, 60);
    let text: String = project.files.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        text.len() > 60 * 1024 * 1024 && text.len() < 64 * 1024 * 1024,
        "{}",
        text.len()
    );
    let dir = temp_dir("sixty");
    let start = std::time::Instant::now();
    let (code, stderr) = check(&dir, &text);
    eprintln!(
        "nurturec check: {} bytes, {} statements in {:.2?}",
        text.len(),
        project.statements,
        start.elapsed()
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
}

/// Suggestions compare each misspelt name with every name of its kind: with
/// 2,000 of each, the quadratic work took a debug build a minute. Within the
/// budget the first ones still get their "did you mean".
#[test]
fn thousands_of_misspelt_names_stay_fast() {
    let dir = temp_dir("misspelt");
    let n = 2_000;
    let mut text: String = (0..n)
        .map(|i| format!("email mail_{i} {{ subject \"s\" template \"t\" }}\n"))
        .collect();
    text.push_str(HEAD);
    text.extend((0..n).map(|i| format!("  send mial_{i}\n")));
    text.push_str("  exit\n}\n");
    let file = dir.join("input.nurture");
    std::fs::write(&file, &text).unwrap();
    let o = nurturec(
        &["check", "--message-format", "json", file.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    assert_eq!(doc["errors"], n);
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors[0]["help"], "did you mean `mail_0`?");
    let suggested = errors
        .iter()
        .filter(|d| {
            d["help"]
                .as_str()
                .is_some_and(|h| h.starts_with("did you mean"))
        })
        .count();
    assert!((100..n).contains(&suggested), "{suggested}");
}
