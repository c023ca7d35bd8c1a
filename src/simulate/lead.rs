//! A simulated lead: who it is at entry, what it did before, and what it
//! does afterwards, read from a TOML lead file (`docs/language.md`,
//! "Simulating and testing"). Times are seconds relative to the lead's entry
//! into the simulated campaign: negative before it.

use crate::ir::{EventKind, Value};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lead {
    pub id: Option<String>,
    /// Which trigger of the campaign fires at time 0 (1-based).
    pub trigger: usize,
    pub properties: BTreeMap<String, Value>,
    /// List-valued properties (`tech_stack = ["salesforce"]`), for `contains`.
    pub lists: BTreeMap<String, Vec<String>>,
    /// Scores given instead of computed, per scoring model.
    pub scores: BTreeMap<String, GivenScore>,
    /// Earlier entries, per campaign, for `reentry`.
    pub entered: BTreeMap<String, Vec<i64>>,
    /// The last engagement event before entry, for `inactive`.
    pub last_engagement: Option<i64>,
    pub events: Vec<LeadEvent>,
    pub changes: Vec<Change>,
    pub reactions: Vec<Reaction>,
    /// Contact-local time at second 0, in seconds after a Monday midnight
    /// (`entry_time = "wed 14:30"`); send windows are judged on it.
    pub entry_time: u64,
}

/// A model's score: a total and components. A total not given is the sum of
/// the components given; a component not given is 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GivenScore {
    pub total: Option<f64>,
    pub components: BTreeMap<String, f64>,
}

impl GivenScore {
    pub fn total(&self) -> f64 {
        self.total
            .unwrap_or_else(|| self.components.values().copied().sum())
    }

    pub fn component(&self, name: &str) -> f64 {
        self.components.get(name).copied().unwrap_or(0.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadEvent {
    pub at: i64,
    pub kind: EventKind,
    /// The argument, as text: an id, a path, an email or segment name.
    pub argument: Option<String>,
}

/// Later property or score changes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    pub at: i64,
    pub properties: BTreeMap<String, Value>,
    pub lists: BTreeMap<String, Vec<String>>,
    pub scores: BTreeMap<String, GivenScore>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    pub to: ReactionTo,
    /// Seconds after the send.
    pub after: u64,
    pub outcome: Outcome,
}

/// Which sends a reaction answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ReactionTo {
    /// Every send of this email.
    Email(String),
    /// The n-th send (1-based) of each run.
    Nth(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An event; email events without an argument take the email sent.
    Event {
        kind: EventKind,
        argument: Option<String>,
    },
    Properties(BTreeMap<String, Value>),
}

/// A problem with a lead file, naming the field (`events[2].at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadError {
    pub field: String,
    pub message: String,
}

impl LeadError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> LeadError {
        LeadError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for LeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for LeadError {}

type Table = toml::map::Map<String, toml::Value>;

impl Lead {
    /// Reads a lead file. Every key is checked: an unknown one is an error,
    /// so that a misspelt field is not silently ignored.
    pub fn from_toml(text: &str) -> Result<Lead, LeadError> {
        Lead::from_table(&parse(text)?)
    }

    fn from_table(table: &Table) -> Result<Lead, LeadError> {
        known_keys(
            table,
            "",
            &[
                "id",
                "trigger",
                "properties",
                "scores",
                "history",
                "events",
                "changes",
                "reactions",
                "entry_time",
            ],
        )?;
        let mut lead = Lead {
            trigger: 1,
            ..Lead::default()
        };
        if let Some(v) = table.get("id") {
            lead.id = Some(string(v, "id")?.to_string());
        }
        if let Some(v) = table.get("trigger") {
            let n = integer(v, "trigger")?;
            lead.trigger = usize::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| LeadError::new("trigger", "expected a trigger number from 1"))?;
        }
        if let Some(v) = table.get("properties") {
            (lead.properties, lead.lists) = properties_and_lists(v, "properties")?;
        }
        if let Some(v) = table.get("scores") {
            lead.scores = scores(v, "scores")?;
        }
        if let Some(v) = table.get("entry_time") {
            lead.entry_time = entry_time(string(v, "entry_time")?)?;
        }
        if let Some(v) = table.get("history") {
            let h = as_table(v, "history")?;
            known_keys(h, "history", &["entered", "last_engagement"])?;
            if let Some(v) = h.get("entered") {
                for (campaign, times) in as_table(v, "history.entered")? {
                    let field = format!("history.entered.{campaign}");
                    let list = array(times, &field)?;
                    let mut out = Vec::new();
                    for (i, t) in list.iter().enumerate() {
                        out.push(time(t, &format!("{field}[{i}]"))?);
                    }
                    lead.entered.insert(campaign.clone(), out);
                }
            }
            if let Some(v) = h.get("last_engagement") {
                lead.last_engagement = Some(time(v, "history.last_engagement")?);
            }
        }
        for (i, item) in list_of_tables(table, "events")?.into_iter().enumerate() {
            let field = format!("events[{i}]");
            known_keys(item, &field, &["at", "event", "argument"])?;
            let at = time(required(item, "at", &field)?, &format!("{field}.at"))?;
            let (kind, argument) = event(item, &field)?;
            lead.events.push(LeadEvent { at, kind, argument });
        }
        for (i, item) in list_of_tables(table, "changes")?.into_iter().enumerate() {
            let field = format!("changes[{i}]");
            known_keys(item, &field, &["at", "properties", "scores"])?;
            let at = time(required(item, "at", &field)?, &format!("{field}.at"))?;
            let mut change = Change {
                at,
                ..Change::default()
            };
            if let Some(v) = item.get("properties") {
                (change.properties, change.lists) =
                    properties_and_lists(v, &format!("{field}.properties"))?;
            }
            if let Some(v) = item.get("scores") {
                change.scores = scores(v, &format!("{field}.scores"))?;
            }
            lead.changes.push(change);
        }
        for (i, item) in list_of_tables(table, "reactions")?.into_iter().enumerate() {
            lead.reactions
                .push(reaction(item, &format!("reactions[{i}]"))?);
        }
        Ok(lead)
    }
}

fn parse(text: &str) -> Result<Table, LeadError> {
    text.parse::<toml::Table>()
        .map_err(|e| LeadError::new("", format!("not valid TOML: {}", e.message().trim_end())))
}

/// A campaign test kept in a repository (`*.lead.toml`): a lead file with the
/// campaign it enters, and optionally the seed and horizon of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignTest {
    pub campaign: String,
    pub options: super::Options,
    pub lead: Lead,
}

impl CampaignTest {
    pub fn from_toml(text: &str) -> Result<CampaignTest, LeadError> {
        let mut table = parse(text)?;
        let campaign = match table.remove("campaign") {
            Some(v) => string(&v, "campaign")?.to_string(),
            None => {
                return Err(LeadError::new(
                    "campaign",
                    "missing: the campaign the lead enters",
                ))
            }
        };
        let mut options = super::Options::default();
        if let Some(v) = table.remove("seed") {
            options.seed = u64::try_from(integer(&v, "seed")?)
                .map_err(|_| LeadError::new("seed", "expected 0 or more"))?;
        }
        if let Some(v) = table.remove("until") {
            options.horizon = u64::try_from(time(&v, "until")?)
                .map_err(|_| LeadError::new("until", "expected a positive duration"))?;
        }
        let lead = Lead::from_table(&table).map_err(|mut e| {
            // The top-level keys of a test include the three taken above.
            e.message = e.message.replace(
                "expected one of id,",
                "expected one of campaign, seed, until, id,",
            );
            e
        })?;
        Ok(CampaignTest {
            campaign,
            options,
            lead,
        })
    }
}

fn reaction(item: &Table, field: &str) -> Result<Reaction, LeadError> {
    known_keys(
        item,
        field,
        &["email", "nth", "after", "event", "argument", "properties"],
    )?;
    let to = match (item.get("email"), item.get("nth")) {
        (Some(e), None) => ReactionTo::Email(string(e, &format!("{field}.email"))?.to_string()),
        (None, Some(n)) => {
            let n = integer(n, &format!("{field}.nth"))?;
            ReactionTo::Nth(
                u32::try_from(n)
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| LeadError::new(format!("{field}.nth"), "expected 1 or more"))?,
            )
        }
        (Some(_), Some(_)) => {
            return Err(LeadError::new(
                field,
                "give either `email` or `nth`, not both",
            ))
        }
        (None, None) => {
            return Err(LeadError::new(
                field,
                "missing `email` (the email reacted to) or `nth` (the lead's n-th email)",
            ))
        }
    };
    let after = match item.get("after") {
        None => 0,
        Some(v) => {
            let f = format!("{field}.after");
            u64::try_from(time(v, &f)?)
                .map_err(|_| LeadError::new(f, "a reaction cannot come before the email"))?
        }
    };
    let outcome = match (item.get("event"), item.get("properties")) {
        (Some(_), None) => {
            let (kind, argument) = event(item, field)?;
            Outcome::Event { kind, argument }
        }
        (None, Some(p)) => {
            if item.contains_key("argument") {
                return Err(LeadError::new(
                    format!("{field}.argument"),
                    "an argument needs an `event`",
                ));
            }
            Outcome::Properties(properties(p, &format!("{field}.properties"))?)
        }
        (Some(_), Some(_)) => {
            return Err(LeadError::new(
                field,
                "give either `event` or `properties`, not both",
            ))
        }
        (None, None) => {
            return Err(LeadError::new(
                field,
                "missing `event` or `properties`: what the lead does",
            ))
        }
    };
    Ok(Reaction { to, after, outcome })
}

fn event(item: &Table, field: &str) -> Result<(EventKind, Option<String>), LeadError> {
    let f = format!("{field}.event");
    let name = string(required(item, "event", field)?, &f)?;
    let kind = EventKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        LeadError::new(
            &f,
            format!(
                "unknown event `{name}`: expected one of {}",
                names.join(", ")
            ),
        )
    })?;
    let argument = match item.get("argument") {
        None => None,
        Some(v) => Some(string(v, &format!("{field}.argument"))?.to_string()),
    };
    Ok((kind, argument))
}

fn known_keys(table: &Table, field: &str, keys: &[&str]) -> Result<(), LeadError> {
    for key in table.keys() {
        if !keys.contains(&key.as_str()) {
            let path = if field.is_empty() {
                key.clone()
            } else {
                format!("{field}.{key}")
            };
            return Err(LeadError::new(
                path,
                format!("unknown field; expected one of {}", keys.join(", ")),
            ));
        }
    }
    Ok(())
}

fn required<'t>(table: &'t Table, key: &str, field: &str) -> Result<&'t toml::Value, LeadError> {
    table
        .get(key)
        .ok_or_else(|| LeadError::new(format!("{field}.{key}"), "missing"))
}

fn list_of_tables<'t>(table: &'t Table, key: &str) -> Result<Vec<&'t Table>, LeadError> {
    let Some(v) = table.get(key) else {
        return Ok(Vec::new());
    };
    array(v, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| as_table(item, &format!("{key}[{i}]")))
        .collect()
}

fn kind_name(v: &toml::Value) -> &'static str {
    v.type_str()
}

fn as_table<'v>(v: &'v toml::Value, field: &str) -> Result<&'v Table, LeadError> {
    v.as_table()
        .ok_or_else(|| LeadError::new(field, format!("expected a table, found {}", kind_name(v))))
}

fn array<'v>(v: &'v toml::Value, field: &str) -> Result<&'v Vec<toml::Value>, LeadError> {
    v.as_array()
        .ok_or_else(|| LeadError::new(field, format!("expected an array, found {}", kind_name(v))))
}

fn string<'v>(v: &'v toml::Value, field: &str) -> Result<&'v str, LeadError> {
    v.as_str()
        .ok_or_else(|| LeadError::new(field, format!("expected a string, found {}", kind_name(v))))
}

fn integer(v: &toml::Value, field: &str) -> Result<i64, LeadError> {
    v.as_integer().ok_or_else(|| {
        LeadError::new(
            field,
            format!("expected an integer, found {}", kind_name(v)),
        )
    })
}

fn number(v: &toml::Value, field: &str) -> Result<f64, LeadError> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        _ => Err(LeadError::new(
            field,
            format!("expected a number, found {}", kind_name(v)),
        )),
    }
}

type Lists = BTreeMap<String, Vec<String>>;

/// Properties where a list of strings is also a value: at entry and in
/// `changes` (a `list of text` property, tested with `contains`).
fn properties_and_lists(
    v: &toml::Value,
    field: &str,
) -> Result<(BTreeMap<String, Value>, Lists), LeadError> {
    let mut scalars = toml::map::Map::new();
    let mut lists = Lists::new();
    for (name, value) in as_table(v, field)? {
        match value {
            toml::Value::Array(items) => {
                let f = format!("{field}.{name}");
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    list.push(string(item, &format!("{f}[{i}]"))?.to_string());
                }
                lists.insert(name.clone(), list);
            }
            other => {
                scalars.insert(name.clone(), other.clone());
            }
        }
    }
    Ok((properties(&toml::Value::Table(scalars), field)?, lists))
}

fn properties(v: &toml::Value, field: &str) -> Result<BTreeMap<String, Value>, LeadError> {
    let mut out = BTreeMap::new();
    for (name, value) in as_table(v, field)? {
        let f = format!("{field}.{name}");
        let value = match value {
            toml::Value::String(s) => Value::String(s.clone()),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Integer(_) | toml::Value::Float(_) => Value::Number(number(value, &f)?),
            other => {
                return Err(LeadError::new(
                    f,
                    format!(
                        "expected a string, number or boolean, found {}",
                        kind_name(other)
                    ),
                ))
            }
        };
        out.insert(name.clone(), value);
    }
    Ok(out)
}

fn scores(v: &toml::Value, field: &str) -> Result<BTreeMap<String, GivenScore>, LeadError> {
    let mut out = BTreeMap::new();
    for (model, parts) in as_table(v, field)? {
        let f = format!("{field}.{model}");
        let mut score = GivenScore::default();
        match parts {
            // `b2b = 40`: the total alone.
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                score.total = Some(number(parts, &f)?);
            }
            _ => {
                for (part, value) in as_table(parts, &f)? {
                    let n = number(value, &format!("{f}.{part}"))?;
                    if part == "total" {
                        score.total = Some(n);
                    } else {
                        score.components.insert(part.clone(), n);
                    }
                }
            }
        }
        out.insert(model.clone(), score);
    }
    Ok(out)
}

/// A signed duration: `6d`, `-100d`, `12h`, `30m`, `2w`, `45s` or `0`, in
/// seconds; `None` when the text is not one.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text == "0" {
        return Some(0);
    }
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1i64, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    // The unit is the last character (which may be any character at all).
    let (unit_at, _) = rest.char_indices().last()?;
    let (digits, unit) = rest.split_at(unit_at);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    digits
        .parse::<i64>()
        .ok()?
        .checked_mul(scale)
        .filter(|s| *s <= MAX_TIME)
        .map(|s| s * sign)
}

/// The longest time a lead file gives: four times the longest duration of
/// the language, so that sums of times never overflow.
const MAX_TIME: i64 = crate::MAX_DURATION_SECONDS as i64 * 4;

fn time(v: &toml::Value, field: &str) -> Result<i64, LeadError> {
    let parsed = match v {
        toml::Value::String(s) => parse_duration(s),
        toml::Value::Integer(0) => Some(0),
        _ => None,
    };
    parsed.ok_or_else(|| {
        LeadError::new(
            field,
            "expected a duration such as \"6d\", \"-100d\", \"12h\", \"30m\" or \"2w\"",
        )
    })
}

/// `"wed 14:30"`: seconds after Monday 00:00.
fn entry_time(text: &str) -> Result<u64, LeadError> {
    let bad = || {
        LeadError::new(
            "entry_time",
            format!("expected a day and a time such as \"wed 14:30\", found {text:?}"),
        )
    };
    let (day, clock) = text.split_once(' ').ok_or_else(bad)?;
    let day = crate::ir::Weekday::from_name(day).ok_or_else(bad)?;
    let (h, m) = clock.split_once(':').ok_or_else(bad)?;
    let (h, m) = match (h.len(), m.len(), h.parse::<u64>(), m.parse::<u64>()) {
        (2, 2, Ok(h), Ok(m)) if h < 24 && m < 60 => (h, m),
        _ => return Err(bad()),
    };
    Ok(day.index() as u64 * 86_400 + h * 3_600 + m * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_example() {
        let lead = Lead::from_toml(
            r#"
            id = "wf2"
            trigger = 2
            [properties]
            role = "sre"
            [scores]
            b2b = { total = 20, fit = 30 }
            [history]
            entered = { guide_download = ["-100d"] }
            last_engagement = "-100d"
            [[events]]
            at = "6d"
            event = "demo.requested"
            [[changes]]
            at = "5d"
            properties = { unsubscribed = true }
            [[reactions]]
            email = "case_study"
            after = "1d"
            event = "email.clicked"
            "#,
        );
        let lead = match lead {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(lead.id.as_deref(), Some("wf2"));
        assert_eq!(lead.trigger, 2);
        assert_eq!(lead.entered["guide_download"], vec![-100 * 86_400]);
        assert_eq!(lead.scores["b2b"].total(), 20.0);
        assert_eq!(lead.scores["b2b"].component("fit"), 30.0);
        assert_eq!(lead.events[0].at, 6 * 86_400);
        assert_eq!(lead.changes[0].at, 5 * 86_400);
        assert_eq!(lead.reactions[0].after, 86_400);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |text: &str| match Lead::from_toml(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            err("[[events]]\nat = \"six days\"\nevent = \"demo.requested\""),
            "`events[0].at`: expected a duration such as \"6d\", \"-100d\", \"12h\", \"30m\" or \"2w\""
        );
        assert!(err("[[events]]\nat = \"1d\"\nevent = \"demo.asked\"")
            .starts_with("`events[0].event`: unknown event `demo.asked`"));
        assert!(err("tigger = 2").starts_with("`tigger`: unknown field"));
        assert!(err("trigger = 0").starts_with("`trigger`: expected a trigger number"));
        assert!(
            err("[[reactions]]\nevent = \"email.clicked\"").starts_with("`reactions[0]`: missing")
        );
        assert!(err("[properties]\nroles = [1]").starts_with("`properties.roles[0]`: expected"));
        assert!(err("[properties]\nroles = { a = 1 }").starts_with("`properties.roles`: expected"));
        assert!(err("trigger = ").starts_with("not valid TOML"));
    }
}
