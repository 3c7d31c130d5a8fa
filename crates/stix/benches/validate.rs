//! Throughput of the document validator on one core (target: >= 100,000 objects/s, release
//! build). Input: `fixtures/bench/bundle-10k.json`, a copy of
//! `gen_dataset.py -n 10000` output (10,000 object versions, one line, 5.2 MB), committed so
//! the bench runs without the generator.
//!
//! Besides the whole `validate_document` call, the phases are timed on their own so a miss of
//! the target can be traced: reading the bundle one level deep, parsing every object into a
//! `Node` tree, the per-object rule walk on already parsed trees, and within it the indicator
//! patterns alone. What is left (`validate_document` minus split, parse and rules) is
//! positions and the cross-object checks of the bundle.

// clippy.toml allows these in #[test] functions only; the helpers here are test code too, where
// a failed assumption should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::value::RawValue;
use stix::json::Node;
use stix::raw::{ShallowObject, split_array};
use stix::validate::{validate_document, validate_node};

fn bundle() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bench/bundle-10k.json");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn objects_of(text: &str) -> Vec<&RawValue> {
    let top: ShallowObject<'_> = serde_json::from_str(text).unwrap();
    split_array(top.get("objects").unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let bytes = bundle();
    let text = std::str::from_utf8(&bytes).unwrap();
    let objects = objects_of(text);
    let n = objects.len() as u64;
    let mut g = c.benchmark_group("bundle-10k");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("validate_document", |b| {
        // The data set must stay clean, or the bench would time error paths. Checked here
        // rather than up front so that running only the phases skips it.
        let report = validate_document(&bytes).unwrap();
        assert_eq!(report.objects.len() as u64, n);
        assert_eq!(report.errors(), 0, "{:?}", report.findings.first());
        b.iter(|| validate_document(black_box(&bytes)))
    });
    g.bench_function("phase/split", |b| {
        b.iter(|| objects_of(black_box(text)).len())
    });
    g.bench_function("phase/parse_nodes", |b| {
        b.iter(|| {
            objects
                .iter()
                .map(|o| Node::parse(black_box(o.get())).is_ok() as usize)
                .sum::<usize>()
        })
    });
    let nodes: Vec<Node<'_>> = objects
        .iter()
        .map(|o| Node::parse(o.get()).unwrap())
        .collect();
    g.bench_function("phase/rules", |b| {
        b.iter(|| {
            nodes
                .iter()
                .map(|node| validate_node(black_box(node), "").findings.len())
                .sum::<usize>()
        })
    });
    // Part of the rules phase: the STIX patterns of the indicators (about 70% of the objects).
    let patterns: Vec<String> = objects
        .iter()
        .filter_map(|o| {
            let top: ShallowObject<'_> = serde_json::from_str(o.get()).ok()?;
            serde_json::from_str(top.get("pattern")?.get()).ok()
        })
        .collect();
    g.bench_function("phase/rules/patterns_only", |b| {
        b.iter(|| {
            patterns
                .iter()
                .map(|p| stix::pattern::validate(black_box(p)).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
