// Runs a nurturec Step Functions machine in aws-local-stepfunctions for one
// scripted lead, with local handlers that implement the Lambda contract of
// docs/backends.md, and prints the trace: the effects with their day, and
// the way out. Leads here have properties only (no events after entry, no
// scores): conditions are evaluated on them at the harness's clock.
//
// Time: the engine cannot fast-forward, so every `Wait` state is replaced by
// a Task whose handler advances the harness's clock by its `Seconds` (a send
// window's, to the opening its `send_window` Task gave), and a
// `wait_until` callback Task either completes at once (something holds) or
// advances the clock by its `TimeoutSeconds` (a send window's watched hold:
// its `TimeoutSecondsPath`, the `seconds` that `send_window` gave) and
// fails with States.Timeout.
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22); Node 20
// lacks it.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  };
}

export class Unsupported extends Error {}

/// A standard execution runs at most a year (docs/backends.md): past it
/// the execution fails with States.Timeout, which no Catch of a state sees.
const EXECUTION_SECONDS = 365 * 86400;
class ExecutionTimeout extends Error {}
/// The simulator's default horizon (730 days): both stop there.
export const HORIZON_SECONDS = 730 * 86400;
class Horizon extends Error {}
/// Second 0 of the harness's clock, as the executions' start times say.
const EPOCH = Date.parse('2026-01-01T00:00:00Z');
const iso = (seconds) => new Date(EPOCH + seconds * 1000).toISOString();
/// The `entered_at` of a payload, in seconds of the harness's clock.
const secondsOf = (timestamp) => Math.round((Date.parse(timestamp) - EPOCH) / 1000);
/// The ARN the harness gives its machine (`$$.StateMachine.Id`).
const SELF = 'arn:aws:states:us-east-1:000000000000:stateMachine:harness';

export const ENGAGEMENT = ['email.opened', 'email.clicked', 'page.visited'];
const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function sameValue(a, b) {
  return typeof a === typeof b && a === b;
}

function compare(op, have, want) {
  if (have === undefined) return op === '!=';
  switch (op) {
    case '==': return sameValue(have, want);
    case '!=': return !sameValue(have, want);
    case '<': return typeof have === typeof want && have < want;
    case '<=': return typeof have === typeof want && have <= want;
    case '>': return typeof have === typeof want && have > want;
    case '>=': return typeof have === typeof want && have >= want;
    default: throw new Unsupported(`operator ${op}`);
  }
}

/// An event argument as text: the simulator's form (an id, a path, an
/// email or segment name), whichever form the machine passes.
export const argText = (a) => (a === undefined || a === null || typeof a === 'string' ? a ?? undefined : a.email ?? a.segment);

/// An IR condition (`ir/project.json`, in scoring rules) as the machine's
/// condition tree, for the same evaluator.
function fromIr(c, model) {
  const quantity = (left) => (left.kind === 'property'
    ? { property: left.name }
    : { score: { model, component: left.kind === 'score_component' ? left.component : null } });
  switch (c.type) {
    case 'and': return { all: c.conditions.map((x) => fromIr(x, model)) };
    case 'or': return { any: c.conditions.map((x) => fromIr(x, model)) };
    case 'not': return { not: fromIr(c.condition, model) };
    case 'in_segment': return { segment: c.segment };
    case 'property': return { property: c.property, op: '==', value: true };
    case 'compare': return { ...quantity(c.left), op: c.op, value: c.value };
    case 'member': return { ...quantity(c.left), op: c.negated ? 'not in' : 'in', values: c.values };
    case 'contains': return { property: c.property, op: 'contains', value: c.value };
    case 'inactive': return { inactive_seconds: c.duration.seconds };
    case 'event': {
      const out = { event: c.event };
      if (c.argument) out.argument = c.argument.value;
      if (c.within) out.within_seconds = c.within.seconds; else out.since = 'entry';
      return out;
    }
    default: throw new Unsupported(`IR condition ${c.type}`);
  }
}

/// The world of one run: the lead's properties, the trigger event at
/// its second, the clock, and the scoring models of `ir/project.json`
/// (the `evaluate` Lambda's, docs/backends.md "Scores").
export function evaluator(lead, trigger, segments, models = [], handled = () => ({})) {
  const events = () => [
    ...(trigger.event ? [{ ...trigger.event, at: trigger.at ?? 0 }] : []),
    ...(lead.events ?? []).map((e) => ({ ...e, from: 'lead' })),
  ];
  const engagements = (now) => events()
    .filter((ev) => ENGAGEMENT.includes(ev.event) && ev.at <= now).map((ev) => ev.at);
  // As the simulator counts: once per gap of `period` between engagements
  // (and since the last one).
  const inactivePeriods = (period, now) => {
    const times = engagements(now).sort((a, b) => a - b);
    times.push(now);
    let n = 0;
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] >= period) n++;
    return n;
  };
  const score = (name, component, now, depth = 0) => {
    const model = models.find((m) => m.name === name);
    if (!model) throw new Unsupported(`scoring model ${name}`);
    if (depth > 16) return 0;
    let total = 0;
    for (const part of model.components) {
      if (component !== null && component !== undefined && part.name !== component) continue;
      for (const rule of part.rules) {
        let times = 0;
        if (rule.kind === 'if') {
          times = holds(fromIr(rule.condition, name), now, -Infinity, depth + 1) ? 1 : 0;
        } else {
          const sources = rule.on.filter((x) => x.type === 'event');
          if (sources.some((x) => x.event === 'segment.entered')) throw new Unsupported('a score on segment.entered');
          // An event that two of the rule's events name counts once.
          times = events().filter((ev) => ev.at <= now && sources.some((x) => x.event === ev.event
            && (!x.argument || x.argument.value === argText(ev.argument)))).length;
          for (const x of rule.on.filter((y) => y.type === 'inactive')) times += inactivePeriods(x.duration.seconds, now);
        }
        let points = rule.points * times;
        if (rule.max !== undefined && rule.max !== null) points = Math.max(-rule.max, Math.min(rule.max, points));
        total += points;
      }
    }
    return total;
  };
  const holds = (c, now, entered = 0, depth = 0) => {
    if (c === null || c === undefined) return false;
    if (c.any) return c.any.some((x) => holds(x, now, entered, depth));
    if (c.all) return c.all.every((x) => holds(x, now, entered, depth));
    if ('not' in c) return !holds(c.not, now, entered, depth);
    if (c.segment !== undefined) {
      const def = segments?.[c.segment];
      if (def === undefined) throw new Unsupported(`segment ${c.segment}`);
      return holds(def, now, entered, depth);
    }
    if (c.property !== undefined || c.score !== undefined) {
      const have = c.score !== undefined
        ? score(c.score.model, c.score.component, now, depth)
        : lead.properties[c.property];
      if (c.op === 'in') return have !== undefined && c.values.some((v) => sameValue(have, v));
      if (c.op === 'not in') return have === undefined || !c.values.some((v) => sameValue(have, v));
      if (c.op === 'contains') return Array.isArray(have) && have.includes(c.value);
      return compare(c.op, have, c.value);
    }
    if (c.event !== undefined) {
      return events().some((ev) => {
        if (ev.event !== c.event || ev.at > now) return false;
        if (c.argument !== undefined && JSON.stringify(c.argument) !== JSON.stringify(ev.argument)) {
          // The lead file's arguments are text: an email by name.
          if (ev.from === 'lead' && typeof ev.argument === 'string') {
            if (argText(c.argument) !== ev.argument) return false;
          } else if (ev.from === 'lead') {
            throw new Unsupported('event argument');
          } else {
            return false;
          }
        }
        return c.within_seconds === undefined ? ev.at >= entered : now - c.within_seconds < ev.at;
      });
    }
    if (c.inactive_seconds !== undefined) {
      return !events().some((ev) => ENGAGEMENT.includes(ev.event)
        && now - c.inactive_seconds < ev.at && ev.at <= now);
    }
    if (c.handled !== undefined) return Boolean(handled()[c.handled]);
    if (c.trigger) {
      if (c.trigger.enrolled) return false;
      return c.trigger.index === trigger.index;
    }
    if (c.reentry !== undefined) {
      // The starter's record of the lead's earlier entries (docs/backends.md).
      const earlier = trigger.entries ?? [];
      if (earlier.length === 0 || c.reentry === 'always') return true;
      if (c.reentry === 'never') return false;
      return now - earlier[earlier.length - 1] >= c.reentry.after_seconds;
    }
    throw new Unsupported(`condition ${JSON.stringify(c)}`);
  };
  return holds;
}

function exitOf(name, state) {
  if (name.startsWith('(goal ')) return { kind: 'goal', goal: name.slice(6, -1) };
  if (name === '(suppressed)') return { kind: 'suppressed' };
  if (name === '(not admitted)') return { kind: 'not-admitted' };
  const comment = state.Comment ?? '';
  const reason = comment.startsWith('exit: ') ? comment.slice(6) : null;
  return reason === null ? { kind: 'exit' } : { kind: 'exit', reason };
}

/// The trace of `lead` through `machine` (a parsed definition), entering
/// by trigger `index` (0-based) whose event is `event` (or null), at
/// second `from` of the harness's clock (0 for the first entry).
///
/// `splits`: the arms (1-based) the simulator drew, in order; each `split`
/// Pass state (its `States.MathRandom`) is replaced by a Task whose handler
/// rolls the lowest number of the next drawn arm, so both engines take the
/// same arms.
///
/// A run that continues in a new execution (a loop's `<goto>/continue`
/// Task starting `$$.StateMachine.Id`) is followed: the next execution
/// starts with that input at the same second, with its own one-year limit.
/// Returns the trace and the second the run ended at.
export async function run(machine, lead, index, event, splits = [], from = 0, history = {}, models = []) {
  const state = { drawn: 0, clock: from, executionStart: from };
  const trace = [];
  // The engine sets `$$.Execution.StartTime` to the wall clock; the
  // harness's executions start on its virtual clock, which the context
  // gives as `VirtualStartTime` (the engine keeps other context fields).
  const definition = JSON.parse(JSON.stringify(machine).replaceAll('"$$.Execution.StartTime"', () => '"$$.Execution.VirtualStartTime"'));
  const segments = definition.States['(campaign)']?.Result?.segments;
  // Which handlers have run, as the payload says (`$.campaign.handled`).
  let handledNow = {};
  const holds = evaluator(lead, { index, event, at: from, entries: history.entries ?? [] }, segments, models, () => handledNow);
  const at = () => ({ seconds: state.clock, day: Math.floor(state.clock / 86400) });
  const advance = (seconds) => {
    if (state.clock + seconds > HORIZON_SECONDS) {
      state.clock = HORIZON_SECONDS;
      throw new Horizon('the horizon');
    }
    if (state.clock + seconds - state.executionStart > EXECUTION_SECONDS) {
      state.clock = state.executionStart + EXECUTION_SECONDS;
      throw new ExecutionTimeout('the execution ran for a year');
    }
    state.clock += seconds;
  };
  let continuation = null;
  const handlers = {};
  for (const [name, st] of Object.entries(definition.States)) {
    if (st.Type === 'Wait') {
      const seconds = st.Seconds;
      definition.States[name] = {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:clock',
        Next: st.Next, ResultPath: null,
      };
      if (st.TimestampPath === '$.window.opens_at') {
        // A send window's wait: until the opening the send_window Task gave.
        handlers[name] = (input) => { advance(Math.max(0, secondsOf(input.window.opens_at) - state.clock)); return {}; };
        continue;
      }
      if (seconds === undefined) throw new Unsupported('a Wait without Seconds');
      handlers[name] = () => { advance(seconds); return {}; };
      continue;
    }
    if (st.Type === 'Pass' && st.Parameters?.['roll.$']) {
      const route = definition.States[st.Next];
      const bounds = [0, ...route.Choices.map((c) => c.NumericLessThan).filter((n) => n !== undefined)];
      definition.States[name] = {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:roll',
        Next: st.Next, ResultPath: st.ResultPath,
      };
      handlers[name] = () => {
        const arm = splits[state.drawn++] ?? 1;
        return { roll: bounds[arm - 1] ?? 0 };
      };
      continue;
    }
    if (st.Type === 'Pass' && /^\(on\d+\)$/.test(name)) {
      // A handler starts: the simulator's `handler` step.
      definition.States[name] = {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:handler',
        Next: st.Next, ResultPath: st.ResultPath,
      };
      handlers[name] = () => { trace.push({ ...at(), kind: 'handler' }); return st.Result; };
      continue;
    }
    if (st.Type !== 'Task') continue;
    const resource = st.Resource;
    const fn = String(st.Parameters?.FunctionName ?? '');
    if (resource.endsWith(':states:startExecution')) {
      handlers[name] = (input) => {
        if (input.StateMachineArn === SELF) {
          continuation = input.Input;
          return {};
        }
        trace.push({ ...at(), kind: 'enroll', campaign: String(input.StateMachineArn).replace(/^<state-machine:|>$/g, '') });
        return {};
      };
      continue;
    }
    const kind = fn.replace(/^<resource:|>$/g, '');
    if (st.TimeoutSecondsPath) {
      // A send window's watched hold: its timeout from the state's input
      // (the seconds `send_window` answered), given to the handler. The
      // engine reads a TimeoutSecondsPath from the Task's effective input
      // (after Parameters), Step Functions from the state's input, so the
      // path is moved into the Parameters.
      st.Parameters['harness_timeout.$'] = st.TimeoutSecondsPath;
      st.TimeoutSecondsPath = '$.harness_timeout';
    }
    handlers[name] = (input) => {
      const p = input.Payload;
      const entered = secondsOf(p.entered_at);
      handledNow = p.handled ?? {};
      const clock = state.clock;
      switch (kind) {
        case 'evaluate': {
          const list = p.conditions;
          const first = list.find((x) => holds(x.condition, clock, entered));
          return { Payload: { first: first ? first.name : '' } };
        }
        case 'wait_until': {
          const guards = p.guards ?? [];
          const any = (t) => (p.condition !== null && holds(p.condition, t, entered))
            || guards.some((g) => holds(g.condition, t, entered));
          // Conditions change only at an event, or a duration after one.
          const durations = [0, ...JSON.stringify(p).matchAll(/"(?:within|inactive)_seconds":(\d+)/g)]
            .map((m) => (typeof m === 'number' ? m : Number(m[1])));
          const times = [clock];
          for (const ev of [{ at: 0 }, { at: entered }, ...(lead.events ?? [])]) {
            for (const d of durations) times.push(ev.at + d);
          }
          const timeout = st.TimeoutSecondsPath ? input.harness_timeout : st.TimeoutSeconds;
          if (!(timeout > 0)) throw new Unsupported(`a callback wait of ${timeout} seconds`);
          const end = clock + timeout;
          const first = times.filter((t) => t >= clock && t < end).sort((a, b) => a - b).find(any);
          if (first !== undefined) {
            advance(first - clock);
            return {};
          }
          advance(timeout);
          const e = new Error('timed out'); e.name = 'States.Timeout'; throw e;
        }
        case 'send': trace.push({ ...at(), kind: 'send', email: p.email }); return {};
        case 'set_property':
          lead.properties[p.property] = p.value;
          trace.push({ ...at(), kind: 'set', property: p.property }); return {};
        case 'notify': trace.push({ ...at(), kind: 'notify' }); return {};
        case 'handoff': trace.push({ ...at(), kind: 'handoff', queue: p.queue }); return {};
        case 'send_window': {
          // The contact's local time at second 0 of the clock is Monday
          // 00:00 (the simulator's default `entry_time`); the opening is
          // included, the closing excluded.
          const w = p.window;
          const minutes = (hhmm) => { const [h, m] = hhmm.split(':').map(Number); return (h * 60 + m) * 60; };
          const today = Math.floor(clock / 86400);
          for (let d = 0; d <= 7; d++) {
            const day = today + d;
            if (!w.days.includes(WEEK[day % 7])) continue;
            if (clock < day * 86400 + minutes(w.close)) {
              const opens = Math.max(clock, day * 86400 + minutes(w.open));
              return { Payload: { opens_at: iso(opens), seconds: opens - clock } };
            }
          }
          throw new Unsupported('a send window with no opening');
        }
        default: throw new Unsupported(`function ${kind}`);
      }
    };
  }
  const sm = new StateMachine(definition, { validationOptions: { checkPaths: false, checkArn: false } });
  let input = { contact: { id: lead.id }, trigger: { index } };
  let executions = 0;
  for (;;) {
    executions += 1;
    continuation = null;
    state.executionStart = state.clock;
    const context = {
      Execution: { Id: `harness-execution-${state.clock}`, Input: input, VirtualStartTime: iso(state.clock) },
      StateMachine: { Id: SELF },
      // The engine has no task tokens; the handlers do not need one.
      Task: { Token: 'harness-token' },
    };
    const execution = sm.run(input, { overrides: { taskResourceLocalHandlers: handlers }, context });
    let last = null;
    const logs = (async () => {
      for await (const e of execution.eventLogs) {
        if (e.type === 'StateEntered') last = e.state.name;
      }
    })();
    try {
      await execution.result;
    } catch (e) {
      if (e instanceof Unsupported || e?.cause instanceof Unsupported) throw e;
      if (e?.cause instanceof Horizon) {
        trace.push({ ...at(), kind: 'end' });
        return { trace, ended: state.clock, open: true, executions, drawn: state.drawn };
      }
      if (e?.cause instanceof ExecutionTimeout) {
        trace.push({ ...at(), kind: 'execution-timeout' });
        return { trace, ended: state.clock, executions, drawn: state.drawn };
      }
      trace.push({ ...at(), kind: "failed", error: String(e?.message ?? e).slice(0, 200) });
      return { trace, ended: state.clock, executions, drawn: state.drawn };
    }
    await logs;
    if (continuation) {
      if (last !== '(continued)') throw new Error(`a continuation ending at ${last}`);
      input = continuation;
      continue;
    }
    const end = machine.States[last];
    if (end && (end.Type === 'Succeed')) trace.push({ ...at(), ...exitOf(last, end) });
    return { trace, ended: state.clock, executions, drawn: state.drawn };
  }
}
