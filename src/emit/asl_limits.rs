//! The limits of AWS Step Functions that a campaign or its machine can
//! exceed, as `step-functions-limit` diagnostics when the `asl` target is
//! built (`/work/shared/specs/aws-step-functions-asl/limits.md`, quoted in
//! `docs/backends.md`).

use super::bind::Binder;
use crate::diagnostics::Code;
use crate::ir::{Campaign, NodeKind, Target};
use std::collections::VecDeque;

/// A standard execution runs at most one year (a hard quota); a year of
/// 365 days is the conservative reading.
pub(crate) const MAX_EXECUTION_SECONDS: u64 = 365 * 86_400;
/// The largest `TimeoutSeconds` the ASL schema accepts.
pub(crate) const MAX_TIMEOUT_SECONDS: u64 = 99_999_999;
/// `CreateStateMachine`'s `definition` is at most 1,048,576 characters.
pub(crate) const MAX_DEFINITION_BYTES: usize = 1_048_576;

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
                    format!(
                        "; as a `TimeoutSeconds` it is also over the maximum {MAX_TIMEOUT_SECONDS}"
                    )
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

/// The most seconds any path from the entry waits in all, or `None` when
/// a loop is reachable.
fn longest_run(campaign: &Campaign) -> Option<u64> {
    let flow = &campaign.flow;
    let n = flow.nodes.len();
    let successors = |i: usize| -> Vec<usize> {
        flow.nodes[i]
            .kind
            .successors()
            .into_iter()
            .filter_map(|t| match t {
                Target::Node(j) if j < n => Some(j),
                _ => None,
            })
            .collect()
    };
    // The reachable part, then Kahn's algorithm over it.
    let Target::Node(entry) = flow.entry else {
        return Some(0);
    };
    if entry >= n {
        return Some(0);
    }
    let mut reachable = vec![false; n];
    let mut stack = vec![entry];
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut reachable[i], true) {
            stack.extend(successors(i));
        }
    }
    let mut indegree = vec![0usize; n];
    for i in (0..n).filter(|&i| reachable[i]) {
        for j in successors(i) {
            indegree[j] += 1;
        }
    }
    let mut queue: VecDeque<usize> = (0..n)
        .filter(|&i| reachable[i] && indegree[i] == 0)
        .collect();
    let mut before = vec![0u64; n];
    let (mut done, mut longest) = (0, 0u64);
    while let Some(i) = queue.pop_front() {
        done += 1;
        let wait = match &flow.nodes[i].kind {
            NodeKind::Wait { duration, .. } => duration.seconds,
            _ => 0,
        };
        let after = before[i].saturating_add(wait);
        longest = longest.max(after);
        for j in successors(i) {
            before[j] = before[j].max(after);
            indegree[j] -= 1;
            if indegree[j] == 0 {
                queue.push_back(j);
            }
        }
    }
    (done == reachable.iter().filter(|r| **r).count()).then_some(longest)
}
