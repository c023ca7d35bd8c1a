//! What `check` makes of awkward inputs: encodings, byte-order marks, line
//! endings, tabs, empty files, directories and unreadable paths. Each gets
//! a clear message; I/O problems exit 2. (More in `cli.rs`.)

use crate::cli::{code, run, stderr, stdout, temp_dir};
use std::path::Path;

fn check(path: &Path) -> std::process::Output {
    run(
        &["check", "--message-format", "short", path.to_str().unwrap()],
        None,
        &[],
    )
}

#[test]
fn empty_files_and_a_lone_byte_order_mark_are_empty_projects() {
    let dir = temp_dir("empty-inputs");
    for (name, bytes) in [
        ("empty.nurture", &b""[..]),
        ("bom.nurture", b"\xEF\xBB\xBF"),
        ("blank.nurture", b"\r\n\t \n// only a comment"),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let o = check(&file);
        assert_eq!((code(&o), stderr(&o).as_str()), (0, ""), "{name}");
    }
    let o = check(&dir);
    assert_eq!((code(&o), stderr(&o).as_str()), (0, ""));
}

#[test]
fn text_that_is_not_utf8_is_located_and_exits_2() {
    let dir = temp_dir("encodings");
    let latin1 = dir.join("latin1.nurture");
    std::fs::write(&latin1, b"segment s = x\nsegment caf\xe9 = y\n").unwrap();
    let o = check(&latin1);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        format!(
            "error: `{}` is not valid UTF-8: byte 0xE9 at line 2, column 12 (offset 25); save it as UTF-8\n",
            latin1.display()
        )
    );
    // The offset counts the byte-order mark; the column does not.
    std::fs::write(&latin1, b"\xEF\xBB\xBFsegment caf\xe9 = y\n").unwrap();
    assert!(stderr(&check(&latin1)).contains("byte 0xE9 at line 1, column 12 (offset 14)"));

    let utf16 = dir.join("utf16.nurture");
    std::fs::write(&utf16, b"\xFF\xFEs\x00e\x00g\x00").unwrap();
    let o = check(&utf16);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("utf16.nurture` is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8"),
        "{}",
        stderr(&o)
    );

    // Found by walking a directory, it is named just the same, and nothing
    // of the project is checked.
    let o = check(&dir);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("latin1.nurture` is not valid UTF-8"));
    assert_eq!(stderr(&o).lines().count(), 1);

    let o = run(&["check", "-"], Some(b"segment s = \xC3"), &[]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: `<stdin>` is not valid UTF-8: byte 0xC3 at line 1, column 13 (offset 12); save it as UTF-8\n"
    );
}

#[test]
fn crlf_and_tabs_keep_lines_and_columns_right() {
    let dir = temp_dir("crlf-tabs");
    let file = dir.join("crlf.nurture");
    std::fs::write(
        &file,
        "email hello { subject \"Hi\" template \"t\" }\r\ncampaign c {\r\n\ttrigger form.submitted(\"f\")\r\n\tgoal g when meeting.booked\r\n\tsuppress when unsubscribed\r\n\t\tsend  helo\r\n\texit\r\n}\r\n",
    )
    .unwrap();
    let o = run(
        &["check", "--message-format", "json", file.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &doc["diagnostics"][0];
    // Two tabs, `send`, two spaces: `helo` starts at character 9; the
    // carriage return is not part of the line's text.
    assert_eq!(
        (&d["line"], &d["column"], &d["end_line"], &d["end_column"]),
        (
            &serde_json::json!(6),
            &serde_json::json!(9),
            &serde_json::json!(6),
            &serde_json::json!(13)
        )
    );
    // The human rendering shows the line without the carriage return.
    let o = run(
        &["check", "--color", "never", file.to_str().unwrap()],
        None,
        &[],
    );
    assert!(!stderr(&o).contains('\r'), "{:?}", stderr(&o));
}

#[test]
fn directories_given_as_paths() {
    let dir = temp_dir("dirs");
    // A directory is a project: every `.nurture` below it. One named like a
    // file is still a directory.
    let named = dir.join("looks_like_a_file.nurture");
    std::fs::create_dir_all(&named).unwrap();
    let o = check(&named);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        format!(
            "error: no `.nurture` files found in `{}`\n",
            named.display()
        )
    );
    std::fs::write(named.join("inner.nurture"), "segment s = x\n").unwrap();
    let o = check(&named);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // A path through a file, and a link to nowhere.
    let file = dir.join("plain.nurture");
    std::fs::write(&file, "").unwrap();
    let o = check(&file.join("below.nurture"));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("below.nurture`: a part of the path is not a directory"),
        "{}",
        stderr(&o)
    );
    #[cfg(unix)]
    {
        let link = dir.join("dangling.nurture");
        std::os::unix::fs::symlink(dir.join("gone.nurture"), &link).unwrap();
        let o = check(&link);
        assert_eq!(code(&o), 2);
        assert!(stderr(&o).contains("dangling.nurture`: no such file or directory"));
    }
}

/// Unreadable files and folders. Root reads them anyway, so there this
/// checks nothing and says so.
#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("unreadable");
    let file = dir.join("secret.nurture");
    std::fs::write(&file, "segment s = x\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        eprintln!("skipped: running as root, where permissions do not apply");
        return;
    }
    let o = check(&file);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot read `{}`: permission denied\n",
            file.display()
        )
    );
    // Met while walking a directory: the same.
    let o = check(&dir);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("secret.nurture`: permission denied"));

    let folder = dir.join("closed");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o000)).unwrap();
    let o = check(&folder);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot read directory `{}`: permission denied\n",
            folder.display()
        )
    );
}
