//! Collections (T-52 ... T-56, T-9; interop contract 8): `GET {api-root}/collections/` and
//! `GET {api-root}/collections/{id}/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, OTHER_FEED, PARTNERS, PROVISIONING, SECRET, TestServer, Who, expect_error, expect_ok,
};
use serde_json::Value;

fn by_id(list: &Value) -> Vec<(String, bool, bool)> {
    list["collections"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["id"].as_str().unwrap().to_owned(),
                        c["can_read"].as_bool().unwrap(),
                        c["can_write"].as_bool().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

// T-53, T-54, T-9: each requester gets the collections it has a grant on, with can_read and
// can_write computed for it; collections without a grant are left out (T-9: omit what the
// client may not see).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t53_t54_t9_permissions_per_requester() {
    let srv = TestServer::start().await;
    let p = PARTNERS.to_owned();
    let i = INBOX.to_owned();
    let s = SECRET.to_owned();
    let cases = [
        (
            Who::Ncsc,
            vec![
                (p.clone(), true, true),
                (i.clone(), true, true),
                (s.clone(), true, true),
            ],
        ),
        (
            Who::Dtc,
            vec![(p.clone(), true, false), (i.clone(), false, true)],
        ),
        (Who::Zcert, vec![(p.clone(), true, false)]),
        (
            Who::Operator,
            vec![
                (p.clone(), true, true),
                (i.clone(), true, true),
                (s.clone(), true, true),
            ],
        ),
    ];
    for (who, want) in cases {
        let list = expect_ok(srv.get("/lds/collections/", who).await).await;
        let mut got = by_id(&list);
        got.sort();
        let mut want = want;
        want.sort();
        assert_eq!(got, want, "{who:?}");
        // The single-collection endpoint agrees with the list.
        for (id, r, w) in &want {
            let c = expect_ok(srv.get(&format!("/lds/collections/{id}/"), who).await).await;
            assert_eq!(
                (c["can_read"].as_bool(), c["can_write"].as_bool()),
                (Some(*r), Some(*w)),
                "{who:?} {id}"
            );
        }
    }
    // Full resource of one collection: id, title, description, alias, media_types.
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(c["id"], PARTNERS);
    assert_eq!(c["title"], "lds-partners");
    assert_eq!(c["description"], "Partner feed");
    assert_eq!(c["alias"], "partners");
    assert_eq!(
        c["media_types"],
        serde_json::json!(["application/stix+json;version=2.1"])
    );
    // A collection without description or alias leaves them out.
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{INBOX}/"), Who::Dtc)
            .await,
    )
    .await;
    assert!(
        c.get("description").is_none() && c.get("alias").is_none(),
        "{c}"
    );
    srv.stop().await;
}

// T-52: an API root without collections (for this requester) answers {} - no "collections": [].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t52_no_collections_is_an_empty_object() {
    let toml = format!("{PROVISIONING}\n[[api_root]]\npath = \"empty\"\ntitle = \"Empty root\"\n");
    let srv = TestServer::start_with(&toml).await;
    let v = expect_ok(srv.get("/empty/collections/", Who::Operator).await).await;
    assert_eq!(v, serde_json::json!({}));
    srv.stop().await;
}

// T-32: the same order on every request (and titles unique, interop contract 8).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t32_stable_collection_order() {
    let srv = TestServer::start().await;
    let first = expect_ok(srv.get("/lds/collections/", Who::Ncsc).await).await;
    for _ in 0..10 {
        assert_eq!(
            expect_ok(srv.get("/lds/collections/", Who::Ncsc).await).await,
            first
        );
    }
    let titles: Vec<&str> = first["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<_> = titles.iter().collect();
    assert_eq!(unique.len(), titles.len());
    // The order survives a restart on the same data.
    let data = srv.data.path().to_owned();
    let toml = PROVISIONING.to_owned();
    let order: Vec<String> = by_id(&first).into_iter().map(|c| c.0).collect();
    srv.running.handle.stop(true).await;
    let mut file = server::config::ProvisioningFile::parse(&toml, "t.toml").unwrap();
    file.server.data = data;
    let (running, _) = server::start(server::StartOptions {
        file,
        from_file: true,
        clock: Default::default(),
    })
    .await
    .unwrap();
    let again = reqwest::Client::new()
        .get(format!("http://{}/lds/collections/", running.addr))
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await
        .unwrap();
    let again: Vec<String> = by_id(&expect_ok(again).await)
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(again, order);
    running.handle.stop(true).await;
    drop(srv.data);
}

// T-56: a collection is found by its id (any case of the hex digits) or by its alias, within its
// API root only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t56_lookup_by_id_or_alias() {
    let srv = TestServer::start().await;
    let by_id = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Zcert)
            .await,
    )
    .await;
    let by_alias = expect_ok(srv.get("/lds/collections/partners/", Who::Zcert).await).await;
    let upper = expect_ok(
        srv.get(
            &format!("/lds/collections/{}/", PARTNERS.to_uppercase()),
            Who::Zcert,
        )
        .await,
    )
    .await;
    assert_eq!(by_id, by_alias);
    assert_eq!(by_id, upper);
    // Every collection endpoint takes the alias.
    srv.add(
        PARTNERS,
        &[common::indicator(1, "2024-01-01T00:00:00.000Z")],
    )
    .await;
    let e = expect_ok(
        srv.get("/lds/collections/partners/objects/", Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(common::ids_of(&e), vec![common::indicator_id(1)]);
    expect_ok(
        srv.get("/lds/collections/partners/manifest/", Who::Dtc)
            .await,
    )
    .await;
    let r = srv
        .post(
            "/lds/collections/partners/objects/",
            Who::Ncsc,
            &[common::indicator(2, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    assert_eq!(r.status(), 202);
    // Not in another root, and the title is not an alias.
    expect_error(
        srv.get("/other/collections/partners/", Who::Ncsc).await,
        404,
    )
    .await;
    expect_error(
        srv.get(&format!("/other/collections/{PARTNERS}/"), Who::Ncsc)
            .await,
        404,
    )
    .await;
    expect_error(
        srv.get(&format!("/lds/collections/{OTHER_FEED}/"), Who::Ncsc)
            .await,
        404,
    )
    .await;
    expect_error(
        srv.get("/lds/collections/lds-partners/", Who::Ncsc).await,
        404,
    )
    .await;
    expect_ok(
        srv.get(&format!("/other/collections/{OTHER_FEED}/"), Who::Ncsc)
            .await,
    )
    .await;
    srv.stop().await;
}

// T-55, T-8: 200; 401 without credentials; 404 for an unknown collection and for one without
// any grant (the same answer); 406; 400 is not reachable (the endpoints take no parameters,
// unknown ones are ignored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t55_collections_status_codes() {
    let srv = TestServer::start().await;
    expect_error(srv.get("/lds/collections/", Who::Nobody).await, 401).await;
    expect_error(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Nobody)
            .await,
        401,
    )
    .await;
    let hidden = expect_error(
        srv.get(&format!("/lds/collections/{SECRET}/"), Who::Dtc)
            .await,
        404,
    )
    .await;
    let unknown = expect_error(
        srv.get(
            "/lds/collections/7e3f6c1a-0000-4000-8000-000000000000/",
            Who::Dtc,
        )
        .await,
        404,
    )
    .await;
    assert_eq!(hidden, unknown);
    expect_error(srv.get("/lds/collections/", Who::Outsider).await, 404).await;
    expect_error(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Outsider)
            .await,
        404,
    )
    .await;
    for path in [
        "/lds/collections/".to_owned(),
        format!("/lds/collections/{PARTNERS}/"),
    ] {
        let r = srv
            .client
            .get(srv.url(&path))
            .header("Accept", "application/json")
            .basic_auth("dtc", Some("dtc-password"))
            .send()
            .await
            .unwrap();
        expect_error(r, 406).await;
        // Paging parameters do not apply to collections (2.1 defines none) and are ignored.
        let plain = expect_ok(srv.get(&path, Who::Dtc).await).await;
        assert_eq!(
            expect_ok(
                srv.get(&format!("{path}?limit=1&next=x&added_after=bad"), Who::Dtc)
                    .await
            )
            .await,
            plain
        );
    }
    srv.stop().await;
}
