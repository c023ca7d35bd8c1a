//! The canonical IR JSON: valid against `schema/ir.schema.json`,
//! deterministic, and as expected for each example.

use crate::support::*;

fn read_schema(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("schema").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn schema() -> jsonschema::Validator {
    jsonschema::validator_for(&read_schema("ir.schema.json")).unwrap()
}

/// `schema/project.schema.json`, which refers to the IR schema's definitions.
fn project_schema() -> jsonschema::Validator {
    let ir = jsonschema::Resource::from_contents(read_schema("ir.schema.json")).unwrap();
    jsonschema::options()
        .with_resource("https://nurturec.dev/schema/ir.schema.json", ir)
        .build(&read_schema("project.schema.json"))
        .unwrap()
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

/// The example of language v1's handlers and send windows with a second
/// handler (`examples/webinar_followup.nurture` has one, and a window).
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
    let campaign_schema = schema();
    let project_schema = project_schema();
    let mut projects = 0;
    let mut failures = Vec::new();
    let mut count = 0;
    for project in buildable_projects() {
        let (sources, c) = compile_files(&project);
        assert!(
            !c.has_errors(),
            "{}",
            nurturec::diagnostics::render::short(&c.diagnostics, &sources)
        );
        let mut files = vec![nurturec::emit::project_json(&c.project, &sources)];
        files.extend(nurturec::emit::ir_json(&c.project, &sources));
        for file in files {
            count += 1;
            let validator = if file.path == "ir/project.json" {
                projects += 1;
                &project_schema
            } else {
                &campaign_schema
            };
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
    assert_eq!(
        projects,
        buildable_projects().len(),
        "one ir/project.json per project"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A segment's condition and a scoring model's rules reach
/// `ir/project.json` as the IR has them.
#[test]
fn project_json_holds_the_definitions() {
    let path = root().join("examples/b2b_scoring.nurture");
    let (sources, c) = compile_files(&[path]);
    let file = nurturec::emit::project_json(&c.project, &sources);
    let project: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert_eq!(file.path, "ir/project.json");
    assert_eq!(
        project["format_version"],
        nurturec::emit::PROJECT_FORMAT_VERSION
    );
    let mql = &project["segments"][0]; // the only segment of the file
    assert_eq!(mql["name"], "mql");
    assert_eq!(mql["condition"]["type"], "and");
    let model = &project["scoring_models"][0];
    let rules: Vec<&str> = model["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rules"].as_array().unwrap())
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"if") && rules.contains(&"on"), "{rules:?}");
    assert!(!project_schema()
        .is_valid(&serde_json::json!({"format_version": 1, "emails": [], "segments": [], "scoring_models": [], "properties": null, "extra": 1})));
}

/// The `properties` block reaches `ir/project.json` with each type, the
/// values of an enumeration and where each declaration is; without a block
/// the field is `null`, which is not an empty block.
#[test]
fn project_json_holds_the_declared_properties() {
    let (sources, c) = compile_files(&files_below(&root().join("examples"), "nurture"));
    assert!(!c.has_errors());
    let file = nurturec::emit::project_json(&c.project, &sources);
    let project: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    let block = &project["properties"];
    assert_eq!(block["source"]["line"], 13);
    let declarations = block["declarations"].as_array().unwrap();
    let find = |name: &str| {
        declarations
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {declarations:?}"))
    };
    assert_eq!(declarations[0]["name"], "role", "source order");
    assert_eq!(find("role")["type"], "text");
    assert!(find("role").get("values").is_none());
    assert_eq!(find("seniority")["type"], "enum");
    assert_eq!(
        find("seniority")["values"],
        serde_json::json!(["ic", "manager", "director", "vp", "c_level"])
    );
    assert_eq!(find("company_size")["type"], "number");
    assert_eq!(find("uses_crm")["type"], "bool");
    assert_eq!(find("tech_stack")["type"], "text_list");
    let seniority = &find("seniority")["source"];
    assert_eq!(seniority["line"], 16);
    assert!(seniority["file"]
        .as_str()
        .unwrap()
        .ends_with("properties.nurture"));

    let (sources, c) =
        compile_files(&[root().join("tests/fixtures/valid/webinar_followup.nurture")]);
    let file = nurturec::emit::project_json(&c.project, &sources);
    let project: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert!(project["properties"].is_null());

    let (sources, c) = compile_text(
        "empty.nurture",
        "properties {}\ncampaign c {\n  trigger form.submitted(\"f\")\n  exit\n}\n",
    );
    let file = nurturec::emit::project_json(&c.project, &sources);
    let project: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert_eq!(project["properties"]["declarations"], serde_json::json!([]));
    assert!(project_schema().is_valid(&project));

    let validator = project_schema();
    let mut broken = project.clone();
    broken["properties"]["declarations"] = serde_json::json!([{"name": "x", "type": "enum", "source": {"file": "a", "line": 1, "column": 1}}]);
    assert!(!validator.is_valid(&broken), "an enum needs its values");
    broken["properties"]["declarations"] = serde_json::json!([{"name": "x", "type": "date", "source": {"file": "a", "line": 1, "column": 1}}]);
    assert!(!validator.is_valid(&broken), "no such type");
    let mut missing = project.clone();
    missing.as_object_mut().unwrap().remove("properties");
    assert!(!validator.is_valid(&missing), "the field is required");
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
    let mut files = vec![nurturec::emit::project_json(&c.project, &sources)];
    files.extend(nurturec::emit::ir_json(&c.project, &sources));
    files
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

/// Item ids are positions among the items that reach the IR, not among
/// the items written: an email without a `subject` is left out, and every
/// email after it moves up one. Each reference must still lead to the item
/// it names, in the IR and in what the backends print from it.
#[test]
fn references_lead_to_the_items_they_name() {
    let text = r#"
email incomplete {
  template "t/incomplete"
}

email first {
  subject "The first email"
  template "t/first"
}

email second {
  subject "The second email"
  template "t/second"
}

segment warm = page.visited("/pricing") within 30d
segment hot = in warm and email.clicked(second) within 30d

campaign sends_second {
  trigger segment.entered(hot)
  send second
  exit
}

campaign enrolls {
  trigger form.submitted("contact")
  send first
  enroll sends_second
}
"#;
    let (_, c) = compile_text("ids.nurture", text);
    let p = &c.project;
    assert_eq!(p.emails.len(), 2, "the incomplete email is left out");
    let sends: Vec<(&str, &str)> = p
        .campaigns
        .iter()
        .flat_map(|c| &c.flow.nodes)
        .filter_map(|n| match &n.kind {
            nurturec::ir::NodeKind::Send { email, .. } => {
                Some((email.name.as_str(), p.referent(email)?.name.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(sends, [("second", "second"), ("first", "first")]);
    let enrolled: Vec<&str> = p
        .campaigns
        .iter()
        .flat_map(|c| &c.flow.nodes)
        .filter_map(|n| match &n.kind {
            nurturec::ir::NodeKind::Enroll { campaign } => {
                Some(p.referent(campaign)?.name.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(enrolled, ["sends_second"]);
    let hot = p.segment("hot").unwrap();
    let mut named = Vec::new();
    hot.condition.walk(&mut |c| match &c.kind {
        nurturec::ir::ConditionKind::InSegment(s) => {
            named.push(p.referent(s).unwrap().name.clone())
        }
        nurturec::ir::ConditionKind::Event { event, .. } => {
            if let Some(nurturec::ir::EventArgument::Email(m)) = &event.argument {
                named.push(p.referent(m).unwrap().name.clone());
            }
        }
        _ => {}
    });
    assert_eq!(named, ["warm", "second"]);

    // The backends print the subject of the email sent, found by its id.
    let files = nurturec::emit::klaviyo(
        p,
        &nurturec::config::Config::default(),
        nurturec::emit::IdMode::Placeholders,
    )
    .unwrap();
    let flow = files
        .iter()
        .find(|f| f.path.contains("sends_second"))
        .unwrap();
    assert!(
        flow.contents.contains("The second email"),
        "{}",
        flow.contents
    );
    assert!(
        !flow.contents.contains("The first email"),
        "{}",
        flow.contents
    );
}

/// Comments are blanked before pest runs (`syntax::scan::blank_comments`):
/// a `//` inside a string is no comment and stays in the value, and a
/// comment right after a token, or in the gap of `exit :`, parses as white
/// space does.
#[test]
fn comments_are_blanked_but_slashes_in_strings_are_kept() {
    let name = "tests/cases/syntax/comments_between_tokens.nurture";
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    let (_, c) = compile_text(name, &text);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let email = &c.project.emails[0];
    assert_eq!(
        email.subject,
        "Links keep their slashes: https://example.com//a"
    );
    assert_eq!(email.template, "t/hello");
    let blanked =
        nurturec::syntax::scan::blank_comments(&text, &nurturec::syntax::scan::comments(&text));
    assert_eq!(blanked.len(), text.len());
    assert!(blanked.contains("https://example.com//a"));
    assert!(!blanked.contains("// after"));
}
