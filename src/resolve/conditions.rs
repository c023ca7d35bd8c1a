//! Conditions and events: what each name in a condition means.

use super::properties::Use;
use super::{suggest, NameKind, Resolver, ScoreRef};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ArgumentKind, EventKind};
use crate::syntax::ast;

/// Where a condition is written, which decides what `score` refers to.
pub(crate) enum Context<'c> {
    /// In a segment: `score` is the model of each campaign that uses it.
    Segment(&'c str),
    /// In a campaign: its model, if it has one.
    Campaign {
        model: Option<&'c str>,
        /// The campaign names a model that does not exist (already reported).
        model_unresolved: bool,
    },
    /// In a scoring rule, where the score is being defined.
    ScoringRule,
}

impl Resolver<'_> {
    pub(crate) fn condition(&mut self, c: &ast::Condition, ctx: &Context<'_>) -> ir::Condition {
        let kind = match &c.kind {
            ast::ConditionKind::Or(items) => {
                ir::ConditionKind::Or(items.iter().map(|i| self.condition(i, ctx)).collect())
            }
            ast::ConditionKind::And(items) => {
                ir::ConditionKind::And(items.iter().map(|i| self.condition(i, ctx)).collect())
            }
            ast::ConditionKind::Not(inner) => {
                ir::ConditionKind::Not(Box::new(self.condition(inner, ctx)))
            }
            ast::ConditionKind::InSegment(name) => {
                self.reference(name, NameKind::Segment);
                ir::ConditionKind::InSegment(self.ids.segment(name))
            }
            ast::ConditionKind::Inactive(d) => ir::ConditionKind::Inactive(self.duration(d)),
            ast::ConditionKind::Test { operand, tail } => self.test(c, operand, tail.as_ref(), ctx),
        };
        ir::Condition { kind, span: c.span }
    }

    fn test(
        &mut self,
        whole: &ast::Condition,
        operand: &ast::EventRef,
        tail: Option<&ast::TestTail>,
        ctx: &Context<'_>,
    ) -> ir::ConditionKind {
        let name = operand.name.name.as_str();
        if name == "score" || name.starts_with("score.") {
            return self.score_test(whole, operand, tail, ctx);
        }
        if name.contains('.') || operand.argument.is_some() {
            let event = self.event(operand);
            let within = match tail {
                None => None,
                Some(ast::TestTail::Within(d)) => Some(self.duration(d)),
                Some(_) => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!("the event `{name}` cannot be compared with a value"),
                            whole.span,
                            "an event either happened or did not",
                        )
                        .with_help(format!("test it on its own (`{name}`), or with `within`, e.g. `{name} within 14d`")),
                    );
                    None
                }
            };
            return match event {
                Some(event) => ir::ConditionKind::Event { event, within },
                // An unknown event was reported; keep a harmless placeholder.
                None => ir::ConditionKind::Property(name.to_string()),
            };
        }
        let left = ir::Quantity::Property(name.to_string());
        let property = &operand.name;
        match tail {
            None => {
                self.bare_segment_name(&operand.name);
                if !self.is_segment_name(property) {
                    self.use_property(property, whole.span, Use::Flag);
                }
                ir::ConditionKind::Property(name.to_string())
            }
            Some(ast::TestTail::Contains { value, .. }) => {
                self.use_property(property, whole.span, Use::Contains(value));
                ir::ConditionKind::Contains {
                    property: name.to_string(),
                    value: value_of(value),
                }
            }
            Some(ast::TestTail::Compare { op, value, .. }) => {
                let declared = self.use_property(property, whole.span, Use::Compare(*op, value));
                if !declared
                    && op.is_ordering()
                    && !matches!(value.kind, ast::LiteralKind::Number(_))
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!("`{}` compares only numbers", op.as_str()),
                            whole.span,
                            format!("`{name}` compared with {}", describe(&value.kind)),
                        )
                        .with_help("compare text with `==`, `!=` or `in [ … ]`"),
                    );
                }
                ir::ConditionKind::Compare {
                    left,
                    op: *op,
                    right: value_of(value),
                }
            }
            Some(ast::TestTail::Member {
                negated, values, ..
            }) => {
                self.use_property(property, whole.span, Use::Member(values));
                ir::ConditionKind::Member {
                    left,
                    negated: *negated,
                    values: values.iter().map(value_of).collect(),
                }
            }
            Some(ast::TestTail::Within(d)) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        "`within` applies to events, not to contact properties",
                        whole.span,
                        format!("`{name}` is a contact property"),
                    )
                    .with_help("use an event, e.g. `page.visited within 14d`"),
                );
                let _ = self.duration(d);
                ir::ConditionKind::Property(name.to_string())
            }
        }
    }

    /// Whether the name is a segment's (a bare one is reported as
    /// `segment-without-in`, and nothing more is said of it).
    fn is_segment_name(&self, name: &ast::Ident) -> bool {
        matches!(
            self.names.get(name.name.as_str()),
            Some((NameKind::Segment, _))
        )
    }

    /// A bare name is a boolean contact property, but when it is a segment's
    /// name the author almost surely meant membership: `in <segment>`.
    fn bare_segment_name(&mut self, name: &ast::Ident) {
        let Some((NameKind::Segment, defined)) = self.names.get(name.name.as_str()).copied() else {
            return;
        };
        self.used.insert((NameKind::Segment, name.name.clone()));
        self.diagnostics.push(
            Diagnostic::new(
                Code::SegmentWithoutIn,
                format!(
                    "`{}` is a segment, but a bare name is a contact property",
                    name.name
                ),
                name.span,
                "tests a contact property of this name",
            )
            .with_secondary(defined, format!("segment `{}` is defined here", name.name))
            .with_note(format!(
                "to test the contact property `{0}` instead, write `{0} == true`",
                name.name
            ))
            .with_help(format!("test membership: `in {}`", name.name)),
        );
    }

    fn score_test(
        &mut self,
        whole: &ast::Condition,
        operand: &ast::EventRef,
        tail: Option<&ast::TestTail>,
        ctx: &Context<'_>,
    ) -> ir::ConditionKind {
        let path = operand.name.name.as_str();
        let parts: Vec<&str> = path.split('.').collect();
        let component = match parts.as_slice() {
            [_] => None,
            [_, c] => Some((*c).to_string()),
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UndefinedName,
                        format!("`{path}` is not a score"),
                        operand.name.span,
                        "a score is `score` or `score.<component>`",
                    )
                    .with_help("components have no parts of their own"),
                );
                None
            }
        };
        let score_ref = ScoreRef {
            component: component.clone(),
            span: operand.name.span,
        };
        match ctx {
            Context::Segment(segment) => self
                .segment_score_refs
                .entry((*segment).to_string())
                .or_default()
                .push(score_ref),
            Context::Campaign {
                model,
                model_unresolved,
            } => {
                if !model_unresolved {
                    self.check_score_ref(&score_ref, *model, None);
                }
            }
            Context::ScoringRule => self.diagnostics.push(
                Diagnostic::new(
                    Code::UndefinedName,
                    "`score` cannot be used inside a scoring model",
                    operand.name.span,
                    "the score is what this model defines",
                )
                .with_help("base scoring rules on contact properties and events"),
            ),
        }
        if let Some(arg) = &operand.argument {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "a score takes no argument",
                    arg.span(),
                    "unexpected argument",
                )
                .with_help(format!("write `{path} >= 60`")),
            );
        }
        let left = ir::Quantity::Score(component);
        let mismatch = |found: String| {
            Diagnostic::new(
                Code::TypeMismatch,
                format!("`{path}` is a number and cannot be compared with {found}"),
                whole.span,
                format!("{found} compared with a score"),
            )
            .with_help(format!("compare with a number, e.g. `{path} >= 60`"))
        };
        match tail {
            Some(ast::TestTail::Compare { op, value, .. }) => {
                if !matches!(value.kind, ast::LiteralKind::Number(_)) {
                    self.diagnostics.push(mismatch(describe(&value.kind)));
                }
                ir::ConditionKind::Compare {
                    left,
                    op: *op,
                    right: value_of(value),
                }
            }
            Some(ast::TestTail::Member {
                negated, values, ..
            }) => {
                if let Some(v) = values
                    .iter()
                    .find(|v| !matches!(v.kind, ast::LiteralKind::Number(_)))
                {
                    self.diagnostics.push(mismatch(describe(&v.kind)));
                }
                ir::ConditionKind::Member {
                    left,
                    negated: *negated,
                    values: values.iter().map(value_of).collect(),
                }
            }
            Some(ast::TestTail::Within(_) | ast::TestTail::Contains { .. }) | None => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`{path}` is a number, not a condition"),
                        whole.span,
                        "a score needs a comparison",
                    )
                    .with_help(format!("compare it, e.g. `{path} >= 60`")),
                );
                ir::ConditionKind::Compare {
                    left,
                    op: ast::CompareOp::Ge,
                    right: ir::Value::Number(0.0),
                }
            }
        }
    }

    /// Checks one `score` reference against a model (`None`: no model to use).
    /// `via` names the campaign whose model is used, for references in segments.
    pub(crate) fn check_score_ref(
        &mut self,
        r: &ScoreRef,
        model: Option<&str>,
        via: Option<(&str, crate::span::Span)>,
    ) {
        let Some(model_name) = model else {
            let mut d = Diagnostic::new(
                Code::UndefinedName,
                "`score` has no scoring model to use",
                r.span,
                "no scoring model here",
            )
            .with_help(if self.models.is_empty() {
                "define a scoring model with `scoring <name> { … }`".to_string()
            } else {
                "name one in the campaign with `scoring <name>`".to_string()
            });
            if let Some((campaign, span)) = via {
                d = d.with_secondary(
                    span,
                    format!("used by campaign `{campaign}`, which has no scoring model"),
                );
            }
            self.diagnostics.push(d);
            return;
        };
        self.used
            .insert((NameKind::Scoring, model_name.to_string()));
        let Some(component) = &r.component else {
            return;
        };
        let Some(model) = self.models.get(model_name).copied() else {
            return;
        };
        if model.components.iter().any(|c| &c.name.name == component) {
            return;
        }
        let names = model.components.iter().map(|c| c.name.name.as_str());
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            format!("scoring model `{model_name}` has no component `{component}`"),
            r.span,
            "no such component",
        )
        .with_secondary(model.name.span, format!("`{model_name}` is defined here"));
        if let Some((campaign, span)) = via {
            d = d.with_secondary(span, format!("the model of campaign `{campaign}`"));
        }
        d = match suggest::closest_within(
            component,
            names,
            model.components.len(),
            &mut self.suggestion_budget,
        ) {
            Some(close) => d.with_help(format!("did you mean `score.{close}`?")),
            None => d.with_help(format!(
                "its components are: {}",
                model
                    .components
                    .iter()
                    .map(|c| format!("`{}`", c.name.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(d);
    }

    pub(crate) fn event_source(&mut self, source: &ast::EventSource) -> ir::EventSource {
        match source {
            ast::EventSource::Inactive(d) => ir::EventSource::Inactive(self.duration(d)),
            ast::EventSource::Event(e) => match self.event(e) {
                Some(event) => ir::EventSource::Event(event),
                None => ir::EventSource::Event(ir::Event {
                    kind: EventKind::Custom,
                    argument: None,
                    span: e.span,
                }),
            },
        }
    }

    /// Classifies a catalogue event and checks its argument; `None` when the
    /// name is not in the catalogue (reported).
    fn event(&mut self, e: &ast::EventRef) -> Option<ir::Event> {
        let name = e.name.name.as_str();
        if EventKind::from_name(name).is_some() {
            self.index
                .refer(super::index::SymbolKind::Event, name, e.name.span, None);
        }
        let Some(kind) = EventKind::from_name(name) else {
            let mut d = Diagnostic::new(
                Code::UnknownEvent,
                format!("unknown event `{name}`"),
                e.name.span,
                "not in the event catalogue",
            );
            d = match suggest::closest(name, EventKind::ALL.iter().map(|k| k.name())) {
                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                None => d.with_help("custom events are written `event(\"Name of the event\")`"),
            };
            self.diagnostics.push(d);
            return None;
        };
        let argument = match (kind.argument_kind(), &e.argument) {
            (_, None)
                if matches!(
                    kind.argument_kind(),
                    ArgumentKind::RequiredSegment | ArgumentKind::RequiredCustomName
                ) =>
            {
                let example = if kind == EventKind::SegmentEntered {
                    "segment.entered(mql)"
                } else {
                    "event(\"Signed up for beta\")"
                };
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidEventArgument,
                        format!("`{name}` needs an argument"),
                        e.span,
                        "argument missing",
                    )
                    .with_help(format!("for example `{example}`")),
                );
                None
            }
            (_, None) => None,
            (ArgumentKind::NoArgument, Some(arg)) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidEventArgument,
                        format!("`{name}` takes no argument"),
                        arg.span(),
                        "unexpected argument",
                    )
                    .with_help(format!("write `{name}`")),
                );
                None
            }
            (
                ArgumentKind::OptionalId
                | ArgumentKind::OptionalPath
                | ArgumentKind::RequiredCustomName,
                Some(ast::Argument::String(s)),
            ) => Some(ir::EventArgument::Text(s.value.clone())),
            (
                ArgumentKind::OptionalId
                | ArgumentKind::OptionalPath
                | ArgumentKind::RequiredCustomName,
                Some(ast::Argument::Name(n)),
            ) => {
                let what = match kind.argument_kind() {
                    ArgumentKind::OptionalPath => "a page path",
                    ArgumentKind::RequiredCustomName => "the event's name",
                    _ => "an id",
                };
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidEventArgument,
                        format!("`{name}` takes {what} as a string"),
                        n.span,
                        "expected a string",
                    )
                    .with_help(format!("quote it: `{name}(\"{}\")`", n.name)),
                );
                None
            }
            (
                ArgumentKind::OptionalEmail | ArgumentKind::RequiredSegment,
                Some(ast::Argument::Name(n)),
            ) => {
                if kind == EventKind::SegmentEntered {
                    self.reference(n, NameKind::Segment);
                    Some(ir::EventArgument::Segment(self.ids.segment(n)))
                } else {
                    self.reference(n, NameKind::Email);
                    Some(ir::EventArgument::Email(self.ids.email(n)))
                }
            }
            (
                ArgumentKind::OptionalEmail | ArgumentKind::RequiredSegment,
                Some(ast::Argument::String(s)),
            ) => {
                let what = if kind == EventKind::SegmentEntered {
                    "a segment"
                } else {
                    "an email"
                };
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidEventArgument,
                        format!("`{name}` takes the name of {what}, not a string"),
                        s.span,
                        format!("expected the name of {what}"),
                    )
                    .with_help(format!(
                        "write the name without quotes: `{name}({})`",
                        s.value
                    )),
                );
                None
            }
        };
        Some(ir::Event {
            kind,
            argument,
            span: e.span,
        })
    }
}

fn value_of(l: &ast::Literal) -> ir::Value {
    match &l.kind {
        ast::LiteralKind::String(s) => ir::Value::String(s.clone()),
        ast::LiteralKind::Number(n) => ir::Value::Number(*n),
        ast::LiteralKind::Bool(b) => ir::Value::Bool(*b),
    }
}

/// A literal in words, for messages.
pub(super) fn describe(l: &ast::LiteralKind) -> String {
    match l {
        ast::LiteralKind::String(s) => format!("the string \"{s}\""),
        ast::LiteralKind::Number(n) => format!("the number {n}"),
        ast::LiteralKind::Bool(b) => format!("`{b}`"),
    }
}
