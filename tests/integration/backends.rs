//! The platform backends: every valid fixture builds for every target, every
//! output validates against the platform's published schema, and every
//! output is equivalent to the IR it came from (a counterpart for every IR
//! node, reachable from the entry, the same successors, every path ending).
//! Plus the configuration: bindings, `missing-binding`, malformed
//! `nurture.toml`.
//!
//! The schemas are copies under `tests/specs/` (see `tests/specs/README.md`).
//!
//! **Klaviyo** publishes OpenAPI 3.0, not JSON Schema. [`klaviyo_schema`]
//! turns `create_flow.json` into a standalone draft-07 JSON Schema:
//! - `components/schemas` become `definitions`, and every
//!   `$ref: "#/components/schemas/X"` becomes `#/definitions/X`;
//! - `nullable: true` (OpenAPI only) becomes `type: [T, "null"]` when the
//!   schema has a `type`, or `anyOf: [<schema>, {type: "null"}]` when it is a
//!   `$ref`, `oneOf` or `anyOf` (draft 07 ignores keywords next to `$ref`, so
//!   the `$ref` is wrapped rather than annotated);
//! - `oneOf: [{type: integer}, {type: number}]` becomes `anyOf`: a whole
//!   number is both an integer and a number, so it matches both branches and
//!   fails the `oneOf` although Klaviyo accepts it (the spec's quirk);
//! - `readOnly`, `writeOnly`, `example`, `discriminator` are dropped (not
//!   validation keywords in draft 07);
//! - `format: time` is dropped: OpenAPI 3.0 defines no such format, and
//!   draft 07's requires a UTC offset, which Klaviyo's `delay_until_time`
//!   (a time of day beside its own `timezone`) cannot carry.
//!
//! **ASL**: asl-validator 4.0.0 fills in every state's `QueryLanguage`
//! (`JSONPath` by default) before running its schemas, whose states require
//! it; [`asl_validator_errors`] does the same. Its custom formats are
//! registered: `asl_arn` with the validator's own ARN pattern; the path
//! formats (`asl_path`, ...) accept any string here, because the npm
//! validator run by `tests/asl/validate.sh` in CI checks paths for real.
//! The AWS language-server schema is used as published, with two
//! adjustments: the braces of one regex pattern are escaped for Rust's regex
//! engine, and it is read as draft 04. It declares no draft; two of its
//! subschemas carry an `$id`, which from draft 06 on would rebase the
//! schema's own `#/properties/...` pointers and leave them pointing nowhere.
//! Every keyword it uses means the same in draft 04.

use nurturec::config::{parse_config, Config};
use nurturec::emit::{self, CampaignPart, IdMode, Origin, OutputFile, Place, Traced};
use nurturec::ir::{self, NodeKind, Target as IrTarget};
use nurturec::{Code, SourceMap};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// ── fixtures ──

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn valid_fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nurture"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no valid fixtures");
    paths
}

fn compile_text(name: &str, text: &str) -> (SourceMap, ir::Project) {
    let mut sources = SourceMap::new();
    sources.add(name, text);
    let c = nurturec::compile(&sources);
    let problems: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(
        problems.is_empty(),
        "{name} should compile clean: {problems:?}"
    );
    (sources, c.project)
}

/// Every valid fixture, compiled: `(file stem, project)`.
fn fixtures() -> Vec<(String, ir::Project)> {
    valid_fixture_paths()
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (
                stem.clone(),
                compile_text(&format!("{stem}.nurture"), &text).1,
            )
        })
        .collect()
}

fn fixture(stem: &str) -> ir::Project {
    fixtures().into_iter().find(|(s, _)| s == stem).unwrap().1
}

type Backend = fn(&ir::Project, &Config, IdMode) -> Result<Vec<Traced>, Vec<nurturec::Diagnostic>>;

const BACKENDS: &[(&str, Backend)] = &[
    ("klaviyo", emit::klaviyo::klaviyo_traced),
    ("hubspot", emit::hubspot::hubspot_traced),
    ("asl", emit::asl::asl_traced),
];

fn build(backend: Backend, project: &ir::Project, config: &Config, ids: IdMode) -> Vec<Traced> {
    match backend(project, config, ids) {
        Ok(files) => files,
        Err(ds) => panic!(
            "build failed: {:#?}",
            ds.iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect::<Vec<_>>()
        ),
    }
}

/// Valid fixtures a platform cannot run as the source says, each with the
/// diagnostic that says so (tested in
/// `fixtures_a_platform_cannot_run_are_errors_that_say_why`).
pub(crate) const CANNOT_RUN: &[(&str, &str, Code)] = &[
    // `reentry always` with a year-long loop: Klaviyo would queue a second
    // run beside the first.
    ("klaviyo", "long_term_recycle", Code::UnsupportedOnKlaviyo),
];

pub(crate) fn runs_on(target: &str, stem: &str) -> bool {
    !CANNOT_RUN
        .iter()
        .any(|(t, s, _)| *t == target && *s == stem)
}

/// Every fixture built for every target with placeholders.
fn all_outputs() -> Vec<(&'static str, String, ir::Project, Traced)> {
    let mut out = Vec::new();
    for (stem, project) in fixtures() {
        for (target, backend) in BACKENDS {
            if !runs_on(target, &stem) {
                continue;
            }
            for traced in build(*backend, &project, &Config::default(), IdMode::Placeholders) {
                out.push((*target, stem.clone(), project.clone(), traced));
            }
        }
    }
    out
}

fn parse(file: &OutputFile) -> Value {
    assert!(
        file.contents.ends_with("}\n"),
        "{} must end with a newline",
        file.path
    );
    serde_json::from_str(&file.contents)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.path))
}

// ── schemas ──

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// OpenAPI 3.0 schema object → JSON Schema draft 07 (see the module doc).
pub(crate) fn openapi_to_json_schema(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(openapi_to_json_schema).collect()),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "nullable" | "readOnly" | "writeOnly" | "example" | "discriminator" => {}
                    "$ref" => {
                        let r = v
                            .as_str()
                            .unwrap()
                            .replace("#/components/schemas/", "#/definitions/");
                        out.insert(k.clone(), json!(r));
                    }
                    // OpenAPI 3.0 defines no `time` format; JSON Schema's
                    // needs a UTC offset, which a time of day beside its own
                    // `timezone` (Klaviyo's time delays) cannot carry.
                    "format" if v == "time" => {}
                    "oneOf" if is_integer_number_quirk(v) => {
                        out.insert("anyOf".into(), openapi_to_json_schema(v));
                    }
                    // Property names are data, not keywords.
                    "properties" => {
                        let props = v.as_object().unwrap();
                        let converted = props
                            .iter()
                            .map(|(name, s)| (name.clone(), openapi_to_json_schema(s)))
                            .collect();
                        out.insert(k.clone(), Value::Object(converted));
                    }
                    _ => {
                        out.insert(k.clone(), openapi_to_json_schema(v));
                    }
                }
            }
            if map.get("nullable") == Some(&json!(true)) {
                if let Some(t) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(e)) = out.get_mut("enum") {
                        e.push(Value::Null);
                    }
                } else if out.contains_key("$ref")
                    || out.contains_key("oneOf")
                    || out.contains_key("anyOf")
                {
                    let inner = Value::Object(out);
                    return json!({ "anyOf": [inner, { "type": "null" }] });
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn is_integer_number_quirk(one_of: &Value) -> bool {
    let Some(items) = one_of.as_array() else {
        return false;
    };
    let types: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i.get("type").and_then(Value::as_str))
        .collect();
    items.len() == 2 && types == BTreeSet::from(["integer", "number"])
}

fn klaviyo_schema() -> jsonschema::Validator {
    let spec = read_json("tests/specs/klaviyo/create_flow.json");
    let schemas = openapi_to_json_schema(&spec["components"]["schemas"]);
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": "#/definitions/FlowCreateQuery",
        "definitions": schemas,
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .take(5)
        .collect()
}

/// The ARN check of asl-validator 4.0.0 (`src/checks/formats.ts`):
/// `arn:partition:service:region:account:resource-type(:|/)resource`.
fn is_asl_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:") else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    parts.len() == 5 && !parts[4].is_empty() && !s.contains('\n')
}

fn asl_validator_schema() -> jsonschema::Validator {
    let dir = root().join("tests/specs/aws-step-functions-asl/asl-validator-schemas");
    let mut options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_format("asl_arn", is_asl_arn);
    for format in [
        "asl_path",
        "asl_ref_path",
        "asl_result_path",
        "asl_payload_template",
        "jsonata_string",
        "maybe_jsonata_string",
    ] {
        options = options.with_format(format, |_: &str| true);
    }
    let mut main = None;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let id = schema["$id"]
            .as_str()
            .unwrap()
            .trim_end_matches('#')
            .to_string();
        if path.file_name().unwrap() == "state-machine.json" {
            main = Some(schema.clone());
        }
        options = options.with_resource(id, jsonschema::Resource::from_contents(schema).unwrap());
    }
    options.build(&main.unwrap()).unwrap()
}

fn aws_asl_schema() -> jsonschema::Validator {
    let mut schema = read_json("tests/specs/aws-step-functions-asl/asl-json-schema.aws-amazon-states-language-service.bundled.json");
    escape_braces_in_patterns(&mut schema);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap()
}

/// The AWS schema's JSONata pattern `^{%(.*)%}$` has bare braces, which
/// JavaScript's regex engine reads as literals but Rust's rejects; escape
/// them (same meaning).
fn escape_braces_in_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(p) if k == "pattern" => {
                        *p = p.replace('{', "\\{").replace('}', "\\}")
                    }
                    _ => escape_braces_in_patterns(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_braces_in_patterns),
        _ => {}
    }
}

/// As asl-validator does before validating: every state gets the machine's
/// `QueryLanguage` (default `JSONPath`) unless it has its own.
fn with_query_language(machine: &Value) -> Value {
    let mut m = machine.clone();
    let default = m.get("QueryLanguage").cloned().unwrap_or(json!("JSONPath"));
    if let Some(states) = m.get_mut("States").and_then(Value::as_object_mut) {
        for state in states.values_mut() {
            if let Some(s) = state.as_object_mut() {
                s.entry("QueryLanguage").or_insert(default.clone());
            }
        }
    }
    m
}

fn asl_validator_errors(validator: &jsonschema::Validator, machine: &Value) -> Vec<String> {
    schema_errors(validator, &with_query_language(machine))
}

// ── output graphs ──

/// A backend's output as a graph: node id → successors (`None` = the path
/// ends there), its entry, and each node's origin.
#[derive(Debug, Default)]
struct Graph {
    entry: Option<String>,
    successors: BTreeMap<String, Vec<Option<String>>>,
    origin: BTreeMap<String, Origin>,
    /// Ids defined more than once.
    duplicates: Vec<String>,
}

fn str_or_none(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn insert(g: &mut Graph, id: String, successors: Vec<Option<String>>) {
    if g.successors.insert(id.clone(), successors).is_some() {
        g.duplicates.push(id);
    }
}

fn klaviyo_graph(doc: &Value) -> Graph {
    let def = &doc["data"]["attributes"]["definition"];
    let mut g = Graph {
        entry: str_or_none(&def["entry_action_id"]),
        ..Graph::default()
    };
    for a in def["actions"].as_array().unwrap() {
        let id = a["temporary_id"].as_str().unwrap().to_string();
        let links = &a["links"];
        let succ = if links.get("next_if_true").is_some() {
            vec![
                str_or_none(&links["next_if_true"]),
                str_or_none(&links["next_if_false"]),
            ]
        } else {
            vec![str_or_none(&links["next"])]
        };
        insert(&mut g, id, succ);
    }
    g
}

fn hubspot_connection(c: &Value) -> Option<String> {
    c.get("nextActionId")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn hubspot_graph(doc: &Value) -> Graph {
    let mut g = Graph {
        entry: str_or_none(&doc["startActionId"]),
        ..Graph::default()
    };
    for a in doc["actions"].as_array().unwrap() {
        let id = a["actionId"].as_str().unwrap().to_string();
        let mut succ = Vec::new();
        match a["type"].as_str().unwrap() {
            "LIST_BRANCH" => {
                for b in a["listBranches"].as_array().unwrap() {
                    succ.push(b.get("connection").and_then(hubspot_connection));
                }
                succ.push(a.get("defaultBranch").and_then(hubspot_connection));
            }
            "AB_TEST_BRANCH" => {
                for b in a["testBranches"].as_array().unwrap() {
                    succ.push(b.get("connection").and_then(hubspot_connection));
                }
            }
            _ => succ.push(a.get("connection").and_then(hubspot_connection)),
        }
        insert(&mut g, id, succ);
    }
    g
}

fn asl_graph(doc: &Value) -> Graph {
    let mut g = Graph {
        entry: str_or_none(&doc["StartAt"]),
        ..Graph::default()
    };
    for (name, s) in doc["States"].as_object().unwrap() {
        let mut succ = Vec::new();
        match s["Type"].as_str().unwrap() {
            "Succeed" | "Fail" => succ.push(None),
            "Choice" => {
                for c in s["Choices"].as_array().unwrap() {
                    succ.push(str_or_none(&c["Next"]));
                }
                succ.push(str_or_none(&s["Default"]));
            }
            _ => {
                if s.get("End") == Some(&json!(true)) {
                    succ.push(None);
                } else {
                    succ.push(str_or_none(&s["Next"]));
                }
                for c in s
                    .get("Catch")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    succ.push(str_or_none(&c["Next"]));
                }
            }
        }
        insert(&mut g, name.clone(), succ);
    }
    g
}

fn graph_of(target: &str, traced: &Traced) -> Graph {
    let doc = parse(&traced.file);
    let mut g = match target {
        "klaviyo" => klaviyo_graph(&doc),
        "hubspot" => hubspot_graph(&doc),
        "asl" => asl_graph(&doc),
        _ => unreachable!(),
    };
    g.origin = traced.nodes.iter().cloned().collect();
    g
}

/// Structural soundness: unique ids, every reference resolves, every node
/// reachable from the entry, and from every node some path ends.
fn structural_problems(g: &Graph, acyclic: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for d in &g.duplicates {
        problems.push(format!("id `{d}` is defined twice"));
    }
    for (id, succ) in &g.successors {
        for s in succ.iter().flatten() {
            if !g.successors.contains_key(s) {
                problems.push(format!("`{id}` links to `{s}`, which does not exist"));
            }
        }
        if !g.origin.contains_key(id) {
            problems.push(format!("`{id}` has no origin"));
        }
    }
    let Some(entry) = &g.entry else {
        if !g.successors.is_empty() {
            problems.push("no entry but some nodes".into());
        }
        return problems;
    };
    if !g.successors.contains_key(entry) {
        problems.push(format!("entry `{entry}` does not exist"));
        return problems;
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![entry.clone()];
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            stack.extend(
                g.successors
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .cloned(),
            );
        }
    }
    for id in g.successors.keys() {
        if !seen.contains(id) {
            problems.push(format!("`{id}` is not reachable from the entry `{entry}`"));
        }
    }
    // Every node can reach an end: fixpoint over "ends".
    let mut ends: BTreeSet<&String> = BTreeSet::new();
    loop {
        let before = ends.len();
        for (id, succ) in &g.successors {
            if succ.iter().any(|s| match s {
                None => true,
                Some(s) => ends.contains(s),
            }) {
                ends.insert(id);
            }
        }
        if ends.len() == before {
            break;
        }
    }
    for id in g.successors.keys() {
        if !ends.contains(id) {
            problems.push(format!("no path from `{id}` ends"));
        }
    }
    if acyclic {
        // Kahn's algorithm.
        let mut indegree: BTreeMap<&String, usize> = g.successors.keys().map(|k| (k, 0)).collect();
        for succ in g.successors.values() {
            for s in succ.iter().flatten() {
                if let Some(d) = indegree.get_mut(s) {
                    *d += 1;
                }
            }
        }
        let mut queue: Vec<&String> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(k, _)| *k)
            .collect();
        let mut removed = 0;
        while let Some(id) = queue.pop() {
            removed += 1;
            for s in g.successors[id].iter().flatten() {
                if let Some(d) = indegree.get_mut(s) {
                    *d -= 1;
                    if *d == 0 {
                        queue.push(s);
                    }
                }
            }
        }
        if removed != g.successors.len() {
            problems.push("the graph has a cycle, which this platform cannot run".into());
        }
    }
    problems
}

/// What an origin stands for: the IR node id (whichever copy and role), or
/// `None` for a campaign-level node.
fn base(origin: &Origin) -> Option<&str> {
    origin.node_id()
}

fn is_copy(origin: &Origin) -> bool {
    matches!(origin.place, Place::Node { copy, .. } if copy > 0)
}

fn is_campaign_level(origin: &Origin) -> bool {
    matches!(origin.place, Place::Campaign(_))
}

/// The first node of an IR node copy's cluster: the copy itself, no role.
fn is_cluster_entry(origin: &Origin) -> bool {
    !is_campaign_level(origin) && origin.roles.is_empty()
}

/// A helper node of `cluster` (the same copy of the same IR node, with a role).
fn is_inside(origin: &Origin, cluster: &Origin) -> bool {
    origin.place == cluster.place && !origin.roles.is_empty()
}

/// Where an IR edge leads, as the output sees it: an IR node id, or `None`
/// for "the path ends". On Klaviyo and HubSpot `goto` and `exit` have no
/// node of their own.
fn ir_target(flow: &ir::Flow, t: IrTarget, skip_jumps: bool) -> Option<String> {
    let mut t = t;
    for _ in 0..=flow.nodes.len() {
        let IrTarget::Node(i) = t else { return None };
        let node = &flow.nodes[i];
        if !skip_jumps {
            return Some(node.id.clone());
        }
        match &node.kind {
            NodeKind::Goto {
                target: Some(j), ..
            } => t = IrTarget::Node(*j),
            NodeKind::Goto { .. } | NodeKind::Exit { .. } => return None,
            _ => return Some(node.id.clone()),
        }
    }
    None
}

fn ir_reachable(flow: &ir::Flow) -> BTreeSet<ir::NodeId> {
    let mut seen = BTreeSet::new();
    // Handlers' blocks are entered from anywhere: they are roots too.
    let mut stack: Vec<ir::NodeId> = std::iter::once(flow.entry)
        .chain(flow.handlers.iter().map(|h| h.entry))
        .filter_map(|t| match t {
            IrTarget::Node(i) => Some(i),
            IrTarget::FallOff => None,
        })
        .collect();
    while let Some(i) = stack.pop() {
        if seen.insert(i) {
            for s in flow.nodes[i].kind.successors() {
                if let IrTarget::Node(j) = s {
                    stack.push(j);
                }
            }
        }
    }
    seen
}

/// Equivalence with the IR (see the module doc): every IR node has a
/// counterpart, and the output's edges between counterparts are the IR's.
fn equivalence_problems(target: &str, campaign: &ir::Campaign, g: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    let skip_jumps = target != "asl";
    let flow = &campaign.flow;
    let unknown = Origin::campaign(CampaignPart::FellOff);
    let origin_of = |id: &str| g.origin.get(id).unwrap_or(&unknown);
    // Cluster entries: the node whose origin is exactly an IR node copy.
    let entries: BTreeMap<&Origin, &str> = g
        .origin
        .iter()
        .filter(|(_, o)| is_cluster_entry(o))
        .map(|(id, o)| (o, id.as_str()))
        .collect();
    let bases: BTreeSet<&str> = g.origin.values().filter_map(base).collect();

    for i in ir_reachable(flow) {
        let node = &flow.nodes[i];
        let jump = matches!(node.kind, NodeKind::Goto { .. } | NodeKind::Exit { .. });
        if skip_jumps && jump {
            continue;
        }
        if !bases.contains(node.id.as_str()) {
            problems.push(format!(
                "IR node `{}` ({}) has no counterpart",
                node.id,
                node.kind.keyword()
            ));
        }
    }

    // Walk from a node through the nodes of its own cluster (or, with no
    // cluster, through campaign-level nodes), collecting what it reaches:
    // other clusters' IR ids, a campaign-level node that goes on (by its
    // text), or None for an end.
    let boundary = |start: &str, cluster: Option<&Origin>| -> BTreeSet<Option<String>> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_string()];
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            for s in g.successors.get(&id).into_iter().flatten() {
                let Some(s) = s else {
                    out.insert(None);
                    continue;
                };
                let o = origin_of(s);
                let inside = match cluster {
                    Some(c) => is_inside(o, c),
                    None => is_campaign_level(o),
                };
                if inside {
                    stack.push(s.clone());
                } else if is_campaign_level(o) {
                    // A campaign-level end (goal reached, suppressed, ...).
                    let ends = g
                        .successors
                        .get(s)
                        .is_some_and(|v| v.iter().all(Option::is_none));
                    if ends {
                        out.insert(None);
                    } else {
                        out.insert(Some(o.to_string()));
                    }
                } else if entries.contains_key(o) {
                    out.insert(base(o).map(str::to_string));
                } else {
                    out.insert(Some(format!("into the middle of `{o}`")));
                }
            }
        }
        out
    };

    for (instance, id) in &entries {
        let Some(ir_id) = base(instance) else {
            continue;
        };
        let Some(node) = flow.nodes.iter().find(|n| n.id == ir_id) else {
            problems.push(format!("`{instance}` names no IR node"));
            continue;
        };
        let expected: BTreeSet<Option<String>> = node
            .kind
            .successors()
            .into_iter()
            .map(|t| ir_target(flow, t, skip_jumps))
            .collect();
        let reached = boundary(id, Some(instance));
        let mut allowed = expected.clone();
        allowed.insert(None); // goals and suppression end any path
                              // A handler's check may start it from any step (`(on<n>)`).
        for n in 1..=flow.handlers.len() {
            allowed.insert(Some(Origin::campaign(CampaignPart::Handler(n)).to_string()));
        }
        if let Some(extra) = reached.iter().find(|r| !allowed.contains(r)) {
            problems.push(format!(
                "`{instance}` leads to {extra:?}, the IR only to {expected:?}"
            ));
        }
        if !is_copy(instance) {
            if let Some(missing) = expected.iter().find(|e| !reached.contains(e)) {
                problems.push(format!(
                    "`{instance}` never leads to {missing:?} as the IR does"
                ));
            }
        }
    }

    // The entry: through campaign-level nodes to the IR entry.
    let ir_entry = ir_target(flow, flow.entry, skip_jumps);
    match &g.entry {
        None => {
            if ir_entry.is_some() {
                problems.push("no entry, but the IR has one".into());
            }
        }
        Some(entry) => {
            let o = origin_of(entry);
            let reached: BTreeSet<Option<String>> = if is_campaign_level(o) {
                boundary(entry, None)
            } else {
                BTreeSet::from([base(o).map(str::to_string)])
            };
            if !reached.contains(&ir_entry) {
                problems.push(format!(
                    "the entry never leads to the IR entry {ir_entry:?}: {reached:?}"
                ));
            }
            // A run continued in a new execution resumes at a loop's label.
            let resumes: BTreeSet<Option<String>> = g
                .successors
                .get("(resume)/route")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|s| base(origin_of(s)).map(|b| Some(b.to_string())))
                .collect();
            if let Some(extra) = reached
                .iter()
                .find(|r| r.is_some() && **r != ir_entry && !resumes.contains(r))
            {
                problems.push(format!(
                    "the entry leads to {extra:?}, not only to {ir_entry:?}"
                ));
            }
        }
    }
    problems
}

fn campaign_of<'p>(project: &'p ir::Project, path: &str) -> &'p ir::Campaign {
    let file = path.rsplit('/').next().unwrap();
    let name = file.split('.').next().unwrap();
    project.campaigns.iter().find(|c| c.name == name).unwrap()
}

// ── tests: every fixture, every target ──

#[test]
fn every_valid_fixture_builds_for_every_target_with_placeholders() {
    let outputs = all_outputs();
    for (target, _) in BACKENDS {
        for (stem, project) in fixtures() {
            if !runs_on(target, &stem) {
                continue;
            }
            let files: Vec<&String> = outputs
                .iter()
                .filter(|(t, s, _, _)| t == target && *s == stem)
                .map(|(_, _, _, f)| &f.file.path)
                .collect();
            for c in &project.campaigns {
                let main = format!("{target}/{}.json", c.name);
                assert!(files.contains(&&main), "{stem}: no {main} in {files:?}");
            }
        }
    }
}

#[test]
fn klaviyo_outputs_validate_against_flow_create_query() {
    let validator = klaviyo_schema();
    let mut failures = Vec::new();
    let mut count = 0;
    for (target, _, _, traced) in all_outputs() {
        if target != "klaviyo" {
            continue;
        }
        count += 1;
        let errors = schema_errors(&validator, &parse(&traced.file));
        if !errors.is_empty() {
            failures.push(format!("{}: {errors:#?}", traced.file.path));
        }
    }
    assert!(count >= 7, "only {count} Klaviyo files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn klaviyo_schema_conversion_still_rejects_bad_flows() {
    let validator = klaviyo_schema();
    let traced = build(
        emit::klaviyo::klaviyo_traced,
        &fixture("webinar_followup"),
        &Config::default(),
        IdMode::Placeholders,
    );
    let good = parse(&traced[0].file);
    assert!(schema_errors(&validator, &good).is_empty());

    let mut no_entry = good.clone();
    no_entry["data"]["attributes"]["definition"]
        .as_object_mut()
        .unwrap()
        .remove("entry_action_id");
    assert!(
        !schema_errors(&validator, &no_entry).is_empty(),
        "entry_action_id is required"
    );

    let mut weeks = good.clone();
    let actions = weeks["data"]["attributes"]["definition"]["actions"]
        .as_array_mut()
        .unwrap();
    let delay = actions
        .iter_mut()
        .find(|a| a["type"] == "time-delay")
        .unwrap();
    delay["data"]["unit"] = json!("weeks");
    assert!(
        !schema_errors(&validator, &weeks).is_empty(),
        "time-delay has no unit `weeks`"
    );

    let mut wrong_type = good;
    wrong_type["data"]["type"] = json!("flows");
    assert!(
        !schema_errors(&validator, &wrong_type).is_empty(),
        "data.type must be `flow`"
    );
}

#[test]
fn every_output_is_structurally_sound() {
    let mut failures = Vec::new();
    for (target, _, _, traced) in all_outputs() {
        let g = graph_of(target, &traced);
        let problems = structural_problems(&g, target != "asl");
        if !problems.is_empty() {
            failures.push(format!("{}: {problems:#?}", traced.file.path));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_output_is_equivalent_to_the_ir() {
    let mut failures = Vec::new();
    for (target, _, project, traced) in all_outputs() {
        let g = graph_of(target, &traced);
        let part = part_of(
            target,
            campaign_of(&project, &traced.file.path),
            &traced.file.path,
        );
        let problems = equivalence_problems(target, &part, &g);
        if !problems.is_empty() {
            failures.push(format!("{}: {problems:#?}", traced.file.path));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn outputs_are_deterministic() {
    let first = all_outputs();
    let second = all_outputs();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.3, b.3, "{} differs between two builds", a.3.file.path);
    }
}

#[test]
fn asl_outputs_validate_against_both_asl_schemas() {
    let validator = asl_validator_schema();
    let aws = aws_asl_schema();
    let mut failures = Vec::new();
    let mut count = 0;
    for (target, _, _, traced) in all_outputs() {
        if target != "asl" {
            continue;
        }
        count += 1;
        let machine = parse(&traced.file);
        let errors = asl_validator_errors(&validator, &machine);
        if !errors.is_empty() {
            failures.push(format!(
                "{} (asl-validator schemas): {errors:#?}",
                traced.file.path
            ));
        }
        let errors = schema_errors(&aws, &machine);
        if !errors.is_empty() {
            failures.push(format!("{} (AWS schema): {errors:#?}", traced.file.path));
        }
        // What the schemas leave to the semantic checks.
        for (name, state) in machine["States"].as_object().unwrap() {
            let kind = state["Type"].as_str().unwrap();
            let terminal =
                matches!(kind, "Succeed" | "Fail") || state.get("End") == Some(&json!(true));
            if kind == "Choice" {
                if state.get("Default").is_none() {
                    failures.push(format!(
                        "{}: Choice `{name}` has no Default",
                        traced.file.path
                    ));
                }
            } else if !terminal && state.get("Next").is_none() {
                failures.push(format!(
                    "{}: `{name}` neither ends nor has Next",
                    traced.file.path
                ));
            }
        }
    }
    assert!(count >= 8, "only {count} ASL files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn asl_schemas_still_reject_bad_machines() {
    let validator = asl_validator_schema();
    let traced = build(
        emit::asl::asl_traced,
        &fixture("webinar_followup"),
        &Config::default(),
        IdMode::Placeholders,
    );
    let good = parse(&traced[0].file);
    assert!(asl_validator_errors(&validator, &good).is_empty());
    let mut bad = good.clone();
    bad["States"]["2"]["Seconds"] = json!("four days");
    assert!(
        !asl_validator_errors(&validator, &bad).is_empty(),
        "Seconds must be a number"
    );
    let mut bad = good;
    bad["States"]["(entry)"]["Resource"] = json!("lambda:invoke");
    assert!(
        !asl_validator_errors(&validator, &bad).is_empty(),
        "Resource must be an ARN"
    );
}

// ── configuration and bindings ──

/// The examples' config, for the fixtures: without its `skip` lists, which
/// are about the examples' campaigns (the fixture `webinar_followup` has no
/// handler, and every target builds it).
fn example_config() -> Config {
    let text = std::fs::read_to_string(root().join("examples/nurture.toml")).unwrap();
    let mut sources = SourceMap::new();
    let file = sources.add("examples/nurture.toml", text.clone());
    let mut config = parse_config(file, &text)
        .unwrap_or_else(|ds| panic!("the example config is invalid: {ds:#?}"));
    assert_eq!(config.klaviyo.skip.len(), 1);
    config.klaviyo.skip.clear();
    config.hubspot.skip.clear();
    config.asl.skip.clear();
    config
}

/// Every string in a JSON document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

#[test]
fn the_example_config_binds_every_name_of_the_fixtures() {
    let config = example_config();
    assert_eq!(config.targets.len(), 4);
    for (stem, project) in fixtures() {
        for (target, backend) in BACKENDS {
            if !runs_on(target, &stem) {
                continue;
            }
            let files = backend(&project, &config, IdMode::Bindings).unwrap_or_else(|ds| {
                panic!(
                    "{stem} for {target}: {:#?}",
                    ds.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
                )
            });
            for t in files {
                let mut all = Vec::new();
                strings(&parse(&t.file), &mut all);
                let placeholders: Vec<&String> = all
                    .iter()
                    .filter(|s| s.starts_with('<') && s.ends_with('>'))
                    .collect();
                assert!(
                    placeholders.is_empty(),
                    "{}: placeholders left: {placeholders:?}",
                    t.file.path
                );
            }
        }
    }
}

#[test]
fn the_example_config_outputs_validate_too() {
    let config = example_config();
    let klaviyo = klaviyo_schema();
    let asl = asl_validator_schema();
    for (stem, project) in fixtures() {
        if runs_on("klaviyo", &stem) {
            for t in emit::klaviyo::klaviyo_traced(&project, &config, IdMode::Bindings).unwrap() {
                let errors = schema_errors(&klaviyo, &parse(&t.file));
                assert!(errors.is_empty(), "{}: {errors:#?}", t.file.path);
            }
        }
        for t in emit::asl::asl_traced(&project, &config, IdMode::Bindings).unwrap() {
            let errors = asl_validator_errors(&asl, &parse(&t.file));
            assert!(errors.is_empty(), "{}: {errors:#?}", t.file.path);
        }
        for t in emit::hubspot::hubspot_traced(&project, &config, IdMode::Bindings).unwrap() {
            let g = graph_of("hubspot", &t);
            let problems = structural_problems(&g, true);
            assert!(problems.is_empty(), "{}: {problems:#?}", t.file.path);
        }
    }
}

#[test]
fn a_missing_binding_names_the_key_and_points_at_the_reference() {
    let path = root().join("tests/fixtures/valid/webinar_followup.nurture");
    let text = std::fs::read_to_string(&path).unwrap();
    let (sources, project) = compile_text("webinar_followup.nurture", &text);
    let mut config = example_config();
    config.klaviyo.templates.remove("recording");
    config.hubspot.events.remove("webinar.attended");
    config.asl.resources.remove("send");

    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let ds = emit::klaviyo(&project, &config, IdMode::Bindings).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = &ds[0];
    assert_eq!(d.code, Code::MissingBinding);
    assert_eq!(
        d.message,
        "no Klaviyo template id for email `recording` in nurture.toml"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("add `recording = \"…\"` under `[klaviyo.templates]` in nurture.toml")
    );
    assert_eq!(
        sources.start_location(d.primary.span).0,
        line_of("send recording")
    );
    assert_eq!(sources.slice(d.primary.span), "send recording");

    let ds = emit::hubspot(&project, &config, IdMode::Bindings).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].help.as_deref(),
        Some("add `\"webinar.attended\" = \"…\"` under `[hubspot.events]` in nurture.toml")
    );
    assert_eq!(
        sources.start_location(ds[0].primary.span).0,
        line_of("trigger webinar.attended")
    );

    // One diagnostic per missing key, pointing at its first use and at a few more.
    let ds = emit::asl(&project, &config, IdMode::Bindings).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].help.as_deref(),
        Some("add `send = \"…\"` under `[asl.resources]` in nurture.toml")
    );
    assert_eq!(
        sources.start_location(ds[0].primary.span).0,
        line_of("send recording")
    );
    assert_eq!(ds[0].secondary.len(), 3);

    // Placeholders need no bindings at all.
    assert!(emit::klaviyo(&project, &Config::default(), IdMode::Placeholders).is_ok());
}

#[test]
fn every_missing_key_is_listed_in_one_build() {
    let project = fixture("b2b_scoring");
    let ds = emit::klaviyo(&project, &Config::default(), IdMode::Bindings).unwrap_err();
    let helps: BTreeSet<String> = ds.iter().filter_map(|d| d.help.clone()).collect();
    assert_eq!(helps.len(), ds.len(), "one diagnostic per key");
    for expected in [
        "add `checklist_delivery = \"…\"` under `[klaviyo.templates]` in nurture.toml",
        "add `\"content.downloaded\" = \"…\"` under `[klaviyo.metrics]` in nurture.toml",
        "add `mql = \"…\"` under `[klaviyo.segments]` in nurture.toml",
        "add `sales_team = [\"…\"]` under `[klaviyo.recipients]` in nurture.toml",
        "add `from_email = \"…\"` under `[klaviyo]` in nurture.toml",
    ] {
        assert!(
            helps.contains(expected),
            "missing {expected:?} in {helps:#?}"
        );
    }
}

// ── `skip`: campaigns a target leaves out ──

const SKIP_PROJECT: &str = r#"email digest {
  subject "This month in monitoring"
  template "nurture/digest"
}

campaign webinar {
  trigger webinar.attended("monitoring-101")
  goal booked when meeting.booked
  suppress when unsubscribed
  on demo.requested {
    handoff sales { note "Asked for a demo." }
  }
  send digest
  wait 7d
  exit
}

campaign recycle {
  trigger lifecycle.changed("recycled")
  goal booked when meeting.booked
  suppress when unsubscribed
  send digest
  wait 30d
  enroll evaluation
}

campaign evaluation {
  trigger form.submitted("evaluation")
  goal booked when meeting.booked
  suppress when unsubscribed
  send digest
  exit
}
"#;

/// The skip project and a config read from `toml`, in one source map.
fn skip_setup(toml: &str) -> (SourceMap, ir::Project, Config) {
    let mut sources = SourceMap::new();
    sources.add("skip.nurture", SKIP_PROJECT);
    let c = nurturec::compile(&sources);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let file = sources.add("nurture.toml", toml);
    let config = parse_config(file, toml).unwrap_or_else(|ds| panic!("{ds:#?}"));
    (sources, c.project, config)
}

fn paths(files: &[OutputFile]) -> BTreeSet<String> {
    files.iter().map(|f| f.path.clone()).collect()
}

#[test]
fn a_skipped_campaign_is_left_out_of_its_target_only() {
    let (sources, project, config) = skip_setup("[klaviyo]\nskip = [\"webinar\"]\n");
    // Without the skip, Klaviyo cannot run the handler.
    let ds = emit::klaviyo(&project, &Config::default(), IdMode::Placeholders).unwrap_err();
    let codes: Vec<Code> = ds.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnsupportedOnKlaviyo], "{ds:#?}");
    // With it, nothing for `webinar`: no file, no diagnostic.
    let klaviyo = paths(&emit::klaviyo(&project, &config, IdMode::Placeholders).unwrap());
    assert!(klaviyo.contains("klaviyo/recycle.json"), "{klaviyo:?}");
    assert!(
        klaviyo.contains("klaviyo/evaluation.enrolled.json"),
        "{klaviyo:?}"
    );
    assert!(
        klaviyo.iter().all(|p| !p.contains("webinar")),
        "{klaviyo:?}"
    );
    let traced = emit::klaviyo::klaviyo_traced(&project, &config, IdMode::Placeholders).unwrap();
    assert!(traced.iter().all(|t| !t.file.path.contains("webinar")));
    // The other targets build it, and the IR has every campaign.
    let hubspot = paths(&emit::hubspot(&project, &config, IdMode::Placeholders).unwrap());
    assert!(hubspot.contains("hubspot/webinar.json"), "{hubspot:?}");
    let asl = paths(&emit::asl(&project, &config, IdMode::Placeholders).unwrap());
    assert!(asl.contains("asl/webinar.json"), "{asl:?}");
    let ir = paths(&emit::ir(&project, &sources).unwrap());
    assert!(ir.contains("ir/webinar.json"), "{ir:?}");
    // What a build reports it left out.
    assert_eq!(
        emit::skipped(&project, &config, emit::Target::Klaviyo),
        ["webinar"]
    );
    for t in [emit::Target::Ir, emit::Target::Hubspot, emit::Target::Asl] {
        assert!(emit::skipped(&project, &config, t).is_empty(), "{t}");
    }
}

#[test]
fn a_skip_that_is_not_a_campaign_is_invalid_config() {
    let toml = "[hubspot]\nskip = [\"webnar\", \"evaluation\", \"recycle\"]\n";
    let (sources, project, config) = skip_setup(toml);
    let ds = emit::hubspot(&project, &config, IdMode::Placeholders).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::InvalidConfig);
    assert_eq!(
        ds[0].message,
        "`[hubspot] skip` names `webnar`, which is not a campaign of the project"
    );
    assert_eq!(sources.slice(ds[0].primary.span), "\"webnar\"");
    assert_eq!(ds[0].help.as_deref(), Some("did you mean `webinar`?"));
    // Only HubSpot's backend reads `[hubspot] skip`.
    assert!(emit::asl(&project, &config, IdMode::Placeholders).is_ok());
    // A name far from every campaign is one of files not in this build (a
    // part of the project built with its nurture.toml): it skips nothing.
    let (_, _, far) = skip_setup("[asl]\nskip = [\"onboarding_series\"]\n");
    let asl = paths(&emit::asl(&project, &far, IdMode::Placeholders).unwrap());
    assert!(asl.contains("asl/webinar.json"), "{asl:?}");
    assert!(emit::skipped(&project, &far, emit::Target::Asl).is_empty());
}

#[test]
fn an_enroll_into_a_skipped_campaign_is_an_error_for_that_target() {
    let (sources, project, config) = skip_setup("[asl]\nskip = [\"evaluation\"]\n");
    let ds = emit::asl(&project, &config, IdMode::Placeholders).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = &ds[0];
    assert_eq!(d.code, Code::EnrollIntoSkipped);
    assert_eq!(
        d.message,
        "`recycle` enrolls leads into `evaluation`, which `[asl] skip` leaves out of the Step Functions build: the leads would be sent into nothing"
    );
    assert_eq!(sources.slice(d.primary.span), "enroll evaluation");
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(sources.slice(d.secondary[0].span), "\"evaluation\"");
    // The other targets build both.
    assert!(emit::klaviyo(&project, &config, IdMode::Placeholders).is_err()); // the handler
    assert!(emit::hubspot(&project, &config, IdMode::Placeholders).is_ok());
    // Skipping the enrolling campaign too builds, without either.
    let (_, _, both) = skip_setup("[asl]\nskip = [\"evaluation\", \"recycle\"]\n");
    let asl = paths(&emit::asl(&project, &both, IdMode::Placeholders).unwrap());
    assert_eq!(
        asl,
        BTreeSet::from([
            "asl/webinar.json".to_string(),
            "asl/starter/webinar.json".to_string()
        ])
    );
}

#[test]
fn a_malformed_config_is_reported_at_its_line() {
    let text = "[build]\nout = \"dist\"\ntargets = [\"ir\", \n[klaviyo]\n";
    let mut sources = SourceMap::new();
    let file = sources.add("nurture.toml", text);
    let ds = parse_config(file, text).unwrap_err();
    assert!(!ds.is_empty());
    assert!(ds.iter().all(|d| d.code == Code::InvalidConfig));
    let (line, _) = sources.start_location(ds[0].primary.span);
    assert!((3..=4).contains(&line), "reported at line {line}: {ds:#?}");
    assert!(
        ds[0].message.starts_with("nurture.toml is not valid TOML"),
        "{}",
        ds[0].message
    );
    // It renders with its source line, like a .nurture file.
    let rendered = nurturec::diagnostics::render::human(&ds, &sources, false);
    assert!(rendered.contains("nurture.toml:"), "{rendered}");
    assert!(rendered.contains("error[invalid-config]"), "{rendered}");
}

#[test]
fn unknown_keys_and_wrong_types_in_the_config_are_errors() {
    let text = "[build]\ntarget = [\"asl\"]\n\n[klaviyo.templates]\nrecording = 12\n\n[hubspot]\nsuppression_lists = [\"all leads\"]\n";
    let mut sources = SourceMap::new();
    let file = sources.add("nurture.toml", text);
    let ds = parse_config(file, text).unwrap_err();
    let found: Vec<(usize, String)> = ds
        .iter()
        .map(|d| (sources.start_location(d.primary.span).0, d.message.clone()))
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(found[0].0, 2);
    assert_eq!(
        found[0].1,
        "unknown key `target` in `[build]` of nurture.toml"
    );
    assert_eq!(ds[0].help.as_deref(), Some("did you mean `targets`?"));
    assert_eq!(
        found[1],
        (
            5,
            "`klaviyo.templates.recording` must be a string, not an integer".to_string()
        )
    );
    assert_eq!(found[2].0, 8);
}

#[test]
fn unsupported_constructs_are_errors_naming_the_construct() {
    let text = r#"
segment vip = tier == "gold"
email hello {
  subject "Hello"
  template "hello"
}
campaign any_list {
  trigger list.joined
  goal booked when meeting.booked
  suppress when unsubscribed
  send hello
  wait 7d
  branch {
    when segment.entered(vip) {
      exit "vip"
    }
  }
  exit
}
"#;
    let (sources, project) = compile_text("unsupported.nurture", text);
    let ds = emit::klaviyo(&project, &Config::default(), IdMode::Placeholders).unwrap_err();
    let codes: Vec<(usize, Code)> = ds
        .iter()
        .map(|d| (sources.start_location(d.primary.span).0, d.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (8, Code::UnsupportedOnKlaviyo),
            (14, Code::UnsupportedOnKlaviyo)
        ],
        "{ds:#?}"
    );
    assert!(ds[0].message.contains("any list"), "{}", ds[0].message);

    let ds = emit::hubspot(&project, &Config::default(), IdMode::Placeholders).unwrap_err();
    let codes: Vec<(usize, Code)> = ds
        .iter()
        .map(|d| (sources.start_location(d.primary.span).0, d.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (8, Code::UnsupportedOnHubspot),
            (14, Code::UnsupportedOnHubspot)
        ],
        "{ds:#?}"
    );

    // Step Functions leaves conditions to the evaluator: everything is expressible.
    assert!(emit::asl(&project, &Config::default(), IdMode::Placeholders).is_ok());
}

#[test]
fn fixtures_a_platform_cannot_run_are_errors_that_say_why() {
    for (target, stem, code) in CANNOT_RUN {
        let (_, backend) = BACKENDS.iter().find(|(t, _)| t == target).unwrap();
        let ds = backend(&fixture(stem), &Config::default(), IdMode::Placeholders).unwrap_err();
        let codes: Vec<Code> = ds.iter().map(|d| d.code).collect();
        assert_eq!(codes, [*code], "{stem} on {target}: {ds:#?}");
    }
}

#[test]
fn targets_parse_from_their_names() {
    for t in emit::Target::ALL {
        assert_eq!(t.as_str().parse::<emit::Target>(), Ok(*t));
    }
    let e = "asm".parse::<emit::Target>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown target `asm`: expected one of ir, klaviyo, hubspot, asl"
    );
}

// ── snapshots ──

#[test]
fn snapshots_of_one_campaign_per_backend() {
    let project = fixture("webinar_followup");
    for (target, backend) in BACKENDS {
        let files = build(*backend, &project, &Config::default(), IdMode::Placeholders);
        assert_eq!(files.len(), 1);
        let doc = parse(&files[0].file);
        insta::with_settings!({ snapshot_suffix => *target, omit_expression => true }, {
            insta::assert_json_snapshot!(doc);
        });
    }
}

// ── explanations of the backend codes ──

/// The first ```<lang> block after `heading` and before the next `## `.
fn block_after<'t>(text: &'t str, heading: &str, lang: &str) -> Option<&'t str> {
    let section = &text[text.find(heading)? + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let fence = format!("```{lang}\n");
    let body = &section[section.find(&fence)? + fence.len()..];
    Some(&body[..body.find("\n```")? + 1])
}

/// What the explanation's example yields on its target: the codes of the
/// errors, empty when it builds.
fn example_outcome(code: Code, toml: Option<&str>, nurture: &str) -> Vec<Code> {
    let (sources, project) = compile_text(&format!("{code}.nurture"), nurture);
    let config = match toml {
        Some(text) => match parse_config(nurturec::span::FileId(1), text) {
            Ok(c) => c,
            Err(ds) => return ds.iter().map(|d| d.code).collect(),
        },
        None => Config::default(),
    };
    let result = match code {
        // The configuration parses: that is all this code is about.
        Code::InvalidConfig => Ok(Vec::new()),
        Code::MissingBinding => emit::klaviyo(&project, &config, IdMode::Bindings),
        Code::UnsupportedOnKlaviyo => emit::klaviyo(&project, &config, IdMode::Placeholders),
        Code::UnsupportedOnHubspot => emit::hubspot(&project, &config, IdMode::Placeholders),
        Code::StepFunctionsLimit => emit::asl(&project, &config, IdMode::Placeholders),
        Code::EnrollIntoSkipped => emit::klaviyo(&project, &config, IdMode::Placeholders),
        Code::ReservedName => emit::ir(&project, &sources),
        Code::ProjectCap => {
            let found = nurturec::check::check_policy(&project, &config.policy, &[]);
            if found.is_empty() {
                Ok(Vec::new())
            } else {
                Err(found)
            }
        }
        other => panic!("no backend for {other}"),
    };
    result
        .err()
        .unwrap_or_default()
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn backend_code_explanations_fail_and_pass_as_they_say() {
    for code in nurturec::diagnostics::NEEDS_CONFIG {
        let text = code.explanation();
        assert!(text.starts_with(&format!("# {code}: ")), "{code}: {text}");
        for heading in [
            "## Why it matters",
            "## Failing example",
            "## Fixed example",
        ] {
            assert!(text.contains(heading), "{code}: no {heading}");
        }
        let failing = block_after(text, "## Failing example", "nurture").unwrap();
        let fixed = block_after(text, "## Fixed example", "nurture").unwrap();
        let failing_toml = block_after(text, "## Failing example", "toml");
        let fixed_toml = block_after(text, "## Fixed example", "toml");
        let outcome = example_outcome(*code, failing_toml, failing);
        assert!(
            !outcome.is_empty() && outcome.iter().all(|c| c == code),
            "{code}: the failing example yields {outcome:?}"
        );
        let outcome = example_outcome(*code, fixed_toml, fixed);
        assert!(
            outcome.is_empty(),
            "{code}: the fixed example yields {outcome:?}"
        );
    }
}

// ── robustness ──

#[test]
fn backends_do_not_panic_on_projects_with_errors() {
    let mut sources: Vec<(String, String)> = vec![
        ("fall_off".into(), "campaign a {\n  trigger demo.requested\n  send nowhere\n}\n".into()),
        ("undefined_label".into(), "campaign a {\n  trigger demo.requested\n  wait 1d\n  goto nowhere\n}\n".into()),
        ("goto_loop".into(), "campaign a {\n  trigger demo.requested\n  x: goto y\n  y: goto x\n}\n".into()),
        ("no_trigger".into(), "campaign a {\n  split { 30% { exit } 30% { exit } }\n  exit\n}\n".into()),
        ("enroll_unknown".into(), "campaign a {\n  trigger demo.requested\n  enroll b\n}\n".into()),
        ("wait_minutes".into(), "campaign a {\n  trigger inactive 30m\n  reentry after 30m\n  wait 30m or until page.visited within 45m\n  exit\n}\n".into()),
    ];
    // The shared invalid fixtures, when the repository has them.
    let dir = root().join("tests/fixtures/invalid");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "nurture") {
                sources.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    for (name, text) in sources {
        let mut map = SourceMap::new();
        map.add(name.clone(), text);
        let project = nurturec::compile(&map).project;
        for (target, backend) in BACKENDS {
            for ids in [IdMode::Placeholders, IdMode::Bindings] {
                for config in [Config::default(), example_config()] {
                    // Any result is fine; a panic fails the test. Output that is
                    // produced is still JSON.
                    if let Ok(files) = backend(&project, &config, ids) {
                        for f in files {
                            serde_json::from_str::<Value>(&f.file.contents)
                                .unwrap_or_else(|e| panic!("{name} {target}: {e}"));
                        }
                    }
                }
            }
        }
    }
}

// ── Step Functions limits and typed origins ──

fn asl_codes(text: &str) -> Vec<(usize, Code)> {
    let (sources, project) = compile_text("limits.nurture", text);
    match emit::asl(&project, &Config::default(), IdMode::Placeholders) {
        Ok(_) => Vec::new(),
        Err(ds) => ds
            .iter()
            .map(|d| (sources.start_location(d.primary.span).0, d.code))
            .collect(),
    }
}

#[test]
fn step_functions_limits_are_errors_when_asl_is_built() {
    let head = "email e { subject \"s\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n";
    // Two waits of 200 days: each fits, the run does not.
    let long_path = format!("{head}  wait 200d\n  send e\n  wait 200d\n  exit\n}}\n");
    assert_eq!(asl_codes(&long_path), vec![(2, Code::StepFunctionsLimit)]);
    // One wait over a year: that wait, and not also the campaign.
    let long_wait = format!("{head}  wait 400d\n  send e\n  exit\n}}\n");
    assert_eq!(asl_codes(&long_wait), vec![(6, Code::StepFunctionsLimit)]);
    // The longest of two arms counts; 360 days fit.
    let branches = format!(
        "{head}  branch {{\n    when meeting.booked {{ wait 300d\n exit }}\n  }}\n  wait 60d\n  send e\n  exit\n}}\n"
    );
    assert!(asl_codes(&branches).is_empty());
    // A loop continues in a new execution: not reported while a round fits.
    let looping = format!(
        "{head}  top: send e\n  wait 200d\n  branch {{\n    when meeting.booked {{ exit }}\n  }}\n  goto top\n}}\n"
    );
    assert!(asl_codes(&looping).is_empty());
    // One round waits 400 days: no continuation helps.
    let long_round = format!(
        "{head}  top: send e\n  wait 200d\n  send e\n  wait 200d\n  branch {{\n    when meeting.booked {{ exit }}\n  }}\n  goto top\n}}\n"
    );
    assert_eq!(asl_codes(&long_round), vec![(2, Code::StepFunctionsLimit)]);
}

#[test]
fn typed_origins_name_ir_nodes_or_campaign_parts() {
    for (target, _, project, traced) in all_outputs() {
        let campaign = campaign_of(&project, &traced.file.path);
        let doc = parse(&traced.file);
        for (id, origin) in &traced.nodes {
            if let Some(node) = origin.node_id() {
                assert!(
                    campaign.flow.nodes.iter().any(|n| n.id == node),
                    "{}: `{id}` names no IR node",
                    traced.file.path
                );
            }
            // Klaviyo and Step Functions name their nodes by the origin's
            // text form (HubSpot numbers its actions).
            if target == "klaviyo" {
                assert_eq!(id, &origin.to_string(), "{}", traced.file.path);
            }
        }
        let ids: BTreeSet<&String> = traced.nodes.iter().map(|(id, _)| id).collect();
        assert_eq!(
            ids.len(),
            traced.nodes.len(),
            "{}: an id twice",
            traced.file.path
        );
        assert!(doc.is_object());
    }
}

// ── handlers and send windows (language v1) ──

const V1_FLOW: &str = r#"
email recording { subject "Recording" template "w/recording" }
email case_study { subject "Case study" template "w/case" }

campaign post_webinar {
  trigger webinar.attended("observability-q3")
  goal meeting_booked when meeting.booked
  suppress when unsubscribed or bounced or complained
  cap 2 emails per 7d
  send during mon-fri 09:00-17:00
  on demo.requested {
    handoff sales { note "Asked for a demo during the webinar follow-up." }
  }
  on page.visited("/pricing") {
    notify owner "Read the pricing page."
    goto last
  }
  send recording
  wait 4d
  send case_study
  last: wait 7d
  exit "done"
}
"#;

const WINDOW_ONLY: &str = r#"
email recording { subject "Recording" template "w/recording" }

campaign office_hours {
  trigger webinar.attended("q3")
  goal meeting_booked when meeting.booked
  suppress when unsubscribed or bounced or complained
  send during mon,wed,fri-sun 08:30-24:00
  send recording
  wait 2d
  exit
}
"#;

#[test]
fn asl_runs_handlers_and_send_windows_and_validates() {
    let (_, project) = compile_text("post_webinar.nurture", V1_FLOW);
    let validator = asl_validator_schema();
    let aws = aws_asl_schema();
    let files = build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let traced = &files[0];
    let machine = parse(&traced.file);
    assert!(asl_validator_errors(&validator, &machine).is_empty());
    assert!(schema_errors(&aws, &machine).is_empty());
    let g = graph_of("asl", traced);
    assert_eq!(structural_problems(&g, false), Vec::<String>::new());
    let campaign = campaign_of(&project, &traced.file.path);
    assert_eq!(
        equivalence_problems("asl", campaign, &g),
        Vec::<String>::new()
    );
    let states = &machine["States"];
    // A handler starts by marking itself run, then its block.
    assert_eq!(states["(on1)"]["ResultPath"], "$.campaign.handled.on1");
    assert_eq!(states["(on1)"]["Next"], "on1.1");
    assert_eq!(states["(on2)"]["Next"], "on2.1");
    // Its condition is a guard, at most once per execution.
    let guards = states["(campaign)"]["Result"]["guards"].as_array().unwrap();
    let handler = guards.iter().find(|g| g["name"] == "handler:1").unwrap();
    assert_eq!(
        handler["condition"]["all"][1],
        json!({"not": {"handled": "on1"}})
    );
    // Every send waits for the window's next opening before its guard.
    assert_eq!(
        states["1"]["Parameters"]["Payload"]["window"],
        json!({"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "17:00"})
    );
    // With guards the hold is watched, like a `wait`: skipped when the
    // window is open, else a `wait_until` callback timing out after the
    // seconds `send_window` answered, so a guard acts during the hold.
    assert_eq!(states["1"]["Next"], "1/route");
    assert_eq!(
        states["1"]["ResultSelector"],
        json!({"opens_at.$": "$.Payload.opens_at", "seconds.$": "$.Payload.seconds"})
    );
    assert_eq!(
        states["1/route"]["Choices"],
        json!([{"Variable": "$.window.seconds", "NumericGreaterThan": 0, "Next": "1/window-wait"}])
    );
    assert_eq!(states["1/route"]["Default"], "1/window-open");
    let hold = &states["1/window-wait"];
    assert_eq!(
        hold["Resource"],
        "arn:aws:states:::lambda:invoke.waitForTaskToken"
    );
    assert_eq!(hold["TimeoutSecondsPath"], "$.window.seconds");
    assert_eq!(hold["Parameters"]["Payload"]["condition"], Value::Null);
    assert_eq!(
        hold["Parameters"]["Payload"]["guards.$"],
        "$.campaign.guards"
    );
    assert_eq!(hold["Catch"][0]["Next"], "1/window-open");
    assert_eq!(hold["Next"], "1/window-open");
    assert_eq!(states["1/window-open"]["Type"], "Task");
    assert_eq!(states["1/send"]["Type"], "Task");
}

#[test]
fn klaviyo_delays_sends_until_the_window_opens_and_validates() {
    let (_, project) = compile_text("office_hours.nurture", WINDOW_ONLY);
    let files = build(
        emit::klaviyo::klaviyo_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let validator = klaviyo_schema();
    let doc = parse(&files[0].file);
    assert_eq!(schema_errors(&validator, &doc), Vec::<String>::new());
    let actions = doc["data"]["attributes"]["definition"]["actions"]
        .as_array()
        .unwrap();
    let delay = actions.iter().find(|a| a["temporary_id"] == "1").unwrap();
    assert_eq!(delay["type"], "time-delay");
    assert_eq!(
        delay["data"],
        json!({"unit": "days", "value": 0, "timezone": "profile", "delay_until_time": "08:30:00",
               "delay_until_weekdays": ["monday", "wednesday", "friday", "saturday", "sunday"]})
    );
    assert_eq!(delay["links"]["next"], "1/send");
    let g = graph_of("klaviyo", &files[0]);
    assert_eq!(structural_problems(&g, true), Vec::<String>::new());
    let campaign = campaign_of(&project, &files[0].file.path);
    assert_eq!(
        equivalence_problems("klaviyo", campaign, &g),
        Vec::<String>::new()
    );
}

/// The campaign a file of `target` lowers, as the equivalence check sees
/// it: on HubSpot the main workflow without its handlers, and a handler's
/// workflow `<campaign>.on<n>.json` as a flow starting at its block.
fn part_of(target: &str, campaign: &ir::Campaign, path: &str) -> ir::Campaign {
    let mut part = campaign.clone();
    if target != "hubspot" {
        return part;
    }
    let handler = path
        .rsplit('/')
        .next()
        .and_then(|f| f.split('.').nth(1))
        .and_then(|s| s.strip_prefix("on"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = handler {
        part.flow.entry = campaign.flow.handlers[n - 1].entry;
    }
    part.flow.handlers.clear();
    part
}

#[test]
fn hubspot_runs_handlers_in_workflows_of_their_own_and_windows_as_time_windows() {
    let (_, project) = compile_text("post_webinar.nurture", V1_FLOW);
    let flow = crate::platform_schemas::hubspot_validator("flow");
    let props = crate::platform_schemas::hubspot_validator("properties");
    let traced = build(
        emit::hubspot::hubspot_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let paths: Vec<&str> = traced.iter().map(|t| t.file.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "hubspot/post_webinar.json",
            "hubspot/post_webinar.on1.json",
            "hubspot/post_webinar.on2.json"
        ]
    );
    let campaign = &project.campaigns[0];
    for t in &traced {
        let doc = parse(&t.file);
        let errors: Vec<String> = flow.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", t.file.path);
        let g = graph_of("hubspot", t);
        assert_eq!(
            structural_problems(&g, true),
            Vec::<String>::new(),
            "{}",
            t.file.path
        );
        let part = part_of("hubspot", campaign, &t.file.path);
        assert_eq!(
            equivalence_problems("hubspot", &part, &g),
            Vec::<String>::new(),
            "{}",
            t.file.path
        );
        // The send window: every day's execution window, 09:00 to 17:00.
        assert_eq!(doc["timeWindows"].as_array().unwrap().len(), 5);
        assert_eq!(
            doc["timeWindows"][0],
            json!({"day": "MONDAY", "startTime": {"hour": 9, "minute": 0}, "endTime": {"hour": 17, "minute": 0}})
        );
    }
    let main = parse(&traced[0].file);
    // Inside: set first thing, cleared on every way out.
    let active = json!({"property_name": "nurture_post_webinar_active", "value": {"type": "STATIC_VALUE", "staticValue": "true"}});
    assert_eq!(main["actions"][0]["fields"], active);
    let ends: Vec<&Value> = main["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("connection").is_none())
        .collect();
    assert_eq!(ends.len(), 1, "one end, the (left) action");
    assert_eq!(ends[0]["fields"]["value"]["staticValue"], "false");
    // The handlers' conditions take a lead out of the main workflow at once.
    let goal = main["goalFilterBranch"].to_string();
    assert!(goal.contains("<event-type:demo.requested>"), "{goal}");
    assert!(goal.contains("<event-type:page.visited>"), "{goal}");
    // Handler 1: enrolled by its event for a lead inside the campaign for
    // whom neither the suppression nor the goal holds; marks itself run.
    let on1 = parse(&traced[1].file);
    let criteria = &on1["enrollmentCriteria"];
    assert_eq!(criteria["type"], "EVENT_BASED");
    assert_eq!(
        criteria["eventFilterBranches"][0]["eventTypeId"],
        "<event-type:demo.requested>"
    );
    let admit = criteria["refinementCriteria"].to_string();
    assert!(admit.contains("nurture_post_webinar_active"));
    assert!(
        admit.contains("HAS_NOT_COMPLETED"),
        "not after the goal: {admit}"
    );
    assert_eq!(on1["actions"][0]["fields"]["value"]["staticValue"], "false");
    assert_eq!(on1["actions"][1]["actionTypeId"], "0-8", "then the handoff");
    assert!(!on1["goalFilterBranch"]
        .to_string()
        .contains("demo.requested"));
    // Handler 2 goes back into the flow (`goto last`): a 7-day wait, in its workflow.
    let on2 = parse(&traced[2].file);
    let types: Vec<&str> = on2["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actionTypeId"].as_str().unwrap_or("branch"))
        .collect();
    assert_eq!(types, ["0-5", "0-8", "0-1"]);
    // The properties and the workflow that records a goal or the suppression.
    let files = emit::hubspot(&project, &Config::default(), IdMode::Placeholders).unwrap();
    let left = files
        .iter()
        .find(|f| f.path == "hubspot/post_webinar.left.json")
        .unwrap();
    let left: Value = serde_json::from_str(&left.contents).unwrap();
    assert!(flow.is_valid(&left));
    assert_eq!(
        left["actions"][0]["fields"]["value"]["staticValue"],
        "false"
    );
    assert!(left["enrollmentCriteria"]["listFilterBranch"]
        .to_string()
        .contains("<event-type:meeting.booked>"));
    let properties = files
        .iter()
        .find(|f| f.path == "hubspot/post_webinar.properties.json")
        .unwrap();
    let properties: Value = serde_json::from_str(&properties.contents).unwrap();
    assert!(props.is_valid(&properties));
    assert_eq!(
        properties["inputs"][0]["name"],
        "nurture_post_webinar_active"
    );
}

#[test]
fn handlers_klaviyo_cannot_run_are_errors() {
    let (_, project) = compile_text("post_webinar.nurture", V1_FLOW);
    let ds = emit::klaviyo::klaviyo_traced(&project, &Config::default(), IdMode::Placeholders)
        .unwrap_err();
    let codes: Vec<(Code, String)> = ds
        .iter()
        .map(|d| (d.code, d.primary.message.clone()))
        .collect();
    assert_eq!(
        codes,
        [
            (Code::UnsupportedOnKlaviyo, "handler".to_string()),
            (Code::UnsupportedOnKlaviyo, "handler".to_string()),
        ]
    );
}

const V1_VALUES: &str = r#"
properties {
  industry: text in ["fintech", "saas"]
  role: text
  unsubscribed: bool
  tech_stack: list of text
}
email hello {
  subject "Hi {{ contact.first_name }}, a note for {{ contact.role }} at {{ company.name }} ({{ webinar.title }})"
  template "hello"
}
campaign values {
  trigger form.submitted("f")
  audience industry in ["fintech", "saas"] and role == "cto" and tech_stack contains "salesforce"
  goal booked when meeting.booked
  suppress when unsubscribed
  send hello
  notify sales "{{ contact.email }} at {{ company.name }}"
  exit
}
"#;

fn one_file(backend: Backend, text: &str) -> (Value, Traced) {
    let (_, project) = compile_text("values.nurture", text);
    let mut files = build(backend, &project, &Config::default(), IdMode::Placeholders);
    let traced = files.remove(0);
    (parse(&traced.file), traced)
}

#[test]
fn merge_tags_are_written_in_each_platform_syntax() {
    let (klaviyo, traced) = one_file(emit::klaviyo::klaviyo_traced, V1_VALUES);
    let text = klaviyo.to_string();
    assert!(
        text.contains("Hi {{ person.first_name }}, a note for {{ person|lookup:'role' }} at {{ person.organization }} ({{ webinar.title }})"),
        "{text}"
    );
    assert!(text.contains("{{ person.email }} at {{ person.organization }}"));
    assert!(!text.contains("contact."));
    assert_eq!(
        schema_errors(&klaviyo_schema(), &klaviyo),
        Vec::<String>::new()
    );
    assert_eq!(traced.file.path, "klaviyo/values.json");

    let (hubspot, _) = one_file(emit::hubspot::hubspot_traced, V1_VALUES);
    let text = hubspot.to_string();
    assert!(
        text.contains("{{ enrolled_object.email }} at {{ enrolled_object.company }}"),
        "{text}"
    );

    let (asl, _) = one_file(emit::asl::asl_traced, V1_VALUES);
    assert!(asl
        .to_string()
        .contains("Hi {{ contact.first_name }}, a note for {{ contact.role }}"));
}

const TAGS_IN_HANDOFF: &str = r#"
properties {
  owner_email: text
  unsubscribed: bool
}
email hello { subject "Hi" template "hello" }
campaign tags {
  title "Welcome {{ contact.first_name }}"
  trigger form.submitted("f")
  goal booked when meeting.booked
  suppress when unsubscribed
  send hello
  handoff sales { note "Talk to {{ contact.first_name }}" task "Call {{ contact.email }}" due 1d }
}
"#;

#[test]
fn tags_in_task_titles_and_handoff_subjects_are_translated_where_they_render() {
    let (hubspot, _) = one_file(emit::hubspot::hubspot_traced, TAGS_IN_HANDOFF);
    let actions = hubspot["actions"].as_array().unwrap();
    let by_type =
        |id: &str| -> Vec<&Value> { actions.iter().filter(|a| a["actionTypeId"] == id).collect() };
    let email = &by_type("0-8")[0]["fields"];
    assert_eq!(
        email["subject"],
        "Handoff to sales: Welcome {{ enrolled_object.firstname }}"
    );
    let task = &by_type("0-3")[0]["fields"];
    assert_eq!(task["subject"], "Call {{ enrolled_object.email }}");
    assert_eq!(task["body"], "Talk to {{ enrolled_object.firstname }}");
    // The workflow's name is the account's own label: no token renders there.
    assert_eq!(hubspot["name"], "Welcome {{ contact.first_name }}");

    let (_, project) = compile_text("tags.nurture", TAGS_IN_HANDOFF);
    let config = parse_config(
        nurturec::span::FileId(9),
        "[klaviyo]\ncrm_webhook = \"https://crm.example.com/h\"\n",
    )
    .unwrap();
    let files = emit::klaviyo::klaviyo_traced(&project, &config, IdMode::Placeholders).unwrap();
    let text = parse(&files[0].file).to_string();
    // The webhook's body is a JSON text inside the action.
    assert!(
        text.contains(r#"\"title\":\"Call {{ person.email }}\""#),
        "{text}"
    );
    assert!(
        text.contains(
            "Handoff to sales: Talk to {{ person.first_name }} | Task: Call {{ person.email }}"
        ),
        "{text}"
    );
}

#[test]
fn an_address_from_a_merge_tag_is_unsupported_on_klaviyo_and_hubspot() {
    let text = TAGS_IN_HANDOFF.replace(
        "  handoff sales",
        "  notify \"{{ contact.owner_email }}\" \"New lead\"\n  handoff sales",
    );
    let (_, project) = compile_text("tags.nurture", &text);
    for (backend, code, help) in [
        (
            emit::klaviyo::klaviyo_traced as Backend,
            Code::UnsupportedOnKlaviyo,
            "notify a recipient name bound to addresses under `[klaviyo.recipients]`",
        ),
        (
            emit::hubspot::hubspot_traced,
            Code::UnsupportedOnHubspot,
            "notify a recipient name bound to user ids under `[hubspot.recipients]`",
        ),
    ] {
        let ds = backend(&project, &Config::default(), IdMode::Placeholders).unwrap_err();
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert_eq!(ds[0].code, code);
        assert!(
            ds[0].message.contains("`{{ contact.owner_email }}`"),
            "{}",
            ds[0].message
        );
        assert_eq!(ds[0].help.as_deref(), Some(help));
    }
}

#[test]
fn a_company_tag_other_than_its_name_is_unsupported_on_klaviyo_and_hubspot() {
    // In the subject (which HubSpot does not send: its emails are
    // referenced by id) and in the internal alert.
    let text = V1_VALUES.replace("{{ company.name }}", "{{ company.size }}");
    let (_, project) = compile_text("values.nurture", &text);
    for (backend, code) in [
        (
            emit::klaviyo::klaviyo_traced as Backend,
            Code::UnsupportedOnKlaviyo,
        ),
        (emit::hubspot::hubspot_traced, Code::UnsupportedOnHubspot),
    ] {
        let ds = backend(&project, &Config::default(), IdMode::Placeholders).unwrap_err();
        assert!(!ds.is_empty());
        for d in &ds {
            assert_eq!(d.code, code);
            assert!(d.message.contains("company.size"), "{}", d.message);
        }
    }
    build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
}

#[test]
fn hubspot_uses_enumeration_operators_for_declared_values_and_contains() {
    let (hubspot, _) = one_file(emit::hubspot::hubspot_traced, V1_VALUES);
    let text = hubspot.to_string();
    assert!(
        text.contains(
            r#""operationType":"ENUMERATION","operator":"IS_ANY_OF","values":["fintech","saas"]"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""operator":"CONTAINS_ALL","values":["salesforce"]"#));
    // `role` is declared `text`, not an enumeration: still a string filter.
    assert!(
        text.contains(r#""operationType":"MULTISTRING","operator":"IS_EQUAL_TO","values":["cto"]"#)
    );
    // Without the declaration, `industry in [...]` is a string filter too.
    let undeclared = V1_VALUES.replace(
        "  industry: text in [\"fintech\", \"saas\"]\n",
        "  industry: text\n",
    );
    let (hubspot, _) = one_file(emit::hubspot::hubspot_traced, &undeclared);
    assert!(!hubspot.to_string().contains("IS_ANY_OF"));
}

const ENUM_VALUES: &str = r#"
properties {
  industry: text in ["fintech", "saas", "other"]
  role: text
  unsubscribed: bool
}
email hello { subject "Hi" template "hello" }
campaign values {
  trigger form.submitted("f")
  audience industry in ["fintech", "saas"]
  goal booked when meeting.booked
  suppress when unsubscribed
  send hello
  branch {
    when industry != "other" { set industry = "saas" }
  }
  exit
}
"#;

const ENUM_CONFIG: &str = r#"
[hubspot.emails]
hello = "1"
[hubspot.events]
"form.submitted" = "4-1639801"
"meeting.booked" = "4-2"
[hubspot.event_properties]
"form.submitted" = "hs_form_id"
"#;

fn enum_build(table: &str) -> Result<Vec<Traced>, Vec<nurturec::Diagnostic>> {
    let (_, project) = compile_text("values.nurture", ENUM_VALUES);
    let text = format!("{ENUM_CONFIG}{table}");
    let config = parse_config(nurturec::span::FileId(9), &text).unwrap();
    emit::hubspot::hubspot_traced(&project, &config, IdMode::Bindings)
}

#[test]
fn hubspot_maps_declared_values_through_their_value_table() {
    // Without a table, the declared values are sent as written.
    let files = enum_build("").unwrap();
    let text = parse(&files[0].file).to_string();
    assert!(text.contains(r#""values":["fintech","saas"]"#), "{text}");
    assert!(text.contains(r#""staticValue":"saas""#), "{text}");

    // With one, every filter and `set` on the property uses its values.
    let table = "[hubspot.values.industry]\nfintech = \"financial_services\"\nsaas = \"software\"\nother = \"OTHER\"\n";
    let files = enum_build(table).unwrap();
    let doc = parse(&files[0].file);
    let text = doc.to_string();
    assert!(
        text.contains(r#""operationType":"ENUMERATION","operator":"IS_ANY_OF","values":["financial_services","software"]"#),
        "{text}"
    );
    assert!(
        text.contains(r#""operator":"IS_NONE_OF","values":["OTHER"]"#),
        "{text}"
    );
    assert!(text.contains(r#""staticValue":"software""#), "{text}");
    for value in ["\"fintech\"", "\"saas\"", "\"other\""] {
        assert!(!text.contains(value), "{value} left in {text}");
    }

    // A value the campaigns use and the table lacks is a missing binding.
    let ds = enum_build(
        "[hubspot.values.industry]\nfintech = \"financial_services\"\nother = \"OTHER\"\n",
    )
    .unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::MissingBinding);
    assert_eq!(
        ds[0].message,
        "no HubSpot internal value of `industry` for \"saas\" in nurture.toml"
    );
    assert_eq!(
        ds[0].help.as_deref(),
        Some("add `saas = \"…\"` under `[hubspot.values.industry]` in nurture.toml")
    );
}

#[test]
fn a_value_table_must_match_the_declared_enumeration() {
    // A misspelt value: one error, at the key, not also a missing `saas`.
    let ds =
        enum_build("[hubspot.values.industry]\nfintech = \"f\"\nsaaas = \"s\"\nother = \"o\"\n")
            .unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::InvalidConfig);
    assert_eq!(
        ds[0].message,
        "\"saaas\" in `[hubspot.values.industry]` is not a declared value of `industry`"
    );
    assert_eq!(ds[0].help.as_deref(), Some("did you mean `saas`?"));

    // A property that is not a declared enumeration.
    for (table, help) in [
        (
            "[hubspot.values.industri]\na = \"b\"\n",
            "did you mean `industry`?",
        ),
        (
            "[hubspot.values.role]\ncto = \"CTO\"\n",
            "declare `role: text in [ … ]` in the `properties` block, or remove the table",
        ),
    ] {
        let ds = enum_build(table).unwrap_err();
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert_eq!(ds[0].code, Code::InvalidConfig);
        assert!(
            ds[0]
                .message
                .contains("which is not a property declared `text in [ … ]`"),
            "{}",
            ds[0].message
        );
        assert_eq!(ds[0].help.as_deref(), Some(help));
    }
}

#[test]
fn klaviyo_tests_contains_with_its_list_filter() {
    let (klaviyo, _) = one_file(emit::klaviyo::klaviyo_traced, V1_VALUES);
    let text = klaviyo.to_string();
    assert!(
        text.contains(r#""filter":{"type":"list","operator":"contains","value":"salesforce"}"#),
        "{text}"
    );
}

// ── re-entry (language v1) ──

fn reentry_campaign(reentry: &str, triggers: &str) -> String {
    let segment = if triggers.contains("vip") {
        "segment vip = tier == \"gold\"\n"
    } else {
        ""
    };
    format!(
        "email e {{ subject \"s\" template \"t\" }}\n{segment}campaign c {{\n{triggers}  goal g when meeting.booked\n  suppress when unsubscribed\n  reentry {reentry}\n  send e\n  wait 3d\n  send e\n  exit\n}}\n"
    )
}

fn built(backend: Backend, text: &str) -> Result<Vec<Traced>, Vec<nurturec::Diagnostic>> {
    let (_, project) = compile_text("reentry.nurture", text);
    backend(&project, &Config::default(), IdMode::Placeholders)
}

#[test]
fn hubspot_re_enrolls_on_the_triggers_and_keeps_the_gap_of_reentry_after() {
    let flow = crate::platform_schemas::hubspot_validator("flow");
    let props = crate::platform_schemas::hubspot_validator("properties");
    // List-based (a segment and an event): the re-enrolment triggers are the
    // triggers themselves, not a copy of the enrolment filter.
    let mixed = "  trigger segment.entered(vip)\n  trigger demo.requested where role == \"cto\"\n";
    let (_, project) = compile_text("reentry.nurture", &reentry_campaign("always", mixed));
    let files = emit::hubspot(&project, &Config::default(), IdMode::Placeholders).unwrap();
    let doc: Value = serde_json::from_str(&files[0].contents).unwrap();
    assert!(flow.is_valid(&doc));
    let criteria = &doc["enrollmentCriteria"];
    assert_eq!(criteria["type"], "LIST_BASED");
    assert_eq!(criteria["shouldReEnroll"], true);
    let triggers = criteria["reEnrollmentTriggersFilterBranches"]
        .as_array()
        .unwrap();
    assert_eq!(triggers.len(), 2);
    let first = &triggers[0]["filterBranches"][0]["filters"][0];
    assert_eq!(first["filterType"], "IN_LIST");
    assert_eq!(first["listId"], "<list:vip>");
    let second = &triggers[1]["filterBranches"][0];
    assert_eq!(second["filters"], json!([]), "the `where` is not a trigger");
    assert_eq!(
        second["filterBranches"][0]["eventTypeId"],
        "<event-type:demo.requested>"
    );
    // No gap, no stamp, no property.
    assert_eq!(doc["actions"][0]["actionTypeId"], "0-4");
    assert!(!files.iter().any(|f| f.path.ends_with("c.properties.json")));

    // `reentry after 30d`: the first action stamps the entry, and the
    // enrolment filter admits a contact whose last entry is 30 days old.
    let (_, project) = compile_text(
        "reentry.nurture",
        &reentry_campaign("after 30d", "  trigger form.submitted(\"f\")\n"),
    );
    let files = emit::hubspot(&project, &Config::default(), IdMode::Placeholders).unwrap();
    let doc: Value = serde_json::from_str(&files[0].contents).unwrap();
    assert!(
        flow.is_valid(&doc),
        "{:?}",
        flow.iter_errors(&doc)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let criteria = &doc["enrollmentCriteria"];
    assert_eq!(criteria["type"], "EVENT_BASED");
    assert_eq!(criteria["shouldReEnroll"], true);
    let gap = &criteria["refinementCriteria"]["filterBranches"][0]["filters"][0];
    assert_eq!(gap["property"], "nurture_c_entered_at");
    assert_eq!(gap["operation"]["operator"], "IS_BEFORE");
    assert_eq!(gap["operation"]["includeObjectsWithNoValueSet"], true);
    assert_eq!(
        gap["operation"]["timePoint"]["indexReference"]["referenceType"],
        "NOW"
    );
    assert_eq!(
        gap["operation"]["timePoint"]["offset"],
        json!({"days": -30})
    );
    assert_eq!(doc["startActionId"], "1");
    assert_eq!(
        doc["actions"][0]["fields"],
        json!({"property_name": "nurture_c_entered_at", "value": {"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"}})
    );
    assert_eq!(doc["actions"][0]["connection"]["nextActionId"], "2");
    assert_eq!(doc["actions"][1]["actionTypeId"], "0-4");
    let properties = files
        .iter()
        .find(|f| f.path == "hubspot/c.properties.json")
        .unwrap();
    let properties: Value = serde_json::from_str(&properties.contents).unwrap();
    assert!(props.is_valid(&properties));
    assert_eq!(properties["inputs"][0]["type"], "datetime");

    // Structure and equivalence still hold with the stamp first.
    let traced = built(
        emit::hubspot::hubspot_traced,
        &reentry_campaign("after 30d", "  trigger form.submitted(\"f\")\n"),
    )
    .unwrap();
    let g = graph_of("hubspot", &traced[0]);
    assert_eq!(structural_problems(&g, true), Vec::<String>::new());
    let campaign = &project.campaigns[0];
    assert_eq!(
        equivalence_problems("hubspot", campaign, &g),
        Vec::<String>::new()
    );

    // `never`: no re-enrolment at all.
    let (_, project) = compile_text(
        "reentry.nurture",
        &reentry_campaign("never", "  trigger form.submitted(\"f\")\n"),
    );
    let files = emit::hubspot(&project, &Config::default(), IdMode::Placeholders).unwrap();
    let doc: Value = serde_json::from_str(&files[0].contents).unwrap();
    assert_eq!(doc["enrollmentCriteria"]["shouldReEnroll"], false);
    assert!(doc["enrollmentCriteria"]
        .get("refinementCriteria")
        .is_none());
}

#[test]
fn hubspot_cannot_re_enroll_through_an_enrollment_list() {
    let text = "email e { subject \"s\" template \"t\" }\ncampaign a {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send e\n  enroll b\n}\ncampaign b {\n  trigger demo.requested\n  goal g when meeting.booked\n  suppress when unsubscribed\n  reentry always\n  send e\n  exit\n}\n";
    let ds = built(emit::hubspot::hubspot_traced, text).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::UnsupportedOnHubspot);
    assert!(
        ds[0].message.contains("enrollment list"),
        "{}",
        ds[0].message
    );
    assert!(built(
        emit::hubspot::hubspot_traced,
        &text.replace("  reentry always\n", "")
    )
    .is_ok());
}

#[test]
fn klaviyo_re_entry_is_exact_or_an_error() {
    let trigger = "  trigger form.submitted(\"f\")\n";
    let criteria = |reentry: &str| -> Value {
        let files = built(
            emit::klaviyo::klaviyo_traced,
            &reentry_campaign(reentry, trigger),
        )
        .unwrap();
        let doc = parse(&files[0].file);
        assert_eq!(schema_errors(&klaviyo_schema(), &doc), Vec::<String>::new());
        doc["data"]["attributes"]["definition"]["reentry_criteria"].clone()
    };
    assert_eq!(criteria("never"), json!({"duration": 1, "unit": "alltime"}));
    // The flow keeps a lead at most 3 days: back in after 3 days or more.
    assert_eq!(criteria("after 3d"), json!({"duration": 3, "unit": "day"}));
    assert_eq!(criteria("after 2w"), json!({"duration": 2, "unit": "week"}));
    for reentry in ["always", "after 2d"] {
        let ds = built(
            emit::klaviyo::klaviyo_traced,
            &reentry_campaign(reentry, trigger),
        )
        .unwrap_err();
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert_eq!(ds[0].code, Code::UnsupportedOnKlaviyo);
        assert!(ds[0].message.contains("(up to 3d)"), "{}", ds[0].message);
        assert_eq!(
            ds[0].primary.message,
            "a lead could be in this flow twice at once"
        );
    }
}

// ── platform limits ──

#[test]
fn more_workflows_than_a_hubspot_account_holds_is_an_error() {
    let events = |n: usize| -> String {
        (0..n)
            .map(|i| format!("event(\"e{i}\")"))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    // One workflow per event of an `on` rule: 500 fit, 501 do not.
    let project_with = |n: usize| {
        format!(
            "scoring s {{\n  c {{\n    +1 on {}\n  }}\n}}\nsegment hot = score >= 10\n",
            events(n)
        )
    };
    let (_, ok) = crate::support::compile_text("limits.nurture", &project_with(500));
    assert!(!ok.has_errors());
    assert!(emit::hubspot(&ok.project, &Config::default(), IdMode::Placeholders).is_ok());
    let (sources, over) = crate::support::compile_text("limits.nurture", &project_with(501));
    let ds = emit::hubspot(&over.project, &Config::default(), IdMode::Placeholders).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::UnsupportedOnHubspot);
    assert!(
        ds[0].message.contains("501 HubSpot workflows"),
        "{}",
        ds[0].message
    );
    assert_eq!(sources.start_location(ds[0].primary.span).0, 1);
}

#[test]
fn a_klaviyo_profile_update_over_100_kb_is_an_error() {
    let text = |len: usize| {
        format!(
            "email e {{ subject \"s\" template \"t\" }}\ncampaign c {{\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send e\n  set note = \"{}\"\n  exit\n}}\n",
            "x".repeat(len)
        )
    };
    assert!(built(emit::klaviyo::klaviyo_traced, &text(100 * 1024 - 4)).is_ok());
    let ds = built(emit::klaviyo::klaviyo_traced, &text(100 * 1024)).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::UnsupportedOnKlaviyo);
    assert!(ds[0].message.contains("100 KB"), "{}", ds[0].message);
}

#[test]
fn a_campaign_named_project_is_an_error_on_the_ir_target() {
    let text = "email e { subject \"s\" template \"t\" }\ncampaign project {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send e\n  exit\n}\n";
    let (sources, project) = compile_text("project.nurture", text);
    let ds = emit::ir(&project, &sources).unwrap_err();
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].code, Code::ReservedName);
    assert_eq!(sources.start_location(ds[0].primary.span).0, 2);
    // Renamed, it builds: the project file and the campaign's, apart.
    let (sources, project) = compile_text(
        "project.nurture",
        &text.replace("campaign project", "campaign launch"),
    );
    let paths: Vec<String> = emit::ir(&project, &sources)
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(paths, ["ir/project.json", "ir/launch.json"]);
    // The platforms write no project file: the name is theirs to use.
    let (_, project) = compile_text("project.nurture", text);
    assert!(emit::klaviyo(&project, &Config::default(), IdMode::Placeholders).is_ok());
}

#[test]
fn the_equivalence_check_sees_a_link_to_the_wrong_step() {
    let project = fixture("webinar_followup");
    let traced = build(
        emit::klaviyo::klaviyo_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let campaign = campaign_of(&project, &traced[0].file.path);
    let g = graph_of("klaviyo", &traced[0]);
    assert_eq!(
        equivalence_problems("klaviyo", campaign, &g),
        Vec::<String>::new()
    );
    // Say the first two steps are each other: the links no longer match the IR.
    let mut swapped = g;
    let entries: Vec<String> = swapped
        .origin
        .iter()
        .filter(|(_, o)| is_cluster_entry(o))
        .map(|(id, _)| id.clone())
        .take(2)
        .collect();
    let (a, b) = (
        swapped.origin[&entries[0]].clone(),
        swapped.origin[&entries[1]].clone(),
    );
    swapped.origin.insert(entries[0].clone(), b);
    swapped.origin.insert(entries[1].clone(), a);
    assert!(!equivalence_problems("klaviyo", campaign, &swapped).is_empty());
}

#[test]
fn the_v1_example_project_builds_for_hubspot_and_validates() {
    let (_, c) = crate::support::compile_files(&[
        root().join("tests/projects/post_webinar_v1/post_webinar.nurture")
    ]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let flow = crate::platform_schemas::hubspot_validator("flow");
    let props = crate::platform_schemas::hubspot_validator("properties");
    // (examples/nurture.toml does not bind this project's names.)
    {
        let files = emit::hubspot(&c.project, &Config::default(), IdMode::Placeholders)
            .unwrap_or_else(|ds| panic!("{ds:#?}"));
        let workflows: Vec<&OutputFile> = files
            .iter()
            .filter(|f| !f.path.contains("/segments/") && !f.path.ends_with(".properties.json"))
            .collect();
        assert_eq!(workflows.len(), 4, "main, two handlers, left");
        for f in &files {
            if f.path.contains("/segments/") {
                continue;
            }
            let v: Value = serde_json::from_str(&f.contents).unwrap();
            let validator = if f.path.ends_with(".properties.json") {
                &props
            } else {
                &flow
            };
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", f.path);
        }
    }
    let ds = emit::klaviyo(&c.project, &Config::default(), IdMode::Placeholders).unwrap_err();
    assert!(
        ds.iter().all(|d| d.code == Code::UnsupportedOnKlaviyo),
        "{ds:#?}"
    );
}

// ── continuing a looping campaign in a new execution ──

const LOOP_FLOW: &str = r#"
email intro { subject "Intro" template "l/intro" }
email digest { subject "Digest" template "l/digest" }

campaign loops {
  trigger form.submitted("f")
  goal booked when meeting.booked
  suppress when unsubscribed
  send intro
  wait 1d
  top: send digest
  wait 100d
  branch {
    when page.visited("/pricing") within 100d { exit }
  }
  goto top
}
"#;

#[test]
fn a_loop_continues_in_a_new_execution_before_a_year() {
    let (_, project) = compile_text("loops.nurture", LOOP_FLOW);
    let files = build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let traced = &files[0];
    let machine = parse(&traced.file);
    assert!(asl_validator_errors(&asl_validator_schema(), &machine).is_empty());
    assert!(schema_errors(&aws_asl_schema(), &machine).is_empty());
    let g = graph_of("asl", traced);
    assert_eq!(structural_problems(&g, false), Vec::<String>::new());
    let campaign = campaign_of(&project, &traced.file.path);
    assert_eq!(
        equivalence_problems("asl", campaign, &g),
        Vec::<String>::new()
    );
    let states = &machine["States"];
    // A new run or a resumed one.
    assert_eq!(states["(start)"]["Choices"][0]["Variable"], "$.resume");
    assert_eq!(states["(start)"]["Default"], "(run)");
    assert_eq!(
        states["(resume)/route"]["Choices"],
        json!([{ "Variable": "$.resume.at", "StringEquals": "top", "Next": "top" }])
    );
    // Every payload reads the run's entry time, not the execution's start.
    assert_eq!(
        states["top/send"]["Parameters"]["Payload"]["entered_at.$"],
        "$.run.entered_at"
    );
    // The longest stretch between starts waits 101 days (the entry's 1 day
    // and a round's 100): three fit in a year.
    assert_eq!(
        states["6"]["Parameters"]["rounds.$"],
        "States.MathAdd($.run.rounds, 1)"
    );
    assert_eq!(
        states["6/route"]["Choices"][0],
        json!({ "Variable": "$.run.rounds", "NumericGreaterThanEquals": 3, "Next": "6/continue" })
    );
    assert_eq!(states["6/route"]["Default"], "top");
    let cont = &states["6/continue"];
    assert_eq!(cont["Resource"], "arn:aws:states:::states:startExecution");
    assert_eq!(
        cont["Parameters"]["StateMachineArn.$"],
        "$$.StateMachine.Id"
    );
    assert_eq!(
        cont["Parameters"]["Input"]["resume"],
        json!({ "at": "top", "entered_at.$": "$.run.entered_at" })
    );
    assert_eq!(cont["Next"], "(continued)");
    assert_eq!(states["(continued)"]["Type"], "Succeed");
    // A campaign without a loop keeps the execution's start.
    let (_, plain) = compile_text(
        "plain.nurture",
        &LOOP_FLOW.replace("goto top", "exit").replace("top: ", ""),
    );
    let files = build(
        emit::asl::asl_traced,
        &plain,
        &Config::default(),
        IdMode::Placeholders,
    );
    let machine = parse(&files[0].file);
    assert!(machine["States"].get("(start)").is_none());
    assert_eq!(
        machine["States"]["3/send"]["Parameters"]["Payload"]["entered_at.$"],
        "$$.Execution.StartTime"
    );
}

#[test]
fn the_starter_gets_the_triggers_audience_and_reentry_as_data() {
    let project = fixture("b2b_scoring");
    let files = emit::asl(&project, &Config::default(), IdMode::Placeholders).unwrap();
    let starter = files
        .iter()
        .find(|f| f.path == "asl/starter/checklist_to_mql.json")
        .expect("a starter file per campaign");
    let doc = parse(starter);
    assert_eq!(doc["machine"], "asl/checklist_to_mql.json");
    assert_eq!(doc["one_run_per_lead_at_a_time"], true);
    assert_eq!(doc["reentry"], json!({ "after_seconds": 90 * 86_400 }));
    assert_eq!(
        doc["triggers"],
        json!([{ "index": 0, "text": "content.downloaded(\"nurture-checklist\")",
                 "source": { "event": "content.downloaded", "argument": "nurture-checklist" },
                 "where": null }])
    );
    let handoff = parse(
        files
            .iter()
            .find(|f| f.path == "asl/starter/mql_handoff.json")
            .unwrap(),
    );
    assert_eq!(handoff["reentry"], "never");
    assert_eq!(
        handoff["triggers"][1]["where"],
        json!({ "property": "role", "op": "not in", "values": ["student", "vendor", "competitor"] })
    );
    // The traced build (the machines) leaves them out.
    let traced = build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    assert!(traced.iter().all(|t| !t.file.path.contains("/starter/")));
}

#[test]
fn the_history_quota_bounds_rounds_and_paths() {
    let head = "email e { subject \"s\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n";
    // An hourly loop: a year holds 8,760 rounds, the history far fewer.
    let hourly = format!(
        "{head}  top: send e\n  wait 1h\n  branch {{\n    when meeting.booked {{ exit }}\n  }}\n  goto top\n}}\n"
    );
    let (_, project) = compile_text("hourly.nurture", &hourly);
    let files = build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let machine = parse(&files[0].file);
    let rounds = machine["States"]["4/route"]["Choices"][0]["NumericGreaterThanEquals"]
        .as_u64()
        .unwrap();
    // The longest stretch: the guard Task and Choice and the send (12
    // events), the watched wait and its check (13), the branch (7), then
    // the arm's guarded exit (9; the goto would be 4): 41; outside the flow
    // 24 (the campaign Pass, start, run, admission, the execution's start
    // and end, one end, one continuation).
    assert_eq!(rounds, (25_000 - 24) / 41);
    // The states of one execution's longest run stay under the quota.
    assert!(rounds * 41 + 24 <= 25_000);
    // A path with too many steps: 2,100 guarded sends (12 events each);
    // its machine is over 1 MB too, a limit of its own.
    let long = format!("{head}{}  exit\n}}\n", "  send e\n".repeat(2_100));
    let (_, project) = compile_text("long.nurture", &long);
    let Err(ds) = emit::asl(&project, &Config::default(), IdMode::Placeholders) else {
        panic!("a path over the history quota builds");
    };
    let messages: Vec<&str> = ds.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("history events in one execution")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("1 MB")), "{messages:?}");
    // 500 sends: 6,000 events fit.
    let fits = format!("{head}{}  exit\n}}\n", "  send e\n".repeat(500));
    let (_, project) = compile_text("fits.nurture", &fits);
    let Err(ds) = emit::asl(&project, &Config::default(), IdMode::Placeholders) else {
        panic!("500 guarded sends fit in 1 MB");
    };
    assert!(ds.iter().all(|d| !d.message.contains("history")));
}

#[test]
fn state_names_fit_in_80_characters_by_construction() {
    let text =
        std::fs::read_to_string(root().join("tests/cases/asl/long_state_names.nurture")).unwrap();
    let (_, project) = compile_text("long_state_names.nurture", &text);
    let files = build(
        emit::asl::asl_traced,
        &project,
        &Config::default(),
        IdMode::Placeholders,
    );
    let machine = parse(&files[0].file);
    let names: Vec<&String> = machine["States"].as_object().unwrap().keys().collect();
    assert!(
        names.iter().any(|n| n.contains('~')),
        "a long label is shortened"
    );
    for name in &names {
        assert!(name.chars().count() <= 80, "`{name}` is over 80 characters");
    }
    let g = graph_of("asl", &files[0]);
    assert_eq!(structural_problems(&g, false), Vec::<String>::new());
    // The resume point is the shortened name too.
    let route = &machine["States"]["(resume)/route"]["Choices"][0];
    assert_eq!(route["StringEquals"], route["Next"]);
    assert!(names.contains(&&route["Next"].as_str().unwrap().to_string()));
}

/// A campaign that two others enroll into, with the enrolling campaigns in
/// files read in either order: the Step Functions starter lists them by
/// name, so the order of the files cannot change the output (it did, found
/// by the property test of generated projects).
#[test]
fn the_campaigns_enrolling_into_another_are_listed_by_name_whatever_the_file_order() {
    const TARGET: &str = "email digest {\n  subject \"Digest\"\n  template \"digest\"\n}\n\ncampaign evaluation {\n  trigger form.submitted(\"evaluation\")\n  goal booked when meeting.booked\n  suppress when unsubscribed\n  send digest\n  exit\n}\n";
    const ZULU: &str = "campaign zulu {\n  trigger form.submitted(\"z\")\n  goal booked when meeting.booked\n  enroll evaluation\n}\n";
    const ALPHA: &str = "campaign alpha {\n  trigger form.submitted(\"a\")\n  goal booked when meeting.booked\n  enroll evaluation\n}\n";
    let starter = |files: &[(&str, &str)]| {
        let mut sources = SourceMap::new();
        for (name, text) in files {
            sources.add(*name, *text);
        }
        let c = nurturec::compile(&sources);
        assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
        let files = emit::asl(&c.project, &Config::default(), IdMode::Placeholders).unwrap();
        let starter = files
            .into_iter()
            .find(|f| f.path == "asl/starter/evaluation.json")
            .unwrap_or_else(|| panic!("no starter for evaluation"));
        let json: Value = serde_json::from_str(&starter.contents).unwrap();
        json["enrolled_from"].clone()
    };
    let forward = starter(&[
        ("a.nurture", TARGET),
        ("b.nurture", ZULU),
        ("c.nurture", ALPHA),
    ]);
    let backward = starter(&[
        ("a.nurture", TARGET),
        ("c.nurture", ALPHA),
        ("b.nurture", ZULU),
    ]);
    assert_eq!(forward, json!(["alpha", "zulu"]));
    assert_eq!(backward, forward);
}
