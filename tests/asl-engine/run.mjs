// Differential runs: every Step Functions machine in DIST/asl against every
// scripted lead, each compared with `nurturec simulate` for the same lead.
//
//   node run.mjs NURTUREC PROJECT DIST LEADS_DIR
//
// Leads: the `[properties]` of every LEADS_DIR/*.lead.toml (their events,
// reactions and scores are left out: the harness's world is properties
// only), plus a lead with no properties. Exit status 1 when a run disagrees.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, Unsupported, argText, ENGAGEMENT, HORIZON_SECONDS } from './harness.mjs';

const [nurturec, project, dist, leadsDir] = process.argv.slice(2);

function properties(text) {
  const props = {};
  let inside = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.startsWith('[')) { inside = line === '[properties]'; continue; }
    const m = inside && line.match(/^([A-Za-z_][\w]*)\s*=\s*(.+)$/);
    if (m) props[m[1]] = JSON.parse(m[2]);
  }
  return props;
}

const UNIT = { m: 60, h: 3600, d: 86400, w: 604800 };
function seconds(text) {
  const m = String(text).match(/^(\d+)([mhdw])$/);
  return m ? Number(m[1]) * UNIT[m[2]] : null;
}

/// The `[[events]]` of a lead file with `at`, `event` and a text
/// `argument` (other fields: none).
function events(text) {
  const out = [];
  let current = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.startsWith('[')) {
      current = line === '[[events]]' ? {} : null;
      if (current) out.push(current);
      continue;
    }
    const m = current && line.match(/^(at|event|argument)\s*=\s*(".*")$/);
    if (m) current[m[1]] = JSON.parse(m[2]);
  }
  return out
    .map((e) => ({ at: seconds(e.at), event: e.event, ...(e.argument === undefined ? {} : { argument: e.argument }) }))
    .filter((e) => e.at !== null && e.event);
}

const leads = [{ id: 'no-properties', properties: {}, events: [] }];
// The campaign tests' leads, and the harness's own (tests/asl-engine/leads:
// triggers that fire again, for the starter contract).
const here = new URL('.', import.meta.url).pathname;
const leadFiles = [leadsDir, join(here, 'leads')].flatMap((dir) => readdirSync(dir)
  .filter((f) => f.endsWith('.lead.toml')).sort().map((f) => join(dir, f)));
for (const path of leadFiles) {
  const f = path.split('/').pop();
  const text = readFileSync(path, 'utf8');
  const id = f.replace(/\.lead\.toml$/, '');
  leads.push({ id, properties: properties(text), events: [] });
  const timed = events(text);
  if (timed.length) leads.push({ id: `${id}+events`, properties: properties(text), events: timed });
}

function leadToml(lead) {
  const lines = [`id = ${JSON.stringify(lead.id)}`, '[properties]'];
  for (const [k, v] of Object.entries(lead.properties)) lines.push(`${k} = ${JSON.stringify(v)}`);
  for (const e of lead.events) {
    lines.push('[[events]]', `at = "${e.at}s"`, `event = ${JSON.stringify(e.event)}`);
    if (e.argument !== undefined) lines.push(`argument = ${JSON.stringify(e.argument)}`);
  }
  return lines.join('\n') + '\n';
}

const WAYS_OUT = new Set(['exit', 'goal', 'suppressed', 'not-admitted', 'handoff', 'enroll']);
/// The simulator's trace (effects and the way out) and the arms it drew.
function simulated(campaign, lead, dir) {
  const file = join(dir, `${lead.id}.lead.toml`);
  writeFileSync(file, leadToml(lead));
  const out = execFileSync(nurturec, ['simulate', project, '--campaign', campaign, '--lead', file, '--message-format', 'json'], { encoding: 'utf8' });
  const trace = JSON.parse(out).trace.filter((e) => e.campaign === campaign);
  const splits = trace.filter((e) => e.kind === 'split').map((e) => e.arm);
  // One execution is one run: what follows the first way out (a later
  // trigger's entry or refusal) is the starter's, not the machine's.
  // A `held` send is the send window's wait: the machine's is a Wait state.
  const steps = normal(trace.filter((e) => !['enter', 'split', 'held'].includes(e.kind)));
  return { splits, trace: steps };
}

/// When one of the campaign's triggers fires next, at or after `from` and
/// after `after` (the last attempt), as the starter watches them: an event
/// of the lead that matches an event trigger, or the instant an `inactive
/// D` trigger's inactivity starts. `null` when none does before the horizon.
function nextTrigger(starter, lead, from, after) {
  let best = null;
  const consider = (t, index) => {
    if (t < from || t <= after || t > HORIZON_SECONDS) return;
    if (!best || t < best.at || (t === best.at && index < best.index)) best = { at: t, index };
  };
  const engagements = lead.events.filter((e) => ENGAGEMENT.includes(e.event)).map((e) => e.at).sort((a, b) => a - b);
  for (const t of starter.triggers) {
    const source = t.source;
    if (source.inactive_seconds !== undefined) {
      for (const [k, a] of engagements.entries()) {
        const next = engagements[k + 1];
        if (next === undefined || next > a + source.inactive_seconds) consider(a + source.inactive_seconds, t.index);
      }
    } else if (source.event === 'segment.entered') {
      throw new Unsupported('the starter of a segment.entered trigger');
    } else {
      for (const e of lead.events) {
        if (e.event === source.event && (source.argument === undefined || argText(source.argument) === e.argument)) consider(e.at, t.index);
      }
    }
  }
  return best;
}

/// The starter contract (docs/backends.md): one run per lead at a time, a
/// trigger that fires while the lead is inside does nothing; after it has
/// left, the next trigger starts a new execution, whose admission gets the
/// starter's record of the earlier entries for `reentry`. `executions`:
/// how many executions continued a run.
async function started(machine, starter, lead, splits) {
  const entries = [];
  const trace = [];
  let executions = 0, used = 0, attempts = 0;
  let attempt = { at: 0, index: 0, event: triggerEvent(machine) };
  const world = structuredClone(lead);
  for (;;) {
    attempts += 1;
    const r = await run(machine, world, attempt.index, attempt.event, splits.slice(used), attempt.at, { entries: [...entries] }, models);
    used += r.drawn;
    executions += r.executions - 1;
    trace.push(...r.trace);
    if (!r.trace.some((e) => e.kind === 'not-admitted')) entries.push(attempt.at);
    if (r.open || r.trace.some((e) => e.kind === 'execution-timeout' || e.kind === 'failed')) break;
    let next;
    try {
      next = nextTrigger(starter, lead, r.ended, attempt.at);
    } catch (e) {
      if (e instanceof Unsupported) return { trace, executions, attempts, unsupported: e };
      throw e;
    }
    if (!next) break;
    // The lead's own event starts it: already in its events.
    attempt = { at: next.at, index: next.index, event: null };
  }
  return { trace, executions, attempts };
}

function normal(trace) {
  return trace.map((e) => {
    const base = { day: e.day, kind: e.kind };
    if (e.kind === 'failed') base.error = e.error;
    if (e.kind === 'send') base.email = e.email;
    if (e.kind === 'goal') base.goal = e.goal;
    if (e.kind === 'exit' && e.reason) base.reason = e.reason;
    return base;
  });
}

function triggerEvent(machine) {
  const admit = machine.States['(entry)'].Parameters.Payload.conditions[0].condition;
  const any = admit.all.find((c) => c.any)?.any ?? [];
  const first = any[0];
  const t = first?.trigger ?? first?.all?.[0]?.trigger;
  return t?.source?.event ? { event: t.source.event, argument: t.source.argument } : null;
}

const tmp = mkdtempSync(join(tmpdir(), 'nurture-leads-'));
let agree = 0, disagree = 0, skipped = 0, stoppedAtYear = 0, continued = 0, reentered = 0;
const asl = join(dist, 'asl');
// The scoring models the `evaluate` Lambda holds (docs/backends.md, "Scores").
const models = JSON.parse(readFileSync(join(dist, 'ir', 'project.json'), 'utf8')).scoring_models;
for (const f of readdirSync(asl).filter((f) => f.endsWith('.json')).sort()) {
  const campaign = f.replace(/\.json$/, '');
  const machine = JSON.parse(readFileSync(join(asl, f), 'utf8'));
  const starter = JSON.parse(readFileSync(join(asl, 'starter', f), 'utf8'));
  for (const lead of leads) {
    const { splits, trace: sim } = simulated(campaign, lead, tmp);
    let engine;
    try {
      const result = await started(machine, starter, lead, splits);
      continued += result.executions;
      engine = normal(result.trace);
      if (result.attempts > 1) { reentered++; if (process.env.HARNESS_VERBOSE) console.log(`REENTRY ${campaign} / ${lead.id}: ${JSON.stringify(sim)}`); }
      // A trigger the harness's starter cannot watch: compared up to the
      // first way out only.
      if (result.unsupported && JSON.stringify(engine) !== JSON.stringify(sim)) { skipped++; if (process.env.HARNESS_VERBOSE) console.log(`SKIPPED ${campaign} / ${lead.id}: ${result.unsupported.message}`); continue; }
    } catch (e) {
      if (e instanceof Unsupported || e?.cause instanceof Unsupported) { skipped++; if (process.env.HARNESS_VERBOSE) console.log(`SKIPPED ${campaign} / ${lead.id}: ${(e.cause ?? e).message}`); continue; }
      throw e;
    }
    const same = JSON.stringify(engine) === JSON.stringify(sim);
    // The one-year execution limit (docs/backends.md: continuing a looping
    // campaign in a new execution is not done): the engine stops at day
    // 365 with everything before it equal. Counted apart, not a failure.
    const last = engine[engine.length - 1];
    const yearCut = last?.kind === 'execution-timeout'
      && JSON.stringify(engine.slice(0, -1)) === JSON.stringify(sim.filter((e) => e.day < 365 && !WAYS_OUT.has(e.kind)));
    if (same) agree++; else if (yearCut) {
      stoppedAtYear++;
      console.log(`ONE YEAR ${campaign} / ${lead.id}: the execution times out on day 365; the simulator goes on (${sim.length} entries)`);
    } else {
      disagree++;
      console.log(`DIFFERS ${campaign} / ${lead.id}\n  engine:    ${JSON.stringify(engine)}\n  simulator: ${JSON.stringify(sim)}`);
    }
  }
}
console.log(`${agree} runs agree, ${disagree} differ, ${stoppedAtYear} stop at the one-year execution limit, ${skipped} skipped (outside the harness's world); ${continued} executions continued a run; ${reentered} runs in which a trigger fired again after the lead left (starter)`);
process.exit(disagree ? 1 : 0);
