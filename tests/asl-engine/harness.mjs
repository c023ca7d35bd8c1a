// Runs a nurturec Step Functions machine in aws-local-stepfunctions for one
// scripted lead, with local handlers that implement the Lambda contract of
// docs/backends.md, and prints the trace: the effects with their day, and
// the way out. Leads here have properties only (no events after entry, no
// scores): conditions are evaluated on them at the harness's clock.
//
// Time: the engine cannot fast-forward, so every `Wait` state is replaced by
// a Task whose handler advances the harness's clock by its `Seconds`, and a
// `wait_until` callback Task either completes at once (something holds) or
// advances the clock by its `TimeoutSeconds` and fails with States.Timeout.
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

const ENGAGEMENT = ['email.opened', 'email.clicked', 'page.visited'];

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

/// The world of one run: the lead's properties, the trigger event at
/// second 0, and the clock.
export function evaluator(lead, trigger, segments) {
  const events = () => [
    ...(trigger.event ? [{ ...trigger.event, at: 0 }] : []),
    ...(lead.events ?? []).map((e) => ({ ...e, from: 'lead' })),
  ];
  const holds = (c, now) => {
    if (c === null || c === undefined) return false;
    if (c.any) return c.any.some((x) => holds(x, now));
    if (c.all) return c.all.every((x) => holds(x, now));
    if ('not' in c) return !holds(c.not, now);
    if (c.segment !== undefined) {
      const def = segments?.[c.segment];
      if (def === undefined) throw new Unsupported(`segment ${c.segment}`);
      return holds(def, now);
    }
    if (c.score) throw new Unsupported('score');
    if (c.property !== undefined) {
      const have = lead.properties[c.property];
      if (c.op === 'in') return have !== undefined && c.values.some((v) => sameValue(have, v));
      if (c.op === 'not in') return have === undefined || !c.values.some((v) => sameValue(have, v));
      return compare(c.op, have, c.value);
    }
    if (c.event !== undefined) {
      return events().some((ev) => {
        if (ev.event !== c.event || ev.at > now) return false;
        if (c.argument !== undefined && JSON.stringify(c.argument) !== JSON.stringify(ev.argument)) {
          if (ev.from === 'lead') throw new Unsupported('event argument');
          return false;
        }
        return c.within_seconds === undefined ? ev.at >= 0 : now - c.within_seconds < ev.at;
      });
    }
    if (c.inactive_seconds !== undefined) {
      return !events().some((ev) => ENGAGEMENT.includes(ev.event)
        && now - c.inactive_seconds < ev.at && ev.at <= now);
    }
    if (c.trigger) {
      if (c.trigger.enrolled) return false;
      return c.trigger.index === trigger.index;
    }
    if (c.reentry !== undefined) return true; // the lead's first entry
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
/// by trigger `index` (0-based) whose event is `event` (or null).
///
/// `splits`: the arms (1-based) the simulator drew, in order; each `split`
/// Pass state (its `States.MathRandom`) is replaced by a Task whose handler
/// rolls the lowest number of the next drawn arm, so both engines take the
/// same arms.
export async function run(machine, lead, index, event, splits = []) {
  let drawn = 0;
  const definition = structuredClone(machine);
  let clock = 0;
  const trace = [];
  const segments = definition.States['(campaign)']?.Result?.segments;
  const holds = evaluator(lead, { index, event }, segments);
  const at = () => ({ seconds: clock, day: Math.floor(clock / 86400) });
  const advance = (seconds) => {
    if (clock + seconds > EXECUTION_SECONDS) {
      clock = EXECUTION_SECONDS;
      throw new ExecutionTimeout('the execution ran for a year');
    }
    clock += seconds;
  };
  const handlers = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') {
      const seconds = state.Seconds;
      definition.States[name] = {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:clock',
        Next: state.Next, ResultPath: null,
      };
      handlers[name] = () => { advance(seconds); return {}; };
      continue;
    }
    if (state.Type === 'Pass' && state.Parameters?.['roll.$']) {
      const route = definition.States[state.Next];
      const bounds = [0, ...route.Choices.map((c) => c.NumericLessThan).filter((n) => n !== undefined)];
      definition.States[name] = {
        Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:roll',
        Next: state.Next, ResultPath: state.ResultPath,
      };
      handlers[name] = () => {
        const arm = splits[drawn++] ?? 1;
        return { roll: bounds[arm - 1] ?? 0 };
      };
      continue;
    }
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    const fn = String(state.Parameters?.FunctionName ?? '');
    if (resource.endsWith(':states:startExecution')) {
      handlers[name] = () => { trace.push({ ...at(), kind: 'enroll', campaign: String(state.Parameters.StateMachineArn).replace(/^<state-machine:|>$/g, '') }); return {}; };
      continue;
    }
    const kind = fn.replace(/^<resource:|>$/g, '');
    handlers[name] = (input) => {
      const p = input.Payload;
      switch (kind) {
        case 'evaluate': {
          const list = p.conditions;
          const first = list.find((x) => holds(x.condition, clock));
          return { Payload: { first: first ? first.name : '' } };
        }
        case 'wait_until': {
          const guards = p.guards ?? [];
          const any = (t) => (p.condition !== null && holds(p.condition, t))
            || guards.some((g) => holds(g.condition, t));
          // Conditions change only at an event, or a duration after one.
          const durations = [0, ...JSON.stringify(p).matchAll(/"(?:within|inactive)_seconds":(\d+)/g)]
            .map((m) => (typeof m === 'number' ? m : Number(m[1])));
          const times = [clock];
          for (const ev of [{ at: 0 }, ...(lead.events ?? [])]) {
            for (const d of durations) times.push(ev.at + d);
          }
          const end = clock + state.TimeoutSeconds;
          const first = times.filter((t) => t >= clock && t < end).sort((a, b) => a - b).find(any);
          if (first !== undefined) {
            advance(first - clock);
            return {};
          }
          advance(state.TimeoutSeconds);
          const e = new Error('timed out'); e.name = 'States.Timeout'; throw e;
        }
        case 'send': trace.push({ ...at(), kind: 'send', email: p.email }); return {};
        case 'set_property':
          lead.properties[p.property] = p.value;
          trace.push({ ...at(), kind: 'set', property: p.property }); return {};
        case 'notify': trace.push({ ...at(), kind: 'notify' }); return {};
        case 'handoff': trace.push({ ...at(), kind: 'handoff', queue: p.queue }); return {};
        default: throw new Unsupported(`function ${kind}`);
      }
    };
  }
  const sm = new StateMachine(definition, { validationOptions: { checkPaths: false, checkArn: false } });
  const input = { contact: { id: lead.id }, trigger: { index } };
  const context = {
    Execution: { Input: input, StartTime: '2026-01-01T00:00:00Z' },
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
    if (e?.cause instanceof ExecutionTimeout) {
      trace.push({ ...at(), kind: 'execution-timeout' });
      return trace;
    }
    trace.push({ ...at(), kind: "failed", error: String(e?.message ?? e).slice(0, 200) });
    return trace;
  }
  await logs;
  const end = machine.States[last];
  if (end && (end.Type === 'Succeed')) trace.push({ ...at(), ...exitOf(last, end) });
  return trace;
}
