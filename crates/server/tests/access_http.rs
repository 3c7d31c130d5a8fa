//! Access control over HTTP beyond the scenarios: the audit of reads, the explain endpoint,
//! anonymous reads of public collections, and who may delete.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};
use store::Store;

const PUBLIC: &str = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";

fn marked(n: u32, marking: &str) -> Value {
    let mut o = indicator(n, "2024-01-01T00:00:00.000Z");
    o["object_marking_refs"] = json!([marking]);
    o
}

fn provisioning() -> String {
    // Partners gets an audience (DTC only): Z-CERT becomes a community member.
    PROVISIONING.replace(
        "read = [\"ncsc\", \"dtc\", \"zcert\"]",
        "read = [\"ncsc\", \"dtc\", \"zcert\"]\naudience = [\"dtc\"]",
    ) + &format!(
        r#"
[[collection]]
api_root = "lds"
id = "{PUBLIC}"
title = "lds-public"
alias = "public"
read = ["ncsc"]
write = ["ncsc"]
public = true
"#
    )
}

async fn ids(srv: &TestServer, path: &str, who: Who) -> Vec<String> {
    let r = srv.get(path, who).await;
    assert_eq!(r.status(), 200, "{path}");
    let v = body_json(r).await;
    let mut out: Vec<String> = v["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

async fn open_store(srv: &TestServer) -> store::sqlite::SqliteStore {
    store::sqlite::SqliteStore::open(
        &srv.data.path().join("schakel.db"),
        store::sqlite::SqliteOptions::default(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_filtered_and_audited() {
    let srv = TestServer::start_with(&provisioning()).await;
    let objects = [
        marked(1, TLP_GREEN),
        marked(2, TLP_AMBER),
        marked(3, TLP_AMBER_STRICT),
    ];
    let r = srv.post(&objects_path(PARTNERS), Who::Ncsc, &objects).await;
    assert_eq!(body_json(r).await["success_count"], 3);
    // DTC is the audience: everything. Z-CERT has read but is not in the audience: GREEN only.
    assert_eq!(
        ids(&srv, &objects_path(PARTNERS), Who::Dtc).await,
        vec![indicator_id(1), indicator_id(2), indicator_id(3)]
    );
    assert_eq!(
        ids(&srv, &objects_path(PARTNERS), Who::Zcert).await,
        vec![indicator_id(1)]
    );
    expect_error(
        srv.get(&object_path(PARTNERS, &indicator_id(2)), Who::Zcert)
            .await,
        404,
    )
    .await;

    let s = open_store(&srv).await;
    let all = s
        .audit_entries(store::audit::AuditFilter::default())
        .await
        .unwrap();
    let kinds: Vec<&str> = all.iter().map(|e| e.event.kind.as_str()).collect();
    assert_eq!(kinds, vec!["ingest", "disclosure", "disclosure", "denial"]);
    let zcert = &all[2].event;
    assert_eq!(zcert.account.as_deref(), Some("zcert"));
    assert_eq!(zcert.relation.as_deref(), Some("community"));
    assert_eq!(zcert.items.len(), 1);
    assert_eq!(zcert.items[0].tlp, Some(store::Tlp::Green));
    assert_eq!(zcert.items[0].sha256.as_ref().map(String::len), Some(64));
    let denial = &all[3].event;
    assert_eq!(denial.items[0].id, indicator_id(2));
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_endpoint_is_for_operators() {
    let srv = TestServer::start_with(&provisioning()).await;
    srv.post(&objects_path(PARTNERS), Who::Ncsc, &[marked(2, TLP_AMBER)])
        .await;
    let path = format!(
        "/schakel/explain?account=zcert&object={}&api_root=lds",
        indicator_id(2)
    );
    let r = srv.get(&path, Who::Operator).await;
    assert_eq!(r.status(), 200);
    let v = body_json(r).await;
    let version = &v["collections"][0]["versions"][0];
    assert_eq!(version["visible"], false);
    assert_eq!(version["rule"], "amber-not-in-audience");
    assert_eq!(v["collections"][0]["relation"], "community");

    expect_error(srv.get(&path, Who::Dtc).await, 403).await;
    expect_error(
        srv.get("/schakel/explain?account=zcert", Who::Operator)
            .await,
        400,
    )
    .await;
    expect_error(
        srv.get("/schakel/explain?account=ghost&object=x", Who::Operator)
            .await,
        404,
    )
    .await;
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_readers_see_clear_objects_of_public_collections_only() {
    let srv = TestServer::start_with(&provisioning()).await;
    let r = srv
        .post(
            &objects_path(PUBLIC),
            Who::Ncsc,
            &[marked(1, TLP_CLEAR), marked(2, TLP_GREEN)],
        )
        .await;
    assert_eq!(body_json(r).await["success_count"], 2);
    assert_eq!(
        ids(&srv, &objects_path(PUBLIC), Who::Nobody).await,
        vec![indicator_id(1)]
    );
    assert_eq!(
        ids(&srv, "/lds/collections/public/objects/", Who::Nobody).await,
        vec![indicator_id(1)]
    );
    expect_error(
        srv.get(&object_path(PUBLIC, &indicator_id(2)), Who::Nobody)
            .await,
        404,
    )
    .await;
    // Not public: authentication is required as before (T-7).
    expect_error(srv.get(&objects_path(PARTNERS), Who::Nobody).await, 401).await;
    // Writing is never anonymous.
    expect_error(
        srv.post(&objects_path(PUBLIC), Who::Nobody, &[marked(3, TLP_CLEAR)])
            .await,
        401,
    )
    .await;
    let s = open_store(&srv).await;
    let reads = s
        .audit_entries(store::audit::AuditFilter {
            kind: Some(store::audit::AuditKind::Disclosure),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reads[0].event.account, None);
    assert_eq!(reads[0].event.relation.as_deref(), Some("anonymous"));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_originator_or_owner_deletes() {
    let srv = TestServer::start().await;
    // DTC posts to NCSC's inbox; NCSC owns the inbox and may delete; an operator may too.
    srv.post(
        &objects_path(INBOX),
        Who::Dtc,
        &[marked(1, TLP_GREEN), marked(2, TLP_GREEN)],
    )
    .await;
    let r = srv
        .req(
            reqwest::Method::DELETE,
            &object_path(INBOX, &indicator_id(1)),
            Who::Ncsc,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // In partners (owner NCSC) only NCSC posts; a second organisation with write permission
    // may not delete NCSC's objects.
    let toml = PROVISIONING.replace(
        "write = [\"ncsc\"]\n\n[[collection]]\napi_root = \"lds\"\nid = \"0b9a",
        "write = [\"ncsc\", \"zcert\"]\n\n[[collection]]\napi_root = \"lds\"\nid = \"0b9a",
    );
    assert_ne!(toml, PROVISIONING);
    srv.stop().await;
    let srv = TestServer::start_with(&toml).await;
    srv.post(&objects_path(PARTNERS), Who::Ncsc, &[marked(5, TLP_GREEN)])
        .await;
    let r = srv
        .req(
            reqwest::Method::DELETE,
            &object_path(PARTNERS, &indicator_id(5)),
            Who::Zcert,
        )
        .send()
        .await
        .unwrap();
    expect_error(r, 403).await;
    let r = srv
        .req(
            reqwest::Method::DELETE,
            &object_path(PARTNERS, &indicator_id(5)),
            Who::Operator,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    srv.stop().await;
}
