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
//! - `send during`: `send_window` answers the next opening; the send is held
//!   until it by a `Wait`, or, when goals, `suppress` or handlers may act
//!   during the hold, by a `wait_until` task timing out at the opening;
//! - `branch`: evaluate, then a `Choice` with a `Default`; `split`: a random
//!   number from `States.MathRandom`, then a `Choice`;
//! - `goto`: a `Pass` state to the label; `exit`: `Succeed`.

use super::asl_limits;
use super::bind::Binder;
use super::lower::{
    emit_campaign, lower, number, trigger_text, CampaignPart, Link, Lowered, Origin, Place,
    Platform, Role, Shape, Step, StepKind,
};
use super::{object, to_pretty, IdMode, OutputFile, Traced};
use crate::config::{AslConfig, Config};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Campaign, Condition, ConditionKind, Event, EventArgument, EventSource, NodeId, NodeKind,
    Project, Quantity, Recipient, Reentry, Trigger, Value as IrValue,
};
use crate::span::Span;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

const SECTION: &str = "asl";
const PLATFORM: &str = "Step Functions";
const LAMBDA: &str = "arn:aws:states:::lambda:invoke";
const LAMBDA_CALLBACK: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";
const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// The longest state name Step Functions accepts.
const MAX_NAME: usize = 80;

/// Every campaign as a state machine definition.
///
/// Besides each machine, `asl/starter/<campaign>.json`: what whatever starts
/// the executions needs (the triggers, their filters, the audience and the
/// re-entry policy; docs/backends.md, "The starter contract").
pub fn asl(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    build(project, config, ids).map(|(machines, starters)| {
        machines
            .into_iter()
            .map(|t| t.file)
            .chain(starters)
            .collect()
    })
}

/// The machines of [`asl()`] with the origin of every state (state names
/// are the origins, shortened only past 80 characters).
pub fn asl_traced(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<Traced>, Vec<Diagnostic>> {
    build(project, config, ids).map(|(machines, _)| machines)
}

fn build(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<(Vec<Traced>, Vec<OutputFile>), Vec<Diagnostic>> {
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let built = super::skip::built(project, config, super::Target::Asl, &mut b);
    let project: &Project = &built;
    let enrolled_from = enrolled_from(project);
    let machines = super::each_campaign(project, &mut b, |campaign, b| {
        let lowered = lower(&campaign.flow, Shape::Graph);
        let mut ctx = Ctx {
            project,
            campaign,
            enrolled_from: enrolled_from
                .get(campaign.name.as_str())
                .map_or(&[], Vec::as_slice),
            cfg: &config.asl,
            b: &mut *b,
            states: Map::new(),
            nodes: Vec::new(),
            has_segments: false,
            guards: Vec::new(),
            ends: BTreeSet::new(),
            back_gotos: asl_limits::backward_gotos(&campaign.flow)
                .into_iter()
                .filter_map(|id| campaign.flow.node(id).map(|n| n.id.clone()))
                .collect(),
            resume_points: BTreeSet::new(),
            round_routes: Vec::new(),
            collided: BTreeSet::new(),
        };
        ctx.prologue(&lowered);
        let files = emit_campaign(&mut ctx, &lowered);
        let starter = ctx.starter();
        asl_limits::check_durations(campaign, b);
        for traced in &files {
            asl_limits::check_size(campaign, &traced.file.contents, b);
        }
        [(files, starter)]
    });
    let mut out = Vec::new();
    let mut starters = Vec::new();
    for (files, starter) in machines {
        out.extend(files);
        starters.push(starter);
    }
    b.finish()?;
    Ok((out, starters))
}

/// Per campaign, the campaigns that `enroll` leads into it, each once, in
/// the project's order: one pass over every node of the project, since a
/// scan of the project per campaign would be quadratic.
fn enrolled_from(project: &Project) -> HashMap<&str, Vec<&str>> {
    let mut index: HashMap<&str, Vec<&str>> = HashMap::new();
    for other in &project.campaigns {
        for n in &other.flow.nodes {
            if let NodeKind::Enroll { campaign } = &n.kind {
                let from = index.entry(campaign.name.as_str()).or_default();
                if from.last() != Some(&other.name.as_str()) {
                    from.push(other.name.as_str());
                }
            }
        }
    }
    index
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
        IrValue::Number(n) => number(*n),
        IrValue::Bool(b) => json!(b),
    }
}

/// An `evaluate` Task and the Choice after it.
struct Check {
    /// The Task's origin; the Choice is `<origin>/route`.
    origin: Origin,
    /// The step (node id, or `entry`) and what is checked there (`entry`,
    /// `guard`, `branch`): the `step` and `check` fields of the payload.
    step: String,
    kind: &'static str,
    at: Span,
    /// `[{name, condition}]` in the order they are tried, or a path to them.
    conditions: Conditions,
    /// `(condition name, state)`.
    routes: Vec<(String, Origin)>,
    default: Origin,
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
/// The seconds until the send window opens, as `send_window` answered.
const WINDOW_SECONDS_PATH: &str = "$.window.seconds";

/// How long a `wait_until` callback Task waits when nothing holds.
enum Timeout {
    /// A `wait`'s duration.
    Seconds(u64),
    /// A path to the duration in the state's input (a send window's hold).
    Path(&'static str),
}
/// When the lead entered: the execution's start, or in a machine whose run
/// may continue in new executions, the first execution's start, which
/// `(run)` and `(resume)` keep in `$.run` with the count of rounds.
const STARTED_AT: &str = "$$.Execution.StartTime";
const RUN_PATH: &str = "$.run";
const RUN_ENTERED_AT: &str = "$.run.entered_at";

struct Ctx<'a> {
    project: &'a Project,
    campaign: &'a Campaign,
    /// The campaigns that `enroll` leads into this one, in project order.
    enrolled_from: &'a [&'a str],
    cfg: &'a AslConfig,
    b: &'a mut Binder,
    states: Map<String, Value>,
    nodes: Vec<(String, Origin)>,
    /// Whether the campaign uses segments (their definitions are passed to
    /// every evaluation).
    has_segments: bool,
    /// Suppression, then goals: `(name, condition, end)`.
    guards: Vec<(String, Value, Origin)>,
    /// The campaign-level ends the states lead to.
    ends: BTreeSet<Origin>,
    /// The node ids of the gotos that jump back (a loop's), where the run
    /// may continue in a new execution; empty when the flow has no loop.
    back_gotos: BTreeSet<String>,
    /// Where a continued run resumes: the targets of those gotos.
    resume_points: BTreeSet<Origin>,
    /// The round checks of those gotos, whose threshold is set once the
    /// machine is complete.
    round_routes: Vec<String>,
    /// The statements whose state names collided with another's (reported).
    collided: BTreeSet<String>,
}

impl Ctx<'_> {
    /// Whether the run may continue in a new execution (the flow loops).
    fn continues(&self) -> bool {
        !self.back_gotos.is_empty()
    }

    fn entered_at(&self) -> &'static str {
        if self.continues() {
            RUN_ENTERED_AT
        } else {
            STARTED_AT
        }
    }

    fn add(&mut self, origin: &Origin, state: Value) {
        let name = state_name(&origin.to_string());
        if self.states.contains_key(&name) {
            if let Some((_, other)) = self.nodes.iter().find(|(n, o)| *n == name && o != origin) {
                self.name_collision(origin, other.clone());
            }
        }
        self.nodes.push((name.clone(), origin.clone()));
        self.states.insert(name, state);
    }

    /// Two origins whose shortened state names are the same (their first
    /// 71 characters and the 32-bit hash of the rest): the machine could
    /// not tell them apart, so it is not written.
    fn name_collision(&mut self, origin: &Origin, other: Origin) {
        // One report per statement: its helper states collide with it.
        let key = origin.node_id().unwrap_or_default().to_string();
        if !self.collided.insert(key) {
            return;
        }
        let (origin, other) = (
            Origin {
                roles: Vec::new(),
                ..origin.clone()
            },
            Origin {
                roles: Vec::new(),
                ..other
            },
        );
        let origin = &origin;
        let flow = &self.campaign.flow;
        let at = origin
            .node_id()
            .and_then(|id| flow.nodes.iter().find(|n| n.id == id))
            .map_or(self.campaign.name_span, |n| n.head);
        self.b.unsupported(
            Code::StepFunctionsLimit,
            format!(
                "the Step Functions state names of `{origin}` and `{other}` are the same once shortened to {MAX_NAME} characters"
            ),
            at,
            "its state name collides with another",
            "shorten the label: a state name is the statement's id, at most 80 characters",
        );
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
        full.insert("entered_at.$".into(), json!(self.entered_at()));
        object([
            ("Type", json!("Task")),
            ("Comment", Value::String(comment)),
            ("Resource", json!(LAMBDA)),
            (
                "Parameters",
                object([
                    ("FunctionName", Value::String(function)),
                    ("Payload", Value::Object(full)),
                ]),
            ),
            ("Retry", retry()),
        ])
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
        let step = step.as_str();
        let choose = origin.with(Role::Route);
        let mut payload = Map::new();
        payload.insert("check".into(), json!(kind));
        match conditions {
            Conditions::Inline(list) => {
                let list = list
                    .into_iter()
                    .map(|(n, c)| object([("name", json!(n)), ("condition", c)]));
                payload.insert("conditions".into(), Value::Array(list.collect()));
            }
            Conditions::Path(path) => {
                payload.insert("conditions.$".into(), json!(path));
            }
        }
        let mut extra = extra;
        payload.append(&mut extra);
        let comment = match kind {
            "guard" => {
                format!("Suppression and goals at {step}: the run ends at the first that holds")
            }
            "entry" => "Admission: re-entry, trigger and its filter, audience".to_string(),
            _ => format!("Which arm of {step} runs"),
        };
        let mut task = self.lambda("evaluate", step, at, payload, comment);
        task["ResultSelector"] = json!({ "first.$": "$.Payload.first" });
        task["ResultPath"] = json!("$.evaluation");
        task["Next"] = json!(name_of(&choose));
        self.add(&origin, task);
        let choices: Vec<Value> = routes
            .into_iter()
            .map(|(name, next)| json!({ "Variable": "$.evaluation.first", "StringEquals": name, "Next": name_of(&next) }))
            .collect();
        self.add(
            &choose,
            json!({ "Type": "Choice", "Choices": choices, "Default": name_of(&default) }),
        );
    }

    /// The state an edge leads to; notes a campaign-level end when used.
    fn next_name(&mut self, link: &Link) -> String {
        let origin = link
            .clone()
            .unwrap_or_else(|| Origin::campaign(CampaignPart::FellOff));
        if origin.node_id().is_none() {
            self.ends.insert(origin.clone());
        }
        name_of(&origin)
    }

    /// The states before the flow: the campaign's data and admission.
    fn prologue(&mut self, lowered: &Lowered<'_>) {
        let c = self.campaign;
        self.guards = self.guard_conditions();

        // The goal and suppression checks and the segment definitions, once.
        let segments = self.segment_definitions();
        self.has_segments = !segments.is_empty();
        if self.has_campaign_state() {
            let mut result = Map::new();
            if !self.guards.is_empty() {
                let list: Vec<Value> = self
                    .guards
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
                &Origin::campaign(CampaignPart::Campaign),
                json!({
                    "Type": "Pass",
                    "Comment": "The campaign's suppression and goals (checked before every effect and exit, and during and after every wait) and the definitions of its segments",
                    "Result": Value::Object(result),
                    "ResultPath": "$.campaign",
                    "Next": name_of(&Origin::campaign(self.first_part())),
                }),
            );
        }
        if self.continues() {
            self.start_or_resume();
        }

        // Admission.
        let entry = lowered
            .entry
            .clone()
            .unwrap_or_else(|| Origin::campaign(CampaignPart::FellOff));
        if entry.node_id().is_none() {
            self.ends.insert(entry.clone());
        }
        let admit = self.admission();
        let mut extra = Map::new();
        extra.insert("trigger.$".into(), json!("$.trigger"));
        self.evaluate(Check {
            origin: Origin::campaign(CampaignPart::Entry),
            step: "entry".into(),
            kind: "entry",
            at: c.name_span,
            conditions: Conditions::Inline(vec![("admit".into(), admit)]),
            routes: vec![("admit".into(), entry)],
            default: Origin::campaign(CampaignPart::NotAdmitted),
            extra,
        });
        self.ends
            .insert(Origin::campaign(CampaignPart::NotAdmitted));
    }

    /// The first state after `(campaign)`: admission, or in a machine whose
    /// run may continue, the choice between starting and resuming it.
    fn first_part(&self) -> CampaignPart {
        if self.continues() {
            CampaignPart::Start
        } else {
            CampaignPart::Entry
        }
    }

    /// `(start)`: an input with `resume` continues a run (`(resume)`), any
    /// other starts one (`(run)`, then admission). Both keep the lead's
    /// entry time and the rounds of this execution in `$.run`.
    fn start_or_resume(&mut self) {
        let resume = Origin::campaign(CampaignPart::Resume);
        let run = Origin::campaign(CampaignPart::Run);
        self.add(
            &Origin::campaign(CampaignPart::Start),
            json!({
                "Type": "Choice",
                "Comment": "An input with `resume` continues a lead's run that an earlier execution of this machine started",
                "Choices": [ { "Variable": "$.resume", "IsPresent": true, "Next": name_of(&resume) } ],
                "Default": name_of(&run),
            }),
        );
        self.add(
            &run,
            json!({
                "Type": "Pass",
                "Comment": "A new run: the lead enters now; no round of a loop yet",
                "Parameters": { "entered_at.$": STARTED_AT, "rounds": 0 },
                "ResultPath": RUN_PATH,
                "Next": name_of(&Origin::campaign(CampaignPart::Entry)),
            }),
        );
        let route = resume.with(Role::Route);
        let after = if self.campaign.flow.handlers.is_empty() {
            route.clone()
        } else {
            resume.with(Role::Handled)
        };
        self.add(
            &resume,
            json!({
                "Type": "Pass",
                "Comment": "A continued run: the lead's entry time from the input; the rounds count again in this execution",
                "Parameters": { "entered_at.$": "$.resume.entered_at", "rounds": 0 },
                "ResultPath": RUN_PATH,
                "Next": name_of(&after),
            }),
        );
        if after != route {
            self.add(
                &after,
                json!({
                    "Type": "Pass",
                    "Comment": "The handlers that have run, from the input",
                    "InputPath": "$.resume.handled",
                    "ResultPath": HANDLED_PATH,
                    "Next": name_of(&route),
                }),
            );
        }
    }

    /// `(resume)/route`: to the state the input's `resume.at` names.
    fn resume_route(&mut self) {
        if !self.continues() {
            return;
        }
        let unknown = Origin::campaign(CampaignPart::UnknownResume);
        let choices: Vec<Value> = self
            .resume_points
            .iter()
            .map(|p| json!({ "Variable": "$.resume.at", "StringEquals": name_of(p), "Next": name_of(p) }))
            .collect();
        let choices = if choices.is_empty() {
            vec![
                json!({ "Variable": "$.resume.at", "StringEquals": "", "Next": name_of(&unknown) }),
            ]
        } else {
            choices
        };
        self.add(
            &Origin::campaign(CampaignPart::Resume).with(Role::Route),
            json!({ "Type": "Choice", "Choices": choices, "Default": name_of(&unknown) }),
        );
        self.add(
            &unknown,
            json!({ "Type": "Fail", "Comment": "The input's resume.at names no state this machine resumes at (an input not written by this machine).", "Error": "Nurture.UnknownResumePoint", "Cause": "resume.at names no resume point of this machine" }),
        );
    }

    /// A loop's `goto`: counts the round; after as many rounds as one
    /// execution can hold (`asl_limits::rounds_per_execution`), starts a new
    /// execution of this machine at the label, with the lead's run state,
    /// and ends this one at `(continued)`.
    fn backward_goto(&mut self, step: &Step<'_>, label: &str, to: &Link) {
        let target = target_origin(to);
        let to_name = self.next_name(to);
        let route = step.origin.with(Role::Route);
        let cont = step.origin.with(Role::Continue);
        let continued = Origin::campaign(CampaignPart::Continued);
        self.add(
            &step.origin,
            json!({
                "Type": "Pass",
                "Comment": format!("goto {label}: one more round of the loop in this execution"),
                "Parameters": { "entered_at.$": RUN_ENTERED_AT, "rounds.$": "States.MathAdd($.run.rounds, 1)" },
                "ResultPath": RUN_PATH,
                "Next": name_of(&route),
            }),
        );
        self.round_routes.push(name_of(&route));
        self.add(
            &route,
            json!({
                "Type": "Choice",
                "Comment": "After the rounds one execution can hold within a year and the history quota, the run continues in a new execution",
                "Choices": [ { "Variable": "$.run.rounds", "NumericGreaterThanEquals": 1, "Next": name_of(&cont) } ],
                "Default": to_name,
            }),
        );
        let mut resume = json!({ "at": name_of(&target), "entered_at.$": RUN_ENTERED_AT });
        if !self.campaign.flow.handlers.is_empty() {
            resume["handled.$"] = json!(HANDLED_PATH);
        }
        self.add(
            &cont,
            json!({
                "Type": "Task",
                "Comment": format!("Continue the lead's run at {label} in a new execution of this machine"),
                "Resource": START_EXECUTION,
                "Parameters": {
                    "StateMachineArn.$": "$$.StateMachine.Id",
                    "Input": {
                        "contact.$": "$.contact",
                        "trigger.$": "$.trigger",
                        "resume": resume,
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                    },
                },
                "ResultPath": null,
                "Next": name_of(&continued),
            }),
        );
        self.ends.insert(continued);
        self.resume_points.insert(target);
    }

    /// The history events a state writes in a run without retries: entered
    /// and exited, and for a Task scheduled, started and succeeded (and
    /// submitted for a callback or a started execution).
    fn events_of_state(state: &Value) -> u64 {
        match state["Type"].as_str() {
            Some("Task") => {
                let resource = state["Resource"].as_str().unwrap_or_default();
                if resource == LAMBDA {
                    5
                } else {
                    6
                }
            }
            _ => 2,
        }
    }

    /// Sets every round check's threshold, once the machine is complete, or
    /// reports the limit a round exceeds; without a loop, reports a path
    /// over the history quota.
    fn set_rounds(&mut self) {
        let flow = &self.campaign.flow;
        let mut per_node = vec![0u64; flow.nodes.len()];
        // Outside the flow: the execution's start and end, the campaign
        // states on the way in, one end, and one continuation.
        let mut overhead = if self.continues() { 2 + 6 + 2 } else { 2 + 2 };
        let index: HashMap<&str, NodeId> = flow
            .nodes_with_ids()
            // Reversed: the first node of an id wins, as a scan would find.
            .rev()
            .map(|(id, n)| (n.id.as_str(), id))
            .collect();
        for (name, origin) in &self.nodes {
            let Some(state) = self.states.get(name) else {
                continue;
            };
            let events = Self::events_of_state(state);
            if origin.roles.last() == Some(&Role::Continue) {
                continue;
            }
            match origin.node_id() {
                Some(id) => {
                    if let Some(&node) = index.get(id) {
                        per_node[node.index()] += events;
                    }
                }
                None if state["Type"] == "Succeed" || state["Type"] == "Fail" => {}
                None => overhead += events,
            }
        }
        let events = |node: NodeId| per_node.get(node.index()).copied().unwrap_or(0);
        if !self.continues() {
            asl_limits::check_history(self.campaign, &events, overhead, self.b);
            return;
        }
        let Some(rounds) =
            asl_limits::rounds_per_execution(self.campaign, &events, overhead, self.b)
        else {
            return;
        };
        for name in &self.round_routes {
            if let Some(state) = self.states.get_mut(name) {
                state["Choices"][0]["NumericGreaterThanEquals"] = json!(rounds);
            }
        }
    }

    /// `asl/starter/<campaign>.json`: the data of the starter contract.
    fn starter(&mut self) -> OutputFile {
        let c = self.campaign;
        let triggers: Vec<Value> = c
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let source = self.trigger(t);
                let filter = t.filter.as_ref().map(|f| self.cond(f));
                json!({ "index": i, "text": trigger_text(t), "source": source, "where": filter })
            })
            .collect();
        let audience = c.audience.as_ref().map(|a| self.cond(a));
        let reentry = match c.reentry {
            Reentry::Never => json!("never"),
            Reentry::Always => json!("always"),
            Reentry::After(d) => json!({ "after_seconds": d.seconds }),
        };
        let enrolled_from = self.enrolled_from;
        let doc = json!({
            "format_version": 1,
            "campaign": c.name,
            "machine": format!("{SECTION}/{}.json", c.name),
            "one_run_per_lead_at_a_time": true,
            "continues_in_new_executions": self.continues(),
            "triggers": triggers,
            "enrolled_from": enrolled_from,
            "audience": audience,
            "reentry": reentry,
            "input": { "contact": { "id": "<the lead's id>" }, "trigger": { "index": "<the trigger's index>" } },
        });
        OutputFile {
            path: format!("{SECTION}/starter/{}.json", c.name),
            contents: to_pretty(&doc),
        }
    }

    fn has_campaign_state(&self) -> bool {
        !self.guards.is_empty() || self.has_segments
    }

    /// Each handler's start: marks the handler run, then its block.
    fn handler_starts(&mut self, lowered: &Lowered<'_>) {
        let c = self.campaign;
        for (h, (handler, entry)) in c.flow.handlers.iter().zip(&lowered.handlers).enumerate() {
            let n = h + 1;
            let next = self.next_name(entry);
            self.add(
                &Origin::campaign(CampaignPart::Handler(n)),
                json!({
                    "Type": "Pass",
                    "Comment": format!("handler {n}: on {}", crate::check::flow::text::condition(&handler.condition)),
                    "Result": true,
                    "ResultPath": format!("{HANDLED_PATH}.on{n}"),
                    "Next": next,
                }),
            );
        }
    }

    /// The machine, once every step is added.
    fn file(&mut self) -> Traced {
        let c = self.campaign;
        self.resume_route();
        // Campaign-level ends, in the order of their names.
        let mut ends: Vec<Origin> = std::mem::take(&mut self.ends).into_iter().collect();
        ends.sort_by_key(Origin::to_string);
        for end in ends {
            let state = if end.is(&CampaignPart::FellOff) {
                json!({ "Type": "Fail", "Comment": "The flow ended without an exit (the compiler reports this as missing-exit).", "Error": "Nurture.FellOff", "Cause": "no exit at the end of the flow" })
            } else if end.is(&CampaignPart::Continued) {
                json!({ "Type": "Succeed", "Comment": "The lead's run goes on in the new execution this one started; this execution ends" })
            } else {
                let text = end.to_string();
                json!({ "Type": "Succeed", "Comment": format!("The lead leaves the campaign: {}", text.trim_matches(|ch| ch == '(' || ch == ')')) })
            };
            self.add(&end, state);
        }

        let triggers: Vec<String> = c
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{i}: {}", trigger_text(t)))
            .collect();
        let continuation = if self.continues() {
            " A run that loops continues in a new execution of this machine, which it starts itself (input with `resume`), before the one-year execution limit or the history quota."
        } else {
            ""
        };
        let comment = format!(
            "nurturec: campaign `{}`{}. Start one execution per lead with the input {{\"contact\": {{\"id\": ...}}, \"trigger\": {{\"index\": n}}}}; triggers: {}. Task states invoke the Lambda functions of [asl.resources].{continuation}",
            c.name,
            c.title.as_ref().map(|t| format!(" ({t})")).unwrap_or_default(),
            if triggers.is_empty() { "none".to_string() } else { triggers.join("; ") },
        );
        self.set_rounds();
        let start = if self.has_campaign_state() {
            CampaignPart::Campaign
        } else {
            self.first_part()
        };
        // Moved in: `json!` would copy every state.
        let machine = object([
            ("Comment", Value::String(comment)),
            ("StartAt", Value::String(name_of(&Origin::campaign(start)))),
            ("States", Value::Object(std::mem::take(&mut self.states))),
        ]);
        Traced::new(
            OutputFile {
                path: format!("{SECTION}/{}.json", c.name),
                contents: to_pretty(&machine),
            },
            std::mem::take(&mut self.nodes),
        )
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

    /// Suppression, then the goals in source order (the order the
    /// simulator checks them in): `(name, condition, end)`.
    fn guard_conditions(&mut self) -> Vec<(String, Value, Origin)> {
        let c = self.campaign;
        let mut out = Vec::new();
        if let Some(s) = &c.suppress {
            out.push((
                "suppressed".into(),
                self.cond(s),
                Origin::campaign(CampaignPart::Suppressed),
            ));
        }
        for g in &c.goals {
            out.push((
                format!("goal:{}", g.name),
                self.cond(&g.condition),
                Origin::campaign(CampaignPart::Goal(g.name.clone())),
            ));
        }
        // Handlers last, each at most once per execution.
        for (h, handler) in c.flow.handlers.iter().enumerate() {
            let n = h + 1;
            let holds = self.cond(&handler.condition);
            out.push((
                format!("handler:{n}"),
                json!({ "all": [holds, { "not": { "handled": format!("on{n}") } }] }),
                Origin::campaign(CampaignPart::Handler(n)),
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
        let enrolled =
            (!self.enrolled_from.is_empty()).then(|| json!({ "trigger": { "enrolled": true } }));
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
                let template = self.project.referent(m).map(|e| e.template.clone());
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
    /// lead is suppressed, or starts a handler when its condition holds.
    /// Returns the origin the effect itself must take.
    fn guarded(&mut self, step: &Step<'_>, effect: &'static str) -> Origin {
        self.guarded_at(step, step.origin.clone(), effect)
    }

    /// [`Self::guarded`] with the check in the state `origin`.
    fn guarded_at(&mut self, step: &Step<'_>, origin: Origin, effect: &'static str) -> Origin {
        if self.guards.is_empty() {
            return origin;
        }
        let own = step.origin.with(Role::Effect(effect));
        self.guard_check(step, origin, own.clone());
        own
    }

    /// Under `send during`: a `send_window` Task computing the window's next
    /// opening (now, when it is open), then the hold until it. Without
    /// guards the hold is a `Wait` until that timestamp; with goals,
    /// `suppress` or handlers it is watched like a `wait`: a `Choice` skips
    /// it when the window is open, else a `wait_until` callback Task with
    /// no condition, timing out after the `seconds` the answer gave, so that
    /// a guard that starts to hold during the hold acts at once.
    /// Returns the origin of the state that follows the hold.
    fn window(&mut self, step: &Step<'_>) -> Option<Origin> {
        let w = self.campaign.send_window.as_ref()?;
        let wait = step.origin.with(Role::WindowWait);
        let after = step.origin.with(Role::WindowOpen);
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
            &step.node.id,
            w.span,
            payload,
            comment.to_string(),
        );
        task["ResultPath"] = json!("$.window");
        if self.guards.is_empty() {
            task["ResultSelector"] = json!({ "opens_at.$": "$.Payload.opens_at" });
            task["Next"] = json!(name_of(&wait));
            self.add(&step.origin, task);
            self.add(
                &wait,
                json!({ "Type": "Wait", "Comment": "until the send window opens", "TimestampPath": "$.window.opens_at", "Next": name_of(&after) }),
            );
            return Some(after);
        }
        let route = step.origin.with(Role::Route);
        task["ResultSelector"] =
            json!({ "opens_at.$": "$.Payload.opens_at", "seconds.$": "$.Payload.seconds" });
        task["Next"] = json!(name_of(&route));
        self.add(&step.origin, task);
        self.add(
            &route,
            json!({
                "Type": "Choice",
                "Comment": "Held only while the window is closed",
                "Choices": [ { "Variable": "$.window.seconds", "NumericGreaterThan": 0, "Next": name_of(&wait) } ],
                "Default": name_of(&after),
            }),
        );
        let state = self.watcher(
            step,
            Value::Null,
            Timeout::Path(WINDOW_SECONDS_PATH),
            "hold the send until the send window opens unless a goal, suppression or handler holds first: the wait_until watcher completes the task token when one does".to_string(),
            &name_of(&after),
        );
        self.add(&wait, state);
        Some(after)
    }

    /// An evaluation of the guards at `origin`: the run ends at the first
    /// that holds, else goes on to `then`.
    fn guard_check(&mut self, step: &Step<'_>, origin: Origin, then: Origin) {
        let routes = self
            .guards
            .iter()
            .map(|(n, _, end)| (n.clone(), end.clone()))
            .collect();
        // A handler's start is a route, not an end of the campaign.
        let ends: Vec<Origin> = self
            .guards
            .iter()
            .map(|g| g.2.clone())
            .filter(|end| !matches!(end.place, Place::Campaign(CampaignPart::Handler(_))))
            .collect();
        self.ends.extend(ends);
        self.evaluate(Check {
            origin,
            step: step.node.id.clone(),
            kind: "guard",
            at: step.node.head,
            conditions: Conditions::Path(GUARDS_PATH),
            routes,
            default: then,
            extra: Map::new(),
        });
    }

    /// A wait while goals or suppression may start to hold: a callback
    /// Task that the `wait_until` watcher completes as soon as `until` or a
    /// guard holds (or that times out after the duration), then a guard
    /// check, so that the run ends with the guard as its reason at the
    /// moment it holds.
    fn watched_wait(
        &mut self,
        step: &Step<'_>,
        duration: crate::ir::Duration,
        until: Option<&Condition>,
        next: &Link,
    ) {
        let condition = match until {
            Some(c) => self.condition(c, true),
            None => Value::Null,
        };
        let check = step.origin.with(Role::Check(1));
        let what = match until {
            Some(_) => "or until the condition holds",
            None => "unless a goal or suppression holds first",
        };
        let comment = format!(
            "wait {} {what}: the wait_until watcher completes the task token when it does",
            super::duration_text(duration)
        );
        let state = self.watcher(
            step,
            condition,
            Timeout::Seconds(duration.seconds),
            comment,
            &name_of(&check),
        );
        self.add(&step.origin, state);
        let then = target_origin(next);
        self.next_name(next);
        self.guard_check(step, check, then);
    }

    /// The `wait_until` callback Task watching `condition` (or `null`) and
    /// the guards, timing out after `timeout`; completed or timed out, it
    /// goes on to `then`.
    fn watcher(
        &mut self,
        step: &Step<'_>,
        condition: Value,
        timeout: Timeout,
        comment: String,
        then: &str,
    ) -> Value {
        let function = self.function("wait_until", step.node.head);
        let mut payload = json!({
            "campaign": self.campaign.name,
            "step": step.node.id,
            "condition": condition,
            "guards.$": GUARDS_PATH,
            "token.$": "$$.Task.Token",
            "contact.$": "$.contact",
            "entered_at.$": self.entered_at(),
        });
        if self.has_segments {
            payload["segments.$"] = json!(SEGMENTS_PATH);
        }
        if !self.campaign.flow.handlers.is_empty() {
            payload["handled.$"] = json!(HANDLED_PATH);
        }
        let mut state = json!({
            "Type": "Task",
            "Comment": comment,
            "Resource": LAMBDA_CALLBACK,
            "Parameters": { "FunctionName": function, "Payload": payload },
        });
        match timeout {
            Timeout::Seconds(s) => state["TimeoutSeconds"] = json!(s),
            Timeout::Path(p) => state["TimeoutSecondsPath"] = json!(p),
        }
        state["ResultPath"] = Value::Null;
        state["Retry"] = retry();
        state["Catch"] =
            json!([ { "ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": then } ]);
        state["Next"] = json!(then);
        state
    }

    /// A Lambda effect after its guard, continuing at `next` (or ending).
    fn effect(
        &mut self,
        step: &Step<'_>,
        (effect, function): (&'static str, &str),
        payload: Map<String, Value>,
        comment: String,
        next: Option<&Link>,
    ) {
        self.effect_at(
            step,
            step.origin.clone(),
            (effect, function),
            payload,
            comment,
            next,
        );
    }

    /// [`Self::effect`] with its guard check in the state `check`.
    fn effect_at(
        &mut self,
        step: &Step<'_>,
        check: Origin,
        (effect, function): (&'static str, &str),
        payload: Map<String, Value>,
        comment: String,
        next: Option<&Link>,
    ) {
        let name = self.guarded_at(step, check, effect);
        let mut task = self.lambda(function, &step.node.id, step.node.head, payload, comment);
        task["ResultPath"] = Value::Null;
        match next {
            Some(link) => task["Next"] = json!(self.next_name(link)),
            None => task["End"] = json!(true),
        }
        self.add(&name, task);
    }
}

impl Platform for Ctx<'_> {
    type Condition = Value;

    fn condition(&mut self, c: &Condition, positive: bool) -> Value {
        let v = self.cond(c);
        if positive {
            v
        } else {
            json!({ "not": v })
        }
    }

    fn step(&mut self, step: &Step<'_>) {
        let node = step.node;
        let id = node.id.clone();
        let origin = &step.origin;
        let comment = format!("{} ({})", node.kind.keyword(), id);
        match &step.kind {
            StepKind::Send { email, next } => {
                let check = match self.window(step) {
                    Some(open) => open,
                    None => step.origin.clone(),
                };
                let mut payload = Map::new();
                payload.insert("email".into(), json!(email));
                if let Some(e) = self.project.referent(email) {
                    payload.insert("template".into(), json!(e.template));
                    payload.insert("subject".into(), json!(self.merge_tags(&e.subject)));
                    if let Some(p) = &e.preview {
                        payload.insert("preview".into(), json!(p));
                    }
                }
                let comment = format!("send {email}");
                self.effect_at(step, check, ("send", "send"), payload, comment, Some(next));
            }
            StepKind::Delay { duration, next } if !self.guards.is_empty() => {
                self.watched_wait(step, *duration, None, next);
            }
            StepKind::PollUntil {
                duration,
                until,
                next,
            } if !self.guards.is_empty() => {
                self.watched_wait(step, *duration, Some(until), next);
            }
            StepKind::Delay { duration, next } => {
                let state = json!({ "Type": "Wait", "Comment": format!("wait {}", super::duration_text(duration)), "Seconds": duration.seconds, "Next": self.next_name(next) });
                self.add(origin, state);
            }
            StepKind::PollUntil {
                duration,
                until,
                next,
            } => {
                let function = self.function("wait_until", node.head);
                let condition = self.condition(until, true);
                let after = self.next_name(next);
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
                            "entered_at.$": self.entered_at(),
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
                self.add(origin, state);
            }
            StepKind::Choice {
                arms, otherwise, ..
            } => {
                let mut conditions = Vec::new();
                let mut routes = Vec::new();
                for (k, (condition, target)) in arms.iter().enumerate() {
                    let name = format!("when{}", k + 1);
                    conditions.push((name.clone(), self.condition(condition, true)));
                    self.next_name(target);
                    routes.push((name, target_origin(target)));
                }
                self.next_name(otherwise);
                self.evaluate(Check {
                    origin: origin.clone(),
                    step: id.clone(),
                    kind: "branch",
                    at: node.head,
                    conditions: Conditions::Inline(conditions),
                    routes,
                    default: target_origin(otherwise),
                    extra: Map::new(),
                });
            }
            StepKind::Sample { arms } => {
                let choose = origin.with(Role::Route);
                self.add(
                    origin,
                    json!({
                        "Type": "Pass",
                        "Comment": "A random number in [0, 100) picks the arm",
                        "Parameters": { "roll.$": "States.MathRandom(0, 100)" },
                        "ResultPath": "$.split",
                        "Next": name_of(&choose),
                    }),
                );
                let mut cumulative = 0;
                let mut choices = Vec::new();
                let last = arms.len().saturating_sub(1);
                for (percent, target) in arms.iter().take(last) {
                    cumulative += percent;
                    choices.push(json!({ "Variable": "$.split.roll", "NumericLessThan": cumulative, "Next": self.next_name(target) }));
                }
                let default = match arms.last() {
                    Some((_, target)) => self.next_name(target),
                    None => self.next_name(&None),
                };
                if choices.is_empty() {
                    // A single arm: every lead takes it.
                    choices.push(json!({ "Variable": "$.split.roll", "NumericGreaterThanEquals": 0, "Next": default }));
                }
                self.add(
                    &choose,
                    json!({ "Type": "Choice", "Choices": choices, "Default": default }),
                );
            }
            StepKind::Set {
                property,
                value: v,
                next,
            } => {
                let mut payload = Map::new();
                payload.insert("property".into(), json!(self.property(property)));
                payload.insert("value".into(), value(v));
                self.effect(step, ("set", "set_property"), payload, comment, Some(next));
            }
            StepKind::Notify {
                recipient,
                message,
                next,
            } => {
                let mut payload = Map::new();
                payload.insert(
                    "recipient".into(),
                    match recipient {
                        Recipient::Name(n) => json!({ "name": n }),
                        Recipient::Address(a) => json!({ "address": a }),
                    },
                );
                payload.insert("message".into(), json!(self.merge_tags(message)));
                self.effect(step, ("notify", "notify"), payload, comment, Some(next));
            }
            StepKind::Handoff {
                queue,
                notes,
                tasks,
            } => {
                let mut payload = Map::new();
                payload.insert("queue".into(), json!(queue));
                let notes: Vec<String> = notes.iter().map(|n| self.merge_tags(n)).collect();
                payload.insert("notes".into(), json!(notes));
                payload.insert(
                    "tasks".into(),
                    Value::Array(tasks.iter().map(|t| json!({ "title": t.title, "due_seconds": t.due.map(|d| d.seconds) })).collect()),
                );
                let comment = format!("hand off to {queue}; the lead leaves the campaign");
                self.effect(step, ("handoff", "handoff"), payload, comment, None);
            }
            StepKind::Enroll { campaign } => {
                let name = self.guarded(step, "enroll");
                let machine = self.b.id(
                    "state_machines",
                    &self.cfg.state_machines,
                    &campaign.name,
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
            StepKind::Jump { label, to } if self.back_gotos.contains(&node.id) => {
                self.backward_goto(step, label, to);
            }
            StepKind::Jump { label, to } => {
                let to = self.next_name(to);
                self.add(
                    origin,
                    json!({ "Type": "Pass", "Comment": format!("goto {label}"), "Next": to }),
                );
            }
            StepKind::Exit { reason } => {
                let comment = match reason {
                    Some(r) => format!("exit: {r}"),
                    None => "exit".to_string(),
                };
                // A goal met by the last effect ends the run as that goal.
                let name = self.guarded(step, "exit");
                self.add(&name, json!({ "Type": "Succeed", "Comment": comment }));
            }
        }
    }

    fn documents(&mut self, lowered: &Lowered<'_>) -> Vec<Traced> {
        self.handler_starts(lowered);
        vec![self.file()]
    }
}

/// The state name of an origin.
fn name_of(origin: &Origin) -> String {
    state_name(&origin.to_string())
}

/// Where a link leads in a machine: the fall-off end stands for `None`.
fn target_origin(link: &Link) -> Origin {
    link.clone()
        .unwrap_or_else(|| Origin::campaign(CampaignPart::FellOff))
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
