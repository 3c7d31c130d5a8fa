//! The access-control scenarios of access-model-research.md section 5 (the Pulse Secure case)
//! over HTTP, on a provisioning that models the Dutch chain: NCSC (national CSIRT) posts to
//! `lds-partners` whose audience is DTC, Z-CERT and Connect2Trust; DTC serves company B and
//! company C through `dtc-constituency`. Each test cites the rules it checks: the read decision
//! (research 4.3, `tlp::decide`), the ingest rules (research 4.4, `tlp::ingest`) and the
//! audience extension (research 4.5; DESIGN.md section 4 for the ids).
//!
//! Personal data and redaction (research 4.6, 4.8): Z-CERT holds personal-data and credential
//! designations from 2020-01-13; DTC from 2022-12-01 (modelled); company B's VPN range and
//! domain are its asset scope; `lds-partners` treats IP addresses as possibly personal. The
//! server's clock is fixed at 2021-06-01 (the situation of the Pulse Secure case) unless a test
//! moves it: designations are evaluated on the day of each request.
//!
//! Relay (an intermediary re-sharing into its constituency, research 4.7) is issue 6 and is not
//! tested here: the relay columns of scenarios 1, 8 and 9 and scenarios 3 and 7 are left out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::collections::BTreeSet;

use common::{
    TAXII, TestServer, body_json, expect_error, expect_ok, ids_of, manifest_path, object_path,
    objects_path, versions_path,
};
use reqwest::Response;
use serde_json::{Value, json};

// ---- provisioning -------------------------------------------------------------------------

const LDS_PARTNERS: &str = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
const DTC_CONSTITUENCY: &str = "3f1d2c4b-7a8e-4c6d-9b0a-1e2f3a4b5c6d";
const LDS_QUARANTINE: &str = "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b";

/// Organisation identities (class organization).
const NCSC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e01";
const DTC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e02";
const ZCERT_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e03";
const C2T_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e04";
const COMPANY_B_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e05";
const COMPANY_C_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e06";
/// Individual identities of two analysts at DTC.
const ANALYST_D_ID: &str = "identity--5c7e2f4a-8b3d-4e6f-9a1c-0d2e4f6a8b02";
const DTC_OTHER_ID: &str = "identity--5c7e2f4a-8b3d-4e6f-9a1c-0d2e4f6a8b03";

/// The accounts (each authenticates with the Bearer token `token(name)`).
const NCSC: &str = "ncsc";
const DTC: &str = "dtc";
const ZCERT: &str = "z-cert";
const C2T: &str = "c2t";
const COMPANY_B: &str = "company-b";
const COMPANY_C: &str = "company-c";
const ANALYST_D: &str = "analyst-d";
const DTC_OTHER: &str = "dtc-other";

fn provisioning() -> String {
    let mut t = String::from(
        r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
default_api_root = "lds"
default_page_size = 100
max_page_size = 500
workers = 2

[[api_root]]
path = "lds"
title = "Landelijk Dekkend Stelsel"
max_content_length = 1048576
"#,
    );
    let designations = |from: &str, basis: &str| {
        format!(
            "\n[[organisation.designations]]\nkind = \"personal-data\"\nlegal_basis = \"{basis}\"\nvalid_from = {from}\n\n[[organisation.designations]]\nkind = \"credential\"\nlegal_basis = \"{basis}\"\nvalid_from = \"{from}\"\n"
        )
    };
    for (id, name, role, identity, serves) in [
        ("ncsc", "NCSC-NL", "national-csirt", NCSC_ID, ""),
        (
            "dtc",
            "Digital Trust Center",
            "dtc",
            DTC_ID,
            r#"["company-b", "company-c"]"#,
        ),
        ("z-cert", "Z-CERT", "designated-cert", ZCERT_ID, ""),
        ("c2t", "Connect2Trust", "linking-org", C2T_ID, ""),
        ("company-b", "Company B", "constituent", COMPANY_B_ID, ""),
        ("company-c", "Company C", "constituent", COMPANY_C_ID, ""),
    ] {
        t.push_str(&format!(
            "\n[[organisation]]\nid = \"{id}\"\nname = \"{name}\"\nrole = \"{role}\"\nidentity = \"{identity}\"\n"
        ));
        if !serves.is_empty() {
            t.push_str(&format!("serves = {serves}\n"));
        }
        match id {
            "z-cert" => t.push_str(&designations("2020-01-13", ZCERT_BASIS)),
            "dtc" => t.push_str(&designations("2022-12-01", DTC_BASIS)),
            "company-b" => t.push_str(
                "\n[organisation.asset_scope]\nip_ranges = [\"198.51.100.0/24\"]\ndomains = [\"bedrijf-b.nl\"]\n",
            ),
            _ => {}
        }
    }
    for (name, org, identity) in [
        (NCSC, "ncsc", None),
        (DTC, "dtc", None),
        (ZCERT, "z-cert", None),
        (C2T, "c2t", None),
        (COMPANY_B, "company-b", None),
        (COMPANY_C, "company-c", None),
        (ANALYST_D, "dtc", Some(ANALYST_D_ID)),
        (DTC_OTHER, "dtc", Some(DTC_OTHER_ID)),
    ] {
        t.push_str(&format!(
            "\n[[account]]\nname = \"{name}\"\norganisation = \"{org}\"\ntoken = \"{}\"\n",
            token(name)
        ));
        if let Some(i) = identity {
            t.push_str(&format!("identity = \"{i}\"\n"));
        }
    }
    t.push_str(&format!(
        r#"
[[collection]]
api_root = "lds"
id = "{LDS_PARTNERS}"
title = "lds-partners"
owner = "ncsc"
read = ["ncsc", "dtc", "z-cert", "c2t"]
write = ["ncsc", "c2t"]
audience = ["dtc", "z-cert", "c2t"]
require_tlp = true
ip_personal_data = true

[[collection]]
api_root = "lds"
id = "{DTC_CONSTITUENCY}"
title = "dtc-constituency"
owner = "dtc"
read = ["dtc", "company-b", "company-c"]
write = ["dtc"]
audience = ["dtc"]
audience_constituency_of = ["dtc"]
require_tlp = true

[[collection]]
api_root = "lds"
id = "{LDS_QUARANTINE}"
title = "lds-quarantine"
owner = "ncsc"
read = ["ncsc", "dtc", "z-cert", "c2t"]
write = ["ncsc", "c2t"]
audience = ["dtc", "z-cert", "c2t"]
require_tlp = true
unknown_markings = "quarantine"
"#
    ));
    t
}

fn token(account: &str) -> String {
    format!("{account}-token-0123456789abcdef")
}

const ZCERT_BASIS: &str = "Wbni art. 3 lid 1 sub e; aanwijzing Z-CERT 2020-01-13";
const DTC_BASIS: &str = "Wbni art. 3 lid 2 sub a (modelled)";

/// Microseconds since the epoch of `rfc3339`.
fn at(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_micros()
}

/// 2021-06-01: Z-CERT designated, DTC not yet.
const IN_2021: &str = "2021-06-01T12:00:00Z";
/// 2023-01-10: DTC designated too.
const IN_2023: &str = "2023-01-10T12:00:00Z";

async fn start() -> TestServer {
    start_clock().await.0
}

/// A server on a clock standing at [`IN_2021`], and the clock.
async fn start_clock() -> (TestServer, server::state::Clock) {
    let clock = server::state::Clock::fixed(at(IN_2021));
    (
        TestServer::start_with_clock(&provisioning(), clock.clone()).await,
        clock,
    )
}

// ---- markings and objects -----------------------------------------------------------------

/// TLP 2.0 (OASIS cti-stix-common-objects; research 2.2).
const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
/// TLP 1.0 (STIX 2.1 7.2.1.4; research 2.1).
const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
/// NL-PII markings (DESIGN.md section 4; research 4.6).
const NL_PII_NONE: &str = "marking-definition--89a92d23-c725-4a11-aa67-4cfafc56d784";
const NL_PII_PRESENT: &str = "marking-definition--a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d";
const NL_PII_CREDENTIAL: &str = "marking-definition--3a7f8d07-0408-4ce0-98d5-8cac5339e74d";
/// The redaction extension and the server identity it names (the default: the project's).
const REDACTION_EXT: &str = "extension-definition--1988d062-a549-4b60-bdb0-a6035bb5e01b";
const PROJECT_ID: &str = "identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a";
/// The project's audience extension (DESIGN.md section 4).
const AUDIENCE_EXT: &str = "extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8";
/// The ISA ACS 3.0 marking extension (research 2.4): a marking this server does not understand.
const ACS_EXT: &str = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce";

/// Scenario 1: NCSC's indicator on Pulse Secure exploitation (CVE-2019-11510).
const PULSE_INDICATOR: &str = "indicator--6f1c9a52-4f0e-4b8a-9d3c-2e7b5a1c8d01";
const PULSE_VERSION: &str = "2020-08-25T09:00:00.000Z";

fn indicator(id: &str, created_by: &str, modified: &str, ip: &str, markings: &[&str]) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": created_by,
        "created": "2020-08-25T09:00:00.000Z",
        "modified": modified,
        "name": "Pulse Secure VPN exploitation (CVE-2019-11510)",
        "description": "Source address seen exploiting the Pulse Connect Secure arbitrary file read.",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '{ip}']"),
        "pattern_type": "stix",
        "valid_from": "2020-08-25T09:00:00Z",
        "external_references": [
            {"source_name": "cve", "external_id": "CVE-2019-11510"}
        ]
    });
    if !markings.is_empty() {
        o["object_marking_refs"] = json!(markings);
    }
    o
}

/// The scenario-1 indicator: TLP:GREEN + NL-PII:NONE, created by NCSC.
fn pulse_indicator() -> Value {
    indicator(
        PULSE_INDICATOR,
        NCSC_ID,
        PULSE_VERSION,
        "203.0.113.17",
        &[TLP_GREEN, NL_PII_NONE],
    )
}

fn note(id: &str, created_by: &str, content: &str, markings: &[&str]) -> Value {
    json!({
        "type": "note",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": created_by,
        "created": "2020-08-26T10:00:00.000Z",
        "modified": "2020-08-26T10:00:00.000Z",
        "abstract": "Pulse Secure case analysis",
        "content": content,
        "object_refs": [PULSE_INDICATOR],
        "object_marking_refs": markings
    })
}

/// An audience marking (research 4.5): a marking-definition of the project's audience extension
/// naming its recipients.
fn audience_marking(id: &str, created_by: &str, recipients: &[&str]) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2020-08-26T09:00:00.000Z",
        "created_by_ref": created_by,
        "name": "NL-LDS audience: pulse-2020-case-17",
        "extensions": {
            AUDIENCE_EXT: {
                "extension_type": "property-extension",
                "recipients": recipients
            }
        }
    })
}

/// An ISA ACS 3.0-like marking-definition (research 2.4): valid STIX, not understood here.
fn acs_marking(id: &str, created_by: &str) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2020-08-26T09:00:00.000Z",
        "created_by_ref": created_by,
        "name": "ACS 3.0 marking",
        "extensions": {
            ACS_EXT: {
                "extension_type": "property-extension",
                "identifier": "isa:guide.19001.ACS-3.0",
                "create_date_time": "2020-08-26T09:00:00Z",
                "responsible_entity_custodian": "NLD.NCSC",
                "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny",
                "formal_determination": ["NO-PII-PRESENT"]
            }
        }
    })
}

// ---- HTTP helpers -------------------------------------------------------------------------

async fn get(srv: &TestServer, path: &str, account: &str) -> Response {
    srv.client
        .get(srv.url(path))
        .header("Accept", TAXII)
        .bearer_auth(token(account))
        .send()
        .await
        .unwrap()
}

/// POSTs an envelope as `account` to `collection`; returns the status resource (the POST
/// answer, which is complete: T-68).
async fn post(srv: &TestServer, collection: &str, account: &str, objects: &[Value]) -> Value {
    let body = json!({ "objects": objects });
    let r = srv
        .client
        .post(srv.url(&objects_path(collection)))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(token(account))
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    let code = r.status().as_u16();
    let s = body_json(r).await;
    assert_eq!(code, 202, "POST by {account}: {s}");
    assert_eq!(s["status"], "complete", "{s}");
    assert_eq!(s["total_count"], objects.len(), "{s}");
    s
}

/// The ids in a status resource's `successes` or `failures`.
fn detail_ids(status: &Value, list: &str) -> BTreeSet<String> {
    status[list]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every posted object succeeded.
fn assert_accepted(status: &Value, ids: &[&str]) {
    assert_eq!(status["failure_count"], 0, "{status}");
    assert_eq!(status["success_count"], ids.len(), "{status}");
    assert_eq!(detail_ids(status, "successes"), set(ids), "{status}");
}

/// `id` failed, with a message naming the access rule `rule`; returns the message.
fn assert_refused(status: &Value, id: &str, rule: &str) -> String {
    let failure = status["failures"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["id"] == id))
        .unwrap_or_else(|| panic!("{id} is not among the failures: {status}"));
    let message = failure["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(rule),
        "failure of {id} should name rule '{rule}': {message}"
    );
    assert!(
        !detail_ids(status, "successes").contains(id),
        "{id} both failed and succeeded: {status}"
    );
    message
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

/// The ids `account` gets from the objects endpoint (one page; the sets here are small).
async fn object_ids(srv: &TestServer, collection: &str, account: &str) -> BTreeSet<String> {
    let v = expect_ok(get(srv, &objects_path(collection), account).await).await;
    assert_ne!(v["more"], true, "{v}");
    ids_of(&v).into_iter().collect()
}

/// The ids `account` gets from the manifest endpoint.
async fn manifest_ids(srv: &TestServer, collection: &str, account: &str) -> BTreeSet<String> {
    let v = expect_ok(get(srv, &manifest_path(collection), account).await).await;
    assert_ne!(v["more"], true, "{v}");
    ids_of(&v).into_iter().collect()
}

/// `account` sees version `version` of `id` on all four read endpoints: objects, objects/{id},
/// versions and manifest (research 2.5: the same filtering everywhere).
async fn assert_visible(
    srv: &TestServer,
    collection: &str,
    account: &str,
    id: &str,
    version: &str,
) {
    let listed = object_ids(srv, collection, account).await;
    assert!(
        listed.contains(id),
        "{account} should list {id}: {listed:?}"
    );
    let one = expect_ok(get(srv, &object_path(collection, id), account).await).await;
    assert_eq!(ids_of(&one), vec![id.to_owned()], "{account}: {one}");
    assert_eq!(one["objects"][0]["modified"], version, "{account}: {one}");
    let versions = expect_ok(get(srv, &versions_path(collection, id), account).await).await;
    assert_eq!(
        versions["versions"],
        json!([version]),
        "{account}: {versions}"
    );
    let manifest = expect_ok(get(srv, &manifest_path(collection), account).await).await;
    let record = manifest["objects"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("{account}: manifest lacks {id}: {manifest}"));
    assert_eq!(record["version"], version, "{account}: {record}");
}

/// `account` sees nothing of `id`: not listed by objects or manifest (also not with
/// `match[id]`), and 404 on objects/{id} and its versions, as for an id that does not exist
/// (research 4.2: no existence oracle).
async fn assert_withheld(srv: &TestServer, collection: &str, account: &str, id: &str) {
    let listed = object_ids(srv, collection, account).await;
    assert!(!listed.contains(id), "{account} must not list {id}");
    let manifest = manifest_ids(srv, collection, account).await;
    assert!(
        !manifest.contains(id),
        "{account}: manifest must not list {id}"
    );
    for path in [objects_path(collection), manifest_path(collection)] {
        let v = expect_ok(get(srv, &format!("{path}?match[id]={id}"), account).await).await;
        assert!(ids_of(&v).is_empty(), "{account} {path}?match[id]: {v}");
    }
    expect_error(get(srv, &object_path(collection, id), account).await, 404).await;
    expect_error(get(srv, &versions_path(collection, id), account).await, 404).await;
}

/// Follows `next` from `first` (with only `limit` repeated, as Elastic and OpenCTI do) and
/// returns the pages.
async fn pages(
    srv: &TestServer,
    path: &str,
    account: &str,
    first: &str,
    limit: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = format!("{path}?{first}");
    loop {
        let v = expect_ok(get(srv, &url, account).await).await;
        let more = v["more"].as_bool().unwrap_or(false);
        let next = v["next"].as_str().map(str::to_owned);
        out.push(v);
        match (more, next) {
            (true, Some(n)) => url = format!("{path}?next={n}&limit={limit}"),
            (true, None) => panic!("{account} {path}: more without next"),
            (false, _) => break,
        }
        assert!(out.len() < 100, "paging does not end");
    }
    out
}

// ---- scenario 1 ---------------------------------------------------------------------------

// Scenario 1 (research 5), read decision 4.3 step 3 (GREEN: the collection's community) and
// step 1 (NL-PII:NONE is a registered, non-access marking: it neither refuses nor hides the
// object): NCSC's TLP:GREEN indicator reaches Z-CERT, DTC (each of its accounts) and C2T on
// objects, objects/{id}, versions and manifest. Company C has no read grant on `lds-partners`:
// the collection is a 404 for it (research 4.2), though the API root is visible (it reads
// `dtc-constituency`).
//
// Not tested: "C sees it only in DTC's relay collection" and "relay to a public collection ->
// rejected" are relay, issue 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_01_green_indicator_reaches_the_whole_audience() {
    let srv = start().await;
    let s = post(&srv, LDS_PARTNERS, NCSC, &[pulse_indicator()]).await;
    assert_accepted(&s, &[PULSE_INDICATOR]);
    assert_eq!(s["successes"][0]["version"], PULSE_VERSION, "{s}");

    for account in [NCSC, ZCERT, DTC, ANALYST_D, DTC_OTHER, C2T] {
        assert_visible(&srv, LDS_PARTNERS, account, PULSE_INDICATOR, PULSE_VERSION).await;
        assert_eq!(
            object_ids(&srv, LDS_PARTNERS, account).await,
            set(&[PULSE_INDICATOR]),
            "{account}"
        );
    }
    // The object is served as posted, both markings included.
    let one = expect_ok(get(&srv, &object_path(LDS_PARTNERS, PULSE_INDICATOR), ZCERT).await).await;
    assert_eq!(
        one["objects"][0]["object_marking_refs"],
        json!([TLP_GREEN, NL_PII_NONE])
    );

    // Company C (and B): no read grant -> the collection does not exist for them.
    for account in [COMPANY_C, COMPANY_B] {
        let listed = expect_ok(get(&srv, "/lds/collections/", account).await).await;
        let titles: Vec<&str> = listed["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, vec!["dtc-constituency"], "{account}: {listed}");
        for path in [
            format!("/lds/collections/{LDS_PARTNERS}/"),
            objects_path(LDS_PARTNERS),
            manifest_path(LDS_PARTNERS),
            object_path(LDS_PARTNERS, PULSE_INDICATOR),
            versions_path(LDS_PARTNERS, PULSE_INDICATOR),
        ] {
            expect_error(get(&srv, &path, account).await, 404).await;
        }
    }
    srv.stop().await;
}

// ---- scenario 8 ---------------------------------------------------------------------------

const STRICT_NOTE: &str = "note--0b2c4d6e-8f0a-4b1c-9d2e-3f4a5b6c7d08";
const DTC_STRICT: &str = "indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c81";
const DTC_AMBER: &str = "indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c82";
const DTC_AMBER_TLP1: &str = "indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c83";
const DTC_GREEN: &str = "indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c84";

// Scenario 8 (research 5), read decision 4.3 step 3: TLP:AMBER+STRICT reaches the origin and
// the organisations named *directly* in the audience, never a constituency; TLP:AMBER reaches
// an audience constituency (FIRST: "clients", for teams with national responsibility). TLP 1.0
// AMBER is AMBER, not AMBER+STRICT (research 1.2).
//
// Not tested: "DTC relay attempt -> 403, audited" is relay, issue 6. That B and C never see
// NCSC's note here follows from their lack of a read grant on `lds-partners` (scenario 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_08_amber_strict_stays_with_the_direct_audience() {
    let srv = start().await;
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[note(
            STRICT_NOTE,
            NCSC_ID,
            "Exploitation observed at several Dutch companies; details for partners only.",
            &[TLP_AMBER_STRICT],
        )],
    )
    .await;
    assert_accepted(&s, &[STRICT_NOTE]);
    let version = "2020-08-26T10:00:00.000Z";
    // DTC is named directly in the audience: every DTC account sees the note; so do the other
    // direct audience members and the originator.
    for account in [DTC, ANALYST_D, DTC_OTHER, ZCERT, C2T, NCSC] {
        assert_visible(&srv, LDS_PARTNERS, account, STRICT_NOTE, version).await;
    }
    for account in [COMPANY_B, COMPANY_C] {
        expect_error(get(&srv, &objects_path(LDS_PARTNERS), account).await, 404).await;
    }

    // In DTC's constituency collection: DTC is the direct audience, B and C its constituency.
    let s = post(
        &srv,
        DTC_CONSTITUENCY,
        DTC,
        &[
            indicator(
                DTC_STRICT,
                DTC_ID,
                PULSE_VERSION,
                "203.0.113.81",
                &[TLP_AMBER_STRICT],
            ),
            indicator(
                DTC_AMBER,
                DTC_ID,
                PULSE_VERSION,
                "203.0.113.82",
                &[TLP_AMBER],
            ),
            indicator(
                DTC_AMBER_TLP1,
                DTC_ID,
                PULSE_VERSION,
                "203.0.113.83",
                &[TLP1_AMBER],
            ),
            indicator(
                DTC_GREEN,
                DTC_ID,
                PULSE_VERSION,
                "203.0.113.84",
                &[TLP_GREEN],
            ),
        ],
    )
    .await;
    assert_accepted(&s, &[DTC_STRICT, DTC_AMBER, DTC_AMBER_TLP1, DTC_GREEN]);
    for account in [DTC, ANALYST_D, DTC_OTHER] {
        assert_eq!(
            object_ids(&srv, DTC_CONSTITUENCY, account).await,
            set(&[DTC_STRICT, DTC_AMBER, DTC_AMBER_TLP1, DTC_GREEN]),
            "{account}"
        );
    }
    for account in [COMPANY_B, COMPANY_C] {
        let want = set(&[DTC_AMBER, DTC_AMBER_TLP1, DTC_GREEN]);
        assert_eq!(
            object_ids(&srv, DTC_CONSTITUENCY, account).await,
            want,
            "{account}"
        );
        assert_eq!(
            manifest_ids(&srv, DTC_CONSTITUENCY, account).await,
            want,
            "{account}"
        );
        assert_withheld(&srv, DTC_CONSTITUENCY, account, DTC_STRICT).await;
        assert_visible(&srv, DTC_CONSTITUENCY, account, DTC_AMBER, PULSE_VERSION).await;
        assert_visible(
            &srv,
            DTC_CONSTITUENCY,
            account,
            DTC_AMBER_TLP1,
            PULSE_VERSION,
        )
        .await;
    }
    srv.stop().await;
}

// ---- scenario 9 ---------------------------------------------------------------------------

const AUDIENCE_D: &str = "marking-definition--f3324c47-57a6-4876-b6de-841482263cb0";
const RED_NOTE: &str = "note--0b2c4d6e-8f0a-4b1c-9d2e-3f4a5b6c7d09";
const RED_NOTE_UNLISTED: &str = "note--0b2c4d6e-8f0a-4b1c-9d2e-3f4a5b6c7d10";

// Scenario 9 (research 5), read decision 4.3 steps 3 and 4 and the audience extension (4.5):
// TLP:RED with an audience marking whose recipients are [Analyst-D] reaches Analyst-D's
// account only (not the other DTC analyst, not DTC's organisation account, not Z-CERT or C2T);
// the originator keeps seeing its own object. Withheld means absent everywhere: not listed by
// objects or manifest, 404 on objects/{id} and versions. Ingest (4.4): TLP:RED without an
// audience marking is refused, naming rule red-without-recipients, and is not stored.
//
// Not tested: "any relay -> rejected" is relay, issue 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_09_red_note_reaches_its_named_recipient_only() {
    let srv = start().await;
    // The audience marking first, in its own envelope (it is then resolved from the store).
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[audience_marking(AUDIENCE_D, NCSC_ID, &[ANALYST_D_ID])],
    )
    .await;
    assert_accepted(&s, &[AUDIENCE_D]);
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[
            pulse_indicator(),
            note(
                RED_NOTE,
                NCSC_ID,
                "Name of the affected company and the contact at its IT supplier.",
                &[TLP_RED, AUDIENCE_D],
            ),
        ],
    )
    .await;
    assert_accepted(&s, &[PULSE_INDICATOR, RED_NOTE]);
    let version = "2020-08-26T10:00:00.000Z";

    for account in [ANALYST_D, NCSC] {
        assert_visible(&srv, LDS_PARTNERS, account, RED_NOTE, version).await;
        assert_eq!(
            object_ids(&srv, LDS_PARTNERS, account).await,
            set(&[AUDIENCE_D, PULSE_INDICATOR, RED_NOTE]),
            "{account}"
        );
    }
    for account in [DTC_OTHER, DTC, ZCERT, C2T] {
        assert_withheld(&srv, LDS_PARTNERS, account, RED_NOTE).await;
        // The audience marking itself names analyst D: it is for its recipients only.
        assert_withheld(&srv, LDS_PARTNERS, account, AUDIENCE_D).await;
        assert_eq!(
            object_ids(&srv, LDS_PARTNERS, account).await,
            set(&[PULSE_INDICATOR]),
            "{account}"
        );
        assert_eq!(
            manifest_ids(&srv, LDS_PARTNERS, account).await,
            set(&[PULSE_INDICATOR]),
            "{account}"
        );
    }

    // TLP:RED without an audience marking: refused in the status resource, not stored.
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[note(
            RED_NOTE_UNLISTED,
            NCSC_ID,
            "For whoever reads this.",
            &[TLP_RED],
        )],
    )
    .await;
    assert_eq!(s["success_count"], 0, "{s}");
    assert_eq!(s["failure_count"], 1, "{s}");
    assert_refused(&s, RED_NOTE_UNLISTED, "red-without-recipients");
    // The status resource says the same when fetched.
    let got = expect_ok(
        get(
            &srv,
            &format!("/lds/status/{}/", s["id"].as_str().unwrap()),
            NCSC,
        )
        .await,
    )
    .await;
    assert_refused(&got, RED_NOTE_UNLISTED, "red-without-recipients");
    expect_error(
        get(&srv, &object_path(LDS_PARTNERS, RED_NOTE_UNLISTED), NCSC).await,
        404,
    )
    .await;
    srv.stop().await;
}

// ---- scenario 10 --------------------------------------------------------------------------

const ACS_MARKING: &str = "marking-definition--9d3a5c7e-1b2d-4f6a-8c0e-2a4b6c8d0e10";
/// A marking id the server has never seen (no definition posted, not well-known).
const NEVER_SEEN: &str = "marking-definition--deadbeef-0000-4000-8000-000000000001";
const ACS_INDICATOR: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e01";
const NEVER_SEEN_INDICATOR: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e02";
const C2T_ACS_INDICATOR: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e03";
const UNMARKED_INDICATOR: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e04";
const PII_ONLY_INDICATOR: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e05";
const C2T_DERIVED: &str = "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e06";
const C2T_DERIVED_FROM: &str = "relationship--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e07";

/// NCSC's envelope of scenario 10: an ACS-like marking-definition, an indicator marked with it,
/// an indicator marked with an id the server has never seen, and the scenario-1 indicator.
fn unknown_marking_envelope() -> Vec<Value> {
    vec![
        acs_marking(ACS_MARKING, NCSC_ID),
        indicator(
            ACS_INDICATOR,
            NCSC_ID,
            PULSE_VERSION,
            "203.0.113.21",
            &[TLP_GREEN, ACS_MARKING],
        ),
        indicator(
            NEVER_SEEN_INDICATOR,
            NCSC_ID,
            PULSE_VERSION,
            "203.0.113.22",
            &[TLP_GREEN, NEVER_SEEN],
        ),
        pulse_indicator(),
    ]
}

// Scenario 10 (research 5), ingest rule 4.4 / read step 4.3.1: an object carrying a marking the
// server does not understand is refused (rule unknown-marking) in a collection that rejects
// unknown markings (the default): both for an ACS-like marking-definition posted in the same
// envelope (the definition itself is stored: it carries no markings) and for a marking id the
// server has never seen. The other objects of the envelope are unaffected (T-70).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_10_unknown_marking_is_refused() {
    let srv = start().await;
    let s = post(&srv, LDS_PARTNERS, NCSC, &unknown_marking_envelope()).await;
    assert_eq!(s["failure_count"], 2, "{s}");
    assert_eq!(
        detail_ids(&s, "successes"),
        set(&[ACS_MARKING, PULSE_INDICATOR]),
        "{s}"
    );
    let m = assert_refused(&s, ACS_INDICATOR, "unknown-marking");
    assert!(
        m.contains(ACS_MARKING),
        "the message names the marking: {m}"
    );
    let m = assert_refused(&s, NEVER_SEEN_INDICATOR, "unknown-marking");
    assert!(m.contains(NEVER_SEEN), "the message names the marking: {m}");
    // A later post referencing the stored ACS definition is refused the same way (resolved
    // from the store this time).
    let s = post(
        &srv,
        LDS_PARTNERS,
        C2T,
        &[indicator(
            C2T_ACS_INDICATOR,
            C2T_ID,
            PULSE_VERSION,
            "203.0.113.23",
            &[TLP_GREEN, ACS_MARKING],
        )],
    )
    .await;
    assert_refused(&s, C2T_ACS_INDICATOR, "unknown-marking");
    for account in [NCSC, DTC, ZCERT, C2T] {
        assert_eq!(
            object_ids(&srv, LDS_PARTNERS, account).await,
            set(&[ACS_MARKING, PULSE_INDICATOR]),
            "{account}"
        );
    }
    srv.stop().await;
}

// Scenario 10 (research 5), read step 4.3.1 with the quarantine policy (4.4: "unless the
// collection quarantines them"): the object with an unknown marking is stored but visible only
// to the organisation that posted it, in every direction (NCSC's to NCSC, C2T's to C2T), even
// though its TLP:GREEN alone would reach the whole audience.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_10_unknown_marking_quarantined_for_its_poster_only() {
    let srv = start().await;
    let s = post(&srv, LDS_QUARANTINE, NCSC, &unknown_marking_envelope()).await;
    assert_accepted(
        &s,
        &[
            ACS_MARKING,
            ACS_INDICATOR,
            NEVER_SEEN_INDICATOR,
            PULSE_INDICATOR,
        ],
    );
    let s = post(
        &srv,
        LDS_QUARANTINE,
        C2T,
        &[indicator(
            C2T_ACS_INDICATOR,
            C2T_ID,
            PULSE_VERSION,
            "203.0.113.23",
            &[TLP_GREEN, ACS_MARKING],
        )],
    )
    .await;
    assert_accepted(&s, &[C2T_ACS_INDICATOR]);

    assert_eq!(
        object_ids(&srv, LDS_QUARANTINE, NCSC).await,
        set(&[
            ACS_MARKING,
            ACS_INDICATOR,
            NEVER_SEEN_INDICATOR,
            PULSE_INDICATOR
        ])
    );
    assert_visible(&srv, LDS_QUARANTINE, NCSC, ACS_INDICATOR, PULSE_VERSION).await;
    assert_visible(
        &srv,
        LDS_QUARANTINE,
        NCSC,
        NEVER_SEEN_INDICATOR,
        PULSE_VERSION,
    )
    .await;
    assert_withheld(&srv, LDS_QUARANTINE, NCSC, C2T_ACS_INDICATOR).await;

    assert_eq!(
        object_ids(&srv, LDS_QUARANTINE, C2T).await,
        set(&[ACS_MARKING, PULSE_INDICATOR, C2T_ACS_INDICATOR])
    );
    assert_visible(&srv, LDS_QUARANTINE, C2T, C2T_ACS_INDICATOR, PULSE_VERSION).await;

    for account in [DTC, ANALYST_D, ZCERT] {
        assert_eq!(
            object_ids(&srv, LDS_QUARANTINE, account).await,
            set(&[ACS_MARKING, PULSE_INDICATOR]),
            "{account}"
        );
        for id in [ACS_INDICATOR, NEVER_SEEN_INDICATOR, C2T_ACS_INDICATOR] {
            assert_withheld(&srv, LDS_QUARANTINE, account, id).await;
        }
    }
    // Quarantine is per poster: C2T does not see NCSC's quarantined objects either.
    for id in [ACS_INDICATOR, NEVER_SEEN_INDICATOR] {
        assert_withheld(&srv, LDS_QUARANTINE, C2T, id).await;
    }
    srv.stop().await;
}

// Scenario 10 (research 5), ingest rule 4.4 require_tlp: an unmarked indicator in a
// `require_tlp` collection is refused (rule require-tlp), and so is one whose only marking is
// NL-PII:NONE (understood, but not a TLP marking). Marking-definitions stay exempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_10_unmarked_object_is_refused_by_require_tlp() {
    let srv = start().await;
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[
            indicator(
                UNMARKED_INDICATOR,
                NCSC_ID,
                PULSE_VERSION,
                "203.0.113.31",
                &[],
            ),
            indicator(
                PII_ONLY_INDICATOR,
                NCSC_ID,
                PULSE_VERSION,
                "203.0.113.32",
                &[NL_PII_NONE],
            ),
            audience_marking(AUDIENCE_D, NCSC_ID, &[ANALYST_D_ID]),
        ],
    )
    .await;
    assert_eq!(detail_ids(&s, "successes"), set(&[AUDIENCE_D]), "{s}");
    assert_refused(&s, UNMARKED_INDICATOR, "require-tlp");
    assert_refused(&s, PII_ONLY_INDICATOR, "require-tlp");
    // The same unmarked indicator from C2T is refused too (the rule is the collection's).
    let s = post(
        &srv,
        LDS_PARTNERS,
        C2T,
        &[indicator(
            UNMARKED_INDICATOR,
            C2T_ID,
            PULSE_VERSION,
            "203.0.113.31",
            &[],
        )],
    )
    .await;
    assert_refused(&s, UNMARKED_INDICATOR, "require-tlp");
    assert_eq!(
        object_ids(&srv, LDS_PARTNERS, NCSC).await,
        set(&[AUDIENCE_D])
    );
    srv.stop().await;
}

// Scenario 10 (research 5), ingest rule 4.4 creator-only versions (STIX 3.6): C2T may not post
// a new version (later `modified`) of NCSC's scenario-1 indicator (rule not-creator), even
// unchanged in its markings and creator; the stored versions stay NCSC's one. C2T's own derived
// indicator (new id, TLP:GREEN, STIX 3.5 "MUST create a new id") with its derived-from
// relationship is accepted and visible to the audience.
//
// Not tested: "C2T derived copy with TLP:CLEAR -> rejected without NCSC permission" needs the
// provenance/widening rules of relay, issue 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_10_c2t_cannot_version_ncsc_indicator_but_may_derive() {
    let srv = start().await;
    assert_accepted(
        &post(&srv, LDS_PARTNERS, NCSC, &[pulse_indicator()]).await,
        &[PULSE_INDICATOR],
    );
    let later = "2020-09-01T12:00:00.000Z";
    // Same id, same created_by_ref (a re-publisher keeps it, STIX 3.5), later modified.
    let mut version = pulse_indicator();
    version["modified"] = json!(later);
    version["description"] = json!("Also seen against our members.");
    let s = post(&srv, LDS_PARTNERS, C2T, &[version.clone()]).await;
    assert_refused(&s, PULSE_INDICATOR, "not-creator");
    // With C2T as created_by_ref it is the same refusal.
    version["created_by_ref"] = json!(C2T_ID);
    version["object_marking_refs"] = json!([TLP_CLEAR]);
    let s = post(&srv, LDS_PARTNERS, C2T, &[version]).await;
    assert_refused(&s, PULSE_INDICATOR, "not-creator");
    for account in [NCSC, C2T, DTC] {
        assert_visible(&srv, LDS_PARTNERS, account, PULSE_INDICATOR, PULSE_VERSION).await;
    }

    // A derived indicator under a new id.
    let derived = indicator(C2T_DERIVED, C2T_ID, later, "203.0.113.17", &[TLP_GREEN]);
    let relationship = json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": C2T_DERIVED_FROM,
        "created_by_ref": C2T_ID,
        "created": later,
        "modified": later,
        "relationship_type": "derived-from",
        "source_ref": C2T_DERIVED,
        "target_ref": PULSE_INDICATOR,
        "object_marking_refs": [TLP_GREEN]
    });
    let s = post(&srv, LDS_PARTNERS, C2T, &[derived, relationship]).await;
    assert_accepted(&s, &[C2T_DERIVED, C2T_DERIVED_FROM]);
    for account in [NCSC, C2T, DTC, ZCERT] {
        assert_visible(&srv, LDS_PARTNERS, account, C2T_DERIVED, later).await;
        assert_eq!(
            object_ids(&srv, LDS_PARTNERS, account).await,
            set(&[PULSE_INDICATOR, C2T_DERIVED, C2T_DERIVED_FROM]),
            "{account}"
        );
    }
    srv.stop().await;
}

// ---- paging -------------------------------------------------------------------------------

const AUDIENCE_ZCERT_ORG: &str = "marking-definition--f3324c47-57a6-4876-b6de-841482263cb1";
const AUDIENCE_DTC_OTHER: &str = "marking-definition--f3324c47-57a6-4876-b6de-841482263cb2";
const AUDIENCE_DTC_ORG: &str = "marking-definition--f3324c47-57a6-4876-b6de-841482263cb3";

fn paged(n: u32) -> String {
    format!("indicator--2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f{n:02}")
}

// Research 2.5 / DESIGN.md section 3: object-level filtering is applied identically on objects
// and manifest and to paging: with limit=2 and a mix of visible and withheld objects, following
// `next` gives each reader exactly its visible objects, in full pages, with `more` false on the
// last page (never a short or empty page while there is more). Also checks, per object:
// RED + individual recipient (4.5), RED + organisation recipient without the collection's
// `red_org_recipients` opt-in (originator only), AMBER narrowed to an organisation recipient
// and to an individual recipient (recipients AND TLP), TLP 1.0 WHITE = CLEAR. A `match[type]`
// filter survives `next`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_is_exact_per_reader() {
    let srv = start().await;
    // Markings in the same envelope as the first object that uses them.
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[
            audience_marking(AUDIENCE_D, NCSC_ID, &[ANALYST_D_ID]),
            audience_marking(AUDIENCE_ZCERT_ORG, NCSC_ID, &[ZCERT_ID]),
            audience_marking(AUDIENCE_DTC_OTHER, NCSC_ID, &[DTC_OTHER_ID]),
            audience_marking(AUDIENCE_DTC_ORG, NCSC_ID, &[DTC_ID]),
            indicator(
                &paged(1),
                NCSC_ID,
                PULSE_VERSION,
                "203.0.113.101",
                &[TLP_GREEN],
            ),
        ],
    )
    .await;
    assert_eq!(s["failure_count"], 0, "{s}");
    let rest: [(u32, &[&str]); 9] = [
        (2, &[TLP_RED, AUDIENCE_D]),
        (3, &[TLP_AMBER_STRICT]),
        (4, &[TLP_RED, AUDIENCE_ZCERT_ORG]),
        (5, &[TLP_AMBER, AUDIENCE_ZCERT_ORG]),
        (6, &[TLP_AMBER, AUDIENCE_DTC_OTHER]),
        (7, &[TLP1_WHITE]),
        (8, &[TLP_RED, AUDIENCE_D]),
        (9, &[TLP_RED, AUDIENCE_DTC_ORG]),
        (10, &[TLP_AMBER, AUDIENCE_DTC_ORG]),
    ];
    // One envelope each, so the withheld and visible objects interleave in date_added order.
    for (n, markings) in rest {
        let ip = format!("203.0.113.{}", 100 + n);
        let s = post(
            &srv,
            LDS_PARTNERS,
            NCSC,
            &[indicator(&paged(n), NCSC_ID, PULSE_VERSION, &ip, markings)],
        )
        .await;
        assert_accepted(&s, &[&paged(n)]);
    }
    // An audience marking-definition is itself visible only to its recipients and its poster
    // (who is named as a recipient is not for everyone's eyes).
    let all_markings: &[&str] = &[
        AUDIENCE_D,
        AUDIENCE_ZCERT_ORG,
        AUDIENCE_DTC_OTHER,
        AUDIENCE_DTC_ORG,
    ];
    let expected: [(&str, &[u32], &[&str]); 6] = [
        (NCSC, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], all_markings),
        (DTC, &[1, 3, 7, 10], &[AUDIENCE_DTC_ORG]),
        (
            ANALYST_D,
            &[1, 2, 3, 7, 8, 10],
            &[AUDIENCE_D, AUDIENCE_DTC_ORG],
        ),
        (
            DTC_OTHER,
            &[1, 3, 6, 7, 10],
            &[AUDIENCE_DTC_OTHER, AUDIENCE_DTC_ORG],
        ),
        (ZCERT, &[1, 3, 5, 7], &[AUDIENCE_ZCERT_ORG]),
        (C2T, &[1, 3, 7], &[]),
    ];
    let limit = 2;
    for (account, numbers, markings) in expected {
        let indicators: Vec<String> = numbers.iter().map(|n| paged(*n)).collect();
        let mut all: BTreeSet<String> = indicators.iter().cloned().collect();
        all.extend(markings.iter().map(|m| (*m).to_owned()));
        for (path, query, want) in [
            (objects_path(LDS_PARTNERS), format!("limit={limit}"), &all),
            (manifest_path(LDS_PARTNERS), format!("limit={limit}"), &all),
            (
                objects_path(LDS_PARTNERS),
                format!("match[type]=indicator&limit={limit}"),
                &indicators.iter().cloned().collect(),
            ),
            (
                manifest_path(LDS_PARTNERS),
                format!("match[type]=indicator&limit={limit}"),
                &indicators.iter().cloned().collect(),
            ),
        ] {
            let got = pages(&srv, &path, account, &query, limit).await;
            let ids: Vec<String> = got.iter().flat_map(ids_of).collect();
            let unique: BTreeSet<String> = ids.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{account} {path}?{query}: repeated ids {ids:?}"
            );
            assert_eq!(&unique, want, "{account} {path}?{query}");
            assert_eq!(
                got.len(),
                want.len().div_ceil(limit),
                "{account} {path}?{query}: full pages only: {got:?}"
            );
            for (i, page) in got.iter().enumerate() {
                let last = i + 1 == got.len();
                assert_eq!(
                    page["more"],
                    json!(!last),
                    "{account} {path} page {i}: {page}"
                );
                assert_eq!(
                    page.get("next").is_some(),
                    !last,
                    "{account} {path} page {i}"
                );
                if !last {
                    assert_eq!(
                        ids_of(page).len(),
                        limit,
                        "{account} {path} page {i}: {page}"
                    );
                }
            }
            // Indicators come in date_added order: the order they were posted.
            let order: Vec<&String> = ids
                .iter()
                .filter(|i| i.starts_with("indicator--"))
                .collect();
            let want_order: Vec<&String> = indicators.iter().collect();
            assert_eq!(order, want_order, "{account} {path}?{query}");
        }
    }
    srv.stop().await;
}

// Research 4.4: "Reject a new version of an existing id unless the poster's identity equals the
// stored created_by_ref (3.6)". The organisation whose provisioned identity is an object's
// `created_by_ref` must be able to post that object. Whether C2T's earlier post claiming NCSC as
// creator is refused, or NCSC's is accepted after it, either way NCSC is not locked out of its
// own object id in a collection because another writer posted that id there first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_10_creator_is_not_locked_out_by_an_earlier_poster() {
    let srv = start().await;
    // C2T re-publishes NCSC's indicator (created_by_ref NCSC) before NCSC posts it.
    assert_accepted(
        &post(&srv, LDS_PARTNERS, C2T, &[pulse_indicator()]).await,
        &[PULSE_INDICATOR],
    );
    // NCSC, the creator, posts it too (the same version: a duplicate, a success), and it is
    // not refused as "not the creator".
    assert_accepted(
        &post(&srv, LDS_PARTNERS, NCSC, &[pulse_indicator()]).await,
        &[PULSE_INDICATOR],
    );
    // C2T may not add further versions of an object NCSC created.
    let mut later = pulse_indicator();
    later["modified"] = json!("2020-09-01T12:00:00.000Z");
    let s = post(&srv, LDS_PARTNERS, C2T, &[later]).await;
    let msg = assert_refused(&s, PULSE_INDICATOR, "not-creator");
    assert!(msg.contains(NCSC_ID), "{msg}");
    for account in [NCSC, C2T, DTC] {
        assert_visible(&srv, LDS_PARTNERS, account, PULSE_INDICATOR, PULSE_VERSION).await;
    }
    srv.stop().await;
}

// ---- personal data and redaction (issue 5) ------------------------------------------------

/// Audience marking naming company B as the affected party (no recipients: it narrows nobody).
const AFFECTED_B: &str = "marking-definition--7b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e";
/// Audience marking naming analyst D as the only recipient (used granularly, scenario 6).
const ONLY_D: &str = "marking-definition--7b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2f";
/// Scenario 5's report and scenario 6's indicator.
const CASE_REPORT: &str = "report--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b";
const RED_PATTERN_INDICATOR: &str = "indicator--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4c";
const LOGIN: &str = "j.jansen@bedrijf-b.nl";
const PASSWORD: &str = "Welkom2020!Pulse";
const VPN_IP: &str = "198.51.100.10";
const EMPLOYEES: &str = "Employees Jan Jansen and Piet de Vries logged in from the VPN.";

fn affected_b() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": AFFECTED_B,
        "created": "2020-08-26T09:00:00.000Z",
        "created_by_ref": NCSC_ID,
        "name": "NL-LDS audience: pulse-2020-case-17 affected",
        "extensions": {
            AUDIENCE_EXT: {
                "extension_type": "property-extension",
                "affected_parties": [COMPANY_B_ID]
            }
        }
    })
}

/// The SCO's id (STIX 2.9: UUIDv5 over its id-contributing properties).
fn sco_id(mut o: Value) -> Value {
    let id = stix::sco_id::deterministic_id(&o.to_string())
        .unwrap()
        .unwrap()
        .to_string();
    o["id"] = json!(id);
    o
}

/// Scenario 2: company B's leaked VPN account, TLP:AMBER + NL-PII:CREDENTIAL, B affected.
fn leaked_account() -> Value {
    sco_id(json!({
        "type": "user-account",
        "spec_version": "2.1",
        "account_type": "unix",
        "account_login": LOGIN,
        "credential": PASSWORD,
        "object_marking_refs": [TLP_AMBER, NL_PII_CREDENTIAL, AFFECTED_B]
    }))
}

/// Scenario 4: company B's VPN gateway, TLP:AMBER, no personal-data marking.
fn vpn_gateway() -> Value {
    sco_id(json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "value": VPN_IP,
        "object_marking_refs": [TLP_AMBER]
    }))
}

fn company_b_identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": COMPANY_B_ID,
        "created_by_ref": NCSC_ID,
        "created": "2020-08-26T09:00:00.000Z",
        "modified": "2020-08-26T09:00:00.000Z",
        "name": "Bedrijf B",
        "identity_class": "organization",
        "object_marking_refs": [TLP_AMBER]
    })
}

/// Scenario 5: the case report, TLP:AMBER, referring to scenarios 1, 2, 4 and company B, with
/// employee names in a description marked NL-PII:PRESENT, and a language marking on the
/// reference to company B (not an access marking: it must survive, re-indexed).
fn case_report(account: &Value, ip: &Value) -> Value {
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": CASE_REPORT,
        "created_by_ref": NCSC_ID,
        "created": "2020-08-27T08:00:00.000Z",
        "modified": "2020-08-27T08:00:00.000Z",
        "name": "Pulse Secure case 17",
        "description": EMPLOYEES,
        "published": "2020-08-27T08:00:00Z",
        "report_types": ["threat-report"],
        "object_refs": [PULSE_INDICATOR, account["id"], ip["id"], COMPANY_B_ID],
        "object_marking_refs": [TLP_AMBER],
        "granular_markings": [
            {"marking_ref": NL_PII_PRESENT, "selectors": ["description"]},
            {"lang": "nl", "selectors": ["object_refs.[3]"]}
        ]
    })
}

/// Scenario 6: an AMBER indicator whose pattern is TLP:RED for analyst D alone.
fn red_pattern_indicator() -> Value {
    let mut o = indicator(
        RED_PATTERN_INDICATOR,
        NCSC_ID,
        "2020-08-28T08:00:00.000Z",
        "192.0.2.44",
        &[TLP_AMBER],
    );
    o["granular_markings"] = json!([
        {"marking_ref": TLP_RED, "selectors": ["pattern"]},
        {"marking_ref": ONLY_D, "selectors": ["pattern"]}
    ]);
    o
}

async fn get_one(srv: &TestServer, account: &str, id: &str) -> Value {
    let v = expect_ok(get(srv, &object_path(LDS_PARTNERS, id), account).await).await;
    assert_eq!(v["objects"].as_array().map(Vec::len), Some(1), "{v}");
    v["objects"][0].clone()
}

async fn open_store(srv: &TestServer) -> store::sqlite::SqliteStore {
    store::sqlite::SqliteStore::open(
        &srv.data.path().join("schakel.db"),
        store::sqlite::SqliteOptions::default(),
    )
    .unwrap()
}

/// The audit items of `account`'s disclosures and denials concerning `id`, oldest first, with
/// the designations of their event.
async fn audit_items(
    srv: &TestServer,
    account: &str,
    id: &str,
) -> Vec<(store::audit::AuditItem, Vec<String>)> {
    use store::Store;
    open_store(srv)
        .await
        .audit_entries(store::audit::AuditFilter {
            object_id: Some(id.to_owned()),
            account: Some(account.to_owned()),
            ..store::audit::AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .flat_map(|e| {
            let designations = e.event.designations.clone();
            e.event
                .items
                .into_iter()
                .filter(|i| i.id == id)
                .map(move |i| (i, designations.clone()))
        })
        .collect()
}

// Scenario 2 (research 5), read decision 4.3 step 5 and research 4.6: a leaked account with
// its password is credentials. Z-CERT (credential designation since 2020-01-13) receives it
// in full; in 2021 DTC (designated only from 2022-12-01, every account) and C2T (never
// designated) see nothing of it on any endpoint, as for an id that does not exist. Once the
// clock passes DTC's designation date, DTC receives it, and the audit entry of that disclosure
// names the designation it went out under. (The pruning of its id from the report is
// scenario 5.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_02_leaked_credentials_follow_the_designations_of_the_day() {
    let (srv, clock) = start_clock().await;
    let account = leaked_account();
    let id = account["id"].as_str().unwrap().to_owned();
    let s = post(&srv, LDS_PARTNERS, NCSC, &[affected_b(), account.clone()]).await;
    assert_accepted(&s, &[AFFECTED_B, &id]);

    let got = get_one(&srv, ZCERT, &id).await;
    assert_eq!(got["credential"], PASSWORD, "{got}");
    assert_eq!(got["account_login"], LOGIN);
    assert!(manifest_ids(&srv, LDS_PARTNERS, ZCERT).await.contains(&id));
    for account in [DTC, ANALYST_D, DTC_OTHER, C2T] {
        assert_withheld(&srv, LDS_PARTNERS, account, &id).await;
    }

    clock.set(at(IN_2023));
    let got = get_one(&srv, DTC, &id).await;
    assert_eq!(got["credential"], PASSWORD, "{got}");
    assert_withheld(&srv, LDS_PARTNERS, C2T, &id).await;

    let zcert = audit_items(&srv, ZCERT, &id).await;
    let (item, designations) = zcert.first().expect("Z-CERT's disclosure is audited");
    assert_eq!(item.decision, "disclosed");
    assert_eq!(item.pii.as_deref(), Some("credential"));
    assert!(
        designations.contains(&format!("credential: {ZCERT_BASIS}")),
        "{designations:?}"
    );
    let dtc = audit_items(&srv, DTC, &id).await;
    let decisions: Vec<&str> = dtc.iter().map(|(i, _)| i.decision.as_str()).collect();
    // 2021: two 404s (objects/{id}, versions) audited as denials; 2023: disclosed.
    assert_eq!(
        decisions,
        vec!["withheld", "withheld", "disclosed"],
        "{dtc:?}"
    );
    assert!(
        dtc[2].1.contains(&format!("personal-data: {DTC_BASIS}")),
        "{:?}",
        dtc[2].1
    );
    assert!(dtc[0].1.is_empty(), "no designation was used for a denial");

    // `explain` names the rule and the designations of the day it is asked about.
    let store = open_store(&srv).await;
    let explain = |day: &str| {
        let store = store.clone();
        let id = id.clone();
        let day = day.parse().unwrap();
        async move {
            server::explain::explain(&store, DTC, &id, None, Some(LDS_PARTNERS), day)
                .await
                .unwrap()
        }
    };
    let before = explain("2021-06-01").await;
    let v = &before.collections[0].versions[0];
    assert_eq!(
        (v.visible, v.rule.as_str()),
        (false, "credential-no-designation")
    );
    assert_eq!(v.personal_data, "credential");
    assert_eq!(v.affected, vec![COMPANY_B_ID.to_owned()]);
    assert!(before.designations.is_empty());
    let after = explain("2022-12-01").await;
    assert!(after.collections[0].versions[0].visible);
    assert!(
        after
            .designations
            .contains(&format!("credential: {DTC_BASIS}")),
        "{:?}",
        after.designations
    );
}

// Scenario 4 (research 5), research 4.6: an IP address in a collection that treats IP
// addresses as possibly personal (victims' addresses) is withheld from organisations without
// a personal-data designation (DTC in 2021, C2T), and sent to Z-CERT. The address lies in
// company B's asset scope, so B is recorded as an affected party at ingest (it could receive
// the address about itself, research 4.6; B does not read `lds-partners`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_04_victim_ip_is_possible_personal_data() {
    use store::Store;
    let (srv, clock) = start_clock().await;
    let ip = vpn_gateway();
    let id = ip["id"].as_str().unwrap().to_owned();
    let s = post(&srv, LDS_PARTNERS, NCSC, std::slice::from_ref(&ip)).await;
    assert_accepted(&s, &[&id]);
    assert_eq!(get_one(&srv, ZCERT, &id).await["value"], VPN_IP);
    for account in [DTC, DTC_OTHER, C2T] {
        assert_withheld(&srv, LDS_PARTNERS, account, &id).await;
    }
    let store = open_store(&srv).await;
    let c = store
        .collection("lds", LDS_PARTNERS)
        .await
        .unwrap()
        .unwrap();
    let access = store.object_access(&c, vec![id.clone()]).await.unwrap();
    assert_eq!(access[0].class.affected, vec![COMPANY_B_ID.to_owned()]);
    assert_eq!(access[0].class.pii, tlp::PiiClass::Possible);
    clock.set(at(IN_2023));
    assert_eq!(get_one(&srv, DTC, &id).await["value"], VPN_IP);
}

// Scenario 5 (research 5), research 4.8: for DTC in 2021 the case report is redacted: the
// description (granular NL-PII:PRESENT) is removed, and so are the references to the leaked
// account (#2) and the victim IP (#4), which DTC may not receive; the language marking on the
// reference to company B is re-indexed, the personal-data marking (its content gone) dropped.
// The result is a new object (STIX 3.5): derived id, the server as creator, the redaction
// extension naming the source and the removed selectors. C2T, lacking the same designations,
// gets the same derived object (same source, same removals: same id). Z-CERT receives the
// stored bytes. The manifest lists the derived id; the audit records the redaction. In 2023,
// DTC receives the report unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_05_report_is_redacted_for_readers_without_designation() {
    let (srv, clock) = start_clock().await;
    let (account, ip) = (leaked_account(), vpn_gateway());
    let report = case_report(&account, &ip);
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[
            pulse_indicator(),
            affected_b(),
            account.clone(),
            ip.clone(),
            company_b_identity(),
            report.clone(),
        ],
    )
    .await;
    assert_eq!(s["failure_count"], 0, "{s}");

    let full = get_one(&srv, ZCERT, CASE_REPORT).await;
    assert_eq!(full, report, "Z-CERT gets the stored object");

    let redacted = get_one(&srv, DTC, CASE_REPORT).await;
    let derived = redacted["id"].as_str().unwrap().to_owned();
    assert!(derived.starts_with("report--") && derived != CASE_REPORT);
    assert!(redacted.get("description").is_none(), "{redacted}");
    assert_eq!(
        redacted["object_refs"],
        json!([PULSE_INDICATOR, COMPANY_B_ID])
    );
    assert_eq!(
        redacted["granular_markings"],
        json!([{"lang": "nl", "selectors": ["object_refs.[1]"]}])
    );
    assert_eq!(redacted["created_by_ref"], PROJECT_ID);
    assert_eq!(redacted["object_marking_refs"], json!([TLP_AMBER]));
    assert_eq!(redacted["modified"], report["modified"]);
    let ext = &redacted["extensions"][REDACTION_EXT];
    assert_eq!(ext["extension_type"], "property-extension");
    assert_eq!(ext["redacted_from"], CASE_REPORT);
    assert_eq!(
        ext["removed_selectors"],
        json!(["description", "object_refs.[1]", "object_refs.[2]"])
    );
    let text = redacted.to_string();
    assert!(!text.contains("Jansen") && !text.contains(account["id"].as_str().unwrap()));
    assert!(!text.contains(ip["id"].as_str().unwrap()));
    // The same on the objects endpoint, for C2T too, and in the manifest.
    let listed = object_ids(&srv, LDS_PARTNERS, DTC).await;
    assert!(
        listed.contains(&derived) && !listed.contains(CASE_REPORT),
        "{listed:?}"
    );
    assert_eq!(get_one(&srv, C2T, CASE_REPORT).await, redacted);
    let manifest = manifest_ids(&srv, LDS_PARTNERS, DTC).await;
    assert!(manifest.contains(&derived) && !manifest.contains(CASE_REPORT));
    let versions = expect_ok(get(&srv, &versions_path(LDS_PARTNERS, CASE_REPORT), DTC).await).await;
    assert_eq!(versions["versions"], json!(["2020-08-27T08:00:00.000Z"]));

    let items = audit_items(&srv, DTC, CASE_REPORT).await;
    let (item, _) = items
        .iter()
        .find(|(i, _)| i.sha256.is_some())
        .expect("the redacted report was sent");
    assert_eq!(item.decision, "redacted");
    assert_eq!(item.derived_id.as_deref(), Some(derived.as_str()));
    assert_eq!(
        item.removed,
        vec!["description", "object_refs.[1]", "object_refs.[2]"]
    );
    assert!(items.iter().all(|(i, _)| i.decision == "redacted"));
    let e = server::explain::explain(
        &open_store(&srv).await,
        DTC,
        CASE_REPORT,
        None,
        None,
        "2021-06-01".parse().unwrap(),
    )
    .await
    .unwrap();
    let v = &e.collections[0].versions[0];
    assert!(v.visible);
    assert_eq!(v.redacted_parts, vec!["description"]);
    assert!(e.to_string().contains("served without: description"), "{e}");

    clock.set(at(IN_2023));
    assert_eq!(get_one(&srv, DTC, CASE_REPORT).await, report);
}

// Scenario 6 (research 5), research 4.3 step 6 and 4.8: the pattern of an AMBER indicator is
// TLP:RED for analyst D alone. D receives the indicator whole; for every other reader the
// pattern would have to go, and it is required: the indicator is withheld, on every endpoint.
// Because a required part carries the restriction, it is the object's own at ingest (the page
// query leaves the indicator out: no paging header hints at it), and the 404 is an audited
// denial like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_06_red_pattern_reaches_its_named_recipient_only() {
    let srv = start().await;
    let indicator = red_pattern_indicator();
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[
            audience_marking(ONLY_D, NCSC_ID, &[ANALYST_D_ID]),
            indicator.clone(),
        ],
    )
    .await;
    assert_accepted(&s, &[ONLY_D, RED_PATTERN_INDICATOR]);
    assert_eq!(
        get_one(&srv, ANALYST_D, RED_PATTERN_INDICATOR).await,
        indicator
    );
    assert_eq!(get_one(&srv, NCSC, RED_PATTERN_INDICATOR).await, indicator);
    for account in [DTC, DTC_OTHER, ZCERT, C2T] {
        assert_withheld(&srv, LDS_PARTNERS, account, RED_PATTERN_INDICATOR).await;
    }
    let items = audit_items(&srv, DTC_OTHER, RED_PATTERN_INDICATOR).await;
    assert!(
        !items.is_empty() && items.iter().all(|(i, _)| i.decision == "withheld"),
        "{items:?}"
    );
    let r = get(
        &srv,
        &format!(
            "{}?match[id]={RED_PATTERN_INDICATOR}",
            objects_path(LDS_PARTNERS)
        ),
        DTC_OTHER,
    )
    .await;
    assert_eq!(common::date_headers(&r), (None, None));
}

// Research 2.3 and 4.8: a reader without a personal-data designation learns nothing of a
// withheld personal SCO, not its value and not its id (a deterministic id is a hash of the
// value): not through the objects, manifest or versions endpoints, not by id or by type
// filter, not through a reference in a report, an observed-data or a relationship (the
// observed-data and relationship that need the account are withheld whole), and not through
// the number of objects listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_personal_sco_leaks_through_nothing() {
    let srv = start().await;
    let (account, ip) = (leaked_account(), vpn_gateway());
    let account_id = account["id"].as_str().unwrap().to_owned();
    let ip_id = ip["id"].as_str().unwrap().to_owned();
    let observed = json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": "observed-data--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4d",
        "created_by_ref": NCSC_ID,
        "created": "2020-08-27T08:00:00.000Z",
        "modified": "2020-08-27T08:00:00.000Z",
        "first_observed": "2020-08-20T00:00:00Z",
        "last_observed": "2020-08-21T00:00:00Z",
        "number_observed": 1,
        "object_refs": [account_id],
        "object_marking_refs": [TLP_AMBER]
    });
    let relationship = json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4e",
        "created_by_ref": NCSC_ID,
        "created": "2020-08-27T08:00:00.000Z",
        "modified": "2020-08-27T08:00:00.000Z",
        "relationship_type": "related-to",
        "source_ref": PULSE_INDICATOR,
        "target_ref": ip_id,
        "object_marking_refs": [TLP_AMBER]
    });
    // Its identity is a hash over the address it refers to (`src_ref` contributes to the id).
    let traffic = sco_id(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "src_ref": ip_id,
        "protocols": ["tcp"],
        "object_marking_refs": [TLP_GREEN]
    }));
    let traffic_id = traffic["id"].as_str().unwrap().to_owned();
    // An address whose value (its id-contributing property) is marked personal granularly.
    let marked_ip = sco_id(json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "value": "203.0.113.99",
        "object_marking_refs": [TLP_GREEN],
        "granular_markings": [{"marking_ref": NL_PII_PRESENT, "selectors": ["value"]}]
    }));
    let marked_ip_id = marked_ip["id"].as_str().unwrap().to_owned();
    let objects = [
        pulse_indicator(),
        affected_b(),
        account.clone(),
        ip.clone(),
        company_b_identity(),
        case_report(&account, &ip),
        observed.clone(),
        relationship.clone(),
        traffic,
        marked_ip,
    ];
    let s = post(&srv, LDS_PARTNERS, NCSC, &objects).await;
    assert_eq!(s["failure_count"], 0, "{s}");
    let secrets = [
        LOGIN,
        PASSWORD,
        VPN_IP,
        "203.0.113.99",
        &account_id,
        &ip_id,
        &traffic_id,
        &marked_ip_id,
    ];
    let mut seen = String::new();
    for account in [C2T, DTC] {
        let listed = object_ids(&srv, LDS_PARTNERS, account).await;
        // What may be listed: the indicator, the audience marking, company B, the redacted
        // report (under its derived id). Not the account, the address, the observed-data or
        // the relationship.
        assert_eq!(listed.len(), 4, "{account}: {listed:?}");
        for id in [PULSE_INDICATOR, AFFECTED_B, COMPANY_B_ID] {
            assert!(listed.contains(id), "{account}: {listed:?}");
        }
        for id in [
            account_id.as_str(),
            ip_id.as_str(),
            CASE_REPORT,
            observed["id"].as_str().unwrap(),
            relationship["id"].as_str().unwrap(),
        ] {
            assert!(!listed.contains(id), "{account} lists {id}");
        }
        for path in [
            objects_path(LDS_PARTNERS),
            manifest_path(LDS_PARTNERS),
            format!(
                "{}?match[type]=user-account,ipv4-addr,observed-data,relationship",
                objects_path(LDS_PARTNERS)
            ),
            format!("{}?match[id]={account_id}", objects_path(LDS_PARTNERS)),
            format!("{}?match[id]={ip_id}", manifest_path(LDS_PARTNERS)),
            format!("{}?match[version]=all", objects_path(LDS_PARTNERS)),
        ] {
            let r = get(&srv, &path, account).await;
            assert_eq!(r.status().as_u16(), 200, "{path}");
            seen.push_str(&r.text().await.unwrap());
        }
        // Probing by id: no object, and no Date-Added header that would say one is held.
        for id in [&account_id, &ip_id, &traffic_id, &marked_ip_id] {
            for path in [objects_path(LDS_PARTNERS), manifest_path(LDS_PARTNERS)] {
                let r = get(&srv, &format!("{path}?match[id]={id}"), account).await;
                assert_eq!(
                    common::date_headers(&r),
                    (None, None),
                    "{account} {path} {id}"
                );
                let v = body_json(r).await;
                assert!(ids_of(&v).is_empty(), "{account} {path} {id}: {v}");
            }
        }
        for id in listed.iter().chain([
            &account_id,
            &ip_id,
            &traffic_id,
            &marked_ip_id,
            &CASE_REPORT.to_owned(),
        ]) {
            for path in [
                object_path(LDS_PARTNERS, id),
                versions_path(LDS_PARTNERS, id),
            ] {
                seen.push_str(&get(&srv, &path, account).await.text().await.unwrap());
            }
        }
        let types = expect_ok(
            get(
                &srv,
                &format!(
                    "{}?match[type]=user-account,ipv4-addr",
                    objects_path(LDS_PARTNERS)
                ),
                account,
            )
            .await,
        )
        .await;
        assert!(ids_of(&types).is_empty(), "{types}");
    }
    for secret in secrets {
        assert!(!seen.contains(secret), "{secret} leaked: {seen}");
    }
    // Z-CERT, designated, sees all ten (the report as stored).
    assert_eq!(object_ids(&srv, LDS_PARTNERS, ZCERT).await.len(), 10);
}

// Research 4.6 (affected parties), the read side of scenario 3 (whose relay part is issue 6):
// an organisation may receive personal data about itself without any designation, including
// its own leaked credentials. In DTC's constituency collection (2023, DTC posts), company B
// receives the account marked as concerning it and the address in its asset scope (matched at
// ingest); company C, not affected and not designated, receives neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn affected_party_receives_personal_data_about_itself() {
    let (srv, clock) = start_clock().await;
    clock.set(at(IN_2023));
    let mut account = leaked_account();
    account["object_marking_refs"] = json!([TLP_AMBER, NL_PII_CREDENTIAL, AFFECTED_B]);
    let mut ip = vpn_gateway();
    ip["object_marking_refs"] = json!([TLP_AMBER, NL_PII_PRESENT]);
    let mut other_ip = sco_id(json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "value": "203.0.113.200",
    }));
    other_ip["object_marking_refs"] = json!([TLP_AMBER, NL_PII_PRESENT]);
    let ids: Vec<String> = [&account, &ip, &other_ip]
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let mut marking = affected_b();
    marking["created_by_ref"] = json!(DTC_ID);
    let s = post(
        &srv,
        DTC_CONSTITUENCY,
        DTC,
        &[marking, account, ip, other_ip],
    )
    .await;
    assert_eq!(s["failure_count"], 0, "{s}");
    let b = object_ids(&srv, DTC_CONSTITUENCY, COMPANY_B).await;
    assert!(b.contains(&ids[0]) && b.contains(&ids[1]), "{b:?}");
    assert!(!b.contains(&ids[2]), "B is not affected by 203.0.113.200");
    let c = object_ids(&srv, DTC_CONSTITUENCY, COMPANY_C).await;
    for id in &ids {
        assert!(!c.contains(id), "C must not receive {id}: {c:?}");
    }
    // DTC, the originator, receives all three.
    let dtc = object_ids(&srv, DTC_CONSTITUENCY, DTC_OTHER).await;
    assert!(ids.iter().all(|i| dtc.contains(i)), "{dtc:?}");
}

// A first page whose only row redaction withholds is not a 404 when more follows (T-91: the
// client follows `next`): version 1 of a relationship points at the victim address (withheld
// from C2T, so the relationship version is withheld), version 2 at the indicator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withheld_first_version_does_not_hide_the_next_one() {
    let srv = start().await;
    let ip = vpn_gateway();
    let rel = |modified: &str, target: &Value| {
        json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4f",
            "created_by_ref": NCSC_ID,
            "created": "2020-08-27T08:00:00.000Z",
            "modified": modified,
            "relationship_type": "related-to",
            "source_ref": PULSE_INDICATOR,
            "target_ref": target,
            "object_marking_refs": [TLP_GREEN]
        })
    };
    let v1 = rel("2020-08-27T08:00:00.000Z", &ip["id"]);
    let v2 = rel("2020-08-28T08:00:00.000Z", &json!(COMPANY_B_ID));
    let id = v1["id"].as_str().unwrap().to_owned();
    let mut company = company_b_identity();
    company["object_marking_refs"] = json!([TLP_GREEN]);
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[pulse_indicator(), ip, company, v1, v2.clone()],
    )
    .await;
    assert_eq!(s["failure_count"], 0, "{s}");
    let first = expect_ok(
        get(
            &srv,
            &format!(
                "{}?match[version]=all&limit=1",
                object_path(LDS_PARTNERS, &id)
            ),
            C2T,
        )
        .await,
    )
    .await;
    assert!(ids_of(&first).is_empty(), "{first}");
    assert_eq!(first["more"], true, "{first}");
    let next = first["next"].as_str().unwrap();
    let second = expect_ok(
        get(
            &srv,
            &format!("{}?next={next}&limit=1", object_path(LDS_PARTNERS, &id)),
            C2T,
        )
        .await,
    )
    .await;
    assert_eq!(second["objects"], json!([v2]), "{second}");
    // The versions list names only the version C2T receives.
    let versions = expect_ok(get(&srv, &versions_path(LDS_PARTNERS, &id), C2T).await).await;
    assert_eq!(versions["versions"], json!(["2020-08-28T08:00:00.000Z"]));
}

// The access columns of referenced objects are cached across requests; a write to the
// collection makes the cache forget them at once: a reference to an address not held is kept
// (it tells nothing), and once the address is stored, possibly personal, the same report is
// served to C2T without it on the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_seen_by_the_next_redaction() {
    let srv = start().await;
    let ip = vpn_gateway();
    let ip_id = ip["id"].as_str().unwrap().to_owned();
    let mut report = json!({
        "type": "report",
        "spec_version": "2.1",
        "id": CASE_REPORT,
        "created_by_ref": NCSC_ID,
        "created": "2020-08-27T08:00:00.000Z",
        "modified": "2020-08-27T08:00:00.000Z",
        "name": "Pulse Secure case 17",
        "published": "2020-08-27T08:00:00Z",
        "report_types": ["threat-report"],
        "object_refs": [PULSE_INDICATOR, ip_id],
        "object_marking_refs": [TLP_GREEN]
    });
    let s = post(
        &srv,
        LDS_PARTNERS,
        NCSC,
        &[pulse_indicator(), report.clone()],
    )
    .await;
    assert_eq!(s["failure_count"], 0, "{s}");
    assert_eq!(get_one(&srv, C2T, CASE_REPORT).await, report);
    // Read again: now from the cache.
    assert_eq!(get_one(&srv, C2T, CASE_REPORT).await, report);
    let s = post(&srv, LDS_PARTNERS, NCSC, &[ip]).await;
    assert_eq!(s["failure_count"], 0, "{s}");
    let redacted = get_one(&srv, C2T, CASE_REPORT).await;
    report["object_refs"] = json!([PULSE_INDICATOR]);
    assert_eq!(redacted["object_refs"], report["object_refs"], "{redacted}");
    assert_ne!(redacted["id"], CASE_REPORT);
}

// Withholding travels along references, through cycles too (research 4.8): the relationship R
// between the victim address X (withheld from C2T) and grouping B is withheld (an end is); B,
// whose only reference is R, is withheld (its required object_refs would be empty), although B
// is decided first, while R still is undecided (R and B refer to each other); and note N, whose
// only reference is B, is withheld with them. None of their ids reaches C2T.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withholding_travels_through_a_reference_cycle() {
    let srv = start().await;
    let x = vpn_gateway();
    let r_id = "relationship--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a50";
    let b_id = "grouping--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a51";
    let n_id = "note--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a52";
    let common = |ty: &str, id: &str| {
        json!({
            "type": ty,
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": NCSC_ID,
            "created": "2020-08-27T08:00:00.000Z",
            "modified": "2020-08-27T08:00:00.000Z",
            "object_marking_refs": [TLP_GREEN]
        })
    };
    let mut r = common("relationship", r_id);
    r["relationship_type"] = json!("related-to");
    r["source_ref"] = x["id"].clone();
    r["target_ref"] = json!(b_id);
    let mut b = common("grouping", b_id);
    b["name"] = json!("case 17 links");
    b["context"] = json!("suspicious-activity");
    b["object_refs"] = json!([r_id]);
    let mut n = common("note", n_id);
    n["content"] = json!("see the links report");
    n["object_refs"] = json!([b_id]);
    // B before R: B is decided first.
    let s = post(&srv, LDS_PARTNERS, NCSC, &[x, b, r, n]).await;
    assert_eq!(s["failure_count"], 0, "{s}");
    assert_eq!(object_ids(&srv, LDS_PARTNERS, NCSC).await.len(), 4);
    let v = expect_ok(get(&srv, &objects_path(LDS_PARTNERS), C2T).await).await;
    let text = v.to_string();
    for id in [r_id, b_id, n_id] {
        assert!(!text.contains(id), "{id} reached C2T: {v}");
    }
}
