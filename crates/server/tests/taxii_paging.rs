//! Paging and the X-TAXII-Date-Added headers (T-91 ... T-95; interop contract 1, 2, 3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use common::{
    INBOX, PARTNERS, PROVISIONING, SECRET, TestServer, Who, date_headers, expect_error, expect_ok,
    ids_of, indicator, indicator_id, is_taxii_timestamp, manifest_path, object_path, objects_path,
    versions_of, versions_path,
};
use serde_json::Value;

async fn seed(srv: &TestServer, collection: &str, n: u32) {
    let objs: Vec<Value> = (1..=n)
        .map(|i| indicator(i, "2024-01-01T00:00:00.000Z"))
        .collect();
    srv.add(collection, &objs).await;
}

/// The manifest's date_added values with match[version]=all, in order.
async fn dates(srv: &TestServer, collection: &str) -> Vec<String> {
    let m = expect_ok(
        srv.get(
            &format!("{}?match[version]=all&limit=500", manifest_path(collection)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    m["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["date_added"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

// T-91, T-92, interop contract 1: more=true with a next token while there is more; next alone
// continues (no filters repeated), as Elastic and the OpenCTI connector send it; the last page
// has more=false and no next; the pages together are the whole result, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t91_t92_next_alone_pages_through_everything() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS, 10).await;
    for path in [objects_path(PARTNERS), manifest_path(PARTNERS)] {
        let pages = srv.pages(&path, Who::Dtc, "limit=3").await;
        assert_eq!(pages.len(), 4, "{path}");
        for (i, (v, _, _)) in pages.iter().enumerate() {
            let last = i == pages.len() - 1;
            assert_eq!(v["more"], Value::Bool(!last), "{path} page {i}");
            assert_eq!(v.get("next").is_some(), !last, "{path} page {i}");
        }
        let ids: Vec<String> = pages.iter().flat_map(|(v, _, _)| ids_of(v)).collect();
        assert_eq!(
            ids,
            (1..=10).map(indicator_id).collect::<Vec<_>>(),
            "{path}"
        );
    }
    // `next` with the original filters repeated (taxii2-client), with some of them, and with a
    // different limit: all continue the same listing.
    let first = expect_ok(
        srv.get(
            &format!("{}?match[type]=indicator&limit=2", objects_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let next = first["next"].as_str().unwrap();
    let alone = expect_ok(
        srv.get(
            &format!("{}?next={next}&limit=2", objects_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    let repeated = expect_ok(
        srv.get(
            &format!(
                "{}?next={next}&limit=2&match[type]=indicator",
                objects_path(PARTNERS)
            ),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(ids_of(&alone), ids_of(&repeated));
    assert_eq!(ids_of(&alone), vec![indicator_id(3), indicator_id(4)]);
    let bigger = expect_ok(
        srv.get(
            &format!("{}?next={next}&limit=100", objects_path(PARTNERS)),
            Who::Dtc,
        )
        .await,
    )
    .await;
    assert_eq!(
        ids_of(&bigger),
        (3..=10).map(indicator_id).collect::<Vec<_>>()
    );
    // Truly alone (no limit either): the limit is not part of the token; the server's default
    // page size applies to that request (T-85: no limit asked, none exceeded).
    let alone = expect_ok(
        srv.get(&format!("{}?next={next}", objects_path(PARTNERS)), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(
        ids_of(&alone),
        (3..=10).map(indicator_id).collect::<Vec<_>>()
    );
    assert_eq!(alone["more"], false);
    // Versions and the object endpoint page too.
    for m in 1..=4 {
        srv.add(
            PARTNERS,
            &[indicator(1, &format!("2024-01-01T00:00:0{m}.000Z"))],
        )
        .await;
    }
    let id = indicator_id(1);
    let pages = srv
        .pages(&versions_path(PARTNERS, &id), Who::Dtc, "limit=2")
        .await;
    let all: Vec<Value> = pages
        .iter()
        .flat_map(|(v, _, _)| v["versions"].as_array().unwrap().clone())
        .collect();
    assert_eq!(all.len(), 5);
    let pages = srv
        .pages(
            &object_path(PARTNERS, &id),
            Who::Dtc,
            "match[version]=all&limit=2",
        )
        .await;
    assert_eq!(pages.iter().flat_map(|(v, _, _)| versions_of(v)).count(), 5);
    srv.stop().await;
}

// T-92: a follow-up page may be empty (the rest was deleted): 200, more=false, no objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t92_follow_up_after_deletions_may_be_empty() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS, 4).await;
    let first = expect_ok(
        srv.get(&format!("{}?limit=2", objects_path(PARTNERS)), Who::Dtc)
            .await,
    )
    .await;
    assert_eq!(first["more"], true);
    for n in 3..=4 {
        assert_eq!(
            srv.delete(&object_path(PARTNERS, &indicator_id(n)), Who::Ncsc)
                .await
                .status(),
            200
        );
    }
    let r = srv
        .get(
            &format!(
                "{}?next={}",
                objects_path(PARTNERS),
                first["next"].as_str().unwrap()
            ),
            Who::Dtc,
        )
        .await;
    assert_eq!(
        date_headers(&r),
        (None, None),
        "empty page without added_after: no headers"
    );
    let v = expect_ok(r).await;
    assert!(v.get("objects").is_none() && v["more"] != true, "{v}");
    srv.stop().await;
}

// T-93, interop contract 2: X-TAXII-Date-Added-First/Last on every non-empty page of manifest,
// objects, object and versions are the page's first and last date_added, 6 digits and Z.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t93_date_added_headers_on_every_page() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS, 7).await;
    let d = dates(&srv, PARTNERS).await;
    for path in [objects_path(PARTNERS), manifest_path(PARTNERS)] {
        let pages = srv.pages(&path, Who::Dtc, "limit=3").await;
        let mut k = 0;
        for (v, f, l) in &pages {
            let n = v["objects"].as_array().unwrap().len();
            assert_eq!(f.as_deref(), Some(d[k].as_str()), "{path}");
            assert_eq!(l.as_deref(), Some(d[k + n - 1].as_str()), "{path}");
            assert!(
                is_taxii_timestamp(f.as_ref().unwrap()) && is_taxii_timestamp(l.as_ref().unwrap())
            );
            k += n;
        }
        assert_eq!(k, 7);
    }
    srv.stop().await;
}

// T-93 (D in DESIGN.md 5.2): an empty page asked with added_after echoes that value,
// normalised to 6 digits and Z, in both headers; without added_after no headers at all. Never a
// placeholder value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t93_empty_pages_echo_added_after_or_omit_the_headers() {
    let srv = TestServer::start().await;
    // Empty collection, no added_after: no headers.
    for path in [objects_path(PARTNERS), manifest_path(PARTNERS)] {
        let r = srv.get(&path, Who::Dtc).await;
        assert_eq!(date_headers(&r), (None, None), "{path}");
        expect_ok(r).await;
    }
    seed(&srv, PARTNERS, 3).await;
    let d = dates(&srv, PARTNERS).await;
    let last = d.last().unwrap().clone();
    // Asked with added_after = the last date_added: empty page, echoed value.
    let id = indicator_id(1);
    for path in [
        objects_path(PARTNERS),
        manifest_path(PARTNERS),
        object_path(PARTNERS, &id),
        versions_path(PARTNERS, &id),
    ] {
        let r = srv
            .get(&format!("{path}?added_after={last}"), Who::Dtc)
            .await;
        assert_eq!(
            date_headers(&r),
            (Some(last.clone()), Some(last.clone())),
            "{path}"
        );
        expect_ok(r).await;
    }
    // Any precision in, six digits out.
    for (asked, echoed) in [
        ("2999-01-01T00:00:00Z", "2999-01-01T00:00:00.000000Z"),
        ("2999-01-01T00:00:00.5Z", "2999-01-01T00:00:00.500000Z"),
        ("2999-01-01T00:00:00.123Z", "2999-01-01T00:00:00.123000Z"),
        (
            "2999-01-01T00:00:00.123456789Z",
            "2999-01-01T00:00:00.123456Z",
        ),
        ("2999-01-01t00:00:00.1z", "2999-01-01T00:00:00.100000Z"),
    ] {
        let r = srv
            .get(
                &format!("{}?added_after={asked}", objects_path(PARTNERS)),
                Who::Dtc,
            )
            .await;
        assert_eq!(
            date_headers(&r),
            (Some(echoed.to_owned()), Some(echoed.to_owned())),
            "{asked}"
        );
    }
    // Empty by filter, without added_after: no headers.
    let r = srv
        .get(
            &format!("{}?match[type]=malware", objects_path(PARTNERS)),
            Who::Dtc,
        )
        .await;
    assert_eq!(date_headers(&r), (None, None));
    // Empty by filter, with added_after: echoed.
    let r = srv
        .get(
            &format!(
                "{}?match[type]=malware&added_after={}",
                objects_path(PARTNERS),
                d[0]
            ),
            Who::Dtc,
        )
        .await;
    assert_eq!(date_headers(&r), (Some(d[0].clone()), Some(d[0].clone())));
    srv.stop().await;
}

// T-94, interop contract 3, Part 5 rule 1: date_added is unique and strictly increasing even
// within one bulk POST, so paging by added_after = X-TAXII-Date-Added-Last never skips or
// repeats; added_after is accepted with any fractional precision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t94_added_after_paging_with_the_last_header() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS, 25).await;
    let d = dates(&srv, PARTNERS).await;
    assert_eq!(d.len(), 25);
    assert!(
        d.windows(2).all(|w| w[0] < w[1]),
        "unique and increasing within one POST: {d:?}"
    );
    for path in [objects_path(PARTNERS), manifest_path(PARTNERS)] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let q = match &after {
                Some(a) => format!("{path}?limit=4&added_after={a}"),
                None => format!("{path}?limit=4"),
            };
            let r = srv.get(&q, Who::Dtc).await;
            let (_, last) = date_headers(&r);
            let v = expect_ok(r).await;
            let ids = ids_of(&v);
            if ids.is_empty() {
                // The header echoes our position: a client using it keeps its place.
                assert_eq!(last, after);
                break;
            }
            seen.extend(ids);
            after = last;
        }
        assert_eq!(
            seen,
            (1..=25).map(indicator_id).collect::<Vec<_>>(),
            "{path}"
        );
    }
    // Interop contract 3: the same point written with 0, 3, 6 or 9 fractional digits.
    let t = stix::StixTimestamp::parse(&d[9]).unwrap().micros();
    let whole_second = t - t.rem_euclid(1_000_000);
    let base = stix::StixTimestamp::from_micros(whole_second).as_str()[..19].to_owned();
    let expected = |cut: i64| {
        d.iter()
            .filter(|x| stix::StixTimestamp::parse(x).unwrap().micros() > cut)
            .count()
    };
    let frac = t - whole_second;
    for (text, cut) in [
        (format!("{base}Z"), whole_second),
        (
            format!("{base}.{:03}Z", frac / 1000),
            whole_second + frac / 1000 * 1000,
        ),
        (format!("{base}.{frac:06}Z"), t),
        (format!("{base}.{frac:06}999Z"), t),
        (format!("{base}.{frac:06}+00:00"), t),
    ] {
        let v = expect_ok(
            srv.get(
                &format!(
                    "{}?limit=100&added_after={}",
                    objects_path(PARTNERS),
                    text.replace('+', "%2B")
                ),
                Who::Dtc,
            )
            .await,
        )
        .await;
        assert_eq!(
            v["objects"].as_array().map_or(0, Vec::len),
            expected(cut),
            "{text}"
        );
    }
    srv.stop().await;
}

// T-95: next is never trusted: a forged, truncated or foreign token is 400; a token of another
// collection, endpoint or object is 400; repeated filters that contradict it are 400; and the
// caller's authorization is checked again on every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t95_next_cannot_be_forged_or_moved() {
    let srv = TestServer::start().await;
    seed(&srv, PARTNERS, 5).await;
    seed(&srv, INBOX, 5).await;
    seed(&srv, SECRET, 5).await;
    let first = expect_ok(
        srv.get(
            &format!("{}?limit=2&match[type]=indicator", objects_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    let next = first["next"].as_str().unwrap().to_owned();
    // Forged: every single-character change, truncation, extension, garbage.
    let mut forged: Vec<String> = Vec::new();
    for i in 0..next.len() {
        let mut b = next.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        forged.push(String::from_utf8(b).unwrap());
    }
    forged.push(next[..next.len() - 1].to_owned());
    forged.push(format!("{next}A"));
    forged.push("AAAA".into());
    forged.push("%00".into());
    for f in &forged {
        if f == &next {
            continue;
        }
        let e = expect_error(
            srv.get(&format!("{}?next={f}", objects_path(PARTNERS)), Who::Ncsc)
                .await,
            400,
        )
        .await;
        assert!(
            !e["description"]
                .as_str()
                .unwrap_or_default()
                .contains("hmac"),
            "{e}"
        );
    }
    // The genuine one still works.
    expect_ok(
        srv.get(
            &format!("{}?next={next}", objects_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
    )
    .await;
    // Another collection, another endpoint, another object.
    expect_error(
        srv.get(&format!("{}?next={next}", objects_path(INBOX)), Who::Ncsc)
            .await,
        400,
    )
    .await;
    expect_error(
        srv.get(
            &format!("{}?next={next}", manifest_path(PARTNERS)),
            Who::Ncsc,
        )
        .await,
        400,
    )
    .await;
    expect_error(
        srv.get(
            &format!("{}?next={next}", object_path(PARTNERS, &indicator_id(1))),
            Who::Ncsc,
        )
        .await,
        400,
    )
    .await;
    expect_error(
        srv.get(
            &format!("{}?next={next}", versions_path(PARTNERS, &indicator_id(1))),
            Who::Ncsc,
        )
        .await,
        400,
    )
    .await;
    // Filters that contradict the token.
    for q in [
        "match[type]=malware",
        "match[version]=all",
        "added_after=2020-01-01T00:00:00Z",
        "match[spec_version]=2.1",
    ] {
        expect_error(
            srv.get(
                &format!("{}?next={next}&{q}", objects_path(PARTNERS)),
                Who::Ncsc,
            )
            .await,
            400,
        )
        .await;
    }
    // A token from another server (another key) is refused.
    let other = TestServer::start_with(PROVISIONING).await;
    seed(&other, PARTNERS, 5).await;
    let foreign = expect_ok(
        other
            .get(
                &format!("{}?limit=2&match[type]=indicator", objects_path(PARTNERS)),
                Who::Ncsc,
            )
            .await,
    )
    .await;
    expect_error(
        srv.get(
            &format!(
                "{}?next={}",
                objects_path(PARTNERS),
                foreign["next"].as_str().unwrap()
            ),
            Who::Ncsc,
        )
        .await,
        400,
    )
    .await;
    other.stop().await;
    // Authorization is re-applied: a token for the secret collection does not open it for DTC,
    // nor does a partners token let a write-only reader read the inbox.
    let secret = expect_ok(
        srv.get(&format!("{}?limit=2", objects_path(SECRET)), Who::Ncsc)
            .await,
    )
    .await;
    let secret_next = secret["next"].as_str().unwrap();
    expect_error(
        srv.get(
            &format!("{}?next={secret_next}", objects_path(SECRET)),
            Who::Dtc,
        )
        .await,
        404,
    )
    .await;
    let inbox = expect_ok(
        srv.get(&format!("{}?limit=2", objects_path(INBOX)), Who::Ncsc)
            .await,
    )
    .await;
    expect_error(
        srv.get(
            &format!(
                "{}?next={}",
                objects_path(INBOX),
                inbox["next"].as_str().unwrap()
            ),
            Who::Dtc,
        )
        .await,
        403,
    )
    .await;
    // The token is not bound to an account: another reader of the same collection may use it
    // (it carries a position and filters only).
    let v = expect_ok(
        srv.get(
            &format!("{}?next={next}&limit=2", objects_path(PARTNERS)),
            Who::Zcert,
        )
        .await,
    )
    .await;
    assert_eq!(ids_of(&v), vec![indicator_id(3), indicator_id(4)]);
    srv.stop().await;
}
