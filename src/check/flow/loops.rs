//! `loop-without-wait` and `endless-loop`: cycles found as strongly connected
//! components (Kosaraju's algorithm, which petgraph runs iteratively, so a
//! long flow cannot exhaust the stack), in O(V + E) each.
//!
//! Every edge but a `goto` goes forward in source order (statements are
//! numbered before the ones nested in them, and a block continues after its
//! statement's whole subtree), so every cycle contains a `goto` back to a
//! statement at or before it: that `goto` closes the cycle. Each component
//! gets one diagnostic, on the last `goto` that closes a cycle in it (the
//! outer loop, as a rule), with the other closing `goto`s as secondary
//! labels: one fix, a wait or a way out, often serves them all. Time is
//! the per-edge delays of [`super::settle`], so a loop that goes round only
//! past a test settling a `wait … or until` waits.

use super::graph::{components, same_component as same, FlowGraph, Vertex};
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeKind};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::BTreeMap;

/// The most statements a cycle's note lists before eliding the rest.
const LISTED: usize = 12;

/// `delays`: per edge, the least time a lead spends on it ([`super::settle`]),
/// so that a loop through a test that settles a `wait … or until` waits.
pub(super) fn check(
    campaign: &ir::Campaign,
    g: &FlowGraph<'_>,
    delays: &[u64],
    out: &mut Vec<Diagnostic>,
) {
    let gotos: Vec<Goto<'_>> = g
        .reachable_steps()
        .filter_map(|(v, node)| match &node.kind {
            NodeKind::Goto {
                target: Some(t), ..
            } if g.node_id(v).is_some_and(|own| *t <= own) => {
                Some((v, FlowGraph::vertex(*t), node))
            }
            _ => None,
        })
        .collect();
    if gotos.is_empty() {
        return;
    }

    // Cycles in which nothing waits: components of the edges between
    // reachable statements that take no time. (A cycle leaves each of its
    // statements by one of its edges, so this is "every statement of the
    // cycle takes no time", except where a test settled a wait.)
    let instant =
        |e: petgraph::graph::EdgeIndex, a: NodeIndex| super::settle::delay_of(g, delays, e, a) == 0;
    let zero: DiGraph<Vertex, ()> = g.graph.filter_map(
        |_, w| Some(*w),
        |e, _| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            (g.is_reachable(a) && g.is_reachable(b) && instant(e, a)).then_some(())
        },
    );
    let zero_component = components(&zero);
    for group in closing_groups(&gotos, &zero_component) {
        let Some(&(v, target, node)) = group.last() else {
            continue;
        };
        let cycle = g
            .path_within(target, v, |w| same(&zero_component, w, v))
            .unwrap_or_else(|| vec![target, v]);
        let mut d = Diagnostic::new(
            Code::LoopWithoutWait,
            "this loop never waits: leads go round it at once",
            node.head,
            format!(
                "jumps back to `{}` without any wait on the way",
                goto_label(node)
            ),
        );
        if let Some(start) = g.step(target) {
            d = d.with_secondary(start.head, "the loop starts here");
        }
        for &(_, _, other) in group.iter().rev().skip(1) {
            d = d.with_secondary(other.head, "this `goto` also loops back without waiting");
        }
        for &c in &cycle {
            if let Some(n) = g.step(c) {
                if matches!(n.kind, NodeKind::Wait { until: Some(_), .. }) {
                    d = d.with_secondary(
                        n.head,
                        "`wait … or until …` can end at once, so it does not count",
                    );
                }
            }
        }
        out.push(
            d.with_note(format!("the loop: {}", describe_cycle(g, &cycle)))
                .with_help(format!(
                    "add a plain `wait` (without `or until`) inside the loop, e.g. `wait 7d` before `{}`",
                    text::statement(node)
                )),
        );
    }

    // Cycles from which no exit can be reached.
    let mut ends: Vec<NodeIndex> = vec![g.fall_off];
    for (v, node) in g.reachable_steps() {
        // A `goto` to an undefined label is reported already; let it end.
        if node.kind.is_terminal() || matches!(node.kind, NodeKind::Goto { target: None, .. }) {
            ends.push(v);
        }
    }
    let can_end = g.search(ends, Direction::Incoming);
    let component = components(&g.graph);
    for group in closing_groups(&gotos, &component) {
        let Some(&(v, target, node)) = group.last() else {
            continue;
        };
        if can_end.get(v.index()).copied().unwrap_or(true) {
            continue;
        }
        let cycle = g
            .path_within(target, v, |w| same(&component, w, v))
            .unwrap_or_else(|| vec![target, v]);
        let mut d = Diagnostic::new(
            Code::EndlessLoop,
            "leads in this loop never reach an exit",
            node.head,
            format!(
                "loops back to `{}`, and no `exit`, `handoff` or `enroll` follows",
                goto_label(node)
            ),
        );
        if let Some(start) = g.step(target) {
            d = d.with_secondary(start.head, "the loop starts here");
        }
        for &(_, _, other) in group.iter().rev().skip(1) {
            d = d.with_secondary(other.head, "this `goto` loops back inside it too");
        }
        d = d.with_note(format!("the loop: {}", describe_cycle(g, &cycle)));
        let goals: Vec<String> = campaign
            .goals
            .iter()
            .map(|goal| format!("`{}`", goal.name))
            .collect();
        d = d.with_note(match (goals.is_empty(), campaign.suppress.is_some()) {
            (true, false) => {
                "nothing takes a lead out of it: the campaign has no goal and no `suppress`"
                    .to_string()
            }
            (true, true) => "only the `suppress` condition takes a lead out of it".to_string(),
            (false, false) => format!(
                "only meeting a goal ({}) takes a lead out of it",
                goals.join(", ")
            ),
            (false, true) => format!(
                "only meeting a goal ({}) or the `suppress` condition takes a lead out of it",
                goals.join(", ")
            ),
        });
        out.push(d.with_help(
            "give the loop a way out, e.g. a `branch` inside it with an arm that ends in `exit`, such as `when inactive 90d { exit }`",
        ));
    }
}

/// A backward `goto`: its vertex, its target's, and the statement.
type Goto<'c> = (NodeIndex, NodeIndex, &'c ir::Node);

/// The `goto`s that close a cycle (their target is in their component),
/// grouped by component, each group in source order, the groups in the
/// order of their last `goto`.
fn closing_groups<'c>(gotos: &[Goto<'c>], component: &[usize]) -> Vec<Vec<Goto<'c>>> {
    let mut groups: BTreeMap<usize, Vec<Goto<'c>>> = BTreeMap::new();
    for &(v, target, node) in gotos {
        if same(component, v, target) {
            if let Some(&c) = component.get(v.index()) {
                groups.entry(c).or_default().push((v, target, node));
            }
        }
    }
    let mut groups: Vec<Vec<Goto<'c>>> = groups.into_values().collect();
    groups.sort_by_key(|group| group.last().map(|(v, _, _)| v.index()));
    groups
}

fn goto_label(node: &ir::Node) -> &str {
    match &node.kind {
        NodeKind::Goto { label, .. } => label,
        _ => "",
    }
}

/// `` `top: send hello` → `branch` → `goto top` ``, long cycles elided.
fn describe_cycle(g: &FlowGraph<'_>, cycle: &[NodeIndex]) -> String {
    let steps: Vec<String> = cycle
        .iter()
        .filter_map(|&v| g.step(v))
        .map(|n| format!("`{}`", text::statement(n)))
        .collect();
    if steps.len() <= LISTED {
        return steps.join(" → ");
    }
    let head = steps.get(..LISTED - 2).unwrap_or_default().join(" → ");
    let tail = steps.get(steps.len() - 1..).unwrap_or_default().join(" → ");
    format!("{head} → … ({} more) → {tail}", steps.len() - (LISTED - 1))
}
