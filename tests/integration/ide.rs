//! The editor analysis host (`nurturec::ide`): diagnostics that follow
//! edits, and the answers a language server gives, over a two-file project.

use nurturec::ide::{AnalysisHost, CompletionKind, DocumentSymbolKind, Position};

const EMAILS: &str = "email welcome {\n  subject \"Hi {{ contact.first_name }}\"\n  template \"t/welcome\"\n}\n\nsegment fans = role == \"cto\"\n";

const CAMPAIGN: &str = "campaign onboarding {\n  trigger form.submitted(\"x\")\n  audience in fans\n  goal booked when demo.requested\n  suppress when unsubscribed or bounced or complained\n  start: send welcome\n  wait 3d\n  branch {\n    when email.opened(welcome) within 2d { exit }\n    else { goto start }\n  }\n}\n";

fn host() -> AnalysisHost {
    let mut host = AnalysisHost::new();
    host.set_file("emails.nurture", EMAILS);
    host.set_file("flow.nurture", CAMPAIGN);
    host
}

/// The position of the `n`th (0-based) occurrence of `needle` in `text`,
/// `shift` characters in.
fn at(text: &str, needle: &str, n: usize, shift: u32) -> Position {
    let offset = text.match_indices(needle).nth(n).unwrap().0;
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let column = before.rsplit('\n').next().unwrap().encode_utf16().count() as u32;
    Position::new(line, column + shift)
}

fn codes(host: &mut AnalysisHost, path: &str) -> Vec<&'static str> {
    host.diagnostics()
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, d)| d.into_iter().map(|d| d.code).collect())
        .unwrap_or_default()
}

#[test]
fn the_example_project_has_no_diagnostics() {
    let mut host = host();
    let all = host.diagnostics();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|(_, d)| d.is_empty()), "{all:#?}");
}

#[test]
fn diagnostics_follow_edits_and_clear() {
    let mut host = host();
    let typo = CAMPAIGN.replace("send welcome", "send welcom");
    host.set_file("flow.nurture", &typo);
    let diagnostics = host.diagnostics();
    let (_, flow) = diagnostics
        .iter()
        .find(|(p, _)| p == "flow.nurture")
        .unwrap();
    let found: Vec<&str> = flow.iter().map(|d| d.code).collect();
    // The email is not sent any more, so testing its opening warns too.
    assert_eq!(found, vec!["undefined-name", "email-not-sent-yet"]);
    assert_eq!(flow[0].range.start, at(&typo, "welcom", 0, 0));
    assert!(flow[0].message.contains("did you mean `welcome`?"));
    // The typo counts as a use of what it meant: `welcome` is not unused.
    assert_eq!(codes(&mut host, "emails.nurture"), Vec::<&str>::new());

    // A half-typed item turns only itself red.
    let broken = format!("{CAMPAIGN}\ncampaign half {{\n  trigger\n");
    host.set_file("flow.nurture", &broken);
    assert_eq!(codes(&mut host, "flow.nurture"), vec!["syntax"]);

    host.set_file("flow.nurture", CAMPAIGN);
    assert!(codes(&mut host, "flow.nurture").is_empty());
}

#[test]
fn removing_a_file_renumbers_the_rest() {
    let mut host = host();
    host.set_file("a_first.nurture", "segment extra = industry == \"x\"\n");
    assert_eq!(codes(&mut host, "a_first.nurture"), vec!["unused"]);
    // The files after it moved; their positions still point at their text.
    let def = host
        .definition("flow.nurture", at(CAMPAIGN, "welcome", 0, 2))
        .unwrap();
    assert_eq!(def.path, "emails.nurture");
    assert_eq!(def.range.start, at(EMAILS, "welcome", 0, 0));
    host.remove_file("a_first.nurture");
    assert!(codes(&mut host, "flow.nurture").is_empty());
}

#[test]
fn definition_and_references_cross_files() {
    let mut host = host();
    let def = host
        .definition("flow.nurture", at(CAMPAIGN, "fans", 0, 1))
        .unwrap();
    assert_eq!(def.path, "emails.nurture");
    assert_eq!(def.range.start, at(EMAILS, "fans", 0, 0));

    let refs = host.references("emails.nurture", at(EMAILS, "welcome", 0, 0), true);
    let places: Vec<(&str, Position)> = refs
        .iter()
        .map(|l| (l.path.as_str(), l.range.start))
        .collect();
    assert_eq!(
        places,
        vec![
            ("emails.nurture", at(EMAILS, "welcome", 0, 0)),
            ("flow.nurture", at(CAMPAIGN, "welcome", 0, 0)),
            ("flow.nurture", at(CAMPAIGN, "welcome", 1, 0)),
        ]
    );

    // A label's definition is in its campaign.
    let label = host
        .definition("flow.nurture", at(CAMPAIGN, "goto start", 0, 6))
        .unwrap();
    assert_eq!(label.range.start, at(CAMPAIGN, "start", 0, 0));
    // Events are references without a definition.
    assert!(host
        .definition("flow.nurture", at(CAMPAIGN, "form.submitted", 0, 3))
        .is_none());
}

#[test]
fn rename_edits_every_use_and_refuses_bad_names() {
    let mut host = host();
    let edits = host
        .rename("flow.nurture", at(CAMPAIGN, "welcome", 0, 1), "hello")
        .unwrap();
    let count: usize = edits.iter().map(|(_, e)| e.len()).sum();
    assert_eq!(count, 3, "{edits:#?}");
    assert!(edits
        .iter()
        .flat_map(|(_, e)| e)
        .all(|e| e.new_text == "hello"));

    let labels = host
        .rename("flow.nurture", at(CAMPAIGN, "start", 0, 0), "again")
        .unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].1.len(), 2);

    for bad in ["Hello", "9lives", "in", "two words", ""] {
        assert!(
            host.rename("flow.nurture", at(CAMPAIGN, "welcome", 0, 1), bad)
                .is_err(),
            "{bad:?} accepted"
        );
    }
    // A name already taken in the namespace.
    let taken = host.rename("flow.nurture", at(CAMPAIGN, "welcome", 0, 1), "fans");
    assert!(taken.unwrap_err().contains("already defined"));
    assert!(host
        .rename("flow.nurture", at(CAMPAIGN, "demo.requested", 0, 0), "x")
        .is_err());
}

#[test]
fn completion_by_context() {
    let mut host = host();
    let labels = |items: Vec<nurturec::ide::CompletionItem>, kind| -> Vec<String> {
        items
            .into_iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.label)
            .collect()
    };
    // After `send `: the emails.
    let text = CAMPAIGN.replace("send welcome", "send w");
    host.set_file("flow.nurture", &text);
    let items = host.completions("flow.nurture", at(&text, "send w", 0, 6));
    assert_eq!(labels(items, CompletionKind::Email), vec!["welcome"]);
    // After `in `: the segments.
    let items = host.completions("flow.nurture", at(CAMPAIGN, "in fans", 0, 3));
    assert_eq!(labels(items, CompletionKind::Segment), vec!["fans"]);
    // After `goto `: this campaign's labels, even while it does not parse.
    let half = CAMPAIGN.replace("goto start", "goto ");
    host.set_file("flow.nurture", &half);
    let items = host.completions("flow.nurture", at(&half, "goto ", 0, 5));
    assert_eq!(labels(items, CompletionKind::Label), vec!["start"]);
    // In a condition: the event catalogue and the properties seen.
    let items = host.completions("flow.nurture", at(CAMPAIGN, "in fans", 0, 0));
    let events = labels(items.clone(), CompletionKind::Event);
    assert!(events.contains(&"page.visited".to_string()));
    assert_eq!(labels(items, CompletionKind::Property), vec!["role"]);
    // At the start of a line of a campaign: settings and statements.
    let items = host.completions("flow.nurture", at(CAMPAIGN, "wait 3d", 0, 0));
    let words = labels(items, CompletionKind::Keyword);
    assert!(words.contains(&"trigger".to_string()) && words.contains(&"wait".to_string()));
}

#[test]
fn hover_names_and_diagnostics() {
    let mut host = host();
    let email = host
        .hover("flow.nurture", at(CAMPAIGN, "welcome", 0, 0))
        .unwrap();
    assert!(
        email.contains("subject: \"Hi {{ contact.first_name }}\""),
        "{email}"
    );
    assert!(email.contains("template: \"t/welcome\""));
    let segment = host
        .hover("flow.nurture", at(CAMPAIGN, "fans", 0, 0))
        .unwrap();
    assert!(
        segment.contains("segment fans = role == \"cto\""),
        "{segment}"
    );
    let event = host
        .hover("flow.nurture", at(CAMPAIGN, "email.opened", 0, 0))
        .unwrap();
    assert!(event.contains("one of the project's emails"), "{event}");

    let typo = CAMPAIGN.replace("form.submitted", "form.submited");
    host.set_file("flow.nurture", &typo);
    let text = host
        .hover("flow.nurture", at(&typo, "form.submited", 0, 2))
        .unwrap();
    assert!(text.contains("**unknown-event**"), "{text}");
    assert!(
        text.contains("not one of the events the compiler knows"),
        "{text}"
    );
}

#[test]
fn symbols_and_code_actions_and_formatting() {
    let mut host = host();
    let symbols = host.document_symbols("flow.nurture");
    assert_eq!(symbols.len(), 1);
    assert_eq!(symbols[0].kind, DocumentSymbolKind::Campaign);
    let children: Vec<(&str, DocumentSymbolKind)> = symbols[0]
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        children,
        vec![
            ("booked", DocumentSymbolKind::Goal),
            ("start", DocumentSymbolKind::Label)
        ]
    );

    let typo = CAMPAIGN.replace("form.submitted", "form.submited");
    host.set_file("flow.nurture", &typo);
    let here = at(&typo, "form.submited", 0, 0);
    let actions = host.code_actions(
        "flow.nurture",
        nurturec::ide::Range {
            start: here,
            end: here,
        },
    );
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0].code, "unknown-event");
    assert_eq!(actions[0].edits[0].new_text, "form.submitted");

    let bare = CAMPAIGN.replace("in fans", "fans");
    host.set_file("flow.nurture", &bare);
    let here = at(&bare, "fans", 0, 0);
    let actions = host.code_actions(
        "flow.nurture",
        nurturec::ide::Range {
            start: here,
            end: here,
        },
    );
    assert_eq!(actions[0].edits[0].new_text, "in fans");

    let messy = "segment   fans = role == \"cto\"\n";
    host.set_file("emails.nurture", messy);
    let edits = host.format("emails.nurture").unwrap();
    assert_eq!(edits[0].new_text, "segment fans = role == \"cto\"\n");
    host.set_file("emails.nurture", "segment fans = \n");
    assert!(host.format("emails.nurture").is_none());
}

#[test]
fn any_position_on_any_text_answers_without_panicking() {
    let mut host = AnalysisHost::new();
    let texts = [
        "",
        "campaign",
        "campaign c { send",
        "émail 😀 { subject \"ü\" }\n\r\n",
        "segment s = in s\ncampaign c { trigger page.visited goto x }",
    ];
    for text in texts {
        host.set_file("x.nurture", text);
        for line in 0..4 {
            for character in [0, 1, 2, 5, 40, u32::MAX] {
                let p = Position::new(line, character);
                let _ = host.completions("x.nurture", p);
                let _ = host.hover("x.nurture", p);
                let _ = host.definition("x.nurture", p);
                let _ = host.references("x.nurture", p, true);
                let _ = host.rename("x.nurture", p, "fresh");
                let range = nurturec::ide::Range { start: p, end: p };
                let _ = host.code_actions("x.nurture", range);
            }
        }
        let _ = host.document_symbols("x.nurture");
        let _ = host.format("x.nurture");
        let _ = host.diagnostics();
    }
    assert!(host.hover("missing.nurture", Position::default()).is_none());
}

/// The `net_` files of [`incremental_analysis_equals_a_fresh_one`]: an
/// enroll cycle across the two files (`net_ping` → `net_pong` → `net_ping`),
/// a cap that counts the sends of the campaign enrolling into it
/// (`net_signup` → `net_onboarding`), and two campaigns one event starts
/// that together send more than the stricter cap (`net_first`, `net_second`).
const NET_A: &str = "email net_a { subject \"A\" template \"t/net_a\" }
email net_b { subject \"B\" template \"t/net_b\" }

campaign net_ping {
  trigger form.submitted(\"net_ping\")
  goal g when meeting.booked
  suppress when unsubscribed
  send net_a
  enroll net_pong
}

campaign net_signup {
  trigger form.submitted(\"net_signup\")
  goal g when meeting.booked
  suppress when unsubscribed
  cap 1 email per 7d
  send net_a
  enroll net_onboarding
}

campaign net_first {
  trigger content.downloaded(\"net_kit\")
  goal g when meeting.booked
  suppress when unsubscribed
  cap 1 email per 7d
  send net_a
  wait 7d
  send net_b
  wait 7d
  exit
}
";

const NET_B: &str = "campaign net_pong {
  trigger form.submitted(\"net_pong\")
  goal g when meeting.booked
  suppress when unsubscribed
  send net_b
  enroll net_ping
}

campaign net_onboarding {
  trigger form.submitted(\"net_onboarding\")
  goal g when meeting.booked
  suppress when unsubscribed
  cap 1 email per 7d
  wait 1d
  send net_b
  wait 7d
  exit
}

campaign net_second {
  trigger content.downloaded(\"net_kit\")
  goal g when meeting.booked
  suppress when unsubscribed
  cap 2 emails per 7d
  wait 1d
  send net_a
  wait 7d
  exit
}
";

/// After every edit, the host's incremental analysis equals a fresh one's
/// and the compiler's own; the checks across campaigns (enroll cycles,
/// caps counted across enrolls, overlapping campaigns) are replayed and
/// redone as the edits require.
#[test]
fn incremental_analysis_equals_a_fresh_one() {
    let project = crate::generate::realistic(1_500, 7);
    let mut host = AnalysisHost::new();
    for (path, text) in &project.files {
        host.set_file(path, text);
    }
    let campaigns = project.files[1].0.clone();
    let second = project
        .files
        .get(2)
        .map_or(campaigns.clone(), |f| f.0.clone());
    fn text(host: &AnalysisHost, path: &str) -> String {
        host.text(path).unwrap().to_string()
    }
    let library = project.files[0].0.clone();
    let lib_text = project.files[0].1.clone();
    let first_email = lib_text
        .split("email ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let missing_exit = "campaign leaky {\n  trigger form.submitted(\"leak\")\n  goal g when demo.requested\n  suppress when unsubscribed or bounced or complained\n\n  send WELCOME\n}\n"
        .replace("WELCOME", &first_email);
    type Edit = Box<dyn Fn(&AnalysisHost) -> (String, Option<String>)>;
    let edits: Vec<Edit> = vec![
        Box::new(move |h| {
            (
                campaigns.clone(),
                Some(text(h, &campaigns).replacen("send ", "send x", 1)),
            )
        }),
        Box::new(move |h| {
            let path = h.paths().nth(1).unwrap().to_string();
            let t = text(h, &path).replacen("send x", "send ", 1);
            (path, Some(t))
        }),
        Box::new(move |h| {
            (
                second.clone(),
                Some(format!("{}\n{missing_exit}", text(h, &second))),
            )
        }),
        // A syntax error in the middle of a campaign.
        Box::new(|h| {
            let path = h.paths().nth(1).unwrap().to_string();
            (
                path.clone(),
                Some(text(h, &path).replacen("wait ", "wait wait ", 2)),
            )
        }),
        // A change in the definitions every campaign reads.
        Box::new(move |h| {
            (
                library.clone(),
                Some(text(h, &library).replacen("subject \"", "subject \"Re: ", 1)),
            )
        }),
        Box::new(|h| {
            let path = h.paths().nth(1).unwrap().to_string();
            (
                path.clone(),
                Some(text(h, &path).replacen("wait wait ", "wait ", 2)),
            )
        }),
        Box::new(|_| {
            (
                "aaa_new.nurture".to_string(),
                Some("segment extra = role == \"x\"\n".to_string()),
            )
        }),
        Box::new(|_| ("aaa_new.nurture".to_string(), None)),
        // The checks across campaigns: an enroll cycle from `net_a` into
        // `net_b` and back, a cap counting the sends of the campaign that
        // enrolls, and two campaigns one event starts (steps 8 and 9).
        Box::new(|_| ("net_a.nurture".to_string(), Some(NET_A.to_string()))),
        Box::new(|_| ("net_b.nurture".to_string(), Some(NET_B.to_string()))),
        // An edit elsewhere: every network diagnostic is replayed (10).
        Box::new(|h| {
            let path = h.paths().nth(1).unwrap().to_string();
            (
                path.clone(),
                Some(text(h, &path).replacen("send ", "send x", 1)),
            )
        }),
        // A wait on one enroll of the cycle, in `net_b` alone (11).
        Box::new(|h| {
            let t = text(h, "net_b.nurture").replacen(
                "  send net_b\n  enroll net_ping",
                "  send net_b\n  wait 1d\n  enroll net_ping",
                1,
            );
            ("net_b.nurture".to_string(), Some(t))
        }),
        // The enrolling campaign waits out the week, in `net_a` alone: the
        // cap of `net_onboarding`, in the unchanged `net_b`, holds (12).
        Box::new(|h| {
            let t = text(h, "net_a.nurture").replacen(
                "  enroll net_onboarding",
                "  wait 7d\n  enroll net_onboarding",
                1,
            );
            ("net_a.nurture".to_string(), Some(t))
        }),
        // `net_first` is started by another event: no overlap with the
        // unchanged `net_second` (13).
        Box::new(|h| {
            let t = text(h, "net_a.nurture").replacen("(\"net_kit\")", "(\"net_other\")", 1);
            ("net_a.nurture".to_string(), Some(t))
        }),
        // Back again, one file at a time (14, 15).
        Box::new(|_| ("net_a.nurture".to_string(), Some(NET_A.to_string()))),
        Box::new(|_| ("net_b.nurture".to_string(), Some(NET_B.to_string()))),
        // The cycle closed by a campaign renamed into it (16) and out (17).
        Box::new(|h| {
            let t =
                text(h, "net_a.nurture").replacen("campaign net_ping ", "campaign net_pang ", 1);
            ("net_a.nurture".to_string(), Some(t))
        }),
        Box::new(|_| ("net_a.nurture".to_string(), Some(NET_A.to_string()))),
        Box::new(|_| ("net_b.nurture".to_string(), None)),
    ];
    // The network diagnostics in the `net_` files after each step.
    let all_three = vec![
        ("net_b.nurture", "cadence-cap"),
        ("net_b.nurture", "campaign-overlap"),
        ("net_b.nurture", "loop-without-wait"),
    ];
    let expected: Vec<(usize, Vec<(&str, &str)>)> = vec![
        (9, all_three.clone()),
        (10, all_three.clone()),
        (
            11,
            vec![
                ("net_b.nurture", "cadence-cap"),
                ("net_b.nurture", "campaign-overlap"),
            ],
        ),
        (12, vec![("net_b.nurture", "campaign-overlap")]),
        (13, vec![]),
        (
            14,
            vec![
                ("net_b.nurture", "cadence-cap"),
                ("net_b.nurture", "campaign-overlap"),
            ],
        ),
        (15, all_three.clone()),
        (
            16,
            vec![
                ("net_b.nurture", "cadence-cap"),
                ("net_b.nurture", "campaign-overlap"),
            ],
        ),
        (17, all_three),
        (18, vec![]),
    ];
    let diagnostics = |h: &mut AnalysisHost| {
        let mut all = h.diagnostics();
        all.retain(|(_, d)| !d.is_empty());
        all
    };
    let _ = diagnostics(&mut host);
    for (step, edit) in edits.iter().enumerate() {
        let (path, new_text) = edit(&host);
        match &new_text {
            Some(t) => host.set_file(&path, t),
            None => host.remove_file(&path),
        }
        let got = diagnostics(&mut host);
        let mut fresh = AnalysisHost::new();
        let paths: Vec<String> = host.paths().map(str::to_string).collect();
        let mut sources = nurturec::SourceMap::new();
        for p in &paths {
            fresh.set_file(p, host.text(p).unwrap());
            sources.add(p.clone(), host.text(p).unwrap().to_string());
        }
        let want = diagnostics(&mut fresh);
        assert_eq!(got, want, "step {step}: incremental and fresh differ");
        if let Some((_, network)) = expected.iter().find(|(s, _)| *s == step) {
            let network_codes = ["cadence-cap", "campaign-overlap", "loop-without-wait"];
            let mut found: Vec<(&str, &str)> = got
                .iter()
                .filter(|(p, _)| p.starts_with("net_"))
                .flat_map(|(p, d)| d.iter().map(move |d| (p.as_str(), d.code)))
                .filter(|(_, c)| network_codes.contains(c))
                .collect();
            found.sort();
            assert_eq!(&found, network, "step {step}: the network diagnostics");
        }
        let compiled = nurturec::compile(&sources).diagnostics;
        let got_codes: Vec<&str> = got
            .iter()
            .flat_map(|(_, d)| d.iter().map(|d| d.code))
            .collect();
        let compiled_codes: Vec<&str> = compiled.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            got_codes, compiled_codes,
            "step {step}: the host and compile differ"
        );
    }
}

/// A campaign's `cap` counts the sends of the campaigns that enroll a lead
/// into it: an edit of the enrolling campaign alone changes the diagnostics
/// of the enrolled one, and the host must not replay its old checks.
#[test]
fn an_edit_upstream_of_an_enroll_rechecks_the_enrolled_campaign() {
    let library =
        "email a { subject \"A\" template \"t/a\" }\nemail b { subject \"B\" template \"t/b\" }\n";
    let upstream = |sends: &str| {
        format!("campaign first {{\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  cap 1 emails per 7d\n{sends}  enroll second\n}}\n")
    };
    let downstream = "campaign second {\n  trigger demo.requested\n  goal g when meeting.booked\n  suppress when unsubscribed\n  cap 1 emails per 7d\n  wait 8d\n  send b\n  exit\n}\n";
    let mut host = AnalysisHost::new();
    host.set_file("library.nurture", library);
    host.set_file("first.nurture", &upstream("  send a\n  wait 8d\n"));
    host.set_file("second.nurture", downstream);
    assert_eq!(codes(&mut host, "second.nurture"), Vec::<&str>::new());
    // `first` now enrolls the lead the day it sent `a`: `second`'s `b`,
    // eight days later, is still outside the week; then a day later only.
    host.set_file("first.nurture", &upstream("  send a\n"));
    let fresh = |host: &AnalysisHost| {
        let mut sources = nurturec::SourceMap::new();
        for p in host.paths() {
            sources.add(p.to_string(), host.text(p).unwrap().to_string());
        }
        let mut codes: Vec<String> = nurturec::compile(&sources)
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        codes.sort();
        codes
    };
    let mut got: Vec<String> = host
        .diagnostics()
        .iter()
        .flat_map(|(_, d)| d.iter().map(|d| d.code.to_string()))
        .collect();
    got.sort();
    assert_eq!(got, fresh(&host));
    host.set_file(
        "second.nurture",
        &downstream.replace("  wait 8d\n", "  wait 1d\n"),
    );
    assert_eq!(codes(&mut host, "second.nurture"), vec!["cadence-cap"]);
    // Back to a week's wait upstream: the cap holds again, and the host
    // sees it without `second` changing.
    host.set_file("first.nurture", &upstream("  send a\n  wait 8d\n"));
    assert_eq!(codes(&mut host, "second.nurture"), Vec::<&str>::new());
}

/// A campaign defined in two files is resolved from the first; when an
/// edit removes that one, the other (in a file the edit did not touch) is
/// resolved anew, not replayed from the first's results.
#[test]
fn removing_the_first_of_two_campaigns_of_one_name_resolves_the_second() {
    let a = |with: bool| {
        let dup = "campaign dup {\n  trigger form.submitted(\"d\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send e\n  exit\n}\n";
        format!(
            "email e {{ subject \"E\" template \"t/e\" }}\n{}",
            if with { dup } else { "" }
        )
    };
    let b = "campaign dup {\n  trigger form.submitted(\"d\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send missing\n  exit\n}\n";
    let mut host = AnalysisHost::new();
    host.set_file("a.nurture", &a(true));
    host.set_file("b.nurture", b);
    assert_eq!(codes(&mut host, "b.nurture"), vec!["duplicate-name"]);
    host.set_file("a.nurture", &a(false));
    let mut fresh = AnalysisHost::new();
    fresh.set_file("a.nurture", &a(false));
    fresh.set_file("b.nurture", b);
    assert_eq!(host.diagnostics(), fresh.diagnostics());
    assert_eq!(codes(&mut host, "b.nurture"), vec!["undefined-name"]);
}
