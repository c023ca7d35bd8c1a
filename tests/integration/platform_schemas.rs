//! Every HubSpot document the backends write — workflows and lists — is
//! checked against JSON Schemas derived from HubSpot's Apache-2.0 SDK types
//! (`tests/specs/hubspot/`, provenance in its README), with no field the
//! schema does not name (`additionalProperties: false` on every object);
//! every Klaviyo segment against `SegmentCreateQuery` of Klaviyo's OpenAPI
//! (`tests/specs/klaviyo/create_segment.json`), closed the same way. For
//! the examples and every valid fixture, with placeholder ids and with the
//! example config's bindings.

use crate::support::{compile_files, files_below, root};
use nurturec::config::{parse_config, Config};
use nurturec::emit::{self, IdMode, OutputFile};
use nurturec::{ir, SourceMap};
use serde_json::Value;
use std::path::PathBuf;

const HUBSPOT_SCHEMAS: &[&str] = &["filters", "flow", "list", "properties"];
const SCHEMA_BASE: &str = "https://nurturec.invalid/hubspot/";

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A validator for `tests/specs/hubspot/<name>.schema.json`, its siblings
/// resolvable by their `$id`.
pub(crate) fn hubspot_validator(name: &str) -> jsonschema::Validator {
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

type Backend =
    fn(&ir::Project, &Config, IdMode) -> Result<Vec<OutputFile>, Vec<nurturec::Diagnostic>>;

/// Every file of `backend` for every project it runs (see
/// `backends::CANNOT_RUN`), with placeholders and with bindings.
fn files_of(target: &str, backend: Backend) -> Vec<OutputFile> {
    let config = example_config();
    let mut out = Vec::new();
    // The examples' `skip` lists, alone: their campaigns with a handler are
    // left out of Klaviyo with placeholders too.
    let mut skips = Config::default();
    skips.klaviyo.skip = config.klaviyo.skip.clone();
    skips.hubspot.skip = config.hubspot.skip.clone();
    skips.asl.skip = config.asl.skip.clone();
    for (name, project) in projects() {
        if !crate::backends::runs_on(target, &name) {
            continue;
        }
        let placeholders = if name == "examples" {
            &skips
        } else {
            &Config::default()
        };
        for (config, ids) in [
            (placeholders, IdMode::Placeholders),
            (&config, IdMode::Bindings),
        ] {
            let files =
                backend(&project, config, ids).unwrap_or_else(|ds| panic!("{name}: {ds:#?}"));
            out.extend(files);
        }
    }
    out
}

fn hubspot_files() -> Vec<OutputFile> {
    files_of("hubspot", emit::hubspot)
}

/// `additionalProperties: false` on every object schema that names its
/// properties and says nothing of others.
fn closed(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, v) in map.iter_mut() {
                if key == "properties" {
                    if let Value::Object(props) = v {
                        props.values_mut().for_each(closed);
                    }
                } else {
                    closed(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

fn klaviyo_segment_validator() -> jsonschema::Validator {
    let spec = read_json("tests/specs/klaviyo/create_segment.json");
    let mut definitions = crate::backends::openapi_to_json_schema(&spec["components"]["schemas"]);
    closed(&mut definitions);
    let schema = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": "#/definitions/SegmentCreateQuery",
        "definitions": definitions,
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
}

#[test]
fn klaviyo_segments_validate_against_segment_create_query() {
    let validator = klaviyo_segment_validator();
    let segments: Vec<OutputFile> = files_of("klaviyo", emit::klaviyo)
        .into_iter()
        .filter(|f| f.path.starts_with("klaviyo/segments/"))
        .collect();
    assert!(segments.len() >= 12, "only {} segments", segments.len());
    let failures: Vec<String> = segments
        .iter()
        .flat_map(|f| errors(&validator, f))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Closed: an unknown attribute is refused.
    let mut unknown: Value = serde_json::from_str(&segments[0].contents).unwrap();
    unknown["data"]["attributes"]["folder"] = Value::from("x");
    assert!(!validator.is_valid(&unknown));
}

#[test]
fn hubspot_outputs_validate_against_the_sdk_derived_schemas() {
    let flow = hubspot_validator("flow");
    let list = hubspot_validator("list");
    let properties = hubspot_validator("properties");
    let (mut flows, mut lists, mut scoring, mut failures) = (0, 0, 0, Vec::new());
    for file in hubspot_files() {
        let validator = if file.path.starts_with("hubspot/segments/") {
            lists += 1;
            &list
        } else if file.path.ends_with(".properties.json") {
            &properties
        } else {
            if file.path.starts_with("hubspot/scoring/") {
                scoring += 1;
            }
            flows += 1;
            &flow
        };
        failures.extend(errors(validator, &file));
    }
    assert!(flows >= 20, "only {flows} workflows");
    assert!(lists >= 12, "only {lists} lists");
    assert!(scoring >= 10, "only {scoring} scoring workflows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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

const SCORED: &str = "scoring fit {\n  size { +50 if company_size >= 200 }\n  activity { +5 on email.clicked }\n}\nsegment warm = score >= 40\n";

fn scored_project() -> ir::Project {
    let (_, c) = crate::support::compile_text("scored.nurture", SCORED);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    c.project
}

fn config_of(toml: &str) -> Config {
    let mut sources = SourceMap::new();
    let file = sources.add("nurture.toml", toml.to_string());
    parse_config(file, toml).unwrap()
}

/// On Klaviyo a scoring model needs a property something else keeps: with
/// none named it is `unsupported-on-klaviyo`, with one it builds.
#[test]
fn a_scoring_model_klaviyo_cannot_keep_is_an_error_naming_it() {
    let project = scored_project();
    let unbound = config_of("[klaviyo.segments]\nwarm = \"S1\"\n");
    let errors = emit::klaviyo(&project, &unbound, IdMode::Bindings).unwrap_err();
    let codes: Vec<String> = errors.iter().map(|d| d.code.to_string()).collect();
    assert!(
        codes.contains(&"unsupported-on-klaviyo".to_string()),
        "{codes:?}"
    );
    assert!(errors
        .iter()
        .any(|d| d.message.contains("scoring model `fit`")));
    let bound = config_of("[klaviyo.scores]\nfit = \"fit_score\"\n");
    let files = emit::klaviyo(&project, &bound, IdMode::Bindings).unwrap();
    assert!(files.iter().any(|f| f.path == "klaviyo/segments/warm.json"));
}

/// On HubSpot the model is its properties and one workflow per rule (two
/// for an `if` rule), each changing the component and the total.
#[test]
fn a_scoring_model_becomes_hubspot_properties_and_workflows() {
    let files = emit::hubspot(&scored_project(), &Config::default(), IdMode::Placeholders).unwrap();
    let scoring: Vec<&str> = files
        .iter()
        .filter(|f| f.path.starts_with("hubspot/scoring/"))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        scoring,
        [
            "hubspot/scoring/fit.size.1.add.json",
            "hubspot/scoring/fit.size.1.remove.json",
            "hubspot/scoring/fit.activity.1.json",
            "hubspot/scoring/fit.properties.json",
        ]
    );
    let on: Value = serde_json::from_str(
        &files
            .iter()
            .find(|f| f.path.ends_with("activity.1.json"))
            .unwrap()
            .contents,
    )
    .unwrap();
    assert_eq!(on["enrollmentCriteria"]["type"], "EVENT_BASED");
    assert_eq!(on["enrollmentCriteria"]["shouldReEnroll"], true);
    let changed: Vec<(&str, i64)> = on["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["fields"]["property_name"].as_str().unwrap(),
                a["fields"]["value"]["incrementAmount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(changed, [("fit_activity_score", 5), ("fit_score", 5)]);
    let remove: Value = serde_json::from_str(
        &files
            .iter()
            .find(|f| f.path.ends_with("remove.json"))
            .unwrap()
            .contents,
    )
    .unwrap();
    assert_eq!(
        remove["actions"][0]["fields"]["value"]["incrementAmount"],
        -50
    );
    assert_eq!(
        remove["actions"][2]["fields"]["value"]["staticValue"],
        "false"
    );
}

/// `max` on HubSpot: a counter property of the rule, kept by the rule's
/// workflows, stops them at the cap; a remainder workflow adds what is
/// left when the points do not divide the cap.
#[test]
fn hubspot_scoring_workflows_stop_at_the_rules_max() {
    let text = "scoring fit {\n  activity {\n    +35 on page.visited(\"/pricing\") max 70\n    +30 on email.clicked or demo.requested max 70\n    -15 on inactive 60d max 10\n  }\n}\nsegment warm = score >= 40\n";
    let (_, c) = crate::support::compile_text("capped.nurture", text);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let files = emit::hubspot(&c.project, &Config::default(), IdMode::Placeholders).unwrap();
    let flow = hubspot_validator("flow");
    let properties = hubspot_validator("properties");
    let doc = |path: &str| -> Value {
        let f = files
            .iter()
            .find(|f| f.path == format!("hubspot/scoring/{path}"))
            .unwrap_or_else(|| {
                panic!(
                    "no {path}: {:?}",
                    files.iter().map(|f| &f.path).collect::<Vec<_>>()
                )
            });
        let v: Value = serde_json::from_str(&f.contents).unwrap();
        let validator = if path.ends_with("properties.json") {
            &properties
        } else {
            &flow
        };
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
        v
    };
    let paths: Vec<&str> = files
        .iter()
        .filter(|f| f.path.starts_with("hubspot/scoring/"))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "hubspot/scoring/fit.activity.1.json",
            "hubspot/scoring/fit.activity.2.on1.json",
            "hubspot/scoring/fit.activity.2.on1.rest.json",
            "hubspot/scoring/fit.activity.2.on2.json",
            "hubspot/scoring/fit.activity.2.on2.rest.json",
            "hubspot/scoring/fit.activity.3.rest.json",
            "hubspot/scoring/fit.properties.json",
        ]
    );
    let changes = |v: &Value| -> Vec<(String, i64)> {
        v["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["fields"]["property_name"].as_str().unwrap().to_string(),
                    a["fields"]["value"]["incrementAmount"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let room = |v: &Value| -> Vec<(String, i64, bool)> {
        let criteria = &v["enrollmentCriteria"];
        let branch = if criteria["type"] == "EVENT_BASED" {
            &criteria["refinementCriteria"]
        } else {
            &criteria["listFilterBranch"]
        };
        branch["filterBranches"][0]["filters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["property"].as_str().unwrap().ends_with("_points"))
            .map(|f| {
                (
                    f["operation"]["operator"].as_str().unwrap().to_string(),
                    f["operation"]["value"].as_i64().unwrap(),
                    f["operation"]["includeObjectsWithNoValueSet"]
                        .as_bool()
                        .unwrap(),
                )
            })
            .collect()
    };
    // +35 max 70: adds while at most 35 were added (twice), nothing left over.
    let first = doc("fit.activity.1.json");
    assert_eq!(
        changes(&first),
        [
            ("fit_activity_score".to_string(), 35),
            ("fit_score".to_string(), 35),
            ("fit_activity_rule1_points".to_string(), 35)
        ]
    );
    assert_eq!(
        room(&first),
        [("IS_LESS_THAN_OR_EQUAL_TO".to_string(), 35, true)]
    );
    // +30 max 70 on either event: twice 30, then the remaining 10 once.
    let second = doc("fit.activity.2.on2.json");
    assert_eq!(
        room(&second),
        [("IS_LESS_THAN_OR_EQUAL_TO".to_string(), 40, true)]
    );
    let rest = doc("fit.activity.2.on2.rest.json");
    assert_eq!(
        changes(&rest),
        [
            ("fit_activity_score".to_string(), 10),
            ("fit_score".to_string(), 10),
            ("fit_activity_rule2_points".to_string(), 10)
        ]
    );
    assert_eq!(
        room(&rest),
        [
            ("IS_LESS_THAN".to_string(), 70, true),
            ("IS_GREATER_THAN".to_string(), 40, false)
        ]
    );
    // -15 max 10: only the remainder, once: 10 taken off in all.
    let third = doc("fit.activity.3.rest.json");
    assert_eq!(
        changes(&third),
        [
            ("fit_activity_score".to_string(), -10),
            ("fit_score".to_string(), -10),
            ("fit_activity_rule3_points".to_string(), 10)
        ]
    );
    assert_eq!(room(&third), [("IS_LESS_THAN".to_string(), 10, true)]);
    // Its re-enrolment trigger is the inactivity alone, not the counter.
    assert!(
        !third["enrollmentCriteria"]["reEnrollmentTriggersFilterBranches"]
            .to_string()
            .contains("_points")
    );
    let props = doc("fit.properties.json");
    let names: Vec<&str> = props["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"fit_activity_rule2_points"), "{names:?}");
}
