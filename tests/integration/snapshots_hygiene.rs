//! Every committed snapshot belongs to a test or a case that still exists,
//! and none is left pending review.

use crate::support::*;

#[test]
fn no_snapshot_is_orphaned_or_pending() {
    let dir = root().join("tests/integration/snapshots");
    let mut problems = Vec::new();
    let examples = files_below(&root().join("examples"), "nurture");
    let (_, compiled) = compile_files(&examples);
    let campaigns: Vec<String> = compiled
        .project
        .campaigns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
            problems.push(format!("{name}: pending review"));
            continue;
        }
        let Some(stem) = name.strip_suffix(".snap") else {
            continue;
        };
        let Some(rest) = stem.strip_prefix("integration__") else {
            problems.push(format!("{name}: not from the integration binary"));
            continue;
        };
        let alive = if let Some(case) = rest.strip_prefix("cases__cases@") {
            root()
                .join("tests/cases")
                .join(case.replace("__", "/"))
                .is_file()
        } else if let Some(project) = rest.strip_prefix("projects__") {
            root().join("tests/projects").join(project).is_dir()
        } else if let Some(campaign) = rest.strip_prefix("ir__example_ir_snapshots@") {
            campaign == "project" || campaigns.iter().any(|c| c == campaign)
        } else if let Some((module, test)) = rest.split_once("__") {
            let test = test.split('@').next().unwrap_or(test);
            let source = root().join(format!("tests/integration/{module}.rs"));
            // A snapshot is named after its test function, or explicitly.
            std::fs::read_to_string(source).is_ok_and(|s| {
                s.contains(&format!("fn {test}(")) || s.contains(&format!("\"{test}\""))
            })
        } else {
            false
        };
        if !alive {
            problems.push(format!("{name}: its test or case no longer exists"));
        }
    }
    assert!(
        problems.is_empty(),
        "snapshot problems:\n{}",
        problems.join("\n")
    );
}
