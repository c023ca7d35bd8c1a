//! The tree-sitter grammar of the editors (`editors/tree-sitter`), through
//! the tree-sitter runtime: it reads what the compiler reads, its keywords
//! are the compiler's, and its queries compile and capture what they say.

use crate::support::*;
use std::collections::BTreeSet;
use tree_sitter::{Language, Node, Parser, Query, QueryCursor, StreamingIterator, Tree};

fn language() -> Language {
    tree_sitter_nurture::LANGUAGE.into()
}

fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&language()).unwrap();
    parser.parse(text, None).unwrap()
}

/// Every ERROR and MISSING node of a tree, as `line:column kind`.
fn problems(tree: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            let what = if node.is_missing() {
                format!("MISSING {}", node.kind())
            } else {
                "ERROR".to_string()
            };
            out.push(format!("{}:{} {what}", at.row + 1, at.column + 1));
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    out.sort();
    out
}

/// Whether the compiler's parser reads `text` without a syntax error.
fn compiler_parses(text: &str) -> bool {
    let (_, diagnostics) = nurturec::syntax::parse(nurturec::span::FileId(0), text);
    !diagnostics.iter().any(|d| d.is_error())
}

/// Every `.nurture` text of the repository: files of the examples, the
/// tests and the editors' tests, each file of a fuzz input (NUL-separated)
/// and each ```` ```nurture ```` block of the documentation.
fn texts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["examples", "tests", "editors"] {
        for path in files_below(&root().join(dir), "nurture") {
            if path.components().any(|c| c.as_os_str() == "node_modules") {
                continue;
            }
            out.push((relative(&path), std::fs::read_to_string(&path).unwrap()));
        }
    }
    for path in files_below(&root().join("fuzz/corpus/compile"), "nurture") {
        let data = std::fs::read(&path).unwrap();
        for (i, part) in data.split(|b| *b == 0).enumerate() {
            if let Ok(text) = std::str::from_utf8(part) {
                out.push((format!("{} (file {})", relative(&path), i + 1), text.into()));
            }
        }
    }
    let mut docs = files_below(&root().join("docs"), "md");
    docs.push(root().join("README.md"));
    docs.push(root().join("examples/README.md"));
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut block: Option<(usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            match &mut block {
                None if line.trim_start().starts_with("```nurture") => {
                    block = Some((n + 1, String::new()))
                }
                Some((start, body)) if line.trim_start().starts_with("```") => {
                    out.push((
                        format!("{} (block at line {start})", relative(&path)),
                        std::mem::take(body),
                    ));
                    block = None;
                }
                Some((_, body)) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None => {}
            }
        }
    }
    out
}

#[test]
fn the_parser_is_the_abi_the_runtime_reads() {
    let abi = language().abi_version();
    assert_eq!(
        abi, 14,
        "editors/tree-sitter/src/parser.c: generate it with `npm run generate` (ABI 14)"
    );
    assert!(
        (tree_sitter::MIN_COMPATIBLE_LANGUAGE_VERSION..=tree_sitter::LANGUAGE_VERSION)
            .contains(&abi)
    );
}

/// What the compiler parses, tree-sitter parses without an ERROR or MISSING
/// node: every example, valid fixture and case file the compiler reads
/// without a syntax error, and every other such text of the repository.
#[test]
fn everything_the_compiler_parses_parses_without_error() {
    let must: Vec<String> = [
        files_below(&root().join("examples"), "nurture"),
        files_below(&root().join("tests/fixtures/valid"), "nurture"),
        files_below(&root().join("tests/projects/post_webinar_v1"), "nurture"),
    ]
    .concat()
    .iter()
    .map(|p| relative(p))
    .collect();
    assert!(must.len() >= 13, "{must:?}");
    let mut checked = BTreeSet::new();
    let mut failures = Vec::new();
    for (name, text) in texts() {
        if !compiler_parses(&text) {
            assert!(!must.contains(&name), "{name}: the compiler refuses it");
            continue;
        }
        let found = problems(&parse(&text));
        if !found.is_empty() {
            failures.push(format!("{name}: {}", found.join(", ")));
        }
        checked.insert(name);
    }
    for name in &must {
        assert!(checked.contains(name), "{name} was not checked");
    }
    let cases = checked
        .iter()
        .filter(|n| n.starts_with("tests/cases/"))
        .count();
    assert!(cases >= 45, "only {cases} case files checked");
    assert!(
        checked.iter().any(|n| n.starts_with("docs/")),
        "no documentation block checked"
    );
    assert!(
        failures.is_empty(),
        "tree-sitter finds errors where the compiler finds none:\n{}",
        failures.join("\n")
    );
}

/// And it is no blank cheque: the syntax errors of the case files are errors
/// for tree-sitter too, except where the compiler refuses what the grammar
/// allows for reasons no context-free grammar states.
#[test]
fn the_syntax_error_cases_are_errors_too() {
    let not_grammar = [
        // The compiler's limits and its checks of values, not of the syntax.
        "too_deep.nurture",         // the nesting limit (syntax::MAX_NESTING)
        "number_too_large.nurture", // a number beyond what a value holds
        "overflowing_numbers.nurture",
        // The reserved words as names (`segment in = …`): tree-sitter's
        // reserved words need ABI 15, and the parser is ABI 14 so that
        // Debian's Neovim loads it. A highlighter may be this lenient.
        "reserved_word_as_name.nurture",
    ];
    for name in not_grammar {
        let path = root().join("tests/cases/syntax").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!compiler_parses(&text), "{name}: the compiler accepts it");
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for path in files_below(&root().join("tests/cases/syntax"), "nurture") {
        let text = std::fs::read_to_string(&path).unwrap();
        if compiler_parses(&text) {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if problems(&parse(&text)).is_empty() {
            if !not_grammar.contains(&name.as_str()) {
                accepted.push(name);
            }
        } else {
            refused += 1;
        }
    }
    assert!(refused >= 15, "only {refused} syntax cases refused");
    assert!(
        accepted.is_empty(),
        "syntax errors of the compiler that tree-sitter accepts: {accepted:?}"
    );
}

/// The words the generated parser has as tokens are exactly the rule
/// `keyword` of `grammar/nurture.pest` (editors.rs checks grammar.js and
/// highlights.scm themselves).
#[test]
fn the_parser_keywords_are_the_pest_keywords() {
    let lang = language();
    let words: BTreeSet<String> = (0..lang.node_kind_count() as u16)
        .filter(|&id| !lang.node_kind_is_named(id) && lang.node_kind_is_visible(id))
        .filter_map(|id| lang.node_kind_for_id(id))
        .filter(|kind| kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(String::from)
        .collect();
    let keywords = crate::editors::pest_keywords();
    assert_eq!(
        words, keywords,
        "the tree-sitter parser's keywords differ from grammar/nurture.pest's"
    );
}

/// The committed parser was generated from the committed grammar.js, as far
/// as can be told without the tree-sitter CLI: the same rules, by name
/// (`src/grammar.json` is grammar.js evaluated; the keywords are checked
/// above and in editors.rs).
#[test]
fn the_generated_parser_has_the_rules_of_grammar_js() {
    let dir = root().join("editors/tree-sitter");
    let grammar_js = std::fs::read_to_string(dir.join("grammar.js")).unwrap();
    let in_js: BTreeSet<String> = grammar_js
        .lines()
        .filter_map(|line| line.strip_prefix("    "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            let is_rule =
                rest.trim_start().starts_with("$ =>") || rest.trim_start().starts_with("_ =>");
            (is_rule && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| name.to_string())
        })
        .collect();
    let generated: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("src/grammar.json")).unwrap())
            .unwrap();
    let in_json: BTreeSet<String> = generated["rules"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(in_json.len() > 50);
    assert_eq!(
        in_js, in_json,
        "editors/tree-sitter/src is stale: run `npm run generate` there"
    );
}

#[test]
fn every_query_compiles() {
    for (name, source) in [
        ("highlights.scm", tree_sitter_nurture::HIGHLIGHTS_QUERY),
        ("locals.scm", tree_sitter_nurture::LOCALS_QUERY),
        ("tags.scm", tree_sitter_nurture::TAGS_QUERY),
    ] {
        let query =
            Query::new(&language(), source).unwrap_or_else(|e| panic!("queries/{name}: {e}"));
        assert!(query.pattern_count() > 0, "{name} has no pattern");
    }
}

/// `(capture, text, byte range)` of every capture of `query` in `text`, in
/// the order of the text (a node's captures in the order of the patterns).
fn captures(query: &str, text: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let query = Query::new(&language(), query).unwrap();
    let tree = parse(text);
    assert!(problems(&tree).is_empty(), "{:?}", problems(&tree));
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.captures(&query, tree.root_node(), text.as_bytes());
    let mut out = Vec::new();
    while let Some((m, index)) = matches.next() {
        let capture = m.captures[*index];
        out.push((
            query.capture_names()[capture.index as usize].to_string(),
            node_text(capture.node, text).to_string(),
            capture.node.byte_range(),
        ));
    }
    out
}

fn node_text<'t>(node: Node, text: &'t str) -> &'t str {
    &text[node.byte_range()]
}

/// The first capture of the `nth` (from 0) captured node whose text is
/// `text` (highlights.scm captures no node twice, so it is the only one).
fn capture_of(
    all: &[(String, String, std::ops::Range<usize>)],
    text: &str,
    nth: usize,
) -> Option<String> {
    let mut ranges: Vec<&std::ops::Range<usize>> = Vec::new();
    for (capture, t, range) in all {
        if t != text || ranges.contains(&range) {
            continue;
        }
        if ranges.len() == nth {
            return Some(capture.clone());
        }
        ranges.push(range);
    }
    None
}

#[test]
fn highlights_tell_keywords_from_names_by_context() {
    let text = r#"segment leaders = title == "CTO" or stage != "lead" and not source in ["ads"]

email during { subject "Hi {{ contact.first_name }}\n" template "t/during" stage decision }

scoring b2b {
  fit { +8 on email.clicked(during) or page.visited("/pricing") max 70 }
}

campaign c {
  title "For {{ contact.title }}"
  trigger form.submitted("f")
  scoring b2b
  send during mon-fri 09:00-17:00
  on score.fit >= 40 { exit "scored" }
  exit: send during
  wait 2d or until email.clicked(during) within 1d
  goto exit
}
"#;
    let all = captures(tree_sitter_nurture::HIGHLIGHTS_QUERY, text);
    let expect = [
        ("title", 0, "property"),
        ("stage", 0, "property"),
        ("source", 0, "property"),
        ("not", 0, "keyword.operator"),
        ("during", 0, "type.definition"),
        ("stage", 1, "keyword"),
        ("decision", 0, "constant.builtin"),
        ("{{ contact.first_name }}", 0, "string.special"),
        ("\\n", 0, "string.escape"),
        ("+8", 0, "number"),
        ("clicked", 0, "function.call"),
        ("or", 1, "keyword.operator"),
        ("max", 0, "keyword"),
        ("title", 1, "keyword"),
        ("{{ contact.title }}", 0, "string.special"),
        ("during", 2, "keyword"),
        ("mon", 0, "constant"),
        ("09:00", 0, "number"),
        ("score", 0, "variable.builtin"),
        ("fit", 1, "property"),
        ("exit", 0, "keyword.return"),
        ("exit", 1, "label"),
        ("during", 3, "type"),
        ("2d", 0, "number"),
        ("until", 0, "keyword"),
        ("within", 0, "keyword.operator"),
        ("exit", 2, "label"),
    ];
    let mut wrong = Vec::new();
    for (node, nth, want) in expect {
        let got = capture_of(&all, node, nth);
        if got.as_deref() != Some(want) {
            wrong.push(format!("{node:?} #{nth}: {got:?}, expected {want}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n\ncaptures: {all:?}",
        wrong.join("\n")
    );
}

#[test]
fn locals_tie_a_goto_to_its_label() {
    let text = std::fs::read_to_string(root().join("examples/long_term_recycle.nurture")).unwrap();
    let all = captures(tree_sitter_nurture::LOCALS_QUERY, &text);
    let definitions: Vec<&str> = all
        .iter()
        .filter(|(c, _, _)| c == "local.definition")
        .map(|(_, t, _)| t.as_str())
        .collect();
    let references: Vec<&str> = all
        .iter()
        .filter(|(c, _, _)| c == "local.reference")
        .map(|(_, t, _)| t.as_str())
        .collect();
    assert!(!references.is_empty(), "{all:?}");
    for r in &references {
        assert!(definitions.contains(r), "`goto {r}` has no label: {all:?}");
    }
    assert!(all.iter().any(|(c, _, _)| c == "local.scope"));
}

#[test]
fn tags_name_the_items() {
    let text = std::fs::read_to_string(root().join("examples/webinar_followup.nurture")).unwrap();
    let all = captures(tree_sitter_nurture::TAGS_QUERY, &text);
    let names: Vec<&str> = all
        .iter()
        .filter(|(c, _, _)| c == "name")
        .map(|(_, t, _)| t.as_str())
        .collect();
    for item in ["webinar_followup", "practitioners", "recording"] {
        assert!(names.contains(&item), "{item} not tagged: {all:?}");
    }
    assert!(all.iter().any(|(c, _, _)| c == "definition.module"));
    assert!(all.iter().any(|(c, _, _)| c == "reference.constant"));
}

/// What editors/README.md tells Neovim users, done by Debian's Neovim
/// headless: the parser compiled into `parser/nurture.so` and the queries in
/// `queries/nurture/` of a runtime directory, loaded, a file parsed without
/// error and highlighted (ABI 14 is what Neovim 0.7 and later read).
#[test]
fn neovim_loads_the_parser_and_its_queries() {
    if !crate::editors::tool_present("nvim", "Debian's neovim")
        || !crate::editors::tool_present("cc", "a C compiler")
    {
        return;
    }
    let runtime = crate::cli::temp_dir("nvim-tree-sitter");
    let grammar = root().join("editors/tree-sitter");
    std::fs::create_dir_all(runtime.join("parser")).unwrap();
    std::fs::create_dir_all(runtime.join("queries/nurture")).unwrap();
    let compiled = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-I"])
        .arg(grammar.join("src"))
        .arg(grammar.join("src/parser.c"))
        .arg("-o")
        .arg(runtime.join("parser/nurture.so"))
        .status()
        .unwrap();
    assert!(compiled.success());
    for query in ["highlights.scm", "locals.scm", "tags.scm"] {
        std::fs::copy(
            grammar.join("queries").join(query),
            runtime.join("queries/nurture").join(query),
        )
        .unwrap();
    }
    let script = runtime.join("check.lua");
    std::fs::write(
        &script,
        r#"
vim.opt.runtimepath:prepend(os.getenv('NURTURE_RUNTIME'))
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('NURTURE_FILE')))
local ok, parser = pcall(vim.treesitter.get_parser, 0, 'nurture')
if not ok then
  io.stdout:write('load failed: ' .. tostring(parser) .. '\n')
  vim.cmd('cquit')
end
local root = parser:parse()[1]:root()
io.stdout:write('root ' .. root:type() .. ' error=' .. tostring(root:has_error()) .. '\n')
local get = (vim.treesitter.query and vim.treesitter.query.get) or vim.treesitter.get_query
local query = get('nurture', 'highlights')
local seen = {}
for id, node in query:iter_captures(root, 0, 0, -1) do
  local text = vim.treesitter.get_node_text(node, 0)
  seen[query.captures[id] .. ':' .. text] = true
end
for _, want in ipairs({ 'property:title', 'keyword:title', 'property:stage', 'keyword:campaign' }) do
  io.stdout:write(want .. '=' .. tostring(seen[want] == true) .. '\n')
end
vim.treesitter.highlighter.new(parser)
io.stdout:write('highlighter ok\n')
vim.cmd('qall!')
"#,
    )
    .unwrap();
    let output = std::process::Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("NURTURE_RUNTIME", &runtime)
        .env(
            "NURTURE_FILE",
            root().join("tests/cases/syntax/contextual_keywords.nurture"),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let expected = "root source_file error=false\n\
                    property:title=true\n\
                    keyword:title=true\n\
                    property:stage=true\n\
                    keyword:campaign=true\n\
                    highlighter ok\n";
    assert_eq!(
        report,
        expected,
        "nvim: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(&runtime);
}

/// Editors differ in which of two captures of one node wins; with one
/// capture per node, they agree.
#[test]
fn highlights_capture_no_node_twice() {
    let mut twice = Vec::new();
    for path in files_below(&root().join("examples"), "nurture") {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut by_range: std::collections::BTreeMap<(usize, usize), BTreeSet<String>> =
            Default::default();
        for (capture, _, range) in captures(tree_sitter_nurture::HIGHLIGHTS_QUERY, &text) {
            by_range
                .entry((range.start, range.end))
                .or_default()
                .insert(capture);
        }
        for ((start, end), names) in by_range {
            if names.len() > 1 {
                twice.push(format!(
                    "{}: {:?} {names:?}",
                    relative(&path),
                    &text[start..end]
                ));
            }
        }
    }
    assert!(twice.is_empty(), "{}", twice.join("\n"));
}

/// The projects the benchmarks generate (every construct of the flow, deep
/// nesting, long files) parse without an error node.
#[test]
fn generated_benchmark_projects_parse_without_error() {
    let projects = [
        crate::generate::realistic(3_000, 7),
        crate::generate::sequential_branches(40),
        crate::generate::deep_nesting(60),
        crate::generate::many_small_campaigns(200),
    ];
    for project in &projects {
        for (name, text) in &project.files {
            assert!(compiler_parses(text), "{}/{name}", project.name);
            let found = problems(&parse(text));
            assert!(found.is_empty(), "{}/{name}: {found:?}", project.name);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: crate::properties::cases(),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// The property tests' generated projects (every kind of condition,
    /// statement, label and scoring rule they make) parse without an error
    /// node.
    #[test]
    fn generated_projects_parse_without_error(p in crate::properties::project()) {
        for (name, text) in crate::properties::render(&p) {
            let found = problems(&parse(&text));
            proptest::prop_assert!(found.is_empty(), "{name}: {found:?}\n{text}");
        }
    }
}
