//! Stage 4, backends: the resolved project as files for a target, and
//! [`graph`], a campaign's flow as a Mermaid or DOT picture.
//!
//! | target    | function          | one file per campaign (`<target>/<campaign>.json`)        |
//! | --------- | ----------------- | ---------------------------------------------------------- |
//! | `ir`      | [`ir_json`]       | the canonical IR                                           |
//! | `klaviyo` | [`klaviyo()`]     | `POST /api/flows` request bodies (JSON:API `FlowCreateQuery`) |
//! | `hubspot` | [`hubspot()`]     | `POST /automation/v4/flows` request bodies (`CONTACT_FLOW`)  |
//! | `asl`     | [`asl()`]         | AWS Step Functions state machines (Amazon States Language)  |
//!
//! A platform target leaves out the campaigns its `skip` in `nurture.toml`
//! names ([`skipped`]); the IR has them all.
//!
//! Besides the campaigns: `ir/project.json` (emails, segments, scoring
//! models), and on Klaviyo and HubSpot one `<target>/segments/<segment>.json`
//! per segment, the platform's create body for it.
//!
//! The platform backends take the project's [`crate::config::Config`] for
//! the account's ids ("bindings") and an [`IdMode`]. They are meant for a
//! project that compiled without errors; on any other project they still
//! return without panicking. Every backend is deterministic: the same
//! project and config give byte-identical files. `docs/backends.md` maps
//! every construct for every platform.

pub mod asl;
mod asl_limits;
mod bind;
mod formula;
pub mod graph;
pub mod hubspot;
mod ir_json;
pub mod klaviyo;
pub mod lower;
mod pretty;
mod skip;
mod unroll;

pub use asl::asl;
pub use hubspot::hubspot;
pub use ir_json::{
    ir_json, project_definitions, project_json, IR_FORMAT_VERSION, PROJECT_FORMAT_VERSION,
};
pub use klaviyo::klaviyo;
pub use lower::{CampaignPart, Origin, Place, Role};
pub use skip::skipped;

use std::fmt;
use std::str::FromStr;

/// `emit` for each campaign of the project, on all cores, the results in
/// source order. Each campaign gets a [`bind::Binder::fork`] of `b`, joined
/// back in source order, so the files and diagnostics are the ones a single
/// thread gives (tests/integration/parallel.rs).
pub(crate) fn each_campaign<T, R>(
    project: &crate::ir::Project,
    b: &mut bind::Binder,
    emit: impl Fn(&crate::ir::Campaign, &mut bind::Binder) -> R + Sync,
) -> Vec<T>
where
    T: Send,
    R: IntoIterator<Item = T>,
{
    use rayon::prelude::*;
    let parts: Vec<(Vec<T>, bind::Binder)> = project
        .campaigns
        .par_iter()
        .map(|campaign| {
            let mut fork = b.fork();
            let out = emit(campaign, &mut fork).into_iter().collect();
            (out, fork)
        })
        .collect();
    let mut all = Vec::new();
    for (out, fork) in parts {
        all.extend(out);
        b.join(fork);
    }
    all
}

/// The campaign names whose IR file would be one the build writes for the
/// whole project.
pub const RESERVED_CAMPAIGN_NAMES: &[&str] = &["project"];

/// The `ir` target: `ir/project.json` and one `ir/<campaign>.json` per
/// campaign, or a `reserved-name` error for a campaign named `project`,
/// whose file would overwrite the project's definitions.
pub fn ir(
    project: &crate::ir::Project,
    sources: &crate::SourceMap,
) -> Result<Vec<OutputFile>, Vec<crate::Diagnostic>> {
    let clashes: Vec<crate::Diagnostic> = project
        .campaigns
        .iter()
        .filter(|c| RESERVED_CAMPAIGN_NAMES.contains(&c.name.as_str()))
        .map(|c| {
            crate::Diagnostic::new(
                crate::diagnostics::Code::ReservedName,
                format!(
                    "a campaign named `{}` would overwrite `ir/project.json`, the project's definitions",
                    c.name
                ),
                c.name_span,
                "the IR of this campaign would be `ir/project.json`",
            )
            .with_help(format!("rename the campaign, e.g. `{}_campaign`", c.name))
        })
        .collect();
    if !clashes.is_empty() {
        return Err(clashes);
    }
    let mut files = vec![project_json(project, sources)];
    files.extend(ir_json(project, sources));
    Ok(files)
}

/// One output file: a path relative to the output folder, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// An output file with the origin of every node in it: for each platform id
/// (Klaviyo `temporary_id`, HubSpot `actionId`, ASL state name), the
/// [`Origin`] it lowers: an IR node (and which copy of an unrolled loop),
/// or a campaign-level part, and the role of a helper node a lowering adds.
/// Tests use it to check that the output is equivalent to the IR; tools can
/// use it as a source map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    pub file: OutputFile,
    /// `(platform id, origin)`, in output order; an origin's `Display` is
    /// its text form (`3/check2`, `digest#2`, `(goal demo_booked)`).
    pub nodes: Vec<(String, Origin)>,
}

impl Traced {
    pub(crate) fn new(file: OutputFile, nodes: Vec<(String, Origin)>) -> Traced {
        Traced { file, nodes }
    }
}

/// Whether platform ids come from the config's bindings or are readable
/// placeholders such as `<template:recording>` (for review and tests; a
/// placeholder file is not meant to be deployed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdMode {
    #[default]
    Bindings,
    Placeholders,
}

/// An output format of `nurturec build --target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Ir,
    Klaviyo,
    Hubspot,
    Asl,
}

impl Target {
    pub const ALL: &'static [Target] = &[Target::Ir, Target::Klaviyo, Target::Hubspot, Target::Asl];

    /// The name on the command line and in `nurture.toml`, which is also the
    /// output subfolder.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Ir => "ir",
            Target::Klaviyo => "klaviyo",
            Target::Hubspot => "hubspot",
            Target::Asl => "asl",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a target name: the text given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTarget(pub String);

impl fmt::Display for UnknownTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.as_str()).collect();
        write!(
            f,
            "unknown target `{}`: expected one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownTarget {}

impl FromStr for Target {
    type Err = UnknownTarget;

    fn from_str(s: &str) -> Result<Target, UnknownTarget> {
        Target::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTarget(s.to_string()))
    }
}

/// The campaign a segment's condition is lowered in: empty, named after
/// the segment, with the project's only scoring model in effect (what
/// `score` means outside a campaign).
pub(crate) fn segment_context(
    project: &crate::ir::Project,
    segment: &crate::ir::Segment,
) -> crate::ir::Campaign {
    let scoring = match project.scoring_models.as_slice() {
        [_] => project.models_with_ids().next().map(|(id, _)| id),
        _ => None,
    };
    let scoring = scoring.and_then(|id| project.model_ref(id));
    definition_context(&segment.name, segment.name_span, scoring)
}

/// An empty campaign named `name`, with `scoring` the model `score` means:
/// the context in which definitions outside campaigns are lowered.
pub(crate) fn definition_context(
    name: &str,
    name_span: crate::span::Span,
    scoring: Option<crate::ir::Ref<crate::ir::ModelId>>,
) -> crate::ir::Campaign {
    crate::ir::Campaign {
        name: name.to_string(),
        name_span,
        title: None,
        triggers: Vec::new(),
        audience: None,
        scoring,
        goals: Vec::new(),
        suppress: None,
        cap: None,
        reentry: crate::ir::Reentry::Never,
        flow: crate::ir::Flow {
            nodes: Vec::new(),
            entry: crate::ir::Target::FallOff,
            blocks: Vec::new(),
            handlers: Vec::new(),
        },
        send_window: None,
    }
}

/// A duration as people write it (`7d`, `36h`): [`crate::ir::Duration::to_text`].
pub(crate) fn duration_text(d: impl std::borrow::Borrow<crate::ir::Duration>) -> String {
    d.borrow().to_text()
}

/// Pretty JSON with a trailing newline: the form of every output file.
pub(crate) fn to_pretty(value: &serde_json::Value) -> String {
    pretty::to_pretty(value)
}
