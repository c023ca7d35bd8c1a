//! Conditions and statements written back as source text, for messages and
//! for the pictures of [`crate::emit::graph`].

use crate::ir::{self, ConditionKind, EventArgument, NodeKind, Quantity, Value};

/// A condition as it would be written, with parentheses only where needed.
pub fn condition(c: &ir::Condition) -> String {
    let mut out = String::new();
    write_condition(&mut out, c, Precedence::Or);
    out
}

#[derive(PartialEq, PartialOrd, Clone, Copy)]
enum Precedence {
    Or,
    And,
    Not,
}

fn write_condition(out: &mut String, c: &ir::Condition, context: Precedence) {
    let (own, separator, items): (Precedence, &str, &[ir::Condition]) = match &c.kind {
        ConditionKind::Or(items) => (Precedence::Or, " or ", items),
        ConditionKind::And(items) => (Precedence::And, " and ", items),
        ConditionKind::Not(inner) => {
            out.push_str("not ");
            // `not (score >= 20)` reads better than `not score >= 20`.
            if matches!(
                inner.kind,
                ConditionKind::Compare { .. } | ConditionKind::Member { .. }
            ) {
                out.push('(');
                write_atom(out, inner);
                out.push(')');
            } else {
                write_condition(out, inner, Precedence::Not);
            }
            return;
        }
        _ => {
            write_atom(out, c);
            return;
        }
    };
    let parenthesised = own < context;
    if parenthesised {
        out.push('(');
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        // `a and (b and c)` keeps its parentheses: the IR is a tree.
        let inner = match own {
            Precedence::Or => Precedence::And,
            _ => Precedence::Not,
        };
        write_condition(out, item, inner);
    }
    if parenthesised {
        out.push(')');
    }
}

fn write_atom(out: &mut String, c: &ir::Condition) {
    match &c.kind {
        ConditionKind::InSegment(name) => {
            out.push_str("in ");
            out.push_str(&name.name);
        }
        ConditionKind::Inactive(d) => {
            out.push_str("inactive ");
            out.push_str(&d.to_text());
        }
        ConditionKind::Property(name) => out.push_str(name),
        ConditionKind::Compare { left, op, right } => {
            out.push_str(&quantity(left));
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            out.push_str(&value(right));
        }
        ConditionKind::Member {
            left,
            negated,
            values,
        } => {
            out.push_str(&quantity(left));
            out.push_str(if *negated { " not in [" } else { " in [" });
            let values: Vec<String> = values.iter().map(value).collect();
            out.push_str(&values.join(", "));
            out.push(']');
        }
        ConditionKind::Contains { property, value: v } => {
            out.push_str(property);
            out.push_str(" contains ");
            out.push_str(&value(v));
        }
        ConditionKind::Event { event, within } => {
            out.push_str(&event_text(event));
            if let Some(d) = within {
                out.push_str(" within ");
                out.push_str(&d.to_text());
            }
        }
        ConditionKind::Or(_) | ConditionKind::And(_) | ConditionKind::Not(_) => {
            write_condition(out, c, Precedence::Not);
        }
    }
}

/// `page.visited("/pricing")`, `email.opened(welcome)`, `demo.requested`.
pub fn event_text(event: &ir::Event) -> String {
    let name = event.kind.name();
    match &event.argument {
        None => name.to_string(),
        Some(EventArgument::Text(t)) => format!("{name}({})", string(t)),
        Some(EventArgument::Email(e)) => format!("{name}({e})"),
        Some(EventArgument::Segment(s)) => format!("{name}({s})"),
    }
}

/// `score`, `score.fit`, or a property name.
pub fn quantity(q: &Quantity) -> String {
    match q {
        Quantity::Property(p) => p.clone(),
        Quantity::Score(None) => "score".to_string(),
        Quantity::Score(Some(c)) => format!("score.{c}"),
    }
}

pub fn value(v: &Value) -> String {
    match v {
        Value::String(s) => string(s),
        Value::Number(n) => number(*n),
        Value::Bool(b) => b.to_string(),
    }
}

/// A number as written: `40`, `2.5`.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A string literal in the language's own escapes.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A statement's head as written, without nested blocks: `send welcome`,
/// `wait 3d or until email.clicked(welcome)`, `top: goto top`.
pub fn statement(node: &ir::Node) -> String {
    let head = match &node.kind {
        NodeKind::Send { email, .. } => format!("send {email}"),
        NodeKind::Wait {
            duration, until, ..
        } => match until {
            Some(c) => format!("wait {} or until {}", duration.to_text(), condition(c)),
            None => format!("wait {}", duration.to_text()),
        },
        NodeKind::Branch { .. } => "branch".to_string(),
        NodeKind::Split { .. } => "split".to_string(),
        NodeKind::Set {
            property, value: v, ..
        } => format!("set {property} = {}", value(v)),
        NodeKind::Notify { recipient, .. } => match recipient {
            ir::Recipient::Name(n) => format!("notify {n}"),
            ir::Recipient::Address(a) => format!("notify {}", string(a)),
        },
        NodeKind::Handoff { queue, .. } => format!("handoff {queue}"),
        NodeKind::Enroll { campaign } => format!("enroll {campaign}"),
        NodeKind::Goto { label, .. } => format!("goto {label}"),
        NodeKind::Exit { reason } => match reason {
            Some(r) => format!("exit {}", string(r)),
            None => "exit".to_string(),
        },
    };
    match &node.label {
        Some(label) => format!("{label}: {head}"),
        None => head,
    }
}

/// A duration in words for messages: `4d`, `2d 3h`, `0m`.
pub fn span_of_time(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    match (days, rest) {
        (0, 0) => "no time".to_string(),
        (0, r) => ir::Duration { seconds: r }.to_text(),
        (d, 0) => format!("{d}d"),
        (d, r) => format!("{d}d {}", ir::Duration { seconds: r }.to_text()),
    }
}

/// `day 0`, `day 2`, `day 2 + 3h`: a time since entry.
pub fn day(seconds: u64) -> String {
    let days = seconds / 86_400;
    match seconds % 86_400 {
        0 => format!("day {days}"),
        r => format!("day {days} + {}", ir::Duration { seconds: r }.to_text()),
    }
}

/// `1st`, `2nd`, `3rd`, `11th`.
pub fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .iter()
            .map(|&n| ordinal(n))
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }

    #[test]
    fn times() {
        assert_eq!(day(0), "day 0");
        assert_eq!(day(2 * 86_400), "day 2");
        assert_eq!(day(2 * 86_400 + 3 * 3_600), "day 2 + 3h");
        assert_eq!(span_of_time(4 * 86_400), "4d");
        assert_eq!(span_of_time(90 * 60), "90m");
        assert_eq!(span_of_time(0), "no time");
    }

    #[test]
    fn strings_and_numbers() {
        assert_eq!(string("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(number(40.0), "40");
        assert_eq!(number(2.5), "2.5");
    }
}
