//! HubSpot: each campaign as a `POST /automation/v4/flows` request body, a
//! contact-based workflow (`type: CONTACT_FLOW`, `objectTypeId: 0-1`).
//!
//! Built from HubSpot's public API reference; `docs/backends.md` records
//! which field shapes the reference confirms and which are inferred. The
//! lowerings:
//!
//! - triggers: `EVENT_BASED` enrolment when every trigger is an event with
//!   the same `where` (the filter and the audience refine it); otherwise
//!   one `LIST_BASED` enrollment filter, an OR of one AND group per trigger
//!   (plus the campaign's enrollment list when another campaign `enroll`s
//!   into it);
//! - event windows (`within`): `pruningRefineBy` in DAYS or WEEKS, the
//!   units of the list filters; an event on one email matches its email
//!   campaign id (`[hubspot.email_campaigns]`), not its content id;
//! - `lifecyclestage` is an enumeration: `ENUMERATION` `IS_ANY_OF` /
//!   `IS_NONE_OF` on internal values, and `set` writes internal values;
//! - goals and `suppress`: the goal filter (meeting it unenrolls), plus the
//!   account's `[hubspot] suppression_lists`;
//! - `branch`: one `LIST_BRANCH` with a default branch; `split`: an
//!   `AB_TEST_BRANCH`; `wait D or until C`: a `LIST_BRANCH` on `C` before
//!   every slice of at most 14 delays;
//! - a path that joins another (after a branch, or a forward `goto`) is a
//!   `GOTO` connection; loops are unrolled (`[hubspot] loop_limit`);
//! - `handoff`: an internal email to the queue's users and one task per
//!   `task`, owned by the queue's first user, associated with the contact
//!   and due `due` after it is created; `enroll`: adds the lead to the
//!   target's enrollment list (`0-63809083`);
//! - re-entry: re-enrollment triggers are the triggers themselves;
//!   `reentry after D` stamps the entry time in a contact property and the
//!   enrollment filter requires it D old;
//! - handlers: their conditions join the goal filter, and each block runs
//!   in a workflow of its own for leads inside the campaign (a property the
//!   main workflow sets and clears, and `<campaign>.left.json`);
//! - `send during`: the workflow's `timeWindows`; scoring `max`: a counter
//!   property per capped rule.

mod filters;

use super::bind::Binder;
use super::formula::Formula;
use super::lower::Enrollments;
use super::lower::{
    emit_campaign, enrollment_index, event_key, lower, negate, number, slices, CampaignPart, Link,
    Lowered, Origin, Platform, Role, Shape, Step, StepKind, ENGAGEMENT, MAX_POLLS,
};
use super::{pretty, to_pretty, IdMode, OutputFile, Traced};
use crate::config::{toml_key, Config, HubspotConfig, DEFAULT_LOOP_LIMIT};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::ScoreRuleKind;
use crate::ir::{
    Campaign, CompareOp, Condition, ConditionKind, Duration, Event, EventArgument, EventKind,
    EventSource, Project, Quantity, Recipient, Reentry, Task, Trigger, Value as IrValue,
};
use crate::resolve::suggest;
use crate::span::Span;
use filters::{
    in_list, or_branch, property_filter, window_unit, Atom, Filter, FilterBranch, Operation,
};
use foldhash::HashMap;
use serde_json::{json, Value};
use std::rc::Rc;

const SECTION: &str = "hubspot";
const PLATFORM: &str = "HubSpot";

/// Every campaign as one `CONTACT_FLOW` body.
pub fn hubspot(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let built = super::skip::built(project, config, super::Target::Hubspot, &mut b);
    let project: &Project = &built;
    value_tables(project, config, &mut b);
    // One pass over the project's nodes for every part of the build.
    let enrolls = enrollment_index(project);
    let mut files: Vec<OutputFile> = campaigns(project, &enrolls, config, &mut b)
        .into_iter()
        .map(|t| t.file)
        .collect();
    files.extend(campaign_properties(project, config));
    files.extend(left_workflows(project, &enrolls, config, &mut b));
    files.extend(segments(project, &enrolls, config, &mut b));
    files.extend(scoring_models(project, &enrolls, config, &mut b));
    workflow_limit(project, &files, &mut b);
    b.finish()?;
    Ok(files)
}

/// `[hubspot.values.<property>]` must name a property declared `text in
/// [ … ]`, and its keys that property's declared values: the config cannot
/// see the project, so the backend checks it, as `invalid-config`.
fn value_tables(project: &Project, config: &Config, b: &mut Binder) {
    for (property, table) in &config.hubspot.values {
        let Some(crate::ir::PropertyType::Enum(declared)) = project.property_type(property) else {
            let enumerations = project.properties.iter().flat_map(|p| {
                p.declarations.iter().filter_map(|d| {
                    matches!(d.ty, crate::ir::PropertyType::Enum(_)).then_some(d.name.as_str())
                })
            });
            let help = match suggest::closest(property, enumerations) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("declare `{property}: text in [ … ]` in the `properties` block, or remove the table"),
            };
            b.unsupported(
                Code::InvalidConfig,
                format!("`[hubspot.values.{}]` binds the values of `{property}`, which is not a property declared `text in [ … ]`", toml_key(property)),
                table.span,
                "no such enumeration property",
                &help,
            );
            continue;
        };
        for (value, setting) in &table.values {
            if declared.contains(value) {
                continue;
            }
            let help = match suggest::closest(value, declared.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{}`?", toml_key(close)),
                None => format!(
                    "the declared values of `{property}` are: {}",
                    quoted(declared)
                ),
            };
            b.unsupported(
                Code::InvalidConfig,
                format!(
                    "\"{value}\" in `[hubspot.values.{}]` is not a declared value of `{property}`",
                    toml_key(property)
                ),
                setting.span,
                "not a value of the `properties` block",
                &help,
            );
        }
    }
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most workflows one HubSpot account holds ("a technical limit of
/// 500 workflows per portal", enforced on create through the API too).
const MAX_WORKFLOWS: usize = 500;

/// A build that writes more workflows than an account can hold cannot be
/// deployed at all; the existing workflows of the account count too.
fn workflow_limit(project: &Project, files: &[OutputFile], b: &mut Binder) {
    let workflows = files
        .iter()
        .filter(|f| {
            !f.path.starts_with(&format!("{SECTION}/segments/"))
                && !f.path.ends_with(".properties.json")
        })
        .count();
    if workflows <= MAX_WORKFLOWS {
        return;
    }
    let at = project
        .scoring_models
        .first()
        .map(|m| m.name_span)
        .or(project.campaigns.first().map(|c| c.name_span));
    if let Some(at) = at {
        b.unsupported(
            Code::UnsupportedOnHubspot,
            format!(
                "this build writes {workflows} HubSpot workflows, and an account holds at most {MAX_WORKFLOWS}"
            ),
            at,
            "one of the campaigns and scoring models that need them",
            "split the project into several accounts, or use fewer scoring rules on several events (each event is a workflow)",
        );
    }
}

/// The contact properties a campaign's workflows write besides the
/// campaign's own (`<campaign>.properties.json`, a
/// `POST /crm/v3/properties/0-1/batch/create` body): the time of the last
/// entry under `reentry after`.
fn campaign_properties(project: &Project, config: &Config) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for campaign in &project.campaigns {
        let mut inputs = Vec::new();
        if matches!(campaign.reentry, Reentry::After(_)) {
            let name = format!("nurture_{}_entered_at", campaign.name);
            let name = config
                .hubspot
                .properties
                .get(&name)
                .map_or(name, |s| s.value.clone());
            inputs.push(json!({
                "name": name,
                "label": format!("{}: last entry", campaign.name),
                "type": "datetime",
                "fieldType": "date",
                "groupName": "contactinformation",
            }));
        }
        if !campaign.flow.handlers.is_empty() {
            inputs.push(json!({
                "name": active_property(config, campaign),
                "label": format!("{}: inside now", campaign.name),
                "type": "bool",
                "fieldType": "booleancheckbox",
                "groupName": "contactinformation",
                "options": [
                    { "label": "Yes", "value": "true", "displayOrder": 0, "hidden": false },
                    { "label": "No", "value": "false", "displayOrder": 1, "hidden": false },
                ],
            }));
        }
        if !inputs.is_empty() {
            out.push(OutputFile {
                path: format!("{SECTION}/{}.properties.json", campaign.name),
                contents: to_pretty(&json!({ "inputs": inputs })),
            });
        }
    }
    out
}

/// Each scoring model as the score properties (`<model>.properties.json`,
/// a `POST /crm/v3/properties/0-1/batch/create` body) and one workflow per
/// rule that keeps them (`<model>.<component>.<n>.json`, `CONTACT_FLOW`
/// bodies): an `on` rule adds its points each time the event happens (or
/// the contact turns inactive); an `if` rule adds them when the condition
/// starts to hold and takes them back when it stops, remembered in a flag
/// property of its own. Every workflow changes the component's property and
/// the model's total by the same amount.
fn scoring_models(
    project: &Project,
    enrolls: &Enrollments<'_>,
    config: &Config,
    b: &mut Binder,
) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for (id, model) in project.models_with_ids() {
        let context =
            super::definition_context(&model.name, model.name_span, project.model_ref(id));
        let mut ctx = Ctx::new(project, enrolls, &context, &config.hubspot, b, Part::Main);
        let total = ctx.quantity(&Quantity::Score(None));
        let mut properties = vec![score_property(&total, &format!("{} score", model.name))];
        for component in &model.components {
            let score = ctx.quantity(&Quantity::Score(Some(component.name.clone())));
            properties.push(score_property(
                &score,
                &format!("{} score: {}", model.name, component.name),
            ));
            for (k, rule) in component.rules.iter().enumerate() {
                let name = format!("{}.{}.{}", model.name, component.name, k + 1);
                let scores = [score.as_str(), total.as_str()];
                let flows = match &rule.kind {
                    // One workflow per event: each enrolls on its own
                    // event, so the rule adds its points whichever happens.
                    // Under `max`, a counter of what the rule added so far
                    // keeps it from adding more (see `capped_variants`).
                    ScoreRuleKind::On(sources) => {
                        let counter = rule.max.map(|_| {
                            let counter = ctx.property(&format!(
                                "{}_{}_rule{}_points",
                                model.name,
                                component.name,
                                k + 1
                            ));
                            properties.push(score_property(
                                &counter,
                                &format!("{name}: points added (max)"),
                            ));
                            counter
                        });
                        let variants = capped_variants(rule.points, rule.max, counter.as_deref());
                        let mut flows = Vec::new();
                        for (e, on) in sources.iter().enumerate() {
                            let event = if sources.len() == 1 {
                                String::new()
                            } else {
                                format!(".on{}", e + 1)
                            };
                            for (suffix, changes, refine) in &variants {
                                let mut changes_here = increments(&scores, changes.0);
                                if let (Some(counter), Some(added)) = (&counter, changes.1) {
                                    changes_here.push((
                                        counter.clone(),
                                        json!({ "type": "INCREMENT", "incrementAmount": added }),
                                    ));
                                }
                                let flow = ctx.on_rule(
                                    &format!("{name}{event}{suffix}"),
                                    on,
                                    changes_here,
                                    refine.clone(),
                                    rule.span,
                                );
                                flows.push((format!("{event}{suffix}"), flow));
                            }
                        }
                        flows
                    }
                    ScoreRuleKind::If(condition) => {
                        let flag = format!("{}_{}_rule{}", model.name, component.name, k + 1);
                        properties.push(json!({
                            "name": flag,
                            "label": format!("{name}: counted"),
                            "type": "bool",
                            "fieldType": "booleancheckbox",
                            "groupName": "contactinformation",
                            "options": [
                                { "label": "Yes", "value": "true", "displayOrder": 0, "hidden": false },
                                { "label": "No", "value": "false", "displayOrder": 1, "hidden": false },
                            ],
                        }));
                        ctx.if_rule(&name, condition, rule.points, &scores, &flag)
                    }
                };
                for (suffix, flow) in flows {
                    out.push(OutputFile {
                        path: format!("{SECTION}/scoring/{name}{suffix}.json"),
                        contents: to_pretty(&flow),
                    });
                }
            }
        }
        out.push(OutputFile {
            path: format!("{SECTION}/scoring/{}.properties.json", model.name),
            contents: to_pretty(&json!({ "inputs": properties })),
        });
    }
    out
}

/// The workflows of one `on` rule's event: `(file suffix, (points added
/// to the scores, points added to the counter), enrollment filters)`.
/// Without `max`, one that always adds. With `max M` and `a = |points|`:
/// one that adds the points while the counter is at most `M - a`, and,
/// when `a` does not divide `M`, a `.rest` one that adds the remainder
/// once the counter is past `M - a` and below `M`: the rule adds
/// `min(count × points, M)` in all, as the simulator counts it.
#[allow(clippy::type_complexity)]
fn capped_variants(
    points: i64,
    max: Option<u64>,
    counter: Option<&str>,
) -> Vec<(&'static str, (i64, Option<i64>), Vec<Filter>)> {
    let (Some(max), Some(counter)) = (max, counter) else {
        return vec![("", (points, None), Vec::new())];
    };
    let step = points.unsigned_abs();
    let sign = points.signum();
    let room = |operator: &'static str, value: u64, unset: bool| {
        property_filter(counter, Operation::number(operator, json!(value), unset))
    };
    let mut out = Vec::new();
    if max >= step && step > 0 {
        out.push((
            "",
            (points, Some(step as i64)),
            vec![room("IS_LESS_THAN_OR_EQUAL_TO", max - step, true)],
        ));
    }
    let rest = if step == 0 { 0 } else { max % step };
    if rest > 0 {
        let mut filters = vec![room("IS_LESS_THAN", max, true)];
        if max >= step {
            filters.push(room("IS_GREATER_THAN", max - step, false));
        }
        out.push((".rest", (sign * rest as i64, Some(rest as i64)), filters));
    }
    out
}

fn score_property(name: &str, label: &str) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": "number",
        "fieldType": "number",
        "groupName": "contactinformation",
    })
}

/// `0-5` actions in a row, each changing one property, the last one ending
/// the workflow.
fn property_actions(changes: Vec<(String, Value)>) -> Vec<Value> {
    let count = changes.len();
    changes
        .into_iter()
        .enumerate()
        .map(|(i, (property, value))| {
            let mut action = json!({
                "type": "SINGLE_CONNECTION",
                "actionId": (i + 1).to_string(),
                "actionTypeId": "0-5",
                "actionTypeVersion": 0,
                "fields": { "property_name": property, "value": value },
            });
            if i + 1 < count {
                action["connection"] =
                    json!({ "edgeType": "STANDARD", "nextActionId": (i + 2).to_string() });
            }
            action
        })
        .collect()
}

fn increments(scores: &[&str], points: i64) -> Vec<(String, Value)> {
    scores
        .iter()
        .map(|p| {
            (
                p.to_string(),
                json!({ "type": "INCREMENT", "incrementAmount": points }),
            )
        })
        .collect()
}

fn scoring_flow(name: &str, criteria: Value, actions: Vec<Value>) -> Value {
    json!({
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "flowType": "WORKFLOW",
        "name": format!("Score: {name}"),
        "description": format!("Generated by nurturec from scoring rule `{name}`. Review before enabling."),
        "isEnabled": false,
        "canEnrollFromSalesforce": false,
        "startActionId": "1",
        "enrollmentCriteria": criteria,
        "suppressionListIds": [],
        "blockedDates": [],
        "timeWindows": [],
        "customProperties": {},
        "dataSources": [],
        "actions": actions,
    })
}

/// Each segment as a `POST /crm/v3/lists` body: an active (`DYNAMIC`)
/// contact list whose filter is the segment's condition.
fn segments(
    project: &Project,
    enrolls: &Enrollments<'_>,
    config: &Config,
    b: &mut Binder,
) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for segment in &project.segments {
        let context = super::segment_context(project, segment);
        let mut ctx = Ctx::new(project, enrolls, &context, &config.hubspot, b, Part::Main);
        let test = ctx.cond(&segment.condition, true);
        let groups = ctx.groups(&test, segment.condition.span);
        let list = json!({
            "name": segment.name,
            "objectTypeId": "0-1",
            "processingType": "DYNAMIC",
            "filterBranch": or_branch(groups).tree(),
        });
        out.push(OutputFile {
            path: format!("{SECTION}/segments/{}.json", segment.name),
            contents: to_pretty(&list),
        });
    }
    out
}

/// [`hubspot()`] with the origin of every `actionId`.
pub fn hubspot_traced(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<Traced>, Vec<Diagnostic>> {
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let built = super::skip::built(project, config, super::Target::Hubspot, &mut b);
    value_tables(&built, config, &mut b);
    let out = campaigns(&built, &enrollment_index(&built), config, &mut b);
    b.finish()?;
    Ok(out)
}

fn campaigns(
    project: &Project,
    enrolls: &Enrollments<'_>,
    config: &Config,
    b: &mut Binder,
) -> Vec<Traced> {
    let limit = config.hubspot.loop_limit.unwrap_or(DEFAULT_LOOP_LIMIT);
    super::each_campaign(project, b, |campaign, b| {
        let lowered = lower(&campaign.flow, Shape::Unrolled { limit });
        let mut ctx = Ctx::new(project, enrolls, campaign, &config.hubspot, b, Part::Main);
        let mut out = emit_campaign(&mut ctx, &lowered);
        // Each handler's block from its first statement, as a flow of
        // its own (a `goto` back into the flow continues in it).
        for (n, h) in campaign.flow.handlers.iter().enumerate() {
            let mut flow = campaign.flow.clone();
            flow.entry = h.entry;
            flow.handlers.clear();
            let lowered = lower(&flow, Shape::Unrolled { limit });
            let mut ctx = Ctx::new(
                project,
                enrolls,
                campaign,
                &config.hubspot,
                b,
                Part::Handler(n + 1),
            );
            out.extend(emit_campaign(&mut ctx, &lowered));
        }
        out
    })
}

/// The contact property that says a lead is inside `campaign` now: set
/// when it enters, cleared on every way out (the `.left` workflow clears
/// it after a goal or the suppression). Only for campaigns with handlers.
fn active_property(config: &Config, campaign: &Campaign) -> String {
    let name = format!("nurture_{}_active", campaign.name);
    config
        .hubspot
        .properties
        .get(&name)
        .map_or(name, |s| s.value.clone())
}

/// Per campaign with handlers, `<campaign>.left.json`: a workflow that
/// clears the "inside" property of a lead that left by a goal or the
/// suppression (HubSpot unenrolls it then without running any action).
fn left_workflows(
    project: &Project,
    enrolls: &Enrollments<'_>,
    config: &Config,
    b: &mut Binder,
) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for campaign in &project.campaigns {
        if campaign.flow.handlers.is_empty() {
            continue;
        }
        let mut ctx = Ctx::new(project, enrolls, campaign, &config.hubspot, b, Part::Main);
        let active = active_property(config, campaign);
        let left = Formula::or(ctx.exits(false));
        if left == Formula::False || left == Formula::True {
            continue;
        }
        let test = Formula::and(vec![left, ctx.active_filter(&active, true)]);
        let filter = or_branch(ctx.groups(&test, campaign.name_span)).tree();
        let criteria = json!({
            "type": "LIST_BASED",
            "shouldReEnroll": true,
            "unEnrollObjectsNotMeetingCriteria": false,
            "listFilterBranch": filter.clone(),
            "reEnrollmentTriggersFilterBranches": [filter],
        });
        let actions = property_actions(vec![(
            active,
            json!({ "type": "STATIC_VALUE", "staticValue": "false" }),
        )]);
        let mut flow = scoring_flow(&campaign.name, criteria, actions);
        flow["name"] = json!(format!(
            "{} (left by a goal or the suppression)",
            campaign.title.as_deref().unwrap_or(&campaign.name)
        ));
        flow["description"] = json!(format!(
            "Generated by nurturec from campaign `{}`: marks a lead that met a goal or the suppression as out of the campaign, for its handlers. Review before enabling.",
            campaign.name
        ));
        out.push(OutputFile {
            path: format!("{SECTION}/{}.left.json", campaign.name),
            contents: to_pretty(&flow),
        });
    }
    out
}

/// A workflow's file: `flow`'s entries, then its `"actions"`, byte for
/// byte what serializing the `json!` tree with `flow["actions"]` set last
/// prints. Written through [`pretty`], not as one tree: the filter of a
/// list branch is shared by every poll of a long `wait … or until`, and it
/// is rendered once per workflow and copied into each poll (serializing
/// those copies was a quarter of a HubSpot build, callgrind, 10k bench).
fn workflow_text(flow: &Value, actions: &[ActionOut<'_>]) -> String {
    let mut filters: HashMap<*const FilterBranch, pretty::Placed> = HashMap::default();
    pretty::document(0, |file| {
        for (key, value) in flow.as_object().into_iter().flatten() {
            file.value(key, value);
        }
        let mut list = file.array("actions");
        for action in actions {
            let mut a = list.object();
            match action {
                ActionOut::Single(s) => {
                    a.value("type", s.kind)
                        .value("actionId", &s.action_id)
                        .value("actionTypeId", s.action_type_id)
                        .value("actionTypeVersion", &s.action_type_version)
                        .serialized("fields", s.fields);
                    connection(&mut a, "connection", s.connection.as_ref());
                }
                ActionOut::List(l) => {
                    a.value("type", l.kind).value("actionId", &l.action_id);
                    let mut branches = a.array("listBranches");
                    // The depth of a branch object's fields.
                    let depth = branches.item_indent() + 2;
                    for b in &l.list_branches {
                        let mut branch = branches.object();
                        branch.value("branchName", b.branch_name);
                        let filter = filters
                            .entry(std::ptr::from_ref(b.filter_branch))
                            .or_insert_with(|| pretty::serialized(depth, b.filter_branch));
                        branch.placed("filterBranch", filter);
                        connection(&mut branch, "connection", b.connection.as_ref());
                        branch.close();
                    }
                    branches.close();
                    a.value("defaultBranchName", l.default_branch_name);
                    connection(&mut a, "defaultBranch", l.default_branch.as_ref());
                }
                ActionOut::AbTest(t) => {
                    a.value("type", t.kind)
                        .value("actionId", &t.action_id)
                        .serialized("testBranches", &t.test_branches);
                }
            }
            a.close();
        }
        list.close();
    })
}

/// A connection field, left out when there is none.
fn connection(object: &mut pretty::Object<'_>, key: &str, link: Option<&ConnectionOut<'_>>) {
    if let Some(c) = link {
        let mut field = object.object(key);
        field
            .value("edgeType", c.edge_type)
            .value("nextActionId", c.next_action_id);
        field.close();
    }
}

/// An action of a workflow's `actions`, borrowing from its [`Act`];
/// [`workflow_text`] writes its fields in the order they are declared, in
/// camelCase, leaving out a connection that is `None`.
enum ActionOut<'a> {
    Single(SingleOut<'a>),
    List(ListOut<'a>),
    AbTest(AbTestOut<'a>),
}

impl ActionOut<'_> {
    fn action_id(&self) -> &str {
        match self {
            ActionOut::Single(a) => a.action_id,
            ActionOut::List(a) => a.action_id,
            ActionOut::AbTest(a) => a.action_id,
        }
    }
}

struct SingleOut<'a> {
    kind: &'static str,
    action_id: &'a str,
    action_type_id: &'static str,
    action_type_version: u64,
    fields: &'a Fields,
    connection: Option<ConnectionOut<'a>>,
}

struct ListOut<'a> {
    kind: &'static str,
    action_id: &'a str,
    list_branches: Vec<BranchOut<'a>>,
    default_branch_name: &'a str,
    default_branch: Option<ConnectionOut<'a>>,
}

struct BranchOut<'a> {
    branch_name: &'a str,
    filter_branch: &'a FilterBranch,
    connection: Option<ConnectionOut<'a>>,
}

struct AbTestOut<'a> {
    kind: &'static str,
    action_id: &'a str,
    test_branches: Vec<TestBranchOut<'a>>,
}

#[derive(serde::Serialize)]
struct TestBranchOut<'a> {
    percentage: u64,
    connection: Option<ConnectionOut<'a>>,
}

/// A link to the next action: `STANDARD` for its first incoming link,
/// `GOTO` for the others.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionOut<'a> {
    edge_type: &'static str,
    next_action_id: &'a str,
}

/// An action before ids are assigned; links are origins.
enum Act {
    Single {
        origin: Origin,
        type_id: &'static str,
        fields: Fields,
        next: Link,
    },
    List {
        origin: Origin,
        /// The filters are shared: a long `wait … or until` checks the same
        /// one in every poll.
        branches: Vec<(String, Rc<FilterBranch>, Link)>,
        default_name: String,
        default: Link,
    },
    AbTest {
        origin: Origin,
        /// `(percentage, next action)`.
        branches: Vec<(u64, Link)>,
    },
}

impl Act {
    fn origin(&self) -> &Origin {
        match self {
            Act::Single { origin, .. } | Act::List { origin, .. } | Act::AbTest { origin, .. } => {
                origin
            }
        }
    }
}

/// An action's `fields`. The two that every flow has many of are typed and
/// serialized into the workflow's text; the others are trees, one per
/// action.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Fields {
    /// `0-4`: send a marketing email.
    Send {
        content_id: String,
    },
    /// `0-1`: wait `delta` minutes.
    Delay {
        delta: String,
        time_unit: &'static str,
    },
    Tree(Value),
}

impl Fields {
    fn delay(minutes: u64) -> Fields {
        Fields::Delay {
            delta: minutes.to_string(),
            time_unit: "MINUTES",
        }
    }
}

struct Ctx<'a> {
    project: &'a Project,
    /// The first `enroll` of each campaign that another one enrolls into.
    enrolls: &'a Enrollments<'a>,
    campaign: &'a Campaign,
    cfg: &'a HubspotConfig,
    b: &'a mut Binder,
    /// The flow's actions, entry first once every step is added.
    acts: Vec<Act>,
    /// Which of the campaign's workflows this is.
    part: Part,
}

/// The workflows of one campaign: the main one, and one per handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Main,
    /// Handler `n` (from 1): enrolled when its condition starts to hold
    /// for a lead inside the campaign, it runs the handler's block.
    Handler(usize),
}

impl<'a> Ctx<'a> {
    fn new(
        project: &'a Project,
        enrolls: &'a Enrollments<'a>,
        campaign: &'a Campaign,
        cfg: &'a HubspotConfig,
        b: &'a mut Binder,
        part: Part,
    ) -> Ctx<'a> {
        Ctx {
            project,
            enrolls,
            campaign,
            cfg,
            b,
            acts: Vec::new(),
            part,
        }
    }
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

    /// `send during`: the workflow's execution windows (`APITimeWindow`),
    /// one per day. HubSpot holds every action outside them, in the
    /// account's time zone; a close at 24:00 is 23:59.
    fn time_windows(&self) -> Vec<Value> {
        let Some(w) = &self.campaign.send_window else {
            return Vec::new();
        };
        let time = |minutes: u32| {
            let minutes = minutes.min(24 * 60 - 1);
            json!({ "hour": minutes / 60, "minute": minutes % 60 })
        };
        w.days
            .iter()
            .map(|d| {
                json!({
                    "day": weekday_name(*d),
                    "startTime": time(w.open),
                    "endTime": time(w.close),
                })
            })
            .collect()
    }

    fn file(&mut self) -> Traced {
        let c = self.campaign;
        let acts = std::mem::take(&mut self.acts);

        // Number the actions in order; a link to an action that already has
        // an incoming STANDARD connection is a GOTO.
        // Looked up once per link: hashing an origin (a node id and its
        // roles) for each action and each link was 8% of a HubSpot build.
        let index: HashMap<&Origin, usize> = acts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.origin(), i))
            .collect();
        let ids: Vec<String> = (1..=acts.len()).map(|n| n.to_string()).collect();
        let mut has_parent = vec![false; acts.len()];
        let mut connection = |target: &Link| -> Option<ConnectionOut<'_>> {
            let i = *index.get(target.as_ref()?)?;
            let had_parent = std::mem::replace(has_parent.get_mut(i)?, true);
            Some(ConnectionOut {
                edge_type: if had_parent { "GOTO" } else { "STANDARD" },
                next_action_id: ids.get(i)?,
            })
        };
        // Borrowed from `acts`: the fields and filters are written from
        // where the steps put them, not copied into a tree of the file.
        let mut actions = Vec::with_capacity(acts.len());
        let mut nodes = Vec::with_capacity(acts.len());
        for (a, id) in acts.iter().zip(&ids) {
            nodes.push((id.clone(), a.origin().clone()));
            let v = match a {
                Act::Single {
                    type_id,
                    fields,
                    next,
                    ..
                } => ActionOut::Single(SingleOut {
                    kind: "SINGLE_CONNECTION",
                    action_id: id,
                    action_type_id: type_id,
                    action_type_version: 0,
                    fields,
                    connection: connection(next),
                }),
                Act::List {
                    branches,
                    default_name,
                    default,
                    ..
                } => {
                    let list_branches = branches
                        .iter()
                        .map(|(branch_name, filter, next)| BranchOut {
                            branch_name,
                            filter_branch: filter.as_ref(),
                            connection: connection(next),
                        })
                        .collect();
                    ActionOut::List(ListOut {
                        kind: "LIST_BRANCH",
                        action_id: id,
                        list_branches,
                        default_branch_name: default_name,
                        default_branch: connection(default),
                    })
                }
                // Every arm has a connection: the lowering refuses an arm
                // that leads nowhere.
                Act::AbTest { branches, .. } => ActionOut::AbTest(AbTestOut {
                    kind: "AB_TEST_BRANCH",
                    action_id: id,
                    test_branches: branches
                        .iter()
                        .map(|(percent, next)| TestBranchOut {
                            percentage: *percent,
                            connection: connection(next),
                        })
                        .collect(),
                }),
            };
            actions.push(v);
        }

        let title = c.title.clone().unwrap_or_else(|| c.name.clone());
        let criteria = match self.part {
            Part::Main => self.enrollment(),
            Part::Handler(n) => self.handler_enrollment(n),
        };
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
        let (path, name, description) = match self.part {
            Part::Main => (
                format!("{SECTION}/{}.json", c.name),
                title,
                format!("Generated by nurturec from campaign `{}`. Review before enabling.", c.name),
            ),
            Part::Handler(n) => (
                format!("{SECTION}/{}.on{n}.json", c.name),
                format!("{title} (handler {n})"),
                format!("Generated by nurturec from handler {n} of campaign `{}`: its block, for leads inside the campaign when its condition starts to hold. Review before enabling.", c.name),
            ),
        };
        let mut flow = json!({
            "type": "CONTACT_FLOW",
            "objectTypeId": "0-1",
            "flowType": "WORKFLOW",
            "name": name,
            "description": description,
            "isEnabled": false,
            "canEnrollFromSalesforce": false,
        });
        if let Some(first) = actions.first() {
            flow["startActionId"] = json!(first.action_id());
        }
        flow["enrollmentCriteria"] = criteria;
        if let Some(g) = goal {
            flow["goalFilterBranch"] = g.tree();
        }
        flow["suppressionListIds"] = json!(suppression);
        flow["blockedDates"] = json!([]);
        flow["timeWindows"] = json!(self.time_windows());
        flow["customProperties"] = json!({});
        flow["dataSources"] = json!([]);
        Traced::new(
            OutputFile {
                path,
                contents: workflow_text(&flow, &actions),
            },
            nodes,
        )
    }

    // ── enrollment and goals ──

    /// `EVENT_BASED` when every trigger is an event with the same `where`
    /// (the event starts the enrolment, as the source says), else
    /// `LIST_BASED` on the OR of the triggers.
    fn enrollment(&mut self) -> Value {
        let reenroll = !matches!(self.campaign.reentry, Reentry::Never);
        self.reentry_into_enrollment_list();
        if let Some(criteria) = self.event_enrollment(reenroll) {
            return criteria;
        }
        let filter = self.list_enrollment();
        // HubSpot re-enrolls a contact when a re-enrollment trigger goes
        // from not matching to matching (and the enrollment filter holds):
        // so the triggers are what starts an entry (joining the list, the
        // event, turning inactive), not a copy of the whole filter, whose
        // "has ever completed" never stops matching.
        let triggers = if reenroll {
            self.reenrollment_triggers()
        } else {
            Vec::new()
        };
        json!({
            "type": "LIST_BASED",
            "shouldReEnroll": reenroll,
            "unEnrollObjectsNotMeetingCriteria": false,
            "listFilterBranch": filter,
            "reEnrollmentTriggersFilterBranches": triggers,
        })
    }

    /// One filter branch per trigger: what must start to hold for the
    /// contact to enter again.
    fn reenrollment_triggers(&mut self) -> Vec<FilterBranch> {
        let c = self.campaign;
        let mut out = Vec::new();
        for t in &c.triggers {
            let trigger = self.trigger(t);
            let groups = self.groups(&trigger, t.span);
            out.push(or_branch(groups));
        }
        out
    }

    /// A lead `enroll`ed here stays on the enrollment list, and adding it
    /// again changes nothing: a second `enroll` cannot re-enroll it.
    fn reentry_into_enrollment_list(&mut self) {
        let c = self.campaign;
        if matches!(c.reentry, Reentry::Never) {
            return;
        }
        if let Some(at) = self.enrolls.get(c.name.as_str()).copied() {
            self.unsupported(
                format!(
                    "HubSpot cannot enroll a lead in `{}` again through its enrollment list: the lead stays on the list, and adding it again is no new membership",
                    c.name
                ),
                at,
                "a second `enroll` would not re-enroll the lead",
                "give the campaign `reentry never`, or start it again with a trigger of its own",
            );
        }
    }

    /// `reentry after D`: the contact's last entry is at least D ago, or it
    /// never entered. The workflow stamps the entry time first thing
    /// ([`Self::entry_stamp`]).
    fn reentry_gap(&self) -> Formula<Atom> {
        let Reentry::After(d) = self.campaign.reentry else {
            return Formula::True;
        };
        let s = d.seconds;
        let offset = if s % 86_400 == 0 {
            json!({ "days": -((s / 86_400) as i64) })
        } else if s % 3_600 == 0 {
            json!({ "hours": -((s / 3_600) as i64) })
        } else {
            json!({ "minutes": -(s.div_ceil(60) as i64) })
        };
        Formula::Lit(Atom::Filter(property_filter(
            &self.entered_at_property(),
            Operation::TimePoint(json!({
                "operationType": "TIME_POINT",
                "type": "TIME_POINT",
                "operator": "IS_BEFORE",
                "includeObjectsWithNoValueSet": true,
                "timePoint": {
                    "timeType": "INDEXED",
                    "timezoneSource": "CUSTOM",
                    "zoneId": "UTC",
                    "indexReference": { "referenceType": "NOW" },
                    "offset": offset,
                },
                "endpointBehavior": "EXCLUSIVE",
                "propertyParser": "VALUE",
            })),
        )))
    }

    /// The contact property holding the start of the lead's last entry.
    fn entered_at_property(&self) -> String {
        self.property(&format!("nurture_{}_entered_at", self.campaign.name))
    }

    /// `reentry after D`: the first action writes the entry's time.
    fn entry_stamp(&self) -> Option<(String, Value)> {
        matches!(self.campaign.reentry, Reentry::After(_)).then(|| {
            (
                self.entered_at_property(),
                json!({ "type": "TIMESTAMP", "timestampType": "EXECUTION_TIME" }),
            )
        })
    }

    fn event_enrollment(&mut self, reenroll: bool) -> Option<Value> {
        let c = self.campaign;
        let first = c.triggers.first()?;
        let is_event = |t: &Trigger| match &t.source {
            EventSource::Event(e) => {
                !matches!(e.kind, EventKind::SegmentEntered | EventKind::ListJoined)
            }
            EventSource::Inactive(_) => false,
        };
        let same_filter = c.triggers.iter().all(|t| t.filter == first.filter);
        if !c.triggers.iter().all(is_event)
            || !same_filter
            || self.enrolls.get(c.name.as_str()).copied().is_some()
        {
            return None;
        }
        let mut branches = Vec::new();
        for t in &c.triggers {
            if let EventSource::Event(e) = &t.source {
                branches.push(self.event(e, None, true));
            }
        }
        let filter = first
            .filter
            .as_ref()
            .map_or(Formula::True, |f| self.cond(f, true));
        let audience = c
            .audience
            .as_ref()
            .map_or(Formula::True, |a| self.cond(a, true));
        let refinement = Formula::and(vec![filter, audience, self.reentry_gap()]);
        let mut criteria = json!({
            "type": "EVENT_BASED",
            "shouldReEnroll": reenroll,
            "eventFilterBranches": branches,
            "listMembershipFilterBranches": [],
        });
        if !matches!(refinement, Formula::True) {
            let groups = self.groups(&refinement, first.span);
            criteria["refinementCriteria"] = or_branch(groups).tree();
        }
        Some(criteria)
    }

    fn list_enrollment(&mut self) -> FilterBranch {
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
        if let Some(at) = self.enrolls.get(c.name.as_str()).copied() {
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
        let all = Formula::and(vec![Formula::or(entries), audience, self.reentry_gap()]);
        let at = c.triggers.first().map_or(c.name_span, |t| t.span);
        let groups = self.groups(&all, at);
        or_branch(groups)
    }

    fn trigger(&mut self, t: &Trigger) -> Formula<Atom> {
        match &t.source {
            EventSource::Inactive(d) => self.inactive(*d, true, t.span),
            EventSource::Event(e) => match (&e.kind, &e.argument) {
                (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                    let id = self.segment_id(&s.name, t.span);
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
                _ => Formula::Lit(Atom::Branch(self.event(e, None, true))),
            },
        }
    }

    /// The conditions that take a lead out of this workflow at once: the
    /// suppression and the goals, and in the main workflow the handlers'
    /// conditions (their blocks run in their own workflows).
    fn exits(&mut self, with_handlers: bool) -> Vec<Formula<Atom>> {
        self.exits_as(with_handlers, true)
    }

    /// [`Self::exits`], each condition or (`positive` false) its negation.
    fn exits_as(&mut self, with_handlers: bool, positive: bool) -> Vec<Formula<Atom>> {
        let c = self.campaign;
        let mut parts = Vec::new();
        for g in &c.goals {
            parts.push(self.cond(&g.condition, positive));
        }
        if let Some(s) = &c.suppress {
            parts.push(self.cond(s, positive));
        }
        if with_handlers {
            for h in &c.flow.handlers {
                parts.push(self.cond(&h.condition, positive));
            }
        }
        parts
    }

    fn goal_filter(&mut self) -> Option<FilterBranch> {
        let c = self.campaign;
        let parts = self.exits(self.part == Part::Main);
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

    /// The "inside now" property is (or is not) set.
    fn active_filter(&self, property: &str, set: bool) -> Formula<Atom> {
        Formula::Lit(Atom::Filter(property_filter(
            property,
            Operation::boolean(set, !set),
        )))
    }

    /// Handler `n`'s workflow enrolls a lead inside the campaign the
    /// moment the handler's condition starts to hold, unless the
    /// suppression or a goal holds then (they come first): `EVENT_BASED`
    /// on an event condition, else `LIST_BASED` re-enrolling when the
    /// condition starts to hold again.
    fn handler_enrollment(&mut self, n: usize) -> Value {
        let c = self.campaign;
        let Some(h) = c.flow.handlers.get(n - 1) else {
            return Value::Null;
        };
        let active = self.active_property();
        let inside = self.active_filter(&active, true);
        let not_left = self.exits_as(false, false);
        let admit = Formula::and(std::iter::once(inside).chain(not_left).collect());
        if let ConditionKind::Event {
            event,
            within: None,
        } = &h.condition.kind
        {
            if !matches!(
                event.kind,
                EventKind::SegmentEntered | EventKind::ListJoined
            ) {
                let branch = self.event(event, None, true);
                return json!({
                    "type": "EVENT_BASED",
                    "shouldReEnroll": true,
                    "eventFilterBranches": [branch],
                    "listMembershipFilterBranches": [],
                    "refinementCriteria": or_branch(self.groups(&admit, h.head)),
                });
            }
        }
        let condition = self.cond(&h.condition, true);
        let trigger = or_branch(self.groups(&condition, h.head));
        let all = Formula::and(vec![condition, admit]);
        json!({
            "type": "LIST_BASED",
            "shouldReEnroll": true,
            "unEnrollObjectsNotMeetingCriteria": false,
            "listFilterBranch": or_branch(self.groups(&all, h.head)),
            "reEnrollmentTriggersFilterBranches": [trigger],
        })
    }

    fn active_property(&self) -> String {
        let name = format!("nurture_{}_active", self.campaign.name);
        self.property(&name)
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

    /// HubSpot's internal value of an enumeration property for a value as
    /// the campaigns write it: its own stages by name or label, others
    /// from `[hubspot.lifecycle_stages]`.
    fn enumeration_value(&mut self, property: &str, value: &str, at: Span) -> String {
        if let Some(internal) = builtin_lifecycle_stage(value) {
            return internal.to_string();
        }
        self.b.id(
            "lifecycle_stages",
            &self.cfg.lifecycle_stages,
            value,
            "lifecycle-stage",
            &format!("internal value of `{property}` for the stage \"{value}\""),
            at,
        )
    }

    /// HubSpot's internal value of `value` of an enumeration: through
    /// `[hubspot.values.<source>]` when the property `source` (the
    /// project's name) has one, else the built-in lifecycle stages, else
    /// the value as written.
    fn option_value(
        &mut self,
        source: Option<&str>,
        property: &str,
        value: &str,
        at: Span,
    ) -> String {
        if let Some((source, table)) = source.and_then(|s| self.cfg.values.get(s).map(|t| (s, t))) {
            if let Some(setting) = table.values.get(value).filter(|_| !self.b.placeholders()) {
                return setting.value.clone();
            }
            // A misspelt key is reported by `value_tables`; the value it
            // was meant for is no second, missing, binding.
            let declared = self.declared_values(source);
            let misspelt = table.values.iter().find(|(key, _)| {
                !declared.contains(*key)
                    && suggest::closest(key, declared.iter().map(String::as_str)) == Some(value)
            });
            if let (Some((_, setting)), false) = (misspelt, self.b.placeholders()) {
                return setting.value.clone();
            }
            return self.b.id(
                &format!("values.{}", toml_key(source)),
                &table.values,
                value,
                "value",
                &format!("internal value of `{property}` for \"{value}\""),
                at,
            );
        }
        if is_enumeration(property) {
            return self.enumeration_value(property, value, at);
        }
        value.to_string()
    }

    fn declared_values(&self, source: &str) -> Vec<String> {
        match self.project.property_type(source) {
            Some(crate::ir::PropertyType::Enum(values)) => values.clone(),
            _ => Vec::new(),
        }
    }

    fn email_campaign_id(&mut self, name: &str, at: Span) -> String {
        self.b.id(
            "email_campaigns",
            &self.cfg.email_campaigns,
            name,
            "email-campaign",
            &format!(
                "email campaign id for email `{name}` (its events carry it, not the content id)"
            ),
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

    /// `+n on <event>`: enrolled by every occurrence; `+n on inactive D`:
    /// enrolled each time the contact has been inactive for D. `refine`
    /// (the `max` counter's room) narrows who is enrolled.
    fn on_rule(
        &mut self,
        name: &str,
        on: &EventSource,
        changes: Vec<(String, Value)>,
        refine: Vec<Filter>,
        at: Span,
    ) -> Value {
        let refine = Formula::and(
            refine
                .into_iter()
                .map(|f| Formula::Lit(Atom::Filter(f)))
                .collect(),
        );
        let criteria = match on {
            EventSource::Event(e) => {
                let branch = self.event(e, None, true);
                let mut criteria = json!({
                    "type": "EVENT_BASED",
                    "shouldReEnroll": true,
                    "eventFilterBranches": [branch],
                    "listMembershipFilterBranches": [],
                });
                if refine != Formula::True {
                    criteria["refinementCriteria"] = or_branch(self.groups(&refine, at)).tree();
                }
                criteria
            }
            EventSource::Inactive(d) => {
                let test = self.inactive(*d, true, at);
                let trigger = or_branch(self.groups(&test, at));
                let filter = or_branch(self.groups(&Formula::and(vec![test, refine]), at));
                json!({
                    "type": "LIST_BASED",
                    "shouldReEnroll": true,
                    "unEnrollObjectsNotMeetingCriteria": false,
                    "listFilterBranch": filter,
                    "reEnrollmentTriggersFilterBranches": [trigger],
                })
            }
        };
        scoring_flow(name, criteria, property_actions(changes))
    }

    /// `+n if C`: `.add` enrolls contacts for whom C holds and the flag is
    /// not set, adds n and sets it; `.remove` enrolls those for whom C no
    /// longer holds and the flag is set, takes n back and clears it.
    fn if_rule(
        &mut self,
        name: &str,
        condition: &Condition,
        points: i64,
        scores: &[&str],
        flag: &str,
    ) -> Vec<(String, Value)> {
        let mut flows = Vec::new();
        for (suffix, holds) in [(".add", true), (".remove", false)] {
            let flag_filter = property_filter(flag, Operation::boolean(!holds, holds));
            let test = Formula::and(vec![
                self.cond(condition, holds),
                Formula::Lit(Atom::Filter(flag_filter)),
            ]);
            let filter = or_branch(self.groups(&test, condition.span)).tree();
            let criteria = json!({
                "type": "LIST_BASED",
                "shouldReEnroll": true,
                "unEnrollObjectsNotMeetingCriteria": false,
                "listFilterBranch": filter.clone(),
                "reEnrollmentTriggersFilterBranches": [filter],
            });
            let mut changes = increments(scores, if holds { points } else { -points });
            changes.push((
                flag.to_string(),
                json!({ "type": "STATIC_VALUE", "staticValue": holds.to_string() }),
            ));
            flows.push((
                suffix.to_string(),
                scoring_flow(name, criteria, property_actions(changes)),
            ));
        }
        flows
    }

    fn quantity(&self, q: &Quantity) -> String {
        match q {
            Quantity::Property(p) => self.property(p),
            Quantity::Score(component) => {
                let model = self
                    .campaign
                    .scoring
                    .as_ref()
                    .map_or("score", |m| m.name.as_str());
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
                    .into_iter()
                    .map(|g| g.into_iter().cloned().collect())
                    .collect()
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
                let id = self.segment_id(&s.name, c.span);
                Formula::Lit(Atom::Filter(in_list(&id, positive)))
            }
            ConditionKind::Property(p) => Formula::Lit(Atom::Filter(property_filter(
                &self.property(p),
                Operation::boolean(positive, !positive),
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
                    Operation::values(
                        "ENUMERATION",
                        if positive {
                            "CONTAINS_ALL"
                        } else {
                            "DOES_NOT_CONTAIN_ALL"
                        },
                        vec![value],
                        !positive,
                    ),
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
                // The built-in lifecycle stage by its internal values, a
                // declared `text in [ … ]` property by its values as written.
                let declared = self.enumeration(left).is_some();
                if !strings.is_empty() && (is_enumeration(&property) || declared) {
                    let source = source_property(left);
                    let values = strings
                        .iter()
                        .map(|v| self.option_value(source, &property, v, c.span))
                        .collect();
                    parts.push(Formula::Lit(Atom::Filter(property_filter(
                        &property,
                        Operation::enumeration(values, inside),
                    ))));
                } else if !strings.is_empty() {
                    parts.push(Formula::Lit(Atom::Filter(property_filter(
                        &property,
                        Operation::text(strings.iter().map(|s| s.to_string()).collect(), inside),
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
                _ => Formula::Lit(Atom::Branch(self.event(event, *within, positive))),
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
        let op = if positive { op } else { negate(op) };
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
                Operation::number(operator, number(*n), op == CompareOp::Ne)
            }
            IrValue::String(s) if is_enumeration(&property) => match op {
                CompareOp::Eq | CompareOp::Ne => {
                    let values = vec![self.option_value(source_property(left), &property, s, at)];
                    Operation::enumeration(values, op == CompareOp::Eq)
                }
                _ => {
                    self.unsupported(
                        format!("HubSpot cannot order the values of `{property}`: only `==`, `!=` and `in` compare them"),
                        at,
                        "ordered comparison of an enumeration",
                        "",
                    );
                    return Formula::True;
                }
            },
            IrValue::String(s) => match op {
                CompareOp::Eq | CompareOp::Ne if self.enumeration(left).is_some() => {
                    let values = vec![self.option_value(source_property(left), &property, s, at)];
                    Operation::enumeration(values, op == CompareOp::Eq)
                }
                CompareOp::Eq | CompareOp::Ne => {
                    Operation::text(vec![s.clone()], op == CompareOp::Eq)
                }
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
                CompareOp::Eq | CompareOp::Ne => {
                    Operation::boolean((op == CompareOp::Eq) == *v, false)
                }
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
                Formula::Lit(Atom::Branch(self.event(&e, Some(d), !positive)))
            })
            .collect();
        if positive {
            Formula::and(parts)
        } else {
            Formula::or(parts)
        }
    }

    /// The event happened (within the window, else ever), or did not.
    fn event(&mut self, e: &Event, within: Option<Duration>, positive: bool) -> FilterBranch {
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
            Some(EventArgument::Email(name)) => {
                Some(("IS_EQUAL_TO", self.email_campaign_id(&name.name, e.span)))
            }
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
                Operation::values("MULTISTRING", operator, vec![value], false),
            ));
        }
        let mut branch = FilterBranch::event(event_type, positive, filters);
        // A window narrows the events looked at (pruning); coalescing
        // counts occurrences, which a window is not.
        if let Some(d) = within {
            match window_unit(d) {
                Some((unit, amount)) => branch.within(unit, amount),
                None => self.unsupported(
                    format!(
                        "HubSpot counts event windows in whole days or weeks, not `{}`",
                        super::duration_text(d)
                    ),
                    e.span,
                    "a window of part of a day",
                    "round the window to whole days (`within 1d`)",
                ),
            }
        }
        branch
    }

    // ── the flow ──

    fn single(&mut self, origin: &Origin, type_id: &'static str, fields: Fields, next: Link) {
        self.acts.push(Act::Single {
            origin: origin.clone(),
            type_id,
            fields,
            next,
        });
    }
}

impl Platform for Ctx<'_> {
    type Condition = Formula<Atom>;

    fn condition(&mut self, c: &Condition, positive: bool) -> Formula<Atom> {
        self.cond(c, positive)
    }

    fn step(&mut self, step: &Step<'_>) {
        let origin = &step.origin;
        let at = step.node.head;
        match &step.kind {
            StepKind::Send { email, next } => {
                let id = self.email_id(&email.name, at);
                self.single(origin, "0-4", Fields::Send { content_id: id }, next.clone());
            }
            StepKind::Delay { duration, next } => self.single(
                origin,
                "0-1",
                Fields::delay(duration.seconds.div_ceil(60)),
                next.clone(),
            ),
            StepKind::PollUntil {
                duration,
                until,
                next,
            } => {
                let test = self.condition(until, true);
                let groups = self.groups(&test, until.span);
                let filter = Rc::new(or_branch(groups));
                let parts = slices(duration.seconds.div_ceil(60), MAX_POLLS);
                for (k, minutes) in parts.iter().enumerate() {
                    let check = if k == 0 {
                        origin.clone()
                    } else {
                        origin.with(Role::Check(k + 1))
                    };
                    let wait = origin.with(Role::Wait(k + 1));
                    self.acts.push(Act::List {
                        origin: check,
                        branches: vec![("until".to_string(), filter.clone(), next.clone())],
                        default_name: "keep waiting".to_string(),
                        default: Some(wait.clone()),
                    });
                    let then = if k + 1 < parts.len() {
                        Some(origin.with(Role::Check(k + 2)))
                    } else {
                        next.clone()
                    };
                    self.single(&wait, "0-1", Fields::delay(*minutes), then);
                }
            }
            StepKind::Choice {
                arms,
                otherwise,
                has_else,
            } => {
                let mut branches = Vec::new();
                for (k, (condition, target)) in arms.iter().enumerate() {
                    let test = self.condition(condition, true);
                    let groups = self.groups(&test, condition.span);
                    branches.push((
                        format!("when {}", k + 1),
                        Rc::new(or_branch(groups)),
                        target.clone(),
                    ));
                }
                self.acts.push(Act::List {
                    origin: origin.clone(),
                    branches,
                    default_name: if *has_else { "else" } else { "no match" }.to_string(),
                    default: otherwise.clone(),
                });
            }
            StepKind::Sample { arms } => {
                if arms.iter().any(|(_, target)| target.is_none()) {
                    self.unsupported(
                        "a HubSpot A/B branch needs an action on every arm, and an arm of this split ends at once".into(),
                        at,
                        "an arm with no step",
                        "give every arm a step before it ends, or end the campaign after the split",
                    );
                }
                let branches = arms
                    .iter()
                    .map(|(percent, target)| (*percent, target.clone()))
                    .collect();
                self.acts.push(Act::AbTest {
                    origin: origin.clone(),
                    branches,
                });
            }
            StepKind::Set {
                property,
                value,
                next,
            } => {
                let hubspot_property = self.property(property);
                let declared = matches!(
                    self.project.property_type(property),
                    Some(crate::ir::PropertyType::Enum(_))
                );
                let text = match value {
                    IrValue::String(s) if declared || is_enumeration(&hubspot_property) => {
                        self.option_value(Some(property), &hubspot_property, s, at)
                    }
                    IrValue::String(s) => s.clone(),
                    IrValue::Number(n) => number(*n).to_string(),
                    IrValue::Bool(v) => v.to_string(),
                };
                let fields = json!({
                    "property_name": hubspot_property,
                    "value": { "type": "STATIC_VALUE", "staticValue": text },
                });
                self.single(origin, "0-5", Fields::Tree(fields), next.clone());
            }
            StepKind::Notify {
                recipient,
                message,
                next,
            } => {
                let users = self.users(recipient, at);
                let message = self.merge_tags(message, at);
                let fields = json!({ "user_ids": users, "subject": message, "body": message });
                self.single(origin, "0-8", Fields::Tree(fields), next.clone());
            }
            StepKind::Handoff {
                queue,
                notes,
                tasks,
            } => self.handoff(origin, at, queue, notes, tasks),
            StepKind::Enroll { campaign: target } => {
                let list = self.b.id(
                    "enrollment_lists",
                    &self.cfg.enrollment_lists,
                    &target.name,
                    "list",
                    &format!("enrollment list for campaign `{target}`"),
                    at,
                );
                // `0-13` (the older list action) fails on create;
                // `0-63809083` is what the current editor writes.
                let fields = json!({ "listId": list, "targetObject": "{{ enrolled_object }}" });
                self.single(origin, "0-63809083", Fields::Tree(fields), None);
            }
            StepKind::Jump { .. } | StepKind::Exit { .. } => {}
        }
    }

    fn documents(&mut self, lowered: &Lowered<'_>) -> Vec<Traced> {
        // The entry first: HubSpot starts at `startActionId`, the first action.
        if let Some(entry) = &lowered.entry {
            if let Some(pos) = self.acts.iter().position(|a| a.origin() == entry) {
                let first = self.acts.remove(pos);
                self.acts.insert(0, first);
            }
        }
        let handlers = !self.campaign.flow.handlers.is_empty();
        let left = Origin::campaign(CampaignPart::Left);
        let static_value =
            |v: bool| json!({ "type": "STATIC_VALUE", "staticValue": v.to_string() });
        // What runs before the first step: the lead is inside (or, in a
        // handler's workflow, its handler has run), the entry time.
        let mut prelude: Vec<(Origin, String, Value)> = Vec::new();
        match self.part {
            Part::Main => {
                if handlers {
                    prelude.push((
                        Origin::campaign(CampaignPart::Entry),
                        self.active_property(),
                        static_value(true),
                    ));
                }
                if let Some((property, value)) = self.entry_stamp() {
                    let origin = if prelude.is_empty() {
                        Origin::campaign(CampaignPart::Entry)
                    } else {
                        Origin::campaign(CampaignPart::Entry).with(Role::Effect("stamp"))
                    };
                    prelude.push((origin, property, value));
                }
            }
            Part::Handler(n) => prelude.push((
                Origin::campaign(CampaignPart::Handler(n)),
                self.active_property(),
                static_value(false),
            )),
        }
        let mut first_step = lowered.entry.clone();
        // Every way out of the main workflow of a campaign with handlers
        // records that the lead left, so that no handler runs for it.
        if self.part == Part::Main && handlers {
            let to_left = |link: &mut Link| {
                if link.is_none() {
                    *link = Some(left.clone());
                }
            };
            for a in &mut self.acts {
                match a {
                    Act::Single { next, .. } => to_left(next),
                    Act::List {
                        branches, default, ..
                    } => {
                        branches.iter_mut().for_each(|(_, _, l)| to_left(l));
                        to_left(default);
                    }
                    Act::AbTest { branches, .. } => {
                        branches.iter_mut().for_each(|(_, l)| to_left(l));
                    }
                }
            }
            to_left(&mut first_step);
            self.acts.push(Act::Single {
                origin: left.clone(),
                type_id: "0-5",
                fields: Fields::Tree(json!({ "property_name": self.active_property(), "value": static_value(false) })),
                next: None,
            });
        }
        let count = prelude.len();
        let origins: Vec<Origin> = prelude.iter().map(|(o, _, _)| o.clone()).collect();
        for (i, (origin, property, value)) in prelude.into_iter().enumerate().rev() {
            let next = if i + 1 < count {
                Some(origins[i + 1].clone())
            } else {
                first_step.clone()
            };
            self.acts.insert(
                0,
                Act::Single {
                    origin,
                    type_id: "0-5",
                    fields: Fields::Tree(json!({ "property_name": property, "value": value })),
                    next,
                },
            );
        }
        vec![self.file()]
    }
}

impl Ctx<'_> {
    /// An internal email to the queue's users, then one task per `task`.
    fn handoff(
        &mut self,
        origin: &Origin,
        at: Span,
        queue: &str,
        notes: &[String],
        tasks: &[Task],
    ) {
        let campaign = self.campaign;
        let users = self.users(&Recipient::Name(queue.to_string()), at);
        let mut body = notes.join("\n");
        for t in tasks {
            body.push_str(&format!("\nTask: {}", t.title));
            if let Some(d) = t.due {
                body.push_str(&format!(" (due in {})", super::duration_text(d)));
            }
        }
        let body = self.merge_tags(&body, at);
        let title = campaign.title.as_deref().unwrap_or(&campaign.name);
        let subject = self.merge_tags(&format!("Handoff to {queue}: {title}"), at);
        let first_task = (!tasks.is_empty()).then(|| origin.with(Role::Task(1)));
        let fields = json!({
            "user_ids": users,
            "subject": subject,
            "body": body.trim(),
        });
        self.single(origin, "0-8", Fields::Tree(fields), first_task);
        // The queue's first user owns the tasks.
        let owner = users.first().cloned().unwrap_or_default();
        // The task's title and notes render the workflow's tokens like
        // the internal email's fields (inferred: the reference shows none).
        let task_body = self.merge_tags(notes.join("\n").trim(), at);
        for (k, t) in tasks.iter().enumerate() {
            let subject = self.merge_tags(&t.title, at);
            let mut fields = json!({
                "task_type": "TODO",
                "subject": subject,
                "body": task_body,
                "priority": "HIGH",
                "associations": [{
                    "target": { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TASK_TO_CONTACT },
                    "value": { "type": "ENROLLED_OBJECT" },
                }],
                "use_explicit_associations": "true",
                "owner_assignment": {
                    "type": "CUSTOM",
                    "value": { "type": "STATIC_VALUE", "staticValue": owner },
                },
            });
            if let Some(d) = t.due {
                fields["due_time"] = due_time(d);
            }
            let next = (k + 1 < tasks.len()).then(|| origin.with(Role::Task(k + 2)));
            self.single(
                &origin.with(Role::Task(k + 1)),
                "0-3",
                Fields::Tree(fields),
                next,
            );
        }
    }

    fn users(&mut self, r: &Recipient, at: Span) -> Vec<String> {
        if let Recipient::Address(a) = r {
            if a.contains("{{") {
                self.unsupported(
                    format!("HubSpot internal emails go to users, not to the address a contact property holds (`{a}`)"),
                    at,
                    "an address from a merge tag",
                    "notify a recipient name bound to user ids under `[hubspot.recipients]`",
                );
                return vec![super::bind::placeholder("users", a)];
            }
        }
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

/// The project's name of a property, for its `[hubspot.values]` table.
fn source_property(q: &Quantity) -> Option<&str> {
    match q {
        Quantity::Property(p) => Some(p),
        _ => None,
    }
}

/// Properties whose values are an enumeration: filters on them take the
/// `ENUMERATION` operators and internal values, not text.
fn is_enumeration(property: &str) -> bool {
    property == LIFECYCLE_STAGE
}

const LIFECYCLE_STAGE: &str = "lifecyclestage";

/// HubSpot's default lifecycle stages, `(internal value, label)`.
const LIFECYCLE_STAGES: &[(&str, &str)] = &[
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

/// The internal value of a default stage written as its internal value,
/// its label in any case and spacing (`"Marketing qualified lead"`,
/// `"marketing_qualified_lead"`), or its initials (`"mql"`, `"sql"`).
fn builtin_lifecycle_stage(value: &str) -> Option<&'static str> {
    let squeezed: String = value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let initials = |label: &str| -> String {
        label
            .split(' ')
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_lowercase)
            .collect()
    };
    LIFECYCLE_STAGES
        .iter()
        .find(|(internal, label)| {
            squeezed == *internal || (label.contains(' ') && squeezed == initials(label))
        })
        .map(|(internal, _)| *internal)
}

/// HubSpot's day names (`APITimeWindow.day`).
fn weekday_name(day: crate::ir::Weekday) -> &'static str {
    use crate::ir::Weekday;
    match day {
        Weekday::Mon => "MONDAY",
        Weekday::Tue => "TUESDAY",
        Weekday::Wed => "WEDNESDAY",
        Weekday::Thu => "THURSDAY",
        Weekday::Fri => "FRIDAY",
        Weekday::Sat => "SATURDAY",
        Weekday::Sun => "SUNDAY",
    }
}

/// HubSpot's association type "task to contact".
const TASK_TO_CONTACT: u64 = 204;

/// A task's due time, a delay after the task is created (`APITimeDelay`):
/// whole days when it is whole days, else hours or minutes.
fn due_time(d: Duration) -> Value {
    let s = d.seconds;
    let (unit, delta) = if s % 86_400 == 0 {
        ("DAYS", s / 86_400)
    } else if s % 3_600 == 0 {
        ("HOURS", s / 3_600)
    } else {
        ("MINUTES", s.div_ceil(60))
    };
    json!({
        "delta": delta,
        "timeUnit": unit,
        "daysOfWeek": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"],
    })
}
