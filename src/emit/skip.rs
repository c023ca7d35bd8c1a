//! `skip = ["<campaign>", …]` in `[klaviyo]`, `[hubspot]` or `[asl]` of
//! `nurture.toml`: campaigns a target leaves out. The target's backend
//! builds the project without them, so it writes nothing for them and
//! reports nothing they use. What the config alone cannot know is checked
//! here: that no name is a typo for a campaign (`invalid-config`), and
//! that no campaign the target builds `enroll`s into one it leaves out
//! (`enroll-into-skipped`). The IR is never skipped.

use super::bind::Binder;
use super::Target;
use crate::config::{Config, Setting, FILE_NAME};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{NodeKind, Project};
use crate::resolve::suggest;
use std::borrow::Cow;

/// The `skip` list of `target` (empty for the IR).
fn list(config: &Config, target: Target) -> &[Setting] {
    match target {
        Target::Ir => &[],
        Target::Klaviyo => &config.klaviyo.skip,
        Target::Hubspot => &config.hubspot.skip,
        Target::Asl => &config.asl.skip,
    }
}

/// The campaigns of `project` that `target` leaves out, in source order:
/// what a build reports it did not write.
pub fn skipped<'p>(project: &'p Project, config: &Config, target: Target) -> Vec<&'p str> {
    let skip = list(config, target);
    project
        .campaigns
        .iter()
        .filter(|c| skip.iter().any(|s| s.value == c.name))
        .map(|c| c.name.as_str())
        .collect()
}

/// The project as `target` builds it: without the campaigns its `skip`
/// names (borrowed as it is when it names none). Its problems go to `b`.
pub(crate) fn built<'p>(
    project: &'p Project,
    config: &Config,
    target: Target,
    b: &mut Binder,
) -> Cow<'p, Project> {
    let skip = list(config, target);
    if skip.is_empty() {
        return Cow::Borrowed(project);
    }
    let section = target.as_str();
    // A name close to a campaign of the project is a typo for it. One far
    // from all of them is taken for a campaign of files this build was not
    // given (`nurturec build campaigns/` below the folder of nurture.toml)
    // and skips nothing; the build's summary lists what was left out.
    for s in skip {
        if project.campaigns.iter().any(|c| c.name == s.value) {
            continue;
        }
        let names = project.campaigns.iter().map(|c| c.name.as_str());
        let Some(close) = suggest::closest(&s.value, names) else {
            continue;
        };
        let help = format!("did you mean `{close}`?");
        b.unsupported(
            Code::InvalidConfig,
            format!(
                "`[{section}] skip` names `{}`, which is not a campaign of the project",
                s.value
            ),
            s.span,
            "no such campaign",
            &help,
        );
    }
    let platform = b.platform();
    let entry = |name: &str| skip.iter().find(|s| s.value == name);
    for campaign in project
        .campaigns
        .iter()
        .filter(|c| entry(&c.name).is_none())
    {
        for node in &campaign.flow.nodes {
            let NodeKind::Enroll { campaign: into } = &node.kind else {
                continue;
            };
            let Some(skipped) = entry(&into.name) else {
                continue;
            };
            b.push(
                Diagnostic::new(
                    Code::EnrollIntoSkipped,
                    format!(
                        "`{}` enrolls leads into `{into}`, which `[{section}] skip` leaves out of the {platform} build: the leads would be sent into nothing",
                        campaign.name
                    ),
                    node.head,
                    format!("`{into}` is not built for {platform}"),
                )
                .with_secondary(skipped.span, format!("left out of {platform} here"))
                .with_help(format!(
                    "skip `{}` on {platform} too, or remove `{into}` from `[{section}] skip` in {FILE_NAME}",
                    campaign.name
                )),
            );
        }
    }
    let mut kept = project.clone();
    kept.campaigns.retain(|c| entry(&c.name).is_none());
    Cow::Owned(kept)
}
