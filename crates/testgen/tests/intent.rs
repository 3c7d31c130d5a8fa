//! The generator's intent against our validator: a valid object must draw no error, and an
//! object mutated to break rule R must draw an error with rule R (or one of the aliases the
//! mutation lists). A mismatch points at a validator bug or a generator bug; this test lists
//! them by type rather than hiding them.

// Test code: helper functions fail the test by panicking, like the #[test] bodies do.
#![allow(clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use stix::validate::validate_document;
use testgen::{Intent, generate};

#[test]
fn generated_intent_matches_our_validator() {
    let seed = common::seed();
    let per_type = common::per_type();
    let corpus = generate(seed, per_type);
    // (type, intent label, what we reported) -> (count, example name, example json)
    let mut mismatches: BTreeMap<(String, String, String), (usize, String, String)> =
        BTreeMap::new();
    let mut checked = 0usize;
    for g in &corpus {
        let json = g.to_json();
        let report = match validate_document(json.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                let key = (
                    g.type_name.to_owned(),
                    g.intent.label(),
                    format!("document error: {e}"),
                );
                let e = mismatches
                    .entry(key)
                    .or_insert((0, g.name.clone(), json.clone()));
                e.0 += 1;
                continue;
            }
        };
        checked += 1;
        let errors: Vec<_> = report.findings.iter().filter(|f| f.is_error()).collect();
        let ok = match &g.intent {
            Intent::Valid => errors.is_empty(),
            Intent::Invalid(m) => errors
                .iter()
                .any(|f| f.rule == m.rule || m.also.contains(&f.rule)),
        };
        if !ok {
            let got = if errors.is_empty() {
                "no error".to_owned()
            } else {
                errors.iter().map(|f| f.rule).collect::<Vec<_>>().join(",")
            };
            let first = errors
                .first()
                .map(|f| common::describe(f))
                .unwrap_or_default();
            let key = (
                g.type_name.to_owned(),
                g.intent.label(),
                format!("{got} | {first}"),
            );
            let e = mismatches
                .entry(key)
                .or_insert((0, g.name.clone(), json.clone()));
            e.0 += 1;
        }
    }
    println!("intent check: {checked} objects (seed {seed:#x}, {per_type} per type)");
    if mismatches.is_empty() {
        return;
    }
    let total: usize = mismatches.values().map(|v| v.0).sum();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for ((ty, _, _), (n, _, _)) in &mismatches {
        *by_type.entry(ty.as_str()).or_default() += n;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{total} generated object(s) whose intent our validator does not confirm"
    );
    let _ = writeln!(out, "by type: {by_type:?}");
    let _ = writeln!(
        out,
        "{:<22} {:>5}  {:<58} {:<16} we report",
        "type", "count", "intent", "example"
    );
    for ((ty, intent, got), (n, example, _)) in &mismatches {
        let _ = writeln!(out, "{ty:<22} {n:>5}  {intent:<58} {example:<16} {got}");
    }
    // The first example of each class, to read without regenerating.
    let dir = common::target_dir().join("testgen-intent");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_ok() {
        for (_, example, json) in mismatches.values() {
            let _ = std::fs::write(dir.join(format!("{example}.json")), json);
        }
        let _ = writeln!(out, "examples written to {}", dir.display());
    }
    panic!("{out}");
}
