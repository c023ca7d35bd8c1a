//! Settling `wait D or until C`: a lead that goes on past a test proving
//! `not C` waited the full `D` (the wait ended by its duration, since `C`
//! would have ended it, and still holds at the instant of the test).
//!
//! The test is a `branch` that follows the wait directly (only `notify`
//! statements, which take no time and change nothing about the lead, may
//! come between) and that nothing else leads to: no `goto`, no handler and
//! no other path enters it or what lies between, so every lead at the test
//! comes from that wait. An arm proves `not C` when its condition implies
//! `not C`, or when an earlier arm's condition is implied by `C` (every lead
//! with `C` took that arm or one before it); the `else` and no-match edges
//! prove it when any arm is implied by `C`. Implication is the dead-arm
//! prover's: sound, so the delays are never more than what leads wait.
//!
//! The result is a minimum delay per edge of the flow graph, what the
//! cadence search adds when a lead takes the edge: the time spent in the
//! statement left, plus `D` on an edge that settles a wait. One look back
//! per branch and one proof per arm: linear in the flow, no paths.

use super::dead_arms::Prover;
use super::graph::{min_delay, Edge, FlowGraph};
use crate::ir::{self, ConditionKind, NodeKind};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

/// The delay of edge `e` (from `source`) in `delays` of [`edge_delays`];
/// the time spent in `source` for an edge it does not list.
pub(super) fn delay_of(
    g: &FlowGraph<'_>,
    delays: &[u64],
    e: petgraph::graph::EdgeIndex,
    source: NodeIndex,
) -> u64 {
    delays
        .get(e.index())
        .copied()
        .unwrap_or_else(|| g.step(source).map_or(0, min_delay))
}

/// Per edge of `g.graph` (by index): the least time a lead spends between
/// arriving at the edge's source and arriving at its target.
pub(super) fn edge_delays(project: &ir::Project, g: &FlowGraph<'_>) -> Vec<u64> {
    let mut delays: Vec<u64> = g
        .graph
        .edge_references()
        .map(|e| g.step(e.source()).map_or(0, min_delay))
        .collect();
    // The settling wait of each branch, found first so that the negated
    // conditions live as long as the prover that reads them.
    let mut settled: Vec<(NodeIndex, &ir::Condition, u64)> = Vec::new();
    for (v, node) in g.reachable_steps() {
        if !matches!(node.kind, NodeKind::Branch { .. }) {
            continue;
        }
        if let Some((until, seconds)) = settling_wait(g, v) {
            settled.push((v, until, seconds));
        }
    }
    if settled.is_empty() {
        return delays;
    }
    let negations: Vec<ir::Condition> = settled
        .iter()
        .map(|(_, until, _)| ir::Condition {
            kind: ConditionKind::Not(Box::new((*until).clone())),
            span: until.span,
        })
        .collect();
    let mut prover = Prover::new(project);
    for ((v, until, seconds), not_until) in settled.iter().zip(&negations) {
        let Some(NodeKind::Branch { arms, .. }) = g.step(*v).map(|n| &n.kind) else {
            continue;
        };
        // Per arm: whether `until` implies its condition.
        let caught: Vec<bool> = arms
            .iter()
            .map(|a| prover.proves(until, &a.condition))
            .collect();
        for e in g.graph.edges(*v) {
            let proves_not = match e.weight() {
                Edge::Arm(k) => {
                    caught.get(..*k).is_some_and(|c| c.iter().any(|x| *x))
                        || arms
                            .get(*k)
                            .is_some_and(|a| prover.proves(&a.condition, not_until))
                }
                Edge::Else | Edge::NoMatch => caught.iter().any(|x| *x),
                _ => false,
            };
            if proves_not {
                if let Some(d) = delays.get_mut(e.id().index()) {
                    *d = d.saturating_add(*seconds);
                }
            }
        }
    }
    delays
}

/// The `wait D or until C` that every lead at branch `v` comes straight
/// from: `C` and `D` in seconds.
fn settling_wait<'c>(g: &FlowGraph<'c>, v: NodeIndex) -> Option<(&'c ir::Condition, u64)> {
    let mut at = v;
    // Each step back leaves a statement with one way in; the chain cannot
    // be longer than the flow.
    for _ in 0..=g.flow.nodes.len() {
        let mut incoming = g.graph.edges_directed(at, Direction::Incoming);
        let only = incoming.next()?;
        if incoming.next().is_some() || *only.weight() != Edge::Next {
            return None;
        }
        let from = only.source();
        match &g.step(from)?.kind {
            NodeKind::Wait {
                duration,
                until: Some(until),
                ..
            } => return Some((until, duration.seconds)),
            NodeKind::Notify { .. } => at = from,
            _ => return None,
        }
    }
    None
}
