//! The simulator on the v1 values: scoring rules on several events and with
//! `max`, `contains` on list properties, and declared properties.

use crate::support::compile_text;
use nurturec::simulate::{self, Lead, Options, StepKind, Trace};

const SCORED: &str = r#"
properties {
  unsubscribed: bool
  tech_stack: list of text
}

email hello { subject "Hello {{ contact.first_name }}" template "t/hello" }

scoring b2b {
  engagement {
    +35 on page.visited("/pricing") max 70
    +8 on email.clicked(hello) or page.visited("/docs")
    +10 on page.visited or page.visited("/guide")
  }
}

campaign c {
  trigger form.submitted("f")
  goal g when meeting.booked
  suppress when unsubscribed
  send hello
  wait 5d
  branch {
    when score >= 100 { exit "hot" }
    when tech_stack contains "salesforce" { exit "crm" }
  }
  exit "cold"
}
"#;

fn run(lead: &str) -> Trace {
    let (_, compilation) = compile_text("values.nurture", SCORED);
    assert!(
        compilation.diagnostics.is_empty(),
        "{:?}",
        compilation.diagnostics
    );
    let lead = Lead::from_toml(lead).unwrap_or_else(|e| panic!("{e}"));
    simulate::simulate(&compilation.project, "c", &lead, &Options::default()).unwrap()
}

fn exit_reason(trace: &Trace) -> Option<String> {
    trace.steps.iter().find_map(|s| match &s.kind {
        StepKind::Exit { reason } => reason.clone(),
        _ => None,
    })
}

fn visits(paths: &[&str]) -> String {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "[[events]]\nat = \"{}d\"\nevent = \"page.visited\"\nargument = \"{p}\"\n",
                i + 1
            )
        })
        .collect()
}

#[test]
fn a_rule_with_max_adds_no_more_than_its_max() {
    // Pricing: 3 × 35 = 105, capped at 70; each visit also scores the
    // `page.visited or …` rule: 3 × 10. 70 + 30 = 100.
    let t = run(&visits(&["/pricing", "/pricing", "/pricing"]));
    assert_eq!(exit_reason(&t).as_deref(), Some("hot"));
    // Two visits are 70 + 20 = 90.
    let t = run(&visits(&["/pricing", "/pricing"]));
    assert_eq!(exit_reason(&t).as_deref(), Some("cold"));
}

#[test]
fn a_rule_on_several_events_counts_each_event_once() {
    // `/guide` matches both events of `+10 on page.visited or
    // page.visited("/guide")`: 10 per visit, not 20. One pricing visit
    // (35 + 10) and three guide visits (30) make 75; counted twice, 105.
    let t = run(&visits(&["/pricing", "/guide", "/guide", "/guide"]));
    assert_eq!(exit_reason(&t).as_deref(), Some("cold"));
    // `/docs` scores both of its rules: 8 + 10; with two pricing visits
    // (70 + 20), 108.
    let t = run(&visits(&["/pricing", "/pricing", "/docs"]));
    assert_eq!(exit_reason(&t).as_deref(), Some("hot"));
}

#[test]
fn contains_reads_a_list_property_of_the_lead() {
    let t = run("[properties]\ntech_stack = [\"snowflake\", \"salesforce\"]\n");
    assert_eq!(exit_reason(&t).as_deref(), Some("crm"));
    let t = run("[properties]\ntech_stack = [\"hubspot\"]\n");
    assert_eq!(exit_reason(&t).as_deref(), Some("cold"));
    // A list that arrives later counts from then on.
    let t = run("[[changes]]\nat = \"2d\"\nproperties = { tech_stack = [\"salesforce\"] }\n");
    assert_eq!(exit_reason(&t).as_deref(), Some("crm"));
}

#[test]
fn a_list_of_anything_but_text_is_rejected_in_the_lead_file() {
    let err = Lead::from_toml("[properties]\ntech_stack = [1, 2]\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`properties.tech_stack[0]`: expected"),
        "{err}"
    );
}

#[test]
fn with_declared_properties_the_lead_file_is_held_to_them() {
    let (_, compilation) = compile_text("values.nurture", SCORED);
    let err = |text: &str| {
        let lead = Lead::from_toml(text).unwrap_or_else(|e| panic!("{e}"));
        simulate::simulate(&compilation.project, "c", &lead, &Options::default())
            .unwrap_err()
            .to_string()
    };
    assert!(err("[properties]\nunsubscibed = true\n")
        .starts_with("`properties.unsubscibed`: not a declared property"));
    assert!(err("[properties]\nunsubscribed = \"yes\"\n")
        .starts_with("`properties.unsubscribed`: declared `bool`"));
    assert!(err("[properties]\nunsubscribed = [\"a\"]\n")
        .starts_with("`properties.unsubscribed`: declared `bool`, not `list of text`"));
    assert!(
        err("[[changes]]\nat = \"1d\"\nproperties = { tech_stack = \"salesforce\" }\n")
            .starts_with("`changes[0].properties.tech_stack`: declared `list of text`")
    );
}
