//! The runs of one lead, instant by instant (see the module docs of
//! [`super`]).

use super::lead::{Lead, LeadError, Outcome, ReactionTo};
use super::world::{matches, seconds, Occurred, Pending, World};
use super::{prng, EndReason, Options, Step, StepKind, Trace, Visit};
use crate::ir::{
    self, ArgumentKind, Edge, EdgeKind, EventArgument, EventKind, EventSource, NodeId, NodeKind,
    Recipient, Reentry, Target,
};
use crate::span::Span;
use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};

/// How often one instant is gone over while runs keep changing the lead
/// (a reaction `after = "0m"`, a `set` another run tests).
const SETTLE_ROUNDS: usize = 64;

/// Simulates `lead` in the campaign named `campaign` of `project`, which
/// should have checked without errors (on any other project it still stops
/// and does not panic). The lead file is judged against the project here: a
/// trigger, email, campaign or scoring model it names must exist.
pub fn simulate(
    project: &ir::Project,
    campaign: &str,
    lead: &Lead,
    options: &Options,
) -> Result<Trace, LeadError> {
    simulate_prepared(project, &Prepared::new(project), campaign, lead, options)
}

/// What a simulation reads from the whole project rather than from the
/// lead's campaigns: made once for the many leads of a witness search, so
/// that each lead costs what its runs do, not a walk over every campaign.
pub(crate) struct Prepared<'p> {
    /// Every `within` and `inactive` duration, in seconds.
    windows: BTreeSet<i64>,
    /// The segments a `segment.entered(…)` names.
    entered: BTreeSet<&'p str>,
}

impl<'p> Prepared<'p> {
    pub(crate) fn new(project: &'p ir::Project) -> Prepared<'p> {
        Prepared {
            windows: super::world::windows(project),
            entered: entered_segments(project),
        }
    }
}

/// [`simulate`] with the project's [`Prepared`] facts.
pub(crate) fn simulate_prepared<'p>(
    project: &'p ir::Project,
    prepared: &Prepared<'p>,
    campaign: &str,
    lead: &Lead,
    options: &Options,
) -> Result<Trace, LeadError> {
    let main = project
        .campaigns
        .iter()
        .position(|c| c.name == campaign)
        .ok_or_else(|| LeadError::new("", format!("no campaign named `{campaign}`")))?;
    validate(project, &project.campaigns[main], lead)?;
    super::declared::check(project, lead)?;
    let mut engine = Engine::new(project, prepared, main, lead, options);
    engine.run();
    Ok(Trace {
        lead: lead.id.clone(),
        steps: engine.trace,
        path: engine.path,
    })
}

fn validate(project: &ir::Project, campaign: &ir::Campaign, lead: &Lead) -> Result<(), LeadError> {
    let triggers = campaign.triggers.len();
    if lead.trigger > triggers {
        return Err(LeadError::new(
            "trigger",
            format!(
                "campaign `{}` has {triggers} trigger{}",
                campaign.name,
                if triggers == 1 { "" } else { "s" }
            ),
        ));
    }
    for name in lead.entered.keys() {
        if !project.campaigns.iter().any(|c| &c.name == name) {
            return Err(LeadError::new(
                format!("history.entered.{name}"),
                "no campaign of that name",
            ));
        }
    }
    let scores = std::iter::once(("scores".to_string(), &lead.scores)).chain(
        lead.changes
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("changes[{i}].scores"), &c.scores)),
    );
    for (field, given) in scores {
        for (model, score) in given {
            let Some(m) = project.scoring_model(model) else {
                return Err(LeadError::new(
                    format!("{field}.{model}"),
                    "no scoring model of that name",
                ));
            };
            for part in score.components.keys() {
                if !m.components.iter().any(|c| &c.name == part) {
                    return Err(LeadError::new(
                        format!("{field}.{model}.{part}"),
                        format!("scoring model `{model}` has no component of that name"),
                    ));
                }
            }
        }
    }
    for (i, r) in lead.reactions.iter().enumerate() {
        if let ReactionTo::Email(email) = &r.to {
            if project.email(email).is_none() {
                return Err(LeadError::new(
                    format!("reactions[{i}].email"),
                    format!("no email named `{email}`"),
                ));
            }
        }
    }
    Ok(())
}

/// How a lead comes to a campaign.
#[derive(Clone, Copy)]
enum Via {
    /// One of these triggers (0-based) fired: the first whose `where` holds
    /// admits.
    Triggers,
    Enroll,
}

struct Run {
    campaign: usize,
    entered: i64,
    /// This entry's number among the lead's entries into the campaign.
    number: u32,
    at: Target,
    /// The `wait` the run is in and when it ends at the latest.
    waiting: Option<(NodeId, i64)>,
    sends: u32,
    done: bool,
    /// Per split statement, how often this run has reached it.
    visits: HashMap<NodeId, u32>,
    /// The statement executed last.
    last: Option<NodeId>,
    /// Per handler: whether its condition held when last looked at (a
    /// handler starts when it begins to hold), and whether it has run.
    handler_held: Vec<bool>,
    handler_ran: Vec<bool>,
}

struct Engine<'p> {
    project: &'p ir::Project,
    lead: &'p Lead,
    options: Options,
    world: World<'p>,
    main: usize,
    runs: Vec<Run>,
    /// Entry times per campaign, the lead file's history included.
    entries: BTreeMap<usize, Vec<i64>>,
    trace: Vec<Step>,
    path: Vec<Visit>,
    steps: u64,
    stopped: bool,
    /// Per event of the world, whether it was matched against the triggers.
    events_seen: Vec<bool>,
    /// The instant whose inactivity triggers were matched.
    inactivity_seen: Option<i64>,
    /// Segments named by `segment.entered`, and whether the lead is in each.
    membership: BTreeMap<&'p str, bool>,
}

impl<'p> Engine<'p> {
    fn new(
        project: &'p ir::Project,
        prepared: &Prepared<'p>,
        main: usize,
        lead: &'p Lead,
        options: &Options,
    ) -> Self {
        let mut entries: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        for (name, times) in &lead.entered {
            if let Some(i) = project.campaigns.iter().position(|c| &c.name == name) {
                let mut times = times.clone();
                times.sort_unstable();
                entries.insert(i, times);
            }
        }
        let mut engine = Engine {
            project,
            lead,
            options: *options,
            world: World::new(project, lead, prepared.windows.clone()),
            main,
            runs: Vec::new(),
            entries,
            trace: Vec::new(),
            path: Vec::new(),
            steps: 0,
            stopped: false,
            events_seen: Vec::new(),
            inactivity_seen: None,
            membership: BTreeMap::new(),
        };
        for &name in &prepared.entered {
            let inside = engine.in_segment(name);
            engine.membership.insert(name, inside);
        }
        engine
    }

    fn campaign(&self, i: usize) -> &'p ir::Campaign {
        &self.project.campaigns[i]
    }

    fn model(&self, campaign: usize) -> Option<&'p super::world::Model> {
        self.campaign(campaign).scoring.as_ref()
    }

    fn in_segment(&self, name: &str) -> bool {
        let model = self.model(self.main);
        self.project
            .segment(name)
            .is_some_and(|s| self.world.holds(&s.condition, model, self.world.now))
    }

    fn push(&mut self, campaign: usize, kind: StepKind, span: Span) {
        self.trace.push(Step {
            seconds: self.world.now,
            campaign: self.campaign(campaign).name.clone(),
            kind,
            span,
        });
    }

    fn run(&mut self) {
        let main = self.campaign(self.main);
        // The lead file's trigger fires at second 0: its event happens then.
        let index = self.lead.trigger.saturating_sub(1);
        if let Some(trigger) = main.triggers.get(index) {
            if let EventSource::Event(e) = &trigger.source {
                let argument = e.argument.as_ref().map(|a| match a {
                    EventArgument::Text(t) => t.clone(),
                    EventArgument::Email(m) => m.name.clone(),
                    EventArgument::Segment(s) => s.name.clone(),
                });
                if let (EventKind::SegmentEntered, Some(name)) = (e.kind, &argument) {
                    if let Some(inside) = self.membership.get_mut(name.as_str()) {
                        *inside = true;
                    }
                }
                self.world.add_event(Occurred {
                    at: 0,
                    kind: e.kind,
                    argument,
                });
            }
        }
        // Triggers do not fire again at the first instant.
        self.events_seen = self.world.events.iter().map(|e| e.at <= 0).collect();
        self.inactivity_seen = Some(0);
        self.admit(self.main, Via::Triggers, &[index]);
        if let Some(other) = self.watched_other() {
            let inactive = main.triggers.get(index).and_then(|t| match &t.source {
                EventSource::Inactive(d) => Some(seconds(d)),
                EventSource::Event(_) => None,
            });
            let fired: Vec<usize> = self
                .campaign(other)
                .triggers
                .iter()
                .enumerate()
                .filter(|(_, t)| match &t.source {
                    EventSource::Event(event) => self
                        .world
                        .events
                        .iter()
                        .any(|e| e.at == 0 && matches(event, e)),
                    EventSource::Inactive(d) => inactive == Some(seconds(d)),
                })
                .map(|(k, _)| k)
                .collect();
            if !fired.is_empty() {
                self.admit(other, Via::Triggers, &fired);
            }
        }
        let horizon = i64::try_from(self.options.horizon).unwrap_or(i64::MAX);
        loop {
            self.instant();
            if self.stopped {
                return;
            }
            let deadlines: Vec<i64> = self
                .runs
                .iter()
                .filter(|r| !r.done)
                .filter_map(|r| r.waiting.map(|(_, until)| until))
                .collect();
            match self.world.next_instant(deadlines) {
                Some(t) if t <= horizon => self.world.now = t,
                _ => break,
            }
        }
        if self.runs.iter().any(|r| !r.done) {
            self.world.now = self.world.now.max(horizon);
            self.end_all(EndReason::Horizon);
        }
    }

    /// Everything that happens at the current instant, gone over until the
    /// lead stops changing.
    fn instant(&mut self) {
        for _ in 0..SETTLE_ROUNDS {
            let before = (self.trace.len(), self.world.events.len());
            let changed = self.world.apply_changes();
            self.update_segments();
            let mut i = 0;
            while i < self.runs.len() && !self.stopped {
                self.advance(i);
                i += 1;
            }
            if self.stopped {
                return;
            }
            self.fire_triggers();
            if !changed && before == (self.trace.len(), self.world.events.len()) {
                return;
            }
        }
    }

    /// A `segment.entered` event for every watched segment the lead has
    /// just come into.
    fn update_segments(&mut self) {
        let names: Vec<&'p str> = self.membership.keys().copied().collect();
        for name in names {
            let inside = self.in_segment(name);
            let was = self.membership.insert(name, inside).unwrap_or(false);
            if inside && !was {
                self.world.add_event(Occurred {
                    at: self.world.now,
                    kind: EventKind::SegmentEntered,
                    argument: Some(name.to_string()),
                });
            }
        }
    }

    /// [`Options::also_watch`], when it is a campaign other than the
    /// simulated one.
    fn watched_other(&self) -> Option<usize> {
        self.options
            .also_watch
            .filter(|&c| c != self.main && c < self.project.campaigns.len())
    }

    /// Matches the watched campaigns' triggers against what happened now:
    /// the simulated campaign's first.
    fn fire_triggers(&mut self) {
        let now = self.world.now;
        let watched: Vec<usize> = std::iter::once(self.main)
            .chain(self.watched_other())
            .collect();
        let mut fired: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); watched.len()];
        self.events_seen.resize(self.world.events.len(), false);
        for (e, seen) in self.world.events.iter().zip(self.events_seen.iter_mut()) {
            if *seen || e.at > now {
                continue;
            }
            *seen = true;
            for (&c, fired) in watched.iter().zip(fired.iter_mut()) {
                for (k, t) in self.project.campaigns[c].triggers.iter().enumerate() {
                    if let EventSource::Event(event) = &t.source {
                        if e.at == now && matches(event, e) {
                            fired.insert(k);
                        }
                    }
                }
            }
        }
        if self.inactivity_seen != Some(now) {
            self.inactivity_seen = Some(now);
            for (&c, fired) in watched.iter().zip(fired.iter_mut()) {
                for (k, t) in self.project.campaigns[c].triggers.iter().enumerate() {
                    if let EventSource::Inactive(d) = &t.source {
                        // The instant the inactivity reaches D.
                        let d = seconds(d);
                        if self.world.inactive(d) && !self.world_inactive_at(now - 1, d) {
                            fired.insert(k);
                        }
                    }
                }
            }
        }
        for (c, fired) in watched.into_iter().zip(fired) {
            if !fired.is_empty() {
                let fired: Vec<usize> = fired.into_iter().collect();
                self.admit(c, Via::Triggers, &fired);
            }
        }
    }

    fn world_inactive_at(&mut self, t: i64, d: i64) -> bool {
        let now = self.world.now;
        self.world.now = t;
        let inactive = self.world.inactive(d);
        self.world.now = now;
        inactive
    }

    /// The lead tries to enter campaign `c`.
    fn admit(&mut self, c: usize, via: Via, triggers: &[usize]) {
        let campaign = self.campaign(c);
        if self.runs.iter().any(|r| !r.done && r.campaign == c) {
            // At most one run at a time: a trigger that fires inside does nothing.
            if let Via::Enroll = via {
                let why = "already in the campaign".to_string();
                self.push(c, StepKind::NotAdmitted { why }, campaign.name_span);
            }
            return;
        }
        let trigger = match self.admission(c, via, triggers) {
            Ok(trigger) => trigger,
            Err((why, span)) => {
                self.push(c, StepKind::NotAdmitted { why }, span);
                return;
            }
        };
        let now = self.world.now;
        let times = self.entries.entry(c).or_default();
        times.push(now);
        let number = u32::try_from(times.len()).unwrap_or(u32::MAX);
        let span = trigger
            .and_then(|k| campaign.triggers.get(k))
            .map_or(campaign.name_span, |t| t.span);
        self.push(
            c,
            StepKind::Enter {
                trigger: trigger.map(|k| k + 1),
            },
            span,
        );
        self.runs.push(Run {
            campaign: c,
            entered: now,
            number,
            at: campaign.flow.entry,
            waiting: None,
            sends: 0,
            done: false,
            visits: HashMap::new(),
            last: None,
            handler_held: vec![false; campaign.flow.handlers.len()],
            handler_ran: vec![false; campaign.flow.handlers.len()],
        });
    }

    /// The trigger's `where`, the audience, then `reentry`: the trigger
    /// that admits the lead (`None` for an enroll), or why not and where.
    fn admission(
        &self,
        c: usize,
        via: Via,
        triggers: &[usize],
    ) -> Result<Option<usize>, (String, Span)> {
        let campaign = self.campaign(c);
        let model = self.model(c);
        let now = self.world.now;
        let trigger = match via {
            Via::Enroll => None,
            Via::Triggers => {
                let passes = |k: &usize| {
                    campaign.triggers.get(*k).is_some_and(|t| {
                        t.filter
                            .as_ref()
                            .is_none_or(|f| self.world.holds(f, model, now))
                    })
                };
                let Some(k) = triggers.iter().copied().find(passes) else {
                    let span = triggers
                        .first()
                        .and_then(|k| campaign.triggers.get(*k))
                        .map_or(campaign.name_span, |t| {
                            t.filter.as_ref().map_or(t.span, |f| f.span)
                        });
                    let why = "the trigger's `where` condition does not hold";
                    return Err((why.to_string(), span));
                };
                Some(k)
            }
        };
        if let Some(audience) = &campaign.audience {
            if !self.world.holds(audience, model, now) {
                return Err(("not in the audience".to_string(), audience.span));
            }
        }
        let Some(last) = self.entries.get(&c).and_then(|t| t.last().copied()) else {
            return Ok(trigger);
        };
        let day = last.div_euclid(86_400);
        let refused = match campaign.reentry {
            Reentry::Always => None,
            Reentry::Never => Some(format!("entered before, on day {day}, and `reentry never`")),
            // Counted from the previous entry.
            Reentry::After(d) if now.saturating_sub(last) < seconds(&d) => Some(format!(
                "entered on day {day}, less than {} ago (`reentry after {}`)",
                d.to_text(),
                d.to_text()
            )),
            Reentry::After(_) => None,
        };
        match refused {
            Some(why) => Err((why, campaign.name_span)),
            None => Ok(trigger),
        }
    }

    /// `suppress`, then the goals in source order: whether the run ends.
    /// (Handlers, when the language has them, come next here: a handler
    /// whose condition starts to hold moves the run to its block.)
    fn leaves(&mut self, i: usize) -> bool {
        let run = &self.runs[i];
        let (c, entered) = (run.campaign, run.entered);
        let campaign = self.campaign(c);
        let model = self.model(c);
        let mut left = None;
        if let Some(s) = &campaign.suppress {
            if self.world.holds(s, model, entered) {
                left = Some((StepKind::Suppressed, s.span));
            }
        }
        if left.is_none() {
            left = campaign
                .goals
                .iter()
                .find(|g| self.world.holds(&g.condition, model, entered))
                .map(|g| {
                    (
                        StepKind::Goal {
                            goal: g.name.clone(),
                        },
                        g.name_span,
                    )
                });
        }
        match left {
            Some((kind, span)) => {
                self.push(c, kind, span);
                self.runs[i].done = true;
                true
            }
            None => false,
        }
    }

    /// After `suppress` and the goals, the handlers in source order: the
    /// first whose condition has just started to hold, and has not run in
    /// this entry, moves the run to its block. Whether one did.
    fn handler_starts(&mut self, i: usize) -> bool {
        let run = &self.runs[i];
        let (c, entered) = (run.campaign, run.entered);
        let campaign = self.campaign(c);
        let model = self.model(c);
        let mut started = None;
        for (h, handler) in campaign.flow.handlers.iter().enumerate() {
            let holds = self.world.holds(&handler.condition, model, entered);
            let run = &mut self.runs[i];
            let was = run.handler_held.get(h).copied().unwrap_or(true);
            let ran = run.handler_ran.get(h).copied().unwrap_or(true);
            if let Some(slot) = run.handler_held.get_mut(h) {
                *slot = holds;
            }
            if holds && !was && !ran && started.is_none() {
                started = Some(h);
            }
        }
        let Some(h) = started else { return false };
        let Some(handler) = campaign.flow.handlers.get(h) else {
            return false;
        };
        self.push(
            c,
            StepKind::Handler {
                handler: h + 1,
                condition: crate::check::flow::text::condition(&handler.condition),
            },
            handler.head,
        );
        let run = &mut self.runs[i];
        if let Some(slot) = run.handler_ran.get_mut(h) {
            *slot = true;
        }
        run.waiting = None;
        run.at = handler.entry;
        true
    }

    fn advance(&mut self, i: usize) {
        if self.runs[i].done || self.leaves(i) {
            return;
        }
        if self.handler_starts(i) {
            self.execute(i);
            return;
        }
        let run = &self.runs[i];
        if let Some((node, until)) = run.waiting {
            let campaign = self.campaign(run.campaign);
            let Some(n) = campaign.flow.node(node) else {
                return;
            };
            let condition = match &n.kind {
                NodeKind::Wait { until, .. } => until.as_ref(),
                _ => None,
            };
            let model = self.model(run.campaign);
            let met = condition.is_some_and(|c| self.world.holds(c, model, run.entered));
            if !met && self.world.now < until {
                return;
            }
            self.runs[i].waiting = None;
            self.runs[i].at = match n.kind {
                // A send held by the window: it goes out now.
                NodeKind::Send { .. } => Target::Node(node),
                _ => next(&n.kind, EdgeKind::Next).to,
            };
        }
        self.execute(i);
    }

    /// Runs statements until the run waits or ends.
    fn execute(&mut self, i: usize) {
        let mut first = true;
        loop {
            if !first && self.leaves(i) {
                return;
            }
            if !first {
                self.handler_starts(i);
            }
            first = false;
            self.steps += 1;
            if self.steps > self.options.step_budget {
                self.end_all(EndReason::StepBudget);
                self.stopped = true;
                return;
            }
            let c = self.runs[i].campaign;
            let campaign = self.campaign(c);
            let Target::Node(at) = self.runs[i].at else {
                let span = self.runs[i]
                    .last
                    .and_then(|n| campaign.flow.node(n))
                    .map_or(campaign.name_span, |n| n.head);
                self.push(c, StepKind::FellOff, span);
                self.runs[i].done = true;
                return;
            };
            let Some(node) = campaign.flow.node(at) else {
                self.runs[i].at = Target::FallOff;
                continue;
            };
            self.runs[i].last = Some(at);
            let went = self.statement(i, at, node);
            if self.options.record_path {
                self.path.push(Visit {
                    seconds: self.world.now,
                    run: i,
                    campaign: c,
                    node: at,
                    edge: went.map(|e| e.kind),
                });
            }
            match went {
                Some(edge) => self.runs[i].at = edge.to,
                None => return,
            }
        }
    }

    /// Executes one statement: the edge the run goes on by, or `None` when
    /// it waits or has ended.
    fn statement(&mut self, i: usize, at: NodeId, node: &'p ir::Node) -> Option<Edge> {
        let c = self.runs[i].campaign;
        let now = self.world.now;
        match &node.kind {
            NodeKind::Send { email, .. } => {
                if let Some(until) = self.window_opening(c) {
                    let email = email.name.clone();
                    self.push(c, StepKind::Held { email, until }, node.head);
                    self.runs[i].waiting = Some((at, until));
                    return None;
                }
                self.runs[i].sends += 1;
                self.push(
                    c,
                    StepKind::Send {
                        email: email.name.clone(),
                    },
                    node.head,
                );
                self.react(&email.name, self.runs[i].sends);
                Some(next(&node.kind, EdgeKind::Next))
            }
            NodeKind::Wait {
                duration, until, ..
            } => {
                let model = self.model(c);
                let entered = self.runs[i].entered;
                let met = until
                    .as_ref()
                    .is_some_and(|u| self.world.holds(u, model, entered));
                if met || duration.seconds == 0 {
                    return Some(next(&node.kind, EdgeKind::Next));
                }
                self.runs[i].waiting = Some((at, now.saturating_add(seconds(duration))));
                None
            }
            NodeKind::Branch { arms, .. } => Some(self.branch(i, &node.kind, arms)),
            NodeKind::Split { arms } => Some(self.split(i, at, node, arms)),
            NodeKind::Set {
                property, value, ..
            } => {
                self.world
                    .properties
                    .insert(property.clone(), value.clone());
                self.push(
                    c,
                    StepKind::Set {
                        property: property.clone(),
                        value: value.clone(),
                    },
                    node.head,
                );
                Some(next(&node.kind, EdgeKind::Next))
            }
            NodeKind::Notify { recipient, .. } => {
                let recipient = match recipient {
                    Recipient::Name(n) | Recipient::Address(n) => n.clone(),
                };
                self.push(c, StepKind::Notify { recipient }, node.head);
                Some(next(&node.kind, EdgeKind::Next))
            }
            NodeKind::Handoff { queue, .. } => {
                let queue = queue.clone();
                self.push(c, StepKind::Handoff { queue }, node.head);
                self.runs[i].done = true;
                None
            }
            NodeKind::Enroll { campaign } => {
                self.push(
                    c,
                    StepKind::Enroll {
                        target: campaign.name.clone(),
                    },
                    node.head,
                );
                self.runs[i].done = true;
                if let Some(t) = campaign.id {
                    self.admit(t.index(), Via::Enroll, &[]);
                }
                None
            }
            NodeKind::Goto { .. } => {
                let edge = next(&node.kind, EdgeKind::Goto);
                // A `goto` out of a handler brings the lead back: the
                // handler may run again.
                let flow = &self.campaign(c).flow;
                if let Some(h) = flow.handler_of(at) {
                    let back = match edge.to {
                        Target::Node(t) => flow.handler_of(t) != Some(h),
                        Target::FallOff => false,
                    };
                    if back {
                        if let Some(slot) = self.runs[i].handler_ran.get_mut(h) {
                            *slot = false;
                        }
                    }
                }
                Some(edge)
            }
            NodeKind::Exit { reason } => {
                let reason = reason.clone();
                self.push(c, StepKind::Exit { reason }, node.head);
                self.runs[i].done = true;
                None
            }
        }
    }

    /// When campaign `c`'s send window is closed now: its next opening.
    /// The virtual clock reads contact-local time, starting at the lead
    /// file's `entry_time` (Monday 00:00 unless given).
    fn window_opening(&self, c: usize) -> Option<i64> {
        let window = self.campaign(c).send_window.as_ref()?;
        let now = self.world.now;
        let local = u64::try_from(now)
            .ok()?
            .saturating_add(self.lead.entry_time);
        let delay = window.delay_from(local);
        (delay > 0).then(|| now.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)))
    }

    /// The edge of the first arm that holds, else the `else` or no-match edge.
    fn branch(&self, i: usize, kind: &NodeKind, arms: &[ir::BranchArm]) -> Edge {
        let run = &self.runs[i];
        let model = self.model(run.campaign);
        let taken = kind.edges().into_iter().find(|e| match e.kind {
            EdgeKind::Arm(a) => arms
                .get(a)
                .is_some_and(|arm| self.world.holds(&arm.condition, model, run.entered)),
            _ => true,
        });
        taken.unwrap_or(Edge {
            kind: EdgeKind::NoMatch,
            to: Target::FallOff,
        })
    }

    /// Draws a split's arm (see [`prng`]) and records it.
    fn split(&mut self, i: usize, at: NodeId, node: &ir::Node, arms: &[ir::SplitArm]) -> Edge {
        let c = self.runs[i].campaign;
        let place = format!("{}/{}", self.campaign(c).name, node.id);
        let run = &mut self.runs[i];
        let visit = run.visits.entry(at).or_insert(0);
        *visit += 1;
        let draw = prng::percent_draw(self.options.seed, &place, run.number, *visit);
        let mut below = 0;
        let edges = node.kind.edges();
        let chosen = edges
            .iter()
            .find(|e| match e.kind {
                EdgeKind::Split(a) => {
                    below += arms.get(a).map_or(0, |arm| arm.percent);
                    draw < below
                }
                _ => false,
            })
            // Shares short of 100% (a `split-total` error): the last arm.
            .or(edges.last())
            .copied()
            .unwrap_or(Edge {
                kind: EdgeKind::Split(0),
                to: Target::FallOff,
            });
        let arm = match chosen.kind {
            EdgeKind::Split(a) => a,
            _ => 0,
        };
        let percent = arms.get(arm).map_or(0, |a| a.percent);
        let kind = StepKind::Split {
            arm: arm + 1,
            percent,
        };
        self.push(c, kind, node.head);
        chosen
    }

    /// The lead's reactions to the `nth` send of a run, an email `email`.
    fn react(&mut self, email: &str, nth: u32) {
        let now = self.world.now;
        for r in &self.lead.reactions {
            let answers = match &r.to {
                ReactionTo::Email(e) => e == email,
                ReactionTo::Nth(n) => *n == nth,
            };
            if !answers {
                continue;
            }
            let at = now.saturating_add(i64::try_from(r.after).unwrap_or(i64::MAX));
            match &r.outcome {
                Outcome::Event { kind, argument } => {
                    let argument = argument.clone().or_else(|| {
                        (kind.argument_kind() == ArgumentKind::OptionalEmail)
                            .then(|| email.to_string())
                    });
                    self.world.add_event(Occurred {
                        at,
                        kind: *kind,
                        argument,
                    });
                }
                Outcome::Properties(p) => self.world.add_change(Pending {
                    at,
                    properties: p.clone(),
                    lists: BTreeMap::new(),
                    scores: BTreeMap::new(),
                }),
            }
        }
    }

    fn end_all(&mut self, why: EndReason) {
        for i in 0..self.runs.len() {
            let run = &self.runs[i];
            if run.done {
                continue;
            }
            let campaign = self.campaign(run.campaign);
            let span = run
                .waiting
                .and_then(|(node, _)| campaign.flow.node(node))
                .map_or(campaign.name_span, |n| n.head);
            self.push(run.campaign, StepKind::End { why }, span);
            self.runs[i].done = true;
        }
    }
}

/// The edge of this kind out of a statement (the one description of edges,
/// in [`ir`]); past the end if it has none.
fn next(kind: &NodeKind, edge: EdgeKind) -> Edge {
    kind.edges()
        .into_iter()
        .find(|e| e.kind == edge)
        .unwrap_or(Edge {
            kind: edge,
            to: Target::FallOff,
        })
}

/// The segments `segment.entered` names anywhere in the project.
fn entered_segments<'p>(project: &'p ir::Project) -> BTreeSet<&'p str> {
    let mut out = BTreeSet::new();
    let mut note = |e: &'p ir::Event| {
        if let Some(EventArgument::Segment(segment)) = &e.argument {
            out.insert(segment.name.as_str());
        }
    };
    let mut conditions: Vec<&'p ir::Condition> =
        project.segments.iter().map(|s| &s.condition).collect();
    for campaign in &project.campaigns {
        for t in &campaign.triggers {
            if let EventSource::Event(e) = &t.source {
                note(e);
            }
        }
        conditions.extend(campaign.conditions());
    }
    for c in conditions {
        c.walk(&mut |c| {
            if let ir::ConditionKind::Event { event, .. } = &c.kind {
                note(event);
            }
        });
    }
    out
}
