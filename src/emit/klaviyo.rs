//! Klaviyo: each campaign as `POST /api/flows` request bodies (JSON:API,
//! `data.type = "flow"`, schema `FlowCreateQuery` of Klaviyo's OpenAPI).
//!
//! Klaviyo flows have one trigger, no loops, no "wait until", no tasks and
//! no score arithmetic. The lowerings (all listed in `docs/backends.md`):
//!
//! - one flow per trigger (`<campaign>.json`, `<campaign>.trigger2.json`, ...),
//!   plus `<campaign>.enrolled.json` triggered by the campaign's enrollment
//!   list when another campaign `enroll`s into it;
//! - audience and trigger `where` filters: a conditional split before the
//!   first step (`(entry)`); goals and suppression: the flow's
//!   `profile_filter`, which Klaviyo checks before every action;
//! - `branch`: a chain of conditional splits; `split`: a chain of
//!   random-sample splits; `wait D or until C`: a split on `C` before every
//!   slice of at most 14 time delays; `goto` loops: unrolled
//!   (`[klaviyo] loop_limit`);
//! - `handoff`: an internal alert to the queue's addresses, then a webhook to
//!   `[klaviyo] crm_webhook` with the notes and tasks when one is set.

use super::bind::Binder;
use super::formula::Formula;
use super::unroll::Unrolled;
use super::{to_pretty, IdMode, OutputFile, Traced};
use crate::config::{Config, KlaviyoConfig, DEFAULT_LOOP_LIMIT};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Campaign, CompareOp, Condition, ConditionKind, Duration, Event, EventArgument, EventKind,
    EventSource, NodeKind, Project, Quantity, Recipient, Reentry, Target, Trigger,
    Value as IrValue,
};
use crate::span::Span;
use serde_json::{json, Map, Value};

const SECTION: &str = "klaviyo";
const PLATFORM: &str = "Klaviyo";

/// The events `inactive <duration>` means the absence of.
pub(crate) const ENGAGEMENT: [EventKind; 3] = [
    EventKind::EmailOpened,
    EventKind::EmailClicked,
    EventKind::PageVisited,
];

/// The most time delays one `wait … or until …` becomes.
pub(crate) const MAX_POLLS: u64 = 14;

/// Klaviyo's own profile fields; any other property is `properties['name']`.
const WELL_KNOWN: &[&str] = &[
    "email",
    "phone_number",
    "external_id",
    "first_name",
    "last_name",
    "organization",
    "title",
    "image",
    "locale",
];

/// Every campaign as one or more `FlowCreateQuery` bodies.
pub fn klaviyo(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    klaviyo_traced(project, config, ids).map(|files| files.into_iter().map(|t| t.file).collect())
}

/// [`klaviyo()`] with the origin of every action (`temporary_id`s are the
/// origins themselves).
pub fn klaviyo_traced(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<Traced>, Vec<Diagnostic>> {
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let mut out = Vec::new();
    for campaign in &project.campaigns {
        let mut ctx = Ctx {
            project,
            campaign,
            cfg: &config.klaviyo,
            b: &mut b,
        };
        out.extend(ctx.campaign_files());
    }
    b.finish()?;
    Ok(out)
}

/// Where an `enroll <campaign>` first appears, per target campaign.
pub(crate) fn enrollments(project: &Project, target: &str) -> Option<Span> {
    project
        .campaigns
        .iter()
        .flat_map(|c| c.flow.nodes.iter())
        .find(|n| matches!(&n.kind, NodeKind::Enroll { campaign } if campaign == target))
        .map(|n| n.head)
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

/// The longest literal run of a text with `{{ merge tags }}`, and whether
/// the text had any tag.
pub(crate) fn literal_part(text: &str) -> (String, bool) {
    if !text.contains("{{") {
        return (text.to_string(), false);
    }
    let mut best = String::new();
    let mut rest = text;
    loop {
        let (before, after) = match rest.find("{{") {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        if before.trim().len() > best.trim().len() {
            best = before.trim().to_string();
        }
        match after.and_then(|a| a.find("}}").map(|j| &a[j + 2..])) {
            Some(next) => rest = next,
            None => break,
        }
    }
    (best, true)
}

/// `(unit, value)` of a delay in the largest of days, hours, minutes that
/// divides it.
fn delay_unit(d: Duration) -> (&'static str, u64) {
    let s = d.seconds;
    if s % 86_400 == 0 {
        ("days", s / 86_400)
    } else if s % 3_600 == 0 {
        ("hours", s / 3_600)
    } else {
        ("minutes", s.div_ceil(60))
    }
}

/// `(unit, quantity)` for relative date filters and re-entry: weeks, days
/// or hours; `None` for a duration in minutes.
fn relative_unit(d: Duration) -> Option<(&'static str, u64)> {
    let s = d.seconds;
    if s % 604_800 == 0 {
        Some(("week", s / 604_800))
    } else if s % 86_400 == 0 {
        Some(("day", s / 86_400))
    } else if s % 3_600 == 0 {
        Some(("hour", s / 3_600))
    } else {
        None
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

/// `percent` of the leads still undecided, as a whole percentage of them.
pub(crate) fn conditional_percent(percent: u64, remaining: u64) -> u64 {
    if remaining == 0 {
        return 100;
    }
    ((percent * 100 + remaining / 2) / remaining).min(100)
}

struct Ctx<'a> {
    project: &'a Project,
    campaign: &'a Campaign,
    cfg: &'a KlaviyoConfig,
    b: &'a mut Binder,
}

struct Body {
    actions: Vec<Value>,
    entry: Option<String>,
}

fn action(id: &str, kind: &str, links: Value, data: Value) -> Value {
    json!({ "temporary_id": id, "type": kind, "links": links, "data": data })
}

fn next_link(next: Option<&str>) -> Value {
    json!({ "next": next })
}

impl Ctx<'_> {
    fn unsupported(&mut self, message: String, at: Span, label: &str, help: &str) {
        self.b
            .unsupported(Code::UnsupportedOnKlaviyo, message, at, label, help);
    }

    /// A Klaviyo flow cannot leave any action for a handler's block.
    fn handlers(&mut self) {
        for h in &self.campaign.flow.handlers {
            self.unsupported(
                "Klaviyo flows cannot leave any action for a handler's block".to_string(),
                h.head,
                "handler",
                "make the condition a `goal` here (the flow's profile filter), and start the handler's steps in a campaign of their own triggered by it",
            );
        }
    }

    /// The time delay before a send under `send during`: until the window's
    /// opening time on one of its days, in the profile's time zone.
    fn window_delay(&self) -> Option<Value> {
        let w = self.campaign.send_window.as_ref()?;
        let days: Vec<&str> = w.days.iter().map(|d| weekday_name(*d)).collect();
        Some(json!({
            "unit": "days",
            "value": 0,
            "timezone": "profile",
            "delay_until_time": format!("{}:00", crate::ir::SendWindow::clock_text(w.open)),
            "delay_until_weekdays": days,
        }))
    }

    // ── the campaign ──

    fn campaign_files(&mut self) -> Vec<Traced> {
        let c = self.campaign;
        self.handlers();
        let body = self.body();
        let profile_filter = self.profile_filter();
        let reentry = self.reentry();
        let title = c.title.clone().unwrap_or_else(|| c.name.clone());

        // One variant per trigger, and one for enrollment from other campaigns.
        let mut variants: Vec<(String, String, Value, Option<&Condition>)> = Vec::new();
        for (i, trigger) in c.triggers.iter().enumerate() {
            let json = self.trigger(trigger);
            let (path, name) = if i == 0 {
                (format!("{SECTION}/{}.json", c.name), title.clone())
            } else {
                (
                    format!("{SECTION}/{}.trigger{}.json", c.name, i + 1),
                    format!("{title} (trigger {}: {})", i + 1, trigger_text(trigger)),
                )
            };
            variants.push((path, name, json, trigger.filter.as_ref()));
        }
        if let Some(at) = enrollments(self.project, &c.name) {
            let list = self.b.id(
                "enrollment_lists",
                &self.cfg.enrollment_lists,
                &c.name,
                "list",
                &format!("enrollment list for campaign `{}`", c.name),
                at,
            );
            variants.push((
                format!("{SECTION}/{}.enrolled.json", c.name),
                format!("{title} (enrolled by another campaign)"),
                json!({ "type": "list", "id": list }),
                None,
            ));
        }
        if variants.is_empty() {
            // No trigger (an error in the source): a flow nothing starts.
            variants.push((
                format!("{SECTION}/{}.json", c.name),
                title.clone(),
                Value::Null,
                None,
            ));
        }

        let mut files = Vec::new();
        for (path, name, trigger, filter) in variants {
            let mut actions = Vec::new();
            let mut entry = body.entry.clone();
            let admit = Formula::and(vec![
                c.audience
                    .as_ref()
                    .map_or(Formula::True, |a| self.cond(a, true)),
                filter.map_or(Formula::True, |f| self.cond(f, true)),
            ]);
            if admit != Formula::True {
                let at = filter
                    .or(c.audience.as_ref())
                    .map_or(c.name_span, |f| f.span);
                let groups = self.groups(&admit, at);
                actions.push(action(
                    "(entry)",
                    "conditional-split",
                    json!({ "next_if_true": entry, "next_if_false": null }),
                    json!({ "profile_filter": groups }),
                ));
                entry = Some("(entry)".to_string());
            }
            actions.extend(body.actions.iter().cloned());
            let origins = actions
                .iter()
                .filter_map(|a| a.get("temporary_id").and_then(Value::as_str))
                .map(|id| (id.to_string(), id.to_string()))
                .collect();
            let mut definition = Map::new();
            let triggers = if trigger.is_null() {
                json!([])
            } else {
                json!([trigger])
            };
            definition.insert("triggers".into(), triggers);
            if let Some(pf) = &profile_filter {
                definition.insert("profile_filter".into(), pf.clone());
            }
            definition.insert("actions".into(), Value::Array(actions));
            definition.insert("entry_action_id".into(), json!(entry));
            if let Some(r) = &reentry {
                definition.insert("reentry_criteria".into(), r.clone());
            }
            let document = json!({
                "data": {
                    "type": "flow",
                    "attributes": { "name": name, "definition": Value::Object(definition) }
                }
            });
            files.push(Traced {
                file: OutputFile {
                    path,
                    contents: to_pretty(&document),
                },
                origins,
            });
        }
        files
    }

    fn trigger(&mut self, t: &Trigger) -> Value {
        match &t.source {
            EventSource::Inactive(d) => {
                let key = format!("inactive_{}", super::duration_text(d));
                let id = self.b.id(
                    "segments",
                    &self.cfg.segments,
                    &key,
                    "segment",
                    &format!("segment for the trigger `inactive {}` (a segment of profiles with no opens, clicks or page views in that time)", super::duration_text(d)),
                    t.span,
                );
                json!({ "type": "segment", "id": id })
            }
            EventSource::Event(e) => match (&e.kind, &e.argument) {
                (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                    json!({ "type": "segment", "id": self.segment_id(s, t.span) })
                }
                (EventKind::ListJoined, Some(EventArgument::Text(l))) => {
                    json!({ "type": "list", "id": self.list_id(l, t.span) })
                }
                (EventKind::ListJoined, None) => {
                    self.unsupported(
                        "Klaviyo cannot trigger a flow on joining any list".into(),
                        t.span,
                        "no list given",
                        "name the list: `trigger list.joined(\"<list>\")`",
                    );
                    Value::Null
                }
                _ => {
                    let metric = self.metric_id(e);
                    let mut trigger = json!({ "type": "metric", "id": metric });
                    if let Some((field, filter)) = self.argument_filter(e) {
                        trigger["trigger_filter"] = json!({
                            "condition_groups": [ { "conditions": [ {
                                "type": "metric-property",
                                "metric_id": metric,
                                "field": field,
                                "filter": filter,
                            } ] } ]
                        });
                    }
                    trigger
                }
            },
        }
    }

    /// Goals and suppression: the profile must meet none of them, checked by
    /// Klaviyo before every action.
    fn profile_filter(&mut self) -> Option<Value> {
        let c = self.campaign;
        let mut parts = Vec::new();
        for g in &c.goals {
            parts.push(self.cond(&g.condition, false));
        }
        if let Some(s) = &c.suppress {
            parts.push(self.cond(s, false));
        }
        let f = Formula::and(parts);
        if f == Formula::True {
            return None;
        }
        let at = c
            .goals
            .first()
            .map(|g| g.condition.span)
            .or(c.suppress.as_ref().map(|s| s.span));
        Some(self.groups(&f, at.unwrap_or(c.name_span)))
    }

    fn reentry(&mut self) -> Option<Value> {
        match self.campaign.reentry {
            Reentry::Never => Some(json!({ "duration": 1, "unit": "alltime" })),
            Reentry::Always => Some(json!({ "duration": 0, "unit": "alltime" })),
            Reentry::After(d) => match relative_unit(d) {
                Some((unit, n)) => Some(json!({ "duration": n, "unit": unit })),
                None => {
                    self.unsupported(
                        format!(
                            "Klaviyo counts re-entry in hours, days or weeks, not `{}`",
                            super::duration_text(d)
                        ),
                        self.campaign.name_span,
                        "re-entry in minutes",
                        "use a whole number of hours: `reentry after 1h`",
                    );
                    None
                }
            },
        }
    }

    // ── bindings ──

    fn segment_id(&mut self, name: &str, at: Span) -> String {
        self.b.id(
            "segments",
            &self.cfg.segments,
            name,
            "segment",
            &format!("segment id for segment `{name}`"),
            at,
        )
    }

    fn list_id(&mut self, name: &str, at: Span) -> String {
        self.b.id(
            "lists",
            &self.cfg.lists,
            name,
            "list",
            &format!("list id for list `{name}`"),
            at,
        )
    }

    fn metric_id(&mut self, event: &Event) -> String {
        let key = event_key(event);
        self.b.id(
            "metrics",
            &self.cfg.metrics,
            &key,
            "metric",
            &format!("metric id for event `{key}`"),
            event.span,
        )
    }

    /// The property a condition reads: `properties['x']` or a built-in field.
    fn property_path(&self, name: &str) -> String {
        let bound = self
            .cfg
            .properties
            .get(name)
            .map_or(name, |s| s.value.as_str());
        if WELL_KNOWN.contains(&bound) || bound.starts_with("properties[") {
            bound.to_string()
        } else {
            format!(
                "properties['{}']",
                bound.replace('\\', "\\\\").replace('\'', "\\'")
            )
        }
    }

    /// The property a `set` writes.
    fn property_key(&self, name: &str) -> String {
        self.cfg
            .properties
            .get(name)
            .map_or(name, |s| s.value.as_str())
            .to_string()
    }

    fn quantity_path(&self, q: &Quantity) -> String {
        match q {
            Quantity::Property(p) => self.property_path(p),
            Quantity::Score(component) => {
                let model = self.campaign.scoring.as_deref().unwrap_or("score");
                let (key, default) = match component {
                    Some(c) => (format!("{model}.{c}"), format!("{model}_{c}_score")),
                    None => (model.to_string(), format!("{model}_score")),
                };
                let name = self
                    .cfg
                    .scores
                    .get(&key)
                    .map_or(default, |s| s.value.clone());
                if WELL_KNOWN.contains(&name.as_str()) {
                    name
                } else {
                    format!("properties['{name}']")
                }
            }
        }
    }

    /// `(metric property, filter)` that narrows an event to its argument.
    fn argument_filter(&mut self, e: &Event) -> Option<(String, Value)> {
        let key = event_key(e);
        let (operator, value) = match &e.argument {
            None | Some(EventArgument::Segment(_)) => return None,
            Some(EventArgument::Text(_)) if e.kind == EventKind::Custom => return None,
            Some(EventArgument::Text(t)) if e.kind == EventKind::PageVisited => {
                ("contains", t.clone())
            }
            Some(EventArgument::Text(t)) => ("equals", t.clone()),
            Some(EventArgument::Email(name)) => {
                let subject = self
                    .project
                    .email(name)
                    .map_or(String::new(), |m| m.subject.clone());
                let (literal, tagged) = literal_part(&subject);
                if literal.is_empty() {
                    self.unsupported(
                        format!("the subject of email `{name}` is only merge tags, so Klaviyo cannot tell its opens and clicks apart"),
                        e.span,
                        "this email cannot be identified",
                        "give the email a subject with some fixed text",
                    );
                    return None;
                }
                (if tagged { "contains" } else { "equals" }, literal)
            }
        };
        let property = self.b.id(
            "metric_properties",
            &self.cfg.metric_properties,
            &key,
            "metric-property",
            &format!("metric property holding the argument of `{key}`"),
            e.span,
        );
        Some((
            property,
            json!({ "type": "string", "operator": operator, "value": value }),
        ))
    }

    // ── conditions ──

    /// Condition groups of a formula: `{"condition_groups": [...]}`.
    fn groups(&mut self, f: &Formula<Value>, at: Span) -> Value {
        match f.cnf() {
            None => {
                self.unsupported(
                    "this condition is too complex for Klaviyo: it needs more than 64 condition groups".into(),
                    at,
                    "too many and/or combinations",
                    "define a segment for part of it and test `in <segment>`",
                );
                json!({ "condition_groups": [] })
            }
            Some(clauses) => {
                if clauses.iter().any(Vec::is_empty) {
                    self.unsupported(
                        "this condition can never hold, and Klaviyo has no condition for \"never\""
                            .into(),
                        at,
                        "never true",
                        "",
                    );
                }
                let groups: Vec<Value> = clauses
                    .into_iter()
                    .map(|c| json!({ "conditions": c }))
                    .collect();
                json!({ "condition_groups": groups })
            }
        }
    }

    fn relative(&mut self, d: Duration, at: Span) -> Value {
        match relative_unit(d) {
            Some((unit, n)) => {
                json!({ "type": "date", "operator": "in-the-last", "unit": unit, "quantity": n })
            }
            None => {
                self.unsupported(
                    format!(
                        "Klaviyo measures time windows in hours, days or weeks, not `{}`",
                        super::duration_text(d)
                    ),
                    at,
                    "window in minutes",
                    "use a whole number of hours",
                );
                json!({ "type": "date", "operator": "in-the-last", "unit": "hour", "quantity": 1 })
            }
        }
    }

    /// A condition, or its negation when `positive` is false, as a formula
    /// over Klaviyo conditions.
    fn cond(&mut self, c: &Condition, positive: bool) -> Formula<Value> {
        match &c.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                let parts = items.iter().map(|i| self.cond(i, positive)).collect();
                if matches!(c.kind, ConditionKind::Or(_)) == positive {
                    Formula::or(parts)
                } else {
                    Formula::and(parts)
                }
            }
            ConditionKind::Not(inner) => self.cond(inner, !positive),
            ConditionKind::InSegment(s) => {
                let id = self.segment_id(s, c.span);
                Formula::Lit(
                    json!({ "type": "profile-group-membership", "is_member": positive, "group_ids": [id] }),
                )
            }
            ConditionKind::Property(p) => self.boolean_property(p, positive),
            ConditionKind::Contains { property, value } => Formula::Lit(json!({
                "type": "profile-property",
                "property": self.quantity_path(&Quantity::Property(property.clone())),
                "filter": {
                    "type": "list",
                    "operator": if positive { "contains" } else { "not-contains" },
                    "value": match value {
                        IrValue::String(s) => json!(s),
                        IrValue::Number(n) => json!(n),
                        IrValue::Bool(b) => json!(b.to_string()),
                    },
                },
            })),
            ConditionKind::Compare { left, op, right } => {
                self.compare(left, *op, right, positive, c.span)
            }
            ConditionKind::Member {
                left,
                negated,
                values,
            } => {
                let inside = positive != *negated;
                let path = self.quantity_path(left);
                let strings: Vec<&str> = values
                    .iter()
                    .filter_map(|v| match v {
                        IrValue::String(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let mut parts = Vec::new();
                if !strings.is_empty() {
                    parts.push(Formula::Lit(json!({
                        "type": "profile-property",
                        "property": path,
                        "filter": { "type": "string", "operator": if inside { "in" } else { "not-in" }, "value": strings },
                    })));
                }
                for v in values {
                    if !matches!(v, IrValue::String(_)) {
                        let op = if inside { CompareOp::Eq } else { CompareOp::Ne };
                        parts.push(self.compare(left, op, v, true, c.span));
                    }
                }
                if inside {
                    Formula::or(parts)
                } else {
                    Formula::and(parts)
                }
            }
            ConditionKind::Inactive(d) => {
                let parts = ENGAGEMENT
                    .iter()
                    .map(|kind| {
                        let e = Event {
                            kind: *kind,
                            argument: None,
                            span: c.span,
                        };
                        self.metric_condition(&e, Some(*d), !positive)
                    })
                    .collect();
                if positive {
                    Formula::and(parts)
                } else {
                    Formula::or(parts)
                }
            }
            ConditionKind::Event { event, within } => {
                self.event_condition(event, *within, positive, c.span)
            }
        }
    }

    fn boolean_property(&mut self, p: &str, positive: bool) -> Formula<Value> {
        if !self.cfg.properties.contains_key(p) {
            // Email consent lives in Klaviyo's consent fields, not properties.
            let status = match p {
                "unsubscribed" => Some(json!({ "subscription": "unsubscribed" })),
                "complained" => Some(
                    json!({ "subscription": "unsubscribed", "filters": [ { "field": "method", "method": "spam_complaint" } ] }),
                ),
                "bounced" => Some(json!({
                    "subscription": "any",
                    "filters": [ { "field": "bounce_date", "filter": { "type": "existence", "operator": "is-set" } } ],
                })),
                _ => None,
            };
            if let Some(status) = status {
                let consent = if positive {
                    json!({ "channel": "email", "can_receive_marketing": false, "consent_status": status })
                } else {
                    json!({ "channel": "email", "can_receive_marketing": true, "consent_status": { "subscription": "any" } })
                };
                return Formula::Lit(
                    json!({ "type": "profile-marketing-consent", "consent": consent }),
                );
            }
        }
        Formula::Lit(json!({
            "type": "profile-property",
            "property": self.property_path(p),
            "filter": { "type": "boolean", "operator": "equals", "value": positive },
        }))
    }

    fn compare(
        &mut self,
        left: &Quantity,
        op: CompareOp,
        right: &IrValue,
        positive: bool,
        at: Span,
    ) -> Formula<Value> {
        let op = if positive { op } else { negate(op) };
        let path = self.quantity_path(left);
        let filter = match right {
            IrValue::Number(n) => {
                let operator = match op {
                    CompareOp::Eq => "equals",
                    CompareOp::Ne => "not-equals",
                    CompareOp::Ge => "greater-than-or-equal",
                    CompareOp::Le => "less-than-or-equal",
                    CompareOp::Gt => "greater-than",
                    CompareOp::Lt => "less-than",
                };
                json!({ "type": "numeric", "operator": operator, "value": number(*n) })
            }
            IrValue::String(s) => match op {
                CompareOp::Eq => json!({ "type": "string", "operator": "equals", "value": s }),
                CompareOp::Ne => json!({ "type": "string", "operator": "not-equals", "value": s }),
                _ => {
                    self.unsupported(
                        "Klaviyo cannot order text: only `==` and `!=` compare strings".into(),
                        at,
                        "ordered string comparison",
                        "",
                    );
                    return Formula::True;
                }
            },
            IrValue::Bool(v) => match op {
                CompareOp::Eq => json!({ "type": "boolean", "operator": "equals", "value": v }),
                CompareOp::Ne => json!({ "type": "boolean", "operator": "equals", "value": !v }),
                _ => {
                    self.unsupported(
                        "true and false have no order".into(),
                        at,
                        "ordered boolean comparison",
                        "",
                    );
                    return Formula::True;
                }
            },
        };
        Formula::Lit(json!({ "type": "profile-property", "property": path, "filter": filter }))
    }

    fn event_condition(
        &mut self,
        e: &Event,
        within: Option<Duration>,
        positive: bool,
        at: Span,
    ) -> Formula<Value> {
        let group = match (&e.kind, &e.argument) {
            (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                Some(self.segment_id(s, at))
            }
            (EventKind::ListJoined, Some(EventArgument::Text(l))) => Some(self.list_id(l, at)),
            (EventKind::ListJoined, None) => {
                self.unsupported(
                    "Klaviyo cannot test joining any list".into(),
                    at,
                    "no list given",
                    "name the list: `list.joined(\"<list>\")`",
                );
                return Formula::True;
            }
            _ => None,
        };
        if let Some(id) = group {
            return match within {
                Some(d) if positive => {
                    let timeframe = self.relative(d, at);
                    Formula::Lit(json!({
                        "type": "profile-group-membership",
                        "is_member": true,
                        "group_ids": [id],
                        "timeframe_filter": timeframe,
                    }))
                }
                _ => {
                    self.unsupported(
                        format!(
                            "Klaviyo can only test that a profile joined a list or segment within a time window, not {}",
                            if positive { "since the flow started" } else { "that it did not" }
                        ),
                        at,
                        "not expressible in Klaviyo",
                        "test membership instead (`in <segment>`), or add `within <duration>`",
                    );
                    Formula::True
                }
            };
        }
        self.metric_condition(e, within, positive)
    }

    /// "The event happened (at least once) since the flow started, or within
    /// the window"; its negation when `positive` is false.
    fn metric_condition(
        &mut self,
        e: &Event,
        within: Option<Duration>,
        positive: bool,
    ) -> Formula<Value> {
        let metric = self.metric_id(e);
        let measurement = if positive {
            json!({ "type": "numeric", "operator": "greater-than", "value": 0 })
        } else {
            json!({ "type": "numeric", "operator": "equals", "value": 0 })
        };
        let timeframe = match within {
            Some(d) => self.relative(d, e.span),
            None => json!({ "type": "date", "operator": "flow-start" }),
        };
        let mut condition = json!({
            "type": "profile-metric",
            "metric_id": metric,
            "measurement": "count",
            "measurement_filter": measurement,
            "timeframe_filter": timeframe,
        });
        if let Some((property, filter)) = self.argument_filter(e) {
            condition["metric_filters"] = json!([ { "property": property, "filter": filter } ]);
        }
        Formula::Lit(condition)
    }

    // ── the flow ──

    fn body(&mut self) -> Body {
        let campaign = self.campaign;
        let flow = &campaign.flow;
        let limit = self.cfg.loop_limit.unwrap_or(DEFAULT_LOOP_LIMIT);
        let u = Unrolled::new(flow, limit);
        let mut actions = Vec::new();
        for (i, inst) in u.instances.iter().enumerate() {
            let Some(node) = flow.nodes.get(inst.node) else {
                continue;
            };
            let name = inst.name.as_str();
            let link =
                |t: Target| -> Option<String> { u.name(u.next(flow, i, t)).map(str::to_string) };
            match &node.kind {
                NodeKind::Send { email, next } => {
                    let data = self.send(email, node.head);
                    let send_id = match self.window_delay() {
                        Some(delay) => {
                            let send_id = format!("{name}/send");
                            actions.push(action(
                                name,
                                "time-delay",
                                next_link(Some(&send_id)),
                                delay,
                            ));
                            send_id
                        }
                        None => name.to_string(),
                    };
                    actions.push(action(
                        &send_id,
                        "send-email",
                        next_link(link(*next).as_deref()),
                        data,
                    ));
                }
                NodeKind::Wait {
                    duration,
                    until: None,
                    next,
                } => {
                    let (unit, value) = delay_unit(*duration);
                    actions.push(action(
                        name,
                        "time-delay",
                        next_link(link(*next).as_deref()),
                        json!({ "unit": unit, "value": value }),
                    ));
                }
                NodeKind::Wait {
                    duration,
                    until: Some(until),
                    next,
                } => {
                    let after = link(*next);
                    let test = self.cond(until, true);
                    let groups = self.groups(&test, until.span);
                    let (unit, value) = delay_unit(*duration);
                    let parts = slices(value, MAX_POLLS);
                    for (k, part) in parts.iter().enumerate() {
                        let check = if k == 0 {
                            name.to_string()
                        } else {
                            format!("{name}/check{}", k + 1)
                        };
                        let wait = format!("{name}/wait{}", k + 1);
                        actions.push(action(
                            &check,
                            "conditional-split",
                            json!({ "next_if_true": after, "next_if_false": wait }),
                            json!({ "profile_filter": groups }),
                        ));
                        let then = if k + 1 < parts.len() {
                            Some(format!("{name}/check{}", k + 2))
                        } else {
                            after.clone()
                        };
                        actions.push(action(
                            &wait,
                            "time-delay",
                            next_link(then.as_deref()),
                            json!({ "unit": unit, "value": part }),
                        ));
                    }
                }
                NodeKind::Branch { arms, otherwise } => {
                    let default = link(otherwise.target);
                    if arms.is_empty() {
                        actions.push(sample(name, 100, default.clone(), default.clone()));
                    }
                    for (k, arm) in arms.iter().enumerate() {
                        let id = if k == 0 {
                            name.to_string()
                        } else {
                            format!("{name}/when{}", k + 1)
                        };
                        let on_false = if k + 1 < arms.len() {
                            Some(format!("{name}/when{}", k + 2))
                        } else {
                            default.clone()
                        };
                        let test = self.cond(&arm.condition, true);
                        let groups = self.groups(&test, arm.condition.span);
                        actions.push(action(
                            &id,
                            "conditional-split",
                            json!({ "next_if_true": link(arm.target), "next_if_false": on_false }),
                            json!({ "profile_filter": groups }),
                        ));
                    }
                }
                NodeKind::Split { arms } => {
                    let mut remaining: u64 = arms.iter().map(|a| a.percent).sum();
                    let count = arms.len().max(2) - 1;
                    for k in 0..count {
                        let id = if k == 0 {
                            name.to_string()
                        } else {
                            format!("{name}/arm{}", k + 1)
                        };
                        let this = arms.get(k).map_or(100, |a| a.percent);
                        let on_true = arms.get(k).and_then(|a| link(a.target));
                        let on_false = if k + 1 < count {
                            Some(format!("{name}/arm{}", k + 2))
                        } else {
                            arms.get(k + 1).or(arms.get(k)).and_then(|a| link(a.target))
                        };
                        actions.push(sample(
                            &id,
                            conditional_percent(this, remaining),
                            on_true,
                            on_false,
                        ));
                        remaining = remaining.saturating_sub(this);
                    }
                }
                NodeKind::Set {
                    property,
                    value,
                    next,
                } => {
                    let (kind, value) = match value {
                        IrValue::String(s) => ("string", json!(s)),
                        IrValue::Number(n) => ("numeric", number(*n)),
                        IrValue::Bool(v) => ("boolean", json!(v)),
                    };
                    actions.push(action(
                        name,
                        "update-profile",
                        next_link(link(*next).as_deref()),
                        json!({ "profile_operations": [ {
                            "operator": "update",
                            "property_type": kind,
                            "property_key": self.property_key(property),
                            "property_value": value,
                        } ] }),
                    ));
                }
                NodeKind::Notify {
                    recipient,
                    message,
                    next,
                } => {
                    let to = self.recipients(recipient, node.head);
                    let data = self.alert(to, message, node.head);
                    actions.push(action(
                        name,
                        "send-internal-alert",
                        next_link(link(*next).as_deref()),
                        data,
                    ));
                }
                NodeKind::Handoff {
                    queue,
                    notes,
                    tasks,
                } => {
                    let to = self.recipients(&Recipient::Name(queue.clone()), node.head);
                    let mut subject = format!("Handoff to {queue}");
                    if !notes.is_empty() {
                        subject.push_str(": ");
                        subject.push_str(&notes.join(" "));
                    }
                    for t in tasks {
                        subject.push_str(&format!(" | Task: {}", t.title));
                        if let Some(d) = t.due {
                            subject.push_str(&format!(" (due in {})", super::duration_text(d)));
                        }
                    }
                    let webhook = self.cfg.crm_webhook.as_ref().map(|w| w.value.clone());
                    let webhook_id = format!("{name}/crm");
                    let data = self.alert(to, &subject, node.head);
                    actions.push(action(
                        name,
                        "send-internal-alert",
                        next_link(webhook.as_ref().map(|_| webhook_id.as_str())),
                        data,
                    ));
                    if let Some(url) = webhook {
                        // Whether Klaviyo renders tags in a webhook body is
                        // unverified; written as elsewhere, they render
                        // where it does. (A company tag was reported with
                        // the alert above.)
                        let notes: Vec<String> = notes
                            .iter()
                            .map(|n| self.translate_tags(n).unwrap_or_else(|_| n.clone()))
                            .collect();
                        let body = json!({
                            "source": "nurturec",
                            "campaign": self.campaign.name,
                            "queue": queue,
                            "email": "{{ person.email }}",
                            "notes": notes,
                            "tasks": tasks.iter().map(|t| json!({ "title": t.title, "due_seconds": t.due.map(|d| d.seconds) })).collect::<Vec<_>>(),
                        });
                        actions.push(action(
                            &webhook_id,
                            "send-webhook",
                            next_link(None),
                            json!({
                                "message": {
                                    "name": format!("Handoff to {queue}"),
                                    "url": url,
                                    "headers": { "Content-Type": "application/json" },
                                    "body": serde_json::to_string(&body).unwrap_or_default(),
                                },
                                "status": "draft",
                            }),
                        ));
                    }
                }
                NodeKind::Enroll { campaign } => {
                    let list = self.b.id(
                        "enrollment_lists",
                        &self.cfg.enrollment_lists,
                        campaign,
                        "list",
                        &format!("enrollment list for campaign `{campaign}`"),
                        node.head,
                    );
                    actions.push(action(
                        name,
                        "list-update",
                        next_link(None),
                        json!({ "name": format!("Enroll in {campaign}"), "on_execution": true, "list_id": list, "status": "draft" }),
                    ));
                }
                NodeKind::Goto { .. } | NodeKind::Exit { .. } => {}
            }
        }
        Body {
            actions,
            entry: u.name(u.entry).map(str::to_string),
        }
    }

    fn send(&mut self, email: &str, at: Span) -> Value {
        let template = self.b.id(
            "templates",
            &self.cfg.templates,
            email,
            "template",
            &format!("template id for email `{email}`"),
            at,
        );
        let mut message = Map::new();
        message.insert("name".into(), json!(email));
        if let Some(e) = self.project.email(email) {
            let subject = self.merge_tags(&e.subject, e.name_span);
            message.insert("subject_line".into(), json!(subject));
            if let Some(p) = &e.preview {
                let preview = self.merge_tags(p, e.name_span);
                message.insert("preview_text".into(), json!(preview));
            }
        }
        message.insert("template_id".into(), json!(template));
        for (key, setting) in [
            ("from_email", &self.cfg.from_email),
            ("from_label", &self.cfg.from_label),
            ("reply_to_email", &self.cfg.reply_to),
        ] {
            if let Some(s) = setting {
                message.insert(key.into(), json!(s.value));
            }
        }
        json!({ "message": Value::Object(message), "status": "draft" })
    }

    fn recipients(&mut self, r: &Recipient, at: Span) -> Vec<String> {
        match r {
            Recipient::Address(a) => vec![a.clone()],
            Recipient::Name(n) => self.b.ids(
                "recipients",
                &self.cfg.recipients,
                n,
                "recipients",
                &format!("email address for recipient `{n}`"),
                at,
            ),
        }
    }

    /// A text with its `{{ contact.… }}` and `{{ company.… }}` tags in
    /// Klaviyo's syntax: the standard profile fields as `{{ person.<field> }}`,
    /// any other property through `[klaviyo.properties]` as
    /// `{{ person|lookup:'<property>' }}`. A profile has no company record, so
    /// a company property other than its name cannot be rendered.
    fn merge_tags(&mut self, text: &str, at: Span) -> String {
        match self.translate_tags(text) {
            Ok(text) => text,
            Err(property) => {
                self.unsupported(
                    format!("Klaviyo profiles have no company record: `{{{{ company.{property} }}}}` cannot be rendered"),
                    at,
                    "merge tag of a company property",
                    "keep the value on the profile and write `{{ contact.<property> }}`",
                );
                text.to_string()
            }
        }
    }

    /// [`Self::merge_tags`] without reporting: the company property that
    /// cannot be rendered, if any.
    fn translate_tags(&self, text: &str) -> Result<String, String> {
        crate::merge_tags::translate(text, |namespace, property| {
            let field = match (namespace, property) {
                ("company", "name") => "organization",
                ("company", other) => return Err(other.to_string()),
                (_, other) => self
                    .cfg
                    .properties
                    .get(other)
                    .map_or(other, |s| s.value.as_str()),
            };
            Ok(if WELL_KNOWN.contains(&field) {
                format!("{{{{ person.{field} }}}}")
            } else {
                format!("{{{{ person|lookup:'{field}' }}}}")
            })
        })
    }

    fn alert(&mut self, to: Vec<String>, subject: &str, at: Span) -> Value {
        let subject = self.merge_tags(subject, at);
        let subject = subject.as_str();
        let from_email = self.b.setting(
            "from_email",
            &self.cfg.from_email,
            "sender address for internal alerts",
            at,
        );
        let from_label = self.b.setting(
            "from_label",
            &self.cfg.from_label,
            "sender name for internal alerts",
            at,
        );
        json!({
            "message": {
                "from_email": from_email,
                "from_label": from_label,
                "to_emails": to,
                "subject_line": subject,
            },
            "status": "draft",
        })
    }
}

/// Klaviyo's weekday names (`TimeDelayActionData.delay_until_weekdays`).
fn weekday_name(day: crate::ir::Weekday) -> &'static str {
    use crate::ir::Weekday;
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

fn sample(id: &str, percentage: u64, on_true: Option<String>, on_false: Option<String>) -> Value {
    action(
        id,
        "conditional-split",
        json!({ "next_if_true": on_true, "next_if_false": on_false }),
        json!({ "profile_filter": { "condition_groups": [ { "conditions": [ { "type": "profile-sample", "percentage": percentage } ] } ] } }),
    )
}

pub(crate) fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::Ge => CompareOp::Lt,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
    }
}

pub(crate) fn trigger_text(t: &Trigger) -> String {
    match &t.source {
        EventSource::Inactive(d) => format!("inactive {}", super::duration_text(d)),
        EventSource::Event(e) => match &e.argument {
            None => e.kind.name().to_string(),
            Some(EventArgument::Text(s)) => format!("{}({s:?})", e.kind.name()),
            Some(EventArgument::Email(s) | EventArgument::Segment(s)) => {
                format!("{}({s})", e.kind.name())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(slices(10, 14), vec![1; 10]);
        assert_eq!(
            slices(30, 14),
            vec![3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        );
        assert_eq!(slices(30, 14).iter().sum::<u64>(), 30);
        assert_eq!(conditional_percent(50, 100), 50);
        assert_eq!(conditional_percent(33, 67), 49);
        assert_eq!(conditional_percent(34, 34), 100);
        assert_eq!(
            literal_part("Your recording: {{ webinar.title }}"),
            ("Your recording:".to_string(), true)
        );
        assert_eq!(literal_part("Plain"), ("Plain".to_string(), false));
        assert_eq!(literal_part("{{ a }}").0, "");
    }
}
