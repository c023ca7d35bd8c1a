// Diagnostics for .nurture files: runs `nurturec check --message-format json`
// on open and save and shows the result in the Problems panel.
'use strict';

const vscode = require('vscode');
const childProcess = require('child_process');
const path = require('path');

const LANGUAGE_ID = 'nurture';
const STDIN_NAMES = new Set(['-', '<stdin>']);

let collection;
const generations = new Map(); // uri -> number of the latest check started

function activate(context) {
  collection = vscode.languages.createDiagnosticCollection('nurturec');
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidSaveTextDocument(check),
    vscode.workspace.onDidCloseTextDocument((document) => {
      generations.delete(document.uri.toString());
      collection.delete(document.uri);
    })
  );
  vscode.workspace.textDocuments.forEach(check);
}

function deactivate() {}

function check(document) {
  if (document.languageId !== LANGUAGE_ID) return;
  if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled') return;

  const key = document.uri.toString();
  const generation = (generations.get(key) || 0) + 1;
  generations.set(key, generation);

  const useStdin = document.isUntitled || document.isDirty;
  const file = document.uri.fsPath;
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ||
    (vscode.workspace.workspaceFolders || [])[0];
  const cwd = !document.isUntitled ? path.dirname(file) : folder ? folder.uri.fsPath : undefined;
  const program = binaryPath(folder);
  const args = ['check', '--message-format', 'json', useStdin ? '-' : file];

  const child = childProcess.execFile(
    program,
    args,
    { cwd, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
    (error, stdout, stderr) => {
      if (generations.get(key) !== generation) return; // a newer check is running
      const status = error ? error.code : 0;
      if (typeof status !== 'number') {
        // The binary could not be started (ENOENT, EACCES, ...).
        const message = error.code === 'ENOENT'
          ? `nurturec: \`${program}\` not found; set "nurture.path" to the nurturec binary`
          : `nurturec: ${error.message}`;
        vscode.window.setStatusBarMessage(message, 10000);
        return;
      }
      if (status !== 0 && status !== 1) {
        const text = String(stderr || stdout || `exit status ${status}`).trim().split(/\r?\n/)[0];
        vscode.window.setStatusBarMessage(`nurturec: ${text}`, 10000);
        return;
      }
      let report;
      try {
        report = JSON.parse(stdout);
      } catch (e) {
        vscode.window.setStatusBarMessage('nurturec: could not read the JSON diagnostics', 10000);
        return;
      }
      collection.set(document.uri, toDiagnostics(report, document, cwd, useStdin));
    }
  );
  if (useStdin && child.stdin) {
    child.stdin.on('error', () => {}); // the process may exit before reading everything
    child.stdin.end(document.getText());
  }
}

function binaryPath(folder) {
  const configured = vscode.workspace.getConfiguration('nurture').get('path') || 'nurturec';
  // A bare name is looked up on PATH; a relative path is taken from the workspace folder.
  if (folder && !path.isAbsolute(configured) && /[\\/]/.test(configured)) {
    return path.resolve(folder.uri.fsPath, configured);
  }
  return configured;
}

function toDiagnostics(report, document, cwd, useStdin) {
  const entries = report && Array.isArray(report.diagnostics) ? report.diagnostics : [];
  const isThisFile = (file) => {
    if (typeof file !== 'string') return false;
    if (STDIN_NAMES.has(file)) return useStdin;
    return !document.isUntitled && samePath(resolve(cwd, file), document.uri.fsPath);
  };
  const result = [];
  for (const entry of entries) {
    if (!isThisFile(entry.file)) continue;
    let message = String(entry.message || '');
    const primary = (entry.labels || []).find((label) => label.primary);
    if (primary && primary.message && primary.message !== message) message += `\n${primary.message}`;
    for (const note of entry.notes || []) message += `\nnote: ${note}`;
    if (entry.help) message += `\nhelp: ${entry.help}`;
    const diagnostic = new vscode.Diagnostic(toRange(entry, document), message, severity(entry.severity));
    diagnostic.source = 'nurturec';
    if (entry.code) diagnostic.code = entry.code;
    const related = [];
    for (const label of entry.labels || []) {
      if (label.primary) continue; // its text is in the message, its span is the range
      const uri = isThisFile(label.file) ? document.uri
        : typeof label.file === 'string' && !STDIN_NAMES.has(label.file) ? vscode.Uri.file(resolve(cwd, label.file))
        : undefined;
      if (!uri) continue;
      related.push(new vscode.DiagnosticRelatedInformation(
        new vscode.Location(uri, toRange(label, uri === document.uri ? document : undefined)),
        label.message || 'related'));
    }
    if (related.length) diagnostic.relatedInformation = related;
    result.push(diagnostic);
  }
  return result;
}

// JSON positions are 1-based and count characters, the end column exclusive;
// VS Code's are 0-based and count UTF-16 code units.
function toRange(span, document) {
  const line = Math.max(0, (Number(span.line) || 1) - 1);
  const character = utf16(document, line, Math.max(0, (Number(span.column) || 1) - 1));
  let endLine = span.end_line != null ? Math.max(0, Number(span.end_line) - 1) : line;
  let endCharacter = span.end_column != null
    ? utf16(document, endLine, Math.max(0, Number(span.end_column) - 1))
    : character;
  if (endLine < line || (endLine === line && endCharacter <= character)) {
    endLine = line;
    endCharacter = character;
    if (document && line < document.lineCount) {
      const word = document.getWordRangeAtPosition(new vscode.Position(line, character));
      if (word) return word;
      endCharacter = Math.min(character + 1, document.lineAt(line).text.length);
    }
  }
  return new vscode.Range(line, character, endLine, endCharacter);
}

function utf16(document, line, column) {
  if (!document || line >= document.lineCount) return column;
  let units = 0;
  let chars = 0;
  for (const ch of document.lineAt(line).text) {
    if (chars === column) break;
    units += ch.length;
    chars++;
  }
  return units + (column - chars);
}

function severity(name) {
  switch (name) {
    case 'error': return vscode.DiagnosticSeverity.Error;
    case 'warning': return vscode.DiagnosticSeverity.Warning;
    case 'note': case 'help': return vscode.DiagnosticSeverity.Information;
    default: return vscode.DiagnosticSeverity.Error;
  }
}

function resolve(cwd, file) {
  return path.resolve(cwd || process.cwd(), file);
}

function samePath(a, b) {
  const norm = (p) => path.normalize(p);
  return process.platform === 'win32' || process.platform === 'darwin'
    ? norm(a).toLowerCase() === norm(b).toLowerCase()
    : norm(a) === norm(b);
}

module.exports = { activate, deactivate, toDiagnostics, toRange };
