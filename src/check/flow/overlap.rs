//! `campaign-overlap` and `project-cap`: emails a lead gets from several
//! campaigns at once.
//!
//! Two campaigns *can hold the same lead at once* when one event can enter
//! the lead into both: they share a trigger (the same event, with the same
//! argument or one of them without any; or the same `inactive` period),
//! and nothing in those triggers' `where`, the audiences, the goals or
//! `suppress` excludes it. Excluded are pairs where a condition of one
//! entry (a `where` or the audience) implies the negation of one of the
//! other's (the same lead cannot pass both), and pairs where a condition of
//! one entry implies a goal or the `suppress` condition of the other (that
//! campaign lets the lead go the moment it enters). Implications are the
//! dead-arm prover's (sound: what is excluded is excluded).
//!
//! This is conservative in both directions, and says so in the docs:
//! campaigns started by different events can overlap too, when a lead does
//! both, and are not reported (the check does not guess at what leads do);
//! and two campaigns that share a trigger are judged as if their runs could
//! line up in any way, each sending its most within the window.
//!
//! The sends: for each campaign, the most sends that fit in a window
//! shorter than the cap's (the cadence layers). The pair is reported when
//! the two together exceed the stricter of their caps (`campaign-overlap`,
//! a warning), or the project's cap of `nurture.toml` (`project-cap`).

use super::dead_arms::Prover;
use super::network::Context;
use super::text;
use crate::config::ProjectCap;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ConditionKind, EventSource};
use crate::span::Span;
use std::collections::BTreeMap;

/// The campaigns' own caps: `campaign-overlap` warnings.
pub(super) fn check(ctx: &Context<'_>, witnesses: &mut usize, out: &mut Vec<Diagnostic>) {
    judge(ctx, None, witnesses, out);
}

/// The project's cap: `project-cap` errors, for each campaign with the
/// campaigns that enroll into it, and for each pair that can overlap.
pub(crate) fn check_policy(ctx: &Context<'_>, cap: &ProjectCap, out: &mut Vec<Diagnostic>) {
    let ir_cap = ir::Cap {
        sends: cap.sends,
        per: ir::Duration { seconds: cap.per },
        span: cap.span,
    };
    for &x in &ctx.order {
        super::cadence::judge(ctx, x, ir_cap, Code::ProjectCap, Some(&cap.text), out);
    }
    // A call of its own: the project's diagnostics spent theirs.
    let mut witnesses = super::WITNESSES;
    judge(ctx, Some(cap), &mut witnesses, out);
}

/// Both ends of a pair of campaigns that share a trigger.
struct Shared {
    /// The trigger of the earlier campaign and of the later one.
    first: Span,
    second: Span,
    /// The same triggers, as indices into each campaign's.
    triggers: (usize, usize),
}

fn judge(
    ctx: &Context<'_>,
    policy: Option<&ProjectCap>,
    witnesses: &mut usize,
    out: &mut Vec<Diagnostic>,
) {
    let project = ctx.project;
    let campaigns = &project.campaigns;
    // The negation of each entry condition, made before the prover borrows
    // them: per campaign, the audience's, then each trigger's `where`.
    let negate = |c: &ir::Condition| ir::Condition {
        kind: ConditionKind::Not(Box::new(c.clone())),
        span: c.span,
    };
    let negations: Vec<(Option<ir::Condition>, Vec<Option<ir::Condition>>)> = campaigns
        .iter()
        .map(|c| {
            (
                c.audience.as_ref().map(negate),
                c.triggers
                    .iter()
                    .map(|t| t.filter.as_ref().map(negate))
                    .collect(),
            )
        })
        .collect();
    let mut prover = Prover::new(project);
    let mut most: BTreeMap<(usize, u64, u64), u64> = BTreeMap::new();
    let mut most_in = |c: usize, per: u64, limit: u64| -> u64 {
        *most.entry((c, per, limit)).or_insert_with(|| {
            match (ctx.graphs.get(c), ctx.delays.get(c)) {
                (Some(g), Some(d)) => super::cadence::most_in_window(g, d, per, limit),
                _ => 0,
            }
        })
    };
    for (p, partners) in candidate_pairs(ctx) {
        for q in partners {
            let (Some(cp), Some(cq)) = (campaigns.get(p), campaigns.get(q)) else {
                continue;
            };
            // The caps to judge the pair against, strictest first.
            let mut caps: Vec<(u64, u64, Span, Option<&str>)> = match policy {
                Some(cap) => vec![(cap.sends, cap.per, cap.span, None)],
                None => [cp, cq]
                    .iter()
                    .filter_map(|c| {
                        c.cap
                            .map(|k| (k.sends, k.per.seconds, k.span, Some(c.name.as_str())))
                    })
                    .filter(|(_, per, _, _)| *per > 0)
                    .collect(),
            };
            if caps.is_empty() {
                continue;
            }
            caps.sort_by(|a, b| {
                (u128::from(a.0) * u128::from(b.1))
                    .cmp(&(u128::from(b.0) * u128::from(a.1)))
                    .then(a.1.cmp(&b.1))
            });
            let Some(shared) = shared_entry(&mut prover, &negations, p, cp, q, cq) else {
                continue;
            };
            for (sends, per, span, owner) in caps {
                let limit = sends.saturating_add(1);
                let (mp, mq) = (most_in(p, per, limit), most_in(q, per, limit));
                if mp == 0 || mq == 0 || mp.saturating_add(mq) <= sends {
                    continue;
                }
                let mut d =
                    diagnostic(cp, cq, &shared, (mp, mq), (sends, per, span, owner), policy);
                if *witnesses > 0 {
                    *witnesses -= 1;
                    if let Some(note) = witness(project, (p, q), shared.triggers, (sends, per)) {
                        d.notes.push(note);
                    }
                }
                out.push(d);
                break;
            }
        }
    }
}

/// Per campaign in source order, the campaigns after it with a trigger on
/// an event that [`same_event`] can match: the only pairs [`shared_entry`]
/// can accept, found through an index of triggers instead of by comparing
/// every pair of campaigns (which made this check quadratic in the
/// project's size).
fn candidate_pairs(ctx: &Context<'_>) -> Vec<(usize, Vec<usize>)> {
    // An event's kind (or an `inactive` duration), and its argument.
    let key = |source: &EventSource| -> (String, Option<String>) {
        match source {
            EventSource::Inactive(d) => (format!("inactive {}", d.seconds), None),
            EventSource::Event(e) => (
                format!("{:?}", e.kind),
                e.argument.as_ref().map(|a| format!("{a:?}")),
            ),
        }
    };
    let campaigns = &ctx.project.campaigns;
    let mut any: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut bare: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut with: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut keys: Vec<Vec<(String, Option<String>)>> = Vec::with_capacity(campaigns.len());
    for (c, campaign) in campaigns.iter().enumerate() {
        let mine: Vec<(String, Option<String>)> =
            campaign.triggers.iter().map(|t| key(&t.source)).collect();
        for (kind, argument) in &mine {
            any.entry(kind.clone()).or_default().push(c);
            match argument {
                None => bare.entry(kind.clone()).or_default().push(c),
                Some(a) => with.entry((kind.clone(), a.clone())).or_default().push(c),
            }
        }
        keys.push(mine);
    }
    let mut place = vec![usize::MAX; campaigns.len()];
    for (at, &c) in ctx.order.iter().enumerate() {
        if let Some(slot) = place.get_mut(c) {
            *slot = at;
        }
    }
    let at = |c: usize| place.get(c).copied().unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for &p in &ctx.order {
        let mut partners: Vec<usize> = Vec::new();
        for (kind, argument) in keys.get(p).map_or(&[][..], Vec::as_slice) {
            let lists: Vec<&Vec<usize>> = match argument {
                None => any.get(kind).into_iter().collect(),
                Some(a) => with
                    .get(&(kind.clone(), a.clone()))
                    .into_iter()
                    .chain(bare.get(kind))
                    .collect(),
            };
            partners.extend(lists.into_iter().flatten().filter(|&&q| at(q) > at(p)));
        }
        partners.sort_by_key(|&q| at(q));
        partners.dedup();
        if !partners.is_empty() {
            out.push((p, partners));
        }
    }
    out
}

/// The shared trigger through which one event can put a lead in both
/// campaigns, if there is one that nothing excludes.
fn shared_entry<'p>(
    prover: &mut Prover<'p>,
    negations: &'p [(Option<ir::Condition>, Vec<Option<ir::Condition>>)],
    p: usize,
    cp: &'p ir::Campaign,
    q: usize,
    cq: &'p ir::Campaign,
) -> Option<Shared> {
    let (np, nq) = (negations.get(p)?, negations.get(q)?);
    let leaves = |c: &'p ir::Campaign| -> Vec<&'p ir::Condition> {
        c.suppress
            .iter()
            .chain(c.goals.iter().map(|g| &g.condition))
            .collect()
    };
    let (leave_p, leave_q) = (leaves(cp), leaves(cq));
    for (a, ta) in cp.triggers.iter().enumerate() {
        for (b, tb) in cq.triggers.iter().enumerate() {
            if !same_event(&ta.source, &tb.source) {
                continue;
            }
            // Each entry: its conditions with their negations.
            let entry = |c: &'p ir::Campaign,
                         n: &'p (Option<ir::Condition>, Vec<Option<ir::Condition>>),
                         t: usize| {
                let mut parts: Vec<(&'p ir::Condition, &'p ir::Condition)> = Vec::new();
                if let (Some(audience), Some(not)) = (&c.audience, &n.0) {
                    parts.push((audience, not));
                }
                if let (Some(Some(filter)), Some(Some(not))) = (
                    c.triggers.get(t).map(|t| t.filter.as_ref()),
                    n.1.get(t).map(Option::as_ref),
                ) {
                    parts.push((filter, not));
                }
                parts
            };
            let (ep, eq) = (entry(cp, np, a), entry(cq, nq, b));
            let disjoint = ep
                .iter()
                .any(|(x, _)| eq.iter().any(|(_, not_y)| prover.proves(x, not_y)));
            let lets_go = ep
                .iter()
                .any(|(x, _)| leave_q.iter().any(|l| prover.proves(x, l)))
                || eq
                    .iter()
                    .any(|(y, _)| leave_p.iter().any(|l| prover.proves(y, l)));
            if !disjoint && !lets_go {
                return Some(Shared {
                    first: ta.span,
                    second: tb.span,
                    triggers: (a, b),
                });
            }
        }
    }
    None
}

/// A note with a lead whose two runs, started by the one event, go over
/// the cap: the search starts the lead in either campaign (the trigger
/// event it is given has the argument of that campaign's trigger).
fn witness(
    project: &ir::Project,
    (p, q): (usize, usize),
    (a, b): (usize, usize),
    (sends, per): (u64, u64),
) -> Option<String> {
    use crate::simulate::witness;
    let found = witness::find_overlap(project, (p, a), q, sends, per)
        .or_else(|| witness::find_overlap(project, (q, b), p, sends, per))?;
    Some(witness::overlap_note(
        project,
        &found,
        &text::span_of_time(per),
    ))
}

/// Whether one event fires both triggers.
fn same_event(a: &EventSource, b: &EventSource) -> bool {
    match (a, b) {
        (EventSource::Inactive(x), EventSource::Inactive(y)) => x == y,
        (EventSource::Event(x), EventSource::Event(y)) => {
            x.kind == y.kind
                && match (&x.argument, &y.argument) {
                    (Some(m), Some(n)) => m == n,
                    _ => true,
                }
        }
        _ => false,
    }
}

fn emails(n: u64) -> String {
    format!("{n} {}", if n == 1 { "email" } else { "emails" })
}

fn diagnostic(
    cp: &ir::Campaign,
    cq: &ir::Campaign,
    shared: &Shared,
    (mp, mq): (u64, u64),
    (sends, per, span, owner): (u64, u64, Span, Option<&str>),
    policy: Option<&ProjectCap>,
) -> Diagnostic {
    let window = text::span_of_time(per);
    let cap_text = format!("{} per {window}", emails(sends));
    let whose = match owner {
        Some(name) => format!("`{name}`'s cap of {cap_text}"),
        None => format!("the project's cap of {cap_text}"),
    };
    let code = match policy {
        Some(_) => Code::ProjectCap,
        None => Code::CampaignOverlap,
    };
    let mut d = Diagnostic::new(
        code,
        format!(
            "campaigns `{}` and `{}` can hold a lead at the same time and together send {} within {window}, over {whose}",
            cp.name,
            cq.name,
            emails(mp + mq)
        ),
        cq.name_span,
        format!("`{}` can send {} within {window}", cq.name, emails(mq)),
    )
    .with_secondary(
        cp.name_span,
        format!("`{}` can send {} within {window}", cp.name, emails(mp)),
    )
    .with_secondary(shared.first, "one event starts both campaigns: this trigger")
    .with_secondary(shared.second, "and this one");
    d = d.with_secondary(
        span,
        match policy {
            Some(p) => format!("the project's cap: `cap = \"{}\"`", p.text),
            None => format!("the stricter cap: at most {cap_text}"),
        },
    );
    d.with_note(
        "nothing in the triggers' `where`, the audiences, the goals or `suppress` keeps a lead out of one of them while it is in the other; each campaign's sends are counted as if the two runs could line up in any way",
    )
    .with_help(
        "make the audiences exclude each other, give one campaign a goal or `suppress` that the other's audience implies, or send less often",
    )
}
