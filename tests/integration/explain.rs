//! Every `nurturec explain <code>` text: its shape, and that its examples do
//! what they say (the failing one yields exactly that code, the fixed one
//! compiles clean). All problems are collected and reported in one assertion.

use nurturec::{Code, SourceMap};

/// The codes of the diagnostics a one-file project compiles to, each with its
/// message (for the failure report).
fn diagnostics_of(code: Code, which: &str, text: &str) -> Vec<(Code, String)> {
    let mut sources = SourceMap::new();
    sources.add(format!("{}-{which}.nurture", code.as_str()), text);
    nurturec::compile(&sources)
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect()
}

/// The first ```nurture block after `heading`.
fn example_after<'t>(text: &'t str, heading: &str) -> Option<&'t str> {
    let after_heading = &text[text.find(heading)? + heading.len()..];
    let fence = "```nurture\n";
    let body = &after_heading[after_heading.find(fence)? + fence.len()..];
    let end = body.find("\n```")?;
    Some(&body[..=end])
}

fn describe(found: &[(Code, String)]) -> String {
    if found.is_empty() {
        return "none".to_string();
    }
    found
        .iter()
        .map(|(c, m)| format!("{}: {m}", c.as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn problems_of(code: Code) -> Vec<String> {
    let name = code.as_str();
    let text = code.explanation();
    let mut problems = Vec::new();

    if text.contains("(to be written)") {
        problems.push("still the placeholder `(to be written)`".to_string());
        return problems;
    }
    let first_line = text.lines().next().unwrap_or("");
    let prefix = format!("# {name}: ");
    if !first_line.starts_with(&prefix) || first_line.len() == prefix.len() {
        problems.push(format!(
            "does not start with `{prefix}<summary>`: found `{first_line}`"
        ));
    }
    let headings = [
        "## Why it matters",
        "## Failing example",
        "## Fixed example",
    ];
    let mut last = 0;
    for heading in headings {
        match text
            .match_indices(heading)
            .map(|(i, _)| i)
            .find(|i| *i >= last)
        {
            Some(at) => last = at,
            None => problems.push(format!("no `{heading}` section (in this order)")),
        }
    }
    if let Some(why) = text.find("## Why it matters") {
        let meaning = text.get(first_line.len()..why).unwrap_or("").trim();
        if meaning.is_empty() {
            problems.push(
                "no text on what it means between the title and `## Why it matters`".to_string(),
            );
        }
    }

    match example_after(text, "## Failing example") {
        None => problems.push("no ```nurture block after `## Failing example`".to_string()),
        // These fail only with a nurture.toml or a target: backends.rs checks them.
        Some(_) if nurturec::diagnostics::NEEDS_CONFIG.contains(&code) => {}
        Some(failing) => {
            let found = diagnostics_of(code, "failing", failing);
            let only_this = !found.is_empty() && found.iter().all(|(c, _)| *c == code);
            if !only_this {
                problems.push(format!(
                    "failing example should yield only `{name}`, yields: {}",
                    describe(&found)
                ));
            } else if found.len() > 1 {
                problems.push(format!(
                    "failing example yields `{name}` {} times (prefer once): {}",
                    found.len(),
                    describe(&found)
                ));
            }
        }
    }
    match example_after(text, "## Fixed example") {
        None => problems.push("no ```nurture block after `## Fixed example`".to_string()),
        Some(fixed) => {
            let found = diagnostics_of(code, "fixed", fixed);
            if !found.is_empty() {
                problems.push(format!(
                    "fixed example should compile clean, yields: {}",
                    describe(&found)
                ));
            }
        }
    }
    problems
}

#[test]
fn every_explanation_is_complete_and_its_examples_hold() {
    let mut report = Vec::new();
    for &code in Code::ALL {
        for problem in problems_of(code) {
            report.push(format!("  {}: {problem}", code.as_str()));
        }
    }
    assert!(
        report.is_empty(),
        "{} problem(s) in `nurturec explain` texts (src/diagnostics/explain/<code>.md):\n{}",
        report.len(),
        report.join("\n")
    );
}
