//! Authentication (T-5 ... T-8; interop contract 5 and 9): HTTP Basic and Bearer tokens with
//! case-insensitive scheme names, 401 with a `WWW-Authenticate` challenge on every endpoint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, TAXII, TestServer, Who, expect_error, expect_ok, indicator, indicator_id,
    object_path, objects_path,
};
use reqwest::Method;

const NCSC_BASIC: &str = "bmNzYzpuY3NjLXBhc3N3b3Jk"; // ncsc:ncsc-password
const ZCERT_TOKEN: &str = "zcert-token-0123456789abcdef";

async fn get_with_auth(srv: &TestServer, path: &str, authorization: &str) -> reqwest::Response {
    srv.client
        .get(srv.url(path))
        .header("Accept", TAXII)
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap()
}

/// The challenge names both schemes (T-7: "listing supported schemes").
fn check_challenge(r: &reqwest::Response) {
    let all: Vec<String> = r
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    let joined = all.join(", ");
    assert!(
        joined.contains("basic") && joined.contains("bearer"),
        "WWW-Authenticate: {joined:?}"
    );
    assert!(joined.contains("realm="), "{joined}");
}

// T-5, interop contract 5 and 9: HTTP Basic with any case of the scheme name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t5_basic_auth_with_case_insensitive_scheme() {
    let srv = TestServer::start().await;
    for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
        let r = get_with_auth(&srv, "/taxii2/", &format!("{scheme} {NCSC_BASIC}")).await;
        expect_ok(r).await;
    }
    // Extra spaces around the credentials are tolerated.
    expect_ok(get_with_auth(&srv, "/taxii2/", &format!("Basic   {NCSC_BASIC} ")).await).await;
    srv.stop().await;
}

// T-6, interop contract 5 and 9: Bearer API tokens with any case of the scheme name (and the
// `Token` scheme of taxii2-client's TokenAuth and the OpenCTI connector); an account provisioned
// with only a token has no password login (operators choose the schemes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t6_bearer_tokens_with_case_insensitive_scheme() {
    let srv = TestServer::start().await;
    for scheme in ["Bearer", "bearer", "BEARER", "Token", "token"] {
        let r = get_with_auth(
            &srv,
            &format!("/lds/collections/{PARTNERS}/"),
            &format!("{scheme} {ZCERT_TOKEN}"),
        )
        .await;
        let c = expect_ok(r).await;
        assert_eq!(c["can_read"], true);
        assert_eq!(c["can_write"], false);
    }
    // The token is not a password, and the password is not a token.
    let r = srv
        .client
        .get(srv.url("/taxii2/"))
        .header("Accept", TAXII)
        .basic_auth("zcert", Some(ZCERT_TOKEN))
        .send()
        .await
        .unwrap();
    check_challenge(&r);
    expect_error(r, 401).await;
    let r = get_with_auth(&srv, "/taxii2/", "Bearer ncsc-password").await;
    check_challenge(&r);
    expect_error(r, 401).await;
    srv.stop().await;
}

// T-7: missing or unacceptable credentials -> 401 with a WWW-Authenticate challenge and a TAXII
// error body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t7_bad_credentials_get_401_with_challenge() {
    let srv = TestServer::start().await;
    let cases: Vec<Option<String>> = vec![
        None,
        Some("Basic bmNzYzp3cm9uZw==".into()), // ncsc:wrong
        Some("Basic bm9ib2R5Om5jc2MtcGFzc3dvcmQ=".into()), // nobody:ncsc-password
        Some("Basic !!!not-base64!!!".into()),
        Some("Basic bm9jb2xvbg==".into()), // "nocolon"
        Some("Basic".into()),
        Some("Bearer wrong-token-0123456789abcdef".into()),
        Some("Bearer ".into()),
        Some("Digest username=\"ncsc\"".into()),
        Some(NCSC_BASIC.into()),
        Some(String::new()),
    ];
    for auth in cases {
        let mut req = srv.client.get(srv.url("/taxii2/")).header("Accept", TAXII);
        if let Some(a) = &auth {
            req = req.header("Authorization", a.as_str());
        }
        let r = req.send().await.unwrap();
        check_challenge(&r);
        let e = expect_error(r, 401).await;
        // The description does not say which part was wrong (T-35).
        let d = e["description"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(
            !d.contains("password") && !d.contains("ncsc"),
            "{auth:?}: {e}"
        );
    }
    srv.stop().await;
}

// T-8: every endpoint (discovery, API root, status, 5.1 ... 5.8) answers a client that fails
// authentication with 401, before revealing whether the resource exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t8_every_endpoint_requires_authentication() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            &objects_path(PARTNERS),
            Who::Ncsc,
            &[indicator(1, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    let status = common::body_json(r).await;
    let sid = status["id"].as_str().unwrap().to_owned();
    let id = indicator_id(1);
    let unknown = "indicator--ffffffff-0000-4000-8000-000000000000";
    let cases: Vec<(Method, String)> = vec![
        (Method::GET, "/taxii2/".into()),
        (Method::GET, "/lds/".into()),
        (Method::GET, "/nosuchroot/".into()),
        (Method::GET, format!("/lds/status/{sid}/")),
        (Method::GET, "/lds/collections/".into()),
        (Method::GET, format!("/lds/collections/{PARTNERS}/")),
        (Method::GET, "/lds/collections/no-such-collection/".into()),
        (
            Method::GET,
            format!("/lds/collections/{PARTNERS}/manifest/"),
        ),
        (Method::GET, objects_path(PARTNERS)),
        (Method::POST, objects_path(INBOX)),
        (Method::GET, object_path(PARTNERS, &id)),
        (Method::GET, object_path(PARTNERS, unknown)),
        (Method::DELETE, object_path(PARTNERS, &id)),
        (
            Method::GET,
            format!("/lds/collections/{PARTNERS}/objects/{id}/versions/"),
        ),
    ];
    for (m, path) in cases {
        for who in [Who::Nobody] {
            let mut req = srv.req(m.clone(), &path, who);
            if m == Method::POST {
                req = req.header("Content-Type", TAXII).body(r#"{"objects":[]}"#);
            }
            let r = req.send().await.unwrap();
            check_challenge(&r);
            expect_error(r, 401).await;
        }
        let r = srv
            .client
            .request(m.clone(), srv.url(&path))
            .header("Accept", TAXII)
            .basic_auth("ncsc", Some("nope"))
            .send()
            .await
            .unwrap();
        check_challenge(&r);
        expect_error(r, 401).await;
    }
    // Nothing was deleted by the unauthenticated DELETE.
    expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await).await;
    srv.stop().await;
}
