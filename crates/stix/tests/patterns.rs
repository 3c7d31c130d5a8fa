//! STIX Patterning against the pattern fixtures (checklist P-18):
//! `fixtures/conformance/patterns/stix21-pattern-cases.json` (syntax cases judged by
//! `check_syntax`, inspector cases judged on the typed tree, semantic-gap cases judged by
//! `validate`) and `patterns/spec_examples_v21.txt` (all valid under `validate`). Also: the
//! fast path and the grammar agree on every fixture, printing round-trips, and a proptest that
//! random trees print and re-parse to themselves.
//!
//! Run with `--nocapture` to see the tallies.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use stix::pattern::ast::*;
use stix::pattern::{PatternFinding, check_syntax, parse, parse_with_grammar, validate};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance/patterns")
}

fn cases() -> Value {
    let text = std::fs::read_to_string(fixtures().join("stix21-pattern-cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn spec_examples() -> Vec<String> {
    std::fs::read_to_string(fixtures().join("spec_examples_v21.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn has_error(findings: &[PatternFinding]) -> bool {
    findings.iter().any(PatternFinding::is_error)
}

fn show(findings: &[PatternFinding]) -> String {
    findings
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every pattern string in the fixture files.
fn all_fixture_patterns() -> Vec<String> {
    let doc = cases();
    let mut out = spec_examples();
    for group in [
        &doc["cases"],
        &doc["inspector_cases"]["cases"],
        &doc["semantic_gap_cases"]["cases"],
    ] {
        for case in group.as_array().unwrap() {
            out.push(case["pattern"].as_str().unwrap().to_owned());
        }
    }
    out
}

#[test]
fn syntax_cases_get_their_expected_verdict_from_check_syntax() {
    let doc = cases();
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    let mut by_verdict = BTreeMap::<bool, (usize, usize)>::new();
    for case in doc["cases"].as_array().unwrap() {
        let pattern = case["pattern"].as_str().unwrap();
        let expected = case["expected_valid"].as_bool().unwrap();
        let findings = check_syntax(pattern);
        let mut ok = has_error(&findings) != expected;
        // Where stix2-patterns names the problem, the finding must carry the matching rule.
        let oracle = case["oracle_first_error"].as_str().unwrap_or("");
        for (needle, rule) in [
            ("missing square brackets", "P-4"),
            ("Duplicate qualifier", "P-8"),
            ("hash", "P-16"),
        ] {
            if oracle.contains(needle) {
                ok &= findings.iter().any(|f| f.is_error() && f.rule == rule);
            }
        }
        total += 1;
        let entry = by_verdict.entry(expected).or_default();
        entry.1 += 1;
        if ok {
            passed += 1;
            entry.0 += 1;
        } else {
            failures.push(format!(
                "{pattern}: expected valid={expected}, got [{}]",
                show(&findings)
            ));
        }
    }
    eprintln!(
        "syntax cases: {passed}/{total} passed (valid {}/{}, invalid {}/{})",
        by_verdict[&true].0, by_verdict[&true].1, by_verdict[&false].0, by_verdict[&false].1
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(total, 87);
}

/// `[path, operator, literal]` the way stix2-patterns' inspector lists a comparison.
fn inspector_comparisons(p: &Pattern) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::<String, Vec<Value>>::new();
    p.root.walk(&mut |e| {
        if let ObservationExpr::Observation { comparison, .. } = e {
            comparison.for_each_comparison(&mut |c| {
                let mut path = vec![Value::from(&*c.path.first)];
                for step in &c.path.steps {
                    path.push(match step {
                        PathStep::Key(k) => Value::from(&**k),
                        PathStep::Index(n) => Value::from(n.to_i64().unwrap()),
                        PathStep::AnyIndex => Value::from("*"),
                    });
                }
                let op = if c.negated {
                    format!("NOT {}", c.test.operator())
                } else {
                    c.test.operator().to_owned()
                };
                let value = match &c.test {
                    Test::Like(s) | Test::Matches(s) | Test::IsSubset(s) | Test::IsSuperset(s) => {
                        Literal::String(s.clone()).to_string()
                    }
                    t => t.literal().map(ToString::to_string).unwrap_or_default(),
                };
                out.entry(c.path.object_type.to_string())
                    .or_default()
                    .push(Value::Array(vec![
                        Value::Array(path),
                        Value::from(op),
                        Value::from(value),
                    ]));
            })
        }
    });
    out
}

#[test]
fn inspector_cases_match_the_typed_tree() {
    let doc = cases();
    let mut tally = BTreeMap::<String, (usize, usize)>::new();
    let mut failures = Vec::new();
    for case in doc["inspector_cases"]["cases"].as_array().unwrap() {
        let pattern = case["pattern"].as_str().unwrap();
        let test = case["test"].as_str().unwrap().to_owned();
        let p = parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let ok = if let Some(expected) = case.get("expected_qualifiers") {
            let mut got = Vec::new();
            p.root.walk(&mut |e| {
                got.extend(e.qualifiers().iter().map(|q| q.to_string()));
            });
            got.sort();
            got.dedup();
            let want: Vec<String> = serde_json::from_value(expected.clone()).unwrap();
            got == want
        } else if let Some(expected) = case.get("expected_obs_ops") {
            let mut got = Vec::new();
            p.root.walk(&mut |e| {
                if let Some(op) = e.operator() {
                    got.push(op.as_str().to_owned());
                }
            });
            got.sort();
            got.dedup();
            let want: Vec<String> = serde_json::from_value(expected.clone()).unwrap();
            got == want
        } else {
            let expected = &case["expected_comparisons"];
            let want: BTreeMap<String, Vec<Value>> =
                serde_json::from_value(expected.clone()).unwrap();
            inspector_comparisons(&p) == want
        };
        let entry = tally.entry(test).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            failures.push(format!("{pattern}: {case}"));
        }
    }
    let summary: Vec<String> = tally
        .iter()
        .map(|(k, (p, t))| format!("{k} {p}/{t}"))
        .collect();
    eprintln!("inspector cases: {}", summary.join(", "));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(tally.values().map(|t| t.1).sum::<usize>(), 19);
}

#[test]
fn semantic_gap_cases_get_the_spec_verdict_from_validate() {
    let doc = cases();
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for case in doc["semantic_gap_cases"]["cases"].as_array().unwrap() {
        let pattern = case["pattern"].as_str().unwrap();
        let verdict = case["spec_verdict"].as_str().unwrap();
        let findings = validate(pattern);
        let warnings = findings.iter().any(|f| !f.is_error());
        let ok = match verdict {
            "valid" => !has_error(&findings),
            "invalid" => has_error(&findings),
            "invalid-for-producers" => !has_error(&findings) && warnings,
            other => panic!("unknown verdict {other}"),
        };
        // These patterns are all grammatical: the OASIS checks alone accept them.
        let syntax_ok = !has_error(&check_syntax(pattern));
        total += 1;
        if ok && syntax_ok {
            passed += 1;
        } else {
            failures.push(format!(
                "{pattern}: want {verdict}, got [{}]",
                show(&findings)
            ));
        }
    }
    eprintln!("semantic gap cases: {passed}/{total} passed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(total, 14);
}

#[test]
fn spec_examples_are_valid() {
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for line in spec_examples() {
        let findings = validate(&line);
        total += 1;
        if has_error(&findings) {
            failures.push(format!("{line}: {}", show(&findings)));
        } else {
            passed += 1;
        }
    }
    eprintln!("spec examples: {passed}/{total} valid");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(total, 23);
}

#[test]
fn fast_path_agrees_with_the_grammar_on_every_fixture() {
    let (mut fast, mut total) = (0, 0);
    for pattern in all_fixture_patterns() {
        total += 1;
        if let Some(quick) = stix::pattern::parse_fast_path(&pattern) {
            fast += 1;
            let full = parse_with_grammar(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            // Debug output includes the spans, which equality ignores.
            assert_eq!(format!("{quick:?}"), format!("{full:?}"), "{pattern}");
        }
    }
    eprintln!("fast path: {fast}/{total} fixture patterns taken, all equal to the grammar's tree");
    assert!(fast > 10, "the fast path should take the simple fixtures");
}

#[test]
fn printing_round_trips_on_every_fixture() {
    let mut n = 0;
    for pattern in all_fixture_patterns() {
        let Ok(p) = parse(&pattern) else { continue };
        let printed = p.to_string();
        let again = parse_with_grammar(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(again, p, "{pattern} -> {printed}");
        assert_eq!(again.to_string(), printed);
        n += 1;
    }
    eprintln!("round trip: {n} parsed fixture patterns print and re-parse to the same tree");
    assert!(n > 100);
}

mod generated {
    //! Random trees (following the tree invariants of `ast`) print and re-parse to themselves.

    use proptest::collection::vec;
    use proptest::prelude::*;
    use stix::StixTimestamp;
    use stix::pattern::ast::*;

    fn name() -> impl Strategy<Value = Box<str>> {
        prop_oneof![
            "[a-z_][a-z0-9_]{0,6}",
            Just("AND".to_owned()),
            Just("true".to_owned()),
            Just("SHA-256".to_owned()),
            "[ -~]{0,6}",
            "\\PC{0,4}",
        ]
        .prop_map(Into::into)
    }

    fn number(positive: bool, integer: bool) -> impl Strategy<Value = Number> {
        let sign = if positive {
            prop_oneof![Just(""), Just("+")].boxed()
        } else {
            prop_oneof![Just(""), Just("+"), Just("-")].boxed()
        };
        let body = if integer {
            prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,20}"].boxed()
        } else {
            "[0-9]{0,3}\\.[0-9]{1,3}".boxed()
        };
        (sign, body).prop_map(|(s, b)| Number::from_text(&format!("{s}{b}")).unwrap())
    }

    fn timestamp() -> impl Strategy<Value = Timestamp> {
        (
            1000u32..3000,
            1u32..=12,
            1u32..=31,
            0u32..24,
            0u32..60,
            0u32..=60,
            prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"],
        )
            .prop_map(|(y, mo, d, h, mi, s, frac)| {
                let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z");
                let t = Timestamp::from_text(&text);
                if let Timestamp::Valid(v) = &t {
                    assert_eq!(v, &StixTimestamp::parse(&text).unwrap());
                }
                t
            })
    }

    fn orderable() -> BoxedStrategy<Literal> {
        prop_oneof![
            number(false, true).prop_map(Literal::Int),
            number(false, false).prop_map(Literal::Float),
            "\\PC{0,8}".prop_map(|s| Literal::String(s.into())),
            "['\\\\a-z ]{0,8}".prop_map(|s| Literal::String(s.into())),
            vec(any::<u8>(), 1..8).prop_map(|b| Literal::Binary(b.into())),
            vec(any::<u8>(), 0..8).prop_map(|b| Literal::Hex(b.into())),
            timestamp().prop_map(Literal::Timestamp),
        ]
        .boxed()
    }

    fn primitive() -> BoxedStrategy<Literal> {
        prop_oneof![5 => orderable(), 1 => any::<bool>().prop_map(Literal::Bool)].boxed()
    }

    fn path() -> impl Strategy<Value = ObjectPath> {
        let step = prop_oneof![
            name().prop_map(PathStep::Key),
            number(false, true).prop_map(PathStep::Index),
            Just(PathStep::AnyIndex),
        ];
        (
            "[a-z_][a-z0-9_-]{0,8}".prop_filter("reserved", |t| t != "true" && t != "false"),
            name(),
            vec(step, 0..3),
        )
            .prop_map(|(t, first, steps)| ObjectPath {
                object_type: t.into(),
                first,
                steps,
                span: Span::default(),
            })
    }

    fn test() -> impl Strategy<Value = Test> {
        let s = || "\\PC{0,6}".prop_map(Into::into);
        prop_oneof![
            primitive().prop_map(Test::Equal),
            primitive().prop_map(Test::NotEqual),
            orderable().prop_map(Test::Greater),
            orderable().prop_map(Test::Less),
            orderable().prop_map(Test::GreaterOrEqual),
            orderable().prop_map(Test::LessOrEqual),
            vec(primitive(), 0..4).prop_map(Test::In),
            s().prop_map(Test::Like),
            s().prop_map(Test::Matches),
            s().prop_map(Test::IsSubset),
            s().prop_map(Test::IsSuperset),
            Just(Test::Exists),
        ]
    }

    fn comparison() -> BoxedStrategy<ComparisonExpr> {
        (path(), any::<bool>(), test())
            .prop_map(|(path, negated, test)| {
                ComparisonExpr::Comparison(Comparison {
                    path,
                    negated,
                    test,
                    span: Span::default(),
                    value_span: Span::default(),
                })
            })
            .boxed()
    }

    fn comparison_expr(depth: u32) -> BoxedStrategy<ComparisonExpr> {
        if depth == 0 {
            return comparison();
        }
        let atom = prop_oneof![
            3 => comparison(),
            1 => comparison_expr(depth - 1).prop_map(|e| ComparisonExpr::Group(Box::new(e))),
        ]
        .boxed();
        let and = vec(atom.clone(), 2..4)
            .prop_map(ComparisonExpr::And)
            .boxed();
        let or = vec(prop_oneof![atom.clone(), and.clone()], 2..4).prop_map(ComparisonExpr::Or);
        prop_oneof![atom, and, or].boxed()
    }

    fn qualifier() -> impl Strategy<Value = Qualifier> {
        prop_oneof![
            prop_oneof![number(true, true), number(true, false)].prop_map(QualifierKind::Within),
            number(true, true).prop_map(QualifierKind::Repeats),
            (timestamp(), timestamp())
                .prop_map(|(start, stop)| QualifierKind::StartStop { start, stop }),
        ]
        .prop_map(|kind| Qualifier {
            kind,
            span: Span::default(),
        })
    }

    fn observation_expr(depth: u32) -> BoxedStrategy<ObservationExpr> {
        let leaf = (comparison_expr(2), vec(qualifier(), 0..3))
            .prop_map(|(comparison, qualifiers)| ObservationExpr::Observation {
                comparison,
                qualifiers,
                span: Span::default(),
            })
            .boxed();
        if depth == 0 {
            return leaf;
        }
        let group = (observation_expr(depth - 1), vec(qualifier(), 0..2)).prop_map(
            |(inner, qualifiers)| ObservationExpr::Group {
                inner: Box::new(inner),
                qualifiers,
                span: Span::default(),
            },
        );
        let atom = prop_oneof![3 => leaf, 1 => group].boxed();
        let and = vec(atom.clone(), 2..4)
            .prop_map(ObservationExpr::And)
            .boxed();
        let or = vec(prop_oneof![atom.clone(), and.clone()], 2..4)
            .prop_map(ObservationExpr::Or)
            .boxed();
        let fb = vec(prop_oneof![atom.clone(), and.clone(), or.clone()], 2..4)
            .prop_map(ObservationExpr::FollowedBy);
        prop_oneof![atom, and, or, fb].boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_trees_print_and_parse_back(root in observation_expr(2)) {
            let pattern = Pattern { root };
            let printed = pattern.to_string();
            let full = stix::pattern::parse_with_grammar(&printed);
            prop_assert!(full.is_ok(), "{printed}: {:?}", full.err());
            prop_assert_eq!(full.as_ref().ok(), Some(&pattern), "{}", printed);
            let quick = stix::pattern::parse(&printed);
            prop_assert_eq!(
                quick.as_ref().map(|p| format!("{p:?}")).ok(),
                full.as_ref().map(|p| format!("{p:?}")).ok()
            );
        }
    }
}
