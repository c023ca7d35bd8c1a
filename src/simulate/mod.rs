//! The reference interpreter: what happens to one lead in a campaign, on a
//! virtual clock in seconds from the lead's entry. It is the executable
//! meaning of the language, which the checks and the backends are judged
//! against; it does no I/O and is deterministic (a `split` draws from a
//! seeded generator, [`prng`]).
//!
//! The lead ([`Lead`]) enters the campaign at second 0 by one of its
//! triggers. From then on the simulator visits every instant at which
//! something can change (an event, a property change, the end of a wait, a
//! `within` window or an inactivity period running out) and, at each, for
//! every run in the order the runs started: `suppress`, then the goals in
//! source order, end the run if they hold; a waiting run goes on when its
//! wait is over or its `until` holds; a running one executes statements until
//! it waits or ends. Then the campaign's triggers are matched against the
//! events of that instant (re-entry). It always stops: at the horizon
//! ([`Options::horizon`]), or after [`Options::step_budget`] statements, with
//! an `end` step for each run still going.
//!
//! Only the simulated campaign's triggers are watched (and those of
//! [`Options::also_watch`], when it names another); other campaigns are
//! entered through `enroll`, under their own `audience` and `reentry`.

mod declared;
pub(crate) mod engine;
pub mod lead;
pub mod prng;
mod render;
pub mod witness;
mod world;

pub use engine::simulate;
pub use lead::{CampaignTest, Lead, LeadError};
pub use render::{human, json, TRACE_FORMAT_VERSION};

use crate::ir::Value;
use crate::span::Span;

/// The default horizon: two years.
pub const DEFAULT_HORIZON: u64 = 730 * 86_400;

/// The default step budget: statements executed in all runs.
pub const DEFAULT_STEP_BUDGET: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seeds every `split`.
    pub seed: u64,
    /// Seconds after the first entry at which the simulation stops.
    pub horizon: u64,
    /// The most statements executed before the simulation stops.
    pub step_budget: u64,
    /// Record every statement executed in [`Trace::path`] (for tests that
    /// hold the analyses to what the simulator does).
    pub record_path: bool,
    /// Another campaign (an index into [`crate::ir::Project::campaigns`])
    /// whose triggers are watched too: at second 0 against the events of
    /// that instant, the lead file's trigger event among them, and from then
    /// on like the simulated campaign's. For the witnesses of two campaigns
    /// that one event starts together; `None` watches only the simulated one.
    pub also_watch: Option<usize>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            horizon: DEFAULT_HORIZON,
            step_budget: DEFAULT_STEP_BUDGET,
            record_path: false,
            also_watch: None,
        }
    }
}

/// What happened, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub lead: Option<String>,
    pub steps: Vec<Step>,
    /// Every statement executed, when [`Options::record_path`] is set.
    pub path: Vec<Visit>,
}

/// One statement executed by one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub seconds: i64,
    /// The run: its index among the lead's entries in this simulation.
    pub run: usize,
    /// Index into [`crate::ir::Project::campaigns`].
    pub campaign: usize,
    /// The statement, in the campaign's [`crate::ir::Flow`].
    pub node: crate::ir::NodeId,
    /// The edge taken out of the statement; `None` when the run waits or
    /// ends there.
    pub edge: Option<crate::ir::EdgeKind>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds since the first entry.
    pub seconds: i64,
    pub campaign: String,
    pub kind: StepKind,
    /// The source of the step: the statement, goal, trigger or setting.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// The lead entered: by the trigger with this 1-based number, or by an
    /// `enroll` (`None`).
    Enter {
        trigger: Option<usize>,
    },
    Send {
        email: String,
    },
    Set {
        property: String,
        value: Value,
    },
    /// The recipient as written: a name or an address.
    Notify {
        recipient: String,
    },
    Handoff {
        queue: String,
    },
    Enroll {
        target: String,
    },
    Exit {
        reason: Option<String>,
    },
    Goal {
        goal: String,
    },
    Suppressed,
    /// The handler with this 1-based number started: the lead left its
    /// place for the handler's block.
    Handler {
        handler: usize,
        condition: String,
    },
    /// A send held back by the send window until its next opening.
    Held {
        email: String,
        until: i64,
    },
    NotAdmitted {
        why: String,
    },
    /// The split arm taken, 1-based, and its share.
    Split {
        arm: usize,
        percent: u64,
    },
    /// The path went past the end of the flow (only in a project that does
    /// not check: `missing-exit`).
    FellOff,
    /// The simulation stopped with the lead still in the campaign.
    End {
        why: EndReason,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Horizon,
    StepBudget,
}

impl StepKind {
    /// The `kind` of the step in the JSON trace.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Enter { .. } => "enter",
            StepKind::Send { .. } => "send",
            StepKind::Set { .. } => "set",
            StepKind::Notify { .. } => "notify",
            StepKind::Handoff { .. } => "handoff",
            StepKind::Enroll { .. } => "enroll",
            StepKind::Exit { .. } => "exit",
            StepKind::Goal { .. } => "goal",
            StepKind::Suppressed => "suppressed",
            StepKind::Handler { .. } => "handler",
            StepKind::Held { .. } => "held",
            StepKind::NotAdmitted { .. } => "not-admitted",
            StepKind::Split { .. } => "split",
            StepKind::FellOff => "fell-off",
            StepKind::End { .. } => "end",
        }
    }
}

impl EndReason {
    pub fn name(self) -> &'static str {
        match self {
            EndReason::Horizon => "horizon",
            EndReason::StepBudget => "step-budget",
        }
    }
}
