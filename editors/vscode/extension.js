// Language support for .nurture files. By default the extension starts the
// language server, `nurturec lsp`, through vscode-languageclient: diagnostics of
// the whole project as you type, completion, go to definition, references,
// rename, hover, outline, quick fixes and formatting. With "nurture.server" set
// to "cli" it runs `nurturec check --message-format json` on the whole project
// of a document when it is opened or saved instead (diagnostics only), for a
// nurturec without `lsp`.
'use strict';

const vscode = require('vscode');
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

const LANGUAGE_ID = 'nurture';
const PROJECT_FILE = 'nurture.toml';
const STDIN_NAMES = new Set(['-', '<stdin>']);

let collection;
const generations = new Map(); // check key (a root, or an untitled URI) -> number of the latest check started
const published = new Map(); // check key -> Map(URI string -> URI) of the files given diagnostics by its latest report
const fromBuffer = new Map(); // URI string of a document whose text was last checked from its buffer -> its root

let client; // the language client, when the server is used

function activate(context) {
  const mode = vscode.workspace.getConfiguration('nurture').get('server') || 'lsp';
  if (mode === 'lsp') return startServer(context);
  activateCli(context);
}

// Starts `nurturec lsp` on stdio for the .nurture files of the workspace.
function startServer(context) {
  // Required here, not at the top: the CLI mode works without it.
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
  const folder = (vscode.workspace.workspaceFolders || [])[0];
  const command = binaryPath(folder);
  const server = { command, args: ['lsp'], transport: TransportKind.stdio };
  const debounceMs = vscode.workspace.getConfiguration('nurture').get('debounceMs');
  client = new LanguageClient('nurture', 'Nurture (nurturec lsp)', server, {
    // nurture.toml's buffers too: the server publishes its errors on it.
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'file', pattern: `**/${PROJECT_FILE}` }
    ],
    initializationOptions: Number.isInteger(debounceMs) ? { debounceMs } : {},
    synchronize: {
      // Files changed outside the editor: other .nurture files and nurture.toml.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.nurture'),
        vscode.workspace.createFileSystemWatcher(`**/${PROJECT_FILE}`)
      ]
    }
  });
  const started = client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return started.catch((e) => {
    vscode.window.showErrorMessage(
      `nurturec lsp could not start (\`${command}\`: ${e.message}); set "nurture.path" to the nurturec binary, or "nurture.server" to "cli"`);
  });
}

function activateCli(context) {
  collection = vscode.languages.createDiagnosticCollection('nurturec');
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidSaveTextDocument(check),
    vscode.workspace.onDidCloseTextDocument(closed)
  );
  // One check per project is enough for the saved documents; an unsaved one is
  // checked with its own text.
  const started = new Set();
  for (const document of vscode.workspace.textDocuments) {
    if (!isChecked(document)) continue;
    const key = document.isUntitled || document.isDirty
      ? document.uri.toString()
      : pathKey(projectRoot(document));
    if (started.has(key)) continue;
    started.add(key);
    check(document);
  }
}

function deactivate() {
  if (client) return client.stop();
  return undefined;
}

function isChecked(document) {
  return document.languageId === LANGUAGE_ID &&
    (document.uri.scheme === 'file' || document.uri.scheme === 'untitled');
}

function check(document) {
  if (!isChecked(document)) return;
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ||
    (vscode.workspace.workspaceFolders || [])[0];
  if (document.isUntitled) {
    checkUntitled(document, folder);
  } else {
    const root = projectRoot(document);
    checkProject(root, folder, document.isDirty ? document : undefined, document);
  }
}

function closed(document) {
  const key = document.uri.toString();
  if (document.isUntitled) {
    generations.delete(key);
    published.delete(key);
    collection.delete(document.uri);
    return;
  }
  // The diagnostics of a project file stay: they are the project's. But if they
  // came from text that was never saved, check the files as they are on disk.
  const root = fromBuffer.get(key);
  if (root !== undefined && isChecked(document)) {
    fromBuffer.delete(key);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri) ||
      (vscode.workspace.workspaceFolders || [])[0];
    checkProject(root, folder, undefined, undefined);
  }
}

// The directory whose `.nurture` files are checked together with the document:
// the nearest directory from the document's own upwards that holds a
// nurture.toml, else the workspace folder containing the document, else the
// document's directory. It is always a prefix of the document's path, so that
// `--stdin-path` names the same file as the walk of the root does.
function projectRoot(document) {
  const file = document.uri.fsPath;
  const start = path.dirname(file);
  const workspace = vscode.workspace.getWorkspaceFolder(document.uri);
  let folder;
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isFile(path.join(dir, PROJECT_FILE))) return dir;
    if (workspace && folder === undefined && samePath(dir, workspace.uri.fsPath)) folder = dir;
    if (path.dirname(dir) === dir) break;
  }
  if (folder !== undefined) return folder;
  if (workspace && isInside(workspace.uri.fsPath, file)) return path.resolve(workspace.uri.fsPath);
  return start;
}

function checkProject(root, folder, dirtyDocument, document) {
  const key = pathKey(root);
  const generation = nextGeneration(key);
  const args = ['check', '--message-format', 'json'];
  if (dirtyDocument) args.push('--stdin-path', dirtyDocument.uri.fsPath);
  args.push(root);
  // Open nurture documents below the root that its walk skips (in a hidden
  // directory, or without the .nurture extension) are named after it.
  const named = new Set(dirtyDocument ? [pathKey(dirtyDocument.uri.fsPath)] : []);
  for (const open of [document, ...vscode.workspace.textDocuments]) {
    if (!open || !isChecked(open) || open.isUntitled) continue;
    const file = open.uri.fsPath;
    if (named.has(pathKey(file)) || !isInside(root, file) || walkFinds(root, file)) continue;
    named.add(pathKey(file));
    args.push(file);
  }
  if (dirtyDocument) args.push('-');
  run(folder, args, root, dirtyDocument ? dirtyDocument.getText() : undefined, key, generation, (report) => {
    const files = new Map(); // URI string -> { uri, diagnostics }
    if (document) files.set(document.uri.toString(), { uri: document.uri, diagnostics: [] });
    const locate = locator(root, { documents: [dirtyDocument, document] });
    for (const entry of entries(report)) {
      const place = locate(entry.file);
      if (!place) continue;
      const uriKey = place.uri.toString();
      if (!files.has(uriKey)) files.set(uriKey, { uri: place.uri, diagnostics: [] });
      files.get(uriKey).diagnostics.push(toDiagnostic(entry, place, locate));
    }
    publish(key, files);
    if (document) {
      if (dirtyDocument) fromBuffer.set(document.uri.toString(), root);
      else fromBuffer.delete(document.uri.toString());
    }
  });
}

// An untitled buffer has no project: it is checked on its own, from stdin.
function checkUntitled(document, folder) {
  const key = document.uri.toString();
  const generation = nextGeneration(key);
  const cwd = folder ? folder.uri.fsPath : undefined;
  const args = ['check', '--message-format', 'json', '-'];
  run(folder, args, cwd, document.getText(), key, generation, (report) => {
    collection.set(document.uri, toDiagnostics(report, document, cwd, true));
  });
}

function nextGeneration(key) {
  const generation = (generations.get(key) || 0) + 1;
  generations.set(key, generation);
  return generation;
}

// Runs nurturec; calls done(report) with the parsed JSON unless a newer check
// with the same key was started meanwhile or nurturec could not check.
function run(folder, args, cwd, input, key, generation, done) {
  const program = binaryPath(folder);
  const child = childProcess.execFile(
    program,
    args,
    { cwd, maxBuffer: 64 * 1024 * 1024, windowsHide: true },
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
      done(report);
    }
  );
  if (input !== undefined && child.stdin) {
    child.stdin.on('error', () => {}); // the process may exit before reading everything
    child.stdin.end(input);
  }
}

// Sets the diagnostics of every file of a report, and clears those of the files
// the previous report of the same key had and this one does not.
function publish(key, files) {
  const previous = published.get(key) || new Map();
  const current = new Map();
  for (const [uriKey, { uri, diagnostics }] of files) {
    collection.set(uri, diagnostics);
    if (diagnostics.length) current.set(uriKey, uri);
  }
  for (const [uriKey, uri] of previous) {
    if (!files.has(uriKey)) collection.delete(uri);
  }
  published.set(key, current);
}

function binaryPath(folder) {
  const configured = vscode.workspace.getConfiguration('nurture').get('path') || 'nurturec';
  // A bare name is looked up on PATH; a relative path is taken from the workspace folder.
  if (folder && !path.isAbsolute(configured) && /[\\/]/.test(configured)) {
    return path.resolve(folder.uri.fsPath, configured);
  }
  return configured;
}

function entries(report) {
  return report && Array.isArray(report.diagnostics) ? report.diagnostics : [];
}

// Returns a function from a `file` field to { uri, document } (document: the
// open document of that file, if any, to convert its columns), or undefined
// for a file that cannot be shown. `stdin`: the document sent on stdin without
// a name (`<stdin>`); `documents`: documents to look at before the open ones.
function locator(cwd, { stdin, documents = [] }) {
  const cache = new Map();
  return (file) => {
    if (typeof file !== 'string') return undefined;
    if (STDIN_NAMES.has(file)) return stdin ? { uri: stdin.uri, document: stdin } : undefined;
    const fsPath = resolve(cwd, file);
    if (!cache.has(fsPath)) {
      const open = [...documents, ...vscode.workspace.textDocuments].find((d) =>
        d && d.uri && d.uri.scheme === 'file' && samePath(d.uri.fsPath, fsPath));
      cache.set(fsPath, open ? { uri: open.uri, document: open } : { uri: vscode.Uri.file(fsPath), document: undefined });
    }
    return cache.get(fsPath);
  };
}

// The diagnostics of one document in a report (those of other files are left out).
function toDiagnostics(report, document, cwd, useStdin) {
  const locate = locator(cwd, { stdin: useStdin ? document : undefined, documents: [document] });
  const result = [];
  for (const entry of entries(report)) {
    const place = locate(entry.file);
    if (!place || place.uri.toString() !== document.uri.toString()) continue;
    result.push(toDiagnostic(entry, { uri: document.uri, document }, locate));
  }
  return result;
}

function toDiagnostic(entry, place, locate) {
  let message = String(entry.message || '');
  const primary = (entry.labels || []).find((label) => label.primary);
  if (primary && primary.message && primary.message !== message) message += `\n${primary.message}`;
  for (const note of entry.notes || []) message += `\nnote: ${note}`;
  if (entry.help) message += `\nhelp: ${entry.help}`;
  const diagnostic = new vscode.Diagnostic(toRange(entry, place.document), message, severity(entry.severity));
  diagnostic.source = 'nurturec';
  if (entry.code) diagnostic.code = entry.code;
  const related = [];
  for (const label of entry.labels || []) {
    if (label.primary) continue; // its text is in the message, its span is the range
    const at = locate(label.file);
    if (!at) continue;
    related.push(new vscode.DiagnosticRelatedInformation(
      new vscode.Location(at.uri, toRange(label, at.document)),
      label.message || 'related'));
  }
  if (related.length) diagnostic.relatedInformation = related;
  return diagnostic;
}

// JSON positions are 1-based, the end column exclusive; VS Code's are 0-based
// and count UTF-16 code units. `column_utf16` and `end_column_utf16` count them
// already, in the text nurturec checked: right for files that are not open too.
// Without them (an older nurturec), `column` and `end_column` count characters
// and are converted through the open document, or used as they are.
function toRange(span, document) {
  const line = Math.max(0, (Number(span.line) || 1) - 1);
  const character = column(span.column_utf16, span.column, document, line);
  let endLine = span.end_line != null ? Math.max(0, Number(span.end_line) - 1) : line;
  let endCharacter = span.end_column_utf16 != null || span.end_column != null
    ? column(span.end_column_utf16, span.end_column, document, endLine)
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

// A 0-based VS Code column from a 1-based UTF-16 column, else a 1-based character column.
function column(utf16Column, charColumn, document, line) {
  if (Number.isInteger(utf16Column) && utf16Column >= 1) return utf16Column - 1;
  return utf16(document, line, Math.max(0, (Number(charColumn) || 1) - 1));
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

// Whether `nurturec check ROOT` reads the file: a `.nurture` file below the
// root that is not in a hidden directory.
function walkFinds(root, file) {
  if (path.extname(file) !== '.nurture' || !isInside(root, file)) return false;
  const directories = path.relative(root, file).split(path.sep).slice(0, -1);
  return !directories.some((part) => part.startsWith('.'));
}

function isInside(dir, file) {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (e) {
    return false;
  }
}

function pathKey(p) {
  const normal = path.normalize(p);
  return process.platform === 'win32' || process.platform === 'darwin' ? normal.toLowerCase() : normal;
}

function resolve(cwd, file) {
  return path.resolve(cwd || process.cwd(), file);
}

function samePath(a, b) {
  return pathKey(a) === pathKey(b);
}

module.exports = { activate, deactivate, projectRoot, toDiagnostics, toRange };
