//! Stage 3, checks: facts about a resolved project that are not about names.
//! `campaign` holds the per-campaign domain rules, `flow` the analyses of
//! each campaign's flow graph.

mod campaign;
pub(crate) mod flow;

use crate::diagnostics::Diagnostic;
use crate::ir;

/// Runs every check over a resolved project, its files taken in the order
/// of their ids.
pub fn check(project: &ir::Project) -> Vec<Diagnostic> {
    check_in_order(project, &[])
}

/// Runs every check over a resolved project. `file_rank`: per file id, the
/// file's place in path order (what "source order" means across files);
/// a file it does not list keeps its id's place.
pub fn check_in_order(project: &ir::Project, file_rank: &[usize]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let ctx = flow::network::Context::new(project, file_rank);
    let mut budgets = flow::Budgets {
        suggestions: crate::resolve::suggest::BUDGET,
        witnesses: flow::WITNESSES,
    };
    // Campaigns are checked on all cores, each with the whole suggestion
    // budget, then taken in order: a campaign that used more than what the
    // ones before it left is checked again with what is left (with no more
    // than it used, every search runs as it did), and the witnesses go to
    // the first diagnostics in order. So the result is the one-thread one.
    use rayon::prelude::*;
    let found: Vec<(Vec<Diagnostic>, usize)> = (0..project.campaigns.len())
        .into_par_iter()
        .map(|i| {
            let mut own = flow::Budgets {
                suggestions: crate::resolve::suggest::BUDGET,
                witnesses: 0,
            };
            let mut out = Vec::new();
            check_campaign(&ctx, i, &mut own, &mut out);
            (out, crate::resolve::suggest::BUDGET - own.suggestions)
        })
        .collect();
    let prepared = std::cell::OnceCell::new();
    for (i, (mut out, used)) in found.into_iter().enumerate() {
        if used > budgets.suggestions {
            let mut again = flow::Budgets {
                suggestions: budgets.suggestions,
                witnesses: 0,
            };
            out.clear();
            check_campaign(&ctx, i, &mut again, &mut out);
            budgets.suggestions = again.suggestions;
        } else {
            budgets.suggestions -= used;
        }
        flow::add_witnesses(project, i, &mut out, &mut budgets.witnesses, &prepared);
        diagnostics.extend(out);
    }
    flow::check_network(&ctx, &mut budgets.witnesses, &mut diagnostics);
    flow::check_segments(project, &mut diagnostics);
    diagnostics
}

/// The rules of `nurture.toml`'s `[policy]`: `project-cap` errors against
/// its `cap`, and with `overlap = "any-trigger"` the `campaign-overlap`
/// warnings of campaigns that different events start. `file_rank` as for [`check_in_order`].
pub fn check_policy(
    project: &ir::Project,
    policy: &crate::config::Policy,
    file_rank: &[usize],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if policy.judges_anything() {
        let ctx = flow::network::Context::new(project, file_rank);
        flow::overlap::check_policy(&ctx, policy, &mut out);
    }
    out
}

/// The checks of campaign `index` of the project, in [`check_in_order`]'s
/// order: for the language server, which keeps each campaign's results
/// between runs. What they read besides the campaign: the project's
/// segments, emails, models and properties, and the campaigns of its enroll
/// network ([`flow::network::Context::network`]).
pub(crate) fn check_campaign(
    ctx: &flow::network::Context<'_>,
    index: usize,
    budgets: &mut flow::Budgets,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(c) = ctx.project.campaigns.get(index) {
        campaign::check(ctx.project, c, out);
        flow::check(ctx, index, budgets, out);
    }
}
