//! How paths are spelt changes nothing that `build` writes: outputs name
//! files relative to the project root.

use crate::cli::{code, stderr, stdout, temp_dir};
use crate::support::{files_below, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(o: Output) -> Output {
    assert_eq!(
        code(&o),
        0,
        "stdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    o
}

/// `<temp>/<name>/ex`: a copy of the bundled examples with their nurture.toml.
fn examples_copy(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let ex = dir.join("ex");
    std::fs::create_dir_all(&ex).unwrap();
    let examples = root().join("examples");
    for file in files_below(&examples, "nurture")
        .into_iter()
        .chain([examples.join("nurture.toml")])
    {
        std::fs::copy(&file, ex.join(file.file_name().unwrap())).unwrap();
    }
    (dir, ex)
}

/// Every `source.file` anywhere in a JSON document.
fn source_files(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(file)) =
                map.get("source").and_then(|s| s.get("file"))
            {
                out.push(file.clone());
            }
            map.values().for_each(|v| source_files(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| source_files(v, out)),
        _ => {}
    }
}

fn ir_source_files(out_dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for json in files_below(&out_dir.join("ir"), "json") {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        source_files(&value, &mut files);
    }
    files.sort();
    files.dedup();
    files
}

#[test]
fn build_check_passes_however_the_project_is_spelt_and_wherever_it_runs() {
    let (dir, ex) = examples_copy("spellings");
    let built = ok(run_in(&dir, &["build", "ex"], None));
    assert!(
        stderr(&built).contains("into `ex/dist`"),
        "{}",
        stderr(&built)
    );
    let absolute = ex.to_str().unwrap().to_string();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for (cwd, path) in [
        (&dir, "ex"),
        (&dir, "./ex"),
        (&dir, absolute.as_str()),
        (&dir, "ex/../ex/"),
        (&ex, "."),
        (&elsewhere, "../ex"),
        (&elsewhere, absolute.as_str()),
    ] {
        let o = run_in(cwd, &["build", path, "--check"], None);
        assert_eq!(
            code(&o),
            0,
            "`build {path} --check` in {}: {}",
            cwd.display(),
            stderr(&o)
        );
        assert!(stderr(&o).contains("is up to date (34 files)"));
    }
    // Standard input standing in for a file is named as that file.
    let text = std::fs::read(ex.join("b2b_scoring.nurture")).unwrap();
    let o = run_in(
        &elsewhere,
        &[
            "build",
            "--check",
            "--stdin-path",
            "../ex/b2b_scoring.nurture",
            "../ex",
            "-",
        ],
        Some(&text),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn ir_sources_are_relative_to_the_project_root_with_slashes() {
    let (dir, ex) = examples_copy("ir-sources");
    ok(run_in(
        &dir,
        &["build", &format!("{}/./", ex.display())],
        None,
    ));
    let mut expected: Vec<String> = files_below(&ex, "nurture")
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(ir_source_files(&ex.join("dist")), expected);

    // Below the root, with `/` between folders.
    let nested = ex.join("campaigns/more");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::rename(
        ex.join("role_segments.nurture"),
        nested.join("role_segments.nurture"),
    )
    .unwrap();
    ok(run_in(&nested, &["build", ".."], None));
    assert!(ir_source_files(&ex.join("dist"))
        .contains(&"campaigns/more/role_segments.nurture".to_string()));
}

#[test]
fn without_a_nurture_toml_the_root_is_the_folder_holding_every_input() {
    let dir = temp_dir("common-root");
    let nested = dir.join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let campaign = "email hi { subject \"Hi\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hi\n  exit\n}\n";
    std::fs::write(nested.join("c.nurture"), campaign).unwrap();
    std::fs::write(dir.join("a/emails.nurture"), "").unwrap();
    for (cwd, paths) in [
        (&dir, vec!["a/b", "a/emails.nurture", "-o", "out"]),
        (&nested, vec!["..", "-o", "../../out"]),
    ] {
        let mut args = vec!["build"];
        args.extend(paths);
        ok(run_in(cwd, &args, None));
        assert_eq!(ir_source_files(&dir.join("out")), ["b/c.nurture"]);
    }
}

#[test]
fn a_file_reached_twice_is_read_once_under_the_name_first_typed() {
    let (dir, ex) = examples_copy("twice");
    let absolute = ex.join("role_segments.nurture");
    let o = run_in(
        &dir,
        &[
            "check",
            "--message-format",
            "short",
            "ex",
            "./ex/b2b_scoring.nurture",
            "ex/../ex/guide_download.nurture",
            absolute.to_str().unwrap(),
            "ex/b2b_scoring.nurture",
        ],
        None,
    );
    assert_eq!((code(&o), stderr(&o).as_str()), (0, ""));

    // Diagnostics keep the spelling the user typed, so that it can be clicked.
    std::fs::write(
        dir.join("unused.nurture"),
        "segment never_used = role == \"cto\"\n",
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[
            "check",
            "--message-format",
            "short",
            "./unused.nurture",
            "unused.nurture",
        ],
        None,
    );
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("./unused.nurture:1:9: warning[unused]"),
        "{}",
        stderr(&o)
    );
}
