//! A campaign's flow as a picture: Mermaid (renders in a pull request) or
//! Graphviz DOT. Pure functions of the IR; the same input always gives the
//! same text.
//!
//! Statements are numbered `n0`, `n1`, … in source order. Sends show the
//! email's subject, waits their duration, branch and split arms their
//! condition or share; `exit`, `handoff` and `enroll` are terminal shapes,
//! a `goto` is a dashed edge, and statements no path reaches are drawn
//! apart (grey and dashed). When a path falls off the end of the flow, the
//! end is drawn as a node of its own.

use crate::check::flow::graph::{Edge, FlowGraph, Vertex};
use crate::check::flow::text;
use crate::ir::{self, NodeKind};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::fmt::Write;

/// What kind of shape a vertex gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Start,
    Send,
    Wait,
    Decision,
    Action,
    Jump,
    Terminal,
    FallOff,
}

/// One vertex to draw: its id, shape, lines of text and whether a path
/// reaches it.
struct Figure {
    id: String,
    shape: Shape,
    lines: Vec<String>,
    reachable: bool,
}

/// One edge to draw.
struct Arrow {
    from: String,
    to: String,
    label: Option<String>,
    jump: bool,
}

/// The vertices and edges of a campaign, in a fixed order.
fn layout(project: &ir::Project, campaign: &ir::Campaign) -> (Vec<Figure>, Vec<Arrow>) {
    let g = FlowGraph::new(campaign);
    let id = |v: NodeIndex| match g.graph.node_weight(v) {
        Some(Vertex::Step(step)) => format!("n{}", step.index()),
        Some(Vertex::FallOff) => "fall_off".to_string(),
        Some(Vertex::Start) | None => "start".to_string(),
    };
    let mut boxes = vec![Figure {
        id: "start".to_string(),
        shape: Shape::Start,
        lines: vec![format!("campaign {}", campaign.name)],
        reachable: true,
    }];
    for (step, node) in campaign.flow.nodes_with_ids() {
        let v = FlowGraph::vertex(step);
        let (shape, lines) = match &node.kind {
            NodeKind::Send { email, .. } => {
                let mut lines = vec![text::statement(node)];
                if let Some(e) = project.referent(email) {
                    lines.push(format!("\"{}\"", e.subject));
                }
                (Shape::Send, lines)
            }
            NodeKind::Wait {
                duration, until, ..
            } => {
                let mut first = format!("wait {}", duration.to_text());
                if let Some(label) = &node.label {
                    first = format!("{label}: {first}");
                }
                let mut lines = vec![first];
                if let Some(c) = until {
                    lines.push(format!("or until {}", text::condition(c)));
                }
                (Shape::Wait, lines)
            }
            NodeKind::Branch { .. } | NodeKind::Split { .. } => {
                (Shape::Decision, vec![text::statement(node)])
            }
            NodeKind::Set { .. } | NodeKind::Notify { .. } => {
                (Shape::Action, vec![text::statement(node)])
            }
            NodeKind::Goto { .. } => (Shape::Jump, vec![text::statement(node)]),
            NodeKind::Handoff { .. } | NodeKind::Enroll { .. } | NodeKind::Exit { .. } => {
                (Shape::Terminal, vec![text::statement(node)])
            }
        };
        boxes.push(Figure {
            id: id(v),
            shape,
            lines,
            reachable: g.is_reachable(v),
        });
    }
    let mut arrows = Vec::new();
    let mut falls = false;
    let steps = campaign
        .flow
        .nodes_with_ids()
        .map(|(step, _)| FlowGraph::vertex(step));
    let sources = std::iter::once(g.start).chain(steps);
    for v in sources {
        // petgraph lists a vertex's edges newest first; draw them as written.
        let mut edges: Vec<_> = g.graph.edges(v).collect();
        edges.sort_by_key(|e| e.id());
        for e in edges {
            falls |= e.target() == g.fall_off;
            let label = match *e.weight() {
                Edge::Next | Edge::Goto | Edge::Entry => None,
                Edge::Handler(h) => campaign
                    .flow
                    .handlers
                    .get(h)
                    .map(|handler| format!("on {}", text::condition(&handler.condition))),
                Edge::Arm(a) => match g.step(v).map(|n| &n.kind) {
                    Some(NodeKind::Branch { arms, .. }) => {
                        arms.get(a).map(|arm| text::condition(&arm.condition))
                    }
                    _ => None,
                },
                Edge::NoMatch => Some("no match".to_string()),
                Edge::Else => Some("else".to_string()),
                Edge::Split(a) => match g.step(v).map(|n| &n.kind) {
                    Some(NodeKind::Split { arms }) => {
                        arms.get(a).map(|arm| format!("{}%", arm.percent))
                    }
                    _ => None,
                },
            };
            arrows.push(Arrow {
                from: id(v),
                to: id(e.target()),
                label,
                jump: *e.weight() == Edge::Goto,
            });
        }
    }
    if falls {
        boxes.push(Figure {
            id: "fall_off".to_string(),
            shape: Shape::FallOff,
            lines: vec!["end of flow: no exit".to_string()],
            reachable: g.is_reachable(g.fall_off),
        });
    }
    (boxes, arrows)
}

/// The flow as a Mermaid flowchart.
pub fn mermaid(project: &ir::Project, campaign: &ir::Campaign) -> String {
    let (boxes, arrows) = layout(project, campaign);
    let mut out = String::new();
    let _ = writeln!(out, "flowchart TD");
    for b in &boxes {
        let label = b
            .lines
            .iter()
            .map(|l| mermaid_text(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let (open, close) = match b.shape {
            Shape::Start => ("(", ")"),
            Shape::Send => ("[", "]"),
            Shape::Wait => ("{{", "}}"),
            Shape::Decision => ("{", "}"),
            Shape::Action => ("[/", "/]"),
            Shape::Jump => (">", "]"),
            Shape::Terminal => ("([", "])"),
            Shape::FallOff => ("[/", "\\]"),
        };
        let _ = writeln!(out, "    {}{open}\"{label}\"{close}", b.id);
    }
    for a in &arrows {
        let arrow = if a.jump { "-.->" } else { "-->" };
        match &a.label {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "    {} {arrow}|\"{}\"| {}",
                    a.from,
                    mermaid_text(l),
                    a.to
                );
            }
            None => {
                let _ = writeln!(out, "    {} {arrow} {}", a.from, a.to);
            }
        }
    }
    let _ = writeln!(
        out,
        "    classDef terminal fill:#e8f5e9,stroke:#2e7d32,stroke-width:2px"
    );
    let _ = writeln!(
        out,
        "    classDef fallOff fill:#ffebee,stroke:#c62828,color:#c62828"
    );
    let _ = writeln!(
        out,
        "    classDef unreachable fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:4 3,color:#9e9e9e"
    );
    // One class per vertex: being unreachable outranks the rest.
    let class = |name: &str, pick: &dyn Fn(&Figure) -> bool, out: &mut String| {
        let ids: Vec<&str> = boxes
            .iter()
            .filter(|b| pick(b))
            .map(|b| b.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "    class {} {name}", ids.join(","));
        }
    };
    class(
        "terminal",
        &|b| b.reachable && b.shape == Shape::Terminal,
        &mut out,
    );
    class(
        "fallOff",
        &|b| b.reachable && b.shape == Shape::FallOff,
        &mut out,
    );
    class("unreachable", &|b| !b.reachable, &mut out);
    out
}

/// The flow as a Graphviz DOT digraph.
pub fn dot(project: &ir::Project, campaign: &ir::Campaign) -> String {
    let (boxes, arrows) = layout(project, campaign);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_string(&campaign.name));
    let _ = writeln!(out, "    rankdir=TB;");
    let _ = writeln!(out, "    node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "    edge [fontname=\"Helvetica\", fontsize=10];");
    for b in &boxes {
        let (shape, mut style, mut color) = match b.shape {
            Shape::Start => ("oval", vec![], None),
            Shape::Send => ("box", vec![], None),
            Shape::Wait => ("hexagon", vec![], None),
            Shape::Decision => ("diamond", vec![], None),
            Shape::Action => ("parallelogram", vec![], None),
            Shape::Jump => ("cds", vec![], None),
            Shape::Terminal => ("box", vec!["rounded", "bold"], Some("darkgreen")),
            Shape::FallOff => ("invtrapezium", vec!["bold"], Some("red3")),
        };
        if !b.reachable {
            style.push("dashed");
            color = Some("gray60");
        }
        let mut attributes = vec![
            format!("label={}", dot_string(&b.lines.join("\n"))),
            format!("shape={shape}"),
        ];
        if !style.is_empty() {
            attributes.push(format!("style={}", dot_string(&style.join(","))));
        }
        if let Some(c) = color {
            attributes.push(format!("color={c}"));
            attributes.push(format!("fontcolor={c}"));
        }
        let _ = writeln!(out, "    {} [{}];", b.id, attributes.join(", "));
    }
    for a in &arrows {
        let mut attributes = Vec::new();
        if let Some(l) = &a.label {
            attributes.push(format!("label={}", dot_string(l)));
        }
        if a.jump {
            attributes.push("style=dashed".to_string());
        }
        if attributes.is_empty() {
            let _ = writeln!(out, "    {} -> {};", a.from, a.to);
        } else {
            let _ = writeln!(
                out,
                "    {} -> {} [{}];",
                a.from,
                a.to,
                attributes.join(", ")
            );
        }
    }
    let _ = writeln!(out, "}}");
    out
}

/// Text for a quoted Mermaid label: quotes and the characters Mermaid or
/// HTML would read as markup become entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A DOT quoted string; a newline becomes a centred line break.
fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_escapes_markup_and_quotes() {
        assert_eq!(
            mermaid_text("score >= 40 and x == \"a#b\" <i>"),
            "score #gt;= 40 and x == #quot;a#35;b#quot; #lt;i#gt;"
        );
    }

    #[test]
    fn dot_escapes_quotes_and_backslashes() {
        assert_eq!(
            dot_string("say \"hi\" \\n\nnext"),
            "\"say \\\"hi\\\" \\\\n\\nnext\""
        );
    }
}
