//! Deleting an object (T-75 ... T-79): `DELETE .../objects/{object-id}/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, PROVISIONING, SECRET, TAXII, TestServer, Who, expect_error, expect_ok, ids_of,
    indicator, indicator_id, manifest_path, object_path, objects_path, versions_of, versions_path,
};
use serde_json::json;

const V0: &str = "2024-01-01T00:00:00.000Z";
const V1: &str = "2024-01-01T00:00:01.000Z";
const V2: &str = "2024-01-01T00:00:02.000Z";

/// indicator 1 in three versions and indicator 2, in `collection`.
async fn seed(srv: &TestServer, collection: &str) {
    srv.add(collection, &[indicator(1, V0), indicator(2, V0)])
        .await;
    srv.add(collection, &[indicator(1, V1)]).await;
    srv.add(collection, &[indicator(1, V2)]).await;
}

async fn versions(srv: &TestServer, id: &str) -> Option<Vec<String>> {
    let r = srv.get(&versions_path(PARTNERS, id), Who::Ncsc).await;
    if r.status() == 404 {
        return None;
    }
    let v = expect_ok(r).await;
    Some(
        v["versions"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default(),
    )
}

// T-76, T-79: read and write -> 200; exactly one of them -> 403; neither -> 404; 401 without
// credentials; nothing deleted by a refused request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t76_t79_permission_matrix() {
    let srv = TestServer::start().await;
    let id = indicator_id(1);
    for c in [PARTNERS, INBOX, SECRET] {
        srv.add(c, &[indicator(1, V0)]).await;
    }
    // (who, collection, expected): DTC reads partners only (403), writes inbox only (403), has
    // nothing on secret (404); Z-CERT reads partners (403); the outsider has nothing (404).
    for (who, c, want) in [
        (Who::Dtc, PARTNERS, 403),
        (Who::Dtc, INBOX, 403),
        (Who::Dtc, SECRET, 404),
        (Who::Zcert, PARTNERS, 403),
        (Who::Zcert, INBOX, 404),
        (Who::Outsider, PARTNERS, 404),
        (Who::Nobody, PARTNERS, 401),
    ] {
        expect_error(srv.delete(&object_path(c, &id), who).await, want).await;
        expect_ok(srv.get(&object_path(c, &id), Who::Ncsc).await).await;
    }
    // Read and write: NCSC everywhere, and the operator.
    let r = srv.delete(&object_path(PARTNERS, &id), Who::Ncsc).await;
    assert_eq!(r.status(), 200);
    let r = srv.delete(&object_path(INBOX, &id), Who::Operator).await;
    assert_eq!(r.status(), 200);
    srv.stop().await;
}

// T-75 (D: without match[version] every version is deleted), T-77, T-78: 200 with the TAXII
// media type and no body; afterwards the object is gone from the object, versions, objects and
// manifest endpoints; other collections keep their copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t75_t77_t78_default_deletes_every_version() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS).await;
    seed(&srv, INBOX).await;
    let id = indicator_id(1);
    assert_eq!(versions(&srv, &id).await.unwrap().len(), 3);
    let r = srv.delete(&object_path(PARTNERS, &id), Who::Ncsc).await;
    assert_eq!(r.status(), 200);
    assert_eq!(common::content_type(&r), TAXII);
    assert!(
        r.bytes().await.unwrap().is_empty(),
        "no body defined for DELETE"
    );
    expect_error(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await, 404).await;
    expect_error(
        srv.get(
            &format!("{}?match[version]=all", object_path(PARTNERS, &id)),
            Who::Ncsc,
        )
        .await,
        404,
    )
    .await;
    assert_eq!(versions(&srv, &id).await, None);
    for q in ["", "match[version]=all", "match[version]=first"] {
        let e = expect_ok(
            srv.get(&format!("{}?{q}", objects_path(PARTNERS)), Who::Ncsc)
                .await,
        )
        .await;
        assert_eq!(ids_of(&e), vec![indicator_id(2)], "{q}");
        let m = expect_ok(
            srv.get(&format!("{}?{q}", manifest_path(PARTNERS)), Who::Ncsc)
                .await,
        )
        .await;
        assert!(
            m["objects"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["id"] != id.as_str()),
            "{q}: {m}"
        );
    }
    let e = expect_ok(
        srv.get(
            &format!(
                "{}?match[id]={id}&match[version]=all",
                objects_path(PARTNERS)
            ),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    assert!(e.get("objects").is_none());
    // A second delete: the object is not there any more.
    expect_error(
        srv.delete(&object_path(PARTNERS, &id), Who::Ncsc).await,
        404,
    )
    .await;
    // The other collection still has all three versions.
    let v = expect_ok(srv.get(&versions_path(INBOX, &id), Who::Ncsc).await).await;
    assert_eq!(v["versions"].as_array().unwrap().len(), 3);
    // The object may be added again afterwards.
    srv.add(PARTNERS, &[indicator(1, V1)]).await;
    assert_eq!(versions(&srv, &id).await, Some(vec![V1.to_owned()]));
    srv.stop().await;
}

// T-75: with match[version] only the selected versions are deleted (last, first, timestamps,
// all), and the rest stays readable; this is also the other reading of T-75 (medallion's:
// `last` only), available by asking for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t75_match_version_deletes_only_the_selected_versions() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS).await;
    let id = indicator_id(1);
    // last: the previous version becomes the last one.
    assert_eq!(
        srv.delete(
            &format!("{}?match[version]=last", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        versions(&srv, &id).await,
        Some(vec![V0.to_owned(), V1.to_owned()])
    );
    let one = expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await).await;
    assert_eq!(versions_of(&one), vec![(id.clone(), V1.to_owned())]);
    // A timestamp (written with another precision: compared as an instant).
    srv.add(PARTNERS, &[indicator(1, V2)]).await;
    assert_eq!(
        srv.delete(
            &format!(
                "{}?match[version]=2024-01-01T00:00:01Z",
                object_path(PARTNERS, &id)
            ),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        versions(&srv, &id).await,
        Some(vec![V0.to_owned(), V2.to_owned()])
    );
    // The deleted version is gone from this collection (T-78).
    let gone = expect_ok(
        srv.get(
            &format!("{}?match[version]={V1}", object_path(PARTNERS, &id)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    assert!(gone.get("objects").is_none());
    // first.
    assert_eq!(
        srv.delete(
            &format!("{}?match[version]=first", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, Some(vec![V2.to_owned()]));
    // first,last with several versions.
    srv.add(PARTNERS, &[indicator(1, V0), indicator(1, V1)])
        .await;
    assert_eq!(
        srv.delete(
            &format!("{}?match[version]=first,last", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, Some(vec![V1.to_owned()]));
    // all.
    assert_eq!(
        srv.delete(
            &format!("{}?match[version]=all", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, None);
    // The other object was never touched.
    assert_eq!(
        versions(&srv, &indicator_id(2)).await,
        Some(vec![V0.to_owned()])
    );
    srv.stop().await;
}

// T-75, T-78, T-79: a filter that selects no version deletes nothing and is 404 (as medallion),
// so a 200 always means the selected versions are gone; match[spec_version] selects too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t75_t78_filters_that_select_nothing_are_404() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS).await;
    let id = indicator_id(1);
    for q in [
        "match[version]=2020-01-01T00:00:00.000Z",
        "match[spec_version]=2.0",
        "match[spec_version]=2.0&match[version]=all",
    ] {
        expect_error(
            srv.delete(&format!("{}?{q}", object_path(PARTNERS, &id)), Who::Ncsc)
                .await,
            404,
        )
        .await;
        assert_eq!(versions(&srv, &id).await.unwrap().len(), 3, "{q}");
    }
    assert_eq!(
        srv.delete(
            &format!(
                "{}?match[spec_version]=2.1&match[version]=first",
                object_path(PARTNERS, &id)
            ),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        versions(&srv, &id).await,
        Some(vec![V1.to_owned(), V2.to_owned()])
    );
    assert_eq!(
        srv.delete(
            &format!("{}?match[spec_version]=2.1", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, None);
    srv.stop().await;
}

// T-79: 400 for a malformed filter (nothing deleted), 404 for an unknown object, 406 for a bad
// Accept; parameters DELETE does not take are ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t79_delete_error_codes() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS).await;
    let id = indicator_id(1);
    let path = object_path(PARTNERS, &id);
    for q in [
        "match[version]=bogus",
        "match[version]=all,last",
        "match[version]=last,last",
        "match[version]=last&match[version]=first",
        "match[spec_version]=two",
        "match[spec_version]=2.1&match[spec_version]=2.1",
    ] {
        expect_error(srv.delete(&format!("{path}?{q}"), Who::Ncsc).await, 400).await;
    }
    assert_eq!(versions(&srv, &id).await.unwrap().len(), 3);
    expect_error(
        srv.delete(
            &object_path(PARTNERS, "indicator--ffffffff-0000-4000-8000-000000000000"),
            Who::Ncsc,
        )
        .await,
        404,
    )
    .await;
    expect_error(
        srv.delete(&object_path(PARTNERS, "nonsense"), Who::Ncsc)
            .await,
        404,
    )
    .await;
    expect_error(
        srv.delete(&object_path("no-such-collection", &id), Who::Ncsc)
            .await,
        404,
    )
    .await;
    let r = srv
        .client
        .delete(srv.url(&path))
        .header("Accept", "text/html")
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await
        .unwrap();
    expect_error(r, 406).await;
    assert_eq!(versions(&srv, &id).await.unwrap().len(), 3);
    // limit, next, added_after, match[type] are not DELETE parameters: ignored, all versions go.
    let r = srv
        .delete(
            &format!("{path}?limit=0&next=x&added_after=bad&match[type]=malware"),
            Who::Ncsc,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(versions(&srv, &id).await, None);
    srv.stop().await;
}

// T-75 (both readings side by side, D): the default deletes the object; `match[version]=last`
// is the medallion reading and re-exposes the previous version. Checked on a collection where
// the object has an older version added later (date_added order differs from modified order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t75_both_readings_with_out_of_order_versions() {
    let srv = TestServer::start_with(PROVISIONING).await;
    let id = indicator_id(1);
    srv.add(PARTNERS, &[indicator(1, V2)]).await;
    srv.add(PARTNERS, &[indicator(1, V0)]).await;
    // `last` is the newest `modified` (V2), not the newest date_added.
    assert_eq!(
        srv.delete(
            &format!("{}?match[version]=last", object_path(PARTNERS, &id)),
            Who::Ncsc
        )
        .await
        .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, Some(vec![V0.to_owned()]));
    let one = expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await).await;
    assert_eq!(one["objects"][0]["modified"], json!(V0));
    srv.add(PARTNERS, &[indicator(1, V1)]).await;
    assert_eq!(
        srv.delete(&object_path(PARTNERS, &id), Who::Ncsc)
            .await
            .status(),
        200
    );
    assert_eq!(versions(&srv, &id).await, None);
    srv.stop().await;
}
