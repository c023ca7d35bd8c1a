//! `cadence-cap`: `cap N emails per D` is broken where N + 1 consecutive
//! sends of some path fit in less than D, judged on minimum delays (`wait D`
//! takes D; `wait D or until C` can take no time, except on the edges that
//! [`super::settle`] shows it took its full D). Sends exactly D apart do
//! not share a window.
//!
//! Dynamic programming by layers, loops included. Layer `j` holds, for every
//! send `t`, the shortest time from the `j`-th most recent earlier send to
//! `t` over every path of the flow, with the send where that window started:
//!
//! - layer 0: every send is its own window start, at time 0;
//! - layer j: one multi-source Dijkstra run from every send `s` of layer
//!   `j - 1`, starting at `s`'s time and stopping at the next send reached
//!   (delays are never negative, so it is exact on cycles too).
//!
//! Handlers: the search runs on [`Timed`], the flow graph with every
//! statement able to start a handler the moment the lead arrives, and with
//! the handlers that can start only once tracked, so that no path runs one
//! twice. Across `enroll`s the search runs on the product of the enroll
//! network's flows, where a path that entered a `reentry never` campaign of
//! an enroll cycle does not enter it again (tracked like the handlers).
//! A send breaks the cap where layer N gives it a time below D. Each layer is
//! one O(E log V) search; at most N layers are built, fewer when no window
//! below D is left (the flow has no longer chains of quick sends) or when a
//! layer repeats the one before (a fixpoint: every later layer equals it).

use super::graph::FlowGraph;
use super::network::Context;
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeKind};
use foldhash::{HashMap, HashMapExt};
use petgraph::graph::NodeIndex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// How many of the most recent layers are kept, and how many earlier sends
/// of a window are named at most.
const KEPT_LAYERS: usize = 64;

/// Per send (by its position in the list of sends): the least time since the
/// window's first send, and the send of the previous layer it came from.
type Layer = Vec<Option<(u64, usize)>>;

pub(super) fn check(ctx: &Context<'_>, x: usize, out: &mut Vec<Diagnostic>) {
    let Some(campaign) = ctx.project.campaigns.get(x) else {
        return;
    };
    let Some(cap) = campaign.cap else { return };
    judge(ctx, x, cap, Code::CadenceCap, None, out);
}

/// Judges the sends of campaign `x` (with those of its enroll network)
/// against `cap`, reporting `code`; `policy` names the project's cap, for
/// `project-cap`.
pub(super) fn judge(
    ctx: &Context<'_>,
    x: usize,
    cap: ir::Cap,
    code: Code,
    policy: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(g) = ctx.graphs.get(x) else { return };
    let per = cap.per.seconds;
    let own: Vec<NodeIndex> = g
        .reachable_steps()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Send { .. }))
        .map(|(v, _)| v)
        .collect();
    if per == 0 || own.is_empty() {
        return;
    }
    let cap_text = format!(
        "{} {} per {}",
        cap.sends,
        if cap.sends == 1 { "email" } else { "emails" },
        text::span_of_time(per)
    );
    let cap_label = match policy {
        Some(_) => format!("the project's cap: at most {cap_text}"),
        None => format!("at most {cap_text}"),
    };
    let exceeds = match policy {
        Some(_) => format!("this send exceeds the project's cap of {cap_text}"),
        None => format!("this send exceeds the cap of {cap_text}"),
    };
    if cap.sends == 0 {
        for node in own.iter().filter_map(|v| g.step(*v)) {
            out.push(
                Diagnostic::new(
                    code,
                    exceeds.clone(),
                    node.head,
                    "the cap allows no email at all",
                )
                .with_secondary(cap.span, "no email allowed")
                .with_help("remove the send, or raise the cap"),
            );
        }
        return;
    }
    let members = ctx.network(x);
    let timed = Timed::new(ctx, &members);
    let step = |(m, v): (usize, NodeIndex)| {
        members
            .get(m)
            .and_then(|c| ctx.graphs.get(*c))
            .and_then(|g| g.step(v))
    };
    let name = |m: usize| {
        members
            .get(m)
            .and_then(|c| ctx.project.campaigns.get(*c))
            .map_or("", |c| c.name.as_str())
    };
    // Send states: a send statement of a member with the handlers that have run.
    let sends: Vec<usize> = (0..timed.at.len())
        .filter(|&p| {
            timed.at.get(p).is_some_and(|&(m, v)| {
                members
                    .get(m)
                    .and_then(|c| ctx.graphs.get(*c))
                    .is_some_and(|g| g.is_reachable(v))
                    && step((m, v)).is_some_and(|n| matches!(n.kind, NodeKind::Send { .. }))
            })
        })
        .collect();
    let mut send_of = vec![None; timed.at.len()];
    for (s, p) in sends.iter().enumerate() {
        if let Some(slot) = send_of.get_mut(*p) {
            *slot = Some(s);
        }
    }
    let statement = |s: usize| sends.get(s).and_then(|p| timed.at.get(*p)).copied();
    let starts: Vec<(usize, u64, usize)> = timed.starts.iter().map(|&p| (p, 0, 0)).collect();
    let earliest = shortest_times(&timed, &starts, &send_of, false);
    let window = cap.sends.saturating_add(1);

    // Layers 0..=cap.sends, keeping the last few for the secondary labels.
    let mut kept: VecDeque<(u64, Layer)> = VecDeque::new();
    let mut layer: Layer = (0..sends.len()).map(|s| Some((0, s))).collect();
    let mut number = 0u64;
    // The last layer built that differs from the one before it.
    let mut last = 0u64;
    kept.push_back((0, layer.clone()));
    while number < cap.sends {
        let Some(next) = next_layer(&timed, &sends, &send_of, &layer, per) else {
            return;
        };
        number += 1;
        if next == layer {
            // Every later layer is this one again.
            break;
        }
        layer = next;
        last = number;
        kept.push_back((number, layer.clone()));
        if kept.len() > KEPT_LAYERS {
            kept.pop_front();
        }
    }
    // `layer` (number `last`) now stands for layer `cap.sends`.
    let until_waits = members.iter().filter_map(|c| ctx.graphs.get(*c)).any(|g| {
        g.reachable_steps()
            .any(|(_, n)| matches!(n.kind, NodeKind::Wait { until: Some(_), .. }))
    });
    // One diagnostic per statement of `x`, for its tightest window over
    // the handlers that may have run.
    let mut tightest: Vec<(NodeIndex, usize, u64)> = Vec::new();
    for (t, entry) in layer.iter().enumerate() {
        let (Some((span, _)), Some((0, v))) = (entry, statement(t)) else {
            continue;
        };
        match tightest.iter_mut().find(|(w, _, _)| *w == v) {
            Some(slot) if slot.2 > *span => *slot = (v, t, *span),
            Some(_) => {}
            None => tightest.push((v, t, *span)),
        }
    }
    tightest.sort_by_key(|(v, _, _)| v.index());
    for (v, t, span) in tightest {
        let span = &span;
        if *span >= per {
            continue;
        }
        let Some(node) = g.step(v) else {
            continue;
        };
        // Walk back through the layers to the window's earlier sends.
        let mut chain: Vec<(usize, u64)> = Vec::new();
        let mut at = t;
        let mut complete = true;
        let layer = |n: u64| kept.iter().find(|(k, _)| *k == n.min(last)).map(|(_, l)| l);
        for j in (1..=cap.sends).rev() {
            if chain.len() >= KEPT_LAYERS {
                complete = false;
                break;
            }
            let Some(Some((_, from))) = layer(j).and_then(|l| l.get(at)) else {
                complete = false;
                break;
            };
            let Some(Some((time, _))) = layer(j - 1).and_then(|l| l.get(*from)) else {
                complete = false;
                break;
            };
            at = *from;
            chain.push((at, *time));
        }
        // The campaigns other than `x` whose sends are in the window.
        let mut others: Vec<usize> = chain
            .iter()
            .filter_map(|(s, _)| statement(*s))
            .map(|(m, _)| m)
            .filter(|m| *m != 0)
            .collect();
        others.sort_unstable();
        others.dedup();
        // Days since entry, anchored at the window's first send when known
        // (and when the window is all `x`'s: another campaign's entry is
        // another day 0).
        let anchor = if complete && others.is_empty() {
            chain
                .last()
                .and_then(|(s, _)| sends.get(*s))
                .and_then(|p| earliest.get(*p).copied().flatten())
                .map(|(time, _)| time)
        } else {
            None
        };
        let when = |offset: u64| match anchor {
            Some(a) => text::day(a.saturating_add(offset)),
            None => match span.saturating_sub(offset) {
                0 => "at the same time".to_string(),
                before => format!("{} before", text::span_of_time(before)),
            },
        };
        let mut d = Diagnostic::new(code, exceeds.clone(), node.head, {
            let within = match span {
                0 => "with no wait in between".to_string(),
                s => format!("within {}", text::span_of_time(*s)),
            };
            match anchor {
                Some(a) => format!(
                    "{}: the {} email {within}",
                    text::day(a.saturating_add(*span)),
                    text::ordinal(window)
                ),
                None => format!("the {} email {within}", text::ordinal(window)),
            }
        });
        // One label per statement: a send in a loop can be several sends of
        // the window.
        let mut groups: Vec<((usize, NodeIndex), Vec<u64>)> = Vec::new();
        for &(s, offset) in chain.iter().rev() {
            let Some(w) = statement(s) else { continue };
            match groups.iter_mut().find(|(k, _)| *k == w) {
                Some((_, offsets)) => offsets.push(offset),
                None => groups.push((w, vec![offset])),
            }
        }
        for (s, offsets) in &groups {
            let label = match offsets.as_slice() {
                [one] => when(*one),
                [a, b] => format!("{} and {}", when(*a), when(*b)),
                [first, .., last] if when(*first) == when(*last) => {
                    format!("{} sends, all {}", offsets.len(), when(*first))
                }
                [first, .., last] => format!(
                    "{} sends, from {} to {}",
                    offsets.len(),
                    when(*first),
                    when(*last)
                ),
                [] => continue,
            };
            let label = if *s == (0, v) {
                format!("earlier rounds of the loop: {label}")
            } else if s.0 != 0 {
                format!("{label}, in `{}`", name(s.0))
            } else {
                label
            };
            if let Some(earlier) = step(*s) {
                d = d.with_secondary(earlier.head, label);
            }
        }
        if !complete {
            d = d.with_note(format!(
                "the window holds {window} sends; only the last {} are labelled",
                chain.len() + 1
            ));
        }
        d = d.with_secondary(cap.span, cap_label.clone());
        if let Some(policy) = policy {
            d = d.with_note(format!(
                "`{policy}` in `nurture.toml` caps what every campaign sends"
            ));
        }
        if !others.is_empty() {
            let names: Vec<String> = others.iter().map(|m| format!("`{}`", name(*m))).collect();
            d = d.with_note(format!(
                "the cap counts the emails of the campaigns whose `enroll` brings the lead here: {}",
                names.join(", ")
            ));
        }
        d = d.with_note(if until_waits {
            "times are the earliest each send can happen; a `wait … or until …` can end at once, unless a test right after it shows it ran its full time"
        } else {
            "times are the earliest each send can happen"
        });
        out.push(d.with_help(format!(
            "wait at least {} more before this send, or raise the cap",
            text::span_of_time(per - span)
        )));
    }
}

/// The most sends of one campaign (its handlers included) that fit in a
/// window shorter than `per`, counted up to `limit`; 0 when it sends
/// nothing. The same layers as the cap check, without the labels.
pub(super) fn most_in_window(g: &FlowGraph<'_>, delays: &[u64], per: u64, limit: u64) -> u64 {
    let timed = Timed::single(g, delays);
    let sends: Vec<usize> = (0..timed.at.len())
        .filter(|&p| {
            timed.at.get(p).is_some_and(|&(_, v)| {
                g.is_reachable(v)
                    && g.step(v)
                        .is_some_and(|n| matches!(n.kind, NodeKind::Send { .. }))
            })
        })
        .collect();
    if sends.is_empty() || limit == 0 {
        return 0;
    }
    let mut send_of = vec![None; timed.at.len()];
    for (s, p) in sends.iter().enumerate() {
        if let Some(slot) = send_of.get_mut(*p) {
            *slot = Some(s);
        }
    }
    let mut layer: Layer = (0..sends.len()).map(|s| Some((0, s))).collect();
    let mut count = 1;
    while count < limit {
        let Some(next) = next_layer(&timed, &sends, &send_of, &layer, per) else {
            break;
        };
        if !next.iter().any(|e| matches!(e, Some((t, _)) if *t < per)) {
            break;
        }
        if next == layer {
            // Every later layer is this one again: as many as asked.
            return limit;
        }
        count += 1;
        layer = next;
    }
    count
}

/// Per vertex of `g`: the earliest time a lead can arrive there after
/// entering, over the handlers that may have run (`None`: never).
pub(super) fn earliest_times(g: &FlowGraph<'_>, delays: &[u64]) -> Vec<Option<u64>> {
    let timed = Timed::single(g, delays);
    let starts: Vec<(usize, u64, usize)> = timed.starts.iter().map(|&p| (p, 0, 0)).collect();
    let times = shortest_times(&timed, &starts, &[], false);
    let mut out = vec![None; g.graph.node_count()];
    for (p, t) in times.iter().enumerate() {
        let (Some((time, _)), Some(&(_, v))) = (t, timed.at.get(p)) else {
            continue;
        };
        if let Some(slot) = out.get_mut(v.index()) {
            if slot.is_none_or(|old: u64| old > *time) {
                *slot = Some(*time);
            }
        }
    }
    out
}

/// The handlers that run at most once per entry whether or not a `goto`
/// brings the lead back, tracked in the search: at most this many (the
/// states grow as 2 to this power).
const TRACKED: usize = 4;

/// The flow graph with time on its edges and, per vertex, the set of
/// tracked handlers that have run: a handler whose condition, once it
/// holds, holds for the rest of the entry (events since entry, `and` and
/// `or` of them) never starts twice, so a path that ran it cannot run it
/// again. Other handlers may start again after a `goto` out of their block.
struct Timed {
    /// Per state: the member campaign (its position in the network) and
    /// the vertex of its flow graph.
    at: Vec<(usize, NodeIndex)>,
    /// Per state: `(state, delay)` edges; the delay is the time spent in
    /// the statement left (none when a handler starts: it interrupts).
    out: Vec<Vec<(usize, u64)>>,
    /// Per member: the state where a lead enters it.
    starts: Vec<usize>,
}

/// One campaign of a [`Timed`] search.
struct Member<'a, 'c> {
    g: &'a FlowGraph<'c>,
    delays: &'a [u64],
    /// Its reachable `enroll`s into other members: (vertex, member).
    enrolls: Vec<(NodeIndex, usize)>,
    /// `reentry never`, on a cycle of `enroll`s: a path of the search that
    /// entered it once cannot enter it again.
    once: bool,
}

/// The most `reentry never` campaigns of a network whose entries a search
/// tracks (the states grow as 2 to this power); further ones are judged as
/// if they admitted a lead again, which can only add sends.
const TRACKED_ONCE: usize = 4;

/// Where the bits of the campaigns entered (`once` members) start in a
/// state's mask; the bits below are the current member's handlers.
const ENTERED_SHIFT: usize = TRACKED;

impl Timed {
    /// The product of the network's campaigns (`members`, indices into the
    /// project's campaigns): an `enroll` into a member goes on at its entry,
    /// with none of its handlers run.
    fn new(ctx: &Context<'_>, members: &[usize]) -> Timed {
        let list: Vec<Member<'_, '_>> = members
            .iter()
            .filter_map(|&c| {
                let g = ctx.graphs.get(c)?;
                let delays = ctx.delays.get(c).map_or(&[][..], Vec::as_slice);
                let enrolls = ctx
                    .enrolls
                    .get(c)
                    .map(|l| {
                        l.iter()
                            .filter_map(|&(v, t)| {
                                members.iter().position(|&m| m == t).map(|k| (v, k))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Member {
                    g,
                    delays,
                    enrolls,
                    once: false,
                })
            })
            .collect();
        Timed::build(&mark_once(ctx, members, list))
    }

    /// One campaign on its own.
    fn single(g: &FlowGraph<'_>, delays: &[u64]) -> Timed {
        Timed::build(&[Member {
            g,
            delays,
            enrolls: Vec::new(),
            once: false,
        }])
    }

    fn build(members: &[Member<'_, '_>]) -> Timed {
        let tracked: Vec<Vec<usize>> = members
            .iter()
            .map(|m| {
                let handlers = &m.g.flow.handlers;
                (0..handlers.len())
                    .filter(|&h| {
                        handlers
                            .get(h)
                            .is_some_and(|x| holds_once_held(&x.condition))
                    })
                    .take(TRACKED)
                    .collect()
            })
            .collect();
        let bit = |k: usize, h: usize| {
            tracked
                .get(k)
                .and_then(|t| t.iter().position(|&x| x == h))
                .map(|b| 1usize << b)
        };
        let once: Vec<usize> = (0..members.len())
            .filter(|&k| members.get(k).is_some_and(|m| m.once))
            .take(TRACKED_ONCE)
            .collect();
        let entered = |k: usize| {
            once.iter()
                .position(|&x| x == k)
                .map_or(0, |b| 1usize << (ENTERED_SHIFT + b))
        };
        let handlers_run = (1usize << ENTERED_SHIFT) - 1;
        let entries: Vec<Vec<(usize, NodeIndex)>> = members
            .iter()
            .map(|m| {
                m.g.flow
                    .handlers
                    .iter()
                    .enumerate()
                    .filter_map(|(h, x)| match x.entry {
                        ir::Target::Node(id) if m.g.flow.node(id).is_some() => {
                            Some((h, FlowGraph::vertex(id)))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut timed = Timed {
            at: Vec::new(),
            out: Vec::new(),
            starts: Vec::new(),
        };
        let mut index: HashMap<(usize, NodeIndex, usize), usize> = HashMap::new();
        let mut queue: VecDeque<(usize, NodeIndex, usize)> = VecDeque::new();
        let mut state =
            |timed: &mut Timed, queue: &mut VecDeque<_>, k: usize, v: NodeIndex, m: usize| {
                *index.entry((k, v, m)).or_insert_with(|| {
                    timed.at.push((k, v));
                    timed.out.push(Vec::new());
                    queue.push_back((k, v, m));
                    timed.at.len() - 1
                })
            };
        for (k, member) in members.iter().enumerate() {
            let s = state(&mut timed, &mut queue, k, member.g.start, entered(k));
            timed.starts.push(s);
        }
        while let Some((k, v, m)) = queue.pop_front() {
            let Some(member) = members.get(k) else {
                continue;
            };
            let g = member.g;
            let from = state(&mut timed, &mut queue, k, v, m);
            let mut edges = Vec::new();
            for e in g.graph.edges(v) {
                use petgraph::visit::EdgeRef;
                let mask = match e.weight() {
                    super::graph::Edge::Handler(h) => m | bit(k, *h).unwrap_or(0),
                    _ => m,
                };
                let delay = super::settle::delay_of(g, member.delays, e.id(), v);
                edges.push((k, e.target(), mask, delay));
            }
            for &(_, target) in member.enrolls.iter().filter(|(w, _)| *w == v) {
                let bit = entered(target);
                if m & bit != 0 {
                    // `reentry never`: this path entered it already.
                    continue;
                }
                if let Some(t) = members.get(target) {
                    edges.push((target, t.g.start, (m & !handlers_run) | bit, 0));
                }
            }
            // A handler can start wherever the lead is, the moment it
            // arrives (waits included), but not at a terminal (the lead has
            // left), nor again once it ran (tracked), nor inside its own
            // block (untracked: it runs once per visit).
            let left = g.step(v).is_none_or(|n| n.kind.is_terminal());
            if !left {
                let own = g.node_id(v).and_then(|id| g.flow.handler_of(id));
                for &(h, entry) in entries.get(k).map_or(&[][..], Vec::as_slice) {
                    let may = match bit(k, h) {
                        Some(b) => m & b == 0,
                        None => own != Some(h),
                    };
                    if may {
                        edges.push((k, entry, m | bit(k, h).unwrap_or(0), 0));
                    }
                }
            }
            for (j, w, mask, d) in edges {
                let to = state(&mut timed, &mut queue, j, w, mask);
                if let Some(list) = timed.out.get_mut(from) {
                    list.push((to, d));
                }
            }
        }
        timed
    }
}

/// Marks the members under `reentry never` that lie on a cycle of the
/// network's `enroll`s (elsewhere no path enters a campaign twice).
fn mark_once<'a, 'c>(
    ctx: &Context<'_>,
    members: &[usize],
    mut list: Vec<Member<'a, 'c>>,
) -> Vec<Member<'a, 'c>> {
    if list.len() != members.len() {
        return list;
    }
    let never = |k: usize| {
        members
            .get(k)
            .and_then(|c| ctx.project.campaigns.get(*c))
            .is_some_and(|c| c.reentry == ir::Reentry::Never)
    };
    let on_cycle: Vec<bool> = (0..list.len())
        .map(|k| {
            if !never(k) {
                return false;
            }
            // Whether `k` can be reached again from its own enrolls.
            let mut seen = vec![false; list.len()];
            let mut stack: Vec<usize> = list
                .get(k)
                .map(|m| m.enrolls.iter().map(|(_, t)| *t).collect())
                .unwrap_or_default();
            while let Some(j) = stack.pop() {
                if j == k {
                    return true;
                }
                match seen.get_mut(j) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                if let Some(m) = list.get(j) {
                    stack.extend(m.enrolls.iter().map(|(_, t)| *t));
                }
            }
            false
        })
        .collect();
    for (member, once) in list.iter_mut().zip(on_cycle) {
        member.once = once;
    }
    list
}

/// Whether a condition, once it holds, holds for the rest of the entry:
/// events since entry (without `within`), and `and` / `or` of them.
fn holds_once_held(c: &ir::Condition) -> bool {
    match &c.kind {
        ir::ConditionKind::Event { within: None, .. } => true,
        ir::ConditionKind::And(items) | ir::ConditionKind::Or(items) => {
            items.iter().all(holds_once_held)
        }
        _ => false,
    }
}

/// Dijkstra from several sources at once: for every vertex, the least time
/// at which a lead arrives there (before the statement runs), and which
/// source it came from. A source is a vertex, a start time and a tag. With
/// `stop_at_sends`, sources are left rather than entered, and a send reached
/// ends the search on that path (it starts the next layer's window).
/// The layer after `layer`: per send, the earliest time within the window
/// at which it can be one more send after a path the layer counts. `None`
/// when no send of the layer is still inside the window.
fn next_layer(
    timed: &Timed,
    sends: &[usize],
    send_of: &[Option<usize>],
    layer: &Layer,
    per: u64,
) -> Option<Layer> {
    let sources: Vec<(usize, u64, usize)> = layer
        .iter()
        .enumerate()
        .filter_map(|(s, entry)| match entry {
            Some((time, _)) if *time < per => sends.get(s).map(|v| (*v, *time, s)),
            _ => None,
        })
        .collect();
    if sources.is_empty() {
        return None;
    }
    let times = shortest_times(timed, &sources, send_of, true);
    Some(
        sends
            .iter()
            .map(|p| times.get(*p).copied().flatten())
            .collect(),
    )
}

fn shortest_times(
    timed: &Timed,
    sources: &[(usize, u64, usize)],
    send_of: &[Option<usize>],
    stop_at_sends: bool,
) -> Vec<Option<(u64, usize)>> {
    let count = timed.at.len();
    let mut best: Vec<Option<(u64, usize)>> = vec![None; count];
    let mut done = vec![false; count];
    let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> = BinaryHeap::new();
    let relax = |best: &mut Vec<Option<(u64, usize)>>,
                 heap: &mut BinaryHeap<_>,
                 w: usize,
                 time: u64,
                 tag: usize| {
        if let Some(slot) = best.get_mut(w) {
            if !matches!(slot, Some((t, _)) if *t <= time) {
                *slot = Some((time, tag));
                heap.push(Reverse((time, w, tag)));
            }
        }
    };
    let out = |v: usize| timed.out.get(v).map_or(&[][..], Vec::as_slice);
    for &(v, time, tag) in sources {
        if stop_at_sends {
            for &(w, d) in out(v) {
                relax(&mut best, &mut heap, w, time.saturating_add(d), tag);
            }
        } else {
            relax(&mut best, &mut heap, v, time, tag);
        }
    }
    while let Some(Reverse((time, v, tag))) = heap.pop() {
        let Some(seen) = done.get_mut(v) else {
            continue;
        };
        if *seen {
            continue;
        }
        *seen = true;
        if stop_at_sends && send_of.get(v).copied().flatten().is_some() {
            continue;
        }
        for &(w, d) in out(v) {
            relax(&mut best, &mut heap, w, time.saturating_add(d), tag);
        }
    }
    if stop_at_sends {
        // Keep only sends, tagged with the source send's position.
        for (i, slot) in best.iter_mut().enumerate() {
            if send_of.get(i).copied().flatten().is_none() {
                *slot = None;
            }
        }
    }
    best
}
