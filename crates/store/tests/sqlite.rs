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
    assert_eq!(v, 2);
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
