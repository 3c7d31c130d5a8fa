//! Rules for every endpoint and errors (T-22 ... T-35; interop contract 4): the endpoint table
//! and its methods, paths with and without the trailing slash, exact resource shapes, no empty
//! lists, identifiers, timestamps, ordering, and the error resource.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::collections::BTreeSet;

use common::{
    INBOX, PARTNERS, SECRET, TAXII, TestServer, Who, body_json, date_headers, expect_error,
    expect_ok, indicator, indicator_id, ipv4, is_taxii_timestamp, manifest_path, object_path,
    objects_path, versions_path,
};
use reqwest::Method;
use serde_json::Value;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// `v`'s keys include `required` and are within `required + optional` (T-26).
fn shape(what: &str, v: &Value, required: &[&str], optional: &[&str]) {
    let k = keys(v);
    for r in required {
        assert!(k.contains(*r), "{what}: required '{r}' missing in {v}");
    }
    for key in &k {
        assert!(
            required.contains(&key.as_str()) || optional.contains(&key.as_str()),
            "{what}: unexpected property '{key}' in {v}"
        );
    }
}

/// No list anywhere in a TAXII resource is empty (T-27).
fn no_empty_lists(what: &str, v: &Value) {
    match v {
        Value::Array(a) => {
            assert!(!a.is_empty(), "{what}: empty list");
            a.iter().for_each(|x| no_empty_lists(what, x));
        }
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| no_empty_lists(&format!("{what}.{k}"), x)),
        _ => {}
    }
}

/// Posts three versions of one indicator, a second indicator and an SCO.
async fn seed(srv: &TestServer) -> String {
    let s = srv
        .add(
            PARTNERS,
            &[
                indicator(1, "2024-01-01T00:00:00.000Z"),
                indicator(2, "2024-01-01T00:00:00.000Z"),
                ipv4(3),
            ],
        )
        .await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:01.000Z")])
        .await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:02.000Z")])
        .await;
    s["id"].as_str().unwrap().to_owned()
}

// T-22: the endpoint table. Defined methods work; others are 405 with an Allow header and a
// TAXII error body (D); there is no DELETE on .../objects/, no PUT/PATCH, and no channels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t22_endpoint_table_and_methods() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    let id = indicator_id(1);
    let table: Vec<(String, &[&str])> = vec![
        ("/taxii2/".into(), &["GET"]),
        ("/lds/".into(), &["GET"]),
        (format!("/lds/status/{sid}/"), &["GET"]),
        ("/lds/collections/".into(), &["GET"]),
        (format!("/lds/collections/{PARTNERS}/"), &["GET"]),
        (manifest_path(PARTNERS), &["GET"]),
        (objects_path(PARTNERS), &["GET", "POST"]),
        (object_path(PARTNERS, &id), &["GET", "DELETE"]),
        (versions_path(PARTNERS, &id), &["GET"]),
    ];
    for (path, allowed) in &table {
        let r = srv.get(path, Who::Ncsc).await;
        expect_ok(r).await;
        for m in [
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
            Method::OPTIONS,
            Method::HEAD,
        ] {
            if allowed.contains(&m.as_str()) {
                continue;
            }
            let r = srv
                .req(m.clone(), path, Who::Ncsc)
                .header("Content-Type", TAXII)
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 405, "{m} {path}");
            let allow = common::header(&r, "allow")
                .unwrap_or_else(|| panic!("{m} {path}: 405 without Allow"));
            let got: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
            assert_eq!(
                got,
                allowed.iter().copied().collect::<BTreeSet<_>>(),
                "{m} {path}"
            );
            if m != Method::HEAD {
                expect_error(r, 405).await;
            }
        }
    }
    // The object survived the refused methods.
    expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await).await;
    // Channels are reserved: nothing there. Unknown paths are TAXII 404s, not HTML.
    for path in [
        "/lds/channels/".to_owned(),
        format!("/lds/channels/{PARTNERS}/"),
        "/".to_owned(),
        "/favicon.ico".to_owned(),
        "/taxii2/extra/".to_owned(),
        "/lds/collections/x/y/".to_owned(),
        format!("/lds/collections/{PARTNERS}/objects/{id}/versions/extra/"),
        format!("/lds/collections/{PARTNERS}/manifest/extra/"),
    ] {
        let r = srv.get(&path, Who::Ncsc).await;
        expect_error(r, 404).await;
    }
    srv.stop().await;
}

// T-23 (interop contract 4, DESIGN wins over the checklist's D): every endpoint answers with
// and without the trailing slash, for GET, POST and DELETE alike, with the same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t23_paths_with_and_without_trailing_slash() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    let id = indicator_id(1);
    for path in [
        "/taxii2/".to_owned(),
        "/lds/".to_owned(),
        format!("/lds/status/{sid}/"),
        "/lds/collections/".to_owned(),
        format!("/lds/collections/{PARTNERS}/"),
        "/lds/collections/partners/".to_owned(),
        manifest_path(PARTNERS),
        objects_path(PARTNERS),
        object_path(PARTNERS, &id),
        versions_path(PARTNERS, &id),
    ] {
        let with = expect_ok(srv.get(&path, Who::Ncsc).await).await;
        let without = expect_ok(srv.get(path.trim_end_matches('/'), Who::Ncsc).await).await;
        if path.ends_with("/objects/") || path.ends_with("/manifest/") {
            // The same objects either way (`next` tokens aside, there are none here).
            assert_eq!(with["objects"], without["objects"], "{path}");
        } else {
            assert_eq!(with, without, "{path}");
        }
        // Query strings work on the slash-less form too.
        if path.ends_with("/objects/") {
            let v = expect_ok(
                srv.get(
                    &format!("{}?match[type]=ipv4-addr", path.trim_end_matches('/')),
                    Who::Ncsc,
                )
                .await,
            )
            .await;
            assert_eq!(
                common::ids_of(&v),
                vec!["ipv4-addr--00000003-0000-4000-8000-000000000000"]
            );
        }
    }
    // POST without the slash keeps its body.
    let r = srv
        .post(
            objects_path(INBOX).trim_end_matches('/'),
            Who::Dtc,
            &[indicator(9, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(body_json(r).await["success_count"], 1);
    expect_ok(
        srv.get(&object_path(INBOX, &indicator_id(9)), Who::Ncsc)
            .await,
    )
    .await;
    // DELETE without the slash.
    let r = srv
        .delete(
            object_path(INBOX, &indicator_id(9)).trim_end_matches('/'),
            Who::Ncsc,
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_error(
        srv.get(&object_path(INBOX, &indicator_id(9)), Who::Ncsc)
            .await,
        404,
    )
    .await;
    srv.stop().await;
}

// T-24, T-26, T-27: every 2xx body is the endpoint's resource type with exactly the defined
// property names, required ones present, and no empty list anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t24_t26_t27_resource_shapes() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    let id = indicator_id(1);
    let d = expect_ok(srv.get("/taxii2/", Who::Ncsc).await).await;
    shape(
        "discovery",
        &d,
        &["title"],
        &["description", "contact", "default", "api_roots"],
    );
    let root = expect_ok(srv.get("/lds/", Who::Ncsc).await).await;
    shape(
        "api-root",
        &root,
        &["title", "versions", "max_content_length"],
        &["description"],
    );
    let st = expect_ok(srv.get(&format!("/lds/status/{sid}/"), Who::Ncsc).await).await;
    shape(
        "status",
        &st,
        &[
            "id",
            "status",
            "total_count",
            "success_count",
            "failure_count",
            "pending_count",
        ],
        &["request_timestamp", "successes", "failures", "pendings"],
    );
    for s in st["successes"].as_array().unwrap() {
        shape("status-details", s, &["id", "version"], &["message"]);
    }
    let cs = expect_ok(srv.get("/lds/collections/", Who::Ncsc).await).await;
    shape("collections", &cs, &[], &["collections"]);
    let coll_props = (
        &["id", "title", "can_read", "can_write"][..],
        &["description", "alias", "media_types"][..],
    );
    for c in cs["collections"].as_array().unwrap() {
        shape("collection", c, coll_props.0, coll_props.1);
    }
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Ncsc)
            .await,
    )
    .await;
    shape("collection", &c, coll_props.0, coll_props.1);
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    shape("manifest", &m, &[], &["more", "next", "objects"]);
    for rec in m["objects"].as_array().unwrap() {
        shape(
            "manifest-record",
            rec,
            &["id", "date_added", "version"],
            &["media_type"],
        );
    }
    let e = expect_ok(srv.get(&objects_path(PARTNERS), Who::Ncsc).await).await;
    shape("envelope", &e, &[], &["more", "next", "objects"]);
    let o = expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Ncsc).await).await;
    shape("envelope", &o, &[], &["more", "next", "objects"]);
    let v = expect_ok(srv.get(&versions_path(PARTNERS, &id), Who::Ncsc).await).await;
    shape("versions", &v, &[], &["more", "next", "versions"]);
    for (what, x) in [
        ("discovery", &d),
        ("api-root", &root),
        ("status", &st),
        ("collections", &cs),
        ("manifest", &m),
        ("envelope", &e),
        ("versions", &v),
    ] {
        no_empty_lists(what, x);
    }
    // Empty results too: no "objects": [], "versions": [], "collections": [].
    let empty = expect_ok(
        srv.get(
            &format!("{}?match[type]=malware", objects_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    shape("empty envelope", &empty, &[], &["more", "next"]);
    no_empty_lists("empty envelope", &empty);
    let empty = expect_ok(
        srv.get(
            &format!("{}?match[type]=malware", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    shape("empty manifest", &empty, &[], &["more", "next"]);
    let far = "2999-01-01T00:00:00Z";
    let empty = expect_ok(
        srv.get(
            &format!("{}?added_after={far}", versions_path(PARTNERS, &id)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    shape("empty versions", &empty, &[], &["more", "next"]);
    srv.stop().await;
}

// T-28: identifiers (collection ids, status ids) are RFC 4122 version 4 UUIDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t28_identifiers_are_uuid_v4() {
    let srv = TestServer::start().await;
    let mut ids = vec![seed(&srv).await];
    let r = srv
        .post(
            &objects_path(INBOX),
            Who::Dtc,
            &[indicator(7, "2024-01-01T00:00:00.000Z")],
        )
        .await;
    ids.push(body_json(r).await["id"].as_str().unwrap().to_owned());
    let cs = expect_ok(srv.get("/lds/collections/", Who::Ncsc).await).await;
    ids.extend(
        cs["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned()),
    );
    for id in ids {
        let u = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(u.get_version_num(), 4, "{id}");
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
        assert_eq!(u.hyphenated().to_string(), id, "canonical lowercase form");
    }
    srv.stop().await;
}

// T-29: TAXII timestamps (date_added, request_timestamp, X-TAXII-Date-Added-*) have exactly six
// fractional digits and Z.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t29_timestamps_have_microsecond_precision() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    let id = indicator_id(1);
    let st = expect_ok(srv.get(&format!("/lds/status/{sid}/"), Who::Ncsc).await).await;
    assert!(
        is_taxii_timestamp(st["request_timestamp"].as_str().unwrap()),
        "{st}"
    );
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    for rec in m["objects"].as_array().unwrap() {
        assert!(
            is_taxii_timestamp(rec["date_added"].as_str().unwrap()),
            "{rec}"
        );
    }
    for path in [
        manifest_path(PARTNERS),
        objects_path(PARTNERS),
        object_path(PARTNERS, &id),
        versions_path(PARTNERS, &id),
    ] {
        let r = srv.get(&path, Who::Ncsc).await;
        let (f, l) = date_headers(&r);
        assert!(is_taxii_timestamp(&f.unwrap()), "{path}");
        assert!(is_taxii_timestamp(&l.unwrap()), "{path}");
    }
    // The unversioned SCO's version is a server-consistent TAXII timestamp (its date_added).
    let sco = m["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().unwrap().starts_with("ipv4-addr"))
        .unwrap();
    assert_eq!(sco["version"], sco["date_added"]);
    srv.stop().await;
}

// T-30: counts are integers, permissions and `more` are JSON booleans, max_content_length an
// integer within the I-JSON range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t30_integers_and_booleans() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    let st = expect_ok(srv.get(&format!("/lds/status/{sid}/"), Who::Ncsc).await).await;
    for k in [
        "total_count",
        "success_count",
        "failure_count",
        "pending_count",
    ] {
        assert!(st[k].is_u64(), "{k}: {st}");
    }
    let root = expect_ok(srv.get("/lds/", Who::Ncsc).await).await;
    let mcl = root["max_content_length"].as_u64().unwrap();
    assert!(mcl > 0 && mcl < (1 << 53));
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Ncsc)
            .await,
    )
    .await;
    assert!(c["can_read"].is_boolean() && c["can_write"].is_boolean());
    for path in [
        objects_path(PARTNERS),
        manifest_path(PARTNERS),
        versions_path(PARTNERS, &indicator_id(1)),
    ] {
        let v = expect_ok(srv.get(&format!("{path}?limit=1"), Who::Ncsc).await).await;
        assert_eq!(v["more"], Value::Bool(true), "{path}: {v}");
    }
    srv.stop().await;
}

// T-31: objects and manifest are sorted ascending by date_added (newest last), whatever the
// STIX timestamps; objects come in the manifest's order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t31_sorted_by_date_added() {
    let srv = TestServer::start().await;
    // Posted in an order unrelated to ids or `modified`.
    for (n, m) in [
        (5, "2030-01-01T00:00:00.000Z"),
        (1, "2024-01-01T00:00:00.000Z"),
        (9, "2028-01-01T00:00:00.000Z"),
        (3, "2026-01-01T00:00:00.000Z"),
    ] {
        srv.add(PARTNERS, &[indicator(n, m)]).await;
    }
    srv.add(
        PARTNERS,
        &[
            indicator(7, "2027-01-01T00:00:00.000Z"),
            indicator(2, "2025-01-01T00:00:00.000Z"),
            indicator(8, "2024-06-01T00:00:00.000Z"),
        ],
    )
    .await;
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Ncsc).await).await;
    let recs = m["objects"].as_array().unwrap();
    let dates: Vec<&str> = recs
        .iter()
        .map(|r| r["date_added"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    let order: Vec<String> = recs
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = [5, 1, 9, 3, 7, 2, 8]
        .iter()
        .map(|n| indicator_id(*n))
        .collect();
    assert_eq!(order, want);
    let e = expect_ok(srv.get(&objects_path(PARTNERS), Who::Ncsc).await).await;
    assert_eq!(common::ids_of(&e), want);
    srv.stop().await;
}

// T-25, T-33, T-34: errors use standard HTTP codes and carry an error resource: title (string),
// description, error_code, http_status (a string equal to the status); nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t25_t33_t34_error_resource() {
    let srv = TestServer::start().await;
    let cases: Vec<(reqwest::Response, u16)> = vec![
        (
            srv.get(&format!("{}?limit=abc", objects_path(PARTNERS)), Who::Ncsc)
                .await,
            400,
        ),
        (srv.get("/lds/", Who::Nobody).await, 401),
        (srv.get(&objects_path(INBOX), Who::Dtc).await, 403),
        (srv.get("/lds/collections/none/", Who::Ncsc).await, 404),
        (
            srv.req(Method::PATCH, "/lds/", Who::Ncsc)
                .send()
                .await
                .unwrap(),
            405,
        ),
        (
            srv.client
                .get(srv.url("/lds/"))
                .header("Accept", "text/html")
                .basic_auth("ncsc", Some("ncsc-password"))
                .send()
                .await
                .unwrap(),
            406,
        ),
        (
            srv.post_raw(
                &objects_path(PARTNERS),
                Who::Ncsc,
                Some("text/plain"),
                b"{}".to_vec(),
            )
            .await,
            415,
        ),
        (
            srv.post_raw(
                &objects_path(PARTNERS),
                Who::Ncsc,
                Some(TAXII),
                b"{\"objects\":{}}".to_vec(),
            )
            .await,
            422,
        ),
        (
            srv.post_raw(
                &objects_path(PARTNERS),
                Who::Ncsc,
                Some(TAXII),
                b"{\"objects\":[".to_vec(),
            )
            .await,
            400,
        ),
    ];
    for (r, status) in cases {
        let e = expect_error(r, status).await;
        shape(
            "error",
            &e,
            &["title"],
            &[
                "description",
                "error_id",
                "error_code",
                "http_status",
                "external_details",
                "details",
            ],
        );
        for k in ["title", "description", "error_code", "http_status"] {
            assert!(e[k].is_string(), "{k}: {e}");
        }
    }
    srv.stop().await;
}

// T-35: a resource the requester may not see looks exactly like one that does not exist, and
// error texts name no internals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t35_invisible_is_indistinguishable_from_absent() {
    let srv = TestServer::start().await;
    let sid = seed(&srv).await;
    srv.add(SECRET, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    let unknown_collection = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f";
    let pairs: Vec<(String, String)> = vec![
        (
            format!("/lds/collections/{SECRET}/"),
            format!("/lds/collections/{unknown_collection}/"),
        ),
        (objects_path(SECRET), objects_path(unknown_collection)),
        (manifest_path(SECRET), manifest_path(unknown_collection)),
        (
            object_path(SECRET, &indicator_id(1)),
            object_path(unknown_collection, &indicator_id(1)),
        ),
        ("/other/".into(), "/nosuchroot/".into()),
        (
            "/other/collections/".into(),
            "/nosuchroot/collections/".into(),
        ),
        (
            format!("/lds/status/{sid}/"),
            format!("/lds/status/{unknown_collection}/"),
        ),
    ];
    for (hidden, absent) in pairs {
        let a = expect_error(srv.get(&hidden, Who::Dtc).await, 404).await;
        let b = expect_error(srv.get(&absent, Who::Dtc).await, 404).await;
        assert_eq!(a, b, "{hidden} vs {absent}");
        let text = a.to_string().to_ascii_lowercase();
        for leak in ["sql", "sqlite", "panic", "secret", ".rs", "grant"] {
            assert!(!text.contains(leak), "{hidden}: {a}");
        }
    }
    srv.stop().await;
}
