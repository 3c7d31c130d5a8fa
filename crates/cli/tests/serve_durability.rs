//! Durability (issue: "a crash loses no acknowledged object"): `schakel serve` is killed with
//! SIGKILL while several clients post objects; after a restart on the same data directory,
//! every object whose status reported success is there, byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "4f8c2a1e-6b3d-4e5f-9a7b-1c2d3e4f5a6b";

fn config(dir: &Path) -> std::path::PathBuf {
    common::poster_config(dir, COLLECTION)
}

fn indicator(writer: usize, batch: usize, i: usize) -> Value {
    let n = writer * 1_000_000 + batch * 1000 + i;
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{:08x}-0000-4000-8000-{:012x}", writer, n),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": format!("durability {n}"),
        "description": "posted while the server is killed",
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", writer, batch % 250, i % 250),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_reported_as_success_survive_sigkill() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let (mut child, base) = common::serve_config(&config);
    let client = reqwest::Client::new();
    let url = format!("{base}/lds/collections/{COLLECTION}/objects/");

    // Acknowledged objects: id -> exact bytes sent.
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for batch in 0.. {
                let objects: Vec<Value> = (0..50).map(|i| indicator(w, batch, i)).collect();
                let texts: Vec<String> = objects
                    .iter()
                    .map(|o| serde_json::to_string(o).unwrap())
                    .collect();
                let body = format!("{{\"objects\":[{}]}}", texts.join(","));
                let resp = client
                    .post(&url)
                    .basic_auth("poster", Some("poster-password"))
                    .header("Accept", TAXII)
                    .header("Content-Type", TAXII)
                    .body(body)
                    .send()
                    .await;
                // Once the server is gone, requests fail: stop.
                let Ok(resp) = resp else { return };
                if resp.status() != 202 {
                    return;
                }
                let Ok(status) = resp.json::<Value>().await else {
                    return;
                };
                let mut acked = acked.lock().unwrap();
                for s in status["successes"].as_array().into_iter().flatten() {
                    let id = s["id"].as_str().unwrap();
                    let text = texts.iter().find(|t| t.contains(id)).unwrap();
                    acked.push((id.to_owned(), text.clone()));
                }
            }
        }));
    }
    // Let the writers get going, then kill the server mid-stream.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "the writers should have had objects acknowledged before the kill, got {}",
        acked.len()
    );

    let (mut child, base) = common::serve_config(&config);
    let url = format!("{base}/lds/collections/{COLLECTION}/objects/");
    let mut missing = Vec::new();
    for (id, text) in &acked {
        let resp = client
            .get(format!("{url}{id}/"))
            .basic_auth("poster", Some("poster-password"))
            .header("Accept", TAXII)
            .send()
            .await
            .unwrap();
        if resp.status() != 200 {
            missing.push(id.clone());
            continue;
        }
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(text.as_str()),
            "{id} is not served as the bytes it was posted in: {body}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    println!(
        "{} acknowledged objects, {} missing after SIGKILL and restart",
        acked.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "acknowledged objects lost: {missing:?}");
}
