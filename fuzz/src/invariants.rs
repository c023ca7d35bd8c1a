//! What must hold for any input whatsoever: the fuzz target
//! (`fuzz/fuzz_targets/compile.rs`) runs [`check_input`] on every input it
//! generates, and the integration suite (`tests/integration/fuzz_corpus.rs`)
//! runs it on every file of `fuzz/corpus/compile/`, so each input committed
//! there stays a regression test.
//!
//! A violated invariant panics, which is what libFuzzer reports as a crash.
//! This file depends only on `nurturec`, `serde_json` and `jsonschema`: both
//! crates that include it have those.

use nurturec::diagnostics::render;
use nurturec::emit::OutputFile;
use nurturec::{Compilation, Diagnostic, SourceMap};
use std::sync::OnceLock;

/// At most this many files per input: a NUL byte starts the next file, so
/// the fuzzer also explores projects whose names cross files.
pub const MAX_FILES: usize = 4;

/// The project an input stands for: its bytes split at NUL into at most
/// [`MAX_FILES`] files. Bytes that are not UTF-8 are replaced (the CLI
/// refuses such files before the library sees them, but the replacement
/// character is itself a useful input).
pub fn sources_from_bytes(data: &[u8]) -> SourceMap {
    let mut sources = SourceMap::new();
    for (i, part) in data.splitn(MAX_FILES, |b| *b == 0).enumerate() {
        let text = String::from_utf8_lossy(part).into_owned();
        sources.add(format!("fuzz/{i}.nurture"), text);
    }
    sources
}

/// Every backend's output for a project without errors. A new backend is one
/// more line here, and the fuzz target, the corpus replay and the property
/// tests all cover it.
pub fn all_backends(compilation: &Compilation, sources: &SourceMap) -> Vec<OutputFile> {
    let project = &compilation.project;
    let config = nurturec::config::Config::default();
    let ids = nurturec::emit::IdMode::Placeholders;
    let mut files = nurturec::emit::ir_json(project, sources);
    for platform in [
        nurturec::emit::klaviyo(project, &config, ids),
        nurturec::emit::hubspot(project, &config, ids),
        nurturec::emit::asl(project, &config, ids),
    ] {
        match platform {
            Ok(mut out) => files.append(&mut out),
            // What a platform cannot express is a diagnostic, and its labels
            // must point into the sources like any other.
            Err(mut diagnostics) => {
                nurturec::diagnostics::sort_and_dedup(&mut diagnostics);
                check_diagnostics(&diagnostics, sources);
            }
        }
    }
    files
}

/// The IR schema, compiled once.
pub fn ir_schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = include_str!("../../schema/ir.schema.json");
        let value: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("schema is not JSON: {e}"));
        jsonschema::validator_for(&value).unwrap_or_else(|e| panic!("schema is invalid: {e}"))
    })
}

/// Compiles the input and checks every invariant; panics on a violation.
pub fn check_input(data: &[u8]) {
    let sources = sources_from_bytes(data);
    check_project(&sources);
}

/// Every invariant, for a project already split into files.
pub fn check_project(sources: &SourceMap) {
    let compilation = nurturec::compile(sources);
    check_diagnostics(&compilation.diagnostics, sources);
    check_rendering(&compilation.diagnostics, sources);

    let outputs = if compilation.has_errors() {
        Vec::new()
    } else {
        let outputs = all_backends(&compilation, sources);
        check_outputs(&outputs);
        outputs
    };

    check_formatting(sources, &compilation);

    // Deterministic: the same project compiles to the same result.
    let again = nurturec::compile(sources);
    assert_eq!(
        compilation.diagnostics, again.diagnostics,
        "diagnostics differ between two runs"
    );
    if !again.has_errors() {
        assert_eq!(
            outputs,
            all_backends(&again, sources),
            "outputs differ between two runs"
        );
    }
}

/// Every label of every diagnostic lies within its file, on character
/// boundaries, start before end; the list is sorted without repeats.
pub fn check_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) {
    for d in diagnostics {
        for (label, primary) in
            std::iter::once((&d.primary, true)).chain(d.secondary.iter().map(|l| (l, false)))
        {
            let span = label.span;
            let Some(file) = sources.get(span.file) else {
                panic!("{}: label in a file that does not exist: {d:?}", d.code);
            };
            let text = &file.text;
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{}: {} label {:?} outside its file of {} bytes: {d:?}",
                d.code,
                if primary { "primary" } else { "secondary" },
                span,
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{}: label {span:?} splits a character: {d:?}",
                d.code
            );
        }
        assert!(!d.message.is_empty(), "{}: empty message", d.code);
    }
    let mut sorted = diagnostics.to_vec();
    nurturec::diagnostics::sort_and_dedup(&mut sorted);
    assert_eq!(
        sorted, diagnostics,
        "diagnostics not sorted and deduplicated"
    );
}

/// Every format renders, and the machine-readable ones are well-formed.
pub fn check_rendering(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let plain = render::human(diagnostics, sources, false);
    let coloured = render::human(diagnostics, sources, true);
    let short = render::short(diagnostics, sources);
    let github = render::github(diagnostics, sources);
    let json = render::json(diagnostics, sources);
    assert_eq!(
        short.lines().count(),
        diagnostics.len(),
        "short: one line each"
    );
    assert_eq!(
        github.lines().count(),
        diagnostics.len(),
        "github: one line each"
    );
    for d in diagnostics {
        let header = format!("{}[{}]: ", d.severity.as_str(), d.code);
        assert!(
            plain.contains(&header),
            "human output lacks `{header}`:\n{plain}"
        );
    }
    if !diagnostics.is_empty() {
        assert!(coloured.contains('\u{1b}'), "colour requested but absent");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("JSON output does not parse: {e}"));
    let listed = doc["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(
        listed,
        diagnostics.len(),
        "JSON output lists every diagnostic"
    );
    for d in doc["diagnostics"].as_array().into_iter().flatten() {
        for key in [
            "line",
            "column",
            "end_line",
            "end_column",
            "column_utf16",
            "end_column_utf16",
        ] {
            assert!(
                d[key].as_u64().is_some_and(|n| n >= 1),
                "JSON {key} < 1: {d}"
            );
        }
    }
    check_ci_formats(diagnostics, sources);
}

/// SARIF parses and has a result with a region of positive numbers per
/// diagnostic; JUnit has a `<failure>` per error.
fn check_ci_formats(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let sarif: serde_json::Value = serde_json::from_str(&render::sarif(diagnostics, sources))
        .unwrap_or_else(|e| panic!("SARIF output does not parse: {e}"));
    let results = sarif["runs"][0]["results"].as_array();
    assert_eq!(
        results.map_or(0, Vec::len),
        diagnostics.len(),
        "SARIF lists every diagnostic"
    );
    for result in results.into_iter().flatten() {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                region[key].as_u64().is_some_and(|n| n >= 1),
                "SARIF {key} < 1: {result}"
            );
        }
    }
    let junit = render::junit(diagnostics, sources, false);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(
        junit.matches("<failure ").count(),
        errors,
        "JUnit: a failure per error"
    );
}

/// Parses JSON of any depth. A condition at the nesting limit compiles to
/// IR deeper than `serde_json::from_str`'s default limit of 128 levels (each
/// `(a and …)` is an object and an array), so the default would fail here on
/// output that is well-formed.
pub fn parse_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let mut values = deserializer.into_iter::<serde_json::Value>();
    let value = values
        .next()
        .unwrap_or_else(|| panic!("empty JSON document"))?;
    assert!(values.next().is_none(), "more than one JSON document");
    Ok(value)
}

/// Output paths are unique, relative and tidy; every file is JSON, and IR
/// files validate against the schema.
pub fn check_outputs(outputs: &[OutputFile]) {
    let mut paths: Vec<&str> = outputs.iter().map(|f| f.path.as_str()).collect();
    paths.sort_unstable();
    let before = paths.len();
    paths.dedup();
    assert_eq!(before, paths.len(), "two outputs share a path: {paths:?}");
    for file in outputs {
        assert!(
            !file.path.starts_with('/')
                && file
                    .path
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != ".."),
            "unsafe output path `{}`",
            file.path
        );
        assert!(
            file.contents.ends_with('\n'),
            "{}: no final newline",
            file.path
        );
        let value =
            parse_json(&file.contents).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.path));
        if file.path.starts_with("ir/") {
            let errors: Vec<String> = ir_schema()
                .iter_errors(&value)
                .map(|e| format!("{e} at {}", e.instance_path))
                .collect();
            assert!(
                errors.is_empty(),
                "{} does not match the IR schema:\n{}",
                file.path,
                errors.join("\n")
            );
        }
    }
}

/// `nurturec fmt` over the project: each file that parses formats without
/// losing a token or a comment, formatting it again changes nothing, and the
/// formatted project has the same diagnostics (codes and messages) and the
/// same IR, source positions aside. A file with a syntax error is left as
/// it is.
pub fn check_formatting(sources: &SourceMap, compilation: &Compilation) {
    use nurturec::format::{format_file, FormatError};
    let mut formatted = SourceMap::new();
    for (id, file) in sources.iter() {
        let text = match format_file(id, &file.text) {
            Ok(text) => {
                assert_eq!(
                    format_file(id, &text).as_ref(),
                    Ok(&text),
                    "formatting {} twice is not formatting it once",
                    file.name
                );
                text
            }
            Err(FormatError::Syntax(_)) => file.text.clone(),
            Err(FormatError::Changed(why)) => {
                panic!("formatting {} would change it: {why}", file.name)
            }
        };
        formatted.add_with_project_path(file.name.clone(), file.project_path.clone(), text);
    }
    let after = nurturec::compile(&formatted);
    assert_eq!(
        codes_and_messages(&compilation.diagnostics),
        codes_and_messages(&after.diagnostics),
        "formatting changes the diagnostics"
    );
    assert_eq!(
        ir_without_positions(compilation, sources),
        ir_without_positions(&after, &formatted),
        "formatting changes the IR"
    );
}

/// `(code, message)` of each diagnostic, sorted: what a layout cannot change.
pub fn codes_and_messages(diagnostics: &[Diagnostic]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    out.sort();
    out
}

/// The IR files with every `line` and `column` removed.
pub fn ir_without_positions(
    compilation: &Compilation,
    sources: &SourceMap,
) -> Vec<(String, serde_json::Value)> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("line");
                map.remove("column");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    nurturec::emit::ir_json(&compilation.project, sources)
        .into_iter()
        .map(|f| {
            let mut value =
                parse_json(&f.contents).unwrap_or_else(|e| panic!("{} is not JSON: {e}", f.path));
            strip(&mut value);
            (f.path, value)
        })
        .collect()
}
