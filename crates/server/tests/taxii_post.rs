//! Adding objects (T-66 ... T-71, T-96): `POST .../objects/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, SECRET, TAXII, TestServer, Who, body_json, content_type, expect_error,
    expect_ok, indicator, indicator_id, manifest_path, object_path, objects_path, versions_path,
};
use serde_json::json;

fn micros(ts: &str) -> i64 {
    stix::StixTimestamp::parse(ts).unwrap().micros()
}

fn now_micros() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

// T-66: without write permission 403 (may read) or 404 (no grant); with it 202, including a
// write-only collection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t66_write_permission() {
    let srv = TestServer::start().await;
    let obj = [indicator(1, "2024-01-01T00:00:00.000Z")];
    expect_error(srv.post(&objects_path(PARTNERS), Who::Dtc, &obj).await, 403).await;
    expect_error(
        srv.post(&objects_path(PARTNERS), Who::Zcert, &obj).await,
        403,
    )
    .await;
    expect_error(srv.post(&objects_path(SECRET), Who::Dtc, &obj).await, 404).await;
    expect_error(srv.post(&objects_path(INBOX), Who::Zcert, &obj).await, 404).await;
    expect_error(
        srv.post(&objects_path(PARTNERS), Who::Outsider, &obj).await,
        404,
    )
    .await;
    expect_error(
        srv.post("/lds/collections/no-such/objects/", Who::Ncsc, &obj)
            .await,
        404,
    )
    .await;
    // Nothing was stored by the refused requests.
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    assert!(m.get("objects").is_none());
    assert_eq!(
        srv.post(&objects_path(INBOX), Who::Dtc, &obj)
            .await
            .status(),
        202
    );
    assert_eq!(
        srv.post(&objects_path(PARTNERS), Who::Operator, &obj)
            .await
            .status(),
        202
    );
    // The permission check comes before the body is looked at: a garbage body from a reader is
    // still 403, not 400.
    let r = srv
        .post_raw(
            &objects_path(PARTNERS),
            Who::Dtc,
            Some(TAXII),
            b"{not json".to_vec(),
        )
        .await;
    expect_error(r, 403).await;
    srv.stop().await;
}

// T-67 (D, decided with the interop work: a bundle is read as an envelope because the OASIS
// stix2 library's TAXIICollectionSink posts bundles; docs/taxii.md), T-70: request-level
// errors - malformed JSON 400, a body that is not an envelope 422, nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t67_t70_request_level_errors_and_bundles() {
    let srv = TestServer::start().await;
    let path = objects_path(PARTNERS);
    let ind = indicator(1, "2024-01-01T00:00:00.000Z");
    for body in [
        &b"{\"objects\": ["[..],
        b"{",
        b"",
        b"not json",
        b"{\"objects\":[{\"type\":\"indicator\",}]}",
    ] {
        expect_error(
            srv.post_raw(&path, Who::Ncsc, Some(TAXII), body.to_vec())
                .await,
            400,
        )
        .await;
    }
    for body in [
        json!([ind]),
        json!({}),
        json!({"objects": {}}),
        json!({"objects": 5}),
        json!({"objects": []}),
        json!({"object": [ind]}),
        json!("objects"),
        json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": []}),
    ] {
        expect_error(
            srv.post_raw(&path, Who::Ncsc, Some(TAXII), body.to_string().into_bytes())
                .await,
            422,
        )
        .await;
    }
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    assert!(m.get("objects").is_none(), "{m}");
    // A bundle with objects is read as an envelope.
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [ind]});
    let r = srv
        .post_raw(
            &path,
            Who::Ncsc,
            Some(TAXII),
            bundle.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(body_json(r).await["success_count"], 1);
    srv.stop().await;
}

// T-68: success is 202 with a complete status resource and the TAXII media type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t68_202_with_status_resource() {
    let srv = TestServer::start().await;
    let objects: Vec<_> = (1..=5)
        .map(|n| indicator(n, "2024-01-01T00:00:00.000Z"))
        .collect();
    let r = srv.post(&objects_path(PARTNERS), Who::Ncsc, &objects).await;
    assert_eq!(r.status(), 202);
    assert_eq!(content_type(&r), TAXII);
    let s = body_json(r).await;
    assert_eq!(s["status"], "complete");
    assert_eq!(
        (
            s["total_count"].as_u64(),
            s["success_count"].as_u64(),
            s["failure_count"].as_u64(),
            s["pending_count"].as_u64()
        ),
        (Some(5), Some(5), Some(0), Some(0))
    );
    let ids: Vec<&str> = s["successes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (1..=5).map(indicator_id).collect();
    assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(uuid::Uuid::parse_str(s["id"].as_str().unwrap()).is_ok());
    srv.stop().await;
}

// T-69: an exact duplicate (byte-equal, or the same JSON with other spacing and member order)
// is a success, not an error, and adds no version; the same id and version with other content
// is a per-object failure (S-37).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t69_exact_duplicates_are_successes() {
    let srv = TestServer::start().await;
    let a = indicator(1, "2024-01-01T00:00:00.000Z");
    srv.add(PARTNERS, std::slice::from_ref(&a)).await;
    let m1 = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    // Byte-equal.
    let s = srv.add(PARTNERS, std::slice::from_ref(&a)).await;
    assert_eq!(s["failure_count"], 0, "{s}");
    assert_eq!(s["successes"][0]["version"], "2024-01-01T00:00:00.000Z");
    // Same JSON value, other layout.
    let mut pairs: Vec<(String, serde_json::Value)> =
        a.as_object().unwrap().clone().into_iter().collect();
    pairs.reverse();
    let reordered = format!(
        "{{ {} }}",
        pairs
            .iter()
            .map(|(k, v)| format!("{:?} :  {v}", k))
            .collect::<Vec<_>>()
            .join(" ,\n ")
    );
    let r = srv
        .post_raw(
            &objects_path(PARTNERS),
            Who::Ncsc,
            Some(TAXII),
            format!("{{\"objects\":[{reordered}]}}").into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 202);
    let s = body_json(r).await;
    assert_eq!(
        (s["success_count"].as_u64(), s["failure_count"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    // Twice in one request.
    let s = srv.add(PARTNERS, &[a.clone(), a.clone()]).await;
    assert_eq!(s["failure_count"], 0);
    // Still one version, with its first date_added; the stored bytes are the first ones.
    let m2 = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    assert_eq!(m1, m2);
    let v = expect_ok(
        srv.get(&versions_path(PARTNERS, &indicator_id(1)), Who::Ncsc)
            .await,
    )
    .await;
    assert_eq!(v["versions"], json!(["2024-01-01T00:00:00.000Z"]));
    // Different content under the same version: failure; the other object of the request is stored.
    let mut changed = a.clone();
    changed["name"] = json!("changed without a new modified");
    let r = srv
        .post(
            &objects_path(PARTNERS),
            Who::Ncsc,
            &[changed, indicator(2, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    let s = body_json(r).await;
    assert_eq!(
        (s["success_count"].as_u64(), s["failure_count"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
    assert_eq!(s["failures"][0]["id"], indicator_id(1));
    let one = expect_ok(
        srv.get(&object_path(PARTNERS, &indicator_id(1)), Who::Ncsc)
            .await,
    )
    .await;
    assert_eq!(one["objects"][0], a, "first stored wins");
    srv.stop().await;
}

// T-70: invalid objects fail one by one in the status; the valid ones in the same request are
// stored (a request-level 400 would lose them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t70_per_object_failures_keep_the_valid_objects() {
    let srv = TestServer::start().await;
    let mut bad_time = indicator(3, "2024-01-01T00:00:00.000Z");
    bad_time["modified"] = json!("yesterday");
    let objects = vec![
        indicator(1, "2024-01-01T00:00:00.000Z"),
        json!({"type": "indicator", "id": indicator_id(2)}),
        bad_time,
        json!(42),
        json!({"no": "type"}),
        indicator(4, "2024-01-01T00:00:00.000Z"),
    ];
    let r = srv.post(&objects_path(PARTNERS), Who::Ncsc, &objects).await;
    assert_eq!(r.status(), 202);
    let s = body_json(r).await;
    assert_eq!(
        (
            s["total_count"].as_u64(),
            s["success_count"].as_u64(),
            s["failure_count"].as_u64()
        ),
        (Some(6), Some(2), Some(4)),
        "{s}"
    );
    for f in s["failures"].as_array().unwrap() {
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
        assert!(f["id"].is_string() && f["version"].is_string(), "{f}");
    }
    let e = expect_ok(srv.get(&objects_path(PARTNERS), Who::Ncsc).await).await;
    assert_eq!(common::ids_of(&e), vec![indicator_id(1), indicator_id(4)]);
    srv.stop().await;
}

// T-71: date_added is assigned by the server at ingest, per stored version, unrelated to the
// STIX timestamps: an older `modified` added later gets a later date_added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t71_date_added_is_assigned_by_the_server() {
    let srv = TestServer::start().await;
    let before = now_micros();
    srv.add(PARTNERS, &[indicator(1, "2030-01-01T00:00:00.000Z")])
        .await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    let mut with_date = indicator(2, "2024-01-01T00:00:00.000Z");
    with_date["date_added"] = json!("2000-01-01T00:00:00.000000Z");
    srv.add(PARTNERS, &[with_date]).await;
    let after = now_micros();
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    let recs = m["objects"].as_array().unwrap();
    let dates: Vec<i64> = recs
        .iter()
        .map(|r| micros(r["date_added"].as_str().unwrap()))
        .collect();
    assert_eq!(recs[0]["version"], "2030-01-01T00:00:00.000Z");
    assert_eq!(recs[1]["version"], "2024-01-01T00:00:00.000Z");
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    for d in &dates {
        assert!(
            *d >= before - 1_000_000 && *d <= after + 1_000_000,
            "date_added {d} outside the request window {before}..{after}"
        );
    }
    srv.stop().await;
}

// T-96: unknown (custom) properties of TAXII resources in requests are ignored: an envelope
// with x_ properties, `more`/`next`, and unknown query parameters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t96_unknown_properties_in_requests_are_ignored() {
    let srv = TestServer::start().await;
    let body = json!({
        "x_acme_batch": "2024-42",
        "x_example_meta": {"a": [1, 2]},
        "more": true,
        "next": "whatever",
        "objects": [indicator(1, "2024-01-01T00:00:00.000Z")],
        "custom_property": null
    });
    let r = srv
        .post_raw(
            &format!("{}?x_acme_trace=1&foo=bar", objects_path(PARTNERS)),
            Who::Ncsc,
            Some(TAXII),
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 202);
    let s = body_json(r).await;
    assert_eq!(
        (s["total_count"].as_u64(), s["success_count"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
    // Only the object is stored, not the envelope's extras.
    let e = expect_ok(
        srv.get(
            &format!("{}?x_acme=1&match[x_custom]=y", objects_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    assert_eq!(e["objects"].as_array().unwrap().len(), 1);
    assert!(e.get("x_acme_batch").is_none());
    srv.stop().await;
}
