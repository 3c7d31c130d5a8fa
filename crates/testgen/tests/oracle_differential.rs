//! Differential test against the OASIS validator (stix2-validator 3.3.2 through
//! `fixtures/conformance/oracle.sh`): every generated object is written to a file, judged by
//! the oracle in `--must-only` and in strict mode, and by `stix::validate::validate_document`
//! (must-only: no error; strict: no finding at all). Every disagreement must belong to a
//! class listed in `crates/testgen/known-disagreements.json` with its reason.
//!
//! Needs python3 with venv; the oracle's venv is created under the cargo target dir on first
//! use (from PyPI). Without it the test fails unless `SCHAKEL_SKIP_ORACLE=1`.

// Test code: helper functions fail the test by panicking, like the #[test] bodies do.
#![allow(clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;
use stix::validate::validate_document;
use testgen::{Generated, Intent, generate};

const MODES: [Mode; 2] = [Mode::MustOnly, Mode::Strict];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Mode {
    MustOnly,
    Strict,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::MustOnly => "must-only",
            Mode::Strict => "strict",
        }
    }
}

/// One side's verdict on one object.
#[derive(Debug, Clone)]
struct Verdict {
    valid: bool,
    /// First problem: our `S-xx /ptr: message`, or the oracle's first message.
    first: String,
    /// Our rule of the first problem (empty for the oracle).
    rule: String,
}

fn oracle_script() -> PathBuf {
    common::repo_root().join("fixtures/conformance/oracle.sh")
}

/// Creates the oracle's venv; `Err` with the script's message when that is impossible.
fn setup_oracle(venv: &Path) -> Result<(), String> {
    let out = Command::new("bash")
        .arg(oracle_script())
        .arg("--setup")
        .env("ORACLE_VENV", venv)
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs oracle.sh over `files` (names relative to `dir`) in batches whose command line stays
/// well under the kernel's argument limit.
fn run_oracle(dir: &Path, venv: &Path, files: &[String], mode: Mode) -> HashMap<String, Verdict> {
    const MAX_ARGS_BYTES: usize = 400_000;
    let mut verdicts = HashMap::new();
    let mut batch: Vec<&str> = Vec::new();
    let mut size = 0;
    let mut flush = |batch: &mut Vec<&str>| {
        if batch.is_empty() {
            return;
        }
        let mut cmd = Command::new("bash");
        cmd.arg(oracle_script());
        if mode == Mode::MustOnly {
            cmd.arg("--must-only");
        }
        cmd.arg("--")
            .args(batch.iter())
            .current_dir(dir)
            .env("ORACLE_VENV", venv);
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run oracle.sh: {e}"));
        // 0: all valid, 1: some invalid; anything else is a setup or usage error.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "oracle.sh failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(file) = line.strip_prefix("VALID ") {
                verdicts.insert(
                    file.trim().to_owned(),
                    Verdict {
                        valid: true,
                        first: String::new(),
                        rule: String::new(),
                    },
                );
            } else if let Some(rest) = line.strip_prefix("INVALID ") {
                let (file, msg) = rest.split_once(": ").unwrap_or((rest, ""));
                let first = msg.split_once("; first: ").map_or(msg, |(_, f)| f);
                verdicts.insert(
                    file.to_owned(),
                    Verdict {
                        valid: false,
                        first: first.to_owned(),
                        rule: String::new(),
                    },
                );
            }
        }
        batch.clear();
    };
    for f in files {
        if size + f.len() + 1 > MAX_ARGS_BYTES {
            flush(&mut batch);
            size = 0;
        }
        size += f.len() + 1;
        batch.push(f);
    }
    flush(&mut batch);
    verdicts
}

fn our_verdict(g: &Generated, mode: Mode) -> Verdict {
    let json = g.to_json();
    match validate_document(json.as_bytes()) {
        Ok(report) => {
            let relevant: Vec<_> = report
                .findings
                .iter()
                .filter(|f| mode == Mode::Strict || f.is_error())
                .collect();
            Verdict {
                valid: relevant.is_empty(),
                first: relevant
                    .first()
                    .map(|f| common::describe(f))
                    .unwrap_or_default(),
                rule: relevant
                    .first()
                    .map(|f| f.rule.to_owned())
                    .unwrap_or_default(),
            }
        }
        Err(e) => Verdict {
            valid: false,
            first: format!("document error: {e}"),
            rule: "document".into(),
        },
    }
}

/// The oracle's message without object ids, quoted values and numbers, for grouping.
fn normalize(msg: &str) -> String {
    let chars: Vec<char> = msg.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_quote = false;
    while i < chars.len() {
        let c = chars[i];
        // An identifier `<type>--<uuid>`: drop the type already emitted, then skip the UUID.
        if !in_quote && c == '-' && chars.get(i + 1) == Some(&'-') {
            while out.ends_with(|p: char| p.is_ascii_lowercase() || p.is_ascii_digit() || p == '-')
            {
                out.pop();
            }
            out.push_str("<id>");
            i += 2;
            while i < chars.len() && (chars[i].is_ascii_hexdigit() || chars[i] == '-') {
                i += 1;
            }
            continue;
        }
        if c == '\'' {
            out.push_str(if in_quote { "…'" } else { "'" });
            in_quote = !in_quote;
        } else if !in_quote {
            if c.is_ascii_digit()
                && !out.ends_with('{')
                && !out.ends_with(|p: char| p.is_ascii_digit())
            {
                out.push('N');
            } else if !(c.is_ascii_digit() && (out.ends_with('N'))) {
                out.push(c);
            }
        }
        i += 1;
    }
    let out = out.trim_start_matches("<id>: ").to_owned();
    if out.chars().count() > 100 {
        out.chars().take(97).collect::<String>() + "..."
    } else {
        out
    }
}

/// An accepted class of disagreements from known-disagreements.json.
#[derive(Debug)]
struct Known {
    id: String,
    mode: Option<String>,
    direction: String,
    intent: Option<String>,
    types: Option<Vec<String>>,
    our_rule: Option<String>,
    /// Substrings that must all occur in the oracle's first problem.
    oracle_contains: Vec<String>,
}

fn load_known() -> Vec<Known> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("known-disagreements.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
    doc["classes"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            for k in ["id", "direction", "blame", "reason"] {
                assert!(
                    s(c, k).is_some(),
                    "known-disagreements.json: a class lacks '{k}': {c}"
                );
            }
            Known {
                id: s(c, "id").unwrap_or_default(),
                mode: s(c, "mode").filter(|m| m != "both"),
                direction: s(c, "direction").unwrap_or_default(),
                intent: s(c, "intent"),
                types: c.get("types").and_then(Value::as_array).map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                }),
                our_rule: s(c, "our_rule"),
                oracle_contains: match c.get("oracle_contains") {
                    Some(Value::String(x)) => vec![x.clone()],
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                },
            }
        })
        .collect()
}

struct Disagreement<'a> {
    mode: Mode,
    g: &'a Generated,
    ours: Verdict,
    oracle: Verdict,
}

impl Disagreement<'_> {
    fn direction(&self) -> &'static str {
        if self.oracle.valid {
            "we-reject"
        } else {
            "oracle-rejects"
        }
    }

    fn matches(&self, k: &Known) -> bool {
        k.mode.as_deref().is_none_or(|m| m == self.mode.name())
            && k.direction == self.direction()
            && k.intent
                .as_deref()
                .is_none_or(|i| self.g.intent.label().starts_with(i))
            && k.types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == self.g.type_name))
            && k.our_rule.as_deref().is_none_or(|r| r == self.ours.rule)
            && k.oracle_contains
                .iter()
                .all(|s| self.oracle.first.contains(s.as_str()))
    }
}

#[test]
fn differential_against_the_oasis_validator() {
    let started = Instant::now();
    let target = common::target_dir();
    let venv = target.join("oracle-venv");
    if let Err(why) = setup_oracle(&venv) {
        if std::env::var("SCHAKEL_SKIP_ORACLE").as_deref() == Ok("1") {
            eprintln!(
                "SKIPPED: the OASIS validator could not be set up (SCHAKEL_SKIP_ORACLE=1): {why}"
            );
            return;
        }
        panic!(
            "the OASIS validator (fixtures/conformance/oracle.sh) could not be set up in {}: {why}\n\
             Install python3 with venv and pip (Debian: apt-get install -y python3-venv) and PyPI access, \
             or set SCHAKEL_SKIP_ORACLE=1 to skip this test.",
            venv.display()
        );
    }

    let seed = common::seed();
    let per_type = common::per_type();
    let corpus = generate(seed, per_type);
    let dir = target.join("oracle-differential").join("corpus");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files = Vec::with_capacity(corpus.len());
    for g in &corpus {
        let name = format!("{}.json", g.name);
        std::fs::write(dir.join(&name), g.to_json()).unwrap_or_else(|e| panic!("{name}: {e}"));
        files.push(name);
    }
    let mut per_type_counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for g in &corpus {
        let e = per_type_counts.entry(g.type_name).or_default();
        if g.intent == Intent::Valid {
            e.0 += 1
        } else {
            e.1 += 1
        }
    }
    let generated_at = started.elapsed();

    // The two modes run side by side: each is one python process per batch.
    let (must, strict) = std::thread::scope(|s| {
        let a = s.spawn(|| run_oracle(&dir, &venv, &files, Mode::MustOnly));
        let b = s.spawn(|| run_oracle(&dir, &venv, &files, Mode::Strict));
        (a.join(), b.join())
    });
    let must = must.unwrap_or_else(|_| panic!("oracle run (must-only) panicked"));
    let strict = strict.unwrap_or_else(|_| panic!("oracle run (strict) panicked"));
    let oracle_at = started.elapsed();

    let known = load_known();
    let mut hits: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unlisted: Vec<Disagreement<'_>> = Vec::new();
    let mut tally: BTreeMap<(Mode, &str, String), usize> = BTreeMap::new();
    let mut agree = [0usize; 2];
    for (g, file) in corpus.iter().zip(&files) {
        for (mi, mode) in MODES.iter().enumerate() {
            let table = if *mode == Mode::MustOnly {
                &must
            } else {
                &strict
            };
            let oracle = table.get(file).cloned().unwrap_or_else(|| {
                panic!("oracle.sh gave no verdict for {file} ({})", mode.name())
            });
            let ours = our_verdict(g, *mode);
            if ours.valid == oracle.valid {
                agree[mi] += 1;
                continue;
            }
            let d = Disagreement {
                mode: *mode,
                g,
                ours,
                oracle,
            };
            match known.iter().find(|k| d.matches(k)) {
                Some(k) => {
                    *hits.entry(k.id.as_str()).or_default() += 1;
                    *tally
                        .entry((*mode, d.direction(), k.id.clone()))
                        .or_default() += 1;
                }
                None => {
                    *tally
                        .entry((*mode, d.direction(), "UNLISTED".into()))
                        .or_default() += 1;
                    unlisted.push(d);
                }
            }
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "differential: {} objects (seed {seed:#x}, {per_type} per type), corpus in {}; generated in {:.1?}, oracle took {:.1?}",
        corpus.len(),
        dir.display(),
        generated_at,
        oracle_at - generated_at
    );
    let _ = writeln!(out, "per type (valid/mutated): {per_type_counts:?}");
    let _ = writeln!(
        out,
        "agreements: must-only {} / strict {} of {}",
        agree[0],
        agree[1],
        corpus.len()
    );
    let _ = writeln!(out, "disagreements by class:");
    for ((mode, dir, id), n) in &tally {
        let _ = writeln!(out, "  {:<9} {:<14} {:>6}  {id}", mode.name(), dir, n);
    }
    let stale: Vec<&str> = known
        .iter()
        .map(|k| k.id.as_str())
        .filter(|id| !hits.contains_key(id))
        .collect();
    if !stale.is_empty() {
        let _ = writeln!(out, "listed classes not seen in this run: {stale:?}");
    }
    println!("{out}");
    if unlisted.is_empty() {
        return;
    }

    // Group the unlisted ones: (mode, direction, intent, our rule, normalized oracle message).
    type Key = (Mode, &'static str, String, String, String);
    let mut groups: BTreeMap<Key, (BTreeSet<&str>, usize, String, String, String)> =
        BTreeMap::new();
    for d in &unlisted {
        let key = (
            d.mode,
            d.direction(),
            d.g.intent.label(),
            d.ours.rule.clone(),
            normalize(&d.oracle.first),
        );
        let e = groups.entry(key).or_insert_with(|| {
            (
                BTreeSet::new(),
                0,
                d.g.name.clone(),
                d.ours.first.clone(),
                d.oracle.first.clone(),
            )
        });
        e.0.insert(d.g.type_name);
        e.1 += 1;
    }
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{} disagreement(s) in {} class(es) not listed in known-disagreements.json:",
        unlisted.len(),
        groups.len()
    );
    for ((mode, direction, intent, _, oracle_norm), (types, n, example, our_first, oracle_first)) in
        &groups
    {
        let types: Vec<&str> = types.iter().copied().collect();
        let shown = if types.len() > 6 {
            format!("{} and {} more", types[..6].join(","), types.len() - 6)
        } else {
            types.join(",")
        };
        let _ = writeln!(
            table,
            "- [{}] {direction}  count {n}  intent '{intent}'  types {shown}",
            mode.name()
        );
        let _ = writeln!(
            table,
            "    ours:   {}",
            if our_first.is_empty() {
                "valid"
            } else {
                our_first
            }
        );
        let _ = writeln!(
            table,
            "    oracle: {}",
            if oracle_first.is_empty() {
                "valid".to_owned()
            } else {
                format!("{oracle_norm}  (e.g. {})", shorten(oracle_first))
            }
        );
        let _ = writeln!(
            table,
            "    example: {}",
            dir.join(format!("{example}.json")).display()
        );
    }
    let report = target.join("oracle-differential").join("unlisted.txt");
    let _ = std::fs::write(&report, &table);
    panic!("{table}\n(also written to {})", report.display());
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 160 {
        s.chars().take(157).collect::<String>() + "..."
    } else {
        s.to_owned()
    }
}
