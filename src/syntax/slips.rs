//! Help for the slips people make most, from where pest failed and what it
//! expected there: operators of other languages, `if` in a flow, quotes,
//! durations in words, CamelCase names.

use super::Rule;

/// One `help` line for a syntax error at `rest` (the text from where parsing
/// failed), given the rules pest expected there.
pub fn help(rest: &str, expected: &[Rule]) -> Option<String> {
    let expects = |rule: Rule| expected.contains(&rule);
    let word = leading_word(rest);
    if expects(Rule::duration) {
        if let Some(help) = duration_help(rest) {
            return Some(help);
        }
    }
    let compares = expects(Rule::compare_op) || expects(Rule::comparison);
    if compares && rest.starts_with('=') && !rest.starts_with("==") {
        return Some("to compare, write `==`: `role == \"cto\"`".to_string());
    }
    if let Some(help) = foreign_operator(rest) {
        return Some(help);
    }
    if rest.starts_with('\'') {
        return Some("strings take double quotes: `\"text\"`".to_string());
    }
    if word == "if" {
        let after_else =
            !expects(Rule::statement) && (expects(Rule::block) || expects(Rule::lbrace));
        if after_else {
            return Some(
                "`else` takes a block; test another condition with one more arm before it: `when <condition> { … }`"
                    .to_string(),
            );
        }
        if expects(Rule::statement) {
            return Some(
                "a flow tests conditions with `branch { when <condition> { … } else { … } }`"
                    .to_string(),
            );
        }
    }
    let wants_name = expected
        .iter()
        .any(|r| matches!(r, Rule::ident | Rule::path | Rule::test));
    if wants_name && word.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "names are lowercase snake_case: `{}`",
            snake_case(word)
        ));
    }
    None
}

fn leading_word(rest: &str) -> &str {
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// `&&`, `||` and `!` as C, JavaScript or SQL spell them.
fn foreign_operator(rest: &str) -> Option<String> {
    let (ours, theirs) = if rest.starts_with("&&") {
        ("and", "&&")
    } else if rest.starts_with("||") {
        ("or", "||")
    } else if rest.starts_with('!') && !rest.starts_with("!=") {
        ("not", "!")
    } else {
        return None;
    };
    Some(format!(
        "conditions are written in words: `{ours}`, not `{theirs}`"
    ))
}

/// The units that exist, for a duration written with a word for its unit
/// (`3 days`, `1 month`, `1mo`) or with a word alone (`per week`).
fn duration_help(rest: &str) -> Option<String> {
    let digits = &rest[..rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len())];
    let after = &rest[digits.len()..];
    let unit_word = leading_word(after.trim_start_matches([' ', '\t']));
    let count: u64 = if digits.is_empty() {
        1
    } else {
        digits.parse().ok()?
    };
    let shown = if digits.is_empty() { "1" } else { digits };
    let unit = match unit_word.to_ascii_lowercase().as_str() {
        "" if !digits.is_empty() => {
            return Some(format!(
                "add a unit: `{digits}m` minutes, `{digits}h` hours, `{digits}d` days or `{digits}w` weeks"
            ))
        }
        "min" | "mins" | "minute" | "minutes" => 'm',
        "hr" | "hrs" | "hour" | "hours" => 'h',
        "day" | "days" => 'd',
        "wk" | "wks" | "week" | "weeks" => 'w',
        "mo" | "mos" | "month" | "months" => {
            let days = count.saturating_mul(30);
            let weeks = count.saturating_mul(4);
            return Some(format!(
                "there is no unit for months: write `{days}d` or `{weeks}w` (the units are `m`, `h`, `d` and `w`)"
            ));
        }
        "y" | "yr" | "yrs" | "year" | "years" => {
            let days = count.saturating_mul(365);
            return Some(format!(
                "there is no unit for years: write `{days}d` (the units are `m`, `h`, `d` and `w`)"
            ));
        }
        _ if !digits.is_empty() => {
            return Some(format!(
                "the units are `{digits}m` minutes, `{digits}h` hours, `{digits}d` days and `{digits}w` weeks"
            ))
        }
        _ => return None,
    };
    Some(format!(
        "a duration is a number and a unit letter: `{shown}{unit}`"
    ))
}

/// `CaseStudy` → `case_study`, `HTTPCheck` → `http_check`.
fn snake_case(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_becomes_snake_case() {
        assert_eq!(snake_case("CaseStudy"), "case_study");
        assert_eq!(snake_case("HTTPCheck"), "http_check");
        assert_eq!(snake_case("welcomeEmail2"), "welcome_email2");
        assert_eq!(snake_case("Q3Webinar"), "q3_webinar");
        assert_eq!(snake_case("Already_Snake"), "already_snake");
    }

    #[test]
    fn months_are_never_offered_minutes() {
        for slip in ["1 month", "1mo", "2 months"] {
            let help = duration_help(slip).unwrap_or_default();
            assert!(help.contains("no unit for months"), "{slip}: {help}");
            assert!(!help.contains("minutes"), "{slip}: {help}");
        }
        assert_eq!(
            duration_help("3 days").as_deref(),
            Some("a duration is a number and a unit letter: `3d`")
        );
        assert_eq!(
            duration_help("week").as_deref(),
            Some("a duration is a number and a unit letter: `1w`")
        );
    }
}
