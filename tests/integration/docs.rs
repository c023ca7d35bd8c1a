//! What we show users must compile: the examples (one project) and every
//! fenced ```nurture block of the docs that starts with `// example`.

use crate::support::*;

#[test]
fn examples_compile_with_no_diagnostics() {
    let files = files_below(&root().join("examples"), "nurture");
    assert!(files.len() >= 6, "examples missing");
    let (sources, c) = compile_files(&files);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        nurturec::diagnostics::render::short(&c.diagnostics, &sources)
    );
    assert!(c.project.campaigns.len() >= 8);
}

/// The fenced `nurture` blocks of a Markdown text that begin with `// example`.
pub fn example_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```nurture") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                if block.starts_with("// example") {
                    blocks.push(block.clone());
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn documented_examples_compile_with_no_diagnostics() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for doc in files_below(&root().join("docs"), "md") {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (i, block) in example_blocks(&text).iter().enumerate() {
            checked += 1;
            let name = format!("{} example {}", relative(&doc), i + 1);
            let (sources, c) = compile_text(&name, block);
            if !c.diagnostics.is_empty() {
                failures.push(nurturec::diagnostics::render::short(
                    &c.diagnostics,
                    &sources,
                ));
            }
        }
    }
    assert!(
        checked >= 4,
        "expected the language reference to hold complete examples"
    );
    assert!(failures.is_empty(), "{}", failures.join(""));
}
