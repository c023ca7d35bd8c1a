//! Checks over the segments of a project: cycles, and `score` references
//! judged in the context of each campaign that uses the segment.

use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use foldhash::{HashSet, HashSetExt};

/// Reports each `in <segment>` that closes a cycle, found by a depth-first
/// search over segments in source order (iterative, so that a long chain of
/// segments cannot overflow the stack).
pub(crate) fn check_recursion(project: &ir::Project, diagnostics: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    // Only `in x` defines a segment through another; `segment.entered(x)` is an event.
    let edges: Vec<Vec<(usize, crate::span::Span)>> = project
        .segments
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            s.condition.walk(&mut |c| {
                if let ir::ConditionKind::InSegment(segment) = &c.kind {
                    if let Some(target) = segment.id {
                        out.push((target.index(), c.span));
                    }
                }
            });
            out
        })
        .collect();
    let mut colour = vec![Colour::White; project.segments.len()];
    for root in 0..project.segments.len() {
        if colour[root] != Colour::White {
            continue;
        }
        // (segment, next edge to follow)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        colour[root] = Colour::Grey;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let Some(&(target, span)) = edges[node].get(*next) else {
                colour[node] = Colour::Black;
                stack.pop();
                continue;
            };
            *next += 1;
            match colour[target] {
                Colour::White => {
                    colour[target] = Colour::Grey;
                    stack.push((target, 0));
                }
                Colour::Grey => {
                    let start = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[start..]
                        .iter()
                        .map(|(n, _)| project.segments[*n].name.as_str())
                        .collect();
                    cycle.push(project.segments[target].name.as_str());
                    let target_segment = &project.segments[target];
                    let mut d = Diagnostic::new(
                        Code::RecursiveSegment,
                        format!("segment `{}` is defined through itself", target_segment.name),
                        span,
                        "this closes the cycle",
                    )
                    .with_note(format!("the cycle: {}", cycle.join(" → ")))
                    .with_help("a segment must be decidable from contact data: break the cycle by testing a property instead");
                    if target != node {
                        d = d.with_secondary(
                            target_segment.name_span,
                            format!("`{}` starts the cycle", target_segment.name),
                        );
                    }
                    diagnostics.push(d);
                }
                Colour::Black => {}
            }
        }
    }
}

impl Resolver<'_> {
    /// `score` in a segment means the model of the campaign evaluating it.
    pub(crate) fn check_segment_scores(&mut self, project: &ir::Project) {
        if self.segment_score_refs.is_empty() {
            return;
        }
        // The segments each campaign reaches, found on all cores (a walk of
        // all its conditions), then judged in campaign order.
        use rayon::prelude::*;
        let closures: Vec<Vec<&ir::Segment>> = project
            .campaigns
            .par_iter()
            .map(|campaign| project.segment_closure(campaign.segment_refs()))
            .collect();
        let mut reached = HashSet::new();
        for (campaign, closure) in project.campaigns.iter().zip(closures) {
            for segment in closure {
                reached.insert(segment.name.as_str());
                let refs = self
                    .segment_score_refs
                    .get(&segment.name)
                    .cloned()
                    .unwrap_or_default();
                for r in &refs {
                    self.check_score_ref(
                        r,
                        campaign.scoring.as_ref().map(|m| m.name.as_str()),
                        Some((&campaign.name, campaign.name_span)),
                    );
                }
            }
        }
        // Segments no campaign uses are judged against the project's model.
        let default_model = self.default_model;
        for segment in &project.segments {
            if reached.contains(segment.name.as_str()) {
                continue;
            }
            let refs = self
                .segment_score_refs
                .get(&segment.name)
                .cloned()
                .unwrap_or_default();
            for r in &refs {
                if default_model.is_some() || self.models.is_empty() {
                    self.check_score_ref(r, default_model, None);
                }
            }
        }
    }
}

/// `entry-event-without-within` through segments: an `in <segment>` in a
/// trigger's `where` or in `audience` judges the segment at entry too, so an
/// event test without `within` in it (or in a segment it uses through `in`)
/// can never have happened yet. Reported once per event test, on the test,
/// with the first such use as a secondary label.
pub(crate) fn check_entry_events(project: &ir::Project, diagnostics: &mut Vec<Diagnostic>) {
    // Each segment is looked into once for the whole project: its event
    // tests are reported at the first use found, so the work stays linear
    // in the number of segments however many campaigns use them. Campaigns
    // are taken by name, so the use named does not depend on the order in
    // which the files were read.
    let mut seen = HashSet::new();
    let mut campaigns: Vec<&ir::Campaign> = project.campaigns.iter().collect();
    campaigns.sort_by(|a, b| a.name.cmp(&b.name));
    for campaign in campaigns {
        let places = campaign
            .triggers
            .iter()
            .filter_map(|t| t.filter.as_ref().map(|f| (f, "trigger's `where`")))
            .chain(campaign.audience.iter().map(|a| (a, "`audience`")));
        for (condition, place) in places {
            for (root, use_span) in memberships(condition) {
                let mut stack = vec![root];
                while let Some(id) = stack.pop() {
                    if !seen.insert(id) {
                        continue;
                    }
                    let Some(segment) = project.item(id) else {
                        continue;
                    };
                    stack.extend(memberships(&segment.condition).into_iter().map(|(s, _)| s));
                    segment.condition.walk(&mut |c| {
                        let ir::ConditionKind::Event {
                            event,
                            within: None,
                        } = &c.kind
                        else {
                            return;
                        };
                        let event_name = event.kind.name();
                        diagnostics.push(
                            Diagnostic::new(
                                Code::EntryEventWithoutWithin,
                                format!(
                                    "`{event_name}` without `within`, in segment `{}`, cannot have happened yet when the {place} of `{}` is judged",
                                    segment.name, campaign.name
                                ),
                                c.span,
                                "means: since the lead entered the campaign",
                            )
                            .with_secondary(use_span, format!("judged as the lead enters, in the {place}"))
                            .with_note(format!("the {place} is judged as the lead enters, so this test is always false there (under `not`, always true)"))
                            .with_help("say how far back to look, e.g. `… within 30d`"),
                        );
                    });
                }
            }
        }
    }
}

/// The segments of the project a condition tests membership of (`in x`),
/// with where.
fn memberships(condition: &ir::Condition) -> Vec<(ir::SegmentId, crate::span::Span)> {
    let mut out = Vec::new();
    condition.walk(&mut |c| {
        if let ir::ConditionKind::InSegment(segment) = &c.kind {
            if let Some(id) = segment.id {
                out.push((id, c.span));
            }
        }
    });
    out
}
