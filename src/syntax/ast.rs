//! The syntax tree: faithful to the text, every node spanned. Names are not
//! resolved here; numbers that do not fit are kept as `None` and reported by
//! the converter.

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    /// The value with escapes decoded (merge tags are left as written).
    pub value: String,
    pub span: Span,
    /// The `{{ … }}` merge tags of the string as written.
    pub tags: Vec<MergeTag>,
}

/// `{{ contact.first_name }}` inside a string.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeTag {
    /// What stands between the braces, trimmed: `contact.first_name`.
    pub path: String,
    /// The tag, braces included.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    /// As written, e.g. `4d`.
    pub text: String,
    /// `None` when too large to represent.
    pub seconds: Option<u64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
    /// The items that failed to parse, in order. Each still defines its
    /// name and uses the names it mentions, so that its syntax error is the
    /// only diagnostic it causes.
    pub broken: Vec<BrokenItem>,
}

/// What is known of an item that failed to parse: read from its tokens, not
/// from the grammar.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenItem {
    /// `None` for text before the first item that is not an item at all.
    pub kind: Option<ItemKind>,
    pub name: Option<Ident>,
    /// Every word of the item that could be a name, after its header.
    pub mentions: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Segment,
    Email,
    Scoring,
    Campaign,
    /// The `properties { … }` block: it has no name.
    Properties,
}

impl ItemKind {
    /// The keyword that starts the item.
    pub fn from_keyword(word: &str) -> Option<ItemKind> {
        Some(match word {
            "segment" => ItemKind::Segment,
            "email" => ItemKind::Email,
            "scoring" => ItemKind::Scoring,
            "campaign" => ItemKind::Campaign,
            "properties" => ItemKind::Properties,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Segment(SegmentDef),
    Email(EmailDef),
    Scoring(ScoringDef),
    Campaign(CampaignDef),
    Properties(PropertiesDef),
}

impl Item {
    pub fn kind(&self) -> ItemKind {
        match self {
            Item::Segment(_) => ItemKind::Segment,
            Item::Email(_) => ItemKind::Email,
            Item::Scoring(_) => ItemKind::Scoring,
            Item::Campaign(_) => ItemKind::Campaign,
            Item::Properties(_) => ItemKind::Properties,
        }
    }

    /// The item's name; the `properties` block has none.
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Item::Segment(s) => Some(&s.name),
            Item::Email(e) => Some(&e.name),
            Item::Scoring(s) => Some(&s.name),
            Item::Campaign(c) => Some(&c.name),
            Item::Properties(_) => None,
        }
    }

    /// `segment`, `email`, ... as the user writes it.
    pub fn kind_word(&self) -> &'static str {
        match self {
            Item::Segment(_) => "segment",
            Item::Email(_) => "email",
            Item::Scoring(_) => "scoring model",
            Item::Campaign(_) => "campaign",
            Item::Properties(_) => "properties block",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDef {
    pub name: Ident,
    pub condition: Condition,
    pub span: Span,
}

/// `properties { industry: text in ["fintech"] … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertiesDef {
    pub declarations: Vec<PropertyDecl>,
    /// The `properties` keyword.
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDecl {
    pub name: Ident,
    pub ty: PropertyType,
    pub ty_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyType {
    Text,
    /// `text in ["a", "b"]`: one of the values (anything else in the list
    /// is reported by the resolver).
    Enum(Vec<Literal>),
    Number,
    Bool,
    /// `list of text`.
    TextList,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailDef {
    pub name: Ident,
    pub fields: Vec<EmailField>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailField {
    pub kind: EmailFieldKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EmailFieldKind {
    Subject(StringLit),
    Template(StringLit),
    Stage(FunnelStage),
    Preview(StringLit),
}

impl EmailFieldKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            EmailFieldKind::Subject(_) => "subject",
            EmailFieldKind::Template(_) => "template",
            EmailFieldKind::Stage(_) => "stage",
            EmailFieldKind::Preview(_) => "preview",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FunnelStage {
    Awareness,
    Consideration,
    Decision,
    Retention,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoringDef {
    pub name: Ident,
    pub components: Vec<ScoreComponent>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreComponent {
    pub name: Ident,
    pub rules: Vec<ScoreRule>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    /// `None` when too large to represent.
    pub points: Option<i64>,
    pub points_span: Span,
    pub kind: ScoreRuleKind,
    /// `max N` after an `on` rule: at most this many points in all (`None`
    /// inside when too large to represent).
    pub max: Option<ScoreMax>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMax {
    pub value: Option<u64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreRuleKind {
    /// `+15 if <condition>`: points while the condition holds (boxed: far
    /// larger than the list of events).
    If(Box<Condition>),
    /// `+35 on <event>` or `+8 on <event> or <event>`: points each time
    /// one of the events happens.
    On(Vec<EventSource>),
}

/// What a trigger or an `on` rule listens to.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSource {
    Inactive(DurationLit),
    Event(EventRef),
}

/// A dotted event name with an optional argument, e.g. `page.visited("/pricing")`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRef {
    pub name: Ident,
    pub argument: Option<Argument>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    String(StringLit),
    Name(Ident),
}

impl Argument {
    pub fn span(&self) -> Span {
        match self {
            Argument::String(s) => s.span,
            Argument::Name(n) => n.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDef {
    pub name: Ident,
    pub settings: Vec<Setting>,
    pub flow: Vec<Statement>,
    /// Settings written after the first statement (still parsed, and kept in
    /// `settings`, but reported).
    pub misplaced_settings: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingKind {
    Title(StringLit),
    Trigger {
        source: EventSource,
        filter: Option<Condition>,
    },
    Audience(Condition),
    Scoring(Ident),
    Goal {
        name: Ident,
        condition: Condition,
    },
    Suppress(Condition),
    Cap {
        sends: Option<u64>,
        sends_span: Span,
        per: DurationLit,
    },
    Reentry(Reentry),
    /// `on <condition> { … }`.
    Handler {
        condition: Condition,
        body: Block,
    },
    /// `send during <days> <open>-<close>`.
    SendWindow(SendWindowDef),
}

/// `send during mon-fri 09:00-17:00`, as written: the resolver checks the
/// day names and the times.
#[derive(Debug, Clone, PartialEq)]
pub struct SendWindowDef {
    pub days: Vec<DaySpan>,
    pub open: ClockLit,
    pub close: ClockLit,
}

/// `mon` or `mon-fri`.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySpan {
    pub first: Ident,
    pub last: Option<Ident>,
    pub span: Span,
}

/// A time of day as written, `09:00`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockLit {
    pub text: String,
    pub span: Span,
}

impl SettingKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            SettingKind::Title(_) => "title",
            SettingKind::Trigger { .. } => "trigger",
            SettingKind::Audience(_) => "audience",
            SettingKind::Scoring(_) => "scoring",
            SettingKind::Goal { .. } => "goal",
            SettingKind::Suppress(_) => "suppress",
            SettingKind::Cap { .. } => "cap",
            SettingKind::Reentry(_) => "reentry",
            SettingKind::Handler { .. } => "on",
            SettingKind::SendWindow(_) => "send during",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reentry {
    Never,
    Always,
    After(DurationLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub label: Option<Ident>,
    pub kind: StatementKind,
    /// The statement's keyword and its operands, without nested blocks
    /// (`send welcome`, `branch`): where diagnostics about it point.
    pub head: Span,
    /// The whole statement, label and nested blocks included.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    Send(Ident),
    Wait {
        duration: DurationLit,
        /// Boxed: a condition is five times the size of any other
        /// statement's operands, and every statement would carry its room.
        until: Option<Box<Condition>>,
    },
    Branch {
        arms: Vec<BranchArm>,
        otherwise: Option<ElseArm>,
    },
    Split {
        arms: Vec<SplitArm>,
    },
    Set {
        property: Ident,
        value: Literal,
    },
    Notify {
        recipient: Recipient,
        message: StringLit,
    },
    Handoff {
        queue: Ident,
        body: Option<HandoffBody>,
    },
    Enroll(Ident),
    Goto(Ident),
    Exit(Option<StringLit>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct BranchArm {
    /// The `when` keyword.
    pub when_span: Span,
    pub condition: Condition,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElseArm {
    pub else_span: Span,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SplitArm {
    /// `None` when too large to represent.
    pub percent: Option<u64>,
    pub percent_span: Span,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Recipient {
    /// A team or role, e.g. `sales_team`.
    Name(Ident),
    /// An email address.
    Address(StringLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandoffBody {
    pub notes: Vec<StringLit>,
    pub tasks: Vec<Task>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub title: StringLit,
    pub due: Option<DurationLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    String(String),
    /// The value, and the text as written (kept for exact integers).
    Number(f64),
    Bool(bool),
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
    InSegment(Ident),
    Inactive(DurationLit),
    /// A name, possibly dotted, possibly with an argument, possibly followed
    /// by a comparison, a list membership or `within`. What it means (a
    /// property, a score, an event) is decided by the resolver.
    Test {
        operand: EventRef,
        tail: Option<TestTail>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestTail {
    Compare {
        op: CompareOp,
        op_span: Span,
        value: Literal,
    },
    Member {
        negated: bool,
        values: Vec<Literal>,
        span: Span,
    },
    Within(DurationLit),
    /// `contains "value"`: a list-valued property holds the value.
    Contains {
        value: Literal,
        span: Span,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CompareOp {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Ge => ">=",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Lt => "<",
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}
