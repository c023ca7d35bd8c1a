//! `cadence-cap`: `cap N emails per D` is broken where N + 1 consecutive
//! sends of some path fit in less than D, judged on minimum delays (`wait D`
//! takes D; `wait D or until C` can take no time). Sends exactly D apart do
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
//! A send breaks the cap where layer N gives it a time below D. Each layer is
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

pub(super) fn check(campaign: &ir::Campaign, g: &FlowGraph<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cap) = campaign.cap else { return };
    let per = cap.per.seconds;
    let sends: Vec<NodeIndex> = g
        .reachable_steps()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Send { .. }))
        .map(|(v, _)| v)
        .collect();
    if per == 0 || sends.is_empty() {
        return;
    }
    let mut send_of = vec![None; g.graph.node_count()];
    for (s, v) in sends.iter().enumerate() {
        if let Some(slot) = send_of.get_mut(v.index()) {
            *slot = Some(s);
        }
    }
    if cap.sends == 0 {
        for node in sends.iter().filter_map(|v| g.step(*v)) {
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
    let earliest = shortest_times(g, &[(g.start, 0, 0)], &send_of, false);
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
        let sources: Vec<(NodeIndex, u64, usize)> = layer
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
        let times = shortest_times(g, &sources, &send_of, true);
        let next: Layer = sends
            .iter()
            .map(|v| times.get(v.index()).copied().flatten())
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
    for (t, entry) in layer.iter().enumerate() {
        let Some((span, _)) = entry else { continue };
        if *span >= per {
            continue;
        }
        let Some(node) = sends.get(t).and_then(|v| g.step(*v)) else {
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
                .and_then(|v| earliest.get(v.index()).copied().flatten())
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
        let mut groups: Vec<(usize, Vec<u64>)> = Vec::new();
        for &(s, offset) in chain.iter().rev() {
            match groups.iter_mut().find(|(k, _)| *k == s) {
                Some((_, offsets)) => offsets.push(offset),
                None => groups.push((s, vec![offset])),
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
            let label = if *s == t {
                format!("earlier rounds of the loop: {label}")
            } else {
                label
            };
            if let Some(earlier) = sends.get(*s).and_then(|v| g.step(*v)) {
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
            "times are the earliest each send can happen; a `wait … or until …` can end at once"
        } else {
            "times are the earliest each send can happen"
        });
        out.push(d.with_help(format!(
            "wait at least {} more before this send, or raise the cap",
            text::span_of_time(per - span)
        )));
    }
}

/// Dijkstra from several sources at once: for every vertex, the least time
/// at which a lead arrives there (before the statement runs), and which
/// source it came from. A source is a vertex, a start time and a tag. With
/// `stop_at_sends`, sources are left rather than entered, and a send reached
/// ends the search on that path (it starts the next layer's window).
fn shortest_times(
    g: &FlowGraph<'_>,
    sources: &[(NodeIndex, u64, usize)],
    send_of: &[Option<usize>],
    stop_at_sends: bool,
) -> Vec<Option<(u64, usize)>> {
    let count = g.graph.node_count();
    let mut best: Vec<Option<(u64, usize)>> = vec![None; count];
    let mut done = vec![false; count];
    let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> = BinaryHeap::new();
    let delay = |v: NodeIndex| g.step(v).map_or(0, min_delay);
    // A handler can start wherever the lead is, the moment it arrives
    // (waits included), except in the handler itself (it runs once) and at
    // a terminal (the lead has left). Paths may still run one handler, then
    // another, then the first again: a sound over-approximation.
    let entries = g.handler_entries();
    let handlers_from = |v: NodeIndex| {
        let own = g.flow.handler_of(v.index());
        let left = g.step(v).is_none_or(|n| n.kind.is_terminal());
        entries
            .iter()
            .copied()
            .filter(move |e| !left && (own.is_none() || g.flow.handler_of(e.index()) != own))
    };
    let relax = |best: &mut Vec<Option<(u64, usize)>>,
                 heap: &mut BinaryHeap<_>,
                 w: NodeIndex,
                 time: u64,
                 tag: usize| {
        if let Some(slot) = best.get_mut(w.index()) {
            if !matches!(slot, Some((t, _)) if *t <= time) {
                *slot = Some((time, tag));
                heap.push(Reverse((time, w.index(), tag)));
            }
        }
    };
    for &(v, time, tag) in sources {
        if stop_at_sends {
            for w in g.graph.neighbors(v) {
                relax(&mut best, &mut heap, w, time.saturating_add(delay(v)), tag);
            }
            for w in handlers_from(v) {
                relax(&mut best, &mut heap, w, time, tag);
            }
        } else {
            relax(&mut best, &mut heap, v, time, tag);
        }
    }
    while let Some(Reverse((time, index, tag))) = heap.pop() {
        let Some(seen) = done.get_mut(index) else {
            continue;
        };
        if *seen {
            continue;
        }
        *seen = true;
        let v = NodeIndex::new(index);
        if stop_at_sends && send_of.get(index).copied().flatten().is_some() {
            continue;
        }
        for w in g.graph.neighbors(v) {
            relax(&mut best, &mut heap, w, time.saturating_add(delay(v)), tag);
        }
        for w in handlers_from(v) {
            relax(&mut best, &mut heap, w, time, tag);
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
