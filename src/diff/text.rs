//! Span-free canonical text of the parts of a campaign that a diff compares:
//! two conditions mean the same when their texts are equal, whatever their
//! layout, comments or position in the file.

use crate::ir::{
    Campaign, Condition, ConditionKind, EventArgument, EventSource, Node, NodeKind, Quantity,
    Recipient, ScoringModel, Trigger, Value,
};

pub fn condition(c: &Condition) -> String {
    match &c.kind {
        ConditionKind::Or(items) => join(items, " or "),
        ConditionKind::And(items) => join(items, " and "),
        ConditionKind::Not(inner) => format!("not {}", nested(inner)),
        ConditionKind::InSegment(name) => format!("in {name}"),
        ConditionKind::Inactive(d) => format!("inactive {}", d.to_text()),
        ConditionKind::Property(name) => name.clone(),
        ConditionKind::Compare { left, op, right } => {
            format!("{} {} {}", quantity(left), op.as_str(), value(right))
        }
        ConditionKind::Member {
            left,
            negated,
            values,
        } => format!(
            "{} {}in [{}]",
            quantity(left),
            if *negated { "not " } else { "" },
            values.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        ConditionKind::Contains { property, value: v } => {
            format!("{property} contains {}", value(v))
        }
        ConditionKind::Event { event, within } => {
            let mut text = event_text(event);
            if let Some(d) = within {
                text.push_str(&format!(" within {}", d.to_text()));
            }
            text
        }
    }
}

fn join(items: &[Condition], separator: &str) -> String {
    items.iter().map(nested).collect::<Vec<_>>().join(separator)
}

/// A compound condition inside another one, in parentheses so that the
/// text says how it groups.
fn nested(c: &Condition) -> String {
    match c.kind {
        ConditionKind::Or(_) | ConditionKind::And(_) => format!("({})", condition(c)),
        _ => condition(c),
    }
}

fn event_text(event: &crate::ir::Event) -> String {
    let name = event.kind.name();
    match &event.argument {
        None => name.to_string(),
        Some(EventArgument::Text(t)) => format!("{name}({t:?})"),
        Some(EventArgument::Email(e)) => format!("{name}({e})"),
        Some(EventArgument::Segment(s)) => format!("{name}({s})"),
    }
}

fn quantity(q: &Quantity) -> String {
    match q {
        Quantity::Property(p) => p.clone(),
        Quantity::Score(None) => "score".to_string(),
        Quantity::Score(Some(component)) => format!("score.{component}"),
    }
}

pub fn value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => format!("{n}"),
        Value::Bool(b) => format!("{b}"),
    }
}

pub fn trigger(t: &Trigger) -> String {
    let mut text = match &t.source {
        EventSource::Inactive(d) => format!("inactive {}", d.to_text()),
        EventSource::Event(e) => event_text(e),
    };
    if let Some(filter) = &t.filter {
        text.push_str(&format!(" where {}", condition(filter)));
    }
    text
}

pub fn scoring_model(m: &ScoringModel) -> String {
    let mut text = String::new();
    for component in &m.components {
        text.push_str(&format!("{} {{", component.name));
        for rule in &component.rules {
            let what = match &rule.kind {
                crate::ir::ScoreRuleKind::If(c) => format!("if {}", condition(c)),
                crate::ir::ScoreRuleKind::On(sources) => format!(
                    "on {}",
                    sources
                        .iter()
                        .map(|s| match s {
                            EventSource::Inactive(d) => format!("inactive {}", d.to_text()),
                            EventSource::Event(e) => event_text(e),
                        })
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
            text.push_str(&format!(" {:+} {what}", rule.points));
            if let Some(max) = rule.max {
                text.push_str(&format!(" max {max}"));
            }
        }
        text.push_str(" } ");
    }
    text
}

/// What a statement does, without its label, its nested blocks or where it
/// goes next: two statements with equal keys are the same statement.
/// `goto` says nothing of its label here: whether two `goto`s go to the
/// same statement is known only once the flows are matched.
pub fn node_key(node: &Node) -> String {
    match &node.kind {
        NodeKind::Send { email, .. } => format!("send {email}"),
        NodeKind::Wait {
            duration, until, ..
        } => match until {
            Some(c) => format!("wait {} or until {}", duration.to_text(), condition(c)),
            None => format!("wait {}", duration.to_text()),
        },
        NodeKind::Branch { arms, otherwise } => {
            let mut text = "branch".to_string();
            for arm in arms {
                text.push_str(&format!(" when {}", condition(&arm.condition)));
            }
            if otherwise.else_arm.is_some() {
                text.push_str(" else");
            }
            text
        }
        NodeKind::Split { arms } => format!(
            "split {}",
            arms.iter()
                .map(|a| format!("{}%", a.percent))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        NodeKind::Set {
            property, value: v, ..
        } => format!("set {property} = {}", value(v)),
        NodeKind::Notify {
            recipient, message, ..
        } => match recipient {
            Recipient::Name(n) => format!("notify {n} {message:?}"),
            Recipient::Address(a) => format!("notify {a:?} {message:?}"),
        },
        NodeKind::Handoff {
            queue,
            notes,
            tasks,
        } => {
            let mut text = format!("handoff {queue}");
            for note in notes {
                text.push_str(&format!(" note {note:?}"));
            }
            for task in tasks {
                text.push_str(&format!(" task {:?}", task.title));
                if let Some(due) = task.due {
                    text.push_str(&format!(" due {}", due.to_text()));
                }
            }
            text
        }
        NodeKind::Enroll { campaign } => format!("enroll {campaign}"),
        NodeKind::Goto { .. } => "goto".to_string(),
        NodeKind::Exit { reason } => match reason {
            Some(r) => format!("exit {r:?}"),
            None => "exit".to_string(),
        },
    }
}

/// How a message names a statement: `wait 3d` (`2`), `send welcome` (`intro`).
pub fn node_name(node: &Node) -> String {
    let what = match &node.kind {
        NodeKind::Goto { label, .. } => format!("goto {label}"),
        NodeKind::Branch { .. } => "branch".to_string(),
        _ => node_key(node),
    };
    format!("`{what}` (`{}`)", node.id)
}

/// The campaign's `reentry` as written.
pub fn reentry(c: &Campaign) -> String {
    match c.reentry {
        crate::ir::Reentry::Never => "never".to_string(),
        crate::ir::Reentry::Always => "always".to_string(),
        crate::ir::Reentry::After(d) => format!("after {}", d.to_text()),
    }
}
