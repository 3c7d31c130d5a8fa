//! Every case of `fixtures/conformance/vectors/stix-mutation-cases.json` gets the verdict of
//! its `expected_by_spec` field (our reading of STIX 2.1, not the OASIS validator's where they
//! differ). Each case names the checklist rule it exercises.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::path::PathBuf;

use serde_json::Value;
use stix::validate::validate_document;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

#[test]
fn mutation_cases_match_the_spec_verdicts() {
    let text =
        std::fs::read_to_string(fixtures().join("vectors/stix-mutation-cases.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expected = case["expected_by_spec"].as_str().unwrap();
        let rule = case["checklist_rule"].as_str();
        let bytes = serde_json::to_vec(&case["object"]).unwrap();
        let report = validate_document(&bytes).unwrap();
        let errors: Vec<_> = report.findings.iter().filter(|f| f.is_error()).collect();
        let warnings: Vec<_> = report.findings.iter().filter(|f| !f.is_error()).collect();
        let ok = match expected {
            "valid" => errors.is_empty(),
            "valid-should-warning" => errors.is_empty() && !warnings.is_empty(),
            "invalid" | "invalid-as-2.1" => {
                // The error must come from the rule the case exercises (when it names one).
                !errors.is_empty() && rule.is_none_or(|r| errors.iter().any(|f| f.rule == r))
            }
            // Either verdict is defensible; we only require that it is reported at all.
            "ambiguous" => !report.findings.is_empty(),
            other => panic!("unknown expectation {other}"),
        };
        *tally.entry(expected.to_owned()).or_default() += 1;
        if !ok {
            failures.push(format!(
                "{name} [{expected}, {rule:?}]: {:#?}",
                report.findings
            ));
        }
    }
    println!("mutation cases by expectation: {tally:?}");
    assert!(
        failures.is_empty(),
        "{} case(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
