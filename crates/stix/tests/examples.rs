//! The OASIS example content validates: every bundle in `stix2-json-schemas/examples/`
//! (including the threat reports) and every object or bundle of `python-stix2-data/` has no
//! MUST-level finding; the stix2-validator example files get the MUST-level verdict recorded in
//! `expected-verdicts.json` (where the recorded verdict is the spec's).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use stix::validate::validate_document;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn errors_of(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    match validate_document(&bytes) {
        Ok(report) => report
            .findings
            .iter()
            .filter(|f| f.is_error())
            .map(|f| f.to_string())
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn oasis_examples_and_python_stix2_data_have_no_errors() {
    let mut files = Vec::new();
    files_under(&root().join("stix2-json-schemas/examples"), &mut files);
    files_under(&root().join("python-stix2-data"), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let errors = errors_of(f);
        if !errors.is_empty() {
            bad.push(format!("{}:\n  {}", f.display(), errors.join("\n  ")));
        }
    }
    println!(
        "{} of {} example files valid",
        files.len() - bad.len(),
        files.len()
    );
    assert!(
        files.len() >= 39,
        "expected the 8 OASIS examples and 31 python-stix2 files, found {}",
        files.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn stix_validator_examples_get_the_recorded_must_level_verdict() {
    let verdicts: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("expected-verdicts.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for r in verdicts["results"].as_array().unwrap() {
        let file = r["file"].as_str().unwrap();
        if !file.starts_with("stix-validator-examples/") {
            continue;
        }
        let expected = r["must_only_valid"].as_bool().unwrap();
        let errors = errors_of(&root().join(file));
        assert_eq!(errors.is_empty(), expected, "{file}: {errors:?}");
        checked += 1;
    }
    assert_eq!(checked, 10);
}
