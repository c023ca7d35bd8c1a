//! `email-not-sent-yet`: `email.opened(x)` or `email.clicked(x)` tested (in a
//! branch arm or a `wait … or until …`) where some path to the test has not
//! sent `x`.
//!
//! A forward dataflow over the flow graph: the emails sent on *every* path to
//! a statement (intersection over predecessors) and on *some* path (union, to
//! say which case it is). Only the emails that are tested are tracked, as bit
//! sets; each set only shrinks (or grows) monotonically, so the worklist runs
//! in O(E × tested emails).
//!
//! A lead enrolled from another campaign may have been sent an email before
//! the `enroll`: the "some path" sets start from what the enrolling
//! campaigns may have sent before their `enroll` here, so the warning can
//! say so. A lead that enters by a trigger has been sent nothing, so the
//! "every path" sets start empty.

use super::graph::FlowGraph;
use super::network::Context;
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ConditionKind, EventArgument, EventKind, NodeKind};
use petgraph::graph::NodeIndex;
use std::collections::{BTreeSet, VecDeque};

struct Test<'c> {
    vertex: NodeIndex,
    /// Resolved to an email of the project.
    email: &'c ir::Ref<ir::EmailId>,
    id: ir::EmailId,
    condition: &'c ir::Condition,
}

/// How many sends of the tested email are labelled.
const MAX_SEND_LABELS: usize = 3;

pub(super) fn check(ctx: &Context<'_>, index: usize, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let Some(g) = ctx.graphs.get(index) else {
        return;
    };
    let mut tests: Vec<Test<'_>> = Vec::new();
    for (v, node) in g.reachable_steps() {
        let conditions: Vec<&ir::Condition> = match &node.kind {
            NodeKind::Wait { until: Some(c), .. } => vec![c],
            NodeKind::Branch { arms, .. } => arms.iter().map(|a| &a.condition).collect(),
            _ => Vec::new(),
        };
        for condition in conditions {
            condition.walk(&mut |c| {
                if let ConditionKind::Event { event, .. } = &c.kind {
                    if let (
                        EventKind::EmailOpened | EventKind::EmailClicked,
                        Some(EventArgument::Email(email)),
                    ) = (event.kind, &event.argument)
                    {
                        // A name that is not an email was reported by the resolver.
                        let Some(id) = email.id else {
                            return;
                        };
                        tests.push(Test {
                            vertex: v,
                            email,
                            id,
                            condition: c,
                        });
                    }
                }
            });
        }
    }
    if tests.is_empty() {
        return;
    }
    let emails: Vec<ir::EmailId> = tests
        .iter()
        .map(|t| t.id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let bit = |email: ir::EmailId| emails.binary_search(&email).ok();
    let words = emails.len().div_ceil(64);
    // What each statement sends, as a bit set.
    let sends_of = |g: &FlowGraph<'_>| -> Vec<Vec<u64>> {
        (0..g.graph.node_count())
            .map(|i| {
                let mut set = vec![0u64; words];
                if let Some(NodeKind::Send { email, .. }) =
                    g.step(NodeIndex::new(i)).map(|n| &n.kind)
                {
                    if let Some(b) = email.id.and_then(bit) {
                        if let Some(w) = set.get_mut(b / 64) {
                            *w |= 1 << (b % 64);
                        }
                    }
                }
                set
            })
            .collect()
    };
    let sends = sends_of(g);
    // What the campaigns enrolling a lead here may have sent before their
    // `enroll`: a lead can arrive with it. A lead that enters by a trigger
    // has been sent nothing, so nothing is sent on every path at the entry.
    let mut seed = vec![0u64; words];
    let mut enrolled: Vec<(NodeIndex, usize, Vec<u64>)> = Vec::new();
    for &e in ctx.enrollers.get(index).map_or(&[][..], Vec::as_slice) {
        let Some(ge) = ctx.graphs.get(e) else {
            continue;
        };
        let may_e = flow_sets(ge, &sends_of(ge), words, false, &[]);
        for &(v, _) in ctx
            .enrolls
            .get(e)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|(_, t)| *t == index)
        {
            if let Some(set) = may_e.get(v.index()) {
                for (s, w) in seed.iter_mut().zip(set) {
                    *s |= w;
                }
                enrolled.push((v, e, set.clone()));
            }
        }
    }
    let must = flow_sets(g, &sends, words, true, &[]);
    let may = flow_sets(g, &sends, words, false, &seed);

    for test in &tests {
        let Some(b) = bit(test.id) else { continue };
        let has = |sets: &Vec<Vec<u64>>| {
            sets.get(test.vertex.index())
                .and_then(|set| set.get(b / 64))
                .is_some_and(|w| w & (1 << (b % 64)) != 0)
        };
        if has(&must) {
            continue;
        }
        let sometimes = has(&may);
        let what = text::event_text(match &test.condition.kind {
            ConditionKind::Event { event, .. } => event,
            _ => continue,
        });
        let mut d = Diagnostic::new(
            Code::EmailNotSentYet,
            format!(
                "`{what}` is tested before `{}` is sent on some paths",
                test.email
            ),
            test.condition.span,
            if sometimes {
                format!("some paths to this test have not sent `{}`", test.email)
            } else {
                format!("`{}` has not been sent by this point", test.email)
            },
        );
        let sends_of_email: Vec<&ir::Node> = g
            .flow
            .nodes
            .iter()
            .filter(
                |node| matches!(&node.kind, NodeKind::Send { email, .. } if email.id == Some(test.id)),
            )
            .collect();
        // A few sends show where the email goes out; dozens would bury the test.
        for node in sends_of_email.iter().take(MAX_SEND_LABELS) {
            d = d.with_secondary(node.head, format!("`{}` is sent here", test.email));
        }
        if sends_of_email.len() > MAX_SEND_LABELS {
            d = d.with_note(format!(
                "`{}` is sent at {} more places not shown",
                test.email,
                sends_of_email.len() - MAX_SEND_LABELS
            ));
        }
        // The first enroll into this campaign that may come after the email.
        let via = enrolled
            .iter()
            .find(|(_, _, set)| set.get(b / 64).is_some_and(|w| w & (1 << (b % 64)) != 0));
        if let Some((v, e, _)) = via {
            let name = project.campaigns.get(*e).map_or("", |c| c.name.as_str());
            if let Some(node) = ctx.graphs.get(*e).and_then(|ge| ge.step(*v)) {
                d = d.with_secondary(
                    node.head,
                    format!(
                        "`{name}` may send `{}` before enrolling leads here",
                        test.email
                    ),
                );
            }
            d = d.with_note(format!(
                "a lead enrolled from `{name}` may have been sent `{}`; one that enters by a trigger has not",
                test.email
            ));
        } else if sends_of_email.is_empty() {
            d = d.with_note(format!(
                "this campaign never sends `{}`: the test sees only what other campaigns sent",
                test.email
            ));
        }
        out.push(d.with_help(format!(
            "move the test after `send {}` on every path, or test an email that has been sent",
            test.email
        )));
    }
}

/// For every vertex, the tracked emails sent before it on every path
/// (`must`: intersection over predecessors) or on some path (union).
/// Vertices no path reaches keep the initial value.
/// `seed`: what the lead may bring at the entry (for `may`; empty: none).
fn flow_sets(
    g: &FlowGraph<'_>,
    sends: &[Vec<u64>],
    words: usize,
    must: bool,
    seed: &[u64],
) -> Vec<Vec<u64>> {
    let count = g.graph.node_count();
    let initial = if must { u64::MAX } else { 0 };
    let mut before: Vec<Vec<u64>> = vec![vec![initial; words]; count];
    if let Some(start) = before.get_mut(g.start.index()) {
        start.fill(0);
        if !must {
            for (s, w) in start.iter_mut().zip(seed) {
                *s |= w;
            }
        }
    }
    let mut visited = vec![false; count];
    let mut queued = vec![false; count];
    let mut queue: VecDeque<NodeIndex> = VecDeque::from([g.start]);
    while let Some(v) = queue.pop_front() {
        let i = v.index();
        if let (Some(q), Some(seen)) = (queued.get_mut(i), visited.get_mut(i)) {
            *q = false;
            *seen = true;
        }
        let after: Vec<u64> = match (before.get(i), sends.get(i)) {
            (Some(b), Some(s)) => b.iter().zip(s).map(|(b, s)| b | s).collect(),
            _ => continue,
        };
        for w in g.graph.neighbors(v) {
            let j = w.index();
            let Some(target) = before.get_mut(j) else {
                continue;
            };
            let mut changed = false;
            for (t, a) in target.iter_mut().zip(&after) {
                let merged = if must { *t & a } else { *t | a };
                changed |= merged != *t;
                *t = merged;
            }
            let unseen = !visited.get(j).copied().unwrap_or(true);
            if let Some(q) = queued.get_mut(j) {
                if (changed || unseen) && !*q {
                    *q = true;
                    queue.push_back(w);
                }
            }
        }
    }
    before
}
