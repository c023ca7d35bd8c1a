//! AWS Step Functions: each campaign as a state machine in the Amazon States
//! Language, the open and checkable target. One execution runs one lead
//! through the campaign; its input is `{"contact": {...}, "trigger": {...}}`.
//!
//! Every effect is a `Task` state that invokes a Lambda function through
//! the optimized integration `arn:aws:states:::lambda:invoke` (function from
//! `[asl.resources]`); conditions are evaluated by the `evaluate` function,
//! which gets them as data (a JSON tree) and returns the name of the first
//! that holds. The lowerings:
//!
//! - `(entry)`: evaluate admission (re-entry policy, which trigger started
//!   the execution and its `where` filter, the audience), then a `Choice`;
//! - goals and `suppress`: a check before every send, `set`, `notify`,
//!   `handoff` and `enroll`, ending at `(goal …)` or `(suppressed)`;
//! - `send`, `set`, `notify`, `handoff`: `Task`s; `enroll`: starts the target
//!   campaign's state machine (`arn:aws:states:::states:startExecution`);
//! - `wait D`: `Wait`; `wait D or until C`: a `.waitForTaskToken` task that
//!   the `wait_until` function completes when `C` holds, timing out after D;
//! - `branch`: evaluate, then a `Choice` with a `Default`; `split`: a random
//!   number from `States.MathRandom`, then a `Choice`;
//! - `goto`: a `Pass` state to the label; `exit`: `Succeed`.

use super::bind::Binder;
use super::{to_pretty, IdMode, OutputFile, Traced};
use crate::config::{AslConfig, Config};
use crate::diagnostics::Diagnostic;
use crate::ir::{
    Campaign, Condition, ConditionKind, Event, EventArgument, EventSource, Node, NodeKind, Project,
    Quantity, Recipient, Reentry, Target, Trigger, Value as IrValue,
};
use crate::span::Span;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const SECTION: &str = "asl";
const PLATFORM: &str = "Step Functions";
const LAMBDA: &str = "arn:aws:states:::lambda:invoke";
const LAMBDA_CALLBACK: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";
const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// The longest state name Step Functions accepts.
const MAX_NAME: usize = 80;

/// Every campaign as a state machine definition.
pub fn asl(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    asl_traced(project, config, ids).map(|files| files.into_iter().map(|t| t.file).collect())
}

/// [`asl()`] with the origin of every state (state names are the origins,
/// shortened only past 80 characters).
pub fn asl_traced(
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
            cfg: &config.asl,
            b: &mut b,
            states: Map::new(),
            origins: Vec::new(),
            has_segments: false,
        };
        out.push(ctx.file());
    }
    b.finish()?;
    Ok(out)
}

/// A state name: the origin itself, or a shortened form with a hash.
fn state_name(origin: &str) -> String {
    if origin.len() <= MAX_NAME {
        return origin.to_string();
    }
    // FNV-1a: stable across builds and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in origin.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut cut = MAX_NAME - 9;
    while !origin.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{:08x}", &origin[..cut], hash as u32)
}

fn retry() -> Value {
    json!([ {
        "ErrorEquals": [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException"
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2
    } ])
}

fn value(v: &IrValue) -> Value {
    match v {
        IrValue::String(s) => json!(s),
        IrValue::Number(n) => super::klaviyo::number(*n),
        IrValue::Bool(b) => json!(b),
    }
}

/// An `evaluate` Task and the Choice after it.
struct Check {
    /// The Task's origin; the Choice is `<origin>/route`.
    origin: String,
    /// The step (node id, or `entry`) and what is checked there (`entry`,
    /// `guard`, `branch`): the `step` and `check` fields of the payload.
    step: String,
    kind: &'static str,
    at: Span,
    /// `[{name, condition}]` in the order they are tried, or a path to them.
    conditions: Conditions,
    /// `(condition name, state)`.
    routes: Vec<(String, String)>,
    default: String,
    /// More payload fields.
    extra: Map<String, Value>,
}

enum Conditions {
    Inline(Vec<(String, Value)>),
    /// A reference path into the execution's state (`$.campaign.guards`).
    Path(&'static str),
}

/// Where the `(campaign)` Pass state puts the goal and suppression checks,
/// and the definitions of the segments the campaign uses.
const GUARDS_PATH: &str = "$.campaign.guards";
const SEGMENTS_PATH: &str = "$.campaign.segments";
/// Which handlers have run in this execution: `{"on1": false, ...}`, set by
/// each handler's `(on<n>)` Pass state, read by the `handled` condition.
const HANDLED_PATH: &str = "$.campaign.handled";

/// The state that starts handler `n` (1-based): a guard route, not an end.
fn handler_state(n: usize) -> String {
    format!("(on{n})")
}

struct Ctx<'a> {
    project: &'a Project,
    campaign: &'a Campaign,
    cfg: &'a AslConfig,
    b: &'a mut Binder,
    states: Map<String, Value>,
    origins: Vec<(String, String)>,
    /// Whether the campaign uses segments (their definitions are passed to
    /// every evaluation).
    has_segments: bool,
}

impl Ctx<'_> {
    fn add(&mut self, origin: &str, state: Value) {
        let name = state_name(origin);
        self.origins.push((name.clone(), origin.to_string()));
        self.states.insert(name, state);
    }

    fn function(&mut self, kind: &str, at: Span) -> String {
        self.b.id(
            "resources",
            &self.cfg.resources,
            kind,
            "resource",
            &format!("Lambda function for `{kind}` Task states"),
            at,
        )
    }

    /// A Lambda Task with the campaign, the step and the contact in its payload.
    fn lambda(
        &mut self,
        kind: &str,
        step: &str,
        at: Span,
        mut payload: Map<String, Value>,
        comment: String,
    ) -> Value {
        let function = self.function(kind, at);
        let mut full = Map::new();
        full.insert("campaign".into(), json!(self.campaign.name));
        full.insert("step".into(), json!(step));
        full.append(&mut payload);
        if kind == "evaluate" && self.has_segments {
            full.insert("segments.$".into(), json!(SEGMENTS_PATH));
        }
        if kind == "evaluate" && !self.campaign.flow.handlers.is_empty() {
            full.insert("handled.$".into(), json!(HANDLED_PATH));
        }
        full.insert("contact.$".into(), json!("$.contact"));
        full.insert("entered_at.$".into(), json!("$$.Execution.StartTime"));
        json!({
            "Type": "Task",
            "Comment": comment,
            "Resource": LAMBDA,
            "Parameters": { "FunctionName": function, "Payload": Value::Object(full) },
            "Retry": retry(),
        })
    }

    /// An `evaluate` Task for named conditions, then a Choice on the first
    /// that holds (`routes`: condition name → state), with a default.
    fn evaluate(&mut self, check: Check) {
        let Check {
            origin,
            step,
            kind,
            at,
            conditions,
            routes,
            default,
            extra,
        } = check;
        let (origin, step, default) = (origin.as_str(), step.as_str(), default.as_str());
        let choose = format!("{origin}/route");
        let mut payload = Map::new();
        payload.insert("check".into(), json!(kind));
        match conditions {
            Conditions::Inline(list) => {
                let list = list
                    .into_iter()
                    .map(|(n, c)| json!({ "name": n, "condition": c }));
                payload.insert("conditions".into(), Value::Array(list.collect()));
            }
            Conditions::Path(path) => {
                payload.insert("conditions.$".into(), json!(path));
            }
        }
        let mut extra = extra;
        payload.append(&mut extra);
        let comment = match kind {
            "guard" => format!("Goals and suppression, before the effect of {step}"),
            "entry" => "Admission: re-entry, trigger and its filter, audience".to_string(),
            _ => format!("Which arm of {step} runs"),
        };
        let mut task = self.lambda("evaluate", step, at, payload, comment);
        task["ResultSelector"] = json!({ "first.$": "$.Payload.first" });
        task["ResultPath"] = json!("$.evaluation");
        task["Next"] = json!(state_name(&choose));
        self.add(origin, task);
        let choices: Vec<Value> = routes
            .into_iter()
            .map(|(name, next)| json!({ "Variable": "$.evaluation.first", "StringEquals": name, "Next": state_name(&next) }))
            .collect();
        self.add(
            &choose,
            json!({ "Type": "Choice", "Choices": choices, "Default": state_name(default) }),
        );
    }

    /// The state an edge leads to; notes the fall-off end when used.
    fn next_name(&self, t: Target, ends: &mut BTreeSet<String>) -> String {
        let n = self.target(t);
        if n == "(fell off)" {
            ends.insert(n.clone());
        }
        state_name(&n)
    }

    fn target(&self, t: Target) -> String {
        match t {
            Target::Node(i) => self
                .campaign
                .flow
                .nodes
                .get(i)
                .map_or("(fell off)".to_string(), |n| n.id.clone()),
            Target::FallOff => "(fell off)".to_string(),
        }
    }

    fn file(&mut self) -> Traced {
        let c = self.campaign;
        let guards = self.guard_conditions();
        let mut ends: BTreeSet<String> = BTreeSet::new();

        // The goal and suppression checks and the segment definitions, once.
        let segments = self.segment_definitions();
        self.has_segments = !segments.is_empty();
        let has_campaign_state = !guards.is_empty() || self.has_segments;
        if has_campaign_state {
            let mut result = Map::new();
            if !guards.is_empty() {
                let list: Vec<Value> = guards
                    .iter()
                    .map(|(n, cond, _)| json!({ "name": n, "condition": cond }))
                    .collect();
                result.insert("guards".into(), Value::Array(list));
            }
            if self.has_segments {
                result.insert("segments".into(), Value::Object(segments));
            }
            if !c.flow.handlers.is_empty() {
                let handled: Map<String, Value> = (1..=c.flow.handlers.len())
                    .map(|n| (format!("on{n}"), json!(false)))
                    .collect();
                result.insert("handled".into(), Value::Object(handled));
            }
            self.add(
                "(campaign)",
                json!({
                    "Type": "Pass",
                    "Comment": "The campaign's goals and suppression (checked before every effect) and the definitions of its segments",
                    "Result": Value::Object(result),
                    "ResultPath": "$.campaign",
                    "Next": state_name("(entry)"),
                }),
            );
        }

        // Admission.
        let entry = self.target(c.flow.entry);
        let admit = self.admission();
        let mut extra = Map::new();
        extra.insert("trigger.$".into(), json!("$.trigger"));
        self.evaluate(Check {
            origin: "(entry)".into(),
            step: "entry".into(),
            kind: "entry",
            at: c.name_span,
            conditions: Conditions::Inline(vec![("admit".into(), admit)]),
            routes: vec![("admit".into(), entry.clone())],
            default: "(not admitted)".into(),
            extra,
        });
        ends.insert("(not admitted)".into());
        if entry == "(fell off)" {
            ends.insert(entry);
        }

        // The flow, reachable nodes in node order.
        let reachable = reachable(&c.flow);
        for (i, node) in c.flow.nodes.iter().enumerate() {
            if reachable.contains(&i) {
                self.node(node, &guards, &mut ends);
            }
        }

        // Handlers: mark the handler run, then its block.
        for (h, handler) in c.flow.handlers.iter().enumerate() {
            let n = h + 1;
            let next = self.next_name(handler.entry, &mut ends);
            self.add(
                &handler_state(n),
                json!({
                    "Type": "Pass",
                    "Comment": format!("handler {n}: on {}", crate::check::flow::text::condition(&handler.condition)),
                    "Result": true,
                    "ResultPath": format!("{HANDLED_PATH}.on{n}"),
                    "Next": next,
                }),
            );
        }

        // Campaign-level ends.
        for end in &ends {
            let state = if end == "(fell off)" {
                json!({ "Type": "Fail", "Comment": "The flow ended without an exit (the compiler reports this as missing-exit).", "Error": "Nurture.FellOff", "Cause": "no exit at the end of the flow" })
            } else {
                json!({ "Type": "Succeed", "Comment": format!("The lead leaves the campaign: {}", end.trim_matches(|ch| ch == '(' || ch == ')')) })
            };
            self.add(end, state);
        }

        let triggers: Vec<String> = c
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{i}: {}", super::klaviyo::trigger_text(t)))
            .collect();
        let comment = format!(
            "nurturec: campaign `{}`{}. Start one execution per lead with the input {{\"contact\": {{\"id\": ...}}, \"trigger\": {{\"index\": n}}}}; triggers: {}. Task states invoke the Lambda functions of [asl.resources].",
            c.name,
            c.title.as_ref().map(|t| format!(" ({t})")).unwrap_or_default(),
            if triggers.is_empty() { "none".to_string() } else { triggers.join("; ") },
        );
        let machine = json!({
            "Comment": comment,
            "StartAt": state_name(if has_campaign_state { "(campaign)" } else { "(entry)" }),
            "States": Value::Object(std::mem::take(&mut self.states)),
        });
        Traced {
            file: OutputFile {
                path: format!("{SECTION}/{}.json", c.name),
                contents: to_pretty(&machine),
            },
            origins: std::mem::take(&mut self.origins),
        }
    }

    /// Every segment the campaign uses, directly or through other segments:
    /// name → definition.
    fn segment_definitions(&mut self) -> Map<String, Value> {
        let project = self.project;
        let mut out = Map::new();
        for segment in project.segment_closure(self.campaign.segment_refs()) {
            let definition = self.cond(&segment.condition);
            out.insert(segment.name.clone(), definition);
        }
        out
    }

    /// Goals, then suppression: `(name, condition, end state)`.
    fn guard_conditions(&mut self) -> Vec<(String, Value, String)> {
        let c = self.campaign;
        let mut out = Vec::new();
        for g in &c.goals {
            out.push((
                format!("goal:{}", g.name),
                self.cond(&g.condition),
                format!("(goal {})", g.name),
            ));
        }
        if let Some(s) = &c.suppress {
            out.push(("suppressed".into(), self.cond(s), "(suppressed)".into()));
        }
        // Handlers last, each at most once per execution.
        for (h, handler) in c.flow.handlers.iter().enumerate() {
            let n = h + 1;
            let holds = self.cond(&handler.condition);
            out.push((
                format!("handler:{n}"),
                json!({ "all": [holds, { "not": { "handled": format!("on{n}") } }] }),
                handler_state(n),
            ));
        }
        out
    }

    fn admission(&mut self) -> Value {
        let c = self.campaign;
        let reentry = match c.reentry {
            Reentry::Never => json!({ "reentry": "never" }),
            Reentry::Always => json!({ "reentry": "always" }),
            Reentry::After(d) => json!({ "reentry": { "after_seconds": d.seconds } }),
        };
        let mut all = vec![reentry];
        let triggers: Vec<Value> = c
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let started = json!({ "trigger": { "index": i, "source": self.trigger(t) } });
                match &t.filter {
                    Some(f) => json!({ "all": [started, self.cond(f)] }),
                    None => started,
                }
            })
            .collect();
        let enrolled = super::klaviyo::enrollments(self.project, &c.name)
            .map(|_| json!({ "trigger": { "enrolled": true } }));
        let mut any: Vec<Value> = triggers;
        any.extend(enrolled);
        all.push(json!({ "any": any }));
        if let Some(a) = &c.audience {
            all.push(self.cond(a));
        }
        json!({ "all": all })
    }

    fn trigger(&mut self, t: &Trigger) -> Value {
        match &t.source {
            EventSource::Inactive(d) => json!({ "inactive_seconds": d.seconds }),
            EventSource::Event(e) => self.event(e),
        }
    }

    fn event(&mut self, e: &Event) -> Value {
        let mut v = json!({ "event": e.kind.name() });
        match &e.argument {
            None => {}
            Some(EventArgument::Text(t)) => v["argument"] = json!(t),
            Some(EventArgument::Segment(s)) => v["argument"] = json!({ "segment": s }),
            Some(EventArgument::Email(m)) => {
                let template = self.project.email(m).map(|e| e.template.clone());
                v["argument"] = json!({ "email": m, "template": template });
            }
        }
        v
    }

    fn property(&self, name: &str) -> String {
        self.cfg
            .properties
            .get(name)
            .map_or(name, |s| s.value.as_str())
            .to_string()
    }

    /// A text for the Lambdas, its `{{ contact.<p> }}` tags naming the
    /// property as `[asl.properties]` binds it (the Lambdas render them);
    /// `company` tags are passed as written.
    fn merge_tags(&self, text: &str) -> String {
        crate::merge_tags::translate::<std::convert::Infallible>(text, |namespace, property| {
            Ok(match namespace {
                "contact" => format!("{{{{ contact.{} }}}}", self.property(property)),
                _ => format!("{{{{ {namespace}.{property} }}}}"),
            })
        })
        .unwrap_or_else(|never| match never {})
    }

    fn quantity(&self, q: &Quantity) -> (&'static str, Value) {
        match q {
            Quantity::Property(p) => ("property", json!(self.property(p))),
            Quantity::Score(component) => (
                "score",
                json!({ "model": self.campaign.scoring, "component": component }),
            ),
        }
    }

    /// A condition as data for the `evaluate` function. A segment is its
    /// name; the definitions are in the `(campaign)` state, once each.
    fn cond(&mut self, c: &Condition) -> Value {
        match &c.kind {
            ConditionKind::Or(items) => {
                json!({ "any": items.iter().map(|i| self.cond(i)).collect::<Vec<_>>() })
            }
            ConditionKind::And(items) => {
                json!({ "all": items.iter().map(|i| self.cond(i)).collect::<Vec<_>>() })
            }
            ConditionKind::Not(inner) => json!({ "not": self.cond(inner) }),
            ConditionKind::InSegment(s) => json!({ "segment": s }),
            ConditionKind::Inactive(d) => json!({ "inactive_seconds": d.seconds }),
            ConditionKind::Property(p) => {
                json!({ "property": self.property(p), "op": "==", "value": true })
            }
            ConditionKind::Compare { left, op, right } => {
                let (key, q) = self.quantity(left);
                json!({ key: q, "op": op.as_str(), "value": value(right) })
            }
            ConditionKind::Member {
                left,
                negated,
                values,
            } => {
                let (key, q) = self.quantity(left);
                json!({ key: q, "op": if *negated { "not in" } else { "in" }, "values": values.iter().map(value).collect::<Vec<_>>() })
            }
            ConditionKind::Contains { property, value: v } => {
                json!({ "property": self.property(property), "op": "contains", "value": value(v) })
            }
            ConditionKind::Event { event, within } => {
                let mut v = self.event(event);
                match within {
                    Some(d) => v["within_seconds"] = json!(d.seconds),
                    None => v["since"] = json!("entry"),
                }
                v
            }
        }
    }

    /// The check before an effect: ends the path when a goal is met or the
    /// lead is suppressed. Returns the name the effect itself must take.
    fn guarded(
        &mut self,
        node: &Node,
        guards: &[(String, Value, String)],
        ends: &mut BTreeSet<String>,
        effect: &str,
    ) -> String {
        self.guarded_at(node.id.clone(), node, guards, ends, effect)
    }

    /// [`Self::guarded`] with the check in the state `origin`.
    fn guarded_at(
        &mut self,
        origin: String,
        node: &Node,
        guards: &[(String, Value, String)],
        ends: &mut BTreeSet<String>,
        effect: &str,
    ) -> String {
        if guards.is_empty() {
            return origin;
        }
        let own = format!("{}/{effect}", node.id);
        let routes = guards
            .iter()
            .map(|(n, _, end)| (n.clone(), end.clone()))
            .collect();
        let handlers: BTreeSet<String> = (1..=self.campaign.flow.handlers.len())
            .map(handler_state)
            .collect();
        for (_, _, end) in guards {
            if !handlers.contains(end) {
                ends.insert(end.clone());
            }
        }
        self.evaluate(Check {
            origin,
            step: node.id.clone(),
            kind: "guard",
            at: node.head,
            conditions: Conditions::Path(GUARDS_PATH),
            routes,
            default: own.clone(),
            extra: Map::new(),
        });
        own
    }

    /// Under `send during`: a `send_window` Task computing the window's next
    /// opening (now, when it is open), then a `Wait` until that timestamp.
    /// Returns the state that follows the wait.
    fn window(&mut self, node: &Node) -> Option<String> {
        let w = self.campaign.send_window.as_ref()?;
        let wait = format!("{}/window-wait", node.id);
        let after = format!("{}/window-open", node.id);
        let mut payload = Map::new();
        payload.insert(
            "window".into(),
            json!({
                "days": w.days.iter().map(|d| d.name()).collect::<Vec<_>>(),
                "open": crate::ir::SendWindow::clock_text(w.open),
                "close": crate::ir::SendWindow::clock_text(w.close),
            }),
        );
        let comment = "The send window's next opening in the contact's time zone (now when open)";
        let mut task = self.lambda(
            "send_window",
            &node.id,
            w.span,
            payload,
            comment.to_string(),
        );
        task["ResultSelector"] = json!({ "opens_at.$": "$.Payload.opens_at" });
        task["ResultPath"] = json!("$.window");
        task["Next"] = json!(state_name(&wait));
        self.add(&node.id, task);
        self.add(
            &wait,
            json!({ "Type": "Wait", "Comment": "until the send window opens", "TimestampPath": "$.window.opens_at", "Next": state_name(&after) }),
        );
        Some(after)
    }

    fn node(
        &mut self,
        node: &Node,
        guards: &[(String, Value, String)],
        ends: &mut BTreeSet<String>,
    ) {
        let id = node.id.clone();
        let comment = format!("{} ({})", node.kind.keyword(), id);
        match &node.kind {
            NodeKind::Send { email, next: t } => {
                let name = match self.window(node) {
                    Some(checked) => self.guarded_at(checked, node, guards, ends, "send"),
                    None => self.guarded(node, guards, ends, "send"),
                };
                let mut payload = Map::new();
                payload.insert("email".into(), json!(email));
                if let Some(e) = self.project.email(email) {
                    payload.insert("template".into(), json!(e.template));
                    payload.insert("subject".into(), json!(self.merge_tags(&e.subject)));
                    if let Some(p) = &e.preview {
                        payload.insert("preview".into(), json!(p));
                    }
                }
                let mut task =
                    self.lambda("send", &id, node.head, payload, format!("send {email}"));
                task["ResultPath"] = Value::Null;
                task["Next"] = json!(self.next_name(*t, ends));
                self.add(&name, task);
            }
            NodeKind::Wait {
                duration,
                until: None,
                next: t,
            } => {
                let state = json!({ "Type": "Wait", "Comment": format!("wait {}", super::duration_text(duration)), "Seconds": duration.seconds, "Next": self.next_name(*t, ends) });
                self.add(&id, state);
            }
            NodeKind::Wait {
                duration,
                until: Some(until),
                next: t,
            } => {
                let function = self.function("wait_until", node.head);
                let condition = self.cond(until);
                let after = self.next_name(*t, ends);
                let state = json!({
                    "Type": "Task",
                    "Comment": format!("wait {} or until the condition holds: wait_until completes the task token when it does", super::duration_text(duration)),
                    "Resource": LAMBDA_CALLBACK,
                    "Parameters": {
                        "FunctionName": function,
                        "Payload": {
                            "campaign": self.campaign.name,
                            "step": id,
                            "condition": condition,
                            "token.$": "$$.Task.Token",
                            "contact.$": "$.contact",
                            "entered_at.$": "$$.Execution.StartTime",
                        },
                    },
                    "TimeoutSeconds": duration.seconds,
                    "ResultPath": null,
                    "Retry": retry(),
                    "Catch": [ { "ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": after } ],
                    "Next": after,
                });
                let mut state = state;
                if self.has_segments {
                    state["Parameters"]["Payload"]["segments.$"] = json!(SEGMENTS_PATH);
                }
                self.add(&id, state);
            }
            NodeKind::Branch { arms, otherwise } => {
                let mut conditions = Vec::new();
                let mut routes = Vec::new();
                for (k, arm) in arms.iter().enumerate() {
                    let name = format!("when{}", k + 1);
                    conditions.push((name.clone(), self.cond(&arm.condition)));
                    routes.push((name, self.next_name(arm.target, ends)));
                }
                let default = self.next_name(otherwise.target, ends);
                self.evaluate(Check {
                    origin: id.clone(),
                    step: id.clone(),
                    kind: "branch",
                    at: node.head,
                    conditions: Conditions::Inline(conditions),
                    routes,
                    default,
                    extra: Map::new(),
                });
            }
            NodeKind::Split { arms } => {
                let choose = format!("{id}/route");
                self.add(
                    &id,
                    json!({
                        "Type": "Pass",
                        "Comment": "A random number in [0, 100) picks the arm",
                        "Parameters": { "roll.$": "States.MathRandom(0, 100)" },
                        "ResultPath": "$.split",
                        "Next": state_name(&choose),
                    }),
                );
                let mut cumulative = 0;
                let mut choices = Vec::new();
                let last = arms.len().saturating_sub(1);
                for arm in arms.iter().take(last) {
                    cumulative += arm.percent;
                    choices.push(json!({ "Variable": "$.split.roll", "NumericLessThan": cumulative, "Next": self.next_name(arm.target, ends) }));
                }
                let default = arms.last().map_or_else(
                    || "(fell off)".to_string(),
                    |a| self.next_name(a.target, ends),
                );
                if choices.is_empty() {
                    // A single arm: every lead takes it.
                    choices.push(json!({ "Variable": "$.split.roll", "NumericGreaterThanEquals": 0, "Next": default }));
                }
                self.add(
                    &choose,
                    json!({ "Type": "Choice", "Choices": choices, "Default": default }),
                );
            }
            NodeKind::Set {
                property,
                value: v,
                next: t,
            } => {
                let name = self.guarded(node, guards, ends, "set");
                let mut payload = Map::new();
                payload.insert("property".into(), json!(self.property(property)));
                payload.insert("value".into(), value(v));
                let mut task = self.lambda("set_property", &id, node.head, payload, comment);
                task["ResultPath"] = Value::Null;
                task["Next"] = json!(self.next_name(*t, ends));
                self.add(&name, task);
            }
            NodeKind::Notify {
                recipient,
                message,
                next: t,
            } => {
                let name = self.guarded(node, guards, ends, "notify");
                let mut payload = Map::new();
                payload.insert(
                    "recipient".into(),
                    match recipient {
                        Recipient::Name(n) => json!({ "name": n }),
                        Recipient::Address(a) => json!({ "address": a }),
                    },
                );
                payload.insert("message".into(), json!(self.merge_tags(message)));
                let mut task = self.lambda("notify", &id, node.head, payload, comment);
                task["ResultPath"] = Value::Null;
                task["Next"] = json!(self.next_name(*t, ends));
                self.add(&name, task);
            }
            NodeKind::Handoff {
                queue,
                notes,
                tasks,
            } => {
                let name = self.guarded(node, guards, ends, "handoff");
                let mut payload = Map::new();
                payload.insert("queue".into(), json!(queue));
                let notes: Vec<String> = notes.iter().map(|n| self.merge_tags(n)).collect();
                payload.insert("notes".into(), json!(notes));
                payload.insert(
                    "tasks".into(),
                    Value::Array(tasks.iter().map(|t| json!({ "title": t.title, "due_seconds": t.due.map(|d| d.seconds) })).collect()),
                );
                let mut task = self.lambda(
                    "handoff",
                    &id,
                    node.head,
                    payload,
                    format!("hand off to {queue}; the lead leaves the campaign"),
                );
                task["ResultPath"] = Value::Null;
                task["End"] = json!(true);
                self.add(&name, task);
            }
            NodeKind::Enroll { campaign } => {
                let name = self.guarded(node, guards, ends, "enroll");
                let machine = self.b.id(
                    "state_machines",
                    &self.cfg.state_machines,
                    campaign,
                    "state-machine",
                    &format!("state machine ARN for campaign `{campaign}`"),
                    node.head,
                );
                let state = json!({
                    "Type": "Task",
                    "Comment": format!("enroll in {campaign}: start its state machine; the lead leaves this campaign"),
                    "Resource": START_EXECUTION,
                    "Parameters": {
                        "StateMachineArn": machine,
                        "Input": {
                            "contact.$": "$.contact",
                            "trigger": { "enrolled": true, "from": self.campaign.name },
                        },
                    },
                    "ResultPath": null,
                    "End": true,
                });
                self.add(&name, state);
            }
            NodeKind::Goto { label, target } => {
                let to = match target {
                    Some(j) => self.next_name(Target::Node(*j), ends),
                    None => self.next_name(Target::FallOff, ends),
                };
                self.add(
                    &id,
                    json!({ "Type": "Pass", "Comment": format!("goto {label}"), "Next": to }),
                );
            }
            NodeKind::Exit { reason } => {
                let comment = match reason {
                    Some(r) => format!("exit: {r}"),
                    None => "exit".to_string(),
                };
                self.add(&id, json!({ "Type": "Succeed", "Comment": comment }));
            }
        }
    }
}

fn reachable(flow: &crate::ir::Flow) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<usize> = std::iter::once(flow.entry)
        .chain(flow.handlers.iter().map(|h| h.entry))
        .filter_map(|t| match t {
            Target::Node(i) => Some(i),
            Target::FallOff => None,
        })
        .collect();
    while let Some(i) = stack.pop() {
        if i < flow.nodes.len() && seen.insert(i) {
            for t in flow.nodes[i].kind.successors() {
                if let Target::Node(j) = t {
                    stack.push(j);
                }
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_stably() {
        assert_eq!(state_name("3.when1.2"), "3.when1.2");
        let long = "a".repeat(100);
        let short = state_name(&long);
        assert_eq!(short.len(), MAX_NAME);
        assert_eq!(short, state_name(&long));
    }
}
