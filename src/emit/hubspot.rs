//! HubSpot: each campaign as a `POST /automation/v4/flows` request body, a
//! contact-based workflow (`type: CONTACT_FLOW`, `objectTypeId: 0-1`).
//!
//! Built from HubSpot's public API reference; `docs/backends.md` records
//! which field shapes the reference confirms and which are inferred. The
//! lowerings:
//!
//! - triggers, their `where` filters and the audience: one `LIST_BASED`
//!   enrollment filter, an OR of one AND group per trigger (plus the
//!   campaign's enrollment list when another campaign `enroll`s into it);
//! - goals and `suppress`: the goal filter (meeting it unenrolls), plus the
//!   account's `[hubspot] suppression_lists`;
//! - `branch`: one `LIST_BRANCH` with a default branch; `split`: an
//!   `AB_TEST_BRANCH`; `wait D or until C`: a `LIST_BRANCH` on `C` before
//!   every slice of at most 14 delays;
//! - a path that joins another (after a branch, or a forward `goto`) is a
//!   `GOTO` connection; loops are unrolled (`[hubspot] loop_limit`);
//! - `handoff`: an internal email to the queue's users and one task per
//!   `task`; `enroll`: adds the lead to the target's enrollment list.

use super::bind::Binder;
use super::formula::Formula;
use super::klaviyo::{enrollments, event_key, number, slices, ENGAGEMENT, MAX_POLLS};
use super::unroll::Unrolled;
use super::{to_pretty, IdMode, OutputFile, Traced};
use crate::config::{Config, HubspotConfig, DEFAULT_LOOP_LIMIT};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Campaign, CompareOp, Condition, ConditionKind, Duration, Event, EventArgument, EventKind,
    EventSource, NodeKind, Project, Quantity, Recipient, Reentry, Target, Trigger,
    Value as IrValue,
};
use crate::span::Span;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const SECTION: &str = "hubspot";
const PLATFORM: &str = "HubSpot";

/// Every campaign as one `CONTACT_FLOW` body.
pub fn hubspot(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    hubspot_traced(project, config, ids).map(|files| files.into_iter().map(|t| t.file).collect())
}

/// [`hubspot()`] with the origin of every `actionId`.
pub fn hubspot_traced(
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
            cfg: &config.hubspot,
            b: &mut b,
        };
        out.push(ctx.file());
    }
    b.finish()?;
    Ok(out)
}

/// A filter (`filters[]`) or a filter branch (`filterBranches[]`) of an
/// AND group: event filters are branches.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Filter(Value),
    Branch(Value),
}

/// An action before ids are assigned; links are action names.
enum Act {
    Single {
        name: String,
        type_id: &'static str,
        fields: Value,
        next: Option<String>,
    },
    List {
        name: String,
        branches: Vec<(String, Value, Option<String>)>,
        default_name: String,
        default: Option<String>,
    },
    AbTest {
        name: String,
        branches: Vec<(String, u64, Option<String>)>,
    },
}

impl Act {
    fn name(&self) -> &str {
        match self {
            Act::Single { name, .. } | Act::List { name, .. } | Act::AbTest { name, .. } => name,
        }
    }
}

/// `(unit, amount)` for HubSpot time offsets.
fn time_unit(d: Duration) -> (&'static str, u64) {
    let s = d.seconds;
    if s % 86_400 == 0 {
        ("DAYS", s / 86_400)
    } else if s % 3_600 == 0 {
        ("HOURS", s / 3_600)
    } else {
        ("MINUTES", s.div_ceil(60))
    }
}

fn delay(minutes: u64) -> Value {
    json!({ "delta": minutes.to_string(), "time_unit": "MINUTES" })
}

fn or_branch(groups: Vec<Vec<Atom>>) -> Value {
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|group| {
            let (mut filters, mut branches) = (Vec::new(), Vec::new());
            for atom in group {
                match atom {
                    Atom::Filter(f) => filters.push(f),
                    Atom::Branch(b) => branches.push(b),
                }
            }
            json!({ "filterBranchType": "AND", "filterBranchOperator": "AND", "filters": filters, "filterBranches": branches })
        })
        .collect();
    json!({ "filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [], "filterBranches": groups })
}

struct Ctx<'a> {
    project: &'a Project,
    campaign: &'a Campaign,
    cfg: &'a HubspotConfig,
    b: &'a mut Binder,
}

impl Ctx<'_> {
    fn unsupported(&mut self, message: String, at: Span, label: &str, help: &str) {
        self.b
            .unsupported(Code::UnsupportedOnHubspot, message, at, label, help);
    }

    /// A text with its `{{ contact.… }}` and `{{ company.… }}` tags as the
    /// enrolled contact's tokens, `{{ enrolled_object.<property> }}`,
    /// through `[hubspot.properties]`. The company's name is the contact's
    /// own `company` property; other company properties are not on the
    /// contact, so they cannot be rendered.
    fn merge_tags(&mut self, text: &str, at: Span) -> String {
        let translated = crate::merge_tags::translate(text, |namespace, property| {
            let name = match (namespace, property) {
                ("company", "name") => "company".to_string(),
                ("company", other) => return Err(other.to_string()),
                (_, other) => match (self.cfg.properties.get(other), other) {
                    (Some(bound), _) => bound.value.clone(),
                    (None, "first_name") => "firstname".to_string(),
                    (None, "last_name") => "lastname".to_string(),
                    (None, _) => self.property(other),
                },
            };
            Ok(format!("{{{{ enrolled_object.{name} }}}}"))
        });
        match translated {
            Ok(text) => text,
            Err(property) => {
                self.unsupported(
                    format!("a HubSpot contact workflow cannot render `{{{{ company.{property} }}}}`: only the contact's own properties are tokens"),
                    at,
                    "merge tag of a company property",
                    "copy the value to a contact property and write `{{ contact.<property> }}`",
                );
                text.to_string()
            }
        }
    }

    /// The values of a property declared `text in [ … ]`.
    fn enumeration(&self, q: &Quantity) -> Option<&[String]> {
        let Quantity::Property(p) = q else {
            return None;
        };
        match self.project.property_type(p)? {
            crate::ir::PropertyType::Enum(values) => Some(values),
            _ => None,
        }
    }

    /// Handlers and send windows have no lowering here yet: a workflow's
    /// steps cannot be left from anywhere for another branch, and the item
    /// shape of the flow's `timeWindows` is not in the vendor references
    /// (`flows.ts` of HubSpot's SDK was not copied).
    fn v1_settings(&mut self) {
        let c = self.campaign;
        for h in &c.flow.handlers {
            self.unsupported(
                "HubSpot workflows cannot leave any step for a handler's block".to_string(),
                h.head,
                "handler",
                "make the condition a `goal` here, and start the handler's steps in a campaign of their own triggered by it",
            );
        }
        if let Some(w) = &c.send_window {
            self.unsupported(
                "the send window has no HubSpot lowering yet".to_string(),
                w.span,
                "send window",
                "set the workflow's execution hours in HubSpot, or build this campaign for another target",
            );
        }
    }

    fn file(&mut self) -> Traced {
        let c = self.campaign;
        self.v1_settings();
        let acts = self.actions();

        // Number the actions in order; a link to an action that already has
        // an incoming STANDARD connection is a GOTO.
        let ids: BTreeMap<&str, String> = acts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name(), (i + 1).to_string()))
            .collect();
        let mut has_parent: BTreeSet<String> = BTreeSet::new();
        let mut connection = |target: &Option<String>| -> Option<Value> {
            let target = target.as_deref()?;
            let id = ids.get(target)?;
            let edge = if has_parent.insert(target.to_string()) {
                "STANDARD"
            } else {
                "GOTO"
            };
            Some(json!({ "edgeType": edge, "nextActionId": id }))
        };
        let mut actions = Vec::new();
        let mut origins = Vec::new();
        for a in &acts {
            let id = ids.get(a.name()).cloned().unwrap_or_default();
            origins.push((id.clone(), a.name().to_string()));
            let v = match a {
                Act::Single {
                    type_id,
                    fields,
                    next,
                    ..
                } => {
                    let mut v = json!({
                        "type": "SINGLE_CONNECTION",
                        "actionId": id,
                        "actionTypeId": type_id,
                        "actionTypeVersion": 0,
                        "fields": fields,
                    });
                    if let Some(conn) = connection(next) {
                        v["connection"] = conn;
                    }
                    v
                }
                Act::List {
                    branches,
                    default_name,
                    default,
                    ..
                } => {
                    let list: Vec<Value> = branches
                        .iter()
                        .map(|(branch_name, filter, next)| {
                            let mut b =
                                json!({ "branchName": branch_name, "filterBranch": filter });
                            if let Some(conn) = connection(next) {
                                b["connection"] = conn;
                            }
                            b
                        })
                        .collect();
                    let mut v = json!({
                        "type": "LIST_BRANCH",
                        "actionId": id,
                        "listBranches": list,
                        "defaultBranchName": default_name,
                    });
                    if let Some(conn) = connection(default) {
                        v["defaultBranch"] = conn;
                    }
                    v
                }
                Act::AbTest { branches, .. } => {
                    let list: Vec<Value> = branches
                        .iter()
                        .map(|(branch_name, percent, next)| {
                            let mut b = json!({ "branchName": branch_name, "percentage": percent });
                            if let Some(conn) = connection(next) {
                                b["connection"] = conn;
                            }
                            b
                        })
                        .collect();
                    json!({ "type": "AB_TEST_BRANCH", "actionId": id, "testBranches": list })
                }
            };
            actions.push(v);
        }

        let title = c.title.clone().unwrap_or_else(|| c.name.clone());
        let (should_reenroll, enrollment) = self.enrollment();
        let goal = self.goal_filter();
        let suppression: Vec<Value> = if self.b.placeholders() {
            Vec::new()
        } else {
            self.cfg
                .suppression_lists
                .iter()
                .flat_map(|s| s.values.iter())
                .filter_map(|v| v.parse::<u64>().ok())
                .map(|n| json!(n))
                .collect()
        };
        let mut criteria = json!({
            "type": "LIST_BASED",
            "shouldReEnroll": should_reenroll,
            "unEnrollObjectsNotMeetingCriteria": false,
            "listFilterBranch": enrollment,
            "reEnrollmentTriggersFilterBranches": [],
        });
        if should_reenroll {
            criteria["reEnrollmentTriggersFilterBranches"] =
                json!([criteria["listFilterBranch"].clone()]);
        }
        let mut flow = json!({
            "type": "CONTACT_FLOW",
            "objectTypeId": "0-1",
            "flowType": "WORKFLOW",
            "name": title,
            "description": format!("Generated by nurturec from campaign `{}`. Review before enabling.", c.name),
            "isEnabled": false,
            "canEnrollFromSalesforce": false,
        });
        if let Some(first) = actions.first() {
            flow["startActionId"] = first["actionId"].clone();
        }
        flow["nextAvailableActionId"] = json!((actions.len() + 1).to_string());
        flow["enrollmentCriteria"] = criteria;
        if let Some(g) = goal {
            flow["goalFilterBranch"] = g;
        }
        flow["suppressionListIds"] = json!(suppression);
        flow["blockedDates"] = json!([]);
        flow["timeWindows"] = json!([]);
        flow["customProperties"] = json!({});
        flow["dataSources"] = json!([]);
        flow["actions"] = Value::Array(actions);
        Traced {
            file: OutputFile {
                path: format!("{SECTION}/{}.json", c.name),
                contents: to_pretty(&flow),
            },
            origins,
        }
    }

    // ── enrollment and goals ──

    fn enrollment(&mut self) -> (bool, Value) {
        let c = self.campaign;
        let mut entries = Vec::new();
        for t in &c.triggers {
            let trigger = self.trigger(t);
            let filter = t
                .filter
                .as_ref()
                .map_or(Formula::True, |f| self.cond(f, true));
            entries.push(Formula::and(vec![trigger, filter]));
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
            entries.push(Formula::Lit(Atom::Filter(in_list(&list, true))));
        }
        let audience = c
            .audience
            .as_ref()
            .map_or(Formula::True, |a| self.cond(a, true));
        let all = Formula::and(vec![Formula::or(entries), audience]);
        let at = c.triggers.first().map_or(c.name_span, |t| t.span);
        let groups = self.groups(&all, at);
        let reenroll = !matches!(c.reentry, Reentry::Never);
        (reenroll, or_branch(groups))
    }

    fn trigger(&mut self, t: &Trigger) -> Formula<Atom> {
        match &t.source {
            EventSource::Inactive(d) => self.inactive(*d, true, t.span),
            EventSource::Event(e) => match (&e.kind, &e.argument) {
                (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                    let id = self.segment_id(s, t.span);
                    Formula::Lit(Atom::Filter(in_list(&id, true)))
                }
                (EventKind::ListJoined, Some(EventArgument::Text(l))) => {
                    let id = self.list_id(l, t.span);
                    Formula::Lit(Atom::Filter(in_list(&id, true)))
                }
                (EventKind::ListJoined, None) => {
                    self.unsupported(
                        "HubSpot cannot enroll on joining any list".into(),
                        t.span,
                        "no list given",
                        "name the list: `trigger list.joined(\"<list>\")`",
                    );
                    Formula::True
                }
                _ => self.event(e, None, true),
            },
        }
    }

    fn goal_filter(&mut self) -> Option<Value> {
        let c = self.campaign;
        let mut parts = Vec::new();
        for g in &c.goals {
            parts.push(self.cond(&g.condition, true));
        }
        if let Some(s) = &c.suppress {
            parts.push(self.cond(s, true));
        }
        if parts.is_empty() {
            return None;
        }
        let f = Formula::or(parts);
        let at = c
            .goals
            .first()
            .map(|g| g.condition.span)
            .or(c.suppress.as_ref().map(|s| s.span));
        let groups = self.groups(&f, at.unwrap_or(c.name_span));
        Some(or_branch(groups))
    }

    // ── bindings ──

    fn segment_id(&mut self, name: &str, at: Span) -> String {
        self.b.id(
            "segments",
            &self.cfg.segments,
            name,
            "list",
            &format!("list id for segment `{name}`"),
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

    fn email_id(&mut self, name: &str, at: Span) -> String {
        self.b.id(
            "emails",
            &self.cfg.emails,
            name,
            "email",
            &format!("marketing email id for email `{name}`"),
            at,
        )
    }

    fn property(&self, name: &str) -> String {
        match self.cfg.properties.get(name) {
            Some(s) => s.value.clone(),
            // HubSpot's own "Unsubscribed from all email".
            None if name == "unsubscribed" => "hs_email_optout".to_string(),
            None => name.to_string(),
        }
    }

    fn quantity(&self, q: &Quantity) -> String {
        match q {
            Quantity::Property(p) => self.property(p),
            Quantity::Score(component) => {
                let model = self.campaign.scoring.as_deref().unwrap_or("score");
                let (key, default) = match component {
                    Some(c) => (format!("{model}.{c}"), format!("{model}_{c}_score")),
                    None => (model.to_string(), format!("{model}_score")),
                };
                self.cfg
                    .scores
                    .get(&key)
                    .map_or(default, |s| s.value.clone())
            }
        }
    }

    // ── conditions ──

    fn groups(&mut self, f: &Formula<Atom>, at: Span) -> Vec<Vec<Atom>> {
        match f.dnf() {
            Some(groups) => {
                if groups.is_empty() {
                    self.unsupported(
                        "this condition can never hold, and HubSpot has no filter for \"never\""
                            .into(),
                        at,
                        "never true",
                        "",
                    );
                }
                groups
            }
            None => {
                self.unsupported(
                    "this condition is too complex for HubSpot: it needs more than 64 filter groups".into(),
                    at,
                    "too many and/or combinations",
                    "define a segment (a HubSpot list) for part of it and test `in <segment>`",
                );
                Vec::new()
            }
        }
    }

    fn cond(&mut self, c: &Condition, positive: bool) -> Formula<Atom> {
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
                Formula::Lit(Atom::Filter(in_list(&id, positive)))
            }
            ConditionKind::Property(p) => Formula::Lit(Atom::Filter(property_filter(
                &self.property(p),
                json!({ "operationType": "BOOL", "operator": "IS_EQUAL_TO", "value": positive, "includeObjectsWithNoValueSet": !positive }),
            ))),
            ConditionKind::Compare { left, op, right } => {
                self.compare(left, *op, right, positive, c.span)
            }
            ConditionKind::Contains { property, value } => {
                // A `list of text` is a multiple-checkbox property: an
                // enumeration whose values it holds several of.
                let value = match value {
                    IrValue::String(s) => s.clone(),
                    IrValue::Number(n) => n.to_string(),
                    IrValue::Bool(b) => b.to_string(),
                };
                Formula::Lit(Atom::Filter(property_filter(
                    &self.property(property),
                    json!({
                        "operationType": "ENUMERATION",
                        "operator": if positive { "CONTAINS_ALL" } else { "DOES_NOT_CONTAIN_ALL" },
                        "values": [value],
                        "includeObjectsWithNoValueSet": !positive,
                    }),
                )))
            }
            ConditionKind::Member {
                left,
                negated,
                values,
            } => {
                let inside = positive != *negated;
                let property = self.quantity(left);
                let strings: Vec<&str> = values
                    .iter()
                    .filter_map(|v| match v {
                        IrValue::String(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let mut parts = Vec::new();
                if !strings.is_empty() && self.enumeration(left).is_some() {
                    parts.push(Formula::Lit(Atom::Filter(property_filter(
                        &property,
                        json!({
                            "operationType": "ENUMERATION",
                            "operator": if inside { "IS_ANY_OF" } else { "IS_NONE_OF" },
                            "values": strings,
                            "includeObjectsWithNoValueSet": !inside,
                        }),
                    ))));
                } else if !strings.is_empty() {
                    parts.push(Formula::Lit(Atom::Filter(property_filter(
                        &property,
                        json!({
                            "operationType": "MULTISTRING",
                            "operator": if inside { "IS_EQUAL_TO" } else { "IS_NOT_EQUAL_TO" },
                            "values": strings,
                            "includeObjectsWithNoValueSet": !inside,
                        }),
                    ))));
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
            ConditionKind::Inactive(d) => self.inactive(*d, positive, c.span),
            ConditionKind::Event { event, within } => match (&event.kind, &event.argument) {
                (EventKind::SegmentEntered, _) | (EventKind::ListJoined, _) => {
                    self.unsupported(
                        "HubSpot workflow filters cannot test when a contact joined a list".into(),
                        c.span,
                        "not expressible in HubSpot",
                        "test membership instead: `in <segment>`",
                    );
                    Formula::True
                }
                _ => self.event(event, *within, positive),
            },
        }
    }

    fn compare(
        &mut self,
        left: &Quantity,
        op: CompareOp,
        right: &IrValue,
        positive: bool,
        at: Span,
    ) -> Formula<Atom> {
        let op = if positive {
            op
        } else {
            super::klaviyo::negate(op)
        };
        let property = self.quantity(left);
        let operation = match right {
            IrValue::Number(n) => {
                let operator = match op {
                    CompareOp::Eq => "IS_EQUAL_TO",
                    CompareOp::Ne => "IS_NOT_EQUAL_TO",
                    CompareOp::Ge => "IS_GREATER_THAN_OR_EQUAL_TO",
                    CompareOp::Le => "IS_LESS_THAN_OR_EQUAL_TO",
                    CompareOp::Gt => "IS_GREATER_THAN",
                    CompareOp::Lt => "IS_LESS_THAN",
                };
                json!({ "operationType": "NUMBER", "operator": operator, "value": number(*n), "includeObjectsWithNoValueSet": op == CompareOp::Ne })
            }
            IrValue::String(s) => match op {
                CompareOp::Eq | CompareOp::Ne if self.enumeration(left).is_some() => json!({
                    "operationType": "ENUMERATION",
                    "operator": if op == CompareOp::Eq { "IS_ANY_OF" } else { "IS_NONE_OF" },
                    "values": [s],
                    "includeObjectsWithNoValueSet": op == CompareOp::Ne,
                }),
                CompareOp::Eq | CompareOp::Ne => json!({
                    "operationType": "MULTISTRING",
                    "operator": if op == CompareOp::Eq { "IS_EQUAL_TO" } else { "IS_NOT_EQUAL_TO" },
                    "values": [s],
                    "includeObjectsWithNoValueSet": op == CompareOp::Ne,
                }),
                _ => {
                    self.unsupported(
                        "HubSpot cannot order text: only `==` and `!=` compare strings".into(),
                        at,
                        "ordered string comparison",
                        "",
                    );
                    return Formula::True;
                }
            },
            IrValue::Bool(v) => match op {
                CompareOp::Eq | CompareOp::Ne => json!({
                    "operationType": "BOOL",
                    "operator": "IS_EQUAL_TO",
                    "value": (op == CompareOp::Eq) == *v,
                    "includeObjectsWithNoValueSet": false,
                }),
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
        Formula::Lit(Atom::Filter(property_filter(&property, operation)))
    }

    fn inactive(&mut self, d: Duration, positive: bool, at: Span) -> Formula<Atom> {
        let parts = ENGAGEMENT
            .iter()
            .map(|kind| {
                let e = Event {
                    kind: *kind,
                    argument: None,
                    span: at,
                };
                self.event(&e, Some(d), !positive)
            })
            .collect();
        if positive {
            Formula::and(parts)
        } else {
            Formula::or(parts)
        }
    }

    /// The event happened (within the window, else ever), or did not.
    fn event(&mut self, e: &Event, within: Option<Duration>, positive: bool) -> Formula<Atom> {
        let key = event_key(e);
        let event_type = self.b.id(
            "events",
            &self.cfg.events,
            &key,
            "event-type",
            &format!("event type id for event `{key}`"),
            e.span,
        );
        let mut filters = Vec::new();
        let argument = match &e.argument {
            None | Some(EventArgument::Segment(_)) => None,
            Some(EventArgument::Text(_)) if e.kind == EventKind::Custom => None,
            Some(EventArgument::Text(t)) if e.kind == EventKind::PageVisited => {
                Some(("CONTAINS", t.clone()))
            }
            Some(EventArgument::Text(t)) => Some(("IS_EQUAL_TO", t.clone())),
            Some(EventArgument::Email(name)) => Some(("IS_EQUAL_TO", self.email_id(name, e.span))),
        };
        if let Some((operator, value)) = argument {
            let property = self.b.id(
                "event_properties",
                &self.cfg.event_properties,
                &key,
                "event-property",
                &format!("event property holding the argument of `{key}`"),
                e.span,
            );
            filters.push(property_filter(
                &property,
                json!({ "operationType": "MULTISTRING", "operator": operator, "values": [value], "includeObjectsWithNoValueSet": false }),
            ));
        }
        let mut branch = json!({
            "filterBranchType": "UNIFIED_EVENTS",
            "filterBranchOperator": "AND",
            "eventTypeId": event_type,
            "operator": if positive { "HAS_COMPLETED" } else { "HAS_NOT_COMPLETED" },
            "filters": filters,
            "filterBranches": [],
        });
        if let Some(d) = within {
            let (unit, amount) = time_unit(d);
            branch["coalescingRefineBy"] = json!({
                "type": "RELATIVE_RANGED",
                "rangeType": "BETWEEN",
                "lowerBoundOffset": { "amount": amount, "offsetDirection": "PAST", "timeUnit": unit },
                "upperBoundOffset": { "amount": 0, "offsetDirection": "PAST", "timeUnit": unit },
            });
        }
        Formula::Lit(Atom::Branch(branch))
    }

    // ── the flow ──

    fn actions(&mut self) -> Vec<Act> {
        let campaign = self.campaign;
        let flow = &campaign.flow;
        let limit = self.cfg.loop_limit.unwrap_or(DEFAULT_LOOP_LIMIT);
        let u = Unrolled::new(flow, limit);
        let mut acts = Vec::new();
        for (i, inst) in u.instances.iter().enumerate() {
            let Some(node) = flow.nodes.get(inst.node) else {
                continue;
            };
            let name = inst.name.clone();
            let link =
                |t: Target| -> Option<String> { u.name(u.next(flow, i, t)).map(str::to_string) };
            match &node.kind {
                NodeKind::Send { email, next } => {
                    let id = self.email_id(email, node.head);
                    acts.push(Act::Single {
                        name,
                        type_id: "0-4",
                        fields: json!({ "content_id": id }),
                        next: link(*next),
                    });
                }
                NodeKind::Wait {
                    duration,
                    until: None,
                    next,
                } => acts.push(Act::Single {
                    name,
                    type_id: "0-1",
                    fields: delay(duration.seconds.div_ceil(60)),
                    next: link(*next),
                }),
                NodeKind::Wait {
                    duration,
                    until: Some(until),
                    next,
                } => {
                    let after = link(*next);
                    let test = self.cond(until, true);
                    let groups = self.groups(&test, until.span);
                    let filter = or_branch(groups);
                    let parts = slices(duration.seconds.div_ceil(60), MAX_POLLS);
                    for (k, minutes) in parts.iter().enumerate() {
                        let check = if k == 0 {
                            name.clone()
                        } else {
                            format!("{name}/check{}", k + 1)
                        };
                        let wait = format!("{name}/wait{}", k + 1);
                        acts.push(Act::List {
                            name: check,
                            branches: vec![("until".to_string(), filter.clone(), after.clone())],
                            default_name: "keep waiting".to_string(),
                            default: Some(wait.clone()),
                        });
                        let then = if k + 1 < parts.len() {
                            Some(format!("{name}/check{}", k + 2))
                        } else {
                            after.clone()
                        };
                        acts.push(Act::Single {
                            name: wait,
                            type_id: "0-1",
                            fields: delay(*minutes),
                            next: then,
                        });
                    }
                }
                NodeKind::Branch { arms, otherwise } => {
                    let mut branches = Vec::new();
                    for (k, arm) in arms.iter().enumerate() {
                        let test = self.cond(&arm.condition, true);
                        let groups = self.groups(&test, arm.condition.span);
                        branches.push((
                            format!("when {}", k + 1),
                            or_branch(groups),
                            link(arm.target),
                        ));
                    }
                    acts.push(Act::List {
                        name,
                        branches,
                        default_name: if otherwise.else_arm.is_some() {
                            "else"
                        } else {
                            "no match"
                        }
                        .to_string(),
                        default: link(otherwise.target),
                    });
                }
                NodeKind::Split { arms } => {
                    let branches = arms
                        .iter()
                        .enumerate()
                        .map(|(k, a)| {
                            (
                                format!("arm {} ({}%)", k + 1, a.percent),
                                a.percent,
                                link(a.target),
                            )
                        })
                        .collect();
                    acts.push(Act::AbTest { name, branches });
                }
                NodeKind::Set {
                    property,
                    value,
                    next,
                } => {
                    let text = match value {
                        IrValue::String(s) => s.clone(),
                        IrValue::Number(n) => number(*n).to_string(),
                        IrValue::Bool(v) => v.to_string(),
                    };
                    acts.push(Act::Single {
                        name,
                        type_id: "0-5",
                        fields: json!({
                            "property_name": self.property(property),
                            "value": { "type": "STATIC_VALUE", "staticValue": text },
                        }),
                        next: link(*next),
                    });
                }
                NodeKind::Notify {
                    recipient,
                    message,
                    next,
                } => {
                    let users = self.users(recipient, node.head);
                    let message = self.merge_tags(message, node.head);
                    acts.push(Act::Single {
                        name,
                        type_id: "0-8",
                        fields: json!({ "user_ids": users, "subject": message, "body": message }),
                        next: link(*next),
                    });
                }
                NodeKind::Handoff {
                    queue,
                    notes,
                    tasks,
                } => {
                    let users = self.users(&Recipient::Name(queue.clone()), node.head);
                    let mut body = notes.join("\n");
                    for t in tasks {
                        body.push_str(&format!("\nTask: {}", t.title));
                        if let Some(d) = t.due {
                            body.push_str(&format!(" (due in {})", super::duration_text(d)));
                        }
                    }
                    let body = self.merge_tags(&body, node.head);
                    let title = campaign.title.as_deref().unwrap_or(&campaign.name);
                    let first_task = (!tasks.is_empty()).then(|| format!("{name}/task1"));
                    acts.push(Act::Single {
                        name: name.clone(),
                        type_id: "0-8",
                        fields: json!({
                            "user_ids": users,
                            "subject": format!("Handoff to {queue}: {title}"),
                            "body": body.trim(),
                        }),
                        next: first_task,
                    });
                    for (k, t) in tasks.iter().enumerate() {
                        let mut task_body = notes.join("\n");
                        if let Some(d) = t.due {
                            task_body.push_str(&format!("\nDue in {}.", super::duration_text(d)));
                        }
                        acts.push(Act::Single {
                            name: format!("{name}/task{}", k + 1),
                            type_id: "0-3",
                            fields: json!({
                                "task_type": "TODO",
                                "subject": t.title,
                                "body": task_body.trim(),
                                "priority": "HIGH",
                            }),
                            next: (k + 1 < tasks.len()).then(|| format!("{name}/task{}", k + 2)),
                        });
                    }
                }
                NodeKind::Enroll { campaign: target } => {
                    let list = self.b.id(
                        "enrollment_lists",
                        &self.cfg.enrollment_lists,
                        target,
                        "list",
                        &format!("enrollment list for campaign `{target}`"),
                        node.head,
                    );
                    acts.push(Act::Single {
                        name,
                        type_id: "0-13",
                        fields: json!({ "operation": "ADD", "list_id": list }),
                        next: None,
                    });
                }
                NodeKind::Goto { .. } | NodeKind::Exit { .. } => {}
            }
        }
        // The entry first: HubSpot starts at `startActionId`, the first action.
        if let Some(entry) = u.name(u.entry) {
            if let Some(pos) = acts.iter().position(|a| a.name() == entry) {
                let first = acts.remove(pos);
                acts.insert(0, first);
            }
        }
        acts
    }

    fn users(&mut self, r: &Recipient, at: Span) -> Vec<String> {
        let (key, what) = match r {
            Recipient::Name(n) => (n.as_str(), format!("user ids for recipient `{n}`")),
            Recipient::Address(a) => (
                a.as_str(),
                format!("user ids for the address `{a}` (HubSpot notifies users, not addresses)"),
            ),
        };
        self.b
            .ids("recipients", &self.cfg.recipients, key, "users", &what, at)
    }
}

fn in_list(id: &str, member: bool) -> Value {
    json!({ "filterType": "IN_LIST", "listId": id, "operator": if member { "IN_LIST" } else { "NOT_IN_LIST" } })
}

fn property_filter(property: &str, operation: Value) -> Value {
    json!({ "filterType": "PROPERTY", "property": property, "operation": operation })
}
