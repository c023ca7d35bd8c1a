//! The canonical IR JSON: valid against `schema/ir.schema.json`,
//! deterministic, and as expected for each example.

use crate::support::*;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/ir.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// Every project we ship or test that must build: the valid fixtures (each
/// its own project) and the examples (one project).
fn buildable_projects() -> Vec<Vec<std::path::PathBuf>> {
    let mut projects: Vec<Vec<_>> = files_below(&root().join("tests/fixtures/valid"), "nurture")
        .into_iter()
        .map(|f| vec![f])
        .collect();
    let examples = files_below(&root().join("examples"), "nurture");
    if !examples.is_empty() {
        projects.push(examples);
    }
    projects.push(files_below(&root().join(V1_EXAMPLE), "nurture"));
    projects
}

/// The example of language v1's handlers and send windows (not under
/// `examples/`, which builds for every target).
const V1_EXAMPLE: &str = "tests/projects/post_webinar_v1";

#[test]
fn v1_example_ir_snapshot() {
    let (sources, c) = compile_files(&files_below(&root().join(V1_EXAMPLE), "nurture"));
    assert!(!c.has_errors());
    for file in nurturec::emit::ir_json(&c.project, &sources) {
        insta::assert_snapshot!(file.contents);
    }
}

#[test]
fn every_output_validates_against_the_schema() {
    let validator = schema();
    let mut failures = Vec::new();
    let mut count = 0;
    for project in buildable_projects() {
        let (sources, c) = compile_files(&project);
        assert!(
            !c.has_errors(),
            "{}",
            nurturec::diagnostics::render::short(&c.diagnostics, &sources)
        );
        for file in nurturec::emit::ir_json(&c.project, &sources) {
            count += 1;
            let value: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
            for error in validator.iter_errors(&value) {
                failures.push(format!(
                    "{}: {} at {}",
                    file.path, error, error.instance_path
                ));
            }
        }
    }
    assert!(count >= 8);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_schema_rejects_what_it_should() {
    let validator = schema();
    let (sources, c) =
        compile_files(&[root().join("tests/fixtures/valid/webinar_followup.nurture")]);
    let file = &nurturec::emit::ir_json(&c.project, &sources)[0];
    let good: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert!(validator.is_valid(&good));
    for (pointer, bad) in [
        ("/format_version", serde_json::json!(2)),
        ("/nodes/0/kind", serde_json::json!("teleport")),
        ("/edges/0/kind", serde_json::json!("wormhole")),
        ("/cap/per/seconds", serde_json::json!(0)),
    ] {
        let mut broken = good.clone();
        *broken.pointer_mut(pointer).unwrap() = bad;
        assert!(
            !validator.is_valid(&broken),
            "schema accepted a broken {pointer}"
        );
    }
}

#[test]
fn output_is_deterministic_and_ids_are_positional() {
    for project in buildable_projects() {
        let (s1, c1) = compile_files(&project);
        let (s2, c2) = compile_files(&project);
        assert_eq!(
            nurturec::emit::ir_json(&c1.project, &s1),
            nurturec::emit::ir_json(&c2.project, &s2)
        );
    }
    let (sources, c) =
        compile_files(&[root().join("tests/fixtures/valid/long_term_recycle.nurture")]);
    let file = &nurturec::emit::ir_json(&c.project, &sources)[0];
    let value: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    let ids: Vec<&str> = value["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "digest",
            "2",
            "3",
            "3.when1.1",
            "4",
            "goal:became_customer",
            "suppressed"
        ]
    );
    assert_eq!(value["entry"], "digest");
    let goto = value["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "goto")
        .unwrap();
    assert_eq!(
        (goto["from"].as_str(), goto["to"].as_str()),
        (Some("4"), Some("digest"))
    );
}

/// The examples' IR as `nurturec build examples` writes it: sources named
/// relative to `examples/`, the folder of their nurture.toml.
fn example_ir() -> Vec<nurturec::emit::OutputFile> {
    let folder = root().join("examples");
    let (sources, c) = compile_project(&folder, &files_below(&folder, "nurture"));
    nurturec::emit::ir_json(&c.project, &sources)
}

#[test]
fn the_cli_writes_the_ir_of_the_snapshots() {
    let out = crate::cli::temp_dir("example-ir");
    let o = crate::cli::run(
        &[
            "build",
            "examples",
            "--target",
            "ir",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(crate::cli::code(&o), 0, "{}", crate::cli::stderr(&o));
    for file in example_ir() {
        let written = std::fs::read_to_string(out.join(&file.path)).unwrap();
        assert_eq!(written, file.contents, "{}", file.path);
    }
}

#[test]
fn example_ir_snapshots() {
    let examples = files_below(&root().join("examples"), "nurture");
    if examples.is_empty() {
        return;
    }
    for file in example_ir() {
        let name = file
            .path
            .trim_start_matches("ir/")
            .trim_end_matches(".json")
            .to_string();
        insta::with_settings!({ snapshot_suffix => name }, {
            insta::assert_snapshot!(file.contents);
        });
    }
}
