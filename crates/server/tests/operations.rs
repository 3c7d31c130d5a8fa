//! Operations endpoints: `/healthz` and `/readyz` answer without credentials; `/metrics`
//! (Prometheus text) is for operator accounts and counts requests, pages and ingested objects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PARTNERS, TestServer, Who, indicator, modified, objects_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let srv = TestServer::start().await;
    for (path, body) in [
        ("/healthz", r#"{"status":"ok"}"#),
        ("/readyz/", r#"{"status":"ready"}"#),
    ] {
        let r = srv.client.get(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.text().await.unwrap(), body);
    }
    let r = srv.client.post(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 405);

    srv.add(
        PARTNERS,
        &[indicator(1, &modified(0)), indicator(2, &modified(0))],
    )
    .await;
    let r = srv.get(&objects_path(PARTNERS), Who::Dtc).await;
    assert_eq!(r.status(), 200);

    assert_eq!(srv.get("/metrics", Who::Nobody).await.status(), 401);
    assert_eq!(srv.get("/metrics", Who::Ncsc).await.status(), 403);
    let r = srv.get("/metrics", Who::Operator).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    for line in [
        "schakel_http_requests_total{endpoint=\"add_objects\",status=\"202\"} 1",
        "schakel_http_requests_total{endpoint=\"objects\",status=\"200\"} 1",
        "schakel_http_requests_total{endpoint=\"health\",status=\"200\"} 2",
        "schakel_http_requests_total{endpoint=\"health\",status=\"405\"} 1",
        "schakel_http_requests_total{endpoint=\"metrics\",status=\"401\"} 1",
        "schakel_pages_served_total{endpoint=\"objects\"} 1",
        "schakel_objects_ingested_total 2",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    let bytes: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("schakel_store_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(bytes > 0);
    srv.stop().await;
}
