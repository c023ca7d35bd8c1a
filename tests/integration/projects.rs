//! Cases of several files: each folder of `tests/projects/` is one project.
//! As with the one-file cases, the `//~` annotations of every file must equal
//! the diagnostics produced, and a snapshot shows every file with the
//! rendered diagnostics.

use crate::support::*;

#[test]
fn projects() {
    let mut mismatches = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(root().join("tests/projects"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(!folders.is_empty());
    for folder in folders {
        let paths = files_below(&folder, "nurture");
        let (mut sources, mut c) = compile_files(&paths);
        // A `nurture.toml` in the folder: its `[policy]` judges the project,
        // as `nurturec check` does.
        let config = folder.join("nurture.toml");
        let mut listing = String::new();
        if config.is_file() {
            let text = std::fs::read_to_string(&config).unwrap();
            let file = sources.add(relative(&config), text.clone());
            let parsed = nurturec::config::parse_config(file, &text).unwrap();
            let rank = nurturec::file_rank(&sources);
            c.diagnostics.extend(nurturec::check::check_policy(
                &c.project,
                &parsed.policy,
                &rank,
            ));
            listing.push_str(&format!("// ── {}\n{text}\n", relative(&config)));
        }
        let mut want = Vec::new();
        for path in &paths {
            let text = std::fs::read_to_string(path).unwrap();
            let name = relative(path);
            want.extend(
                annotations(&text)
                    .into_iter()
                    .map(|(l, d)| (name.clone(), l, d)),
            );
            listing.push_str(&format!("// ── {name}\n{text}\n"));
        }
        want.sort();
        let mut got: Vec<_> = c
            .diagnostics
            .iter()
            .map(|d| {
                let (line, _) = sources.start_location(d.primary.span);
                let file = sources.name(d.primary.span.file).to_string();
                (file, line, format!("{}[{}]", d.severity.as_str(), d.code))
            })
            .collect();
        got.sort();
        let name = relative(&folder);
        if got != want {
            mismatches.push(format!("{name}\n  annotated {want:?}\n  produced  {got:?}"));
        }
        let rendered = nurturec::diagnostics::render::human(&c.diagnostics, &sources, false);
        let snapshot_name = folder.file_name().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(
            snapshot_name,
            format!("{listing}----- diagnostics -----\n{rendered}")
        );
    }
    assert!(
        mismatches.is_empty(),
        "projects whose diagnostics differ from their annotations:\n{}",
        mismatches.join("\n")
    );
}
