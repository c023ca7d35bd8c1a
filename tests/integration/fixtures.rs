//! The shared fixtures (a copy in `tests/fixtures`, kept identical to
//! `../shared/fixtures`): valid files compile with no diagnostic at all,
//! invalid ones with exactly the annotated (line, severity, code) set.

use crate::support::*;
use nurturec::Code;

/// Fixtures whose annotation we believe contradicts the language sketch,
/// with the reasoning. The harness reports them instead of failing.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[];

fn is_registered(annotation: &str) -> bool {
    let code = annotation
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or("");
    Code::from_name(code).is_some()
}

#[test]
fn valid_fixtures_have_no_diagnostics() {
    let files = files_below(&root().join("tests/fixtures/valid"), "nurture");
    assert!(files.len() >= 6, "valid fixtures missing");
    let mut failures = Vec::new();
    for file in &files {
        let (sources, c) = compile_files(std::slice::from_ref(file));
        if !c.diagnostics.is_empty() {
            failures.push(nurturec::diagnostics::render::short(
                &c.diagnostics,
                &sources,
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "valid fixtures produced diagnostics:\n{}",
        failures.join("")
    );
}

#[test]
fn invalid_fixtures_produce_exactly_the_annotated_diagnostics() {
    let files = files_below(&root().join("tests/fixtures/invalid"), "nurture");
    assert!(files.len() >= 20, "invalid fixtures missing");
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    for file in &files {
        let name = relative(file);
        if let Some((_, why)) = KNOWN_DISAGREEMENTS.iter().find(|(f, _)| name.ends_with(f)) {
            eprintln!("known disagreement, not checked: {name}: {why}");
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let all_expected = annotations(&text);
        // Codes not yet in the registry belong to analyses still to come.
        let expected: Vec<_> = all_expected
            .iter()
            .filter(|(_, a)| is_registered(a))
            .cloned()
            .collect();
        pending.extend(
            all_expected
                .iter()
                .filter(|(_, a)| !is_registered(a))
                .map(|(l, a)| format!("{name}:{l}: {a}")),
        );
        assert!(!all_expected.is_empty(), "{name} has no annotation");
        let (sources, c) = compile_files(std::slice::from_ref(file));
        let got = produced(&sources, &c);
        if got != expected {
            failures.push(format!(
                "{name}\n  expected {expected:?}\n  produced {got:?}"
            ));
        }
    }
    if !pending.is_empty() {
        eprintln!(
            "annotations whose codes are not implemented yet:\n  {}",
            pending.join("\n  ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixture_copies_are_identical_to_shared() {
    let shared = root().join("../shared/fixtures");
    if !shared.is_dir() {
        eprintln!("../shared/fixtures is not here; nothing to compare");
        return;
    }
    let ours = root().join("tests/fixtures");
    let list = |dir: &std::path::Path| -> Vec<String> {
        files_below(dir, "nurture")
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        list(&shared),
        list(&ours),
        "the set of fixture files differs from ../shared/fixtures"
    );
    for name in list(&shared) {
        assert_eq!(
            std::fs::read(shared.join(&name)).unwrap(),
            std::fs::read(ours.join(&name)).unwrap(),
            "tests/fixtures/{name} differs from ../shared/fixtures/{name}: copy it again"
        );
    }
}
