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
use super::pretty::{self, Array, Object, Placed};
use super::{to_pretty, IdMode, OutputFile, Traced};
use crate::config::{AslConfig, Config};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Campaign, Condition, ConditionKind, Event, EventArgument, EventSource, NodeId, NodeKind,
    Project, Quantity, Recipient, Reentry, Trigger, Value as IrValue,
};
use crate::span::Span;
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;
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
            states: Vec::new(),
            state_at: HashMap::new(),
            nodes: Vec::new(),
            retry: pretty::serialized(STATE_INDENT + 2, &RETRY),
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

/// Per campaign, the campaigns that `enroll` leads into it, each once, by
/// name: the project's order follows the order of its files, which must not
/// change the output. One pass over every node of the project, since a scan
/// of the project per campaign would be quadratic.
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
    for from in index.values_mut() {
        from.sort_unstable();
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

/// A Task's `Retry` rule for the Lambda service's transient errors.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Retrier {
    error_equals: [&'static str; 4],
    interval_seconds: u8,
    max_attempts: u8,
    backoff_rate: u8,
}

const RETRY: [Retrier; 1] = [Retrier {
    error_equals: [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    interval_seconds: 2,
    max_attempts: 6,
    backoff_rate: 2,
}];

/// How deep a state is in the machine: in `States`, under its name; its
/// fields are two spaces deeper.
const STATE_INDENT: usize = 4;

/// A state's `Type`, with a Task's `Resource`.
#[derive(Clone, Copy, PartialEq)]
enum Type {
    Task(&'static str),
    Choice,
    Pass,
    Wait,
    Succeed,
    Fail,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Task(_) => "Task",
            Type::Choice => "Choice",
            Type::Pass => "Pass",
            Type::Wait => "Wait",
            Type::Succeed => "Succeed",
            Type::Fail => "Fail",
        }
    }

    /// The history events a state writes in a run without retries: entered
    /// and exited, and for a Task scheduled, started and succeeded (and
    /// submitted for a callback or a started execution).
    fn events(self) -> u64 {
        match self {
            Type::Task(LAMBDA) => 5,
            Type::Task(_) => 6,
            _ => 2,
        }
    }
}

/// A state rendered for its place in `States`; its type is kept for the
/// history quota, which counts the events of every state.
struct State {
    ty: Type,
    text: Placed,
}

/// A state: its `Type`, its `Comment` if any, a Task's `Resource`, then
/// what `fields` writes (every state of the machine starts so).
fn state(ty: Type, comment: Option<&str>, fields: impl FnOnce(&mut Object<'_>)) -> State {
    let text = pretty::placed_object(STATE_INDENT, |o| {
        o.value("Type", ty.name());
        if let Some(comment) = comment {
            o.value("Comment", comment);
        }
        if let Type::Task(resource) = ty {
            o.value("Resource", resource);
        }
        fields(o);
    });
    State { ty, text }
}

/// A `Choice` state: its rules (`rule`), then its `Default`.
fn choice(comment: Option<&str>, rules: impl FnOnce(&mut Array<'_>), default: &str) -> State {
    state(Type::Choice, comment, |o| {
        let mut choices = o.array("Choices");
        rules(&mut choices);
        choices.close();
        o.value("Default", default);
    })
}

/// A rule of a `Choice`: when `variable` passes `test` against `value`,
/// go to `next`.
fn rule<T: pretty::Json + ?Sized>(
    choices: &mut Array<'_>,
    variable: &str,
    test: &str,
    value: &T,
    next: &str,
) {
    let mut rule = choices.object();
    rule.value("Variable", variable)
        .value(test, value)
        .value("Next", next);
    rule.close();
}

fn value(v: &IrValue) -> Value {
    match v {
        IrValue::String(s) => json!(s),
        IrValue::Number(n) => number(*n),
        IrValue::Bool(b) => json!(b),
    }
}

/// `[{name, condition}]`, in the order the conditions are tried.
fn named_conditions<'c>(
    o: &mut Object<'_>,
    key: &str,
    list: impl Iterator<Item = (&'c String, &'c Value)>,
) {
    let mut items = o.array(key);
    for (name, condition) in list {
        let mut item = items.object();
        item.value("name", name).value("condition", condition);
        item.close();
    }
    items.close();
}

/// A `Pass` state that keeps the lead's entry time (from `entered_at`)
/// and no rounds yet in `$.run`.
fn run_state(comment: &str, entered_at: &str, next: &str) -> State {
    state(Type::Pass, Some(comment), |o| {
        let mut parameters = o.object("Parameters");
        parameters
            .value("entered_at.$", entered_at)
            .value("rounds", &0);
        parameters.close();
        o.value("ResultPath", RUN_PATH).value("Next", next);
    })
}

/// A loop's round check: after `rounds` rounds in this execution, to the
/// continuation `cont`, else around the loop to `to`.
struct RoundRoute {
    cont: String,
    to: String,
}

impl RoundRoute {
    fn state(&self, rounds: u64) -> State {
        choice(
            Some("After the rounds one execution can hold within a year and the history quota, the run continues in a new execution"),
            |choices| {
                rule(choices, "$.run.rounds", "NumericGreaterThanEquals", &rounds, &self.cont);
            },
            &self.to,
        )
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
    /// More payload fields: `(key, value)`.
    extra: &'static [(&'static str, &'static str)],
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
    /// The campaigns that `enroll` leads into this one, by name.
    enrolled_from: &'a [&'a str],
    cfg: &'a AslConfig,
    b: &'a mut Binder,
    /// `(name, state)` in the order of the machine.
    states: Vec<(String, State)>,
    /// Where each name is in `states`.
    state_at: HashMap<String, usize>,
    nodes: Vec<(String, Origin)>,
    /// The `Retry` of a Lambda Task, rendered once for every Task.
    retry: Placed,
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
    /// machine is complete: where each is in `states`, and its routes.
    round_routes: Vec<(usize, RoundRoute)>,
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

    /// Adds the state of `origin`, or replaces the state of the same name,
    /// in its place; returns where it is in `states`.
    fn add(&mut self, origin: &Origin, state: State) -> usize {
        let name = name_of(origin);
        let at = match self.state_at.get(&name) {
            Some(&at) => {
                if let Some((_, other)) = self.nodes.iter().find(|(n, o)| *n == name && o != origin)
                {
                    self.name_collision(origin, other.clone());
                }
                self.states[at].1 = state;
                at
            }
            None => {
                let at = self.states.len();
                self.state_at.insert(name.clone(), at);
                self.states.push((name.clone(), state));
                at
            }
        };
        self.nodes.push((name, origin.clone()));
        at
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

    /// A Lambda Task with the campaign, the step and the contact in its
    /// payload, `payload` writing the fields between them and `after` the
    /// state's fields after its `Retry`.
    fn lambda(
        &mut self,
        (kind, step, at): (&str, &str, Span),
        comment: &str,
        payload: impl FnOnce(&mut Object<'_>),
        after: impl FnOnce(&mut Object<'_>),
    ) -> State {
        let function = self.function(kind, at);
        let evaluate = kind == "evaluate";
        state(Type::Task(LAMBDA), Some(comment), |o| {
            let mut parameters = o.object("Parameters");
            parameters.value("FunctionName", &function);
            let mut full = parameters.object("Payload");
            full.value("campaign", &self.campaign.name)
                .value("step", step);
            payload(&mut full);
            if evaluate && self.has_segments {
                full.value("segments.$", SEGMENTS_PATH);
            }
            if evaluate && !self.campaign.flow.handlers.is_empty() {
                full.value("handled.$", HANDLED_PATH);
            }
            full.value("contact.$", "$.contact")
                .value("entered_at.$", self.entered_at());
            full.close();
            parameters.close();
            o.placed("Retry", &self.retry);
            after(o);
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
        let step = step.as_str();
        let route_origin = origin.with(Role::Route);
        let choose = name_of(&route_origin);
        let comment = match kind {
            "guard" => {
                format!("Suppression and goals at {step}: the run ends at the first that holds")
            }
            "entry" => "Admission: re-entry, trigger and its filter, audience".to_string(),
            _ => format!("Which arm of {step} runs"),
        };
        let payload = |p: &mut Object<'_>| {
            p.value("check", kind);
            match &conditions {
                Conditions::Inline(list) => {
                    named_conditions(p, "conditions", list.iter().map(|(n, c)| (n, c)));
                }
                Conditions::Path(path) => {
                    p.value("conditions.$", path);
                }
            }
            for (key, value) in extra {
                p.value(key, value);
            }
        };
        let task = self.lambda(("evaluate", step, at), &comment, payload, |o| {
            let mut selector = o.object("ResultSelector");
            selector.value("first.$", "$.Payload.first");
            selector.close();
            o.value("ResultPath", "$.evaluation").value("Next", &choose);
        });
        self.add(&origin, task);
        let route = choice(
            None,
            |choices| {
                for (name, next) in &routes {
                    rule(
                        choices,
                        "$.evaluation.first",
                        "StringEquals",
                        name,
                        &name_of(next),
                    );
                }
            },
            &name_of(&default),
        );
        self.add(&route_origin, route);
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
            let next = name_of(&Origin::campaign(self.first_part()));
            let state = state(
                Type::Pass,
                Some("The campaign's suppression and goals (checked before every effect and exit, and during and after every wait) and the definitions of its segments"),
                |o| {
                    let mut result = o.object("Result");
                    self.campaign_data(&mut result, &segments);
                    result.close();
                    o.value("ResultPath", "$.campaign").value("Next", &next);
                },
            );
            self.add(&Origin::campaign(CampaignPart::Campaign), state);
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
        self.evaluate(Check {
            origin: Origin::campaign(CampaignPart::Entry),
            step: "entry".into(),
            kind: "entry",
            at: c.name_span,
            conditions: Conditions::Inline(vec![("admit".into(), admit)]),
            routes: vec![("admit".into(), entry)],
            default: Origin::campaign(CampaignPart::NotAdmitted),
            extra: &[("trigger.$", "$.trigger")],
        });
        self.ends
            .insert(Origin::campaign(CampaignPart::NotAdmitted));
    }

    /// What `(campaign)` keeps in `$.campaign`: the guards, the segment
    /// definitions, and which handlers have run.
    fn campaign_data(&self, result: &mut Object<'_>, segments: &Map<String, Value>) {
        if !self.guards.is_empty() {
            let guards = self.guards.iter().map(|(n, c, _)| (n, c));
            named_conditions(result, "guards", guards);
        }
        if self.has_segments {
            result.value("segments", segments);
        }
        let handlers = self.campaign.flow.handlers.len();
        if handlers > 0 {
            let mut handled = result.object("handled");
            for n in 1..=handlers {
                handled.value(&format!("on{n}"), &false);
            }
            handled.close();
        }
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
        let start = choice(
            Some("An input with `resume` continues a lead's run that an earlier execution of this machine started"),
            |choices| rule(choices, "$.resume", "IsPresent", &true, &name_of(&resume)),
            &name_of(&run),
        );
        self.add(&Origin::campaign(CampaignPart::Start), start);
        let new_run = run_state(
            "A new run: the lead enters now; no round of a loop yet",
            STARTED_AT,
            &name_of(&Origin::campaign(CampaignPart::Entry)),
        );
        self.add(&run, new_run);
        let route = resume.with(Role::Route);
        let after = if self.campaign.flow.handlers.is_empty() {
            route.clone()
        } else {
            resume.with(Role::Handled)
        };
        let continued = run_state(
            "A continued run: the lead's entry time from the input; the rounds count again in this execution",
            "$.resume.entered_at",
            &name_of(&after),
        );
        self.add(&resume, continued);
        if after != route {
            let next = name_of(&route);
            let state = state(
                Type::Pass,
                Some("The handlers that have run, from the input"),
                |o| {
                    o.value("InputPath", "$.resume.handled")
                        .value("ResultPath", HANDLED_PATH)
                        .value("Next", &next);
                },
            );
            self.add(&after, state);
        }
    }

    /// `(resume)/route`: to the state the input's `resume.at` names.
    fn resume_route(&mut self) {
        if !self.continues() {
            return;
        }
        let unknown = name_of(&Origin::campaign(CampaignPart::UnknownResume));
        let points: Vec<String> = self.resume_points.iter().map(name_of).collect();
        let route = choice(
            None,
            |choices| {
                for point in &points {
                    rule(choices, "$.resume.at", "StringEquals", point, point);
                }
                if points.is_empty() {
                    rule(choices, "$.resume.at", "StringEquals", "", &unknown);
                }
            },
            &unknown,
        );
        self.add(
            &Origin::campaign(CampaignPart::Resume).with(Role::Route),
            route,
        );
        let fail = state(
            Type::Fail,
            Some("The input's resume.at names no state this machine resumes at (an input not written by this machine)."),
            |o| {
                o.value("Error", "Nurture.UnknownResumePoint")
                    .value("Cause", "resume.at names no resume point of this machine");
            },
        );
        self.add(&Origin::campaign(CampaignPart::UnknownResume), fail);
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
        let route_name = name_of(&route);
        let count = state(
            Type::Pass,
            Some(&format!(
                "goto {label}: one more round of the loop in this execution"
            )),
            |o| {
                let mut parameters = o.object("Parameters");
                parameters
                    .value("entered_at.$", RUN_ENTERED_AT)
                    .value("rounds.$", "States.MathAdd($.run.rounds, 1)");
                parameters.close();
                o.value("ResultPath", RUN_PATH).value("Next", &route_name);
            },
        );
        self.add(&step.origin, count);
        let rounds = RoundRoute {
            cont: name_of(&cont),
            to: to_name,
        };
        let at = self.add(&route, rounds.state(1));
        self.round_routes.push((at, rounds));
        let task = self.continuation(label, &name_of(&target), &name_of(&continued));
        self.add(&cont, task);
        self.ends.insert(continued);
        self.resume_points.insert(target);
    }

    /// The Task that starts a new execution of this machine at `at`,
    /// with the lead's run state, then goes on to `next`.
    fn continuation(&self, label: &str, at: &str, next: &str) -> State {
        let handled = !self.campaign.flow.handlers.is_empty();
        state(
            Type::Task(START_EXECUTION),
            Some(&format!(
                "Continue the lead's run at {label} in a new execution of this machine"
            )),
            |o| {
                let mut parameters = o.object("Parameters");
                parameters.value("StateMachineArn.$", "$$.StateMachine.Id");
                let mut input = parameters.object("Input");
                input
                    .value("contact.$", "$.contact")
                    .value("trigger.$", "$.trigger");
                let mut resume = input.object("resume");
                resume.value("at", at).value("entered_at.$", RUN_ENTERED_AT);
                if handled {
                    resume.value("handled.$", HANDLED_PATH);
                }
                resume.close();
                input.value(
                    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$",
                    "$$.Execution.Id",
                );
                input.close();
                parameters.close();
                o.value("ResultPath", &()).value("Next", next);
            },
        )
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
            let Some(&at) = self.state_at.get(name) else {
                continue;
            };
            let ty = self.states[at].1.ty;
            if origin.roles.last() == Some(&Role::Continue) {
                continue;
            }
            match origin.node_id() {
                Some(id) => {
                    if let Some(&node) = index.get(id) {
                        per_node[node.index()] += ty.events();
                    }
                }
                None if matches!(ty, Type::Succeed | Type::Fail) => {}
                None => overhead += ty.events(),
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
        for (at, route) in &self.round_routes {
            self.states[*at].1 = route.state(rounds);
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
            let comment = format!(
                "handler {n}: on {}",
                crate::check::flow::text::condition(&handler.condition)
            );
            let state = state(Type::Pass, Some(&comment), |o| {
                o.value("Result", &true)
                    .value("ResultPath", &format!("{HANDLED_PATH}.on{n}"))
                    .value("Next", &next);
            });
            self.add(&Origin::campaign(CampaignPart::Handler(n)), state);
        }
    }

    /// The machine, once every step is added.
    fn file(&mut self) -> Traced {
        let c = self.campaign;
        self.resume_route();
        // Campaign-level ends, in the order of their names.
        let mut ends: Vec<Origin> = std::mem::take(&mut self.ends).into_iter().collect();
        ends.sort_by_key(Origin::text);
        for end in ends {
            let state = if end.is(&CampaignPart::FellOff) {
                state(
                    Type::Fail,
                    Some("The flow ended without an exit (the compiler reports this as missing-exit)."),
                    |o| {
                        o.value("Error", "Nurture.FellOff")
                            .value("Cause", "no exit at the end of the flow");
                    },
                )
            } else if end.is(&CampaignPart::Continued) {
                state(
                    Type::Succeed,
                    Some("The lead's run goes on in the new execution this one started; this execution ends"),
                    |_| {},
                )
            } else {
                let text = end.text();
                let comment = format!(
                    "The lead leaves the campaign: {}",
                    text.trim_matches(|ch| ch == '(' || ch == ')')
                );
                state(Type::Succeed, Some(&comment), |_| {})
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
        let start = name_of(&Origin::campaign(start));
        let size: usize = self
            .states
            .iter()
            .map(|(name, state)| name.len() + state.text.len() + STATE_INDENT + 6)
            .sum();
        let contents = pretty::document(size + comment.len() + 64, |root| {
            root.value("Comment", &comment).value("StartAt", &start);
            let mut states = root.object("States");
            for (name, state) in &self.states {
                states.placed(name, &state.text);
            }
            states.close();
        });
        Traced::new(
            OutputFile {
                path: format!("{SECTION}/{}.json", c.name),
                contents,
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
        let route = step.origin.with(Role::Route);
        let watched = !self.guards.is_empty();
        let next = name_of(if watched { &route } else { &wait });
        let payload = |p: &mut Object<'_>| {
            let mut window = p.object("window");
            window
                .value("days", &w.days.iter().map(|d| d.name()).collect::<Vec<_>>())
                .value("open", &crate::ir::SendWindow::clock_text(w.open))
                .value("close", &crate::ir::SendWindow::clock_text(w.close));
            window.close();
        };
        let task = self.lambda(
            ("send_window", &step.node.id, w.span),
            "The send window's next opening in the contact's time zone (now when open)",
            payload,
            |o| {
                o.value("ResultPath", "$.window");
                let mut selector = o.object("ResultSelector");
                selector.value("opens_at.$", "$.Payload.opens_at");
                if watched {
                    selector.value("seconds.$", "$.Payload.seconds");
                }
                selector.close();
                o.value("Next", &next);
            },
        );
        self.add(&step.origin, task);
        let after_name = name_of(&after);
        if !watched {
            let hold = state(Type::Wait, Some("until the send window opens"), |o| {
                o.value("TimestampPath", "$.window.opens_at")
                    .value("Next", &after_name);
            });
            self.add(&wait, hold);
            return Some(after);
        }
        let skip = choice(
            Some("Held only while the window is closed"),
            |choices| {
                rule(
                    choices,
                    WINDOW_SECONDS_PATH,
                    "NumericGreaterThan",
                    &0,
                    &name_of(&wait),
                );
            },
            &after_name,
        );
        self.add(&route, skip);
        let state = self.watcher(
            step,
            &Value::Null,
            Timeout::Path(WINDOW_SECONDS_PATH),
            "hold the send until the send window opens unless a goal, suppression or handler holds first: the wait_until watcher completes the task token when one does",
            &after_name,
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
            extra: &[],
        });
    }

    /// A `send`: held by the send window, if any, then after its guard.
    fn send(&mut self, step: &Step<'_>, email: &crate::ir::Ref<crate::ir::EmailId>, next: &Link) {
        let check = match self.window(step) {
            Some(open) => open,
            None => step.origin.clone(),
        };
        let referent = self.project.referent(email);
        let subject = referent.map(|e| self.merge_tags(&e.subject));
        let payload = |p: &mut Object<'_>| {
            p.value("email", &email.name);
            if let (Some(e), Some(subject)) = (referent, &subject) {
                p.value("template", &e.template).value("subject", subject);
                if let Some(preview) = &e.preview {
                    p.value("preview", preview);
                }
            }
        };
        let comment = format!("send {email}");
        self.effect_at(step, check, ("send", "send"), payload, &comment, Some(next));
    }

    /// A `split`: a random number in [0, 100), then a `Choice` of the arm.
    fn sample(&mut self, origin: &Origin, arms: &[(u64, Link)]) {
        let choose = origin.with(Role::Route);
        let choose_name = name_of(&choose);
        let roll = state(
            Type::Pass,
            Some("A random number in [0, 100) picks the arm"),
            |o| {
                let mut parameters = o.object("Parameters");
                parameters.value("roll.$", "States.MathRandom(0, 100)");
                parameters.close();
                o.value("ResultPath", "$.split").value("Next", &choose_name);
            },
        );
        self.add(origin, roll);
        let last = arms.len().saturating_sub(1);
        let mut cumulative = 0;
        let mut below = Vec::new();
        for (percent, target) in arms.iter().take(last) {
            cumulative += percent;
            below.push((cumulative, self.next_name(target)));
        }
        let default = match arms.last() {
            Some((_, target)) => self.next_name(target),
            None => self.next_name(&None),
        };
        let route = choice(
            None,
            |choices| {
                for (cumulative, next) in &below {
                    rule(choices, "$.split.roll", "NumericLessThan", cumulative, next);
                }
                if below.is_empty() {
                    // A single arm: every lead takes it.
                    rule(
                        choices,
                        "$.split.roll",
                        "NumericGreaterThanEquals",
                        &0,
                        &default,
                    );
                }
            },
            &default,
        );
        self.add(&choose, route);
    }

    /// An `enroll`: after its guard, starts the target campaign's machine.
    fn enroll(&mut self, step: &Step<'_>, campaign: &crate::ir::Ref<crate::ir::CampaignId>) {
        let name = self.guarded(step, "enroll");
        let machine = self.b.id(
            "state_machines",
            &self.cfg.state_machines,
            &campaign.name,
            "state-machine",
            &format!("state machine ARN for campaign `{campaign}`"),
            step.node.head,
        );
        let comment =
            format!("enroll in {campaign}: start its state machine; the lead leaves this campaign");
        let from = &self.campaign.name;
        let state = state(Type::Task(START_EXECUTION), Some(&comment), |o| {
            let mut parameters = o.object("Parameters");
            parameters.value("StateMachineArn", &machine);
            let mut input = parameters.object("Input");
            input.value("contact.$", "$.contact");
            let mut trigger = input.object("trigger");
            trigger.value("enrolled", &true).value("from", from);
            trigger.close();
            input.close();
            parameters.close();
            o.value("ResultPath", &()).value("End", &true);
        });
        self.add(&name, state);
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
            &condition,
            Timeout::Seconds(duration.seconds),
            &comment,
            &name_of(&check),
        );
        self.add(&step.origin, state);
        let then = target_origin(next);
        self.next_name(next);
        self.guard_check(step, check, then);
    }

    /// The `wait_until` callback Task watching `condition` (or `null`) and
    /// the guards, if any, timing out after `timeout`; completed or timed
    /// out, it goes on to `then`.
    fn watcher(
        &mut self,
        step: &Step<'_>,
        condition: &Value,
        timeout: Timeout,
        comment: &str,
        then: &str,
    ) -> State {
        let function = self.function("wait_until", step.node.head);
        state(Type::Task(LAMBDA_CALLBACK), Some(comment), |o| {
            let mut parameters = o.object("Parameters");
            parameters.value("FunctionName", &function);
            let mut payload = parameters.object("Payload");
            payload
                .value("campaign", &self.campaign.name)
                .value("step", &step.node.id)
                .value("condition", condition);
            if !self.guards.is_empty() {
                payload.value("guards.$", GUARDS_PATH);
            }
            payload
                .value("token.$", "$$.Task.Token")
                .value("contact.$", "$.contact")
                .value("entered_at.$", self.entered_at());
            if self.has_segments {
                payload.value("segments.$", SEGMENTS_PATH);
            }
            if !self.campaign.flow.handlers.is_empty() {
                payload.value("handled.$", HANDLED_PATH);
            }
            payload.close();
            parameters.close();
            match timeout {
                Timeout::Seconds(s) => o.value("TimeoutSeconds", &s),
                Timeout::Path(p) => o.value("TimeoutSecondsPath", p),
            };
            o.value("ResultPath", &()).placed("Retry", &self.retry);
            let mut catch = o.array("Catch");
            let mut timed_out = catch.object();
            timed_out
                .value("ErrorEquals", &["States.Timeout"])
                .value("ResultPath", &())
                .value("Next", then);
            timed_out.close();
            catch.close();
            o.value("Next", then);
        })
    }

    /// A Lambda effect after its guard, continuing at `next` (or ending).
    fn effect(
        &mut self,
        step: &Step<'_>,
        (effect, function): (&'static str, &str),
        payload: impl FnOnce(&mut Object<'_>),
        comment: &str,
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
        payload: impl FnOnce(&mut Object<'_>),
        comment: &str,
        next: Option<&Link>,
    ) {
        let name = self.guarded_at(step, check, effect);
        let next = next.map(|link| self.next_name(link));
        let node = step.node;
        let task = self.lambda((function, &node.id, node.head), comment, payload, |o| {
            o.value("ResultPath", &());
            match &next {
                Some(next) => o.value("Next", next),
                None => o.value("End", &true),
            };
        });
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
        let origin = &step.origin;
        let comment = format!("{} ({})", node.kind.keyword(), node.id);
        match &step.kind {
            StepKind::Send { email, next } => self.send(step, email, next),
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
                let next = self.next_name(next);
                let comment = format!("wait {}", super::duration_text(*duration));
                let wait = state(Type::Wait, Some(&comment), |o| {
                    o.value("Seconds", &duration.seconds).value("Next", &next);
                });
                self.add(origin, wait);
            }
            StepKind::PollUntil {
                duration,
                until,
                next,
            } => {
                let condition = self.condition(until, true);
                let after = self.next_name(next);
                let comment = format!("wait {} or until the condition holds: wait_until completes the task token when it does", super::duration_text(*duration));
                let timeout = Timeout::Seconds(duration.seconds);
                let state = self.watcher(step, &condition, timeout, &comment, &after);
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
                    step: node.id.clone(),
                    kind: "branch",
                    at: node.head,
                    conditions: Conditions::Inline(conditions),
                    routes,
                    default: target_origin(otherwise),
                    extra: &[],
                });
            }
            StepKind::Sample { arms } => self.sample(origin, arms),
            StepKind::Set {
                property,
                value: v,
                next,
            } => {
                let property = self.property(property);
                let payload = |p: &mut Object<'_>| {
                    p.value("property", &property).value("value", &value(v));
                };
                self.effect(step, ("set", "set_property"), payload, &comment, Some(next));
            }
            StepKind::Notify {
                recipient,
                message,
                next,
            } => {
                let message = self.merge_tags(message);
                let payload = |p: &mut Object<'_>| {
                    let mut to = p.object("recipient");
                    match recipient {
                        Recipient::Name(n) => to.value("name", n),
                        Recipient::Address(a) => to.value("address", a),
                    };
                    to.close();
                    p.value("message", &message);
                };
                self.effect(step, ("notify", "notify"), payload, &comment, Some(next));
            }
            StepKind::Handoff {
                queue,
                notes,
                tasks,
            } => {
                let notes: Vec<String> = notes.iter().map(|n| self.merge_tags(n)).collect();
                let payload = |p: &mut Object<'_>| {
                    p.value("queue", queue).value("notes", &notes);
                    let mut list = p.array("tasks");
                    for t in tasks.iter() {
                        let mut task = list.object();
                        task.value("title", &t.title)
                            .value("due_seconds", &t.due.map(|d| d.seconds));
                        task.close();
                    }
                    list.close();
                };
                let comment = format!("hand off to {queue}; the lead leaves the campaign");
                self.effect(step, ("handoff", "handoff"), payload, &comment, None);
            }
            StepKind::Enroll { campaign } => self.enroll(step, campaign),
            StepKind::Jump { label, to } if self.back_gotos.contains(&node.id) => {
                self.backward_goto(step, label, to);
            }
            StepKind::Jump { label, to } => {
                let to = self.next_name(to);
                let pass = state(Type::Pass, Some(&format!("goto {label}")), |o| {
                    o.value("Next", &to);
                });
                self.add(origin, pass);
            }
            StepKind::Exit { reason } => {
                let comment = match reason {
                    Some(r) => format!("exit: {r}"),
                    None => "exit".to_string(),
                };
                // A goal met by the last effect ends the run as that goal.
                let name = self.guarded(step, "exit");
                self.add(&name, state(Type::Succeed, Some(&comment), |_| {}));
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
    state_name(&origin.text())
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
