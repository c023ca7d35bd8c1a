//! Flow analysis: the checks that follow leads through a campaign's flow
//! graph ([`graph::FlowGraph`]).
//!
//! | code                    | module        | how                                              |
//! | ----------------------- | ------------- | ------------------------------------------------ |
//! | `unreachable-step`      | `reach`       | breadth-first search from the entry              |
//! | `missing-exit`          | `reach`       | reachable statements with an edge past the end   |
//! | `loop-without-wait`     | `loops`       | components of the statements that take no time   |
//! | `endless-loop`          | `loops`       | components that no exit can be reached from      |
//! | `cadence-cap`           | `cadence`     | dynamic programming, one Dijkstra run per layer  |
//! |                         | `settle`      | per-edge delays: a test after `wait … or until`  |
//! | `unreachable-threshold` | `thresholds`  | the most points a component can reach            |
//! | `dead-branch-arm`       | `dead_arms`   | a sound implication prover on conditions         |
//! | `email-not-sent-yet`    | `email_order` | "sent on every path" dataflow                    |
//! | `unused-label`          | `labels`      | labels of reachable statements no `goto` names   |
//! | `loop-without-wait`     | `network`     | enroll cycles: depth-first search over campaigns |
//! | `campaign-overlap`      | `overlap`     | shared triggers, the prover, the cadence layers  |
//! | `project-cap`           | `overlap`     | the same, and `cadence` against the project cap  |
//!
//! None of them enumerates paths: each is polynomial in the size of the flow.

mod cadence;
mod dead_arms;
mod email_order;
pub(crate) mod graph;
mod labels;
mod loops;
pub(crate) mod network;
pub(crate) mod overlap;
mod reach;
mod settle;
pub(crate) mod text;
mod thresholds;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::simulate::engine::Prepared;
use std::cell::OnceCell;

/// How many diagnostics of a project get a witness: the search simulates
/// leads, and a pathological project can have thousands of diagnostics.
pub(crate) const WITNESSES: usize = 16;

/// What the checks of a project share as they go, campaign by campaign.
pub(crate) struct Budgets {
    /// What is left of [`crate::resolve::suggest::BUDGET`] for the project.
    pub suggestions: usize,
    /// How many more diagnostics of the project may get a witness.
    pub witnesses: usize,
}

/// The flow checks of campaign `index` of the project.
pub(crate) fn check(
    ctx: &network::Context<'_>,
    index: usize,
    budgets: &mut Budgets,
    out: &mut Vec<Diagnostic>,
) {
    let first = out.len();
    checks(ctx, index, &mut budgets.suggestions, out);
    add_witnesses(
        ctx.project,
        index,
        &mut out[first..],
        &mut budgets.witnesses,
        &OnceCell::new(),
    );
}

/// A note with a concrete lead on each `missing-exit`, `endless-loop` and
/// `cadence-cap` of campaign `index` that the simulator can show happening.
/// `index`: the campaign's place in the project (not searched for: a
/// search per campaign would be quadratic).
/// `prepared`: the simulator's facts of the project, made at the first
/// witness and kept for the next ones.
pub(crate) fn add_witnesses<'p>(
    project: &'p ir::Project,
    index: usize,
    found: &mut [Diagnostic],
    budget: &mut usize,
    prepared: &OnceCell<Prepared<'p>>,
) {
    let witnessed = [Code::MissingExit, Code::EndlessLoop, Code::CadenceCap];
    for d in found.iter_mut().filter(|d| witnessed.contains(&d.code)) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let prepared = prepared.get_or_init(|| Prepared::new(project));
        if let Some(w) = crate::simulate::witness::find_prepared(project, prepared, index, d) {
            d.notes.push(crate::simulate::witness::note(d.code, &w));
        }
    }
}

fn checks(
    ctx: &network::Context<'_>,
    index: usize,
    suggestion_budget: &mut usize,
    out: &mut Vec<Diagnostic>,
) {
    let project = ctx.project;
    let (Some(campaign), Some(g)) = (project.campaigns.get(index), ctx.graphs.get(index)) else {
        return;
    };
    reach::unreachable_steps(g, out);
    labels::unused_labels(g, suggestion_budget, out);
    reach::missing_exits(campaign, g, out);
    let delays = ctx.delays.get(index).map_or(&[][..], Vec::as_slice);
    loops::check(campaign, g, delays, out);
    cadence::check(ctx, index, out);
    email_order::check(ctx, index, out);
    dead_arms::check(project, campaign, out);
    thresholds::check_campaign(project, campaign, out);
}

/// The checks across campaigns: cycles of `enroll`s that never wait, and
/// campaigns that together send more than their caps allow.
/// `witnesses`: what is left of [`Budgets::witnesses`] after the campaigns.
pub(crate) fn check_network(
    ctx: &network::Context<'_>,
    witnesses: &mut usize,
    out: &mut Vec<Diagnostic>,
) {
    network::enroll_cycles(ctx, out);
    overlap::check(ctx, witnesses, out);
}

/// The flow checks of the project's segments (score thresholds).
pub(crate) fn check_segments(project: &ir::Project, out: &mut Vec<Diagnostic>) {
    thresholds::check_segments(project, out);
}
