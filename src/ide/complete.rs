//! Completion: what may be written at a position, from the words before it.
//! Names come from the resolver's index, so completion offers what the
//! compiler would accept.

use super::{AnalysisHost, Position};
use crate::ir::{ArgumentKind, EventKind};
use crate::resolve::index::SymbolKind;
use crate::syntax::ast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Email,
    Segment,
    Scoring,
    Campaign,
    Label,
    Event,
    Property,
    Keyword,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
}

const ITEM_KEYWORDS: &[&str] = &["segment", "email", "scoring", "campaign", "properties"];
const EMAIL_FIELDS: &[&str] = &["subject", "template", "stage", "preview"];
const STAGES: &[&str] = &["awareness", "consideration", "decision", "retention"];
const SETTINGS: &[&str] = &[
    "title", "trigger", "audience", "scoring", "goal", "suppress", "cap", "reentry", "on", "send",
];
const STATEMENTS: &[&str] = &[
    "send", "wait", "branch", "split", "set", "notify", "handoff", "enroll", "goto", "exit",
];
const CONDITION_WORDS: &[&str] = &["in", "not", "inactive", "score"];
const PROPERTY_TYPES: &[&str] = &["text", "number", "bool", "list"];

/// Where the cursor is, as far as completion cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    TopLevel,
    Item(ast::ItemKind),
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

impl AnalysisHost {
    /// What may be written at `at`. Editors filter by the word typed so far.
    pub fn completions(&mut self, path: &str, at: Position) -> Vec<CompletionItem> {
        let Some((id, offset)) = self.offset_of(path, at) else {
            return Vec::new();
        };
        let Some(state) = self.state(id) else {
            return Vec::new();
        };
        let text = state.source.text.as_str();
        let before = text.get(..offset).unwrap_or("");
        let word_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word_char(*c))
            .last()
            .map_or(offset, |(i, _)| i);
        let head = before.get(..word_start).unwrap_or("");
        let opens_argument = head.ends_with('(');
        let trimmed = head.trim_end_matches([' ', '\t']);
        let at_line_start = trimmed.is_empty()
            || trimmed.ends_with('\n')
            || trimmed.ends_with('{')
            || trimmed.ends_with('}')
            || (trimmed.ends_with(':') && !trimmed.ends_with("::"));
        let previous: String = trimmed
            .chars()
            .rev()
            .take_while(|c| is_word_char(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let (place, campaign, campaign_span) = place_at(&state.ast, offset);
        let argument_of = if opens_argument {
            let event: String = head
                .trim_end_matches('(')
                .chars()
                .rev()
                .take_while(|c| is_word_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            EventKind::from_name(&event)
        } else {
            None
        };
        let campaign_text = campaign_span.and_then(|(s, e)| text.get(s..e).map(str::to_string));

        let mut out = Vec::new();
        if let Some(event) = argument_of {
            match event.argument_kind() {
                ArgumentKind::OptionalEmail => self.names(SymbolKind::Email, &mut out),
                ArgumentKind::RequiredSegment => self.names(SymbolKind::Segment, &mut out),
                _ => {}
            }
            return out;
        }
        match previous.as_str() {
            "send" => {
                self.names(SymbolKind::Email, &mut out);
                if place == Place::Item(ast::ItemKind::Campaign) {
                    keywords(&["during"], &mut out);
                }
                return out;
            }
            "in" => {
                self.names(SymbolKind::Segment, &mut out);
                return out;
            }
            "scoring" if place != Place::TopLevel => {
                self.names(SymbolKind::Scoring, &mut out);
                return out;
            }
            "enroll" => {
                self.names(SymbolKind::Campaign, &mut out);
                return out;
            }
            "goto" => {
                self.labels(campaign.as_deref(), campaign_text.as_deref(), &mut out);
                return out;
            }
            "set" => {
                self.properties(&mut out);
                return out;
            }
            "stage" if place == Place::Item(ast::ItemKind::Email) => {
                keywords(STAGES, &mut out);
                return out;
            }
            "reentry" => {
                keywords(&["never", "always", "after"], &mut out);
                return out;
            }
            "trigger" => {
                events(&mut out);
                keywords(&["inactive"], &mut out);
                return out;
            }
            "audience" | "suppress" | "where" | "when" | "and" | "or" | "not" | "if" | "until"
            | "on" => {
                events(&mut out);
                self.properties(&mut out);
                keywords(CONDITION_WORDS, &mut out);
                return out;
            }
            _ => {}
        }
        if at_line_start {
            match place {
                Place::TopLevel => keywords(ITEM_KEYWORDS, &mut out),
                Place::Item(ast::ItemKind::Email) => keywords(EMAIL_FIELDS, &mut out),
                Place::Item(ast::ItemKind::Campaign) => {
                    keywords(SETTINGS, &mut out);
                    keywords(STATEMENTS, &mut out);
                    keywords(&["when", "else"], &mut out);
                }
                Place::Item(ast::ItemKind::Properties) => self.properties(&mut out),
                Place::Item(ast::ItemKind::Scoring | ast::ItemKind::Segment) => {}
            }
            return out;
        }
        if place == Place::Item(ast::ItemKind::Properties) && trimmed.ends_with(':') {
            keywords(PROPERTY_TYPES, &mut out);
            return out;
        }
        if place != Place::TopLevel {
            events(&mut out);
            self.properties(&mut out);
            keywords(CONDITION_WORDS, &mut out);
        }
        out
    }

    fn names(&mut self, kind: SymbolKind, out: &mut Vec<CompletionItem>) {
        let completion = match kind {
            SymbolKind::Email => CompletionKind::Email,
            SymbolKind::Segment => CompletionKind::Segment,
            SymbolKind::Scoring => CompletionKind::Scoring,
            _ => CompletionKind::Campaign,
        };
        let index = &self.analysis().index;
        for d in index.definitions().filter(|d| d.kind == kind) {
            push(out, &d.name, completion, Some(kind.word().to_string()));
        }
    }

    /// The labels of the campaign at the cursor: from the index, or, while
    /// the campaign does not parse, from its text.
    fn labels(
        &mut self,
        campaign: Option<&str>,
        campaign_text: Option<&str>,
        out: &mut Vec<CompletionItem>,
    ) {
        let Some(campaign) = campaign else {
            return;
        };
        let index = &self.analysis().index;
        for d in index
            .definitions()
            .filter(|d| d.kind == SymbolKind::Label && d.scope.as_deref() == Some(campaign))
        {
            push(out, &d.name, CompletionKind::Label, Some("label".into()));
        }
        for line in campaign_text.unwrap_or("").lines() {
            let line = line.trim_start();
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() && line[name.len()..].starts_with(':') {
                push(out, &name, CompletionKind::Label, Some("label".into()));
            }
        }
    }

    /// The properties declared or used anywhere in the project.
    fn properties(&mut self, out: &mut Vec<CompletionItem>) {
        let index = &self.analysis().index;
        for o in index
            .definitions()
            .chain(index.references())
            .filter(|o| o.kind == SymbolKind::Property)
        {
            push(
                out,
                &o.name,
                CompletionKind::Property,
                Some("property".into()),
            );
        }
    }
}

fn push(out: &mut Vec<CompletionItem>, label: &str, kind: CompletionKind, detail: Option<String>) {
    if !out.iter().any(|i| i.label == label && i.kind == kind) {
        out.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
        });
    }
}

fn keywords(words: &[&str], out: &mut Vec<CompletionItem>) {
    for w in words {
        push(out, w, CompletionKind::Keyword, None);
    }
}

fn events(out: &mut Vec<CompletionItem>) {
    for kind in EventKind::ALL {
        push(
            out,
            kind.name(),
            CompletionKind::Event,
            Some(super::hover::argument_text(kind.argument_kind()).to_string()),
        );
    }
}

/// The item around `offset`: its kind, the campaign's name, and the
/// campaign's byte range (parsed or not).
fn place_at(file: &ast::File, offset: usize) -> (Place, Option<String>, Option<(usize, usize)>) {
    let inside = |start: usize, end: usize| start < offset && offset <= end;
    for item in &file.items {
        let span = match item {
            ast::Item::Segment(s) => s.span,
            ast::Item::Email(e) => e.span,
            ast::Item::Scoring(s) => s.span,
            ast::Item::Campaign(c) => c.span,
            ast::Item::Properties(p) => p.span,
        };
        if span.start < offset && offset < span.end {
            let campaign = match item {
                ast::Item::Campaign(c) => Some(c.name.name.clone()),
                _ => None,
            };
            return (
                Place::Item(item.kind()),
                campaign,
                Some((span.start, span.end)),
            );
        }
    }
    for broken in &file.broken {
        if let Some(kind) = broken.kind {
            if inside(broken.span.start, broken.span.end) {
                let campaign = match kind {
                    ast::ItemKind::Campaign => broken.name.as_ref().map(|n| n.name.clone()),
                    _ => None,
                };
                return (
                    Place::Item(kind),
                    campaign,
                    Some((broken.span.start, broken.span.end)),
                );
            }
        }
    }
    (Place::TopLevel, None, None)
}
