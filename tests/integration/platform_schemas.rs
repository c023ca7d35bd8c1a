//! Every HubSpot document the backends write — workflows and lists — is
//! checked against JSON Schemas derived from HubSpot's Apache-2.0 SDK types
//! (`tests/specs/hubspot/`, provenance in its README), with no field the
//! schema does not name (`additionalProperties: false` on every object):
//! for the examples and every valid fixture, with placeholder ids and with
//! the example config's bindings.

use crate::support::{compile_files, files_below, root};
use nurturec::config::{parse_config, Config};
use nurturec::emit::{self, IdMode, OutputFile};
use nurturec::{ir, SourceMap};
use serde_json::Value;
use std::path::PathBuf;

const HUBSPOT_SCHEMAS: &[&str] = &["filters", "flow", "list"];
const SCHEMA_BASE: &str = "https://nurturec.invalid/hubspot/";

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A validator for `tests/specs/hubspot/<name>.schema.json`, its siblings
/// resolvable by their `$id`.
fn hubspot_validator(name: &str) -> jsonschema::Validator {
    let mut options = jsonschema::options().with_draft(jsonschema::Draft::Draft7);
    for sibling in HUBSPOT_SCHEMAS {
        let schema = read_json(&format!("tests/specs/hubspot/{sibling}.schema.json"));
        let id = format!("{SCHEMA_BASE}{sibling}.schema.json");
        options = options.with_resource(id, jsonschema::Resource::from_contents(schema).unwrap());
    }
    options
        .build(&read_json(&format!(
            "tests/specs/hubspot/{name}.schema.json"
        )))
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, file: &OutputFile) -> Vec<String> {
    let value: Value = serde_json::from_str(&file.contents).unwrap();
    validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e} at {}", file.path, e.instance_path))
        .take(5)
        .collect()
}

/// The examples (one project) and each valid fixture.
fn projects() -> Vec<(String, ir::Project)> {
    let mut out = Vec::new();
    let examples: Vec<PathBuf> = files_below(&root().join("examples"), "nurture")
        .into_iter()
        .filter(|p| p.parent() == Some(root().join("examples").as_path()))
        .collect();
    let mut sets = vec![("examples".to_string(), examples)];
    for p in files_below(&root().join("tests/fixtures/valid"), "nurture") {
        sets.push((
            p.file_stem().unwrap().to_string_lossy().into_owned(),
            vec![p],
        ));
    }
    for (name, paths) in sets {
        let (_, c) = compile_files(&paths);
        assert!(c.diagnostics.is_empty(), "{name}: {:?}", c.diagnostics);
        out.push((name, c.project));
    }
    out
}

fn example_config() -> Config {
    let text = std::fs::read_to_string(root().join("examples/nurture.toml")).unwrap();
    let mut sources = SourceMap::new();
    let file = sources.add("examples/nurture.toml", text.clone());
    parse_config(file, &text).unwrap()
}

/// Every HubSpot file of every project, with placeholders and with bindings.
fn hubspot_files() -> Vec<OutputFile> {
    let config = example_config();
    let mut out = Vec::new();
    for (name, project) in projects() {
        for (config, ids) in [
            (&Config::default(), IdMode::Placeholders),
            (&config, IdMode::Bindings),
        ] {
            let files =
                emit::hubspot(&project, config, ids).unwrap_or_else(|ds| panic!("{name}: {ds:#?}"));
            out.extend(files);
        }
    }
    out
}

#[test]
fn hubspot_outputs_validate_against_the_sdk_derived_schemas() {
    let flow = hubspot_validator("flow");
    let list = hubspot_validator("list");
    let (mut flows, mut lists, mut failures) = (0, 0, Vec::new());
    for file in hubspot_files() {
        let validator = if file.path.starts_with("hubspot/segments/") {
            lists += 1;
            &list
        } else {
            flows += 1;
            &flow
        };
        failures.extend(errors(validator, &file));
    }
    assert!(flows >= 20, "only {flows} workflows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = lists;
}

/// The schemas are strict: an unknown field, a removed response-only field
/// and an `HOURS` window are each refused.
#[test]
fn hubspot_schemas_refuse_unknown_fields_and_undocumented_units() {
    let flow = hubspot_validator("flow");
    let file = hubspot_files()
        .into_iter()
        .find(|f| f.contents.contains("pruningRefineBy"))
        .expect("some workflow has an event window");
    let good: Value = serde_json::from_str(&file.contents).unwrap();
    assert!(flow.is_valid(&good));

    let mut unknown = good.clone();
    unknown["nextAvailableActionId"] = Value::from("99");
    assert!(!flow.is_valid(&unknown), "nextAvailableActionId accepted");

    let hours = file.contents.replace("\"DAYS\"", "\"HOURS\"");
    let hours: Value = serde_json::from_str(&hours).unwrap();
    assert!(!flow.is_valid(&hours), "an HOURS window accepted");

    let coalescing = file
        .contents
        .replace("pruningRefineBy", "coalescingRefineBy");
    let coalescing: Value = serde_json::from_str(&coalescing).unwrap();
    assert!(
        !flow.is_valid(&coalescing),
        "a window as coalescingRefineBy accepted"
    );
}
