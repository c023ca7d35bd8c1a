//! Syntax errors in words: every grammar rule has a human name, and the match
//! below is exhaustive so a new rule cannot leak its internal name.

use super::{scan, Rule};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use pest::error::{ErrorVariant, InputLocation};
use std::ops::Range;

/// How a rule is named in "expected …" messages; `None` for rules that are
/// never worth naming on their own (their parent or child is named instead).
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        // The keyword-led rules and the lookaheads only build trees; errors
        // come from the rules that try everything (`canonical`).
        Rule::setting_by_keyword | Rule::exit_label => return None,
        Rule::file_e
        | Rule::item_e
        | Rule::campaign_def_e
        | Rule::campaign_member_e
        | Rule::setting_e
        | Rule::handler_setting_e
        | Rule::statement_e
        | Rule::statement_kind_e
        | Rule::block_e
        | Rule::branch_stmt_e
        | Rule::branch_arm_e
        | Rule::else_arm_e
        | Rule::split_stmt_e
        | Rule::split_arm_e => return rule_name(canonical(rule)),
        Rule::file | Rule::item => "`segment`, `email`, `scoring`, `campaign` or `properties`",
        Rule::segment_def | Rule::kw_segment => "`segment`",
        Rule::email_def | Rule::kw_email => "`email`",
        Rule::email_field => "an email field (`subject`, `template`, `stage`, `preview`)",
        Rule::email_subject | Rule::kw_subject => "`subject`",
        Rule::email_template | Rule::kw_template => "`template`",
        Rule::email_stage | Rule::kw_stage => "`stage`",
        Rule::email_preview | Rule::kw_preview => "`preview`",
        Rule::funnel_stage => {
            "a funnel stage (`awareness`, `consideration`, `decision` or `retention`)"
        }
        Rule::scoring_def | Rule::kw_scoring => "`scoring`",
        Rule::score_component => "a score component such as `fit { … }`",
        Rule::score_rule => "a scoring rule such as `+10 if …` or `+5 on …`",
        Rule::score_if | Rule::kw_if => "`if`",
        Rule::score_on | Rule::kw_on => "`on`",
        Rule::score_max | Rule::kw_max => "`max`",
        Rule::properties_def | Rule::kw_properties => "`properties`",
        Rule::property_decl => "a property declaration such as `industry: text`",
        Rule::property_type => {
            "a property type (`text`, `text in [ … ]`, `number`, `bool` or `list of text`)"
        }
        Rule::type_text | Rule::type_enum | Rule::kw_text => "`text`",
        Rule::type_number | Rule::kw_number => "`number`",
        Rule::type_bool | Rule::kw_bool => "`bool`",
        Rule::type_list | Rule::kw_list => "`list of text`",
        Rule::kw_of => "`of`",
        Rule::contains | Rule::kw_contains => "`contains`",
        Rule::campaign_def | Rule::kw_campaign => "`campaign`",
        Rule::campaign_member => "a setting or a flow statement",
        Rule::setting => "a campaign setting",
        Rule::title_setting | Rule::kw_title => "`title`",
        Rule::trigger_setting | Rule::kw_trigger => "`trigger`",
        Rule::trigger_where | Rule::kw_where => "`where`",
        Rule::audience_setting | Rule::kw_audience => "`audience`",
        Rule::scoring_setting => "`scoring`",
        Rule::goal_setting | Rule::kw_goal => "`goal`",
        Rule::suppress_setting | Rule::kw_suppress => "`suppress`",
        Rule::cap_setting | Rule::kw_cap => "`cap`",
        Rule::kw_emails => "`emails`",
        Rule::kw_per => "`per`",
        Rule::reentry_setting | Rule::kw_reentry => "`reentry`",
        Rule::reentry_never | Rule::kw_never => "`never`",
        Rule::reentry_always | Rule::kw_always => "`always`",
        Rule::reentry_after | Rule::kw_after => "`after`",
        Rule::handler_setting => "a handler `on <condition> { … }`",
        Rule::window_setting | Rule::kw_during => "`send during`",
        Rule::window_days | Rule::window_day_span => "days such as `mon-fri` or `mon,wed,fri`",
        Rule::window_hours => "hours such as `09:00-17:00`",
        Rule::clock => "a time of day such as `09:00`",
        Rule::dash => "`-`",
        Rule::statement | Rule::statement_kind => "a flow statement",
        Rule::label => "a label such as `retry:`",
        Rule::block => "a block `{ … }`",
        Rule::send_stmt | Rule::kw_send => "`send`",
        Rule::wait_stmt | Rule::kw_wait => "`wait`",
        Rule::wait_until => "`or until`",
        Rule::kw_until => "`until`",
        Rule::branch_stmt | Rule::kw_branch => "`branch`",
        Rule::branch_arm | Rule::kw_when => "`when`",
        Rule::else_arm | Rule::kw_else => "`else`",
        Rule::split_stmt | Rule::kw_split => "`split`",
        Rule::split_arm => "a split arm such as `50% { … }`",
        Rule::set_stmt | Rule::kw_set => "`set`",
        Rule::notify_stmt | Rule::kw_notify => "`notify`",
        Rule::handoff_stmt | Rule::kw_handoff => "`handoff`",
        Rule::handoff_body => "a handoff block `{ note \"…\" }`",
        Rule::handoff_note | Rule::kw_note => "`note`",
        Rule::handoff_task | Rule::kw_task => "`task`",
        Rule::kw_due => "`due`",
        Rule::enroll_stmt | Rule::kw_enroll => "`enroll`",
        Rule::goto_stmt | Rule::kw_goto => "`goto`",
        Rule::exit_stmt | Rule::kw_exit => "`exit`",
        Rule::condition | Rule::or_expr | Rule::and_expr | Rule::not_expr | Rule::primary => {
            "a condition"
        }
        Rule::paren => "`(`",
        Rule::in_segment | Rule::kw_in => "`in`",
        Rule::inactive | Rule::kw_inactive => "`inactive`",
        Rule::test | Rule::operand | Rule::path => "a property, score or event name",
        Rule::argument => "an argument `( … )`",
        Rule::test_tail => "a comparison",
        Rule::comparison | Rule::compare_op => {
            "a comparison operator (`==`, `!=`, `>=`, `<=`, `>`, `<`)"
        }
        Rule::membership => "`in [ … ]`",
        Rule::negation | Rule::kw_not => "`not`",
        Rule::within | Rule::kw_within => "`within`",
        Rule::list => "a list such as `[\"a\", \"b\"]`",
        Rule::event_ref => "an event such as `form.submitted(\"id\")`",
        Rule::literal => "a string or a number",
        Rule::boolean => "`true` or `false`",
        Rule::number => "a number",
        Rule::integer => "a whole number",
        Rule::points => "signed points such as `+10` or `-5`",
        Rule::percent => "a percentage such as `50%`",
        Rule::duration => "a duration such as `3d`",
        Rule::string | Rule::string_part | Rule::string_text => "a string such as `\"text\"`",
        Rule::escape => "an escape (`\\\"`, `\\\\`, `\\n`, `\\t` or `\\u{…}`)",
        Rule::ident | Rule::ident_char => "a name (lowercase letters, digits and `_`)",
        Rule::reserved | Rule::keyword => return None,
        Rule::kw_and => "`and`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::kw_or => "`or`",
        Rule::WHITESPACE => return None,
    })
}

/// The rule of the tree-building grammar that an error grammar's rule is
/// the twin of (`grammar/nurture.pest`, "the flow as errors report it").
fn canonical(rule: Rule) -> Rule {
    match rule {
        Rule::file_e => Rule::file,
        Rule::item_e => Rule::item,
        Rule::campaign_def_e => Rule::campaign_def,
        Rule::campaign_member_e => Rule::campaign_member,
        Rule::setting_e => Rule::setting,
        Rule::handler_setting_e => Rule::handler_setting,
        Rule::statement_e => Rule::statement,
        Rule::statement_kind_e => Rule::statement_kind,
        Rule::block_e => Rule::block,
        Rule::branch_stmt_e => Rule::branch_stmt,
        Rule::branch_arm_e => Rule::branch_arm,
        Rule::else_arm_e => Rule::else_arm,
        Rule::split_stmt_e => Rule::split_stmt,
        Rule::split_arm_e => Rule::split_arm,
        other => other,
    }
}

/// The error of the error grammar, told in the rules of the tree-building one.
pub fn canonical_error(mut error: pest::error::Error<Rule>) -> pest::error::Error<Rule> {
    if let ErrorVariant::ParsingError {
        positives,
        negatives,
    } = &mut error.variant
    {
        for rule in positives.iter_mut().chain(negatives.iter_mut()) {
            *rule = canonical(*rule);
        }
    }
    error
}

/// At most this many alternatives are listed; past it the list only confuses.
/// (Seven: what may follow a property, `contains` included.)
const MAX_EXPECTED: usize = 7;

/// A failed parse of one item of a file.
pub struct Failure<'a> {
    pub file: FileId,
    /// The whole file.
    pub text: &'a str,
    /// The item pest was given; its error counts from `chunk.start`.
    pub chunk: Range<usize>,
    pub error: &'a pest::error::Error<Rule>,
}

pub fn syntax_error(failure: &Failure<'_>) -> Diagnostic {
    let Failure {
        file,
        text,
        ref chunk,
        error,
    } = *failure;
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (chunk.start + p, chunk.start + p),
        InputLocation::Span((s, e)) => (chunk.start + s, chunk.start + e),
    };
    let span = Span::new(file, start, end);
    if let Some(d) = inside_string(file, text, start, error) {
        return d;
    }
    let item_text = text.get(chunk.clone()).unwrap_or("");
    let at_item_end = text.get(start..chunk.end).is_some_and(is_trivia);
    if at_item_end {
        if let Some(open) = scan::unclosed_brace(item_text) {
            let open = chunk.start + open;
            let found = describe_found(text, start);
            let label = if start >= text.len() {
                "the file ends here"
            } else {
                "the next item starts here"
            };
            return Diagnostic::new(
                Code::Syntax,
                format!("expected `}}`, found {found}"),
                Span::new(file, start, start + next_word_len(text, start)),
                label,
            )
            .with_secondary(Span::new(file, open, open + 1), "this `{` is never closed")
            .with_help("add the missing `}`");
        }
    }
    let found = describe_found(text, start);
    let (message, label) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = Vec::new();
            // Where any setting could stand, name them as one.
            let settings = positives.iter().filter(|r| is_setting(**r)).count();
            for name in positives
                .iter()
                .filter_map(|r| match settings > 1 && is_setting(*r) {
                    true => Some("a campaign setting"),
                    false => rule_name(*r),
                })
            {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            // Any statement's first word could be a label (`wait:`), and a
            // new item could follow any complete one; saying so beside what
            // the item itself needs only misleads.
            // `send during` is tried wherever `send` could start a window.
            let noise = [
                Rule::kw_during,
                Rule::colon,
                Rule::EOI,
                Rule::item,
                Rule::segment_def,
                Rule::email_def,
                Rule::scoring_def,
                Rule::campaign_def,
                Rule::properties_def,
            ];
            let noise: Vec<&str> = noise.iter().filter_map(|r| rule_name(*r)).collect();
            if names.iter().any(|n| !noise.contains(n)) {
                names.retain(|n| !noise.contains(n));
            }
            let expected = join_alternatives(&names);
            (
                format!("expected {expected}, found {found}"),
                format!("expected {expected}"),
            )
        }
        ErrorVariant::CustomError { message } => (message.clone(), message.clone()),
    };
    let mut diagnostic = Diagnostic::new(Code::Syntax, message, span, label);
    if at_item_end {
        for (opening, closing) in [(b'(', b')'), (b'[', b']')] {
            if let Some(open) = scan::unclosed(item_text, opening, closing) {
                let open = chunk.start + open;
                diagnostic = diagnostic.with_secondary(
                    Span::new(file, open, open + 1),
                    format!("this `{}` is never closed", char::from(opening)),
                );
            }
        }
    }
    if let Some(help) = help_for(text, start, error) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn is_setting(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::setting
            | Rule::title_setting
            | Rule::trigger_setting
            | Rule::audience_setting
            | Rule::scoring_setting
            | Rule::goal_setting
            | Rule::suppress_setting
            | Rule::cap_setting
            | Rule::reentry_setting
            | Rule::handler_setting
            | Rule::window_setting
            | Rule::kw_on
            | Rule::kw_send
            | Rule::kw_during
            | Rule::kw_title
            | Rule::kw_trigger
            | Rule::kw_audience
            | Rule::kw_goal
            | Rule::kw_suppress
            | Rule::kw_cap
            | Rule::kw_reentry
            | Rule::kw_scoring
    )
}

/// Only white space and comments.
fn is_trivia(text: &str) -> bool {
    scan::tokens(text).all(|t| matches!(t, scan::Token::Comment { .. }))
}

fn next_word_len(text: &str, at: usize) -> usize {
    text.get(at..).map_or(0, |rest| {
        rest.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count()
    })
}

fn join_alternatives(names: &[&str]) -> String {
    match names {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        _ if names.len() > MAX_EXPECTED => {
            format!("{}, or another construct", names[..MAX_EXPECTED].join(", "))
        }
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn describe_found(text: &str, at: usize) -> String {
    let rest = text.get(at..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return "the end of the file".to_string();
    };
    if c.is_ascii_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .take(40)
            .collect();
        format!("`{word}`")
    } else if c == '\n' || c == '\r' {
        "the end of the line".to_string()
    } else if c == '"' {
        "a string".to_string()
    } else if c.is_control() {
        format!("the control character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Errors inside a string literal: a bad escape or a missing closing quote.
fn inside_string(
    file: FileId,
    text: &str,
    at: usize,
    error: &pest::error::Error<Rule>,
) -> Option<Diagnostic> {
    let ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return None;
    };
    if !positives.contains(&Rule::escape) {
        return None;
    }
    let rest = text.get(at..).unwrap_or("");
    if rest.starts_with('\\') {
        let escape: String = rest.chars().take(2).collect();
        // A backslash before the end of the line or file, or before a
        // control character, must not put that character into a one-line
        // message.
        let what = match escape.chars().nth(1) {
            None => Some("the end of the file".to_string()),
            Some('\n' | '\r') => Some("the end of the line".to_string()),
            Some(c) if c.is_control() => {
                Some(format!("the control character U+{:04X}", u32::from(c)))
            }
            Some(_) => None,
        };
        if let Some(what) = what {
            return Some(
                Diagnostic::new(
                    Code::Syntax,
                    format!("unknown escape: `\\` followed by {what}"),
                    Span::new(file, at, at + 1),
                    "unknown escape",
                )
                .with_help("strings end on the line they start; write `\\\\` for a backslash"),
            );
        }
        return Some(
            Diagnostic::new(
                Code::Syntax,
                format!("unknown escape `{escape}` in a string"),
                Span::new(file, at, at + escape.len()),
                "unknown escape",
            )
            .with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{1F600}`; write `\\\\` for a backslash"),
        );
    }
    let opening = text
        .get(..at)
        .and_then(|before| before.rfind('"'))
        .unwrap_or(at);
    Some(
        Diagnostic::new(
            Code::Syntax,
            "this string is not closed",
            Span::new(file, opening, opening + 1),
            "the string starts here",
        )
        .with_secondary(Span::new(file, at, at), "and the line ends here")
        .with_help("strings end on the line they start: add the closing `\"`"),
    )
}

/// A hint for the mistakes people make most ([`super::slips`]).
fn help_for(text: &str, at: usize, error: &pest::error::Error<Rule>) -> Option<String> {
    let ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return None;
    };
    super::slips::help(text.get(at..).unwrap_or(""), positives)
}

/// Input nested deeper than `limit`: refused before pest, whose recursive
/// descent would otherwise exhaust the stack on pathological input.
pub fn too_deep(file: FileId, at: usize, depth: usize, limit: usize) -> Diagnostic {
    Diagnostic::new(
        Code::TooDeep,
        format!("nesting deeper than {limit} levels"),
        Span::new(file, at, at + 1),
        format!("this is level {depth}"),
    )
    .with_help(
        "flatten the campaign: move deep branches into their own campaign and `enroll` leads into it",
    )
}
