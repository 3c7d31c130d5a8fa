//! `schakel backup` while the server runs and writes, and `schakel restore` into a new data
//! directory: every object acknowledged before the backup started is in the restored database,
//! the audit chain of the copy verifies, and damaged copies or an occupied data directory are
//! refused.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::json;

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "4f8c2a1e-6b3d-4e5f-9a7b-1c2d3e4f5a6b";

fn config(dir: &Path) -> std::path::PathBuf {
    common::poster_config(dir, COLLECTION)
}

fn count(db: &Path) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT count(*) FROM object_version", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| usize::try_from(n).unwrap())
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_then_restore() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let (mut server, base) = common::serve_config(&config);

    // A writer that keeps posting while the backup runs.
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop) = (acked.clone(), stop.clone());
        let url = format!("{base}/lds/collections/{COLLECTION}/objects/");
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for batch in 0u32.. {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let objects: Vec<_> = (0..50)
                    .map(|i| {
                        json!({
                            "type": "indicator", "spec_version": "2.1",
                            "id": format!("indicator--{batch:08x}-0000-4000-8000-{i:012x}"),
                            "created": "2024-01-01T00:00:00.000Z",
                            "modified": "2024-01-01T00:00:00.000Z",
                            "pattern": "[ipv4-addr:value = '198.51.100.7']",
                            "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"
                        })
                    })
                    .collect();
                let r = client
                    .post(&url)
                    .basic_auth("poster", Some("poster-password"))
                    .header("Accept", TAXII)
                    .header("Content-Type", TAXII)
                    .body(json!({ "objects": objects }).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 202);
                acked.fetch_add(50, Ordering::SeqCst);
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 1000 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = acked.load(Ordering::SeqCst);
    let copies = dir.path().join("backup");
    let (code, out, err) = tokio::task::spawn_blocking({
        let (config, copies) = (config.clone(), copies.clone());
        move || {
            common::run([
                "backup",
                "--config",
                config.to_str().unwrap(),
                "--to",
                copies.to_str().unwrap(),
                "--format",
                "json",
            ])
        }
    })
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let copied = usize::try_from(report["object_versions"].as_u64().unwrap()).unwrap();
    assert!(
        copied >= before,
        "{copied} copied, {before} acknowledged before"
    );
    assert!(report["audit_entries"].as_u64().unwrap() > 0);
    server.kill().unwrap();
    server.wait().unwrap();

    // Into a new data directory; the audit chain of the copy verifies there.
    let restored = dir.path().join("restored");
    let restored_s = restored.to_str().unwrap();
    let copies_s = copies.to_str().unwrap();
    let (code, out, err) = common::run(["restore", "--data", restored_s, "--from", copies_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!("restored {copied} object versions")),
        "{out}"
    );
    assert_eq!(count(&restored.join("schakel.db")), copied);
    let (code, out, _) = common::run(["audit", "--data", restored_s, "verify"]);
    assert_eq!(code, 0, "{out}");
    // Not over an existing database without --replace.
    let (code, _, err) = common::run(["restore", "--data", restored_s, "--from", copies_s]);
    assert_eq!(code, 2);
    assert!(err.contains("--replace"), "{err}");
    // A damaged copy is refused, and nothing is replaced.
    let audit = rusqlite::Connection::open(copies.join("schakel.audit.db")).unwrap();
    audit
        .execute(
            "UPDATE audit SET body = replace(body, 'add', 'adx') WHERE seq = 1",
            [],
        )
        .unwrap();
    drop(audit);
    let (code, _, err) = common::run([
        "restore",
        "--data",
        restored_s,
        "--from",
        copies_s,
        "--replace",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("audit chain"), "{err}");
    assert_eq!(count(&restored.join("schakel.db")), copied);
}
