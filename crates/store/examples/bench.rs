//! Quick throughput measurement of the SQLite store (not a test; numbers vary by machine):
//!
//! ```text
//! cargo run --release -p schakel-store --example bench [objects]
//! ```
//!
//! Inserts `objects` (default 200 000) indicators of about 700 bytes in batches of 500 (10 %
//! of them new versions of earlier ids), then reads keyset pages of 100 with bodies and point
//! lookups of one id's last version, all through the public `Store` API (so the writer queue,
//! the reader pool and `spawn_blocking` are part of every number).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::time::Instant;

use store::sqlite::SqliteStore;
use store::{
    ApiRoot, CollectionSpec, NewObject, ObjectFilter, Organisation, PageRequest, Provisioning,
    StatusRecord, Store, Version, VersionMatch, Visibility,
};
use uuid::Uuid;

const BATCH: usize = 500;

/// Wall time and this process's CPU time since a start. On a shared machine the wall-clock
/// rate depends on everyone else's load; CPU time per operation much less so.
#[derive(Clone, Copy)]
struct Meter {
    wall: Instant,
    cpu: f64,
}

impl Meter {
    fn start() -> Meter {
        Meter {
            wall: Instant::now(),
            cpu: cpu_secs(),
        }
    }

    fn elapsed(&self) -> std::time::Duration {
        self.wall.elapsed()
    }

    /// `"<n per second> <unit>/s, <CPU microseconds> µs CPU each"`.
    fn rate(&self, n: f64, unit: &str) -> String {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = cpu_secs() - self.cpu;
        format!("{:.0} {unit}/s, {:.1} µs CPU each", n / wall, cpu * 1e6 / n)
    }
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`, 100 ticks/s); 0 where
/// that file does not exist.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn object(n: u64, version: u64) -> NewObject {
    let id = format!(
        "indicator--{}",
        Uuid::from_u64_pair(0x1000_0000_0000_4000, 0x8000_0000_0000_0000 | n)
    );
    let micros = 1_600_000_000_000_000 + i64::try_from(version).unwrap_or(0) * 1000;
    let modified = stix::StixTimestamp::from_micros(micros).as_str().to_owned();
    let body = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a","created":"2020-09-13T12:26:40.000Z","modified":"{modified}","name":"Malicious site hosting downloader number {n}","description":"This organized threat actor group operates to create profit from all types of crime.","indicator_types":["malicious-activity"],"pattern":"[url:value = 'http://x4z9arb.cn/4712/{n}']","pattern_type":"stix","valid_from":"2020-09-13T12:26:40Z","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"labels":["bench"]}}"#
    );
    NewObject {
        id,
        type_name: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(Version {
            text: modified,
            micros,
        }),
        body,
        access: store::Classification {
            tlp: Some(store::Tlp::Green),
            ..Default::default()
        },
        keep_date_added: None,
    }
}

fn status(n: usize) -> StatusRecord {
    StatusRecord {
        id: Uuid::new_v4(),
        api_root: "bench".into(),
        account: "bench".into(),
        complete: false,
        request_timestamp: 0,
        total_count: n as u64,
        successes: vec![],
        failures: vec![],
        pendings: vec![],
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let s = SqliteStore::open_temporary()?;
    let cid = Uuid::new_v4();
    s.provision(Provisioning {
        api_roots: vec![ApiRoot {
            path: "bench".into(),
            title: "bench".into(),
            description: None,
            max_content_length: 1 << 30,
        }],
        organisations: vec![Organisation {
            id: "o".into(),
            name: "o".into(),
            identity: None,
            ..Default::default()
        }],
        collections: vec![CollectionSpec {
            api_root: "bench".into(),
            id: cid,
            title: "bench".into(),
            description: None,
            alias: None,
            media_types: vec![],
            owner: None,
            policy: Default::default(),
        }],
        ..Provisioning::default()
    })
    .await?;
    let c = s
        .collection("bench", &cid.to_string())
        .await?
        .ok_or("no collection")?;

    // Objects: ids 0..new_ids, then every tenth object a new version of an earlier id.
    let mut all = Vec::with_capacity(total as usize);
    let mut new_ids = 0u64;
    for i in 0..total {
        if i % 10 == 9 && new_ids > 0 {
            all.push(object(i * 7 % new_ids, i));
        } else {
            all.push(object(new_ids, i));
            new_ids += 1;
        }
    }
    let bytes: usize = all.iter().map(|o| o.body.len()).sum();
    let objects = all.clone();
    println!(
        "{total} objects, {new_ids} ids, mean body {} bytes",
        bytes / total as usize
    );

    // Insert: half with one batch in flight, half with four submitters (group commit).
    let mut objects = objects;
    let half = objects.split_off(objects.len() / 2);
    let t = Meter::start();
    let n = objects.len();
    for chunk in objects.chunks(BATCH) {
        s.add_objects(&c, chunk.to_vec(), status(chunk.len()))
            .await?;
    }
    println!(
        "insert, batches of {BATCH}, 1 in flight: {}",
        t.rate(n as f64, "objects")
    );
    let t = Meter::start();
    let n = half.len();
    let chunks: Vec<Vec<NewObject>> = half.chunks(BATCH).map(<[NewObject]>::to_vec).collect();
    let mut tasks = Vec::new();
    for part in 0..4 {
        let mine: Vec<Vec<NewObject>> = chunks.iter().skip(part).step_by(4).cloned().collect();
        let (s, c) = (s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            for chunk in mine {
                let len = chunk.len();
                s.add_objects(&c, chunk, status(len)).await?;
            }
            Ok::<_, store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    println!(
        "insert, batches of {BATCH}, 4 in flight: {}",
        t.rate(n as f64, "objects")
    );
    // Let the writer go idle and checkpoint the WAL, so the read numbers below do not carry
    // that cost; it belongs to the writes.
    let t = Meter::start();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    println!(
        "idle checkpoint after the inserts: {}",
        t.rate(total as f64, "objects")
    );

    // Single-object requests: group commit shares one transaction among queued requests.
    let extra: Vec<NewObject> = (0..4000).map(|i| object(10_000_000 + i, i)).collect();
    let (one, many) = extra.split_at(2000);
    let t = Meter::start();
    for o in one {
        s.add_objects(&c, vec![o.clone()], status(1)).await?;
    }
    println!(
        "insert, 1 object per request, 1 in flight: {}",
        t.rate(one.len() as f64, "objects")
    );
    let t = Meter::start();
    let mut tasks = Vec::new();
    for part in 0..16 {
        let mine: Vec<NewObject> = many.iter().skip(part).step_by(16).cloned().collect();
        let (s, c) = (s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            for o in mine {
                s.add_objects(&c, vec![o], status(1)).await?;
            }
            Ok::<_, store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    println!(
        "insert, 1 object per request, 16 in flight: {}",
        t.rate(many.len() as f64, "objects")
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    // Keyset pages of 100 with bodies, one thread of requests.
    for (name, filter) in [
        ("version=last (is_latest index)", ObjectFilter::default()),
        (
            "version=all",
            ObjectFilter {
                versions: VersionMatch::All,
                ..ObjectFilter::default()
            },
        ),
        // A poller's request: added_after from the start of the collection.
        (
            "version=last, added_after",
            ObjectFilter {
                added_after: Some(0),
                ..ObjectFilter::default()
            },
        ),
        (
            "version=last, type=indicator",
            ObjectFilter {
                types: vec!["indicator".into()],
                ..ObjectFilter::default()
            },
        ),
    ] {
        let t = Meter::start();
        let (mut pages, mut rows, mut after) = (0u64, 0usize, None);
        while t.elapsed().as_secs_f64() < 3.0 {
            let page = s
                .query(
                    &c,
                    &filter,
                    &Visibility::All,
                    PageRequest { after, limit: 100 },
                    true,
                )
                .await?;
            pages += 1;
            rows += page.rows.len();
            after = if page.more {
                page.rows.last().map(|r| r.date_added)
            } else {
                None
            };
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "pages of 100 with bodies, {name}: {} ({:.0} objects/s)",
            t.rate(pages as f64, "pages"),
            rows as f64 / secs
        );
    }
    // The same with two concurrent readers.
    let t = Meter::start();
    let mut tasks = Vec::new();
    for r in 0..2 {
        let (s, c) = (s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            let (mut pages, mut after) = (0u64, None);
            let f = ObjectFilter::default();
            let _ = r;
            while t.elapsed().as_secs_f64() < 3.0 {
                let page = s
                    .query(
                        &c,
                        &f,
                        &Visibility::All,
                        PageRequest { after, limit: 100 },
                        true,
                    )
                    .await?;
                pages += 1;
                after = if page.more {
                    page.rows.last().map(|r| r.date_added)
                } else {
                    None
                };
            }
            Ok::<_, store::StoreError>(pages)
        }));
    }
    let mut pages = 0;
    for task in tasks {
        pages += task.await??;
    }
    println!(
        "pages of 100 with bodies, last, 2 readers: {}",
        t.rate(pages as f64, "pages")
    );

    // Point lookups: one id, version=last, with body (GET .../objects/{id}/).
    let t = Meter::start();
    let mut lookups = 0u64;
    let mut found = 0usize;
    while t.elapsed().as_secs_f64() < 3.0 {
        let id = object(lookups * 7919 % new_ids, 0).id;
        let f = ObjectFilter {
            ids: vec![id],
            ..ObjectFilter::default()
        };
        let page = s
            .query(
                &c,
                &f,
                &Visibility::All,
                PageRequest {
                    after: None,
                    limit: 100,
                },
                true,
            )
            .await?;
        found += page.rows.len();
        lookups += 1;
    }
    println!(
        "point lookup by id, version=last: {} ({found} found of {lookups})",
        t.rate(lookups as f64, "lookups")
    );
    raw_baselines(&s, &all)?;

    let size = std::fs::metadata(s.path())?.len()
        + std::fs::metadata(s.path().with_extension("db-wal")).map_or(0, |m| m.len());
    println!("database + WAL: {} MiB", size >> 20);
    Ok(())
}

/// The same work done directly with rusqlite, in this process under the same machine load, to
/// tell the store's own overhead from SQLite's: plain INSERTs (no duplicate check, no
/// `is_latest` upkeep, no status) into a second collection, 500 per transaction; and the
/// `is_latest` page query stepped on one read-only connection without the pool.
fn raw_baselines(s: &SqliteStore, objects: &[NewObject]) -> Result<(), Box<dyn std::error::Error>> {
    use rusqlite::{Connection, OpenFlags, params};
    let conn = Connection::open(s.path())?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA foreign_keys=ON;",
    )?;
    conn.execute(
        "INSERT INTO collection(id, api_root, uuid, title) VALUES (99, 'bench', 'raw', 'raw')",
        [],
    )?;
    let t = Meter::start();
    for (b, chunk) in objects.chunks(BATCH).enumerate() {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO object_version(collection_id, stix_id, stix_type, spec_version, version_us,
                                        version, date_added_us, is_latest, tlp, body)
             VALUES (99, ?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
        )?;
        for (i, o) in chunk.iter().enumerate() {
            let v = o.version.as_ref().ok_or("unversioned")?;
            let date = i64::try_from(b * BATCH + i)?;
            stmt.execute(params![
                o.id,
                o.type_name,
                o.spec_version,
                v.micros,
                v.text,
                date,
                o.access.tlp.map(|t| t as u8),
                o.body.as_bytes()
            ])?;
        }
        drop(stmt);
        conn.execute_batch("COMMIT")?;
    }
    println!(
        "baseline, raw rusqlite INSERT only, 500 per transaction: {}",
        t.rate(objects.len() as f64, "objects")
    );
    drop(conn);

    let conn = Connection::open_with_flags(s.path(), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute_batch("PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;")?;
    let mut stmt = conn.prepare(
        "SELECT o.date_added_us, o.stix_id, o.version, o.spec_version, o.body FROM object_version o
         WHERE o.collection_id = ?1 AND o.date_added_us > ?2 AND o.is_latest = 1
         ORDER BY o.date_added_us LIMIT 101",
    )?;
    let t = Meter::start();
    let (mut pages, mut after) = (0u64, i64::MIN);
    while t.elapsed().as_secs_f64() < 3.0 {
        let mut rows = stmt.query(params![1, after])?;
        let mut n = 0;
        let mut last = None;
        while let Some(r) = rows.next()? {
            n += 1;
            if n > 100 {
                break;
            }
            let body: Vec<u8> = r.get(4)?;
            let _ = String::from_utf8(body)?;
            last = Some(r.get::<_, i64>(0)?);
        }
        pages += 1;
        after = if n > 100 {
            last.unwrap_or(i64::MIN)
        } else {
            i64::MIN
        };
    }
    println!(
        "baseline, raw rusqlite page of 100 (version=last), one connection: {}",
        t.rate(pages as f64, "pages")
    );
    Ok(())
}
