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
use crate::config::{OverlapReach, Policy, ProjectCap};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ConditionKind, EventSource};
use crate::span::Span;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The campaigns' own caps: `campaign-overlap` warnings for the pairs one
/// event can start.
pub(super) fn check(ctx: &Context<'_>, witnesses: &mut usize, out: &mut Vec<Diagnostic>) {
    judge(ctx, None, Pairs::Shared, witnesses, out);
}

/// The rules of `[policy]`: against its `cap`, `project-cap` errors for
/// each campaign with the campaigns that enroll into it, and for each pair
/// that can overlap; with `overlap = "any-trigger"`, `campaign-overlap`
/// warnings also for the pairs different events start (those one event
/// starts are [`check`]'s).
pub(crate) fn check_policy(ctx: &Context<'_>, policy: &Policy, out: &mut Vec<Diagnostic>) {
    let pairs = match policy.overlap {
        OverlapReach::SharedTrigger => Pairs::Shared,
        OverlapReach::AnyTrigger => Pairs::Any,
    };
    // Calls of their own: the project's diagnostics spent theirs.
    let mut witnesses = super::WITNESSES;
    if pairs == Pairs::Any {
        judge(ctx, None, Pairs::ApartOnly, &mut witnesses, out);
    }
    let Some(cap) = &policy.cap else {
        return;
    };
    let ir_cap = ir::Cap {
        sends: cap.sends,
        per: ir::Duration { seconds: cap.per },
        span: cap.span,
    };
    for &x in &ctx.order {
        super::cadence::judge(ctx, x, ir_cap, Code::ProjectCap, Some(&cap.text), out);
    }
    let mut witnesses = super::WITNESSES;
    judge(ctx, Some(cap), pairs, &mut witnesses, out);
}

/// Which pairs of campaigns a pass judges.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pairs {
    /// Those one event can start.
    Shared,
    /// Those and the ones different events start, for a lead that does
    /// both (`overlap = "any-trigger"`).
    Any,
    /// Only those different events start and no one event does.
    ApartOnly,
}

/// How a lead comes to be in both campaigns of a pair.
struct Entry {
    /// The trigger of the earlier campaign and of the later one.
    first: Span,
    second: Span,
    /// The same triggers, as indices into each campaign's.
    triggers: (usize, usize),
    /// Started by different events (or the same one twice), not at once.
    apart: bool,
}

/// What a campaign's entry tells of a lead, made once so that the prover
/// (which remembers pairs by address) can borrow them: the negation of the
/// audience and of each trigger's `where`, and what each trigger's event
/// makes true at entry.
struct EntryFacts {
    not_audience: Option<ir::Condition>,
    not_filters: Vec<Option<ir::Condition>>,
    events: Vec<ir::Condition>,
}

impl EntryFacts {
    fn new(c: &ir::Campaign) -> EntryFacts {
        let negate = |c: &ir::Condition| ir::Condition {
            kind: ConditionKind::Not(Box::new(c.clone())),
            span: c.span,
        };
        EntryFacts {
            not_audience: c.audience.as_ref().map(negate),
            not_filters: c
                .triggers
                .iter()
                .map(|t| t.filter.as_ref().map(negate))
                .collect(),
            events: c.triggers.iter().map(happened).collect(),
        }
    }
}

/// What a trigger makes true when it fires: its event happened (and for
/// `segment.entered(s)`, the lead is in `s`), or the lead is inactive.
fn happened(t: &ir::Trigger) -> ir::Condition {
    let kind = match &t.source {
        EventSource::Inactive(d) => ConditionKind::Inactive(*d),
        EventSource::Event(e) => {
            let event = ConditionKind::Event {
                event: e.clone(),
                within: None,
            };
            match &e.argument {
                Some(ir::EventArgument::Segment(s)) if e.kind == ir::EventKind::SegmentEntered => {
                    ConditionKind::And(vec![
                        ir::Condition {
                            kind: event,
                            span: t.span,
                        },
                        ir::Condition {
                            kind: ConditionKind::InSegment(s.clone()),
                            span: t.span,
                        },
                    ])
                }
                _ => event,
            }
        }
    };
    ir::Condition { kind, span: t.span }
}

fn judge(
    ctx: &Context<'_>,
    policy: Option<&ProjectCap>,
    pairs: Pairs,
    witnesses: &mut usize,
    out: &mut Vec<Diagnostic>,
) {
    let project = ctx.project;
    let campaigns = &project.campaigns;
    let facts: Vec<EntryFacts> = campaigns.iter().map(EntryFacts::new).collect();
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
    let candidates = match pairs {
        Pairs::Shared => candidate_pairs(ctx)
            .into_iter()
            .map(|(p, partners)| (p, Cow::Owned(partners)))
            .collect(),
        Pairs::Any | Pairs::ApartOnly => every_pair(ctx),
    };
    for (p, partners) in candidates {
        for &q in partners.iter() {
            let (Some(cp), Some(cq)) = (campaigns.get(p), campaigns.get(q)) else {
                continue;
            };
            // The strictest cap the two can go over together, if any: the
            // entry is proved only then.
            let Some((cap, counts)) = caps_of(cp, cq, policy).into_iter().find_map(|cap| {
                let (sends, per, _, _) = cap;
                let limit = sends.saturating_add(1);
                let (mp, mq) = (most_in(p, per, limit), most_in(q, per, limit));
                (mp > 0 && mq > 0 && mp.saturating_add(mq) > sends).then_some((cap, (mp, mq)))
            }) else {
                continue;
            };
            let both = Both {
                facts: &facts,
                p,
                cp,
                q,
                cq,
            };
            let shared = shared_entry(&mut prover, &both);
            let entry = match pairs {
                Pairs::Shared => shared,
                Pairs::Any => shared.or_else(|| apart_entry(&mut prover, &both)),
                Pairs::ApartOnly => match shared {
                    Some(_) => None,
                    None => apart_entry(&mut prover, &both),
                },
            };
            let Some(entry) = entry else {
                continue;
            };
            let mut d = diagnostic(cp, cq, &entry, counts, cap, policy);
            if *witnesses > 0 {
                *witnesses -= 1;
                if let Some(note) = witness(project, (p, q), &entry, (cap.0, cap.1)) {
                    d.notes.push(note);
                }
            }
            out.push(d);
        }
    }
}

/// A cap a pair is judged against: sends, window (seconds), where it is
/// written and whose it is (`None`: the project's).
type PairCap<'c> = (u64, u64, Span, Option<&'c str>);

/// The caps to judge a pair against, strictest first (by rate, then by the
/// shorter window): the project's, or the two campaigns' own.
fn caps_of<'c>(
    cp: &'c ir::Campaign,
    cq: &'c ir::Campaign,
    policy: Option<&ProjectCap>,
) -> Vec<PairCap<'c>> {
    let mut caps: Vec<PairCap<'c>> = match policy {
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
    caps.sort_by(|a, b| {
        (u128::from(a.0) * u128::from(b.1))
            .cmp(&(u128::from(b.0) * u128::from(a.1)))
            .then(a.1.cmp(&b.1))
    });
    caps
}

/// Per campaign in source order, every campaign after it.
/// Borrowed from the source order, so that the quadratic number of pairs
/// is never held at once.
fn every_pair<'c>(ctx: &'c Context<'_>) -> Vec<(usize, Cow<'c, [usize]>)> {
    (0..ctx.order.len())
        .filter_map(|at| {
            let p = *ctx.order.get(at)?;
            Some((p, Cow::Borrowed(ctx.order.get(at + 1..)?)))
        })
        .collect()
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

/// The two campaigns of a pair, with what their entries tell.
struct Both<'p> {
    facts: &'p [EntryFacts],
    p: usize,
    cp: &'p ir::Campaign,
    q: usize,
    cq: &'p ir::Campaign,
}

/// A condition of an entry (the audience, the trigger's `where`) with its
/// negation.
type Part<'p> = (&'p ir::Condition, &'p ir::Condition);

impl<'p> Both<'p> {
    /// The parts of campaign `c`'s entry by its trigger `t`.
    fn entry(&self, c: &'p ir::Campaign, facts: &'p EntryFacts, t: usize) -> Vec<Part<'p>> {
        let mut parts: Vec<Part<'p>> = Vec::new();
        if let (Some(audience), Some(not)) = (&c.audience, &facts.not_audience) {
            parts.push((audience, not));
        }
        if let (Some(Some(filter)), Some(Some(not))) = (
            c.triggers.get(t).map(|t| t.filter.as_ref()),
            facts.not_filters.get(t).map(Option::as_ref),
        ) {
            parts.push((filter, not));
        }
        parts
    }

    /// What makes campaign `c` let a lead go: its goals and `suppress`.
    fn leaves(c: &'p ir::Campaign) -> Vec<&'p ir::Condition> {
        c.suppress
            .iter()
            .chain(c.goals.iter().map(|g| &g.condition))
            .collect()
    }
}

/// Whether no lead passes both entries: a condition of one implies the
/// negation of one of the other's.
fn disjoint<'p>(prover: &mut Prover<'p>, ep: &[Part<'p>], eq: &[Part<'p>]) -> bool {
    ep.iter()
        .any(|(x, _)| eq.iter().any(|(_, not_y)| prover.proves(x, not_y)))
}

/// Whether one of `facts` implies one of `leaves`: the campaign with those
/// leaves lets the lead go.
fn lets_go<'p>(
    prover: &mut Prover<'p>,
    facts: impl IntoIterator<Item = &'p ir::Condition>,
    leaves: &[&'p ir::Condition],
) -> bool {
    facts
        .into_iter()
        .any(|x| leaves.iter().any(|l| prover.proves(x, l)))
}

/// The shared trigger through which one event can put a lead in both
/// campaigns, if there is one that nothing excludes.
fn shared_entry<'p>(prover: &mut Prover<'p>, both: &Both<'p>) -> Option<Entry> {
    let (fp, fq) = (both.facts.get(both.p)?, both.facts.get(both.q)?);
    let (leave_p, leave_q) = (Both::leaves(both.cp), Both::leaves(both.cq));
    for (a, ta) in both.cp.triggers.iter().enumerate() {
        for (b, tb) in both.cq.triggers.iter().enumerate() {
            if !same_event(&ta.source, &tb.source) {
                continue;
            }
            let (ep, eq) = (both.entry(both.cp, fp, a), both.entry(both.cq, fq, b));
            if disjoint(prover, &ep, &eq)
                || lets_go(prover, ep.iter().map(|(x, _)| *x), &leave_q)
                || lets_go(prover, eq.iter().map(|(y, _)| *y), &leave_p)
            {
                continue;
            }
            return Some(Entry {
                first: ta.span,
                second: tb.span,
                triggers: (a, b),
                apart: false,
            });
        }
    }
    None
}

/// A pair of triggers, one of each campaign, through which a lead that is
/// in one campaign can enter the other later, if nothing excludes it:
/// neither the entries (as for [`shared_entry`]), nor, in both orders, the
/// campaign entered first letting the lead go when the second one's event
/// happens (its goal or `suppress` follows from that event, that trigger's
/// `where` or that audience), nor the campaign entered second letting it
/// go at once (its goal or `suppress` follows from the first one's
/// audience or `where`).
fn apart_entry<'p>(prover: &mut Prover<'p>, both: &Both<'p>) -> Option<Entry> {
    let (fp, fq) = (both.facts.get(both.p)?, both.facts.get(both.q)?);
    let (leave_p, leave_q) = (Both::leaves(both.cp), Both::leaves(both.cq));
    for (a, ta) in both.cp.triggers.iter().enumerate() {
        for (b, tb) in both.cq.triggers.iter().enumerate() {
            let (ep, eq) = (both.entry(both.cp, fp, a), both.entry(both.cq, fq, b));
            if disjoint(prover, &ep, &eq) {
                continue;
            }
            let (Some(event_p), Some(event_q)) = (fp.events.get(a), fq.events.get(b)) else {
                continue;
            };
            let conditions = |e: &'p ir::Condition, parts: &[Part<'p>]| -> Vec<&'p ir::Condition> {
                std::iter::once(e)
                    .chain(parts.iter().map(|(x, _)| *x))
                    .collect()
            };
            // `p` first: `p` lets go when `q` starts, or `q` at once.
            let p_first = lets_go(prover, conditions(event_q, &eq), &leave_p)
                || lets_go(prover, ep.iter().map(|(x, _)| *x), &leave_q);
            let q_first = lets_go(prover, conditions(event_p, &ep), &leave_q)
                || lets_go(prover, eq.iter().map(|(y, _)| *y), &leave_p);
            if p_first && q_first {
                continue;
            }
            return Some(Entry {
                first: ta.span,
                second: tb.span,
                triggers: (a, b),
                apart: true,
            });
        }
    }
    None
}

/// A note with a lead whose two runs go over the cap: started by the one
/// event, or the second by a later event. The search starts the lead in
/// either campaign first.
fn witness(
    project: &ir::Project,
    (p, q): (usize, usize),
    entry: &Entry,
    (sends, per): (u64, u64),
) -> Option<String> {
    use crate::simulate::witness;
    let (a, b) = entry.triggers;
    let window = text::span_of_time(per);
    if entry.apart {
        let (first, found) = witness::find_overlap_apart(project, (p, a), (q, b), sends, per)
            .map(|w| (p, w))
            .or_else(|| {
                witness::find_overlap_apart(project, (q, b), (p, a), sends, per).map(|w| (q, w))
            })?;
        return Some(witness::overlap_apart_note(project, &found, first, &window));
    }
    let found = witness::find_overlap(project, (p, a), q, sends, per)
        .or_else(|| witness::find_overlap(project, (q, b), p, sends, per))?;
    Some(witness::overlap_note(project, &found, &window))
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
    entry: &Entry,
    (mp, mq): (u64, u64),
    (sends, per, span, owner): PairCap<'_>,
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
    .with_secondary(
        entry.first,
        match entry.apart {
            false => "one event starts both campaigns: this trigger",
            true => "a lead in one campaign can enter the other: by this trigger",
        },
    )
    .with_secondary(
        entry.second,
        match entry.apart {
            false => "and this one",
            true => "and this one, earlier or later",
        },
    );
    d = d.with_secondary(
        span,
        match policy {
            Some(p) => format!("the project's cap: `cap = \"{}\"`", p.text),
            None => format!("the stricter cap: at most {cap_text}"),
        },
    );
    if entry.apart {
        d = d.with_note(
            "`overlap = \"any-trigger\"` in `[policy]` judges campaigns that different events start: a lead that does both is in both",
        );
    }
    d.with_note(
        "nothing in the triggers' `where`, the audiences, the goals or `suppress` keeps a lead out of one of them while it is in the other; each campaign's sends are counted as if the two runs could line up in any way",
    )
    .with_help(
        "make the audiences exclude each other, give one campaign a goal or `suppress` that the other's audience implies, or send less often",
    )
}
