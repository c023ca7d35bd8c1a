//! Stage 3, checks: facts about a resolved project that are not about names.
//! `campaign` holds the per-campaign domain rules, `flow` the analyses of
//! each campaign's flow graph.

mod campaign;
pub(crate) mod flow;

use crate::diagnostics::Diagnostic;
use crate::ir;

/// Runs every check over a resolved project.
///
/// Campaigns are checked on all cores, as if each came first but with no
/// witnesses. The budgets are shared campaign after campaign, so a campaign
/// is checked again, in order, with what the ones before it left, when its
/// result could depend on that: it spent more suggestions than were left (or
/// all it had), or it raised a diagnostic that gets a witness while some
/// are left. The diagnostics are a single thread's ([`check_in_order`]).
pub fn check(project: &ir::Project) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let alone: Vec<(Vec<Diagnostic>, usize)> = project
        .campaigns
        .par_iter()
        .map(|c| {
            let mut budgets = flow::Budgets {
                suggestions: crate::resolve::suggest::BUDGET,
                witnesses: 0,
            };
            let out = one_campaign(project, c, &mut budgets);
            (out, budgets.suggestions)
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut left = budgets();
    for (c, (out, after)) in project.campaigns.iter().zip(alone) {
        let used = crate::resolve::suggest::BUDGET - after;
        let witnessed = left.witnesses > 0 && out.iter().any(|d| WITNESSED.contains(&d.code));
        if after > 0 && used <= left.suggestions && !witnessed {
            left.suggestions -= used;
            diagnostics.extend(out);
        } else {
            diagnostics.extend(one_campaign(project, c, &mut left));
        }
    }
    flow::check_segments(project, &mut diagnostics);
    diagnostics
}

/// The codes whose diagnostics `flow` gives a witness (its `add_witnesses`).
const WITNESSED: [crate::Code; 3] = [
    crate::Code::MissingExit,
    crate::Code::EndlessLoop,
    crate::Code::CadenceCap,
];

fn budgets() -> flow::Budgets {
    flow::Budgets {
        suggestions: crate::resolve::suggest::BUDGET,
        witnesses: flow::WITNESSES,
    }
}

fn one_campaign(
    project: &ir::Project,
    c: &ir::Campaign,
    budgets: &mut flow::Budgets,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    campaign::check(project, c, &mut out);
    flow::check(project, c, budgets, &mut out);
    out
}

/// [`check`] on one thread, campaign after campaign: what it must equal.
pub fn check_in_order(project: &ir::Project) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut left = budgets();
    for c in &project.campaigns {
        diagnostics.extend(one_campaign(project, c, &mut left));
    }
    flow::check_segments(project, &mut diagnostics);
    diagnostics
}
