//! Hover: what a name stands for, and what the diagnostics at the cursor mean.

use super::{AnalysisHost, Position};
use crate::ir::{ArgumentKind, EventKind};
use crate::resolve::index::SymbolKind;

/// What an event's argument is, in words.
pub(crate) fn argument_text(kind: ArgumentKind) -> &'static str {
    match kind {
        ArgumentKind::OptionalId => {
            "optional argument: the form's, asset's, webinar's, list's or stage's id as a string"
        }
        ArgumentKind::OptionalPath => {
            "optional argument: the page's path as a string, e.g. \"/pricing\""
        }
        ArgumentKind::OptionalEmail => {
            "optional argument: one of the project's emails, e.g. (welcome)"
        }
        ArgumentKind::NoArgument => "takes no argument",
        ArgumentKind::RequiredSegment => "argument required: a segment, e.g. (mql)",
        ArgumentKind::RequiredCustomName => {
            "argument required: the custom event's name as a string"
        }
    }
}

impl AnalysisHost {
    /// Markdown for the position: the name under the cursor, then every
    /// diagnostic there with its code's summary from `nurturec explain`.
    pub fn hover(&mut self, path: &str, at: Position) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(occurrence) = self.occurrence_at(path, at) {
            if let Some(text) = self.describe(occurrence.kind, &occurrence.name) {
                parts.push(text);
            }
        }
        let (id, offset) = self.offset_of(path, at)?;
        let diagnostics: Vec<_> = self
            .analysis()
            .compilation
            .diagnostics
            .iter()
            .filter(|d| {
                let s = d.primary.span;
                s.file == id && s.start <= offset && offset <= s.end
            })
            .map(|d| d.code)
            .collect();
        let mut seen = Vec::new();
        for code in diagnostics {
            if seen.contains(&code) {
                continue;
            }
            seen.push(code);
            parts.push(format!(
                "**{}** ({}): {}\n\n{}\n\n`nurturec explain {}` says more.",
                code.as_str(),
                code.severity().as_str(),
                code.summary(),
                first_paragraph(code.explanation()),
                code.as_str()
            ));
        }
        if parts.is_empty() {
            None
        } else {
            Some(parts.join("\n\n---\n\n"))
        }
    }

    fn describe(&mut self, kind: SymbolKind, name: &str) -> Option<String> {
        let project = &self.analysis().compilation.project;
        Some(match kind {
            SymbolKind::Email => {
                let email = project.email(name);
                let mut text = format!("email `{name}`");
                if let Some(e) = email {
                    text.push_str(&format!(
                        "\n\n- subject: \"{}\"\n- template: \"{}\"",
                        e.subject, e.template
                    ));
                    if let Some(preview) = &e.preview {
                        text.push_str(&format!("\n- preview: \"{preview}\""));
                    }
                }
                text
            }
            SymbolKind::Segment => {
                let span = project.segment(name)?.condition.span;
                let source = self
                    .state(span.file)
                    .and_then(|f| f.source.text.get(span.start..span.end))
                    .unwrap_or("");
                format!("segment `{name}`\n\n```nurture\nsegment {name} = {source}\n```")
            }
            SymbolKind::Scoring => {
                let model = project.scoring_model(name)?;
                let components: Vec<String> = model
                    .components
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect();
                format!(
                    "scoring model `{name}`\n\ncomponents: {}",
                    components.join(", ")
                )
            }
            SymbolKind::Campaign => {
                let campaign = project.campaigns.iter().find(|c| c.name == name)?;
                match &campaign.title {
                    Some(title) => format!("campaign `{name}`: \"{title}\""),
                    None => format!("campaign `{name}`"),
                }
            }
            SymbolKind::Label => format!("label `{name}`"),
            SymbolKind::Property => match project.property_type(name) {
                Some(ty) => format!("contact property `{name}`: `{}`", ty.describe()),
                None => format!("contact property `{name}`"),
            },
            SymbolKind::Event => {
                let kind = EventKind::from_name(name)?;
                format!("event `{name}`\n\n{}", argument_text(kind.argument_kind()))
            }
        })
    }
}

/// The explanation's first paragraph after its title.
fn first_paragraph(explanation: &str) -> String {
    explanation
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .unwrap_or("")
        .replace('\n', " ")
}
