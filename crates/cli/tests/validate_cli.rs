//! `schakel validate` end to end: the real binary on files, directories and standard input,
//! both output formats, exit codes, and hostile input (broken JSON, wrong encodings, 100 MB,
//! 100,000 levels of nesting). Every input is made here; nothing depends on the network or on
//! files outside this crate.

// clippy.toml allows these in #[test] functions only; the helpers here are test code too, where
// a failed assumption should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const IDENTITY_ID: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn schakel<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schakel"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

fn validate(paths: &[&Path]) -> Run {
    let mut args = vec![PathBuf::from("validate")];
    args.extend(paths.iter().map(|p| p.to_path_buf()));
    schakel(&args, None)
}

fn identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": "2024-01-02T03:04:05.678Z",
        "modified": "2024-01-02T03:04:05.678Z",
        "name": "CERT example",
        "identity_class": "organization"
    })
}

fn indicator(n: usize, description: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{n:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
        "created_by_ref": IDENTITY_ID,
        "created": "2024-01-02T03:04:05.678Z",
        "modified": "2024-01-02T03:04:05.678Z",
        "name": "C2 address",
        "description": description,
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2024-01-02T03:04:05Z"
    })
}

/// An object that breaks a MUST: `modified` earlier than `created` (S-24).
fn bad_identity() -> Value {
    let mut v = identity();
    v["modified"] = json!("2023-01-02T03:04:05.678Z");
    v
}

/// A bundle with one object per line, so object `i` starts on line `i + 2`, column 1.
fn bundle_text(objects: &[Value]) -> String {
    let mut s = String::from(
        "{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n",
    );
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&serde_json::to_string(o).unwrap());
    }
    s.push_str("\n]}\n");
    s
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    path
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// The `path:line:col:` prefix of the finding lines of one input.
fn finding_lines<'a>(stdout: &'a str, path: &Path) -> Vec<&'a str> {
    let prefix = format!("{}:", path.display());
    stdout.lines().filter(|l| l.starts_with(&prefix)).collect()
}

#[test]
fn valid_bundle_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let objects = [identity(), indicator(1, "seen in phishing mail")];
    let path = write(dir.path(), "ok.json", bundle_text(&objects));
    let run = validate(&[&path]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "VALID {}: bundle, 2 objects, 0 errors",
            path.display()
        )),
        "{first}"
    );
    assert!(!run.stdout.contains("SUMMARY"), "one input, no summary");
}

#[test]
fn invalid_object_exits_1_with_rule_pointer_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string_pretty(&bad_identity()).unwrap();
    let path = write(dir.path(), "bad.json", format!("\n\n{text}"));
    let run = validate(&[&path]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with(&format!("INVALID {}: object, 1 object, ", path.display())),
        "{}",
        run.stdout
    );
    let lines = finding_lines(&run.stdout, &path);
    let expected = format!("{}:3:1: error S-24 /modified: ", path.display());
    assert!(
        lines.iter().any(|l| l.starts_with(&expected)),
        "{expected} in {lines:?}"
    );
}

#[test]
fn finding_in_a_bundle_points_at_its_object_line() {
    let dir = tempfile::tempdir().unwrap();
    let objects = [indicator(1, "a"), indicator(2, "b"), bad_identity()];
    let path = write(dir.path(), "b.json", bundle_text(&objects));
    let run = validate(&[&path]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected = format!("{}:4:1: error S-24 /objects/2/modified: ", path.display());
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}

#[test]
fn directory_is_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let b = write(root, "b/bad.json", bundle_text(&[bad_identity()]));
    let a2 = write(root, "a/z/deep.json", bundle_text(&[identity()]));
    let a1 = write(root, "a/one.json", bundle_text(&[indicator(1, "x")]));
    write(root, "a/notes.txt", "not STIX and not looked at");
    fs::create_dir_all(root.join("empty")).unwrap();
    let run = validate(&[root]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let verdicts: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("VALID ") || l.starts_with("INVALID "))
        .collect();
    assert_eq!(verdicts.len(), 3, "{}", run.stdout);
    assert!(verdicts[0].starts_with(&format!("VALID {}:", a1.display())));
    assert!(verdicts[1].starts_with(&format!("VALID {}:", a2.display())));
    assert!(verdicts[2].starts_with(&format!("INVALID {}:", b.display())));
    assert!(!run.stdout.contains("notes.txt"));
    let last = run.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("SUMMARY 3 inputs: 2 valid, 1 invalid, 0 not checked;"),
        "{last}"
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let text = serde_json::to_vec(&identity()).unwrap();
    let run = schakel(&["validate", "-"], Some(&text));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("VALID <stdin>: object, 1 object"));

    let text = serde_json::to_vec(&bad_identity()).unwrap();
    let run = schakel(&["validate", "-"], Some(&text));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("<stdin>:1:1: error S-24 /modified:"));
}

#[test]
fn strict_turns_a_warning_only_file_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let mut obj = identity();
    // A custom property without the x_ prefix: allowed, but SHOULD-level (S-48).
    obj["foo_value"] = json!("bar");
    let path = write(
        dir.path(),
        "warn.json",
        serde_json::to_string(&obj).unwrap(),
    );

    let lax = validate(&[&path]);
    assert_eq!(lax.code, 0, "{}", lax.stdout);
    assert!(lax.stdout.starts_with(&format!("VALID {}", path.display())));
    let warnings = finding_lines(&lax.stdout, &path);
    assert!(!warnings.is_empty(), "warnings of valid files are printed");
    assert!(
        warnings.iter().all(|l| l.contains(": warning S-")),
        "{warnings:?}"
    );
    assert!(
        lax.stdout.contains("warning S-48 /foo_value:"),
        "{}",
        lax.stdout
    );

    let strict = schakel(&[Path::new("validate"), Path::new("--strict"), &path], None);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(
        strict.stdout.starts_with(&format!(
            "INVALID {}: object, 1 object, 0 errors",
            path.display()
        )),
        "{}",
        strict.stdout
    );
    assert!(strict.stdout.contains("(warnings fail with --strict)"));
}

#[test]
fn json_lines_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "1-valid.json", bundle_text(&[identity()]));
    write(
        root,
        "2-invalid.json",
        bundle_text(&[indicator(1, "x"), bad_identity()]),
    );
    write(
        root,
        "3-broken.json",
        "{\"type\": \"identity\",\n  \"id\": }",
    );
    let envelope = json!({"objects": [identity()], "more": false});
    write(root, "4-envelope.json", envelope.to_string());
    let missing = root.join("5-missing.json");
    let run = schakel(
        &[
            Path::new("validate"),
            Path::new("--format"),
            Path::new("json"),
            root,
            &missing,
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    let records = json_lines(&run.stdout);
    assert_eq!(
        records.len(),
        5,
        "one record per input, no summary: {}",
        run.stdout
    );

    let r = &records[0];
    assert!(r["path"].as_str().unwrap().ends_with("1-valid.json"));
    assert_eq!(r["status"], "valid");
    assert_eq!(r["valid"], true);
    assert_eq!(r["kind"], "bundle");
    assert_eq!(r["objects"], 1);
    assert_eq!(r["errors"], 0);
    assert_eq!(
        r["warnings"].as_u64().unwrap() as usize,
        r["findings"].as_array().unwrap().len()
    );

    let r = &records[1];
    assert_eq!(r["status"], "invalid");
    assert_eq!(r["valid"], false);
    assert_eq!(r["objects"], 2);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "S-24")
        .expect("S-24 finding");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["pointer"], "/objects/1/modified");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 1);
    assert!(f["message"].as_str().unwrap().contains("created"));
    assert!(r["errors"].as_u64().unwrap() >= 1);

    let r = &records[2];
    assert_eq!(r["status"], "error");
    assert_eq!(r["valid"], false);
    assert_eq!(r["kind"], Value::Null);
    assert_eq!(r["error"]["kind"], "json");
    assert_eq!(r["findings"][0]["rule"], "S-1");
    assert_eq!(r["findings"][0]["line"], 2);
    assert_eq!(r["findings"][0]["column"], 9);

    assert_eq!(records[3]["kind"], "envelope");
    assert_eq!(records[3]["status"], "valid");

    let r = &records[4];
    assert_eq!(r["path"], missing.display().to_string());
    assert_eq!(r["status"], "error");
    assert_eq!(r["error"]["kind"], "io");
    assert_eq!(r["findings"], json!([]));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.json", bundle_text(&[identity()]));
    let bad = write(dir.path(), "bad.json", bundle_text(&[bad_identity()]));
    let broken = write(dir.path(), "broken.json", "{");
    assert_eq!(validate(&[&ok]).code, 0);
    assert_eq!(validate(&[&ok, &bad]).code, 1);
    // Could not check one input: 2 wins over 1, and the others are still reported.
    let run = validate(&[&bad, &broken, &ok]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains(&format!("INVALID {}", bad.display())));
    assert!(run.stdout.contains(&format!("ERROR {}", broken.display())));
    assert!(run.stdout.contains(&format!("VALID {}", ok.display())));
    // Usage errors.
    assert_eq!(schakel(&["validate"], None).code, 2);
    assert_eq!(
        schakel(&["validate", "--format", "xml", "x.json"], None).code,
        2
    );
    assert_eq!(schakel(&["frobnicate"], None).code, 2);
}

#[test]
fn missing_file_is_reported_and_others_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let ok = write(dir.path(), "ok.json", bundle_text(&[identity()]));
    let run = validate(&[&missing, &ok]);
    assert_eq!(run.code, 2);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("ERROR {}: cannot read:", missing.display())),
        "{first}"
    );
    assert!(run.stdout.contains(&format!("VALID {}", ok.display())));
    assert!(
        run.stdout
            .contains("SUMMARY 2 inputs: 1 valid, 0 invalid, 1 not checked")
    );
}

/// The error of an input that is not JSON: `ERROR path: ...` then `path:line:col: error S-1: ...`.
fn assert_not_json(run: &Run, path: &Path, line: usize, column: usize, words: &str) {
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with(&format!("ERROR {}: ", path.display())),
        "{}",
        run.stdout
    );
    let expected = format!("{}:{line}:{column}: error S-1: ", path.display());
    let found = run
        .stdout
        .lines()
        .find(|l| l.starts_with(&expected))
        .unwrap_or_else(|| panic!("{expected} in {}", run.stdout));
    assert!(found.contains(words), "{found} should mention {words}");
}

#[test]
fn latin1_byte_is_an_encoding_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"{\n  \"type\": \"identity\",\n  \"name\": \"Caf".to_vec();
    bytes.push(0xE9); // é in Latin-1
    bytes.extend_from_slice(b"\"\n}\n");
    let path = write(dir.path(), "latin1.json", bytes);
    assert_not_json(&validate(&[&path]), &path, 3, 15, "UTF-8");
}

#[test]
fn utf16_with_bom_is_an_encoding_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string(&identity()).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = write(dir.path(), "utf16.json", bytes);
    assert_not_json(&validate(&[&path]), &path, 1, 1, "UTF-16");
}

#[test]
fn truncated_file_reports_where_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let full = bundle_text(&[identity(), indicator(1, "x"), indicator(2, "y")]);
    let cut = full[..full.len() * 2 / 3].trim_end();
    let path = write(dir.path(), "cut.json", cut);
    let run = validate(&[&path]);
    let line = cut.lines().count();
    let column = cut.lines().last().unwrap().len();
    assert_not_json(&run, &path, line, column, "EOF");
}

#[test]
fn trailing_comma_reports_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\n  \"type\": \"identity\",\n  \"name\": \"x\",\n}\n";
    let path = write(dir.path(), "comma.json", text);
    assert_not_json(&validate(&[&path]), &path, 4, 1, "trailing comma");
}

#[test]
fn empty_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.json", "");
    assert_not_json(&validate(&[&path]), &path, 1, 1, "empty");
    let path = write(dir.path(), "blank.json", "\n\n   ");
    assert_not_json(&validate(&[&path]), &path, 3, 4, "empty");
}

#[test]
fn json_that_is_not_an_object_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "list.json", "\n [1, 2]");
    let run = validate(&[&path]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with(&format!("INVALID {}: 1 error", path.display()))
    );
    assert!(
        run.stdout
            .contains(&format!("{}:2:2: error S-80 /:", path.display()))
    );
}

/// Runs `schakel validate --format json PATH`, killing it if it is still running after ten
/// minutes. Not a timing assertion (the run takes seconds): a guard so that a regression to
/// quadratic work fails this test instead of hanging the whole suite.
fn schakel_with_watchdog(path: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args([
            Path::new("validate"),
            Path::new("--format"),
            Path::new("json"),
            path,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("validating a 100 MB bundle did not finish within 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        !stderr.contains("panicked"),
        "the binary panicked: {stderr}"
    );
    Run {
        code: status.code().unwrap_or(-1),
        stdout: reader.join().unwrap(),
        stderr,
    }
}

#[test]
fn bundle_of_100_mb() {
    let dir = tempfile::tempdir().unwrap();
    let description = "Observed beaconing to this address from several constituents. ".repeat(64);
    let mut objects = vec![identity()];
    let mut size = 0;
    while size < 100_000_000 {
        let o = indicator(objects.len(), &description);
        size += o.to_string().len() + 2;
        objects.push(o);
    }
    objects.push(bad_identity());
    let text = bundle_text(&objects);
    assert!(text.len() >= 100_000_000);
    let path = write(dir.path(), "big.json", &text);
    drop(text);
    let run = schakel_with_watchdog(&path);
    assert_eq!(run.code, 1, "{}", &run.stdout[..run.stdout.len().min(2000)]);
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["objects"].as_u64().unwrap() as usize, objects.len());
    assert_eq!(
        r["errors"], 1,
        "only the last object is wrong: {}",
        r["findings"]
    );
    let last = objects.len() - 1;
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "error")
        .unwrap();
    assert_eq!(f["pointer"], format!("/objects/{last}/modified"));
    assert_eq!(f["line"].as_u64().unwrap() as usize, last + 2);
}

#[test]
fn nesting_100_000_levels_deep_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let deep_array = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let in_object = format!("{{\"type\": \"identity\",\n \"x_deep\": {deep_array}}}",);
    let in_bundle = bundle_text(&[identity()]).replace(
        "\n]}",
        &format!(",\n{{\"type\": \"identity\", \"x_deep\": {deep_array}}}\n]}}"),
    );
    let objects = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    let unclosed = "[".repeat(n);
    let cases = [
        ("array.json", deep_array.clone()),
        ("in-object.json", in_object),
        ("in-bundle.json", in_bundle),
        ("objects.json", objects),
        ("unclosed.json", unclosed),
    ];
    for (name, text) in cases {
        let path = write(dir.path(), name, text);
        let run = validate(&[&path]);
        assert!(
            run.code == 1 || run.code == 2,
            "{name}: exit {} {}",
            run.code,
            run.stdout
        );
        let lines = finding_lines(&run.stdout, &path);
        assert!(!lines.is_empty(), "{name}: {}", run.stdout);
        let prefix = format!("{}:", path.display());
        let position = lines[0][prefix.len()..]
            .split(':')
            .take(2)
            .collect::<Vec<_>>();
        assert!(
            position.len() == 2 && position.iter().all(|p| p.parse::<usize>().is_ok()),
            "{name}: no line:col in {}",
            lines[0]
        );
    }
}

#[test]
fn valid_pattern_exits_0() {
    let run = schakel(&["validate", "--pattern", "[file:size = 1280]"], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("VALID pattern#1: 0 errors"),
        "{}",
        run.stdout
    );
}

/// Depends on the STIX Patterning validator (`stix::pattern::validate`): it fails while that
/// is a placeholder returning no findings.
#[test]
fn pattern_without_brackets_is_invalid() {
    let run = schakel(
        &[
            "validate",
            "--format",
            "json",
            "--pattern",
            "[ipv4-addr:value = '198.51.100.1']",
            "--pattern",
            "file:size = 1280",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["valid"], true);
    assert_eq!(records[0]["kind"], "pattern");
    let r = &records[1];
    assert_eq!(r["pattern"], "file:size = 1280");
    assert_eq!(r["valid"], false);
    let f = &r["findings"][0];
    assert_eq!(f["severity"], "error");
    assert!(f["rule"].as_str().unwrap().starts_with("P-"), "{f}");
    assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
}
