//! Property tests over generated, well-formed projects: random mixes of every
//! flow statement with labels and nested blocks, conditions from a
//! vocabulary, emails defined for every send, goals, suppression, scoring,
//! spread over several files. For each project:
//!
//! - it compiles without an error (the generator only writes sound
//!   campaigns; a failure shows a shrunk project that a check rejects);
//! - every invariant of the fuzz target holds (`fuzz/src/invariants.rs`): no
//!   panic, labels within their files, every format renders, every output
//!   validates against the IR schema, two compilations are identical;
//! - the same files in another order give byte-identical outputs and the
//!   same diagnostics.
//!
//! 24 cases by default (each runs every backend twice over two file orders);
//! set `NURTUREC_PROPTEST_CASES` for more.

use crate::invariants;
use proptest::prelude::*;
use proptest::sample::Index;
use std::fmt::Write;

/// Contact properties; `title`, `stage`, `source` and `from` are keywords
/// elsewhere and must stay usable here.
const PROPERTIES: &[&str] = &[
    "role",
    "title",
    "stage",
    "source",
    "from",
    "industry",
    "country",
    "company_size",
    "plan",
];
const FLAGS: &[&str] = &["customer", "churned", "vip", "partner"];
const STRINGS: &[&str] = &[
    "cto",
    "engineer",
    "saas",
    "fintech",
    "de",
    "{{ first_name }}",
    "a \\\"quoted\\\" word",
    "caf\u{e9} \\u{1F600}",
];
const IDS: &[&str] = &[
    "monitoring-101",
    "pricing-guide",
    "/pricing",
    "/docs/start",
    "beta",
];
const UNITS: &[char] = &['m', 'h', 'd', 'w'];

// ───────────────────────────── the model ─────────────────────────────

#[derive(Debug, Clone)]
enum Literal {
    Text(usize),
    Number(i64),
}

#[derive(Debug, Clone)]
enum Cond {
    Flag(usize),
    Equal {
        property: usize,
        negated: bool,
        value: Literal,
    },
    Order {
        property: usize,
        op: usize,
        number: i64,
    },
    Member {
        property: usize,
        negated: bool,
        values: Vec<usize>,
    },
    InSegment(Index),
    /// An event of the catalogue: `kind` picks it, `arg` its argument.
    Event {
        kind: usize,
        arg: Index,
        within: Option<u32>,
    },
    Inactive(u32),
    Score {
        component: bool,
        at_least: u8,
    },
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

#[derive(Debug, Clone)]
enum Stmt {
    Send(Index),
    Wait {
        amount: u16,
        unit: usize,
        until: Option<Cond>,
    },
    Branch {
        arms: Vec<(Cond, Vec<Labelled>)>,
        otherwise: Option<Vec<Labelled>>,
    },
    Split(Vec<(u8, Vec<Labelled>)>),
    Set {
        property: usize,
        value: Literal,
    },
    Notify {
        address: bool,
        team: usize,
    },
    Handoff {
        note: bool,
        task_due: Option<u16>,
    },
    Enroll(Index),
    Goto(Index),
    Exit(Option<usize>),
}

#[derive(Debug, Clone)]
struct Labelled {
    label: bool,
    stmt: Stmt,
}

#[derive(Debug, Clone)]
struct Campaign {
    title: bool,
    triggers: Vec<(usize, Index, Option<Cond>)>,
    audience: Option<Cond>,
    goals: Vec<Cond>,
    suppress_extra: Vec<usize>,
    cap: Option<u8>,
    reentry: u8,
    flow: Vec<Labelled>,
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    segments: Vec<Cond>,
    emails: Vec<(bool, bool)>,
    scoring: bool,
    campaigns: Vec<Campaign>,
    /// Which file each item goes to, and how many files there are.
    files: usize,
    placement: Vec<Index>,
    /// Another order of the files, for the order-independence property.
    shuffle: Vec<Index>,
    /// Caps that the flows can break (a few emails per a few days), for the
    /// simulator cross-check; otherwise caps no flow reaches.
    tight_caps: bool,
}

// ──────────────────────────── strategies ─────────────────────────────

fn literal() -> BoxedStrategy<Literal> {
    prop_oneof![
        (0..STRINGS.len()).prop_map(Literal::Text),
        (-1000i64..100_000).prop_map(Literal::Number),
    ]
    .boxed()
}

fn leaf_condition() -> BoxedStrategy<Cond> {
    prop_oneof![
        (0..FLAGS.len()).prop_map(Cond::Flag),
        (0..PROPERTIES.len(), any::<bool>(), literal()).prop_map(|(property, negated, value)| {
            Cond::Equal {
                property,
                negated,
                value,
            }
        }),
        (0..PROPERTIES.len(), 0..4usize, 0i64..5000).prop_map(|(property, op, number)| {
            Cond::Order {
                property,
                op,
                number,
            }
        }),
        (
            0..PROPERTIES.len(),
            any::<bool>(),
            prop::collection::vec(0..STRINGS.len(), 0..4)
        )
            .prop_map(|(property, negated, values)| Cond::Member {
                property,
                negated,
                values
            }),
        any::<Index>().prop_map(Cond::InSegment),
        (0..EVENTS.len(), any::<Index>(), prop::option::of(1u32..60))
            .prop_map(|(kind, arg, within)| Cond::Event { kind, arg, within }),
        (1u32..365).prop_map(Cond::Inactive),
        (any::<bool>(), 0u8..=15).prop_map(|(component, at_least)| Cond::Score {
            component,
            at_least
        }),
    ]
    .boxed()
}

fn condition() -> BoxedStrategy<Cond> {
    leaf_condition()
        .prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
                prop::collection::vec(inner, 2..4).prop_map(Cond::Or),
            ]
        })
        .boxed()
}

fn leaf_statement() -> BoxedStrategy<Stmt> {
    prop_oneof![
        4 => any::<Index>().prop_map(Stmt::Send),
        3 => (1u16..500, 0..UNITS.len(), prop::option::of(condition()))
            .prop_map(|(amount, unit, until)| Stmt::Wait { amount, unit, until }),
        1 => (0..PROPERTIES.len(), literal()).prop_map(|(property, value)| Stmt::Set { property, value }),
        1 => (any::<bool>(), 0..3usize).prop_map(|(address, team)| Stmt::Notify { address, team }),
        1 => (any::<bool>(), prop::option::of(1u16..30))
            .prop_map(|(note, task_due)| Stmt::Handoff { note, task_due }),
        1 => any::<Index>().prop_map(Stmt::Enroll),
        1 => any::<Index>().prop_map(Stmt::Goto),
        1 => prop::option::of(0..STRINGS.len()).prop_map(Stmt::Exit),
    ]
    .boxed()
}

fn labelled(stmt: BoxedStrategy<Stmt>) -> BoxedStrategy<Labelled> {
    (prop::bool::weighted(0.2), stmt)
        .prop_map(|(label, stmt)| Labelled { label, stmt })
        .boxed()
}

fn statement() -> BoxedStrategy<Stmt> {
    leaf_statement()
        .prop_recursive(3, 24, 4, |inner| {
            let block = prop::collection::vec(labelled(inner.boxed()), 0..4);
            prop_oneof![
                (
                    prop::collection::vec((condition(), block.clone()), 1..4),
                    prop::option::of(block.clone())
                )
                    .prop_map(|(arms, otherwise)| Stmt::Branch { arms, otherwise }),
                prop::collection::vec((1u8..100, block), 1..4).prop_map(Stmt::Split),
            ]
        })
        .boxed()
}

fn campaign() -> impl Strategy<Value = Campaign> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                0..EVENTS.len(),
                any::<Index>(),
                prop::option::of(condition()),
            ),
            1..3,
        ),
        prop::option::of(condition()),
        prop::collection::vec(condition(), 1..3),
        prop::collection::vec(0..3usize, 0..3),
        prop::option::of(1u8..72),
        0u8..3,
        prop::collection::vec(labelled(statement()), 1..8),
    )
        .prop_map(
            |(title, triggers, audience, goals, suppress_extra, cap, reentry, flow)| Campaign {
                title,
                triggers,
                audience,
                goals,
                suppress_extra,
                cap,
                reentry,
                flow,
            },
        )
}

pub(crate) fn project() -> impl Strategy<Value = Project> {
    (
        prop::collection::vec(condition(), 0..4),
        prop::collection::vec((any::<bool>(), any::<bool>()), 1..5),
        any::<bool>(),
        prop::collection::vec(campaign(), 1..4),
        1usize..4,
        prop::collection::vec(any::<Index>(), 16),
        prop::collection::vec(any::<Index>(), 4),
    )
        .prop_map(
            |(segments, emails, scoring, campaigns, files, placement, shuffle)| Project {
                segments,
                emails,
                scoring,
                campaigns,
                files,
                placement,
                shuffle,
                tight_caps: false,
            },
        )
}

/// Projects whose caps the flows can break: what `check` accepts of them
/// must keep its caps when simulated.
pub(crate) fn project_with_tight_caps() -> impl Strategy<Value = Project> {
    project().prop_map(|p| Project {
        tight_caps: true,
        ..p
    })
}

// ───────────────────────────── rendering ─────────────────────────────

/// The catalogue: (name, argument: 0 none, 1 optional id, 2 optional email,
/// 3 segment, 4 custom name).
const EVENTS: &[(&str, u8)] = &[
    ("form.submitted", 1),
    ("content.downloaded", 1),
    ("webinar.registered", 1),
    ("webinar.attended", 1),
    ("list.joined", 1),
    ("lifecycle.changed", 1),
    ("page.visited", 1),
    ("email.opened", 2),
    ("email.clicked", 2),
    ("email.replied", 0),
    ("email.bounced", 0),
    ("email.unsubscribed", 0),
    ("demo.requested", 0),
    ("meeting.booked", 0),
    ("trial.started", 0),
    ("segment.entered", 3),
    ("event", 4),
];

/// What names a condition may refer to where it is written.
#[derive(Clone, Copy)]
struct Scope {
    /// Segments defined so far may be used (earlier ones only, so segments
    /// never define each other in a cycle).
    segments: usize,
    emails: usize,
    scoring: bool,
}

fn text(i: usize) -> String {
    format!("\"{}\"", STRINGS[i % STRINGS.len()])
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Text(i) => text(*i),
        Literal::Number(n) => n.to_string(),
    }
}

fn event_text(kind: usize, arg: Index, scope: Scope) -> String {
    let (name, takes) = EVENTS[kind % EVENTS.len()];
    let pick = arg.index(16);
    match takes {
        1 if pick % 3 != 0 => format!("{name}(\"{}\")", IDS[pick % IDS.len()]),
        2 if pick % 3 != 0 && scope.emails > 0 => {
            format!("{name}(mail_{})", arg.index(scope.emails))
        }
        3 if scope.segments > 0 => format!("{name}(aud_{})", arg.index(scope.segments)),
        3 => "demo.requested".to_string(),
        4 => format!("event(\"Custom {pick}\")"),
        _ => name.to_string(),
    }
}

fn condition_text(c: &Cond, scope: Scope) -> String {
    let operand = |c: &Cond| match c {
        Cond::And(_) | Cond::Or(_) => format!("({})", condition_text(c, scope)),
        _ => condition_text(c, scope),
    };
    match c {
        Cond::Flag(i) => FLAGS[*i].to_string(),
        Cond::Equal {
            property,
            negated,
            value,
        } => format!(
            "{} {} {}",
            PROPERTIES[*property],
            if *negated { "!=" } else { "==" },
            literal_text(value)
        ),
        Cond::Order {
            property,
            op,
            number,
        } => {
            format!(
                "{} {} {number}",
                PROPERTIES[*property],
                [">=", "<=", ">", "<"][*op]
            )
        }
        Cond::Member {
            property,
            negated,
            values,
        } => format!(
            "{}{} in [{}]",
            PROPERTIES[*property],
            if *negated { " not" } else { "" },
            values
                .iter()
                .map(|v| text(*v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Cond::InSegment(i) if scope.segments > 0 => format!("in aud_{}", i.index(scope.segments)),
        Cond::InSegment(_) => "customer".to_string(),
        Cond::Event { kind, arg, within } => {
            let event = event_text(*kind, *arg, scope);
            match within {
                Some(days) => format!("{event} within {days}d"),
                None => event,
            }
        }
        Cond::Inactive(days) => format!("inactive {days}d"),
        // `fit` has +15 from `if` rules and no `on` rule: asking for more
        // than 15 would be an unreachable threshold.
        Cond::Score {
            component,
            at_least,
        } if scope.scoring => {
            if *component {
                format!("score.fit >= {at_least}")
            } else {
                format!("score >= {}", u32::from(*at_least) * 7)
            }
        }
        Cond::Score { .. } => "vip".to_string(),
        Cond::Not(inner) => format!("not {}", operand(inner)),
        Cond::And(items) => items.iter().map(operand).collect::<Vec<_>>().join(" and "),
        Cond::Or(items) => items.iter().map(operand).collect::<Vec<_>>().join(" or "),
    }
}

/// Whether no path through the statement continues after it.
fn ends_path(s: &Stmt) -> bool {
    match s {
        Stmt::Handoff { .. } | Stmt::Enroll(_) | Stmt::Goto(_) | Stmt::Exit(_) => true,
        Stmt::Branch { arms, otherwise } => {
            otherwise.as_ref().is_some_and(|b| ends_block(b))
                && arms.iter().all(|(_, b)| ends_block(b))
        }
        Stmt::Split(arms) => arms.iter().all(|(_, b)| ends_block(b)),
        _ => false,
    }
}

fn ends_block(b: &[Labelled]) -> bool {
    b.last().is_some_and(|l| ends_path(&l.stmt))
}

/// Cuts each block after its first statement that ends every path (what
/// follows could never run), and makes every split add up to 100%.
fn tidy(block: &mut Vec<Labelled>) {
    for l in block.iter_mut() {
        match &mut l.stmt {
            Stmt::Branch { arms, otherwise } => {
                arms.iter_mut().for_each(|(_, b)| tidy(b));
                if let Some(b) = otherwise {
                    tidy(b);
                }
            }
            Stmt::Split(arms) => {
                arms.iter_mut().for_each(|(_, b)| tidy(b));
                let n = arms.len() as u8;
                let first = 100 - (n - 1) * (100 / n);
                for (i, (share, _)) in arms.iter_mut().enumerate() {
                    *share = if i == 0 { first } else { 100 / n };
                }
            }
            _ => {}
        }
    }
    if let Some(end) = block.iter().position(|l| ends_path(&l.stmt)) {
        block.truncate(end + 1);
    }
}

fn collect_labels(block: &[Labelled], next: &mut usize) {
    for l in block {
        if l.label {
            *next += 1;
        }
        match &l.stmt {
            Stmt::Branch { arms, otherwise } => {
                arms.iter().for_each(|(_, b)| collect_labels(b, next));
                if let Some(b) = otherwise {
                    collect_labels(b, next);
                }
            }
            Stmt::Split(arms) => arms.iter().for_each(|(_, b)| collect_labels(b, next)),
            _ => {}
        }
    }
}

struct FlowWriter<'a> {
    scope: Scope,
    campaign: usize,
    campaigns: usize,
    labels: usize,
    next_label: usize,
    out: &'a mut String,
}

impl FlowWriter<'_> {
    fn block(&mut self, block: &[Labelled], depth: usize) {
        for l in block {
            self.statement(l, depth);
        }
    }

    fn statement(&mut self, l: &Labelled, depth: usize) {
        let pad = "  ".repeat(depth);
        let label = if l.label {
            let name = format!("step_{}: ", self.next_label);
            self.next_label += 1;
            name
        } else {
            String::new()
        };
        let scope = self.scope;
        let out = &mut *self.out;
        match &l.stmt {
            Stmt::Send(i) => {
                let _ = writeln!(out, "{pad}{label}send mail_{}", i.index(scope.emails));
            }
            Stmt::Wait {
                amount,
                unit,
                until,
            } => {
                let _ = write!(out, "{pad}{label}wait {amount}{}", UNITS[*unit]);
                if let Some(c) = until {
                    let _ = write!(out, " or until {}", condition_text(c, scope));
                }
                out.push('\n');
                // The tests that settle the wait: an arm on the condition
                // that ends its path, or a send under `when not`.
                if let Some(c) = until {
                    let c = condition_text(c, scope);
                    match amount % 3 {
                        0 => {
                            let _ = writeln!(out, "{pad}branch {{ when {c} {{ exit }} }}");
                        }
                        1 if scope.emails > 0 => {
                            let _ = writeln!(
                                out,
                                "{pad}branch {{ when not ({c}) {{ send mail_{} }} }}",
                                usize::from(*amount) % scope.emails
                            );
                        }
                        _ => {}
                    }
                }
            }
            Stmt::Set { property, value } => {
                let _ = writeln!(
                    out,
                    "{pad}{label}set {} = {}",
                    PROPERTIES[*property],
                    literal_text(value)
                );
            }
            Stmt::Notify { address, team } => {
                let to = if *address {
                    format!("\"team{team}@example.com\"")
                } else {
                    ["sales_ops", "owner", "marketing"][*team].to_string()
                };
                let _ = writeln!(
                    out,
                    "{pad}{label}notify {to} \"Lead reached step {}\"",
                    self.next_label
                );
            }
            Stmt::Handoff { note, task_due } => {
                let _ = write!(out, "{pad}{label}handoff sales");
                if *note || task_due.is_some() {
                    out.push_str(" {");
                    if *note {
                        out.push_str(" note \"Engaged: open with the last email.\"");
                    }
                    if let Some(days) = task_due {
                        let _ = write!(out, " task \"Call\" due {days}d");
                    }
                    out.push_str(" }");
                }
                out.push('\n');
            }
            Stmt::Enroll(i) if self.campaigns > 1 => {
                let mut target = i.index(self.campaigns - 1);
                if target >= self.campaign {
                    target += 1;
                }
                // An enroll back to an earlier campaign waits a day first,
                // so every cycle of enrolls waits (`loop-without-wait`);
                // one forward goes on at once.
                if target < self.campaign {
                    let _ = writeln!(out, "{pad}{label}wait 1d");
                    let _ = writeln!(out, "{pad}enroll flow_{target}");
                } else {
                    let _ = writeln!(out, "{pad}{label}enroll flow_{target}");
                }
            }
            // A `goto` waits a day first, so every loop waits; the label
            // goes on the wait, so no other `goto` can skip it.
            Stmt::Goto(i) if self.labels > 0 => {
                let _ = writeln!(out, "{pad}{label}wait 1d");
                let _ = writeln!(out, "{pad}goto step_{}", i.index(self.labels));
            }
            Stmt::Enroll(_) | Stmt::Goto(_) | Stmt::Exit(None) => {
                let _ = writeln!(out, "{pad}{label}exit");
            }
            Stmt::Exit(Some(reason)) => {
                let _ = writeln!(out, "{pad}{label}exit {}", text(*reason));
            }
            Stmt::Branch { arms, otherwise } => {
                let _ = writeln!(out, "{pad}{label}branch {{");
                for (c, b) in arms {
                    let _ = writeln!(self.out, "{pad}  when {} {{", condition_text(c, scope));
                    self.block(b, depth + 2);
                    let _ = writeln!(self.out, "{pad}  }}");
                }
                if let Some(b) = otherwise {
                    let _ = writeln!(self.out, "{pad}  else {{");
                    self.block(b, depth + 2);
                    let _ = writeln!(self.out, "{pad}  }}");
                }
                let _ = writeln!(self.out, "{pad}}}");
            }
            Stmt::Split(arms) => {
                let _ = writeln!(out, "{pad}{label}split {{");
                for (share, b) in arms {
                    let _ = writeln!(self.out, "{pad}  {share}% {{");
                    self.block(b, depth + 2);
                    let _ = writeln!(self.out, "{pad}  }}");
                }
                let _ = writeln!(self.out, "{pad}}}");
            }
        }
    }
}

/// The project as `(file name, text)` pairs.
pub(crate) fn render(p: &Project) -> Vec<(String, String)> {
    let mut items: Vec<String> = Vec::new();
    let all = Scope {
        segments: p.segments.len(),
        emails: p.emails.len(),
        scoring: p.scoring,
    };
    for (i, c) in p.segments.iter().enumerate() {
        let scope = Scope { segments: i, ..all };
        items.push(format!("segment aud_{i} = {}\n", condition_text(c, scope)));
    }
    for (i, (stage, preview)) in p.emails.iter().enumerate() {
        let mut e = format!("email mail_{i} {{\n  subject \"Step {i} for {{{{ company }}}}\"\n  template \"nurture/step-{i}\"\n");
        if *stage {
            e.push_str("  stage consideration\n");
        }
        if *preview {
            e.push_str("  preview \"A short preheader\"\n");
        }
        e.push_str("}\n");
        items.push(e);
    }
    if p.scoring {
        items.push(
            "scoring model_0 {\n  fit {\n    +10 if industry in [\"saas\", \"fintech\"]\n    +5 if company_size >= 200\n    -20 if role == \"student\"\n  }\n  behavior {\n    +35 on page.visited(\"/pricing\")\n    +10 on email.replied\n    -15 on inactive 60d\n  }\n}\n"
                .to_string(),
        );
    }
    for (i, c) in p.campaigns.iter().enumerate() {
        let mut flow = c.flow.clone();
        tidy(&mut flow);
        // With tight caps, a flow that would fall off its end enrolls into
        // the next campaign at once: caps across `enroll` get exercised.
        let tail_enroll = p.tight_caps && i + 1 < p.campaigns.len() && !ends_block(&flow);
        if !ends_block(&flow) && !tail_enroll {
            flow.push(Labelled {
                label: false,
                stmt: Stmt::Exit(None),
            });
        }
        let mut labels = 0;
        collect_labels(&flow, &mut labels);
        let mut out = format!("campaign flow_{i} {{\n");
        if c.title {
            let _ = writeln!(out, "  title \"Campaign {i}\"");
        }
        // With tight caps the leads should get far: no `where`, audience
        // or goal that most leads meet at entry.
        for (kind, arg, filter) in &c.triggers {
            let _ = write!(out, "  trigger {}", event_text(*kind, *arg, all));
            if let Some(f) = filter.as_ref().filter(|_| !p.tight_caps) {
                let _ = write!(out, " where {}", condition_text(f, all));
            }
            out.push('\n');
        }
        if let Some(a) = c.audience.as_ref().filter(|_| !p.tight_caps) {
            let _ = writeln!(out, "  audience {}", condition_text(a, all));
        }
        for (g, condition) in c.goals.iter().enumerate() {
            let condition = match p.tight_caps {
                true => "meeting.booked".to_string(),
                false => condition_text(condition, all),
            };
            let _ = writeln!(out, "  goal goal_{g} when {condition}");
        }
        let extra: String = c
            .suppress_extra
            .iter()
            .map(|e| [" or bounced", " or complained", " or email.bounced"][*e])
            .collect();
        let _ = writeln!(out, "  suppress when unsubscribed{extra}");
        // Far more sends than any campaign has, in an hour: never exceeded,
        // since every loop waits a day.
        match c.cap {
            // Every campaign capped, some tightly.
            _ if p.tight_caps => {
                let n = c.cap.unwrap_or(7);
                let _ = writeln!(out, "  cap {} emails per {}d", 1 + n % 4, 1 + n % 5);
            }
            Some(n) => {
                let _ = writeln!(out, "  cap {} emails per 1h", u32::from(n) + 200);
            }
            None => {}
        }
        match c.reentry {
            0 => {}
            1 => out.push_str("  reentry always\n"),
            _ => out.push_str("  reentry after 30d\n"),
        }
        let mut writer = FlowWriter {
            scope: all,
            campaign: i,
            campaigns: p.campaigns.len(),
            labels,
            next_label: 0,
            out: &mut out,
        };
        writer.block(&flow, 1);
        if tail_enroll {
            let _ = writeln!(out, "  enroll flow_{}", i + 1);
        }
        out.push_str("}\n");
        items.push(out);
    }
    let mut files = vec![String::new(); p.files];
    for (i, item) in items.iter().enumerate() {
        let file = p.placement[i % p.placement.len()].index(p.files);
        files[file].push_str(item);
        files[file].push('\n');
    }
    files
        .into_iter()
        .enumerate()
        .map(|(i, text)| (format!("gen/file_{i}.nurture"), text))
        .collect()
}

pub(crate) fn source_map(files: &[(String, String)]) -> nurturec::SourceMap {
    let mut sources = nurturec::SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    sources
}

pub(crate) fn listing(files: &[(String, String)]) -> String {
    files
        .iter()
        .map(|(name, text)| format!("// ── {name}\n{text}"))
        .collect()
}

/// Diagnostics as `(file, start, code, message)`, sorted: what must not
/// depend on the order the files are read in.
fn diagnostic_set(
    c: &nurturec::Compilation,
    sources: &nurturec::SourceMap,
) -> Vec<(String, usize, String, String)> {
    let mut out: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| {
            (
                sources.name(d.primary.span.file).to_string(),
                d.primary.span.start,
                d.code.to_string(),
                d.message.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

pub(crate) fn cases() -> u32 {
    std::env::var("NURTUREC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_projects_compile_soundly_and_deterministically(p in project()) {
        let files = render(&p);
        let sources = source_map(&files);

        let compilation = nurturec::compile(&sources);
        prop_assert!(
            !compilation.has_errors(),
            "a generated project has errors:\n{}\n{}",
            nurturec::diagnostics::render::short(&compilation.diagnostics, &sources),
            listing(&files)
        );
        // No panic, labels in range, every format renders, outputs valid
        // against the schema, deterministic.
        invariants::check_project(&sources);
        let outputs = invariants::all_backends(&compilation, &sources);
        let ir_files = outputs.iter().filter(|f| f.path.starts_with("ir/")).count();
        prop_assert_eq!(ir_files, p.campaigns.len());

        // The same files in another order: the same bytes for every output.
        let mut order: Vec<usize> = (0..files.len()).collect();
        for (i, pick) in p.shuffle.iter().enumerate().take(files.len()) {
            let j = i + pick.index(files.len() - i);
            order.swap(i, j);
        }
        let shuffled: Vec<_> = order.iter().map(|&i| files[i].clone()).collect();
        let other_sources = source_map(&shuffled);
        let other = nurturec::compile(&other_sources);
        let mut a: Vec<_> = outputs.iter().map(|f| (f.path.clone(), f.contents.clone())).collect();
        let mut b: Vec<_> = invariants::all_backends(&other, &other_sources)
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect();
        a.sort();
        b.sort();
        prop_assert!(a == b, "outputs depend on the order of the files {:?}", order);
        prop_assert_eq!(
            diagnostic_set(&compilation, &sources),
            diagnostic_set(&other, &other_sources)
        );
    }

    /// Breaking one item of a generated project yields exactly one syntax
    /// error, and no diagnostic that the project did not have already: the
    /// rest of the file and the other files are read as before.
    #[test]
    fn a_syntax_error_raises_nothing_else(p in project(), file in any::<Index>(), item in any::<Index>()) {
        let files = render(&p);
        let before = nurturec::compile(&source_map(&files));
        let f = file.index(files.len());
        let Some(at) = breaking_point(&files[f].1, item) else {
            return Ok(());
        };
        const INSERTED: &str = " @";
        let mut broken = files.clone();
        broken[f].1.insert_str(at, INSERTED);
        let sources = source_map(&broken);
        let after = nurturec::compile(&sources);

        let syntax: Vec<_> = after.diagnostics.iter().filter(|d| d.code == nurturec::Code::Syntax).collect();
        prop_assert_eq!(syntax.len(), 1, "{}", nurturec::diagnostics::render::short(&after.diagnostics, &sources));
        prop_assert_eq!(syntax[0].primary.span.start, at + 1);

        let known: Vec<(u32, usize, nurturec::Code)> = before
            .diagnostics
            .iter()
            .map(|d| (d.primary.span.file.0, d.primary.span.start, d.code))
            .collect();
        for d in after.diagnostics.iter().filter(|d| d.code != nurturec::Code::Syntax) {
            let span = d.primary.span;
            let start = if span.file.0 as usize == f && span.start > at {
                span.start - INSERTED.len()
            } else {
                span.start
            };
            prop_assert!(
                known.contains(&(span.file.0, start, d.code)),
                "a diagnostic that follows from the syntax error:\n{}\n{}",
                nurturec::diagnostics::render::short(std::slice::from_ref(d), &sources),
                listing(&broken)
            );
        }
    }
}

#[test]
fn the_generator_writes_every_statement_kind() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut text = String::new();
    for _ in 0..64 {
        let p = project().new_tree(&mut runner).unwrap().current();
        text.extend(render(&p).into_iter().map(|(_, t)| t));
    }
    for word in [
        "send ",
        "wait ",
        "or until ",
        "branch {",
        "else {",
        "split {",
        "set ",
        "notify ",
        "handoff sales",
        "note \"",
        "enroll ",
        "goto ",
        "exit",
        "step_",
        "in aud_",
        "within ",
        "score.fit >= ",
        "not ",
        " and ",
        " or ",
        "segment.entered(aud_",
        "email.clicked(mail_",
        "cap ",
        "reentry after",
        "audience ",
        "where ",
    ] {
        assert!(text.contains(word), "the generator never writes `{word}`");
    }
}

/// Where to break item `pick` of a file: just after its name, where `@` can
/// never parse. `None` for a file with no item.
fn breaking_point(text: &str, pick: Index) -> Option<usize> {
    use nurturec::syntax::scan::{tokens, Token};
    let starts: Vec<usize> = nurturec::syntax::recover::item_ranges(text)
        .into_iter()
        .map(|r| r.start)
        .filter(|&s| {
            matches!(
                tokens(&text[s..]).next(),
                Some(Token::Word { start: 0, .. })
            )
        })
        .collect();
    if starts.is_empty() {
        return None;
    }
    let start = starts[pick.index(starts.len())];
    let name_end = tokens(&text[start..])
        .filter_map(|t| match t {
            Token::Word { end, .. } => Some(end),
            _ => None,
        })
        .nth(1)?;
    Some(start + name_end)
}
