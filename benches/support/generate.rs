//! Deterministic generated projects, for the benchmarks (`benches/compile.rs`)
//! and the size tests (`tests/integration/bounds.rs`, which include this file).
//! Every project compiles without an error: a build of it writes every file.
//!
//! - [`realistic`]: campaigns of about 25 flow statements each (sends, waits,
//!   branches, splits, labels and `goto` loops that wait, handoffs), with
//!   segments, emails and a scoring model, about 50 campaigns per file;
//! - [`sequential_branches`]: one campaign with many `branch`es in a row;
//! - [`deep_nesting`]: `branch` inside `branch` up to a bracket depth;
//! - [`many_small_campaigns`]: a thousand campaigns of a few statements.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;

/// A generated project: `(file name, text)` pairs and how many flow
/// statements its campaigns hold in all (nested ones included).
pub struct Project {
    pub name: String,
    pub files: Vec<(String, String)>,
    pub statements: usize,
}

impl Project {
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|(_, t)| t.len()).sum()
    }

    pub fn sources(&self) -> nurturec::SourceMap {
        let mut sources = nurturec::SourceMap::new();
        for (name, text) in &self.files {
            sources.add(name.clone(), text.clone());
        }
        sources
    }

    /// Writes the files into `dir` (created), for timing the CLI on them.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in &self.files {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(())
    }
}

/// splitmix64: small, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SEGMENTS: usize = 12;
const EMAILS: usize = 40;
const CAMPAIGNS_PER_FILE: usize = 50;
const STATEMENTS_PER_CAMPAIGN: usize = 25;

const CONDITIONS: &[&str] = &[
    "role in [\"engineer\", \"architect\", \"sre\"]",
    "company_size >= 200 and industry == \"saas\"",
    "score >= 60",
    "score.fit >= 10 and not customer",
    "page.visited(\"/pricing\") within 14d",
    "email.replied or meeting.booked",
    "country not in [\"us\", \"ca\"] or (plan == \"trial\" and trial.started within 7d)",
    "inactive 30d",
    "title == \"CTO\" or stage == \"evaluation\"",
    "form.submitted(\"contact-sales\")",
];

/// The segments, emails and scoring model every campaign may use.
fn library(out: &mut String) {
    out.push_str("// Generated: the shared segments, emails and scoring model.\n\n");
    // A chain, so that a campaign using `audience_0` uses them all.
    for i in 0..SEGMENTS {
        let condition = CONDITIONS[i % CONDITIONS.len()];
        if i + 1 < SEGMENTS {
            let _ = writeln!(
                out,
                "segment audience_{i} = ({condition}) or in audience_{}\n",
                i + 1
            );
        } else {
            let _ = writeln!(out, "segment audience_{i} = {condition}\n");
        }
    }
    for i in 0..EMAILS {
        let _ = writeln!(
            out,
            "email mail_{i} {{\n  subject \"Step {i}: a guide for {{{{ company }}}}\"\n  template \"nurture/step-{i}\"\n  stage consideration\n  preview \"What teams like yours do next\"\n}}\n"
        );
    }
    out.push_str(
        "scoring standard {\n  fit {\n    +15 if industry in [\"fintech\", \"saas\"]\n    +10 if company_size >= 200\n    -25 if role in [\"student\", \"vendor\"]\n  }\n  behavior {\n    +35 on page.visited(\"/pricing\")\n    +10 on email.clicked\n    -15 on inactive 60d\n  }\n}\n\n",
    );
}

struct FlowWriter<'a> {
    rng: &'a mut Rng,
    out: &'a mut String,
    statements: usize,
    labels: usize,
    this: usize,
}

impl FlowWriter<'_> {
    fn pad(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn condition(&mut self) -> &'static str {
        CONDITIONS[self.rng.below(CONDITIONS.len())]
    }

    /// One statement that never ends the path; `budget` limits nesting.
    fn statement(&mut self, depth: usize, budget: &mut usize) {
        self.statements += 1;
        *budget = budget.saturating_sub(1);
        let roll = self.rng.below(100);
        self.pad(depth);
        if self.rng.chance(10) {
            let _ = write!(self.out, "step_{}: ", self.labels);
            self.labels += 1;
        }
        match roll {
            0..=34 => {
                let mail = self.rng.below(EMAILS);
                let _ = writeln!(self.out, "send mail_{mail}");
            }
            35..=59 => {
                let days = 1 + self.rng.below(14);
                if self.rng.chance(30) {
                    let _ = writeln!(
                        self.out,
                        "wait {days}d or until page.visited(\"/pricing\") or email.replied"
                    );
                } else {
                    let _ = writeln!(self.out, "wait {days}d");
                }
            }
            60..=74 if *budget > 2 && depth < 12 => {
                let arms = 1 + self.rng.below(3);
                self.out.push_str("branch {\n");
                for _ in 0..arms {
                    let condition = self.condition();
                    self.pad(depth + 1);
                    let _ = writeln!(self.out, "when {condition} {{");
                    self.block(depth + 2, budget, true);
                    self.pad(depth + 1);
                    self.out.push_str("}\n");
                }
                if self.rng.chance(50) {
                    self.pad(depth + 1);
                    self.out.push_str("else {\n");
                    self.block(depth + 2, budget, false);
                    self.pad(depth + 1);
                    self.out.push_str("}\n");
                }
                self.pad(depth);
                self.out.push_str("}\n");
            }
            75..=82 if *budget > 2 && depth < 12 => {
                self.out.push_str("split {\n");
                for share in ["50", "30", "20"] {
                    self.pad(depth + 1);
                    let _ = writeln!(self.out, "{share}% {{");
                    self.block(depth + 2, budget, false);
                    self.pad(depth + 1);
                    self.out.push_str("}\n");
                }
                self.pad(depth);
                self.out.push_str("}\n");
            }
            83..=90 => {
                let value = self.rng.below(1000);
                let _ = writeln!(self.out, "set lead_status = {value}");
            }
            _ => {
                let _ = writeln!(
                    self.out,
                    "notify sales_ops \"Lead passed step {}\"",
                    self.statements
                );
            }
        }
    }

    /// A nested block of one to three statements; `may_end`: it may end in
    /// a handoff, an enroll or an exit.
    fn block(&mut self, depth: usize, budget: &mut usize, may_end: bool) {
        let n = 1 + self.rng.below(3);
        for k in 0..n {
            if k > 0 && *budget == 0 {
                break;
            }
            self.statement(depth, budget);
        }
        if may_end && *budget > 0 && self.rng.chance(40) {
            self.statements += 1;
            *budget -= 1;
            self.pad(depth);
            match self.rng.below(3) {
                0 => self.out.push_str(
                    "handoff sales { note \"Engaged: see the last email clicked.\" task \"Call\" due 1d }\n",
                ),
                1 if self.this > 0 => {
                    let target = self.this - 1;
                    let _ = writeln!(self.out, "enroll flow_{target}");
                }
                _ => self.out.push_str("exit \"done\"\n"),
            }
        }
    }
}

fn campaign_head(out: &mut String, index: usize, rng: &mut Rng) {
    let _ = writeln!(out, "campaign flow_{index} {{");
    let _ = writeln!(out, "  title \"Generated campaign {index}\"");
    out.push_str("  audience in audience_0\n");
    let _ = writeln!(
        out,
        "  trigger form.submitted(\"form-{index}\") where in audience_{}",
        rng.below(SEGMENTS)
    );
    out.push_str("  goal converted when demo.requested or meeting.booked\n");
    out.push_str("  suppress when unsubscribed or bounced or complained\n");
    out.push_str("  cap 1000 emails per 1h\n");
}

/// At least `statements` flow statements (a few more: the last nested
/// block is finished) in campaigns of about 25 statements each, 50 campaigns to a file, after one file of shared
/// definitions.
pub fn realistic(statements: usize, seed: u64) -> Project {
    let mut rng = Rng::new(seed);
    let mut library_text = String::new();
    library(&mut library_text);
    let mut files = vec![("library.nurture".to_string(), library_text)];
    let mut total = 0;
    let mut index = 0;
    let mut text = String::new();
    while total < statements {
        campaign_head(&mut text, index, &mut rng);
        let mut writer = FlowWriter {
            rng: &mut rng,
            out: &mut text,
            statements: 0,
            labels: 0,
            this: index,
        };
        let target = (statements - total).clamp(3, STATEMENTS_PER_CAMPAIGN);
        // Room for the final `wait` and `goto` (or `exit`).
        while writer.statements + 2 < target {
            let mut budget = target - 2 - writer.statements;
            writer.statement(1, &mut budget);
        }
        if writer.labels > 0 && writer.rng.chance(50) {
            let label = writer.rng.below(writer.labels);
            // Every loop waits: the `wait` before the `goto` has no label.
            let _ = writeln!(writer.out, "  wait 7d\n  goto step_{label}");
        } else {
            writer.out.push_str("  wait 1d\n  exit \"completed\"\n");
        }
        writer.statements += 2;
        total += writer.statements;
        text.push_str("}\n\n");
        index += 1;
        if index % CAMPAIGNS_PER_FILE == 0 || total >= statements {
            let name = format!("campaigns_{:04}.nurture", files.len() - 1);
            files.push((name, std::mem::take(&mut text)));
        }
    }
    Project {
        name: format!("statements_{}", thousands(statements)),
        files,
        statements: total,
    }
}

/// One campaign with `count` branches in a row, each with two arms and an
/// `else`, separated by sends.
pub fn sequential_branches(count: usize) -> Project {
    let mut rng = Rng::new(40);
    let mut text = String::new();
    library(&mut text);
    campaign_head(&mut text, 0, &mut rng);
    let mut statements = 0;
    for i in 0..count {
        let _ = writeln!(
            text,
            "  send mail_{}\n  branch {{\n    when {} {{ wait 1d }}\n    when {} {{ set lead_status = {i} }}\n    else {{ wait 2d }}\n  }}",
            i % EMAILS,
            CONDITIONS[i % CONDITIONS.len()],
            CONDITIONS[(i + 3) % CONDITIONS.len()],
        );
        statements += 5;
    }
    text.push_str("  exit\n}\n");
    Project {
        name: format!("sequential_branches_{count}"),
        files: vec![("branches.nurture".to_string(), text)],
        statements: statements + 1,
    }
}

/// `branch` inside `branch` until the brackets are `levels` deep (the
/// campaign's own braces included; the limit is 64), every level sending.
pub fn deep_nesting(levels: usize) -> Project {
    let mut rng = Rng::new(60);
    let mut text = String::new();
    library(&mut text);
    campaign_head(&mut text, 0, &mut rng);
    // Each `branch { when … {` opens two levels.
    let depth = levels.saturating_sub(1) / 2;
    let mut statements = 0;
    for i in 0..depth {
        let pad = "  ".repeat(2 * i + 1);
        let _ = writeln!(
            text,
            "{pad}send mail_{}\n{pad}branch {{\n{pad}  when {} {{",
            i % EMAILS,
            CONDITIONS[i % CONDITIONS.len()]
        );
        statements += 2;
    }
    // The innermost level sends every email not sent yet.
    for i in depth..EMAILS {
        let pad = "  ".repeat(2 * depth + 1);
        let _ = writeln!(text, "{pad}send mail_{i}");
        statements += 1;
    }
    for i in (0..depth).rev() {
        let pad = "  ".repeat(2 * i + 1);
        let _ = writeln!(text, "{pad}    wait 1d\n{pad}  }}\n{pad}}}");
        statements += 1;
    }
    text.push_str("  exit\n}\n");
    Project {
        name: format!("deep_nesting_{levels}"),
        files: vec![("deep.nurture".to_string(), text)],
        statements: statements + 1,
    }
}

/// `count` campaigns of four statements each, in one file per hundred.
pub fn many_small_campaigns(count: usize) -> Project {
    let mut rng = Rng::new(1000);
    let mut library_text = String::new();
    library(&mut library_text);
    let mut files = vec![("library.nurture".to_string(), library_text)];
    let mut text = String::new();
    for i in 0..count {
        campaign_head(&mut text, i, &mut rng);
        let _ = writeln!(
            text,
            "  send mail_{}\n  wait 3d\n  send mail_{}\n  exit\n}}\n",
            i % EMAILS,
            (i + 1) % EMAILS
        );
        if (i + 1) % 100 == 0 || i + 1 == count {
            let name = format!("small_{:04}.nurture", files.len() - 1);
            files.push((name, std::mem::take(&mut text)));
        }
    }
    Project {
        name: format!("small_campaigns_{}", thousands(count)),
        files,
        statements: 4 * count,
    }
}

/// `100k` for 100,000; other numbers as they are.
fn thousands(n: usize) -> String {
    if n >= 1000 && n % 1000 == 0 {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Every project the benchmarks time, smallest first.
pub fn all() -> Vec<Project> {
    vec![
        realistic(1_000, 1),
        realistic(10_000, 10),
        realistic(100_000, 100),
        sequential_branches(40),
        deep_nesting(60),
        many_small_campaigns(1_000),
    ]
}
