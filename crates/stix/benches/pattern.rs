//! Cost of checking indicator patterns at ingest (target: <= 3 us per `validate` call on
//! typical short patterns, release build).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

const PATTERNS: &[(&str, &str)] = &[
    ("ipv4", "[ipv4-addr:value = '198.51.100.1']"),
    (
        "hashes",
        "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4' OR file:hashes.'SHA-256' = \
         'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    ),
    ("url", "[url:value = 'http://x.example/a.exe']"),
    (
        "qualified",
        "[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24' AND network-traffic:dst_port = 443] \
         REPEATS 5 TIMES WITHIN 1800 SECONDS",
    ),
    (
        "notes_131b",
        "[file:hashes.'SHA-256' = 'aec0' AND file:name MATCHES '^x.*'] FOLLOWEDBY \
         [ipv4-addr:value ISSUBSET '10.0.0.0/8'] WITHIN 300 SECONDS",
    ),
];

fn bench(c: &mut Criterion) {
    for (name, pattern) in PATTERNS {
        c.bench_function(&format!("parse/{name}"), |b| {
            b.iter(|| stix::pattern::parse(black_box(pattern)))
        });
        c.bench_function(&format!("check_syntax/{name}"), |b| {
            b.iter(|| stix::pattern::check_syntax(black_box(pattern)))
        });
        c.bench_function(&format!("validate/{name}"), |b| {
            b.iter(|| stix::pattern::validate(black_box(pattern)))
        });
    }
    c.bench_function("validate/error", |b| {
        b.iter(|| stix::pattern::validate(black_box("[file:name = 'x' AND ]")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
