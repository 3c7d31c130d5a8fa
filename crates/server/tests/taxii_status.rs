//! The status endpoint (T-46 ... T-51): `GET {api-root}/status/{status-id}/`, visible to the
//! account that posted and to operators only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, TAXII, TestServer, Who, body_json, expect_error, expect_ok, indicator,
    indicator_id, ipv4, is_taxii_timestamp, objects_path,
};

/// Posts a mix: two new objects, one invalid object, one exact duplicate, one conflicting
/// version (same id and modified, other content).
async fn mixed_post(srv: &TestServer) -> serde_json::Value {
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    let mut conflicting = indicator(1, "2024-01-01T00:00:00.000Z");
    conflicting["name"] = serde_json::json!("something else");
    let invalid = serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": indicator_id(3), "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"});
    let objects = vec![
        indicator(2, "2024-02-01T00:00:00.000Z"),
        invalid,
        indicator(1, "2024-01-01T00:00:00.000Z"),
        ipv4(4),
        conflicting,
    ];
    let r = srv.post(&objects_path(PARTNERS), Who::Ncsc, &objects).await;
    assert_eq!(r.status(), 202);
    assert_eq!(common::content_type(&r), TAXII);
    body_json(r).await
}

// T-47, T-48, T-49, T-50, T-68: the status resource: complete, counts that add up to the
// number of posted objects, details with id and version (modified; server-consistent value for
// an unversioned object), empty lists omitted; GET returns the same resource.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t47_t48_t49_t50_status_resource() {
    let srv = TestServer::start().await;
    let s = mixed_post(&srv).await;
    assert_eq!(s["status"], "complete");
    assert!(
        is_taxii_timestamp(s["request_timestamp"].as_str().unwrap()),
        "{s}"
    );
    assert_eq!(s["total_count"], 5);
    assert_eq!(s["success_count"], 3, "{s}");
    assert_eq!(s["failure_count"], 2, "{s}");
    assert_eq!(s["pending_count"], 0);
    assert!(s.get("pendings").is_none(), "empty list omitted: {s}");
    let total = s["success_count"].as_u64().unwrap()
        + s["failure_count"].as_u64().unwrap()
        + s["pending_count"].as_u64().unwrap();
    assert_eq!(total, s["total_count"].as_u64().unwrap());
    assert_eq!(s["successes"].as_array().unwrap().len(), 3);
    assert_eq!(s["failures"].as_array().unwrap().len(), 2);
    let find = |list: &str, id: &str| {
        s[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
    };
    let ok2 = find("successes", &indicator_id(2)).unwrap();
    assert_eq!(ok2["version"], "2024-02-01T00:00:00.000Z");
    let dup = find("successes", &indicator_id(1)).unwrap();
    assert_eq!(dup["version"], "2024-01-01T00:00:00.000Z");
    let sco = find(
        "successes",
        "ipv4-addr--00000004-0000-4000-8000-000000000000",
    )
    .unwrap();
    assert!(
        is_taxii_timestamp(sco["version"].as_str().unwrap()),
        "{sco}"
    );
    let bad = find("failures", &indicator_id(3)).unwrap();
    assert_eq!(bad["version"], "2024-01-01T00:00:00.000Z");
    assert!(
        bad["message"].as_str().unwrap().contains("pattern"),
        "{bad}"
    );
    let conflict = find("failures", &indicator_id(1)).unwrap();
    assert!(conflict["message"].is_string());
    // The same resource from the status endpoint.
    let sid = s["id"].as_str().unwrap();
    let got = expect_ok(srv.get(&format!("/lds/status/{sid}/"), Who::Ncsc).await).await;
    assert_eq!(got, s);
    // The manifest's version of the SCO is the status' version.
    let m = expect_ok(
        srv.get(
            &format!("{}?match[type]=ipv4-addr", common::manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    assert_eq!(m["objects"][0]["version"], sco["version"]);
    srv.stop().await;
}

// T-46, T-51: the status stays queryable after the request (and after others); the poster
// and operators see it; other accounts, other API roots, unknown and malformed ids are 404;
// 401 without credentials; 406 for a bad Accept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t46_t51_status_visibility_and_codes() {
    let srv = TestServer::start().await;
    let s = mixed_post(&srv).await;
    let sid = s["id"].as_str().unwrap().to_owned();
    let path = format!("/lds/status/{sid}/");
    // Later requests do not retire it.
    srv.add(PARTNERS, &[indicator(50, "2024-01-01T00:00:00.000Z")])
        .await;
    assert_eq!(expect_ok(srv.get(&path, Who::Ncsc).await).await, s);
    assert_eq!(expect_ok(srv.get(&path, Who::Operator).await).await, s);
    let unknown = expect_error(
        srv.get(&format!("/lds/status/{}/", uuid::Uuid::new_v4()), Who::Dtc)
            .await,
        404,
    )
    .await;
    // DTC and Z-CERT read the same collection but did not post: 404, like an unknown id.
    assert_eq!(
        expect_error(srv.get(&path, Who::Dtc).await, 404).await,
        unknown
    );
    expect_error(srv.get(&path, Who::Zcert).await, 404).await;
    expect_error(srv.get(&path, Who::Outsider).await, 404).await;
    // A status belongs to its API root.
    expect_error(
        srv.get(&format!("/other/status/{sid}/"), Who::Ncsc).await,
        404,
    )
    .await;
    expect_error(
        srv.get(&format!("/other/status/{sid}/"), Who::Operator)
            .await,
        404,
    )
    .await;
    for bad in [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        &format!("{sid}0"),
        &sid[1..],
    ] {
        expect_error(
            srv.get(&format!("/lds/status/{bad}/"), Who::Ncsc).await,
            404,
        )
        .await;
    }
    expect_error(srv.get(&path, Who::Nobody).await, 401).await;
    let r = srv
        .client
        .get(srv.url(&path))
        .header("Accept", "text/html")
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await
        .unwrap();
    expect_error(r, 406).await;
    // A write-only poster sees its own status.
    let r = srv
        .post(
            &objects_path(INBOX),
            Who::Dtc,
            &[indicator(60, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    let own = body_json(r).await;
    let own_path = format!("/lds/status/{}/", own["id"].as_str().unwrap());
    assert_eq!(expect_ok(srv.get(&own_path, Who::Dtc).await).await, own);
    expect_error(srv.get(&own_path, Who::Ncsc).await, 404).await;
    srv.stop().await;
}

/// T-46 (MUST part): once a status has expired it is a 404, like one that never existed; the
/// objects it reported on stay. The retention is one second here (the default is 7 days).
#[tokio::test]
async fn t46_an_expired_status_is_gone() {
    let toml =
        common::PROVISIONING.replace("workers = 2", "workers = 2\nstatus_retention_secs = 1");
    let srv = TestServer::start_with(&toml).await;
    let s = srv
        .add(PARTNERS, &[indicator(60, "2024-01-01T00:00:00.000Z")])
        .await;
    let path = format!("/lds/status/{}/", s["id"].as_str().unwrap());
    // The sweep runs every second and removes statuses written over a second ago.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = srv.get(&path, Who::Ncsc).await;
        if r.status() == 404 {
            let e = expect_error(r, 404).await;
            assert!(e["title"].is_string());
            break;
        }
        assert_eq!(r.status(), 200);
        assert!(
            std::time::Instant::now() < deadline,
            "status still readable 15 s after it was written"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let env = expect_ok(
        srv.get(&common::object_path(PARTNERS, &indicator_id(60)), Who::Ncsc)
            .await,
    )
    .await;
    assert_eq!(common::ids_of(&env), vec![indicator_id(60)]);
    srv.stop().await;
}
