//! Pairs → AST, one function per rule. The grammar guarantees each rule's
//! shape; a shape it does not guarantee is an internal error, reported as a
//! diagnostic rather than a panic.

use super::ast::*;
use super::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use pest::iterators::{Pair, Pairs};

/// A tree shape the grammar should have made impossible.
struct Bug(Span, &'static str);

type Result<T> = std::result::Result<T, Bug>;

struct Converter {
    file: FileId,
    /// Where the parsed text starts in the file: pest counts from the start
    /// of what it was given, which is one item when recovering.
    base: usize,
    diagnostics: Vec<Diagnostic>,
}

/// Converts the pairs of a text that starts at byte `base` of the file
/// (its comments blanked, [`super::scan::blank_comments`]).
pub fn file(
    file: FileId,
    base: usize,
    mut pairs: Pairs<'_, Rule>,
) -> std::result::Result<(Vec<Item>, Vec<Diagnostic>), Box<Diagnostic>> {
    let mut c = Converter {
        file,
        base,
        diagnostics: Vec::new(),
    };
    let result = match pairs.next() {
        Some(root) => c.file_items(root),
        None => Err(Bug(Span::new(file, base, base), "empty parse")),
    };
    match result {
        Ok(items) => Ok((items, c.diagnostics)),
        Err(Bug(span, what)) => Err(Box::new(Diagnostic::new(
            Code::Syntax,
            format!("internal compiler error: unexpected syntax tree ({what}); please report this"),
            span,
            "the parser could not read this",
        ))),
    }
}

/// Keywords and punctuation: the tokens the tree's shape already says.
fn is_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::equals
            | Rule::colon
            | Rule::dash
            | Rule::kw_during
            | Rule::kw_segment
            | Rule::kw_email
            | Rule::kw_emails
            | Rule::kw_scoring
            | Rule::kw_campaign
            | Rule::kw_subject
            | Rule::kw_template
            | Rule::kw_stage
            | Rule::kw_preview
            | Rule::kw_title
            | Rule::kw_trigger
            | Rule::kw_audience
            | Rule::kw_goal
            | Rule::kw_suppress
            | Rule::kw_cap
            | Rule::kw_per
            | Rule::kw_reentry
            | Rule::kw_never
            | Rule::kw_always
            | Rule::kw_after
            | Rule::kw_where
            | Rule::kw_when
            | Rule::kw_send
            | Rule::kw_wait
            | Rule::kw_until
            | Rule::kw_branch
            | Rule::kw_else
            | Rule::kw_split
            | Rule::kw_set
            | Rule::kw_notify
            | Rule::kw_handoff
            | Rule::kw_note
            | Rule::kw_task
            | Rule::kw_due
            | Rule::kw_enroll
            | Rule::kw_goto
            | Rule::kw_exit
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_in
            | Rule::kw_within
            | Rule::kw_inactive
            | Rule::kw_if
            | Rule::kw_on
            | Rule::kw_max
            | Rule::kw_contains
            | Rule::kw_properties
            | Rule::kw_of
            | Rule::kw_text
            | Rule::kw_number
            | Rule::kw_bool
            | Rule::kw_list
    )
}

/// The meaningful children of a pair: keywords dropped. Read straight off
/// pest's token queue, one child looked ahead at most, so that no node of
/// the tree costs an allocation of its own.
struct Children<'i> {
    inner: Pairs<'i, Rule>,
    peeked: Option<Pair<'i, Rule>>,
    span: Span,
}

impl<'i> Children<'i> {
    fn pull(&mut self) -> Option<Pair<'i, Rule>> {
        if let Some(p) = self.peeked.take() {
            return Some(p);
        }
        self.inner.by_ref().find(|p| !is_token(p.as_rule()))
    }

    fn next(&mut self, what: &'static str) -> Result<Pair<'i, Rule>> {
        self.pull().ok_or(Bug(self.span, what))
    }

    fn peek_rule(&mut self) -> Option<Rule> {
        if self.peeked.is_none() {
            self.peeked = self.pull();
        }
        self.peeked.as_ref().map(Pair::as_rule)
    }

    fn next_if(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek_rule() == Some(rule) {
            self.pull()
        } else {
            None
        }
    }

    fn rest(mut self) -> impl Iterator<Item = Pair<'i, Rule>> {
        std::iter::from_fn(move || self.pull())
    }
}

impl Converter {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let end = self.trim_trailing_trivia(s.get_input(), s.start(), s.end());
        self.at(s.start(), end)
    }

    /// A span from offsets into the text pest was given.
    fn at(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    /// pest leaves the whitespace skipped before a failed optional tail
    /// inside the rule's span; cut it off so that labels end on the last
    /// token. Comments are white space here: pest was given the text with
    /// them blanked.
    fn trim_trailing_trivia(&self, input: &str, start: usize, mut end: usize) -> usize {
        let bytes = input.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            end -= 1;
        }
        end
    }

    fn children<'i>(&self, pair: Pair<'i, Rule>) -> Children<'i> {
        // Only for reporting a bug: the span untrimmed.
        let s = pair.as_span();
        let span = self.at(s.start(), s.end());
        Children {
            inner: pair.into_inner(),
            peeked: None,
            span,
        }
    }

    fn file_items(&mut self, root: Pair<'_, Rule>) -> Result<Vec<Item>> {
        let mut items = Vec::new();
        for pair in root.into_inner() {
            let item = match pair.as_rule() {
                Rule::segment_def => Item::Segment(self.segment(pair)?),
                Rule::email_def => Item::Email(self.email(pair)?),
                Rule::scoring_def => Item::Scoring(self.scoring(pair)?),
                Rule::campaign_def => Item::Campaign(self.campaign(pair)?),
                Rule::properties_def => Item::Properties(self.properties(pair)?),
                Rule::EOI => continue,
                _ => return Err(Bug(self.span(&pair), "item")),
            };
            items.push(item);
        }
        Ok(items)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span(&pair);
        let pair_text = pair.as_str();
        let pair_start = pair.as_span().start();
        let mut value = String::new();
        for part in pair.into_inner() {
            let text = part.as_str();
            if part.as_rule() == Rule::escape {
                value.push(decode_escape(text));
            } else {
                value.push_str(text);
            }
        }
        let tags = crate::merge_tags::find(pair_text)
            .into_iter()
            .map(|tag| MergeTag {
                path: tag.path.to_string(),
                span: self.at(pair_start + tag.range.start, pair_start + tag.range.end),
            })
            .collect();
        StringLit { value, span, tags }
    }

    fn duration(&mut self, pair: Pair<'_, Rule>) -> DurationLit {
        let span = self.span(&pair);
        let text = pair.as_str().to_string();
        let (digits, unit) = text.split_at(text.len().saturating_sub(1));
        let per_unit: u64 = match unit {
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => 604_800,
        };
        let seconds = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(per_unit))
            .filter(|s| *s <= crate::MAX_DURATION_SECONDS);
        DurationLit {
            text,
            seconds,
            span,
        }
    }

    fn whole_number(&mut self, pair: &Pair<'_, Rule>, what: &str) -> Option<u64> {
        let text = pair
            .as_str()
            .trim_start_matches(['+', '-'])
            .trim_end_matches('%');
        let value = text
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= crate::MAX_WHOLE_NUMBER);
        if value.is_none() {
            self.diagnostics.push(Diagnostic::new(
                Code::NumberTooLarge,
                format!("this {what} is too large"),
                self.span(pair),
                format!("at most {} is accepted", crate::MAX_WHOLE_NUMBER),
            ));
        }
        value
    }

    fn literal(&mut self, pair: Pair<'_, Rule>) -> Result<Literal> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => LiteralKind::String(self.string(pair).value),
            Rule::boolean => LiteralKind::Bool(pair.as_str() == "true"),
            Rule::number => {
                let value = pair
                    .as_str()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && v.abs() <= 1e15);
                if value.is_none() {
                    self.diagnostics.push(Diagnostic::new(
                        Code::NumberTooLarge,
                        "this number is too large",
                        span,
                        "numbers up to 10^15 are accepted",
                    ));
                }
                LiteralKind::Number(value.unwrap_or(0.0))
            }
            _ => return Err(Bug(span, "literal")),
        };
        Ok(Literal { kind, span })
    }

    fn segment(&mut self, pair: Pair<'_, Rule>) -> Result<SegmentDef> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(c.next("segment name")?);
        let condition = self.condition(c.next("segment condition")?)?;
        Ok(SegmentDef {
            name,
            condition,
            span,
        })
    }

    fn email(&mut self, pair: Pair<'_, Rule>) -> Result<EmailDef> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(c.next("email name")?);
        let mut fields = Vec::new();
        for field in c.rest() {
            let field_span = self.span(&field);
            let rule = field.as_rule();
            let mut fc = self.children(field);
            let value = fc.next("email field value")?;
            let kind = match rule {
                Rule::email_subject => EmailFieldKind::Subject(self.string(value)),
                Rule::email_template => EmailFieldKind::Template(self.string(value)),
                Rule::email_preview => EmailFieldKind::Preview(self.string(value)),
                Rule::email_stage => EmailFieldKind::Stage(match value.as_str() {
                    "awareness" => FunnelStage::Awareness,
                    "consideration" => FunnelStage::Consideration,
                    "decision" => FunnelStage::Decision,
                    _ => FunnelStage::Retention,
                }),
                _ => return Err(Bug(field_span, "email field")),
            };
            fields.push(EmailField {
                kind,
                span: field_span,
            });
        }
        Ok(EmailDef { name, fields, span })
    }

    fn scoring(&mut self, pair: Pair<'_, Rule>) -> Result<ScoringDef> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(c.next("scoring name")?);
        let mut components = Vec::new();
        for component in c.rest() {
            let component_span = self.span(&component);
            let mut cc = self.children(component);
            let component_name = self.ident(cc.next("component name")?);
            let mut rules = Vec::new();
            for rule in cc.rest() {
                let rule_span = self.span(&rule);
                let mut rc = self.children(rule);
                let points_pair = rc.next("points")?;
                let points_span = self.span(&points_pair);
                let negative = points_pair.as_str().starts_with('-');
                let points = self
                    .whole_number(&points_pair, "point value")
                    .and_then(|v| i64::try_from(v).ok())
                    .map(|v| if negative { -v } else { v });
                let body = rc.next("scoring rule body")?;
                let body_rule = body.as_rule();
                let mut bc = self.children(body);
                let inner = bc.next("scoring rule condition")?;
                let mut max = None;
                let kind = match body_rule {
                    Rule::score_if => ScoreRuleKind::If(Box::new(self.condition(inner)?)),
                    Rule::score_on => {
                        let mut sources = vec![self.event_source(inner)?];
                        for more in bc.rest() {
                            if more.as_rule() == Rule::score_max {
                                max = Some(self.score_max(more)?);
                            } else {
                                sources.push(self.event_source(more)?);
                            }
                        }
                        ScoreRuleKind::On(sources)
                    }
                    _ => return Err(Bug(rule_span, "scoring rule")),
                };
                rules.push(ScoreRule {
                    points,
                    points_span,
                    kind,
                    max,
                    span: rule_span,
                });
            }
            components.push(ScoreComponent {
                name: component_name,
                rules,
                span: component_span,
            });
        }
        Ok(ScoringDef {
            name,
            components,
            span,
        })
    }

    fn score_max(&mut self, pair: Pair<'_, Rule>) -> Result<ScoreMax> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let value = self.whole_number(&c.next("max points")?, "maximum");
        Ok(ScoreMax { value, span })
    }

    fn properties(&mut self, pair: Pair<'_, Rule>) -> Result<PropertiesDef> {
        let span = self.span(&pair);
        let keyword = Span::new(self.file, span.start, span.start + "properties".len());
        let mut declarations = Vec::new();
        for decl in self.children(pair).rest() {
            let decl_span = self.span(&decl);
            let mut dc = self.children(decl);
            let name = self.ident(dc.next("property name")?);
            let ty_pair = dc.next("property type")?;
            let ty_span = self.span(&ty_pair);
            let ty = match ty_pair.as_rule() {
                Rule::type_text => PropertyType::Text,
                Rule::type_number => PropertyType::Number,
                Rule::type_bool => PropertyType::Bool,
                Rule::type_list => PropertyType::TextList,
                Rule::type_enum => {
                    let mut tc = self.children(ty_pair);
                    let list = tc.next("enumeration")?;
                    let values = list
                        .into_inner()
                        .filter(|p| !is_token(p.as_rule()))
                        .map(|v| self.literal(v))
                        .collect::<Result<Vec<_>>>()?;
                    PropertyType::Enum(values)
                }
                _ => return Err(Bug(ty_span, "property type")),
            };
            declarations.push(PropertyDecl {
                name,
                ty,
                ty_span,
                span: decl_span,
            });
        }
        Ok(PropertiesDef {
            declarations,
            keyword,
            span,
        })
    }

    fn event_source(&mut self, pair: Pair<'_, Rule>) -> Result<EventSource> {
        match pair.as_rule() {
            Rule::inactive => {
                let mut c = self.children(pair);
                Ok(EventSource::Inactive(
                    self.duration(c.next("inactive duration")?),
                ))
            }
            Rule::event_ref => Ok(EventSource::Event(self.event_ref(pair)?)),
            _ => Err(Bug(self.span(&pair), "event source")),
        }
    }

    /// `event_ref` and `operand` share a shape: a path and an optional argument.
    fn event_ref(&mut self, pair: Pair<'_, Rule>) -> Result<EventRef> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(c.next("event name")?);
        let argument = match c.next_if(Rule::argument) {
            Some(arg) => {
                let mut ac = self.children(arg);
                let value = ac.next("argument value")?;
                Some(match value.as_rule() {
                    Rule::string => Argument::String(self.string(value)),
                    _ => Argument::Name(self.ident(value)),
                })
            }
            None => None,
        };
        Ok(EventRef {
            name,
            argument,
            span,
        })
    }

    fn campaign(&mut self, pair: Pair<'_, Rule>) -> Result<CampaignDef> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let name = self.ident(c.next("campaign name")?);
        let mut settings = Vec::new();
        let mut flow = Vec::new();
        let mut misplaced_settings = Vec::new();
        for member in c.rest() {
            if member.as_rule() == Rule::statement {
                flow.push(self.statement(member)?);
            } else {
                let setting = self.setting(member)?;
                if !flow.is_empty() {
                    misplaced_settings.push(setting.span);
                }
                settings.push(setting);
            }
        }
        Ok(CampaignDef {
            name,
            settings,
            flow,
            misplaced_settings,
            span,
        })
    }

    fn setting(&mut self, pair: Pair<'_, Rule>) -> Result<Setting> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut c = self.children(pair);
        let kind = match rule {
            Rule::title_setting => SettingKind::Title(self.string(c.next("title")?)),
            Rule::trigger_setting => {
                let source = self.event_source(c.next("trigger source")?)?;
                let filter = match c.next_if(Rule::trigger_where) {
                    Some(w) => {
                        let mut wc = self.children(w);
                        Some(self.condition(wc.next("where condition")?)?)
                    }
                    None => None,
                };
                SettingKind::Trigger { source, filter }
            }
            Rule::audience_setting => SettingKind::Audience(self.condition(c.next("audience")?)?),
            Rule::scoring_setting => SettingKind::Scoring(self.ident(c.next("scoring name")?)),
            Rule::goal_setting => {
                let name = self.ident(c.next("goal name")?);
                let condition = self.condition(c.next("goal condition")?)?;
                SettingKind::Goal { name, condition }
            }
            Rule::suppress_setting => {
                SettingKind::Suppress(self.condition(c.next("suppress condition")?)?)
            }
            Rule::cap_setting => {
                let count = c.next("cap count")?;
                let sends_span = self.span(&count);
                let sends = self.whole_number(&count, "cap");
                let per = self.duration(c.next("cap duration")?);
                SettingKind::Cap {
                    sends,
                    sends_span,
                    per,
                }
            }
            Rule::reentry_setting => {
                let mode = c.next("reentry mode")?;
                SettingKind::Reentry(match mode.as_rule() {
                    Rule::reentry_never => Reentry::Never,
                    Rule::reentry_always => Reentry::Always,
                    _ => {
                        let mut mc = self.children(mode);
                        Reentry::After(self.duration(mc.next("reentry duration")?))
                    }
                })
            }
            Rule::handler_setting => {
                let condition = self.condition(c.next("handler condition")?)?;
                let body = self.block(c.next("handler block")?)?;
                SettingKind::Handler { condition, body }
            }
            Rule::window_setting => SettingKind::SendWindow(self.send_window(c)?),
            _ => return Err(Bug(span, "setting")),
        };
        Ok(Setting { kind, span })
    }

    fn send_window(&mut self, mut c: Children<'_>) -> Result<SendWindowDef> {
        let days_pair = c.next("window days")?;
        let mut days = Vec::new();
        for day in self.children(days_pair).rest() {
            let span = self.span(&day);
            let mut dc = self.children(day);
            let first = self.ident(dc.next("first day")?);
            let last = dc.rest().next().map(|d| self.ident(d));
            days.push(DaySpan { first, last, span });
        }
        let mut hc = self.children(c.next("window hours")?);
        let clock = |pair: Pair<'_, Rule>| ClockLit {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        };
        let open = clock(hc.next("opening time")?);
        let close = clock(hc.next("closing time")?);
        Ok(SendWindowDef { days, open, close })
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Result<Block> {
        let span = self.span(&pair);
        let statements = pair
            .into_inner()
            .filter(|p| !is_token(p.as_rule()))
            .map(|s| self.statement(s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Block { statements, span })
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Result<Statement> {
        let span = self.span(&pair);
        let mut c = self.children(pair);
        let label = match c.next_if(Rule::label) {
            Some(l) => {
                let mut lc = self.children(l);
                Some(self.ident(lc.next("label name")?))
            }
            None => None,
        };
        let body = c.next("statement")?;
        let body_span = self.span(&body);
        let rule = body.as_rule();
        // The head runs from the keyword to the end of the last operand
        // before any nested block.
        let mut head = body_span;
        let mut bc = self.children(body);
        let kind = match rule {
            Rule::send_stmt => {
                let email = self.ident(bc.next("email name")?);
                StatementKind::Send(email)
            }
            Rule::wait_stmt => {
                let duration = self.duration(bc.next("wait duration")?);
                let until = match bc.next_if(Rule::wait_until) {
                    Some(u) => {
                        let mut uc = self.children(u);
                        Some(Box::new(self.condition(uc.next("until condition")?)?))
                    }
                    None => None,
                };
                StatementKind::Wait { duration, until }
            }
            Rule::branch_stmt => {
                head = Span::new(self.file, body_span.start, body_span.start + "branch".len());
                let mut arms = Vec::new();
                let mut otherwise = None;
                for arm in bc.rest() {
                    let arm_span = self.span(&arm);
                    let arm_rule = arm.as_rule();
                    // The `when`/`else` keyword is the arm's first token.
                    let keyword_end = arm
                        .clone()
                        .into_inner()
                        .next()
                        .map_or(arm_span.end, |k| self.base + k.as_span().end());
                    let keyword_span = Span::new(self.file, arm_span.start, keyword_end);
                    let mut ac = self.children(arm);
                    if arm_rule == Rule::branch_arm {
                        let condition = self.condition(ac.next("arm condition")?)?;
                        let body = self.block(ac.next("arm block")?)?;
                        arms.push(BranchArm {
                            when_span: keyword_span,
                            condition,
                            body,
                            span: arm_span,
                        });
                    } else {
                        let body = self.block(ac.next("else block")?)?;
                        otherwise = Some(ElseArm {
                            else_span: keyword_span,
                            body,
                        });
                    }
                }
                StatementKind::Branch { arms, otherwise }
            }
            Rule::split_stmt => {
                head = Span::new(self.file, body_span.start, body_span.start + "split".len());
                let mut arms = Vec::new();
                for arm in bc.rest() {
                    let arm_span = self.span(&arm);
                    let mut ac = self.children(arm);
                    let percent_pair = ac.next("split share")?;
                    let percent_span = self.span(&percent_pair);
                    let percent = self.whole_number(&percent_pair, "percentage");
                    let body = self.block(ac.next("split block")?)?;
                    arms.push(SplitArm {
                        percent,
                        percent_span,
                        body,
                        span: arm_span,
                    });
                }
                StatementKind::Split { arms }
            }
            Rule::set_stmt => {
                let property = self.ident(bc.next("property")?);
                let value = self.literal(bc.next("value")?)?;
                StatementKind::Set { property, value }
            }
            Rule::notify_stmt => {
                let who = bc.next("recipient")?;
                let recipient = if who.as_rule() == Rule::string {
                    Recipient::Address(self.string(who))
                } else {
                    Recipient::Name(self.ident(who))
                };
                let message = self.string(bc.next("notification")?);
                StatementKind::Notify { recipient, message }
            }
            Rule::handoff_stmt => {
                let queue = self.ident(bc.next("queue")?);
                head = Span::new(self.file, body_span.start, queue.span.end);
                let body = match bc.next_if(Rule::handoff_body) {
                    Some(b) => {
                        let b_span = self.span(&b);
                        let mut notes = Vec::new();
                        let mut tasks = Vec::new();
                        for field in b.into_inner().filter(|p| !is_token(p.as_rule())) {
                            let field_span = self.span(&field);
                            let field_rule = field.as_rule();
                            let mut fc = self.children(field);
                            let text = self.string(fc.next("handoff text")?);
                            if field_rule == Rule::handoff_note {
                                notes.push(text);
                            } else {
                                let due = fc.next_if(Rule::duration).map(|d| self.duration(d));
                                tasks.push(Task {
                                    title: text,
                                    due,
                                    span: field_span,
                                });
                            }
                        }
                        Some(HandoffBody {
                            notes,
                            tasks,
                            span: b_span,
                        })
                    }
                    None => None,
                };
                StatementKind::Handoff { queue, body }
            }
            Rule::enroll_stmt => StatementKind::Enroll(self.ident(bc.next("campaign name")?)),
            Rule::goto_stmt => StatementKind::Goto(self.ident(bc.next("label name")?)),
            Rule::exit_stmt => {
                StatementKind::Exit(bc.next_if(Rule::string).map(|s| self.string(s)))
            }
            _ => return Err(Bug(body_span, "statement")),
        };
        Ok(Statement {
            label,
            kind,
            head,
            span,
        })
    }

    /// Conditions nest as deep as their parentheses allow, so this is the
    /// recursion of the converter that input drives to the nesting limit. Its
    /// frame is kept small: a chain of single operands (`((a))`, an `or` of
    /// one `and` of one operand) is followed in a loop, and leaves are read
    /// by [`Converter::leaf_condition`]. (Before, a condition at the limit
    /// took 3.6 MB of stack in a debug build, more than a test thread has.)
    fn condition(&mut self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let mut pair = pair;
        // The outermost `condition` or `( … )` gives the span, parentheses
        // included.
        let mut outer: Option<Span> = None;
        loop {
            let span = self.span(&pair);
            match pair.as_rule() {
                Rule::condition | Rule::paren => {
                    outer.get_or_insert(span);
                    pair = pair
                        .into_inner()
                        .find(|p| !is_token(p.as_rule()))
                        .ok_or(Bug(span, "condition"))?;
                }
                Rule::or_expr | Rule::and_expr => {
                    let is_or = pair.as_rule() == Rule::or_expr;
                    let pairs = pair.into_inner();
                    // Operands and the `or`/`and` between them.
                    let count = pairs.len().div_ceil(2);
                    let mut operands = pairs.filter(|p| !is_token(p.as_rule()));
                    let first = operands.next().ok_or(Bug(span, "operand"))?;
                    let Some(second) = operands.next() else {
                        pair = first;
                        continue;
                    };
                    let mut items = Vec::with_capacity(count);
                    items.push(self.condition(first)?);
                    items.push(self.condition(second)?);
                    for operand in operands {
                        items.push(self.condition(operand)?);
                    }
                    let kind = if is_or {
                        ConditionKind::Or(items)
                    } else {
                        ConditionKind::And(items)
                    };
                    return Ok(Condition {
                        kind,
                        span: outer.unwrap_or(span),
                    });
                }
                Rule::not_expr => {
                    // `kw_not*` then the primary: count the `not`s on the
                    // way to the last pair.
                    let mut nots = 0usize;
                    let mut start = None;
                    let mut primary = None;
                    for p in pair.into_inner() {
                        if let Some(previous) = primary.replace(p) {
                            nots += 1;
                            start.get_or_insert(previous.as_span().start());
                        }
                    }
                    let primary = primary.ok_or(Bug(span, "not operand"))?;
                    let Some(start) = start else {
                        pair = primary;
                        continue;
                    };
                    // `not not c` is `c`: a chain of `not`s folds to one
                    // `not` or none, so no length of chain can deepen the
                    // tree (every later stage recurses over it, and a
                    // 100,000-deep chain of boxes would overflow the stack
                    // even when dropped).
                    let start = self.base + start;
                    let odd = nots % 2 == 1;
                    let operand = self.condition(primary)?;
                    let span = outer.unwrap_or(Span::new(self.file, start, operand.span.end));
                    return Ok(if odd {
                        Condition {
                            span,
                            kind: ConditionKind::Not(Box::new(operand)),
                        }
                    } else {
                        Condition { span, ..operand }
                    });
                }
                _ => {
                    let mut leaf = self.leaf_condition(pair)?;
                    if let Some(span) = outer {
                        leaf.span = span;
                    }
                    return Ok(leaf);
                }
            }
        }
    }

    /// A condition without operands of its own: `in x`, `inactive 30d`, or a
    /// test. Not inlined, so its locals stay out of the recursive frame.
    #[inline(never)]
    fn leaf_condition(&mut self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::in_segment => {
                let mut c = self.children(pair);
                let segment = self.ident(c.next("segment name")?);
                Ok(Condition {
                    kind: ConditionKind::InSegment(segment),
                    span,
                })
            }
            Rule::inactive => {
                let mut c = self.children(pair);
                let duration = self.duration(c.next("inactive duration")?);
                Ok(Condition {
                    kind: ConditionKind::Inactive(duration),
                    span,
                })
            }
            Rule::test => {
                let mut c = self.children(pair);
                let operand = self.event_ref(c.next("operand")?)?;
                let tail = match c.pull() {
                    Some(t) => Some(self.test_tail(t)?),
                    None => None,
                };
                Ok(Condition {
                    kind: ConditionKind::Test { operand, tail },
                    span,
                })
            }
            _ => Err(Bug(span, "condition")),
        }
    }

    fn test_tail(&mut self, pair: Pair<'_, Rule>) -> Result<TestTail> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut c = self.children(pair);
        match rule {
            Rule::comparison => {
                let op_pair = c.next("operator")?;
                let op_span = self.span(&op_pair);
                let op = match op_pair.as_str() {
                    "==" => CompareOp::Eq,
                    "!=" => CompareOp::Ne,
                    ">=" => CompareOp::Ge,
                    "<=" => CompareOp::Le,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::Lt,
                };
                let value = self.literal(c.next("compared value")?)?;
                Ok(TestTail::Compare { op, op_span, value })
            }
            Rule::membership => {
                let negated = c.next_if(Rule::negation).is_some();
                let list = c.next("list")?;
                let values = list
                    .into_inner()
                    .filter(|p| !is_token(p.as_rule()))
                    .map(|v| self.literal(v))
                    .collect::<Result<Vec<_>>>()?;
                Ok(TestTail::Member {
                    negated,
                    values,
                    span,
                })
            }
            Rule::within => Ok(TestTail::Within(self.duration(c.next("within duration")?))),
            Rule::contains => Ok(TestTail::Contains {
                value: self.literal(c.next("contained value")?)?,
                span,
            }),
            _ => Err(Bug(span, "test tail")),
        }
    }
}

fn decode_escape(text: &str) -> char {
    match text {
        "\\n" => '\n',
        "\\t" => '\t',
        "\\\"" => '"',
        "\\\\" => '\\',
        _ => text
            .strip_prefix("\\u{")
            .and_then(|t| t.strip_suffix('}'))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32)
            .unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}
