//! The CI formats, `--message-format sarif` and `junit`, validated against
//! the official schemas (tests/specs/sarif, tests/specs/junit), and the
//! column units of every format after non-ASCII text.

use crate::cli::{code, stderr, stdout, temp_dir};
use crate::support::root;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project of three files: errors and a warning, a secondary label in
/// another line, non-ASCII text (two-byte, three-byte and non-BMP) before an
/// error on its line, and a clean file.
const EMAILS: &str = "// Emails of the project: « Café — ü »
email hello { subject \"Café — ü 😀\" template \"t/hello\" }
email orphan { subject \"Ünused\" template \"t/orphan\" }
email hello { subject \"Zwei\" template \"t/hello2\" }
";
const SEGMENTS: &str = "segment buyers = title == \"Café — ü 😀\" and in nowhere\n";
const WELCOME: &str = "campaign welcome {
  trigger form.submitted(\"signup\")
  audience in buyers
  goal booked when meeting.booked
  suppress when unsubscribed
  send hello
  exit
}
";
const INPUTS: [&str; 3] = ["campaigns", "emails.nurture", "segments.nurture"];

fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("campaigns")).unwrap();
    std::fs::write(dir.join("emails.nurture"), EMAILS).unwrap();
    std::fs::write(dir.join("segments.nurture"), SEGMENTS).unwrap();
    std::fs::write(dir.join("campaigns/welcome.nurture"), WELCOME).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&INPUTS);
    run_in(dir, &args)
}

/// 1-based (line, column) of the first `needle` in `text`, the column
/// counted by `measure` over the text before it on its line.
fn position(text: &str, needle: &str, measure: fn(&str) -> usize) -> (usize, usize) {
    let at = text.find(needle).unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    (line, measure(&text[line_start..at]) + 1)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn bytes(s: &str) -> usize {
    s.len()
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("tests/specs/sarif/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_sarif_schema_rejects_what_it_should() {
    // The validator is live: a log without `version`, or with a result
    // whose region starts at column 0, does not pass.
    let validator = sarif_validator();
    let bad = serde_json::json!({ "runs": [] });
    assert!(!validator.is_valid(&bad));
    let bad = serde_json::json!({ "version": "2.1.0", "runs": [{
        "tool": { "driver": { "name": "x" } },
        "results": [{ "message": { "text": "m" }, "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": "a" }, "region": { "startLine": 1, "startColumn": 0 } } }] }]
    }] });
    assert!(!validator.is_valid(&bad));
}

#[test]
fn sarif_is_one_valid_log_with_rules_results_and_utf16_regions() {
    let dir = project("sarif");
    let out = check(&dir, &["--message-format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&log);

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "nurturec");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    // One rule per code used, carrying the code's summary and explanation.
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["undefined-name", "duplicate-name", "unused"]);
    for rule in rules {
        let code = nurturec::Code::from_name(rule["id"].as_str().unwrap()).unwrap();
        assert_eq!(rule["shortDescription"]["text"], code.summary());
        assert_eq!(rule["help"]["markdown"], code.explanation());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.severity().as_str()
        );
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            code.explanation().replace('\n', " ").contains(full),
            "{full}"
        );
    }

    let results = run["results"].as_array().unwrap();
    let summary: Vec<(String, String, String, u64)> = results
        .iter()
        .map(|r| {
            let rule_index = r["ruleIndex"].as_u64().unwrap();
            assert_eq!(rules[rule_index as usize]["id"], r["ruleId"]);
            let location = &r["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |code: &str, level: &str, uri: &str, line| {
        (code.to_string(), level.to_string(), uri.to_string(), line)
    };
    assert_eq!(
        summary,
        [
            row("unused", "warning", "emails.nurture", 3),
            row("duplicate-name", "error", "emails.nurture", 4),
            row("undefined-name", "error", "segments.nurture", 1),
        ]
    );

    // The region after `"Café — ü 😀"`: UTF-16 columns, the end exclusive.
    let undefined = &results[2];
    let region = &undefined["locations"][0]["physicalLocation"]["region"];
    let (line, column) = position(SEGMENTS, "nowhere", utf16);
    assert_eq!(
        [
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ],
        [line, column, line, column + "nowhere".len()]
            .map(Value::from)
            .each_ref()
    );
    assert_ne!(
        column,
        position(SEGMENTS, "nowhere", chars).1,
        "the emoji is two UTF-16 units"
    );
    assert_eq!(
        undefined["message"]["text"]
            .as_str()
            .unwrap()
            .lines()
            .next(),
        Some("cannot find segment `nowhere` (not defined)")
    );
    assert!(undefined["message"]["text"]
        .as_str()
        .unwrap()
        .contains("\nhelp: "));

    // The secondary label: a related location, with its message.
    let duplicate = &results[1];
    let related = duplicate["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], 1);
    assert_eq!(
        related[0]["message"]["text"],
        "first defined here as an email"
    );
    let region = &related[0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&Value::from(2), &Value::from(7))
    );
    assert!(results[0].get("relatedLocations").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sarif_of_a_clean_project_and_of_an_unreadable_path_are_valid_too() {
    let dir = project("sarif-clean");
    let out = run_in(
        &dir,
        &[
            "check",
            "--message-format",
            "sarif",
            "campaigns/welcome.nurture",
        ],
    );
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&log);
    // An undefined `hello` and `buyers`: the project is the one file.
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);

    std::fs::write(dir.join("clean.nurture"), "segment a = title == \"x\"\n").unwrap();
    let out = run_in(
        &dir,
        &[
            "check",
            "--message-format",
            "sarif",
            "--deny-warnings",
            "clean.nurture",
        ],
    );
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&log);

    let out = run_in(
        &dir,
        &["check", "--message-format", "sarif", "missing.nurture"],
    );
    assert_eq!(code(&out), 2);
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(notification.contains("missing.nurture"), "{notification}");
    assert!(stderr(&out).contains("missing.nurture"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `xmllint`, or `None` (with a note) when it is not installed outside CI.
/// In CI (`CI=true`) a missing xmllint fails the test: `.ci/run` installs it.
fn xmllint() -> Option<&'static str> {
    let found = Command::new("xmllint").arg("--version").output().is_ok();
    if found {
        return Some("xmllint");
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "xmllint is missing: install Debian's libxml2-utils (.ci/run does)"
    );
    eprintln!("note: xmllint not found (Debian: libxml2-utils); JUnit schema validation skipped");
    None
}

/// Validates `xml` against both JUnit schemas the CI tools use: Jenkins'
/// (`jenkins-junit.xsd`, which GitHub test-report actions also follow) and
/// the xUnit plugin's Surefire schema.
fn assert_valid_junit(xml: &str, name: &str) {
    let Some(xmllint) = xmllint() else {
        return;
    };
    let file = temp_dir(&format!("junit-{name}")).join("report.xml");
    std::fs::write(&file, xml).unwrap();
    for schema in [
        "junit5/jenkins-junit.xsd",
        "jenkinsci-xunit-plugin/junit-10.xsd",
    ] {
        let out = Command::new(xmllint)
            .arg("--noout")
            .arg("--schema")
            .arg(root().join("tests/specs/junit").join(schema))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "not valid against {schema}:\n{}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_junit_schemas_reject_what_they_should() {
    let Some(_) = xmllint() else {
        return;
    };
    // A test case without its required `name`.
    let bad = "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">\
               <testcase classname=\"c\"/></testsuite></testsuites>";
    let file = temp_dir("junit-bad").join("report.xml");
    std::fs::write(&file, bad).unwrap();
    for schema in [
        "junit5/jenkins-junit.xsd",
        "jenkinsci-xunit-plugin/junit-10.xsd",
    ] {
        let out = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(root().join("tests/specs/junit").join(schema))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{schema} accepted a test case without a name"
        );
    }
}

/// The `<testcase …>` lines and `<failure type=…>` codes, in order.
fn junit_outline(xml: &str) -> Vec<String> {
    xml.lines()
        .map(str::trim)
        .filter_map(|l| {
            if l.starts_with("<testcase") || l.starts_with("<testsuite") {
                Some(l.trim_end_matches('>').trim_end_matches('/').to_string())
            } else if let Some(rest) = l.strip_prefix("<failure type=\"") {
                Some(format!("failure {}", &rest[..rest.find('"').unwrap()]))
            } else if l.starts_with("<system-out>") {
                Some("system-out".to_string())
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn junit_has_a_test_case_per_file_and_a_failure_per_error() {
    let dir = project("junit");
    let out = check(&dir, &["--message-format", "junit"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let xml = stdout(&out);
    assert_valid_junit(&xml, "errors");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert_eq!(
        junit_outline(&xml),
        [
            "<testsuites name=\"nurturec\" tests=\"3\" failures=\"2\" errors=\"0\"",
            "<testsuite name=\"nurturec\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\"",
            "<testcase name=\"campaigns/welcome.nurture\" classname=\"nurturec\"",
            "<testcase name=\"emails.nurture\" classname=\"nurturec\"",
            "failure duplicate-name",
            "system-out",
            "<testcase name=\"segments.nurture\" classname=\"nurturec\"",
            "failure undefined-name",
        ]
    );
    // The failure's text: the short line, the secondary label, the help.
    assert!(
        xml.contains(
            "<failure type=\"duplicate-name\" message=\"`hello` is defined more than once\">\
         emails.nurture:4:7: error[duplicate-name]: `hello` is defined more than once\n  \
         --&gt; emails.nurture:2:7: first defined here as an email\n  = help: "
        ),
        "{xml}"
    );
    // The warning does not fail its file: it is in the file's output.
    assert!(
        xml.contains(
            "<system-out>emails.nurture:3:7: warning[unused]: email `orphan` is never used\n"
        ),
        "{xml}"
    );

    // Under --deny-warnings the warning is a failure too.
    let out = check(&dir, &["--message-format", "junit", "--deny-warnings"]);
    let xml = stdout(&out);
    assert_valid_junit(&xml, "deny-warnings");
    let outline = junit_outline(&xml);
    assert_eq!(
        outline[4..6],
        ["failure unused", "failure duplicate-name"].map(String::from)
    );
    assert!(!outline.contains(&"system-out".to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_escapes_text_and_reports_an_unreadable_path_as_an_error() {
    let dir = project("junit-escape");
    std::fs::write(
        dir.join("odd & <odd>.nurture"),
        "segment s = title == \"<&>\" and in \"x\"\n",
    )
    .unwrap();
    let out = run_in(
        &dir,
        &["check", "--message-format", "junit", "odd & <odd>.nurture"],
    );
    let xml = stdout(&out);
    assert_valid_junit(&xml, "escape");
    assert!(
        xml.contains("<testcase name=\"odd &amp; &lt;odd&gt;.nurture\""),
        "{xml}"
    );

    let out = run_in(
        &dir,
        &["check", "--message-format", "junit", "missing.nurture"],
    );
    assert_eq!(code(&out), 2);
    let xml = stdout(&out);
    assert_valid_junit(&xml, "io");
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(
        xml.contains("<error type=\"io\" message=\"cannot read"),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn columns_after_non_ascii_text_in_each_unit() {
    let dir = project("columns");
    let (line, char_column) = position(SEGMENTS, "nowhere", chars);
    let (_, byte_column) = position(SEGMENTS, "nowhere", bytes);
    let (_, utf16_column) = position(SEGMENTS, "nowhere", utf16);
    // é, —, ü, 😀: 1 + 2 + 1 + 3 bytes more than characters; the emoji is 2 UTF-16 units.
    assert_eq!((char_column, byte_column, utf16_column), (47, 54, 48));
    let wanted = |column: usize| {
        format!("segments.nurture:{line}:{column}: error[undefined-name]: cannot find segment `nowhere`\n")
    };

    let short = stderr(&check(&dir, &["--message-format", "short"]));
    assert!(short.contains(&wanted(char_column)), "{short}");
    let bytes = stderr(&check(
        &dir,
        &["--message-format", "short", "--column-unit", "byte"],
    ));
    assert!(bytes.contains(&wanted(byte_column)), "{bytes}");
    let explicit = stderr(&check(
        &dir,
        &["--message-format", "short", "--column-unit", "char"],
    ));
    assert_eq!(explicit, short);
    // The unit changes only the columns that follow non-ASCII text.
    assert_eq!(
        short.replace(&format!(":{char_column}:"), ":X:"),
        bytes.replace(&format!(":{byte_column}:"), ":X:")
    );

    let json: Value =
        serde_json::from_str(&stdout(&check(&dir, &["--message-format", "json"]))).unwrap();
    let d = &json["diagnostics"][2];
    assert_eq!(d["code"], "undefined-name");
    let columns = |v: &Value| {
        ["column", "end_column", "column_utf16", "end_column_utf16"]
            .map(|k| v[k].as_u64().unwrap() as usize)
    };
    let len = "nowhere".len();
    assert_eq!(
        columns(d),
        [
            char_column,
            char_column + len,
            utf16_column,
            utf16_column + len
        ]
    );
    assert_eq!(columns(&d["labels"][0]), columns(d));
    // A secondary label after ASCII only: the units agree.
    let label = &json["diagnostics"][1]["labels"][1];
    assert_eq!(label["primary"], false);
    assert_eq!(columns(label), [7, 12, 7, 12]);

    let github = stdout(&check(&dir, &["--message-format", "github"]));
    assert!(
        github.contains(&format!(
            "file=segments.nurture,line={line},col={char_column},endLine={line},endColumn={}",
            char_column + len
        )),
        "{github}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
