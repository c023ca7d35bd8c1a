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
    /// One diagnostic per missing key, in the order first met.
    missing: BTreeMap<String, usize>,
    diagnostics: Vec<Diagnostic>,
}

impl Binder {
    pub(crate) fn new(section: &'static str, platform: &'static str, mode: IdMode) -> Self {
        Binder {
            section,
            platform,
            mode,
            missing: BTreeMap::new(),
            diagnostics: Vec::new(),
        }
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
        let full = format!("[{section}] {key}");
        if let Some(&index) = self.missing.get(&full) {
            if let Some(d) = self.diagnostics.get_mut(index) {
                if d.secondary.len() < MAX_SECONDARY
                    && d.primary.span != at
                    && d.secondary.iter().all(|l| l.span != at)
                {
                    d.secondary
                        .push(crate::diagnostics::Label::new(at, "also used here"));
                }
            }
            return;
        }
        let line = format!("{} = {value}", toml_key(key));
        let d = Diagnostic::new(
            Code::MissingBinding,
            format!("no {} {what} in {FILE_NAME}", self.platform),
            at,
            format!("needs `{}` under `[{section}]`", toml_key(key)),
        )
        .with_help(format!("add `{line}` under `[{section}]` in {FILE_NAME}"))
        .with_note("or build with `--placeholder-ids` to review the output without account ids");
        self.missing.insert(full, self.diagnostics.len());
        self.diagnostics.push(d);
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
        if !self.diagnostics.contains(&d) {
            self.diagnostics.push(d);
        }
    }

    /// A diagnostic the caller built whole.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        if !self.diagnostics.contains(&d) {
            self.diagnostics.push(d);
        }
    }

    pub(crate) fn finish(self) -> Result<(), Vec<Diagnostic>> {
        if self.diagnostics.is_empty() {
            Ok(())
        } else {
            let mut diagnostics = self.diagnostics;
            crate::diagnostics::sort_and_dedup(&mut diagnostics);
            Err(diagnostics)
        }
    }
}

pub(crate) fn placeholder(kind: &str, key: &str) -> String {
    format!("<{kind}:{key}>")
}
