//! First end-to-end checks of the server: discovery, a POST and a GET round trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{PARTNERS, TestServer, Who, body_json, indicator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_then_get_round_trips_bytes() {
    let srv = TestServer::start().await;
    let r = srv.get("/taxii2/", Who::Ncsc).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], common::TAXII);
    let d = body_json(r).await;
    assert_eq!(d["default"], format!("{}/lds/", srv.base));

    let objects: Vec<_> = (1..=3)
        .map(|n| indicator(n, "2024-01-01T00:00:00.000Z"))
        .collect();
    let path = format!("/lds/collections/{PARTNERS}/objects/");
    let r = srv.post(&path, Who::Ncsc, &objects).await;
    assert_eq!(r.status(), 202);
    let status = body_json(r).await;
    assert_eq!(status["status"], "complete");
    assert_eq!(status["success_count"], 3);

    let r = srv.get(&path, Who::Dtc).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-taxii-date-added-first"));
    let env = body_json(r).await;
    assert_eq!(env["objects"].as_array().unwrap().len(), 3);
    assert_eq!(env["objects"][0], objects[0]);
    srv.stop().await;
}
