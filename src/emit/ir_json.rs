//! The canonical JSON of each campaign: a versioned graph of nodes with
//! stable ids and typed edges, conditions as structured JSON, every node
//! traced to its source line. The format is described by
//! `schema/ir.schema.json`; bump [`IR_FORMAT_VERSION`] on any breaking change.

use super::OutputFile;
use crate::ir::{
    self, ConditionKind, Duration, EdgeKind, EventArgument, EventSource, NodeKind, Quantity,
    Recipient, Reentry, Target, Value,
};
use crate::source::SourceMap;
use crate::span::Span;
use serde_json::{json, Map, Value as Json};

pub const IR_FORMAT_VERSION: u32 = 1;

/// The version of `ir/project.json` (`schema/project.schema.json`).
pub const PROJECT_FORMAT_VERSION: u32 = 1;

/// One `ir/<campaign>.json` per campaign, in source order.
pub fn ir_json(project: &ir::Project, sources: &SourceMap) -> Vec<OutputFile> {
    use rayon::prelude::*;
    project
        .campaigns
        .par_iter()
        .map(|c| OutputFile {
            path: format!("ir/{}.json", c.name),
            contents: super::to_pretty(&campaign(c, sources)),
        })
        .collect()
}

/// `ir/project.json`: [`project_definitions`]. The `ir` target writes it
/// beside the campaigns.
pub fn project_json(project: &ir::Project, sources: &SourceMap) -> OutputFile {
    OutputFile {
        path: "ir/project.json".to_string(),
        contents: super::to_pretty(&project_definitions(project, sources)),
    }
}

/// The definitions campaigns use, for tools that rebuild them on a
/// platform: emails, segments with their conditions, scoring models with
/// their rules, the declared properties. Each list of items is sorted by
/// name, so that the order the files are read in changes nothing; the
/// declarations of the one `properties` block keep their order.
pub fn project_definitions(project: &ir::Project, sources: &SourceMap) -> Json {
    let mut emails: Vec<&ir::Email> = project.emails.iter().collect();
    emails.sort_by(|a, b| a.name.cmp(&b.name));
    let mut segments: Vec<&ir::Segment> = project.segments.iter().collect();
    segments.sort_by(|a, b| a.name.cmp(&b.name));
    let mut models: Vec<&ir::ScoringModel> = project.scoring_models.iter().collect();
    models.sort_by(|a, b| a.name.cmp(&b.name));
    let emails: Vec<Json> = emails
        .into_iter()
        .map(|e| {
            json!({
                "name": e.name,
                "subject": e.subject,
                "template": e.template,
                "stage": e.stage,
                "preview": e.preview,
                "source": source(e.name_span, sources),
            })
        })
        .collect();
    let segments: Vec<Json> = segments
        .into_iter()
        .map(|s| {
            json!({
                "name": s.name,
                "condition": condition(&s.condition),
                "source": source(s.name_span, sources),
            })
        })
        .collect();
    let models: Vec<Json> = models
        .into_iter()
        .map(|m| scoring_model(m, sources))
        .collect();
    json!({
        "format_version": PROJECT_FORMAT_VERSION,
        "emails": emails,
        "segments": segments,
        "scoring_models": models,
        "properties": project.properties.as_ref().map(|p| properties(p, sources)),
    })
}

/// `null` without a `properties` block (properties are undeclared), which
/// is not the same as an empty block (no property may be used).
fn properties(p: &ir::Properties, sources: &SourceMap) -> Json {
    let declarations: Vec<Json> = p
        .declarations
        .iter()
        .map(|d| {
            let (ty, values) = match &d.ty {
                ir::PropertyType::Text => ("text", None),
                ir::PropertyType::Enum(values) => ("enum", Some(values)),
                ir::PropertyType::Number => ("number", None),
                ir::PropertyType::Bool => ("bool", None),
                ir::PropertyType::TextList => ("text_list", None),
            };
            let mut decl = Map::new();
            decl.insert("name".into(), json!(d.name));
            decl.insert("type".into(), json!(ty));
            if let Some(values) = values {
                decl.insert("values".into(), json!(values));
            }
            decl.insert("source".into(), source(d.name_span, sources));
            Json::Object(decl)
        })
        .collect();
    json!({ "declarations": declarations, "source": source(p.span, sources) })
}

fn scoring_model(m: &ir::ScoringModel, sources: &SourceMap) -> Json {
    let components: Vec<Json> = m
        .components
        .iter()
        .map(|c| {
            let rules: Vec<Json> = c
                .rules
                .iter()
                .map(|r| {
                    let mut rule = Map::new();
                    rule.insert("points".into(), json!(r.points));
                    match &r.kind {
                        ir::ScoreRuleKind::If(cond) => {
                            rule.insert("kind".into(), json!("if"));
                            rule.insert("condition".into(), condition(cond));
                        }
                        ir::ScoreRuleKind::On(on) => {
                            rule.insert("kind".into(), json!("on"));
                            let on: Vec<Json> = on.iter().map(event_source).collect();
                            rule.insert("on".into(), Json::Array(on));
                        }
                    }
                    if let Some(max) = r.max {
                        rule.insert("max".into(), json!(max));
                    }
                    rule.insert("source".into(), source(r.span, sources));
                    Json::Object(rule)
                })
                .collect();
            json!({ "name": c.name, "rules": rules, "source": source(c.name_span, sources) })
        })
        .collect();
    json!({ "name": m.name, "components": components, "source": source(m.name_span, sources) })
}

/// The JSON value of one campaign (what `ir/<campaign>.json` holds).
pub fn campaign(c: &ir::Campaign, sources: &SourceMap) -> Json {
    let nodes = &c.flow.nodes;
    let id = |t: Target| match t {
        Target::Node(i) => c
            .flow
            .node(i)
            .map_or_else(|| FALL_OFF.to_string(), |n| n.id.clone()),
        Target::FallOff => FALL_OFF.to_string(),
    };

    let mut node_list: Vec<Json> = nodes.iter().map(|n| node(n, sources)).collect();
    for g in &c.goals {
        node_list.push(json!({"id": goal_id(&g.name), "kind": "goal", "goal": g.name}));
    }
    if c.suppress.is_some() {
        node_list.push(json!({"id": SUPPRESSED, "kind": "suppressed"}));
    }

    let mut edges: Vec<Json> = Vec::new();
    let mut falls_off = c.flow.entry == Target::FallOff;
    let mut edge = |from: &str, to: Target, kind: &str, extra: Option<(&str, Json)>| {
        falls_off |= to == Target::FallOff;
        let mut e = Map::new();
        e.insert("from".into(), json!(from));
        e.insert("to".into(), json!(id(to)));
        e.insert("kind".into(), json!(kind));
        if let Some((k, v)) = extra {
            e.insert(k.into(), v);
        }
        edges.push(Json::Object(e));
    };
    for n in nodes {
        for e in n.kind.edges() {
            let (kind, arm) = match e.kind {
                EdgeKind::Next => ("sequence", None),
                EdgeKind::Arm(a) => ("branch-arm", Some(a)),
                EdgeKind::Else => ("else", None),
                EdgeKind::NoMatch => ("no-match", None),
                EdgeKind::Split(a) => ("split-arm", Some(a)),
                EdgeKind::Goto => ("goto", None),
            };
            edge(&n.id, e.to, kind, arm.map(|a| ("arm", json!(a + 1))));
        }
    }
    // Goals and suppression end a lead's path from any step it waits at.
    for n in nodes.iter().filter(|n| !n.kind.is_terminal()) {
        for g in &c.goals {
            edges.push(json!({"from": n.id, "to": goal_id(&g.name), "kind": "goal"}));
        }
        if c.suppress.is_some() {
            edges.push(json!({"from": n.id, "to": SUPPRESSED, "kind": "suppress"}));
        }
    }
    // A handler starts from any step a lead can be at, but not from inside
    // itself (it runs once per entry).
    for (h, handler) in c.flow.handlers.iter().enumerate() {
        falls_off |= handler.entry == Target::FallOff;
        for (i, n) in c.flow.nodes_with_ids() {
            if n.kind.is_terminal() || c.flow.handler_of(i) == Some(h) {
                continue;
            }
            edges.push(
                json!({"from": n.id, "to": id(handler.entry), "kind": "handler", "handler": h + 1}),
            );
        }
    }
    if falls_off {
        node_list.push(json!({"id": FALL_OFF, "kind": "fall-off"}));
    }

    let mut out = Map::new();
    out.insert("format_version".into(), json!(IR_FORMAT_VERSION));
    out.insert("campaign".into(), json!(c.name));
    out.insert("title".into(), json!(c.title));
    out.insert("source".into(), source(c.name_span, sources));
    out.insert(
        "triggers".into(),
        Json::Array(
            c.triggers
                .iter()
                .map(|t| {
                    let mut m = event_source(&t.source);
                    if let Json::Object(m) = &mut m {
                        m.insert(
                            "where".into(),
                            t.filter.as_ref().map_or(Json::Null, condition),
                        );
                        m.insert("source".into(), source(t.span, sources));
                    }
                    m
                })
                .collect(),
        ),
    );
    out.insert(
        "audience".into(),
        c.audience.as_ref().map_or(Json::Null, condition),
    );
    out.insert("scoring".into(), json!(c.scoring));
    out.insert(
        "goals".into(),
        Json::Array(
            c.goals
                .iter()
                .map(|g| json!({"name": g.name, "when": condition(&g.condition), "source": source(g.name_span, sources)}))
                .collect(),
        ),
    );
    out.insert(
        "suppress".into(),
        c.suppress.as_ref().map_or(Json::Null, condition),
    );
    out.insert(
        "cap".into(),
        c.cap.map_or(
            Json::Null,
            |cap| json!({"sends": cap.sends, "per": duration(cap.per)}),
        ),
    );
    out.insert(
        "reentry".into(),
        match c.reentry {
            Reentry::Never => json!({"mode": "never"}),
            Reentry::Always => json!({"mode": "always"}),
            Reentry::After(d) => json!({"mode": "after", "after": duration(d)}),
        },
    );
    // Written only when present, so campaigns without them keep their
    // output byte for byte.
    if !c.flow.handlers.is_empty() {
        out.insert(
            "handlers".into(),
            Json::Array(
                c.flow
                    .handlers
                    .iter()
                    .map(|h| {
                        json!({
                            "when": condition(&h.condition),
                            "entry": id(h.entry),
                            "source": source(h.head, sources),
                        })
                    })
                    .collect(),
            ),
        );
    }
    if let Some(w) = &c.send_window {
        out.insert(
            "send_window".into(),
            json!({
                "days": w.days.iter().map(|d| d.name()).collect::<Vec<_>>(),
                "open": ir::SendWindow::clock_text(w.open),
                "close": ir::SendWindow::clock_text(w.close),
            }),
        );
    }
    out.insert("entry".into(), json!(id(c.flow.entry)));
    out.insert("nodes".into(), Json::Array(node_list));
    out.insert("edges".into(), Json::Array(edges));
    Json::Object(out)
}

const SUPPRESSED: &str = "suppressed";
const FALL_OFF: &str = "fall-off";

fn goal_id(name: &str) -> String {
    format!("goal:{name}")
}

fn source(span: Span, sources: &SourceMap) -> Json {
    let (line, column) = sources.start_location(span);
    json!({"file": sources.project_path(span.file), "line": line, "column": column})
}

fn duration(d: Duration) -> Json {
    json!({"seconds": d.seconds, "text": d.to_text()})
}

fn number(n: f64) -> Json {
    // Whole numbers print as integers; 2^53 bounds exact integers in f64.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn value(v: &Value) -> Json {
    match v {
        Value::String(s) => json!(s),
        Value::Number(n) => number(*n),
        Value::Bool(b) => json!(b),
    }
}

fn node(n: &ir::Node, sources: &SourceMap) -> Json {
    let mut m = Map::new();
    m.insert("id".into(), json!(n.id));
    m.insert("kind".into(), json!(n.kind.keyword()));
    if let Some(label) = &n.label {
        m.insert("label".into(), json!(label));
    }
    match &n.kind {
        NodeKind::Send { email, .. } => {
            m.insert("email".into(), json!(email));
        }
        NodeKind::Wait {
            duration: d, until, ..
        } => {
            m.insert("duration".into(), duration(*d));
            m.insert("until".into(), until.as_ref().map_or(Json::Null, condition));
        }
        NodeKind::Branch { arms, otherwise } => {
            m.insert(
                "arms".into(),
                Json::Array(
                    arms.iter()
                        .map(|a| json!({"when": condition(&a.condition)}))
                        .collect(),
                ),
            );
            m.insert("has_else".into(), json!(otherwise.else_arm.is_some()));
        }
        NodeKind::Split { arms } => {
            m.insert(
                "arms".into(),
                Json::Array(arms.iter().map(|a| json!({"percent": a.percent})).collect()),
            );
        }
        NodeKind::Set {
            property, value: v, ..
        } => {
            m.insert("property".into(), json!(property));
            m.insert("value".into(), value(v));
        }
        NodeKind::Notify {
            recipient, message, ..
        } => {
            m.insert(
                "recipient".into(),
                match recipient {
                    Recipient::Name(n) => json!({"team": n}),
                    Recipient::Address(a) => json!({"address": a}),
                },
            );
            m.insert("message".into(), json!(message));
        }
        NodeKind::Handoff {
            queue,
            notes,
            tasks,
        } => {
            m.insert("queue".into(), json!(queue));
            m.insert("notes".into(), json!(notes));
            m.insert(
                "tasks".into(),
                Json::Array(
                    tasks
                        .iter()
                        .map(|t| json!({"title": t.title, "due": t.due.map_or(Json::Null, duration)}))
                        .collect(),
                ),
            );
        }
        NodeKind::Enroll { campaign } => {
            m.insert("campaign".into(), json!(campaign));
        }
        NodeKind::Goto { label, .. } => {
            m.insert("target".into(), json!(label));
        }
        NodeKind::Exit { reason } => {
            m.insert("reason".into(), json!(reason));
        }
    }
    m.insert("source".into(), source(n.head, sources));
    Json::Object(m)
}

fn event_source(s: &EventSource) -> Json {
    match s {
        EventSource::Inactive(d) => json!({"type": "inactive", "duration": duration(*d)}),
        EventSource::Event(e) => event(e, None),
    }
}

fn event(e: &ir::Event, within: Option<Duration>) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), json!("event"));
    m.insert("event".into(), json!(e.kind.name()));
    m.insert(
        "argument".into(),
        match &e.argument {
            None => Json::Null,
            Some(EventArgument::Text(t)) => {
                let kind = match e.kind.argument_kind() {
                    ir::ArgumentKind::OptionalPath => "path",
                    ir::ArgumentKind::RequiredCustomName => "name",
                    _ => "id",
                };
                json!({"kind": kind, "value": t})
            }
            Some(EventArgument::Email(n)) => json!({"kind": "email", "value": n}),
            Some(EventArgument::Segment(n)) => json!({"kind": "segment", "value": n}),
        },
    );
    if let Some(d) = within {
        m.insert("within".into(), duration(d));
    }
    Json::Object(m)
}

fn quantity(q: &Quantity) -> Json {
    match q {
        Quantity::Property(p) => json!({"kind": "property", "name": p}),
        Quantity::Score(None) => json!({"kind": "score"}),
        Quantity::Score(Some(c)) => json!({"kind": "score_component", "component": c}),
    }
}

/// A condition as a tree of `{"type": …}` objects.
pub fn condition(c: &ir::Condition) -> Json {
    match &c.kind {
        ConditionKind::Or(items) => {
            json!({"type": "or", "conditions": items.iter().map(condition).collect::<Vec<_>>()})
        }
        ConditionKind::And(items) => {
            json!({"type": "and", "conditions": items.iter().map(condition).collect::<Vec<_>>()})
        }
        ConditionKind::Not(inner) => json!({"type": "not", "condition": condition(inner)}),
        ConditionKind::InSegment(s) => json!({"type": "in_segment", "segment": s}),
        ConditionKind::Inactive(d) => json!({"type": "inactive", "duration": duration(*d)}),
        ConditionKind::Property(p) => json!({"type": "property", "property": p}),
        ConditionKind::Compare { left, op, right } => {
            json!({"type": "compare", "left": quantity(left), "op": op.as_str(), "value": value(right)})
        }
        ConditionKind::Member {
            left,
            negated,
            values,
        } => json!({
            "type": "member",
            "left": quantity(left),
            "negated": negated,
            "values": values.iter().map(value).collect::<Vec<_>>(),
        }),
        ConditionKind::Contains { property, value: v } => {
            json!({"type": "contains", "property": property, "value": value(v)})
        }
        ConditionKind::Event { event: e, within } => event(e, *within),
    }
}
