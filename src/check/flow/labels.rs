//! `unused-label`: a label that no `goto` of its campaign continues at.
//!
//! A label also names its statement's node id (and those of the statements
//! nested in it) in every output, so a label kept only to hold an id steady
//! is a real use; the explanation says how to allow the warning there.

use super::graph::FlowGraph;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::NodeKind;
use crate::resolve::suggest;
use crate::span::Span;
use std::collections::BTreeSet;

/// Reports every label of a reachable statement that no `goto` names. A
/// `goto` to a missing label counts as a use of the label suggested for it
/// (the typo meant that one). Unreachable statements are left to
/// `unreachable-step`, which already says that no `goto` reaches them.
pub(super) fn unused_labels(g: &FlowGraph<'_>, budget: &mut usize, out: &mut Vec<Diagnostic>) {
    let nodes = &g.flow.nodes;
    let labels: Vec<&str> = nodes.iter().filter_map(|n| n.label.as_deref()).collect();
    if labels.is_empty() {
        return;
    }
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for node in nodes {
        if let NodeKind::Goto { label, target } = &node.kind {
            match target {
                Some(_) => {
                    used.insert(label.as_str());
                }
                None => {
                    let close = suggest::closest_within(
                        label,
                        labels.iter().copied(),
                        labels.len(),
                        budget,
                    );
                    used.extend(close);
                }
            }
        }
    }
    // A label written twice is a `duplicate-name` on the second, which
    // raises nothing else.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (id, node) in g.flow.nodes_with_ids() {
        let Some(label) = node.label.as_deref() else {
            continue;
        };
        if !seen.insert(label) || used.contains(label) || !g.is_reachable(FlowGraph::vertex(id)) {
            continue;
        }
        let span = Span::new(
            node.span.file,
            node.span.start,
            node.span.start + label.len(),
        );
        out.push(
            Diagnostic::new(
                Code::UnusedLabel,
                format!("the label `{label}` is never used"),
                span,
                "no `goto` continues here",
            )
            .with_note(
                "a label kept only to fix this step's node id in the outputs can say so: `// nurturec: allow(unused-label)`",
            )
            .with_help(format!(
                "remove `{label}:`, or add `goto {label}` where leads should come back here"
            )),
        );
    }
}
