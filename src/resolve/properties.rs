//! Declared properties: the optional `properties { … }` block. Without one,
//! contact properties stay undeclared as in the core and nothing here
//! reports anything. With one, every property used must be declared
//! (`unknown-property`), a string compared with or set on a `text in [ … ]`
//! property must be one of its values (`unknown-value`), and every use must
//! fit the declared type (`type-mismatch`). A block that failed to parse
//! turns all of this off: its syntax error is the only diagnostic it causes.

use super::conditions::describe;
use super::{suggest, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, PropertyType};
use crate::span::Span;
use crate::syntax::ast;
use foldhash::HashMap;

/// The declarations in effect, by name, and their names in source order
/// for suggestions.
#[derive(Default, Clone, PartialEq)]
pub(crate) struct Declared {
    types: HashMap<String, PropertyType>,
    spans: HashMap<String, Span>,
    order: Vec<String>,
}

/// How a condition or statement uses a property.
pub(crate) enum Use<'u> {
    /// A bare name: a boolean test.
    Flag,
    Compare(ast::CompareOp, &'u ast::Literal),
    Member(&'u [ast::Literal]),
    Contains(&'u ast::Literal),
    Set(&'u ast::Literal),
}

impl Use<'_> {
    /// The type a use suggests, for the help of an undeclared property.
    fn likely_type(&self) -> &'static str {
        let of = |l: &ast::Literal| match l.kind {
            ast::LiteralKind::Number(_) => "number",
            ast::LiteralKind::Bool(_) => "bool",
            ast::LiteralKind::String(_) => "text",
        };
        match self {
            Use::Flag => "bool",
            Use::Contains(_) => "list of text",
            Use::Compare(_, value) | Use::Set(value) => of(value),
            Use::Member(values) => values.first().map_or("text", of),
        }
    }
}

impl Resolver<'_> {
    /// Reads the project's `properties` blocks: the first one declares, a
    /// second is `duplicate-name`. Returns the block for the IR.
    pub(crate) fn declare_properties(&mut self, files: &[ast::File]) -> Option<ir::Properties> {
        let blocks: Vec<&ast::PropertiesDef> = files
            .iter()
            .flat_map(|f| &f.items)
            .filter_map(|item| match item {
                ast::Item::Properties(p) => Some(p),
                _ => None,
            })
            .collect();
        let broken = files
            .iter()
            .flat_map(|f| &f.broken)
            .any(|b| b.kind == Some(ast::ItemKind::Properties));
        let (first, rest) = blocks.split_first()?;
        for second in rest {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    "the project has more than one `properties` block",
                    second.keyword,
                    "second `properties` block",
                )
                .with_secondary(first.keyword, "first declared here")
                .with_help("declare every property in one block"),
            );
        }
        let lowered = self.lower_properties(first);
        if !broken {
            let mut declared = Declared::default();
            for d in &lowered.declarations {
                declared.types.insert(d.name.clone(), d.ty.clone());
                declared.spans.insert(d.name.clone(), d.name_span);
                declared.order.push(d.name.clone());
            }
            self.declared = Some(std::sync::Arc::new(declared));
        }
        Some(lowered)
    }

    fn lower_properties(&mut self, block: &ast::PropertiesDef) -> ir::Properties {
        let mut declarations: Vec<ir::PropertyDecl> = Vec::new();
        for decl in &block.declarations {
            if let Some(first) = declarations.iter().find(|d| d.name == decl.name.name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("property `{}` is declared twice", decl.name.name),
                        decl.name.span,
                        "second declaration",
                    )
                    .with_secondary(first.name_span, "first declared here")
                    .with_help("keep one declaration"),
                );
                continue;
            }
            let ty = match &decl.ty {
                ast::PropertyType::Text => PropertyType::Text,
                ast::PropertyType::Number => PropertyType::Number,
                ast::PropertyType::Bool => PropertyType::Bool,
                ast::PropertyType::TextList => PropertyType::TextList,
                ast::PropertyType::Enum(values) => PropertyType::Enum(self.enum_values(values)),
            };
            self.index.define(
                super::index::SymbolKind::Property,
                &decl.name.name,
                decl.name.span,
                None,
            );
            declarations.push(ir::PropertyDecl {
                name: decl.name.name.clone(),
                name_span: decl.name.span,
                ty,
            });
        }
        ir::Properties {
            declarations,
            span: block.span,
        }
    }

    fn enum_values(&mut self, values: &[ast::Literal]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for value in values {
            match &value.kind {
                ast::LiteralKind::String(s) => {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
                other => self.diagnostics.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        "the values of `text in [ … ]` are text",
                        value.span,
                        format!("{} in a list of text values", describe(other)),
                    )
                    .with_help("quote it, or declare the property `number`"),
                ),
            }
        }
        out
    }

    /// Checks one use of a contact property against the declarations.
    /// `whole` is the comparison (or statement) the use stands in. Returns
    /// whether the use was checked here: when it was, the core's own type
    /// checks of undeclared properties do not run.
    pub(crate) fn use_property(&mut self, name: &ast::Ident, whole: Span, usage: Use<'_>) -> bool {
        self.index.refer(
            super::index::SymbolKind::Property,
            &name.name,
            name.span,
            None,
        );
        let Some(declared) = &self.declared else {
            return false;
        };
        let Some(ty) = declared.types.get(&name.name).cloned() else {
            let likely = usage.likely_type();
            let d = self.unknown_property(
                &name.name,
                name.span,
                "not declared in `properties`",
                &[],
                likely,
            );
            self.diagnostics.push(d);
            return true;
        };
        match usage {
            Use::Flag => {
                if ty != PropertyType::Bool {
                    self.mismatch(
                        name,
                        &ty,
                        whole,
                        "tested as a `bool`",
                        match ty {
                            PropertyType::TextList => {
                                format!("test a value: `{} contains \"…\"`", name.name)
                            }
                            PropertyType::Number => format!("compare it: `{} >= 1`", name.name),
                            _ => format!("compare it: `{} == \"…\"`", name.name),
                        },
                    );
                }
            }
            Use::Compare(op, value) => self.check_compare(name, &ty, whole, op, value),
            Use::Member(values) => {
                if ty == PropertyType::TextList {
                    self.mismatch(
                        name,
                        &ty,
                        whole,
                        "a list is not one of several values",
                        format!("test one value: `{} contains \"…\"`", name.name),
                    );
                    return true;
                }
                for value in values {
                    if !self.fits(name, &ty, whole, value) {
                        break;
                    }
                }
            }
            Use::Contains(value) => {
                if ty != PropertyType::TextList {
                    self.mismatch(
                        name,
                        &ty,
                        whole,
                        "`contains` tests a `list of text`",
                        format!("compare it: `{} == …`", name.name),
                    );
                } else if !matches!(value.kind, ast::LiteralKind::String(_)) {
                    self.mismatch(
                        name,
                        &ty,
                        whole,
                        "a list of text holds only text",
                        "quote the value".to_string(),
                    );
                }
            }
            Use::Set(value) => {
                if ty == PropertyType::TextList {
                    self.mismatch(
                        name,
                        &ty,
                        value.span,
                        "`set` gives one value, not a list",
                        "set a property of another type".to_string(),
                    );
                } else {
                    self.fits(name, &ty, value.span, value);
                }
            }
        }
        true
    }

    fn check_compare(
        &mut self,
        name: &ast::Ident,
        ty: &PropertyType,
        whole: Span,
        op: ast::CompareOp,
        value: &ast::Literal,
    ) {
        match ty {
            PropertyType::TextList => self.mismatch(
                name,
                ty,
                whole,
                "a list is not compared with one value",
                format!("test one value: `{} contains \"…\"`", name.name),
            ),
            PropertyType::Number => {
                self.fits(name, ty, whole, value);
            }
            _ if op.is_ordering() => self.mismatch(
                name,
                ty,
                whole,
                &format!("`{}` compares only numbers", op.as_str()),
                "compare with `==`, `!=` or `in [ … ]`".to_string(),
            ),
            _ => {
                self.fits(name, ty, whole, value);
            }
        }
    }

    /// Whether `value` is of the property's type (reported if not), and for
    /// an enumeration one of its values (reported if not).
    fn fits(
        &mut self,
        name: &ast::Ident,
        ty: &PropertyType,
        whole: Span,
        value: &ast::Literal,
    ) -> bool {
        let ok = matches!(
            (ty, &value.kind),
            (
                PropertyType::Text | PropertyType::Enum(_),
                ast::LiteralKind::String(_)
            ) | (PropertyType::Number, ast::LiteralKind::Number(_))
                | (PropertyType::Bool, ast::LiteralKind::Bool(_))
        );
        if !ok {
            let example = match ty {
                PropertyType::Number => "a number such as `200`",
                PropertyType::Bool => "`true` or `false`",
                _ => "a string such as `\"saas\"`",
            };
            self.mismatch(
                name,
                ty,
                whole,
                &format!(
                    "{} given to a `{}` property",
                    describe(&value.kind),
                    ty.describe()
                ),
                format!("give {example}"),
            );
            return false;
        }
        if let (PropertyType::Enum(values), ast::LiteralKind::String(s)) = (ty, &value.kind) {
            if !values.contains(s) {
                self.unknown_value(name, values, s, value.span);
            }
        }
        true
    }

    fn mismatch(
        &mut self,
        name: &ast::Ident,
        ty: &PropertyType,
        at: Span,
        label: &str,
        help: String,
    ) {
        let declared_at = self.declaration_span(&name.name).unwrap_or(name.span);
        self.diagnostics.push(
            Diagnostic::new(
                Code::TypeMismatch,
                format!("`{}` is declared `{}`", name.name, ty.describe()),
                at,
                label,
            )
            .with_secondary(declared_at, "declared here")
            .with_help(help),
        );
    }

    fn unknown_value(&mut self, name: &ast::Ident, values: &[String], value: &str, at: Span) {
        let declared_at = self.declaration_span(&name.name).unwrap_or(name.span);
        let mut d = Diagnostic::new(
            Code::UnknownValue,
            format!("\"{value}\" is not a value of `{}`", name.name),
            at,
            "not in the declared list",
        )
        .with_secondary(declared_at, "its values are declared here");
        d = match suggest::closest(value, values.iter().map(String::as_str)) {
            Some(close) => d.with_help(format!("did you mean \"{close}\"?")),
            None => d.with_help(format!(
                "its values are: {}",
                values
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(d);
    }

    fn declaration_span(&self, name: &str) -> Option<Span> {
        self.declared.as_ref()?.spans.get(name).copied()
    }

    /// `also` are names that exist without a declaration, for suggestions.
    /// `likely` is the type the use suggests, for the help.
    fn unknown_property(
        &mut self,
        name: &str,
        at: Span,
        label: &str,
        also: &[&str],
        likely: &str,
    ) -> Diagnostic {
        let mut order: Vec<String> = self
            .declared
            .as_ref()
            .map(|d| d.order.clone())
            .unwrap_or_default();
        order.extend(also.iter().map(|s| s.to_string()));
        let d = Diagnostic::new(
            Code::UnknownProperty,
            format!("property `{name}` is not declared"),
            at,
            label,
        );
        let count = order.len();
        match suggest::closest_within(
            name,
            order.iter().map(String::as_str),
            count,
            &mut self.suggestion_budget,
        ) {
            Some(close) => d.with_help(format!("did you mean `{close}`?")),
            None => d.with_help(format!(
                "declare it in the `properties` block, e.g. `{name}: {likely}`"
            )),
        }
    }

    /// Checks the `{{ contact.… }}` merge tags of a string: with declared
    /// properties, `contact.<p>` must be declared (or always present).
    pub(crate) fn merge_tags(&mut self, text: &ast::StringLit) {
        if self.declared.is_none() {
            return;
        }
        for tag in &text.tags {
            let Some(("contact", property)) = crate::merge_tags::checked_path(&tag.path) else {
                continue;
            };
            if crate::merge_tags::ALWAYS_PRESENT.contains(&tag.path.as_str()) {
                continue;
            }
            if self
                .declared
                .as_ref()
                .is_some_and(|d| d.types.contains_key(property))
            {
                continue;
            }
            let d = self
                .unknown_property(
                    property,
                    tag.span,
                    "this merge tag names an undeclared property",
                    &["first_name", "last_name", "email"],
                    "text",
                )
                .with_note(
                    "`contact.first_name`, `contact.last_name`, `contact.email` and `company.name` always exist",
                );
            self.diagnostics.push(d);
        }
    }
}
