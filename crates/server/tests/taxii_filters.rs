//! Filtering (T-83 ... T-90): `added_after`, `limit`, `match[id]`, `match[type]`,
//! `match[version]`, `match[spec_version]`, and their order of evaluation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::collections::BTreeSet;

use common::{
    PARTNERS, PROVISIONING, TestServer, Who, expect_error, expect_ok, ids_of, indicator,
    indicator_id, ipv4, manifest_path, modified, object_path, objects_path, seed_object,
    versions_of, versions_path,
};
use serde_json::{Value, json};

const V0: &str = "2024-01-01T00:00:00.000Z";
const V1: &str = "2024-01-01T00:00:01.000Z";
const V2: &str = "2024-01-01T00:00:02.000Z";

/// Three versions of indicator 1 and of indicator 2, interleaved in date_added order, plus an
/// SCO and a malware: (1,V0) (2,V0) (sco) (1,V1) (2,V1) (malware) (1,V2) (2,V2).
async fn seed(srv: &TestServer) {
    srv.add(PARTNERS, &[indicator(1, V0), indicator(2, V0), ipv4(3)])
        .await;
    srv.add(PARTNERS, &[indicator(1, V1), indicator(2, V1), malware(4)])
        .await;
    srv.add(PARTNERS, &[indicator(1, V2), indicator(2, V2)])
        .await;
}

fn malware(n: u32) -> Value {
    json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": format!("malware--{:08x}-0000-4000-8000-000000000000", n),
        "created": V0,
        "modified": V0,
        "name": "Ploutus",
        "is_family": true
    })
}

/// The manifest records with match[version]=all: (id, version, date_added).
async fn records(srv: &TestServer) -> Vec<(String, String, String)> {
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    m["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["version"].as_str().unwrap().to_owned(),
                        r["date_added"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn objects(srv: &TestServer, query: &str) -> Value {
    expect_ok(
        srv.get(&format!("{}?{query}", objects_path(PARTNERS)), Who::Dtc)
            .await,
    )
    .await
}

fn pairs(v: &[(u32, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, m)| (indicator_id(*n), (*m).to_owned()))
        .collect()
}

// T-83, T-86: malformed values and repeated parameters are 400 on every endpoint that takes
// them, with a TAXII error body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t83_malformed_or_repeated_parameters_are_400() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let common_bad = [
        "added_after=yesterday",
        "added_after=2024-13-01T00:00:00Z",
        "added_after=2024-01-01",
        "added_after=2024-01-01T00:00:00+02:00",
        "added_after=",
        "added_after=2024-01-01T00:00:00Z&added_after=2024-01-01T00:00:00Z",
        "limit=0",
        "limit=-1",
        "limit=1.5",
        "limit=ten",
        "limit=",
        "limit=99999999999999999999",
        "limit=1&limit=1",
        "next=not-a-token",
        "next=a&next=b",
        "match[spec_version]=2",
        "match[spec_version]=2.1,",
        "match[spec_version]=2.1&match[spec_version]=2.1",
    ];
    let version_bad = [
        "match[version]=all,last",
        "match[version]=last,all",
        "match[version]=last,last",
        "match[version]=first,first",
        "match[version]=2024-01-01T00:00:01Z,2024-01-01T00:00:01.000Z",
        "match[version]=latest",
        "match[version]=2024-01-01",
        "match[version]=",
        "match[version]=last&match[version]=first",
        "match[version]=last&match%5Bversion%5D=last",
    ];
    let list_bad = [
        "match[type]=",
        "match[type]=indicator,,malware",
        "match[type]=Indicator",
        "match[type]=indicator&match[type]=malware",
        "match[id]=indicator",
        "match[id]=indicator--1234",
        "match[id]=a&match[id]=b",
        "match%5Bid%5D=x&match[id]=y",
    ];
    let id = indicator_id(1);
    let endpoints: Vec<(String, bool, bool)> = vec![
        // (path, takes match[version], takes match[id]/match[type])
        (objects_path(PARTNERS), true, true),
        (manifest_path(PARTNERS), true, true),
        (object_path(PARTNERS, &id), true, false),
        (versions_path(PARTNERS, &id), false, false),
    ];
    for (path, versions, lists) in endpoints {
        let mut cases: Vec<&str> = common_bad.to_vec();
        if versions {
            cases.extend(version_bad);
        }
        if lists {
            cases.extend(list_bad);
        }
        for q in cases {
            let e = expect_error(srv.get(&format!("{path}?{q}"), Who::Dtc).await, 400).await;
            assert!(
                e["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{path}?{q}: {e}"
            );
        }
        // Malformed percent-encoding.
        expect_error(srv.get(&format!("{path}?limit=%zz"), Who::Dtc).await, 400).await;
    }
    srv.stop().await;
}

// T-84: added_after selects date_added strictly after the value; without it the listing starts
// at the oldest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t84_added_after_is_strictly_after() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let recs = records(&srv).await;
    assert_eq!(recs.len(), 8);
    let all = objects(&srv, "match[version]=all").await;
    assert_eq!(ids_of(&all)[0], indicator_id(1), "starts at the oldest");
    for (k, (_, _, date)) in recs.iter().enumerate() {
        let v = objects(&srv, &format!("match[version]=all&added_after={date}")).await;
        let got = v["objects"].as_array().map_or(0, Vec::len);
        assert_eq!(got, recs.len() - k - 1, "after record {k}");
        // One microsecond earlier includes the record itself.
        let t = stix::StixTimestamp::parse(date).unwrap().micros() - 1;
        let earlier = stix::StixTimestamp::from_micros(t).as_str().to_owned();
        let v = objects(&srv, &format!("match[version]=all&added_after={earlier}")).await;
        assert_eq!(
            v["objects"].as_array().map_or(0, Vec::len),
            recs.len() - k,
            "just before record {k}"
        );
    }
    // Far in the past: everything; in the future: nothing.
    assert_eq!(
        objects(&srv, "match[version]=all&added_after=1970-01-01T00:00:00Z").await["objects"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    assert!(
        objects(&srv, "added_after=2999-01-01T00:00:00Z")
            .await
            .get("objects")
            .is_none()
    );
    srv.stop().await;
}

// T-85, interop contract 7: limit is never exceeded; the server's default and maximum page
// sizes apply; when everything fits, everything is returned with more=false.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t85_limit_and_server_page_sizes() {
    let toml = PROVISIONING
        .replace("default_page_size = 100", "default_page_size = 3")
        .replace("max_page_size = 500", "max_page_size = 5");
    let srv = TestServer::start_with(&toml).await;
    let objs: Vec<Value> = (1..=12).map(|n| indicator(n, V0)).collect();
    srv.add(PARTNERS, &objs).await;
    for path in [objects_path(PARTNERS), manifest_path(PARTNERS)] {
        let count = |v: &Value| v["objects"].as_array().map_or(0, Vec::len);
        for limit in 1..=12 {
            let v = expect_ok(srv.get(&format!("{path}?limit={limit}"), Who::Dtc).await).await;
            assert_eq!(count(&v), limit.min(5), "{path} limit={limit}");
            assert_eq!(v["more"], true);
        }
        // No limit: the default page size.
        let v = expect_ok(srv.get(&path, Who::Dtc).await).await;
        assert_eq!(count(&v), 3);
        // A huge limit is clamped, not refused.
        let v = expect_ok(
            srv.get(&format!("{path}?limit=9223372036854775807"), Who::Dtc)
                .await,
        )
        .await;
        assert_eq!(count(&v), 5);
        // Everything that fits both limits comes in one page with more=false.
        let v = expect_ok(
            srv.get(
                &format!(
                    "{path}?limit=5&match[id]={},{}",
                    indicator_id(1),
                    indicator_id(2)
                ),
                Who::Dtc,
            )
            .await,
        )
        .await;
        assert_eq!(count(&v), 2);
        assert_eq!(v["more"], false);
        assert!(v.get("next").is_none());
    }
    let v = expect_ok(
        srv.get(
            &format!("{}?limit=2", versions_path(PARTNERS, &indicator_id(1))),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(v["versions"].as_array().unwrap().len(), 1);
    assert_eq!(v["more"], false);
    srv.stop().await;
}

// T-86: match fields are ANDed, comma-separated values ORed, the same field twice is 400,
// unknown match fields are ignored, and brackets may be percent-encoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t86_match_fields_and_values() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let set = |v: &Value| ids_of(v).into_iter().collect::<BTreeSet<_>>();
    let sco = "ipv4-addr--00000003-0000-4000-8000-000000000000".to_owned();
    let mal = "malware--00000004-0000-4000-8000-000000000000".to_owned();
    // OR within a field.
    let v = objects(&srv, "match[type]=ipv4-addr,malware").await;
    assert_eq!(set(&v), BTreeSet::from([sco.clone(), mal.clone()]));
    // AND across fields.
    let v = objects(
        &srv,
        &format!("match[type]=indicator&match[id]={},{sco}", indicator_id(2)),
    )
    .await;
    assert_eq!(ids_of(&v), vec![indicator_id(2)]);
    let v = objects(
        &srv,
        &format!("match[type]=malware&match[id]={}", indicator_id(2)),
    )
    .await;
    assert!(v.get("objects").is_none());
    // Unknown match fields and parameters are ignored.
    let plain = objects(&srv, "").await;
    assert_eq!(
        objects(
            &srv,
            "match[created_by_ref]=identity--x&match[foo]=1&match[foo]=2&bar=baz"
        )
        .await,
        plain
    );
    // Percent-encoded brackets and commas mean the same.
    assert_eq!(
        objects(&srv, "match%5Btype%5D=ipv4-addr%2Cmalware").await,
        objects(&srv, "match[type]=ipv4-addr,malware").await
    );
    assert_eq!(
        objects(&srv, "match%5btype%5d=malware").await,
        objects(&srv, "match[type]=malware").await
    );
    srv.stop().await;
}

// T-87: match[id] and match[type] select; any STIX 2.1 type is a valid filter even when the
// collection holds none (empty envelope, not an error); custom types too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t87_match_id_and_type() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let v = objects(&srv, &format!("match[id]={}", indicator_id(1))).await;
    assert_eq!(versions_of(&v), pairs(&[(1, V2)]));
    let v = objects(&srv, "match[type]=indicator").await;
    assert_eq!(ids_of(&v), vec![indicator_id(1), indicator_id(2)]);
    for t in [
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
        "relationship",
        "sighting",
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
        "language-content",
        "marking-definition",
        "extension-definition",
        "x-acme-widget",
    ] {
        let v = objects(&srv, &format!("match[type]={t}")).await;
        assert!(v.get("objects").is_none(), "{t}: {v}");
    }
    // Unknown ids select nothing; ids differing only in case are different ids.
    assert!(
        objects(
            &srv,
            "match[id]=indicator--ffffffff-0000-4000-8000-000000000000"
        )
        .await
        .get("objects")
        .is_none()
    );
    srv.stop().await;
}

// T-88: match[version] - last (the default), first, all, exact timestamps compared as
// instants, and unions; created is the version of objects without modified; per object, not
// per page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t88_match_version() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let ind = |v: &Value| {
        versions_of(v)
            .into_iter()
            .filter(|(id, _)| id.starts_with("indicator--"))
            .collect::<Vec<_>>()
    };
    assert_eq!(ind(&objects(&srv, "").await), pairs(&[(1, V2), (2, V2)]));
    assert_eq!(
        ind(&objects(&srv, "match[version]=last").await),
        pairs(&[(1, V2), (2, V2)])
    );
    assert_eq!(
        ind(&objects(&srv, "match[version]=first").await),
        pairs(&[(1, V0), (2, V0)])
    );
    assert_eq!(
        ind(&objects(&srv, "match[version]=all").await),
        pairs(&[(1, V0), (2, V0), (1, V1), (2, V1), (1, V2), (2, V2)])
    );
    assert_eq!(
        ind(&objects(&srv, &format!("match[version]={V1}")).await),
        pairs(&[(1, V1), (2, V1)])
    );
    // The same instant in other spellings.
    for t in [
        "2024-01-01T00:00:01Z",
        "2024-01-01T00:00:01.0Z",
        "2024-01-01T00:00:01.000000Z",
        "2024-01-01T00:00:01.000000000Z",
    ] {
        assert_eq!(
            ind(&objects(&srv, &format!("match[version]={t}")).await),
            pairs(&[(1, V1), (2, V1)]),
            "{t}"
        );
    }
    assert_eq!(
        ind(&objects(&srv, "match[version]=first,last").await),
        pairs(&[(1, V0), (2, V0), (1, V2), (2, V2)])
    );
    assert_eq!(
        ind(&objects(&srv, &format!("match[version]=last,{V0}")).await),
        pairs(&[(1, V0), (2, V0), (1, V2), (2, V2)])
    );
    assert_eq!(
        ind(&objects(&srv, &format!("match[version]={V0},{V1}")).await),
        pairs(&[(1, V0), (2, V0), (1, V1), (2, V1)])
    );
    // first and last overlap for a single-version object: it comes once.
    let v = objects(&srv, "match[version]=first,last&match[type]=malware").await;
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    // A version no object has: empty.
    assert!(
        objects(&srv, "match[version]=2024-01-01T00:00:00.001Z")
            .await
            .get("objects")
            .is_none()
    );
    // Per object, not per page: paging one row at a time gives the same selection.
    for q in [
        "match[version]=last",
        "match[version]=first",
        "match[version]=first,last",
    ] {
        let whole = versions_of(&objects(&srv, q).await);
        let paged: Vec<(String, String)> = srv
            .pages(&objects_path(PARTNERS), Who::Dtc, &format!("{q}&limit=1"))
            .await
            .iter()
            .flat_map(|(v, _, _)| versions_of(v))
            .collect();
        assert_eq!(paged, whole, "{q}");
    }
    // An object versioned by `created` only (a marking definition) is selected by it.
    let marking = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--00000001-0000-4000-8000-0000000000aa",
        "created": "2023-05-06T07:08:09.123Z", "name": "statement",
        "definition_type": "statement", "definition": {"statement": "Copyright Schakel tests"}
    });
    srv.add(PARTNERS, std::slice::from_ref(&marking)).await;
    let v = objects(&srv, "match[version]=2023-05-06T07:08:09.123Z").await;
    assert_eq!(v["objects"], json!([marking]));
    // An unversioned SCO is selected by first and last alike.
    for q in [
        "match[version]=first&match[type]=ipv4-addr",
        "match[version]=last&match[type]=ipv4-addr",
    ] {
        assert_eq!(
            objects(&srv, q).await["objects"].as_array().unwrap().len(),
            1,
            "{q}"
        );
    }
    srv.stop().await;
}

/// A STIX 2.0 indicator (no spec_version property), as an import may store it.
fn indicator20(n: u32, modified: &str) -> Value {
    json!({
        "type": "indicator",
        "id": indicator_id(n),
        "created": V0,
        "modified": modified,
        "labels": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.9']",
        "valid_from": "2024-01-01T00:00:00Z"
    })
}

// T-89, T-60: match[spec_version] returns only those spec versions; without it, only each
// object's latest spec version. STIX 2.0 content cannot be POSTed (the validator checks 2.1),
// so it is stored directly, as an import of another server's data would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t89_match_spec_version() {
    let toml = PROVISIONING.replace(
        "description = \"Partner feed\"",
        "description = \"Partner feed\"\nmedia_types = [\"application/stix+json;version=2.1\", \"application/stix+json;version=2.0\"]",
    );
    // 1: 2.0 at V0 and V1, then 2.1 at V2.  5: 2.0 only.  6: 2.1 only.  7: 2.1 at V0, then 2.0 at V2.
    let objs = vec![
        seed_object(&indicator20(1, V0), "2.0"),
        seed_object(&indicator20(1, V1), "2.0"),
        seed_object(&indicator(1, V2), "2.1"),
        seed_object(&indicator20(5, V0), "2.0"),
        seed_object(&indicator(6, V0), "2.1"),
        seed_object(&indicator(7, V0), "2.1"),
        seed_object(&indicator20(7, V2), "2.0"),
    ];
    let srv = TestServer::start_seeded(&toml, vec![(PARTNERS, objs)]).await;
    let sv = |v: &Value| -> Vec<(String, String, String)> {
        v["objects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| {
                        (
                            o["id"].as_str().unwrap().to_owned(),
                            o["modified"].as_str().unwrap().to_owned(),
                            o["spec_version"].as_str().unwrap_or("2.0").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let t = |n: u32, m: &str, s: &str| (indicator_id(n), m.to_owned(), s.to_owned());
    // Absent: the latest spec version of each object only (then `last` among those).
    assert_eq!(
        sv(&objects(&srv, "").await),
        vec![
            t(1, V2, "2.1"),
            t(5, V0, "2.0"),
            t(6, V0, "2.1"),
            t(7, V0, "2.1")
        ]
    );
    assert_eq!(
        sv(&objects(&srv, "match[version]=all").await),
        vec![
            t(1, V2, "2.1"),
            t(5, V0, "2.0"),
            t(6, V0, "2.1"),
            t(7, V0, "2.1")
        ]
    );
    // Only 2.0.
    assert_eq!(
        sv(&objects(&srv, "match[spec_version]=2.0").await),
        vec![t(1, V1, "2.0"), t(5, V0, "2.0"), t(7, V2, "2.0")]
    );
    assert_eq!(
        sv(&objects(&srv, "match[spec_version]=2.0&match[version]=all").await),
        vec![
            t(1, V0, "2.0"),
            t(1, V1, "2.0"),
            t(5, V0, "2.0"),
            t(7, V2, "2.0")
        ]
    );
    // Only 2.1.
    assert_eq!(
        sv(&objects(&srv, "match[spec_version]=2.1").await),
        vec![t(1, V2, "2.1"), t(6, V0, "2.1"), t(7, V0, "2.1")]
    );
    // Both, every version.
    assert_eq!(
        sv(&objects(&srv, "match[spec_version]=2.0,2.1&match[version]=all").await).len(),
        7
    );
    // A spec version nobody has.
    assert!(
        objects(&srv, "match[spec_version]=2.2")
            .await
            .get("objects")
            .is_none()
    );
    // The object endpoint and versions follow the same rule.
    let one = expect_ok(
        srv.get(
            &format!(
                "{}?match[version]=all",
                object_path(PARTNERS, &indicator_id(1))
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(sv(&one), vec![t(1, V2, "2.1")]);
    let v = expect_ok(
        srv.get(&versions_path(PARTNERS, &indicator_id(1)), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(v["versions"], json!([V2]));
    let v = expect_ok(
        srv.get(
            &format!(
                "{}?match[spec_version]=2.0",
                versions_path(PARTNERS, &indicator_id(1))
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(v["versions"], json!([V0, V1]));
    // T-60: manifest media types name each record's spec version, one of the collection's.
    let c = expect_ok(
        srv.get(&format!("/lds/collections/{PARTNERS}/"), Who::Dtc)
            .await,
    )
    .await;
    let m = expect_ok(
        srv.get(
            &format!(
                "{}?match[spec_version]=2.0,2.1&match[version]=all",
                manifest_path(PARTNERS)
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let mut seen = BTreeSet::new();
    for r in m["objects"].as_array().unwrap() {
        assert!(
            c["media_types"]
                .as_array()
                .unwrap()
                .contains(&r["media_type"]),
            "{r}"
        );
        seen.insert(r["media_type"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 2);
    srv.stop().await;
}

// T-90 (D): id/type/spec_version/added_after filter first, then match[version] selects among
// what is left, then date_added order, then the page cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t90_order_of_evaluation() {
    let srv = TestServer::start().await;
    seed(&srv).await;
    let recs = records(&srv).await;
    // (1,V0)=0 (2,V0)=1 sco=2 (1,V1)=3 (2,V1)=4 malware=5 (1,V2)=6 (2,V2)=7
    let after = |k: usize| recs[k].2.clone();
    // added_after, then first: the first version added after the point.
    let v = objects(
        &srv,
        &format!(
            "match[type]=indicator&match[version]=first&added_after={}",
            after(1)
        ),
    )
    .await;
    assert_eq!(versions_of(&v), pairs(&[(1, V1), (2, V1)]));
    // added_after, then last: an object whose last version is before the point is absent.
    let v = objects(
        &srv,
        &format!("match[version]=last&added_after={}", after(6)),
    )
    .await;
    assert_eq!(versions_of(&v), pairs(&[(2, V2)]));
    // A timestamp before added_after selects nothing of that object.
    let v = objects(
        &srv,
        &format!(
            "match[type]=indicator&match[version]={V0}&added_after={}",
            after(1)
        ),
    )
    .await;
    assert!(v.get("objects").is_none());
    // type before version: first of the indicators only.
    let v = objects(&srv, "match[type]=indicator&match[version]=first").await;
    assert_eq!(versions_of(&v), pairs(&[(1, V0), (2, V0)]));
    // id before version, then paging by one with the whole selection in date_added order.
    let q = format!(
        "match[id]={},{}&match[version]=first,last&limit=1",
        indicator_id(2),
        indicator_id(1)
    );
    let paged: Vec<(String, String)> = srv
        .pages(&objects_path(PARTNERS), Who::Dtc, &q)
        .await
        .iter()
        .flat_map(|(v, _, _)| versions_of(v))
        .collect();
    assert_eq!(paged, pairs(&[(1, V0), (2, V0), (1, V2), (2, V2)]));
    srv.stop().await;
}

// Ids of many objects with modified() produce correct timestamps (harness check).
#[test]
fn harness_modified_timestamps() {
    assert_eq!(modified(0), V0);
    assert_eq!(modified(3661), "2024-01-01T01:01:01.000Z");
}
