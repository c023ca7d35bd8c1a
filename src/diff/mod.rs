//! What a change to a project does to the leads already inside its
//! campaigns: the two lowered projects compared campaign by campaign, each
//! difference classified by who lives it.
//!
//! - `safe`: only leads who enter from now on see it (triggers, audience,
//!   a title, statements no lead inside can still reach);
//! - `in-flight`: leads inside will live it (a later email, a wait, a goal);
//! - `breaking`: leads inside lose their place or their way (the statement
//!   they wait at removed or moved, a campaign others enroll into removed).
//!
//! Where a lead can be over time is decided from the IR: at a `wait` (with
//! or without `or until`), and at a `send` of a campaign with a send window
//! (the send waits for the window to open). Every other statement runs in
//! the instant the lead reaches it. Statements keep their identity through
//! their ids (`ir::Node::id`): a label, or a position. A statement that only
//! changed position keeps its meaning for a lead that never stops at it, so
//! statements are matched by what they do within their block (a diff of
//! each block's statements), and an id that changed is reported where a lead
//! can be waiting at it, or where a `goto` names it.
//!
//! The stage is pure: it reads two projects and returns a [`Report`]; the
//! CLI reads the sides from git and prints ([`render`]).

pub mod render;
mod text;

use crate::ir::{Campaign, Flow, Node, NodeId, NodeKind, Project, Target};
use crate::span::Span;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

/// Every kind of change, in the order the docs list them.
pub const KINDS: &[&str] = &[
    "campaign-added",
    "campaign-removed",
    "title-changed",
    "trigger-changed",
    "audience-changed",
    "reentry-changed",
    "goal-added",
    "goal-removed",
    "goal-changed",
    "suppress-changed",
    "cap-changed",
    "send-window-changed",
    "scoring-changed",
    "segment-changed",
    "email-changed",
    "handler-added",
    "handler-removed",
    "handler-changed",
    "statement-added",
    "statement-removed",
    "statement-moved",
    "statement-changed",
    "label-renamed",
    "goto-target-renamed",
    "goto-changed",
    "send-changed",
    "wait-lengthened",
    "wait-shortened",
    "wait-until-changed",
    "branch-changed",
    "split-changed",
    "enroll-changed",
];

/// Who lives a change; ordered from least to most harmful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    Safe,
    InFlight,
    Breaking,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Safe => "safe",
            Impact::InFlight => "in-flight",
            Impact::Breaking => "breaking",
        }
    }
}

/// One difference between the two sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub impact: Impact,
    /// Stable kebab-case name of the kind of change (`wait-lengthened`).
    pub kind: &'static str,
    pub message: String,
    /// Where it is on the side before the change (spans of the before project).
    pub before: Option<Span>,
    /// Where it is after the change (spans of the after project).
    pub after: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CampaignChanges {
    pub campaign: String,
    /// In source order.
    pub changes: Vec<Change>,
}

/// Every campaign with a change, sorted by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub campaigns: Vec<CampaignChanges>,
}

impl Report {
    /// The most harmful impact of any change, if there is a change.
    pub fn worst(&self) -> Option<Impact> {
        self.campaigns
            .iter()
            .flat_map(|c| c.changes.iter().map(|ch| ch.impact))
            .max()
    }

    pub fn count(&self, impact: Impact) -> usize {
        self.campaigns
            .iter()
            .flat_map(|c| &c.changes)
            .filter(|c| c.impact == impact)
            .count()
    }
}

/// Compares `before` with `after`, campaign by campaign.
pub fn diff(before: &Project, after: &Project) -> Report {
    let names: BTreeSet<&str> = before
        .campaigns
        .iter()
        .chain(&after.campaigns)
        .map(|c| c.name.as_str())
        .collect();
    let segments = changed_segments(before, after);
    let mut campaigns = Vec::new();
    for name in names {
        let b = before.campaigns.iter().find(|c| c.name == name);
        let a = after.campaigns.iter().find(|c| c.name == name);
        let changes = match (b, a) {
            (Some(b), Some(a)) => CampaignDiff::new(before, after, b, a, &segments).run(),
            (Some(b), None) => vec![removed_campaign(before, b)],
            (None, Some(a)) => vec![Change {
                impact: Impact::Safe,
                kind: "campaign-added",
                message: format!("campaign `{}` is added", a.name),
                before: None,
                after: Some(a.name_span),
            }],
            (None, None) => Vec::new(),
        };
        if !changes.is_empty() {
            campaigns.push(CampaignChanges {
                campaign: name.to_string(),
                changes,
            });
        }
    }
    Report { campaigns }
}

/// Whether a lead can stay at the node for a while.
fn occupiable(campaign: &Campaign, node: &Node) -> bool {
    match node.kind {
        NodeKind::Wait { .. } => true,
        NodeKind::Send { .. } => campaign.send_window.is_some(),
        _ => false,
    }
}

fn removed_campaign(project: &Project, campaign: &Campaign) -> Change {
    let enrollers: Vec<String> = project
        .campaigns
        .iter()
        .filter(|c| c.name != campaign.name)
        .filter(|c| {
            c.flow.nodes.iter().any(
                |n| matches!(&n.kind, NodeKind::Enroll { campaign: to } if to.name == campaign.name),
            )
        })
        .map(|c| format!("`{}`", c.name))
        .collect();
    let waits = campaign.flow.nodes.iter().any(|n| occupiable(campaign, n));
    let mut reasons = Vec::new();
    if !enrollers.is_empty() {
        reasons.push(format!(
            "{} enroll{} leads into it",
            enrollers.join(", "),
            if enrollers.len() == 1 { "s" } else { "" }
        ));
    }
    if waits {
        reasons.push("leads can be waiting inside it".to_string());
    }
    let (impact, message) = if reasons.is_empty() {
        (
            Impact::Safe,
            format!(
                "campaign `{}` is removed; no lead stays inside it and no campaign enrolls into it",
                campaign.name
            ),
        )
    } else {
        (
            Impact::Breaking,
            format!(
                "campaign `{}` is removed, but {}",
                campaign.name,
                reasons.join(" and ")
            ),
        )
    };
    Change {
        impact,
        kind: "campaign-removed",
        message,
        before: Some(campaign.name_span),
        after: None,
    }
}

/// Segments whose meaning changed: their condition differs, or they
/// refer to a segment whose meaning changed. Name → after-side span.
fn changed_segments(before: &Project, after: &Project) -> HashMap<String, (Span, Span)> {
    let mut changed: HashMap<String, (Span, Span)> = HashMap::new();
    for a in &after.segments {
        if let Some(b) = before.segment(&a.name) {
            if text::condition(&b.condition) != text::condition(&a.condition) {
                changed.insert(a.name.clone(), (b.name_span, a.name_span));
            }
        }
    }
    // A segment built on a changed segment changes with it; each round adds
    // at least one, so this ends within as many rounds as there are segments.
    loop {
        let mut grew = false;
        for a in &after.segments {
            if changed.contains_key(&a.name) {
                continue;
            }
            let Some(b) = before.segment(&a.name) else {
                continue;
            };
            if a.condition
                .segment_refs()
                .iter()
                .any(|(r, _)| changed.contains_key(&r.name))
            {
                changed.insert(a.name.clone(), (b.name_span, a.name_span));
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    changed
}

/// What the alignment of the two flows found, in source order.
enum Event {
    Pair(NodeId, NodeId),
    /// A labelled statement removed from one place and added at another.
    Moved(NodeId, NodeId),
    Removed(NodeId),
    Added(NodeId),
    HandlerRemoved(usize),
    HandlerAdded(usize),
    HandlerChanged(usize, usize),
}

struct CampaignDiff<'a> {
    bp: &'a Project,
    ap: &'a Project,
    b: &'a Campaign,
    a: &'a Campaign,
    segments: &'a HashMap<String, (Span, Span)>,
    events: Vec<Event>,
    /// Before node → the after node it matched.
    matched: HashMap<NodeId, NodeId>,
    /// Whether a lead can be waiting at each before node (by [`NodeId::index`],
    /// as the two tables below).
    waits_b: Vec<bool>,
    /// Whether a lead inside now can still run each before node, and each after node.
    live_b: Vec<bool>,
    live_a: Vec<bool>,
    /// A lead can be inside the campaign (before the change) at all.
    occupied: bool,
    /// The before nodes a `goto` goes to.
    goto_targets: BTreeSet<NodeId>,
    changes: Vec<Change>,
}

impl<'a> CampaignDiff<'a> {
    fn new(
        bp: &'a Project,
        ap: &'a Project,
        b: &'a Campaign,
        a: &'a Campaign,
        segments: &'a HashMap<String, (Span, Span)>,
    ) -> Self {
        let waits_b: Vec<bool> = b.flow.nodes.iter().map(|n| occupiable(b, n)).collect();
        let occupied = waits_b.iter().any(|w| *w);
        CampaignDiff {
            bp,
            ap,
            b,
            a,
            segments,
            events: Vec::new(),
            matched: HashMap::new(),
            waits_b,
            live_b: Vec::new(),
            live_a: Vec::new(),
            occupied,
            goto_targets: b
                .flow
                .nodes
                .iter()
                .filter_map(|n| match n.kind {
                    NodeKind::Goto { target, .. } => target,
                    _ => None,
                })
                .collect(),
            changes: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Change> {
        let (bf, af) = (&self.b.flow, &self.a.flow);
        if let (Some(bb), Some(ab)) = (bf.blocks.first(), af.blocks.first()) {
            self.align(bb, ab);
        }
        // Handlers pair by condition first, so that one inserted before the
        // others does not make them all look changed; the rest in order.
        let condition = |h: &crate::ir::Handler| text::condition(&h.condition);
        let mut partner: Vec<Option<usize>> = vec![None; bf.handlers.len()];
        let mut taken = vec![false; af.handlers.len()];
        for (i, hb) in bf.handlers.iter().enumerate() {
            let same = (0..af.handlers.len())
                .find(|j| !taken[*j] && condition(hb) == condition(&af.handlers[*j]));
            if let Some(j) = same {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
        let mut rest = (0..af.handlers.len())
            .filter(|j| !taken[*j])
            .collect::<Vec<_>>();
        rest.reverse();
        for p in partner.iter_mut().filter(|p| p.is_none()) {
            *p = rest.pop();
        }
        for (i, p) in partner.iter().enumerate() {
            match p {
                Some(j) => {
                    taken[*j] = true;
                    let (hb, ha) = (&bf.handlers[i], &af.handlers[*j]);
                    if condition(hb) != condition(ha) {
                        self.events.push(Event::HandlerChanged(i, *j));
                    }
                    self.align_blocks(hb.block, ha.block);
                }
                None => self.events.push(Event::HandlerRemoved(i)),
            }
        }
        for (j, t) in taken.iter().enumerate() {
            if !t {
                self.events.push(Event::HandlerAdded(j));
            }
        }
        self.pair_moved_labels();
        self.live_b = self.live(bf, self.waits_b.clone());
        let mut starts_a = vec![false; af.nodes.len()];
        for (b, a) in &self.matched {
            if self.waits_b[b.index()] {
                starts_a[a.index()] = true;
            }
        }
        self.live_a = self.live(af, starts_a);
        self.settings();
        let events = std::mem::take(&mut self.events);
        for event in &events {
            self.event(event);
        }
        self.emails();
        self.changes
    }

    /// The nodes a lead inside the campaign now can still run: those
    /// reachable from `starts` (where leads can be), and every handler's
    /// statements when a lead can be inside at all.
    fn live(&self, flow: &Flow, starts: Vec<bool>) -> Vec<bool> {
        let mut live = starts;
        let mut stack: Vec<NodeId> = flow
            .nodes_with_ids()
            .map(|(id, _)| id)
            .filter(|id| live[id.index()])
            .collect();
        if self.occupied {
            for h in &flow.handlers {
                if let Target::Node(i) = h.entry {
                    if !live[i.index()] {
                        live[i.index()] = true;
                        stack.push(i);
                    }
                }
            }
        }
        while let Some(i) = stack.pop() {
            for t in flow.nodes[i].kind.successors() {
                if let Target::Node(j) = t {
                    if j.index() < live.len() && !live[j.index()] {
                        live[j.index()] = true;
                        stack.push(j);
                    }
                }
            }
        }
        live
    }

    fn align_blocks(&mut self, b: usize, a: usize) {
        let bb = self.b.flow.blocks.get(b).cloned().unwrap_or_default();
        let ab = self.a.flow.blocks.get(a).cloned().unwrap_or_default();
        self.align(&bb, &ab);
    }

    /// Matches two blocks' statements: equal statements by a diff of the
    /// sequences, then, within each run the diff replaced, statements of
    /// the same keyword in order (the same statement, changed).
    fn align(&mut self, bb: &[NodeId], ab: &[NodeId]) {
        let key_b: Vec<String> = bb
            .iter()
            .map(|i| text::node_key(&self.b.flow.nodes[*i]))
            .collect();
        let key_a: Vec<String> = ab
            .iter()
            .map(|i| text::node_key(&self.a.flow.nodes[*i]))
            .collect();
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &key_b, &key_a);
        for op in ops {
            let (tag, old, new) = op.as_tag_tuple();
            match tag {
                similar::DiffTag::Equal => {
                    for (i, j) in old.zip(new) {
                        self.pair(bb[i], ab[j]);
                    }
                }
                similar::DiffTag::Delete => {
                    for i in old {
                        self.events.push(Event::Removed(bb[i]));
                    }
                }
                similar::DiffTag::Insert => {
                    for j in new {
                        self.events.push(Event::Added(ab[j]));
                    }
                }
                similar::DiffTag::Replace => {
                    let mut next = new.start;
                    for i in old {
                        let keyword = self.b.flow.nodes[bb[i]].kind.keyword();
                        let found = (next..new.end)
                            .find(|j| self.a.flow.nodes[ab[*j]].kind.keyword() == keyword);
                        match found {
                            Some(j) => {
                                for &k in &ab[next..j] {
                                    self.events.push(Event::Added(k));
                                }
                                self.pair(bb[i], ab[j]);
                                next = j + 1;
                            }
                            None => self.events.push(Event::Removed(bb[i])),
                        }
                    }
                    for &k in &ab[next..new.end] {
                        self.events.push(Event::Added(k));
                    }
                }
            }
        }
    }

    fn pair(&mut self, b: NodeId, a: NodeId) {
        self.matched.insert(b, a);
        self.events.push(Event::Pair(b, a));
        self.pair_children(b, a);
    }

    /// A labelled statement keeps its id wherever it goes: one removed
    /// where it was and added elsewhere (a label is unique in its
    /// campaign) is the same statement, moved.
    fn pair_moved_labels(&mut self) {
        let mut added: HashMap<&str, (usize, NodeId)> = HashMap::new();
        for (k, e) in self.events.iter().enumerate() {
            if let Event::Added(a) = e {
                if let Some(label) = &self.a.flow.nodes[*a].label {
                    added.insert(label, (k, *a));
                }
            }
        }
        let mut moves = Vec::new();
        for (k, e) in self.events.iter().enumerate() {
            if let Event::Removed(b) = e {
                let node = &self.b.flow.nodes[*b];
                let found = node.label.as_deref().and_then(|l| added.get(l));
                if let Some((at, a)) = found {
                    if self.a.flow.nodes[*a].kind.keyword() == node.kind.keyword() {
                        moves.push((k, *at, *b, *a));
                    }
                }
            }
        }
        let mut dropped = BTreeSet::new();
        for (k, at, b, a) in moves {
            self.events[k] = Event::Moved(b, a);
            dropped.insert(at);
            self.matched.insert(b, a);
            self.pair_children(b, a);
        }
        let mut k = 0;
        self.events.retain(|_| {
            k += 1;
            !dropped.contains(&(k - 1))
        });
    }

    fn pair_children(&mut self, b: NodeId, a: NodeId) {
        let (bk, ak) = (&self.b.flow.nodes[b].kind, &self.a.flow.nodes[a].kind);
        let mut blocks: Vec<(Option<usize>, Option<usize>)> = Vec::new();
        match (bk, ak) {
            (
                NodeKind::Branch {
                    arms: barms,
                    otherwise: bo,
                },
                NodeKind::Branch {
                    arms: aarms,
                    otherwise: ao,
                },
            ) => {
                for i in 0..barms.len().max(aarms.len()) {
                    blocks.push((barms.get(i).map(|x| x.block), aarms.get(i).map(|x| x.block)));
                }
                blocks.push((bo.else_arm.map(|e| e.1), ao.else_arm.map(|e| e.1)));
            }
            (NodeKind::Split { arms: barms }, NodeKind::Split { arms: aarms }) => {
                for i in 0..barms.len().max(aarms.len()) {
                    blocks.push((barms.get(i).map(|x| x.block), aarms.get(i).map(|x| x.block)));
                }
            }
            _ => {}
        }
        for (bb, ab) in blocks {
            match (bb, ab) {
                (Some(bb), Some(ab)) => self.align_blocks(bb, ab),
                (Some(bb), None) => {
                    for i in self.b.flow.blocks.get(bb).cloned().unwrap_or_default() {
                        self.events.push(Event::Removed(i));
                    }
                }
                (None, Some(ab)) => {
                    for j in self.a.flow.blocks.get(ab).cloned().unwrap_or_default() {
                        self.events.push(Event::Added(j));
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn push(
        &mut self,
        impact: Impact,
        kind: &'static str,
        message: String,
        before: Option<Span>,
        after: Option<Span>,
    ) {
        self.changes.push(Change {
            impact,
            kind,
            message,
            before,
            after,
        });
    }

    /// `in-flight` when leads can be inside the campaign, else `safe`.
    fn for_leads_inside(&self) -> Impact {
        if self.occupied {
            Impact::InFlight
        } else {
            Impact::Safe
        }
    }

    fn settings(&mut self) {
        let (b, a) = (self.b, self.a);
        let names = (Some(b.name_span), Some(a.name_span));
        if b.title != a.title {
            let show =
                |t: &Option<String>| t.as_ref().map_or("none".to_string(), |t| format!("{t:?}"));
            self.push(
                Impact::Safe,
                "title-changed",
                format!(
                    "the title changes from {} to {}",
                    show(&b.title),
                    show(&a.title)
                ),
                names.0,
                names.1,
            );
        }
        let triggers = |c: &Campaign| c.triggers.iter().map(text::trigger).collect::<Vec<_>>();
        if triggers(b) != triggers(a) {
            self.push(
                Impact::Safe,
                "trigger-changed",
                format!(
                    "the triggers change from `{}` to `{}`; only new entrants are affected",
                    triggers(b).join("`, `"),
                    triggers(a).join("`, `")
                ),
                first_difference(&b.triggers, &a.triggers, text::trigger)
                    .0
                    .or(names.0),
                first_difference(&b.triggers, &a.triggers, text::trigger)
                    .1
                    .or(names.1),
            );
        }
        let audience = |c: &Campaign| c.audience.as_ref().map(text::condition);
        if audience(b) != audience(a) {
            self.push(
                Impact::Safe,
                "audience-changed",
                format!(
                    "the audience changes from {} to {}; only new entrants are affected",
                    shown(audience(b)),
                    shown(audience(a))
                ),
                b.audience.as_ref().map(|c| c.span).or(names.0),
                a.audience.as_ref().map(|c| c.span).or(names.1),
            );
        }
        if b.reentry != a.reentry {
            self.push(
                Impact::Safe,
                "reentry-changed",
                format!(
                    "re-entry changes from `{}` to `{}`; it applies to leads after they leave",
                    text::reentry(b),
                    text::reentry(a)
                ),
                names.0,
                names.1,
            );
        }
        self.goals();
        let inside = self.for_leads_inside();
        let suppress = |c: &Campaign| c.suppress.as_ref().map(text::condition);
        if suppress(b) != suppress(a) {
            self.push(
                inside,
                "suppress-changed",
                format!(
                    "suppression changes from {} to {}{}",
                    shown(suppress(b)),
                    shown(suppress(a)),
                    self.inside_note()
                ),
                b.suppress.as_ref().map(|c| c.span).or(names.0),
                a.suppress.as_ref().map(|c| c.span).or(names.1),
            );
        }
        let cap = |c: &Campaign| {
            c.cap.map(|cap| {
                let unit = if cap.sends == 1 { "email" } else { "emails" };
                format!("`cap {} {unit} per {}`", cap.sends, cap.per.to_text())
            })
        };
        if cap(b) != cap(a) {
            self.push(
                inside,
                "cap-changed",
                format!(
                    "the cap changes from {} to {}{}",
                    cap(b).unwrap_or_else(|| "none".to_string()),
                    cap(a).unwrap_or_else(|| "none".to_string()),
                    self.inside_note()
                ),
                b.cap.map(|c| c.span).or(names.0),
                a.cap.map(|c| c.span).or(names.1),
            );
        }
        let window = |c: &Campaign| {
            c.send_window.as_ref().map(|w| {
                format!(
                    "`send during {} {}-{}`",
                    w.days
                        .iter()
                        .map(|d| d.name())
                        .collect::<Vec<_>>()
                        .join(","),
                    crate::ir::SendWindow::clock_text(w.open),
                    crate::ir::SendWindow::clock_text(w.close)
                )
            })
        };
        if window(b) != window(a) {
            self.push(
                inside,
                "send-window-changed",
                format!(
                    "the send window changes from {} to {}{}",
                    window(b).unwrap_or_else(|| "none".to_string()),
                    window(a).unwrap_or_else(|| "none".to_string()),
                    self.inside_note()
                ),
                b.send_window.as_ref().map(|w| w.span).or(names.0),
                a.send_window.as_ref().map(|w| w.span).or(names.1),
            );
        }
        self.scoring();
        self.segments_used();
    }

    fn inside_note(&self) -> &'static str {
        if self.occupied {
            ": leads inside live it from now on"
        } else {
            ""
        }
    }

    fn goals(&mut self) {
        let inside = self.for_leads_inside();
        let (b, a) = (self.b, self.a);
        for ga in &a.goals {
            match b.goals.iter().find(|g| g.name == ga.name) {
                None => self.push(
                    inside,
                    "goal-added",
                    format!(
                        "goal `{}` is added (`{}`){}",
                        ga.name,
                        text::condition(&ga.condition),
                        if self.occupied {
                            ": leads inside who meet it will exit"
                        } else {
                            ""
                        }
                    ),
                    None,
                    Some(ga.name_span),
                ),
                Some(gb) => {
                    let (tb, ta) = (
                        text::condition(&gb.condition),
                        text::condition(&ga.condition),
                    );
                    if tb != ta {
                        self.push(
                            inside,
                            "goal-changed",
                            format!(
                                "goal `{}` changes from `{tb}` to `{ta}`{}",
                                ga.name,
                                self.inside_note()
                            ),
                            Some(gb.name_span),
                            Some(ga.name_span),
                        );
                    }
                }
            }
        }
        for gb in &b.goals {
            if !a.goals.iter().any(|g| g.name == gb.name) {
                self.push(
                    inside,
                    "goal-removed",
                    format!(
                        "goal `{}` is removed{}",
                        gb.name,
                        if self.occupied {
                            ": leads inside who meet it no longer exit"
                        } else {
                            ""
                        }
                    ),
                    Some(gb.name_span),
                    None,
                );
            }
        }
    }

    fn scoring(&mut self) {
        let uses_score = |c: &Campaign| {
            c.conditions().iter().any(|cond| {
                let mut found = false;
                cond.walk(&mut |x| {
                    if let crate::ir::ConditionKind::Compare {
                        left: crate::ir::Quantity::Score(_),
                        ..
                    } = x.kind
                    {
                        found = true;
                    }
                });
                found
            })
        };
        if !uses_score(self.b) && !uses_score(self.a) {
            return;
        }
        let model = |p: &Project, c: &Campaign| {
            c.scoring.as_ref().map(|m| {
                (
                    m.name.clone(),
                    p.referent(m).map(text::scoring_model),
                    p.referent(m).map(|m| m.name_span),
                )
            })
        };
        let (mb, ma) = (model(self.bp, self.b), model(self.ap, self.a));
        let same = match (&mb, &ma) {
            (Some(x), Some(y)) => x.0 == y.0 && x.1 == y.1,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        let name = |m: &Option<(String, Option<String>, Option<Span>)>| {
            m.as_ref()
                .map_or("none".to_string(), |m| format!("`{}`", m.0))
        };
        let message = match (&mb, &ma) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                format!("the rules of scoring model `{}` change", y.0)
            }
            _ => format!(
                "the scoring model changes from {} to {}",
                name(&mb),
                name(&ma)
            ),
        };
        let inside = self.for_leads_inside();
        self.push(
            inside,
            "scoring-changed",
            format!(
                "{message}, and the campaign's conditions read scores{}",
                self.inside_note()
            ),
            mb.as_ref().and_then(|m| m.2).or(Some(self.b.name_span)),
            ma.as_ref().and_then(|m| m.2).or(Some(self.a.name_span)),
        );
    }

    /// A segment whose meaning changed, where the campaign reads it.
    fn segments_used(&mut self) {
        if self.segments.is_empty() {
            return;
        }
        let a = self.a;
        let mut entry: Vec<&crate::ir::Condition> = Vec::new();
        entry.extend(a.triggers.iter().filter_map(|t| t.filter.as_ref()));
        entry.extend(a.audience.iter());
        let mut inside: Vec<&crate::ir::Condition> = Vec::new();
        inside.extend(a.goals.iter().map(|g| &g.condition));
        inside.extend(a.suppress.iter());
        inside.extend(a.flow.handlers.iter().map(|h| &h.condition));
        for (i, node) in a.flow.nodes_with_ids() {
            let conditions: Vec<&crate::ir::Condition> = match &node.kind {
                NodeKind::Wait { until: Some(c), .. } => vec![c],
                NodeKind::Branch { arms, .. } => arms.iter().map(|x| &x.condition).collect(),
                _ => Vec::new(),
            };
            if self.live_a.get(i.index()).copied().unwrap_or(false) {
                inside.extend(conditions);
            } else {
                entry.extend(conditions);
            }
        }
        let refs = |conditions: &[&crate::ir::Condition]| {
            conditions
                .iter()
                .flat_map(|c| c.segment_refs().into_iter().map(|(s, _)| s.name.clone()))
                .collect::<BTreeSet<String>>()
        };
        let mut entry_refs = refs(&entry);
        for t in &a.triggers {
            if let crate::ir::EventSource::Event(e) = &t.source {
                if let Some(crate::ir::EventArgument::Segment(s)) = &e.argument {
                    entry_refs.insert(s.name.clone());
                }
            }
        }
        let inside_refs = refs(&inside);
        let mut names: Vec<&String> = entry_refs.union(&inside_refs).collect();
        names.sort_by_key(|n| self.segments.get(*n).map(|s| (s.1.file, s.1.start)));
        for name in names {
            let Some((bs, as_)) = self.segments.get(name).copied() else {
                continue;
            };
            let (impact, why) = if inside_refs.contains(name) && self.occupied {
                (
                    Impact::InFlight,
                    "a condition leads inside still meet reads it",
                )
            } else {
                (Impact::Safe, "only entry reads it")
            };
            self.push(
                impact,
                "segment-changed",
                format!("segment `{name}` changes what it matches; {why}"),
                Some(bs),
                Some(as_),
            );
        }
    }

    /// Emails the campaign sends whose definition changed.
    fn emails(&mut self) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for node in &self.a.flow.nodes {
            let NodeKind::Send { email, .. } = &node.kind else {
                continue;
            };
            if !seen.insert(&email.name) {
                continue;
            }
            // The projects number their emails each their own way: the
            // name says which email of the other project this is.
            let (Some(eb), Some(ea)) = (self.bp.email(&email.name), self.ap.referent(email)) else {
                continue;
            };
            let mut what = Vec::new();
            if eb.subject != ea.subject {
                what.push("subject");
            }
            if eb.template != ea.template {
                what.push("template");
            }
            if eb.stage != ea.stage {
                what.push("stage");
            }
            if eb.preview != ea.preview {
                what.push("preview");
            }
            if what.is_empty() {
                continue;
            }
            let live = self.a.flow.nodes_with_ids().any(|(j, n)| {
                matches!(&n.kind, NodeKind::Send { email: e, .. } if e == email)
                    && self.live_a.get(j.index()).copied().unwrap_or(false)
            });
            self.push(
                if live { Impact::InFlight } else { Impact::Safe },
                "email-changed",
                format!(
                    "email `{email}` changes its {}{}",
                    what.join(", "),
                    if live {
                        ": leads inside who have not received it yet get the new one"
                    } else {
                        "; only new entrants receive it"
                    }
                ),
                Some(eb.name_span),
                Some(ea.name_span),
            );
        }
    }

    fn is_goto_target(&self, b: NodeId) -> bool {
        self.goto_targets.contains(&b)
    }

    fn subtree(flow: &Flow, i: NodeId, out: &mut Vec<NodeId>) {
        out.push(i);
        let blocks: Vec<usize> = match &flow.nodes[i].kind {
            NodeKind::Branch { arms, otherwise } => arms
                .iter()
                .map(|a| a.block)
                .chain(otherwise.else_arm.map(|e| e.1))
                .collect(),
            NodeKind::Split { arms } => arms.iter().map(|a| a.block).collect(),
            _ => Vec::new(),
        };
        for block in blocks {
            for j in flow.blocks.get(block).cloned().unwrap_or_default() {
                Self::subtree(flow, j, out);
            }
        }
    }

    fn event(&mut self, event: &Event) {
        match *event {
            Event::Pair(b, a) => self.paired(b, a),
            Event::Moved(b, a) => {
                let (nb, na) = (&self.b.flow.nodes[b], &self.a.flow.nodes[a]);
                let (impact, why) = if self.waits_b[b.index()] {
                    (
                        Impact::Breaking,
                        ": leads waiting at it keep their place but go on from where it now is",
                    )
                } else if self.live_a[a.index()] {
                    (
                        Impact::InFlight,
                        ": leads inside who reach it run it at its new place",
                    )
                } else {
                    (Impact::Safe, "; no lead inside can still reach it")
                };
                self.push(
                    impact,
                    "statement-moved",
                    format!(
                        "{} moves to another place in the flow{why}",
                        text::node_name(nb)
                    ),
                    Some(nb.head),
                    Some(na.head),
                );
                self.paired(b, a);
            }
            Event::Removed(b) => {
                let node = &self.b.flow.nodes[b];
                let mut nodes = Vec::new();
                Self::subtree(&self.b.flow, b, &mut nodes);
                let waiting: Vec<&Node> = nodes
                    .iter()
                    .filter(|i| self.waits_b[i.index()])
                    .map(|i| &self.b.flow.nodes[*i])
                    .collect();
                let (impact, why) = if let Some(w) = waiting.first() {
                    let at = if w.id == node.id {
                        "at it".to_string()
                    } else {
                        format!("at `{}` inside it", w.id)
                    };
                    (
                        Impact::Breaking,
                        format!(": leads waiting {at} lose their place"),
                    )
                } else if self.live_b[b.index()] {
                    (
                        Impact::InFlight,
                        ": leads inside who have not reached it will skip it".to_string(),
                    )
                } else {
                    (
                        Impact::Safe,
                        "; no lead inside can still reach it".to_string(),
                    )
                };
                self.push(
                    impact,
                    "statement-removed",
                    format!("{} is removed{why}", text::node_name(node)),
                    Some(node.head),
                    None,
                );
            }
            Event::Added(a) => {
                let node = &self.a.flow.nodes[a];
                let live = self.live_a[a.index()];
                self.push(
                    if live { Impact::InFlight } else { Impact::Safe },
                    "statement-added",
                    format!(
                        "{} is added{}",
                        text::node_name(node),
                        if live {
                            ": leads inside who reach it will run it"
                        } else {
                            "; only new entrants reach it"
                        }
                    ),
                    None,
                    Some(node.head),
                );
            }
            Event::HandlerAdded(h) => {
                let handler = &self.a.flow.handlers[h];
                let inside = self.for_leads_inside();
                self.push(
                    inside,
                    "handler-added",
                    format!(
                        "handler `on {}` is added{}",
                        text::condition(&handler.condition),
                        self.inside_note()
                    ),
                    None,
                    Some(handler.head),
                );
            }
            Event::HandlerRemoved(h) => {
                let handler = &self.b.flow.handlers[h];
                let waits = handler.node_ids().any(|i| self.waits_b[i.index()]);
                let (impact, why) = if waits {
                    (
                        Impact::Breaking,
                        ": leads waiting inside it lose their place",
                    )
                } else if self.occupied {
                    (Impact::InFlight, ": leads inside no longer react to it")
                } else {
                    (Impact::Safe, "")
                };
                self.push(
                    impact,
                    "handler-removed",
                    format!(
                        "handler `on {}` is removed{why}",
                        text::condition(&handler.condition)
                    ),
                    Some(handler.head),
                    None,
                );
            }
            Event::HandlerChanged(hb, ha) => {
                let (x, y) = (&self.b.flow.handlers[hb], &self.a.flow.handlers[ha]);
                let inside = self.for_leads_inside();
                self.push(
                    inside,
                    "handler-changed",
                    format!(
                        "handler `on {}` now reacts to `{}`{}",
                        text::condition(&x.condition),
                        text::condition(&y.condition),
                        self.inside_note()
                    ),
                    Some(x.head),
                    Some(y.head),
                );
            }
        }
    }

    fn paired(&mut self, b: NodeId, a: NodeId) {
        let (nb, na) = (&self.b.flow.nodes[b], &self.a.flow.nodes[a]);
        let spans = (Some(nb.head), Some(na.head));
        if nb.id != na.id {
            let targeted = self.is_goto_target(b);
            if let (Some(lb), Some(la)) = (&nb.label, &na.label) {
                if targeted {
                    self.push(
                        Impact::Breaking,
                        "goto-target-renamed",
                        format!(
                            "label `{lb}`, which a `goto` returns to, is renamed `{la}`: the step's identity changes on the platforms, so leads on their way back to `{lb}` lose their way"
                        ),
                        spans.0,
                        spans.1,
                    );
                } else if self.waits_b[b.index()] {
                    self.push(
                        Impact::Breaking,
                        "label-renamed",
                        format!(
                            "label `{lb}` is renamed `{la}`: leads waiting at `{lb}` lose their place"
                        ),
                        spans.0,
                        spans.1,
                    );
                } else {
                    self.push(
                        Impact::Safe,
                        "label-renamed",
                        format!("label `{lb}` is renamed `{la}`; no lead waits at it"),
                        spans.0,
                        spans.1,
                    );
                }
            } else if self.waits_b[b.index()] {
                let help = if na.label.is_none() {
                    "; give it a label to keep its identity when statements before it change"
                } else {
                    ""
                };
                self.push(
                    Impact::Breaking,
                    "statement-moved",
                    format!(
                        "{} is now `{}`: leads waiting at `{}` lose their place{help}",
                        text::node_name(nb),
                        na.id,
                        nb.id
                    ),
                    spans.0,
                    spans.1,
                );
            }
        }
        let impact = if self.live_a[a.index()] {
            Impact::InFlight
        } else {
            Impact::Safe
        };
        let who = if self.live_a[a.index()] {
            ": leads inside who reach it live the new one"
        } else {
            "; no lead inside can still reach it"
        };
        match (&nb.kind, &na.kind) {
            (NodeKind::Send { email: x, .. }, NodeKind::Send { email: y, .. })
                if x.name != y.name =>
            {
                self.push(
                    impact,
                    "send-changed",
                    format!("`{}` now sends `{y}` instead of `{x}`{who}", na.id),
                    spans.0,
                    spans.1,
                );
            }
            (
                NodeKind::Wait {
                    duration: dx,
                    until: ux,
                    ..
                },
                NodeKind::Wait {
                    duration: dy,
                    until: uy,
                    ..
                },
            ) => {
                if dx != dy {
                    let (kind, verb) = if dy > dx {
                        ("wait-lengthened", "lengthened")
                    } else {
                        ("wait-shortened", "shortened")
                    };
                    self.push(
                        impact,
                        kind,
                        format!(
                            "the wait `{}` is {verb} from {} to {}{who}",
                            na.id,
                            dx.to_text(),
                            dy.to_text()
                        ),
                        spans.0,
                        spans.1,
                    );
                }
                let (tx, ty) = (
                    ux.as_ref().map(text::condition),
                    uy.as_ref().map(text::condition),
                );
                if tx != ty {
                    self.push(
                        impact,
                        "wait-until-changed",
                        format!(
                            "the wait `{}` now ends early on {} instead of {}{who}",
                            na.id,
                            shown(ty),
                            shown(tx)
                        ),
                        spans.0,
                        spans.1,
                    );
                }
            }
            (
                NodeKind::Goto {
                    target: tx,
                    label: lx,
                },
                NodeKind::Goto {
                    target: ty,
                    label: ly,
                },
            ) => {
                let same = match (tx, ty) {
                    (Some(x), Some(y)) => self.matched.get(x) == Some(y),
                    _ => lx == ly,
                };
                if !same {
                    self.push(
                        impact,
                        "goto-changed",
                        format!("`{}` now goes to `{ly}` instead of `{lx}`{who}", na.id),
                        spans.0,
                        spans.1,
                    );
                }
            }
            (NodeKind::Enroll { campaign: x }, NodeKind::Enroll { campaign: y })
                if x.name != y.name =>
            {
                self.push(
                    impact,
                    "enroll-changed",
                    format!("`{}` now enrolls into `{y}` instead of `{x}`{who}", na.id),
                    spans.0,
                    spans.1,
                );
            }
            (NodeKind::Branch { .. }, NodeKind::Branch { .. })
            | (NodeKind::Split { .. }, NodeKind::Split { .. }) => {
                let (kx, ky) = (text::node_key(nb), text::node_key(na));
                if kx != ky {
                    let kind = if matches!(nb.kind, NodeKind::Branch { .. }) {
                        "branch-changed"
                    } else {
                        "split-changed"
                    };
                    self.push(
                        impact,
                        kind,
                        format!("`{}` changes from `{kx}` to `{ky}`{who}", na.id),
                        spans.0,
                        spans.1,
                    );
                }
            }
            _ => {
                let (kx, ky) = (text::node_key(nb), text::node_key(na));
                if kx != ky {
                    self.push(
                        impact,
                        "statement-changed",
                        format!("`{}` changes from `{kx}` to `{ky}`{who}", na.id),
                        spans.0,
                        spans.1,
                    );
                }
            }
        }
    }
}

/// The triggers where two lists first differ: the first one that is not
/// the same on the other side, on each side (the last one when a side only
/// lacks some at its end).
fn first_difference(
    b: &[crate::ir::Trigger],
    a: &[crate::ir::Trigger],
    key: fn(&crate::ir::Trigger) -> String,
) -> (Option<Span>, Option<Span>) {
    let same = b
        .iter()
        .zip(a)
        .take_while(|(x, y)| key(x) == key(y))
        .count();
    let at = |list: &[crate::ir::Trigger]| list.get(same).or(list.last()).map(|t| t.span);
    (at(b), at(a))
}

fn shown(text: Option<String>) -> String {
    text.map_or("none".to_string(), |t| format!("`{t}`"))
}

/// What running leads see on each platform when a campaign changes. From
/// the vendors' references; what they do not say is marked inferred (see
/// docs/diff.md).
pub fn migration_note(target: crate::emit::Target) -> Option<&'static str> {
    use crate::emit::Target;
    match target {
        Target::Asl => Some(
            "Step Functions: running executions keep the definition they started with \
             (UpdateStateMachine: \"Running executions will continue to use the previous \
             definition\"); only executions started after the update live these changes. \
             Running leads cannot be migrated in place: moving them means stopping their \
             executions and starting new ones at the matching step, which nurturec does not do.",
        ),
        Target::Hubspot => Some(
            "HubSpot: an edited workflow applies to contacts already enrolled, from the action \
             they are at; contacts waiting in a deleted delay go on to the following actions \
             once the deleted delay's time is over (HubSpot knowledge base). In-flight changes \
             reach them; breaking ones move or drop them. What happens at a deleted action \
             other than a delay is inferred.",
        ),
        Target::Klaviyo => Some(
            "Klaviyo: edits to a live flow reach profiles already in it at the step they are \
             scheduled for; a changed time delay does not reschedule profiles already waiting in \
             it, only those who have not reached it (Klaviyo help center). What happens to a \
             profile scheduled for a deleted step is inferred: it leaves the flow or moves on.",
        ),
        Target::Ir => None,
    }
}
