//! Looking up bindings, and collecting what a backend cannot do. Problems
//! are collected, not returned at the first one, so that one build lists
//! every key to add to `nurture.toml`.

use super::IdMode;
use crate::config::{toml_key, Bindings, ListBindings, Setting, FILE_NAME};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use std::collections::BTreeMap;

/// How many other references a `missing-binding` diagnostic points at.
const MAX_SECONDARY: usize = 3;

pub(crate) struct Binder {
    /// The config section: `klaviyo`, `hubspot`, `asl`.
    section: &'static str,
    /// The platform's name for messages: `Klaviyo`.
    platform: &'static str,
    mode: IdMode,
    /// What was found, in the order it was found. The diagnostics are made
    /// from it at [`Binder::finish`], so that campaigns can be emitted in
    /// parallel, each into a [`Binder::fork`], and [`Binder::join`]ed in
    /// source order: the replay is the one a single pass would have made.
    events: Vec<Event>,
}

enum Event {
    /// A binding not in nurture.toml: `key` is `[section] key`, and
    /// `first` the diagnostic its first use makes; a later use adds a label.
    Missing {
        key: String,
        at: Span,
        first: Diagnostic,
    },
    /// A diagnostic made whole, kept once however often it is found.
    Once(Diagnostic),
}

impl Binder {
    pub(crate) fn new(section: &'static str, platform: &'static str, mode: IdMode) -> Self {
        Binder {
            section,
            platform,
            mode,
            events: Vec::new(),
        }
    }

    /// An empty binder for one campaign emitted apart.
    pub(crate) fn fork(&self) -> Self {
        Binder::new(self.section, self.platform, self.mode)
    }

    /// What a [`Binder::fork`] found, after what this one found.
    pub(crate) fn join(&mut self, other: Binder) {
        self.events.extend(other.events);
    }

    /// The platform's name for messages: `Klaviyo`.
    pub(crate) fn platform(&self) -> &'static str {
        self.platform
    }

    pub(crate) fn placeholders(&self) -> bool {
        self.mode == IdMode::Placeholders
    }

    /// The id bound to `key` in `[<section>.<table>]`, or a placeholder
    /// `<kind:key>`. `what` completes "no <platform> ..." in the message, e.g.
    /// "template id for email `recording`"; `at` is the reference.
    pub(crate) fn id(
        &mut self,
        table: &str,
        bindings: &Bindings,
        key: &str,
        kind: &str,
        what: &str,
        at: Span,
    ) -> String {
        if self.placeholders() {
            return placeholder(kind, key);
        }
        match bindings.get(key) {
            Some(setting) => setting.value.clone(),
            None => {
                self.missing(table, key, "\"…\"", what, at);
                placeholder(kind, key)
            }
        }
    }

    /// Like [`Binder::id`] for a table whose values are lists.
    pub(crate) fn ids(
        &mut self,
        table: &str,
        bindings: &ListBindings,
        key: &str,
        kind: &str,
        what: &str,
        at: Span,
    ) -> Vec<String> {
        if self.placeholders() {
            return vec![placeholder(kind, key)];
        }
        match bindings.get(key) {
            Some(setting) => setting.values.clone(),
            None => {
                self.missing(table, key, "[\"…\"]", what, at);
                vec![placeholder(kind, key)]
            }
        }
    }

    /// A setting directly under `[<section>]` that the output needs.
    pub(crate) fn setting(
        &mut self,
        key: &str,
        setting: &Option<Setting>,
        what: &str,
        at: Span,
    ) -> String {
        match setting {
            Some(s) => s.value.clone(),
            None if self.placeholders() => placeholder("setting", key),
            None => {
                self.missing("", key, "\"…\"", what, at);
                placeholder("setting", key)
            }
        }
    }

    fn missing(&mut self, table: &str, key: &str, value: &str, what: &str, at: Span) {
        let section = if table.is_empty() {
            self.section.to_string()
        } else {
            format!("{}.{table}", self.section)
        };
        let line = format!("{} = {value}", toml_key(key));
        let first = Diagnostic::new(
            Code::MissingBinding,
            format!("no {} {what} in {FILE_NAME}", self.platform),
            at,
            format!("needs `{}` under `[{section}]`", toml_key(key)),
        )
        .with_help(format!("add `{line}` under `[{section}]` in {FILE_NAME}"))
        .with_note("or build with `--placeholder-ids` to review the output without account ids");
        self.events.push(Event::Missing {
            key: format!("[{section}] {key}"),
            at,
            first,
        });
    }

    /// A construct the platform cannot express.
    pub(crate) fn unsupported(
        &mut self,
        code: Code,
        message: String,
        at: Span,
        label: &str,
        help: &str,
    ) {
        let mut d = Diagnostic::new(code, message, at, label);
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.events.push(Event::Once(d));
    }

    /// A diagnostic the caller built whole.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.events.push(Event::Once(d));
    }

    pub(crate) fn finish(self) -> Result<(), Vec<Diagnostic>> {
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let mut missing: BTreeMap<String, usize> = BTreeMap::new();
        for event in self.events {
            match event {
                Event::Missing { key, at, first } => match missing.get(&key) {
                    Some(&index) => {
                        if let Some(d) = diagnostics.get_mut(index) {
                            also_used_at(d, at);
                        }
                    }
                    None => {
                        missing.insert(key, diagnostics.len());
                        diagnostics.push(first);
                    }
                },
                Event::Once(d) => {
                    if !diagnostics.contains(&d) {
                        diagnostics.push(d);
                    }
                }
            }
        }
        if diagnostics.is_empty() {
            Ok(())
        } else {
            crate::diagnostics::sort_and_dedup(&mut diagnostics);
            Err(diagnostics)
        }
    }
}

/// A further use of a missing binding, up to [`MAX_SECONDARY`] of them.
fn also_used_at(d: &mut Diagnostic, at: Span) {
    if d.secondary.len() < MAX_SECONDARY
        && d.primary.span != at
        && d.secondary.iter().all(|l| l.span != at)
    {
        d.secondary
            .push(crate::diagnostics::Label::new(at, "also used here"));
    }
}

pub(crate) fn placeholder(kind: &str, key: &str) -> String {
    format!("<{kind}:{key}>")
}
