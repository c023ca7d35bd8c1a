//! The editor grammars (editors/) know every keyword of the language grammar.
//!
//! Reads the `keyword` rule of `grammar/nurture.pest`, e.g.
//! `keyword = @{ ( "segment" | "email" | ... ) ~ !ident_char }`, and checks that
//! each of its string literals appears as a word in the regular expressions of
//! the VS Code TextMate grammar and in the Vim syntax file, and that the
//! tree-sitter grammar's `grammar.js` writes exactly these words as tokens
//! and its `queries/highlights.scm` highlights each of them
//! (`tree_sitter.rs` checks the same of the generated parser).

use std::fs;
use std::path::{Path, PathBuf};

fn repo_file(relative: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (path, text)
}

/// The string literals of the rule `keyword` in a pest grammar, in order.
/// `None` when the grammar has no such rule.
pub(crate) fn keyword_rule_literals(grammar: &str) -> Option<Vec<String>> {
    // The rule starts at a line `keyword = ...` (optionally preceded by doc comments).
    let mut offset = 0;
    let mut start = None;
    for line in grammar.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("keyword") {
            if rest.trim_start().starts_with('=') {
                start = Some(offset + (line.len() - trimmed.len()));
                break;
            }
        }
        offset += line.len();
    }
    let rule = &grammar[start?..];

    // Walk the definition up to the `}` that closes its first `{`, skipping
    // comments and collecting string literals.
    let mut literals = Vec::new();
    let mut depth = 0usize;
    let mut chars = rule.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '/' if matches!(chars.peek(), Some((_, '/'))) => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if matches!(chars.peek(), Some((_, '*'))) => {
                chars.next();
                let mut previous = ' ';
                for (_, c) in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            '"' => {
                let mut literal = String::new();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                literal.push(escaped);
                            }
                        }
                        '"' => break,
                        _ => literal.push(c),
                    }
                }
                literals.push(literal);
            }
            '\'' => {
                // a character literal such as '_' or '\''
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '\'' => break,
                        _ => {}
                    }
                }
            }
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    Some(literals)
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `word` occurs in `text` with no identifier character on either side. A regex
/// escape right before it (`\bsend`, `\<send`, `\zssend`) counts as a boundary.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let after_ok = !text[i + word.len()..]
            .chars()
            .next()
            .is_some_and(is_ident_char);
        let before = &text[..i];
        let run = before
            .chars()
            .rev()
            .take_while(|&c| is_ident_char(c))
            .count();
        let before_ok = run == 0 || (run <= 2 && before[..before.len() - run].ends_with('\\'));
        after_ok && before_ok
    })
}

/// The regular expressions of a TextMate grammar in JSON: the values of its
/// `match`, `begin`, `end` and `while` keys, unescaped.
fn tmlanguage_regexes(json: &str) -> Vec<String> {
    let mut regexes = Vec::new();
    for key in ["\"match\"", "\"begin\"", "\"end\"", "\"while\""] {
        for (i, _) in json.match_indices(key) {
            let rest = json[i + key.len()..].trim_start();
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let mut value = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('n') => value.push('\n'),
                        Some('t') => value.push('\t'),
                        Some(other) => value.push(other),
                        None => break,
                    },
                    '"' => break,
                    _ => value.push(c),
                }
            }
            regexes.push(value);
        }
    }
    regexes
}

/// A Vim script without its full-line comments.
fn vim_code(script: &str) -> String {
    script
        .lines()
        .filter(|line| !line.trim_start().starts_with('"'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn editor_grammars_know_every_keyword() {
    let (grammar_path, grammar) = repo_file("grammar/nurture.pest");
    let keywords = keyword_rule_literals(&grammar)
        .unwrap_or_else(|| panic!("{}: no rule `keyword = ...`", grammar_path.display()));
    assert!(
        !keywords.is_empty(),
        "{}: the rule `keyword` lists no string literals",
        grammar_path.display()
    );

    let (_, tmlanguage) = repo_file("editors/vscode/syntaxes/nurture.tmLanguage.json");
    let regexes = tmlanguage_regexes(&tmlanguage).join("\n");
    assert!(
        !regexes.is_empty(),
        "no regular expressions found in nurture.tmLanguage.json"
    );
    let (_, vim) = repo_file("editors/vim/syntax/nurture.vim");
    let vim = vim_code(&vim);

    let mut problems = Vec::new();
    for (file, text) in [
        ("editors/vscode/syntaxes/nurture.tmLanguage.json", &regexes),
        ("editors/vim/syntax/nurture.vim", &vim),
    ] {
        let missing: Vec<&str> = keywords
            .iter()
            .map(String::as_str)
            .filter(|keyword| !contains_word(text, keyword))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{file} does not mention: {}", missing.join(" ")));
        }
    }
    assert!(
        problems.is_empty(),
        "keywords of the rule `keyword` in grammar/nurture.pest missing from the editor grammars:\n{}",
        problems.join("\n")
    );
}

/// The keywords of `grammar/nurture.pest`.
pub(crate) fn pest_keywords() -> std::collections::BTreeSet<String> {
    let (path, grammar) = repo_file("grammar/nurture.pest");
    let keywords = keyword_rule_literals(&grammar)
        .unwrap_or_else(|| panic!("{}: no rule `keyword = ...`", path.display()));
    assert!(!keywords.is_empty(), "{}: no keywords", path.display());
    keywords.into_iter().collect()
}

/// The quoted strings of a JavaScript or query file, outside `//` and `;`
/// comments (`comment` is the comment marker), with the text before each.
fn quoted_strings(text: &str, comment: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Block comments (`/** … */`, JavaScript only) hold prose, apostrophes
    // included.
    let mut text = text.to_string();
    if comment == "//" {
        while let Some(start) = text.find("/*") {
            let end = text[start..]
                .find("*/")
                .map_or(text.len(), |e| start + e + 2);
            text.replace_range(start..end, "");
        }
    }
    for line in text.lines() {
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if line[i..].starts_with(comment) {
                break;
            }
            if c == '/' && comment == "//" && i > 0 {
                // A regular expression literal (`/[a-z]+/`) holds no tokens
                // of interest and may hold quotes: skip to its end.
                let before = line[..i].trim_end();
                if before.ends_with(['(', ',', '>', ':', '[']) {
                    let mut escaped = false;
                    for (_, c) in chars.by_ref() {
                        match c {
                            '\\' if !escaped => escaped = true,
                            '/' if !escaped => break,
                            _ => escaped = false,
                        }
                    }
                    continue;
                }
            }
            if c == '\'' || c == '"' {
                let mut literal = String::new();
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    match d {
                        '\\' if !escaped => escaped = true,
                        d if d == c && !escaped => break,
                        d => {
                            literal.push(d);
                            escaped = false;
                        }
                    }
                }
                out.push((line[..i].to_string(), literal));
            }
        }
    }
    out
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

#[test]
fn tree_sitter_grammar_keywords_follow_the_pest_grammar() {
    let keywords = pest_keywords();
    let (_, grammar_js) = repo_file("editors/tree-sitter/grammar.js");
    // The words grammar.js writes as tokens; field names and the grammar's
    // own name are strings too, but no tokens.
    let tokens: std::collections::BTreeSet<String> = quoted_strings(&grammar_js, "//")
        .into_iter()
        .filter(|(before, literal)| {
            is_word(literal)
                && !before.trim_end().ends_with("field(")
                && !before.trim_end().ends_with("name:")
        })
        .map(|(_, literal)| literal)
        .collect();
    let missing: Vec<_> = keywords.difference(&tokens).collect();
    let extra: Vec<_> = tokens.difference(&keywords).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "editors/tree-sitter/grammar.js and the rule `keyword` of grammar/nurture.pest differ:\n\
         keywords grammar.js never writes: {missing:?}\n\
         tokens of grammar.js that are no keyword: {extra:?}"
    );

    let (_, highlights) = repo_file("editors/tree-sitter/queries/highlights.scm");
    let highlighted: std::collections::BTreeSet<String> = quoted_strings(&highlights, ";")
        .into_iter()
        .map(|(_, literal)| literal)
        .filter(|literal| is_word(literal))
        .collect();
    let missing: Vec<_> = keywords.difference(&highlighted).collect();
    // Funnel stages and booleans are highlighted through their nodes
    // (`funnel_stage`, `boolean`), the rest by name.
    let through_nodes = [
        "awareness",
        "consideration",
        "decision",
        "retention",
        "true",
        "false",
    ];
    let missing: Vec<_> = missing
        .into_iter()
        .filter(|k| !through_nodes.contains(&k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "keywords editors/tree-sitter/queries/highlights.scm does not highlight: {missing:?}"
    );
    let extra: Vec<_> = highlighted.difference(&keywords).collect();
    assert!(
        extra.is_empty(),
        "highlights.scm names words that are no keyword: {extra:?}"
    );
}

#[test]
fn quoted_string_extraction() {
    let js = r#"  title: $ => seq('title', field('value', $.string)), // 'comment'
    /** the compiler's grammar */ extras: $ => [/\s'/, $.comment],
    x: _ => /[^"\\n{]+/, y: _ => choice("a\"b", 'c')"#;
    let found: Vec<(String, String)> = quoted_strings(js, "//");
    let literals: Vec<&str> = found.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(literals, ["title", "value", "a\"b", "c"]);
    assert!(found[1].0.trim_end().ends_with("field("));
    let scm = "[\n  \"send\" ; \"not this\"\n] @keyword";
    let literals: Vec<String> = quoted_strings(scm, ";")
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(literals, ["send"]);
}

#[test]
fn keyword_rule_extraction() {
    let grammar = r#"
// the keywords; see language.md
ident_char = _{ ASCII_ALPHANUMERIC | "_" }
keyword = @{
    ( "segment" | "email"   // items
    | "when" | "else" /* "commented" { */
    | "not" // "commented" }
    ) ~ !ident_char
}
ident = @{ !keyword ~ ("after") }
"#;
    let literals = keyword_rule_literals(grammar);
    assert_eq!(
        literals,
        Some(
            ["segment", "email", "when", "else", "not"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(
        keyword_rule_literals(r#"keyword = @{ ("a" | "b") ~ !ident_char }"#),
        Some(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(keyword_rule_literals("keywords = { \"a\" }"), None);

    assert!(contains_word(r"\b(send|wait)\b", "send"));
    assert!(contains_word(r"\bsend\b", "send"));
    assert!(contains_word(r"\<\%(title\|trigger\)\>", "trigger"));
    assert!(contains_word(r"\zsemail\>", "email"));
    assert!(contains_word("email.clicked", "email"));
    assert!(!contains_word("emails", "email"));
    assert!(!contains_word("resend", "send"));
    assert!(!contains_word("meta.item.segments", "segment"));

    let regexes =
        tmlanguage_regexes(r#"{"name": "wait", "match": "\\b(wait|exit)\\b", "end": "\"x\""}"#);
    assert_eq!(
        regexes,
        vec![r"\b(wait|exit)\b".to_string(), "\"x\"".to_string()]
    );
}

/// Whether a program that `--version` starts is present. In CI (`CI=true`)
/// a missing one fails the test (`.ci/run` installs it); elsewhere the test
/// is skipped with a note.
pub(crate) fn tool_present(program: &str, install: &str) -> bool {
    let output = std::process::Command::new(program)
        .arg("--version")
        .output();
    let found = output.as_ref().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{program} is missing: install {install} (.ci/run does)"
        );
        eprintln!("note: {program} not found ({install}); test skipped");
    }
    found
}

/// The Vim runtime files, run headless with this build of `nurturec`:
/// among others, `:make` after non-ASCII text lands on the character the
/// diagnostic means (editors/vim/test.vim).
#[test]
fn vim_make_lands_on_the_character_meant() {
    if !tool_present("vim", "Debian's vim-nox") {
        return;
    }
    let features = std::process::Command::new("vim")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !features.contains("+eval") {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "this vim has no Vim script (+eval): install Debian's vim-nox"
        );
        eprintln!("note: vim has no +eval (vim.tiny?); test skipped");
        return;
    }
    let (script, _) = repo_file("editors/vim/test.vim");
    let output = std::process::Command::new("vim")
        .args(["-Nu", "NONE", "-i", "NONE", "-es", "-S"])
        .arg(&script)
        .env("NURTUREC", env!("CARGO_BIN_EXE_nurturec"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run vim: {e}"));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && report.contains(" 0 failed"),
        "editors/vim/test.vim failed:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("(with the real nurturec "),
        "the real compiler's tests did not run:\n{report}"
    );
}
