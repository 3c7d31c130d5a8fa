//! `schakel explain` and `schakel audit` against a database prepared through the store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::run;
use std::path::Path;

use store::audit::{AuditEvent, AuditItem, AuditKind};
use store::sqlite::{SqliteOptions, SqliteStore};
use store::{
    Account, ApiRoot, Classification, CollectionPolicy, CollectionSpec, NewObject, Organisation,
    Provisioning, StatusRecord, Store, Tlp, Version,
};
use uuid::Uuid;

const COLLECTION: Uuid = Uuid::from_u128(0x9cfa669c_ee94_4ece_afd2_f8edac37d8fd);
const NOTE: &str = "note--0b3d8ba6-37f3-4b4a-9a1c-2f3e4d5c6b7a";
const ANALYST_D: &str = "identity--5c7e2f4a-8b3d-4e6f-9a1c-0d2e4f6a8b02";

/// NCSC posts a TLP:RED note for analyst D of DTC; the store records the ingest, and a
/// disclosure to analyst D is audited.
async fn prepare(dir: &Path) {
    let s = SqliteStore::open(&dir.join("schakel.db"), SqliteOptions::default()).unwrap();
    let org = |id: &str| Organisation {
        id: id.into(),
        name: id.into(),
        ..Organisation::default()
    };
    let account = |name: &str, org: &str, identity: Option<&str>| Account {
        name: name.into(),
        organisation: org.into(),
        password_hash: None,
        operator: false,
        identity: identity.map(str::to_owned),
    };
    s.provision(Provisioning {
        api_roots: vec![ApiRoot {
            path: "lds".into(),
            title: "LDS".into(),
            description: None,
            max_content_length: 1 << 20,
        }],
        organisations: vec![
            org("ncsc"),
            Organisation {
                role: store::Role::Dtc,
                serves: vec!["company-b".into()],
                ..org("dtc")
            },
            org("company-b"),
        ],
        accounts: vec![
            account("ncsc", "ncsc", None),
            account("analyst-d", "dtc", Some(ANALYST_D)),
            account("dtc-other", "dtc", None),
        ],
        collections: vec![CollectionSpec {
            api_root: "lds".into(),
            id: COLLECTION,
            title: "lds-partners".into(),
            alias: Some("partners".into()),
            policy: CollectionPolicy {
                audience: vec![
                    tlp::AudienceEntry::Organisation("dtc".into()),
                    tlp::AudienceEntry::ConstituencyOf("dtc".into()),
                ],
                require_tlp: true,
                ..CollectionPolicy::default()
            },
            ..CollectionSpec::default()
        }],
        grants: vec![
            ("ncsc".into(), "lds".into(), COLLECTION, true, true),
            ("dtc".into(), "lds".into(), COLLECTION, true, false),
        ],
        ..Provisioning::default()
    })
    .await
    .unwrap();
    let c = s.collection("lds", "partners").await.unwrap().unwrap();
    let body = format!(
        r#"{{"type":"note","spec_version":"2.1","id":"{NOTE}","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","content":"x","object_refs":["{NOTE}"]}}"#
    );
    let object = NewObject {
        id: NOTE.into(),
        type_name: "note".into(),
        spec_version: "2.1".into(),
        version: Some(Version {
            text: "2024-01-01T00:00:00.000Z".into(),
            micros: 1_704_067_200_000_000,
        }),
        body,
        access: Classification {
            tlp: Some(Tlp::Red),
            origin: Some("ncsc".into()),
            recipients: vec![ANALYST_D.into()],
            ..Classification::default()
        },
        keep_date_added: None,
    };
    let status = StatusRecord {
        id: Uuid::new_v4(),
        api_root: "lds".into(),
        account: "ncsc".into(),
        complete: false,
        request_timestamp: 1_704_067_200_000_000,
        total_count: 1,
        successes: vec![],
        failures: vec![],
        pendings: vec![],
    };
    s.add_objects(&c, vec![object], status).await.unwrap();
    s.audit(vec![AuditEvent {
        time_us: 1_704_067_300_000_000,
        kind: AuditKind::Disclosure,
        account: Some("analyst-d".into()),
        organisation: Some("dtc".into()),
        api_root: Some("lds".into()),
        collection: Some(COLLECTION),
        endpoint: Some("objects".into()),
        relation: Some("direct-audience".into()),
        designations: Vec::new(),
        items: vec![AuditItem {
            id: NOTE.into(),
            version: "2024-01-01T00:00:00.000Z".into(),
            sha256: Some("00".repeat(32)),
            tlp: Some(Tlp::Red),
            decision: "disclosed".into(),
            pii: None,
            derived_id: None,
            removed: Vec::new(),
            to: Vec::new(),
        }],
        from: None,
        justification: None,
    }])
    .await
    .unwrap();
}

fn prepared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(prepare(dir.path()));
    dir
}

/// `schakel explain --data DATA --account ACCOUNT --object NOTE` with `extra` arguments.
fn explain(data: &str, account: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "explain",
        "--data",
        data,
        "--account",
        account,
        "--object",
        NOTE,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn explain_names_the_rule_for_each_reader() {
    let dir = prepared();
    let data = dir.path().to_str().unwrap();
    let (code, out, err) = explain(data, "analyst-d", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("VISIBLE [named-recipient]"), "{out}");
    assert!(out.contains("tlp TLP:RED"), "{out}");

    let (code, out, _) = explain(data, "dtc-other", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("WITHHELD [not-a-named-recipient]"), "{out}");

    let (code, out, _) = explain(data, "ncsc", &["--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["collections"][0]["versions"][0]["rule"], "originator");
    // NCSC reads but is not in the audience (dtc): a community member, yet the originator.
    assert_eq!(v["collections"][0]["relation"], "community");

    let (code, _, err) = explain(data, "nobody", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no account named \"nobody\""), "{err}");
    let (code, _, err) = explain("/nonexistent", "x", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no database"), "{err}");
}

#[test]
fn audit_answers_who_received_and_exports_json_lines() {
    let dir = prepared();
    let data = dir.path().to_str().unwrap();
    let (code, out, err) = run(["audit", "--data", data, "who-received", NOTE]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].contains("analyst-d (organisation dtc)"), "{out}");

    let (_, out, _) = run([
        "audit",
        "--data",
        data,
        "received",
        "--org",
        "dtc",
        "--from",
        "2024-01-01T00:00:00Z",
        "--to",
        "2024-01-02T00:00:00Z",
    ]);
    assert!(out.contains(NOTE) && out.contains("TLP:RED"), "{out}");
    let (_, out, _) = run([
        "audit",
        "--data",
        data,
        "received",
        "--org",
        "dtc",
        "--from",
        "2024-01-02T00:00:00Z",
    ]);
    assert!(out.is_empty(), "{out}");

    let (code, out, _) = run(["audit", "--data", data, "export"]);
    assert_eq!(code, 0);
    let entries: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2, "the ingest entry and the disclosure");
    assert_eq!(entries[0]["event"]["kind"], "ingest");
    assert_eq!(entries[1]["event"]["kind"], "disclosure");
    assert_eq!(entries[1]["seq"], 2);
}

/// `schakel audit verify` finds a modified, a deleted and a reordered entry, and an anchor
/// catches truncation.
#[test]
fn audit_verify_detects_tampering() {
    for tamper in [
        "UPDATE audit SET body = replace(body, 'analyst-d', 'analyst-x') WHERE seq = 2",
        "DELETE FROM audit WHERE seq = 1",
        "UPDATE audit SET seq = 3 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3;",
    ] {
        let dir = prepared();
        let data = dir.path().to_str().unwrap();
        let (code, out, _) = run(["audit", "--data", data, "verify"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("audit chain OK: 2 entries"), "{out}");
        let anchor = out
            .split("head ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        rusqlite::Connection::open(dir.path().join("schakel.audit.db"))
            .unwrap()
            .execute_batch(tamper)
            .unwrap();
        let (code, out, _) = run(["audit", "--data", data, "verify", "--anchor", &anchor]);
        assert_eq!(code, 1, "{tamper}: {out}");
        assert!(out.contains("BROKEN"), "{tamper}: {out}");
        assert!(out.contains("entry "), "names the entry: {out}");
    }
    // Truncation keeps a valid shorter chain: only the anchor notices.
    let dir = prepared();
    let data = dir.path().to_str().unwrap();
    let (_, out, _) = run(["audit", "--data", data, "verify"]);
    let anchor = out
        .split("head ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    rusqlite::Connection::open(dir.path().join("schakel.audit.db"))
        .unwrap()
        .execute("DELETE FROM audit WHERE seq = 2", [])
        .unwrap();
    let (code, _, _) = run(["audit", "--data", data, "verify"]);
    assert_eq!(code, 0);
    let (code, out, _) = run(["audit", "--data", data, "verify", "--anchor", &anchor]);
    assert_eq!(code, 1);
    assert!(out.contains("truncated"), "{out}");
}

#[test]
fn org_and_collection_show_what_is_provisioned() {
    let dir = prepared();
    let data = dir.path().to_str().unwrap();
    let (code, out, err) = run(["org", "--data", data, "list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let orgs: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dtc = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "dtc")
        .unwrap();
    assert_eq!(dtc["role"], "dtc");
    assert_eq!(dtc["serves"], serde_json::json!(["company-b"]));
    let (_, out, _) = run(["org", "--data", data, "list"]);
    assert!(
        out.contains("dtc (dtc): dtc, identity -, serves company-b"),
        "{out}"
    );

    let (code, out, err) = run([
        "collection",
        "--data",
        data,
        "show",
        "partners",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["read"], serde_json::json!(["dtc", "ncsc"]));
    assert_eq!(v[0]["write"], serde_json::json!(["ncsc"]));
    assert_eq!(v[0]["policy"]["require_tlp"], true);
    assert_eq!(v[0]["policy"]["default_tlp"], "green");
    let (_, out, _) = run(["collection", "--data", data, "list"]);
    assert!(out.contains("audience: dtc; constituency of: dtc"), "{out}");
    assert!(out.contains("require_tlp true"), "{out}");

    let (code, _, err) = run(["collection", "--data", data, "show", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no collection \"nope\""), "{err}");
    let (code, _, err) = run(["collection", "--data", data, "list", "--api-root", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("no API root \"x\""), "{err}");
}
