//! Boolean formulas over platform conditions, and their normal forms.
//! Platforms take conditions as two levels: Klaviyo an AND of OR groups
//! (conjunctive normal form), HubSpot an OR of AND groups (disjunctive).
//! Negation is pushed down to the atoms while lowering, so these formulas
//! have no `Not`.

/// The most groups a normal form may have; a larger condition is reported
/// as unsupported rather than emitted.
pub(crate) const MAX_GROUPS: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Formula<T> {
    True,
    False,
    Lit(T),
    And(Vec<Formula<T>>),
    Or(Vec<Formula<T>>),
}

impl<T: Clone + PartialEq> Formula<T> {
    pub(crate) fn and(items: Vec<Formula<T>>) -> Formula<T> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Formula::True => {}
                Formula::False => return Formula::False,
                Formula::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Formula::True,
            1 => out.pop().unwrap_or(Formula::True),
            _ => Formula::And(out),
        }
    }

    pub(crate) fn or(items: Vec<Formula<T>>) -> Formula<T> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Formula::False => {}
                Formula::True => return Formula::True,
                Formula::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Formula::False,
            1 => out.pop().unwrap_or(Formula::False),
            _ => Formula::Or(out),
        }
    }

    /// Clauses that must all hold, each true when one of its literals is.
    /// `[]` is true, a clause `[]` is false. `None` when it would have more
    /// than [`MAX_GROUPS`] clauses.
    pub(crate) fn cnf(&self) -> Option<Vec<Vec<&T>>> {
        self.normal(true)
    }

    /// Terms of which one must hold, each true when all its literals are.
    /// `[]` is false, a term `[]` is true.
    pub(crate) fn dnf(&self) -> Option<Vec<Vec<&T>>> {
        self.normal(false)
    }

    /// `outer_and`: CNF when true, DNF when false (the same algorithm with
    /// the connectives swapped). The literals are borrowed: distributing
    /// copies groups many times, and a literal can be a whole JSON tree.
    fn normal(&self, outer_and: bool) -> Option<Vec<Vec<&T>>> {
        let (outer_unit, inner_unit) = (Vec::new(), vec![Vec::new()]);
        match self {
            Formula::Lit(t) => Some(vec![vec![t]]),
            Formula::True => Some(if outer_and { outer_unit } else { inner_unit }),
            Formula::False => Some(if outer_and { inner_unit } else { outer_unit }),
            Formula::And(items) | Formula::Or(items) => {
                let concatenates = matches!(self, Formula::And(_)) == outer_and;
                if concatenates {
                    let mut out: Vec<Vec<&T>> = Vec::new();
                    for item in items {
                        for group in item.normal(outer_and)? {
                            push_group(&mut out, group);
                        }
                        if out.len() > MAX_GROUPS {
                            return None;
                        }
                    }
                    Some(out)
                } else {
                    // Distribute: every way of picking one group from each item.
                    let mut out: Vec<Vec<&T>> = vec![Vec::new()];
                    for item in items {
                        let groups = item.normal(outer_and)?;
                        let mut next = Vec::new();
                        for left in &out {
                            for right in &groups {
                                let mut group = left.clone();
                                for lit in right {
                                    if !group.contains(lit) {
                                        group.push(*lit);
                                    }
                                }
                                push_group(&mut next, group);
                                if next.len() > MAX_GROUPS {
                                    return None;
                                }
                            }
                        }
                        out = next;
                    }
                    Some(out)
                }
            }
        }
    }
}

fn push_group<T: PartialEq>(out: &mut Vec<Vec<T>>, group: Vec<T>) {
    if !out.contains(&group) {
        out.push(group);
    }
}

#[cfg(test)]
mod tests {
    use super::Formula::{self, *};

    fn lit(s: &'static str) -> Formula<&'static str> {
        Lit(s)
    }

    #[test]
    fn normal_forms() {
        // (a or b) and c
        let f = Formula::and(vec![Formula::or(vec![lit("a"), lit("b")]), lit("c")]);
        assert_eq!(f.cnf(), Some(vec![vec![&"a", &"b"], vec![&"c"]]));
        assert_eq!(f.dnf(), Some(vec![vec![&"a", &"c"], vec![&"b", &"c"]]));
        assert_eq!(Formula::<&str>::True.cnf(), Some(vec![]));
        assert_eq!(Formula::<&str>::True.dnf(), Some(vec![vec![]]));
        assert_eq!(Formula::<&str>::False.dnf(), Some(vec![]));
        assert_eq!(Formula::<&str>::False.cnf(), Some(vec![vec![]]));
    }

    #[test]
    fn blow_up_is_refused() {
        let names = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
        ];
        let pairs = names
            .chunks(2)
            .map(|p| Formula::and(p.iter().map(|s| Lit(*s)).collect()))
            .collect();
        assert_eq!(Formula::or(pairs).cnf(), None);
    }
}
