//! Server discovery and API roots (T-36 ... T-45; interop contract 7: max_content_length
//! advertised and enforced).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    PARTNERS, PROVISIONING, TAXII, TestServer, Who, body_json, expect_error, expect_ok, indicator,
    objects_path,
};

fn provisioning_with_texts() -> String {
    PROVISIONING.replace(
        "default_api_root = \"lds\"",
        "default_api_root = \"lds\"\ntitle = \"Schakel test\"\ndescription = \"Test server\"\ncontact = \"soc@example.org\"",
    )
}

// T-36, T-37, T-38: discovery at exactly /taxii2/ with its title, description, contact and a
// default that is one of api_roots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t36_t37_t38_discovery_resource() {
    let srv = TestServer::start_with(&provisioning_with_texts()).await;
    let d = expect_ok(srv.get("/taxii2/", Who::Ncsc).await).await;
    assert_eq!(d["title"], "Schakel test");
    assert_eq!(d["description"], "Test server");
    assert_eq!(d["contact"], "soc@example.org");
    let roots: Vec<&str> = d["api_roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(roots.contains(&d["default"].as_str().unwrap()), "{d}");
    assert_eq!(d["default"], format!("{}/lds/", srv.base));
    // Only /taxii2/ is discovery; similar paths are not.
    for p in ["/taxii/", "/taxii2.1/", "/TAXII2/", "/taxii2/taxii2/"] {
        expect_error(srv.get(p, Who::Ncsc).await, 404).await;
    }
    // Without the optional texts, only the title.
    let plain = TestServer::start().await;
    let d = expect_ok(plain.get("/taxii2/", Who::Ncsc).await).await;
    assert!(d["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        d.get("description").is_none() && d.get("contact").is_none(),
        "{d}"
    );
    srv.stop().await;
    plain.stop().await;
}

// T-39: api_roots are absolute URLs without a query, one per root, filtered per client;
// `default` only when the client sees that root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t39_api_roots_are_absolute_and_filtered_per_client() {
    let srv = TestServer::start().await;
    let roots = |d: &serde_json::Value| -> Vec<String> {
        d["api_roots"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let lds = format!("{}/lds/", srv.base);
    let other = format!("{}/other/", srv.base);
    // NCSC has grants in both roots, DTC and Z-CERT only in lds, the operator sees all.
    for (who, want) in [
        (Who::Ncsc, vec![&lds, &other]),
        (Who::Dtc, vec![&lds]),
        (Who::Zcert, vec![&lds]),
        (Who::Operator, vec![&lds, &other]),
    ] {
        let d = expect_ok(srv.get("/taxii2/", who).await).await;
        let got = roots(&d);
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{who:?}");
        for r in &got {
            assert!(
                r.starts_with("http://127.0.0.1:") || r.starts_with("https://"),
                "{r}"
            );
            let after_scheme = r.split_once("://").unwrap().1;
            assert!(
                !after_scheme.contains("//")
                    && !r.contains('?')
                    && !r.contains('#')
                    && r.ends_with('/'),
                "{r}"
            );
            // Each URL is an API root this client can open.
            let path = r.strip_prefix(&srv.base).unwrap();
            expect_ok(srv.get(path, who).await).await;
        }
        assert_eq!(d["default"], serde_json::json!(lds));
    }
    // Forwarding headers (from a TLS-terminating proxy) are used, but never to make an URL
    // that is not an http(s) URL of a bare host, or that carries a query.
    let forwarded = |proto: &str, host: &str| {
        srv.req(reqwest::Method::GET, "/taxii2/", Who::Ncsc)
            .header("X-Forwarded-Proto", proto)
            .header("X-Forwarded-Host", host)
            .send()
    };
    let d = expect_ok(forwarded("https", "taxii.example.org").await.unwrap()).await;
    assert_eq!(d["default"], "https://taxii.example.org/lds/");
    for (proto, host) in [
        ("javascript", "evil.example/?q=1"),
        ("ftp", "a@b"),
        ("http", "x y"),
        ("https", "h/#f"),
    ] {
        let d = expect_ok(forwarded(proto, host).await.unwrap()).await;
        for r in roots(&d) {
            assert!(
                r.starts_with("http://") || r.starts_with("https://"),
                "{proto} {host}: {r}"
            );
            let after_scheme = r.split_once("://").unwrap().1;
            assert!(
                !r.contains('?')
                    && !r.contains('#')
                    && !r.contains('@')
                    && !r.contains(' ')
                    && !after_scheme.contains("//"),
                "{proto} {host}: {r}"
            );
        }
    }
    // The outsider sees no root: no api_roots (never []) and no default pointing at nothing.
    let d = expect_ok(srv.get("/taxii2/", Who::Outsider).await).await;
    assert!(
        d.get("api_roots").is_none() && d.get("default").is_none(),
        "{d}"
    );
    assert!(d["title"].is_string());
    srv.stop().await;
}

// T-40: discovery answers 200, 401 without credentials, 406 for an unacceptable Accept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t40_discovery_status_codes() {
    let srv = TestServer::start().await;
    expect_ok(srv.get("/taxii2/", Who::Zcert).await).await;
    expect_error(srv.get("/taxii2/", Who::Nobody).await, 401).await;
    let r = srv
        .client
        .get(srv.url("/taxii2/"))
        .header("Accept", "application/taxii+json;version=2.0")
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await
        .unwrap();
    expect_error(r, 406).await;
    srv.stop().await;
}

// T-42, T-43: at least one API root, each at its own URL, with title, description, versions
// including application/taxii+json;version=2.1 and a positive max_content_length.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t42_t43_api_root_resource() {
    let srv = TestServer::start().await;
    let d = expect_ok(srv.get("/taxii2/", Who::Operator).await).await;
    let urls: Vec<&str> = d["api_roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(!urls.is_empty());
    let unique: std::collections::BTreeSet<_> = urls.iter().collect();
    assert_eq!(unique.len(), urls.len(), "unique API root URLs");
    let root = expect_ok(srv.get("/lds/", Who::Ncsc).await).await;
    assert_eq!(root["title"], "Landelijk Dekkend Stelsel");
    assert_eq!(root["description"], "Test API root");
    let versions: Vec<&str> = root["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(versions.contains(&TAXII), "{root}");
    assert_eq!(root["max_content_length"], 1_048_576);
    // A root without a configured limit advertises the default, a positive integer.
    let other = expect_ok(srv.get("/other/", Who::Ncsc).await).await;
    assert!(other["max_content_length"].as_u64().unwrap() > 0);
    assert!(other.get("description").is_none());
    srv.stop().await;
}

/// An envelope of exactly `len` bytes (padded with spaces inside the JSON).
fn envelope_of_len(n: u32, len: usize) -> Vec<u8> {
    let body =
        serde_json::json!({ "objects": [indicator(n, "2024-01-01T00:00:00.000Z")] }).to_string();
    assert!(body.len() <= len, "limit too small for one object");
    let mut out = body[..body.len() - 1].to_owned();
    out.push_str(&" ".repeat(len - body.len()));
    out.push('}');
    assert_eq!(out.len(), len);
    out.into_bytes()
}

// T-44, T-70, interop contract 7: a body above max_content_length is 413 (declared length or
// chunked), never one at or below it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t44_413_above_max_content_length_never_below() {
    let limit = 2048;
    let srv = TestServer::start_with(&PROVISIONING.replace(
        "max_content_length = 1048576",
        &format!("max_content_length = {limit}"),
    ))
    .await;
    let path = objects_path(PARTNERS);
    let root = expect_ok(srv.get("/lds/", Who::Ncsc).await).await;
    assert_eq!(root["max_content_length"], limit);
    for (n, len) in [(1, limit - 1), (2, limit), (3, 900)] {
        let r = srv
            .post_raw(&path, Who::Ncsc, Some(TAXII), envelope_of_len(n, len))
            .await;
        assert_eq!(r.status(), 202, "{len} octets");
        assert_eq!(body_json(r).await["success_count"], 1);
    }
    for len in [limit + 1, limit * 4] {
        let r = srv
            .post_raw(&path, Who::Ncsc, Some(TAXII), envelope_of_len(9, len))
            .await;
        let e = expect_error(r, 413).await;
        assert_eq!(e["details"]["max_content_length"], limit, "{e}");
    }
    // Chunked bodies (no Content-Length) are measured as they arrive.
    let chunked = |body: Vec<u8>| {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nAccept: {TAXII}\r\nContent-Type: {TAXII}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        for part in body.chunks(500) {
            req.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            req.extend_from_slice(part);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(b"0\r\n\r\n");
        req
    };
    let (status, head, body) = srv.raw_http(&chunked(envelope_of_len(10, limit))).await;
    assert_eq!(status, 202, "{head}\n{body}");
    let (status, head, body) = srv.raw_http(&chunked(envelope_of_len(11, limit + 1))).await;
    assert_eq!(status, 413, "{head}\n{body}");
    assert!(
        head.contains("content-type: application/taxii+json;version=2.1"),
        "{head}"
    );
    // Only the objects of accepted requests are stored.
    let m = expect_ok(srv.get(&common::manifest_path(PARTNERS), Who::Ncsc).await).await;
    assert_eq!(m["objects"].as_array().unwrap().len(), 4);
    // The limit is per API root: the other root's default is far larger.
    srv.stop().await;
}

// T-45: API root 200; 401; 404 for an unknown root and for one the client may not see (the
// same answer); 406.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t45_api_root_status_codes() {
    let srv = TestServer::start().await;
    expect_ok(srv.get("/lds/", Who::Dtc).await).await;
    expect_ok(srv.get("/lds", Who::Dtc).await).await;
    expect_error(srv.get("/lds/", Who::Nobody).await, 401).await;
    let hidden = expect_error(srv.get("/other/", Who::Dtc).await, 404).await;
    let unknown = expect_error(srv.get("/nosuchroot/", Who::Dtc).await, 404).await;
    assert_eq!(hidden, unknown);
    expect_error(srv.get("/lds/", Who::Outsider).await, 404).await;
    expect_ok(srv.get("/other/", Who::Operator).await).await;
    let r = srv
        .client
        .get(srv.url("/lds/"))
        .header("Accept", "application/xml")
        .basic_auth("dtc", Some("dtc-password"))
        .send()
        .await
        .unwrap();
    expect_error(r, 406).await;
    srv.stop().await;
}
