//! "Did you mean …?" for misspelt names.

/// How many candidate names one project may compare misspelt names with,
/// in all. A suggestion compares the misspelt name with every name of its
/// kind, so thousands of undefined references to a project of thousands of
/// names is quadratic: 20,000 of each took 90 seconds. Past the budget,
/// diagnostics come without "did you mean". (A million comparisons take
/// about a tenth of a second.)
pub const BUDGET: usize = 1_000_000;

/// Reused rows of the distance table: two rows back, the previous one, the
/// current one.
type Rows = (Vec<usize>, Vec<usize>, Vec<usize>);

/// Edit distance on characters, counting a swap of two neighbours as one
/// edit (`retyr` → `retry`): the optimal string alignment distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let mut rows = Rows::default();
    distance(&a, b, usize::MAX, &mut rows)
}

/// [`edit_distance`] from `a` to `b`, or any number above `limit` as soon
/// as the distance must exceed it; `rows` are reused between calls.
fn distance(a: &[char], b: &str, limit: usize, rows: &mut Rows) -> usize {
    let (before, previous, current) = rows;
    before.clear();
    before.resize(a.len() + 1, 0);
    previous.clear();
    previous.extend(0..=a.len());
    current.clear();
    current.resize(a.len() + 1, 0);
    let mut last_b: Option<char> = None;
    for (j, cb) in b.chars().enumerate() {
        current[0] = j + 1;
        let mut row_min = current[0];
        for (i, ca) in a.iter().enumerate() {
            let substitution = previous[i] + usize::from(*ca != cb);
            let mut best = substitution.min(previous[i + 1] + 1).min(current[i] + 1);
            if i > 0 && last_b == Some(*ca) && a[i - 1] == cb {
                best = best.min(before[i - 1] + 1);
            }
            current[i + 1] = best;
            row_min = row_min.min(best);
        }
        // A row's minimum never falls below the previous row's (a swap
        // costs at least the diagonal before it), so stopping is safe.
        if row_min > limit {
            return row_min;
        }
        std::mem::swap(before, previous);
        std::mem::swap(previous, current);
        last_b = Some(cb);
    }
    previous[a.len()]
}

/// The closest candidate, if it is close enough to be a plausible typo.
/// Ties go to the smallest name, so the order of the candidates does not
/// matter.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let chars: Vec<char> = name.chars().collect();
    let limit = (chars.len() / 3).max(1);
    let mut rows = Rows::default();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // The distance is at least the difference in length.
        if candidate.chars().count().abs_diff(chars.len()) > limit {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d);
        let d = distance(&chars, candidate, bound, &mut rows);
        if d <= bound && best.is_none_or(|b| (d, candidate) < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// [`closest`], if `budget` still covers comparing with `count` candidates
/// (which it then spends); once it does not, no more suggestions.
pub fn closest_within<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    count: usize,
    budget: &mut usize,
) -> Option<&'a str> {
    if count > *budget {
        *budget = 0;
        return None;
    }
    *budget -= count;
    closest(name, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        assert_eq!(edit_distance("welcom_back", "welcome"), 5);
        assert_eq!(
            closest("webinar.atended", ["webinar.attended", "page.visited"]),
            Some("webinar.attended")
        );
        assert_eq!(closest("zzz", ["welcome"]), None);
    }

    #[test]
    fn ties_and_order() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("caf\u{e9}", "cafe"), 1);
        assert_eq!(edit_distance("retyr", "retry"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
        assert_eq!(closest("retyr", ["retry", "start"]), Some("retry"));
        // Both at distance 1: the smaller name, whatever the order.
        assert_eq!(closest("mail_x", ["mail_y", "mail_b"]), Some("mail_b"));
        assert_eq!(closest("mail_x", ["mail_b", "mail_y"]), Some("mail_b"));
        // A closer candidate after a farther one.
        assert_eq!(closest("welcome", ["welcom_", "welcome_"]), Some("welcom_"));
        assert_eq!(closest("abcdef", ["abcxyz", "abcdeg"]), Some("abcdeg"));
    }

    #[test]
    fn the_budget_runs_out_for_good() {
        let mut budget = 3;
        assert_eq!(closest_within("ab", ["ac"], 2, &mut budget), Some("ac"));
        assert_eq!(closest_within("ab", ["ac", "ad"], 2, &mut budget), None);
        assert_eq!(closest_within("ab", ["ac"], 1, &mut budget), None);
    }
}
