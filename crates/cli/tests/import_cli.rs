//! `schakel import` (issue 7): every input form (bundle, JSON lines, single object, directory),
//! per-object errors with file, line and column, the collection's access rules, `--format
//! json`, argument errors, `--keep-date-added` against `schakel export --with-date-added`, and
//! an import killed with SIGKILL that, run again, ends with exactly the collection an
//! uninterrupted import makes.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

const FEED: &str = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const COPY: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const NCSC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e01";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// A provisioned, empty database and its provisioning file.
async fn provisioned(dir: &Path) -> PathBuf {
    let config = common::config_file(
        dir,
        &format!(
            r#"
[[organisation]]
id = "ncsc"
name = "NCSC-NL"
role = "national-csirt"
identity = "{NCSC_ID}"

[[collection]]
api_root = "lds"
id = "{FEED}"
title = "feed"
read = ["ncsc"]
write = ["ncsc"]

[[collection]]
api_root = "lds"
id = "{COPY}"
title = "copy"
read = ["ncsc"]
write = ["ncsc"]
"#
        ),
    );
    common::create_database(&config).await;
    config
}

fn indicator(n: u32, marking: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{n:08x}-0000-4000-8000-000000000000"),
        "created_by_ref": NCSC_ID,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": format!("indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": [marking]
    })
}

fn import(config: &Path, args: &[&str]) -> (i32, String, String) {
    let base = [
        OsStr::new("import"),
        OsStr::new("--config"),
        config.as_os_str(),
    ];
    common::run(base.into_iter().chain(args.iter().map(OsStr::new)))
}

/// `schakel export` of a collection as JSON lines (bytes as stored, date_added order).
fn export(config: &Path, collection: &str, extra: &[&str]) -> String {
    let args = [
        OsStr::new("export"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--collection"),
        OsStr::new(collection),
        OsStr::new("--format"),
        OsStr::new("jsonl"),
    ];
    let (code, out, err) = common::run(args.into_iter().chain(extra.iter().map(OsStr::new)));
    assert_eq!(code, 0, "{err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_with_positions_rules_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = provisioned(dir.path()).await;
    let feeds = dir.path().join("feeds");
    std::fs::create_dir_all(feeds.join("sub")).unwrap();
    // A bundle with one object per line; the third (line 4, column 3) has no pattern.
    let mut invalid = indicator(3, TLP_GREEN);
    invalid.as_object_mut().unwrap().remove("pattern");
    std::fs::write(
        feeds.join("a.json"),
        format!(
            "{{\"type\": \"bundle\", \"id\": \"bundle--6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\", \"objects\": [\n{},\n{},\n  {},\n{}\n]}}\n",
            indicator(1, TLP_GREEN),
            indicator(2, TLP_GREEN),
            invalid,
            indicator(4, TLP_GREEN)
        ),
    )
    .unwrap();
    // JSON lines: a blank line, a line that is not JSON (line 3), and a TLP:RED object without
    // recipients (refused by the access rules, line 5).
    std::fs::write(
        feeds.join("b.jsonl"),
        format!(
            "{}\n\n{{\"type\": \"indicator\",\n{}\n{}\n",
            indicator(5, TLP_GREEN),
            indicator(6, TLP_GREEN),
            indicator(7, TLP_RED)
        ),
    )
    .unwrap();
    std::fs::write(
        feeds.join("sub").join("c.json"),
        serde_json::to_string_pretty(&indicator(8, TLP_GREEN)).unwrap(),
    )
    .unwrap();
    std::fs::write(feeds.join("notes.txt"), "not read").unwrap();

    let feeds_arg = feeds.to_str().unwrap();
    let (code, out, err) = import(
        &config,
        &[feeds_arg, "--collection", "feed", "--organisation", "ncsc"],
    );
    assert_eq!(code, 3, "some objects failed: {out}\n{err}");
    let a = feeds.join("a.json");
    let b = feeds.join("b.jsonl");
    let invalid_line = format!(
        "{}:4:3: object 2 (indicator--00000003-0000-4000-8000-000000000000): invalid STIX 2.1",
        a.display()
    );
    assert!(err.contains(&invalid_line), "{err}");
    assert!(
        err.contains(&format!("{}:3:1: not JSON", b.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:5:1: object 2 (indicator--00000007-0000-4000-8000-000000000000): access rule red-without-recipients",
            b.display()
        )),
        "{err}"
    );
    assert!(
        out.contains("imported 3 files into feed: 6 stored, 0 already there, 3 failed"),
        "{out}"
    );
    let stored: Vec<Value> = export(&config, "feed", &[])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = stored.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "indicator 1",
            "indicator 2",
            "indicator 4",
            "indicator 5",
            "indicator 6",
            "indicator 8"
        ],
        "file order, in path order"
    );
    // The bytes are the file's (c.json is pretty-printed: its lines are the stored object's).
    let (_, bundle, _) = common::run([
        OsStr::new("export"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--collection"),
        OsStr::new("feed"),
    ]);
    assert!(
        bundle.contains(&std::fs::read_to_string(feeds.join("sub").join("c.json")).unwrap()),
        "stored as the exact bytes of the file"
    );

    // Again, for scripts: every object is already there; the failures are JSON lines.
    let (code, out, _) = import(
        &config,
        &[
            feeds_arg,
            "--collection",
            "feed",
            "--organisation",
            "ncsc",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 3);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "three failures and the summary: {out}");
    assert_eq!(lines[0]["kind"], "invalid");
    assert_eq!(lines[0]["file"], a.to_str().unwrap());
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["column"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(lines[0]["index"], 2);
    assert_eq!(lines[1]["kind"], "unreadable");
    assert_eq!(lines[2]["kind"], "refused");
    let summary = &lines[3];
    assert_eq!(
        (
            summary["stored"].as_u64(),
            summary["duplicates"].as_u64(),
            summary["failed"].as_u64(),
            summary["files"].as_u64()
        ),
        (Some(0), Some(6), Some(3), Some(3)),
        "{summary}"
    );

    // The import is audited, with what was stored and what was refused by which rule.
    let (code, out, _) = common::run([
        OsStr::new("audit"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("export"),
    ]);
    assert_eq!(code, 0);
    let imports: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"]["kind"] == "import")
        .collect();
    assert!(!imports.is_empty(), "{out}");
    let first = imports[0]["event"].to_string();
    assert!(first.contains("\"decision\":\"stored\""), "{first}");
    assert!(first.contains("refused:red-without-recipients"), "{first}");
    assert!(first.contains("refused:invalid-stix"), "{first}");

    // Bad arguments: exit status 2, nothing imported.
    for (args, expected) in [
        (
            vec![feeds_arg, "--collection", "nowhere"],
            "no collection \"nowhere\"",
        ),
        (
            vec![
                feeds_arg,
                "--collection",
                "feed",
                "--organisation",
                "nobody",
            ],
            "no organisation \"nobody\"",
        ),
        (
            vec!["/no/such/file.json", "--collection", "feed"],
            "/no/such/file.json",
        ),
    ] {
        let (code, _, err) = import(&config, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_date_added_restores_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let config = provisioned(dir.path()).await;
    let lines: Vec<String> = (1..=5)
        .map(|n| indicator(n, TLP_GREEN).to_string())
        .collect();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (code, _, err) = import(&config, &[file.to_str().unwrap(), "--collection", "feed"]);
    assert_eq!(code, 0, "{err}");
    let dated = export(&config, "feed", &["--with-date-added"]);
    assert_eq!(dated.lines().count(), 5);
    assert!(dated.starts_with("{\"date_added\":\""), "{dated}");

    // Without --keep-date-added each line is read as its object, with a new date_added.
    let saved = dir.path().join("saved.jsonl");
    std::fs::write(&saved, &dated).unwrap();
    let (code, _, err) = import(
        &config,
        &[
            saved.to_str().unwrap(),
            "--collection",
            "copy",
            "--keep-date-added",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        export(&config, "copy", &["--with-date-added"]),
        dated,
        "the same objects with the same date_added"
    );
    // A plain object has no date_added to keep.
    let (code, _, err) = import(
        &config,
        &[
            file.to_str().unwrap(),
            "--collection",
            "copy",
            "--keep-date-added",
            "--restart",
        ],
    );
    assert_eq!(code, 3);
    assert!(err.contains("no date_added to keep"), "{err}");
    // The same lines again are duplicates; a new object whose date_added is not after the
    // collection's last is refused by the store, per object.
    let (code, _, err) = import(
        &config,
        &[
            saved.to_str().unwrap(),
            "--collection",
            "feed",
            "--keep-date-added",
        ],
    );
    assert_eq!(code, 0, "the same objects are duplicates: {err}");
    let moved = dir.path().join("moved.jsonl");
    std::fs::write(
        &moved,
        dated.replace(
            "indicator--00000001-0000-4000-8000-000000000000",
            "indicator--00000009-0000-4000-8000-000000000000",
        ),
    )
    .unwrap();
    let (code, _, err) = import(
        &config,
        &[
            moved.to_str().unwrap(),
            "--collection",
            "copy",
            "--keep-date-added",
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("is not later than the collection's last date_added"),
        "{err}"
    );

    let (code, _, err) = common::run([
        OsStr::new("export"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--collection"),
        OsStr::new("feed"),
        OsStr::new("--with-date-added"),
    ]);
    assert_eq!(code, 2, "a bundle has no place for date_added");
    assert!(err.contains("--format jsonl"), "{err}");
}

/// A marking-definition decides for the objects of later batches, also while its own batch is
/// still being written (TLP:RED needs the recipients its audience marking names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markings_of_earlier_batches_decide_later_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = provisioned(dir.path()).await;
    let audience = "marking-definition--3a7c5e9b-1d2f-4b6a-8c0e-2f4a6b8c0d1e";
    let mut lines = vec![
        json!({
            "type": "marking-definition", "spec_version": "2.1", "id": audience,
            "created": "2024-01-01T00:00:00.000Z", "created_by_ref": NCSC_ID,
            "name": "NCSC only",
            "extensions": {"extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8": {
                "extension_type": "property-extension", "recipients": [NCSC_ID]}}
        })
        .to_string(),
    ];
    for n in 1..=9 {
        let mut o = indicator(n, TLP_RED);
        o["object_marking_refs"] = json!([TLP_RED, audience]);
        lines.push(o.to_string());
    }
    let file = dir.path().join("red.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (code, out, err) = import(
        &config,
        &[
            file.to_str().unwrap(),
            "--collection",
            "feed",
            "--organisation",
            "ncsc",
            "--batch",
            "2",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("10 stored"), "{out}");
}

/// The import is killed (SIGKILL) after its first committed batches; run again, it continues
/// after the last committed batch, and the collection ends exactly as an uninterrupted import
/// of the same files leaves another: the same versions, bytes and order, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_continues_to_the_same_collection() {
    const TOTAL: u32 = 30_000;
    let dir = tempfile::tempdir().unwrap();
    let config = provisioned(dir.path()).await;
    // Three files of 10,000 objects in one directory: the position crosses files.
    let feeds = dir.path().join("big");
    std::fs::create_dir(&feeds).unwrap();
    for part in 0..3 {
        let mut text = String::new();
        for n in part * 10_000 + 1..=(part + 1) * 10_000 {
            text.push_str(&indicator(n, TLP_GREEN).to_string());
            text.push('\n');
        }
        std::fs::write(feeds.join(format!("part-{part}.jsonl")), text).unwrap();
    }
    let file_arg = feeds.to_str().unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args(["import", "--config"])
        .arg(&config)
        .args([file_arg, "--collection", "feed", "--batch", "500"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Progress lines come after committed batches (standard error is not a terminal).
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "import ended early"
        );
        if line.contains(" stored") && !line.contains(": 0 stored") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (code, out, err) = import(
        &config,
        &[file_arg, "--collection", "feed", "--batch", "500"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("continuing an interrupted import"), "{err}");
    let skipped: u64 = out
        .split(" skipped (imported by the interrupted run)")
        .next()
        .and_then(|before| before.rsplit(", ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no skipped count: {out}"));
    assert!(skipped > 0 && skipped < u64::from(TOTAL), "{out}");
    assert!(
        out.contains(&format!("{} stored", u64::from(TOTAL) - skipped)),
        "{out}"
    );

    let (code, _, err) = import(&config, &[file_arg, "--collection", "copy"]);
    assert_eq!(code, 0, "{err}");
    let resumed = export(&config, "feed", &[]);
    assert_eq!(resumed.lines().count(), TOTAL as usize);
    assert_eq!(resumed, export(&config, "copy", &[]));

    // Run once more: it has ended, so it starts again and finds every object there.
    let (code, out, _) = import(&config, &[file_arg, "--collection", "feed"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("0 stored, {TOTAL} already there")),
        "{out}"
    );
}
