//! The project's analysis again after an edit, doing again only what the
//! edit can change. The files' parses are kept by the host; here the
//! resolver replays the campaigns whose syntax trees and environment did
//! not change ([`resolve::resolve_incremental`]), and the checks of a
//! campaign are replayed when the resolver replayed it, what the checks read
//! of the rest of the project (segments, emails, models, properties) is as
//! before, and the budgets it started with are the same. Each campaign's
//! flow graph, edge delays and enrolls ([`Part`]) are kept too, and reused
//! for the campaigns the resolver replayed, so the checks across campaigns
//! (enroll cycles, overlaps) cost a walk over the campaigns, not over every
//! statement of the project. The results are those of
//! [`crate::compile_parsed`]: the tests compare them.

use crate::check::flow::network::Part;
use crate::check::flow::Budgets;
use crate::diagnostics::lints::Allow;
use crate::resolve::{self, index::Index};
use crate::syntax::ast;
use crate::{ir, Compilation, Diagnostic};
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

#[derive(Default)]
pub(crate) struct Incremental {
    resolve: resolve::Memo,
    context: Option<Context>,
    checked: HashMap<String, Checked>,
    /// Each campaign's graph, delays and enrolls: a function of its IR and
    /// of the context's segments.
    parts: HashMap<String, Part>,
    facts: HashMap<String, Facts>,
    /// The last run's diagnostics of the segment checks: a function of the
    /// context and of each campaign's segments and model.
    segment_checks: Option<Vec<Diagnostic>>,
}

/// What the checks of a campaign read of the project besides the campaign.
#[derive(PartialEq)]
struct Context {
    segments: Vec<ir::Segment>,
    emails: Vec<ir::Email>,
    scoring_models: Vec<ir::ScoringModel>,
    properties: Option<ir::Properties>,
    /// Per file id, its place in path order: the order of enroll networks.
    file_rank: Vec<usize>,
}

struct Checked {
    budgets_in: (usize, usize),
    budgets_out: (usize, usize),
    diagnostics: Vec<Diagnostic>,
    /// For a campaign whose diagnostics got a witness (a simulation of one
    /// lead): what the simulation can read besides the context. A lead
    /// enters only this campaign and those it enrolls into (by position),
    /// and the engine watches the segments named by `segment.entered`
    /// anywhere in the project.
    witnessed: Option<Simulated>,
    /// The campaigns of its enroll network (those that can enroll a lead
    /// into it, whose sends its `cap` counts): their positions and names.
    /// The same again, with every one of them replayed by the resolver, is
    /// the same campaigns.
    network: Vec<(usize, String)>,
}

/// The campaigns a witness's lead can enter (with their positions), and
/// the segments the engine watches.
type Simulated = (Vec<(usize, ir::Campaign)>, BTreeSet<String>);

/// The campaigns a lead entering `main` can reach through `enroll`, with
/// their positions, `main` first.
fn reachable(project: &ir::Project, main: usize) -> Vec<(usize, ir::Campaign)> {
    let mut seen = vec![main];
    let mut next = 0;
    while let Some(&i) = seen.get(next) {
        next += 1;
        let Some(c) = project.campaigns.get(i) else {
            continue;
        };
        for node in &c.flow.nodes {
            if let ir::NodeKind::Enroll { campaign } = &node.kind {
                if let Some(t) = campaign.id.map(ir::CampaignId::index) {
                    if !seen.contains(&t) {
                        seen.push(t);
                    }
                }
            }
        }
    }
    seen.into_iter()
        .filter_map(|i| Some((i, project.campaigns.get(i)?.clone())))
        .collect()
}

/// The segments named by `segment.entered` in these conditions and triggers
/// (the simulator's engine watches the membership of every such segment of
/// the project).
fn entered_in<'c>(
    conditions: impl IntoIterator<Item = &'c ir::Condition>,
    triggers: &[ir::Trigger],
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut note = |e: &ir::Event| {
        if let Some(ir::EventArgument::Segment(name)) = &e.argument {
            out.insert(name.name.clone());
        }
    };
    for t in triggers {
        if let ir::EventSource::Event(e) = &t.source {
            note(e);
        }
    }
    for c in conditions {
        c.walk(&mut |c| {
            if let ir::ConditionKind::Event { event, .. } = &c.kind {
                note(event);
            }
        });
    }
    out
}

/// What the project-wide passes read of one campaign; a function of its IR.
#[derive(PartialEq)]
struct Facts {
    entered: BTreeSet<String>,
    segment_refs: Vec<String>,
    scoring: Option<String>,
}

impl Facts {
    fn of(campaign: &ir::Campaign) -> Facts {
        Facts {
            entered: entered_in(campaign.conditions(), &campaign.triggers),
            segment_refs: campaign
                .segment_refs()
                .into_iter()
                .map(|s| s.name.clone())
                .collect(),
            scoring: campaign.scoring.as_ref().map(|m| m.name.clone()),
        }
    }
}

fn budgets(b: &Budgets) -> (usize, usize) {
    (b.suggestions, b.witnesses)
}

impl Incremental {
    /// Resolves and checks the project; `previous` is the last run's project
    /// with, per file, whether its syntax tree is as in that run.
    /// Also returns the diagnostics of `policy`, as
    /// [`crate::check::check_policy`] gives them.
    pub(crate) fn run(
        &mut self,
        asts: &[ast::File],
        allows: &[Allow],
        file_rank: &[usize],
        problems: Vec<Diagnostic>,
        previous: Option<(ir::Project, &[bool])>,
        policy: Option<&crate::config::Policy>,
    ) -> (Compilation, Index, Vec<Diagnostic>) {
        let (previous, unchanged) = match previous {
            Some((p, unchanged)) => (p.campaigns, unchanged),
            None => (Vec::new(), &[][..]),
        };
        let (project, resolved, index, reused) =
            resolve::resolve_incremental(asts, &mut self.resolve, previous, unchanged);

        let context = Context {
            segments: project.segments.clone(),
            emails: project.emails.clone(),
            scoring_models: project.scoring_models.clone(),
            properties: project.properties.clone(),
            file_rank: file_rank.to_vec(),
        };
        let context_same = self.context.as_ref() == Some(&context);
        if !context_same {
            self.checked.clear();
            self.parts.clear();
            self.context = Some(context);
        }
        // Each campaign's facts, and whether those the segment checks read
        // are as in the last run.
        let mut segments_same = context_same && self.facts.len() == project.campaigns.len();
        let mut facts = HashMap::new();
        for (i, campaign) in project.campaigns.iter().enumerate() {
            let old = self.facts.remove(&campaign.name);
            let fact = match old {
                Some(old) if reused.get(i) == Some(&true) => old,
                Some(old) => {
                    let new = Facts::of(campaign);
                    segments_same &=
                        new.segment_refs == old.segment_refs && new.scoring == old.scoring;
                    new
                }
                None => {
                    segments_same = false;
                    Facts::of(campaign)
                }
            };
            facts.insert(campaign.name.clone(), fact);
        }
        self.facts = facts;
        let mut entered_all = entered_in(project.segments.iter().map(|s| &s.condition), &[]);
        for fact in self.facts.values() {
            entered_all.extend(fact.entered.iter().cloned());
        }
        let mut checked = Vec::new();
        let mut b = Budgets {
            suggestions: resolve::suggest::BUDGET,
            witnesses: crate::check::flow::WITNESSES,
        };
        let mut kept = HashMap::new();
        let parts = project
            .campaigns
            .iter()
            .enumerate()
            .map(|(i, campaign)| match self.parts.remove(&campaign.name) {
                Some(part) if reused.get(i) == Some(&true) => part,
                _ => Part::new(&project, campaign),
            })
            .collect();
        let ctx = crate::check::flow::network::Context::from_parts(&project, file_rank, parts);
        let replayed = |at: usize| reused.get(at) == Some(&true);
        for (i, campaign) in project.campaigns.iter().enumerate() {
            let start = budgets(&b);
            let network: Vec<(usize, String)> = ctx
                .network(i)
                .into_iter()
                .skip(1)
                .filter_map(|c| Some((c, project.campaigns.get(c)?.name.clone())))
                .collect();
            if let Some(entry) = self.checked.remove(&campaign.name) {
                let simulation_same = match &entry.witnessed {
                    None => true,
                    Some((campaigns, segments)) => {
                        campaigns
                            .iter()
                            .all(|(at, c)| project.campaigns.get(*at) == Some(c))
                            && entered_all == *segments
                    }
                };
                if replayed(i)
                    && entry.budgets_in == start
                    && simulation_same
                    && entry.network == network
                    && network.iter().all(|(at, _)| replayed(*at))
                {
                    checked.extend(entry.diagnostics.iter().cloned());
                    (b.suggestions, b.witnesses) = entry.budgets_out;
                    kept.insert(campaign.name.clone(), entry);
                    continue;
                }
            }
            let mut out = Vec::new();
            crate::check::check_campaign(&ctx, i, &mut b, &mut out);
            checked.extend(out.iter().cloned());
            // A witness's lead may start in a campaign of the network.
            let witnessed = (b.witnesses != start.1).then(|| {
                let mut entered = reachable(&project, i);
                for (c, _) in &network {
                    for r in reachable(&project, *c) {
                        if !entered.iter().any(|(at, _)| *at == r.0) {
                            entered.push(r);
                        }
                    }
                }
                (entered, entered_all.clone())
            });
            kept.insert(
                campaign.name.clone(),
                Checked {
                    budgets_in: start,
                    budgets_out: budgets(&b),
                    diagnostics: out,
                    witnessed,
                    network,
                },
            );
        }
        self.checked = kept;
        crate::check::flow::check_network(&ctx, &mut b.witnesses, &mut checked);
        let policy = match policy.filter(|p| p.judges_anything()) {
            Some(policy) => {
                let mut out = Vec::new();
                crate::check::flow::overlap::check_policy(&ctx, policy, &mut out);
                out
            }
            None => Vec::new(),
        };
        self.parts = project
            .campaigns
            .iter()
            .map(|c| c.name.clone())
            .zip(ctx.into_parts())
            .collect();
        let segment_checks = match self.segment_checks.take() {
            Some(last) if segments_same => last,
            _ => {
                let mut out = Vec::new();
                crate::check::flow::check_segments(&project, &mut out);
                out
            }
        };
        checked.extend(segment_checks.iter().cloned());
        self.segment_checks = Some(segment_checks);
        let (compilation, index) =
            crate::assemble(project, problems, resolved, checked, allows, index);
        (compilation, index, policy)
    }
}
