//! Stage 2, resolve and lower: the syntax trees of a project → [`ir::Project`].
//! Checks every name (one namespace for segments, emails, scoring models and
//! campaigns across all files; labels and goals per campaign), classifies
//! each test of a condition as a property, a score or a catalogue event, and
//! lowers each campaign's flow to a graph. Accumulates every diagnostic.

mod conditions;
mod flow;
pub mod index;
mod properties;
mod segments;
pub mod suggest;
mod window;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::span::Span;
use crate::syntax::ast;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameKind {
    Segment,
    Email,
    Scoring,
    Campaign,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            NameKind::Segment => "segment",
            NameKind::Email => "email",
            NameKind::Scoring => "scoring model",
            NameKind::Campaign => "campaign",
        }
    }

    fn symbol(self) -> index::SymbolKind {
        match self {
            NameKind::Segment => index::SymbolKind::Segment,
            NameKind::Email => index::SymbolKind::Email,
            NameKind::Scoring => index::SymbolKind::Scoring,
            NameKind::Campaign => index::SymbolKind::Campaign,
        }
    }

    fn of(item: &ast::Item) -> Option<NameKind> {
        NameKind::of_kind(item.kind())
    }

    /// The namespace an item's name lives in; the `properties` block has no name.
    fn of_kind(kind: ast::ItemKind) -> Option<NameKind> {
        match kind {
            ast::ItemKind::Segment => Some(NameKind::Segment),
            ast::ItemKind::Email => Some(NameKind::Email),
            ast::ItemKind::Scoring => Some(NameKind::Scoring),
            ast::ItemKind::Campaign => Some(NameKind::Campaign),
            ast::ItemKind::Properties => None,
        }
    }
}

/// A `score` reference seen in a segment, checked against the model of each
/// campaign that uses the segment.
#[derive(Debug, Clone)]
pub(crate) struct ScoreRef {
    pub component: Option<String>,
    pub span: Span,
}

/// The resolver. What every item can read of the rest of the project (the
/// names, the models, the declared properties, the ids) is fixed before
/// the first item is resolved and shared (`Arc`) with the forks that
/// resolve campaigns on other cores ([`Resolver::fork`]).
pub(crate) struct Resolver<'a> {
    /// Every name of the project's namespace, with its kind and definition.
    names: Arc<HashMap<&'a str, (NameKind, Span)>>,
    /// Names in definition order, per kind, for suggestions.
    ordered: Arc<Vec<(&'a str, NameKind)>>,
    models: Arc<HashMap<&'a str, &'a ast::ScoringDef>>,
    /// The model used where a campaign names none: the project's only one.
    default_model: Option<&'a str>,
    pub(crate) used: HashSet<(NameKind, String)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// `score` references per segment, for checking in each campaign's context.
    pub(crate) segment_score_refs: HashMap<String, Vec<ScoreRef>>,
    /// What is left of [`suggest::BUDGET`].
    pub(crate) suggestion_budget: usize,
    /// The declared properties; `None` when the project declares none (or
    /// its `properties` block failed to parse).
    pub(crate) declared: Option<Arc<properties::Declared>>,
    /// Definitions and resolved references, for editors.
    pub(crate) index: index::Index,
    /// The id of each item that goes into the IR, by name.
    pub(crate) ids: Arc<Ids<'a>>,
}

/// The ids of the items that go into the IR, by name: positions in
/// definition order among the items of each kind that parsed, were defined
/// first under their name, and (emails) are complete. Made before anything
/// is resolved, so that every reference can be given its item's id.
#[derive(Default)]
pub(crate) struct Ids<'a> {
    emails: HashMap<&'a str, ir::EmailId>,
    segments: HashMap<&'a str, ir::SegmentId>,
    models: HashMap<&'a str, ir::ModelId>,
    campaigns: HashMap<&'a str, ir::CampaignId>,
    /// Every item given an id, in order: what the ids follow from.
    layout: Vec<(&'a str, NameKind)>,
}

impl<'a> Ids<'a> {
    fn of(items: &[&'a ast::Item]) -> Ids<'a> {
        let mut ids = Ids::default();
        for item in items {
            let (name, kind) = match item {
                ast::Item::Segment(s) => {
                    let id = ir::SegmentId::new(ids.segments.len());
                    ids.segments.insert(&s.name.name, id);
                    (&s.name.name, NameKind::Segment)
                }
                ast::Item::Email(e) if email_is_complete(e) => {
                    let id = ir::EmailId::new(ids.emails.len());
                    ids.emails.insert(&e.name.name, id);
                    (&e.name.name, NameKind::Email)
                }
                ast::Item::Scoring(m) => {
                    let id = ir::ModelId::new(ids.models.len());
                    ids.models.insert(&m.name.name, id);
                    (&m.name.name, NameKind::Scoring)
                }
                ast::Item::Campaign(c) => {
                    let id = ir::CampaignId::new(ids.campaigns.len());
                    ids.campaigns.insert(&c.name.name, id);
                    (&c.name.name, NameKind::Campaign)
                }
                ast::Item::Email(_) | ast::Item::Properties(_) => continue,
            };
            ids.layout.push((name.as_str(), kind));
        }
        ids
    }

    pub(crate) fn email(&self, name: &ast::Ident) -> ir::Ref<ir::EmailId> {
        ir::Ref::new(
            name.name.clone(),
            self.emails.get(name.name.as_str()).copied(),
        )
    }

    pub(crate) fn segment(&self, name: &ast::Ident) -> ir::Ref<ir::SegmentId> {
        ir::Ref::new(
            name.name.clone(),
            self.segments.get(name.name.as_str()).copied(),
        )
    }

    pub(crate) fn campaign(&self, name: &ast::Ident) -> ir::Ref<ir::CampaignId> {
        ir::Ref::new(
            name.name.clone(),
            self.campaigns.get(name.name.as_str()).copied(),
        )
    }

    fn model(&self, name: &str) -> ir::Ref<ir::ModelId> {
        ir::Ref::new(name.to_string(), self.models.get(name).copied())
    }
}

/// Whether an email goes into the IR: [`Resolver::email`] leaves out one
/// without a `subject` or a `template` (reported as `missing-field`).
fn email_is_complete(e: &ast::EmailDef) -> bool {
    let has = |wanted: fn(&ast::EmailFieldKind) -> bool| e.fields.iter().any(|f| wanted(&f.kind));
    has(|k| matches!(k, ast::EmailFieldKind::Subject(_)))
        && has(|k| matches!(k, ast::EmailFieldKind::Template(_)))
}

/// Resolves the items of every file of a project (in path order).
pub fn resolve(files: &[ast::File]) -> (ir::Project, Vec<Diagnostic>) {
    // Without the editors' index: a batch compile has no use for it, and it
    // holds a name for every reference.
    let (project, diagnostics, _, _) = resolve_with(files, None, false);
    (project, diagnostics)
}

/// [`resolve`], also returning every definition and resolved reference.
pub fn resolve_indexed(files: &[ast::File]) -> (ir::Project, Vec<Diagnostic>, index::Index) {
    let (project, diagnostics, index, _) = resolve_with(files, None, true);
    (project, diagnostics, index)
}

/// What [`resolve_incremental`] keeps between runs: each campaign's syntax
/// tree, what resolving it produced, and what it could read of the rest of
/// the project (the names and their kinds, the scoring models, the declared
/// properties, the suggestion budget left).
#[derive(Default)]
pub struct Memo {
    env: Option<Env>,
    campaigns: HashMap<String, CampaignMemo>,
}

/// Equal environments give equal ids: they are positions in `ids`, which
/// `names` alone does not fix (an item that stops parsing can keep its
/// place at the end of `names`; an email that loses its `subject` keeps its
/// name but leaves the IR), so a reused campaign's ids are never stale.
#[derive(PartialEq)]
struct Env {
    names: Vec<(String, NameKind)>,
    ids: Vec<(String, NameKind)>,
    models: Vec<ast::ScoringDef>,
    default_model: Option<String>,
    declared: Option<Arc<properties::Declared>>,
}

struct CampaignMemo {
    ast: ast::CampaignDef,
    budget_in: usize,
    budget_out: usize,
    diagnostics: Vec<Diagnostic>,
    used: Vec<(NameKind, String)>,
    index: Option<std::sync::Arc<index::Part>>,
    /// False when a diagnostic shows where another item is defined: the
    /// environment holds names and kinds, not where they are.
    reusable: bool,
}

/// [`resolve_indexed`] for a caller that resolves the same project again
/// and again (the language server after each edit): a campaign whose syntax
/// tree and environment are as in the last run is not resolved again; its
/// IR is moved from `previous` (the last run's campaigns) and its
/// diagnostics, uses and index entries are replayed. The results are those
/// of [`resolve_indexed`]. The last value tells, per campaign of the
/// project, whether it was reused. `unchanged`: per file (by index), that
/// its syntax tree is the one of the last run with this memo, so its
/// campaigns' trees need no comparing (a caller that does not know passes
/// `&[]`).
pub fn resolve_incremental(
    files: &[ast::File],
    memo: &mut Memo,
    previous: Vec<ir::Campaign>,
    unchanged: &[bool],
) -> (ir::Project, Vec<Diagnostic>, index::Index, Vec<bool>) {
    resolve_with(files, Some((memo, previous, unchanged)), true)
}

fn resolve_with(
    files: &[ast::File],
    memo: Option<(&mut Memo, Vec<ir::Campaign>, &[bool])>,
    record_index: bool,
) -> (ir::Project, Vec<Diagnostic>, index::Index, Vec<bool>) {
    let mut r = Resolver {
        names: Arc::default(),
        ordered: Arc::default(),
        models: Arc::default(),
        default_model: None,
        used: HashSet::new(),
        diagnostics: Vec::new(),
        segment_score_refs: HashMap::new(),
        suggestion_budget: suggest::BUDGET,
        declared: None,
        index: if record_index {
            index::Index::default()
        } else {
            index::Index::unrecorded()
        },
        ids: Arc::default(),
    };
    let declared_properties = r.declare_properties(files);

    // Definitions first, so that every reference can see every name.
    let mut items: Vec<&ast::Item> = Vec::new();
    for item in files.iter().flat_map(|f| f.items.iter()) {
        let Some(name) = item.name() else {
            continue;
        };
        if let Some((kind, first)) = r.names.get(name.name.as_str()) {
            r.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    format!("`{}` is defined more than once", name.name),
                    name.span,
                    format!("{} `{}` redefined here", item.kind_word(), name.name),
                )
                .with_secondary(*first, format!("first defined here as {} {}", article(*kind), kind.word()))
                .with_help("segments, emails, scoring models and campaigns share one namespace: rename one of them"),
            );
            continue;
        }
        let Some(kind) = NameKind::of(item) else {
            continue;
        };
        Arc::make_mut(&mut r.names).insert(&name.name, (kind, name.span));
        Arc::make_mut(&mut r.ordered).push((&name.name, kind));
        r.index.define(kind.symbol(), &name.name, name.span, None);
        if let ast::Item::Scoring(model) = item {
            Arc::make_mut(&mut r.models).insert(&model.name.name, model);
        }
        items.push(item);
    }
    r.ids = Arc::new(Ids::of(&items));
    let broken_models = r.define_broken_items(files);
    if r.models.len() + broken_models.len() == 1 {
        r.default_model = r.models.keys().chain(&broken_models).next().copied();
    }

    let mut project = ir::Project {
        properties: declared_properties,
        ..ir::Project::default()
    };
    for item in &items {
        match item {
            ast::Item::Segment(s) => {
                let condition =
                    r.condition(&s.condition, &conditions::Context::Segment(&s.name.name));
                project.segments.push(ir::Segment {
                    name: s.name.name.clone(),
                    name_span: s.name.span,
                    condition,
                });
            }
            ast::Item::Email(e) => {
                // Its id was given by `email_is_complete`, which keeps
                // exactly the emails `email` returns.
                if let Some(email) = r.email(e) {
                    project.emails.push(email);
                }
            }
            ast::Item::Scoring(m) => project.scoring_models.push(r.scoring(m)),
            ast::Item::Campaign(_) | ast::Item::Properties(_) => {}
        }
    }
    let mut reused = Vec::new();
    match memo {
        None => {
            let campaigns: Vec<&ast::CampaignDef> = items
                .iter()
                .filter_map(|item| match item {
                    ast::Item::Campaign(c) => Some(c),
                    _ => None,
                })
                .collect();
            project.campaigns = r.campaigns(&campaigns);
        }
        Some((memo, previous, unchanged)) => {
            let env = r.env();
            if memo.env.as_ref() != Some(&env) {
                memo.campaigns.clear();
                memo.env = Some(env);
            }
            let mut previous: HashMap<String, ir::Campaign> =
                previous.into_iter().map(|c| (c.name.clone(), c)).collect();
            let mut kept = HashMap::new();
            for item in &items {
                if let ast::Item::Campaign(c) = item {
                    let (campaign, entry, hit) =
                        r.campaign_memo(c, &mut memo.campaigns, &mut previous, unchanged);
                    kept.insert(c.name.name.clone(), entry);
                    project.campaigns.push(campaign);
                    reused.push(hit);
                }
            }
            memo.campaigns = kept;
        }
    }

    r.check_segment_scores(&project);
    segments::check_recursion(&project, &mut r.diagnostics);
    segments::check_entry_events(&project, &mut r.diagnostics);
    r.use_what_broken_items_mention(files);
    r.report_unused(&project);
    (project, r.diagnostics, r.index, reused)
}

impl<'a> Resolver<'a> {
    /// Resolves `campaigns` on all cores, each by a [`Resolver::fork`] with
    /// the whole suggestion budget, then joins them in order: a campaign
    /// that spent more than the ones before it left is resolved again with
    /// what is left (with no more than it spent, every suggestion is made
    /// as it was). So the result is the one of resolving them in turn.
    fn campaigns(&mut self, campaigns: &[&ast::CampaignDef]) -> Vec<ir::Campaign> {
        use rayon::prelude::*;
        let resolved: Vec<(ir::Campaign, Resolver<'a>)> = campaigns
            .par_iter()
            .map(|c| {
                let mut fork = self.fork(suggest::BUDGET);
                (fork.campaign(c), fork)
            })
            .collect();
        let mut out = Vec::with_capacity(campaigns.len());
        for (c, (mut campaign, mut fork)) in campaigns.iter().zip(resolved) {
            let spent = suggest::BUDGET - fork.suggestion_budget;
            if spent > self.suggestion_budget {
                fork = self.fork(self.suggestion_budget);
                campaign = fork.campaign(c);
            } else {
                fork.suggestion_budget = self.suggestion_budget - spent;
            }
            self.join(fork);
            out.push(campaign);
        }
        out
    }

    /// A resolver that sees what this one sees of the project, with nothing
    /// found or used yet and `budget` suggestions to spend.
    fn fork(&self, budget: usize) -> Resolver<'a> {
        Resolver {
            names: Arc::clone(&self.names),
            ordered: Arc::clone(&self.ordered),
            models: Arc::clone(&self.models),
            default_model: self.default_model,
            used: HashSet::new(),
            diagnostics: Vec::new(),
            segment_score_refs: HashMap::new(),
            suggestion_budget: budget,
            declared: self.declared.clone(),
            index: self.index.fork(),
            ids: Arc::clone(&self.ids),
        }
    }

    /// Takes what a [`Resolver::fork`] found, as if this one had found it.
    fn join(&mut self, fork: Resolver<'a>) {
        self.diagnostics.extend(fork.diagnostics);
        self.used.extend(fork.used);
        self.index.append(fork.index);
        self.suggestion_budget = fork.suggestion_budget;
        debug_assert!(fork.segment_score_refs.is_empty());
    }

    /// What resolving a campaign can read of the rest of the project.
    fn env(&self) -> Env {
        let mut models: Vec<ast::ScoringDef> = self.models.values().map(|m| (*m).clone()).collect();
        models.sort_by(|a, b| a.name.name.cmp(&b.name.name));
        Env {
            names: self
                .ordered
                .iter()
                .map(|(n, k)| ((*n).to_string(), *k))
                .collect(),
            ids: self
                .ids
                .layout
                .iter()
                .map(|(n, k)| ((*n).to_string(), *k))
                .collect(),
            models,
            default_model: self.default_model.map(str::to_string),
            declared: self.declared.clone(),
        }
    }

    /// Resolves a campaign, or replays the last run's result for it when
    /// its syntax tree and the suggestion budget are as then (the caller
    /// has checked the environment). Returns the IR, the memo of this run
    /// and whether it was replayed.
    fn campaign_memo(
        &mut self,
        c: &ast::CampaignDef,
        memo: &mut HashMap<String, CampaignMemo>,
        previous: &mut HashMap<String, ir::Campaign>,
        unchanged: &[bool],
    ) -> (ir::Campaign, CampaignMemo, bool) {
        let budget_in = self.suggestion_budget;
        if let Some(entry) = memo.remove(&c.name.name) {
            // The entry is of the first campaign of this name in its file;
            // in a file whose tree is as in the last run, that is `c` again.
            let file = c.name.span.file;
            let same_tree = (entry.ast.name.span.file == file
                && unchanged.get(file.0 as usize) == Some(&true))
                || entry.ast == *c;
            if entry.reusable && entry.budget_in == budget_in && same_tree {
                if let Some(campaign) = previous.remove(&c.name.name) {
                    self.diagnostics.extend(entry.diagnostics.iter().cloned());
                    for used in &entry.used {
                        if !self.used.contains(used) {
                            self.used.insert(used.clone());
                        }
                    }
                    if let Some(part) = &entry.index {
                        self.index.add_part(std::sync::Arc::clone(part));
                    }
                    self.suggestion_budget = entry.budget_out;
                    return (campaign, entry, true);
                }
            }
        }
        let diagnostics = std::mem::take(&mut self.diagnostics);
        let used = std::mem::take(&mut self.used);
        self.index.close_part();
        let campaign = self.campaign(c);
        let mine = std::mem::replace(&mut self.diagnostics, diagnostics);
        let my_uses = std::mem::replace(&mut self.used, used);
        let my_index = self.index.close_part();
        self.diagnostics.extend(mine.iter().cloned());
        self.used.extend(my_uses.iter().cloned());
        let reusable = !mine
            .iter()
            .any(|d| matches!(d.code, Code::WrongKind | Code::SegmentWithoutIn));
        let entry = CampaignMemo {
            ast: c.clone(),
            budget_in,
            budget_out: self.suggestion_budget,
            diagnostics: mine,
            used: my_uses.into_iter().collect(),
            index: my_index,
            reusable,
        };
        (campaign, entry, false)
    }

    /// Defines the names of the items that failed to parse, so that using
    /// them elsewhere raises nothing: their syntax error says it all. A name
    /// also defined by an item that parsed is left to that item, and not
    /// reported twice. Returns the names of the scoring models among them.
    fn define_broken_items(&mut self, files: &'a [ast::File]) -> Vec<&'a str> {
        let mut models = Vec::new();
        for broken in files.iter().flat_map(|f| &f.broken) {
            let (Some(kind), Some(name)) = (broken.kind, &broken.name) else {
                continue;
            };
            let Some(kind) = NameKind::of_kind(kind) else {
                continue;
            };
            if self.names.contains_key(name.name.as_str()) {
                continue;
            }
            Arc::make_mut(&mut self.names).insert(&name.name, (kind, name.span));
            Arc::make_mut(&mut self.ordered).push((&name.name, kind));
            self.index
                .define(kind.symbol(), &name.name, name.span, None);
            if kind == NameKind::Scoring {
                models.push(name.name.as_str());
            }
        }
        models
    }

    /// What an item that failed to parse mentions counts as used: its
    /// references cannot be told from its other words, and an `unused`
    /// warning must not follow from a syntax error.
    fn use_what_broken_items_mention(&mut self, files: &[ast::File]) {
        for word in files
            .iter()
            .flat_map(|f| &f.broken)
            .flat_map(|b| &b.mentions)
        {
            if let Some((kind, _)) = self.names.get(word.name.as_str()) {
                self.used.insert((*kind, word.name.clone()));
            }
            // `score` with no model named refers to the project's only one.
            if let ("score", Some(model)) = (word.name.as_str(), self.default_model) {
                self.used.insert((NameKind::Scoring, model.to_string()));
            }
        }
    }

    /// Looks a reference up, reporting it if undefined or of another kind.
    /// Marks it used. Returns whether it resolved to the expected kind.
    pub(crate) fn reference(&mut self, name: &ast::Ident, expected: NameKind) -> bool {
        match self.names.get(name.name.as_str()).copied() {
            Some((kind, _)) if kind == expected => {
                self.used.insert((kind, name.name.clone()));
                self.index.refer(kind.symbol(), &name.name, name.span, None);
                true
            }
            Some((kind, defined)) => {
                self.used.insert((kind, name.name.clone()));
                self.index.refer(kind.symbol(), &name.name, name.span, None);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::WrongKind,
                        format!(
                            "expected {} {}, found {} `{}`",
                            article(expected),
                            expected.word(),
                            kind.word(),
                            name.name
                        ),
                        name.span,
                        format!("not {} {}", article(expected), expected.word()),
                    )
                    .with_secondary(
                        defined,
                        format!(
                            "`{}` is defined here as {} {}",
                            name.name,
                            article(kind),
                            kind.word()
                        ),
                    ),
                );
                false
            }
            None => {
                let candidates = self
                    .ordered
                    .iter()
                    .filter(|(_, k)| *k == expected)
                    .map(|(n, _)| *n);
                let mut d = Diagnostic::new(
                    Code::UndefinedName,
                    format!("cannot find {} `{}`", expected.word(), name.name),
                    name.span,
                    "not defined",
                );
                let count = self.ordered.len();
                d = match suggest::closest_within(
                    &name.name,
                    candidates,
                    count,
                    &mut self.suggestion_budget,
                ) {
                    Some(close) => {
                        // The typo meant `close`: don't also call it unused.
                        self.used.insert((expected, close.to_string()));
                        d.with_help(format!("did you mean `{close}`?"))
                    }
                    None => d.with_help(format!(
                        "define it with `{} {} …`",
                        match expected {
                            NameKind::Scoring => "scoring",
                            other => other.word(),
                        },
                        name.name
                    )),
                };
                self.diagnostics.push(d);
                false
            }
        }
    }

    pub(crate) fn duration(&mut self, d: &ast::DurationLit) -> ir::Duration {
        match d.seconds {
            Some(0) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidDuration,
                        "a duration must be longer than zero",
                        d.span,
                        "zero",
                    )
                    .with_help("use at least `1m`; to continue at once, leave the wait out"),
                );
                ir::Duration { seconds: 0 }
            }
            Some(seconds) => ir::Duration { seconds },
            None => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidDuration,
                        format!("the duration `{}` is too large", d.text),
                        d.span,
                        "too large to represent",
                    )
                    .with_note(format!(
                        "durations may be at most {} days",
                        crate::MAX_DURATION_SECONDS / 86_400
                    )),
                );
                ir::Duration {
                    seconds: crate::MAX_DURATION_SECONDS,
                }
            }
        }
    }

    fn email(&mut self, e: &ast::EmailDef) -> Option<ir::Email> {
        let mut subject = None;
        let mut template = None;
        let mut stage = None;
        let mut preview = None;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for field in &e.fields {
            let keyword = field.kind.keyword();
            if let Some(first) = seen.get(keyword) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateSetting,
                        format!("email `{}` has more than one `{keyword}`", e.name.name),
                        field.span,
                        format!("second `{keyword}`"),
                    )
                    .with_secondary(*first, "first given here")
                    .with_help("keep one of them"),
                );
                continue;
            }
            seen.insert(keyword, field.span);
            match &field.kind {
                ast::EmailFieldKind::Subject(s) => {
                    self.merge_tags(s);
                    subject = Some(s.value.clone())
                }
                ast::EmailFieldKind::Template(s) => template = Some(s.value.clone()),
                ast::EmailFieldKind::Stage(s) => stage = Some(*s),
                ast::EmailFieldKind::Preview(s) => {
                    self.merge_tags(s);
                    preview = Some(s.value.clone())
                }
            }
        }
        for (field, value) in [("subject", &subject), ("template", &template)] {
            if value.is_none() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::MissingField,
                        format!("email `{}` has no `{field}`", e.name.name),
                        e.name.span,
                        format!("`{field}` missing"),
                    )
                    .with_help(format!("add `{field} \"…\"` inside the braces")),
                );
            }
        }
        // Exactly when `email_is_complete`: the ids follow from it.
        let (Some(subject), Some(template)) = (subject, template) else {
            return None;
        };
        Some(ir::Email {
            name: e.name.name.clone(),
            name_span: e.name.span,
            subject,
            template,
            stage,
            preview,
        })
    }

    fn scoring(&mut self, m: &ast::ScoringDef) -> ir::ScoringModel {
        let mut components: Vec<ir::ScoreComponent> = Vec::new();
        for c in &m.components {
            if let Some(first) = components.iter().find(|x| x.name == c.name.name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!(
                            "scoring model `{}` has two components named `{}`",
                            m.name.name, c.name.name
                        ),
                        c.name.span,
                        "second component of this name",
                    )
                    .with_secondary(first.name_span, "first defined here")
                    .with_help("merge their rules into one component"),
                );
                continue;
            }
            let rules = c
                .rules
                .iter()
                .map(|rule| ir::ScoreRule {
                    points: rule.points.unwrap_or(0),
                    kind: match &rule.kind {
                        ast::ScoreRuleKind::If(cond) => ir::ScoreRuleKind::If(
                            self.condition(cond, &conditions::Context::ScoringRule),
                        ),
                        ast::ScoreRuleKind::On(sources) => ir::ScoreRuleKind::On(
                            sources.iter().map(|s| self.event_source(s)).collect(),
                        ),
                    },
                    max: rule.max.as_ref().map(|m| m.value.unwrap_or(0)),
                    span: rule.span,
                })
                .collect();
            components.push(ir::ScoreComponent {
                name: c.name.name.clone(),
                name_span: c.name.span,
                rules,
            });
        }
        ir::ScoringModel {
            name: m.name.name.clone(),
            name_span: m.name.span,
            components,
        }
    }

    fn campaign(&mut self, c: &ast::CampaignDef) -> ir::Campaign {
        for span in &c.misplaced_settings {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::MisplacedSetting,
                    "campaign settings must come before the flow",
                    *span,
                    "setting after the first statement",
                )
                .with_help("move it above the first flow statement"),
            );
        }

        // The model first: conditions in every other setting may use `score`.
        let mut model: Option<String> = None;
        let mut model_setting: Option<Span> = None;
        for s in &c.settings {
            if let ast::SettingKind::Scoring(name) = &s.kind {
                if model_setting.is_none() && self.reference(name, NameKind::Scoring) {
                    model = Some(name.name.clone());
                }
                model_setting.get_or_insert(s.span);
            }
        }
        let explicit = model_setting.is_some();
        let model = if explicit {
            model
        } else {
            self.default_model.map(str::to_string)
        };
        let ctx = conditions::Context::Campaign {
            model: model.as_deref(),
            model_unresolved: explicit && model.is_none(),
        };

        let mut campaign = ir::Campaign {
            name: c.name.name.clone(),
            name_span: c.name.span,
            title: None,
            triggers: Vec::new(),
            audience: None,
            scoring: model.as_deref().map(|name| self.ids.model(name)),
            goals: Vec::new(),
            suppress: None,
            cap: None,
            reentry: ir::Reentry::Never,
            send_window: None,
            flow: ir::Flow {
                nodes: Vec::new(),
                entry: ir::Target::FallOff,
                blocks: Vec::new(),
                handlers: Vec::new(),
            },
        };
        let mut once: HashMap<&str, Span> = HashMap::new();
        for s in &c.settings {
            let keyword = s.kind.keyword();
            if !matches!(
                s.kind,
                ast::SettingKind::Trigger { .. }
                    | ast::SettingKind::Goal { .. }
                    | ast::SettingKind::Handler { .. }
            ) {
                if let Some(first) = once.get(keyword) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateSetting,
                            format!("campaign `{}` has more than one `{keyword}`", c.name.name),
                            s.span,
                            format!("second `{keyword}`"),
                        )
                        .with_secondary(*first, "first given here")
                        .with_help(match keyword {
                            "audience" | "suppress" => {
                                "combine the conditions with `and` or `or` in one setting"
                            }
                            _ => "keep one of them",
                        }),
                    );
                    continue;
                }
                once.insert(keyword, s.span);
            }
            match &s.kind {
                ast::SettingKind::Title(t) => {
                    self.merge_tags(t);
                    campaign.title = Some(t.value.clone())
                }
                ast::SettingKind::Trigger { source, filter } => {
                    let source = self.event_source(source);
                    let filter = filter.as_ref().map(|f| self.condition(f, &ctx));
                    if let Some(filter) = &filter {
                        self.entry_events_without_within(filter, "trigger's `where`");
                    }
                    campaign.triggers.push(ir::Trigger {
                        source,
                        filter,
                        span: s.span,
                    });
                }
                ast::SettingKind::Audience(cond) => {
                    let audience = self.condition(cond, &ctx);
                    self.entry_events_without_within(&audience, "`audience`");
                    campaign.audience = Some(audience);
                }
                ast::SettingKind::Scoring(_) => {}
                ast::SettingKind::Goal { name, condition } => {
                    if let Some(first) = campaign.goals.iter().find(|g| g.name == name.name) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::DuplicateName,
                                format!(
                                    "campaign `{}` has two goals named `{}`",
                                    c.name.name, name.name
                                ),
                                name.span,
                                "second goal of this name",
                            )
                            .with_secondary(first.name_span, "first defined here")
                            .with_help("give each goal its own name"),
                        );
                        continue;
                    }
                    let condition = self.condition(condition, &ctx);
                    campaign.goals.push(ir::Goal {
                        name: name.name.clone(),
                        name_span: name.span,
                        condition,
                    });
                }
                ast::SettingKind::Suppress(cond) => {
                    campaign.suppress = Some(self.condition(cond, &ctx))
                }
                ast::SettingKind::Cap { sends, per, .. } => {
                    let per = self.duration(per);
                    campaign.cap = sends.map(|sends| ir::Cap {
                        sends,
                        per,
                        span: s.span,
                    });
                }
                ast::SettingKind::Reentry(mode) => {
                    campaign.reentry = match mode {
                        ast::Reentry::Never => ir::Reentry::Never,
                        ast::Reentry::Always => ir::Reentry::Always,
                        ast::Reentry::After(d) => ir::Reentry::After(self.duration(d)),
                    }
                }
                // Lowered with the flow: their blocks are part of it.
                ast::SettingKind::Handler { .. } => {}
                ast::SettingKind::SendWindow(window) => {
                    campaign.send_window = self.send_window(window, s.span);
                }
            }
        }
        if campaign.triggers.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::MissingTrigger,
                    format!("campaign `{}` has no trigger", c.name.name),
                    c.name.span,
                    "no lead can ever enter this campaign",
                )
                .with_help("add a trigger, e.g. `trigger form.submitted(\"contact-us\")`"),
            );
        }
        campaign.flow = self.flow(c, &ctx);
        campaign
    }

    /// A trigger's `where` and the `audience` are judged as the lead enters,
    /// when nothing can have happened "since the lead entered the campaign":
    /// a bare event test there is always false (or, under `not`, always true).
    fn entry_events_without_within(&mut self, condition: &ir::Condition, place: &str) {
        match &condition.kind {
            ir::ConditionKind::Or(items) | ir::ConditionKind::And(items) => {
                for item in items {
                    self.entry_events_without_within(item, place);
                }
            }
            ir::ConditionKind::Not(inner) => self.entry_events_without_within(inner, place),
            ir::ConditionKind::Event {
                event,
                within: None,
            } => {
                let name = event.kind.name();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::EntryEventWithoutWithin,
                        format!("`{name}` without `within` cannot have happened yet when the {place} is judged"),
                        condition.span,
                        "means: since the lead entered the campaign",
                    )
                    .with_note(format!("the {place} is judged as the lead enters, so this test is always false (under `not`, always true)"))
                    .with_help("say how far back to look, e.g. `… within 30d`"),
                );
            }
            _ => {}
        }
    }

    fn report_unused(&mut self, project: &ir::Project) {
        let defined = project
            .segments
            .iter()
            .map(|s| (NameKind::Segment, &s.name, s.name_span))
            .chain(
                project
                    .emails
                    .iter()
                    .map(|e| (NameKind::Email, &e.name, e.name_span)),
            )
            .chain(
                project
                    .scoring_models
                    .iter()
                    .map(|m| (NameKind::Scoring, &m.name, m.name_span)),
            );
        let mut unused = Vec::new();
        for (kind, name, span) in defined {
            if !self.used.contains(&(kind, name.clone())) {
                let help = match kind {
                    NameKind::Email => "send it from a campaign, or remove it",
                    NameKind::Segment => "use it in a condition (`in <segment>`), or remove it",
                    _ => "name it in a campaign with `scoring <name>`, or remove it",
                };
                unused.push(
                    Diagnostic::new(
                        Code::Unused,
                        format!("{} `{}` is never used", kind.word(), name),
                        span,
                        "defined here but never referred to",
                    )
                    .with_help(help),
                );
            }
        }
        self.diagnostics.extend(unused);
    }
}

fn article(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Email => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn parse(text: &str) -> Vec<ast::File> {
        vec![crate::syntax::parse(FileId(0), text).0]
    }

    /// The campaign in a file of its own, whose syntax tree (spans
    /// included) stays the same when the first file changes.
    fn parse_two(items: &str, campaign: &str) -> Vec<ast::File> {
        vec![
            crate::syntax::parse(FileId(0), items).0,
            crate::syntax::parse(FileId(1), campaign).0,
        ]
    }

    /// Per send of the project, the name of the email its id leads to.
    fn sent(project: &ir::Project) -> Vec<Option<String>> {
        project
            .campaigns
            .iter()
            .flat_map(|c| &c.flow.nodes)
            .filter_map(|n| match &n.kind {
                ir::NodeKind::Send { email, .. } => {
                    Some(project.referent(email).map(|e| e.name.clone()))
                }
                _ => None,
            })
            .collect()
    }

    const CAMPAIGN: &str = "campaign c {\n  trigger form.submitted(\"x\")\n  send b\n  exit\n}\n";

    #[test]
    fn a_reused_campaign_keeps_no_stale_id() {
        let complete = "email a {\n  subject \"A\"\n  template \"a\"\n}\n";
        // `a` keeps its name but leaves the IR: `b` moves up to the first place.
        let incomplete = "email a {\n  template \"a\"\n}\n";
        let b = "email b {\n  subject \"B\"\n  template \"b\"\n}\n";
        let before = parse_two(&format!("{complete}{b}"), CAMPAIGN);
        let after = parse_two(&format!("{incomplete}{b}"), CAMPAIGN);
        // As the language server says it: the campaign's file is unchanged.
        let unchanged = [false, true];
        let mut memo = Memo::default();
        let (p1, _, _, _) = resolve_incremental(&before, &mut memo, Vec::new(), &[]);
        assert_eq!(sent(&p1), [Some("b".to_string())]);
        let (p2, _, _, reused) = resolve_incremental(&after, &mut memo, p1.campaigns, &unchanged);
        assert_eq!(reused, [false], "the ids changed: resolved again");
        assert_eq!(sent(&p2), [Some("b".to_string())]);
        let (p3, _, _, reused) = resolve_incremental(&after, &mut memo, p2.campaigns, &unchanged);
        assert_eq!(reused, [true]);
        assert_eq!(sent(&p3), [Some("b".to_string())]);
    }

    #[test]
    fn names_defined_twice_lead_to_their_first_definition() {
        let text = format!(
            "segment b = page.visited(\"/x\") within 1d\n\
             email b {{\n  subject \"B2\"\n  template \"b2\"\n}}\n\
             email a {{\n  subject \"A\"\n  template \"a\"\n}}\n\
             email a {{\n  subject \"A2\"\n  template \"a2\"\n}}\n\
             campaign d {{\n  trigger form.submitted(\"y\")\n  send a\n  exit\n}}\n{CAMPAIGN}"
        );
        let (project, diagnostics) = resolve(&parse(&text));
        assert!(diagnostics.iter().any(|d| d.code == Code::DuplicateName));
        // `b` is a segment: the send is an error and leads nowhere.
        assert_eq!(sent(&project), [Some("a".to_string()), None]);
        assert_eq!(project.emails.len(), 1);
        assert_eq!(project.emails[0].subject, "A");
    }
}
