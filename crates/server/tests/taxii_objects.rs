//! Reading a collection (T-57 ... T-65, T-72 ... T-74, T-80 ... T-82): manifest, objects,
//! one object, and its versions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, SECRET, TAXII, TestServer, Who, date_headers, expect_error, expect_ok,
    indicator, indicator_id, ipv4, is_taxii_timestamp, manifest_path, object_path, objects_path,
    versions_of, versions_path,
};
use serde_json::{Value, json};

const MARKING: &str = "marking-definition--00000001-0000-4000-8000-0000000000aa";
const SCO: &str = "ipv4-addr--00000005-0000-4000-8000-000000000000";

/// A marking definition: versioned by `created` only (it has no `modified`).
fn statement_marking() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING,
        "created": "2023-05-06T07:08:09.123Z",
        "name": "statement",
        "definition_type": "statement",
        "definition": { "statement": "Copyright Schakel tests" }
    })
}

/// indicator 1 in three versions, indicator 2, an SCO and a marking definition.
async fn seed(srv: &TestServer) {
    srv.add(
        PARTNERS,
        &[
            indicator(1, "2024-01-01T00:00:00.000Z"),
            indicator(2, "2024-01-01T00:00:00.000Z"),
        ],
    )
    .await;
    srv.add(PARTNERS, &[ipv4(5), statement_marking()]).await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:01.000Z")])
        .await;
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:02.000Z")])
        .await;
}

fn manifest_versions(m: &Value) -> Vec<(String, String)> {
    m["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["version"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The version key of an object as TAXII defines it: modified, else created, else what the
/// manifest says (unversioned SCO).
fn version_key(o: &Value, manifest: &Value) -> String {
    o["modified"]
        .as_str()
        .or_else(|| o["created"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let id = o["id"].as_str().unwrap();
            manifest["objects"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()["version"]
                .as_str()
                .unwrap()
                .to_owned()
        })
}

// T-57, T-62: manifest and objects take the same filters and describe the same object
// versions, in the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t57_t62_manifest_and_objects_agree_for_every_filter() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let all = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    let first_date = all["objects"][0]["date_added"].as_str().unwrap().to_owned();
    let queries = [
        String::new(),
        "match[type]=indicator".into(),
        "match[type]=ipv4-addr,marking-definition".into(),
        format!("match[id]={}", indicator_id(1)),
        format!("match[id]={},{SCO}", indicator_id(2)),
        "match[version]=all".into(),
        "match[version]=first".into(),
        "match[version]=2024-01-01T00:00:01.000Z".into(),
        "match[version]=2023-05-06T07:08:09.123Z".into(),
        "match[spec_version]=2.1".into(),
        format!("added_after={first_date}"),
        format!("added_after={first_date}&match[version]=all&match[type]=indicator"),
        "limit=2".into(),
        "match[type]=malware".into(),
    ];
    for q in queries {
        let m = expect_ok(
            srv.get(&format!("{}?{q}", manifest_path(PARTNERS)), Who::Dtc)
                .await,
        )
        .await;
        let e = expect_ok(
            srv.get(&format!("{}?{q}", objects_path(PARTNERS)), Who::Dtc)
                .await,
        )
        .await;
        let from_objects: Vec<(String, String)> = e["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| (o["id"].as_str().unwrap().to_owned(), version_key(o, &all)))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(from_objects, manifest_versions(&m), "{q}");
        assert_eq!(e["more"], m["more"], "{q}");
    }
    // match[type] filters the underlying objects.
    let m = expect_ok(
        srv.get(
            &format!("{}?match[type]=indicator", manifest_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert!(
        m["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"].as_str().unwrap().starts_with("indicator--"))
    );
    srv.stop().await;
}

// T-59, T-60, T-80: manifest records: one per version, with date_added, version (modified;
// created for an object without modified; the server-consistent date_added for an
// unversioned SCO) and a media_type from the collection's media_types. Empty -> {}.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t59_t60_manifest_records() {
    let srv = TestServer::start().await;
    let empty = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Dtc).await).await;
    assert!(empty.get("objects").is_none(), "{empty}");
    assert_ne!(empty["more"], true);
    seed(&srv).await;
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Dtc)
            .await,
    )
    .await;
    let media: Vec<&str> = c["media_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let recs = m["objects"].as_array().unwrap();
    assert_eq!(recs.len(), 6, "one record per version: {m}");
    for r in recs {
        assert!(is_taxii_timestamp(r["date_added"].as_str().unwrap()));
        assert!(media.contains(&r["media_type"].as_str().unwrap()), "{r}");
    }
    let versions_of_1: Vec<&str> = recs
        .iter()
        .filter(|r| r["id"] == indicator_id(1))
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions_of_1,
        [
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:01.000Z",
            "2024-01-01T00:00:02.000Z"
        ]
    );
    let marking = recs.iter().find(|r| r["id"] == MARKING).unwrap();
    assert_eq!(
        marking["version"], "2023-05-06T07:08:09.123Z",
        "created as version"
    );
    let sco = recs.iter().find(|r| r["id"] == SCO).unwrap();
    assert_eq!(sco["version"], sco["date_added"]);
    // Without match[version]: the last version of each object.
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Dtc).await).await;
    assert_eq!(m["objects"].as_array().unwrap().len(), 4);
    srv.stop().await;
}

// T-58, T-63, T-81 (and T-73): a client that may only write gets 403 from every read
// endpoint; without any grant, 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t58_t63_t73_t81_write_only_readers_get_403() {
    let srv = TestServer::start().await;
    srv.add(INBOX, &[indicator(1, "2024-01-01T00:00:00.000Z")])
        .await;
    let id = indicator_id(1);
    for path in [
        manifest_path(INBOX),
        objects_path(INBOX),
        object_path(INBOX, &id),
        versions_path(INBOX, &id),
    ] {
        expect_error(srv.get(&path, Who::Dtc).await, 403).await;
        expect_error(srv.get(&path, Who::Zcert).await, 404).await;
        expect_ok(srv.get(&path, Who::Ncsc).await).await;
    }
    srv.stop().await;
}

// T-64: objects always come in an envelope; no match -> 200 with an envelope without
// `objects` (never "objects": []). Stored bytes are served as received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t64_envelope_and_empty_envelope() {
    let srv = TestServer::start().await;
    let r = srv.get(&objects_path(PARTNERS), Who::Dtc).await;
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("objects").is_none() && v["more"] != true, "{text}");
    assert!(!text.contains("[]"), "{text}");
    // A single object is still an envelope; the bytes are the ones posted.
    let raw = r#"{ "pattern_type":"stix", "type" : "indicator","spec_version":"2.1","id":"indicator--0000000a-0000-4000-8000-000000000000","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.3']","valid_from":"2024-01-01T00:00:00Z",   "name":"spacing kept"}"#;
    let r = srv
        .post_raw(
            &objects_path(PARTNERS),
            Who::Ncsc,
            Some(TAXII),
            format!(r#"{{"objects":[{raw}]}}"#).into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 202);
    for path in [
        objects_path(PARTNERS),
        object_path(PARTNERS, "indicator--0000000a-0000-4000-8000-000000000000"),
    ] {
        let text = srv.get(&path, Who::Dtc).await.text().await.unwrap();
        assert!(text.contains(raw), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    }
    for q in [
        "match[type]=malware",
        "match[id]=indicator--ffffffff-0000-4000-8000-000000000000",
        "added_after=2999-01-01T00:00:00Z",
    ] {
        let v = expect_ok(
            srv.get(&format!("{}?{q}", objects_path(PARTNERS)), Who::Dtc)
                .await,
        )
        .await;
        assert!(v.get("objects").is_none(), "{q}: {v}");
    }
    srv.stop().await;
}

// T-61, T-65, T-74, T-82: 200 with X-TAXII-Date-Added headers; 400 for a bad filter; 401; 403;
// 404; 406, on manifest, objects, object and versions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t61_t65_t74_t82_read_endpoint_status_codes() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let id = indicator_id(1);
    for path in [
        manifest_path(PARTNERS),
        objects_path(PARTNERS),
        object_path(PARTNERS, &id),
        versions_path(PARTNERS, &id),
    ] {
        let r = srv.get(&path, Who::Dtc).await;
        let (f, l) = date_headers(&r);
        assert!(f.is_some() && l.is_some(), "{path}");
        expect_ok(r).await;
        expect_error(srv.get(&format!("{path}?limit=0"), Who::Dtc).await, 400).await;
        expect_error(
            srv.get(&format!("{path}?added_after=yesterday"), Who::Dtc)
                .await,
            400,
        )
        .await;
        expect_error(srv.get(&format!("{path}?next=forged"), Who::Dtc).await, 400).await;
        expect_error(srv.get(&path, Who::Nobody).await, 401).await;
        expect_error(srv.get(&path.replace(PARTNERS, INBOX), Who::Dtc).await, 403).await;
        expect_error(
            srv.get(&path.replace(PARTNERS, SECRET), Who::Dtc).await,
            404,
        )
        .await;
        let r = srv
            .client
            .get(srv.url(&path))
            .header("Accept", "text/csv")
            .basic_auth("dtc", Some("dtc-password"))
            .send()
            .await
            .unwrap();
        expect_error(r, 406).await;
    }
    srv.stop().await;
}

// T-72, T-73: GET .../objects/{id}/ is match[id]={id} on the objects endpoint, always an
// envelope; an unknown id is 404; a known id whose versions the filter excludes is an empty
// envelope; match[id]/match[type] do not apply there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t72_t73_get_one_object() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let id = indicator_id(1);
    for q in [
        "",
        "match[version]=all",
        "match[version]=first",
        "match[version]=2024-01-01T00:00:01Z",
        "match[spec_version]=2.1",
        "limit=1",
    ] {
        let one = expect_ok(
            srv.get(&format!("{}?{q}", object_path(PARTNERS, &id)), Who::Zcert)
                .await,
        )
        .await;
        let sep = if q.is_empty() { "" } else { "&" };
        let filtered = expect_ok(
            srv.get(
                &format!("{}?match[id]={id}{sep}{q}", objects_path(PARTNERS)),
                Who::Zcert,
            )
            .await,
        )
        .await;
        assert_eq!(versions_of(&one), versions_of(&filtered), "{q}");
        assert_eq!(one["more"], filtered["more"], "{q}");
    }
    let last = expect_ok(srv.get(&object_path(PARTNERS, &id), Who::Zcert).await).await;
    assert_eq!(
        versions_of(&last),
        vec![(id.clone(), "2024-01-01T00:00:02.000Z".to_owned())]
    );
    let all = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", object_path(PARTNERS, &id)),
            Who::Zcert,
        )
        .await,
    )
    .await;
    assert_eq!(all["objects"].as_array().unwrap().len(), 3);
    // Filters that do not belong to this endpoint are ignored.
    let ignored = expect_ok(
        srv.get(
            &format!(
                "{}?match[type]=malware&match[id]={}",
                object_path(PARTNERS, &id),
                indicator_id(2)
            ),
            Who::Zcert,
        )
        .await,
    )
    .await;
    assert_eq!(versions_of(&ignored), versions_of(&last));
    // Known id, no matching version: empty envelope. Unknown id (or one held elsewhere): 404.
    let none = expect_ok(
        srv.get(
            &format!(
                "{}?match[version]=2020-01-01T00:00:00.000Z",
                object_path(PARTNERS, &id)
            ),
            Who::Zcert,
        )
        .await,
    )
    .await;
    assert!(none.get("objects").is_none(), "{none}");
    expect_error(
        srv.get(
            &object_path(PARTNERS, "indicator--ffffffff-0000-4000-8000-000000000000"),
            Who::Zcert,
        )
        .await,
        404,
    )
    .await;
    srv.add(SECRET, &[indicator(77, "2024-01-01T00:00:00.000Z")])
        .await;
    expect_error(
        srv.get(&object_path(PARTNERS, &indicator_id(77)), Who::Ncsc)
            .await,
        404,
    )
    .await;
    expect_error(
        srv.get(&object_path(PARTNERS, "not-an-id"), Who::Zcert)
            .await,
        404,
    )
    .await;
    srv.stop().await;
}

// T-80, T-81: versions lists every version (modified; created when there is no modified; the
// date_added of an unversioned SCO) oldest first; unknown id 404; empty -> {} without
// "versions"; match[version] does not apply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t80_t81_versions() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    // A version with an older `modified` added last: versions are in date_added order.
    srv.add(PARTNERS, &[indicator(1, "2024-01-01T00:00:00.500Z")])
        .await;
    let v = expect_ok(
        srv.get(&versions_path(PARTNERS, &indicator_id(1)), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(
        v["versions"],
        json!([
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:01.000Z",
            "2024-01-01T00:00:02.000Z",
            "2024-01-01T00:00:00.500Z"
        ])
    );
    assert_ne!(v["more"], true);
    let ignored = expect_ok(
        srv.get(
            &format!(
                "{}?match[version]=first&match[type]=malware",
                versions_path(PARTNERS, &indicator_id(1))
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(ignored["versions"], v["versions"]);
    let v = expect_ok(srv.get(&versions_path(PARTNERS, MARKING), Who::Dtc).await).await;
    assert_eq!(v["versions"], json!(["2023-05-06T07:08:09.123Z"]));
    let m = expect_ok(
        srv.get(
            &format!("{}?match[id]={SCO}", manifest_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let v = expect_ok(srv.get(&versions_path(PARTNERS, SCO), Who::Dtc).await).await;
    assert_eq!(v["versions"], json!([m["objects"][0]["version"]]));
    expect_error(
        srv.get(
            &versions_path(PARTNERS, "indicator--ffffffff-0000-4000-8000-000000000000"),
            Who::Dtc,
        )
        .await,
        404,
    )
    .await;
    let empty = expect_ok(
        srv.get(
            &format!(
                "{}?added_after=2999-01-01T00:00:00Z",
                versions_path(PARTNERS, &indicator_id(1))
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert!(empty.get("versions").is_none(), "{empty}");
    // Paging through versions.
    let first = expect_ok(
        srv.get(
            &format!("{}?limit=3", versions_path(PARTNERS, &indicator_id(1))),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(first["versions"].as_array().unwrap().len(), 3);
    assert_eq!(first["more"], true);
    srv.stop().await;
}

// T-60 (media_type must be one of the collection's media_types) with a provisioned list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t60_manifest_media_type_is_one_of_the_collections() {
    let toml = common::PROVISIONING.replace(
        "description = \"Partner feed\"",
        "description = \"Partner feed\"\nmedia_types = [\"application/stix+json;version=2.1\"]",
    );
    let srv = TestServer::start_with(&toml).await;
    srv.add(
        PARTNERS,
        &[indicator(1, "2024-01-01T00:00:00.000Z"), ipv4(2)],
    )
    .await;
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Dtc)
            .await,
    )
    .await;
    let m = expect_ok(srv.get(&manifest_path(PARTNERS), Who::Dtc).await).await;
    for r in m["objects"].as_array().unwrap() {
        assert!(
            c["media_types"]
                .as_array()
                .unwrap()
                .contains(&r["media_type"]),
            "{r} vs {c}"
        );
    }
    srv.stop().await;
}

// T-31 and X-TAXII headers on the object endpoint: first/last are the page's oldest/newest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t93_object_and_versions_headers_match_the_page() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let id = indicator_id(1);
    let m = expect_ok(
        srv.get(
            &format!(
                "{}?match[version]=all&match[id]={id}",
                manifest_path(PARTNERS)
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let dates: Vec<String> = m["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date_added"].as_str().unwrap().to_owned())
        .collect();
    let r = srv
        .get(
            &format!("{}?match[version]=all", object_path(PARTNERS, &id)),
            Who::Dtc,
        )
        .await;
    assert_eq!(
        date_headers(&r),
        (Some(dates[0].clone()), Some(dates[2].clone()))
    );
    let r = srv.get(&versions_path(PARTNERS, &id), Who::Dtc).await;
    assert_eq!(
        date_headers(&r),
        (Some(dates[0].clone()), Some(dates[2].clone()))
    );
    let r = srv.get(&object_path(PARTNERS, &id), Who::Dtc).await;
    assert_eq!(
        date_headers(&r),
        (Some(dates[2].clone()), Some(dates[2].clone()))
    );
    srv.stop().await;
}
