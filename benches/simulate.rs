//! `cargo bench --bench simulate`: two simulated years of 10,000 random
//! leads through every campaign of the examples, and the leads per second.
//! Leads are random but reproducible (splitmix64 from a fixed seed): random
//! properties, 0-12 events over the two years, reactions to the first sends.
//! `NURTUREC_BENCH_LEADS=N` changes the number of leads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use nurturec::ir::{EventKind, Value};
use nurturec::simulate::{self, lead, prng::splitmix64, Lead, Options};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const DAY: i64 = 86_400;
const ROLES: &[&str] = &["engineer", "sre", "student", "vp", "marketer"];
const INDUSTRIES: &[&str] = &["fintech", "saas", "retail"];
const PAGES: &[&str] = &["/pricing", "/compare", "/docs"];

struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0) % below.max(1)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len() as u64) as usize]
    }
}

fn random_lead(rng: &mut Rng, emails: &[String]) -> Lead {
    let mut lead = Lead {
        trigger: 1,
        ..Lead::default()
    };
    let p = &mut lead.properties;
    p.insert("role".into(), Value::String(rng.pick(ROLES).into()));
    p.insert(
        "industry".into(),
        Value::String(rng.pick(INDUSTRIES).into()),
    );
    p.insert("company_size".into(), Value::Number(rng.next(1_000) as f64));
    p.insert("lifecycle".into(), Value::String("recycled".into()));
    if rng.next(2) == 0 {
        lead.last_engagement = Some(-(rng.next(200) as i64) * DAY);
    }
    for _ in 0..rng.next(13) {
        let at = rng.next(730) as i64 * DAY + rng.next(DAY as u64) as i64;
        let (kind, argument) = match rng.next(5) {
            0 => (EventKind::PageVisited, Some(rng.pick(PAGES).to_string())),
            1 => (EventKind::DemoRequested, None),
            2 => (EventKind::MeetingBooked, None),
            3 => (EventKind::EmailReplied, None),
            _ => (EventKind::ContentDownloaded, None),
        };
        lead.events.push(lead::LeadEvent { at, kind, argument });
    }
    if rng.next(4) == 0 {
        lead.changes.push(lead::Change {
            at: rng.next(730) as i64 * DAY,
            properties: [("unsubscribed".to_string(), Value::Bool(true))].into(),
            lists: Default::default(),
            scores: Default::default(),
        });
    }
    for _ in 0..rng.next(3) {
        let email = emails[rng.next(emails.len() as u64) as usize].clone();
        lead.reactions.push(lead::Reaction {
            to: lead::ReactionTo::Email(email),
            after: rng.next(3 * DAY as u64),
            outcome: lead::Outcome::Event {
                kind: EventKind::EmailClicked,
                argument: None,
            },
        });
    }
    lead
}

fn main() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut sources = nurturec::SourceMap::new();
    let mut paths: Vec<_> = std::fs::read_dir(&examples)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "nurture"))
        .collect();
    paths.sort();
    for p in &paths {
        sources.add(p.display().to_string(), std::fs::read_to_string(p).unwrap());
    }
    let compilation = nurturec::compile(&sources);
    assert!(!compilation.has_errors());
    let project = &compilation.project;
    let emails: Vec<String> = project.emails.iter().map(|e| e.name.clone()).collect();
    let leads: usize = std::env::var("NURTUREC_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let options = Options::default(); // two years
    let mut rng = Rng(2026);
    let mut steps = 0usize;
    let start = Instant::now();
    for i in 0..leads {
        let lead = random_lead(&mut rng, &emails);
        let campaign = &project.campaigns[i % project.campaigns.len()];
        let trace = simulate::simulate(project, &campaign.name, &lead, &options).unwrap();
        steps += black_box(trace.steps.len());
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "simulate: {leads} leads over two years through the examples' {} campaigns in {seconds:.2} s: \
         {:.0} leads per second ({steps} trace steps)",
        project.campaigns.len(),
        leads as f64 / seconds
    );
}
