//! The resolved model of a project: names checked, events classified, the
//! flow of each campaign lowered to a graph of nodes with stable ids.
//! Everything keeps the span it came from.

use crate::span::Span;
pub use crate::syntax::ast::{CompareOp, FunnelStage};
use foldhash::{HashSet, HashSetExt};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Project {
    pub segments: Vec<Segment>,
    pub emails: Vec<Email>,
    pub scoring_models: Vec<ScoringModel>,
    pub campaigns: Vec<Campaign>,
    /// The `properties` block, if the project declares its properties.
    pub properties: Option<Properties>,
}

impl Project {
    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    pub fn email(&self, name: &str) -> Option<&Email> {
        self.emails.iter().find(|e| e.name == name)
    }

    pub fn scoring_model(&self, name: &str) -> Option<&ScoringModel> {
        self.scoring_models.iter().find(|m| m.name == name)
    }

    /// The scoring models with their ids, in order.
    pub fn models_with_ids(&self) -> impl Iterator<Item = (ModelId, &ScoringModel)> {
        self.scoring_models
            .iter()
            .enumerate()
            .map(|(i, m)| (ModelId(i), m))
    }

    /// A reference to a scoring model of this project.
    pub fn model_ref(&self, id: ModelId) -> Option<Ref<ModelId>> {
        let model = self.item(id)?;
        Some(Ref::new(model.name.clone(), Some(id)))
    }

    /// The item an id stands for. `None` only for an id of another
    /// project: the resolver makes ids for the items it puts in this one.
    pub fn item<I: ItemId>(&self, id: I) -> Option<&I::Item> {
        id.item_in(self)
    }

    /// The item a reference resolved to; `None` when it did not resolve
    /// (undefined, of another kind, or an item left out of the IR for its
    /// own error).
    pub fn referent<I: ItemId>(&self, reference: &Ref<I>) -> Option<&I::Item> {
        reference.id.and_then(|id| id.item_in(self))
    }

    /// The declared type of a contact property (`None`: undeclared, or the
    /// project declares nothing).
    pub fn property_type(&self, name: &str) -> Option<&PropertyType> {
        self.properties
            .as_ref()?
            .declarations
            .iter()
            .find(|d| d.name == name)
            .map(|d| &d.ty)
    }
}

/// An id of one of the project's items: its position in the list of items
/// of its kind ([`Project::emails`], …), in definition order. Only the
/// resolver makes ids, each for an item it put in the project.
pub trait ItemId: Copy {
    type Item;
    fn item_in(self, project: &Project) -> Option<&Self::Item>;
}

macro_rules! item_id {
    ($(#[$doc:meta])* $id:ident, $item:ty, $list:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $id(usize);

        impl $id {
            pub(crate) fn new(index: usize) -> Self {
                $id(index)
            }

            /// The position in the project's list of items of this kind.
            pub fn index(self) -> usize {
                self.0
            }
        }

        impl ItemId for $id {
            type Item = $item;
            fn item_in(self, project: &Project) -> Option<&$item> {
                project.$list.get(self.0)
            }
        }
    };
}

item_id!(
    /// Index into [`Project::emails`].
    EmailId,
    Email,
    emails
);
item_id!(
    /// Index into [`Project::segments`].
    SegmentId,
    Segment,
    segments
);
item_id!(
    /// Index into [`Project::scoring_models`].
    ModelId,
    ScoringModel,
    scoring_models
);
item_id!(
    /// Index into [`Project::campaigns`].
    CampaignId,
    Campaign,
    campaigns
);

/// A reference to an item by name, as written, and the item it resolved to.
/// The name stays for output and for comparing projects; `id` is `None`
/// when the name did not resolve to an item of the IR: undefined or of
/// another kind (an error already reported), or an item that failed to
/// parse or was left out for its own error (no further diagnostic should
/// follow from it).
#[derive(Debug, Clone)]
pub struct Ref<I> {
    pub name: String,
    pub id: Option<I>,
}

impl<I> Ref<I> {
    pub(crate) fn new(name: String, id: Option<I>) -> Self {
        Ref { name, id }
    }
}

/// Two references are equal when they name the same item: within a project
/// the id follows from the name, and across projects (the diff, the
/// language server's comparison with the last run) the name is what
/// identifies an item while positions may differ.
impl<I> PartialEq for Ref<I> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<I> Eq for Ref<I> {}

impl<I> std::hash::Hash for Ref<I> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// As the name written: what the JSON backends print.
impl<I> serde::Serialize for Ref<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl<I> std::fmt::Display for Ref<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// The declared contact properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Properties {
    pub declarations: Vec<PropertyDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDecl {
    pub name: String,
    pub name_span: Span,
    pub ty: PropertyType,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyType {
    Text,
    /// `text in [...]`: one of these values.
    Enum(Vec<String>),
    Number,
    Bool,
    /// `list of text`.
    TextList,
}

impl PropertyType {
    /// As written in the `properties` block.
    pub fn describe(&self) -> String {
        match self {
            PropertyType::Text => "text".to_string(),
            PropertyType::Enum(values) => format!(
                "text in [{}]",
                values
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PropertyType::Number => "number".to_string(),
            PropertyType::Bool => "bool".to_string(),
            PropertyType::TextList => "list of text".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: String,
    pub name_span: Span,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub name: String,
    pub name_span: Span,
    pub subject: String,
    pub template: String,
    pub stage: Option<FunnelStage>,
    pub preview: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoringModel {
    pub name: String,
    pub name_span: Span,
    pub components: Vec<ScoreComponent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreComponent {
    pub name: String,
    pub name_span: Span,
    pub rules: Vec<ScoreRule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    pub points: i64,
    pub kind: ScoreRuleKind,
    /// `max N` (on `on` rules): the rule adds (or removes) at most N points in all.
    pub max: Option<u64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreRuleKind {
    /// Points while the condition holds.
    If(Condition),
    /// Points each time one of the events happens (one, or several joined by `or`).
    On(Vec<EventSource>),
}

/// What a trigger or an `on` rule listens to.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSource {
    Inactive(Duration),
    Event(Event),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub seconds: u64,
}

impl Duration {
    /// An exact form in the units people write: days when whole days
    /// (`7d`, `90d`), else hours, else minutes.
    pub fn to_text(self) -> String {
        let s = self.seconds;
        if s % 86_400 == 0 {
            format!("{}d", s / 86_400)
        } else if s % 3_600 == 0 {
            format!("{}h", s / 3_600)
        } else {
            format!("{}m", s / 60)
        }
    }
}

/// An event of the catalogue, with its argument if given.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub argument: Option<EventArgument>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventArgument {
    /// An id, a page path or a custom event name.
    Text(String),
    /// A defined email.
    Email(Ref<EmailId>),
    /// A defined segment.
    Segment(Ref<SegmentId>),
}

/// The fixed event catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    FormSubmitted,
    ContentDownloaded,
    WebinarRegistered,
    WebinarAttended,
    ListJoined,
    LifecycleChanged,
    PageVisited,
    EmailOpened,
    EmailClicked,
    EmailReplied,
    EmailBounced,
    EmailUnsubscribed,
    DemoRequested,
    MeetingBooked,
    TrialStarted,
    SegmentEntered,
    Custom,
}

/// What argument an event takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentKind {
    OptionalId,
    OptionalPath,
    OptionalEmail,
    NoArgument,
    RequiredSegment,
    RequiredCustomName,
}

impl EventKind {
    pub const ALL: &'static [EventKind] = &[
        EventKind::FormSubmitted,
        EventKind::ContentDownloaded,
        EventKind::WebinarRegistered,
        EventKind::WebinarAttended,
        EventKind::ListJoined,
        EventKind::LifecycleChanged,
        EventKind::PageVisited,
        EventKind::EmailOpened,
        EventKind::EmailClicked,
        EventKind::EmailReplied,
        EventKind::EmailBounced,
        EventKind::EmailUnsubscribed,
        EventKind::DemoRequested,
        EventKind::MeetingBooked,
        EventKind::TrialStarted,
        EventKind::SegmentEntered,
        EventKind::Custom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::FormSubmitted => "form.submitted",
            EventKind::ContentDownloaded => "content.downloaded",
            EventKind::WebinarRegistered => "webinar.registered",
            EventKind::WebinarAttended => "webinar.attended",
            EventKind::ListJoined => "list.joined",
            EventKind::LifecycleChanged => "lifecycle.changed",
            EventKind::PageVisited => "page.visited",
            EventKind::EmailOpened => "email.opened",
            EventKind::EmailClicked => "email.clicked",
            EventKind::EmailReplied => "email.replied",
            EventKind::EmailBounced => "email.bounced",
            EventKind::EmailUnsubscribed => "email.unsubscribed",
            EventKind::DemoRequested => "demo.requested",
            EventKind::MeetingBooked => "meeting.booked",
            EventKind::TrialStarted => "trial.started",
            EventKind::SegmentEntered => "segment.entered",
            EventKind::Custom => "event",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Engagement events: what `inactive <duration>` is the absence of.
    pub fn is_engagement(self) -> bool {
        matches!(
            self,
            EventKind::EmailOpened | EventKind::EmailClicked | EventKind::PageVisited
        )
    }

    pub fn argument_kind(self) -> ArgumentKind {
        match self {
            EventKind::FormSubmitted
            | EventKind::ContentDownloaded
            | EventKind::WebinarRegistered
            | EventKind::WebinarAttended
            | EventKind::ListJoined
            | EventKind::LifecycleChanged => ArgumentKind::OptionalId,
            EventKind::PageVisited => ArgumentKind::OptionalPath,
            EventKind::EmailOpened | EventKind::EmailClicked => ArgumentKind::OptionalEmail,
            EventKind::EmailReplied
            | EventKind::EmailBounced
            | EventKind::EmailUnsubscribed
            | EventKind::DemoRequested
            | EventKind::MeetingBooked
            | EventKind::TrialStarted => ArgumentKind::NoArgument,
            EventKind::SegmentEntered => ArgumentKind::RequiredSegment,
            EventKind::Custom => ArgumentKind::RequiredCustomName,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConditionKind {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>),
    InSegment(Ref<SegmentId>),
    /// No engagement event for the duration.
    Inactive(Duration),
    /// A bare identifier: a boolean contact property.
    Property(String),
    Compare {
        left: Quantity,
        op: CompareOp,
        right: Value,
    },
    Member {
        left: Quantity,
        negated: bool,
        values: Vec<Value>,
    },
    /// `tech_stack contains "salesforce"`: the list-valued property holds the value.
    Contains {
        property: String,
        value: Value,
    },
    /// The event happened since entry, or within the duration.
    Event {
        event: Event,
        within: Option<Duration>,
    },
}

/// What a comparison reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Quantity {
    Property(String),
    /// The campaign's score total (`None`) or one component.
    Score(Option<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Number(f64),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub name: String,
    pub name_span: Span,
    pub title: Option<String>,
    pub triggers: Vec<Trigger>,
    pub audience: Option<Condition>,
    /// The scoring model in effect: the one named, else the project's only one.
    pub scoring: Option<Ref<ModelId>>,
    pub goals: Vec<Goal>,
    pub suppress: Option<Condition>,
    pub cap: Option<Cap>,
    pub reentry: Reentry,
    /// `send during …`: when sends may go out.
    pub send_window: Option<SendWindow>,
    pub flow: Flow,
}

/// `on <condition> { … }`. Its statements are nodes of the campaign's
/// [`Flow`], after the flow's own, so `goto` and every analysis see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Handler {
    pub condition: Condition,
    /// `on <condition>`, without the block.
    pub head: Span,
    /// The block's first statement, or [`Target::FallOff`] for an empty block.
    pub entry: Target,
    /// Index into [`Flow::blocks`] of the block.
    pub block: usize,
    /// The handler's statements, nested ones included, which are
    /// consecutive in [`Flow::nodes`].
    pub nodes: std::ops::Range<NodeId>,
}

impl Handler {
    /// The handler's statements, nested ones included, in order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (self.nodes.start.0..self.nodes.end.0).map(NodeId)
    }
}

/// A day of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// `mon` … `sun`, as written in a send window.
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    pub fn from_name(name: &str) -> Option<Weekday> {
        Weekday::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// `send during mon-fri 09:00-17:00`: sends go out on these days between
/// `open` (included) and `close` (excluded), in the contact's time zone.
/// The same hours hold on every day of the window; `open < close`.
#[derive(Debug, Clone, PartialEq)]
pub struct SendWindow {
    /// In week order, each once.
    pub days: Vec<Weekday>,
    /// Minutes after midnight.
    pub open: u32,
    /// Minutes after midnight, at most `24 * 60`.
    pub close: u32,
    pub span: Span,
}

impl SendWindow {
    pub const WEEK: u64 = 7 * 86_400;

    /// Seconds from `at` to the window's next opening, 0 if it is open at
    /// `at`. `at` counts seconds from a Monday midnight (local time).
    pub fn delay_from(&self, at: u64) -> u64 {
        let open = u64::from(self.open) * 60;
        let close = u64::from(self.close) * 60;
        let in_week = at % Self::WEEK;
        let mut best: Option<u64> = None;
        // This week's openings and next week's: one of them is the next.
        for week in [0, Self::WEEK] {
            for day in &self.days {
                let day_start = week + day.index() as u64 * 86_400;
                let (from, to) = (day_start + open, day_start + close);
                let delay = if in_week >= from && in_week < to {
                    0
                } else if from >= in_week {
                    from - in_week
                } else {
                    continue;
                };
                best = Some(best.map_or(delay, |b| b.min(delay)));
            }
        }
        // A window with no day is rejected by the resolver; never delay then.
        best.unwrap_or(0)
    }

    /// `HH:MM`.
    pub fn clock_text(minutes: u32) -> String {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub source: EventSource,
    pub filter: Option<Condition>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub name: String,
    pub name_span: Span,
    pub condition: Condition,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cap {
    pub sends: u64,
    pub per: Duration,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reentry {
    #[default]
    Never,
    Always,
    After(Duration),
}

/// A node of a campaign's flow: its position in [`Flow::nodes`]. Only the
/// resolver makes ids, each for a node it put in the flow.
//
// A `usize`, not a `u32`: the library takes syntax trees and text of any
// size (only the binary's file reader caps a file, at 64 MiB; the language
// server and library callers do not), so no bound below `usize` holds for
// the number of statements in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(usize);

impl NodeId {
    pub(crate) fn new(index: usize) -> Self {
        NodeId(index)
    }

    /// The position in [`Flow::nodes`], and in any table kept per node.
    pub fn index(self) -> usize {
        self.0
    }
}

/// `flow.nodes[id]`; like indexing by position, it panics for an id of
/// another flow.
impl std::ops::Index<NodeId> for Vec<Node> {
    type Output = Node;
    fn index(&self, id: NodeId) -> &Node {
        &self[id.0]
    }
}

/// Where control goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Node(NodeId),
    /// Past the last statement of the flow: no exit was reached.
    FallOff,
}

/// A campaign's flow as a graph. Nodes are in source order (a statement
/// before the statements nested in it), the flow's first, then each
/// handler's; `blocks` keeps the nesting so that
/// analyses can speak of "the statements after this one in its block".
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub nodes: Vec<Node>,
    pub entry: Target,
    /// Every block's statements in order; `blocks[0]` is the top level.
    pub blocks: Vec<Vec<NodeId>>,
    /// The campaign's handlers in source order; their statements follow
    /// the flow's in `nodes`.
    pub handlers: Vec<Handler>,
}

impl Flow {
    /// The node an id stands for; `None` only for an id of another flow.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// The nodes with their ids, in order.
    pub fn nodes_with_ids(&self) -> impl DoubleEndedIterator<Item = (NodeId, &Node)> {
        self.nodes.iter().enumerate().map(|(i, n)| (NodeId(i), n))
    }

    /// The handler whose block holds node `id`, directly or nested.
    pub fn handler_of(&self, id: NodeId) -> Option<usize> {
        self.handlers.iter().position(|h| h.nodes.contains(&id))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Stable id: the label if the statement has one, else its position
    /// (`3`, `3.when1.2`, `3.else.1`, `4.split2.1`).
    pub id: String,
    pub label: Option<String>,
    pub kind: NodeKind,
    /// The keyword and operands, without nested blocks.
    pub head: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Send {
        email: Ref<EmailId>,
        next: Target,
    },
    Wait {
        duration: Duration,
        until: Option<Condition>,
        next: Target,
    },
    Branch {
        arms: Vec<BranchArm>,
        otherwise: Otherwise,
    },
    Split {
        arms: Vec<SplitArm>,
    },
    Set {
        property: String,
        value: Value,
        next: Target,
    },
    Notify {
        recipient: Recipient,
        message: String,
        next: Target,
    },
    Handoff {
        queue: String,
        notes: Vec<String>,
        tasks: Vec<Task>,
    },
    Enroll {
        campaign: Ref<CampaignId>,
    },
    /// `target` is `None` only when the label is undefined (an error).
    Goto {
        label: String,
        target: Option<NodeId>,
    },
    Exit {
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct BranchArm {
    pub condition: Condition,
    /// The `when` keyword.
    pub when_span: Span,
    /// The arm's first statement, or where an empty arm continues.
    pub target: Target,
    /// Index into [`Flow::blocks`] of the arm's body.
    pub block: usize,
}

/// Where a lead goes when no `when` arm matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Otherwise {
    pub target: Target,
    /// The `else` arm, if written: its keyword span and block.
    pub else_arm: Option<(Span, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SplitArm {
    pub percent: u64,
    pub target: Target,
    pub block: usize,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Recipient {
    Name(String),
    Address(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub title: String,
    pub due: Option<Duration>,
}

/// Why control can go from a statement to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// To the next statement.
    Next,
    /// Into the `when` arm with this index (or past the branch if it is empty).
    Arm(usize),
    /// A lead that matches no arm of a branch without `else`.
    NoMatch,
    /// Into the `else` arm.
    Else,
    /// Into the split arm with this index.
    Split(usize),
    /// A resolved `goto`.
    Goto,
}

/// One outgoing edge of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Edge {
    pub kind: EdgeKind,
    pub to: Target,
}

impl NodeKind {
    /// Every edge out of this node, in a fixed order: the sequence; a
    /// branch's arms, then its `else` or no-match edge; a split's arms; a
    /// resolved `goto`. `exit`, `handoff` and `enroll` have none. This is
    /// the one description of a flow's edges that the flow graph, the IR
    /// JSON, loop unrolling and the simulator share.
    pub fn edges(&self) -> Vec<Edge> {
        let edge = |kind, to| Edge { kind, to };
        match self {
            NodeKind::Send { next, .. }
            | NodeKind::Wait { next, .. }
            | NodeKind::Set { next, .. }
            | NodeKind::Notify { next, .. } => vec![edge(EdgeKind::Next, *next)],
            NodeKind::Branch { arms, otherwise } => {
                let last = match otherwise.else_arm {
                    Some(_) => EdgeKind::Else,
                    None => EdgeKind::NoMatch,
                };
                arms.iter()
                    .enumerate()
                    .map(|(a, arm)| edge(EdgeKind::Arm(a), arm.target))
                    .chain(std::iter::once(edge(last, otherwise.target)))
                    .collect()
            }
            NodeKind::Split { arms } => arms
                .iter()
                .enumerate()
                .map(|(a, arm)| edge(EdgeKind::Split(a), arm.target))
                .collect(),
            NodeKind::Goto { target, .. } => target
                .iter()
                .map(|t| edge(EdgeKind::Goto, Target::Node(*t)))
                .collect(),
            NodeKind::Handoff { .. } | NodeKind::Enroll { .. } | NodeKind::Exit { .. } => {
                Vec::new()
            }
        }
    }

    /// Every target control can go to from this node, in [`Self::edges`] order.
    pub fn successors(&self) -> Vec<Target> {
        self.edges().into_iter().map(|e| e.to).collect()
    }

    /// `exit`, `handoff` and `enroll` end a lead's path through the campaign.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            NodeKind::Handoff { .. } | NodeKind::Enroll { .. } | NodeKind::Exit { .. }
        )
    }

    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Send { .. } => "send",
            NodeKind::Wait { .. } => "wait",
            NodeKind::Branch { .. } => "branch",
            NodeKind::Split { .. } => "split",
            NodeKind::Set { .. } => "set",
            NodeKind::Notify { .. } => "notify",
            NodeKind::Handoff { .. } => "handoff",
            NodeKind::Enroll { .. } => "enroll",
            NodeKind::Goto { .. } => "goto",
            NodeKind::Exit { .. } => "exit",
        }
    }
}

impl Condition {
    /// Visits this condition and every condition inside it, parents first.
    pub fn walk<'c>(&'c self, visit: &mut impl FnMut(&'c Condition)) {
        visit(self);
        match &self.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                for item in items {
                    item.walk(visit);
                }
            }
            ConditionKind::Not(inner) => inner.walk(visit),
            _ => {}
        }
    }

    /// The segments this condition names directly (`in x`, `segment.entered(x)`).
    pub fn segment_refs(&self) -> Vec<(&Ref<SegmentId>, Span)> {
        let mut refs = Vec::new();
        self.walk(&mut |c| match &c.kind {
            ConditionKind::InSegment(segment) => refs.push((segment, c.span)),
            ConditionKind::Event { event, .. } => {
                if let Some(EventArgument::Segment(segment)) = &event.argument {
                    refs.push((segment, c.span));
                }
            }
            _ => {}
        });
        refs
    }
}

impl Campaign {
    /// Every condition of the campaign: trigger filters, audience, goals,
    /// suppression, handlers, then the flow's in node order.
    pub fn conditions(&self) -> Vec<&Condition> {
        let mut out: Vec<&Condition> = Vec::new();
        out.extend(self.triggers.iter().filter_map(|t| t.filter.as_ref()));
        out.extend(self.audience.iter());
        out.extend(self.goals.iter().map(|g| &g.condition));
        out.extend(self.suppress.iter());
        out.extend(self.flow.handlers.iter().map(|h| &h.condition));
        for node in &self.flow.nodes {
            match &node.kind {
                NodeKind::Wait { until: Some(c), .. } => out.push(c),
                NodeKind::Branch { arms, .. } => out.extend(arms.iter().map(|a| &a.condition)),
                _ => {}
            }
        }
        out
    }

    /// The segments the campaign names directly, conditions and triggers.
    pub fn segment_refs(&self) -> Vec<&Ref<SegmentId>> {
        let mut refs: Vec<&Ref<SegmentId>> = self
            .conditions()
            .into_iter()
            .flat_map(|c| c.segment_refs())
            .map(|(segment, _)| segment)
            .collect();
        for t in &self.triggers {
            if let EventSource::Event(Event {
                argument: Some(EventArgument::Segment(segment)),
                ..
            }) = &t.source
            {
                refs.push(segment);
            }
        }
        refs
    }
}

impl Project {
    /// The segments reachable from `roots` through `in` and
    /// `segment.entered`, each once, in discovery order.
    pub fn segment_closure<'p>(
        &'p self,
        roots: impl IntoIterator<Item = &'p Ref<SegmentId>>,
    ) -> Vec<&'p Segment> {
        let mut seen = HashSet::new();
        let mut stack: Vec<SegmentId> = roots.into_iter().filter_map(|r| r.id).collect();
        stack.reverse();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(segment) = self.item(id) {
                out.push(segment);
                let mut next: Vec<SegmentId> = segment
                    .condition
                    .segment_refs()
                    .into_iter()
                    .filter_map(|(r, _)| r.id)
                    .collect();
                next.reverse();
                stack.extend(next);
            }
        }
        out
    }
}
