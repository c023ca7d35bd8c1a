//! What `build` writes: byte-identical whatever order the files are found
//! in, and the whole build or nothing when writing fails partway.

use crate::cli::{code, run, stderr, temp_dir};
use std::path::Path;

/// Every file and folder below `dir`, hidden ones included, with contents.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                out.push((format!("{name}/"), Vec::new()));
                stack.push(path);
            } else {
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A project of three files that refer to each other, each name defined
/// once, so that no order of reading can change what it means.
const PROJECT: &[(&str, &str)] = &[
    (
        "z_emails.nurture",
        "email hello { subject \"Hi {{ first_name }}\" template \"t/hello\" }\nemail again { subject \"Again\" template \"t/again\" }\n",
    ),
    (
        "m_segments.nurture",
        "segment warm = score >= 40 and role in [\"cto\", \"vp\"]\nscoring fit { size { +50 if company_size >= 200 } }\n",
    ),
    (
        "a_campaigns.nurture",
        "campaign first {\n  trigger form.submitted(\"f\") where in warm\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hello\n  wait 2d\n  enroll second\n}\ncampaign second {\n  trigger list.joined\n  goal g when demo.requested\n  suppress when unsubscribed or bounced\n  send again\n  exit\n}\n",
    ),
];

fn build_in(dir: &Path, args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut full = vec!["build"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["-o", "out"]);
    let o = run_in(dir, &full);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = tree(&out);
    assert_eq!(t.len(), 4, "ir/, ir/project.json and two campaigns: {t:?}");
    t
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nurturec"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn output_is_byte_identical_whatever_order_the_files_are_found_in() {
    // The same files, created in opposite orders in two folders (which is
    // the order a directory listing tends to return them in).
    let forward = temp_dir("order-forward");
    let backward = temp_dir("order-backward");
    for (name, text) in PROJECT {
        std::fs::write(forward.join(name), text).unwrap();
    }
    for (name, text) in PROJECT.iter().rev() {
        std::fs::write(backward.join(name), text).unwrap();
    }
    let walked = build_in(&forward, &["."]);
    assert_eq!(build_in(&backward, &["."]), walked);
    // Named explicitly, in every order.
    let names: Vec<&str> = PROJECT.iter().map(|(n, _)| *n).collect();
    let reference = build_in(&forward, &names);
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let args: Vec<&str> = order.iter().map(|&i| names[i]).collect();
        assert_eq!(build_in(&forward, &args), reference, "order {args:?}");
        assert_eq!(build_in(&backward, &args), reference, "order {args:?}");
    }
    // And again: byte-identical across runs.
    assert_eq!(build_in(&forward, &["."]), walked);
}

/// A folder holding an older build, a stale file, a file of the user's,
/// and a directory where the second campaign's output must go.
fn folder_with_an_obstacle(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let project = temp_dir(&format!("{name}-project"));
    for (name, text) in PROJECT {
        std::fs::write(project.join(name), text).unwrap();
    }
    let out = temp_dir(&format!("{name}-out"));
    std::fs::create_dir_all(out.join("ir/second.json")).unwrap();
    std::fs::write(out.join("ir/first.json"), "{\"older\": true}\n").unwrap();
    std::fs::write(out.join("ir/renamed_away.json"), "{}\n").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    (project, out)
}

#[test]
fn a_write_failing_partway_exits_2_and_leaves_the_folder_as_it_was() {
    let (project, out) = folder_with_an_obstacle("partway");
    let before = tree(&out);
    let o = run(
        &[
            "build",
            project.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot write `{}`: a directory is in the way; nothing was written\n",
            out.join("ir/second.json").display()
        )
    );
    // `first.json` is neither updated nor half-written, the stale file is
    // still there, and no temporary file is left behind.
    assert_eq!(tree(&out), before);

    // With the obstacle gone, the build goes through.
    std::fs::remove_dir(out.join("ir/second.json")).unwrap();
    let o = run(
        &[
            "build",
            project.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("(3 written, 0 unchanged, 1 stale removed)"),
        "{}",
        stderr(&o)
    );
    let names: Vec<String> = tree(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "ir/",
            "ir/first.json",
            "ir/project.json",
            "ir/second.json",
            "notes.txt"
        ]
    );
}

/// An output folder that cannot be written to: the build stops before
/// changing anything. Root ignores permissions, so there this checks
/// nothing and says so.
#[cfg(unix)]
#[test]
fn an_unwritable_output_folder_exits_2_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let project = temp_dir("unwritable-project");
    for (name, text) in PROJECT {
        std::fs::write(project.join(name), text).unwrap();
    }
    let out = temp_dir("unwritable-out");
    std::fs::create_dir_all(out.join("ir")).unwrap();
    std::fs::write(out.join("ir/first.json"), "{\"older\": true}\n").unwrap();
    std::fs::set_permissions(out.join("ir"), std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(out.join("ir/probe"), "").is_ok() {
        eprintln!("skipped: running as root, where permissions do not apply");
        let _ = std::fs::remove_file(out.join("ir/probe"));
        return;
    }
    let before = tree(&out);
    let o = run(
        &[
            "build",
            project.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    std::fs::set_permissions(out.join("ir"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("permission denied"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the output folder is unchanged"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&out), before);
}

#[test]
fn an_output_path_through_a_file_exits_2() {
    let (project, out) = folder_with_an_obstacle("through-a-file");
    let o = run(
        &[
            "build",
            project.to_str().unwrap(),
            "-o",
            out.join("notes.txt/dist").to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("a part of the path is not a directory; the output folder is unchanged"),
        "{}",
        stderr(&o)
    );
}

/// `klaviyo/segments/` and `hubspot/segments/` belong to the build: a
/// segment file no longer produced is reported by `--check` and removed by
/// the next build, as a campaign's file is.
#[test]
fn stale_segment_files_are_reported_and_removed() {
    let dir = temp_dir("stale-segments");
    std::fs::write(
        dir.join("p.nurture"),
        "segment warm = role in [\"cto\", \"vp\"]\nemail hello { subject \"Hi\" template \"t\" }\ncampaign c {\n  trigger form.submitted(\"f\")\n  goal g when meeting.booked\n  suppress when unsubscribed\n  send hello\n  exit\n}\n",
    )
    .unwrap();
    let args = [
        "build",
        ".",
        "--target",
        "klaviyo",
        "--target",
        "hubspot",
        "--placeholder-ids",
        "-o",
        "out",
    ];
    let o = run_in(&dir, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for target in ["klaviyo", "hubspot"] {
        assert!(dir
            .join(format!("out/{target}/segments/warm.json"))
            .is_file());
        std::fs::write(dir.join(format!("out/{target}/segments/cold.json")), "{}\n").unwrap();
    }
    let mut check = args.to_vec();
    check.push("--check");
    let o = run_in(&dir, &check);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    for target in ["klaviyo", "hubspot"] {
        let stale = format!("{target}/segments/cold.json: no longer produced by the build");
        assert!(stderr(&o).contains(&stale), "{}", stderr(&o));
    }
    let o = run_in(&dir, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("2 stale removed"), "{}", stderr(&o));
    for target in ["klaviyo", "hubspot"] {
        assert!(!dir
            .join(format!("out/{target}/segments/cold.json"))
            .exists());
    }
}
