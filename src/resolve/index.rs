//! What the resolver learnt about names, kept for editors: every definition
//! and every resolved reference with its span. Recorded by the one resolver
//! as it resolves, so that an editor's "go to definition" or "rename" sees
//! exactly what the compiler sees.

use crate::span::Span;
use std::sync::Arc;

/// What a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    Segment,
    Email,
    Scoring,
    Campaign,
    /// A statement's label; its scope is the campaign.
    Label,
    /// A contact property (declared in `properties`, or only used).
    Property,
    /// A catalogue event, e.g. `page.visited`: only referred to.
    Event,
}

impl SymbolKind {
    pub fn word(self) -> &'static str {
        match self {
            SymbolKind::Segment => "segment",
            SymbolKind::Email => "email",
            SymbolKind::Scoring => "scoring model",
            SymbolKind::Campaign => "campaign",
            SymbolKind::Label => "label",
            SymbolKind::Property => "property",
            SymbolKind::Event => "event",
        }
    }

    /// Whether its names share the project's one namespace.
    pub fn is_project_name(self) -> bool {
        matches!(
            self,
            SymbolKind::Segment | SymbolKind::Email | SymbolKind::Scoring | SymbolKind::Campaign
        )
    }
}

/// A name where it is defined or where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub kind: SymbolKind,
    pub name: String,
    /// The name's own span.
    pub span: Span,
    /// The campaign a label belongs to; `None` for every other kind.
    pub scope: Option<String>,
}

/// What one part of the project (a campaign, or the rest) defines and uses.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub definitions: Vec<Occurrence>,
    pub references: Vec<Occurrence>,
}

/// Every definition and every resolved reference of a project, in the
/// order the resolver met them. Kept in shared parts, one per campaign
/// resolved on its own, so that a campaign resolved again unchanged
/// ([`super::resolve_incremental`]) shares its part with the last run.
#[derive(Debug, Clone, Default)]
pub struct Index {
    parts: Vec<Arc<Part>>,
    current: Part,
    /// Records nothing: for a batch compile, which has no editor.
    unrecorded: bool,
}

impl Index {
    /// An index that records nothing, and stays empty.
    pub(crate) fn unrecorded() -> Index {
        Index {
            unrecorded: true,
            ..Index::default()
        }
    }

    /// An empty index that records as this one does.
    pub(crate) fn fork(&self) -> Index {
        Index {
            unrecorded: self.unrecorded,
            ..Index::default()
        }
    }

    /// Adds what `other` recorded after what this one has.
    pub(crate) fn append(&mut self, other: Index) {
        if !other.parts.is_empty() {
            self.close_part();
            self.parts.extend(other.parts);
        }
        self.current.definitions.extend(other.current.definitions);
        self.current.references.extend(other.current.references);
    }

    pub(crate) fn define(&mut self, kind: SymbolKind, name: &str, span: Span, scope: Option<&str>) {
        if self.unrecorded {
            return;
        }
        self.current.definitions.push(Occurrence {
            kind,
            name: name.to_string(),
            span,
            scope: scope.map(str::to_string),
        });
    }

    pub(crate) fn refer(&mut self, kind: SymbolKind, name: &str, span: Span, scope: Option<&str>) {
        if self.unrecorded {
            return;
        }
        self.current.references.push(Occurrence {
            kind,
            name: name.to_string(),
            span,
            scope: scope.map(str::to_string),
        });
    }

    /// Ends the part being recorded (if it holds anything) and returns it.
    pub(crate) fn close_part(&mut self) -> Option<Arc<Part>> {
        if self.current.definitions.is_empty() && self.current.references.is_empty() {
            return None;
        }
        let part = Arc::new(std::mem::take(&mut self.current));
        self.parts.push(Arc::clone(&part));
        Some(part)
    }

    /// Adds a part recorded in an earlier run.
    pub(crate) fn add_part(&mut self, part: Arc<Part>) {
        self.close_part();
        self.parts.push(part);
    }

    fn all(&self) -> impl Iterator<Item = &Part> {
        self.parts
            .iter()
            .map(|p| p.as_ref())
            .chain(std::iter::once(&self.current))
    }

    pub fn definitions(&self) -> impl Iterator<Item = &Occurrence> {
        self.all().flat_map(|p| p.definitions.iter())
    }

    pub fn references(&self) -> impl Iterator<Item = &Occurrence> {
        self.all().flat_map(|p| p.references.iter())
    }

    /// The definition of what `occurrence` names, if the project has one.
    pub fn definition_of(&self, occurrence: &Occurrence) -> Option<&Occurrence> {
        self.definitions().find(|d| same_symbol(d, occurrence))
    }

    /// Every reference to what `occurrence` names.
    pub fn references_to<'a>(
        &'a self,
        occurrence: &'a Occurrence,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.references()
            .filter(move |r| same_symbol(r, occurrence))
    }
}

/// Whether two occurrences name the same thing: the project's names share
/// one namespace whatever kind a use expected; labels are per campaign.
pub fn same_symbol(a: &Occurrence, b: &Occurrence) -> bool {
    if a.name != b.name {
        return false;
    }
    if a.kind.is_project_name() && b.kind.is_project_name() {
        return true;
    }
    a.kind == b.kind && a.scope == b.scope
}
