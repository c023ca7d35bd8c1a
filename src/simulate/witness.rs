//! Witnesses: a concrete lead that shows a `missing-exit`, `endless-loop` or
//! `cadence-cap` diagnostic happening. A few candidate leads are built from
//! the campaign's own conditions (one that passes the trigger's `where` and
//! the audience, then that one also meeting each `when` or `until`
//! condition, or all `until`s at once) and simulated; the first whose run
//! shows the problem is the witness. A search that finds none gives none:
//! the diagnostic stands without a note.
//!
//! Two campaigns that one event starts together (`campaign-overlap`, and
//! `project-cap` about a pair) are searched the same way
//! ([`find_overlap`]), the other campaign's triggers watched too
//! ([`Options::also_watch`]).

use super::engine::Prepared;
use super::lead::{GivenScore, Lead, LeadEvent};
use super::{Options, StepKind, Trace};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    self, CompareOp, Condition, ConditionKind, EventArgument, NodeId, NodeKind, Quantity, Value,
};

/// The most candidate leads simulated for one diagnostic.
const CANDIDATES: usize = 6;
/// For a cap: how many campaigns that enroll leads into the campaign are
/// tried, and how many candidates each.
const ENROLLERS: usize = 2;
const ENROLLER_CANDIDATES: usize = 2;
/// Statements one candidate may run: witnesses are short.
const STEP_BUDGET: u64 = 2_000;
/// How deep segments are followed when building a lead that is in one.
const DEPTH: u32 = 8;

#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    /// The campaign the lead enters first (index into the project's
    /// campaigns): the diagnostic's own, or one that enrolls the lead there.
    pub start: usize,
    pub lead: Lead,
    pub seed: u64,
    /// When it happens, in seconds from entry.
    pub seconds: i64,
    /// For a loop: the simulation stopped it after its step budget, with
    /// no time passing, rather than at the horizon.
    pub endless_at_one_instant: bool,
}

/// A witness for `diagnostic` in campaign `campaign` of `project`, if the
/// search finds one.
pub fn find(project: &ir::Project, campaign: usize, diagnostic: &Diagnostic) -> Option<Witness> {
    find_prepared(project, &Prepared::new(project), campaign, diagnostic)
}

/// [`find`] with the project's [`Prepared`] facts, made once for all the
/// witnesses of a check.
pub(crate) fn find_prepared<'p>(
    project: &'p ir::Project,
    prepared: &Prepared<'p>,
    campaign: usize,
    diagnostic: &Diagnostic,
) -> Option<Witness> {
    let c = project.campaigns.get(campaign)?;
    let span = diagnostic.primary.span;
    let node = c
        .flow
        .nodes_with_ids()
        .find(|(_, n)| n.head == span)
        .map(|(id, _)| id);
    let has_split = c
        .flow
        .nodes
        .iter()
        .any(|n| matches!(n.kind, NodeKind::Split { .. }));
    let seeds: &[u64] = if has_split { &[0, 1, 2, 3] } else { &[0] };
    // A cap counts the emails of the campaigns that enroll a lead here: a
    // lead may have to start in one of them.
    let starts: Vec<usize> = match diagnostic.code {
        Code::CadenceCap => enrolling_into(project, campaign),
        _ => vec![campaign],
    };
    // The campaign's own candidates, then a few from each of the first
    // enrolling campaigns: the search stays a small multiple of one.
    let runs = starts
        .iter()
        .take(1 + ENROLLERS)
        .enumerate()
        .filter_map(|(k, &s)| {
            let first = project.campaigns.get(s)?;
            let take = if k == 0 {
                CANDIDATES
            } else {
                ENROLLER_CANDIDATES
            };
            let leads = candidates(project, first).into_iter().take(take);
            Some(leads.map(move |lead| (s, first, lead)))
        });
    for (start, first, lead) in runs.flatten() {
        for &seed in seeds {
            let options = Options {
                seed,
                step_budget: STEP_BUDGET,
                record_path: true,
                ..Options::default()
            };
            let Ok(trace) =
                super::engine::simulate_prepared(project, prepared, &first.name, &lead, &options)
            else {
                continue;
            };
            let seen = match diagnostic.code {
                Code::MissingExit => falls_off_at(&trace, &c.name, span),
                Code::EndlessLoop => node.and_then(|g| loops_to_horizon(&trace, campaign, g)),
                Code::CadenceCap => node.and_then(|s| over_cap(project, &trace, c, campaign, s)),
                _ => None,
            };
            if let Some(seconds) = seen {
                let endless_at_one_instant = matches!(
                    trace.steps.last().map(|s| &s.kind),
                    Some(StepKind::End {
                        why: super::EndReason::StepBudget
                    })
                );
                return Some(Witness {
                    start,
                    lead,
                    seed,
                    seconds,
                    endless_at_one_instant,
                });
            }
        }
    }
    None
}

/// The note that tells of a witness.
pub fn note(code: Code, witness: &Witness) -> String {
    let who = describe(&witness.lead);
    let day = witness.seconds.div_euclid(86_400);
    let seed = if witness.seed == 0 {
        String::new()
    } else {
        format!(" (split seed {})", witness.seed)
    };
    match code {
        Code::MissingExit => {
            format!("for example, {who} reaches the end of the flow here on day {day}{seed}")
        }
        Code::EndlessLoop if witness.endless_at_one_instant => format!(
            "for example, {who} goes round this loop for ever on day {day}, without time passing{seed}"
        ),
        Code::EndlessLoop => format!(
            "for example, {who} is still going round this loop on day {day}, when the simulation stops{seed}"
        ),
        _ => format!("for example, {who} gets one email too many here on day {day}{seed}"),
    }
}

fn falls_off_at(trace: &Trace, campaign: &str, span: crate::span::Span) -> Option<i64> {
    trace
        .steps
        .iter()
        .find(|s| s.kind == StepKind::FellOff && s.campaign == campaign && s.span == span)
        .map(|s| s.seconds)
}

fn loops_to_horizon(trace: &Trace, campaign: usize, goto: NodeId) -> Option<i64> {
    let took_it = trace
        .path
        .iter()
        .any(|v| v.campaign == campaign && v.node == goto);
    let last = trace.steps.last()?;
    (took_it && matches!(last.kind, StepKind::End { .. })).then_some(last.seconds)
}

/// Whether a run of `campaign` sends `send` over its cap, counting the
/// sends of the runs whose `enroll` brought the lead to it (directly or
/// through others) within the window.
fn over_cap(
    project: &ir::Project,
    trace: &Trace,
    c: &ir::Campaign,
    campaign: usize,
    send: NodeId,
) -> Option<i64> {
    let cap = c.cap?;
    let per = i64::try_from(cap.per.seconds).ok()?;
    let parents = run_parents(project, trace);
    let is_send = |v: &super::Visit| matches!(visited(project, v), Some(NodeKind::Send { .. }));
    let mut runs: Vec<usize> = trace
        .path
        .iter()
        .filter(|v| v.campaign == campaign)
        .map(|v| v.run)
        .collect();
    runs.dedup();
    runs.into_iter().find_map(|run| {
        let chain = ancestry(&parents, run);
        // In time order: the path is.
        let sends: Vec<(i64, usize, NodeId)> = trace
            .path
            .iter()
            .filter(|v| chain.contains(&v.run) && is_send(v))
            .map(|v| (v.seconds, v.campaign, v.node))
            .collect();
        sends.iter().enumerate().find_map(|(i, &(t, k, node))| {
            let window = sends[..=i].iter().filter(|(u, _, _)| *u > t - per).count();
            (k == campaign && node == send && window as u64 > cap.sends).then_some(t)
        })
    })
}

/// The statement a visit of the trace's path is at.
fn visited<'p>(project: &'p ir::Project, v: &super::Visit) -> Option<&'p NodeKind> {
    project
        .campaigns
        .get(v.campaign)
        .and_then(|c| c.flow.node(v.node))
        .map(|n| &n.kind)
}

/// Per run (in the order the runs started, as the trace's `enter` steps):
/// the run whose `enroll` started it, if one did.
pub fn run_parents(project: &ir::Project, trace: &Trace) -> Vec<Option<usize>> {
    let enrolling: Vec<usize> = trace
        .path
        .iter()
        .filter(|v| matches!(visited(project, v), Some(NodeKind::Enroll { .. })))
        .map(|v| v.run)
        .collect();
    let mut parents = Vec::new();
    let mut enrolls = 0usize;
    let mut after_enroll = false;
    for step in &trace.steps {
        match &step.kind {
            StepKind::Enroll { .. } => {
                enrolls += 1;
                after_enroll = true;
                continue;
            }
            StepKind::Enter { trigger: None } if after_enroll => {
                parents.push(
                    enrolls
                        .checked_sub(1)
                        .and_then(|j| enrolling.get(j).copied()),
                );
            }
            StepKind::Enter { .. } => parents.push(None),
            _ => {}
        }
        after_enroll = false;
    }
    parents
}

/// The run and the runs that enrolled it, nearest first.
pub fn ancestry(parents: &[Option<usize>], run: usize) -> Vec<usize> {
    let mut chain = vec![run];
    let mut at = run;
    while let Some(Some(p)) = parents.get(at) {
        // Parents start before their children; a loop would be a bug.
        if chain.contains(p) || chain.len() > parents.len() {
            break;
        }
        chain.push(*p);
        at = *p;
    }
    chain
}

/// Campaign `campaign` and every campaign whose `enroll` can bring a lead
/// to it, directly or through others, `campaign` first.
fn enrolling_into(project: &ir::Project, campaign: usize) -> Vec<usize> {
    let mut out = vec![campaign];
    let mut i = 0;
    while let Some(&c) = out.get(i) {
        i += 1;
        for (k, other) in project.campaigns.iter().enumerate() {
            let enrolls = other
                .flow
                .nodes
                .iter()
                .any(|n| matches!(&n.kind, NodeKind::Enroll { campaign } if campaign.id.map(ir::CampaignId::index) == Some(c)));
            if enrolls && !out.contains(&k) {
                out.push(k);
            }
        }
    }
    // By name: the witness found does not depend on the order of the files.
    if let Some(rest) = out.get_mut(1..) {
        rest.sort_by(|a, b| {
            let name = |i: &usize| project.campaigns.get(*i).map(|c| c.name.as_str());
            name(a).cmp(&name(b))
        });
    }
    out
}

/// Leads built from the campaign's conditions.
fn candidates(project: &ir::Project, c: &ir::Campaign) -> Vec<Lead> {
    let model = model_name(c);
    let mut base = Lead {
        trigger: 1,
        ..Lead::default()
    };
    if let Some(filter) = c.triggers.first().and_then(|t| t.filter.as_ref()) {
        satisfy(project, model, filter, &mut base, 0);
    }
    if let Some(audience) = &c.audience {
        satisfy(project, model, audience, &mut base, 0);
    }
    let mut out = vec![base.clone()];
    let mut untils = base.clone();
    for node in &c.flow.nodes {
        let conditions: Vec<&Condition> = match &node.kind {
            NodeKind::Wait { until: Some(u), .. } => {
                satisfy(project, model, u, &mut untils, 0);
                vec![u]
            }
            NodeKind::Branch { arms, .. } => arms.iter().map(|a| &a.condition).collect(),
            _ => Vec::new(),
        };
        for condition in conditions {
            let mut lead = base.clone();
            satisfy(project, model, condition, &mut lead, 0);
            if !out.contains(&lead) {
                out.push(lead);
            }
        }
    }
    if !out.contains(&untils) {
        out.insert(1, untils);
    }
    // Handlers last: a lead that starts one.
    for h in &c.flow.handlers {
        let mut lead = base.clone();
        satisfy(project, model, &h.condition, &mut lead, 0);
        if !out.contains(&lead) {
            out.push(lead);
        }
    }
    out
}

/// The campaign's model by name: how a lead file gives scores.
fn model_name(c: &ir::Campaign) -> Option<&str> {
    c.scoring.as_ref().map(|m| m.name.as_str())
}

/// Makes the lead meet `c` where a simple choice does (`or`: the first
/// alternative; `not`: nothing).
fn satisfy(project: &ir::Project, model: Option<&str>, c: &Condition, lead: &mut Lead, depth: u32) {
    match &c.kind {
        ConditionKind::And(items) => {
            for item in items {
                satisfy(project, model, item, lead, depth);
            }
        }
        ConditionKind::Or(items) => {
            if let Some(first) = items.first() {
                satisfy(project, model, first, lead, depth);
            }
        }
        ConditionKind::InSegment(segment) => {
            if let Some(s) = project.referent(segment).filter(|_| depth < DEPTH) {
                satisfy(project, model, &s.condition, lead, depth + 1);
            }
        }
        ConditionKind::Property(p) => {
            lead.properties.insert(p.clone(), Value::Bool(true));
        }
        ConditionKind::Compare { left, op, right } => {
            let value = match (op, right) {
                (CompareOp::Ne, _) => return,
                (CompareOp::Gt, Value::Number(n)) => Value::Number(n + 1.0),
                (CompareOp::Lt, Value::Number(n)) => Value::Number(n - 1.0),
                (_, v) => v.clone(),
            };
            set(lead, model, left, value);
        }
        ConditionKind::Member {
            left,
            negated: false,
            values,
        } => {
            if let Some(v) = values.first() {
                set(lead, model, left, v.clone());
            }
        }
        ConditionKind::Contains {
            property,
            value: Value::String(v),
        } => {
            let list = lead.lists.entry(property.clone()).or_default();
            if !list.contains(v) {
                list.push(v.clone());
            }
        }
        ConditionKind::Contains { .. } => {}
        ConditionKind::Event { event, .. } => {
            let argument = event.argument.as_ref().map(|a| match a {
                EventArgument::Text(t) => t.clone(),
                EventArgument::Email(m) => m.name.clone(),
                EventArgument::Segment(s) => s.name.clone(),
            });
            let e = LeadEvent {
                at: 0,
                kind: event.kind,
                argument,
            };
            if !lead.events.contains(&e) {
                lead.events.push(e);
            }
        }
        ConditionKind::Not(_) | ConditionKind::Inactive(_) | ConditionKind::Member { .. } => {}
    }
}

fn set(lead: &mut Lead, model: Option<&str>, quantity: &Quantity, value: Value) {
    match quantity {
        Quantity::Property(p) => {
            lead.properties.insert(p.clone(), value);
        }
        Quantity::Score(component) => {
            let (Some(model), Value::Number(n)) = (model, value) else {
                return;
            };
            let score: &mut GivenScore = lead.scores.entry(model.to_string()).or_default();
            match component {
                None => score.total = Some(n),
                Some(c) => {
                    score.components.insert(c.clone(), n);
                }
            }
        }
    }
}

/// The lead in words: "a lead with role = "cto" and demo.requested at entry".
fn describe(lead: &Lead) -> String {
    let mut parts: Vec<String> = lead
        .properties
        .iter()
        .map(|(p, v)| match v {
            Value::String(s) => format!("{p} = {s:?}"),
            Value::Number(n) => format!("{p} = {n}"),
            Value::Bool(true) => p.clone(),
            Value::Bool(false) => format!("not {p}"),
        })
        .collect();
    for (p, values) in &lead.lists {
        parts.push(format!("{p} holding {values:?}"));
    }
    for (model, score) in &lead.scores {
        if let Some(t) = score.total {
            parts.push(format!("a `{model}` score of {t}"));
        }
        for (c, n) in &score.components {
            parts.push(format!("`{model}.{c}` {n}"));
        }
    }
    for e in &lead.events {
        let name = match (&e.argument, e.kind.argument_kind()) {
            (Some(a), ir::ArgumentKind::OptionalEmail | ir::ArgumentKind::RequiredSegment) => {
                format!("`{}({a})`", e.kind.name())
            }
            (Some(a), _) => format!("`{}({a:?})`", e.kind.name()),
            (None, _) => format!("`{}`", e.kind.name()),
        };
        match e.at {
            0 => parts.push(format!("{name} at entry")),
            at => parts.push(format!("{name} on day {}", at.div_euclid(86_400))),
        }
    }
    match parts.as_slice() {
        [] => "a lead with no properties and no events".to_string(),
        [only] => format!("a lead with {only}"),
        [rest @ .., last] => format!("a lead with {} and {last}", rest.join(", ")),
    }
}

/// A witness for two campaigns that one event starts together and that
/// together send more than a cap allows: the lead enters `first` by its
/// trigger `trigger` (0-based), the same event starts `second` (watched
/// through [`Options::also_watch`]), and the two runs' sends put more than
/// `sends` emails within `per` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlapWitness {
    pub lead: Lead,
    pub seed: u64,
    /// The sends of the two campaigns within the window that goes over the
    /// cap, in time order: seconds from entry and the campaign's index.
    pub sends: Vec<(i64, usize)>,
}

/// The options a witness of two campaigns is simulated with.
pub fn overlap_options(second: usize, seed: u64) -> Options {
    Options {
        seed,
        step_budget: STEP_BUDGET,
        also_watch: Some(second),
        ..Options::default()
    }
}

/// The sends of campaigns `first` and `second` in `trace`, if more than
/// `sends` of them fall within a window of `per` seconds: those in the
/// first such window.
pub fn overlap_sends(
    project: &ir::Project,
    trace: &Trace,
    (first, second): (usize, usize),
    sends: u64,
    per: u64,
) -> Option<Vec<(i64, usize)>> {
    let per = i64::try_from(per).ok()?;
    let index = |name: &str| {
        [first, second]
            .into_iter()
            .find(|&c| project.campaigns.get(c).is_some_and(|c| c.name == name))
    };
    // In time order: the steps are.
    let all: Vec<(i64, usize)> = trace
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Send { .. }))
        .filter_map(|s| Some((s.seconds, index(&s.campaign)?)))
        .collect();
    all.iter().enumerate().find_map(|(i, &(t, _))| {
        let window: Vec<(i64, usize)> = all[..=i]
            .iter()
            .copied()
            .filter(|(u, _)| *u > t - per)
            .collect();
        let both =
            window.iter().any(|(_, c)| *c == first) && window.iter().any(|(_, c)| *c == second);
        (both && window.len() as u64 > sends).then_some(window)
    })
}

/// A witness for a `campaign-overlap` or `project-cap` between `first`
/// (entered by its trigger `trigger`) and `second`, against a cap of
/// `sends` emails per `per` seconds, if the search finds one. The
/// candidates are `first`'s, each also made to pass `second`'s audience
/// and the `where` of its triggers that the same event fires.
pub fn find_overlap(
    project: &ir::Project,
    (first, trigger): (usize, usize),
    second: usize,
    sends: u64,
    per: u64,
) -> Option<OverlapWitness> {
    let (a, b) = (
        project.campaigns.get(first)?,
        project.campaigns.get(second)?,
    );
    let source = &a.triggers.get(trigger)?.source;
    let seeds = overlap_seeds(a, b);
    // The `where` of each trigger of `second` that the same event fires.
    let fired = b.triggers.iter().filter(|t| match (source, &t.source) {
        (ir::EventSource::Event(x), ir::EventSource::Event(y)) => {
            x.kind == y.kind
                && (y.argument.is_none() || x.argument.is_none() || x.argument == y.argument)
        }
        (ir::EventSource::Inactive(x), ir::EventSource::Inactive(y)) => x == y,
        _ => false,
    });
    let prepared = Prepared::new(project);
    for lead in overlap_candidates(project, (a, trigger), b, fired) {
        for &seed in seeds {
            let options = overlap_options(second, seed);
            let Ok(trace) =
                super::engine::simulate_prepared(project, &prepared, &a.name, &lead, &options)
            else {
                continue;
            };
            if let Some(sends) = overlap_sends(project, &trace, (first, second), sends, per) {
                return Some(OverlapWitness { lead, seed, sends });
            }
        }
    }
    None
}

/// A witness for two campaigns that different events start (`[policy]
/// overlap = "any-trigger"`): the lead enters `first` by its trigger
/// `trigger` (0-based) and later does the event of `second`'s trigger
/// `second_trigger`, which starts `second` too. The times tried for that
/// event: entry and each send of `first`'s own run, so that the densest
/// stretches of the two runs can meet. `None` for an `inactive` trigger of
/// `second` (no event to give), or when the search finds nothing.
pub fn find_overlap_apart(
    project: &ir::Project,
    (first, trigger): (usize, usize),
    (second, second_trigger): (usize, usize),
    sends: u64,
    per: u64,
) -> Option<OverlapWitness> {
    let (a, b) = (
        project.campaigns.get(first)?,
        project.campaigns.get(second)?,
    );
    let tb = b.triggers.get(second_trigger)?;
    let ir::EventSource::Event(event) = &tb.source else {
        return None;
    };
    let argument = event.argument.as_ref().map(|a| match a {
        EventArgument::Text(s) => s.clone(),
        EventArgument::Email(r) => r.name.clone(),
        EventArgument::Segment(r) => r.name.clone(),
    });
    let seeds = overlap_seeds(a, b);
    let prepared = Prepared::new(project);
    for lead in overlap_candidates(project, (a, trigger), b, std::iter::once(tb)) {
        for &seed in seeds {
            let options = overlap_options(second, seed);
            let Ok(alone) =
                super::engine::simulate_prepared(project, &prepared, &a.name, &lead, &options)
            else {
                continue;
            };
            let mut times: Vec<i64> = std::iter::once(0)
                .chain(
                    alone
                        .steps
                        .iter()
                        .filter(|s| s.campaign == a.name && matches!(s.kind, StepKind::Send { .. }))
                        .map(|s| s.seconds),
                )
                .collect();
            times.dedup();
            for at in times.into_iter().take(CANDIDATES) {
                let mut with_event = lead.clone();
                with_event.events.push(LeadEvent {
                    at,
                    kind: event.kind,
                    argument: argument.clone(),
                });
                let Ok(trace) = super::engine::simulate_prepared(
                    project,
                    &prepared,
                    &a.name,
                    &with_event,
                    &options,
                ) else {
                    continue;
                };
                if let Some(sends) = overlap_sends(project, &trace, (first, second), sends, per) {
                    return Some(OverlapWitness {
                        lead: with_event,
                        seed,
                        sends,
                    });
                }
            }
        }
    }
    None
}

/// The candidate leads of a witness of two campaigns: `first`'s, entering
/// it by its trigger `trigger` (0-based), each also made to pass the
/// `where` of `second_triggers` (the triggers of `second` that let it in)
/// and `second`'s audience.
fn overlap_candidates<'p>(
    project: &ir::Project,
    (first, trigger): (&ir::Campaign, usize),
    second: &ir::Campaign,
    second_triggers: impl Iterator<Item = &'p ir::Trigger> + Clone,
) -> Vec<Lead> {
    let mut leads = candidates(project, first);
    leads.truncate(CANDIDATES);
    for lead in &mut leads {
        lead.trigger = trigger + 1;
        if let Some(filter) = first.triggers.get(trigger).and_then(|t| t.filter.as_ref()) {
            satisfy(project, model_name(first), filter, lead, 0);
        }
        for t in second_triggers.clone() {
            if let Some(filter) = &t.filter {
                satisfy(project, model_name(second), filter, lead, 0);
            }
        }
        if let Some(audience) = &second.audience {
            satisfy(project, model_name(second), audience, lead, 0);
        }
    }
    leads
}

/// The split seeds a witness of two campaigns tries: several when either
/// splits.
fn overlap_seeds(a: &ir::Campaign, b: &ir::Campaign) -> &'static [u64] {
    let splits = |c: &ir::Campaign| {
        c.flow
            .nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Split { .. }))
    };
    if splits(a) || splits(b) {
        &[0, 1, 2, 3]
    } else {
        &[0]
    }
}

/// The note that tells of a witness of two campaigns that different
/// events start.
/// `first` is the campaign the lead enters by its own trigger.
pub fn overlap_apart_note(
    project: &ir::Project,
    witness: &OverlapWitness,
    first: usize,
    window: &str,
) -> String {
    let first = project.campaigns.get(first).map_or("", |c| c.name.as_str());
    format!(
        "for example, {} enters `{first}` by its trigger, is in both and gets {}",
        describe(&witness.lead),
        sends_in_words(project, witness, window)
    )
}

/// The note that tells of a witness of two campaigns.
pub fn overlap_note(project: &ir::Project, witness: &OverlapWitness, window: &str) -> String {
    format!(
        "for example, {} is started in both by the one event and gets {}",
        describe(&witness.lead),
        sends_in_words(project, witness, window)
    )
}

/// "3 emails within 7 days: on day 0 (`a`), …": the sends of a witness of
/// two campaigns.
fn sends_in_words(project: &ir::Project, witness: &OverlapWitness, window: &str) -> String {
    let days: Vec<String> = witness
        .sends
        .iter()
        .map(|&(t, c)| {
            let name = project.campaigns.get(c).map_or("", |c| c.name.as_str());
            format!("day {} (`{name}`)", t.div_euclid(86_400))
        })
        .collect();
    let seed = if witness.seed == 0 {
        String::new()
    } else {
        format!(" (split seed {})", witness.seed)
    };
    format!(
        "{} emails within {window}: on {}{seed}",
        witness.sends.len(),
        days.join(", ")
    )
}
