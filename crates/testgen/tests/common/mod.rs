//! Helpers shared by the generator's integration tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]
#![allow(dead_code)]

use std::path::PathBuf;

use stix::Finding;
use testgen::DEFAULT_SEED;

/// Corpus seed: `SCHAKEL_TESTGEN_SEED` (decimal or 0x-hex) or the default.
pub fn seed() -> u64 {
    match std::env::var("SCHAKEL_TESTGEN_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("SCHAKEL_TESTGEN_SEED '{s}' is not a number"))
        }
        Err(_) => DEFAULT_SEED,
    }
}

/// Objects per type: `SCHAKEL_TESTGEN_PER_TYPE` or 500.
pub fn per_type() -> usize {
    std::env::var("SCHAKEL_TESTGEN_PER_TYPE")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(500)
}

/// The cargo target directory this test binary was built into.
pub fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        let d = PathBuf::from(d);
        if d.is_absolute() {
            return d;
        }
        return repo_root().join(d);
    }
    // <target>/<profile>/deps/<test binary>
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| repo_root().join("target"))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `S-xx /pointer: message`, shortened.
pub fn describe(f: &Finding) -> String {
    let ptr = if f.pointer.is_empty() {
        "/"
    } else {
        &f.pointer
    };
    let mut s = format!("{} {}: {}", f.rule, ptr, f.message);
    if s.chars().count() > 110 {
        s = s.chars().take(107).collect::<String>() + "...";
    }
    s
}
