//! `nurturec fmt`: the layout of awkward inputs (snapshots of each input
//! with its output, `tests/format/*.nurture`), what formatting must keep
//! (tokens, comments, diagnostics, IR) over the fixtures and generated
//! projects, the formatted state of what we show users, and the command.

use crate::cli::{code, run, stderr, stdout, temp_dir};
use crate::invariants;
use crate::support::*;
use nurturec::format::{format_file, FormatError};
use nurturec::span::FileId;
use nurturec::SourceMap;
use std::path::Path;

fn format(text: &str) -> String {
    match format_file(FileId(0), text) {
        Ok(formatted) => formatted,
        Err(e) => panic!("does not format: {e:?}\n{text}"),
    }
}

/// Formats each file of a one-file project: idempotent, same diagnostics,
/// same IR (the fuzz target's invariant).
fn assert_keeps_meaning(name: &str, text: &str) {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    let compilation = nurturec::compile(&sources);
    invariants::check_formatting(&sources, &compilation);
}

/// CRLF made visible, so that a snapshot shows which line ending each line has.
fn visible(text: &str) -> String {
    text.replace("\r\n", "␍\n")
}

#[test]
fn awkward_inputs_format_into_their_snapshots() {
    insta::glob!("../format", "*.nurture", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let output = format(&input);
        assert_eq!(format(&output), output, "not idempotent");
        assert_keeps_meaning(&relative(path), &input);
        let snapshot = format!(
            "{}\n----- formatted -----\n{}",
            visible(&input),
            visible(&output)
        );
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn a_crlf_file_stays_crlf_and_an_lf_file_stays_lf() {
    let crlf = std::fs::read_to_string(root().join("tests/format/crlf.nurture")).unwrap();
    let formatted = format(&crlf);
    assert!(formatted.ends_with("\r\n"));
    assert_eq!(
        formatted.matches('\n').count(),
        formatted.matches("\r\n").count()
    );
    let lf = format(&crlf.replace("\r\n", "\n"));
    assert_eq!(lf, formatted.replace("\r\n", "\n"));
    // Decided by the first line: a mixed file takes its first line's ending.
    let mixed = "segment a = x\nsegment b = y\r\n";
    assert_eq!(format(mixed), "segment a = x\nsegment b = y\n");
}

#[test]
fn a_file_with_a_syntax_error_is_returned_as_its_diagnostics() {
    let text = "email e { subject \"s\" template \"t\" }\ncampaign c {\n  send e ??\n}\n";
    let Err(FormatError::Syntax(diagnostics)) = format_file(FileId(0), text) else {
        panic!("formatted a file that does not parse");
    };
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, nurturec::Code::Syntax);
    // Nesting past the limit is refused the same way.
    let deep = format!("segment s = {}x{}\n", "(".repeat(70), ")".repeat(70));
    assert!(matches!(
        format_file(FileId(0), &deep),
        Err(FormatError::Syntax(_))
    ));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format(""), "");
    assert_eq!(format(" \n\n\t\n"), "");
    assert_eq!(
        format("\n\n// only\n\n\n// comments   \n\n"),
        "// only\n\n// comments\n"
    );
}

#[test]
fn strings_and_merge_tags_are_copied_byte_for_byte() {
    let text = "email e {\n  subject   \"a  \\\"b\\\"\\t{{  contact.first_name }}\\u{1F600} é  \"\n  template \"t\"\n}\n";
    let formatted = format(text);
    assert!(formatted.contains("\"a  \\\"b\\\"\\t{{  contact.first_name }}\\u{1F600} é  \""));
}

#[test]
fn fixtures_format_idempotently_and_keep_their_diagnostics_and_ir() {
    let files = files_below(&root().join("tests/fixtures"), "nurture");
    assert!(files.len() >= 25);
    let mut formatted = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if let Ok(once) = format_file(FileId(0), &text) {
            formatted += 1;
            assert_eq!(format(&once), once, "{}", relative(file));
        }
        assert_keeps_meaning(&relative(file), &text);
    }
    assert!(formatted >= 25, "only {formatted} fixtures parse");
}

#[test]
fn the_examples_are_formatted() {
    for file in files_below(&root().join("examples"), "nurture") {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            format(&text) == text,
            "{} is not formatted: run `nurturec fmt examples`",
            relative(&file)
        );
    }
}

/// Every `nurture` block of the docs that is a whole file (not a fragment
/// such as a lone statement) is formatted.
#[test]
fn the_documented_examples_are_formatted() {
    let mut checked = 0;
    for doc in files_below(&root().join("docs"), "md") {
        let markdown = std::fs::read_to_string(&doc).unwrap();
        for block in nurture_blocks(&markdown) {
            let Ok(formatted) = format_file(FileId(0), &block) else {
                continue;
            };
            checked += 1;
            assert!(
                formatted == block,
                "a block of {} is not formatted; it should read:\n{formatted}",
                relative(&doc)
            );
        }
    }
    assert!(checked >= 10, "only {checked} blocks checked");
}

/// The text of every fenced ```nurture block.
fn nurture_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```nurture") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

// ─────────────────────────────── the command ───────────────────────────────

const UGLY: &str = "email e{subject \"S\" template \"t\"}\n";
const PRETTY: &str = "email e {\n  subject \"S\"\n  template \"t\"\n}\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn fmt_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut all = vec!["fmt"];
    all.extend_from_slice(args);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nurturec"));
    cmd.args(&all)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn fmt_rewrites_changed_files_and_leaves_formatted_ones_untouched() {
    let dir = temp_dir("fmt-in-place");
    write(&dir, "a/ugly.nurture", UGLY);
    write(&dir, "a/pretty.nurture", PRETTY);
    let pretty = dir.join("a/pretty.nurture");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(&pretty)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = fmt_in(&dir, &["a"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&dir, "a/ugly.nurture"), PRETTY);
    assert_eq!(read(&dir, "a/pretty.nurture"), PRETTY);
    assert_eq!(
        std::fs::metadata(&pretty).unwrap().modified().unwrap(),
        old,
        "an unchanged file was written"
    );
    assert_eq!(stderr(&out), "formatted 2 files (1 changed)\n");
    // No temporary file is left beside them.
    let names: Vec<_> = std::fs::read_dir(dir.join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Quiet prints nothing.
    let again = fmt_in(&dir, &["--quiet", "a"], None);
    assert_eq!((code(&again), stderr(&again)), (0, String::new()));
}

#[test]
fn fmt_check_prints_a_diff_writes_nothing_and_fails() {
    let dir = temp_dir("fmt-check");
    write(&dir, "ugly.nurture", UGLY);
    write(&dir, "pretty.nurture", PRETTY);
    let out = fmt_in(&dir, &["--check", "."], None);
    assert_eq!(code(&out), 1);
    assert_eq!(read(&dir, "ugly.nurture"), UGLY, "--check wrote");
    assert_eq!(
        stdout(&out),
        "--- ./ugly.nurture\n+++ ./ugly.nurture\n@@ -1 +1,4 @@\n-email e{subject \"S\" template \"t\"}\n+email e {\n+  subject \"S\"\n+  template \"t\"\n+}\n"
    );
    assert_eq!(
        stderr(&out),
        "1 of 2 files would be reformatted; run `nurturec fmt` without `--check`\n"
    );
    std::fs::remove_file(dir.join("ugly.nurture")).unwrap();
    let clean = fmt_in(&dir, &["--check", "."], None);
    assert_eq!(code(&clean), 0);
    assert_eq!(stdout(&clean), "");
}

#[test]
fn fmt_formats_standard_input_to_standard_output() {
    let out = run(&["fmt", "-"], Some(UGLY.as_bytes()), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), PRETTY);
    assert_eq!(stderr(&out), "");
    let check = run(&["fmt", "--check", "-"], Some(UGLY.as_bytes()), &[]);
    assert_eq!(code(&check), 1);
    assert!(stdout(&check).starts_with("--- <stdin>\n+++ <stdin>\n"));
}

#[test]
fn fmt_leaves_a_file_with_a_syntax_error_as_it_is_and_fails() {
    let dir = temp_dir("fmt-syntax");
    let broken = "email e {\n  subject \"S\" template \"t\"\n  ??\n}\n";
    write(&dir, "broken.nurture", broken);
    write(&dir, "ugly.nurture", UGLY);
    let out = fmt_in(&dir, &["--color", "never", "."], None);
    assert_eq!(code(&out), 1);
    assert_eq!(read(&dir, "broken.nurture"), broken);
    // The other file is still formatted.
    assert_eq!(read(&dir, "ugly.nurture"), PRETTY);
    assert!(stderr(&out).contains("error[syntax]"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("./broken.nurture:3:3"),
        "{}",
        stderr(&out)
    );
    // Standard input with a syntax error: nothing on standard output.
    let stdin = run(&["fmt", "-"], Some(broken.as_bytes()), &[]);
    assert_eq!((code(&stdin), stdout(&stdin)), (1, String::new()));
}

#[test]
fn fmt_without_a_path_formats_the_project_of_the_working_directory() {
    let dir = temp_dir("fmt-project");
    write(&dir, "nurture.toml", "");
    write(&dir, "campaigns/ugly.nurture", UGLY);
    write(&dir, "campaigns/deeper/also.nurture", UGLY);
    let out = fmt_in(&dir.join("campaigns/deeper"), &[], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&dir, "campaigns/ugly.nurture"), PRETTY);
    assert_eq!(read(&dir, "campaigns/deeper/also.nurture"), PRETTY);
}

#[test]
fn fmt_keeps_a_byte_order_mark_and_the_permissions() {
    let dir = temp_dir("fmt-bom");
    let path = dir.join("bom.nurture");
    std::fs::write(&path, format!("\u{feff}{UGLY}")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = fmt_in(&dir, &["bom.nurture"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("\u{feff}{PRETTY}")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

#[test]
fn fmt_reports_a_missing_path_as_a_usage_error() {
    let out = run(&["fmt", "no/such/dir"], None, &[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no/such/dir"), "{}", stderr(&out));
}

// ───────────────────────── generated projects ─────────────────────────

use crate::properties::{cases, project, render, source_map};
use proptest::prelude::*;

/// The text with every white-space run between two tokens that holds no
/// blank line replaced by another such run (`choices` picks which): what
/// the formatter must not see.
fn relayout(text: &str, choices: &[u8]) -> String {
    const RUNS: &[&str] = &[" ", "  ", "\t", "\n", "\n    ", " \t ", "\r\n", "\n\t\t"];
    let mut out = String::new();
    let mut at = 0;
    let mut pick = choices.iter().cycle();
    for token in nurturec::syntax::scan::tokens(text) {
        let (start, end) = match token {
            nurturec::syntax::scan::Token::Word { start, end }
            | nurturec::syntax::scan::Token::Str { start, end }
            | nurturec::syntax::scan::Token::Comment { start, end } => (start, end),
            nurturec::syntax::scan::Token::Punct { at, .. } => (at, at + 1),
        };
        let gap = &text[at..start];
        let glued = gap.is_empty() && !glue_is_optional(&text[..start], &text[start..end]);
        if gap.matches('\n').count() >= 2 || glued || at == 0 {
            out.push_str(gap);
        } else {
            let choice = usize::from(*pick.next().unwrap_or(&0));
            // A separator where the source has none, only between a word
            // and punctuation that the grammar lets stand apart.
            out.push_str(if gap.is_empty() && choice % 2 == 0 {
                ""
            } else {
                RUNS[choice % RUNS.len()]
            });
        }
        out.push_str(&text[start..end]);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether white space may go between `before` (all the text so far) and
/// the token `next` where the source has none: not inside `a.b`, `+15`,
/// `50%`, `>=`.
fn glue_is_optional(before: &str, next: &str) -> bool {
    let last = before.chars().last().unwrap_or(' ');
    let first = next.chars().next().unwrap_or(' ');
    let tight = |c: char| {
        c == '.' || c == '+' || c == '-' || c == '%' || c == '=' || c == '!' || c == '<' || c == '>'
    };
    !(tight(last) || tight(first) || (last.is_alphanumeric() && first.is_alphanumeric()))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Formatting a generated project: the layout of the source does not
    /// matter, formatting is idempotent, and diagnostics and IR are kept.
    #[test]
    fn generated_projects_format_whatever_their_layout(
        p in project(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let files = render(&p);
        for (name, text) in &files {
            let once = format(text);
            prop_assert_eq!(&format(&once), &once, "{} not idempotent", name);
            let other = relayout(text, &choices);
            let from_other = format(&other);
            // The other layout's first line may end in CRLF.
            let from_other = from_other.replace("\r\n", "\n");
            prop_assert_eq!(&from_other, &once, "{} formats differently laid out:\n{}", name, other);
        }
        let sources = source_map(&files);
        invariants::check_formatting(&sources, &nurturec::compile(&sources));
    }

    /// A comment after any token survives formatting, in order, and
    /// formatting stays idempotent and keeps the project's meaning.
    #[test]
    fn comments_anywhere_survive_formatting(
        p in project(),
        spots in prop::collection::vec(any::<prop::sample::Index>(), 1..12),
    ) {
        let files = render(&p);
        let mut commented = Vec::new();
        for (name, text) in &files {
            let ends: Vec<usize> = nurturec::syntax::scan::tokens(text)
                .map(|t| match t {
                    nurturec::syntax::scan::Token::Word { end, .. }
                    | nurturec::syntax::scan::Token::Str { end, .. }
                    | nurturec::syntax::scan::Token::Comment { end, .. } => end,
                    nurturec::syntax::scan::Token::Punct { at, .. } => at + 1,
                })
                // Not inside a token the grammar reads whole (`a.b`, `>=`).
                .filter(|&end| text[end..].chars().next().is_none_or(char::is_whitespace))
                .collect();
            let mut at: Vec<usize> = spots.iter().filter(|_| !ends.is_empty()).map(|s| ends[s.index(ends.len())]).collect();
            at.sort_unstable();
            at.dedup();
            let mut text = text.clone();
            for (n, &offset) in at.iter().enumerate().rev() {
                text.insert_str(offset, &format!(" // note {n}\n"));
            }
            let formatted = format(&text);
            prop_assert_eq!(&format(&formatted), &formatted, "not idempotent:\n{}", text);
            let notes: Vec<&str> = formatted.matches("// note ").collect();
            prop_assert_eq!(notes.len(), at.len());
            let mut last = 0;
            for n in 0..at.len() {
                let found = formatted.find(&format!("// note {n}\n"));
                prop_assert!(found.is_some_and(|f| f >= last), "note {} moved:\n{}", n, formatted);
                last = found.unwrap_or(0);
            }
            commented.push((name.clone(), text));
        }
        let sources = source_map(&commented);
        invariants::check_formatting(&sources, &nurturec::compile(&sources));
    }
}

/// The own-line comment below would be indented to column 20, where the
/// end-of-line comment above it starts: read again, it would continue that
/// comment. It goes one column left, and a second pass changes nothing.
#[test]
fn an_own_line_comment_never_takes_the_column_of_the_comment_above() {
    let text = "segment s = ((((x // t\n// o\n == 1 or y) or z) or w) or v)\n";
    let once = format(text);
    let lines: Vec<&str> = once.lines().collect();
    assert_eq!(lines[0].find("// t"), Some(20));
    assert_eq!(lines[1].find("// o"), Some(19));
    assert_eq!(format(&once), once);
}
