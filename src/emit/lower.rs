//! The platform-neutral lowering of a campaign's flow, shared by every
//! platform backend: one walk of the IR graph that yields [`Step`]s (send,
//! delay, poll-until, choice, sample, effects, jumps, exits) linked by typed
//! [`Origin`]s, and the [`Platform`] interface each backend implements for
//! conditions, steps and documents.
//!
//! Two shapes of the same walk ([`Shape`]): platforms whose graphs cannot
//! loop (Klaviyo, HubSpot) get the flow unrolled ([`super::unroll`]), with
//! `goto` and `exit` resolved away; platforms with real jumps (Step
//! Functions) get every reachable node once, `goto` and `exit` included.

use super::unroll::{Next, Unrolled};
use crate::ir::{
    Condition, Duration, Event, EventArgument, EventKind, EventSource, Flow, Node, NodeId,
    NodeKind, Project, Recipient, Target, Task, Trigger, Value as IrValue,
};
use crate::span::Span;
use foldhash::HashMap;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The events `inactive <duration>` means the absence of.
pub(crate) const ENGAGEMENT: [EventKind; 3] = [
    EventKind::EmailOpened,
    EventKind::EmailClicked,
    EventKind::PageVisited,
];

/// The most time delays one `wait … or until …` becomes on a platform that
/// polls with a check before every delay.
pub(crate) const MAX_POLLS: u64 = 14;

/// What an output node lowers: a place (an IR node copy, or a
/// campaign-level part) and the roles of a helper node there, outermost
/// first (`3/check1/route`: the choice after the first check of node 3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub place: Place,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// An IR node (by id); `copy` counts the loop back edges taken to reach
    /// it (0 for the first copy).
    Node {
        id: String,
        copy: u32,
    },
    Campaign(CampaignPart),
}

/// Campaign-level output nodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CampaignPart {
    /// Admission: trigger, its filter, audience, re-entry.
    Entry,
    /// The campaign's data (goal and suppression checks, segments).
    Campaign,
    NotAdmitted,
    FellOff,
    Goal(String),
    Suppressed,
    /// The start of handler `n` (from 1): marks it run, then its block. A
    /// guard route like the ends, but not an end.
    Handler(usize),
    /// The last step of every path of a workflow that records its leads
    /// leaving (HubSpot, for handlers): an end.
    Left,
    // ── Step Functions' continuation in a new execution (`asl.rs`) ──
    /// Whether the execution starts the run or resumes it.
    Start,
    /// A new run: its start time and round count.
    Run,
    /// A resumed run: its state from the input, then the resume point.
    Resume,
    /// A resume point the machine does not have.
    UnknownResume,
    /// The run goes on in a new execution.
    Continued,
}

/// A helper node a lowering adds to a place; numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The n-th check of a poll.
    Check(usize),
    /// The n-th delay of a poll.
    Wait(usize),
    /// The n-th `when` arm of a chained choice.
    When(usize),
    /// The n-th arm of a chained sample.
    Arm(usize),
    /// The n-th task of a handoff.
    Task(usize),
    /// The CRM webhook of a handoff.
    Crm,
    /// The choice after an evaluation.
    Route,
    /// The effect itself after the checks before it (`send`, `set`, ...).
    Effect(&'static str),
    /// The wait for a send window's next opening before a send.
    WindowWait,
    /// After that wait: where the send's checks start.
    WindowOpen,
    /// A loop's `goto` starting a new execution at its label (Step Functions).
    Continue,
    /// Restoring the handlers' state of a resumed run (Step Functions).
    Handled,
}

impl Origin {
    pub fn node(id: &str, copy: u32) -> Origin {
        Origin {
            place: Place::Node {
                id: id.to_string(),
                copy,
            },
            roles: Vec::new(),
        }
    }

    pub fn campaign(part: CampaignPart) -> Origin {
        Origin {
            place: Place::Campaign(part),
            roles: Vec::new(),
        }
    }

    /// The helper node `role` of this node.
    pub fn with(&self, role: Role) -> Origin {
        let mut roles = self.roles.clone();
        roles.push(role);
        Origin {
            place: self.place.clone(),
            roles,
        }
    }

    /// The IR node id this lowers, if it lowers one.
    pub fn node_id(&self) -> Option<&str> {
        match &self.place {
            Place::Node { id, .. } => Some(id),
            Place::Campaign(_) => None,
        }
    }

    pub fn is(&self, part: &CampaignPart) -> bool {
        self.roles.is_empty() && matches!(&self.place, Place::Campaign(p) if p == part)
    }

    /// The text form, built without the formatting machinery: every
    /// Klaviyo action and link is named by it, and `to_string` was 6% of a
    /// Klaviyo build (callgrind, 10k bench).
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(24);
        match &self.place {
            Place::Node { id, copy } => {
                out.push_str(id);
                if *copy > 0 {
                    out.push('#');
                    crate::decimal::push(&mut out, u64::from(*copy) + 1);
                }
            }
            Place::Campaign(part) => match part {
                CampaignPart::Goal(name) => {
                    out.push_str("(goal ");
                    out.push_str(name);
                    out.push(')');
                }
                CampaignPart::Handler(n) => {
                    out.push_str("(on");
                    crate::decimal::push(&mut out, *n as u64);
                    out.push(')');
                }
                CampaignPart::Entry => out.push_str("(entry)"),
                CampaignPart::Campaign => out.push_str("(campaign)"),
                CampaignPart::NotAdmitted => out.push_str("(not admitted)"),
                CampaignPart::FellOff => out.push_str("(fell off)"),
                CampaignPart::Suppressed => out.push_str("(suppressed)"),
                CampaignPart::Left => out.push_str("(left)"),
                CampaignPart::Start => out.push_str("(start)"),
                CampaignPart::Run => out.push_str("(run)"),
                CampaignPart::Resume => out.push_str("(resume)"),
                CampaignPart::UnknownResume => out.push_str("(unknown resume point)"),
                CampaignPart::Continued => out.push_str("(continued)"),
            },
        }
        for role in &self.roles {
            let (name, number) = match role {
                Role::Check(n) => ("/check", Some(*n)),
                Role::Wait(n) => ("/wait", Some(*n)),
                Role::When(n) => ("/when", Some(*n)),
                Role::Arm(n) => ("/arm", Some(*n)),
                Role::Task(n) => ("/task", Some(*n)),
                Role::Crm => ("/crm", None),
                Role::Route => ("/route", None),
                Role::Effect(effect) => {
                    out.push('/');
                    (*effect, None)
                }
                Role::WindowWait => ("/window-wait", None),
                Role::WindowOpen => ("/window-open", None),
                Role::Continue => ("/continue", None),
                Role::Handled => ("/handled", None),
            };
            out.push_str(name);
            if let Some(n) = number {
                crate::decimal::push(&mut out, n as u64);
            }
        }
        out
    }
}

/// The text form: `3`, `digest#2`, `3/poll2`, `(goal demo_booked)`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Where an edge leads: a step's origin, or `None` when the path ends.
pub(crate) type Link = Option<Origin>;

/// The text of a link, for platforms that name nodes by text.
pub(crate) fn link_text(link: &Link) -> Option<String> {
    link.as_ref().map(Origin::text)
}

/// One step of the lowered flow.
pub(crate) struct Step<'a> {
    pub(crate) origin: Origin,
    pub(crate) node: &'a Node,
    pub(crate) kind: StepKind<'a>,
}

pub(crate) enum StepKind<'a> {
    Send {
        email: &'a crate::ir::Ref<crate::ir::EmailId>,
        next: Link,
    },
    Delay {
        duration: Duration,
        next: Link,
    },
    /// Wait at most `duration`, leaving as soon as `until` holds.
    PollUntil {
        duration: Duration,
        until: &'a Condition,
        next: Link,
    },
    /// The first arm whose condition holds, else `otherwise`.
    Choice {
        arms: Vec<(&'a Condition, Link)>,
        otherwise: Link,
        has_else: bool,
    },
    /// A random arm, by percentage.
    Sample {
        arms: Vec<(u64, Link)>,
    },
    Set {
        property: &'a str,
        value: &'a IrValue,
        next: Link,
    },
    Notify {
        recipient: &'a Recipient,
        message: &'a str,
        next: Link,
    },
    /// Ends the lead's run.
    Handoff {
        queue: &'a str,
        notes: &'a [String],
        tasks: &'a [Task],
    },
    /// Ends the lead's run here and starts it in another campaign.
    Enroll {
        campaign: &'a crate::ir::Ref<crate::ir::CampaignId>,
    },
    /// Only in [`Shape::Graph`].
    Jump {
        label: &'a str,
        to: Link,
    },
    /// Only in [`Shape::Graph`].
    Exit {
        reason: Option<&'a str>,
    },
}

/// How the walk treats loops and jumps.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// Loops unrolled to at most `limit` copies; `goto`/`exit` resolved.
    Unrolled { limit: u32 },
    /// Every reachable node once, in node order; the fall-off end is
    /// [`CampaignPart::FellOff`].
    Graph,
}

pub(crate) struct Lowered<'a> {
    pub(crate) steps: Vec<Step<'a>>,
    pub(crate) entry: Link,
    /// Where each handler's block starts, in source order; only in
    /// [`Shape::Graph`] (an unrolled walk follows the main flow only, and
    /// its platforms report handlers as unsupported).
    pub(crate) handlers: Vec<Link>,
}

/// The flow as steps: the one walk every platform backend uses.
pub(crate) fn lower(flow: &Flow, shape: Shape) -> Lowered<'_> {
    match shape {
        Shape::Unrolled { limit } => {
            let u = Unrolled::new(flow, limit);
            let origin_of = |next: Next| match next {
                Next::Instance(i) => u
                    .instances
                    .get(i)
                    .and_then(|inst| flow.node(inst.node).map(|n| (n, inst.depth)))
                    .map(|(n, depth)| Origin::node(&n.id, depth)),
                Next::End => None,
            };
            let mut steps = Vec::new();
            for (i, inst) in u.instances.iter().enumerate() {
                let Some(node) = flow.node(inst.node) else {
                    continue;
                };
                let link = |t: Target| origin_of(u.next(flow, i, t));
                if let Some(kind) = step_kind(node, link) {
                    steps.push(Step {
                        origin: Origin::node(&node.id, inst.depth),
                        node,
                        kind,
                    });
                }
            }
            Lowered {
                steps,
                entry: origin_of(u.entry),
                handlers: Vec::new(),
            }
        }
        Shape::Graph => {
            let link = |t: Target| -> Link {
                Some(match t {
                    Target::Node(i) => flow.node(i).map_or_else(
                        || Origin::campaign(CampaignPart::FellOff),
                        |n| Origin::node(&n.id, 0),
                    ),
                    Target::FallOff => Origin::campaign(CampaignPart::FellOff),
                })
            };
            let reachable = reachable(flow);
            let steps = flow
                .nodes_with_ids()
                .filter(|(id, _)| reachable.contains(id))
                .filter_map(|(_, node)| {
                    step_kind(node, link).map(|kind| Step {
                        origin: Origin::node(&node.id, 0),
                        node,
                        kind,
                    })
                })
                .collect();
            Lowered {
                steps,
                entry: link(flow.entry),
                handlers: flow.handlers.iter().map(|h| link(h.entry)).collect(),
            }
        }
    }
}

/// The step of a node; `link` maps its IR edges. `goto` and `exit` become
/// steps only when `link` keeps them (an unrolled walk never reaches them,
/// as [`Unrolled`] has no instance for them).
fn step_kind<'a>(node: &'a Node, link: impl Fn(Target) -> Link) -> Option<StepKind<'a>> {
    Some(match &node.kind {
        NodeKind::Send { email, next } => StepKind::Send {
            email,
            next: link(*next),
        },
        NodeKind::Wait {
            duration,
            until: None,
            next,
        } => StepKind::Delay {
            duration: *duration,
            next: link(*next),
        },
        NodeKind::Wait {
            duration,
            until: Some(until),
            next,
        } => StepKind::PollUntil {
            duration: *duration,
            until,
            next: link(*next),
        },
        NodeKind::Branch { arms, otherwise } => StepKind::Choice {
            arms: arms
                .iter()
                .map(|a| (&a.condition, link(a.target)))
                .collect(),
            otherwise: link(otherwise.target),
            has_else: otherwise.else_arm.is_some(),
        },
        NodeKind::Split { arms } => StepKind::Sample {
            arms: arms.iter().map(|a| (a.percent, link(a.target))).collect(),
        },
        NodeKind::Set {
            property,
            value,
            next,
        } => StepKind::Set {
            property,
            value,
            next: link(*next),
        },
        NodeKind::Notify {
            recipient,
            message,
            next,
        } => StepKind::Notify {
            recipient,
            message,
            next: link(*next),
        },
        NodeKind::Handoff {
            queue,
            notes,
            tasks,
        } => StepKind::Handoff {
            queue,
            notes,
            tasks,
        },
        NodeKind::Enroll { campaign } => StepKind::Enroll { campaign },
        NodeKind::Goto { label, target } => StepKind::Jump {
            label,
            to: link(target.map_or(Target::FallOff, Target::Node)),
        },
        NodeKind::Exit { reason } => StepKind::Exit {
            reason: reason.as_deref(),
        },
    })
}

/// The nodes reachable from the entry or from a handler's start.
fn reachable(flow: &Flow) -> BTreeSet<NodeId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<NodeId> = std::iter::once(flow.entry)
        .chain(flow.handlers.iter().map(|h| h.entry))
        .filter_map(|t| match t {
            Target::Node(i) => Some(i),
            Target::FallOff => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        let Some(node) = flow.node(id) else {
            continue;
        };
        if seen.insert(id) {
            for t in node.kind.successors() {
                if let Target::Node(j) = t {
                    stack.push(j);
                }
            }
        }
    }
    seen
}

/// What a platform backend provides: its form of a condition, its
/// rendering of each step, and the documents of a campaign.
pub(crate) trait Platform {
    /// A condition as the platform takes it (a formula of filters, a JSON
    /// tree for an evaluating function).
    type Condition;

    /// `c`, or its negation when `positive` is false.
    fn condition(&mut self, c: &Condition, positive: bool) -> Self::Condition;

    /// Adds the platform nodes of one step.
    fn step(&mut self, step: &Step<'_>);

    /// The campaign's files, once every step is added.
    fn documents(&mut self, lowered: &Lowered<'_>) -> Vec<super::Traced>;
}

/// One campaign through a platform: every step, then the documents.
pub(crate) fn emit_campaign<P: Platform>(
    platform: &mut P,
    lowered: &Lowered<'_>,
) -> Vec<super::Traced> {
    for step in &lowered.steps {
        platform.step(step);
    }
    platform.documents(lowered)
}

// ── facts of the campaign that every platform needs ──

/// Where an `enroll <campaign>` first appears, per target campaign: one
/// pass over every node of the project, built once per build, since a
/// lookup per campaign over every node would be quadratic.
pub(crate) type Enrollments<'p> = HashMap<&'p str, Span>;

pub(crate) fn enrollment_index(project: &Project) -> Enrollments<'_> {
    let mut index = Enrollments::default();
    for n in project.campaigns.iter().flat_map(|c| c.flow.nodes.iter()) {
        if let NodeKind::Enroll { campaign } = &n.kind {
            index.entry(campaign.name.as_str()).or_insert(n.head);
        }
    }
    index
}

/// The binding key of an event: its catalogue name, or `event:<name>` for a
/// custom event.
pub(crate) fn event_key(event: &Event) -> String {
    match (&event.kind, &event.argument) {
        (EventKind::Custom, Some(EventArgument::Text(name))) => format!("event:{name}"),
        (kind, _) => kind.name().to_string(),
    }
}

/// A number as JSON: an integer when it is whole.
pub(crate) fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// `total` split into at most `max` near-equal whole parts, larger first.
pub(crate) fn slices(total: u64, max: u64) -> Vec<u64> {
    let n = total.clamp(1, max.max(1));
    let (base, extra) = (total / n, total % n);
    (0..n)
        .map(|i| base + u64::from(i < extra))
        .filter(|v| *v > 0)
        .collect()
}

/// The comparison that holds exactly when `op` does not.
pub(crate) fn negate(op: crate::ir::CompareOp) -> crate::ir::CompareOp {
    use crate::ir::CompareOp::*;
    match op {
        Eq => Ne,
        Ne => Eq,
        Lt => Ge,
        Le => Gt,
        Gt => Le,
        Ge => Lt,
    }
}

/// A trigger as people write it, for names and comments.
pub(crate) fn trigger_text(t: &Trigger) -> String {
    match &t.source {
        EventSource::Inactive(d) => format!("inactive {}", super::duration_text(d)),
        EventSource::Event(e) => match &e.argument {
            None => e.kind.name().to_string(),
            Some(EventArgument::Text(s)) => format!("{}({s:?})", e.kind.name()),
            Some(EventArgument::Email(m)) => format!("{}({m})", e.kind.name()),
            Some(EventArgument::Segment(s)) => format!("{}({s})", e.kind.name()),
        },
    }
}

// ── how long a lowered flow can keep a lead (for re-entry) ──

impl StepKind<'_> {
    /// Where the step can lead next.
    fn links(&self) -> Vec<&Link> {
        match self {
            StepKind::Send { next, .. }
            | StepKind::Delay { next, .. }
            | StepKind::PollUntil { next, .. }
            | StepKind::Set { next, .. }
            | StepKind::Notify { next, .. } => vec![next],
            StepKind::Choice {
                arms, otherwise, ..
            } => arms
                .iter()
                .map(|(_, l)| l)
                .chain(std::iter::once(otherwise))
                .collect(),
            StepKind::Sample { arms } => arms.iter().map(|(_, l)| l).collect(),
            StepKind::Jump { to, .. } => vec![to],
            StepKind::Handoff { .. } | StepKind::Enroll { .. } | StepKind::Exit { .. } => {
                Vec::new()
            }
        }
    }
}

/// The longest time, in seconds, a lead can spend in the lowered flow:
/// every wait at its full duration, and `per_send` more before each send
/// (a send window's longest wait). `None` when the steps loop (only a
/// [`Shape::Graph`] walk can).
pub(crate) fn longest_run(lowered: &Lowered<'_>, per_send: u64) -> Option<u64> {
    let steps = &lowered.steps;
    let index: HashMap<&Origin, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (&s.origin, i))
        .collect();
    // A link to no step (the end of the flow) adds nothing.
    let next_steps = |i: usize| {
        steps[i]
            .kind
            .links()
            .into_iter()
            .flatten()
            .filter_map(|n| index.get(n).copied())
    };
    let own = |s: &Step<'_>| match &s.kind {
        StepKind::Delay { duration, .. } | StepKind::PollUntil { duration, .. } => duration.seconds,
        StepKind::Send { .. } => per_send,
        _ => 0,
    };
    let Some(&entry) = lowered.entry.as_ref().and_then(|e| index.get(e)) else {
        return Some(0);
    };
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Unseen,
        OnStack,
        Done,
    }
    let mut state = vec![State::Unseen; steps.len()];
    let mut memo = vec![0u64; steps.len()];
    let mut stack: Vec<(usize, bool)> = vec![(entry, false)];
    while let Some((i, expanded)) = stack.pop() {
        if expanded {
            let after = next_steps(i).map(|n| memo[n]).max().unwrap_or(0);
            memo[i] = own(&steps[i]).saturating_add(after);
            state[i] = State::Done;
            continue;
        }
        match state[i] {
            State::Done => continue,
            State::OnStack => return None,
            State::Unseen => {}
        }
        state[i] = State::OnStack;
        stack.push((i, true));
        for next in next_steps(i) {
            match state[next] {
                State::OnStack => return None,
                State::Done => {}
                State::Unseen => stack.push((next, false)),
            }
        }
    }
    Some(memo[entry])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_print_as_their_text_form() {
        assert_eq!(Origin::node("3", 0).to_string(), "3");
        assert_eq!(Origin::node("digest", 1).to_string(), "digest#2");
        assert_eq!(
            Origin::node("3", 0).with(Role::Check(2)).to_string(),
            "3/check2"
        );
        assert_eq!(
            Origin::campaign(CampaignPart::Goal("demo".into())).to_string(),
            "(goal demo)"
        );
        assert_eq!(
            Origin::campaign(CampaignPart::Entry)
                .with(Role::Route)
                .to_string(),
            "(entry)/route"
        );
    }

    #[test]
    fn slices_split_evenly() {
        assert_eq!(
            slices(30, 14),
            vec![3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        );
        assert_eq!(slices(3, 14), vec![1, 1, 1]);
    }
}
