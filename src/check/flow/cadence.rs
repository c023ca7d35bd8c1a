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
//! twice. A send breaks the cap where layer N gives it a time below D. Each layer is
//! one O(E log V) search; at most N layers are built, fewer when no window
//! below D is left (the flow has no longer chains of quick sends) or when a
//! layer repeats the one before (a fixpoint: every later layer equals it).

use super::graph::{min_delay, FlowGraph};
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeKind};
use petgraph::graph::NodeIndex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// How many of the most recent layers are kept, and how many earlier sends
/// of a window are named at most.
const KEPT_LAYERS: usize = 64;

/// Per send (by its position in the list of sends): the least time since the
/// window's first send, and the send of the previous layer it came from.
type Layer = Vec<Option<(u64, usize)>>;

pub(super) fn check(
    project: &ir::Project,
    campaign: &ir::Campaign,
    g: &FlowGraph<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(cap) = campaign.cap else { return };
    let per = cap.per.seconds;
    let statements: Vec<NodeIndex> = g
        .reachable_steps()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Send { .. }))
        .map(|(v, _)| v)
        .collect();
    if per == 0 || statements.is_empty() {
        return;
    }
    if cap.sends == 0 {
        for node in statements.iter().filter_map(|v| g.step(*v)) {
            out.push(
                Diagnostic::new(
                    Code::CadenceCap,
                    format!(
                        "this send exceeds the cap of 0 emails per {}",
                        text::span_of_time(per)
                    ),
                    node.head,
                    "the cap allows no email at all",
                )
                .with_secondary(cap.span, "no email allowed")
                .with_help("remove the send, or raise the cap"),
            );
        }
        return;
    }
    let timed = Timed::new(g, &super::settle::edge_delays(project, g));
    // Send states: a send statement with the handlers that have run.
    let sends: Vec<usize> = (0..timed.at.len())
        .filter(|&p| statements.contains(&timed.at[p]))
        .collect();
    let mut send_of = vec![None; timed.at.len()];
    for (s, p) in sends.iter().enumerate() {
        if let Some(slot) = send_of.get_mut(*p) {
            *slot = Some(s);
        }
    }
    let statement = |s: usize| sends.get(s).and_then(|p| timed.at.get(*p)).copied();
    let earliest = shortest_times(&timed, &[(timed.start, 0, 0)], &send_of, false);
    let window = cap.sends.saturating_add(1);
    let cap_text = format!(
        "{} {} per {}",
        cap.sends,
        if cap.sends == 1 { "email" } else { "emails" },
        text::span_of_time(per)
    );

    // Layers 0..=cap.sends, keeping the last few for the secondary labels.
    let mut kept: VecDeque<(u64, Layer)> = VecDeque::new();
    let mut layer: Layer = (0..sends.len()).map(|s| Some((0, s))).collect();
    let mut number = 0u64;
    // The last layer built that differs from the one before it.
    let mut last = 0u64;
    kept.push_back((0, layer.clone()));
    while number < cap.sends {
        let sources: Vec<(usize, u64, usize)> = layer
            .iter()
            .enumerate()
            .filter_map(|(s, entry)| match entry {
                Some((time, _)) if *time < per => sends.get(s).map(|v| (*v, *time, s)),
                _ => None,
            })
            .collect();
        if sources.is_empty() {
            return;
        }
        let times = shortest_times(&timed, &sources, &send_of, true);
        let next: Layer = sends
            .iter()
            .map(|p| times.get(*p).copied().flatten())
            .collect();
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
    let until_waits = g
        .reachable_steps()
        .any(|(_, n)| matches!(n.kind, NodeKind::Wait { until: Some(_), .. }));
    // One diagnostic per statement, for its tightest window over the
    // handlers that may have run.
    let mut tightest: Vec<(NodeIndex, usize, u64)> = Vec::new();
    for (t, entry) in layer.iter().enumerate() {
        let (Some((span, _)), Some(v)) = (entry, statement(t)) else {
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
        // Days since entry, anchored at the window's first send when known.
        let anchor = if complete {
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
        let mut d = Diagnostic::new(
            Code::CadenceCap,
            format!("this send exceeds the cap of {cap_text}"),
            node.head,
            {
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
            },
        );
        // One label per statement: a send in a loop can be several sends of
        // the window.
        let mut groups: Vec<(NodeIndex, Vec<u64>)> = Vec::new();
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
            let label = if *s == v {
                format!("earlier rounds of the loop: {label}")
            } else {
                label
            };
            if let Some(earlier) = g.step(*s) {
                d = d.with_secondary(earlier.head, label);
            }
        }
        if !complete {
            d = d.with_note(format!(
                "the window holds {window} sends; only the last {} are labelled",
                chain.len() + 1
            ));
        }
        d = d.with_secondary(cap.span, format!("at most {cap_text}"));
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
    /// Per state: the flow graph vertex.
    at: Vec<NodeIndex>,
    /// Per state: `(state, delay)` edges; the delay is the time spent in
    /// the statement left (none when a handler starts: it interrupts).
    out: Vec<Vec<(usize, u64)>>,
    start: usize,
}

impl Timed {
    /// `delays`: per edge of `g.graph`, the least time a lead takes along
    /// it ([`super::settle::edge_delays`]).
    fn new(g: &FlowGraph<'_>, delays: &[u64]) -> Timed {
        let handlers = &g.flow.handlers;
        let tracked: Vec<usize> = (0..handlers.len())
            .filter(|&h| {
                handlers
                    .get(h)
                    .is_some_and(|x| holds_once_held(&x.condition))
            })
            .take(TRACKED)
            .collect();
        let bit = |h: usize| tracked.iter().position(|&t| t == h).map(|b| 1usize << b);
        let entries: Vec<(usize, NodeIndex)> = handlers
            .iter()
            .enumerate()
            .filter_map(|(h, x)| match x.entry {
                ir::Target::Node(i) if i < g.flow.nodes.len() => Some((h, NodeIndex::new(i))),
                _ => None,
            })
            .collect();
        let mut timed = Timed {
            at: Vec::new(),
            out: Vec::new(),
            start: 0,
        };
        let mut index: std::collections::HashMap<(NodeIndex, usize), usize> =
            std::collections::HashMap::new();
        let mut queue: VecDeque<(NodeIndex, usize)> = VecDeque::new();
        let mut state = |timed: &mut Timed, queue: &mut VecDeque<_>, v: NodeIndex, m: usize| {
            *index.entry((v, m)).or_insert_with(|| {
                timed.at.push(v);
                timed.out.push(Vec::new());
                queue.push_back((v, m));
                timed.at.len() - 1
            })
        };
        timed.start = state(&mut timed, &mut queue, g.start, 0);
        while let Some((v, m)) = queue.pop_front() {
            let from = state(&mut timed, &mut queue, v, m);
            let mut edges = Vec::new();
            for e in g.graph.edges(v) {
                use petgraph::visit::EdgeRef;
                let mask = match e.weight() {
                    super::graph::Edge::Handler(h) => m | bit(*h).unwrap_or(0),
                    _ => m,
                };
                let delay = delays
                    .get(e.id().index())
                    .copied()
                    .unwrap_or_else(|| g.step(v).map_or(0, min_delay));
                edges.push((e.target(), mask, delay));
            }
            // A handler can start wherever the lead is, the moment it
            // arrives (waits included), but not at a terminal (the lead has
            // left), nor again once it ran (tracked), nor inside its own
            // block (untracked: it runs once per visit).
            let left = g.step(v).is_none_or(|n| n.kind.is_terminal());
            if !left {
                let own = g.flow.handler_of(v.index());
                for &(h, entry) in &entries {
                    let may = match bit(h) {
                        Some(b) => m & b == 0,
                        None => own != Some(h),
                    };
                    if may {
                        edges.push((entry, m | bit(h).unwrap_or(0), 0));
                    }
                }
            }
            for (w, mask, d) in edges {
                let to = state(&mut timed, &mut queue, w, mask);
                if let Some(list) = timed.out.get_mut(from) {
                    list.push((to, d));
                }
            }
        }
        timed
    }
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
