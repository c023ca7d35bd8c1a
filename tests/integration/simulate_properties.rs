//! The analyses held to the simulator: generated campaigns that `check`
//! accepts (the generator of `properties.rs`), run against random leads
//! (random properties, events at random times, reactions to sends). For
//! every run the simulator must never fall off a flow (`missing-exit`), take
//! an arm reported dead (`dead-branch-arm`), send more than `cap` in a window
//! (`cadence-cap`), or reach one statement twice at one instant
//! (`loop-without-wait`). A capped campaign's window counts the sends of the
//! runs whose `enroll` brought the lead there (caps across `enroll`).
//!
//! The projects are the generator's with caps the flows can break (a few
//! emails per a few days): those `check` rejects are left out.
//!
//! 24 cases by default, as `properties.rs`; `NURTUREC_PROPTEST_CASES` for more
//! (which also prints how many projects, campaigns and lead runs were judged).

use crate::properties::{cases, listing, project, project_with_tight_caps, render, source_map};
use nurturec::ir::{self, EdgeKind, EventKind, NodeId, NodeKind, Value};
use nurturec::simulate::{self, lead, Lead, Options, StepKind};
use nurturec::Code;
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the cross-check has judged so far: projects checked clean,
/// campaigns, lead runs, projects rejected by `check`, and windows of a
/// capped run that held sends of the runs that enrolled it.
static JUDGED: [AtomicUsize; 5] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];

const HOUR: i64 = 3_600;
const TEXTS: &[&str] = &["cto", "engineer", "saas", "fintech", "de"];
const PROPERTIES: &[&str] = &[
    "role",
    "title",
    "stage",
    "source",
    "from",
    "industry",
    "country",
    "company_size",
    "plan",
];
const FLAGS: &[&str] = &[
    "customer",
    "churned",
    "vip",
    "partner",
    "unsubscribed",
    "bounced",
    "complained",
];
const IDS: &[&str] = &[
    "monitoring-101",
    "pricing-guide",
    "/pricing",
    "/docs/start",
    "beta",
];

#[derive(Debug, Clone)]
struct RandomLead {
    properties: Vec<(Index, Option<Index>, i64)>,
    flags: Vec<(Index, bool, Option<u16>)>,
    /// (hours from entry, kind, argument)
    events: Vec<(i64, Index, Index)>,
    /// (n-th send, opened or clicked, hours after)
    reactions: Vec<(u32, bool, u16)>,
    last_engagement: Option<u16>,
    trigger: Index,
    seed: u64,
}

fn random_lead() -> impl Strategy<Value = RandomLead> {
    (
        prop::collection::vec(
            (
                any::<Index>(),
                prop::option::of(any::<Index>()),
                -50i64..400,
            ),
            0..5,
        ),
        prop::collection::vec(
            (any::<Index>(), any::<bool>(), prop::option::of(0u16..1_500)),
            0..3,
        ),
        prop::collection::vec((-720i64..2_000, any::<Index>(), any::<Index>()), 0..10),
        prop::collection::vec((1u32..6, any::<bool>(), 0u16..200), 0..4),
        prop::option::of(0u16..3_000),
        any::<Index>(),
        any::<u64>(),
    )
        .prop_map(
            |(properties, flags, events, reactions, last_engagement, trigger, seed)| RandomLead {
                properties,
                flags,
                events,
                reactions,
                last_engagement,
                trigger,
                seed,
            },
        )
}

fn argument(kind: EventKind, pick: Index, project: &ir::Project) -> Option<String> {
    let n = pick.index(64);
    match kind.argument_kind() {
        ir::ArgumentKind::OptionalId | ir::ArgumentKind::OptionalPath => {
            (n % 3 != 0).then(|| IDS[n % IDS.len()].to_string())
        }
        ir::ArgumentKind::OptionalEmail => (n % 3 != 0 && !project.emails.is_empty())
            .then(|| project.emails[n % project.emails.len()].name.clone()),
        ir::ArgumentKind::NoArgument => None,
        ir::ArgumentKind::RequiredSegment => (!project.segments.is_empty())
            .then(|| project.segments[n % project.segments.len()].name.clone()),
        ir::ArgumentKind::RequiredCustomName => Some(format!("Custom {}", n % 16)),
    }
}

fn build_lead(r: &RandomLead, project: &ir::Project, triggers: usize) -> Lead {
    let mut lead = Lead {
        trigger: 1 + r.trigger.index(triggers.max(1)),
        last_engagement: r.last_engagement.map(|h| -i64::from(h) * HOUR),
        ..Lead::default()
    };
    for (name, text, number) in &r.properties {
        let value = match text {
            Some(t) => Value::String(TEXTS[t.index(TEXTS.len())].to_string()),
            None => Value::Number(*number as f64),
        };
        lead.properties
            .insert(PROPERTIES[name.index(PROPERTIES.len())].to_string(), value);
    }
    for (name, value, changes_at) in &r.flags {
        let name = FLAGS[name.index(FLAGS.len())].to_string();
        match changes_at {
            // Flags that turn on later, e.g. an unsubscribe on day 20.
            Some(hours) => lead.changes.push(lead::Change {
                at: i64::from(*hours) * HOUR,
                properties: BTreeMap::from([(name, Value::Bool(*value))]),
                lists: BTreeMap::new(),
                scores: BTreeMap::new(),
            }),
            None => {
                lead.properties.insert(name, Value::Bool(*value));
            }
        }
    }
    for (hours, kind, arg) in &r.events {
        let kind = EventKind::ALL[kind.index(EventKind::ALL.len())];
        lead.events.push(lead::LeadEvent {
            at: hours * HOUR,
            kind,
            argument: argument(kind, *arg, project),
        });
    }
    for (nth, clicked, hours) in &r.reactions {
        lead.reactions.push(lead::Reaction {
            to: lead::ReactionTo::Nth(*nth),
            after: u64::from(*hours) * HOUR as u64,
            outcome: lead::Outcome::Event {
                kind: if *clicked {
                    EventKind::EmailClicked
                } else {
                    EventKind::EmailOpened
                },
                argument: None,
            },
        });
    }
    lead
}

/// Every way the simulator's runs contradict what `check` accepted.
fn contradictions(
    project: &ir::Project,
    dead_arms: &HashSet<(usize, NodeId, usize)>,
    campaign: usize,
    lead: &Lead,
    seed: u64,
) -> Vec<String> {
    let options = Options {
        seed,
        horizon: 40 * 86_400,
        step_budget: 20_000,
        record_path: true,
        also_watch: None,
    };
    let name = &project.campaigns[campaign].name;
    let trace = match simulate::simulate(project, name, lead, &options) {
        Ok(t) => t,
        Err(e) => return vec![format!("the lead was refused: {e}")],
    };
    let mut problems = Vec::new();
    for s in &trace.steps {
        if s.kind == StepKind::FellOff {
            problems.push(format!(
                "{} fell off the end of its flow on second {}",
                s.campaign, s.seconds
            ));
        }
    }
    let mut seen = HashSet::new();
    let mut sends: BTreeMap<usize, (usize, Vec<i64>)> = BTreeMap::new();
    let parents = simulate::witness::run_parents(project, &trace);
    for v in &trace.path {
        let c = &project.campaigns[v.campaign];
        if !seen.insert((v.run, v.node, v.seconds)) {
            problems.push(format!(
                "{} reached statement {} twice at second {}: a loop without time",
                c.name, c.flow.nodes[v.node].id, v.seconds
            ));
        }
        if let Some(EdgeKind::Arm(a)) = v.edge {
            if dead_arms.contains(&(v.campaign, v.node, a)) {
                problems.push(format!(
                    "{} took arm {} of branch {}, reported dead",
                    c.name,
                    a + 1,
                    c.flow.nodes[v.node].id
                ));
            }
        }
        if matches!(c.flow.nodes[v.node].kind, NodeKind::Send { .. }) {
            sends
                .entry(v.run)
                .or_insert((v.campaign, Vec::new()))
                .1
                .push(v.seconds);
        }
    }
    for (&run, (campaign, own)) in &sends {
        let c = &project.campaigns[*campaign];
        let Some(cap) = c.cap else { continue };
        let per = cap.per.seconds as i64;
        // The runs that enrolled this one, directly or through others.
        let chain = simulate::witness::ancestry(&parents, run);
        let mut earlier: Vec<i64> = chain
            .iter()
            .skip(1)
            .filter_map(|r| sends.get(r))
            .flat_map(|(_, t)| t.iter().copied())
            .collect();
        earlier.sort_unstable();
        // A window ends at one of this run's sends.
        if own
            .iter()
            .any(|t| earlier.iter().any(|u| *u <= *t && *u > t - per))
        {
            JUDGED[4].fetch_add(1, Ordering::Relaxed);
        }
        for t in own {
            let in_window = own
                .iter()
                .chain(&earlier)
                .filter(|u| **u <= *t && **u > t - per)
                .count();
            if in_window as u64 > cap.sends {
                let via = if chain.len() > 1 {
                    " (counting the campaigns that enrolled the lead)"
                } else {
                    ""
                };
                problems.push(format!(
                    "{} sent {in_window} emails within {} up to second {t}{via}: over its cap of {}",
                    c.name,
                    cap.per.to_text(),
                    cap.sends
                ));
            }
        }
    }
    problems
}

/// The arms `dead-branch-arm` reports: (campaign, branch node, arm).
fn dead_arms(
    project: &ir::Project,
    diagnostics: &[nurturec::Diagnostic],
) -> HashSet<(usize, NodeId, usize)> {
    let spans: HashSet<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::DeadBranchArm)
        .map(|d| d.primary.span)
        .collect();
    let mut out = HashSet::new();
    for (c, campaign) in project.campaigns.iter().enumerate() {
        for (n, node) in campaign.flow.nodes_with_ids() {
            if let NodeKind::Branch { arms, .. } = &node.kind {
                for (a, arm) in arms.iter().enumerate() {
                    if spans.contains(&arm.when_span) {
                        out.insert((c, n, a));
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        // Tight caps make `check` reject many projects; those are skipped.
        max_global_rejects: cases().saturating_mul(50).max(1024),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_simulator_never_contradicts_the_checks(
        p in project_with_tight_caps(),
        leads in prop::collection::vec(random_lead(), 1..4),
    ) {
        let files = render(&p);
        let sources = source_map(&files);
        let compilation = nurturec::compile(&sources);
        if compilation.has_errors() {
            JUDGED[3].fetch_add(1, Ordering::Relaxed);
        }
        prop_assume!(!compilation.has_errors());
        let project = &compilation.project;
        let dead = dead_arms(project, &compilation.diagnostics);
        let projects = JUDGED[0].fetch_add(1, Ordering::Relaxed) + 1;
        let campaigns = JUDGED[1].fetch_add(project.campaigns.len(), Ordering::Relaxed)
            + project.campaigns.len();
        let runs = leads.len() * project.campaigns.len();
        let runs = JUDGED[2].fetch_add(runs, Ordering::Relaxed) + runs;
        if std::env::var_os("NURTUREC_PROPTEST_CASES").is_some() {
            eprintln!(
                "cross-check: {projects} projects checked clean ({} rejected by check), {campaigns} campaigns, {runs} lead runs, {} capped windows holding an enrolling campaign's sends",
                JUDGED[3].load(Ordering::Relaxed),
                JUDGED[4].load(Ordering::Relaxed)
            );
        }
        for r in &leads {
            for (c, campaign) in project.campaigns.iter().enumerate() {
                let lead = build_lead(r, project, campaign.triggers.len());
                let problems = contradictions(project, &dead, c, &lead, r.seed);
                prop_assert!(
                    problems.is_empty(),
                    "{}\nlead: {:#?}\n{}",
                    problems.join("\n"),
                    lead,
                    listing(&files)
                );
            }
        }
    }
}

/// The leads reach what the property is about: sends under a cap, branch
/// arms, splits, goals, suppression, enrolls, loops ended by the horizon.
#[test]
fn the_random_leads_exercise_the_flows() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut arms = 0;
    let mut capped_repeat_sends = 0;
    for _ in 0..48 {
        let p = project().new_tree(&mut runner).unwrap().current();
        let r = random_lead().new_tree(&mut runner).unwrap().current();
        let sources = source_map(&render(&p));
        let compilation = nurturec::compile(&sources);
        if compilation.has_errors() {
            continue;
        }
        let project = &compilation.project;
        for campaign in &project.campaigns {
            let lead = build_lead(&r, project, campaign.triggers.len());
            let options = Options {
                horizon: 40 * 86_400,
                record_path: true,
                ..Options::default()
            };
            let trace = simulate::simulate(project, &campaign.name, &lead, &options).unwrap();
            for s in &trace.steps {
                *seen.entry(s.kind.name()).or_default() += 1;
            }
            arms += trace
                .path
                .iter()
                .filter(|v| matches!(v.edge, Some(EdgeKind::Arm(_))))
                .count();
            let sends = trace
                .steps
                .iter()
                .filter(|s| s.kind.name() == "send")
                .count();
            if campaign.cap.is_some() && sends >= 2 {
                capped_repeat_sends += 1;
            }
        }
    }
    for kind in [
        "enter",
        "send",
        "split",
        "goal",
        "suppressed",
        "exit",
        "handoff",
        "enroll",
        "end",
    ] {
        assert!(seen.contains_key(kind), "no `{kind}` step in {seen:?}");
    }
    assert!(
        arms > 0 && capped_repeat_sends > 0,
        "{arms} {capped_repeat_sends}"
    );
}
