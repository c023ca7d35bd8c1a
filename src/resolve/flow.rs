//! Lowering a campaign's statements to a graph of nodes. Nodes are numbered
//! in source order (a statement before the ones nested in it), so every
//! successor is known before its node is built: a statement's next sibling
//! comes right after its whole subtree.

use super::conditions::Context;
use super::{suggest, NameKind, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, NodeKind, Target};
use crate::span::Span;
use crate::syntax::ast;
use foldhash::{HashMap, HashMapExt};

struct FlowBuilder {
    nodes: Vec<ir::Node>,
    blocks: Vec<Vec<ir::NodeId>>,
    labels: HashMap<String, (ir::NodeId, Span)>,
    /// The campaign's name: the scope of its labels in the index.
    campaign: String,
}

impl FlowBuilder {
    /// The id the next node pushed gets.
    fn next_id(&self) -> ir::NodeId {
        ir::NodeId::new(self.nodes.len())
    }
}

/// Where an unlabelled statement is in its campaign: its node's id is the
/// block's `prefix` and its 1-based `number` in the block (`3`, `2.when1.4`),
/// written without `format!`, which was a tenth of lowering a flow.
#[derive(Clone, Copy)]
struct Position<'p> {
    prefix: &'p str,
    number: usize,
}

impl Position<'_> {
    fn id(self) -> String {
        let mut id = String::with_capacity(self.prefix.len() + 4);
        id.push_str(self.prefix);
        crate::decimal::push(&mut id, self.number as u64);
        id
    }
}

/// Statements in a subtree, the statement itself included.
fn size(statement: &ast::Statement) -> usize {
    1 + match &statement.kind {
        ast::StatementKind::Branch { arms, otherwise } => {
            arms.iter().map(|a| block_size(&a.body)).sum::<usize>()
                + otherwise.as_ref().map_or(0, |e| block_size(&e.body))
        }
        ast::StatementKind::Split { arms } => arms.iter().map(|a| block_size(&a.body)).sum(),
        _ => 0,
    }
}

fn block_size(block: &ast::Block) -> usize {
    block.statements.iter().map(size).sum()
}

impl Resolver<'_> {
    pub(crate) fn flow(&mut self, c: &ast::CampaignDef, ctx: &Context<'_>) -> ir::Flow {
        let mut b = FlowBuilder {
            nodes: Vec::new(),
            blocks: Vec::new(),
            labels: HashMap::new(),
            campaign: c.name.name.clone(),
        };
        let entry = self.block(&mut b, &c.flow, "", Target::FallOff, ctx);
        let handlers = self.handlers(&mut b, c, ctx);
        // Labels are all known now; resolve every `goto`.
        for node in &mut b.nodes {
            if let NodeKind::Goto { label, target } = &mut node.kind {
                match b.labels.get(label.as_str()) {
                    Some((index, _)) => {
                        *target = Some(*index);
                        let name_span =
                            Span::new(node.head.file, node.head.end - label.len(), node.head.end);
                        self.index.refer(
                            super::index::SymbolKind::Label,
                            label,
                            name_span,
                            Some(&c.name.name),
                        );
                    }
                    None => {
                        let name_span =
                            Span::new(node.head.file, node.head.end - label.len(), node.head.end);
                        let mut d = Diagnostic::new(
                            Code::UndefinedName,
                            format!("cannot find label `{label}` in campaign `{}`", c.name.name),
                            name_span,
                            "no statement has this label",
                        );
                        let names = b.labels.keys().map(String::as_str);
                        d = match suggest::closest_within(
                            label,
                            names,
                            b.labels.len(),
                            &mut self.suggestion_budget,
                        ) {
                            Some(close) => d.with_help(format!("did you mean `{close}`?")),
                            None => d.with_help(format!(
                                "label the statement to continue at, e.g. `{label}: send …`"
                            )),
                        };
                        self.diagnostics.push(d);
                    }
                }
            }
        }
        ir::Flow {
            nodes: b.nodes,
            entry,
            blocks: b.blocks,
            handlers,
        }
    }

    /// Lowers every `on C { … }` after the flow's statements, numbered
    /// `on1.1`, `on1.2`, … A handler's block continues nowhere: falling off
    /// its end is `missing-exit`.
    fn handlers(
        &mut self,
        b: &mut FlowBuilder,
        c: &ast::CampaignDef,
        ctx: &Context<'_>,
    ) -> Vec<ir::Handler> {
        let mut handlers = Vec::new();
        for s in &c.settings {
            let ast::SettingKind::Handler { condition, body } = &s.kind else {
                continue;
            };
            let condition = self.condition(condition, ctx);
            let head = Span::new(s.span.file, s.span.start, condition.span.end);
            let first = b.next_id();
            let block = b.blocks.len();
            let prefix = format!("on{}.", handlers.len() + 1);
            let entry = self.block(b, &body.statements, &prefix, Target::FallOff, ctx);
            handlers.push(ir::Handler {
                condition,
                head,
                entry,
                block,
                nodes: first..b.next_id(),
            });
        }
        handlers
    }

    /// Lowers a block whose last statement continues at `cont`; returns the
    /// block's entry (`cont` itself for an empty block).
    fn block(
        &mut self,
        b: &mut FlowBuilder,
        statements: &[ast::Statement],
        prefix: &str,
        cont: Target,
        ctx: &Context<'_>,
    ) -> Target {
        let block_index = b.blocks.len();
        b.blocks.push(Vec::new());
        let entry = if statements.is_empty() {
            cont
        } else {
            Target::Node(b.next_id())
        };
        for (position, statement) in statements.iter().enumerate() {
            let index = b.nodes.len();
            let next = if position + 1 < statements.len() {
                Target::Node(ir::NodeId::new(index + size(statement)))
            } else {
                cont
            };
            if let Some(list) = b.blocks.get_mut(block_index) {
                list.push(ir::NodeId::new(index));
            }
            let position = Position {
                prefix,
                number: position + 1,
            };
            self.statement(b, statement, position, next, ctx);
        }
        entry
    }

    fn statement(
        &mut self,
        b: &mut FlowBuilder,
        s: &ast::Statement,
        position: Position<'_>,
        next: Target,
        ctx: &Context<'_>,
    ) {
        let index = b.nodes.len();
        let id = match &s.label {
            Some(label) => {
                if let Some((_, first)) = b.labels.get(&label.name) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateName,
                            format!("the label `{}` is used twice", label.name),
                            label.span,
                            "second statement with this label",
                        )
                        .with_secondary(*first, "first used here")
                        .with_help("labels must be unique within a campaign"),
                    );
                } else {
                    b.labels
                        .insert(label.name.clone(), (ir::NodeId::new(index), label.span));
                    self.index.define(
                        super::index::SymbolKind::Label,
                        &label.name,
                        label.span,
                        Some(&b.campaign),
                    );
                }
                label.name.clone()
            }
            None => position.id(),
        };
        // Children are numbered right after this node; compute their entries.
        let mut child_start = index + 1;
        let mut child_entry = |body: &ast::Block| {
            let entry = if body.statements.is_empty() {
                next
            } else {
                Target::Node(ir::NodeId::new(child_start))
            };
            child_start += block_size(body);
            entry
        };
        let kind = match &s.kind {
            ast::StatementKind::Send(email) => {
                self.reference(email, NameKind::Email);
                NodeKind::Send {
                    email: self.ids.email(email),
                    next,
                }
            }
            ast::StatementKind::Wait { duration, until } => NodeKind::Wait {
                duration: self.duration(duration),
                until: until.as_ref().map(|u| self.condition(u, ctx)),
                next,
            },
            ast::StatementKind::Branch { arms, otherwise } => {
                let arm_targets: Vec<Target> = arms.iter().map(|a| child_entry(&a.body)).collect();
                let else_target = otherwise.as_ref().map(|e| child_entry(&e.body));
                NodeKind::Branch {
                    arms: arms
                        .iter()
                        .zip(arm_targets)
                        .map(|(a, target)| ir::BranchArm {
                            condition: self.condition(&a.condition, ctx),
                            when_span: a.when_span,
                            target,
                            block: 0,
                        })
                        .collect(),
                    otherwise: ir::Otherwise {
                        target: else_target.unwrap_or(next),
                        else_arm: otherwise.as_ref().map(|e| (e.else_span, 0)),
                    },
                }
            }
            ast::StatementKind::Split { arms } => NodeKind::Split {
                arms: arms
                    .iter()
                    .map(|a| ir::SplitArm {
                        percent: a.percent.unwrap_or(0),
                        target: child_entry(&a.body),
                        block: 0,
                        span: a.percent_span,
                    })
                    .collect(),
            },
            ast::StatementKind::Set { property, value } => NodeKind::Set {
                property: {
                    let usage = super::properties::Use::Set(value);
                    self.use_property(property, s.head, usage);
                    property.name.clone()
                },
                value: match &value.kind {
                    ast::LiteralKind::String(s) => ir::Value::String(s.clone()),
                    ast::LiteralKind::Number(n) => ir::Value::Number(*n),
                    ast::LiteralKind::Bool(v) => ir::Value::Bool(*v),
                },
                next,
            },
            ast::StatementKind::Notify { recipient, message } => NodeKind::Notify {
                recipient: match recipient {
                    ast::Recipient::Name(n) => ir::Recipient::Name(n.name.clone()),
                    ast::Recipient::Address(a) => ir::Recipient::Address(a.value.clone()),
                },
                message: {
                    self.merge_tags(message);
                    message.value.clone()
                },
                next,
            },
            ast::StatementKind::Handoff { queue, body } => NodeKind::Handoff {
                queue: queue.name.clone(),
                notes: body
                    .iter()
                    .flat_map(|b| b.notes.iter())
                    .map(|n| {
                        self.merge_tags(n);
                        n.value.clone()
                    })
                    .collect(),
                tasks: body
                    .iter()
                    .flat_map(|b| b.tasks.iter())
                    .map(|t| ir::Task {
                        title: {
                            self.merge_tags(&t.title);
                            t.title.value.clone()
                        },
                        due: t.due.as_ref().map(|d| self.duration(d)),
                    })
                    .collect(),
            },
            ast::StatementKind::Enroll(campaign) => {
                self.reference(campaign, NameKind::Campaign);
                NodeKind::Enroll {
                    campaign: self.ids.campaign(campaign),
                }
            }
            ast::StatementKind::Goto(label) => NodeKind::Goto {
                label: label.name.clone(),
                target: None,
            },
            ast::StatementKind::Exit(reason) => NodeKind::Exit {
                reason: reason.as_ref().map(|r| {
                    self.merge_tags(r);
                    r.value.clone()
                }),
            },
        };
        b.nodes.push(ir::Node {
            id: id.clone(),
            label: s.label.as_ref().map(|l| l.name.clone()),
            kind,
            head: s.head,
            span: s.span,
        });

        // Nested blocks, in source order, continuing after this statement.
        match &s.kind {
            ast::StatementKind::Branch { arms, otherwise } => {
                for (i, arm) in arms.iter().enumerate() {
                    let block = b.blocks.len();
                    self.block(
                        b,
                        &arm.body.statements,
                        &format!("{id}.when{}.", i + 1),
                        next,
                        ctx,
                    );
                    if let Some(NodeKind::Branch { arms, .. }) =
                        b.nodes.get_mut(index).map(|n| &mut n.kind)
                    {
                        if let Some(a) = arms.get_mut(i) {
                            a.block = block;
                        }
                    }
                }
                if let Some(e) = otherwise {
                    let block = b.blocks.len();
                    self.block(b, &e.body.statements, &format!("{id}.else."), next, ctx);
                    if let Some(NodeKind::Branch { otherwise, .. }) =
                        b.nodes.get_mut(index).map(|n| &mut n.kind)
                    {
                        if let Some((_, slot)) = &mut otherwise.else_arm {
                            *slot = block;
                        }
                    }
                }
            }
            ast::StatementKind::Split { arms } => {
                for (i, arm) in arms.iter().enumerate() {
                    let block = b.blocks.len();
                    self.block(
                        b,
                        &arm.body.statements,
                        &format!("{id}.split{}.", i + 1),
                        next,
                        ctx,
                    );
                    if let Some(NodeKind::Split { arms, .. }) =
                        b.nodes.get_mut(index).map(|n| &mut n.kind)
                    {
                        if let Some(a) = arms.get_mut(i) {
                            a.block = block;
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn a_position_is_its_prefix_and_number() {
        let id = |prefix, number| Position { prefix, number }.id();
        assert_eq!(id("", 1), "1");
        assert_eq!(id("2.when1.", 10), "2.when1.10");
        assert_eq!(id("on1.", 907), "on1.907");
        assert_eq!(id("", usize::MAX), usize::MAX.to_string());
    }
}
