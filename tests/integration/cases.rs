//! Our own cases, one file per case in folders by stage (`tests/cases/<stage>/`).
//! Each is checked twice: its `//~` annotations must equal the diagnostics
//! produced, and a snapshot shows the source with the rendered diagnostics.

use crate::support::*;

#[test]
fn cases() {
    let mut mismatches = Vec::new();
    insta::glob!("../cases", "**/*.nurture", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = relative(path);
        let (sources, mut c) = compile_text(&name, &text);
        // `tests/cases/asl/`: the limits of Step Functions, reported when the
        // `asl` target is built.
        if name.starts_with("tests/cases/asl/") && !c.has_errors() {
            let config = nurturec::config::Config::default();
            let ids = nurturec::emit::IdMode::Placeholders;
            if let Err(ds) = nurturec::emit::asl(&c.project, &config, ids) {
                c.diagnostics.extend(ds);
            }
        }
        let (got, want) = (produced(&sources, &c), annotations(&text));
        if got != want {
            mismatches.push(format!("{name}\n  annotated {want:?}\n  produced  {got:?}"));
        }
        let rendered = nurturec::diagnostics::render::human(&c.diagnostics, &sources, false);
        let snapshot = format!("{text}\n----- diagnostics -----\n{rendered}");
        insta::assert_snapshot!(snapshot);
    });
    assert!(
        mismatches.is_empty(),
        "cases whose diagnostics differ from their annotations:\n{}",
        mismatches.join("\n")
    );
}
