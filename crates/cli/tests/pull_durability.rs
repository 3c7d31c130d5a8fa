//! Durability of `schakel pull` (issue 6): the puller is killed with SIGKILL in the middle of a
//! run; a second `schakel pull --once` on the same data directory finishes it, and the local
//! collection then holds exactly the upstream's versions, byte for byte, none twice (position
//! and objects are committed together; a page fetched again only finds duplicates).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::collections::BTreeSet;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const TAXII: &str = "application/taxii+json;version=2.1";
const FEED: &str = "4f8c2a1e-6b3d-4e5f-9a7b-1c2d3e4f5a6b";
const MIRROR: &str = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const TOTAL: usize = 4000;

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn upstream_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("upstream.toml");
    write(
        &path,
        &format!(
            r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
data = "{}"

[[api_root]]
path = "lds"
title = "upstream"

[[organisation]]
id = "ncsc"
name = "NCSC"

[[account]]
name = "poster"
organisation = "ncsc"
password = "poster-password"

[[collection]]
api_root = "lds"
id = "{FEED}"
title = "feed"
read = ["ncsc"]
write = ["ncsc"]
"#,
            dir.join("upstream-data").display()
        ),
    );
    path
}

fn local_config(dir: &Path, upstream: &str) -> std::path::PathBuf {
    let path = dir.join("local.toml");
    write(
        &path,
        &format!(
            r#"
[server]
data = "{}"

[[api_root]]
path = "lds"
title = "local"

[[organisation]]
id = "ncsc"
name = "NCSC"

[[collection]]
api_root = "lds"
id = "{MIRROR}"
title = "mirror"
read = ["ncsc"]

[[upstream]]
name = "ncsc"
url = "{upstream}/lds/"
collection = "feed"
organisation = "ncsc"
target_api_root = "lds"
target = "mirror"
username = "poster"
password_env = "UPSTREAM_PASSWORD"
page_size = 40
"#,
            dir.join("local-data").display()
        ),
    );
    path
}

fn pull(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schakel"));
    c.args(["pull", "--once", "--config"])
        .arg(config)
        .env("UPSTREAM_PASSWORD", "poster-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// (id, version, body) of every stored version of a collection, read with SQLite directly.
fn rows(db: &Path, collection: &str) -> Vec<(String, String, Vec<u8>)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT o.stix_id, o.version, o.body FROM object_version o
             JOIN collection c ON c.id = o.collection_id WHERE c.uuid = ?1",
        )
        .unwrap();
    stmt.query_map([collection], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn count(db: &Path) -> usize {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row("SELECT count(*) FROM object_version", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_killed_mid_run_resumes_without_loss_or_duplicates() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (mut upstream, base) = common::serve_config(&upstream_config(dir.path()));
    let http = reqwest::Client::new();
    // Versions of indicators, some objects with several versions.
    let objects: Vec<_> = (0..TOTAL)
        .map(|i| {
            let n = i % (TOTAL * 3 / 4);
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{n:08x}-0000-4000-8000-000000000000"),
                "created": "2024-01-01T00:00:00.000Z",
                "modified": format!("2024-01-01T00:00:0{}.000Z", i / (TOTAL * 3 / 4)),
                "name": format!("indicator {i}"),
                "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", i % 250),
                "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"
            })
        })
        .collect();
    for chunk in objects.chunks(500) {
        let r = http
            .post(format!("{base}/lds/collections/{FEED}/objects/"))
            .basic_auth("poster", Some("poster-password"))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .body(json!({ "objects": chunk }).to_string())
            .send()
            .await
            .unwrap();
        let s: serde_json::Value = r.json().await.unwrap();
        assert_eq!(s["success_count"], chunk.len(), "{s}");
    }

    let local = local_config(dir.path(), &base);
    let db = dir.path().join("local-data").join("schakel.db");
    let mut first = pull(&local).spawn().unwrap();
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(120) {
        seen = count(&db);
        if seen >= 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let at_kill = count(&db);
    assert!(
        seen >= 200 && at_kill < TOTAL,
        "the kill must land mid-run ({seen} seen, {at_kill} stored at the kill of {TOTAL})"
    );

    let out = pull(&local).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.starts_with("ncsc: "), "{report}");

    let want = rows(&dir.path().join("upstream-data").join("schakel.db"), FEED);
    let got = rows(&db, MIRROR);
    assert_eq!(want.len(), TOTAL);
    assert_eq!(
        got.len(),
        TOTAL,
        "nothing lost, nothing twice ({at_kill} before the kill)"
    );
    let want: BTreeSet<_> = want.into_iter().collect();
    let got: BTreeSet<_> = got.into_iter().collect();
    assert_eq!(got, want, "the same versions, byte for byte");

    // For scripts: one JSON report per subscription; nothing new since the last run.
    let out = pull(&local).arg("--format").arg("json").output().unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["name"], "ncsc", "{report}");
    assert_eq!(report["stored"], 0, "{report}");
    assert!(report["position"].is_string(), "{report}");
    upstream.kill().unwrap();
    upstream.wait().unwrap();
}
