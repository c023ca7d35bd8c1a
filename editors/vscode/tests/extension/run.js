// Tests extension.js without VS Code: a minimal stand-in for the `vscode` module
// and a fake nurturec binary (fake-nurturec.js).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const childProcess = require('child_process');

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
let serverMode = 'cli'; // the `nurture.server` setting: most tests are of the CLI mode
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
    getWorkspaceFolder: (uri) => (vscode.workspace.workspaceFolders || []).find((folder) =>
      uri.scheme === 'file' && (uri.fsPath + path.sep).startsWith(folder.uri.fsPath + path.sep)),
    getConfiguration: (section) => ({
      get: (key) => (section !== 'nurture' ? undefined : key === 'path' ? configuredPath : key === 'server' ? serverMode : undefined)
    }),
    createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
    onDidOpenTextDocument: event(handlers.open),
    onDidSaveTextDocument: event(handlers.save),
    onDidCloseTextDocument: event(handlers.close)
  },
  window: { setStatusBarMessage: (text) => { statusMessages.push(text); return { dispose() {} }; } }
};
// A stand-in for vscode-languageclient (which needs the real VS Code): records
// how the extension starts the server.
const clients = [];
class FakeLanguageClient {
  constructor(id, name, server, options) {
    Object.assign(this, { id, name, server, options, started: false, stopped: false });
    clients.push(this);
  }
  start() { this.started = true; return Promise.resolve(); }
  stop() { this.stopped = true; return Promise.resolve(); }
}
const fakeLanguageClient = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0 } };
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return fakeLanguageClient;
  return originalLoad.call(this, request, ...rest);
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

const settle = (ms = 1000) => new Promise((resolve) => setTimeout(resolve, ms));

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

// A project of two files: the campaign uses the emails of the other file. Valid for nurturec.
const EMAILS = [
  '// Emails shared by the campaigns of this project.',
  'email hello {',
  '  subject "Hello"',
  '  template "t/hello"',
  '}',
  '',
  'email bye {',
  '  subject "Bye"',
  '  template "t/bye"',
  '}',
  ''
].join('\n');
const campaign = (name, ...emails) => [
  `campaign ${name} {`,
  `  trigger form.submitted("${name}")`,
  '  goal booked when meeting.booked',
  '  suppress when unsubscribed',
  ...emails.map((email) => `  send ${email}`),
  '  exit',
  '}',
  ''
].join('\n');
const WELCOME = '// Uses the emails of ../emails.nurture.\n' + campaign('welcome', 'hello', 'bye');

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

const CHECK = ['check', '--message-format', 'json'];
const range = (d) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];
const keyOf = (file) => uriFile(file).toString();
// Every diagnostic published for a file below dir, as `relative path:line:code`.
const publishedUnder = (dir) => [...collection].filter(([key]) => key.startsWith(keyOf(dir + path.sep)))
  .flatMap(([key, list]) => list.map((d) => `${path.relative(dir, key.slice('file://'.length))}:${d.range.start.line}:${d.code}`))
  .sort();
const open = (document) => handlers.open.forEach((h) => h(document));
const save = (document) => handlers.save.forEach((h) => h(document));
const close = (document) => handlers.close.forEach((h) => h(document));

function writeProject(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

async function main() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-ext-')));
  const log = path.join(dir, 'calls.log');
  process.env.FAKE_NURTUREC_LOG = log;
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : []);
  configuredPath = path.join(__dirname, 'fake-nurturec.js');

  // single/: one file, no nurture.toml; proj/: a nurture.toml and two files, one in a subdirectory.
  const single = path.join(dir, 'single');
  const file = path.join(single, 'missing_exit.nurture');
  writeProject(single, { 'missing_exit.nurture': MISSING_EXIT });
  const proj = path.join(dir, 'proj');
  writeProject(proj, { 'nurture.toml': '', 'emails.nurture': EMAILS, 'campaigns/welcome.nurture': WELCOME });
  const welcomeFile = path.join(proj, 'campaigns', 'welcome.nurture');
  const emailsFile = path.join(proj, 'emails.nurture');

  const doc = documentFor(file, MISSING_EXIT);
  const other = documentFor(path.join(single, 'notes.txt'), 'x', { languageId: 'plaintext' });
  const welcome = documentFor(welcomeFile, WELCOME);
  const emails = documentFor(emailsFile, EMAILS);
  vscode.workspace.textDocuments = [doc, other, welcome, emails];

  const extension = require('../../extension.js');
  const context = { subscriptions: [] };
  extension.activate(context);
  await settle();

  await test('activation checks the project of each open nurture document once, and only those', () => {
    // the two processes run at once: either may log first
    const c = calls().sort((x, y) => x.args[3].localeCompare(y.args[3]));
    assert.deepStrictEqual(c.map((call) => call.args), [[...CHECK, proj], [...CHECK, single]]);
    assert.strictEqual(fs.realpathSync(c[0].cwd), proj);
    assert.strictEqual(fs.realpathSync(c[1].cwd), single);
    assert.ok(context.subscriptions.length >= 4);
  });

  await test('diagnostics for the file: 0-based ranges, severity, code, notes, help, related labels', () => {
    const list = collection.get(doc.uri.toString());
    assert.ok(list, 'no diagnostics set');
    assert.strictEqual(list.length, 2, 'diagnostics of other files go to those files');
    const [d, w] = list;
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(d.code, 'missing-exit');
    assert.strictEqual(d.source, 'nurturec');
    assert.deepStrictEqual(range(d), [9, 2, 9, 10]);
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
    assert.strictEqual(r2.location.uri.fsPath, path.join(single, 'other.nurture'));
    // No end position: the range covers the word at the position.
    assert.strictEqual(w.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(w.code, 'handoff-without-context');
    assert.deepStrictEqual(range(w), [1, 0, 1, 5]);
  });

  await test('diagnostics of a file that is not open are published (a relative `file` is taken from the root)', () => {
    const list = collection.get(keyOf(path.join(single, 'other.nurture')));
    assert.ok(list, 'no diagnostics set for other.nurture');
    assert.strictEqual(list.length, 1);
    assert.strictEqual(list[0].code, 'unused');
    assert.strictEqual(list[0].severity, vscode.DiagnosticSeverity.Warning);
    // no document: the character columns are used as they are
    assert.deepStrictEqual(range(list[0]), [0, 6, 0, 12]);
  });

  await test('a two-file project: the names the campaign takes from the other file are defined', () => {
    assert.deepStrictEqual(publishedUnder(proj), []);
    assert.ok(collection.has(welcome.uri.toString()) || collection.has(emails.uri.toString()), 'the checked document has its (empty) list');
  });

  await test('the project root: nearest nurture.toml, else the workspace folder, else the directory', async () => {
    const root = (p) => extension.projectRoot(documentFor(p, ''));
    assert.strictEqual(root(welcomeFile), proj, 'nurture.toml in an ancestor');
    assert.strictEqual(root(emailsFile), proj, 'nurture.toml in the own directory');
    assert.strictEqual(root(file), single, 'neither: the directory');
    const ws = path.join(dir, 'ws');
    writeProject(ws, { 'sub/deep/x.nurture': WELCOME, 'sub/emails.nurture': EMAILS, 'inner/nurture.toml': '', 'inner/a/y.nurture': '' });
    vscode.workspace.workspaceFolders = [{ uri: uriFile(ws), name: 'ws', index: 0 }];
    try {
      assert.strictEqual(root(path.join(ws, 'sub', 'deep', 'x.nurture')), ws, 'the workspace folder');
      assert.strictEqual(root(path.join(ws, 'inner', 'a', 'y.nurture')), path.join(ws, 'inner'), 'nurture.toml inside the folder');
      assert.strictEqual(root(file), single, 'outside the folder: the directory');
      const x = documentFor(path.join(ws, 'sub', 'deep', 'x.nurture'), WELCOME);
      open(x);
      await settle();
      const last = calls().pop();
      assert.deepStrictEqual(last.args, [...CHECK, ws]);
      assert.strictEqual(fs.realpathSync(last.cwd), ws);
      assert.deepStrictEqual(publishedUnder(ws), [], 'emails from sub/emails.nurture');
    } finally {
      vscode.workspace.workspaceFolders = undefined;
    }
  });

  await test('a file that is not open: its diagnostics are published, then cleared once fixed', async () => {
    const extra = path.join(proj, 'extra.nurture');
    fs.writeFileSync(extra, campaign('extra', 'hello', 'nowhere'));
    save(welcome);
    await settle();
    assert.deepStrictEqual(calls().pop().args, [...CHECK, proj]);
    assert.deepStrictEqual(publishedUnder(proj), ['extra.nurture:5:undefined-name']);
    const [d] = collection.get(keyOf(extra));
    assert.deepStrictEqual(range(d), [5, 7, 5, 14]);
    assert.strictEqual(campaign('extra', 'hello', 'nowhere').split('\n')[5].slice(7, 14), 'nowhere');
    assert.match(d.message, /cannot find email `nowhere`/);
    fs.writeFileSync(extra, campaign('extra', 'hello', 'bye'));
    save(welcome);
    await settle();
    assert.deepStrictEqual(publishedUnder(proj), []);
    assert.strictEqual(collection.has(keyOf(extra)), false, 'cleared, not left behind');
  });

  await test('an unsaved buffer is checked within its project: --stdin-path FILE ROOT -', async () => {
    const text = WELCOME.replace('send hello', 'send hellox');
    const dirty = documentFor(welcomeFile, text, { dirty: true });
    open(dirty);
    await settle();
    const last = calls().pop();
    assert.deepStrictEqual(last.args, [...CHECK, '--stdin-path', welcomeFile, proj, '-']);
    assert.strictEqual(fs.realpathSync(last.cwd), proj);
    assert.strictEqual(last.stdin, text);
    // the buffer stands in for the saved file: no duplicate names, the buffer's error
    assert.deepStrictEqual(publishedUnder(proj), ['campaigns/welcome.nurture:5:undefined-name']);
    assert.deepStrictEqual(range(collection.get(dirty.uri.toString())[0]), [5, 7, 5, 13]);
    save(welcome);
    await settle();
    assert.deepStrictEqual(publishedUnder(proj), []);
  });

  await test('an unsaved buffer that defines names: the other files see its names; closed unsaved, the saved text counts', async () => {
    const dirty = documentFor(emailsFile, EMAILS.replace('email hello', 'email hi'), { dirty: true });
    open(dirty);
    await settle();
    assert.deepStrictEqual(publishedUnder(proj), ['campaigns/welcome.nurture:5:undefined-name', 'extra.nurture:4:undefined-name']);
    close(dirty); // without saving
    await settle();
    assert.deepStrictEqual(calls().pop().args, [...CHECK, proj]);
    assert.deepStrictEqual(publishedUnder(proj), []);
  });

  await test('a newer check of a project wins, a check of another project does not interfere', async () => {
    const slow = documentFor(welcomeFile, WELCOME.replace('send hello', 'send slowpoke') + '// slow\n', { dirty: true });
    open(slow);
    save(doc); // another project
    await settle(2000);
    assert.deepStrictEqual(publishedUnder(proj), ['campaigns/welcome.nurture:5:undefined-name']);
    open(slow);
    save(emails); // the same project, answers first
    await settle(2000);
    assert.deepStrictEqual(publishedUnder(proj), [], 'the slow, older answer was dropped');
  });

  await test('an open nurture document the walk skips (hidden directory) is named after the root', async () => {
    const hidden = path.join(proj, '.drafts', 'draft.nurture');
    writeProject(proj, { '.drafts/draft.nurture': campaign('draft', 'hello', 'missing') });
    const draft = documentFor(hidden, '');
    save(draft);
    await settle();
    assert.deepStrictEqual(calls().pop().args, [...CHECK, proj, hidden]);
    assert.deepStrictEqual(publishedUnder(proj), ['.drafts/draft.nurture:5:undefined-name']);
    // while it is open, the checks of its project name it too
    vscode.workspace.textDocuments.push(draft);
    try {
      save(emails);
      await settle();
      assert.deepStrictEqual(calls().pop().args, [...CHECK, proj, hidden]);
      assert.deepStrictEqual(publishedUnder(proj), ['.drafts/draft.nurture:5:undefined-name']);
    } finally {
      vscode.workspace.textDocuments.pop();
    }
    fs.rmSync(path.join(proj, '.drafts'), { recursive: true });
    save(emails);
    await settle();
    assert.deepStrictEqual(calls().pop().args, [...CHECK, proj]);
    assert.deepStrictEqual(publishedUnder(proj), []);
  });

  await test('a clean file on save clears the diagnostics', async () => {
    writeProject(path.join(dir, 'clean'), { 'clean.nurture': 'segment a = b\n' });
    const clean = documentFor(path.join(dir, 'clean', 'clean.nurture'), 'segment a = b\n');
    collection.set(clean.uri.toString(), ['stale']);
    save(clean);
    await settle();
    assert.deepStrictEqual(collection.get(clean.uri.toString()), []);
  });

  let untitled;
  await test('untitled buffers are checked alone, through stdin as `-`', async () => {
    untitled = documentFor(undefined, MISSING_EXIT, { untitled: true });
    open(untitled);
    await settle();
    const last = calls().pop();
    assert.deepStrictEqual(last.args, [...CHECK, '-']);
    const list = collection.get(untitled.uri.toString());
    assert.strictEqual(list.length, 2);
    assert.strictEqual(list[0].code, 'missing-exit');
  });

  await test('exit status 2 shows stderr in the status bar and keeps the old diagnostics', async () => {
    writeProject(path.join(dir, 'io'), { 'io.nurture': 'x' });
    const io = documentFor(path.join(dir, 'io', 'io.nurture'), 'x');
    collection.set(io.uri.toString(), ['old']);
    statusMessages.length = 0;
    save(io);
    await settle();
    assert.strictEqual(statusMessages.length, 1);
    assert.match(statusMessages[0], /cannot read .*io\.nurture: permission denied/);
    assert.deepStrictEqual(collection.get(io.uri.toString()), ['old']);
  });

  await test('a missing binary is reported, not thrown', async () => {
    configuredPath = path.join(dir, 'no-such-nurturec');
    statusMessages.length = 0;
    save(doc);
    await settle();
    assert.strictEqual(statusMessages.length, 1);
    assert.match(statusMessages[0], /not found.*nurture\.path/);
    configuredPath = path.join(__dirname, 'fake-nurturec.js');
  });

  await test('without column_utf16 (an older nurturec), character columns become UTF-16 columns through the document', async () => {
    const text = '"\u{1F600}" oops // old nurturec\n';
    writeProject(path.join(dir, 'emoji'), { 'emoji.nurture': text });
    const emoji = documentFor(path.join(dir, 'emoji', 'emoji.nurture'), text);
    open(emoji);
    await settle();
    const [d] = collection.get(emoji.uri.toString());
    assert.deepStrictEqual(range(d), [0, 5, 0, 9]);
    assert.strictEqual(text.slice(5, 9), 'oops');
  });

  await test('a file that is not open: the UTF-16 columns of the JSON place the range after an emoji', async () => {
    const text = 'segment s = title == "Caf\u00e9 \u{1F600}" oops\n';
    const emojiDir = path.join(dir, 'emoji-closed');
    writeProject(emojiDir, { 'nurture.toml': '', 'a_open.nurture': 'segment t = title == "x"\n', 'closed.nurture': text });
    open(documentFor(path.join(emojiDir, 'a_open.nurture'), 'segment t = title == "x"\n'));
    await settle();
    const [d] = collection.get(keyOf(path.join(emojiDir, 'closed.nurture')));
    const at = text.indexOf('oops');
    assert.deepStrictEqual(range(d), [0, at, 0, at + 4]);
    assert.strictEqual([...text.slice(0, at)].length, at - 1, 'the emoji is two UTF-16 units, one character');
  });

  await test('closing an untitled document removes its diagnostics, closing a project file keeps them', () => {
    close(untitled);
    assert.strictEqual(collection.has(untitled.uri.toString()), false);
    close(doc);
    assert.strictEqual(collection.get(doc.uri.toString()).length, 2);
  });

  await test('by default the extension starts `nurturec lsp` through vscode-languageclient', async () => {
    serverMode = undefined; // the setting's default
    const before = collection.size;
    const context = { subscriptions: [] };
    await extension.activate(context);
    assert.strictEqual(clients.length, 1);
    const [client] = clients;
    assert.strictEqual(client.server.command, configuredPath);
    assert.deepStrictEqual(client.server.args, ['lsp']);
    // nurture.toml's buffers too: the server publishes its errors on it.
    assert.deepStrictEqual(client.options.documentSelector, [
      { scheme: 'file', language: 'nurture' },
      { scheme: 'file', pattern: '**/nurture.toml' },
    ]);
    assert.strictEqual(client.started, true);
    // No `nurturec check` process of the CLI mode: the server publishes diagnostics.
    assert.strictEqual(collection.size, before);
    await extension.deactivate();
    assert.strictEqual(client.stopped, true);
    serverMode = 'cli';
  });

  // Optional: the real compiler, e.g. NURTUREC=target/debug/nurturec npm run test:extension
  if (process.env.NURTUREC) {
    // relative to the directory npm was started in (npm runs scripts in editors/vscode)
    configuredPath = path.resolve(process.env.INIT_CWD || '.', process.env.NURTUREC);
    const real = path.join(dir, 'real');
    const summary = (list) => (list || []).map((d) =>
      `${d.range.start.line}:${d.severity === vscode.DiagnosticSeverity.Error ? 'error' : 'warning'}:${d.code}`).sort();

    // A fixture alone in its project.
    const fixtureText = fs.readFileSync(path.join(__dirname, '..', 'snap', 'invalid_unused.nurture'), 'utf8');
    writeProject(path.join(real, 'unused'), { 'invalid_unused.nurture': fixtureText });
    const fixture = path.join(real, 'unused', 'invalid_unused.nurture');
    const expected = [];
    fixtureText.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/(error|warning)\[([a-z-]+)\]/g)) expected.push(`${i}:${m[1]}:${m[2]}`);
    });
    for (const [name, document] of [
      ['from the file', documentFor(fixture, fixtureText)],
      ['from stdin', documentFor(fixture, fixtureText, { dirty: true })]
    ]) {
      await test(`real nurturec (${configuredPath}) ${name}: the annotated diagnostics`, async () => {
        statusMessages.length = 0;
        open(document);
        await settle();
        assert.deepStrictEqual(statusMessages, []);
        assert.deepStrictEqual(summary(collection.get(document.uri.toString())), expected.sort());
      });
    }

    const realProj = path.join(real, 'proj');
    writeProject(realProj, { 'nurture.toml': '', 'emails.nurture': EMAILS, 'campaigns/welcome.nurture': WELCOME });
    const realWelcome = path.join(realProj, 'campaigns', 'welcome.nurture');
    await test('real nurturec: a two-file project has no undefined names', async () => {
      // Checked alone, as the extension used to, the campaign's emails are undefined.
      const alone = childProcess.spawnSync(configuredPath, [...CHECK, realWelcome], { encoding: 'utf8' });
      assert.strictEqual(alone.status, 1);
      assert.deepStrictEqual(JSON.parse(alone.stdout).diagnostics.map((d) => d.code), ['undefined-name', 'undefined-name']);
      statusMessages.length = 0;
      open(documentFor(realWelcome, WELCOME));
      await settle();
      assert.deepStrictEqual(statusMessages, []);
      assert.deepStrictEqual(publishedUnder(realProj), []);
      assert.deepStrictEqual(collection.get(keyOf(realWelcome)), []);
    });

    await test('real nurturec: an unsaved buffer with --stdin-path stands in for its file', async () => {
      const text = WELCOME.replace('send hello', 'send hellox');
      const dirty = documentFor(realWelcome, text, { dirty: true });
      statusMessages.length = 0;
      open(dirty);
      await settle();
      assert.deepStrictEqual(statusMessages, []);
      assert.deepStrictEqual(publishedUnder(realProj), ['campaigns/welcome.nurture:5:undefined-name']);
      assert.deepStrictEqual(range(collection.get(dirty.uri.toString())[0]), [5, 7, 5, 13]);
      open(documentFor(realWelcome, WELCOME));
      await settle();
      assert.deepStrictEqual(publishedUnder(realProj), []);
    });

    await test('real nurturec: a file that is not open, after non-ASCII text and an emoji on the line', async () => {
      const line = 'segment buyers = title == "Caf\u00e9 \u2014 \u00fc \u{1F600}" and in nowhere';
      const emojiProj = path.join(real, 'emoji');
      writeProject(emojiProj, {
        'nurture.toml': '',
        'a_open.nurture': 'segment others = title == "x" and not in buyers\n',
        'segments.nurture': line + '\n'
      });
      statusMessages.length = 0;
      open(documentFor(path.join(emojiProj, 'a_open.nurture'), 'segment others = title == "x" and not in buyers\n'));
      await settle();
      assert.deepStrictEqual(statusMessages, []);
      const list = collection.get(keyOf(path.join(emojiProj, 'segments.nurture')));
      assert.ok(list, 'no diagnostics for the file that is not open');
      const undefinedName = list.find((d) => d.code === 'undefined-name');
      const at = line.indexOf('nowhere'); // a UTF-16 index
      assert.deepStrictEqual(range(undefinedName), [0, at, 0, at + 'nowhere'.length]);
      assert.strictEqual(line.slice(range(undefinedName)[1], range(undefinedName)[3]), 'nowhere');
    });

    await test('real nurturec: diagnostics of a file that is not open, cleared once fixed', async () => {
      const extra = path.join(realProj, 'extra.nurture');
      fs.writeFileSync(extra, campaign('extra', 'hello', 'nowhere'));
      const opened = documentFor(realWelcome, WELCOME);
      save(opened);
      await settle();
      assert.deepStrictEqual(publishedUnder(realProj), ['extra.nurture:5:undefined-name']);
      assert.deepStrictEqual(range(collection.get(keyOf(extra))[0]), [5, 7, 5, 14]);
      fs.writeFileSync(extra, campaign('extra', 'hello', 'bye'));
      save(opened);
      await settle();
      assert.deepStrictEqual(publishedUnder(realProj), []);
      assert.strictEqual(collection.has(keyOf(extra)), false);
    });

    await test('real nurturec lsp: vscode-languageclient\'s JSON-RPC, diagnostics as the buffer changes unsaved', async () => {
      const rpc = require('vscode-jsonrpc/node');
      const lspDir = path.join(real, 'lsp');
      writeProject(lspDir, { 'nurture.toml': '', 'emails.nurture': EMAILS, 'welcome.nurture': WELCOME });
      const child = childProcess.spawn(configuredPath, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const connection = rpc.createMessageConnection(
        new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
      const uri = 'file://' + path.join(lspDir, 'welcome.nurture');
      const waiting = [];
      connection.onNotification('textDocument/publishDiagnostics', (params) => {
        if (params.uri !== uri) return;
        const next = waiting.shift();
        if (next) next(params.diagnostics);
      });
      const nextDiagnostics = () => new Promise((resolve, reject) => {
        waiting.push(resolve);
        setTimeout(() => reject(new Error('no diagnostics within 20 s')), 20000);
      });
      connection.listen();
      try {
        const initial = nextDiagnostics();
        const result = await connection.sendRequest('initialize', {
          processId: process.pid, rootUri: null, capabilities: {},
          workspaceFolders: [{ uri: 'file://' + lspDir, name: 'lsp' }],
          initializationOptions: { debounceMs: 0 }
        });
        assert.strictEqual(result.capabilities.definitionProvider, true);
        connection.sendNotification('initialized', {});
        assert.deepStrictEqual(await initial, []);
        const typo = nextDiagnostics();
        connection.sendNotification('textDocument/didOpen', {
          textDocument: { uri, languageId: 'nurture', version: 1, text: WELCOME.replace('send bye', 'send by') }
        });
        const shown = await typo;
        assert.deepStrictEqual(shown.map((d) => [d.code, d.range.start.line, d.range.start.character]), [['undefined-name', 6, 7]]);
        const fixed = nextDiagnostics();
        connection.sendNotification('textDocument/didChange', {
          textDocument: { uri, version: 2 }, contentChanges: [{ text: WELCOME }]
        });
        assert.deepStrictEqual(await fixed, []);
        await connection.sendRequest('shutdown');
        connection.sendNotification('exit');
      } finally {
        connection.dispose();
        child.kill();
      }
    });
  }

  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`extension: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
