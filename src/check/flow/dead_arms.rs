//! `dead-branch-arm`: a `when` arm that can never run because the arms
//! before it catch every lead it would match.
//!
//! The arm is dead when its condition implies an earlier arm's condition (or,
//! for `a or b`, when each of `a` and `b` implies one). Implication is proved
//! by a small, sound and incomplete procedure: a "no" only means "not proved",
//! so the check never raises a false alarm. It knows
//!
//! - identical conditions (`in mql` twice), and `and`/`or`/`not` structure:
//!   `a and b` implies `a`; `a` implies `a or b`; `not a` implies `not b` when
//!   `b` implies `a`; `a` implies `not (b and c)` when it implies `not b`, and
//!   `not (b or c)` when it implies both `not b` and `not c`;
//! - value sets on one quantity (`score`, `score.<c>`, a property): `score >= 60`
//!   implies `score >= 40`, `role == "cto"` implies `role in ["cto", "vp"]`,
//!   `x in [1, 2]` implies `x != 3`;
//! - events: `page.visited("/pricing") within 7d` implies `page.visited within 14d`;
//!   `inactive 90d` implies `inactive 60d`;
//! - segments, by their definitions.
//!
//! A missing property makes `==`, `in` and the orderings false and `!=` and
//! `not in` true; every rule above holds under that reading, and values of
//! different types are never assumed equal or different.
//!
//! Each proof is memoised on the pair of conditions and bounded by a step
//! budget, so the check stays polynomial whatever the conditions look like.

use super::text;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, CompareOp, ConditionKind, NodeKind, Quantity, Value};
use foldhash::{HashMap, HashMapExt};

/// How deep segment definitions are unfolded.
const SEGMENT_DEPTH: u32 = 8;
/// The most implication steps spent on one arm against one earlier arm.
const BUDGET: u32 = 20_000;
/// The most implication steps spent on one branch: past it, the remaining
/// arms are not judged (a branch of thousands of arms stays cheap).
const BRANCH_BUDGET: u64 = 1_000_000;

pub(super) fn check(project: &ir::Project, campaign: &ir::Campaign, out: &mut Vec<Diagnostic>) {
    for node in &campaign.flow.nodes {
        let NodeKind::Branch { arms, .. } = &node.kind else {
            continue;
        };
        let mut prover = Prover::new(project);
        for (i, arm) in arms.iter().enumerate() {
            let earlier = arms.get(..i).unwrap_or_default();
            let Some(covering) = prover.covering(&arm.condition, earlier) else {
                continue;
            };
            let this = text::condition(&arm.condition);
            let mut d = Diagnostic::new(
                Code::DeadBranchArm,
                "this arm never runs: earlier arms catch every lead it matches",
                arm.when_span,
                "never runs",
            );
            let mut same = true;
            for (j, parts) in &covering {
                if let Some(earlier) = earlier.get(*j) {
                    let that = text::condition(&earlier.condition);
                    same &= that == this;
                    let named: Vec<String> =
                        parts.iter().flatten().map(|p| format!("`{p}`")).collect();
                    let label = if that == this {
                        "the same test comes first here".to_string()
                    } else if named.is_empty() {
                        format!("`{that}` already catches every lead with `{this}`")
                    } else {
                        format!(
                            "`{that}` already catches the leads with {}",
                            named.join(" and those with ")
                        )
                    };
                    d = d.with_secondary(earlier.condition.span, label);
                }
            }
            out.push(d.with_help(if same {
                "remove this arm, or move its statements into the earlier one".to_string()
            } else {
                "put the narrower test first: move this arm above the one that covers it"
                    .to_string()
            }));
        }
    }
}

pub(super) struct Prover<'p> {
    project: &'p ir::Project,
    /// Proved or refuted pairs, by the conditions' addresses: whether the
    /// first implies the second (`false`) or its negation (`true`).
    memo: HashMap<(usize, usize, bool), bool>,
    /// Steps spent on the current pair of arms, and on the whole branch.
    steps: u32,
    spent: u64,
}

impl<'p> Prover<'p> {
    pub(super) fn new(project: &'p ir::Project) -> Prover<'p> {
        Prover {
            project,
            memo: HashMap::new(),
            steps: 0,
            spent: 0,
        }
    }

    /// Whether every lead that matches `p` matches `q` (proved), with a
    /// fresh step budget; "no" means "not proved".
    pub(super) fn proves(&mut self, p: &'p ir::Condition, q: &'p ir::Condition) -> bool {
        self.steps = 0;
        self.spent = 0;
        self.implies(p, q, 0)
    }

    /// The earlier arms that together catch every lead `condition` matches,
    /// if proved: for each disjunct of `condition`, the first earlier arm it
    /// implies. Each arm comes with the disjuncts it catches, written out
    /// (`None`: all of `condition`, when it is not an `or`).
    fn covering(
        &mut self,
        condition: &'p ir::Condition,
        earlier: &'p [ir::BranchArm],
    ) -> Option<Vec<(usize, Vec<Option<String>>)>> {
        if earlier.is_empty() || self.spent > BRANCH_BUDGET {
            return None;
        }
        let disjuncts: &[ir::Condition] = match &condition.kind {
            ConditionKind::Or(items) => items,
            _ => std::slice::from_ref(condition),
        };
        let whole = disjuncts.len() == 1;
        let mut covering: Vec<(usize, Vec<Option<String>>)> = Vec::new();
        for d in disjuncts {
            let j = earlier.iter().position(|arm| {
                self.steps = 0;
                self.implies(d, &arm.condition, 0)
            })?;
            let part = (!whole).then(|| text::condition(d));
            match covering.iter_mut().find(|(k, _)| *k == j) {
                Some((_, parts)) => parts.push(part),
                None => covering.push((j, vec![part])),
            }
        }
        // When one arm catches every disjunct, name the whole condition.
        if let [(_, parts)] = covering.as_mut_slice() {
            *parts = vec![None];
        }
        covering.sort_by_key(|(j, _)| *j);
        Some(covering)
    }

    /// Whether every lead that matches `p` matches `q` (proved), with
    /// segment definitions unfolded `depth` levels so far.
    fn implies(&mut self, p: &'p ir::Condition, q: &'p ir::Condition, depth: u32) -> bool {
        self.memoised(p, q, false, |prover, p, q| prover.prove(p, q, depth))
    }

    /// Whether no lead that matches `p` matches `q` (proved): `p` implies
    /// `not q`, with `not` pushed through `and`, `or` and segments.
    fn refutes(&mut self, p: &'p ir::Condition, q: &'p ir::Condition, depth: u32) -> bool {
        self.memoised(p, q, true, |prover, p, q| prover.disprove(p, q, depth))
    }

    /// One step of [`Self::implies`] (`negated`: of [`Self::refutes`]):
    /// counted against the budgets, double negations stripped, the result
    /// remembered.
    fn memoised(
        &mut self,
        p: &'p ir::Condition,
        q: &'p ir::Condition,
        negated: bool,
        prove: impl FnOnce(&mut Self, &'p ir::Condition, &'p ir::Condition) -> bool,
    ) -> bool {
        self.steps += 1;
        self.spent += 1;
        if self.steps > BUDGET || self.spent > BRANCH_BUDGET {
            return false;
        }
        let p = strip_double_not(p);
        let q = strip_double_not(q);
        let key = (
            p as *const ir::Condition as usize,
            q as *const ir::Condition as usize,
            negated,
        );
        if let Some(known) = self.memo.get(&key) {
            return *known;
        }
        let proved = prove(self, p, q);
        // A result cut short by the budget is not a refutation; keep only proofs
        // and results reached within it.
        if proved || (self.steps <= BUDGET && self.spent <= BRANCH_BUDGET) {
            self.memo.insert(key, proved);
        }
        proved
    }

    /// [`Self::refutes`], one step: `not (a and b)` follows from `not a`,
    /// `not (a or b)` from `not a` and `not b`.
    fn disprove(&mut self, p: &'p ir::Condition, q: &'p ir::Condition, depth: u32) -> bool {
        match &q.kind {
            ConditionKind::And(qs) => return qs.iter().any(|qj| self.refutes(p, qj, depth)),
            ConditionKind::Or(qs) => return qs.iter().all(|qj| self.refutes(p, qj, depth)),
            ConditionKind::Not(b) => return self.implies(p, b, depth),
            _ => {}
        }
        match &p.kind {
            ConditionKind::Or(ps) => return ps.iter().all(|pi| self.refutes(pi, q, depth)),
            ConditionKind::And(ps) if ps.iter().any(|pi| self.refutes(pi, q, depth)) => {
                return true
            }
            _ => {}
        }
        if depth < SEGMENT_DEPTH {
            for (c, other) in [(p, q), (q, p)] {
                if let ConditionKind::InSegment(name) = &c.kind {
                    if let Some(segment) = self.project.referent(name) {
                        if self.refutes(&segment.condition, other, depth + 1) {
                            return true;
                        }
                    }
                }
            }
        }
        match &p.kind {
            ConditionKind::Not(a) => match (Atom::of(a), Atom::of(q)) {
                (Some(a), Some(b)) => a.negated().implies(&b.negated()),
                _ => false,
            },
            _ => match (Atom::of(p), Atom::of(q)) {
                (Some(a), Some(b)) => a.implies(&b.negated()),
                _ => false,
            },
        }
    }

    fn prove(&mut self, p: &'p ir::Condition, q: &'p ir::Condition, depth: u32) -> bool {
        if let ConditionKind::And(qs) = &q.kind {
            return qs.iter().all(|qj| self.implies(p, qj, depth));
        }
        if let ConditionKind::Or(ps) = &p.kind {
            return ps.iter().all(|pi| self.implies(pi, q, depth));
        }
        if let ConditionKind::Or(qs) = &q.kind {
            if qs.iter().any(|qj| self.implies(p, qj, depth)) {
                return true;
            }
        }
        if let ConditionKind::And(ps) = &p.kind {
            if ps.iter().any(|pi| self.implies(pi, q, depth)) {
                return true;
            }
        }
        if depth < SEGMENT_DEPTH {
            if let ConditionKind::InSegment(name) = &p.kind {
                if let ConditionKind::InSegment(other) = &q.kind {
                    if name == other {
                        return true;
                    }
                }
                if let Some(segment) = self.project.referent(name) {
                    if self.implies(&segment.condition, q, depth + 1) {
                        return true;
                    }
                }
            }
            if let ConditionKind::InSegment(name) = &q.kind {
                if let Some(segment) = self.project.referent(name) {
                    if self.implies(p, &segment.condition, depth + 1) {
                        return true;
                    }
                }
            }
        }
        match (&p.kind, &q.kind) {
            (ConditionKind::Not(a), ConditionKind::Not(b)) => self.implies(b, a, depth),
            (_, ConditionKind::Not(b)) => self.refutes(p, b, depth),
            (ConditionKind::Not(a), _) => match (Atom::of(a), Atom::of(q)) {
                (Some(a), Some(b)) => a.negated().implies(&b),
                _ => false,
            },
            _ => match (Atom::of(p), Atom::of(q)) {
                (Some(a), Some(b)) => a.implies(&b),
                _ => same_text(p, q),
            },
        }
    }
}

fn strip_double_not(c: &ir::Condition) -> &ir::Condition {
    let mut c = c;
    while let ConditionKind::Not(inner) = &c.kind {
        match &inner.kind {
            ConditionKind::Not(innermost) => c = innermost,
            _ => break,
        }
    }
    c
}

/// Conditions the prover does not understand are equal only when written
/// the same way.
fn same_text(p: &ir::Condition, q: &ir::Condition) -> bool {
    text::condition(p) == text::condition(q)
}

/// An elementary test the prover reasons about.
#[derive(Debug, Clone)]
enum Atom<'c> {
    /// A test on one quantity: true when it is present and in `set`
    /// (`positive`), or when it is not (`!positive`).
    Value {
        quantity: &'c Quantity,
        positive: bool,
        set: Set<'c>,
    },
    Event {
        event: &'c ir::Event,
        within: Option<u64>,
        positive: bool,
    },
    Inactive {
        seconds: u64,
        positive: bool,
    },
}

#[derive(Debug, Clone)]
enum Set<'c> {
    /// Finitely many values.
    Values(Vec<&'c Value>),
    /// The numbers between two bounds (`(value, inclusive)`, `None`: unbounded).
    Range {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
}

impl<'c> Atom<'c> {
    fn of(c: &'c ir::Condition) -> Option<Atom<'c>> {
        let value = |quantity, positive, set| {
            Some(Atom::Value {
                quantity,
                positive,
                set,
            })
        };
        match &c.kind {
            ConditionKind::Compare { left, op, right } => match (op, right) {
                (CompareOp::Eq, v) => value(left, true, Set::Values(vec![v])),
                (CompareOp::Ne, v) => value(left, false, Set::Values(vec![v])),
                (op, Value::Number(n)) => {
                    let (low, high) = match op {
                        CompareOp::Ge => (Some((*n, true)), None),
                        CompareOp::Gt => (Some((*n, false)), None),
                        CompareOp::Le => (None, Some((*n, true))),
                        _ => (None, Some((*n, false))),
                    };
                    value(left, true, Set::Range { low, high })
                }
                // An ordering on text or a boolean: a type error, reported already.
                _ => None,
            },
            ConditionKind::Member {
                left,
                negated,
                values,
            } => value(left, !negated, Set::Values(values.iter().collect())),
            ConditionKind::Event { event, within } => Some(Atom::Event {
                event,
                within: within.map(|d| d.seconds),
                positive: true,
            }),
            ConditionKind::Inactive(d) => Some(Atom::Inactive {
                seconds: d.seconds,
                positive: true,
            }),
            // Opaque: a list holds several values at once, so no set of
            // values describes it; only the same test implies it.
            ConditionKind::Contains { .. } => None,
            _ => None,
        }
    }

    fn negated(&self) -> Atom<'c> {
        let mut a = self.clone();
        match &mut a {
            Atom::Value { positive, .. }
            | Atom::Event { positive, .. }
            | Atom::Inactive { positive, .. } => *positive = !*positive,
        }
        a
    }

    /// Whether every lead that passes `self` passes `other`.
    fn implies(&self, other: &Atom<'_>) -> bool {
        match (self, other) {
            (
                Atom::Value {
                    quantity: qa,
                    positive: pa,
                    set: a,
                },
                Atom::Value {
                    quantity: qb,
                    positive: pb,
                    set: b,
                },
            ) if qa == qb => match (pa, pb) {
                (true, true) => a.subset_of(b),
                (true, false) => a.disjoint_from(b),
                // Missing values pass a negative test but not a positive one.
                (false, true) => false,
                (false, false) => b.subset_of(a),
            },
            (
                Atom::Event {
                    event: a,
                    within: wa,
                    positive: pa,
                },
                Atom::Event {
                    event: b,
                    within: wb,
                    positive: pb,
                },
            ) => match (pa, pb) {
                (true, true) => event_implies(a, *wa, b, *wb),
                (false, false) => event_implies(b, *wb, a, *wa),
                _ => false,
            },
            (
                Atom::Inactive {
                    seconds: a,
                    positive: pa,
                },
                Atom::Inactive {
                    seconds: b,
                    positive: pb,
                },
            ) => match (pa, pb) {
                // No engagement for 90 days is no engagement for 60.
                (true, true) => a >= b,
                (false, false) => a <= b,
                _ => false,
            },
            _ => false,
        }
    }
}

/// Whether event `a` (within `wa`) having happened means `b` (within `wb`) has.
fn event_implies(a: &ir::Event, wa: Option<u64>, b: &ir::Event, wb: Option<u64>) -> bool {
    let argument_ok = match (&a.argument, &b.argument) {
        (_, None) => true,
        (Some(x), Some(y)) => x == y,
        (None, Some(_)) => false,
    };
    // "Since entry" and "in the last N days" do not imply each other.
    let window_ok = match (wa, wb) {
        (None, None) => true,
        (Some(x), Some(y)) => x <= y,
        _ => false,
    };
    a.kind == b.kind && argument_ok && window_ok
}

impl Set<'_> {
    /// Whether every value in `self` is in `other` (proved).
    fn subset_of(&self, other: &Set<'_>) -> bool {
        match (self, other) {
            (Set::Values(a), Set::Values(b)) => {
                a.iter().all(|x| b.iter().any(|y| same_value(x, y)))
            }
            (Set::Values(a), Set::Range { .. }) => a.iter().all(|x| match x {
                Value::Number(n) => other.contains(*n),
                _ => false,
            }),
            (Set::Range { .. }, Set::Values(_)) => false,
            (Set::Range { low: la, high: ha }, Set::Range { low: lb, high: hb }) => {
                bound_within(*la, *lb, true) && bound_within(*ha, *hb, false)
            }
        }
    }

    /// Whether no value is in both (proved).
    fn disjoint_from(&self, other: &Set<'_>) -> bool {
        match (self, other) {
            (Set::Values(a), Set::Values(b)) => a
                .iter()
                .all(|x| b.iter().all(|y| same_type(x, y) && !same_value(x, y))),
            (Set::Values(a), range @ Set::Range { .. })
            | (range @ Set::Range { .. }, Set::Values(a)) => a
                .iter()
                .all(|x| matches!(x, Value::Number(n) if !range.contains(*n))),
            (Set::Range { low: la, high: ha }, Set::Range { low: lb, high: hb }) => {
                below(*ha, *lb) || below(*hb, *la)
            }
        }
    }

    fn contains(&self, n: f64) -> bool {
        match self {
            Set::Values(values) => values
                .iter()
                .any(|v| matches!(v, Value::Number(m) if *m == n)),
            Set::Range { low, high } => {
                low.is_none_or(|(l, inclusive)| n > l || (inclusive && n == l))
                    && high.is_none_or(|(h, inclusive)| n < h || (inclusive && n == h))
            }
        }
    }
}

/// Whether bound `a` is at least as tight as `b`: a lower bound (`lower`)
/// no smaller, an upper bound no larger; `None` is unbounded.
fn bound_within(a: Option<(f64, bool)>, b: Option<(f64, bool)>, lower: bool) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((x, xi)), Some((y, yi))) => {
            let tighter = if lower { x > y } else { x < y };
            tighter || (x == y && (yi || !xi))
        }
    }
}

/// Whether every number under upper bound `high` is below lower bound `low`.
fn below(high: Option<(f64, bool)>, low: Option<(f64, bool)>) -> bool {
    match (high, low) {
        (Some((h, hi)), Some((l, li))) => h < l || (h == l && !(hi && li)),
        _ => false,
    }
}

fn same_value(x: &Value, y: &Value) -> bool {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => false,
    }
}

fn same_type(x: &Value, y: &Value) -> bool {
    std::mem::discriminant(x) == std::mem::discriminant(y)
}
