// Tests extension.js without VS Code: a minimal stand-in for the `vscode` module
// and a fake nurturec binary (fake-nurturec.js).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');

// ------------------------------------------------------------------ fake vscode
class Position { constructor(line, character) { this.line = line; this.character = character; } }
class Range {
  constructor(a, b, c, d) {
    if (a instanceof Position) { this.start = a; this.end = b; } else { this.start = new Position(a, b); this.end = new Position(c, d); }
  }
}
class Diagnostic { constructor(range, message, severity) { this.range = range; this.message = message; this.severity = severity; } }
class Location { constructor(uri, range) { this.uri = uri; this.range = range; } }
class DiagnosticRelatedInformation { constructor(location, message) { this.location = location; this.message = message; } }
const uriFile = (p) => ({ scheme: 'file', fsPath: p, toString: () => 'file://' + p });

const handlers = { open: [], save: [], close: [] };
const statusMessages = [];
const collection = new Map();
let configuredPath = 'nurturec';
const event = (list) => (fn) => { list.push(fn); return { dispose() {} }; };
const vscode = {
  Position, Range, Diagnostic, Location, DiagnosticRelatedInformation,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  Uri: { file: uriFile },
  languages: {
    createDiagnosticCollection: () => ({
      set: (uri, list) => collection.set(uri.toString(), list),
      delete: (uri) => collection.delete(uri.toString()),
      dispose() {}
    })
  },
  workspace: {
    textDocuments: [],
    workspaceFolders: undefined,
    getWorkspaceFolder: () => undefined,
    getConfiguration: (section) => ({ get: (key) => (section === 'nurture' && key === 'path' ? configuredPath : undefined) }),
    onDidOpenTextDocument: event(handlers.open),
    onDidSaveTextDocument: event(handlers.save),
    onDidCloseTextDocument: event(handlers.close)
  },
  window: { setStatusBarMessage: (text) => { statusMessages.push(text); return { dispose() {} }; } }
};
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
};

function documentFor(fsPath, text, { untitled = false, dirty = false, languageId = 'nurture' } = {}) {
  const lines = text.split('\n');
  return {
    languageId,
    uri: untitled ? { scheme: 'untitled', fsPath: 'Untitled-1', toString: () => 'untitled:Untitled-1' } : uriFile(fsPath),
    isUntitled: untitled,
    isDirty: dirty,
    getText: () => text,
    lineCount: lines.length,
    lineAt: (n) => ({ text: lines[n] }),
    getWordRangeAtPosition: (pos) => {
      const line = lines[pos.line] || '';
      const re = /[A-Za-z_][A-Za-z0-9_]*/g;
      let m;
      while ((m = re.exec(line))) {
        if (m.index <= pos.character && pos.character < m.index + m[0].length) {
          return new Range(pos.line, m.index, pos.line, m.index + m[0].length);
        }
      }
      return undefined;
    }
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

// ------------------------------------------------------------------ tests
const MISSING_EXIT = [
  'email hello { subject "Hello" template "t/hello" }',
  'email bye { subject "Bye" template "t/bye" }',
  '',
  'campaign c {',
  '  trigger form.submitted("f")',
  '  goal g when meeting.booked',
  '  suppress when unsubscribed',
  '  send hello',
  '  wait 3d',
  '  send bye            //~ error[missing-exit]',
  '}',
  ''
].join('\n');

let passed = 0;
let failed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n${e.stack}`);
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-ext-'));
  const log = path.join(dir, 'calls.log');
  process.env.FAKE_NURTUREC_LOG = log;
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : []);
  configuredPath = path.join(__dirname, 'fake-nurturec.js');

  const file = path.join(dir, 'missing_exit.nurture');
  fs.writeFileSync(file, MISSING_EXIT);
  const doc = documentFor(file, MISSING_EXIT);
  const other = documentFor(path.join(dir, 'notes.txt'), 'x', { languageId: 'plaintext' });
  vscode.workspace.textDocuments = [doc, other];

  const extension = require('../../extension.js');
  const context = { subscriptions: [] };
  extension.activate(context);
  await settle();

  await test('activation checks the open nurture documents, and only those', () => {
    const c = calls();
    assert.strictEqual(c.length, 1);
    assert.deepStrictEqual(c[0].args, ['check', '--message-format', 'json', file]);
    assert.strictEqual(fs.realpathSync(c[0].cwd), fs.realpathSync(dir));
    assert.ok(context.subscriptions.length >= 4);
  });

  await test('diagnostics for the file: 0-based ranges, severity, code, notes, help, related labels', () => {
    const list = collection.get(doc.uri.toString());
    assert.ok(list, 'no diagnostics set');
    assert.strictEqual(list.length, 2, 'diagnostics of other files must be left out');
    const [d, w] = list;
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(d.code, 'missing-exit');
    assert.strictEqual(d.source, 'nurturec');
    assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [9, 2, 9, 10]);
    assert.strictEqual(MISSING_EXIT.split('\n')[9].slice(2, 10), 'send bye');
    assert.strictEqual(d.message, [
      'this path falls off the end of the flow',
      'the last step on this path',
      'note: every path must end in exit, handoff, enroll or goto',
      'help: add `exit` after this statement'
    ].join('\n'));
    assert.strictEqual(d.relatedInformation.length, 2);
    const [r1, r2] = d.relatedInformation;
    assert.strictEqual(r1.message, 'the campaign starts here');
    assert.strictEqual(r1.location.uri, doc.uri);
    assert.deepStrictEqual([r1.location.range.start.line, r1.location.range.start.character], [3, 9]);
    assert.strictEqual(r2.location.uri.fsPath, path.join(dir, 'other.nurture'));
    // No end position: the range covers the word at the position.
    assert.strictEqual(w.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(w.code, 'handoff-without-context');
    assert.deepStrictEqual([w.range.start.line, w.range.start.character, w.range.end.line, w.range.end.character], [1, 0, 1, 5]);
  });

  await test('a clean file on save clears the diagnostics', async () => {
    const clean = documentFor(path.join(dir, 'clean.nurture'), 'segment a = b\n');
    collection.set(clean.uri.toString(), ['stale']);
    handlers.save.forEach((h) => h(clean));
    await settle();
    assert.deepStrictEqual(collection.get(clean.uri.toString()), []);
  });

  await test('untitled and unsaved buffers go through stdin as `-`', async () => {
    const untitled = documentFor(undefined, MISSING_EXIT, { untitled: true });
    handlers.open.forEach((h) => h(untitled));
    await settle();
    const last = calls().pop();
    assert.deepStrictEqual(last.args, ['check', '--message-format', 'json', '-']);
    const list = collection.get(untitled.uri.toString());
    assert.strictEqual(list.length, 2);
    assert.strictEqual(list[0].code, 'missing-exit');
  });

  await test('exit status 2 shows stderr in the status bar and keeps the old diagnostics', async () => {
    const io = documentFor(path.join(dir, 'io.nurture'), 'x');
    collection.set(io.uri.toString(), ['old']);
    statusMessages.length = 0;
    handlers.save.forEach((h) => h(io));
    await settle();
    assert.strictEqual(statusMessages.length, 1);
    assert.match(statusMessages[0], /cannot read .*io\.nurture: permission denied/);
    assert.deepStrictEqual(collection.get(io.uri.toString()), ['old']);
  });

  await test('a missing binary is reported, not thrown', async () => {
    configuredPath = path.join(dir, 'no-such-nurturec');
    statusMessages.length = 0;
    handlers.save.forEach((h) => h(doc));
    await settle();
    assert.strictEqual(statusMessages.length, 1);
    assert.match(statusMessages[0], /not found.*nurture\.path/);
    configuredPath = path.join(__dirname, 'fake-nurturec.js');
  });

  await test('character columns become UTF-16 columns', async () => {
    const text = '"\u{1F600}" oops\n';
    const emoji = documentFor(path.join(dir, 'emoji.nurture'), text);
    handlers.open.forEach((h) => h(emoji));
    await settle();
    const [d] = collection.get(emoji.uri.toString());
    assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [0, 5, 0, 9]);
    assert.strictEqual(text.slice(5, 9), 'oops');
  });

  await test('closing a document removes its diagnostics', () => {
    handlers.close.forEach((h) => h(doc));
    assert.strictEqual(collection.has(doc.uri.toString()), false);
  });

  // Optional: the real compiler, e.g. NURTUREC=target/debug/nurturec npm run test:extension
  if (process.env.NURTUREC) {
    configuredPath = path.resolve(process.env.NURTUREC);
    const fixture = path.join(__dirname, '..', 'snap', 'invalid_unused.nurture');
    const text = fs.readFileSync(fixture, 'utf8');
    const expected = [];
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/(error|warning)\[([a-z-]+)\]/g)) expected.push(`${i}:${m[1]}:${m[2]}`);
    });
    const summary = (list) => (list || []).map((d) =>
      `${d.range.start.line}:${d.severity === vscode.DiagnosticSeverity.Error ? 'error' : 'warning'}:${d.code}`).sort();
    for (const [name, document] of [
      ['from the file', documentFor(fixture, text)],
      ['from stdin', documentFor(fixture, text, { dirty: true })]
    ]) {
      await test(`real nurturec (${configuredPath}) ${name}: the annotated diagnostics`, async () => {
        statusMessages.length = 0;
        handlers.open.forEach((h) => h(document));
        await settle();
        assert.deepStrictEqual(statusMessages, []);
        assert.deepStrictEqual(summary(collection.get(document.uri.toString())), expected.sort());
      });
    }
  }

  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`extension: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
