//! Document symbols: a file's items, and each campaign's goals and labels.

use super::{AnalysisHost, Range};
use crate::span::Span;
use crate::syntax::ast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSymbolKind {
    Segment,
    Email,
    Scoring,
    Campaign,
    Properties,
    Property,
    Goal,
    Label,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub kind: DocumentSymbolKind,
    /// The whole item or statement.
    pub range: Range,
    /// Its name.
    pub selection_range: Range,
    pub children: Vec<DocumentSymbol>,
}

impl AnalysisHost {
    pub fn document_symbols(&self, path: &str) -> Vec<DocumentSymbol> {
        let Some((_, state)) = self.file(path) else {
            return Vec::new();
        };
        let symbol = |name: &str, kind, whole: Span, name_span: Span, children| {
            Some(DocumentSymbol {
                name: name.to_string(),
                kind,
                range: self.range_of(whole)?,
                selection_range: self.range_of(name_span)?,
                children,
            })
        };
        let mut out = Vec::new();
        for item in &state.ast.items {
            let made = match item {
                ast::Item::Segment(s) => symbol(
                    &s.name.name,
                    DocumentSymbolKind::Segment,
                    s.span,
                    s.name.span,
                    Vec::new(),
                ),
                ast::Item::Email(e) => symbol(
                    &e.name.name,
                    DocumentSymbolKind::Email,
                    e.span,
                    e.name.span,
                    Vec::new(),
                ),
                ast::Item::Scoring(m) => symbol(
                    &m.name.name,
                    DocumentSymbolKind::Scoring,
                    m.span,
                    m.name.span,
                    Vec::new(),
                ),
                ast::Item::Properties(p) => {
                    let children = p
                        .declarations
                        .iter()
                        .filter_map(|d| {
                            symbol(
                                &d.name.name,
                                DocumentSymbolKind::Property,
                                d.span,
                                d.name.span,
                                Vec::new(),
                            )
                        })
                        .collect();
                    symbol(
                        "properties",
                        DocumentSymbolKind::Properties,
                        p.span,
                        p.keyword,
                        children,
                    )
                }
                ast::Item::Campaign(c) => {
                    let mut children = Vec::new();
                    for s in &c.settings {
                        if let ast::SettingKind::Goal { name, .. } = &s.kind {
                            children.extend(symbol(
                                &name.name,
                                DocumentSymbolKind::Goal,
                                s.span,
                                name.span,
                                Vec::new(),
                            ));
                        }
                    }
                    let mut labelled = Vec::new();
                    labels(&c.flow, &mut labelled);
                    for s in &c.settings {
                        if let ast::SettingKind::Handler { body, .. } = &s.kind {
                            labels(&body.statements, &mut labelled);
                        }
                    }
                    for (label, whole) in labelled {
                        children.extend(symbol(
                            &label.name,
                            DocumentSymbolKind::Label,
                            whole,
                            label.span,
                            Vec::new(),
                        ));
                    }
                    symbol(
                        &c.name.name,
                        DocumentSymbolKind::Campaign,
                        c.span,
                        c.name.span,
                        children,
                    )
                }
            };
            out.extend(made);
        }
        // An item that does not parse still has its name.
        for broken in &state.ast.broken {
            let (Some(kind), Some(name)) = (broken.kind, &broken.name) else {
                continue;
            };
            let kind = match kind {
                ast::ItemKind::Segment => DocumentSymbolKind::Segment,
                ast::ItemKind::Email => DocumentSymbolKind::Email,
                ast::ItemKind::Scoring => DocumentSymbolKind::Scoring,
                ast::ItemKind::Campaign => DocumentSymbolKind::Campaign,
                ast::ItemKind::Properties => DocumentSymbolKind::Properties,
            };
            out.extend(symbol(&name.name, kind, broken.span, name.span, Vec::new()));
        }
        out.sort_by_key(|s| (s.range.start.line, s.range.start.character));
        out
    }
}

fn labels<'a>(statements: &'a [ast::Statement], out: &mut Vec<(&'a ast::Ident, Span)>) {
    for s in statements {
        if let Some(label) = &s.label {
            out.push((label, s.head.to(label.span)));
        }
        match &s.kind {
            ast::StatementKind::Branch { arms, otherwise } => {
                for arm in arms {
                    labels(&arm.body.statements, out);
                }
                if let Some(e) = otherwise {
                    labels(&e.body.statements, out);
                }
            }
            ast::StatementKind::Split { arms } => {
                for arm in arms {
                    labels(&arm.body.statements, out);
                }
            }
            _ => {}
        }
    }
}
