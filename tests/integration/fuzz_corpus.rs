//! Every input committed to `fuzz/corpus/compile/` (the seeds and each input
//! the fuzzer ever crashed on) through the fuzz target's own invariants, so
//! each crash stays a regression test without running the fuzzer in CI.

use crate::invariants;
use crate::support::root;

#[test]
fn every_committed_fuzz_input_holds_the_invariants() {
    let dir = root().join("fuzz/corpus/compile");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 20,
        "the corpus in {} is missing",
        dir.display()
    );
    let mut failures = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| invariants::check_input(&data)).is_err() {
            failures.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "inputs breaking an invariant (each panic is printed above): {failures:?}"
    );
}

#[test]
fn the_multi_file_seed_builds_and_a_nul_byte_starts_a_new_file() {
    let data =
        std::fs::read(root().join("fuzz/corpus/compile/multi-file-project.nurture")).unwrap();
    let sources = invariants::sources_from_bytes(&data);
    assert_eq!(sources.len(), 4);
    let c = nurturec::compile(&sources);
    assert!(
        !c.has_errors(),
        "{}",
        nurturec::diagnostics::render::short(&c.diagnostics, &sources)
    );
    let outputs = invariants::all_backends(&c, &sources);
    for target in ["ir", "klaviyo", "hubspot", "asl"] {
        let count = outputs
            .iter()
            .filter(|f| f.path.starts_with(&format!("{target}/")))
            .count();
        assert!(count >= 2, "{target}: {count} files for two campaigns");
    }
}
