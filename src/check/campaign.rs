//! Domain rules of one campaign: goals, suppression, handoff context, split
//! shares.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ConditionKind, EventKind, NodeKind};

pub(super) fn check(project: &ir::Project, c: &ir::Campaign, out: &mut Vec<Diagnostic>) {
    if c.goals.is_empty() {
        out.push(
            Diagnostic::new(
                Code::MissingGoal,
                format!("campaign `{}` has no goal", c.name),
                c.name_span,
                "no goal",
            )
            .with_note("without a goal, a lead who converts keeps receiving nurture email")
            .with_help("add one, e.g. `goal demo_booked when demo.requested`"),
        );
    }

    let sends = c
        .flow
        .nodes
        .iter()
        .any(|n| matches!(n.kind, NodeKind::Send { .. }));
    if sends
        && !c
            .suppress
            .as_ref()
            .is_some_and(|s| tests_unsubscribed(project, s))
    {
        let mut d = Diagnostic::new(
            Code::MissingUnsubscribeSuppression,
            format!(
                "campaign `{}` sends email but does not suppress unsubscribed leads",
                c.name
            ),
            c.name_span,
            "unsubscribed leads would still be emailed",
        )
        .with_note(
            "mailing people who unsubscribed breaks CAN-SPAM, GDPR and your sender reputation",
        );
        if let Some(s) = &c.suppress {
            d = d.with_secondary(s.span, "this condition does not test `unsubscribed`");
            d = d.with_help("add `or unsubscribed` to the `suppress` condition");
        } else {
            d = d.with_help("add `suppress when unsubscribed or bounced or complained`");
        }
        out.push(d);
    }

    for node in &c.flow.nodes {
        match &node.kind {
            NodeKind::Handoff { notes, .. } if notes.is_empty() => out.push(
                Diagnostic::new(
                    Code::HandoffWithoutContext,
                    "handoff to sales without a note",
                    node.head,
                    "no `note` for the salesperson",
                )
                .with_note("a rep who gets a lead without context starts the conversation cold")
                .with_help(
                    "add a block: `handoff sales { note \"Why this lead, what they read\" }`",
                ),
            ),
            NodeKind::Split { arms } => {
                let total: u64 = arms.iter().map(|a| a.percent).sum();
                if total != 100 {
                    let mut d = Diagnostic::new(
                        Code::SplitTotal,
                        format!("split shares add up to {total}%, not 100%"),
                        node.head,
                        format!("shares total {total}%"),
                    )
                    .with_help(if total < 100 {
                        format!("add {}% to an arm, or add an arm for the rest", 100 - total)
                    } else {
                        format!("take {}% away from the arms", total - 100)
                    });
                    for arm in arms {
                        d = d.with_secondary(arm.span, format!("{}%", arm.percent));
                    }
                    out.push(d);
                }
            }
            _ => {}
        }
    }
}

/// Whether a suppression condition mentions `unsubscribed` or
/// `email.unsubscribed`, directly or through a segment.
fn tests_unsubscribed(project: &ir::Project, condition: &ir::Condition) -> bool {
    let mentions = |c: &ir::Condition| {
        let mut found = false;
        c.walk(&mut |c| match &c.kind {
            ConditionKind::Property(p) => found |= p == "unsubscribed",
            ConditionKind::Event { event, .. } => {
                found |= event.kind == EventKind::EmailUnsubscribed
            }
            _ => {}
        });
        found
    };
    if mentions(condition) {
        return true;
    }
    let roots = condition.segment_refs().into_iter().map(|(n, _)| n);
    project
        .segment_closure(roots)
        .into_iter()
        .any(|s| mentions(&s.condition))
}
