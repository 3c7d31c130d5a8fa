//! The backend suite against SQLite, plus SQLite-only behaviour (reopening, schema versions)
//! and the concurrent paging proptest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod suite;

use proptest::prelude::*;
use store::Store;
use store::sqlite::{SqliteOptions, SqliteStore};

fn fresh() -> SqliteStore {
    SqliteStore::open_temporary().unwrap()
}

store_suite!(fresh());

#[tokio::test]
async fn reopening_keeps_data_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let (key, rows) = {
        let s = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
        let c = suite::setup(&s).await;
        suite::add(
            &s,
            &c,
            vec![suite::versioned(
                &suite::sid("indicator", 1),
                "2.1",
                "2021-01-01T00:00:00Z",
                "x",
            )],
        )
        .await;
        (
            s.server_key().await.unwrap(),
            suite::everything(&s, &c, &store::ObjectFilter::default()).await,
        )
    };
    let s = SqliteStore::open(
        &path,
        SqliteOptions {
            synchronous_full: true,
            readers: 1,
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    assert_eq!(s.server_key().await.unwrap(), key);
    let c = s
        .collection(suite::ROOT, "partners")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        suite::everything(&s, &c, &store::ObjectFilter::default()).await,
        rows
    );
    // The WAL was checkpointed and truncated when the first store closed.
    let wal = std::fs::metadata(dir.path().join("s.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(wal < 64 * 1024, "WAL of {wal} bytes after a clean close");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path, SqliteOptions::default()).unwrap());
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "INSERT INTO schema_version(version, applied_us) VALUES (999, 0)",
            [],
        )
        .unwrap();
    }
    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, store::StoreError::Unavailable(_)), "{err:?}");
    assert!(msg.contains("999") && msg.contains("newer"), "{msg}");
}

#[tokio::test]
async fn a_fresh_database_is_at_the_latest_schema() {
    let s = fresh();
    let c = rusqlite::Connection::open(s.path()).unwrap();
    let v: i64 = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 5);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

fn plan() -> impl Strategy<Value = suite::ConcurrencyPlan> {
    let writers = prop::collection::vec(prop::collection::vec(1usize..25, 1..6), 1..4);
    let reader =
        (1usize..8, any::<bool>(), 0usize..12).prop_map(|(limit, by_added_after, start)| {
            suite::ReaderPlan {
                limit,
                by_added_after,
                start,
            }
        });
    let readers = prop::collection::vec(reader, 1..5);
    (0usize..10, writers, readers).prop_map(|(preload, writers, readers)| suite::ConcurrencyPlan {
        preload,
        writers,
        readers,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn pollers_never_skip_or_repeat(plan in plan()) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let s = fresh();
            suite::pollers_never_skip_or_repeat(&s, plan).await;
        });
    }
}

fn visibility_plan() -> impl Strategy<Value = suite::VisibilityPlan> {
    let version = (
        0u8..5,
        prop::option::weighted(0.9, 0u8..5),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.9, 0u8..4),
        prop_oneof![3 => Just(0u8), 1 => 0u8..8],
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.5),
        prop_oneof![2 => Just(0u8), 1 => 0u8..4],
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(id, tlp, quarantined, origin, recipients, org_recipient, inherit, pii, affected)| {
                suite::PlannedVersion {
                    id,
                    tlp,
                    quarantined,
                    origin,
                    recipients,
                    org_recipient,
                    inherit,
                    pii,
                    affected,
                }
            },
        );
    let reader = (
        0u8..4,
        prop::option::of(0u8..3),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.85),
        0u8..4,
    )
        .prop_map(
            |(org, person, operator, read, personal)| suite::PlannedReader {
                org,
                person,
                operator,
                read,
                personal,
            },
        );
    (
        prop::collection::vec(version, 0..30),
        prop::collection::vec(reader, 1..5),
        0u8..16,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(1usize..7, 1..3),
        prop::collection::vec(0u8..5, 0..3),
    )
        .prop_map(
            |(versions, readers, audience, constituency, red_org, page_sizes, deletes)| {
                suite::VisibilityPlan {
                    versions,
                    readers,
                    audience,
                    constituency,
                    red_org,
                    page_sizes,
                    deletes,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn visibility_matches_the_decision_function(plan in visibility_plan()) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let s = fresh();
            suite::visibility_matches_the_decision_function(&s, plan).await;
        });
    }
}

fn event(n: i64, org: &str, object: &str) -> store::audit::AuditEvent {
    store::audit::AuditEvent {
        time_us: 1_700_000_000_000_000 + n,
        kind: store::audit::AuditKind::Disclosure,
        account: Some(format!("{org}-reader")),
        organisation: Some(org.into()),
        api_root: Some("lds".into()),
        collection: None,
        endpoint: Some("objects".into()),
        relation: Some("direct-audience".into()),
        designations: Vec::new(),
        items: vec![store::audit::AuditItem {
            id: object.into(),
            version: "2024-01-01T00:00:00.000Z".into(),
            sha256: Some(store::audit::sha256_hex(object.as_bytes())),
            tlp: Some(store::Tlp::Amber),
            decision: "disclosed".into(),
            pii: None,
            derived_id: None,
            removed: Vec::new(),
            to: Vec::new(),
        }],
        from: None,
        justification: None,
    }
}

/// A store with five chained disclosure entries, and a raw connection to tamper with it.
async fn audited() -> (SqliteStore, rusqlite::Connection) {
    let s = fresh();
    for n in 0..5 {
        s.audit(vec![event(
            n,
            if n % 2 == 0 { "dtc" } else { "zcert" },
            &format!("indicator--{n}"),
        )])
        .await
        .unwrap();
    }
    let report = s.verify_audit().await.unwrap();
    assert_eq!((report.entries, report.broken.clone()), (5, None));
    assert_eq!(report.head.map(|h| h.0), Some(5));
    let conn = rusqlite::Connection::open(s.audit_path()).unwrap();
    (s, conn)
}

// The audit log is hash-chained: a modified, deleted or reordered entry is found and named.
#[tokio::test]
async fn audit_verify_detects_a_modified_entry() {
    let (s, conn) = audited().await;
    conn.execute(
        "UPDATE audit SET body = replace(body, 'indicator--2', 'indicator--9') WHERE seq = 3",
        [],
    )
    .unwrap();
    let r = s.verify_audit().await.unwrap();
    assert_eq!(r.broken.as_ref().map(|b| b.0), Some(3), "{r:?}");
}

#[tokio::test]
async fn audit_verify_detects_a_changed_index_column() {
    let (s, conn) = audited().await;
    // The hashed body is intact, but a query by organisation would now lie.
    conn.execute("UPDATE audit SET organisation = 'c2t' WHERE seq = 2", [])
        .unwrap();
    let r = s.verify_audit().await.unwrap();
    assert_eq!(r.broken.as_ref().map(|b| b.0), Some(2), "{r:?}");
    assert!(r.broken.unwrap().1.contains("indexed columns"));
}

#[tokio::test]
async fn audit_verify_detects_a_deleted_entry() {
    let (s, conn) = audited().await;
    conn.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    let r = s.verify_audit().await.unwrap();
    assert_eq!(r.broken.as_ref().map(|b| b.0), Some(3), "{r:?}");
    assert!(r.broken.unwrap().1.contains("missing"));
}

#[tokio::test]
async fn audit_verify_detects_reordered_entries() {
    let (s, conn) = audited().await;
    // Swap the contents (and hashes) of entries 2 and 4, keeping seq numbers dense.
    conn.execute_batch(
        "UPDATE audit SET seq = 100 WHERE seq = 2;
         UPDATE audit SET seq = 2 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = 100;",
    )
    .unwrap();
    let r = s.verify_audit().await.unwrap();
    assert_eq!(r.broken.as_ref().map(|b| b.0), Some(2), "{r:?}");
}

#[tokio::test]
async fn audit_queries_by_object_and_organisation() {
    let (s, _conn) = audited().await;
    let who = s
        .audit_entries(store::audit::AuditFilter {
            object_id: Some("indicator--3".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(who.len(), 1);
    assert_eq!(who[0].event.organisation.as_deref(), Some("zcert"));
    let dtc = s
        .audit_entries(store::audit::AuditFilter {
            organisation: Some("dtc".into()),
            from_us: Some(1_700_000_000_000_001),
            to_us: Some(1_700_000_000_000_004),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(dtc.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
}

// Every add request writes one ingest entry once its objects are committed.
#[tokio::test]
async fn adding_objects_writes_an_ingest_entry() {
    let s = fresh();
    let c = suite::setup(&s).await;
    let mut o = suite::versioned(
        &suite::sid("indicator", 1),
        "2.1",
        "2021-01-01T00:00:00Z",
        "x",
    );
    o.access.tlp = Some(store::Tlp::Green);
    suite::add(&s, &c, vec![o.clone()]).await;
    suite::add(&s, &c, vec![o.clone()]).await;
    let entries = s
        .audit_entries(store::audit::AuditFilter {
            kind: Some(store::audit::AuditKind::Ingest),
            ..Default::default()
        })
        .await
        .unwrap();
    let decisions: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.event.items.iter().map(|i| i.decision.as_str()))
        .collect();
    assert_eq!(decisions, vec!["stored", "duplicate"]);
    let item = &entries[0].event.items[0];
    assert_eq!(
        item.sha256.as_deref(),
        Some(store::audit::sha256_hex(o.body.as_bytes()).as_str())
    );
    assert_eq!(item.tlp, Some(store::Tlp::Green));
    assert!(
        !entries[0].body.contains("\"name\""),
        "no object content in the log"
    );
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
}
