//! The lead as it is at the simulation's current instant: properties,
//! events, scores, and what each condition means for it.
//!
//! The meaning is the one the checks assume (`check/flow/dead_arms.rs`):
//! a missing property makes `==`, `in` and the orderings false and `!=` and
//! `not in` true, and values of different types are never equal; `<event>`
//! is an event since the lead entered the campaign (the entry instant
//! included); `<event> within D` one in the last D, before entry too
//! (`now - D < at <= now`); `inactive D`, no engagement event in the last D.
//! Every condition is constant between the instants where an event
//! happens, a window or an inactivity period runs out, or a property changes,
//! so the engine only looks at those ([`World::next_instant`]).

use super::lead::{GivenScore, Lead};
use crate::ir::{
    self, CompareOp, Condition, ConditionKind, EventArgument, EventKind, EventSource, Quantity,
    ScoreRuleKind, Value,
};
use std::collections::{BTreeMap, BTreeSet};

/// The scoring model `score` means where a condition is judged.
pub(crate) type Model = crate::ir::Ref<crate::ir::ModelId>;

/// How deep segments and scoring rules are followed (cycles are errors of
/// the checks; this keeps an unchecked project from recursing forever).
const DEPTH: u32 = 16;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Occurred {
    pub(crate) at: i64,
    pub(crate) kind: EventKind,
    pub(crate) argument: Option<String>,
}

/// A change waiting for its time.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) at: i64,
    pub(crate) properties: BTreeMap<String, Value>,
    pub(crate) lists: BTreeMap<String, Vec<String>>,
    pub(crate) scores: BTreeMap<String, GivenScore>,
}

pub(crate) struct World<'p> {
    pub(crate) project: &'p ir::Project,
    pub(crate) now: i64,
    pub(crate) properties: BTreeMap<String, Value>,
    /// List-valued properties, for `contains`.
    pub(crate) lists: BTreeMap<String, Vec<String>>,
    scores: BTreeMap<String, GivenScore>,
    /// Every event, past and future, in the order they became known.
    pub(crate) events: Vec<Occurred>,
    last_engagement: Option<i64>,
    pending: Vec<Pending>,
    /// Every `within` and `inactive` duration of the project.
    windows: BTreeSet<i64>,
}

impl<'p> World<'p> {
    /// `windows`: every `within` and `inactive` duration of the project
    /// ([`windows`]).
    pub(crate) fn new(project: &'p ir::Project, lead: &Lead, windows: BTreeSet<i64>) -> World<'p> {
        let mut pending: Vec<Pending> = lead
            .changes
            .iter()
            .map(|c| Pending {
                at: c.at,
                properties: c.properties.clone(),
                lists: c.lists.clone(),
                scores: c.scores.clone(),
            })
            .collect();
        pending.sort_by_key(|p| p.at);
        let mut world = World {
            project,
            now: 0,
            properties: lead.properties.clone(),
            lists: lead.lists.clone(),
            scores: lead.scores.clone(),
            events: lead
                .events
                .iter()
                .map(|e| Occurred {
                    at: e.at,
                    kind: e.kind,
                    argument: e.argument.clone(),
                })
                .collect(),
            last_engagement: lead.last_engagement,
            pending,
            windows,
        };
        // Changes dated before entry already happened.
        world.apply_changes();
        world
    }

    pub(crate) fn add_event(&mut self, event: Occurred) {
        self.events.push(event);
    }

    pub(crate) fn add_change(&mut self, change: Pending) {
        let at = change.at;
        let position = self.pending.partition_point(|p| p.at <= at);
        self.pending.insert(position, change);
    }

    /// Applies the changes due by now; returns whether there were any.
    pub(crate) fn apply_changes(&mut self) -> bool {
        let due = self.pending.partition_point(|p| p.at <= self.now);
        let changed = due > 0;
        for change in self.pending.drain(..due) {
            self.properties.extend(change.properties);
            self.lists.extend(change.lists);
            for (model, score) in change.scores {
                let entry = self.scores.entry(model).or_default();
                if score.total.is_some() {
                    entry.total = score.total;
                }
                entry.components.extend(score.components);
            }
        }
        changed
    }

    /// The first instant after now at which a condition can change value,
    /// counting `extra` (the end of waits); `None` when nothing is left.
    pub(crate) fn next_instant(&self, extra: impl IntoIterator<Item = i64>) -> Option<i64> {
        let now = self.now;
        let mut next: Option<i64> = None;
        let mut consider = |t: i64| {
            if t > now && next.is_none_or(|n| t < n) {
                next = Some(t);
            }
        };
        extra.into_iter().for_each(&mut consider);
        self.pending.iter().for_each(|p| consider(p.at));
        let starts = self.events.iter().map(|e| e.at).chain(self.last_engagement);
        for at in starts {
            consider(at);
            for d in &self.windows {
                consider(at.saturating_add(*d));
            }
        }
        next
    }

    /// The last engagement event (open, click, page view) by now.
    fn last_engagement(&self) -> Option<i64> {
        self.events
            .iter()
            .filter(|e| e.kind.is_engagement() && e.at <= self.now)
            .map(|e| e.at)
            .chain(self.last_engagement.filter(|t| *t <= self.now))
            .max()
    }

    /// Whether the lead has had no engagement for `seconds` by now.
    pub(crate) fn inactive(&self, seconds: i64) -> bool {
        self.last_engagement()
            .is_none_or(|t| self.now.saturating_sub(t) >= seconds)
    }

    /// Whether `c` holds now, for a lead that entered its campaign at
    /// `entered`, with `score` meaning `model`.
    pub(crate) fn holds(&self, c: &Condition, model: Option<&Model>, entered: i64) -> bool {
        self.eval(c, model, entered, 0)
    }

    fn eval(&self, c: &Condition, model: Option<&Model>, entered: i64, depth: u32) -> bool {
        match &c.kind {
            ConditionKind::Or(items) => items.iter().any(|i| self.eval(i, model, entered, depth)),
            ConditionKind::And(items) => items.iter().all(|i| self.eval(i, model, entered, depth)),
            ConditionKind::Not(inner) => !self.eval(inner, model, entered, depth),
            ConditionKind::InSegment(segment) => {
                depth < DEPTH
                    && self
                        .project
                        .referent(segment)
                        .is_some_and(|s| self.eval(&s.condition, model, entered, depth + 1))
            }
            ConditionKind::Inactive(d) => self.inactive(seconds(d)),
            ConditionKind::Property(p) => matches!(self.properties.get(p), Some(Value::Bool(true))),
            ConditionKind::Compare { left, op, right } => match self.quantity(left, model, depth) {
                None => *op == CompareOp::Ne,
                Some(v) => compare(&v, *op, right),
            },
            ConditionKind::Member {
                left,
                negated,
                values,
            } => {
                let found = self
                    .quantity(left, model, depth)
                    .is_some_and(|v| values.iter().any(|x| same(&v, x)));
                found != *negated
            }
            ConditionKind::Contains { property, value } => match value {
                Value::String(v) => self
                    .lists
                    .get(property)
                    .is_some_and(|list| list.iter().any(|x| x == v)),
                _ => false,
            },
            ConditionKind::Event { event, within } => {
                let since = match within {
                    Some(d) => self.now.saturating_sub(seconds(d)).saturating_add(1),
                    None => entered,
                };
                self.events
                    .iter()
                    .any(|e| e.at >= since && e.at <= self.now && matches(event, e))
            }
        }
    }

    fn quantity(&self, q: &Quantity, model: Option<&Model>, depth: u32) -> Option<Value> {
        match q {
            Quantity::Property(p) => self.properties.get(p).cloned(),
            Quantity::Score(component) => self
                .score(model?, component.as_deref(), depth)
                .map(Value::Number),
        }
    }

    /// A model's total (`component` `None`) or one component, now: given in
    /// the lead file, else computed from the model's rules.
    pub(crate) fn score(&self, model: &Model, component: Option<&str>, depth: u32) -> Option<f64> {
        // The lead file gives scores by the model's name.
        if let Some(given) = self.scores.get(&model.name) {
            return Some(match component {
                None => given.total(),
                Some(c) => given.component(c),
            });
        }
        let m = self.project.referent(model)?;
        if depth >= DEPTH {
            return Some(0.0);
        }
        let total = m
            .components
            .iter()
            .filter(|c| component.is_none_or(|name| c.name == name))
            .flat_map(|c| &c.rules)
            .map(|rule| {
                capped(
                    rule,
                    rule.points as f64 * self.times_scored(&rule.kind, depth),
                )
            })
            .sum();
        Some(total)
    }

    /// How many times a rule's points count now.
    fn times_scored(&self, rule: &ScoreRuleKind, depth: u32) -> f64 {
        match rule {
            ScoreRuleKind::If(c) => f64::from(u8::from(self.eval(c, None, i64::MIN, depth + 1))),
            ScoreRuleKind::On(sources) => {
                // An event that two of the rule's events name counts once.
                let events = self
                    .events
                    .iter()
                    .filter(|e| {
                        e.at <= self.now
                            && sources.iter().any(|s| match s {
                                EventSource::Event(event) => matches(event, e),
                                EventSource::Inactive(_) => false,
                            })
                    })
                    .count();
                let inactive: usize = sources
                    .iter()
                    .map(|s| match s {
                        EventSource::Inactive(d) => self.inactive_periods(seconds(d)),
                        EventSource::Event(_) => 0,
                    })
                    .sum();
                (events + inactive) as f64
            }
        }
    }

    /// How many times, by now, the lead went `period` without engagement:
    /// once per gap between known engagements (or since the last one) that
    /// long.
    fn inactive_periods(&self, period: i64) -> usize {
        let mut times: Vec<i64> = self
            .events
            .iter()
            .filter(|e| e.kind.is_engagement() && e.at <= self.now)
            .map(|e| e.at)
            .chain(self.last_engagement.filter(|t| *t <= self.now))
            .collect();
        times.sort_unstable();
        times.push(self.now);
        times
            .windows(2)
            .filter(|w| w[1].saturating_sub(w[0]) >= period)
            .count()
    }
}

/// A rule's points so far, bounded by its `max` (for negative points, at
/// most `max` removed).
fn capped(rule: &ir::ScoreRule, points: f64) -> f64 {
    match rule.max {
        Some(max) => {
            let max = max as f64;
            points.clamp(-max, max)
        }
        None => points,
    }
}

/// Whether a lead's event is one the condition names: the same kind, and the
/// same argument when the condition gives one.
pub(crate) fn matches(event: &ir::Event, e: &Occurred) -> bool {
    event.kind == e.kind
        && match &event.argument {
            None => true,
            Some(EventArgument::Text(a)) => e.argument.as_deref() == Some(a.as_str()),
            Some(EventArgument::Email(m)) => e.argument.as_deref() == Some(m.name.as_str()),
            Some(EventArgument::Segment(s)) => e.argument.as_deref() == Some(s.name.as_str()),
        }
}

pub(crate) fn seconds(d: &ir::Duration) -> i64 {
    i64::try_from(d.seconds).unwrap_or(i64::MAX)
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

fn compare(left: &Value, op: CompareOp, right: &Value) -> bool {
    match op {
        CompareOp::Eq => same(left, right),
        CompareOp::Ne => !same(left, right),
        _ => match (left, right) {
            (Value::Number(x), Value::Number(y)) => match op {
                CompareOp::Ge => x >= y,
                CompareOp::Gt => x > y,
                CompareOp::Le => x <= y,
                _ => x < y,
            },
            // An ordering on text: a type error of the checks.
            _ => false,
        },
    }
}

/// Every `within` and `inactive` duration of the project, in seconds.
pub(crate) fn windows(project: &ir::Project) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    let mut visit = |c: &Condition| match &c.kind {
        ConditionKind::Inactive(d)
        | ConditionKind::Event {
            within: Some(d), ..
        } => {
            out.insert(seconds(d));
        }
        _ => {}
    };
    let mut conditions: Vec<&Condition> = project.segments.iter().map(|s| &s.condition).collect();
    for campaign in &project.campaigns {
        conditions.extend(campaign.conditions());
    }
    let mut inactive_sources = Vec::new();
    for m in &project.scoring_models {
        for rule in m.components.iter().flat_map(|c| &c.rules) {
            match &rule.kind {
                ScoreRuleKind::If(c) => conditions.push(c),
                ScoreRuleKind::On(sources) => {
                    for source in sources {
                        if let EventSource::Inactive(d) = source {
                            inactive_sources.push(seconds(d));
                        }
                    }
                }
            }
        }
    }
    for campaign in &project.campaigns {
        for t in &campaign.triggers {
            if let EventSource::Inactive(d) = &t.source {
                inactive_sources.push(seconds(d));
            }
        }
    }
    for c in conditions {
        c.walk(&mut visit);
    }
    out.extend(inactive_sources);
    out
}
