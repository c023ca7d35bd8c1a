//! `unreachable-threshold`: `score.<c> >= N` (or `> N`) where component `c`
//! is bounded (no `on` rules, or a `max` on each) and even its most points
//! stay below what the comparison needs; and `score >= N` on the total, when
//! every component is bounded and their maxima add up to less.
//!
//! The model is the campaign's for a campaign's conditions; for a segment, the
//! model of every campaign that uses it (directly or through other segments),
//! or the project's only model when no campaign does.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, CompareOp, ConditionKind, Quantity, ScoreRuleKind, Value};
use std::collections::BTreeMap;

pub(super) fn check_campaign(
    project: &ir::Project,
    campaign: &ir::Campaign,
    out: &mut Vec<Diagnostic>,
) {
    let Some(model) = campaign.scoring.as_ref().and_then(|m| project.referent(m)) else {
        return;
    };
    for condition in campaign.conditions() {
        check_condition(model, condition, out);
    }
}

pub(super) fn check_segments(project: &ir::Project, out: &mut Vec<Diagnostic>) {
    // Per segment, the models of the campaigns that use it, by name.
    let mut models: BTreeMap<&str, BTreeMap<&str, &ir::ScoringModel>> = BTreeMap::new();
    for campaign in &project.campaigns {
        let model = campaign.scoring.as_ref().and_then(|m| project.referent(m));
        for segment in project.segment_closure(campaign.segment_refs()) {
            let entry = models.entry(segment.name.as_str()).or_default();
            if let Some(model) = model {
                entry.insert(model.name.as_str(), model);
            }
        }
    }
    let only_model: Option<&ir::ScoringModel> = match project.scoring_models.as_slice() {
        [m] => Some(m),
        _ => None,
    };
    for segment in &project.segments {
        let used_by: Vec<&ir::ScoringModel> = match models.get(segment.name.as_str()) {
            Some(used_by) => used_by.values().copied().collect(),
            None => only_model.into_iter().collect(),
        };
        for model in used_by {
            check_condition(model, &segment.condition, out);
        }
    }
}

fn check_condition(model: &ir::ScoringModel, condition: &ir::Condition, out: &mut Vec<Diagnostic>) {
    condition.walk(&mut |c| {
        let ConditionKind::Compare {
            left: Quantity::Score(which),
            op,
            right: Value::Number(threshold),
        } = &c.kind
        else {
            return;
        };
        if !matches!(op, CompareOp::Ge | CompareOp::Gt) {
            return;
        }
        let reachable = |most: i64| match op {
            CompareOp::Gt => (most as f64) > *threshold,
            _ => (most as f64) >= *threshold,
        };
        let comparison = |subject: &str| {
            format!(
                "{subject} {} {}",
                op.as_str(),
                super::text::number(*threshold)
            )
        };
        let help = |most: i64, what: &str| match op {
            CompareOp::Gt => format!("lower the threshold below {most}, or give {what} more points"),
            _ => format!("lower the threshold to {most} or less, or give {what} more points"),
        };
        let Some(name) = which else {
            // The total: bounded only when every component is.
            let Some(most) = model
                .components
                .iter()
                .map(most_points)
                .try_fold(0i64, |sum, m| m.map(|m| sum.saturating_add(m)))
            else {
                return;
            };
            if reachable(most) {
                return;
            }
            let comparison = comparison("score");
            let mut d = Diagnostic::new(
                Code::UnreachableThreshold,
                format!("`{comparison}` can never hold"),
                c.span,
                format!(
                    "the total of scoring model `{}` reaches at most {most} points",
                    model.name
                ),
            )
            .with_secondary(
                model.name_span,
                format!("every component here is bounded, and their maxima add up to {most}"),
            );
            for component in &model.components {
                if let Some(m) = most_points(component) {
                    d = d.with_secondary(component.name_span, format!("at most {m}"));
                }
            }
            out.push(
                d.with_note(
                    "the total is the sum of the components; a component without `on` rules, or whose `on` rules all have `max`, has at most its positive `if` points and the `max` of its positive `on` rules",
                )
                .with_help(help(most, "the model")),
            );
            return;
        };
        let Some(component) = model.components.iter().find(|k| &k.name == name) else {
            return;
        };
        let Some(most) = most_points(component) else {
            return;
        };
        let capped = component
            .rules
            .iter()
            .any(|r| matches!(r.kind, ScoreRuleKind::On(_)));
        if reachable(most) {
            return;
        }
        let comparison = comparison(&format!("score.{name}"));
        out.push(
            Diagnostic::new(
                Code::UnreachableThreshold,
                format!("`{comparison}` can never hold"),
                c.span,
                format!(
                    "`{name}` reaches at most {most} points in scoring model `{}`",
                    model.name
                ),
            )
            .with_secondary(
                component.name_span,
                if capped {
                    format!("every `on` rule here has a `max`: the positive `if` points and those maxima add up to {most}")
                } else {
                    format!("no `on` rules here, and the positive `if` points add up to {most}")
                },
            )
            .with_note(if capped {
                "a component whose `on` rules all have `max` has at most its positive `if` points and the `max` of its positive `on` rules"
            } else {
                "a component without `on` rules only has the points of the `if` rules that hold"
            })
            .with_help(help(most, &format!("`{name}`"))),
        );
    });
}

/// The most points a component can reach: its positive `if` points and the
/// `max` of its positive `on` rules; `None` (no bound) when an `on` rule
/// has no `max`.
fn most_points(component: &ir::ScoreComponent) -> Option<i64> {
    component.rules.iter().try_fold(0i64, |sum, r| {
        let most = match (&r.kind, r.max) {
            (ScoreRuleKind::If(_), _) => r.points.max(0),
            (ScoreRuleKind::On(_), Some(max)) if r.points > 0 => {
                i64::try_from(max).unwrap_or(i64::MAX)
            }
            (ScoreRuleKind::On(_), Some(_)) => 0,
            (ScoreRuleKind::On(_), None) => return None,
        };
        Some(sum.saturating_add(most))
    })
}
