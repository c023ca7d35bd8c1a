//! Flow analysis: the annotated cases under `tests/cases/flow/` (the flow
//! fixtures of the language sketch and more), the size of what the checks can
//! take, the explain texts of the flow codes, the pictures of `emit::graph`,
//! and a property test of `dead-branch-arm`.

use crate::support::compile_text;
use nurturec::diagnostics::Diagnostic;
use nurturec::ir::{self, CompareOp, ConditionKind, EventArgument, EventKind, Quantity, Value};
use nurturec::{Code, Compilation, SourceMap};
use proptest::prelude::*;
use std::fmt::Write;
use std::time::{Duration, Instant};

fn case(name: &str) -> &'static str {
    match name {
        "cadence_cap" => include_str!("../fixtures/invalid/cadence_cap.nurture"),
        "cadence_loop" => include_str!("../cases/flow/cadence_loop.nurture"),
        "missing_exit_branch" => include_str!("../fixtures/invalid/missing_exit_branch.nurture"),
        "loop_without_wait" => include_str!("../fixtures/invalid/loop_without_wait.nurture"),
        "unreachable_after_exit" => {
            include_str!("../fixtures/invalid/unreachable_after_exit.nurture")
        }
        "dead_branch_arm" => include_str!("../fixtures/invalid/dead_branch_arm.nurture"),
        "webinar_followup" => include_str!("../fixtures/valid/webinar_followup.nurture"),
        "graph_showcase" => include_str!("../cases/flow/graph_showcase.nurture"),
        other => panic!("no case {other}"),
    }
}

/// The one diagnostic of `code` in a case.
fn only(name: &str, code: Code) -> (SourceMap, Diagnostic) {
    let (sources, c) = compile_text(name, case(name));
    let mut found = c.diagnostics.into_iter().filter(|d| d.code == code);
    let d = found.next().expect("a diagnostic");
    assert!(found.next().is_none(), "only one {code}");
    (sources, d)
}

/// Each secondary label as `line: message`.
fn secondaries(sources: &SourceMap, d: &Diagnostic) -> Vec<String> {
    d.secondary
        .iter()
        .map(|l| format!("{}: {}", sources.start_location(l.span).0, l.message))
        .collect()
}

#[test]
fn cadence_labels_the_window_with_earliest_days() {
    let (sources, d) = only("cadence_cap", Code::CadenceCap);
    assert_eq!(sources.slice(d.primary.span), "send c");
    assert_eq!(d.primary.message, "day 4: the 3rd email within 4d");
    assert_eq!(
        secondaries(&sources, &d),
        ["10: day 0", "12: day 2", "9: at most 2 emails per 7d"]
    );
    assert_eq!(
        d.help.as_deref(),
        Some("wait at least 3d more before this send, or raise the cap")
    );
}

#[test]
fn cadence_counts_earlier_rounds_of_a_loop() {
    let (sources, d) = only("cadence_loop", Code::CadenceCap);
    assert_eq!(d.primary.message, "day 4: the 3rd email within 4d");
    assert_eq!(
        secondaries(&sources, &d),
        [
            "9: earlier rounds of the loop: day 0 and day 2",
            "8: at most 2 emails per 7d"
        ]
    );
}

#[test]
fn cadence_with_a_large_cap_labels_the_last_sends_of_the_window() {
    let text = r#"
email a { subject "A" template "t/a" }
campaign hourly {
  trigger form.submitted("f")
  goal g when meeting.booked
  suppress when unsubscribed
  cap 100 emails per 7d
  top: send a
  wait 1h
  branch { when inactive 30d { exit } }
  goto top
}
"#;
    let (sources, c) = compile_text("hourly.nurture", text);
    let [d] = c.diagnostics.as_slice() else {
        panic!("one diagnostic, not {:?}", c.diagnostics)
    };
    assert_eq!(d.code, Code::CadenceCap);
    assert_eq!(d.primary.message, "the 101st email within 4d 4h");
    assert_eq!(
        secondaries(&sources, d)[0],
        "8: earlier rounds of the loop: 63 sends, from 2d 15h before to 1h before"
    );
    assert_eq!(
        d.notes[0],
        "the window holds 101 sends; only the last 64 are labelled"
    );
}

#[test]
fn missing_exit_says_how_leads_get_there() {
    let (sources, c) = compile_text("missing_exit_branch", case("missing_exit_branch"));
    let notes: Vec<&String> = c.diagnostics.iter().flat_map(|d| &d.notes).collect();
    assert!(notes
        .iter()
        .any(|n| n.contains("leads that match no arm of this branch")));
    let in_arm = c
        .diagnostics
        .iter()
        .find(|d| sources.slice(d.primary.span) == "send bye")
        .expect("the arm's last statement");
    assert_eq!(
        secondaries(&sources, in_arm),
        ["24: leads that match `email.clicked(hello)` get here"]
    );
}

#[test]
fn loops_list_their_statements() {
    let (sources, d) = only("loop_without_wait", Code::LoopWithoutWait);
    assert_eq!(sources.slice(d.primary.span), "goto top");
    assert_eq!(
        d.notes,
        ["the loop: `top: send hello` → `branch` → `goto top`"]
    );
    assert_eq!(secondaries(&sources, &d), ["7: the loop starts here"]);
}

#[test]
fn unreachable_run_is_labelled_on_its_first_statement_only() {
    let (sources, d) = only("unreachable_after_exit", Code::UnreachableStep);
    // The span ends with the statement, not with the comment after it.
    assert_eq!(sources.slice(d.primary.span), "wait 2d");
    assert_eq!(d.message, "no path reaches these 3 statements");
}

#[test]
fn dead_arm_points_at_the_arm_that_covers_it() {
    let (sources, d) = only("dead_branch_arm", Code::DeadBranchArm);
    assert_eq!(sources.slice(d.primary.span), "when");
    assert_eq!(
        secondaries(&sources, &d),
        ["15: `score >= 40` already catches every lead with `score >= 60`"]
    );
}

// ── size ─────────────────────────────────────────────────────────────────

/// A campaign of `stages` sequential branches (2^stages paths), each with a
/// send on every arm and a test of an earlier email: every check has to
/// follow the sends through all of them. Sends are 3 days apart and the cap
/// is 2 per 6d: no diagnostic.
fn sequential_branches(stages: usize) -> String {
    let mut s = String::from(
        "email a { subject \"A\" template \"t/a\" }\nemail b { subject \"B\" template \"t/b\" }\n\
         campaign deep {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  \
         suppress when unsubscribed\n  cap 2 emails per 6d\n  send a\n  wait 3d\n  send b\n",
    );
    for _ in 0..stages {
        s.push_str(
            "  wait 3d\n  branch {\n    when email.clicked(a) and email.opened(b) { send b }\n    \
             when email.clicked(a) { send a }\n    else { send b }\n  }\n",
        );
    }
    s.push_str("  wait 1d\n  exit\n}\n");
    s
}

#[test]
fn forty_sequential_branches_check_in_milliseconds() {
    let text = sequential_branches(40);
    let (sources, c) = compile_text("deep.nurture", &text);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        nurturec::diagnostics::render::human(&c.diagnostics, &sources, false)
    );
    let started = Instant::now();
    let diagnostics = nurturec::check::check(&c.project);
    let took = started.elapsed();
    assert!(diagnostics.is_empty());
    assert!(took < Duration::from_secs(1), "checking took {took:?}");
}

/// A project of `campaigns` campaigns of about 100 statements each, with
/// branches, splits, loops, caps and email tests.
fn large_project(campaigns: usize) -> String {
    let mut s = String::new();
    for e in 0..8 {
        let _ = writeln!(
            s,
            "email e{e} {{ subject \"Email {e}\" template \"t/{e}\" }}"
        );
    }
    s.push_str("scoring s {\n  fit { +20 if company_size >= 100 +20 if business_email }\n  behavior { +5 on email.opened }\n}\n");
    s.push_str("segment warm = score.fit >= 30 and score >= 50\n");
    for c in 0..campaigns {
        let _ = writeln!(
            s,
            "campaign c{c} {{\n  trigger form.submitted(\"f{c}\")\n  goal g when meeting.booked\n  \
             suppress when unsubscribed\n  cap 4 emails per 7d\n  send e0"
        );
        for stage in 0..8 {
            let e = stage;
            // Only `l0` is a `goto`'s target; another label would be unused.
            let label = if stage == 0 { "l0: " } else { "" };
            let _ = writeln!(
                s,
                "  {label}wait 2d\n  branch {{\n    when in warm {{ send e{e} wait 1d }}\n    \
                 when score >= 60 {{ send e{e} }}\n    when email.clicked(e0) {{ split {{ 50% {{ send e1 }} 50% {{ wait 1d }} }} }}\n    \
                 else {{ set stage_{stage} = \"x\" }}\n  }}\n  wait 3d or until email.opened(e0)\n  \
                 notify sales \"stage {stage}\""
            );
        }
        s.push_str("  branch {\n    when inactive 30d { exit }\n  }\n  wait 7d\n  goto l0\n}\n");
    }
    s
}

fn statements(project: &ir::Project) -> usize {
    project.campaigns.iter().map(|c| c.flow.nodes.len()).sum()
}

#[test]
fn a_thousand_statements_check_quickly() {
    let text = large_project(12);
    let (sources, c) = compile_text("large.nurture", &text);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        nurturec::diagnostics::render::human(&c.diagnostics, &sources, false)
    );
    assert!(statements(&c.project) > 1_000);
    let started = Instant::now();
    let _ = nurturec::check::check(&c.project);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The figures of the issue's note:
/// `cargo test --release --test integration -- --ignored --nocapture flow::timing`
#[test]
#[ignore = "prints timings; run on demand with --release"]
fn timing() {
    for (what, text) in [
        ("40 sequential branches", sequential_branches(40)),
        ("a large project", large_project(1_080)),
        (
            "one campaign of 20,000 sequential branches",
            sequential_branches(20_000),
        ),
    ] {
        let (_, c) = compile_text("timing.nurture", &text);
        let runs = 5;
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let started = Instant::now();
            let diagnostics = nurturec::check::check(&c.project);
            best = best.min(started.elapsed());
            assert!(diagnostics.is_empty());
        }
        println!(
            "{what}: {} statements in {} campaigns, check in {best:?} (best of {runs})",
            statements(&c.project),
            c.project.campaigns.len()
        );
    }
}

// ── explain texts ────────────────────────────────────────────────────────

// ── pictures ─────────────────────────────────────────────────────────────

fn pictures(name: &str, campaign: &str) -> (String, String) {
    let (_, c) = compile_text(name, case(name));
    let campaign = c
        .project
        .campaigns
        .iter()
        .find(|k| k.name == campaign)
        .expect("the campaign");
    (
        nurturec::emit::graph::mermaid(&c.project, campaign),
        nurturec::emit::graph::dot(&c.project, campaign),
    )
}

#[test]
fn graph_of_the_webinar_follow_up() {
    let (mermaid, dot) = pictures("webinar_followup", "webinar_followup");
    insta::assert_snapshot!("webinar_followup_mermaid", mermaid);
    insta::assert_snapshot!("webinar_followup_dot", dot);
}

#[test]
fn graph_of_every_kind_of_statement() {
    let (mermaid, dot) = pictures("graph_showcase", "showcase");
    insta::assert_snapshot!("showcase_mermaid", mermaid);
    insta::assert_snapshot!("showcase_dot", dot);
}

#[test]
fn graphs_are_deterministic() {
    assert_eq!(
        pictures("graph_showcase", "showcase"),
        pictures("graph_showcase", "showcase")
    );
}

// ── dead-branch-arm, tested against random leads ─────────────────────────

/// The conditions arms are built from: a small vocabulary, so that arms
/// often overlap, with thresholds the leads below straddle.
const ATOMS: &[&str] = &[
    "score >= 20",
    "score >= 40",
    "score > 40",
    "score < 40",
    "score <= 60",
    "score == 40",
    "score != 40",
    "score.fit >= 10",
    "score.fit > 10",
    "company_size >= 100",
    "company_size < 200",
    "company_size == 150",
    "company_size != 150",
    "company_size in [100, 150]",
    "role == \"cto\"",
    "role == \"vp\"",
    "role != \"cto\"",
    "role in [\"cto\", \"vp\"]",
    "role not in [\"vp\"]",
    "business_email",
    "in execs",
    "in big_execs",
    "page.visited(\"/pricing\") within 7d",
    "page.visited within 14d",
    "page.visited",
    "page.visited(\"/pricing\")",
    "inactive 30d",
    "inactive 60d",
    "email.clicked(hello)",
    "email.clicked within 7d",
];

const PREAMBLE: &str = r#"
email hello { subject "Hello" template "t/hello" }
scoring s {
  fit { +10 if business_email +20 if company_size >= 100 }
  behavior { +1 on email.opened }
}
segment execs = role in ["cto", "vp"] and company_size >= 100
segment big_execs = in execs and score >= 40
"#;

fn condition_text() -> impl Strategy<Value = String> {
    let atom = proptest::sample::select(ATOMS).prop_map(str::to_string);
    atom.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| format!("not ({a})")),
            proptest::collection::vec(inner.clone(), 2..=3)
                .prop_map(|v| format!("({})", v.join(" and "))),
            proptest::collection::vec(inner, 2..=3).prop_map(|v| format!("({})", v.join(" or "))),
        ]
    })
}

fn branch_source(arms: &[String]) -> String {
    let mut s = String::from(PREAMBLE);
    s.push_str(
        "campaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  \
         suppress when unsubscribed\n  send hello\n  wait 1d\n  branch {\n",
    );
    for arm in arms {
        let _ = writeln!(s, "    when {arm} {{ exit }}");
    }
    s.push_str("    else { exit }\n  }\n}\n");
    s
}

#[derive(Debug, Clone)]
struct Lead {
    score: f64,
    fit: f64,
    company_size: Option<f64>,
    role: Option<&'static str>,
    business_email: Option<bool>,
    /// Page visits: path and days ago.
    visits: Vec<(&'static str, u64)>,
    /// Email clicks: email and days ago.
    clicks: Vec<(&'static str, u64)>,
    entered_days_ago: u64,
    inactive_days: u64,
}

fn lead() -> impl Strategy<Value = Lead> {
    let days = || proptest::sample::select(&[0u64, 2, 3, 6, 7, 8, 13, 14, 15, 40][..]);
    (
        proptest::sample::select(&[0.0, 19.0, 20.0, 21.0, 39.0, 40.0, 41.0, 59.0, 60.0, 61.0][..]),
        proptest::sample::select(&[0.0, 9.0, 10.0, 11.0, 30.0][..]),
        proptest::option::of(proptest::sample::select(
            &[99.0, 100.0, 101.0, 149.0, 150.0, 151.0, 199.0, 200.0][..],
        )),
        proptest::option::of(proptest::sample::select(&["cto", "vp", "engineer"][..])),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(
            (proptest::sample::select(&["/pricing", "/blog"][..]), days()),
            0..3,
        ),
        proptest::collection::vec(
            (proptest::sample::select(&["hello", "other"][..]), days()),
            0..2,
        ),
        days(),
        proptest::sample::select(&[0u64, 29, 30, 31, 59, 60, 61][..]),
    )
        .prop_map(
            |(
                score,
                fit,
                company_size,
                role,
                business_email,
                visits,
                clicks,
                entered_days_ago,
                inactive_days,
            )| Lead {
                score,
                fit,
                company_size,
                role,
                business_email,
                visits,
                clicks,
                entered_days_ago,
                inactive_days,
            },
        )
}

/// A lead's value for a quantity: `None` when the property is missing.
fn quantity(lead: &Lead, q: &Quantity) -> Option<Value> {
    match q {
        Quantity::Score(None) => Some(Value::Number(lead.score)),
        Quantity::Score(Some(c)) if c == "fit" => Some(Value::Number(lead.fit)),
        Quantity::Score(Some(_)) => Some(Value::Number(0.0)),
        Quantity::Property(p) => match p.as_str() {
            "company_size" => lead.company_size.map(Value::Number),
            "role" => lead.role.map(|r| Value::String(r.to_string())),
            "business_email" => lead.business_email.map(Value::Bool),
            _ => None,
        },
    }
}

/// Whether a lead matches a condition. A missing property fails `==`, `in`
/// and the orderings and passes `!=` and `not in`.
fn eval(project: &ir::Project, lead: &Lead, c: &ir::Condition) -> bool {
    match &c.kind {
        ConditionKind::Or(items) => items.iter().any(|i| eval(project, lead, i)),
        ConditionKind::And(items) => items.iter().all(|i| eval(project, lead, i)),
        ConditionKind::Not(inner) => !eval(project, lead, inner),
        ConditionKind::InSegment(segment) => project
            .referent(segment)
            .is_some_and(|s| eval(project, lead, &s.condition)),
        ConditionKind::Inactive(d) => lead.inactive_days * 86_400 >= d.seconds,
        ConditionKind::Property(p) => {
            quantity(lead, &Quantity::Property(p.clone())) == Some(Value::Bool(true))
        }
        ConditionKind::Compare { left, op, right } => match (quantity(lead, left), op) {
            (None, CompareOp::Ne) => true,
            (None, _) => false,
            (Some(v), CompareOp::Eq) => v == *right,
            (Some(v), CompareOp::Ne) => v != *right,
            (Some(Value::Number(x)), op) => match (right, op) {
                (Value::Number(y), CompareOp::Ge) => x >= *y,
                (Value::Number(y), CompareOp::Gt) => x > *y,
                (Value::Number(y), CompareOp::Le) => x <= *y,
                (Value::Number(y), CompareOp::Lt) => x < *y,
                _ => false,
            },
            _ => false,
        },
        ConditionKind::Member {
            left,
            negated,
            values,
        } => {
            let member = quantity(lead, left).is_some_and(|v| values.contains(&v));
            member != *negated
        }
        // These leads have no list-valued properties.
        ConditionKind::Contains { .. } => false,
        ConditionKind::Event { event, within } => {
            let happened: &[(&str, u64)] = match event.kind {
                EventKind::PageVisited => &lead.visits,
                EventKind::EmailClicked => &lead.clicks,
                _ => &[],
            };
            happened.iter().any(|(what, days_ago)| {
                let argument_ok = match &event.argument {
                    None => true,
                    Some(EventArgument::Text(t)) => t == what,
                    Some(EventArgument::Email(m)) => m.name == *what,
                    Some(EventArgument::Segment(_)) => false,
                };
                let time_ok = match within {
                    Some(d) => days_ago * 86_400 <= d.seconds,
                    None => *days_ago <= lead.entered_days_ago,
                };
                argument_ok && time_ok
            })
        }
    }
}

/// The indices of the arms reported dead, and the branch's arms.
fn dead_arms(c: &Compilation) -> (Vec<usize>, Vec<ir::BranchArm>) {
    let arms = c.project.campaigns[0]
        .flow
        .nodes
        .iter()
        .find_map(|n| match &n.kind {
            ir::NodeKind::Branch { arms, .. } => Some(arms.clone()),
            _ => None,
        })
        .expect("the branch");
    let dead = c
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DeadBranchArm)
        .map(|d| {
            arms.iter()
                .position(|a| a.when_span == d.primary.span)
                .expect("an arm's `when`")
        })
        .collect();
    (dead, arms)
}

/// Every arm reported dead matches no lead that no earlier arm matches.
fn assert_really_dead(arms: &[String], leads: &[Lead]) -> Result<usize, TestCaseError> {
    let (_, c) = compile_text("random.nurture", &branch_source(arms));
    let (dead, ir_arms) = dead_arms(&c);
    for &i in &dead {
        for lead in leads {
            if eval(&c.project, lead, &ir_arms[i].condition) {
                let caught = ir_arms[..i]
                    .iter()
                    .any(|a| eval(&c.project, lead, &a.condition));
                prop_assert!(
                    caught,
                    "arm {} (`{}`) was reported dead, but this lead matches it and no earlier arm: {:?}",
                    i + 1,
                    arms[i],
                    lead
                );
            }
        }
    }
    Ok(dead.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dead_arms_are_really_dead(
        arms in proptest::collection::vec(condition_text(), 2..6),
        leads in proptest::collection::vec(lead(), 300),
    ) {
        assert_really_dead(&arms, &leads)?;
    }
}

/// The property above would hold trivially if nothing were ever reported:
/// over a fixed sample, a good share of the branches have a dead arm.
#[test]
fn the_random_branches_do_have_dead_arms() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let arms = proptest::collection::vec(condition_text(), 2..6);
    let leads = proptest::collection::vec(lead(), 100);
    let mut with_dead = 0;
    let samples = 200;
    for _ in 0..samples {
        let a = arms.new_tree(&mut runner).unwrap().current();
        let l = leads.new_tree(&mut runner).unwrap().current();
        if assert_really_dead(&a, &l).unwrap() > 0 {
            with_dead += 1;
        }
    }
    assert!(
        with_dead * 10 >= samples,
        "only {with_dead} of {samples} branches had a dead arm"
    );
}

/// The `enroll` reported for a cycle of campaigns is found in source order
/// (files in path order), whatever order the files are added in.
#[test]
fn enroll_cycles_do_not_depend_on_the_file_order() {
    let campaign = |name: &str, next: &str| {
        format!(
            "campaign {name} {{\n  trigger form.submitted(\"{name}\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  notify owner \"{name}\"\n  enroll {next}\n}}\n"
        )
    };
    let files = [
        ("a.nurture", campaign("zeta", "alpha")),
        ("b.nurture", campaign("alpha", "mid")),
        ("c.nurture", campaign("mid", "zeta")),
    ];
    let reported = |order: &[usize]| {
        let mut sources = SourceMap::new();
        for &i in order {
            sources.add(files[i].0, files[i].1.clone());
        }
        let c = nurturec::compile(&sources);
        let found: Vec<(String, usize, String)> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::LoopWithoutWait)
            .map(|d| {
                let (line, _) = sources.start_location(d.primary.span);
                (
                    sources.name(d.primary.span.file).to_string(),
                    line,
                    d.message.clone(),
                )
            })
            .collect();
        found
    };
    let first = reported(&[0, 1, 2]);
    // From `zeta` (a.nurture) to `alpha`, to `mid`, whose enroll back into
    // `zeta` closes the cycle.
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, "c.nurture");
    for order in [[2, 1, 0], [1, 2, 0], [2, 0, 1]] {
        assert_eq!(reported(&order), first, "{order:?}");
    }
}
