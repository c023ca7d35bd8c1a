//! The one registry of diagnostic codes. A code is a stable kebab-case name:
//! never rename or reuse one; retire it instead.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $summary:literal;)*) => {
        /// Every diagnostic code the compiler can produce.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name, e.g. `missing-exit`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }

            /// One line on what the code means, for listings.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary),* }
            }

            /// The long explanation printed by `nurturec explain`.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => include_str!(concat!("explain/", $name, ".md"))),* }
            }
        }
    };
}

codes! {
    // ── parsing ──
    Syntax = "syntax", Error, "the text does not follow the grammar";
    TooDeep = "too-deep", Error, "blocks, parentheses or lists nested deeper than the compiler accepts";
    NumberTooLarge = "number-too-large", Error, "a number, percentage or point value is too large to represent";
    // ── names ──
    UndefinedName = "undefined-name", Error, "a reference to a name that is not defined";
    DuplicateName = "duplicate-name", Error, "a name defined twice";
    WrongKind = "wrong-kind", Error, "a name used as something it is not (an email where a segment is expected, ...)";
    RecursiveSegment = "recursive-segment", Error, "segments defined through each other";
    Unused = "unused", Warning, "a segment, email or scoring model that nothing refers to";
    UnusedLabel = "unused-label", Warning, "a label that no `goto` continues at";
    // ── values and conditions ──
    UnknownEvent = "unknown-event", Error, "an event name that is not in the catalogue";
    InvalidEventArgument = "invalid-event-argument", Error, "an event given the wrong kind of argument, or none where one is required";
    TypeMismatch = "type-mismatch", Error, "a comparison between values of different types";
    InvalidDuration = "invalid-duration", Error, "a duration that is zero or too large";
    SplitTotal = "split-total", Error, "split shares that do not add up to 100%";
    SegmentWithoutIn = "segment-without-in", Error, "a segment's name used as a condition without `in`, which tests a contact property";
    EntryEventWithoutWithin = "entry-event-without-within", Warning, "an event test without `within` in a trigger's `where` or in `audience`: judged at entry, before anything happened since entry";
    // ── items and settings ──
    MissingField = "missing-field", Error, "an email without its subject or template";
    DuplicateSetting = "duplicate-setting", Error, "a setting or field given twice where only one is allowed";
    MisplacedSetting = "misplaced-setting", Error, "a campaign setting after the first flow statement";
    MissingTrigger = "missing-trigger", Error, "a campaign with no trigger";
    MissingGoal = "missing-goal", Warning, "a campaign with no goal";
    MissingUnsubscribeSuppression = "missing-unsubscribe-suppression", Warning, "a campaign that sends email but does not suppress unsubscribed leads";
    HandoffWithoutContext = "handoff-without-context", Warning, "a sales handoff with no note";
    // ── flow ──
    UnreachableStep = "unreachable-step", Error, "statements that no path through the campaign reaches";
    MissingExit = "missing-exit", Error, "a path that falls off the end of the flow without `exit`, `handoff`, `enroll` or `goto`";
    LoopWithoutWait = "loop-without-wait", Error, "a loop in which no statement waits, so leads go round it at once";
    CadenceCap = "cadence-cap", Error, "a send that can exceed the campaign's `cap` of emails per window";
    UnreachableThreshold = "unreachable-threshold", Error, "a score component threshold that no lead can ever reach";
    EndlessLoop = "endless-loop", Warning, "a loop from which no `exit`, `handoff` or `enroll` can be reached";
    DeadBranchArm = "dead-branch-arm", Warning, "a branch arm that never runs because earlier arms catch every lead it matches";
    EmailNotSentYet = "email-not-sent-yet", Warning, "a test of opens or clicks of an email that may not have been sent yet";
    // ── project configuration and backends ──
    InvalidConfig = "invalid-config", Error, "a nurture.toml that is malformed, has an unknown key or a value of the wrong type";
    MissingBinding = "missing-binding", Error, "a name a campaign uses has no platform id bound in nurture.toml";
    UnsupportedOnKlaviyo = "unsupported-on-klaviyo", Error, "a construct the Klaviyo flow API cannot express";
    UnsupportedOnHubspot = "unsupported-on-hubspot", Error, "a construct HubSpot workflows cannot express";
}

/// Codes that `compile` alone never produces: they come from reading
/// `nurture.toml` or from a backend (`--target klaviyo`, ...). Their
/// explanations' examples are valid `.nurture` that compiles clean; the text
/// says which configuration or target makes the failing one fail.
pub const NEEDS_CONFIG: &[Code] = &[
    Code::InvalidConfig,
    Code::MissingBinding,
    Code::UnsupportedOnKlaviyo,
    Code::UnsupportedOnHubspot,
];

impl Code {
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
