//! Enroll networks: the campaigns whose `enroll` can bring a lead into a
//! campaign, directly or through others. A campaign's `cap` counts the
//! emails of its network within the window (`cadence`), and a cycle of
//! `enroll`s in which nothing waits is a `loop-without-wait` (here).
//!
//! Everything is computed once per project ([`Context`]): the flow graph of
//! every campaign, its per-edge delays ([`super::settle`]), and who enrolls
//! into whom; the per-campaign parts ([`Part`]) can come from an earlier
//! run. The cycle search is a depth-first search over campaigns in
//! source order (files in path order, then position), with each campaign's
//! enrolls in source order, so the `enroll` reported does not depend on the
//! order in which the files were read.

use super::graph::{FlowGraph, Shape};
use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeKind};
use foldhash::{HashMap, HashMapExt};
use petgraph::graph::NodeIndex;
use std::sync::Arc;

/// What the flow checks keep of one campaign: its flow graph's shape, its
/// per-edge delays and its reachable `enroll`s. A function of the campaign's
/// IR and of the project's segments (which the prover of the delays reads),
/// so the language server keeps it between runs for the campaigns an edit
/// did not change ([`Context::from_parts`], [`Context::into_parts`]).
pub(crate) struct Part {
    shape: Arc<Shape>,
    delays: Vec<u64>,
    /// Its reachable `enroll` statements, in source order, with the name
    /// of the campaign each enrolls into, and whether a lead can reach it
    /// at once from the entry (what [`enroll_cycles`] follows).
    enrolls: Vec<(NodeIndex, String, bool)>,
}

impl Part {
    pub fn new(project: &ir::Project, campaign: &ir::Campaign) -> Part {
        let g = FlowGraph::new(campaign);
        let delays = super::settle::edge_delays(project, &g);
        let mut enrolls: Vec<(NodeIndex, String, bool)> = g
            .reachable_steps()
            .filter_map(|(v, n)| match &n.kind {
                NodeKind::Enroll { campaign } => Some((v, campaign.name.clone(), false)),
                _ => None,
            })
            .collect();
        if !enrolls.is_empty() {
            let times = super::cadence::earliest_times(&g, &delays);
            for (v, _, at_once) in &mut enrolls {
                *at_once = times.get(v.index()).copied().flatten() == Some(0);
            }
        }
        Part {
            shape: g.shape(),
            delays,
            enrolls,
        }
    }
}

/// What the flow checks of a project share.
pub(crate) struct Context<'p> {
    pub project: &'p ir::Project,
    /// Per campaign, by index.
    pub graphs: Vec<FlowGraph<'p>>,
    pub delays: Vec<Vec<u64>>,
    /// Per campaign: its reachable `enroll` statements with the campaign
    /// each enrolls into, in source order.
    pub enrolls: Vec<Vec<(NodeIndex, usize)>>,
    /// Per campaign: the campaigns with a reachable `enroll` into it, in
    /// source order.
    pub enrollers: Vec<Vec<usize>>,
    /// The campaigns' indices in source order.
    pub order: Vec<usize>,
    /// Per campaign: its place in [`Context::order`].
    place: Vec<usize>,
    /// Per campaign: its enrolls a lead can reach at once from the entry.
    instant: Vec<Vec<(NodeIndex, usize)>>,
    /// Per campaign: [`Part::enrolls`], kept for [`Context::into_parts`].
    named_enrolls: Vec<Vec<(NodeIndex, String, bool)>>,
}

impl<'p> Context<'p> {
    /// `file_rank`: per file id, its place in path order.
    pub fn new(project: &'p ir::Project, file_rank: &[usize]) -> Context<'p> {
        use rayon::prelude::*;
        // Each campaign's graph and delays on all cores; `collect` keeps
        // their order.
        let parts = project
            .campaigns
            .par_iter()
            .map(|c| Part::new(project, c))
            .collect();
        Context::from_parts(project, file_rank, parts)
    }

    /// The context from each campaign's [`Part`], by index: each made by
    /// [`Part::new`] from this project and campaign, or from an equal
    /// campaign of a project with the same segments.
    pub fn from_parts(
        project: &'p ir::Project,
        file_rank: &[usize],
        parts: Vec<Part>,
    ) -> Context<'p> {
        debug_assert_eq!(parts.len(), project.campaigns.len());
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, c) in project.campaigns.iter().enumerate() {
            index.entry(c.name.as_str()).or_insert(i);
        }
        let mut graphs = Vec::with_capacity(parts.len());
        let mut delays = Vec::with_capacity(parts.len());
        let mut enrolls = Vec::with_capacity(parts.len());
        let mut instant = Vec::with_capacity(parts.len());
        let mut named_enrolls = Vec::with_capacity(parts.len());
        for (campaign, part) in project.campaigns.iter().zip(parts) {
            graphs.push(FlowGraph::with_shape(campaign, part.shape));
            delays.push(part.delays);
            let resolved = |at_once: bool| -> Vec<(NodeIndex, usize)> {
                part.enrolls
                    .iter()
                    .filter(|(_, _, i)| *i || !at_once)
                    .filter_map(|(v, name, _)| Some((*v, *index.get(name.as_str())?)))
                    .collect()
            };
            enrolls.push(resolved(false));
            instant.push(resolved(true));
            named_enrolls.push(part.enrolls);
        }
        let mut enrollers = vec![Vec::new(); project.campaigns.len()];
        for (c, list) in enrolls.iter().enumerate() {
            for &(_, t) in list {
                if let Some(slot) = enrollers.get_mut(t) {
                    if t != c && !slot.contains(&c) {
                        slot.push(c);
                    }
                }
            }
        }
        let mut order: Vec<usize> = (0..project.campaigns.len()).collect();
        let rank = |c: usize| {
            project.campaigns.get(c).map(|c| {
                let file = c.name_span.file.0 as usize;
                (
                    file_rank.get(file).copied().unwrap_or(file),
                    c.name_span.start,
                )
            })
        };
        order.sort_by_key(|&c| rank(c));
        let mut place = vec![0; order.len()];
        for (p, &c) in order.iter().enumerate() {
            if let Some(slot) = place.get_mut(c) {
                *slot = p;
            }
        }
        for list in &mut enrollers {
            list.sort_by_key(|&c| place.get(c).copied());
        }
        Context {
            project,
            graphs,
            delays,
            enrolls,
            enrollers,
            order,
            place,
            instant,
            named_enrolls,
        }
    }

    /// Each campaign's [`Part`], by index, for [`Context::from_parts`].
    pub fn into_parts(self) -> Vec<Part> {
        self.graphs
            .iter()
            .zip(self.delays)
            .zip(self.named_enrolls)
            .map(|((g, delays), enrolls)| Part {
                shape: g.shape(),
                delays,
                enrolls,
            })
            .collect()
    }

    /// Campaign `x` first, then every campaign that can enroll a lead into
    /// it, directly or through others, in source order.
    pub fn network(&self, x: usize) -> Vec<usize> {
        let mut seen = vec![false; self.project.campaigns.len()];
        let mut stack = vec![x];
        let mut out = Vec::new();
        while let Some(c) = stack.pop() {
            match seen.get_mut(c) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            out.push(c);
            if let Some(list) = self.enrollers.get(c) {
                stack.extend(list.iter().rev());
            }
        }
        if let Some(rest) = out.get_mut(1..) {
            rest.sort_by_key(|&c| self.place.get(c).copied());
        }
        out
    }
}

/// `loop-without-wait` on the `enroll` that closes a cycle of campaigns in
/// which a lead can go from each campaign's entry to its `enroll` of the
/// next without waiting.
pub(super) fn enroll_cycles(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let instant = &ctx.instant;
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let n = project.campaigns.len();
    let mut colour = vec![Colour::White; n];
    for &root in &ctx.order {
        if colour.get(root) != Some(&Colour::White) {
            continue;
        }
        // (campaign, next enroll to follow)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        colour[root] = Colour::Grey;
        while let Some(&mut (c, ref mut next)) = stack.last_mut() {
            let Some(&(v, target)) = instant.get(c).and_then(|l| l.get(*next)) else {
                colour[c] = Colour::Black;
                stack.pop();
                continue;
            };
            *next += 1;
            match colour.get(target).copied() {
                Some(Colour::White) => {
                    colour[target] = Colour::Grey;
                    stack.push((target, 0));
                }
                Some(Colour::Grey) => {
                    let start = stack.iter().position(|(k, _)| *k == target).unwrap_or(0);
                    let chain: Vec<(usize, usize)> =
                        stack.get(start..).unwrap_or_default().to_vec();
                    out.push(cycle_diagnostic(ctx, instant, &chain, c, v, target));
                }
                _ => {}
            }
        }
    }
}

fn cycle_diagnostic(
    ctx: &Context<'_>,
    instant: &[Vec<(NodeIndex, usize)>],
    chain: &[(usize, usize)],
    c: usize,
    v: NodeIndex,
    target: usize,
) -> Diagnostic {
    let project = ctx.project;
    let name = |k: usize| project.campaigns.get(k).map_or("", |c| c.name.as_str());
    let head = |k: usize, w: NodeIndex| {
        ctx.graphs
            .get(k)
            .and_then(|g| g.step(w))
            .map(|n| (n.head, text::statement(n)))
    };
    let Some((span, _)) = head(c, v) else {
        // Never happens: every enroll listed is a statement of its campaign.
        return Diagnostic::new(Code::LoopWithoutWait, "", Default::default(), "");
    };
    let mut d = Diagnostic::new(
        Code::LoopWithoutWait,
        "this `enroll` closes a loop of campaigns that never waits: leads go round it at once",
        span,
        format!(
            "enrolls back into `{}` without any wait on the way",
            name(target)
        ),
    );
    // The enrolls of the cycle before this one: each campaign on the stack
    // went on by the enroll it followed last.
    for &(k, next) in chain {
        if k == c {
            continue;
        }
        if let Some(&(w, t)) = instant.get(k).and_then(|l| l.get(next.saturating_sub(1))) {
            if let Some((s, _)) = head(k, w) {
                d = d.with_secondary(
                    s,
                    format!(
                        "`{}` enrolls into `{}` here, without waiting",
                        name(k),
                        name(t)
                    ),
                );
            }
        }
    }
    let mut names: Vec<String> = chain
        .iter()
        .map(|(k, _)| format!("`{}`", name(*k)))
        .collect();
    names.push(format!("`{}`", name(target)));
    d = d.with_note(format!("the loop: {}", names.join(" → ")));
    let until_waits = chain
        .iter()
        .filter_map(|(k, _)| ctx.graphs.get(*k))
        .any(|g| {
            g.reachable_steps()
                .any(|(_, n)| matches!(n.kind, NodeKind::Wait { until: Some(_), .. }))
        });
    if until_waits {
        d = d.with_note("a `wait … or until …` can end at once, so it does not count");
    }
    d.with_help("add a plain `wait` (without `or until`) before one of these `enroll`s, or end one of the campaigns with `exit`")
}
