//! Stage 3, checks: facts about a resolved project that are not about names.
//! `campaign` holds the per-campaign domain rules, `flow` the analyses of
//! each campaign's flow graph.

mod campaign;
pub(crate) mod flow;

use crate::diagnostics::Diagnostic;
use crate::ir;

/// Runs every check over a resolved project.
pub fn check(project: &ir::Project) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut budgets = flow::Budgets {
        suggestions: crate::resolve::suggest::BUDGET,
        witnesses: flow::WITNESSES,
    };
    for c in &project.campaigns {
        check_campaign(project, c, &mut budgets, &mut diagnostics);
    }
    flow::check_segments(project, &mut diagnostics);
    diagnostics
}

/// The checks of one campaign of the project, in [`check`]'s order: for the
/// language server, which keeps each campaign's results between runs.
pub(crate) fn check_campaign(
    project: &ir::Project,
    c: &ir::Campaign,
    budgets: &mut flow::Budgets,
    out: &mut Vec<Diagnostic>,
) {
    campaign::check(project, c, out);
    flow::check(project, c, budgets, out);
}
