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
    UnknownProperty = "unknown-property", Error, "a contact property (or a `{{ contact.… }}` merge tag) that the project's `properties` block does not declare";
    UnknownValue = "unknown-value", Error, "a string compared with or set on a `text in [ … ]` property that is not one of its values";
    InvalidDuration = "invalid-duration", Error, "a duration that is zero or too large";
    SplitTotal = "split-total", Error, "split shares that do not add up to 100%";
    SegmentWithoutIn = "segment-without-in", Error, "a segment's name used as a condition without `in`, which tests a contact property";
    EntryEventWithoutWithin = "entry-event-without-within", Warning, "an event test without `within` in a trigger's `where` or in `audience`: judged at entry, before anything happened since entry";
    // ── items and settings ──
    MissingField = "missing-field", Error, "an email without its subject or template";
    DuplicateSetting = "duplicate-setting", Error, "a setting or field given twice where only one is allowed";
    MisplacedSetting = "misplaced-setting", Error, "a campaign setting after the first flow statement";
    InvalidSendWindow = "invalid-send-window", Error, "a send window with an unknown day, a time not written `HH:MM`, or hours that do not open before they close";
    MissingTrigger = "missing-trigger", Error, "a campaign with no trigger";
    MissingGoal = "missing-goal", Warning, "a campaign with no goal";
    MissingUnsubscribeSuppression = "missing-unsubscribe-suppression", Warning, "a campaign that sends email but does not suppress unsubscribed leads";
    HandoffWithoutContext = "handoff-without-context", Warning, "a sales handoff with no note";
    // ── flow ──
    UnreachableStep = "unreachable-step", Error, "statements that no path through the campaign reaches";
    MissingExit = "missing-exit", Error, "a path that falls off the end of the flow without `exit`, `handoff`, `enroll` or `goto`";
    LoopWithoutWait = "loop-without-wait", Error, "a loop in which no statement waits, so leads go round it at once";
    CadenceCap = "cadence-cap", Error, "a send that can exceed the campaign's `cap` of emails per window";
    UnreachableThreshold = "unreachable-threshold", Error, "a score threshold (a component or the total) that no lead can ever reach";
    EndlessLoop = "endless-loop", Warning, "a loop from which no `exit`, `handoff` or `enroll` can be reached";
    DeadBranchArm = "dead-branch-arm", Warning, "a branch arm that never runs because earlier arms catch every lead it matches";
    EmailNotSentYet = "email-not-sent-yet", Warning, "a test of opens or clicks of an email that may not have been sent yet";
    CampaignOverlap = "campaign-overlap", Warning, "two campaigns one event can start that together send more than the stricter of their caps";
    // ── lint levels ──
    InvalidPragma = "invalid-pragma", Warning, "a `// nurturec:` comment that is not a valid `allow(<warning>, …)`";
    UnfulfilledAllow = "unfulfilled-allow", Warning, "a `// nurturec: allow(…)` that allows no warning on the line it covers";
    // ── project configuration and backends ──
    InvalidConfig = "invalid-config", Error, "a nurture.toml that is malformed, has an unknown key or a value of the wrong type";
    MissingBinding = "missing-binding", Error, "a name a campaign uses has no platform id bound in nurture.toml";
    UnsupportedOnKlaviyo = "unsupported-on-klaviyo", Error, "a construct the Klaviyo flow API cannot express";
    UnsupportedOnHubspot = "unsupported-on-hubspot", Error, "a construct HubSpot workflows cannot express";
    StepFunctionsLimit = "step-functions-limit", Error, "a campaign or state machine beyond an AWS Step Functions limit (one-year execution, 1 MB definition)";
    EnrollIntoSkipped = "enroll-into-skipped", Error, "an `enroll` into a campaign the target leaves out (`skip` in nurture.toml)";
    ReservedName = "reserved-name", Error, "a campaign whose output file would overwrite one the build writes for the project (`ir/project.json`)";
    ProjectCap = "project-cap", Error, "a campaign, or two campaigns one event can start, sending more than `[policy] cap` of nurture.toml allows";
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
    Code::StepFunctionsLimit,
    Code::EnrollIntoSkipped,
    Code::ReservedName,
    Code::ProjectCap,
];

impl Code {
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// A code as a user may type or paste it: in any case, with `_` or
    /// spaces for `-`, or as a diagnostic prints it (`error[missing-exit]`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::from_name(&normalize(text))
    }

    /// Codes close to `text` (a typo, or a part of the name such as `exit`),
    /// best first, at most `max`.
    pub fn similar(text: &str, max: usize) -> Vec<Code> {
        let wanted = normalize(text);
        let limit = (wanted.chars().count() / 3).max(1);
        let mut close: Vec<(usize, Code)> = Code::ALL
            .iter()
            .filter_map(|&code| {
                let distance = crate::resolve::suggest::edit_distance(&wanted, code.as_str());
                let part_of = wanted.len() >= 3 && code.as_str().contains(wanted.as_str());
                (distance <= limit || part_of).then_some((distance, code))
            })
            .collect();
        close.sort_by_key(|&(distance, code)| (distance, code.as_str()));
        close.into_iter().take(max).map(|(_, code)| code).collect()
    }
}

fn normalize(text: &str) -> String {
    let text = text.trim();
    let inner = ["error[", "warning["]
        .iter()
        .find_map(|prefix| {
            let lower = text.get(..prefix.len())?.to_ascii_lowercase();
            (lower == *prefix).then(|| text[prefix.len()..].trim_end_matches(']'))
        })
        .unwrap_or(text);
    inner
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_read_in_any_case_and_spelling() {
        for text in [
            "missing-exit",
            "Missing-Exit",
            "MISSING_EXIT",
            " missing exit ",
            "error[missing-exit]",
            "Error[MISSING-EXIT]",
        ] {
            assert_eq!(Code::parse(text), Some(Code::MissingExit), "{text}");
        }
        assert_eq!(Code::parse("missing"), None);
        assert_eq!(Code::parse("error["), None);
    }

    #[test]
    fn close_codes_are_suggested_best_first() {
        assert_eq!(Code::similar("mising-exit", 3), vec![Code::MissingExit]);
        assert_eq!(Code::similar("Unused_Labl", 3)[0], Code::UnusedLabel);
        let unused = Code::similar("unused", 3);
        assert_eq!(unused, vec![Code::Unused, Code::UnusedLabel]);
        assert!(Code::similar("zzzzzz", 3).is_empty());
    }
}
