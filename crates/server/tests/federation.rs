//! Federation over HTTP between two Schakel servers on loopback (issue 6): an NCSC instance
//! posts the Pulse Secure scenario objects to `lds-partners`; a DTC instance pulls that
//! collection on a schedule (`[[upstream]]` under `serve`), relays by rule (GREEN) and by hand
//! (`POST /schakel/relay`), and companies B and C read from DTC's constituency collection.
//! Scenarios 1 (relay part), 3, 7 and 8 of access-model-research.md section 5, the relay rules
//! of section 4.7 (cited as R-4.7), and loop prevention: NCSC pulls DTC's constituency feed
//! back and refuses to relay what came back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::time::{Duration, Instant};

use common::{TAXII, TestServer, ids_of, objects_path};
use serde_json::{Value, json};
use server::config::UpstreamEntry;
use server::state::Clock;
use store::Store;
use store::audit::{AuditFilter, AuditKind};
use store::sqlite::{SqliteOptions, SqliteStore};

const LDS_PARTNERS: &str = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
const DTC_RETURNS: &str = "4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d";
const NCSC_CONSTITUENCY: &str = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e";
const NCSC_FEED: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const DTC_CONSTITUENCY: &str = "3f1d2c4b-7a8e-4c6d-9b0a-1e2f3a4b5c6d";
const DTC_PUBLIC: &str = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a";

const NCSC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e01";
const DTC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e02";
const COMPANY_B_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e05";
const COMPANY_C_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e06";

const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const NL_PII_NONE: &str = "marking-definition--89a92d23-c725-4a11-aa67-4cfafc56d784";
const NL_PII_CREDENTIAL: &str = "marking-definition--3a7f8d07-0408-4ce0-98d5-8cac5339e74d";
const AUDIENCE_EXT: &str = "extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8";
const AFFECTED_B: &str = "marking-definition--7b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e";

const PULSE_INDICATOR: &str = "indicator--6f1c9a52-4f0e-4b8a-9d3c-2e7b5a1c8d01";
const STRICT_NOTE: &str = "note--8a9b0c1d-2e3f-4a4b-8c5d-6e7f8a9b0c01";

/// 2023-01-10: DTC holds its (modelled) personal-data and credential designations.
fn in_2023() -> Clock {
    Clock::fixed(
        chrono::DateTime::parse_from_rfc3339("2023-01-10T12:00:00Z")
            .unwrap()
            .timestamp_micros(),
    )
}

fn token(account: &str) -> String {
    format!("{account}-token-0123456789abcdef")
}

const HEAD: &str = r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
workers = 2

[[api_root]]
path = "lds"
title = "Landelijk Dekkend Stelsel"
"#;

fn accounts(list: &[(&str, &str)]) -> String {
    list.iter()
        .map(|(name, org)| {
            format!(
                "\n[[account]]\nname = \"{name}\"\norganisation = \"{org}\"\ntoken = \"{}\"\n",
                token(name)
            )
        })
        .collect()
}

/// DTC's designations (modelled from 2022-12-01), on both servers: NCSC sends DTC personal data
/// only because DTC holds them, and DTC passes it on under the same rule.
const DTC_DESIGNATIONS: &str = r#"designations = [
  { kind = "personal-data", from = "2022-12-01", basis = "Wbni art. 3 lid 2 sub a (modelled)" },
  { kind = "credential", from = "2022-12-01", basis = "Wbni art. 3 lid 2 sub a (modelled)" },
]"#;

/// NCSC, DTC (serving companies B and C, with `dtc_extra` lines) and the two companies.
fn chain_organisations(dtc_extra: &str) -> String {
    format!(
        r#"[[organisation]]
id = "ncsc"
name = "NCSC-NL"
role = "national-csirt"
identity = "{NCSC_ID}"

[[organisation]]
id = "dtc"
name = "Digital Trust Center"
role = "dtc"
identity = "{DTC_ID}"
serves = ["company-b", "company-c"]
{dtc_extra}

[[organisation]]
id = "company-b"
name = "Bedrijf B"
identity = "{COMPANY_B_ID}"

[[organisation]]
id = "company-c"
name = "Bedrijf C"
identity = "{COMPANY_C_ID}"
"#
    )
}

fn ncsc_provisioning() -> String {
    format!(
        r#"{HEAD}
[[organisation]]
id = "ncsc"
name = "NCSC-NL"
role = "national-csirt"
identity = "{NCSC_ID}"

[[organisation]]
id = "dtc"
name = "Digital Trust Center"
role = "dtc"
identity = "{DTC_ID}"
{DTC_DESIGNATIONS}

{}
[[collection]]
api_root = "lds"
id = "{LDS_PARTNERS}"
title = "lds-partners"
owner = "ncsc"
read = ["ncsc", "dtc"]
write = ["ncsc"]
audience = ["dtc"]
require_tlp = true

[[collection]]
api_root = "lds"
id = "{DTC_RETURNS}"
title = "dtc-returns"
owner = "ncsc"
read = ["ncsc"]

[[collection]]
api_root = "lds"
id = "{NCSC_CONSTITUENCY}"
title = "ncsc-constituency"
owner = "ncsc"
read = ["ncsc"]
relay_target = true
"#,
        accounts(&[("ncsc", "ncsc"), ("dtc-puller", "dtc")])
    )
}

fn dtc_provisioning(ncsc_base: &str) -> String {
    format!(
        r#"{HEAD}
{}{}
[[collection]]
api_root = "lds"
id = "{NCSC_FEED}"
title = "ncsc-feed"
owner = "dtc"
read = ["dtc"]
audience = ["dtc"]
require_tlp = true

[[collection]]
api_root = "lds"
id = "{DTC_CONSTITUENCY}"
title = "dtc-constituency"
owner = "dtc"
read = ["dtc", "company-b", "company-c", "ncsc"]
write = ["dtc"]
audience = ["dtc"]
audience_constituency_of = ["dtc"]
relay_target = true

[[collection]]
api_root = "lds"
id = "{DTC_PUBLIC}"
title = "dtc-public"
owner = "dtc"
read = ["dtc"]
write = ["dtc"]
public = true
relay_target = true

[[upstream]]
name = "ncsc"
url = "{ncsc_base}/lds/"
collection = "lds-partners"
organisation = "ncsc"
target_api_root = "lds"
target = "ncsc-feed"
token = "{}"
interval_secs = 1
page_size = 2

[[relay]]
name = "green-to-constituency"
organisation = "dtc"
api_root = "lds"
from = "ncsc-feed"
to = "dtc-constituency"
max_tlp = "green"
interval_secs = 1
"#,
        chain_organisations(DTC_DESIGNATIONS),
        accounts(&[
            ("dtc", "dtc"),
            ("company-b", "company-b"),
            ("company-c", "company-c"),
            ("ncsc-puller", "ncsc"),
        ]),
        token("dtc-puller")
    )
}

// ---- the scenario objects (access-model-research.md section 5) ----------------------------

fn affected_b() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": AFFECTED_B,
        "created": "2020-08-26T09:00:00.000Z",
        "created_by_ref": NCSC_ID,
        "name": "NL-LDS audience: pulse-2020-case-17 affected",
        "extensions": {
            AUDIENCE_EXT: {"extension_type": "property-extension", "affected_parties": [COMPANY_B_ID]}
        }
    })
}

/// Scenario 1: TLP:GREEN + NL-PII:NONE.
fn pulse_indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": PULSE_INDICATOR,
        "created_by_ref": NCSC_ID,
        "created": "2020-08-25T09:00:00.000Z",
        "modified": "2020-08-25T09:00:00.000Z",
        "name": "Pulse Secure VPN exploitation (CVE-2019-11510)",
        "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '203.0.113.17']",
        "pattern_type": "stix",
        "valid_from": "2020-08-25T09:00:00Z",
        "object_marking_refs": [TLP_GREEN, NL_PII_NONE]
    })
}

/// Scenarios 2 and 3: company B's leaked VPN account, TLP:AMBER + NL-PII:CREDENTIAL.
fn leaked_account() -> Value {
    let mut o = json!({
        "type": "user-account",
        "spec_version": "2.1",
        "account_type": "unix",
        "account_login": "j.jansen@bedrijf-b.nl",
        "credential": "Welkom2020!Pulse",
        "object_marking_refs": [TLP_AMBER, NL_PII_CREDENTIAL, AFFECTED_B]
    });
    let id = stix::sco_id::deterministic_id(&o.to_string())
        .unwrap()
        .unwrap()
        .to_string();
    o["id"] = json!(id);
    o
}

/// Scenario 7: the identity "Company B", TLP:AMBER, B affected.
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
        "object_marking_refs": [TLP_AMBER, AFFECTED_B]
    })
}

/// Scenario 8: NCSC's analysis note, TLP:AMBER+STRICT.
fn strict_note() -> Value {
    json!({
        "type": "note",
        "spec_version": "2.1",
        "id": STRICT_NOTE,
        "created_by_ref": NCSC_ID,
        "created": "2020-08-26T10:00:00.000Z",
        "modified": "2020-08-26T10:00:00.000Z",
        "content": "NCSC analysis: exploitation of CVE-2019-11510 against the sector.",
        "object_refs": [PULSE_INDICATOR],
        "object_marking_refs": [TLP_AMBER_STRICT]
    })
}

// ---- HTTP helpers -------------------------------------------------------------------------

/// POSTs `{"objects": ...}` of `body` as `account` and returns the status resource.
async fn post(srv: &TestServer, account: &str, collection: &str, body: Value) -> Value {
    srv.client
        .post(srv.url(&objects_path(collection)))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(token(account))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn objects_of(srv: &TestServer, collection: &str, account: &str) -> Vec<String> {
    let r = srv
        .client
        .get(srv.url(&objects_path(collection)))
        .header("Accept", TAXII)
        .bearer_auth(token(account))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{account} reads {collection}");
    let body: Value = r.json().await.unwrap();
    let mut ids = ids_of(&body);
    ids.sort();
    ids
}

/// Waits until `account` sees at least `n` objects in the collection (the scheduled pull and
/// relay rule run every second); a generous bound, not a timing assertion.
async fn wait_for(srv: &TestServer, collection: &str, account: &str, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let ids = objects_of(srv, collection, account).await;
        if ids.len() >= n || start.elapsed() > Duration::from_secs(60) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn relay(srv: &TestServer, account: &str, body: Value) -> (u16, Value) {
    let r = srv
        .client
        .post(srv.url("/schakel/relay/"))
        .bearer_auth(token(account))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// A relay by HTTP that the rules refuse: 403, with the rule's code in the description.
async fn relay_refused(srv: &TestServer, account: &str, body: Value, rule: &str) {
    let (code, err) = relay(srv, account, body).await;
    assert_eq!(code, 403, "{err}");
    let description = err["description"].as_str().unwrap_or_default();
    assert!(description.contains(rule), "expected {rule}: {err}");
}

fn open_store(srv: &TestServer) -> SqliteStore {
    SqliteStore::open(
        &srv.data.path().join("schakel.db"),
        SqliteOptions::default(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ncsc_to_dtc_to_companies_under_the_relay_rules() {
    let ncsc = TestServer::start_with_clock(&ncsc_provisioning(), in_2023()).await;
    let status = post(
        &ncsc,
        "ncsc",
        LDS_PARTNERS,
        json!({"objects": [affected_b(), pulse_indicator(), leaked_account(),
                company_b_identity(), strict_note()]}),
    )
    .await;
    assert_eq!(status["success_count"], 5, "{status}");
    let leaked = leaked_account()["id"].as_str().unwrap().to_owned();

    let dtc = TestServer::start_with_clock(&dtc_provisioning(&ncsc.base), in_2023()).await;
    // The scheduled pull brings everything over, two objects per page, bytes unchanged.
    let feed = wait_for(&dtc, NCSC_FEED, "dtc", 5).await;
    let mut expected = vec![
        AFFECTED_B.to_owned(),
        PULSE_INDICATOR.to_owned(),
        leaked.clone(),
        COMPANY_B_ID.to_owned(),
        STRICT_NOTE.to_owned(),
    ];
    expected.sort();
    assert_eq!(
        feed, expected,
        "DTC (direct audience, designated in 2023) reads all of it"
    );
    let upstream_bytes = ncsc
        .client
        .get(ncsc.url(&format!("{}{PULSE_INDICATOR}/", objects_path(LDS_PARTNERS))))
        .header("Accept", TAXII)
        .bearer_auth(token("ncsc"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let local_bytes = dtc
        .client
        .get(dtc.url(&format!("{}{PULSE_INDICATOR}/", objects_path(NCSC_FEED))))
        .header("Accept", TAXII)
        .bearer_auth(token("dtc"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        upstream_bytes, local_bytes,
        "the object's bytes cross unchanged"
    );

    // Scenario 1 (R-4.7 GREEN): the rule relays the GREEN indicator into the constituency
    // collection, so C sees it there; nothing else matches a GREEN rule.
    let c_sees = wait_for(&dtc, DTC_CONSTITUENCY, "company-c", 1).await;
    assert_eq!(c_sees, vec![PULSE_INDICATOR.to_owned()]);
    // ... but never into a public collection.
    relay_refused(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-public", "objects": [PULSE_INDICATOR]}),
        "public-target",
    )
    .await;

    // Scenario 3 (R-4.7 personal data): the credential goes to B, the affected party...
    let (code, out) = relay(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency", "objects": [leaked]}),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_eq!(
        out["relayed"][0]["to"],
        json!(["company-b: affected-party"])
    );
    // ... and not to C, not even with a justification.
    relay_refused(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency",
               "objects": [leaked], "recipients": ["company-c"], "justification": "same VPN supplier"}),
        "personal-data-recipient",
    )
    .await;

    // Scenario 7 (R-4.7 AMBER): the identity of B reaches B automatically...
    let (code, out) = relay(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency", "objects": [COMPANY_B_ID]}),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_eq!(
        out["relayed"][0]["to"],
        json!(["company-b: affected-party"])
    );
    // The audience marking both carry travels with them (readers must resolve every marking).
    let mut b_expected = vec![
        PULSE_INDICATOR.to_owned(),
        leaked.clone(),
        COMPANY_B_ID.to_owned(),
        AFFECTED_B.to_owned(),
    ];
    b_expected.sort();
    assert_eq!(
        objects_of(&dtc, DTC_CONSTITUENCY, "company-b").await,
        b_expected
    );
    assert_eq!(
        objects_of(&dtc, DTC_CONSTITUENCY, "company-c").await,
        vec![PULSE_INDICATOR.to_owned()],
        "C: not affected, not visible"
    );
    // ... C only with a justification, without one refused.
    relay_refused(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency",
               "objects": [COMPANY_B_ID], "recipients": ["company-c"]}),
        "justification-required",
    )
    .await;
    let (code, out) = relay(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency",
               "objects": [COMPANY_B_ID], "recipients": ["company-c"],
               "justification": "C runs the same VPN appliance at the shared site"}),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_eq!(out["relayed"][0]["to"], json!(["company-c: justified"]));
    let mut c_expected = vec![
        PULSE_INDICATOR.to_owned(),
        COMPANY_B_ID.to_owned(),
        AFFECTED_B.to_owned(),
    ];
    c_expected.sort();
    assert_eq!(
        objects_of(&dtc, DTC_CONSTITUENCY, "company-c").await,
        c_expected
    );

    // Scenario 8 (R-4.7 AMBER+STRICT): DTC reads the note, cannot relay it; B and C never see it.
    relay_refused(
        &dtc,
        "dtc",
        json!({"api_root": "lds", "from": "ncsc-feed", "to": "dtc-constituency", "objects": [STRICT_NOTE]}),
        "amber-strict",
    )
    .await;
    for company in ["company-b", "company-c"] {
        assert!(
            !objects_of(&dtc, DTC_CONSTITUENCY, company)
                .await
                .contains(&STRICT_NOTE.to_owned())
        );
    }
    // A constituent without write permission on the target: the target does not exist for it.
    let (code, err) = relay(
        &dtc,
        "company-b",
        json!({"api_root": "lds", "from": "dtc-constituency", "to": "dtc-constituency", "objects": [PULSE_INDICATOR]}),
    )
    .await;
    assert_eq!(code, 404, "{err}");

    // Every relay and every refusal is audited, with the justification and the recipients.
    let dtc_store = open_store(&dtc);
    let entries = dtc_store
        .audit_entries(AuditFilter {
            kind: Some(AuditKind::Relay),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let decisions: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| {
            e.event
                .items
                .iter()
                .map(|i| (i.id.clone(), i.decision.clone()))
        })
        .collect();
    for (id, decision) in [
        (leaked.as_str(), "stored"),
        (leaked.as_str(), "refused:personal-data-recipient"),
        (COMPANY_B_ID, "stored"),
        (COMPANY_B_ID, "refused:justification-required"),
        (COMPANY_B_ID, "recipients-added"),
        (STRICT_NOTE, "refused:amber-strict"),
        (PULSE_INDICATOR, "refused:public-target"),
    ] {
        assert!(
            decisions.contains(&(id.to_owned(), decision.to_owned())),
            "{id} {decision} not in {decisions:?}"
        );
    }
    let justified = entries
        .iter()
        .find(|e| {
            e.event.justification.is_some()
                && e.event
                    .items
                    .iter()
                    .any(|i| i.decision == "recipients-added")
        })
        .unwrap();
    assert_eq!(
        justified.event.items[0].to,
        vec!["company-c: justified".to_owned()]
    );
    let pulls = dtc_store
        .audit_entries(AuditFilter {
            kind: Some(AuditKind::Pull),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(
        pulls
            .iter()
            .any(|e| e.event.items.iter().any(|i| i.decision == "stored"))
    );

    // explain shows the path: pulled from NCSC, relayed by DTC to B, then to C (justified).
    let e = server::explain::explain(
        &dtc_store,
        "company-c",
        COMPANY_B_ID,
        Some("lds"),
        Some(DTC_CONSTITUENCY),
        chrono::NaiveDate::from_ymd_opt(2023, 1, 10).unwrap(),
    )
    .await
    .unwrap();
    let v = &e.collections[0].versions[0];
    assert!(v.visible);
    assert_eq!(v.hops.len(), 2, "{:?}", v.hops);
    assert!(
        v.hops[0].contains(&format!(
            "relayed from lds/{NCSC_FEED} by dtc to company-b: affected-party"
        )),
        "{:?}",
        v.hops
    );
    assert!(
        v.hops[1].contains("company-c: justified (justification: C runs the same VPN"),
        "{:?}",
        v.hops
    );
    assert!(
        v.hops.iter().all(|h| !h.contains("already held")),
        "a relay is not a loop: {:?}",
        v.hops
    );
    let feed_view = server::explain::explain(
        &dtc_store,
        "dtc",
        COMPANY_B_ID,
        Some("lds"),
        Some(NCSC_FEED),
        chrono::NaiveDate::from_ymd_opt(2023, 1, 10).unwrap(),
    )
    .await
    .unwrap();
    assert!(
        feed_view.collections[0].versions[0].hops[0].starts_with(&format!(
            "pulled from ncsc {}/lds/collections/{LDS_PARTNERS}/ by ncsc",
            ncsc.base
        )),
        "{:?}",
        feed_view.collections[0].versions[0].hops
    );

    // Loop prevention: NCSC pulls DTC's constituency feed back; what it held already is
    // recorded as come back and is never relayed again.
    let ncsc_store = open_store(&ncsc);
    let back = UpstreamEntry {
        token: Some(token("ncsc-puller")),
        ..common::upstream(
            "dtc-return",
            format!("{}/lds/", dtc.base),
            "dtc-constituency",
            "dtc",
            "dtc-returns",
        )
    };
    let client = server::federation::client_for(&back).unwrap();
    let report = server::federation::pull(&ncsc_store, &back, &client, &in_2023(), &mut |_| {})
        .await
        .unwrap();
    // The indicator, the credential, B's identity and their audience marking.
    assert_eq!(report.stored, 4, "{report:?}");
    assert_eq!(
        report.returned, 4,
        "all were held in lds-partners: {report:?}"
    );
    let order = server::federation::relay::RelayOrder {
        organisation: "ncsc".into(),
        account: None,
        api_root: "lds".into(),
        from: "dtc-returns".into(),
        to: "ncsc-constituency".into(),
        objects: vec![PULSE_INDICATOR.into()],
        recipients: vec![],
        justification: None,
    };
    let out = server::federation::relay::relay_objects(&ncsc_store, &order, &in_2023())
        .await
        .unwrap();
    assert!(out.relayed.is_empty());
    assert_eq!(out.refused[0].reason, "loop", "{out:?}");
    let e = server::explain::explain(
        &ncsc_store,
        "ncsc",
        PULSE_INDICATOR,
        Some("lds"),
        Some(DTC_RETURNS),
        chrono::NaiveDate::from_ymd_opt(2023, 1, 10).unwrap(),
    )
    .await
    .unwrap();
    assert!(
        e.collections[0].versions[0].hops[0]
            .contains(&format!("already held here in lds/{LDS_PARTNERS}")),
        "{:?}",
        e.collections[0].versions[0].hops
    );
    // A second pull finds nothing new (the position moved past everything).
    let again = server::federation::pull(&ncsc_store, &back, &client, &in_2023(), &mut |_| {})
        .await
        .unwrap();
    // Only the last instant of the previous run is asked for again (found as duplicates).
    assert_eq!(again.stored, 0, "{again:?}");
    assert!(again.received <= 1, "{again:?}");

    dtc.stop().await;
    ncsc.stop().await;
}

/// The worked example of docs/federation.md (NCSC, DTC, Z-CERT provisioning files) loads with
/// every check of the provisioning file, so the guide stays true.
#[test]
fn the_worked_examples_in_docs_federation_load() {
    let guide = include_str!("../../../docs/federation.md");
    let files: Vec<&str> = guide
        .split("```toml")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.contains("[server]"))
        .collect();
    assert_eq!(files.len(), 3, "NCSC, DTC and Z-CERT");
    for (i, text) in files.into_iter().enumerate() {
        // The guide elides secrets; put well-formed stand-ins in their place.
        let text: String = text
            .lines()
            .map(|l| {
                if l.starts_with("password_hash = ") {
                    "password = \"stand-in password\"".to_owned()
                } else if l.starts_with("token_sha256 = ") {
                    format!("token_sha256 = \"{}\"", "0".repeat(64))
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let file = server::config::ProvisioningFile::parse(&text, &format!("example {i}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!file.collections.is_empty());
    }
}

// ---- the relay target's own rules, and marking-definitions carried along ----------------

const FEED: &str = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
const STRICT_TARGET: &str = "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a";
const ONLY_DTC_AND_B: &str = "marking-definition--7b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d40";
const VICTIM_IP: &str = "ipv4-addr--8d7c6b5a-4e3f-5a2b-9c1d-0e9f8a7b6c5d";
const NOTED_INDICATOR: &str = "indicator--6f1c9a52-4f0e-4b8a-9d3c-2e7b5a1c8d41";

/// An audience marking for DTC and company B only.
fn only_dtc_and_b() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": ONLY_DTC_AND_B,
        "created": "2020-08-26T09:00:00.000Z",
        "created_by_ref": NCSC_ID,
        "name": "NL-LDS audience: DTC and B",
        "extensions": {
            AUDIENCE_EXT: {"extension_type": "property-extension", "recipients": [DTC_ID, COMPANY_B_ID]}
        }
    })
}

/// A GREEN indicator whose description is for DTC and company B only (granular marking).
fn noted_indicator() -> Value {
    let mut noted = pulse_indicator();
    noted["id"] = json!(NOTED_INDICATOR);
    noted["description"] = json!("Seen at B's VPN gateway first.");
    noted["granular_markings"] =
        json!([{"marking_ref": ONLY_DTC_AND_B, "selectors": ["description"]}]);
    noted
}

/// One server: NCSC posts to `feed` (read by DTC); DTC's constituency collection treats IP
/// addresses as personal data and takes nothing above GREEN.
fn single_server() -> String {
    format!(
        r#"{HEAD}
{}{}
[[collection]]
api_root = "lds"
id = "{FEED}"
title = "feed"
owner = "ncsc"
read = ["ncsc", "dtc"]
write = ["ncsc"]
audience = ["dtc"]

[[collection]]
api_root = "lds"
id = "{STRICT_TARGET}"
title = "constituency"
owner = "dtc"
read = ["dtc", "company-b", "company-c"]
write = ["dtc", "company-b"]
audience = ["dtc"]
audience_constituency_of = ["dtc"]
relay_target = true
ip_personal_data = true
tlp_ceiling = "green"
"#,
        chain_organisations(""),
        accounts(&[
            ("ncsc", "ncsc"),
            ("dtc", "dtc"),
            ("company-b", "company-b"),
            ("company-c", "company-c")
        ])
    )
}

/// The target's ingest rules bind relayed copies (its `ip_personal_data` and `tlp_ceiling`),
/// and an audience marking carried along with an object stays for its own recipients: C
/// receives the indicator, not the list of who may read its restricted description.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_copies_follow_the_targets_rules_and_marking_lists_stay_private() {
    let srv = TestServer::start_with_clock(&single_server(), in_2023()).await;
    let only_dtc_and_b = only_dtc_and_b();
    let noted = noted_indicator();
    let victim_ip = json!({
        "type": "ipv4-addr", "spec_version": "2.1", "id": VICTIM_IP,
        "value": "198.51.100.10", "object_marking_refs": [TLP_GREEN]
    });
    let status = post(
        &srv,
        "ncsc",
        FEED,
        json!({"objects": [only_dtc_and_b, noted, victim_ip, company_b_identity(), affected_b()]}),
    )
    .await;
    assert_eq!(status["success_count"], 5, "{status}");

    // ip_personal_data of the target: the victim IP is personal data there, so GREEN or not it
    // needs a recipient with need-to-know, and none is affected.
    relay_refused(
        &srv,
        "dtc",
        json!({"api_root": "lds", "from": "feed", "to": "constituency", "objects": [VICTIM_IP]}),
        "no-need-to-know",
    )
    .await;
    // tlp_ceiling of the target: AMBER is refused by its rule, affected party or not.
    relay_refused(
        &srv,
        "dtc",
        json!({"api_root": "lds", "from": "feed", "to": "constituency", "objects": [COMPANY_B_ID]}),
        "tlp-ceiling",
    )
    .await;

    // The GREEN indicator goes to the whole audience, its audience marking with it, but only
    // for that marking's own recipients.
    let (code, out) = relay(
        &srv,
        "dtc",
        json!({"api_root": "lds", "from": "feed", "to": "constituency", "objects": [NOTED_INDICATOR]}),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    let b = objects_of(&srv, STRICT_TARGET, "company-b").await;
    let c = objects_of(&srv, STRICT_TARGET, "company-c").await;
    assert_eq!(
        b,
        vec![NOTED_INDICATOR.to_owned(), ONLY_DTC_AND_B.to_owned()]
    );
    // C receives the indicator redacted (its restricted description removed, under a derived
    // id), and not the marking's list of recipients.
    // A constituent with write permission still does not relay: only intermediaries do.
    relay_refused(
        &srv,
        "company-b",
        json!({"api_root": "lds", "from": "constituency", "to": "constituency", "objects": [NOTED_INDICATOR]}),
        "not-an-intermediary",
    )
    .await;
    assert_eq!(c.len(), 1, "{c:?}");
    assert!(
        c[0].starts_with("indicator--") && c[0] != NOTED_INDICATOR,
        "{c:?}"
    );
    srv.stop().await;
}

/// A marking-definition the upstream added after the object that names it (so it comes in a
/// later page) is asked for by id when the object arrives, and both are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marking_in_a_later_page_is_fetched_with_its_object() {
    let srv = TestServer::start_with_clock(&single_server(), in_2023()).await;
    let marking = only_dtc_and_b();
    let noted = noted_indicator();
    // The object first, its marking after it (one request: both accepted, in this order).
    let status = post(&srv, "ncsc", FEED, json!({"objects": [noted, marking]})).await;
    assert_eq!(status["success_count"], 2, "{status}");

    let local = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(&local.path().join("schakel.db"), SqliteOptions::default()).unwrap();
    let file = server::config::ProvisioningFile::parse(
        &format!(
            r#"
[[api_root]]
path = "lds"
title = "local"

[[organisation]]
id = "ncsc"
name = "NCSC-NL"
role = "national-csirt"
identity = "{NCSC_ID}"

[[collection]]
api_root = "lds"
id = "{NCSC_FEED}"
title = "ncsc-feed"
read = ["ncsc"]
require_tlp = true
"#
        ),
        "local.toml",
    )
    .unwrap();
    server::provision::apply_file(&store, &file).await.unwrap();
    let sub = UpstreamEntry {
        token: Some(token("dtc")),
        page_size: 1,
        ..common::upstream(
            "one-by-one",
            format!("{}/lds/", srv.base),
            "feed",
            "ncsc",
            "ncsc-feed",
        )
    };
    let client = server::federation::client_for(&sub).unwrap();
    let report = server::federation::pull(&store, &sub, &client, &in_2023(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((report.stored, report.refused), (2, 0), "{report:?}");
    srv.stop().await;
}
