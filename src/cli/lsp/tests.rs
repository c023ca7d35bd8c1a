//! The server driven over in-memory channels, as an editor drives it.

use super::{path_to_uri, serve};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const EMAILS: &str = "email welcome {\n  subject \"Hi\"\n  template \"t/welcome\"\n}\n\nsegment fans = role == \"cto\"\n";

const FLOW: &str = "campaign onboarding {
  trigger form.submitted(\"x\")
  audience in fans
  goal booked when demo.requested
  suppress when unsubscribed or bounced or complained

  start: send welcome
  wait 3d
  branch {
    when email.opened(welcome) within 2d {
      exit
    }
    else {
      goto start
    }
  }
}
";

/// A project folder of its own for each test.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nurturec-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("emails.nurture"), EMAILS).unwrap();
    std::fs::write(dir.join("flow.nurture"), FLOW).unwrap();
    dir
}

struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications received while waiting for a response.
    backlog: Vec<Notification>,
    root: PathBuf,
}

impl Client {
    fn start(root: PathBuf) -> Client {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || serve(&server));
        let mut c = Client {
            connection: client,
            server: Some(handle),
            next_id: 0,
            backlog: Vec::new(),
            root,
        };
        let folder = path_to_uri(&c.root.to_string_lossy()).unwrap();
        let result = c.request(
            "initialize",
            json!({
                "capabilities": {},
                "workspaceFolders": [{ "uri": folder.as_str(), "name": "p" }],
                "initializationOptions": { "debounceMs": 0 },
            }),
        );
        assert_eq!(
            result["capabilities"]["renameProvider"]["prepareProvider"],
            true
        );
        c.notify("initialized", json!({}));
        c
    }

    fn uri(&self, file: &str) -> String {
        path_to_uri(&self.root.join(file).to_string_lossy())
            .unwrap()
            .as_str()
            .to_string()
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .unwrap();
    }

    fn recv(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers")
    }

    /// The result of a request; panics on an error response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        match self.try_request(method, params) {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e}"),
        }
    }

    fn try_request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .unwrap();
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => {
                    return match r.error {
                        Some(e) => Err(e.message),
                        None => Ok(r.result.unwrap_or(Value::Null)),
                    }
                }
                Message::Notification(n) => self.backlog.push(n),
                _ => {}
            }
        }
    }

    /// The next diagnostics published for `file`.
    fn diagnostics(&mut self, file: &str) -> Vec<Value> {
        let uri = self.uri(file);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(i) = self.backlog.iter().position(|n| {
                n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri.as_str()
            }) {
                let n = self.backlog.remove(i);
                return n.params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            assert!(Instant::now() < deadline, "no diagnostics for {file}");
            if let Message::Notification(n) = self.recv() {
                self.backlog.push(n);
            }
        }
    }

    fn open(&self, file: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": self.uri(file), "languageId": "nurture", "version": 1, "text": text
            }}),
        );
    }

    fn change(&self, file: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": self.uri(file), "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    fn at(&self, file: &str, line: u32, character: u32) -> Value {
        json!({
            "textDocument": { "uri": self.uri(file) },
            "position": { "line": line, "character": character },
        })
    }

    fn stop(mut self) {
        let _ = self.try_request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let outcome = self.server.take().unwrap().join().unwrap();
        assert_eq!(outcome, Ok(()));
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn diagnostics_appear_and_clear_as_the_buffer_changes_unsaved() {
    let mut c = Client::start(project("diagnostics"));
    // The project on disk is clean: both files are published, empty.
    assert_eq!(c.diagnostics("flow.nurture"), Vec::<Value>::new());
    assert_eq!(c.diagnostics("emails.nurture"), Vec::<Value>::new());

    c.open("flow.nurture", FLOW);
    c.change(
        "flow.nurture",
        2,
        &FLOW.replace("send welcome", "send welcom"),
    );
    let shown = c.diagnostics("flow.nurture");
    let codes: Vec<&Value> = shown.iter().map(|d| &d["code"]).collect();
    // `email.opened(welcome)` now comes before any send of `welcome`.
    assert_eq!(codes, vec!["undefined-name", "email-not-sent-yet"]);
    assert_eq!(shown[0]["severity"], 1);
    assert_eq!(
        shown[0]["range"],
        json!({ "start": { "line": 6, "character": 14 }, "end": { "line": 6, "character": 20 } })
    );
    assert!(shown[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `welcome`?"));
    // The file on disk is untouched: the buffer stood in for it.
    assert_eq!(
        std::fs::read_to_string(c.root.join("flow.nurture")).unwrap(),
        FLOW
    );

    c.change("flow.nurture", 3, FLOW);
    assert_eq!(c.diagnostics("flow.nurture"), Vec::<Value>::new());

    // An edit in one file shows in another: the segment becomes unused.
    c.change("flow.nurture", 4, &FLOW.replace("in fans", "role == \"x\""));
    let emails = c.diagnostics("emails.nurture");
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["code"], "unused");
    c.stop();
}

#[test]
fn completion_definition_references_hover() {
    let mut c = Client::start(project("navigation"));
    let typed = FLOW.replace("send welcome", "send ");
    c.open("flow.nurture", &typed);
    let items = c.request("textDocument/completion", c.at("flow.nurture", 6, 14));
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"welcome"), "{labels:?}");
    assert!(!labels.contains(&"fans"), "{labels:?}");
    c.change("flow.nurture", 2, FLOW);

    let definition = c.request("textDocument/definition", c.at("flow.nurture", 6, 16));
    assert_eq!(definition["uri"], c.uri("emails.nurture").as_str());
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 0, "character": 6 })
    );

    let mut params = c.at("emails.nurture", 5, 9);
    params["context"] = json!({ "includeDeclaration": true });
    let references = c.request("textDocument/references", params);
    let places: Vec<(String, u64)> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![("emails.nurture".into(), 5), ("flow.nurture".into(), 2)]
    );

    let hover = c.request("textDocument/hover", c.at("flow.nurture", 6, 16));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("subject: \"Hi\"") && text.contains("template: \"t/welcome\""));
    c.stop();
}

#[test]
fn rename_symbols_code_action_formatting() {
    let mut c = Client::start(project("editing"));
    let prepared = c.request("textDocument/prepareRename", c.at("flow.nurture", 6, 16));
    assert_eq!(prepared["placeholder"], "welcome");

    let mut params = c.at("flow.nurture", 6, 16);
    params["newName"] = json!("hello");
    let edit = c.request("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[&c.uri("emails.nurture")][0]["newText"], "hello");
    assert_eq!(changes[&c.uri("flow.nurture")].as_array().unwrap().len(), 2);
    let mut params = c.at("flow.nurture", 6, 16);
    params["newName"] = json!("Not A Name");
    assert!(c.try_request("textDocument/rename", params).is_err());

    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": c.uri("emails.nurture") } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["welcome", "fans"]);

    let typo = FLOW.replace("demo.requested", "demo.requestd");
    c.open("flow.nurture", &typo);
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": c.uri("flow.nurture") },
            "range": { "start": { "line": 3, "character": 20 }, "end": { "line": 3, "character": 20 } },
            "context": { "diagnostics": [] },
        }),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][&c.uri("flow.nurture")][0];
    assert_eq!(edit["newText"], "demo.requested");
    assert_eq!(
        edit["range"]["start"],
        json!({ "line": 3, "character": 19 })
    );

    c.change(
        "flow.nurture",
        2,
        &FLOW.replace("  wait 3d", "      wait    3d"),
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({
            "textDocument": { "uri": c.uri("flow.nurture") },
            "options": { "tabSize": 2, "insertSpaces": true },
        }),
    );
    assert_eq!(edits[0]["newText"], FLOW);
    c.stop();
}

#[test]
fn bad_requests_get_errors_not_panics() {
    let mut c = Client::start(project("errors"));
    assert!(c.try_request("textDocument/unknown", json!({})).is_err());
    assert!(c
        .try_request("textDocument/hover", json!({ "nonsense": 1 }))
        .is_err());
    let far = c.request("textDocument/hover", c.at("flow.nurture", 9999, 9999));
    assert_eq!(far, Value::Null);
    let elsewhere = c.request("textDocument/definition", c.at("none.nurture", 0, 0));
    assert_eq!(elsewhere, Value::Null);
    c.notify("textDocument/didChange", json!({ "garbage": true }));
    c.open("odd.nurture", "campaign 😀 { send \u{0} }");
    let _ = c.request("textDocument/completion", c.at("odd.nurture", 0, 3));
    c.stop();
}

#[test]
fn nurture_toml_errors_are_its_diagnostics_on_disk_and_in_the_buffer() {
    let root = project("config");
    std::fs::write(root.join("nurture.toml"), "[lints]\nunused = \"alow\"\n").unwrap();
    let mut c = Client::start(root);
    assert_eq!(c.diagnostics("flow.nurture"), Vec::<Value>::new());
    // On disk: `nurturec check`'s error, at the value.
    let shown = c.diagnostics("nurture.toml");
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["code"], "invalid-config");
    assert_eq!(shown[0]["severity"], 1);
    assert_eq!(shown[0]["range"]["start"]["line"], 1);
    // Fixed on disk: the watcher's notification clears it.
    std::fs::write(c.root.join("nurture.toml"), "[lints]\nunused = \"allow\"\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": c.uri("nurture.toml"), "type": 2 }] }),
    );
    assert_eq!(c.diagnostics("nurture.toml"), Vec::<Value>::new());
    // An open buffer stands in for the file: broken while typing, unsaved…
    c.open("nurture.toml", "[lints]\nunused = \"allow\"\n");
    c.change("nurture.toml", 2, "[policy]\ncap = \"3 mails per week\"\n");
    let shown = c.diagnostics("nurture.toml");
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("`policy.cap` is not a cap"));
    // …and its policy applies once it is valid: `onboarding` can send every
    // three days, over the cap of one a month.
    c.change("nurture.toml", 3, "[policy]\ncap = \"1 email per 30d\"\n");
    assert_eq!(c.diagnostics("nurture.toml"), Vec::<Value>::new());
    let flow = c.diagnostics("flow.nurture");
    let codes: Vec<&Value> = flow.iter().map(|d| &d["code"]).collect();
    assert!(codes.contains(&&json!("project-cap")), "{codes:?}");
    // Closed: the file on disk is the project's again.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": c.uri("nurture.toml") } }),
    );
    assert_eq!(c.diagnostics("flow.nurture"), Vec::<Value>::new());
    c.stop();
}

#[test]
fn ranged_changes_apply_in_order_counting_utf16_units() {
    let mut c = Client::start(project("incremental"));
    assert_eq!(c.diagnostics("emails.nurture"), Vec::<Value>::new());
    let ranged = |c: &Client, version: i32, changes: Value| {
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": c.uri("emails.nurture"), "version": version },
                "contentChanges": changes,
            }),
        );
    };
    let at = |line: u32, from: u32, to: u32| json!({ "start": { "line": line, "character": from }, "end": { "line": line, "character": to } });
    c.open("emails.nurture", EMAILS);
    // Line 5 is `segment fans = role == "cto"`. Two changes in one
    // notification, the second at the end of the line the first left:
    // `😀` is two UTF-16 units and `é` one, so the line is 28 units long.
    ranged(
        &c,
        2,
        json!([
            { "range": at(5, 24, 27), "text": "\u{1F600}\u{e9}" },
            { "range": at(5, 28, 28), "text": " or in fanz" },
        ]),
    );
    let shown = c.diagnostics("emails.nurture");
    let codes: Vec<&Value> = shown.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, vec!["undefined-name"]);
    assert_eq!(shown[0]["range"], at(5, 35, 39));
    // A change across the line's end, then one in the text it left.
    ranged(
        &c,
        3,
        json!([
            { "range": { "start": { "line": 5, "character": 28 }, "end": { "line": 6, "character": 0 } },
              "text": " or in fanz\nsegment fanz = role == \"\u{e9}\"\n" },
            { "range": at(6, 24, 25), "text": "\u{1F600}" },
        ]),
    );
    assert_eq!(c.diagnostics("emails.nurture"), Vec::<Value>::new());
    // Deleting what was added leaves the text as it was: `fanz` unused.
    ranged(&c, 4, json!([{ "range": at(5, 28, 39), "text": "" }]));
    let shown = c.diagnostics("emails.nurture");
    let codes: Vec<&Value> = shown.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, vec!["unused"]);
    assert_eq!(shown[0]["range"]["start"]["line"], 6);
    c.stop();
}
