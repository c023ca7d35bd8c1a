//! Files parse, long files parse in pieces, campaigns check, and backends
//! emit campaigns on all cores (rayon); the output must be what one thread
//! gives, byte for byte.

use crate::generate;
use nurturec::{Diagnostic, SourceMap};

fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(f)
}

fn many_threads<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(f)
}

/// Everything a compilation says: its diagnostics and the IR of every campaign.
fn outcome(sources: &SourceMap) -> (Vec<Diagnostic>, String) {
    let compilation = nurturec::compile(sources);
    let ir = format!("{:?}", compilation.project);
    (compilation.diagnostics, ir)
}

fn examples() -> SourceMap {
    let mut sources = SourceMap::new();
    let mut paths: Vec<_> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nurture"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        sources.add(path.display().to_string(), text);
    }
    sources
}

/// The generated projects, one with errors in it: a broken campaign in the
/// middle of each file, so that recovery runs in every piece.
fn projects() -> Vec<SourceMap> {
    let mut all = vec![examples()];
    for project in [
        generate::realistic(5_000, 3),
        generate::many_small_campaigns(300),
    ] {
        all.push(project.sources());
        let mut broken = SourceMap::new();
        for (name, text) in &project.files {
            let middle = text.len() / 2;
            let cut = text[middle..]
                .find("\ncampaign ")
                .map_or(middle, |i| middle + i);
            let text = format!(
                "{}\ncampaign oops {{ send ?? }}\n{}",
                &text[..cut],
                &text[cut..]
            );
            broken.add(name.clone(), text);
        }
        all.push(broken);
    }
    all
}

#[test]
fn a_compilation_on_all_cores_is_the_one_of_one_thread() {
    for sources in projects() {
        let alone = one_thread(|| outcome(&sources));
        let together = many_threads(|| outcome(&sources));
        assert_eq!(alone, together);
    }
}

/// Every backend's files, or its diagnostics, for a compiled project.
type Emitted = Vec<Result<Vec<nurturec::emit::OutputFile>, Vec<Diagnostic>>>;

fn every_backend(sources: &SourceMap, ids: nurturec::emit::IdMode) -> Emitted {
    let compilation = nurturec::compile(sources);
    let ir = &compilation.project;
    let config = nurturec::config::Config::default();
    vec![
        nurturec::emit::ir(ir, sources),
        nurturec::emit::klaviyo(ir, &config, ids),
        nurturec::emit::hubspot(ir, &config, ids),
        nurturec::emit::asl(ir, &config, ids),
    ]
}

/// With account ids, the default config binds nothing: every `send` is a
/// `missing-binding` whose later uses are "also used here" labels, so the
/// order in which the campaigns' findings are joined shows.
#[test]
fn every_backend_on_all_cores_emits_what_one_thread_emits() {
    use nurturec::emit::IdMode;
    // Smaller than `projects()`: four backends, twice, in a debug build.
    let projects = [
        examples(),
        generate::realistic(1_000, 3).sources(),
        generate::many_small_campaigns(60).sources(),
    ];
    for sources in projects {
        for ids in [IdMode::Placeholders, IdMode::Bindings] {
            let alone = one_thread(|| every_backend(&sources, ids));
            let together = many_threads(|| every_backend(&sources, ids));
            assert!(
                alone == together,
                "{ids:?}: the backends differ on 4 threads"
            );
        }
    }
}

/// Diagnostics render in runs on all cores; the text is the one of one
/// thread, with and without colour. The 5k project has hundreds of
/// warnings, so several runs.
#[test]
fn diagnostics_render_on_all_cores_as_on_one_thread() {
    let sources = generate::realistic(5_000, 3).sources();
    let diagnostics = nurturec::compile(&sources).diagnostics;
    assert!(diagnostics.len() > 200, "{} diagnostics", diagnostics.len());
    for color in [false, true] {
        let render = || nurturec::diagnostics::render::human(&diagnostics, &sources, color);
        assert!(
            one_thread(render) == many_threads(render),
            "colour {color}: renderings differ"
        );
    }
}

#[test]
fn a_long_file_parsed_in_pieces_is_the_file_parsed_whole() {
    let project = generate::realistic(8_000, 5);
    // Every file of the project in one, as long files are written: far past
    // the length at which a file is cut into pieces.
    let whole: String = project.files.iter().map(|(_, t)| t.as_str()).collect();
    assert!(whole.len() > 400_000, "{}", whole.len());
    let id = nurturec::span::FileId(0);
    let pieces = many_threads(|| nurturec::syntax::parse(id, &whole));
    let one = nurturec::syntax::parse_in_one(id, &whole);
    assert_eq!(format!("{pieces:?}"), format!("{one:?}"));
    assert!(pieces.1.is_empty() && pieces.0.broken.is_empty());
    // With syntax errors, the pieces give way to the file's recovery.
    let broken = whole.replacen("\ncampaign ", "\ncampaign ?? ", 3);
    let pieces = many_threads(|| nurturec::syntax::parse(id, &broken));
    let one = nurturec::syntax::parse_in_one(id, &broken);
    assert_eq!(format!("{pieces:?}"), format!("{one:?}"));
    assert!(!pieces.1.is_empty());
}

/// Every `.nurture` file below `dir`.
fn nurture_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            nurture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nurture")
            || path.starts_with("fuzz/corpus")
        {
            out.push(path);
        }
    }
}

/// The grammar that builds trees leads with keywords, the one errors come
/// from tries every alternative (`grammar/nurture.pest`): they must read the
/// same language, item by item, or an error would be reported for a file
/// that parses, or none for one that does not.
#[test]
fn the_keyword_led_grammar_reads_what_the_error_grammar_reads() {
    use nurturec::syntax::{recover, scan, NurtureParser, Rule};
    use pest::Parser;
    let mut paths = Vec::new();
    for dir in [
        "examples",
        "tests/cases",
        "tests/fixtures",
        "tests/projects",
        "fuzz",
    ] {
        nurture_files(std::path::Path::new(dir), &mut paths);
    }
    assert!(paths.len() > 100, "{}", paths.len());
    let mut texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    texts.extend(
        generate::all()
            .into_iter()
            .flat_map(|p| p.files)
            .map(|(_, t)| t),
    );
    let mut refused = 0;
    for text in &texts {
        let mut chunks = vec![text.as_str()];
        chunks.extend(
            recover::item_ranges(text)
                .into_iter()
                .filter_map(|r| text.get(r)),
        );
        for chunk in chunks {
            // What pest is given: the comments blanked (`syntax::scan`).
            let chunk = &*scan::blank_comments(chunk, &scan::comments(chunk));
            let fast = NurtureParser::parse(Rule::file, chunk).map(|p| format!("{p:?}"));
            let slow = NurtureParser::parse(Rule::file_e, chunk);
            assert_eq!(fast.is_ok(), slow.is_ok(), "{chunk}");
            refused += usize::from(fast.is_err());
        }
    }
    assert!(refused > 50, "{refused}");
}

/// Two campaigns whose `goto`s to missing labels spend more than the
/// project's suggestion budget between them: the second one, checked on
/// another core with a budget of its own, must still get only what the
/// first one left, as on one thread (its late typos get no suggestion, so
/// the labels they meant are reported unused).
#[test]
fn the_suggestion_budget_is_spent_in_source_order_on_all_cores() {
    let campaign = |name: &str| {
        let mut text = format!(
            "campaign {name} {{\n  trigger form.submitted(\"{name}\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n"
        );
        for i in 0..1_000 {
            text.push_str(&format!("  l{i}: notify sales \"{i}\"\n"));
        }
        text.push_str("  branch {\n");
        for i in 0..600 {
            text.push_str(&format!("    when role == \"r{i}\" {{ goto l{i}x }}\n"));
        }
        text.push_str("  }\n  exit\n}\n");
        text
    };
    let mut sources = SourceMap::new();
    sources.add("a.nurture", campaign("first"));
    sources.add("b.nurture", campaign("second"));
    let alone = one_thread(|| outcome(&sources));
    let together = many_threads(|| outcome(&sources));
    let unused = |ds: &[Diagnostic]| {
        ds.iter()
            .filter(|d| d.code == nurturec::Code::UnusedLabel)
            .count()
    };
    // The first campaign's 600 typos all found their label (400 unused);
    // the budget ran out after 400 of the second's (600 unused).
    assert_eq!(unused(&together.0), 1_000);
    assert_eq!(alone, together);
}

/// The resolver's suggestion budget too: two campaigns whose sends of
/// misspelt emails compare with more names between them than the budget
/// covers. The second, resolved on another core with a budget of its own,
/// must still get only what the first one left: as on one thread, its
/// late typos get no "did you mean".
#[test]
fn the_resolvers_suggestion_budget_is_spent_in_source_order_on_all_cores() {
    let mut emails = String::new();
    for i in 0..1_000 {
        emails.push_str(&format!(
            "email e{i} {{\n  subject \"{i}\"\n  template \"t/{i}\"\n}}\n"
        ));
    }
    let campaign = |name: &str| {
        let mut text = format!(
            "campaign {name} {{\n  trigger form.submitted(\"{name}\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n"
        );
        for i in 0..600 {
            text.push_str(&format!("  send e{i}x\n"));
        }
        text.push_str("  exit\n}\n");
        text
    };
    let mut sources = SourceMap::new();
    sources.add("a.nurture", campaign("first"));
    sources.add("b.nurture", campaign("second"));
    sources.add("emails.nurture", emails);
    let alone = one_thread(|| outcome(&sources));
    let together = many_threads(|| outcome(&sources));
    let suggested = |ds: &[Diagnostic]| {
        ds.iter()
            .filter(|d| d.code == nurturec::Code::UndefinedName)
            .filter(|d| {
                d.help
                    .as_deref()
                    .is_some_and(|h| h.starts_with("did you mean"))
            })
            .count()
    };
    // Each typo compares with the project's 1,002 names: the first
    // campaign's 600 fit in the budget of a million, then 398 of the
    // second's.
    assert_eq!(suggested(&together.0), 998);
    assert_eq!(alone, together);
}
