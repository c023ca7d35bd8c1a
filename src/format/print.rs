//! Laying the atoms out: logical lines (a statement's head, a setting, a
//! rule) cut where the plan starts lines, long ones broken at the
//! operators of their conditions, comments put back, and end-of-line
//! comments aligned.

use super::lex::{AtomKind, Comment, Lexed};
use super::plan::{Group, Plan};
use super::{spacing, COMMENT_GAP, CONTINUATION, INDENT, WIDTH};

/// One line of output.
#[derive(Debug)]
enum Line {
    Code {
        indent: usize,
        text: String,
        comment: Option<String>,
    },
    /// An own-line comment.
    Comment {
        indent: usize,
        text: String,
    },
    /// An own-line comment continuing the end-of-line comment above.
    Continuation(String),
    Blank,
}

struct Printer<'a> {
    text: &'a str,
    lexed: &'a Lexed,
    plan: &'a Plan,
    lines: Vec<Line>,
    /// Levels of vertical `{ … }` open.
    depth: usize,
    /// Blocks kept on one line that are open (their lines do not start).
    inline_open: usize,
    /// For each `{` open: whether it is kept on one line.
    braces: Vec<bool>,
    /// The atoms of the logical line being gathered, and its indentation.
    logical: Vec<usize>,
    logical_indent: usize,
    /// The next comment not yet printed.
    next_comment: usize,
    /// The last line printed opens a block: no blank line may follow.
    after_open: bool,
}

pub fn print(text: &str, lexed: &Lexed, plan: &Plan, newline: &str) -> String {
    let mut p = Printer {
        text,
        lexed,
        plan,
        lines: Vec::new(),
        depth: 0,
        inline_open: 0,
        braces: Vec::new(),
        logical: Vec::new(),
        logical_indent: 0,
        next_comment: 0,
        after_open: false,
    };
    for i in 0..lexed.atoms.len() {
        p.atom(i);
    }
    p.flush();
    p.leading_comments(lexed.atoms.len(), false, false);
    render(&p.lines, newline)
}

impl Printer<'_> {
    fn atom(&mut self, i: usize) {
        let Some(atom) = self.lexed.atoms.get(i) else {
            return;
        };
        let mark = self.plan.marks.get(i).copied().unwrap_or_default();
        let closes_vertical =
            atom.kind == AtomKind::Close(b'}') && self.braces.last() == Some(&false);
        let starts_line = self.inline_open == 0 && (mark.line_start || closes_vertical);
        if starts_line || self.logical.is_empty() {
            self.flush();
            if closes_vertical {
                self.leading_comments(i, false, true);
                self.depth = self.depth.saturating_sub(1);
            } else {
                self.leading_comments(i, mark.force_blank, false);
            }
            self.logical_indent = self.depth * INDENT;
        }
        self.logical.push(i);
        match atom.kind {
            AtomKind::Open(b'{') if mark.inline_block => {
                self.braces.push(true);
                self.inline_open += 1;
            }
            AtomKind::Open(b'{') => {
                self.braces.push(false);
                self.flush();
                self.after_open = true;
                self.depth += 1;
            }
            AtomKind::Close(b'}') => {
                let inline = self.braces.pop() == Some(true);
                self.inline_open = self.inline_open.saturating_sub(usize::from(inline));
            }
            _ => {}
        }
    }

    fn comment(&self, i: usize) -> Option<&Comment> {
        self.lexed.comments.get(i)
    }

    fn push(&mut self, line: Line) {
        self.after_open = false;
        self.lines.push(line);
    }

    fn blank(&mut self) {
        let allowed =
            !self.after_open && self.lines.last().is_some_and(|l| !matches!(l, Line::Blank));
        if allowed {
            self.lines.push(Line::Blank);
        }
    }

    /// The comments before atom `at` when it starts a line (or after the
    /// last atom): own-line comments at the current indentation, with the
    /// source's blank lines. Before a closing `}` no blank line is kept
    /// after them.
    fn leading_comments(&mut self, at: usize, force_blank: bool, closing: bool) {
        let mut first = true;
        while let Some(c) = self.comment(self.next_comment).filter(|c| c.at == at) {
            let c = c.clone();
            self.next_comment += 1;
            if c.continues && self.continues_comment() {
                self.push(Line::Continuation(c.text));
                continue;
            }
            if c.blank_before || (first && force_blank) {
                self.blank();
            }
            first = false;
            self.push(Line::Comment {
                indent: self.depth * INDENT,
                text: c.text,
            });
        }
        let atom_blank = self.lexed.atoms.get(at).is_some_and(|a| a.blank_before);
        if !closing && (atom_blank || (first && force_blank)) {
            self.blank();
        }
    }

    /// Whether the last line ends in a comment that a continuation can follow.
    fn continues_comment(&self) -> bool {
        matches!(
            self.lines.last(),
            Some(Line::Code {
                comment: Some(_),
                ..
            }) | Some(Line::Continuation(_))
        )
    }

    /// Prints the logical line gathered so far.
    fn flush(&mut self) {
        let atoms = std::mem::take(&mut self.logical);
        let (Some(&first), Some(&last)) = (atoms.first(), atoms.last()) else {
            return;
        };
        // Comments between its atoms, and the end-of-line comment after it.
        let mut gaps: Vec<Vec<Comment>> = vec![Vec::new(); atoms.len() + 1];
        while let Some(c) = self.comment(self.next_comment) {
            let inside = c.at > first && c.at <= last;
            let trails =
                c.at == last + 1 && (!c.own_line || (c.continues && !gaps[atoms.len()].is_empty()));
            if !(inside || trails) {
                break;
            }
            gaps[c.at - first].push(c.clone());
            self.next_comment += 1;
        }
        let segments = self.segments(&atoms, &gaps);
        for (n, segment) in segments.iter().enumerate() {
            let text = self.join(&atoms, segment.from, segment.to);
            let gap = &gaps[segment.to];
            let trailing = gap.first().filter(|c| !c.own_line).map(|c| c.text.clone());
            self.push(Line::Code {
                indent: segment.indent,
                text,
                comment: trailing,
            });
            let next_indent = segments.get(n + 1).map_or(segment.indent, |s| s.indent);
            for c in gap.iter().filter(|c| c.own_line) {
                let line = if c.continues && self.continues_comment() {
                    Line::Continuation(c.text.clone())
                } else {
                    Line::Comment {
                        indent: next_indent,
                        text: c.text.clone(),
                    }
                };
                self.push(line);
            }
        }
    }

    /// The atoms `from..to` (positions in `atoms`) on one line.
    fn join(&self, atoms: &[usize], from: usize, to: usize) -> String {
        let mut out = String::new();
        let mut previous: Option<usize> = None;
        for &i in atoms.get(from..to).unwrap_or_default() {
            if let Some(p) = previous {
                let spaces = spacing(self.text, &self.lexed.atoms, &self.plan.marks, p, i);
                out.extend(std::iter::repeat_n(' ', spaces));
            }
            if let Some(a) = self.lexed.atoms.get(i) {
                out.push_str(&self.text[a.start..a.end]);
            }
            previous = Some(i);
        }
        out
    }

    fn width(&self, atoms: &[usize], segment: &Segment) -> usize {
        segment.indent + self.join(atoms, segment.from, segment.to).chars().count()
    }

    /// Where the logical line breaks: after every comment, and before the
    /// operators of as few condition groups as keep it within [`WIDTH`],
    /// outermost first. A group broken breaks every group around it.
    fn segments(&self, atoms: &[usize], gaps: &[Vec<Comment>]) -> Vec<Segment> {
        let groups = &self.plan.groups;
        let mut broken: Vec<usize> = Vec::new();
        let mut line_groups: Vec<usize> = atoms
            .iter()
            .filter_map(|&i| self.plan.marks.get(i).and_then(|m| m.operator_of))
            .collect();
        line_groups.sort_unstable();
        line_groups.dedup();
        let contains = |g: usize, atom: usize| {
            groups
                .get(g)
                .is_some_and(|g| g.first < atom && atom <= g.last)
        };
        for (position, gap) in gaps.iter().enumerate().take(atoms.len()).skip(1) {
            if gap.is_empty() {
                continue;
            }
            for &g in &line_groups {
                if atoms.get(position).is_some_and(|&a| contains(g, a)) {
                    break_with_parents(groups, g, &mut broken);
                }
            }
        }
        loop {
            let segments = self.cut(atoms, gaps, &broken);
            let mut more = Vec::new();
            for s in segments.iter().filter(|s| self.width(atoms, s) > WIDTH) {
                let outermost = atoms
                    .get(s.from + 1..s.to)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|&i| self.plan.marks.get(i).and_then(|m| m.operator_of))
                    .filter(|g| !broken.contains(g))
                    .min_by_key(|&g| groups.get(g).map_or(0, |g| g.depth));
                more.extend(outermost);
            }
            if more.is_empty() {
                return segments;
            }
            for g in more {
                break_with_parents(groups, g, &mut broken);
            }
        }
    }

    /// The segments of the line with the groups of `broken` broken.
    fn cut(&self, atoms: &[usize], gaps: &[Vec<Comment>], broken: &[usize]) -> Vec<Segment> {
        let groups = &self.plan.groups;
        let base = self.logical_indent;
        let mut segments = Vec::new();
        let mut from = 0;
        let mut indent = base;
        for position in 1..atoms.len() {
            let atom = atoms[position];
            let operator_of = self
                .plan
                .marks
                .get(atom)
                .and_then(|m| m.operator_of)
                .filter(|g| broken.contains(g));
            let next_indent = match operator_of {
                Some(g) => Some(base + CONTINUATION * (groups.get(g).map_or(0, |g| g.depth) + 1)),
                None if !gaps[position].is_empty() => {
                    // Inside the innermost broken group, one level deeper
                    // than its operators.
                    let innermost = broken
                        .iter()
                        .filter_map(|&g| groups.get(g))
                        .filter(|g| g.first < atom && atom <= g.last)
                        .map(|g| g.depth)
                        .max();
                    Some(base + CONTINUATION * innermost.map_or(1, |d| d + 2))
                }
                None => None,
            };
            if let Some(next_indent) = next_indent {
                segments.push(Segment {
                    indent,
                    from,
                    to: position,
                });
                from = position;
                indent = next_indent;
            }
        }
        segments.push(Segment {
            indent,
            from,
            to: atoms.len(),
        });
        segments
    }
}

/// Atoms `from..to` of a logical line, printed on one line at `indent`.
struct Segment {
    indent: usize,
    from: usize,
    to: usize,
}

fn break_with_parents(groups: &[Group], group: usize, broken: &mut Vec<usize>) {
    let mut next = Some(group);
    while let Some(g) = next {
        if broken.contains(&g) {
            break;
        }
        broken.push(g);
        next = groups.get(g).and_then(|g| g.parent);
    }
}

/// The lines as text, end-of-line comments aligned run by run: a run is a
/// stretch of code lines (and continuations) with no blank line or own-line
/// comment between them.
fn render(lines: &[Line], newline: &str) -> String {
    let mut out = String::new();
    let mut start = 0;
    // The column of the comment that ends the line just printed, if any.
    let mut comment_column: Option<usize> = None;
    while let Some(line) = lines.get(start) {
        let is_code = |l: &Line| matches!(l, Line::Code { .. } | Line::Continuation(_));
        let end = start + lines[start..].iter().take_while(|l| is_code(l)).count();
        if end > start {
            comment_column = render_run(&lines[start..end], newline, &mut out);
            start = end;
            continue;
        }
        if let Line::Comment { indent, text } = line {
            // Never in the column of the comment above: read again, it
            // would continue that comment.
            let indent = indent.saturating_sub(usize::from(comment_column == Some(*indent)));
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(text);
        }
        comment_column = None;
        out.push_str(newline);
        start += 1;
    }
    out
}

/// One run of code lines, its comments in one column; returns that column
/// when the last line ends in a comment.
fn render_run(run: &[Line], newline: &str, out: &mut String) -> Option<usize> {
    let column = run
        .iter()
        .filter_map(|l| match l {
            Line::Code {
                indent,
                text,
                comment: Some(_),
            } => Some(indent + text.chars().count()),
            _ => None,
        })
        .max()
        .map_or(0, |w| w + COMMENT_GAP);
    let mut last_comment = None;
    for line in run {
        last_comment = None;
        match line {
            Line::Code {
                indent,
                text,
                comment,
            } => {
                out.extend(std::iter::repeat_n(' ', *indent));
                out.push_str(text);
                if let Some(c) = comment {
                    let used = indent + text.chars().count();
                    out.extend(std::iter::repeat_n(' ', column.saturating_sub(used)));
                    out.push_str(c);
                    last_comment = Some(column);
                }
            }
            Line::Continuation(c) => {
                out.extend(std::iter::repeat_n(' ', column));
                out.push_str(c);
                last_comment = Some(column);
            }
            Line::Comment { .. } | Line::Blank => {}
        }
        out.push_str(newline);
    }
    last_comment
}
