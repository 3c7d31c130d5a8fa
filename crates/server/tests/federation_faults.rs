//! A pull through a faulty network (issue 6): between the puller and a real Schakel upstream
//! sits a proxy that answers 500, answers 429 with `Retry-After`, stalls past the client's
//! timeout, and drops the connection half-way through a page. The pull recovers and the local
//! collection ends up equal to the upstream one: every version, byte for byte, nothing twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{PARTNERS, TestServer, indicator, ipv4, modified};
use server::config::{ProvisioningFile, UpstreamEntry};
use store::sqlite::SqliteStore;
use store::{ObjectFilter, PageRequest, Store, VersionMatch, Visibility};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the proxy did, by kind.
#[derive(Debug, Default)]
struct Faults {
    requests: AtomicUsize,
    errors: AtomicUsize,
    throttled: AtomicUsize,
    stalled: AtomicUsize,
    dropped: AtomicUsize,
}

/// Starts the proxy in front of `upstream` and returns its base URL. Each connection carries
/// one request (`Connection: close`); request `n` gets the fault its number selects.
async fn faulty_proxy(upstream: String, faults: Arc<Faults>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let (upstream, client, faults) = (upstream.clone(), client.clone(), faults.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let mut lines = head.split("\r\n");
                let target = lines
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .unwrap()
                    .to_owned();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(": "))
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
                    .collect();
                let n = faults.requests.fetch_add(1, Ordering::SeqCst);
                let reply = |status: &str, extra: &str, body: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/taxii+json;version=2.1\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                match n % 6 {
                    1 => {
                        faults.errors.fetch_add(1, Ordering::SeqCst);
                        let body = r#"{"title":"upstream trouble","http_status":"500"}"#;
                        let _ = sock
                            .write_all(reply("500 Internal Server Error", "", body).as_bytes())
                            .await;
                        return;
                    }
                    3 => {
                        faults.throttled.fetch_add(1, Ordering::SeqCst);
                        let body = r#"{"title":"slow down","http_status":"429"}"#;
                        let _ = sock
                            .write_all(
                                reply("429 Too Many Requests", "Retry-After: 1\r\n", body)
                                    .as_bytes(),
                            )
                            .await;
                        return;
                    }
                    _ if n % 13 == 7 => {
                        // Longer than the client's one-second timeout, then gone.
                        faults.stalled.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        return;
                    }
                    _ => {}
                }
                let mut req = client.get(format!("{upstream}{target}"));
                for (k, v) in &headers {
                    if k == "authorization" || k == "accept" {
                        req = req.header(k.as_str(), v.as_str());
                    }
                }
                let resp = req.send().await.unwrap();
                let status = resp.status();
                let mut extra = String::new();
                for h in ["x-taxii-date-added-first", "x-taxii-date-added-last"] {
                    if let Some(v) = resp.headers().get(h) {
                        extra.push_str(&format!("{h}: {}\r\n", v.to_str().unwrap()));
                    }
                }
                let body = resp.text().await.unwrap();
                let full = reply(
                    &format!(
                        "{} {}",
                        status.as_u16(),
                        status.canonical_reason().unwrap_or("")
                    ),
                    &extra,
                    &body,
                );
                if n % 6 == 5 && body.len() > 100 {
                    // The headers promise the whole page; half of it arrives.
                    faults.dropped.fetch_add(1, Ordering::SeqCst);
                    let cut = full.len() - body.len() / 2;
                    let _ = sock.write_all(&full.as_bytes()[..cut]).await;
                    return;
                }
                let _ = sock.write_all(full.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

const MIRROR: &str = "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a";

const LOCAL: &str = r#"
[[api_root]]
path = "lds"
title = "Local"

[[organisation]]
id = "ncsc"
name = "NCSC-NL"

[[collection]]
api_root = "lds"
id = "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"
title = "mirror"
owner = "ncsc"
read = ["ncsc"]
"#;

/// Every stored version of the collection as (id, version) -> bytes.
async fn versions(
    store: &SqliteStore,
    api_root: &str,
    collection: &str,
) -> BTreeMap<(String, String), String> {
    let c = store
        .collection(api_root, collection)
        .await
        .unwrap()
        .unwrap();
    let page = store
        .query(
            &c,
            &ObjectFilter {
                versions: VersionMatch::All,
                ..ObjectFilter::default()
            },
            &Visibility::All,
            PageRequest {
                after: None,
                limit: 100_000,
            },
            true,
        )
        .await
        .unwrap();
    assert!(!page.more);
    page.rows
        .into_iter()
        .map(|r| ((r.id, r.version), r.body.unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_through_errors_throttling_stalls_and_drops_ends_equal_to_the_upstream() {
    let upstream = TestServer::start().await;
    // 300 indicators, 100 of them in a second version, and 100 unversioned SCOs.
    let mut objects: Vec<serde_json::Value> =
        (0..300).map(|n| indicator(n, &modified(0))).collect();
    objects.extend((0..100).map(|n| indicator(n, &modified(60))));
    objects.extend((0..100).map(ipv4));
    for chunk in objects.chunks(100) {
        upstream.add(PARTNERS, chunk).await;
    }

    let faults = Arc::new(Faults::default());
    let proxy = faulty_proxy(upstream.base.clone(), faults.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&data.path().join("schakel.db"), Default::default()).unwrap();
    let file = ProvisioningFile::parse(LOCAL, "local.toml").unwrap();
    server::provision::apply_file(&store, &file).await.unwrap();
    let sub = UpstreamEntry {
        username: Some("dtc".into()),
        password: Some("dtc-password".into()),
        page_size: 40,
        timeout_secs: 1,
        retries: 10,
        ..common::upstream(
            "partners",
            format!("{proxy}/lds/"),
            "lds-partners",
            "ncsc",
            "mirror",
        )
    };
    let client = server::federation::client_for(&sub).unwrap();
    let clock = server::state::Clock::default();
    let report = server::federation::pull(&store, &sub, &client, &clock, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.stored, 500, "{report:?}");
    assert_eq!(report.refused, 0, "{report:?}");
    for (what, n) in [
        ("500", &faults.errors),
        ("429", &faults.throttled),
        ("stall", &faults.stalled),
        ("drop", &faults.dropped),
    ] {
        assert!(
            n.load(Ordering::SeqCst) > 0,
            "the proxy never injected a {what}: {faults:?}"
        );
    }

    // The upstream's collection, read directly (every version, with the bodies it stores).
    let upstream_store =
        SqliteStore::open(&upstream.data.path().join("schakel.db"), Default::default()).unwrap();
    let want = versions(&upstream_store, "lds", PARTNERS).await;
    let got = versions(&store, "lds", MIRROR).await;
    assert_eq!(want.len(), 500);
    // Unversioned SCOs get their date_added as version on each server: compare those by id and
    // bytes, the rest by (id, version) and bytes.
    let split = |m: &BTreeMap<(String, String), String>| {
        let mut versioned = BTreeMap::new();
        let mut scos: Vec<(String, String)> = Vec::new();
        for ((id, v), body) in m {
            if id.starts_with("ipv4-addr--") {
                scos.push((id.clone(), body.clone()));
            } else {
                versioned.insert((id.clone(), v.clone()), body.clone());
            }
        }
        scos.sort();
        (versioned, scos)
    };
    assert_eq!(
        split(&got),
        split(&want),
        "the mirror equals the upstream exactly"
    );

    // Pulling again finds nothing new, through the same faults.
    let again = server::federation::pull(&store, &sub, &client, &clock, &mut |_| {})
        .await
        .unwrap();
    // Only the last instant of the previous run is asked for again (found as duplicates).
    assert_eq!(again.stored, 0, "{again:?}");
    assert!(again.received <= 1, "{again:?}");
    assert_eq!(versions(&store, "lds", MIRROR).await.len(), 500);
    upstream.stop().await;
}
