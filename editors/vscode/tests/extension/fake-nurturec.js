#!/usr/bin/env node
// Stand-in for `nurturec check --message-format json <file>` used by run.js.
// The behaviour is chosen by the file name (or stdin text) so that one binary serves every case.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
if (process.env.FAKE_NURTUREC_LOG) {
  fs.appendFileSync(process.env.FAKE_NURTUREC_LOG, JSON.stringify({ args, cwd: process.cwd() }) + '\n');
}
if (args[0] !== 'check' || args[1] !== '--message-format' || args[2] !== 'json' || args.length !== 4) {
  process.stderr.write('error: unexpected arguments ' + JSON.stringify(args) + '\n');
  process.exit(2);
}
const target = args[3];
const text = target === '-' ? fs.readFileSync(0, 'utf8') : null;
const name = target === '-' ? '<stdin>' : target;

if (target !== '-' && path.basename(target) === 'io.nurture') {
  process.stderr.write(`error: cannot read ${target}: permission denied\n`);
  process.exit(2);
}

const diagnostics = [];
if (target === '-' ? text.includes('send bye') : path.basename(target) === 'missing_exit.nurture') {
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
if (target !== '-' && path.basename(target) === 'emoji.nurture') {
  // columns count characters: the emoji is one
  diagnostics.push({
    severity: 'error', code: 'syntax', message: 'expected `template`',
    file: name, line: 1, column: 5, end_line: 1, end_column: 9, labels: [], notes: [], help: null
  });
}
const errors = diagnostics.filter((d) => d.severity === 'error').length;
process.stdout.write(JSON.stringify({ version: 1, diagnostics, errors, warnings: diagnostics.length - errors }, null, 2));
process.exit(errors ? 1 : 0);
