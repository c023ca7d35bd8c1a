//! The limits of AWS Step Functions that a campaign or its machine can
//! exceed, as `step-functions-limit` diagnostics when the `asl` target is
//! built (`/work/shared/specs/aws-step-functions-asl/limits.md`, quoted in
//! `docs/backends.md`).

use super::bind::Binder;
use crate::diagnostics::Code;
use crate::ir::{Campaign, Flow, NodeId, NodeKind, Target};
use std::collections::{BTreeSet, VecDeque};

/// A standard execution runs at most one year (a hard quota); a year of
/// 365 days is the conservative reading.
pub(crate) const MAX_EXECUTION_SECONDS: u64 = 365 * 86_400;
/// The largest `TimeoutSeconds` the ASL schema accepts.
pub(crate) const MAX_TIMEOUT_SECONDS: u64 = 99_999_999;
/// `CreateStateMachine`'s `definition` is at most 1,048,576 characters.
pub(crate) const MAX_DEFINITION_BYTES: usize = 1_048_576;

const HELP_HISTORY: &str = "split the campaign and `enroll` the lead into the next one, or move long conditions into segments";
const HELP_YEAR: &str = "keep every run of a lead under a year: shorten the waits, or split the campaign and `enroll` the lead into the next one";

/// Waits over a year, and a loop-free flow whose longest run is over a
/// year. A flow with a loop has no longest run (its loop ends by a goal,
/// `exit`, `handoff` or `enroll` at a time only the lead decides); that is
/// documented, not reported.
pub(crate) fn check_durations(campaign: &Campaign, b: &mut Binder) {
    let mut any_long_wait = false;
    for node in &campaign.flow.nodes {
        if let NodeKind::Wait { duration, .. } = &node.kind {
            if duration.seconds > MAX_EXECUTION_SECONDS {
                any_long_wait = true;
                let what = if duration.seconds > MAX_TIMEOUT_SECONDS {
                    "; as a `TimeoutSeconds` it is also over the maximum 99,999,999 seconds"
                        .to_string()
                } else {
                    String::new()
                };
                b.unsupported(
                    Code::StepFunctionsLimit,
                    format!(
                        "`wait {}` is longer than a Step Functions execution can run (one year){what}",
                        duration.to_text()
                    ),
                    node.head,
                    "a wait over a year",
                    HELP_YEAR,
                );
            }
        }
    }
    if any_long_wait {
        return;
    }
    if let Some(longest) = longest_run(campaign) {
        if longest > MAX_EXECUTION_SECONDS {
            b.unsupported(
                Code::StepFunctionsLimit,
                format!(
                    "campaign `{}` can run for {} days, longer than a Step Functions execution can (one year)",
                    campaign.name,
                    longest.div_ceil(86_400)
                ),
                campaign.name_span,
                "its longest path waits over a year in all",
                HELP_YEAR,
            );
        }
    }
}

/// The machine's JSON text over the definition size limit.
pub(crate) fn check_size(campaign: &Campaign, contents: &str, b: &mut Binder) {
    if contents.len() > MAX_DEFINITION_BYTES {
        b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "the state machine of campaign `{}` is {} bytes, over Step Functions' 1 MB definition limit",
                campaign.name,
                contents.len()
            ),
            campaign.name_span,
            "its machine is too large",
            "split the campaign, or move long conditions into segments (the machine passes segment definitions once)",
        );
    }
}

/// The statements that statement `id` of `flow` goes on to (not falling off).
fn successors_in(flow: &Flow, id: NodeId) -> Vec<NodeId> {
    flow.node(id).map_or_else(Vec::new, |node| {
        node.kind
            .successors()
            .into_iter()
            .filter_map(|t| match t {
                Target::Node(j) if flow.node(j).is_some() => Some(j),
                _ => None,
            })
            .collect()
    })
}

/// The most seconds any path from the entry waits in all, or `None` when
/// a loop is reachable.
fn longest_run(campaign: &Campaign) -> Option<u64> {
    let flow = &campaign.flow;
    let successors = |id: NodeId| successors_in(flow, id);
    let Target::Node(entry) = flow.entry else {
        return Some(0);
    };
    if flow.node(entry).is_none() {
        return Some(0);
    }
    let order = reachable_in_order(flow, &[entry], &successors)?;
    let mut before = vec![0u64; flow.nodes.len()];
    let mut longest = 0u64;
    for id in order {
        let wait = match &flow.nodes[id].kind {
            NodeKind::Wait { duration, .. } => duration.seconds,
            _ => 0,
        };
        let after = before[id.index()].saturating_add(wait);
        longest = longest.max(after);
        for j in successors(id) {
            before[j.index()] = before[j.index()].max(after);
        }
    }
    Some(longest)
}

/// The statements reachable from `starts`, in topological order (Kahn's
/// algorithm); `None` when a cycle is reachable.
fn reachable_in_order(
    flow: &Flow,
    starts: &[NodeId],
    successors: &dyn Fn(NodeId) -> Vec<NodeId>,
) -> Option<Vec<NodeId>> {
    let n = flow.nodes.len();
    let mut reachable = vec![false; n];
    let mut stack = starts.to_vec();
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut reachable[id.index()], true) {
            stack.extend(successors(id));
        }
    }
    let reachable_ids = || {
        flow.nodes_with_ids()
            .map(|(id, _)| id)
            .filter(|id| reachable[id.index()])
    };
    let mut indegree = vec![0usize; n];
    for id in reachable_ids() {
        for j in successors(id) {
            indegree[j.index()] += 1;
        }
    }
    let mut order = Vec::new();
    let mut queue: VecDeque<NodeId> = reachable_ids()
        .filter(|id| indegree[id.index()] == 0)
        .collect();
    while let Some(id) = queue.pop_front() {
        order.push(id);
        for j in successors(id) {
            indegree[j.index()] -= 1;
            if indegree[j.index()] == 0 {
                queue.push_back(j);
            }
        }
    }
    (order.len() == reachable.iter().filter(|r| **r).count()).then_some(order)
}

// ── continuing a looping campaign in a new execution ──

/// The most history events one execution may have (a hard quota).
pub(crate) const MAX_HISTORY_EVENTS: u64 = 25_000;
/// The most a `send` held by a send window waits: a window opens at least
/// once a week.
pub(crate) const MAX_WINDOW_SECONDS: u64 = 7 * 86_400;

/// The gotos of the flow's loops: those that jump back (to their own
/// statement or an earlier one) and that their target leads to again.
/// Every other edge of a flow leads forward in node order, so every loop
/// passes one of them: they are where a run can continue in a new
/// execution. (A handler's `goto` back into the flow is no loop: a
/// handler runs at most once per execution.)
pub(crate) fn backward_gotos(flow: &Flow) -> BTreeSet<NodeId> {
    let n = flow.nodes.len();
    let leads_back = |from: NodeId, to: NodeId| {
        let mut seen = vec![false; n];
        let mut stack = vec![from];
        while let Some(id) = stack.pop() {
            if id == to {
                return true;
            }
            if id.index() < n && !std::mem::replace(&mut seen[id.index()], true) {
                stack.extend(successors_in(flow, id));
            }
        }
        false
    };
    flow.nodes_with_ids()
        .filter_map(|(id, n)| match &n.kind {
            NodeKind::Goto {
                target: Some(t), ..
            } if *t <= id && leads_back(*t, id) => Some(id),
            _ => None,
        })
        .collect()
}

/// The longest stretch of a run between two of its starts: from the entry
/// or a backward goto's target (where a resumed execution starts) to a
/// backward goto or an end, by `weight` per statement (seconds waited,
/// history events). Handlers may start from any statement, each at most
/// once per execution, so their blocks count after the longest stretch,
/// once per handler. `None` when the flow still has a cycle without the
/// backward gotos (then no continuation point bounds it).
pub(crate) fn longest_stretch(
    flow: &Flow,
    cut: &BTreeSet<NodeId>,
    weight: &dyn Fn(NodeId) -> u64,
) -> Option<u64> {
    let n = flow.nodes.len();
    let successors = |id: NodeId| {
        if cut.contains(&id) {
            return Vec::new();
        }
        successors_in(flow, id)
    };
    let node = |t: Target| match t {
        Target::Node(id) if flow.node(id).is_some() => Some(id),
        _ => None,
    };
    let mut starts: Vec<NodeId> = node(flow.entry).into_iter().collect();
    for &g in cut {
        for t in flow.nodes[g].kind.successors() {
            starts.extend(node(t));
        }
    }
    let handlers: Vec<NodeId> = flow.handlers.iter().filter_map(|h| node(h.entry)).collect();
    let all: Vec<NodeId> = starts.iter().chain(&handlers).copied().collect();
    let order = reachable_in_order(flow, &all, &successors)?;
    let mut handler_start = None;
    let mut longest = 0;
    for _ in 0..=handlers.len() {
        let mut before = vec![0u64; n];
        if let Some(h) = handler_start {
            for &id in &handlers {
                before[id.index()] = h;
            }
        }
        longest = 0;
        for &id in &order {
            let after = before[id.index()].saturating_add(weight(id));
            longest = longest.max(after);
            for j in successors(id) {
                before[j.index()] = before[j.index()].max(after);
            }
        }
        handler_start = Some(longest);
    }
    Some(longest)
}

/// The seconds a statement can wait at most: a `wait`'s duration, a
/// windowed `send`'s hold.
pub(crate) fn seconds_waited(campaign: &Campaign, id: NodeId) -> u64 {
    match campaign.flow.node(id).map(|n| &n.kind) {
        Some(NodeKind::Wait { duration, .. }) => duration.seconds,
        Some(NodeKind::Send { .. }) if campaign.send_window.is_some() => MAX_WINDOW_SECONDS,
        _ => 0,
    }
}

/// How many stretches one execution of a looping campaign runs before its
/// next backward goto continues the run in a new execution: as many as fit
/// in a year and in the history quota, given the longest stretch in
/// seconds and in events and the events outside the flow (`overhead`).
/// `None` (after reporting why) when not even one fits.
pub(crate) fn rounds_per_execution(
    campaign: &Campaign,
    events_of: &dyn Fn(NodeId) -> u64,
    overhead: u64,
    b: &mut Binder,
) -> Option<u64> {
    let flow = &campaign.flow;
    let cut = backward_gotos(flow);
    let seconds = |id: NodeId| seconds_waited(campaign, id);
    let (Some(longest), Some(events)) = (
        longest_stretch(flow, &cut, &seconds),
        longest_stretch(flow, &cut, events_of),
    ) else {
        b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "campaign `{}` loops in a way its machine cannot continue in a new execution",
                campaign.name
            ),
            campaign.name_span,
            "a loop without a backward `goto`",
            "close every loop with a `goto` back to its label",
        );
        return None;
    };
    if longest > MAX_EXECUTION_SECONDS {
        b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "one round of campaign `{}` can wait {} days, longer than a Step Functions execution can run (one year), so continuing the loop in a new execution does not help",
                campaign.name,
                longest.div_ceil(86_400)
            ),
            campaign.name_span,
            "a round of its loop waits over a year in all",
            "shorten the waits of the loop so that one round (from the entry or the loop's label to its `goto`) waits under a year",
        );
        return None;
    }
    let budget = MAX_HISTORY_EVENTS.saturating_sub(overhead);
    if events > budget {
        b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "one round of campaign `{}` can write {} history events, more than a Step Functions execution can have ({MAX_HISTORY_EVENTS})",
                campaign.name,
                events.saturating_add(overhead)
            ),
            campaign.name_span,
            "a round of its loop has too many steps",
            HELP_HISTORY,
        );
        return None;
    }
    let by_time = MAX_EXECUTION_SECONDS / longest.max(1);
    let by_events = budget / events.max(1);
    Some(by_time.min(by_events).max(1))
}

/// A campaign without loops whose longest path writes more history events
/// than an execution can have (a campaign with a loop continues in a new
/// execution instead: [`rounds_per_execution`]).
pub(crate) fn check_history(
    campaign: &Campaign,
    events_of: &dyn Fn(NodeId) -> u64,
    overhead: u64,
    b: &mut Binder,
) {
    let Some(events) = longest_stretch(&campaign.flow, &BTreeSet::new(), events_of) else {
        return;
    };
    let events = events.saturating_add(overhead);
    if events > MAX_HISTORY_EVENTS {
        b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "campaign `{}` can write {events} history events in one execution, more than Step Functions allows ({MAX_HISTORY_EVENTS})",
                campaign.name
            ),
            campaign.name_span,
            "its longest path has too many steps",
            HELP_HISTORY,
        );
    }
}
