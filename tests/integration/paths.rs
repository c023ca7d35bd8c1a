//! How paths are spelt changes nothing that `build` writes: outputs name
//! files relative to the project root. Also the conventions around paths:
//! no PATH means the current project, `init`, `completions`, `--quiet`.

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
        assert!(
            stderr(&o)
                .contains("is up to date (89 files; `[klaviyo] skip` left out webinar_followup)"),
            "{}",
            stderr(&o)
        );
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
    // Every file that defines a campaign or an item of `ir/project.json`
    // (the `properties` block included).
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

    let project = temp_dir("ir-sources-nested");
    ok(run_in(&project, &["init"], None));
    ok(run_in(&project.join("campaigns"), &["build"], None));
    assert_eq!(
        ir_source_files(&project.join("dist")),
        ["campaigns/welcome_series.nurture"]
    );
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

#[test]
fn with_no_path_commands_use_the_nearest_nurture_toml_above() {
    let project = temp_dir("no-path");
    ok(run_in(&project, &["init"], None));
    std::fs::write(
        project.join("campaigns/unused.nurture"),
        "segment never_used = role == \"cto\"\n",
    )
    .unwrap();
    let deeper = project.join("campaigns/deeper");
    std::fs::create_dir_all(&deeper).unwrap();
    let o = run_in(&deeper, &["check", "--message-format", "short"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("../../campaigns/unused.nurture:1:9: warning[unused]"),
        "{}",
        stderr(&o)
    );
    // `[build] out` is relative to nurture.toml, not to where build runs.
    let o = ok(run_in(&deeper, &["build"], None));
    assert!(stderr(&o).contains("into `../../dist`"), "{}", stderr(&o));
    ok(run_in(&project, &["build", "--check"], None));
    let graph = ok(run_in(&deeper, &["graph"], None));
    assert!(
        stdout(&graph).starts_with("flowchart"),
        "{}",
        stdout(&graph)
    );

    // Without a nurture.toml anywhere above: the working directory.
    let bare = temp_dir("no-path-bare");
    std::fs::write(bare.join("broken.nurture"), "campaign {").unwrap();
    let o = run_in(&bare, &["check", "--message-format", "short"], None);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("./broken.nurture:1:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_writes_a_project_that_checks_clean_and_builds() {
    let dir = temp_dir("init");
    let o = ok(run_in(&dir, &["init", "starter"], None));
    assert!(stderr(&o).contains("created a nurture project in `starter`"));
    let project = dir.join("starter");
    let workflow = std::fs::read_to_string(project.join(".github/workflows/nurture.yml")).unwrap();
    for step in [
        "run: nurturec check --message-format github\n",
        "run: nurturec build --check\n",
        "fetch-depth: 0",
        "run: nurturec diff --against origin/main --deny breaking --message-format github\n",
        &format!("--version \"={}\"", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(workflow.contains(step), "{step} missing from:\n{workflow}");
    }
    // What the workflow runs, from the folder it runs in.
    let o = ok(run_in(&project, &["check", "--deny-warnings"], None));
    assert_eq!(stderr(&o), "");
    let o = run_in(&project, &["build", "--check"], None);
    assert_eq!(code(&o), 1, "nothing is built yet: {}", stderr(&o));
    ok(run_in(&project, &["build"], None));
    ok(run_in(&project, &["build", "--check"], None));
    let o = ok(run_in(
        &project,
        &["check", "--deny-warnings", "--message-format", "github"],
        None,
    ));
    assert_eq!(stdout(&o), "");
}

#[test]
fn init_overwrites_nothing_and_writes_nothing_when_it_refuses() {
    let dir = temp_dir("init-refuses");
    ok(run_in(&dir, &["init"], None));
    let config = dir.join("nurture.toml");
    std::fs::write(&config, "# mine\n").unwrap();
    let o = run_in(&dir, &["init", "."], None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("overwrites nothing")
            && stderr(&o).contains("nurture.toml`, `./campaigns/welcome_series.nurture`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");

    // One file in the way: none of the others is written either.
    let other = temp_dir("init-one-in-the-way");
    std::fs::create_dir_all(other.join(".github/workflows")).unwrap();
    std::fs::write(other.join(".github/workflows/nurture.yml"), "mine").unwrap();
    let o = run_in(&other, &["init"], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`./.github/workflows/nurture.yml` already exists"));
    assert!(!other.join("nurture.toml").exists());
    assert!(!other.join("campaigns").exists());

    // A folder that cannot be created: a clear error, exit 2.
    let o = run_in(&other, &["init", ".github/workflows/nurture.yml/x"], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
}

#[test]
fn completions_print_a_script_for_the_shell() {
    let dir = temp_dir("completions");
    let o = ok(run_in(&dir, &["completions", "bash"], None));
    let script = stdout(&o);
    assert!(script.contains("_nurturec()"), "{script}");
    assert!(script.contains("complete -F _nurturec"), "{script}");
    for word in ["init", "--message-format", "--quiet", "--stdin-path"] {
        assert!(script.contains(word), "{word} not completed");
    }
    let o = ok(run_in(&dir, &["completions", "zsh"], None));
    assert!(stdout(&o).starts_with("#compdef nurturec"));
    assert_eq!(code(&run_in(&dir, &["completions", "cmd"], None)), 2);
}

#[test]
fn quiet_prints_diagnostics_and_nothing_else() {
    let (dir, _) = examples_copy("quiet");
    let o = ok(run_in(&dir, &["build", "ex", "--quiet"], None));
    assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
    let o = ok(run_in(&dir, &["build", "ex", "--check", "-q"], None));
    assert_eq!(stderr(&o), "");

    std::fs::write(
        dir.join("unused.nurture"),
        "segment never_used = role == \"cto\"\n",
    )
    .unwrap();
    let loud = run_in(&dir, &["check", "--color", "never", "unused.nurture"], None);
    let quiet = run_in(
        &dir,
        &["check", "--color", "never", "--quiet", "unused.nurture"],
        None,
    );
    assert!(
        stderr(&loud).ends_with("1 warning emitted\n"),
        "{}",
        stderr(&loud)
    );
    assert!(stderr(&quiet).contains("warning[unused]"));
    assert!(!stderr(&quiet).contains("emitted"), "{}", stderr(&quiet));
    let failed = run_in(
        &dir,
        &["build", "--quiet", "--deny-warnings", "unused.nurture"],
        None,
    );
    assert_eq!(code(&failed), 1);
    assert!(stderr(&failed).contains("warning[unused]"));
    assert!(
        !stderr(&failed).contains("build failed"),
        "{}",
        stderr(&failed)
    );

    // A failing `--check` still says what is stale.
    std::fs::remove_file(dir.join("ex/dist/ir/evaluation.json")).unwrap();
    let o = run_in(&dir, &["build", "ex", "--check", "--quiet"], None);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("evaluation.json"), "{}", stderr(&o));
}

/// The README's "A first project", command by command, in a fresh folder.
#[test]
fn the_readmes_first_project_works_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## A first project").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap();
    let block = block.split("```").next().unwrap();
    let mut cwd = temp_dir("readme-first-project");
    let mut ran = 0;
    for line in block.lines() {
        let command = line.split('#').next().unwrap();
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["cd", dir] => cwd = cwd.join(dir),
            ["nurturec", args @ ..] => {
                let o = run_in(&cwd, args, None);
                assert_eq!(code(&o), 0, "`{line}`: {}", stderr(&o));
                ran += 1;
            }
            other => panic!("unexpected line in the README's first project: {other:?}"),
        }
    }
    assert_eq!(ran, 4);
    assert!(cwd.join("dist/ir/welcome_series.json").is_file());
}
