//! `unreachable-step` and `missing-exit`: what no path reaches, and where
//! paths fall off the end of the flow. Both come from one breadth-first
//! search from the entry (done when the graph is built).

use super::graph::{child_blocks, Arm, Edge, FlowGraph};
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeId, NodeKind, Target};
use petgraph::visit::EdgeRef;

/// One diagnostic per run of consecutive unreachable statements of a block.
/// A run includes everything nested in its statements, so the blocks of an
/// unreachable statement are not looked into.
pub(super) fn unreachable_steps(g: &FlowGraph<'_>, out: &mut Vec<Diagnostic>) {
    let flow = g.flow;
    let reachable = |id: NodeId| g.is_reachable(FlowGraph::vertex(id));
    let mut blocks = vec![0usize];
    while let Some(b) = blocks.pop() {
        let Some(block) = flow.blocks.get(b) else {
            continue;
        };
        let mut run: Vec<NodeId> = Vec::new();
        for &id in block {
            if reachable(id) {
                out.extend(unreachable_run(g, &run));
                run.clear();
                if let Some(node) = flow.node(id) {
                    blocks.extend(child_blocks(node));
                }
            } else {
                run.push(id);
            }
        }
        out.extend(unreachable_run(g, &run));
    }
}

/// The diagnostic for a run of unreachable statements (none for an empty run).
fn unreachable_run(g: &FlowGraph<'_>, run: &[NodeId]) -> Option<Diagnostic> {
    let flow = g.flow;
    let first_id = *run.first()?;
    let first = flow.node(first_id)?;
    let message = match run.len() {
        1 => "no path reaches this statement".to_string(),
        n => format!("no path reaches these {n} statements"),
    };
    let label = match run.len() {
        1 => "never runs".to_string(),
        n => format!("this and the {} statements after it never run", n - 1),
    };
    let mut d = Diagnostic::new(Code::UnreachableStep, message, first.head, label);
    if let Some(previous) = g.previous_in_block(first_id).and_then(|p| flow.node(p)) {
        let why = match &previous.kind {
            NodeKind::Exit { .. } | NodeKind::Handoff { .. } | NodeKind::Enroll { .. } => {
                format!(
                    "every path through here ends at `{}`",
                    previous.kind.keyword()
                )
            }
            NodeKind::Goto { label, .. } => format!("leads jump away to `{label}` here"),
            NodeKind::Branch { .. } => "every arm of this branch ends its path".to_string(),
            NodeKind::Split { .. } => "every arm of this split ends its path".to_string(),
            _ => "no path continues past this statement".to_string(),
        };
        d = d.with_secondary(previous.head, why);
    }
    Some(match &first.label {
        Some(label) => d
            .with_note(format!("no `goto {label}` is reachable"))
            .with_help(format!(
                "remove the unreachable statements, or add `goto {label}` where leads should continue here"
            )),
        None => d.with_help(
            "remove the unreachable statements, or label the first one and `goto` it from where leads should continue",
        ),
    })
}

/// One diagnostic per reachable statement with a path past the end of the
/// flow; an empty flow is reported on the campaign's name.
pub(super) fn missing_exits(campaign: &ir::Campaign, g: &FlowGraph<'_>, out: &mut Vec<Diagnostic>) {
    if campaign.flow.blocks.first().is_none_or(Vec::is_empty) {
        out.push(
            Diagnostic::new(
                Code::MissingExit,
                format!("campaign `{}` has no statements", campaign.name),
                campaign.name_span,
                "leads fall off the end at once",
            )
            .with_help("add the flow after the settings, ending every path with `exit`, `handoff`, `enroll` or `goto`"),
        );
        return;
    }
    for handler in &campaign.flow.handlers {
        if handler.entry == Target::FallOff {
            out.push(
                Diagnostic::new(
                    Code::MissingExit,
                    "this handler does nothing: leads that meet it fall off the end of the campaign",
                    handler.head,
                    "empty handler",
                )
                .with_help("end the handler's block with `exit`, `handoff`, `enroll` or `goto`, e.g. `{ exit }`"),
            );
        }
    }
    for (v, node) in g.reachable_steps() {
        let falls: Vec<Edge> = g
            .graph
            .edges(v)
            .filter(|e| e.target() == g.fall_off)
            .map(|e| *e.weight())
            .collect();
        if falls.is_empty() {
            continue;
        }
        let mut d = match &node.kind {
            NodeKind::Branch { arms, .. } => {
                let no_match = falls.contains(&Edge::NoMatch);
                let mut d = Diagnostic::new(
                    Code::MissingExit,
                    "leads fall off the end of the campaign after this branch",
                    node.head,
                    if no_match {
                        "leads that match no arm of this branch reach the end of the flow"
                    } else {
                        "an empty arm of this branch leads to the end of the flow"
                    },
                );
                if no_match {
                    d = d.with_note("leads that match no arm of this branch continue after it, and nothing follows");
                }
                for e in &falls {
                    match e {
                        Edge::Arm(a) => {
                            if let Some(arm) = arms.get(*a) {
                                d = d.with_secondary(arm.when_span, "leads that match this arm do nothing and continue past the end");
                            }
                        }
                        Edge::Else => {
                            if let NodeKind::Branch { otherwise, .. } = &node.kind {
                                if let Some((span, _)) = otherwise.else_arm {
                                    d = d.with_secondary(
                                        span,
                                        "leads in this empty `else` continue past the end",
                                    );
                                }
                            }
                        }
                        _ => {}
                    }
                }
                d.with_help(if no_match {
                    "add an `else { exit }` arm, or end the flow with `exit` after the branch"
                } else {
                    "end the empty arm with `exit`, or end the flow with `exit` after the branch"
                })
            }
            NodeKind::Split { arms } => {
                let mut d = Diagnostic::new(
                    Code::MissingExit,
                    "leads fall off the end of the campaign after this split",
                    node.head,
                    "an empty arm of this split leads to the end of the flow",
                );
                for e in &falls {
                    if let Edge::Split(a) = e {
                        if let Some(arm) = arms.get(*a) {
                            d = d.with_secondary(
                                arm.span,
                                "leads in this arm do nothing and continue past the end",
                            );
                        }
                    }
                }
                d.with_help(
                    "end the empty arm with `exit`, or end the flow with `exit` after the split",
                )
            }
            _ => {
                let mut d = Diagnostic::new(
                    Code::MissingExit,
                    "leads fall off the end of the campaign after this statement",
                    node.head,
                    "the path ends here without `exit`",
                );
                if let Some((owner, arm)) = g.node_id(v).and_then(|id| g.owning_arm(id)) {
                    if let Some(owner_node) = campaign.flow.node(owner) {
                        d = with_arm_label(d, owner_node, arm);
                    }
                }

                d.with_help(format!(
                    "end the path with `exit`, `handoff`, `enroll` or `goto`, e.g. `exit` after `{}`",
                    text::statement(node)
                ))
            }
        };
        d = with_handler_label(d, campaign, g.node_id(v));
        if g.implicit_exits {
            d = d.with_note(
                "a goal or the `suppress` condition ends the path only of the leads that meet it",
            );
        }
        out.push(d);
    }
}

/// Says that a statement is in a handler's block: falling off there ends
/// the campaign too, since a handler never returns to where the lead was.
fn with_handler_label(d: Diagnostic, campaign: &ir::Campaign, id: Option<NodeId>) -> Diagnostic {
    match id
        .and_then(|id| campaign.flow.handler_of(id))
        .and_then(|h| campaign.flow.handlers.get(h))
    {
        Some(handler) => d.with_secondary(handler.head, "in this handler").with_note(
            "a handler does not return to where the lead was: its block must end the path",
        ),
        None => d,
    }
}

/// Says which leads reach a statement written in an arm.
fn with_arm_label(d: Diagnostic, owner: &ir::Node, arm: Arm) -> Diagnostic {
    match (&owner.kind, arm) {
        (NodeKind::Branch { arms, .. }, Arm::When(a)) => match arms.get(a) {
            Some(arm) => d.with_secondary(
                arm.when_span,
                format!(
                    "leads that match `{}` get here",
                    text::condition(&arm.condition)
                ),
            ),
            None => d,
        },
        (NodeKind::Branch { otherwise, .. }, Arm::Else) => match otherwise.else_arm {
            Some((span, _)) => d.with_secondary(span, "leads that match no other arm get here"),
            None => d,
        },
        (NodeKind::Split { arms }, Arm::Split(a)) => match arms.get(a) {
            Some(arm) => d.with_secondary(
                arm.span,
                format!("the {}% of leads in this arm get here", arm.percent),
            ),
            None => d,
        },
        _ => d,
    }
}
