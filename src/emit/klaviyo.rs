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
use super::lower::Enrollments;
use super::lower::{
    emit_campaign, enrollment_index, event_key, link_text, longest_run, lower, negate, number,
    slices, trigger_text, CampaignPart, Lowered, Origin, Platform, Role, Shape, Step, StepKind,
    ENGAGEMENT, MAX_POLLS,
};
use super::pretty;
use super::{IdMode, OutputFile, Traced};
use crate::config::{Config, KlaviyoConfig, DEFAULT_LOOP_LIMIT};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Campaign, CompareOp, Condition, ConditionKind, Duration, Event, EventArgument, EventKind,
    EventSource, Project, Quantity, Recipient, Reentry, Task, Trigger, Value as IrValue,
};
use crate::span::Span;
use serde_json::{json, Value};

const SECTION: &str = "klaviyo";

/// The most bytes of strings one `update-profile` may hold (100 KB).
const PROFILE_STRINGS_LIMIT: usize = 100 * 1024;
const PLATFORM: &str = "Klaviyo";

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
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let built = super::skip::built(project, config, super::Target::Klaviyo, &mut b);
    let project: &Project = &built;
    let mut files: Vec<OutputFile> = campaigns(project, config, &mut b)
        .into_iter()
        .map(|t| t.file)
        .collect();
    files.extend(segments(project, config, &mut b));
    scoring_models(project, config, &mut b);
    b.finish()?;
    Ok(files)
}

/// Klaviyo can read a score (a profile property) but not keep one: a flow's
/// `update-profile` sets values and cannot add to them. A scoring model
/// builds for Klaviyo only when `[klaviyo.scores]` names the property that
/// something else keeps; otherwise nothing would, and that is an error.
fn scoring_models(project: &Project, config: &Config, b: &mut Binder) {
    if b.placeholders() {
        return;
    }
    for model in &project.scoring_models {
        if !config.klaviyo.scores.contains_key(&model.name) {
            b.unsupported(
                Code::UnsupportedOnKlaviyo,
                format!(
                    "Klaviyo cannot keep the scoring model `{}`: a flow can set a profile property but not add to it",
                    model.name
                ),
                model.name_span,
                "no Klaviyo flow can run these rules",
                &format!(
                    "keep the score outside Klaviyo (e.g. the HubSpot scoring workflows) and name its property under `[klaviyo.scores]`: `{} = \"…\"`",
                    model.name
                ),
            );
        }
    }
}

/// Each segment as a `POST /api/segments` body (`SegmentCreateQuery`).
fn segments(project: &Project, config: &Config, b: &mut Binder) -> Vec<OutputFile> {
    let enrolls = enrollment_index(project);
    let mut out = Vec::new();
    for segment in &project.segments {
        let context = super::segment_context(project, segment);
        let mut ctx = Ctx {
            project,
            enrolls: &enrolls,
            campaign: &context,
            cfg: &config.klaviyo,
            b,
            in_segment: true,
            actions: Vec::new(),
        };
        let test = ctx.cond(&segment.condition, true);
        let definition = ctx.groups(&test, segment.condition.span);
        let contents = pretty::document(definition.len() + 256, |o| {
            let mut data = o.object("data");
            data.value("type", "segment");
            let mut attributes = data.object("attributes");
            attributes
                .value("name", &segment.name)
                .placed("definition", &definition)
                .value("is_starred", &false);
            attributes.close();
            data.close();
        });
        out.push(OutputFile {
            path: format!("{SECTION}/segments/{}.json", segment.name),
            contents,
        });
    }
    out
}

/// [`klaviyo()`] with the origin of every action (`temporary_id`s are the
/// origins themselves).
pub fn klaviyo_traced(
    project: &Project,
    config: &Config,
    ids: IdMode,
) -> Result<Vec<Traced>, Vec<Diagnostic>> {
    let mut b = Binder::new(SECTION, PLATFORM, ids);
    let built = super::skip::built(project, config, super::Target::Klaviyo, &mut b);
    let out = campaigns(&built, config, &mut b);
    b.finish()?;
    Ok(out)
}

fn campaigns(project: &Project, config: &Config, b: &mut Binder) -> Vec<Traced> {
    let enrolls = enrollment_index(project);
    let limit = config.klaviyo.loop_limit.unwrap_or(DEFAULT_LOOP_LIMIT);
    super::each_campaign(project, b, |campaign, b| {
        let lowered = lower(&campaign.flow, Shape::Unrolled { limit });
        let mut ctx = Ctx {
            project,
            enrolls: &enrolls,
            campaign,
            cfg: &config.klaviyo,
            b,
            in_segment: false,
            actions: Vec::new(),
        };
        emit_campaign(&mut ctx, &lowered)
    })
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

/// `percent` of the leads still undecided, as a whole percentage of them.
pub(crate) fn conditional_percent(percent: u64, remaining: u64) -> u64 {
    if remaining == 0 {
        return 100;
    }
    ((percent * 100 + remaining / 2) / remaining).min(100)
}

struct Ctx<'a> {
    project: &'a Project,
    /// The first `enroll` of each campaign that another one enrolls into.
    enrolls: &'a Enrollments<'a>,
    campaign: &'a Campaign,
    cfg: &'a KlaviyoConfig,
    b: &'a mut Binder,
    /// Lowering a segment, not a flow: an event with no window is any
    /// time (`alltime`), as there is no flow start to count from.
    in_segment: bool,
    /// The flow's actions, with their origins, as the steps add them:
    /// rendered ([`pretty`]), as the file of each trigger repeats them.
    actions: Vec<(Origin, pretty::Placed)>,
}

/// A flow's create body, `{"data": {"type": "flow", "attributes": …}}`,
/// its parts rendered: the variants of a campaign share the body's actions.
struct FlowDocument<'a> {
    name: &'a str,
    /// `None` for a flow nothing starts (no trigger: an error in the source).
    trigger: Option<&'a pretty::Placed>,
    profile_filter: Option<&'a pretty::Placed>,
    /// The variant's admission split, if any, before the body.
    first: Option<&'a pretty::Placed>,
    body: &'a [(Origin, pretty::Placed)],
    entry_action_id: Option<&'a str>,
    reentry_criteria: Option<(u64, &'static str)>,
}

/// Where the items of `definition.actions` are: `data`, `attributes`,
/// `definition` and `actions` deep, two spaces each.
const ACTION_INDENT: usize = 10;

/// Where a split's condition groups go: an action's `data` and its
/// `profile_filter` deep. They are rendered for this depth, the most common
/// one, and indented again for a flow's filter or a segment.
const GROUPS_INDENT: usize = ACTION_INDENT + 4;

/// Where a split's conditions are: `condition_groups`, a group and its
/// `conditions` deep in the groups.
const CONDITION_INDENT: usize = GROUPS_INDENT + 8;

impl FlowDocument<'_> {
    fn text(&self) -> String {
        let actions: usize = self
            .body
            .iter()
            .map(|(_, a)| a.len() + ACTION_INDENT + 2)
            .sum();
        pretty::document(actions + 4096, |root| {
            let mut data = root.object("data");
            data.value("type", "flow");
            let mut attributes = data.object("attributes");
            attributes.value("name", self.name);
            let mut definition = attributes.object("definition");
            let mut triggers = definition.array("triggers");
            if let Some(trigger) = self.trigger {
                triggers.placed(trigger);
            }
            triggers.close();
            if let Some(filter) = self.profile_filter {
                definition.placed("profile_filter", filter);
            }
            let mut actions = definition.array("actions");
            debug_assert_eq!(actions.item_indent(), ACTION_INDENT);
            for action in self
                .first
                .into_iter()
                .chain(self.body.iter().map(|(_, a)| a))
            {
                actions.placed(action);
            }
            actions.close();
            definition.value("entry_action_id", &self.entry_action_id);
            if let Some((duration, unit)) = self.reentry_criteria {
                let mut reentry = definition.object("reentry_criteria");
                reentry.value("duration", &duration).value("unit", unit);
                reentry.close();
            }
            definition.close();
            attributes.close();
            data.close();
        })
    }
}

/// An action's `data`: written for it, or rendered for several.
enum ActionData<'a> {
    Fields(&'a dyn Fn(&mut pretty::Object<'_>)),
    Placed(&'a pretty::Placed),
}

/// Where an action leads (`links`): on to one action, or a split's two.
/// `None` ends the flow.
enum Links<'a> {
    Next(Option<&'a str>),
    Split {
        on_true: Option<&'a str>,
        on_false: Option<&'a str>,
    },
}

/// An action of a flow definition, rendered for its place in `actions`.
fn action(id: &str, kind: &str, links: Links<'_>, data: ActionData<'_>) -> pretty::Placed {
    pretty::placed_object(ACTION_INDENT, |o| {
        o.value("temporary_id", id).value("type", kind);
        let mut next = o.object("links");
        match links {
            Links::Next(to) => next.value("next", &to),
            Links::Split { on_true, on_false } => next
                .value("next_if_true", &on_true)
                .value("next_if_false", &on_false),
        };
        next.close();
        match data {
            ActionData::Fields(fields) => {
                let mut data = o.object("data");
                fields(&mut data);
                data.close();
            }
            ActionData::Placed(placed) => {
                o.placed("data", placed);
            }
        }
    })
}

/// The data of a conditional split on condition groups.
fn split_data(groups: &pretty::Placed) -> impl Fn(&mut pretty::Object<'_>) + '_ {
    |d| {
        d.placed("profile_filter", groups);
    }
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
                "Klaviyo flows cannot run a handler: a flow cannot leave its step for the block, and a second flow cannot tell whether the profile is still in this one".to_string(),
                h.head,
                "handler",
                "make the condition a `goal` here (the flow's profile filter), and start the handler's steps in a campaign of their own triggered by it",
            );
        }
    }

    /// The time delay before a send under `send during`: until the window's
    /// opening time on one of its days, in the profile's time zone.
    fn window_delay(&self) -> Option<pretty::Placed> {
        let w = self.campaign.send_window.as_ref()?;
        let time = format!("{}:00", crate::ir::SendWindow::clock_text(w.open));
        Some(pretty::placed_object(ACTION_INDENT + 2, |o| {
            o.value("unit", "days")
                .value("value", &0)
                .value("timezone", "profile")
                .value("delay_until_time", &time);
            let mut days = o.array("delay_until_weekdays");
            for d in &w.days {
                days.value(weekday_name(*d));
            }
            days.close();
        }))
    }

    // ── the campaign ──

    fn campaign_files(&mut self, body_entry: Option<String>) -> Vec<Traced> {
        let c = self.campaign;
        self.handlers();
        let body = std::mem::take(&mut self.actions);
        let profile_filter = self.profile_filter();
        let reentry = self.reentry();
        let title = c.title.clone().unwrap_or_else(|| c.name.clone());

        // One variant per trigger, and one for enrollment from other campaigns.
        let mut variants: Vec<(String, String, Option<pretty::Placed>, Option<&Condition>)> =
            Vec::new();
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
        if let Some(at) = self.enrolls.get(c.name.as_str()).copied() {
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
                Some(group_trigger("list", &list)),
                None,
            ));
        }
        if variants.is_empty() {
            // No trigger (an error in the source): a flow nothing starts.
            variants.push((
                format!("{SECTION}/{}.json", c.name),
                title.clone(),
                None,
                None,
            ));
        }

        let mut files = Vec::new();
        for (path, name, trigger, filter) in variants {
            let mut entry = body_entry.clone();
            let admit = Formula::and(vec![
                c.audience
                    .as_ref()
                    .map_or(Formula::True, |a| self.cond(a, true)),
                filter.map_or(Formula::True, |f| self.cond(f, true)),
            ]);
            let mut first = None;
            if admit != Formula::True {
                let at = filter
                    .or(c.audience.as_ref())
                    .map_or(c.name_span, |f| f.span);
                let groups = self.groups(&admit, at);
                let origin = Origin::campaign(CampaignPart::Entry);
                let split = action(
                    &origin.text(),
                    "conditional-split",
                    Links::Split {
                        on_true: entry.as_deref(),
                        on_false: None,
                    },
                    ActionData::Fields(&split_data(&groups)),
                );
                entry = Some(origin.text());
                first = Some((origin, split));
            }
            let nodes = first
                .iter()
                .chain(&body)
                .map(|(origin, _)| (origin.text(), origin.clone()))
                .collect();
            let document = FlowDocument {
                name: &name,
                trigger: trigger.as_ref(),
                profile_filter: profile_filter.as_ref(),
                first: first.as_ref().map(|(_, a)| a),
                body: &body,
                entry_action_id: entry.as_deref(),
                reentry_criteria: reentry,
            };
            files.push(Traced::new(
                OutputFile {
                    path,
                    contents: document.text(),
                },
                nodes,
            ));
        }
        files
    }

    /// The flow's trigger; `None` when there is none Klaviyo can start the
    /// flow with (reported).
    fn trigger(&mut self, t: &Trigger) -> Option<pretty::Placed> {
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
                Some(group_trigger("segment", &id))
            }
            EventSource::Event(e) => match (&e.kind, &e.argument) {
                (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                    let id = self.segment_id(&s.name, t.span);
                    Some(group_trigger("segment", &id))
                }
                (EventKind::ListJoined, Some(EventArgument::Text(l))) => {
                    let id = self.list_id(l, t.span);
                    Some(group_trigger("list", &id))
                }
                (EventKind::ListJoined, None) => {
                    self.unsupported(
                        "Klaviyo cannot trigger a flow on joining any list".into(),
                        t.span,
                        "no list given",
                        "name the list: `trigger list.joined(\"<list>\")`",
                    );
                    None
                }
                _ => {
                    let metric = self.metric_id(e);
                    let filter = self.argument_filter(e);
                    Some(pretty::placed_object(ACTION_INDENT, |o| {
                        o.value("type", "metric").value("id", &metric);
                        if let Some(filter) = &filter {
                            one_condition(o, "trigger_filter", |condition| {
                                condition
                                    .value("type", "metric-property")
                                    .value("metric_id", &metric)
                                    .value("field", &filter.property);
                                filter.write(condition);
                            });
                        }
                    }))
                }
            },
        }
    }

    /// Goals and suppression: the profile must meet none of them, checked by
    /// Klaviyo before every action.
    fn profile_filter(&mut self) -> Option<pretty::Placed> {
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

    /// Klaviyo queues a profile into a flow again when the trigger fires
    /// while it is still in it (once re-entry allows it), so a lead could
    /// run twice at once. That cannot happen when the flow lets the lead
    /// back in only after it could possibly have left: `reentry after D`
    /// with D at least the flow's longest run. Anything else is an error.
    fn reentry_overlap(&mut self, longest: Option<u64>) {
        let c = self.campaign;
        let longest = longest.unwrap_or(u64::MAX);
        let (allowed, what) = match c.reentry {
            Reentry::Never => return,
            Reentry::Always => (0, "`reentry always`".to_string()),
            Reentry::After(d) => (
                d.seconds,
                format!("`reentry after {}`", super::duration_text(d)),
            ),
        };
        if longest <= allowed {
            return;
        }
        let run = crate::ir::Duration { seconds: longest };
        self.unsupported(
            format!(
                "Klaviyo cannot keep a lead to one run of `{}` at a time: with {what} a trigger can start a second run while the first is still in the flow (up to {})",
                c.name,
                super::duration_text(run)
            ),
            c.name_span,
            "a lead could be in this flow twice at once",
            &format!(
                "let leads back in only once they have left: `reentry after {}` or longer, or `reentry never`",
                super::duration_text(run)
            ),
        );
    }

    /// `reentry_criteria`: a duration and its unit.
    fn reentry(&mut self) -> Option<(u64, &'static str)> {
        match self.campaign.reentry {
            Reentry::Never => Some((1, "alltime")),
            Reentry::Always => Some((0, "alltime")),
            Reentry::After(d) => match relative_unit(d) {
                Some((unit, n)) => Some((n, unit)),
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
                let model = self
                    .campaign
                    .scoring
                    .as_ref()
                    .map_or("score", |m| m.name.as_str());
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

    /// The metric property and filter that narrow an event to its argument.
    fn argument_filter(&mut self, e: &Event) -> Option<ArgumentFilter> {
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
                    .referent(name)
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
        Some(ArgumentFilter {
            property,
            operator,
            value,
        })
    }

    // ── conditions ──

    /// Condition groups of a formula, `{"condition_groups": [...]}`.
    fn groups(&mut self, f: &Formula<pretty::Placed>, at: Span) -> pretty::Placed {
        let clauses = match f.cnf() {
            None => {
                self.unsupported(
                    "this condition is too complex for Klaviyo: it needs more than 64 condition groups".into(),
                    at,
                    "too many and/or combinations",
                    "define a segment for part of it and test `in <segment>`",
                );
                Vec::new()
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
                clauses
            }
        };
        pretty::placed_object(GROUPS_INDENT, |o| {
            let mut groups = o.array("condition_groups");
            for clause in &clauses {
                let mut group = groups.object();
                let mut conditions = group.array("conditions");
                for condition in clause {
                    conditions.placed(condition);
                }
                conditions.close();
                group.close();
            }
            groups.close();
        })
    }

    /// A relative date filter's `(unit, quantity)`: the last hour when
    /// the window is in minutes (reported).
    fn relative(&mut self, d: Duration, at: Span) -> (&'static str, u64) {
        relative_unit(d).unwrap_or_else(|| {
            self.unsupported(
                format!(
                    "Klaviyo measures time windows in hours, days or weeks, not `{}`",
                    super::duration_text(d)
                ),
                at,
                "window in minutes",
                "use a whole number of hours",
            );
            ("hour", 1)
        })
    }

    /// A condition, or its negation when `positive` is false, as a formula
    /// over Klaviyo conditions.
    fn cond(&mut self, c: &Condition, positive: bool) -> Formula<pretty::Placed> {
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
                condition(|o| {
                    o.value("type", "profile-group-membership")
                        .value("is_member", &positive)
                        .value("group_ids", &[id.as_str()]);
                })
            }
            ConditionKind::Property(p) => self.boolean_property(p, positive),
            ConditionKind::Contains { property, value } => {
                let path = self.quantity_path(&Quantity::Property(property.clone()));
                condition(|o| {
                    o.value("type", "profile-property").value("property", &path);
                    let operator = if positive { "contains" } else { "not-contains" };
                    match value {
                        IrValue::String(s) => typed_filter(o, "filter", "list", operator, s),
                        IrValue::Number(n) => {
                            typed_filter(o, "filter", "list", operator, &Value::from(*n));
                        }
                        IrValue::Bool(b) => {
                            let text = if *b { "true" } else { "false" };
                            typed_filter(o, "filter", "list", operator, text);
                        }
                    }
                })
            }
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
                    parts.push(condition(|o| {
                        o.value("type", "profile-property").value("property", &path);
                        let mut filter = o.object("filter");
                        filter
                            .value("type", "string")
                            .value("operator", if inside { "in" } else { "not-in" });
                        let mut list = filter.array("value");
                        for s in &strings {
                            list.value(s);
                        }
                        list.close();
                        filter.close();
                    }));
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

    fn boolean_property(&mut self, p: &str, positive: bool) -> Formula<pretty::Placed> {
        if !self.cfg.properties.contains_key(p) {
            // Email consent lives in Klaviyo's consent fields, not properties.
            if let Some(status) = consent_status(p) {
                return condition(|o| {
                    o.value("type", "profile-marketing-consent");
                    let mut consent = o.object("consent");
                    consent
                        .value("channel", "email")
                        .value("can_receive_marketing", &!positive);
                    let mut filter = consent.object("consent_status");
                    if positive {
                        status(&mut filter);
                    } else {
                        filter.value("subscription", "any");
                    }
                    filter.close();
                    consent.close();
                });
            }
        }
        let path = self.property_path(p);
        condition(|o| {
            o.value("type", "profile-property").value("property", &path);
            typed_filter(o, "filter", "boolean", "equals", &positive);
        })
    }

    fn compare(
        &mut self,
        left: &Quantity,
        op: CompareOp,
        right: &IrValue,
        positive: bool,
        at: Span,
    ) -> Formula<pretty::Placed> {
        let op = if positive { op } else { negate(op) };
        let path = self.quantity_path(left);
        let (kind, operator, value) = match right {
            IrValue::Number(n) => {
                let operator = match op {
                    CompareOp::Eq => "equals",
                    CompareOp::Ne => "not-equals",
                    CompareOp::Ge => "greater-than-or-equal",
                    CompareOp::Le => "less-than-or-equal",
                    CompareOp::Gt => "greater-than",
                    CompareOp::Lt => "less-than",
                };
                ("numeric", operator, number(*n))
            }
            IrValue::String(s) => match op {
                CompareOp::Eq => ("string", "equals", Value::from(s.as_str())),
                CompareOp::Ne => ("string", "not-equals", Value::from(s.as_str())),
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
                CompareOp::Eq => ("boolean", "equals", Value::Bool(*v)),
                CompareOp::Ne => ("boolean", "equals", Value::Bool(!v)),
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
        condition(|o| {
            o.value("type", "profile-property").value("property", &path);
            typed_filter(o, "filter", kind, operator, &value);
        })
    }

    fn event_condition(
        &mut self,
        e: &Event,
        within: Option<Duration>,
        positive: bool,
        at: Span,
    ) -> Formula<pretty::Placed> {
        let group = match (&e.kind, &e.argument) {
            (EventKind::SegmentEntered, Some(EventArgument::Segment(s))) => {
                Some(self.segment_id(&s.name, at))
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
                    let (unit, quantity) = self.relative(d, at);
                    condition(|o| {
                        o.value("type", "profile-group-membership")
                            .value("is_member", &true)
                            .value("group_ids", &[id.as_str()]);
                        in_the_last(o, unit, quantity);
                    })
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
    ) -> Formula<pretty::Placed> {
        let metric = self.metric_id(e);
        let window = within.map(|d| self.relative(d, e.span));
        let filter = self.argument_filter(e);
        let in_segment = self.in_segment;
        condition(|o| {
            o.value("type", "profile-metric")
                .value("metric_id", &metric)
                .value("measurement", "count");
            let operator = if positive { "greater-than" } else { "equals" };
            typed_filter(o, "measurement_filter", "numeric", operator, &0u64);
            match window {
                Some((unit, quantity)) => in_the_last(o, unit, quantity),
                None => {
                    let mut timeframe = o.object("timeframe_filter");
                    timeframe.value("type", "date").value(
                        "operator",
                        if in_segment { "alltime" } else { "flow-start" },
                    );
                    timeframe.close();
                }
            }
            if let Some(filter) = &filter {
                let mut filters = o.array("metric_filters");
                let mut item = filters.object();
                item.value("property", &filter.property);
                filter.write(&mut item);
                item.close();
                filters.close();
            }
        })
    }

    // ── the flow ──

    fn push(&mut self, origin: &Origin, kind: &str, links: Links<'_>, data: ActionData<'_>) {
        self.actions
            .push((origin.clone(), action(&origin.text(), kind, links, data)));
    }
}

impl Platform for Ctx<'_> {
    type Condition = Formula<pretty::Placed>;

    fn condition(&mut self, c: &Condition, positive: bool) -> Formula<pretty::Placed> {
        self.cond(c, positive)
    }

    fn step(&mut self, step: &Step<'_>) {
        let origin = &step.origin;
        let at = step.node.head;
        match &step.kind {
            StepKind::Send { email, next } => {
                let message = self.send(email, at);
                // Under `send during`, a zero delay until the window opens.
                let send = match self.window_delay() {
                    Some(delay) => {
                        let send = origin.with(Role::Effect("send"));
                        let send_id = send.text();
                        self.push(
                            origin,
                            "time-delay",
                            Links::Next(Some(&send_id)),
                            ActionData::Placed(&delay),
                        );
                        send
                    }
                    None => origin.clone(),
                };
                self.push(
                    &send,
                    "send-email",
                    Links::Next(link_text(next).as_deref()),
                    ActionData::Fields(&|d| message.write(d)),
                );
            }
            StepKind::Delay { duration, next } => {
                let (unit, value) = delay_unit(*duration);
                self.push(
                    origin,
                    "time-delay",
                    Links::Next(link_text(next).as_deref()),
                    ActionData::Fields(&time_delay(unit, value)),
                );
            }
            StepKind::PollUntil {
                duration,
                until,
                next,
            } => {
                let after = link_text(next);
                let test = self.condition(until, true);
                let groups = self.groups(&test, until.span);
                // Every check tests the same condition: rendered once.
                let data = pretty::placed_object(ACTION_INDENT + 2, split_data(&groups));
                let (unit, value) = delay_unit(*duration);
                let parts = slices(value, MAX_POLLS);
                for (k, part) in parts.iter().enumerate() {
                    let check = if k == 0 {
                        origin.clone()
                    } else {
                        origin.with(Role::Check(k + 1))
                    };
                    let wait = origin.with(Role::Wait(k + 1));
                    let wait_id = wait.text();
                    self.push(
                        &check,
                        "conditional-split",
                        Links::Split {
                            on_true: after.as_deref(),
                            on_false: Some(&wait_id),
                        },
                        ActionData::Placed(&data),
                    );
                    let then = if k + 1 < parts.len() {
                        Some(origin.with(Role::Check(k + 2)).text())
                    } else {
                        after.clone()
                    };
                    self.push(
                        &wait,
                        "time-delay",
                        Links::Next(then.as_deref()),
                        ActionData::Fields(&time_delay(unit, *part)),
                    );
                }
            }
            StepKind::Choice {
                arms, otherwise, ..
            } => {
                let default = link_text(otherwise);
                if arms.is_empty() {
                    let (id, a) = sample(origin, 100, default.clone(), default.clone());
                    self.actions.push((id, a));
                }
                for (k, (condition, target)) in arms.iter().enumerate() {
                    let id = if k == 0 {
                        origin.clone()
                    } else {
                        origin.with(Role::When(k + 1))
                    };
                    let on_false = if k + 1 < arms.len() {
                        Some(origin.with(Role::When(k + 2)).text())
                    } else {
                        default.clone()
                    };
                    let test = self.condition(condition, true);
                    let groups = self.groups(&test, condition.span);
                    self.push(
                        &id,
                        "conditional-split",
                        Links::Split {
                            on_true: link_text(target).as_deref(),
                            on_false: on_false.as_deref(),
                        },
                        ActionData::Fields(&split_data(&groups)),
                    );
                }
            }
            StepKind::Sample { arms } => {
                let mut remaining: u64 = arms.iter().map(|a| a.0).sum();
                let count = arms.len().max(2) - 1;
                for k in 0..count {
                    let id = if k == 0 {
                        origin.clone()
                    } else {
                        origin.with(Role::Arm(k + 1))
                    };
                    let this = arms.get(k).map_or(100, |a| a.0);
                    let on_true = arms.get(k).and_then(|a| link_text(&a.1));
                    let on_false = if k + 1 < count {
                        Some(origin.with(Role::Arm(k + 2)).text())
                    } else {
                        arms.get(k + 1)
                            .or(arms.get(k))
                            .and_then(|a| link_text(&a.1))
                    };
                    let (id, a) =
                        sample(&id, conditional_percent(this, remaining), on_true, on_false);
                    self.actions.push((id, a));
                    remaining = remaining.saturating_sub(this);
                }
            }
            StepKind::Set {
                property,
                value,
                next,
            } => {
                let (kind, value) = match value {
                    IrValue::String(s) => ("string", Value::from(s.as_str())),
                    IrValue::Number(n) => ("numeric", number(*n)),
                    IrValue::Bool(v) => ("boolean", Value::Bool(*v)),
                };
                let key = self.property_key(property);
                // `UpdateProfileAction.data`: "The maximum allowed sum of
                // profile strings is 100KB."
                let size = key.len() + value.as_str().map_or(0, str::len);
                if size > PROFILE_STRINGS_LIMIT {
                    self.unsupported(
                        format!(
                            "a Klaviyo profile update holds at most 100 KB of strings, and this one holds {size} bytes"
                        ),
                        at,
                        "beyond Klaviyo's limit for one profile update",
                        "store a shorter value (a key or a link to the text)",
                    );
                }
                self.push(
                    origin,
                    "update-profile",
                    Links::Next(link_text(next).as_deref()),
                    ActionData::Fields(&|d| {
                        let mut operations = d.array("profile_operations");
                        let mut operation = operations.object();
                        operation
                            .value("operator", "update")
                            .value("property_type", kind)
                            .value("property_key", &key)
                            .value("property_value", &value);
                        operation.close();
                        operations.close();
                    }),
                );
            }
            StepKind::Notify {
                recipient,
                message,
                next,
            } => {
                let to = self.recipients(recipient, at);
                let alert = self.alert(to, message, at);
                self.push(
                    origin,
                    "send-internal-alert",
                    Links::Next(link_text(next).as_deref()),
                    ActionData::Fields(&|d| alert.write(d)),
                );
            }
            StepKind::Handoff {
                queue,
                notes,
                tasks,
            } => self.handoff(origin, at, queue, notes, tasks),
            StepKind::Enroll { campaign } => {
                let list = self.b.id(
                    "enrollment_lists",
                    &self.cfg.enrollment_lists,
                    &campaign.name,
                    "list",
                    &format!("enrollment list for campaign `{campaign}`"),
                    at,
                );
                let name = format!("Enroll in {campaign}");
                self.push(
                    origin,
                    "list-update",
                    Links::Next(None),
                    ActionData::Fields(&|d| {
                        d.value("name", &name)
                            .value("on_execution", &true)
                            .value("list_id", &list)
                            .value("status", "draft");
                    }),
                );
            }
            StepKind::Jump { .. } | StepKind::Exit { .. } => {}
        }
    }

    fn documents(&mut self, lowered: &Lowered<'_>) -> Vec<Traced> {
        // A window delays a send until its next opening: at most a week.
        let per_send = if self.campaign.send_window.is_some() {
            7 * 86_400
        } else {
            0
        };
        self.reentry_overlap(longest_run(lowered, per_send));
        self.campaign_files(lowered.entry.as_ref().map(Origin::text))
    }
}

impl Ctx<'_> {
    /// An internal alert to the queue, then the CRM webhook when one is set.
    fn handoff(
        &mut self,
        origin: &Origin,
        at: Span,
        queue: &str,
        notes: &[String],
        tasks: &[Task],
    ) {
        let to = self.recipients(&Recipient::Name(queue.to_string()), at);
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
        let webhook_origin = origin.with(Role::Crm);
        let webhook_id = webhook_origin.text();
        let alert = self.alert(to, &subject, at);
        self.push(
            origin,
            "send-internal-alert",
            Links::Next(webhook.as_ref().map(|_| webhook_id.as_str())),
            ActionData::Fields(&|d| alert.write(d)),
        );
        if let Some(url) = webhook {
            // Whether Klaviyo renders tags in a webhook body is unverified;
            // written as elsewhere, they render where it does. (A company
            // tag was reported with the alert above.)
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
                "tasks": tasks.iter().map(|t| json!({
                    "title": self.translate_tags(&t.title).unwrap_or_else(|_| t.title.clone()),
                    "due_seconds": t.due.map(|d| d.seconds),
                })).collect::<Vec<_>>(),
            });
            let message = json!({
                "name": format!("Handoff to {queue}"),
                "url": url,
                "headers": { "Content-Type": "application/json" },
                "body": serde_json::to_string(&body).unwrap_or_default(),
            });
            self.push(
                &webhook_origin,
                "send-webhook",
                Links::Next(None),
                ActionData::Fields(&|d| {
                    d.value("message", &message).value("status", "draft");
                }),
            );
        }
    }

    fn send(&mut self, email: &crate::ir::Ref<crate::ir::EmailId>, at: Span) -> Message {
        let template = self.b.id(
            "templates",
            &self.cfg.templates,
            &email.name,
            "template",
            &format!("template id for email `{email}`"),
            at,
        );
        let (subject, preview) = match self.project.referent(email) {
            Some(e) => {
                let subject = self.merge_tags(&e.subject, e.name_span);
                let preview = e.preview.as_ref().map(|p| self.merge_tags(p, e.name_span));
                (Some(subject), preview)
            }
            None => (None, None),
        };
        Message {
            name: email.name.clone(),
            subject,
            preview,
            template,
            from_email: self.cfg.from_email.as_ref().map(|s| s.value.clone()),
            from_label: self.cfg.from_label.as_ref().map(|s| s.value.clone()),
            reply_to: self.cfg.reply_to.as_ref().map(|s| s.value.clone()),
        }
    }

    fn recipients(&mut self, r: &Recipient, at: Span) -> Vec<String> {
        match r {
            Recipient::Address(a) if a.contains("{{") => {
                // Each alert recipient confirms an opt-in before it gets
                // alerts, so they are fixed addresses, not a profile's.
                self.unsupported(
                    format!("Klaviyo sends internal alerts to fixed addresses that confirmed their opt-in, not to the address a profile property holds (`{a}`)"),
                    at,
                    "an address from a merge tag",
                    "notify a recipient name bound to addresses under `[klaviyo.recipients]`",
                );
                vec![a.clone()]
            }
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

    fn alert(&mut self, to: Vec<String>, subject: &str, at: Span) -> Alert {
        let subject = self.merge_tags(subject, at);
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
        Alert {
            from_email,
            from_label,
            to,
            subject,
        }
    }
}

/// A `send-email` action's message.
struct Message {
    name: String,
    subject: Option<String>,
    preview: Option<String>,
    template: String,
    from_email: Option<String>,
    from_label: Option<String>,
    reply_to: Option<String>,
}

impl Message {
    fn write(&self, data: &mut pretty::Object<'_>) {
        let mut m = data.object("message");
        m.value("name", &self.name);
        if let Some(subject) = &self.subject {
            m.value("subject_line", subject);
        }
        if let Some(preview) = &self.preview {
            m.value("preview_text", preview);
        }
        m.value("template_id", &self.template);
        // Smart Sending (on by default) skips a profile emailed in the last
        // hours; the campaign's own `cap` and waits decide, so every send
        // the source proves is sent.
        m.value("smart_sending_enabled", &false);
        for (key, setting) in [
            ("from_email", &self.from_email),
            ("from_label", &self.from_label),
            ("reply_to_email", &self.reply_to),
        ] {
            if let Some(value) = setting {
                m.value(key, value);
            }
        }
        m.close();
        data.value("status", "draft");
    }
}

/// A `send-internal-alert` action's message.
struct Alert {
    from_email: String,
    from_label: String,
    to: Vec<String>,
    subject: String,
}

impl Alert {
    fn write(&self, data: &mut pretty::Object<'_>) {
        let mut m = data.object("message");
        m.value("from_email", &self.from_email)
            .value("from_label", &self.from_label);
        let mut to = m.array("to_emails");
        for address in &self.to {
            to.value(address);
        }
        to.close();
        m.value("subject_line", &self.subject);
        m.close();
        data.value("status", "draft");
    }
}

/// The metric property and filter that narrow an event to its argument.
struct ArgumentFilter {
    property: String,
    operator: &'static str,
    value: String,
}

impl ArgumentFilter {
    /// The `filter` field (the property goes where the caller puts it).
    fn write(&self, o: &mut pretty::Object<'_>) {
        typed_filter(o, "filter", "string", self.operator, &self.value);
    }
}

/// A field holding a filter: `{"type": kind, "operator": operator,
/// "value": value}`.
fn typed_filter<T: pretty::Json + ?Sized>(
    o: &mut pretty::Object<'_>,
    key: &str,
    kind: &str,
    operator: &str,
    value: &T,
) {
    let mut filter = o.object(key);
    filter
        .value("type", kind)
        .value("operator", operator)
        .value("value", value);
    filter.close();
}

/// A field holding condition groups of one condition, which `fields` writes.
fn one_condition(
    o: &mut pretty::Object<'_>,
    key: &str,
    fields: impl FnOnce(&mut pretty::Object<'_>),
) {
    let mut filter = o.object(key);
    let mut groups = filter.array("condition_groups");
    let mut group = groups.object();
    let mut conditions = group.array("conditions");
    let mut condition = conditions.object();
    fields(&mut condition);
    condition.close();
    conditions.close();
    group.close();
    groups.close();
    filter.close();
}

/// A Klaviyo condition, as a formula's literal.
fn condition(fields: impl FnOnce(&mut pretty::Object<'_>)) -> Formula<pretty::Placed> {
    Formula::Lit(pretty::placed_object(CONDITION_INDENT, fields))
}

/// `timeframe_filter`: the last `quantity` `unit`s.
fn in_the_last(o: &mut pretty::Object<'_>, unit: &str, quantity: u64) {
    let mut timeframe = o.object("timeframe_filter");
    timeframe
        .value("type", "date")
        .value("operator", "in-the-last")
        .value("unit", unit)
        .value("quantity", &quantity);
    timeframe.close();
}

/// The consent status a built-in email property (`unsubscribed`,
/// `complained`, `bounced`) stands for, as the fields it writes.
fn consent_status(property: &str) -> Option<fn(&mut pretty::Object<'_>)> {
    match property {
        "unsubscribed" => Some(|o| {
            o.value("subscription", "unsubscribed");
        }),
        "complained" => Some(|o| {
            o.value("subscription", "unsubscribed");
            let mut filters = o.array("filters");
            let mut f = filters.object();
            f.value("field", "method").value("method", "spam_complaint");
            f.close();
            filters.close();
        }),
        "bounced" => Some(|o| {
            o.value("subscription", "any");
            let mut filters = o.array("filters");
            let mut f = filters.object();
            f.value("field", "bounce_date");
            let mut test = f.object("filter");
            test.value("type", "existence").value("operator", "is-set");
            test.close();
            f.close();
            filters.close();
        }),
        _ => None,
    }
}

/// A trigger on a list or segment.
fn group_trigger(kind: &str, id: &str) -> pretty::Placed {
    pretty::placed_object(ACTION_INDENT, |o| {
        o.value("type", kind).value("id", id);
    })
}

/// A `time-delay` action's data.
fn time_delay(unit: &'static str, value: u64) -> impl Fn(&mut pretty::Object<'_>) {
    move |d| {
        d.value("unit", unit).value("value", &value);
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

fn sample(
    origin: &Origin,
    percentage: u64,
    on_true: Option<String>,
    on_false: Option<String>,
) -> (Origin, pretty::Placed) {
    let a = action(
        &origin.text(),
        "conditional-split",
        Links::Split {
            on_true: on_true.as_deref(),
            on_false: on_false.as_deref(),
        },
        ActionData::Fields(&|d| {
            one_condition(d, "profile_filter", |sample| {
                sample
                    .value("type", "profile-sample")
                    .value("percentage", &percentage);
            });
        }),
    );
    (origin.clone(), a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
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
