//! The project configuration, `nurture.toml`: where to write, which targets
//! to build, and for each platform the *bindings* from the names a project
//! uses to the ids of one account.
//!
//! Every key is optional; an empty file is a valid configuration. Binding
//! tables map a name of the project (an email, a segment, an event of the
//! catalogue, ...) to a platform id. A key or table the compiler does not know
//! is an `invalid-config` error, so that a typo never passes silently; so is a
//! value of the wrong type, and a file that is not TOML (with the position of
//! the problem, like any source file).
//!
//! ```toml
//! [build]
//! out = "dist"                        # output folder (the CLI's -o wins)
//! targets = ["ir", "klaviyo"]         # ir | klaviyo | hubspot | asl
//!
//! [lints]                             # a level per warning code (errors have none)
//! email-not-sent-yet = "allow"        # allow | warn | deny (deny: an error)
//!
//! [klaviyo]
//! from_email = "marketing@example.com"  # sender of emails and internal alerts
//! from_label = "Example Co"
//! reply_to = "hello@example.com"        # optional
//! crm_webhook = "https://crm.example.com/hooks/nurture"  # optional: handoffs and tasks are posted here
//! loop_limit = 12                       # how many times a `goto` loop is unrolled (1..=100)
//! skip = ["webinar_followup"]           # campaigns this target leaves out (also [hubspot], [asl])
//!
//! [klaviyo.templates]          # email → template id
//! recording = "RxYz12"
//! [klaviyo.metrics]            # event → metric id ("event:<name>" for event("<name>"))
//! "webinar.attended" = "AbC123"
//! [klaviyo.metric_properties]  # event → the metric property that holds its argument
//! "webinar.attended" = "webinar_id"
//! [klaviyo.segments]           # segment → segment id; `inactive_90d` for `trigger inactive 90d`
//! practitioners = "SeG456"
//! [klaviyo.lists]              # list.joined("<argument>") → list id
//! [klaviyo.enrollment_lists]   # campaign → the list `enroll <campaign>` adds leads to
//! [klaviyo.recipients]         # notify/handoff recipient → email address(es)
//! sales_team = ["sales@example.com"]
//! [klaviyo.properties]         # contact property → Klaviyo property (default: the same name)
//! [klaviyo.scores]             # scoring model or model.component → property (default: b2b_score, b2b_fit_score)
//!
//! [hubspot]
//! loop_limit = 12
//! suppression_lists = ["41"]   # HubSpot list ids never enrolled in any generated workflow
//! [hubspot.emails]             # email → marketing email id (content_id)
//! [hubspot.events]             # event → event type id (eventTypeId), e.g. "4-1639801" for form submissions
//! [hubspot.event_properties]   # event → the event property that holds its argument
//! [hubspot.segments]           # segment → list id
//! [hubspot.lists]              # list.joined("<argument>") → list id
//! [hubspot.enrollment_lists]   # campaign → the list `enroll <campaign>` adds leads to
//! [hubspot.recipients]         # recipient name or address → HubSpot user id(s)
//! [hubspot.properties]         # contact property → HubSpot property (default: the same name)
//! [hubspot.scores]
//! [hubspot.lifecycle_stages]   # a custom lifecycle stage → its internal value
//! [hubspot.values.industry]    # a value of a property declared `text in [ … ]` → its internal value
//!
//! [asl.resources]              # Lambda function (name or ARN) behind each kind of Task state
//! evaluate = "arn:aws:lambda:eu-west-1:123456789012:function:nurture-evaluate"
//! send = "nurture-send"        # also: wait_until, set_property, notify, handoff, send_window
//! [asl.state_machines]         # campaign → state machine ARN, for `enroll <campaign>`
//! [asl.properties]             # contact property → name passed to the Lambdas
//! ```
//!
//! [`parse_config`] reads the text; the caller finds the file (next to or
//! above the paths given) and adds it to the [`crate::SourceMap`] so that its
//! diagnostics render with source lines.

use crate::diagnostics::lints::{Level, LintLevels};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::Target;
use crate::ir::EventKind;
use crate::resolve::suggest;
use crate::span::{FileId, Span};
use std::collections::BTreeMap;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The name of the configuration file.
pub const FILE_NAME: &str = "nurture.toml";

/// The largest `loop_limit` accepted.
pub const MAX_LOOP_LIMIT: u32 = 100;

/// `loop_limit` when the config gives none.
pub const DEFAULT_LOOP_LIMIT: u32 = 12;

/// A parsed `nurture.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `[build] out`.
    pub output: Option<String>,
    /// `[build] targets`, in the order written, without repeats.
    pub targets: Vec<Target>,
    pub klaviyo: KlaviyoConfig,
    pub hubspot: HubspotConfig,
    pub asl: AslConfig,
    /// `[lints]`: a level per warning code.
    pub lints: LintLevels,
    /// `[policy]`: rules every campaign of the project keeps.
    pub policy: Policy,
}

/// `[policy]` of `nurture.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `cap = "3 emails per 7d"`: the most emails a lead may get from the
    /// project's campaigns together in any window of that length.
    pub cap: Option<ProjectCap>,
    /// `overlap = "…"`: which pairs of campaigns `campaign-overlap` and
    /// `project-cap` judge.
    pub overlap: OverlapReach,
}

impl Policy {
    /// Whether the policy adds any check to those of the sources.
    pub fn judges_anything(&self) -> bool {
        self.cap.is_some() || self.overlap != OverlapReach::SharedTrigger
    }
}

/// Which pairs of campaigns can hold a lead at once, for the overlap checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OverlapReach {
    /// `"shared-trigger"`: pairs that one event can start (the default).
    #[default]
    SharedTrigger,
    /// `"any-trigger"`: also pairs started by different events, for a lead
    /// that does both.
    AnyTrigger,
}

impl OverlapReach {
    pub const NAMES: &'static [&'static str] = &["shared-trigger", "any-trigger"];

    pub fn from_name(name: &str) -> Option<OverlapReach> {
        match name {
            "shared-trigger" => Some(OverlapReach::SharedTrigger),
            "any-trigger" => Some(OverlapReach::AnyTrigger),
            _ => None,
        }
    }
}

/// A project-level cap, as written and as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCap {
    pub sends: u64,
    /// The window, in seconds (positive).
    pub per: u64,
    /// `cap = "…"` as written, without the quotes.
    pub text: String,
    pub span: Span,
}

/// Reads `3 emails per 7d` (or `1 email per 12h`): the sends and the window
/// in seconds, or why not.
pub fn parse_cap(text: &str) -> Result<(u64, u64), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [count, unit, per, duration] = words.as_slice() else {
        return Err("write it as `<n> emails per <duration>`, e.g. `3 emails per 7d`".to_string());
    };
    let sends: u64 = count
        .parse()
        .ok()
        .filter(|n| *n <= crate::MAX_WHOLE_NUMBER)
        .ok_or_else(|| format!("`{count}` is not a number of emails"))?;
    if !matches!(*unit, "email" | "emails") || *per != "per" {
        return Err("write it as `<n> emails per <duration>`, e.g. `3 emails per 7d`".to_string());
    }
    let split = duration.len().saturating_sub(1);
    let (amount, unit) = (duration.get(..split).unwrap_or(""), duration.get(split..));
    let seconds_per = match unit {
        Some("m") => 60,
        Some("h") => 3_600,
        Some("d") => 86_400,
        Some("w") => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{duration}` is not a duration (`30m`, `12h`, `7d`, `2w`)"
            ))
        }
    };
    let amount: u64 = amount
        .parse()
        .map_err(|_| format!("`{duration}` is not a duration (`30m`, `12h`, `7d`, `2w`)"))?;
    let seconds = amount
        .checked_mul(seconds_per)
        .filter(|s| *s > 0 && *s <= 100 * 365 * 86_400)
        .ok_or_else(|| format!("`{duration}` is zero or too long"))?;
    Ok((sends, seconds))
}

/// One string value and where it is written in `nurture.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub span: Span,
}

/// One or more strings (a string, or an array of strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSetting {
    pub values: Vec<String>,
    pub span: Span,
}

/// `skip = ["campaign", …]` of `[klaviyo]`, `[hubspot]` or `[asl]`: the
/// campaigns that target leaves out, each with where it is written, in the
/// order written and without repeats. The config cannot see the project:
/// the backend reports a name close to a campaign's but not one
/// (`invalid-config`) and an `enroll` of a built campaign into a skipped one
/// (`enroll-into-skipped`).
pub type Skip = Vec<Setting>;

/// A binding table: a name of the project → a platform id.
pub type Bindings = BTreeMap<String, Setting>;

/// A binding table whose values are lists (recipients).
pub type ListBindings = BTreeMap<String, ListSetting>;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KlaviyoConfig {
    pub from_email: Option<Setting>,
    pub from_label: Option<Setting>,
    pub reply_to: Option<Setting>,
    pub crm_webhook: Option<Setting>,
    pub loop_limit: Option<u32>,
    pub skip: Skip,
    pub templates: Bindings,
    pub metrics: Bindings,
    pub metric_properties: Bindings,
    pub segments: Bindings,
    pub lists: Bindings,
    pub enrollment_lists: Bindings,
    pub recipients: ListBindings,
    pub properties: Bindings,
    pub scores: Bindings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubspotConfig {
    pub loop_limit: Option<u32>,
    pub skip: Skip,
    pub suppression_lists: Option<ListSetting>,
    pub emails: Bindings,
    /// Email → the email campaign id its sends are recorded under (what
    /// email events carry as `hs_email_campaign_id`; not the content id).
    pub email_campaigns: Bindings,
    pub events: Bindings,
    pub event_properties: Bindings,
    pub segments: Bindings,
    pub lists: Bindings,
    pub enrollment_lists: Bindings,
    pub recipients: ListBindings,
    pub properties: Bindings,
    pub scores: Bindings,
    /// A lifecycle stage as the campaigns write it → HubSpot's internal
    /// value of `lifecyclestage` (HubSpot's own stages need none).
    pub lifecycle_stages: Bindings,
    /// `[hubspot.values.<property>]`, per property declared `text in [ … ]`:
    /// a declared value → the internal value of the HubSpot option.
    pub values: BTreeMap<String, ValueBindings>,
}

/// The internal values of one declared enumeration property. Which
/// properties are declared, and with which values, is the project's: the
/// HubSpot backend checks the table against them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueBindings {
    /// Where the property's key is written.
    pub span: Span,
    pub values: Bindings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AslConfig {
    pub skip: Skip,
    pub resources: Bindings,
    pub state_machines: Bindings,
    pub properties: Bindings,
}

/// The kinds of Task state an ASL output can contain: the keys of
/// `[asl.resources]`.
pub const ASL_RESOURCES: &[&str] = &[
    "evaluate",
    "send",
    "wait_until",
    "set_property",
    "notify",
    "handoff",
    "send_window",
];

/// What the keys of a binding table must look like.
#[derive(Debug, Clone, Copy)]
enum Keys {
    /// A name of the project: `[a-z_][a-z0-9_]*`.
    Name,
    /// A scoring model, or `model.component`.
    Score,
    /// An event of the catalogue, or `event:<custom name>`.
    Event,
    /// A name or an email address.
    Recipient,
    /// Any non-empty text (an event argument).
    Text,
    /// One of a fixed list.
    OneOf(&'static [&'static str]),
}

const TOP: &[&str] = &["build", "lints", "policy", "klaviyo", "hubspot", "asl"];
const POLICY: &[&str] = &["cap", "overlap"];
const BUILD: &[&str] = &["out", "targets"];
const KLAVIYO: &[&str] = &[
    "from_email",
    "from_label",
    "reply_to",
    "crm_webhook",
    "loop_limit",
    "skip",
    "templates",
    "metrics",
    "metric_properties",
    "segments",
    "lists",
    "enrollment_lists",
    "recipients",
    "properties",
    "scores",
];
const HUBSPOT: &[&str] = &[
    "loop_limit",
    "skip",
    "suppression_lists",
    "emails",
    "email_campaigns",
    "events",
    "event_properties",
    "segments",
    "lists",
    "enrollment_lists",
    "recipients",
    "properties",
    "scores",
    "lifecycle_stages",
    "values",
];
const ASL: &[&str] = &["skip", "resources", "state_machines", "properties"];

/// Parses the text of a `nurture.toml` that the [`crate::SourceMap`] knows
/// as `file`. Returns every problem found, not only the first.
pub fn parse_config(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    let mut reader = Reader {
        file,
        len: text.len(),
        diagnostics: Vec::new(),
    };
    if !errors.is_empty() {
        for error in errors {
            let range = error.span().unwrap_or(0..0);
            let span = reader.span(range);
            let message = error.message().trim().to_string();
            reader.diagnostics.push(
                Diagnostic::new(Code::InvalidConfig, format!("{FILE_NAME} is not valid TOML: {message}"), span, message)
                    .with_help("see https://toml.io for the syntax; `nurturec explain invalid-config` for the keys"),
            );
        }
        crate::diagnostics::sort_and_dedup(&mut reader.diagnostics);
        return Err(reader.diagnostics);
    }
    let config = reader.config(root.get_ref());
    if reader.diagnostics.is_empty() {
        Ok(config)
    } else {
        crate::diagnostics::sort_and_dedup(&mut reader.diagnostics);
        Err(reader.diagnostics)
    }
}

struct Reader {
    file: FileId,
    len: usize,
    diagnostics: Vec<Diagnostic>,
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

/// A table's entries in the order they are written.
fn entries<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut list: Vec<Entry<'t, 'i>> = table.iter().collect();
    list.sort_by_key(|(k, _)| k.span().start);
    list
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A key as written in TOML: bare if it can be, else quoted.
pub(crate) fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string.
pub(crate) fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Reader {
    fn span(&self, range: std::ops::Range<usize>) -> Span {
        let start = range.start.min(self.len);
        let end = range.end.clamp(start, self.len);
        Span::new(self.file, start, end)
    }

    fn error(
        &mut self,
        span: std::ops::Range<usize>,
        message: String,
        label: &str,
    ) -> &mut Diagnostic {
        let span = self.span(span);
        self.diagnostics
            .push(Diagnostic::new(Code::InvalidConfig, message, span, label));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn unknown_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        path: &str,
        known: &[&str],
    ) {
        let name = key.get_ref().as_ref();
        let place = if path.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `[{path}]`")
        };
        let help = match suggest::closest(name, known.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("the keys {place} are: {}", known.join(", ")),
        };
        let d = self.error(
            key.span(),
            format!("unknown key `{name}` {place} of {FILE_NAME}"),
            "not a key the compiler knows",
        );
        d.help = Some(help);
    }

    fn wrong_type(&mut self, value: &Spanned<DeValue<'_>>, what: &str, expected: &str) {
        let found = type_name(value.get_ref());
        self.error(
            value.span(),
            format!("`{what}` must be {expected}, not {found}"),
            &format!("expected {expected}"),
        );
    }

    fn table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(value, what, "a table");
                None
            }
        }
    }

    fn string(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<Setting> {
        match value.get_ref() {
            DeValue::String(s) if s.trim().is_empty() => {
                self.error(value.span(), format!("`{what}` is empty"), "empty string");
                None
            }
            DeValue::String(s) => Some(Setting {
                value: s.to_string(),
                span: self.span(value.span()),
            }),
            _ => {
                self.wrong_type(value, what, "a string");
                None
            }
        }
    }

    /// A string or an array of strings.
    fn strings(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<ListSetting> {
        let span = self.span(value.span());
        match value.get_ref() {
            DeValue::String(_) => self.string(value, what).map(|s| ListSetting {
                values: vec![s.value],
                span,
            }),
            DeValue::Array(items) => {
                let mut values = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.string(item, what) {
                        Some(s) => values.push(s.value),
                        None => ok = false,
                    }
                }
                if values.is_empty() && ok {
                    self.error(
                        value.span(),
                        format!("`{what}` is an empty list"),
                        "no values",
                    );
                    return None;
                }
                ok.then_some(ListSetting { values, span })
            }
            _ => {
                self.wrong_type(value, what, "a string or an array of strings");
                None
            }
        }
    }

    /// `skip = ["campaign", …]`: an array of campaign names (an empty one
    /// skips nothing). Whether each is a campaign of the project is the
    /// backend's to check.
    fn skip(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Skip {
        let mut out = Skip::new();
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, what, "an array of campaign names");
            return out;
        };
        for item in items {
            let Some(name) = self.string(item, what) else {
                continue;
            };
            if !is_name(&name.value) {
                let d = self.error(
                    item.span(),
                    format!("`{}` in `{what}` is not a campaign name", name.value),
                    "not a campaign name",
                );
                d.help = Some(
                    "a campaign name as written after `campaign` (lowercase, digits, `_`)"
                        .to_string(),
                );
                continue;
            }
            if out.iter().all(|s| s.value != name.value) {
                out.push(name);
            }
        }
        out
    }

    fn integer(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        what: &str,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        let DeValue::Integer(i) = value.get_ref() else {
            self.wrong_type(value, what, "an integer");
            return None;
        };
        let parsed = i64::from_str_radix(i.as_str(), i.radix()).ok();
        match parsed
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
        {
            Some(n) => Some(n),
            None => {
                self.error(
                    value.span(),
                    format!("`{what}` must be between {min} and {max}"),
                    &format!("not in {min}..={max}"),
                );
                None
            }
        }
    }

    fn check_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        path: &str,
        rule: Keys,
    ) -> bool {
        let name = key.get_ref().as_ref();
        let (ok, expected, suggestion): (bool, String, Option<String>) = match rule {
            Keys::Name => (
                is_name(name),
                "a name such as `webinar_recording` (lowercase, digits, `_`)".into(),
                None,
            ),
            Keys::Score => {
                let ok = match name.split_once('.') {
                    Some((model, component)) => is_name(model) && is_name(component),
                    None => is_name(name),
                };
                (
                    ok,
                    "a scoring model (`b2b`) or a component (`b2b.fit`)".into(),
                    None,
                )
            }
            Keys::Event => {
                let ok = EventKind::from_name(name).is_some_and(|k| k != EventKind::Custom)
                    || name
                        .strip_prefix("event:")
                        .is_some_and(|rest| !rest.is_empty());
                let names = EventKind::ALL
                    .iter()
                    .filter(|k| **k != EventKind::Custom)
                    .map(|k| k.name());
                let close = suggest::closest(name, names).map(str::to_string);
                (
                    ok,
                    "an event of the catalogue (`form.submitted`) or `event:<custom name>`".into(),
                    close,
                )
            }
            Keys::Recipient => (
                is_name(name) || (name.contains('@') && !name.contains(char::is_whitespace)),
                "a recipient name (`sales_team`) or an email address".into(),
                None,
            ),
            Keys::Text => (!name.trim().is_empty(), "a non-empty key".into(), None),
            Keys::OneOf(allowed) => (
                allowed.contains(&name),
                format!("one of {}", allowed.join(", ")),
                suggest::closest(name, allowed.iter().copied()).map(str::to_string),
            ),
        };
        if !ok {
            let d = self.error(
                key.span(),
                format!("`{name}` is not a valid key in `[{path}]`: expected {expected}"),
                "invalid key",
            );
            if let Some(close) = suggestion {
                d.help = Some(format!("did you mean `{close}`?"));
            }
        }
        ok
    }

    fn bindings(&mut self, value: &Spanned<DeValue<'_>>, path: &str, rule: Keys) -> Bindings {
        let mut out = Bindings::new();
        let Some(table) = self.table(value, path) else {
            return out;
        };
        for (key, value) in entries(table) {
            if !self.check_key(key, path, rule) {
                continue;
            }
            let what = format!("{path}.{}", toml_key(key.get_ref()));
            if let Some(setting) = self.string(value, &what) {
                out.insert(key.get_ref().to_string(), setting);
            }
        }
        out
    }

    fn list_bindings(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        rule: Keys,
    ) -> ListBindings {
        let mut out = ListBindings::new();
        let Some(table) = self.table(value, path) else {
            return out;
        };
        for (key, value) in entries(table) {
            if !self.check_key(key, path, rule) {
                continue;
            }
            let what = format!("{path}.{}", toml_key(key.get_ref()));
            if let Some(setting) = self.strings(value, &what) {
                out.insert(key.get_ref().to_string(), setting);
            }
        }
        out
    }

    fn config(&mut self, root: &DeTable<'_>) -> Config {
        let mut config = Config::default();
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "build" => self.build(value, &mut config),
                "lints" => config.lints = self.lints(value),
                "policy" => config.policy = self.policy(value),
                "klaviyo" => config.klaviyo = self.klaviyo(value),
                "hubspot" => config.hubspot = self.hubspot(value),
                "asl" => config.asl = self.asl(value),
                _ => self.unknown_key(key, "", TOP),
            }
        }
        config
    }

    fn build(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        let Some(table) = self.table(value, "build") else {
            return;
        };
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "out" => config.output = self.string(value, "build.out").map(|s| s.value),
                "targets" => {
                    let DeValue::Array(items) = value.get_ref() else {
                        self.wrong_type(value, "build.targets", "an array of target names");
                        continue;
                    };
                    for item in items {
                        let Some(name) = self.string(item, "build.targets") else {
                            continue;
                        };
                        match name.value.parse::<Target>() {
                            Ok(target) => {
                                if !config.targets.contains(&target) {
                                    config.targets.push(target);
                                }
                            }
                            Err(e) => {
                                let names: Vec<&str> =
                                    Target::ALL.iter().map(|t| t.as_str()).collect();
                                let close = suggest::closest(&name.value, names.iter().copied());
                                let d = self.error(item.span(), e.to_string(), "unknown target");
                                d.help = Some(match close {
                                    Some(c) => format!("did you mean `{c}`?"),
                                    None => format!("the targets are: {}", names.join(", ")),
                                });
                            }
                        }
                    }
                }
                _ => self.unknown_key(key, "build", BUILD),
            }
        }
    }

    /// `[policy]`: `cap = "<n> emails per <duration>"`, `overlap = "…"`.
    fn policy(&mut self, value: &Spanned<DeValue<'_>>) -> Policy {
        let mut policy = Policy::default();
        let Some(table) = self.table(value, "policy") else {
            return policy;
        };
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "cap" => {
                    let Some(setting) = self.string(value, "policy.cap") else {
                        continue;
                    };
                    match parse_cap(&setting.value) {
                        Ok((sends, per)) => {
                            policy.cap = Some(ProjectCap {
                                sends,
                                per,
                                text: setting.value.trim().to_string(),
                                span: setting.span,
                            })
                        }
                        Err(why) => {
                            let d = self.error(
                                value.span(),
                                format!("`policy.cap` is not a cap: {why}"),
                                "not `<n> emails per <duration>`",
                            );
                            d.help = Some("e.g. `cap = \"3 emails per 7d\"`".to_string());
                        }
                    }
                }
                "overlap" => {
                    if let Some(reach) = self.overlap_reach(value) {
                        policy.overlap = reach;
                    }
                }
                _ => self.unknown_key(key, "policy", POLICY),
            }
        }
        policy
    }

    /// `policy.overlap`: `"shared-trigger"` or `"any-trigger"`.
    fn overlap_reach(&mut self, value: &Spanned<DeValue<'_>>) -> Option<OverlapReach> {
        let setting = self.string(value, "policy.overlap")?;
        let reach = OverlapReach::from_name(setting.value.trim());
        if reach.is_none() {
            let help = match suggest::closest(&setting.value, OverlapReach::NAMES.iter().copied()) {
                Some(close) => format!("did you mean `\"{close}\"`?"),
                None => "`\"any-trigger\"` also judges campaigns started by different events"
                    .to_string(),
            };
            let d = self.error(
                value.span(),
                format!("`{}` is not a `policy.overlap`", setting.value),
                "expected \"shared-trigger\" or \"any-trigger\"",
            );
            d.help = Some(help);
        }
        reach
    }

    /// `[lints]`: warning code = "allow" | "warn" | "deny".
    fn lints(&mut self, value: &Spanned<DeValue<'_>>) -> LintLevels {
        let mut levels = LintLevels::default();
        let Some(table) = self.table(value, "lints") else {
            return levels;
        };
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let Some(code) = Code::from_name(name) else {
                let help = match Code::similar(name, 1).first() {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "`nurturec explain` lists every code".to_string(),
                };
                let d = self.error(
                    key.span(),
                    format!("`{name}` in `[lints]` is not a diagnostic code"),
                    "unknown code",
                );
                d.help = Some(help);
                continue;
            };
            let what = format!("lints.{name}");
            let Some(setting) = self.string(value, &what) else {
                continue;
            };
            let Some(level) = Level::from_name(&setting.value) else {
                let help = match suggest::closest(&setting.value, Level::NAMES.iter().copied()) {
                    Some(close) => format!("did you mean `\"{close}\"`?"),
                    None => "the levels are \"allow\", \"warn\" and \"deny\"".to_string(),
                };
                let d = self.error(
                    value.span(),
                    format!("`{}` is not a lint level", setting.value),
                    "expected \"allow\", \"warn\" or \"deny\"",
                );
                d.help = Some(help);
                continue;
            };
            if !levels.set(code, level, self.span(key.span())) {
                let d = self.error(
                    key.span(),
                    format!("`{name}` is an error: `[lints]` sets the level of warnings only"),
                    "an error code",
                );
                d.help = Some(
                    "errors cannot be allowed or downgraded; fix what the error says".to_string(),
                );
            }
        }
        levels
    }

    fn klaviyo(&mut self, value: &Spanned<DeValue<'_>>) -> KlaviyoConfig {
        let mut k = KlaviyoConfig::default();
        let Some(table) = self.table(value, "klaviyo") else {
            return k;
        };
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let path = format!("klaviyo.{name}");
            match name {
                "from_email" => k.from_email = self.string(value, &path),
                "from_label" => k.from_label = self.string(value, &path),
                "reply_to" => k.reply_to = self.string(value, &path),
                "crm_webhook" => k.crm_webhook = self.string(value, &path),
                "loop_limit" => k.loop_limit = self.integer(value, &path, 1, MAX_LOOP_LIMIT),
                "skip" => k.skip = self.skip(value, &path),
                "templates" => k.templates = self.bindings(value, &path, Keys::Name),
                "metrics" => k.metrics = self.bindings(value, &path, Keys::Event),
                "metric_properties" => {
                    k.metric_properties = self.bindings(value, &path, Keys::Event)
                }
                "segments" => k.segments = self.bindings(value, &path, Keys::Name),
                "lists" => k.lists = self.bindings(value, &path, Keys::Text),
                "enrollment_lists" => k.enrollment_lists = self.bindings(value, &path, Keys::Name),
                "recipients" => k.recipients = self.list_bindings(value, &path, Keys::Recipient),
                "properties" => k.properties = self.bindings(value, &path, Keys::Name),
                "scores" => k.scores = self.bindings(value, &path, Keys::Score),
                _ => self.unknown_key(key, "klaviyo", KLAVIYO),
            }
        }
        k
    }

    fn hubspot(&mut self, value: &Spanned<DeValue<'_>>) -> HubspotConfig {
        let mut h = HubspotConfig::default();
        let Some(table) = self.table(value, "hubspot") else {
            return h;
        };
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let path = format!("hubspot.{name}");
            match name {
                "loop_limit" => h.loop_limit = self.integer(value, &path, 1, MAX_LOOP_LIMIT),
                "skip" => h.skip = self.skip(value, &path),
                "suppression_lists" => {
                    h.suppression_lists = self.strings(value, &path);
                    let numeric =
                        |v: &String| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
                    if h.suppression_lists
                        .as_ref()
                        .is_some_and(|l| !l.values.iter().all(numeric))
                    {
                        self.error(
                            value.span(),
                            format!("`{path}` must list HubSpot list ids, which are numbers: [\"41\", \"42\"]"),
                            "not a list id",
                        );
                        h.suppression_lists = None;
                    }
                }
                "emails" => h.emails = self.bindings(value, &path, Keys::Name),
                "email_campaigns" => h.email_campaigns = self.bindings(value, &path, Keys::Name),
                "events" => h.events = self.bindings(value, &path, Keys::Event),
                "event_properties" => h.event_properties = self.bindings(value, &path, Keys::Event),
                "segments" => h.segments = self.bindings(value, &path, Keys::Name),
                "lists" => h.lists = self.bindings(value, &path, Keys::Text),
                "enrollment_lists" => h.enrollment_lists = self.bindings(value, &path, Keys::Name),
                "recipients" => h.recipients = self.list_bindings(value, &path, Keys::Recipient),
                "properties" => h.properties = self.bindings(value, &path, Keys::Name),
                "scores" => h.scores = self.bindings(value, &path, Keys::Score),
                "lifecycle_stages" => h.lifecycle_stages = self.bindings(value, &path, Keys::Text),
                "values" => h.values = self.value_tables(value, &path),
                _ => self.unknown_key(key, "hubspot", HUBSPOT),
            }
        }
        h
    }

    /// `[hubspot.values]`: a table of values per property.
    fn value_tables(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
    ) -> BTreeMap<String, ValueBindings> {
        let mut out = BTreeMap::new();
        let Some(table) = self.table(value, path) else {
            return out;
        };
        for (key, value) in entries(table) {
            if !self.check_key(key, path, Keys::Name) {
                continue;
            }
            let inner = format!("{path}.{}", toml_key(key.get_ref()));
            let values = self.bindings(value, &inner, Keys::Text);
            out.insert(
                key.get_ref().to_string(),
                ValueBindings {
                    span: self.span(key.span()),
                    values,
                },
            );
        }
        out
    }

    fn asl(&mut self, value: &Spanned<DeValue<'_>>) -> AslConfig {
        let mut a = AslConfig::default();
        let Some(table) = self.table(value, "asl") else {
            return a;
        };
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let path = format!("asl.{name}");
            match name {
                "skip" => a.skip = self.skip(value, &path),
                "resources" => {
                    a.resources = self.bindings(value, &path, Keys::OneOf(ASL_RESOURCES))
                }
                "state_machines" => a.state_machines = self.bindings(value, &path, Keys::Name),
                "properties" => a.properties = self.bindings(value, &path, Keys::Name),
                _ => self.unknown_key(key, "asl", ASL),
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn keys_are_quoted_when_needed() {
        assert_eq!(toml_key("recording"), "recording");
        assert_eq!(toml_key("webinar.attended"), "\"webinar.attended\"");
        assert_eq!(toml_key("event:Signed up"), "\"event:Signed up\"");
    }

    #[test]
    fn reads_a_full_config() {
        let text = r#"
[build]
out = "dist"
targets = ["ir", "asl", "ir"]

[klaviyo]
from_email = "m@example.com"
loop_limit = 3
[klaviyo.templates]
recording = "T1"
[klaviyo.metrics]
"webinar.attended" = "M1"
"event:Signed up" = "M2"
[klaviyo.recipients]
sales = ["a@example.com", "b@example.com"]
"ops@example.com" = "ops@example.com"

[hubspot]
suppression_lists = ["7"]

[asl.resources]
send = "arn:aws:lambda:eu-west-1:123456789012:function:send"
"#;
        let c = parse_config(FileId(0), text).unwrap();
        assert_eq!(c.output.as_deref(), Some("dist"));
        assert_eq!(c.targets, vec![Target::Ir, Target::Asl]);
        assert_eq!(c.klaviyo.loop_limit, Some(3));
        assert_eq!(c.klaviyo.templates["recording"].value, "T1");
        assert_eq!(c.klaviyo.metrics["event:Signed up"].value, "M2");
        assert_eq!(c.klaviyo.recipients["sales"].values.len(), 2);
        assert_eq!(c.hubspot.suppression_lists.unwrap().values, vec!["7"]);
        assert!(c.asl.resources.contains_key("send"));
    }

    #[test]
    fn the_project_cap_is_read_and_checked() {
        let c = parse_config(FileId(0), "[policy]\ncap = \"3 emails per 7d\"\n").unwrap();
        let cap = c.policy.cap.unwrap();
        assert_eq!((cap.sends, cap.per), (3, 7 * 86_400));
        assert_eq!(cap.text, "3 emails per 7d");
        assert_eq!(parse_cap("1 email per 12h"), Ok((1, 12 * 3_600)));
        for bad in [
            "3 per 7d",
            "three emails per 7d",
            "3 emails per 0d",
            "3 emails per 7y",
            "3 emails every 7d",
        ] {
            assert!(parse_cap(bad).is_err(), "{bad}");
        }
        let errors = parse_config(
            FileId(0),
            "[policy]\ncap = \"3 mails per week\"\nlimit = 2\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|d| d.code == Code::InvalidConfig));
        assert!(errors[0].message.starts_with("`policy.cap` is not a cap"));
    }

    #[test]
    fn the_overlap_reach_is_read_and_checked() {
        let c = parse_config(FileId(0), "").unwrap();
        assert_eq!(c.policy.overlap, OverlapReach::SharedTrigger);
        assert!(!c.policy.judges_anything());
        let c = parse_config(
            FileId(0),
            "[policy]
overlap = \"any-trigger\"\n",
        )
        .unwrap();
        assert_eq!(c.policy.overlap, OverlapReach::AnyTrigger);
        assert!(c.policy.judges_anything());
        let errors = parse_config(
            FileId(0),
            "[policy]
overlap = \"any-triger\"\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::InvalidConfig);
        assert_eq!(errors[0].message, "`any-triger` is not a `policy.overlap`");
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `\"any-trigger\"`?")
        );
        let errors = parse_config(
            FileId(0),
            "[policy]
overlap = true
",
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("must be a string"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn lint_levels_are_read_and_checked() {
        let text = "[lints]\nunused-label = \"allow\"\nemail-not-sent-yet = \"deny\"\nmissing-goal = \"warn\"\n";
        let c = parse_config(FileId(0), text).unwrap();
        assert_eq!(c.lints.level(Code::UnusedLabel), Some(Level::Allow));
        assert_eq!(c.lints.level(Code::EmailNotSentYet), Some(Level::Deny));
        assert_eq!(c.lints.level(Code::MissingGoal), Some(Level::Warn));
        assert_eq!(c.lints.level(Code::Unused), None);

        let text = "[lints]\nunused_label = \"allow\"\nmissing-exit = \"allow\"\nunused = \"alow\"\nmissing-goal = 1\n";
        let errors = parse_config(FileId(0), text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(errors.len(), 4, "{messages:?}");
        assert!(errors.iter().all(|d| d.code == Code::InvalidConfig));
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `unused-label`?")
        );
        assert!(messages[1].contains("is an error"), "{messages:?}");
        assert_eq!(errors[2].help.as_deref(), Some("did you mean `\"allow\"`?"));
        assert!(messages[3].contains("must be a string"), "{messages:?}");
    }

    #[test]
    fn every_problem_is_reported() {
        let text = "[bild]\nout = 1\n[klaviyo]\nloop_limit = 0\n[klaviyo.metrics]\n\"webinar.atended\" = \"x\"\n[asl.resources]\nsnd = \"y\"\n";
        let errors = parse_config(FileId(0), text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(errors.len(), 4, "{messages:?}");
        assert!(errors.iter().all(|d| d.code == Code::InvalidConfig));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `build`?"));
        assert_eq!(
            errors[2].help.as_deref(),
            Some("did you mean `webinar.attended`?")
        );
        assert_eq!(errors[3].help.as_deref(), Some("did you mean `send`?"));
    }

    #[test]
    fn skip_lists_are_read_and_checked() {
        let text = "[klaviyo]\nskip = [\"webinar\", \"recycle\", \"webinar\"]\n[hubspot]\nskip = []\n[asl]\nskip = [\"evaluation\"]\n";
        let c = parse_config(FileId(0), text).unwrap();
        let names = |skip: &Skip| skip.iter().map(|s| s.value.clone()).collect::<Vec<_>>();
        assert_eq!(names(&c.klaviyo.skip), ["webinar", "recycle"]);
        assert!(c.hubspot.skip.is_empty());
        assert_eq!(names(&c.asl.skip), ["evaluation"]);
        let first = &c.klaviyo.skip[0];
        assert_eq!(&text[first.span.start..first.span.end], "\"webinar\"");

        let text =
            "[klaviyo]\nskip = \"webinar\"\n[hubspot]\nskip = [\"Webinar\", 3]\n[asl]\nskp = []\n";
        let errors = parse_config(FileId(0), text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(errors.len(), 4, "{messages:?}");
        assert!(errors.iter().all(|d| d.code == Code::InvalidConfig));
        assert_eq!(
            messages[0],
            "`klaviyo.skip` must be an array of campaign names, not a string"
        );
        assert_eq!(
            messages[1],
            "`Webinar` in `hubspot.skip` is not a campaign name"
        );
        assert_eq!(
            messages[2],
            "`hubspot.skip` must be a string, not an integer"
        );
        assert_eq!(errors[3].help.as_deref(), Some("did you mean `skip`?"));
    }

    #[test]
    fn reads_value_tables_per_property() {
        let text = "[hubspot.values.industry]\nfintech = \"financial_services\"\n\"Software as a service\" = \"saas\"\n";
        let c = parse_config(FileId(0), text).unwrap();
        let table = &c.hubspot.values["industry"];
        assert_eq!(table.values["fintech"].value, "financial_services");
        assert_eq!(table.values["Software as a service"].value, "saas");
        assert_eq!(&text[table.span.start..table.span.end], "industry");

        let text = "[hubspot.values]\nIndustry = { a = \"b\" }\nsize = \"x\"\n[hubspot.values.tier]\ngold = 3\n";
        let errors = parse_config(FileId(0), text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(errors.len(), 3, "{messages:?}");
        assert!(errors.iter().all(|d| d.code == Code::InvalidConfig));
        assert!(
            messages[0].contains("not a valid key in `[hubspot.values]`"),
            "{messages:?}"
        );
        assert_eq!(
            messages[1],
            "`hubspot.values.size` must be a table, not a string"
        );
        assert_eq!(
            messages[2],
            "`hubspot.values.tier.gold` must be a string, not an integer"
        );
    }
}
