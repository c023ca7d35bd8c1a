//! A trace as the versioned JSON document of `nurturec simulate
//! --message-format json`, or as a readable timeline.

use super::{Step, StepKind, Trace};
use crate::ir::Value;
use crate::source::SourceMap;
use crate::span::FileId;
use serde_json::{json, Map, Value as Json};

/// Bump on any breaking change of [`json`]'s document, described by
/// `schema/trace.schema.json`.
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// `{"version": 1, "lead": …, "trace": [{"seconds", "day", "campaign",
/// "kind", <the kind's fields>, "file", "line"}, …]}`. `file_name` names a
/// source file as the document should show it (project-relative, with `/`).
pub fn json(trace: &Trace, sources: &SourceMap, file_name: &dyn Fn(FileId) -> String) -> Json {
    let steps: Vec<Json> = trace
        .steps
        .iter()
        .map(|s| step(s, sources, file_name))
        .collect();
    json!({"version": TRACE_FORMAT_VERSION, "lead": trace.lead, "trace": steps})
}

fn day(seconds: i64) -> i64 {
    seconds.div_euclid(86_400)
}

fn value(v: &Value) -> Json {
    match v {
        Value::String(s) => json!(s),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => json!(*n as i64),
        Value::Number(n) => json!(n),
        Value::Bool(b) => json!(b),
    }
}

fn step(s: &Step, sources: &SourceMap, file_name: &dyn Fn(FileId) -> String) -> Json {
    let mut m = Map::new();
    m.insert("seconds".into(), json!(s.seconds));
    m.insert("day".into(), json!(day(s.seconds)));
    m.insert("campaign".into(), json!(s.campaign));
    m.insert("kind".into(), json!(s.kind.name()));
    let mut field = |k: &str, v: Json| {
        m.insert(k.into(), v);
    };
    match &s.kind {
        StepKind::Enter { trigger } => field("trigger", json!(trigger)),
        StepKind::Send { email } => field("email", json!(email)),
        StepKind::Set { property, value: v } => {
            field("property", json!(property));
            field("value", value(v));
        }
        StepKind::Notify { recipient } => field("recipient", json!(recipient)),
        StepKind::Handoff { queue } => field("queue", json!(queue)),
        StepKind::Enroll { target } => field("target", json!(target)),
        StepKind::Exit { reason } => field("reason", json!(reason)),
        StepKind::Goal { goal } => field("goal", json!(goal)),
        StepKind::NotAdmitted { why } => field("why", json!(why)),
        StepKind::Split { arm, percent } => {
            field("arm", json!(arm));
            field("percent", json!(percent));
        }
        StepKind::End { why } => field("why", json!(why.name())),
        StepKind::Handler { handler, condition } => {
            field("handler", json!(handler));
            field("condition", json!(condition));
        }
        StepKind::Held { email, until } => {
            field("email", json!(email));
            field("until", json!(until));
        }
        StepKind::Suppressed | StepKind::FellOff => {}
    }
    m.insert("file".into(), json!(file_name(s.span.file)));
    m.insert("line".into(), json!(sources.start_location(s.span).0));
    Json::Object(m)
}

/// One line per step: the day and time, the campaign, what happened, and
/// where it is written.
pub fn human(trace: &Trace, sources: &SourceMap, file_name: &dyn Fn(FileId) -> String) -> String {
    let mut out = String::new();
    match trace.lead.as_deref() {
        Some(id) => out.push_str(&format!("lead {id}\n")),
        None => out.push_str("lead (no id)\n"),
    }
    let width = trace
        .steps
        .iter()
        .map(|s| s.campaign.len())
        .max()
        .unwrap_or(0);
    for s in &trace.steps {
        let seconds_of_day = s.seconds.rem_euclid(86_400);
        let (line, _) = sources.start_location(s.span);
        let what = describe(&s.kind);
        out.push_str(&format!(
            "  day {:>3} {:02}:{:02}  {:<width$}  {:<36}  {}:{}\n",
            day(s.seconds),
            seconds_of_day / 3_600,
            seconds_of_day % 3_600 / 60,
            s.campaign,
            what,
            file_name(s.span.file),
            line,
        ));
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => value(other).to_string(),
    }
}

fn describe(kind: &StepKind) -> String {
    match kind {
        StepKind::Enter { trigger: Some(t) } => format!("enters (trigger {t})"),
        StepKind::Enter { trigger: None } => "enters (enrolled)".to_string(),
        StepKind::Send { email } => format!("send {email}"),
        StepKind::Set { property, value } => format!("set {property} = {}", text(value)),
        StepKind::Notify { recipient } => format!("notify {recipient}"),
        StepKind::Handoff { queue } => format!("handoff to {queue}"),
        StepKind::Enroll { target } => format!("enroll in {target}"),
        StepKind::Exit { reason: Some(r) } => format!("exit {r:?}"),
        StepKind::Exit { reason: None } => "exit".to_string(),
        StepKind::Goal { goal } => format!("goal {goal} met: leaves"),
        StepKind::Suppressed => "suppressed: leaves".to_string(),
        StepKind::Handler { handler, condition } => {
            format!("handler {handler} (on {condition}) runs")
        }
        StepKind::Held { email, until } => {
            let minute = until.rem_euclid(86_400) / 60;
            format!(
                "send {email} held until day {} {:02}:{:02} (send window)",
                day(*until),
                minute / 60,
                minute % 60
            )
        }
        StepKind::NotAdmitted { why } => format!("not admitted: {why}"),
        StepKind::Split { arm, percent } => format!("split: arm {arm} ({percent}%)"),
        StepKind::FellOff => "falls off the end of the flow".to_string(),
        StepKind::End { why } => format!("still inside: simulation ends ({})", why.name()),
    }
}
