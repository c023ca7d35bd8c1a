//! `nurturec lsp`: a language server on standard input and output. The
//! protocol is spoken here, with the rust-analyzer team's `lsp-server` (a
//! synchronous loop over channels, which fits a synchronous compiler) and
//! `lsp-types`; every answer comes from [`nurturec::ide::AnalysisHost`].
//!
//! The project is the folder of the `nurture.toml` in or above the workspace
//! folder, else the workspace folder (without one: the folder of the first
//! file opened). Every `.nurture` file below it is read from disk; an open
//! buffer stands in for its file, `nurture.toml`'s too (its errors are
//! published as its diagnostics). Diagnostics of the whole project are
//! published after each edit, once the edits have paused for the debounce
//! delay (`initializationOptions.debounceMs`, default 150), and only for the
//! files whose diagnostics changed.

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use nurturec::ide::{self, AnalysisHost};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(150);

pub fn run() -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let outcome = serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (outcome, joined) {
        (Ok(()), Ok(())) => super::EXIT_OK,
        (Err(message), _) => {
            eprintln!("nurturec lsp: {message}");
            super::EXIT_FAILED
        }
        (_, Err(e)) => {
            eprintln!("nurturec lsp: {e}");
            super::EXIT_FAILED
        }
    }
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into(), "(".into()]),
            ..Default::default()
        }),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        ..Default::default()
    }
}

/// Serves one client until it asks to shut down (or disconnects).
pub(crate) fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("initialize: {e}"))?;
    let init: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let result = lsp::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(lsp::ServerInfo {
            name: "nurturec".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| format!("initialize: {e}"))?;

    let debounce = init
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("debounceMs"))
        .and_then(Value::as_u64)
        .map_or(DEFAULT_DEBOUNCE, Duration::from_millis);
    let mut server = Server {
        host: AnalysisHost::new(),
        root: None,
        open: HashSet::new(),
        published: HashMap::new(),
        connection,
    };
    if let Some(folder) = workspace_folder(&init) {
        server.load_project(&folder);
    }
    server.publish();

    let mut due: Option<Instant> = None;
    loop {
        let message = match due {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                match connection.receiver.recv_timeout(wait) {
                    Ok(message) => message,
                    Err(e) if e.is_timeout() => {
                        due = None;
                        server.publish();
                        continue;
                    }
                    Err(_) => return Ok(()),
                }
            }
            None => match connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => return Ok(()),
            },
        };
        match message {
            Message::Request(request) => {
                // A client that goes away after `shutdown` without `exit`
                // has still shut the server down.
                if connection.handle_shutdown(&request).unwrap_or(true) {
                    return Ok(());
                }
                let response = server.request(request);
                server.send(response.into());
            }
            Message::Notification(notification) => {
                if notification.method == lsp::notification::Exit::METHOD {
                    return Ok(());
                }
                if server.notification(notification) {
                    due = Some(Instant::now() + debounce);
                }
            }
            Message::Response(_) => {}
        }
    }
}

struct Server<'c> {
    host: AnalysisHost,
    root: Option<PathBuf>,
    /// The paths of the open buffers.
    open: HashSet<String>,
    /// What was last published for each file, so that only changes are sent.
    published: HashMap<String, Vec<lsp::Diagnostic>>,
    connection: &'c Connection,
}

fn workspace_folder(init: &lsp::InitializeParams) -> Option<PathBuf> {
    if let Some(folder) = init.workspace_folders.as_ref().and_then(|f| f.first()) {
        return uri_to_path(&folder.uri);
    }
    #[allow(deprecated)]
    init.root_uri.as_ref().and_then(uri_to_path)
}

/// The project a folder is in: the folder of the nearest `nurture.toml` in
/// or above it, else the folder itself.
fn project_root(folder: &Path) -> PathBuf {
    folder
        .ancestors()
        .find(|dir| dir.join(nurturec::config::FILE_NAME).is_file())
        .unwrap_or(folder)
        .to_path_buf()
}

impl Server<'_> {
    fn send(&self, message: Message) {
        // A client that went away ends the loop at its next receive.
        let _ = self.connection.sender.send(message);
    }

    fn load_project(&mut self, folder: &Path) {
        let root = project_root(folder);
        let mut files = Vec::new();
        walk(&root, &mut files, 0);
        files.sort();
        for file in files {
            let path = file.to_string_lossy().into_owned();
            if self.open.contains(&path) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&file) {
                self.host.set_file(&path, &text);
            }
        }
        let config = root.join(nurturec::config::FILE_NAME);
        if let Ok(text) = std::fs::read_to_string(&config) {
            self.host
                .set_config(Some((&config.to_string_lossy(), text.as_str())));
        }
        self.root = Some(root);
    }

    /// Publishes the diagnostics of every file whose diagnostics changed.
    fn publish(&mut self) {
        let all = self.host.diagnostics();
        let mut seen = HashSet::new();
        for (path, diagnostics) in all {
            let converted: Vec<lsp::Diagnostic> =
                diagnostics.into_iter().map(to_lsp_diagnostic).collect();
            seen.insert(path.clone());
            if self.published.get(&path) == Some(&converted) {
                continue;
            }
            self.notify_diagnostics(&path, converted.clone());
            self.published.insert(path, converted);
        }
        // A file that left the project: clear what it showed.
        let gone: Vec<String> = self
            .published
            .keys()
            .filter(|p| !seen.contains(*p))
            .cloned()
            .collect();
        for path in gone {
            self.notify_diagnostics(&path, Vec::new());
            self.published.remove(&path);
        }
    }

    fn notify_diagnostics(&self, path: &str, diagnostics: Vec<lsp::Diagnostic>) {
        let Some(uri) = path_to_uri(path) else {
            return;
        };
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Message::Notification(Notification::new(
            lsp::notification::PublishDiagnostics::METHOD.to_string(),
            params,
        )));
    }

    /// Handles a notification; returns whether the project changed.
    fn notification(&mut self, n: Notification) -> bool {
        use lsp::notification as note;
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return false;
                };
                if self.root.is_none() {
                    if let Some(folder) = path.parent() {
                        self.load_project(folder);
                    }
                }
                let is_config = self.is_config(&path);
                let path = path.to_string_lossy().into_owned();
                self.open.insert(path.clone());
                if is_config {
                    self.host
                        .set_config(Some((path.as_str(), &p.text_document.text)));
                } else {
                    self.host.set_file(&path, &p.text_document.text);
                }
                true
            }
            note::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return false;
                };
                let is_config = self.is_config(&path);
                let path = path.to_string_lossy().into_owned();
                // Incremental synchronisation: each change replaces its
                // range of the text the changes before it left (the whole
                // text when it has none).
                let Some(mut text) = self.host.text(&path).map(str::to_string) else {
                    return false;
                };
                for change in p.content_changes {
                    text = match change.range {
                        Some(range) => {
                            ide::apply_change(&text, from_lsp_range(range), &change.text)
                        }
                        None => change.text,
                    };
                }
                if is_config {
                    self.host.set_config(Some((path.as_str(), &text)));
                } else {
                    self.host.set_file(&path, &text);
                }
                true
            }
            note::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return false;
                };
                let key = path.to_string_lossy().into_owned();
                self.open.remove(&key);
                if self.is_config(&path) {
                    let text = std::fs::read_to_string(&path).ok();
                    self.host
                        .set_config(text.as_deref().map(|t| (key.as_str(), t)));
                    return true;
                }
                // The file on disk is the project's again, or leaves it.
                match std::fs::read_to_string(&path) {
                    Ok(text) if self.in_project(&path) => self.host.set_file(&key, &text),
                    _ => self.host.remove_file(&key),
                }
                true
            }
            note::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeWatchedFilesParams>(n.params)
                else {
                    return false;
                };
                for change in p.changes {
                    let Some(path) = uri_to_path(&change.uri) else {
                        continue;
                    };
                    let key = path.to_string_lossy().into_owned();
                    if self.open.contains(&key) {
                        continue;
                    }
                    if path.file_name().and_then(|n| n.to_str())
                        == Some(nurturec::config::FILE_NAME)
                    {
                        let text = std::fs::read_to_string(&path).ok();
                        self.host
                            .set_config(text.as_deref().map(|t| (key.as_str(), t)));
                        continue;
                    }
                    match std::fs::read_to_string(&path) {
                        Ok(text) if self.in_project(&path) => self.host.set_file(&key, &text),
                        _ => self.host.remove_file(&key),
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// Whether `path` is the project's `nurture.toml`.
    fn is_config(&self, path: &Path) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| path == root.join(nurturec::config::FILE_NAME))
    }

    fn in_project(&self, path: &Path) -> bool {
        path.extension().and_then(|e| e.to_str()) == Some("nurture")
            && self
                .root
                .as_ref()
                .is_some_and(|root| path.starts_with(root))
    }

    fn request(&mut self, request: Request) -> Response {
        use lsp::request as req;
        let id = request.id.clone();
        let outcome = match request.method.as_str() {
            req::Completion::METHOD => self.completion(request.params),
            req::GotoDefinition::METHOD => self.definition(request.params),
            req::References::METHOD => self.references(request.params),
            req::PrepareRenameRequest::METHOD => self.prepare_rename(request.params),
            req::Rename::METHOD => self.rename(request.params),
            req::HoverRequest::METHOD => self.hover(request.params),
            req::DocumentSymbolRequest::METHOD => self.symbols(request.params),
            req::CodeActionRequest::METHOD => self.code_actions(request.params),
            req::Formatting::METHOD => self.format(request.params),
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("unsupported request `{}`", request.method),
                )
            }
        };
        respond(id, outcome)
    }

    fn completion(&mut self, params: Value) -> Outcome {
        let p: lsp::CompletionParams = parse(params)?;
        let (path, at) = document_position(&p.text_document_position)?;
        let items: Vec<lsp::CompletionItem> = self
            .host
            .completions(&path, at)
            .into_iter()
            .map(|item| lsp::CompletionItem {
                label: item.label,
                kind: Some(match item.kind {
                    ide::CompletionKind::Email => lsp::CompletionItemKind::VALUE,
                    ide::CompletionKind::Segment => lsp::CompletionItemKind::CLASS,
                    ide::CompletionKind::Scoring => lsp::CompletionItemKind::STRUCT,
                    ide::CompletionKind::Campaign => lsp::CompletionItemKind::MODULE,
                    ide::CompletionKind::Label => lsp::CompletionItemKind::REFERENCE,
                    ide::CompletionKind::Event => lsp::CompletionItemKind::EVENT,
                    ide::CompletionKind::Property => lsp::CompletionItemKind::PROPERTY,
                    ide::CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                }),
                detail: item.detail,
                ..Default::default()
            })
            .collect();
        to_value(lsp::CompletionResponse::Array(items))
    }

    fn definition(&mut self, params: Value) -> Outcome {
        let p: lsp::GotoDefinitionParams = parse(params)?;
        let (path, at) = document_position(&p.text_document_position_params)?;
        match self.host.definition(&path, at).and_then(to_lsp_location) {
            Some(location) => to_value(lsp::GotoDefinitionResponse::Scalar(location)),
            None => Ok(Value::Null),
        }
    }

    fn references(&mut self, params: Value) -> Outcome {
        let p: lsp::ReferenceParams = parse(params)?;
        let (path, at) = document_position(&p.text_document_position)?;
        let locations: Vec<lsp::Location> = self
            .host
            .references(&path, at, p.context.include_declaration)
            .into_iter()
            .filter_map(to_lsp_location)
            .collect();
        to_value(locations)
    }

    fn prepare_rename(&mut self, params: Value) -> Outcome {
        let p: lsp::TextDocumentPositionParams = parse(params)?;
        let (path, at) = document_position(&p)?;
        match self.host.prepare_rename(&path, at) {
            Some((range, placeholder)) => {
                to_value(lsp::PrepareRenameResponse::RangeWithPlaceholder {
                    range: to_lsp_range(range),
                    placeholder,
                })
            }
            None => Ok(Value::Null),
        }
    }

    fn rename(&mut self, params: Value) -> Outcome {
        let p: lsp::RenameParams = parse(params)?;
        let (path, at) = document_position(&p.text_document_position)?;
        let edits = self
            .host
            .rename(&path, at, &p.new_name)
            .map_err(|message| (ErrorCode::InvalidParams, message))?;
        to_value(workspace_edit(edits))
    }

    fn hover(&mut self, params: Value) -> Outcome {
        let p: lsp::HoverParams = parse(params)?;
        let (path, at) = document_position(&p.text_document_position_params)?;
        match self.host.hover(&path, at) {
            Some(markdown) => to_value(lsp::Hover {
                contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: markdown,
                }),
                range: None,
            }),
            None => Ok(Value::Null),
        }
    }

    fn symbols(&mut self, params: Value) -> Outcome {
        let p: lsp::DocumentSymbolParams = parse(params)?;
        let path = document_path(&p.text_document.uri)?;
        let symbols: Vec<lsp::DocumentSymbol> = self
            .host
            .document_symbols(&path)
            .into_iter()
            .map(to_lsp_symbol)
            .collect();
        to_value(lsp::DocumentSymbolResponse::Nested(symbols))
    }

    fn code_actions(&mut self, params: Value) -> Outcome {
        let p: lsp::CodeActionParams = parse(params)?;
        let path = document_path(&p.text_document.uri)?;
        let range = from_lsp_range(p.range);
        let published = self.published.get(&path).cloned().unwrap_or_default();
        let actions: Vec<lsp::CodeActionOrCommand> = self
            .host
            .code_actions(&path, range)
            .into_iter()
            .map(|action| {
                let diagnostic_range = to_lsp_range(action.diagnostic_range);
                let diagnostics: Vec<lsp::Diagnostic> = published
                    .iter()
                    .filter(|d| {
                        d.range == diagnostic_range
                            && d.code == Some(lsp::NumberOrString::String(action.code.into()))
                    })
                    .cloned()
                    .collect();
                lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: action.title,
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(diagnostics),
                    edit: Some(workspace_edit(vec![(path.clone(), action.edits)])),
                    is_preferred: Some(true),
                    ..Default::default()
                })
            })
            .collect();
        to_value(actions)
    }

    fn format(&mut self, params: Value) -> Outcome {
        let p: lsp::DocumentFormattingParams = parse(params)?;
        let path = document_path(&p.text_document.uri)?;
        match self.host.format(&path) {
            Some(edits) => to_value(edits.into_iter().map(to_lsp_edit).collect::<Vec<_>>()),
            // Not formatted: a syntax error, already shown as a diagnostic.
            None => Ok(Value::Null),
        }
    }
}

type Outcome = Result<Value, (ErrorCode, String)>;

fn respond(id: RequestId, outcome: Outcome) -> Response {
    match outcome {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn to_value(value: impl serde::Serialize) -> Outcome {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

fn document_path(uri: &lsp::Uri) -> Result<String, (ErrorCode, String)> {
    uri_to_path(uri)
        .map(|p| p.to_string_lossy().into_owned())
        .ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("not a file: {}", uri.as_str()),
            )
        })
}

fn document_position(
    p: &lsp::TextDocumentPositionParams,
) -> Result<(String, ide::Position), (ErrorCode, String)> {
    Ok((
        document_path(&p.text_document.uri)?,
        ide::Position::new(p.position.line, p.position.character),
    ))
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) {
    // Deep enough for any project; stops a cycle of links.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if name != "node_modules" && name != "target" {
                walk(&path, found, depth + 1);
            }
        } else if path.extension().and_then(|e| e.to_str()) == Some("nurture") {
            found.push(path);
        }
    }
}

/// The path of a `file:` URI, percent-decoded.
pub(crate) fn uri_to_path(uri: &lsp::Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = rest.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).ok()?;
    // `file://host/path` names another machine.
    path.starts_with('/').then(|| PathBuf::from(path))
}

/// The `file:` URI of an absolute path.
pub(crate) fn path_to_uri(path: &str) -> Option<lsp::Uri> {
    let mut uri = String::from("file://");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    lsp::Uri::from_str(&uri).ok()
}

fn to_lsp_position(p: ide::Position) -> lsp::Position {
    lsp::Position::new(p.line, p.character)
}

fn to_lsp_range(r: ide::Range) -> lsp::Range {
    lsp::Range::new(to_lsp_position(r.start), to_lsp_position(r.end))
}

fn from_lsp_range(r: lsp::Range) -> ide::Range {
    ide::Range {
        start: ide::Position::new(r.start.line, r.start.character),
        end: ide::Position::new(r.end.line, r.end.character),
    }
}

fn to_lsp_location(l: ide::Location) -> Option<lsp::Location> {
    Some(lsp::Location::new(
        path_to_uri(&l.path)?,
        to_lsp_range(l.range),
    ))
}

fn to_lsp_edit(e: ide::TextEdit) -> lsp::TextEdit {
    lsp::TextEdit::new(to_lsp_range(e.range), e.new_text)
}

// lsp-types keys its edits by `Uri`, whose cached parts clippy takes for
// interior mutability; its hash and equality are the URI's text.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(edits: ide::WorkspaceEdit) -> lsp::WorkspaceEdit {
    let changes = edits
        .into_iter()
        .filter_map(|(path, edits)| {
            Some((
                path_to_uri(&path)?,
                edits.into_iter().map(to_lsp_edit).collect(),
            ))
        })
        .collect();
    lsp::WorkspaceEdit::new(changes)
}

fn to_lsp_diagnostic(d: ide::FileDiagnostic) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .into_iter()
        .filter_map(|(location, message)| {
            Some(lsp::DiagnosticRelatedInformation {
                location: to_lsp_location(location)?,
                message,
            })
        })
        .collect();
    lsp::Diagnostic {
        range: to_lsp_range(d.range),
        severity: Some(match d.severity {
            nurturec::Severity::Error => lsp::DiagnosticSeverity::ERROR,
            nurturec::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("nurturec".into()),
        message: d.message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

#[allow(deprecated)]
fn to_lsp_symbol(s: ide::DocumentSymbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name,
        detail: None,
        kind: match s.kind {
            ide::DocumentSymbolKind::Segment => lsp::SymbolKind::CLASS,
            ide::DocumentSymbolKind::Email => lsp::SymbolKind::CONSTANT,
            ide::DocumentSymbolKind::Scoring => lsp::SymbolKind::STRUCT,
            ide::DocumentSymbolKind::Campaign => lsp::SymbolKind::MODULE,
            ide::DocumentSymbolKind::Properties => lsp::SymbolKind::NAMESPACE,
            ide::DocumentSymbolKind::Property => lsp::SymbolKind::PROPERTY,
            ide::DocumentSymbolKind::Goal => lsp::SymbolKind::EVENT,
            ide::DocumentSymbolKind::Label => lsp::SymbolKind::KEY,
        },
        tags: None,
        deprecated: None,
        range: to_lsp_range(s.range),
        selection_range: to_lsp_range(s.selection_range),
        children: Some(s.children.into_iter().map(to_lsp_symbol).collect()),
    }
}
