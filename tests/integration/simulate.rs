//! The reference interpreter through the library: leads built in TOML, run
//! through small campaigns and the examples.

use crate::cli::{code, run, stderr, stdout, temp_dir};
use crate::support::{compile_files, compile_text, files_below, root};
use nurturec::simulate::{self, Lead, Options, StepKind, Trace};
use nurturec::SourceMap;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

const DAY: i64 = 86_400;

fn lead(text: &str) -> Lead {
    Lead::from_toml(text).unwrap_or_else(|e| panic!("{e}"))
}

fn run_text(source: &str, campaign: &str, lead_text: &str, options: &Options) -> Trace {
    let (_, compilation) = compile_text("t.nurture", source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    simulate::simulate(&compilation.project, campaign, &lead(lead_text), options).unwrap()
}

fn examples() -> (SourceMap, nurturec::Compilation) {
    compile_files(&files_below(&root().join("examples"), "nurture"))
}

fn run_example(campaign: &str, lead_text: &str) -> Trace {
    let (_, compilation) = examples();
    assert!(!compilation.has_errors());
    simulate::simulate(
        &compilation.project,
        campaign,
        &lead(lead_text),
        &Options::default(),
    )
    .unwrap()
}

/// `(day, kind, detail)` of every step.
fn summary(trace: &Trace) -> Vec<(i64, &'static str, String)> {
    trace
        .steps
        .iter()
        .map(|s| {
            let detail = match &s.kind {
                StepKind::Send { email } => email.clone(),
                StepKind::Goal { goal } => goal.clone(),
                StepKind::Exit { reason } => reason.clone().unwrap_or_default(),
                StepKind::Handoff { queue } => queue.clone(),
                StepKind::Enroll { target } => target.clone(),
                StepKind::NotAdmitted { why } => why.clone(),
                StepKind::Split { arm, .. } => arm.to_string(),
                StepKind::Set { property, .. } => property.clone(),
                StepKind::Notify { recipient } => recipient.clone(),
                StepKind::End { why } => why.name().to_string(),
                _ => String::new(),
            };
            (s.seconds.div_euclid(DAY), s.kind.name(), detail)
        })
        .collect()
}

fn kinds(trace: &Trace) -> Vec<&'static str> {
    trace.steps.iter().map(|s| s.kind.name()).collect()
}

const PRACTITIONER: &str = r#"
id = "sre"
[properties]
role = "sre"
"#;

#[test]
fn a_straight_flow_sends_on_its_days_and_exits() {
    let t = run_example("webinar_followup", PRACTITIONER);
    let sends: Vec<(i64, String)> = summary(&t)
        .into_iter()
        .filter(|(_, k, _)| *k == "send")
        .map(|(d, _, e)| (d, e))
        .collect();
    // Entered on Monday 00:00: the roi calculator falls on a Saturday
    // (day 19) and its send window holds it until Monday; the waits after
    // it count from then.
    assert_eq!(
        sends,
        [
            (0, "recording".into()),
            (4, "case_study".into()),
            (11, "technical_guide".into()),
            (21, "roi_calculator".into()),
            (31, "demo_invite".into()),
        ]
    );
    assert_eq!(
        summary(&t).last().unwrap(),
        &(38, "exit", "sequence complete".into())
    );
}

#[test]
fn a_lead_outside_the_audience_is_not_admitted() {
    let t = run_example("webinar_followup", "[properties]\nrole = \"student\"");
    assert_eq!(
        summary(&t),
        [(0, "not-admitted", "not in the audience".into())]
    );
}

#[test]
fn a_goal_ends_the_run_during_a_wait_the_instant_it_holds() {
    let t = run_example(
        "webinar_followup",
        &format!("{PRACTITIONER}\n[[events]]\nat = \"6d\"\nevent = \"meeting.booked\""),
    );
    let last = t.steps.last().unwrap();
    assert_eq!(last.seconds, 6 * DAY);
    assert_eq!(
        last.kind,
        StepKind::Goal {
            goal: "meeting_booked".into()
        }
    );
}

#[test]
fn suppression_comes_before_goals_at_one_instant() {
    let t = run_example(
        "webinar_followup",
        &format!(
            "{PRACTITIONER}\n[[events]]\nat = \"2d\"\nevent = \"meeting.booked\"\n\
             [[changes]]\nat = \"2d\"\nproperties = {{ unsubscribed = true }}"
        ),
    );
    assert_eq!(kinds(&t).last(), Some(&"suppressed"));
    assert_eq!(t.steps.last().unwrap().seconds, 2 * DAY);
}

#[test]
fn a_demo_request_during_the_wait_hands_off_at_once() {
    let t = run_example(
        "evaluation_guide",
        "[properties]\nrole = \"engineer\"\n[[events]]\nat = \"180h\"\nevent = \"demo.requested\"",
    );
    assert_eq!(
        summary(&t),
        [
            (0, "enter", String::new()),
            (0, "send", "tech_deep_dive".into()),
            (5, "send", "demo_offer".into()),
            (7, "handoff", "sales".into()),
        ]
    );
    assert_eq!(t.steps.last().unwrap().seconds, 180 * 3_600);
}

#[test]
fn reactions_to_an_email_drive_a_branch() {
    let opened = run_example(
        "guide_download",
        "[[reactions]]\nemail = \"framework\"\nafter = \"1d\"\nevent = \"email.opened\"",
    );
    let s = summary(&opened);
    assert!(s.contains(&(21, "send", "offer".into())), "{s:?}");
    assert_eq!(s.last(), Some(&(35, "exit", "offer sent".into())));
    let silent = summary(&run_example("guide_download", ""));
    assert!(
        silent.contains(&(21, "send", "reengage".into())),
        "{silent:?}"
    );
    assert_eq!(silent.last(), Some(&(35, "exit", "no engagement".into())));
}

const LOOP: &str = r#"
email digest { subject "d" template "d" }
campaign looping {
  trigger form.submitted
  goal done when demo.requested
  suppress when unsubscribed
  top: send digest
  wait 30d
  goto top
}
"#;

#[test]
fn an_endless_loop_stops_at_the_horizon_with_an_end_step() {
    let options = Options {
        horizon: 100 * DAY as u64,
        ..Options::default()
    };
    let t = run_text(LOOP, "looping", "", &options);
    let s = summary(&t);
    let sends: Vec<i64> = s.iter().filter(|x| x.1 == "send").map(|x| x.0).collect();
    assert_eq!(sends, [0, 30, 60, 90]);
    assert_eq!(s.last(), Some(&(100, "end", "horizon".into())));
}

#[test]
fn the_step_budget_ends_a_loop_that_takes_no_time() {
    // `loop-without-wait` rejects this; the simulator must still stop.
    let source = "email d { subject \"d\" template \"d\" }\n\
                  campaign spin { trigger form.submitted\n top: send d\n goto top }";
    let (_, compilation) = compile_text("t.nurture", source);
    let options = Options {
        step_budget: 50,
        ..Options::default()
    };
    let t = simulate::simulate(&compilation.project, "spin", &lead(""), &options).unwrap();
    assert_eq!(t.steps.last().unwrap().kind.name(), "end");
    assert_eq!(
        t.steps.last().unwrap().kind,
        StepKind::End {
            why: simulate::EndReason::StepBudget
        }
    );
    assert_eq!(t.steps.last().unwrap().seconds, 0);
}

#[test]
fn splits_are_seeded_and_deterministic() {
    let arm = |seed: u64| {
        let options = Options {
            seed,
            ..Options::default()
        };
        let (_, c) = examples();
        let t = simulate::simulate(&c.project, "guide_download", &lead(""), &options).unwrap();
        t.steps
            .iter()
            .find_map(|s| match s.kind {
                StepKind::Split { arm, .. } => Some(arm),
                _ => None,
            })
            .unwrap()
    };
    let arms: Vec<usize> = (0..40).map(arm).collect();
    assert_eq!(arms, (0..40).map(arm).collect::<Vec<_>>());
    assert!(arms.contains(&1) && arms.contains(&2), "{arms:?}");
}

#[test]
fn reentry_never_always_and_after() {
    let history =
        |campaign: &str, at: &str| format!("[history]\nentered = {{ {campaign} = [\"{at}\"] }}");
    let never = run_example(
        "webinar_followup",
        &format!("{PRACTITIONER}{}", history("webinar_followup", "-400d")),
    );
    assert_eq!(kinds(&never), ["not-admitted"]);
    let soon = run_example("guide_download", &history("guide_download", "-100d"));
    assert_eq!(kinds(&soon), ["not-admitted"]);
    let later = run_example("guide_download", &history("guide_download", "-200d"));
    assert_eq!(kinds(&later)[0], "enter");
    // `reentry always`: a second trigger after the lead left enters it again;
    // one while it is inside does nothing.
    let recycled = r#"
        [[events]]
        at = "10d"
        event = "lifecycle.changed"
        argument = "recycled"
        [[changes]]
        at = "40d"
        properties = { lifecycle = "customer" }
        [[events]]
        at = "50d"
        event = "lifecycle.changed"
        argument = "recycled"
        [[changes]]
        at = "50d"
        properties = { lifecycle = "recycled" }
    "#;
    let options = Options {
        horizon: 60 * DAY as u64,
        ..Options::default()
    };
    // The fixture keeps `reentry always` (the example re-enters after a year).
    let (_, c) = crate::support::compile_files(&[
        crate::support::root().join("tests/fixtures/valid/long_term_recycle.nurture")
    ]);
    let t = simulate::simulate(&c.project, "long_term", &lead(recycled), &options).unwrap();
    let s = summary(&t);
    assert_eq!(
        s,
        [
            (0, "enter", String::new()),
            (0, "send", "monthly_digest".into()),
            (30, "send", "monthly_digest".into()),
            (40, "goal", "became_customer".into()),
            (50, "enter", String::new()),
            (50, "send", "monthly_digest".into()),
            (60, "end", "horizon".into()),
        ]
    );
}

#[test]
fn enroll_continues_in_the_target_campaign() {
    let t = run_example(
        "long_term",
        "[[events]]\nat = \"20d\"\nevent = \"page.visited\"\nargument = \"/pricing\"",
    );
    let s = summary(&t);
    assert_eq!(
        s,
        [
            (0, "enter", String::new()),
            (0, "send", "monthly_digest".into()),
            (30, "enroll", "evaluation".into()),
            (30, "enter", String::new()),
            (30, "send", "evaluation_kickoff".into()),
            (37, "notify", "account_owner".into()),
            (37, "exit", "back with sales".into()),
        ]
    );
    assert_eq!(t.steps[3].campaign, "evaluation");
}

#[test]
fn scores_are_computed_from_the_scoring_model() {
    // fit: fintech 15 + size 15 + vp 20 = 50; behaviour: 2 pricing visits 70.
    let warm = r#"
        [properties]
        industry = "fintech"
        company_size = 500
        seniority = "vp"
        [[events]]
        at = "-3d"
        event = "page.visited"
        argument = "/pricing"
    "#;
    let t = run_example("checklist_to_mql", warm);
    // fit 50, total 50 + 12 (the download itself) + 35 = 97: an MQL at once.
    assert_eq!(summary(&t)[1], (0, "goal", "became_mql".into()));
    let lukewarm = "[properties]\nindustry = \"fintech\"\ncompany_size = 500";
    let s = summary(&run_example("checklist_to_mql", lukewarm));
    // fit 30 + 12 = 42 >= 40: the warmer arm; never an MQL (fit < 40).
    assert!(s.contains(&(10, "send", "handoff_guide".into())), "{s:?}");
    assert_eq!(s.last(), Some(&(24, "exit", "not yet an MQL".into())));
    let cold = summary(&run_example("checklist_to_mql", ""));
    assert!(
        cold.contains(&(10, "send", "comparison".into())),
        "{cold:?}"
    );
}

#[test]
fn given_scores_replace_the_computed_ones() {
    let t = run_example(
        "checklist_to_mql",
        "[scores]\nb2b = { total = 70, fit = 45 }",
    );
    assert_eq!(summary(&t)[1], (0, "goal", "became_mql".into()));
    let later = run_example(
        "checklist_to_mql",
        "[[changes]]\nat = \"5d\"\nscores = { b2b = { total = 70, fit = 45 } }",
    );
    assert_eq!(
        summary(&later).last(),
        Some(&(5, "goal", "became_mql".into()))
    );
}

#[test]
fn a_segment_trigger_and_a_where_filter() {
    let t = run_example("mql_handoff", "");
    assert_eq!(
        kinds(&t),
        ["enter", "set", "notify", "handoff"],
        "{:?}",
        summary(&t)
    );
    let student = run_example(
        "mql_handoff",
        "trigger = 2\n[properties]\nrole = \"student\"",
    );
    assert_eq!(
        summary(&student),
        [(
            0,
            "not-admitted",
            "the trigger's `where` condition does not hold".into()
        )]
    );
}

#[test]
fn inactivity_counts_from_the_last_engagement() {
    let t = run_example(
        "reengage_inactive",
        "[history]\nlast_engagement = \"-90d\"\n[[events]]\nat = \"3d\"\nevent = \"page.visited\"",
    );
    // A page visit in the last 7 days meets the goal at once; 90 quiet days
    // later the trigger fires again, but `reentry after 365d` keeps it out.
    assert_eq!(
        summary(&t),
        [
            (0, "enter", String::new()),
            (0, "send", "fresh_insight".into()),
            (3, "goal", "reengaged".into()),
            (
                93,
                "not-admitted",
                "entered on day 0, less than 365d ago (`reentry after 365d`)".into()
            ),
        ]
    );
    let quiet = summary(&run_example("reengage_inactive", ""));
    assert_eq!(quiet.last(), Some(&(27, "exit", "sunset".into())));
}

#[test]
fn a_lead_file_naming_what_the_project_lacks_is_an_error() {
    let (_, c) = examples();
    let err = |text: &str| {
        simulate::simulate(
            &c.project,
            "webinar_followup",
            &lead(text),
            &Options::default(),
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        err("trigger = 3"),
        "`trigger`: campaign `webinar_followup` has 1 trigger"
    );
    assert_eq!(
        err("[[reactions]]\nemail = \"nope\"\nevent = \"email.opened\""),
        "`reactions[0].email`: no email named `nope`"
    );
    assert_eq!(
        err("[scores]\nb2b = { fitt = 3 }"),
        "`scores.b2b.fitt`: scoring model `b2b` has no component of that name"
    );
}

// ── `nurturec simulate` ──────────────────────────────────────────────────

/// Writes a lead file into a fresh folder of its own.
fn lead_file(text: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = temp_dir(&format!("lead-{n}")).join("lead.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn simulate_cli(campaign: &str, lead: &str, extra: &[&str]) -> std::process::Output {
    let file = lead_file(lead);
    let mut args = vec![
        "simulate",
        "examples",
        "--campaign",
        campaign,
        "--lead",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args, None, &[])
}

const ENGINEER_ASKS_FOR_A_DEMO: &str = r#"
id = "eng-demo"
[properties]
role = "engineer"
[[reactions]]
email = "demo_offer"
after = "2d"
event = "demo.requested"
"#;

#[test]
fn json_trace_of_a_lead_handed_to_sales_on_day_7() {
    let o = simulate_cli(
        "evaluation_guide",
        ENGINEER_ASKS_FOR_A_DEMO,
        &["--message-format", "json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["lead"], "eng-demo");
    let trace = doc["trace"].as_array().unwrap();
    let kinds: Vec<&str> = trace.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["enter", "send", "send", "handoff"]);
    assert_eq!(
        trace[2],
        json!({"seconds": 432000, "day": 5, "campaign": "evaluation_guide", "kind": "send",
               "email": "demo_offer", "file": "role_segments.nurture", "line": 77})
    );
    assert_eq!(
        trace[3],
        json!({"seconds": 604800, "day": 7, "campaign": "evaluation_guide", "kind": "handoff",
               "queue": "sales", "file": "role_segments.nurture", "line": 84})
    );
}

#[test]
fn json_fields_of_set_notify_exit_goal_split_and_end() {
    let o = simulate_cli("mql_handoff", "", &["--message-format", "json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = &doc["trace"];
    assert_eq!(doc["lead"], Value::Null);
    assert_eq!(
        (t[1]["kind"].as_str(), &t[1]["property"], &t[1]["value"]),
        (Some("set"), &json!("lifecycle"), &json!("mql"))
    );
    assert_eq!(
        (t[2]["kind"].as_str(), &t[2]["recipient"]),
        (Some("notify"), &json!("sales_team"))
    );
    let o = simulate_cli(
        "guide_download",
        "",
        &["--message-format", "json", "--seed", "3"],
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = doc["trace"].as_array().unwrap();
    assert_eq!(t[1]["kind"], "split");
    assert!(t[1]["arm"] == 1 || t[1]["arm"] == 2);
    assert_eq!(t.last().unwrap()["kind"], "exit");
    assert_eq!(t.last().unwrap()["reason"], "no engagement");
    let o = simulate_cli(
        "webinar_followup",
        "[properties]\nrole = \"sre\"\n[[events]]\nat = \"3d\"\nevent = \"meeting.booked\"",
        &["--message-format", "json"],
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let last = doc["trace"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), &last["goal"], &last["day"]),
        (Some("goal"), &json!("meeting_booked"), &json!(3))
    );
    let o = simulate_cli(
        "long_term",
        "",
        &["--message-format", "json", "--until", "45d"],
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let last = doc["trace"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), &last["seconds"], &last["why"]),
        (Some("end"), &json!(45 * 86400), &json!("horizon"))
    );
    let o = simulate_cli("webinar_followup", "", &["--message-format", "json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["trace"][0]["kind"], "not-admitted");
    assert_eq!(doc["trace"][0]["why"], "not in the audience");
}

#[test]
fn human_timelines() {
    let o = simulate_cli("evaluation_guide", ENGINEER_ASKS_FOR_A_DEMO, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("simulate_evaluation_guide_demo", stdout(&o));
    let o = simulate_cli(
        "long_term",
        "id = \"recycled\"\n[[events]]\nat = \"75d\"\nevent = \"page.visited\"\nargument = \"/pricing\"",
        &[],
    );
    insta::assert_snapshot!("simulate_long_term_to_evaluation", stdout(&o));
}

#[test]
fn a_bad_lead_file_is_a_usage_error_naming_the_field() {
    let o = simulate_cli(
        "webinar_followup",
        "[[events]]\nat = 6\nevent = \"demo.requested\"",
        &[],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`events[0].at`: expected a duration"),
        "{}",
        stderr(&o)
    );
    let o = simulate_cli("webinar_followup", "trigger = 2", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`trigger`: campaign `webinar_followup` has 1 trigger"));
    let o = simulate_cli("webinar_followup", "[[events]\n", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not valid TOML"), "{}", stderr(&o));
    let o = simulate_cli("nope", "", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no campaign `nope`"));
    let o = simulate_cli("webinar_followup", "", &["--until", "soon"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn a_project_with_errors_is_not_simulated() {
    let dir = temp_dir("simulate-broken");
    let source = dir.join("broken.nurture");
    let mut f = std::fs::File::create(&source).unwrap();
    f.write_all(b"campaign c { trigger form.submitted\n send nothing\n exit }\n")
        .unwrap();
    let lead = lead_file("");
    let o = run(
        &[
            "simulate",
            source.to_str().unwrap(),
            "--campaign",
            "c",
            "--lead",
            lead.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("undefined-name"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

// ── `nurturec test` ──────────────────────────────────────────────────────

const SMALL_PROJECT: &str = r#"
email hello { subject "Hello" template "hello" }
campaign greet {
  trigger form.submitted
  goal replied when email.replied
  suppress when unsubscribed
  send hello
  wait 3d
  exit "done"
}
"#;

const SMALL_TEST: &str = "campaign = \"greet\"\nid = \"quiet\"\n";

fn small_project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("greet.nurture"), SMALL_PROJECT).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("tests/quiet.lead.toml"), SMALL_TEST).unwrap();
    dir
}

#[test]
fn campaign_tests_write_then_compare_their_timelines() {
    let dir = small_project("campaign-tests");
    let path = dir.to_str().unwrap();
    let o = run(&["test", path], None, &[]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("no timeline"), "{}", stdout(&o));
    let o = run(&["test", path, "--accept"], None, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let trace = std::fs::read_to_string(dir.join("tests/quiet.trace")).unwrap();
    assert_eq!(
        trace,
        "lead quiet\n\
         \x20 day   0 00:00  greet  enters (trigger 1)                    greet.nurture:4\n\
         \x20 day   0 00:00  greet  send hello                            greet.nurture:7\n\
         \x20 day   3 00:00  greet  exit \"done\"                           greet.nurture:9\n"
    );
    let o = run(&["test", path], None, &[]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).ends_with("1 campaign test: 1 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
    // The lead now replies: the committed timeline no longer holds.
    std::fs::write(
        dir.join("tests/quiet.lead.toml"),
        format!("{SMALL_TEST}[[reactions]]\nemail = \"hello\"\nafter = \"1d\"\nevent = \"email.replied\"\n"),
    )
    .unwrap();
    let o = run(&["test", path], None, &[]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("failed   "), "{out}");
    assert!(
        out.contains("  -   day   3 00:00  greet  exit \"done\"")
            && out.contains("  +   day   1 00:00  greet  goal replied met: leaves"),
        "{out}"
    );
    let o = run(&["test", path, "--message-format", "json"], None, &[]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["failed"], 1);
    assert_eq!(doc["tests"][0]["status"], "failed");
    assert_eq!(doc["tests"][0]["campaign"], "greet");
    let o = run(&["test", path, "--message-format", "junit"], None, &[]);
    assert!(stdout(&o)
        .contains("<testsuite name=\"nurturec campaign tests\" tests=\"1\" failures=\"1\">"));
    let o = run(&["test", path, "--message-format", "github"], None, &[]);
    assert!(stdout(&o).starts_with("::error file="), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_campaign_test_is_a_usage_error() {
    let dir = small_project("campaign-tests-broken");
    std::fs::write(dir.join("tests/quiet.lead.toml"), "id = \"x\"\n").unwrap();
    let o = run(&["test", dir.to_str().unwrap()], None, &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`campaign`: missing"), "{}", stderr(&o));
    std::fs::write(
        dir.join("tests/quiet.lead.toml"),
        "campaign = \"greet\"\nsed = 1\n",
    )
    .unwrap();
    let o = run(&["test", dir.to_str().unwrap()], None, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`sed`: unknown field; expected one of campaign, seed, until, id,"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_examples_campaign_tests_pass() {
    let o = run(&["test", "examples"], None, &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// The v1 example (a handler and a send window) and its timelines.
#[test]
fn the_v1_example_campaign_tests_pass() {
    let o = run(&["test", "tests/projects/post_webinar_v1"], None, &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2 passed"), "{}", stdout(&o));
}

mod lead_files {
    use nurturec::simulate::{lead::parse_duration, CampaignTest, Lead};
    use proptest::prelude::*;

    proptest! {
        /// No text makes the lead file readers panic.
        #[test]
        fn any_text_is_read_or_refused(text in "\\PC{0,80}") {
            let _ = Lead::from_toml(&text);
            let _ = CampaignTest::from_toml(&text);
            let _ = parse_duration(&text);
        }

        /// Nor do lead-shaped files with random values.
        #[test]
        fn lead_shaped_files_are_read_or_refused(
            key in "[a-z_]{1,8}",
            value in "\\PC{0,12}",
            number in any::<i64>(),
        ) {
            for text in [
                format!("[[events]]\nat = \"{value}\"\nevent = \"{key}\""),
                format!("[[events]]\nat = {number}\nevent = \"demo.requested\""),
                format!("trigger = {number}\n[properties]\n{key} = {number}"),
                format!("[[reactions]]\nnth = {number}\nafter = \"{value}\"\nevent = \"email.opened\""),
                format!("[scores]\n{key} = {{ total = {number}, {key} = \"{value}\" }}"),
                format!("[history]\nentered = {{ {key} = [\"{value}\"] }}\nlast_engagement = {number}"),
            ] {
                let _ = Lead::from_toml(&text);
            }
        }
    }

    #[test]
    fn durations_end_in_any_character_without_panicking() {
        assert_eq!(parse_duration("5é"), None);
        assert_eq!(parse_duration("-"), None);
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
        assert_eq!(parse_duration("-2w"), Some(-14 * 86_400));
        assert_eq!(parse_duration("90m"), Some(5_400));
    }
}

/// Every trace document validates against `schema/trace.schema.json`:
/// those of the examples' campaign tests, and one of every step kind.
#[test]
fn json_traces_validate_against_the_schema() {
    let text = std::fs::read_to_string(root().join("schema/trace.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let (sources, compilation) = examples();
    let name = |f: nurturec::span::FileId| sources.name(f).to_string();
    let mut kinds = std::collections::BTreeSet::new();
    let mut tests = files_below(&root().join("examples/tests"), "toml");
    tests.sort();
    assert!(tests.len() >= 20, "{tests:?}");
    let spin = "email d { subject \"d\" template \"d\" }\n\
                campaign spin { trigger form.submitted\n top: send d\n goto top }\n\
                campaign fall { trigger form.submitted\n send d }";
    let (spin_sources, spin_compilation) = compile_text("spin.nurture", spin);
    let budget = Options {
        step_budget: 10,
        ..Options::default()
    };
    let mut documents = Vec::new();
    for test in &tests {
        let case =
            simulate::CampaignTest::from_toml(&std::fs::read_to_string(test).unwrap()).unwrap();
        let trace = simulate::simulate(
            &compilation.project,
            &case.campaign,
            &case.lead,
            &case.options,
        )
        .unwrap();
        documents.push(simulate::json(&trace, &sources, &name));
    }
    let spin_name = |f: nurturec::span::FileId| spin_sources.name(f).to_string();
    for campaign in ["spin", "fall"] {
        let trace =
            simulate::simulate(&spin_compilation.project, campaign, &lead(""), &budget).unwrap();
        documents.push(simulate::json(&trace, &spin_sources, &spin_name));
    }
    // Handlers and held sends (language v1).
    for (text, campaign, lead_text) in [
        (
            HANDLERS,
            "post_webinar",
            "[[events]]\nat = \"2d\"\nevent = \"demo.requested\"",
        ),
        (WINDOWED, "office_hours", "entry_time = \"fri 18:00\""),
    ] {
        let (v1_sources, v1) = compile_text("v1.nurture", text);
        let trace =
            simulate::simulate(&v1.project, campaign, &lead(lead_text), &Options::default())
                .unwrap();
        let v1_name = |f: nurturec::span::FileId| v1_sources.name(f).to_string();
        documents.push(simulate::json(&trace, &v1_sources, &v1_name));
    }
    for doc in &documents {
        let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{doc:#}");
        for step in doc["trace"].as_array().unwrap() {
            kinds.insert(step["kind"].as_str().unwrap().to_string());
        }
    }
    let all = [
        "enter",
        "send",
        "set",
        "notify",
        "handoff",
        "enroll",
        "exit",
        "goal",
        "suppressed",
        "not-admitted",
        "split",
        "fell-off",
        "end",
        "handler",
        "held",
    ];
    for kind in all {
        assert!(
            kinds.contains(kind),
            "no `{kind}` step validated: {kinds:?}"
        );
    }
    // A document that breaks the schema is caught.
    let mut broken = documents[0].clone();
    broken["trace"][0]["kind"] = Value::from("teleport");
    assert!(!validator.is_valid(&broken));
}

// ── handlers and send windows (language v1) ──

const HANDLERS: &str = r#"
email recording { subject "Recording" template "w/recording" }
email case_study { subject "Case study" template "w/case" }
email pricing { subject "Pricing" template "w/pricing" }

campaign post_webinar {
  trigger webinar.attended("q3")
  goal meeting_booked when meeting.booked
  suppress when unsubscribed
  on demo.requested {
    handoff sales { note "Asked for a demo." }
  }
  on lead_status == "sql" {
    notify owner "Became an SQL."
    goto nurture
  }
  nurture: send recording
  wait 4d
  send case_study
  wait 7d
  exit "done"
}
"#;

fn run_handlers(lead_text: &str) -> Trace {
    run_text(HANDLERS, "post_webinar", lead_text, &Options::default())
}

#[test]
fn a_handler_runs_the_moment_its_condition_starts_to_hold_even_in_a_wait() {
    let t = run_handlers("[[events]]\nat = \"50h\"\nevent = \"demo.requested\"");
    assert_eq!(
        summary(&t),
        [
            (0, "enter", String::new()),
            (0, "send", "recording".into()),
            (2, "handler", String::new()),
            (2, "handoff", "sales".into()),
        ]
    );
    assert_eq!(t.steps[2].seconds, 50 * 3_600);
    assert_eq!(
        t.steps[2].kind,
        StepKind::Handler {
            handler: 1,
            condition: "demo.requested".into()
        }
    );
}

#[test]
fn suppression_then_goals_then_handlers_at_one_instant() {
    let both = "[[events]]\nat = \"2d\"\nevent = \"demo.requested\"\n\
                [[events]]\nat = \"2d\"\nevent = \"meeting.booked\"";
    assert_eq!(kinds(&run_handlers(both)).last(), Some(&"goal"));
    let suppressed = "[[events]]\nat = \"2d\"\nevent = \"demo.requested\"\n\
                      [[changes]]\nat = \"2d\"\nproperties = { unsubscribed = true }";
    assert_eq!(kinds(&run_handlers(suppressed)).last(), Some(&"suppressed"));
    // Two handlers at one instant: the first in source order runs.
    let two = "[[events]]\nat = \"2d\"\nevent = \"demo.requested\"\n\
               [[changes]]\nat = \"2d\"\nproperties = { lead_status = \"sql\" }";
    let t = run_handlers(two);
    assert_eq!(
        t.steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Handler { handler, .. } => Some(*handler),
                _ => None,
            })
            .collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(kinds(&t).last(), Some(&"handoff"));
}

#[test]
fn a_handler_runs_again_only_after_a_goto_brings_the_lead_back() {
    // sql on day 1 (runs, goes back to `nurture`), cold on day 2, sql again
    // on day 3 (starts to hold again: runs again).
    let t = run_handlers(
        "[[changes]]\nat = \"1d\"\nproperties = { lead_status = \"sql\" }\n\
         [[changes]]\nat = \"2d\"\nproperties = { lead_status = \"cold\" }\n\
         [[changes]]\nat = \"3d\"\nproperties = { lead_status = \"sql\" }",
    );
    assert_eq!(
        summary(&t),
        [
            (0, "enter", String::new()),
            (0, "send", "recording".into()),
            (1, "handler", String::new()),
            (1, "notify", "owner".into()),
            (1, "send", "recording".into()),
            (3, "handler", String::new()),
            (3, "notify", "owner".into()),
            (3, "send", "recording".into()),
            (7, "send", "case_study".into()),
            (14, "exit", "done".into()),
        ]
    );
    // A condition that keeps holding does not start again.
    let held = run_handlers("[[changes]]\nat = \"1d\"\nproperties = { lead_status = \"sql\" }");
    assert_eq!(kinds(&held).iter().filter(|k| **k == "handler").count(), 1);
}

const WINDOWED: &str = r#"
email recording { subject "Recording" template "w/recording" }
email case_study { subject "Case study" template "w/case" }

campaign office_hours {
  trigger webinar.attended("q3")
  goal meeting_booked when meeting.booked
  suppress when unsubscribed
  send during mon-fri 09:00-17:00
  send recording
  wait 1d
  send case_study
  exit
}
"#;

#[test]
fn a_send_window_holds_sends_until_its_next_opening() {
    // Entered on a Friday at 18:00: the window opens on Monday at 09:00.
    let t = run_text(
        WINDOWED,
        "office_hours",
        "entry_time = \"fri 18:00\"",
        &Options::default(),
    );
    let times: Vec<(i64, &str)> = t.steps.iter().map(|s| (s.seconds, s.kind.name())).collect();
    let monday_nine = 2 * DAY + 15 * 3_600;
    assert_eq!(
        times,
        [
            (0, "enter"),
            (0, "held"),
            (monday_nine, "send"),
            // The wait counts from the send: Tuesday 09:00, inside the window.
            (monday_nine + DAY, "send"),
            (monday_nine + DAY, "exit"),
        ]
    );
    assert_eq!(
        t.steps[1].kind,
        StepKind::Held {
            email: "recording".into(),
            until: monday_nine
        }
    );
    // Inside the window nothing waits; the default clock starts on a
    // Monday at 00:00, before the opening.
    let open = run_text(
        WINDOWED,
        "office_hours",
        "entry_time = \"wed 10:00\"",
        &Options::default(),
    );
    assert!(!kinds(&open).contains(&"held"));
    let midnight = run_text(WINDOWED, "office_hours", "", &Options::default());
    assert_eq!(midnight.steps[2].seconds, 9 * 3_600);
}

#[test]
fn a_goal_met_while_a_send_is_held_ends_the_run() {
    let t = run_text(
        WINDOWED,
        "office_hours",
        "entry_time = \"sat 10:00\"\n[[events]]\nat = \"1d\"\nevent = \"meeting.booked\"",
        &Options::default(),
    );
    assert_eq!(kinds(&t), ["enter", "held", "goal"]);
}

#[test]
fn a_malformed_entry_time_is_a_lead_file_error() {
    for bad in ["\"friday 18:00\"", "\"fri 9:00\"", "\"fri 24:00\"", "18"] {
        let e = Lead::from_toml(&format!("entry_time = {bad}")).unwrap_err();
        assert_eq!(e.field, "entry_time", "{bad}");
    }
}

/// Every `missing-exit`, `endless-loop` and `cadence-cap` of the test cases
/// and fixtures that carries a witness note: its lead, run through the
/// simulator here, shows the problem where the diagnostic points; and the
/// same for the witnesses of two campaigns (see below).
#[test]
fn witnesses_show_what_the_diagnostics_say() {
    use nurturec::simulate::witness;
    use nurturec::Code;
    let mut files = files_below(&root().join("tests/cases"), "nurture");
    files.extend(files_below(&root().join("tests/fixtures"), "nurture"));
    let (mut witnessed, mut total) = (0, 0);
    for file in files {
        let (_, compilation) = compile_files(std::slice::from_ref(&file));
        let project = &compilation.project;
        for d in &compilation.diagnostics {
            if ![Code::MissingExit, Code::EndlessLoop, Code::CadenceCap].contains(&d.code) {
                continue;
            }
            total += 1;
            let noted = d.notes.iter().any(|n| n.starts_with("for example, a lead"));
            let Some(c) = project.campaigns.iter().position(|c| {
                c.name_span == d.primary.span
                    || c.flow.nodes.iter().any(|n| n.head == d.primary.span)
            }) else {
                assert!(!noted, "{}: a note on no campaign", file.display());
                continue;
            };
            let found = witness::find(project, c, d);
            assert_eq!(noted, found.is_some(), "{}: {d:?}", file.display());
            let Some(w) = found else { continue };
            witnessed += 1;
            let campaign = &project.campaigns[c];
            let options = Options {
                seed: w.seed,
                record_path: true,
                ..Options::default()
            };
            // A cap's witness may start in a campaign that enrolls the lead here.
            let first = &project.campaigns[w.start].name;
            let trace = simulate::simulate(project, first, &w.lead, &options).unwrap();
            let at = |s: &simulate::Step| s.span == d.primary.span && s.seconds == w.seconds;
            match d.code {
                Code::MissingExit => assert!(
                    trace
                        .steps
                        .iter()
                        .any(|s| s.kind == StepKind::FellOff && at(s)),
                    "{}: {:?}",
                    file.display(),
                    trace.steps
                ),
                Code::EndlessLoop => {
                    let last = trace.steps.last().unwrap();
                    assert_eq!(last.kind.name(), "end", "{}", file.display());
                    let goto = campaign
                        .flow
                        .nodes_with_ids()
                        .find(|(_, n)| n.head == d.primary.span)
                        .map(|(id, _)| id);
                    assert!(trace.path.iter().any(|v| Some(v.node) == goto));
                }
                _ => {
                    let cap = campaign.cap.unwrap();
                    let sends: Vec<&simulate::Step> = trace
                        .steps
                        .iter()
                        .filter(|s| s.kind.name() == "send")
                        .collect();
                    let over = sends.iter().enumerate().any(|(i, s)| {
                        at(s)
                            && sends[..=i]
                                .iter()
                                .filter(|u| u.seconds > s.seconds - cap.per.seconds as i64)
                                .count() as u64
                                > cap.sends
                    });
                    assert!(over, "{}: {:?}", file.display(), trace.steps);
                }
            }
        }
    }
    let (overlaps, overlaps_witnessed) = overlap_witnesses_show_what_the_diagnostics_say();
    println!("overlap witnesses: {overlaps_witnessed} of {overlaps} diagnostics");
    assert!(
        overlaps_witnessed > 0,
        "no `campaign-overlap` has a witness"
    );
    println!("witnesses: {witnessed} of {total} diagnostics");
    assert!(
        witnessed * 2 > total,
        "only {witnessed} of {total} diagnostics have a witness"
    );
}

/// Every `campaign-overlap` of the test cases and fixtures, and every
/// `project-cap` about two campaigns of the test projects: the note's lead,
/// run through the simulator here with the other campaign's triggers
/// watched, gets more than the cap from the two campaigns within the
/// window, and the note says so. How many there are and how many have a
/// witness.
fn overlap_witnesses_show_what_the_diagnostics_say() -> (usize, usize) {
    use nurturec::simulate::witness;
    use nurturec::Code;
    // The files of a project, and the folder of its `nurture.toml`.
    type Case = (Vec<PathBuf>, Option<&'static str>);
    let mut cases: Vec<Case> = Vec::new();
    let mut files = files_below(&root().join("tests/cases"), "nurture");
    files.extend(files_below(&root().join("tests/fixtures"), "nurture"));
    cases.extend(files.into_iter().map(|f| (vec![f], None)));
    // The projects with a `[policy]`: their `nurture.toml` is read.
    for project in ["project_cap", "overlap_any_trigger"] {
        cases.push((
            files_below(&root().join("tests/projects").join(project), "nurture"),
            Some(project),
        ));
    }
    let (mut total, mut witnessed) = (0, 0);
    for (files, policy) in cases {
        let (_, compilation) = compile_files(&files);
        let project = &compilation.project;
        let (diagnostics, policy) = match policy {
            None => (compilation.diagnostics.clone(), None),
            Some(folder) => {
                let text = std::fs::read_to_string(
                    root()
                        .join("tests/projects")
                        .join(folder)
                        .join("nurture.toml"),
                )
                .unwrap();
                let config =
                    nurturec::config::parse_config(nurturec::span::FileId(999), &text).unwrap();
                let mut all = compilation.diagnostics.clone();
                all.extend(nurturec::check::check_policy(project, &config.policy, &[]));
                (all, config.policy.cap.map(|cap| (cap.sends, cap.per)))
            }
        };
        for d in &diagnostics {
            if ![Code::CampaignOverlap, Code::ProjectCap].contains(&d.code) {
                continue;
            }
            let by_name = |span| project.campaigns.iter().position(|c| c.name_span == span);
            // Two campaigns: the primary label and the first secondary name them.
            let (Some(q), Some(p)) = (
                by_name(d.primary.span),
                d.secondary.first().and_then(|l| by_name(l.span)),
            ) else {
                continue;
            };
            total += 1;
            let trigger = |c: usize, at: usize| {
                let span = d.secondary[at].span;
                project.campaigns[c]
                    .triggers
                    .iter()
                    .position(|t| t.span == span)
                    .unwrap()
            };
            let (a, b) = (trigger(p, 1), trigger(q, 2));
            let (sends, per) = policy
                .filter(|_| d.code == Code::ProjectCap)
                .unwrap_or_else(|| {
                    let span = d.secondary[3].span;
                    let cap = [p, q]
                        .iter()
                        .filter_map(|&c| project.campaigns[c].cap)
                        .find(|k| k.span == span)
                        .unwrap();
                    (cap.sends, cap.per.seconds)
                });
            // Started by different events: `[policy] overlap = "any-trigger"`.
            let apart = d.notes.iter().any(|n| n.contains("any-trigger"));
            let search = |(first, x): (usize, usize), (second, y): (usize, usize)| match apart {
                true => witness::find_overlap_apart(project, (first, x), (second, y), sends, per),
                false => witness::find_overlap(project, (first, x), second, sends, per),
            };
            let found = search((p, a), (q, b))
                .map(|w| (p, q, w))
                .or_else(|| search((q, b), (p, a)).map(|w| (q, p, w)));
            let noted = d.notes.iter().any(|n| n.starts_with("for example, a lead"));
            assert_eq!(noted, found.is_some(), "{files:?}: {d:?}");
            let Some((first, second, w)) = found else {
                continue;
            };
            witnessed += 1;
            let trace = simulate::simulate(
                project,
                &project.campaigns[first].name,
                &w.lead,
                &witness::overlap_options(second, w.seed),
            )
            .unwrap();
            let name = |c: usize| project.campaigns[c].name.as_str();
            let sent: Vec<(i64, &str)> = trace
                .steps
                .iter()
                .filter(|s| s.kind.name() == "send")
                .filter(|s| s.campaign == name(first) || s.campaign == name(second))
                .map(|s| (s.seconds, s.campaign.as_str()))
                .collect();
            // Both campaigns were entered by a trigger, not an enroll: at
            // once, or the second when the lead does its event.
            let entered_at = |c: usize| if c == first || !apart { Some(0) } else { None };
            for c in [first, second] {
                assert!(
                    trace.steps.iter().any(|s| s.campaign == name(c)
                        && entered_at(c).is_none_or(|t| s.seconds == t)
                        && matches!(s.kind, StepKind::Enter { trigger: Some(_) })),
                    "{files:?}: {:?}",
                    trace.steps
                );
            }
            let (t_last, _) = *w.sends.last().unwrap();
            let window: Vec<(i64, &str)> = sent
                .iter()
                .copied()
                .filter(|(t, _)| *t <= t_last && *t > t_last - per as i64)
                .collect();
            assert!(window.len() as u64 > sends, "{files:?}: {:?}", trace.steps);
            assert!(window.iter().any(|(_, c)| *c == name(first)));
            assert!(window.iter().any(|(_, c)| *c == name(second)));
            let said: Vec<(i64, &str)> = w.sends.iter().map(|&(t, c)| (t, name(c))).collect();
            assert_eq!(said, window, "{files:?}");
            let note = d
                .notes
                .iter()
                .find(|n| n.starts_with("for example"))
                .unwrap();
            assert!(
                note.contains(&format!("gets {} emails", window.len())),
                "{note}"
            );
        }
    }
    (total, witnessed)
}

/// The checks' verdict on handlers held to the simulator: campaigns with
/// handlers that check clean, run against many leads whose handler events
/// fall at random times (a fixed pseudo-random sequence), never fall off a
/// flow and never send more than their cap in a window.
#[test]
fn clean_campaigns_with_handlers_keep_their_promises_in_the_simulator() {
    let example =
        std::fs::read_to_string(root().join("tests/projects/post_webinar_v1/post_webinar.nurture"))
            .unwrap();
    let skips_ahead = r#"
email recording { subject "Recording" template "w/recording" }
email pricing { subject "Pricing" template "w/pricing" }
campaign skips_ahead_once {
  trigger webinar.attended("q9")
  goal booked when meeting.booked
  suppress when unsubscribed or bounced or complained
  cap 2 emails per 7d
  on page.visited("/pricing") {
    goto pricing
  }
  on demo.requested {
    wait 1d
    notify owner "Asked for a demo."
    goto done
  }
  send recording
  wait 7d
  pricing: send pricing
  done: wait 7d
  exit
}
"#;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |below: u64| {
        // xorshift64*: deterministic, good enough to spread event times.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d) % below
    };
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for (text, campaign, role) in [
        (example.as_str(), "post_webinar", "sre"),
        (skips_ahead, "skips_ahead_once", "sre"),
    ] {
        let (_, compilation) = compile_text("t.nurture", text);
        assert!(
            compilation.diagnostics.is_empty(),
            "{:?}",
            compilation.diagnostics
        );
        let c = compilation
            .project
            .campaigns
            .iter()
            .find(|c| c.name == campaign)
            .unwrap();
        let cap = c.cap.unwrap();
        let (mut handled, mut held) = (0, 0);
        for _ in 0..200 {
            let mut lead_text = format!(
                "entry_time = \"{} {:02}:{:02}\"\n[properties]\nrole = \"{role}\"\n",
                days[next(7) as usize],
                next(24),
                next(4) * 15
            );
            for (event, argument) in [
                ("demo.requested", None),
                ("page.visited", Some("/pricing")),
                ("meeting.booked", None),
            ] {
                if next(3) > 0 {
                    let at = next(40 * 24);
                    lead_text.push_str(&format!(
                        "[[events]]\nat = \"{at}h\"\nevent = \"{event}\"\n"
                    ));
                    if let Some(a) = argument {
                        lead_text.push_str(&format!("argument = \"{a}\"\n"));
                    }
                }
            }
            let trace = simulate::simulate(
                &compilation.project,
                campaign,
                &lead(&lead_text),
                &Options::default(),
            )
            .unwrap();
            assert!(!kinds(&trace).contains(&"fell-off"), "{lead_text}");
            handled += kinds(&trace).iter().filter(|k| **k == "handler").count();
            held += kinds(&trace).iter().filter(|k| **k == "held").count();
            let sends: Vec<i64> = trace
                .steps
                .iter()
                .filter(|s| s.kind.name() == "send")
                .map(|s| s.seconds)
                .collect();
            let n = usize::try_from(cap.sends).unwrap();
            for w in sends.windows(n + 1) {
                assert!(
                    w[n] - w[0] >= i64::try_from(cap.per.seconds).unwrap(),
                    "{campaign}: sends {sends:?} break the cap\n{lead_text}"
                );
            }
        }
        // The leads do exercise the handlers (and the example's window).
        assert!(handled > 50, "{campaign}: {handled} handler runs");
        assert_eq!(
            held > 0,
            c.send_window.is_some(),
            "{campaign}: {held} held sends"
        );
    }
}
