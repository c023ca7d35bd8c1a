//! What the syntax tree says about the layout, as marks on the atoms: where
//! lines start, which blocks open vertically, which parentheses hold an
//! event's argument, how wide a scoring table's points are, and where a long
//! condition may break.

use super::lex::{Atom, AtomKind, Comment};
use super::{spacing, INDENT, WIDTH};
use crate::syntax::ast::*;

#[derive(Debug, Clone, Copy, Default)]
pub struct Mark {
    /// The atom starts a line: an item, a field, a setting, a statement, an
    /// arm, a rule.
    pub line_start: bool,
    /// A blank line comes before it whatever the source says.
    pub force_blank: bool,
    /// On a `{` and its `}`: the block stays on the line (`50% { send a }`,
    /// `{}`).
    pub inline_block: bool,
    /// On a `(`: it opens an event's argument, with no space before.
    pub argument: bool,
    /// On points: the width of the widest points of the component.
    pub points_width: usize,
    /// On `or` / `and`: the condition group it joins.
    pub operator_of: Option<usize>,
    /// No space before it: the parts of a send window (`mon-fri`,
    /// `mon,wed`, `09:00-17:00`).
    pub tight: bool,
}

/// An `or` or `and` of two or more operands: where a long condition breaks.
#[derive(Debug, Clone)]
pub struct Group {
    pub parent: Option<usize>,
    /// How many groups enclose it.
    pub depth: usize,
    /// The atoms from its first operand to its last.
    pub first: usize,
    pub last: usize,
}

pub struct Plan {
    pub marks: Vec<Mark>,
    pub groups: Vec<Group>,
}

struct Planner<'a> {
    text: &'a str,
    atoms: &'a [Atom],
    comments: &'a [Comment],
    marks: Vec<Mark>,
    groups: Vec<Group>,
}

pub fn plan(text: &str, atoms: &[Atom], comments: &[Comment], file: &File) -> Plan {
    let mut p = Planner {
        text,
        atoms,
        comments,
        marks: vec![Mark::default(); atoms.len()],
        groups: Vec::new(),
    };
    let mut previous_braced = false;
    for (i, item) in file.items.iter().enumerate() {
        let braced = !matches!(item, Item::Segment(_));
        let first = p.start_line(item_span(item).start);
        if i > 0 && (braced || previous_braced) {
            p.force_blank(first);
        }
        previous_braced = braced;
        p.item(item);
    }
    Plan {
        marks: p.marks,
        groups: p.groups,
    }
}

fn item_span(item: &Item) -> crate::span::Span {
    match item {
        Item::Segment(s) => s.span,
        Item::Email(e) => e.span,
        Item::Scoring(s) => s.span,
        Item::Campaign(c) => c.span,
        Item::Properties(p) => p.span,
    }
}

impl Planner<'_> {
    /// The index of the first atom at or after `offset`.
    fn atom_at(&self, offset: usize) -> usize {
        self.atoms.partition_point(|a| a.start < offset)
    }

    fn mark(&mut self, atom: usize) -> Option<&mut Mark> {
        self.marks.get_mut(atom)
    }

    /// Marks the atom at `offset` as starting a line; returns its index.
    fn start_line(&mut self, offset: usize) -> usize {
        let i = self.atom_at(offset);
        if let Some(m) = self.mark(i) {
            m.line_start = true;
        }
        i
    }

    fn force_blank(&mut self, atom: usize) {
        if let Some(m) = self.mark(atom) {
            m.force_blank = true;
        }
    }

    /// The first `{` at or after `offset`.
    fn brace_after(&self, offset: usize) -> usize {
        let mut i = self.atom_at(offset);
        while self
            .atoms
            .get(i)
            .is_some_and(|a| a.kind != AtomKind::Open(b'{'))
        {
            i += 1;
        }
        i
    }

    /// The `}` that closes the `{` at `open`.
    fn matching_close(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (i, a) in self.atoms.iter().enumerate().skip(open) {
            match a.kind {
                AtomKind::Open(b'{') => depth += 1,
                AtomKind::Close(b'}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.atoms.len().saturating_sub(1)
    }

    /// Whether a comment lies between atoms `first` and `last`.
    fn has_comment_between(&self, first: usize, last: usize) -> bool {
        let next = self.comments.partition_point(|c| c.at <= first);
        self.comments.get(next).is_some_and(|c| c.at <= last)
    }

    /// A block with nothing in it stays `{}`; one of `fits` the same when it
    /// holds no comment and fits on its line from `line_first`.
    fn inline_if(&mut self, open: usize, line_first: usize, depth: usize, fits: bool) {
        let close = self.matching_close(open);
        let empty = close == open + 1;
        let inline = !self.has_comment_between(open, close)
            && (empty || (fits && self.flat_width(line_first, close, depth) <= WIDTH));
        for brace in [open, close] {
            if let Some(m) = self.mark(brace) {
                m.inline_block = inline;
            }
        }
    }

    /// The width of atoms `first..=last` printed on one line at `depth`.
    fn flat_width(&self, first: usize, last: usize, depth: usize) -> usize {
        let mut width = depth * INDENT;
        let mut previous: Option<usize> = None;
        for i in first..=last.min(self.atoms.len().saturating_sub(1)) {
            if let Some(p) = previous {
                width += spacing(self.text, self.atoms, &self.marks, p, i);
            }
            width += self.atom_width(i);
            previous = Some(i);
        }
        width
    }

    fn atom_width(&self, i: usize) -> usize {
        self.atoms
            .get(i)
            .map_or(0, |a| self.text[a.start..a.end].chars().count())
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Segment(s) => self.condition(&s.condition, None),
            Item::Email(e) => {
                let open = self.brace_after(e.name.span.end);
                self.inline_if(open, open, 0, false);
                for field in &e.fields {
                    self.start_line(field.span.start);
                }
            }
            Item::Scoring(s) => {
                let open = self.brace_after(s.name.span.end);
                self.inline_if(open, open, 0, false);
                for component in &s.components {
                    self.component(component);
                }
            }
            Item::Campaign(c) => self.campaign(c),
            Item::Properties(p) => {
                let open = self.brace_after(p.keyword.end);
                self.inline_if(open, open, 0, false);
                for declaration in &p.declarations {
                    self.start_line(declaration.span.start);
                }
            }
        }
    }

    fn component(&mut self, component: &ScoreComponent) {
        self.start_line(component.span.start);
        let open = self.brace_after(component.name.span.end);
        self.inline_if(open, open, 1, false);
        let widest = component
            .rules
            .iter()
            .map(|r| r.points_span.end - r.points_span.start)
            .max()
            .unwrap_or(0);
        for rule in &component.rules {
            let first = self.start_line(rule.span.start);
            if let Some(m) = self.mark(first) {
                m.points_width = widest;
            }
            match &rule.kind {
                ScoreRuleKind::If(condition) => self.condition(condition, None),
                ScoreRuleKind::On(sources) => {
                    for source in sources {
                        self.event_source(source);
                    }
                }
            }
        }
    }

    fn campaign(&mut self, c: &CampaignDef) {
        let open = self.brace_after(c.name.span.end);
        self.inline_if(open, open, 0, false);
        for setting in &c.settings {
            let first = self.start_line(setting.span.start);
            self.setting(&setting.kind, first);
        }
        // Settings, a blank line, then the flow.
        if let Some(first) = c.flow.first() {
            let settings_before = c.settings.iter().any(|s| s.span.start < first.span.start);
            let at = self.atom_at(first.span.start);
            if settings_before {
                self.force_blank(at);
            }
        }
        self.block_statements(&c.flow, 1);
    }

    /// `first` is the setting's first atom, where its line starts.
    fn setting(&mut self, kind: &SettingKind, first: usize) {
        match kind {
            SettingKind::Handler { condition, body } => {
                self.condition(condition, None);
                self.block(body, first, 1, false);
            }
            SettingKind::Trigger { source, filter } => {
                self.event_source(source);
                if let Some(f) = filter {
                    self.condition(f, None);
                }
            }
            SettingKind::Audience(c) | SettingKind::Suppress(c) => self.condition(c, None),
            SettingKind::Goal { condition, .. } => self.condition(condition, None),
            SettingKind::Title(_)
            | SettingKind::Scoring(_)
            | SettingKind::Cap { .. }
            | SettingKind::Reentry(_) => {}
            SettingKind::SendWindow(window) => self.send_window(window),
        }
    }

    /// A window is written without spaces inside its days and its hours.
    fn send_window(&mut self, window: &SendWindowDef) {
        let mut tight = Vec::new();
        for (i, span) in window.days.iter().enumerate() {
            if i > 0 {
                tight.push(span.first.span.start);
            }
            if let Some(last) = &span.last {
                tight.push(span.first.span.end);
                tight.push(last.span.start);
            }
        }
        tight.push(window.open.span.end);
        tight.push(window.close.span.start);
        for offset in tight {
            let atom = self.atom_at(offset);
            if let Some(m) = self.mark(atom) {
                m.tight = true;
            }
        }
    }

    fn block_statements(&mut self, statements: &[Statement], depth: usize) {
        for s in statements {
            self.statement(s, depth);
        }
    }

    /// A block `{ … }` whose statements are one level deeper than `depth`.
    fn block(&mut self, block: &Block, line_first: usize, depth: usize, may_inline: bool) {
        self.block_statements(&block.statements, depth + 1);
        let open = self.atom_at(block.span.start);
        let simple =
            may_inline && block.statements.len() == 1 && block.statements.iter().all(is_simple);
        self.inline_if(open, line_first, depth, simple);
    }

    fn statement(&mut self, s: &Statement, depth: usize) {
        let first = self.start_line(s.span.start);
        match &s.kind {
            StatementKind::Wait {
                until: Some(condition),
                ..
            } => self.condition(condition, None),
            StatementKind::Branch { arms, otherwise } => {
                let open = self.brace_after(s.head.end);
                self.inline_if(open, first, depth, false);
                for arm in arms {
                    let arm_first = self.start_line(arm.span.start);
                    self.condition(&arm.condition, None);
                    self.block(&arm.body, arm_first, depth + 1, false);
                }
                if let Some(e) = otherwise {
                    let else_first = self.start_line(e.else_span.start);
                    self.block(&e.body, else_first, depth + 1, false);
                }
            }
            StatementKind::Split { arms } => {
                let open = self.brace_after(s.head.end);
                self.inline_if(open, first, depth, false);
                for arm in arms {
                    let arm_first = self.start_line(arm.span.start);
                    self.block(&arm.body, arm_first, depth + 1, true);
                }
            }
            StatementKind::Handoff {
                body: Some(body), ..
            } => {
                let open = self.atom_at(body.span.start);
                let entries = body.notes.len() + body.tasks.len();
                self.inline_if(open, first, depth, entries == 1);
                for note in &body.notes {
                    // The line starts at `note`, just before the text.
                    let text_atom = self.atom_at(note.span.start);
                    if let Some(m) = self.mark(text_atom.saturating_sub(1)) {
                        m.line_start = true;
                    }
                }
                for task in &body.tasks {
                    self.start_line(task.span.start);
                }
            }
            StatementKind::Send(_)
            | StatementKind::Wait { until: None, .. }
            | StatementKind::Set { .. }
            | StatementKind::Notify { .. }
            | StatementKind::Handoff { body: None, .. }
            | StatementKind::Enroll(_)
            | StatementKind::Goto(_)
            | StatementKind::Exit(_) => {}
        }
    }

    fn event_source(&mut self, source: &EventSource) {
        if let EventSource::Event(e) = source {
            self.event_ref(e);
        }
    }

    fn event_ref(&mut self, e: &EventRef) {
        if e.argument.is_some() {
            let open = self.atom_at(e.name.span.end);
            if let Some(m) = self.mark(open) {
                m.argument = true;
            }
        }
    }

    /// Conditions nest no deeper than the parser allows
    /// ([`crate::syntax::MAX_NESTING`]), so recursion is bounded.
    fn condition(&mut self, c: &Condition, parent: Option<usize>) {
        match &c.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    return;
                };
                let group = self.groups.len();
                let depth = parent.map_or(0, |p| self.groups.get(p).map_or(0, |g| g.depth + 1));
                let last_atom = self.atom_at(last.span.end).saturating_sub(1);
                self.groups.push(Group {
                    parent,
                    depth,
                    first: self.atom_at(first.span.start),
                    last: last_atom,
                });
                for pair in items.windows(2) {
                    let op = self.atom_at(pair[0].span.end);
                    let is_keyword = self
                        .atoms
                        .get(op)
                        .is_some_and(|a| matches!(&self.text[a.start..a.end], "or" | "and"));
                    if is_keyword {
                        if let Some(m) = self.mark(op) {
                            m.operator_of = Some(group);
                        }
                    }
                }
                for item in items {
                    self.condition(item, Some(group));
                }
            }
            ConditionKind::Not(inner) => self.condition(inner, parent),
            ConditionKind::Test { operand, .. } => self.event_ref(operand),
            ConditionKind::InSegment(_) | ConditionKind::Inactive(_) => {}
        }
    }
}

/// A statement that can sit inside `{ … }` on one line: no block of its own.
fn is_simple(s: &Statement) -> bool {
    !matches!(
        s.kind,
        StatementKind::Branch { .. }
            | StatementKind::Split { .. }
            | StatementKind::Handoff { body: Some(_), .. }
    )
}
