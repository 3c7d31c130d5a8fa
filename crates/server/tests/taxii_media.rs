//! Media types and content negotiation (T-13 ... T-21, interop contract 6).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    PARTNERS, TAXII, TestServer, Who, body_json, content_type, expect_error, expect_ok, indicator,
    manifest_path, objects_path,
};
use reqwest::Method;

/// Every kind of endpoint, for sweeps.
fn endpoints() -> Vec<String> {
    vec![
        "/taxii2/".into(),
        "/lds/".into(),
        "/lds/collections/".into(),
        format!("/lds/collections/{PARTNERS}/"),
        manifest_path(PARTNERS),
        objects_path(PARTNERS),
        format!(
            "/lds/collections/{PARTNERS}/objects/{}/",
            common::indicator_id(1)
        ),
        format!(
            "/lds/collections/{PARTNERS}/objects/{}/versions/",
            common::indicator_id(1)
        ),
    ]
}

async fn get_accept(srv: &TestServer, path: &str, accept: &str) -> reqwest::Response {
    srv.client
        .get(srv.url(path))
        .header("Accept", accept)
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await
        .unwrap()
}

// T-13, T-16, T-18, interop contract 6: every spelling of the TAXII media type is accepted,
// and the answer is always application/taxii+json;version=2.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t13_t16_t18_taxii_accept_variants_are_accepted() {
    let srv = TestServer::start().await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    let accepts = [
        "application/taxii+json;version=2.1",
        "application/taxii+json",
        "application/taxii+json; version=2.1",
        "application/taxii+json ;version=2.1",
        "application/taxii+json;version=\"2.1\"",
        "Application/TAXII+JSON;Version=2.1",
        "APPLICATION/TAXII+JSON",
        "application/taxii+json;version=2.1;q=0.9",
        "application/taxii+json;q=0.5;version=2.1",
        "application/taxii+json;charset=utf-8",
        "text/html, application/taxii+json;version=2.1",
        "application/json;q=1.0, application/taxii+json;q=0.1",
        "application/taxii+json;version=2.0, application/taxii+json;version=2.1",
        "application/taxii+json;version=2.1,application/stix+json;version=2.1",
    ];
    for path in endpoints() {
        for accept in accepts {
            let r = get_accept(&srv, &path, accept).await;
            assert_eq!(r.status(), 200, "{path} with Accept {accept:?}");
            // T-18: no version asked -> the highest supported, 2.1.
            assert_eq!(content_type(&r), TAXII, "{path} with Accept {accept:?}");
        }
    }
    // Several Accept lines are one list (RFC 9110 5.3): the TAXII type in any of them counts.
    for (a, b) in [
        ("text/html", TAXII),
        (TAXII, "text/html"),
        ("application/json", "application/taxii+json"),
    ] {
        let req = format!(
            "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAccept: {a}\r\nAccept: {b}\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nConnection: close\r\n\r\n"
        );
        let (status, head, body) = srv.raw_http(req.as_bytes()).await;
        assert_eq!(status, 200, "{a} + {b}: {head}\n{body}");
    }
    let req = "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nAccept: application/json\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nConnection: close\r\n\r\n";
    assert_eq!(srv.raw_http(req.as_bytes()).await.0, 406);
    srv.stop().await;
}

// T-15 (D): a missing Accept, */* and application/* are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t15_missing_or_wildcard_accept_is_served() {
    let srv = TestServer::start().await;
    for accept in ["*/*", "application/*", "", "*/*;q=0.8"] {
        let r = get_accept(&srv, "/taxii2/", accept).await;
        assert_eq!(r.status(), 200, "{accept:?}");
        assert_eq!(content_type(&r), TAXII);
    }
    // No Accept header at all (reqwest always adds one, so raw HTTP).
    let (status, head, _) = srv
        .raw_http(b"GET /lds/collections/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("content-type: application/taxii+json;version=2.1"),
        "{head}"
    );
    srv.stop().await;
}

// T-17 (D, as medallion): Accept that names only other versions or non-TAXII types -> 406 with
// a TAXII error body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t17_other_versions_and_types_are_406() {
    let srv = TestServer::start().await;
    for accept in [
        "application/taxii+json;version=2.0",
        "application/taxii+json;version=2.2",
        "application/json",
        "text/html",
        "application/xml, text/plain",
        "application/taxii+json;q=0",
        "application/taxii+json;version=2.1;q=0, */*",
        "application/stix+json;version=2.0",
    ] {
        for path in endpoints() {
            let r = get_accept(&srv, &path, accept).await;
            expect_error(r, 406).await;
        }
    }
    srv.stop().await;
}

// T-20: the manifest's documented Accept (taxii+json and stix+json) and stix+json alone are
// accepted; the answer is always taxii+json, never a STIX bundle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t20_stix_media_type_in_accept_answers_taxii() {
    let srv = TestServer::start().await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    for accept in [
        "application/taxii+json;version=2.1,application/stix+json;version=2.1",
        "application/stix+json;version=2.1",
        "application/stix+json",
    ] {
        for path in [manifest_path(PARTNERS), objects_path(PARTNERS)] {
            let r = get_accept(&srv, &path, accept).await;
            let v = expect_ok(r).await;
            assert!(v.get("type").is_none(), "not a bundle: {v}");
            assert!(v["objects"].is_array());
        }
    }
    // The collection advertises the STIX content type, and manifest records name it.
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(
        c["media_types"],
        serde_json::json!(["application/stix+json;version=2.1"])
    );
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Dtc).await).await;
    assert_eq!(
        m["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    srv.stop().await;
}

// T-19: POST Content-Type application/taxii+json[;version=2.1] is never 415 (any spelling);
// anything else is 415 (D), with a TAXII error body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t19_post_content_type() {
    let srv = TestServer::start().await;
    let path = objects_path(PARTNERS);
    let mut n = 0;
    for ct in [
        "application/taxii+json;version=2.1",
        "application/taxii+json",
        "application/taxii+json; version=2.1",
        "Application/Taxii+Json;Version=2.1",
        "application/taxii+json;version=2.1; charset=utf-8",
        "application/taxii+json;charset=UTF-8;version=\"2.1\"",
    ] {
        n += 1;
        let body = serde_json::json!({ "objects": [indicator(n, "2024-01-01T00:00:00.000Z")] });
        let r = srv
            .post_raw(&path, Who::Ncsc, Some(ct), body.to_string().into_bytes())
            .await;
        assert_eq!(r.status(), 202, "{ct}");
        assert_eq!(content_type(&r), TAXII);
        assert_eq!(body_json(r).await["success_count"], 1, "{ct}");
    }
    let body = serde_json::json!({ "objects": [indicator(99, "2024-01-01T00:00:00.000Z")] })
        .to_string()
        .into_bytes();
    for ct in [
        Some("application/json"),
        Some("application/stix+json;version=2.1"),
        Some("application/taxii+json;version=2.0"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some(""),
        None,
    ] {
        let r = srv.post_raw(&path, Who::Ncsc, ct, body.clone()).await;
        expect_error(r, 415).await;
    }
    // Nothing of the refused requests was stored.
    let r = srv
        .get(
            &format!("{path}?match[id]={}", common::indicator_id(99)),
            Who::Ncsc,
        )
        .await;
    assert!(expect_ok(r).await.get("objects").is_none());
    // T-19: POST also needs an acceptable Accept.
    let r = srv
        .client
        .post(srv.url(&path))
        .basic_auth("ncsc", Some("ncsc-password"))
        .header("Accept", "application/json")
        .header("Content-Type", TAXII)
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(r, 406).await;
    srv.stop().await;
}

// T-14: every response, success or error (400, 401, 403, 404, 405, 406, 413, 415, 422), has
// Content-Type application/taxii+json;version=2.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t14_every_response_has_the_taxii_content_type() {
    let big =
        common::PROVISIONING.replace("max_content_length = 1048576", "max_content_length = 300");
    let srv = TestServer::start_with(&big).await;
    let path = objects_path(PARTNERS);
    let checks: Vec<(reqwest::Response, u16)> = vec![
        (srv.get("/taxii2/", Who::Ncsc).await, 200),
        (srv.get(&format!("{path}?limit=0"), Who::Ncsc).await, 400),
        (srv.get("/taxii2/", Who::Nobody).await, 401),
        (
            srv.post(&path, Who::Dtc, &[indicator(1, "2024-01-01T00:00:00.000Z")])
                .await,
            403,
        ),
        (srv.get("/lds/collections/nope/", Who::Ncsc).await, 404),
        (srv.get("/nothing/here/at/all/", Who::Ncsc).await, 404),
        (
            srv.req(Method::PUT, &path, Who::Ncsc).send().await.unwrap(),
            405,
        ),
        (get_accept(&srv, "/taxii2/", "text/html").await, 406),
        (
            srv.post(
                &path,
                Who::Ncsc,
                &[indicator(1, "2024-01-01T00:00:00.000Z")],
            )
            .await,
            413,
        ),
        (
            srv.post_raw(&path, Who::Ncsc, Some("application/json"), b"{}".to_vec())
                .await,
            415,
        ),
        (
            srv.post_raw(&path, Who::Ncsc, Some(TAXII), b"[]".to_vec())
                .await,
            422,
        ),
    ];
    for (r, status) in checks {
        if status == 200 {
            expect_ok(r).await;
        } else {
            expect_error(r, status).await;
        }
    }
    srv.stop().await;
}

// T-21: responses are UTF-8 JSON; a request body that is not UTF-8 is 400, one with duplicate
// member names is refused (not I-JSON), and out-of-range integers or duplicate names inside an
// object make that object fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t21_i_json_requests() {
    let srv = TestServer::start().await;
    let path = objects_path(PARTNERS);
    let r = srv
        .post_raw(
            &path,
            Who::Ncsc,
            Some(TAXII),
            b"{\"objects\":[\xff]}".to_vec(),
        )
        .await;
    expect_error(r, 400).await;
    // Duplicate top-level names: which "objects" is meant? Refused, nothing stored.
    let a = indicator(1, "2024-01-01T00:00:00.000Z");
    let b = indicator(2, "2024-01-01T00:00:00.000Z");
    let body = format!(r#"{{"objects":[{a}],"objects":[{b}]}}"#);
    let r = srv
        .post_raw(&path, Who::Ncsc, Some(TAXII), body.into_bytes())
        .await;
    expect_error(r, 422).await;
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    assert!(m.get("objects").is_none(), "{m}");
    // Inside an object: per-object failures, the valid object is stored.
    let body = format!(
        r#"{{"objects":[{a},{{"type":"autonomous-system","spec_version":"2.1","id":"autonomous-system--00000001-0000-4000-8000-000000000009","number":9007199254740993}},{{"type":"ipv4-addr","type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--00000001-0000-4000-8000-000000000009","value":"198.51.100.7"}}]}}"#
    );
    let r = srv
        .post_raw(&path, Who::Ncsc, Some(TAXII), body.into_bytes())
        .await;
    assert_eq!(r.status(), 202);
    let s = body_json(r).await;
    assert_eq!(
        (s["success_count"].as_u64(), s["failure_count"].as_u64()),
        (Some(1), Some(2)),
        "{s}"
    );
    // Every response body so far was parsed as JSON by the helpers; non-ASCII round-trips.
    let mut c = indicator(3, "2024-01-01T00:00:00.000Z");
    c["name"] = serde_json::json!("Ĳsselmeer — “quoted” ✓ 𝔘");
    srv.add(PARTNERS, &[c.clone()]).await;
    let r = srv
        .get(
            &format!("{path}?match[id]={}", common::indicator_id(3)),
            Who::Ncsc,
        )
        .await;
    let bytes = r.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes).expect("UTF-8 body");
    let env: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(env["objects"][0], c);
    srv.stop().await;
}
