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
        let (sources, c) = compile_text(&name, &text);
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
