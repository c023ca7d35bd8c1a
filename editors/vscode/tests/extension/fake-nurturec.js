#!/usr/bin/env node
// Stand-in for `nurturec check --message-format json [--stdin-path FILE] PATH... [-]`
// used by run.js. Like nurturec, it reads every `.nurture` file below a directory
// (in path order, hidden directories skipped), lets standard input stand in for
// FILE, and names files as the walk produced them. What it reports is chosen by
// the text, so that one binary serves every case:
// - a name defined twice (`segment|email|scoring|campaign NAME`) in the project: duplicate-name;
// - `send NAME` with NAME defined nowhere in the project: undefined-name;
// - `//~ error[missing-exit]`: the missing-exit error of run.js (with labels, notes, help) and two warnings;
// - an emoji: a syntax error after it, its columns in characters and UTF-16 units;
// - `// old nurturec`: its diagnostics have no `column_utf16`/`end_column_utf16`;
// - a file named io.nurture: cannot be read (exit status 2);
// - `// slow`: answers after a second.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
};

let stdinPath = null;
const paths = [];
if (args[0] !== 'check' || args[1] !== '--message-format' || args[2] !== 'json') {
  fail('unexpected arguments ' + JSON.stringify(args));
}
for (let i = 3; i < args.length; i++) {
  if (args[i] === '--stdin-path' && i + 1 < args.length && stdinPath === null) stdinPath = args[++i];
  else if (args[i].startsWith('--')) fail('unexpected arguments ' + JSON.stringify(args));
  else paths.push(args[i]);
}
if (!paths.length) fail('unexpected arguments ' + JSON.stringify(args));

const stdinText = paths.includes('-') ? fs.readFileSync(0, 'utf8') : null;
if (process.env.FAKE_NURTUREC_LOG) {
  fs.appendFileSync(process.env.FAKE_NURTUREC_LOG,
    JSON.stringify({ args, cwd: process.cwd(), stdin: stdinText }) + '\n');
}

// `./a/b` and `a/b` are one file; anything else is compared as text, like nurturec.
const normalise = (p) => p.split(/[\\/]+/).filter((part) => part !== '.').join('/');
const replaced = stdinPath !== null && stdinText !== null ? normalise(stdinPath) : null;

function walk(dir, found) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.')) walk(p, found);
    } else if (entry.name.endsWith('.nurture')) {
      found.push(p);
    }
  }
}

const inputs = []; // { name, text }
const seen = new Set();
for (const p of paths) {
  if (p === '-') {
    inputs.push({ name: stdinPath === null ? '<stdin>' : stdinPath, text: stdinText });
    continue;
  }
  let found = [];
  try {
    if (fs.statSync(p).isDirectory()) {
      walk(p, found);
      found.sort();
    } else {
      found = [p];
    }
  } catch (e) {
    fail(`cannot read \`${p}\`: ${e.code}`);
  }
  for (const file of found) {
    if (normalise(file) === replaced || seen.has(file)) continue;
    seen.add(file);
    if (path.basename(file) === 'io.nurture') fail(`cannot read ${file}: permission denied`);
    inputs.push({ name: file, text: fs.readFileSync(file, 'utf8') });
  }
}

// 1-based line, character column and UTF-16 column of a string index.
function position(text, index) {
  const before = [...text.slice(0, index)];
  const line = before.filter((ch) => ch === '\n').length + 1;
  const lastNewline = before.lastIndexOf('\n');
  const utf16 = index - (text.lastIndexOf('\n', index - 1) + 1) + 1;
  return { line, column: before.length - lastNewline, utf16 };
}
// A span of `length` ASCII characters at a string index.
const span = (input, index, length) => {
  const start = position(input.text, index);
  return {
    file: input.name, line: start.line, column: start.column, end_line: start.line, end_column: start.column + length,
    column_utf16: start.utf16, end_column_utf16: start.utf16 + length
  };
};

const diagnostics = [];
const defined = new Map(); // name -> span of its first definition
for (const input of inputs) {
  for (const m of input.text.matchAll(/^[ \t]*(segment|email|scoring|campaign)[ \t]+([A-Za-z_]\w*)/gm)) {
    const at = span(input, m.index + m[0].length - m[2].length, m[2].length);
    if (defined.has(m[2])) {
      diagnostics.push({
        severity: 'error', code: 'duplicate-name', message: `\`${m[2]}\` is defined more than once`, ...at,
        labels: [{ primary: false, message: 'first defined here', ...defined.get(m[2]) }], notes: [], help: null
      });
    } else {
      defined.set(m[2], at);
    }
  }
}
for (const input of inputs) {
  for (const m of input.text.matchAll(/\bsend[ \t]+([A-Za-z_]\w*)/g)) {
    if (defined.has(m[1])) continue;
    const at = span(input, m.index + m[0].length - m[1].length, m[1].length);
    diagnostics.push({
      severity: 'error', code: 'undefined-name', message: `cannot find email \`${m[1]}\``, ...at,
      labels: [{ primary: true, message: 'not defined', ...at }], notes: [], help: null
    });
  }
  if (input.text.includes('//~ error[missing-exit]')) {
    const name = input.name;
    diagnostics.push({
      severity: 'error', code: 'missing-exit', message: 'this path falls off the end of the flow',
      file: name, line: 10, column: 3, end_line: 10, end_column: 11,
      labels: [
        { message: 'the last step on this path', file: name, line: 10, column: 3, end_line: 10, end_column: 11, primary: true },
        { message: 'the campaign starts here', file: name, line: 4, column: 10, end_line: 4, end_column: 11, primary: false },
        { message: 'defined in another file', file: 'other.nurture', line: 1, column: 7, end_line: 1, end_column: 12, primary: false }
      ],
      notes: ['every path must end in exit, handoff, enroll or goto'],
      help: 'add `exit` after this statement'
    });
    // a file that is not open, named relative to the working directory
    diagnostics.push({
      severity: 'warning', code: 'unused', message: 'email `orphan` is never sent',
      file: 'other.nurture', line: 1, column: 7, end_line: 1, end_column: 13,
      labels: [], notes: [], help: null
    });
    diagnostics.push({
      severity: 'warning', code: 'handoff-without-context', message: 'handoff without a note',
      file: name, line: 2, column: 1, labels: [], notes: [], help: null
    });
  }
  const emoji = /\u{1F600}\W*(\w+)/u.exec(input.text);
  if (emoji) {
    // the emoji is one character, two UTF-16 units
    diagnostics.push({
      severity: 'error', code: 'syntax', message: 'expected `template`',
      ...span(input, emoji.index + emoji[0].length - emoji[1].length, emoji[1].length), labels: [], notes: [], help: null
    });
  }
}

// `// old nurturec` in a file: its diagnostics come without UTF-16 columns, as before they existed.
for (const d of diagnostics) {
  const input = inputs.find((i) => i.name === d.file);
  if (input && input.text.includes('// old nurturec')) {
    delete d.column_utf16;
    delete d.end_column_utf16;
  }
}

const errors = diagnostics.filter((d) => d.severity === 'error').length;
const answer = () => {
  process.stdout.write(JSON.stringify({ version: 1, diagnostics, errors, warnings: diagnostics.length - errors }, null, 2));
  process.exit(errors ? 1 : 0);
};
if (inputs.some((input) => input.text.includes('// slow'))) setTimeout(answer, 1000);
else answer();
