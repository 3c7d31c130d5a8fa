//! Paging under concurrent writes, at HTTP level (T-84, T-92, T-93, T-94; interop contract 1
//! and 2; checklist Part 5 rule 1): writer tasks POST new objects, new versions and exact
//! duplicates while reader tasks page through the collection, some by following `next`, some
//! by `added_after` = the previous page's X-TAXII-Date-Added-Last, on objects and on the
//! manifest. When the writers stop, every reader must have seen every stored object version
//! exactly once: no repeat, no skip. A seeded loop varies batch sizes, page sizes and timing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{
    PARTNERS, TestServer, Who, body_json, date_headers, expect_ok, indicator, manifest_path,
    modified, objects_path,
};

/// xorshift64*: deterministic per seed.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Version = (String, String);

/// One writer: `rounds` POSTs mixing new objects, new versions of its objects and exact
/// duplicates; returns the versions the server reported as added.
async fn writer(srv: Arc<TestServer>, w: u32, rounds: u32, mut rng: Rng) -> BTreeSet<Version> {
    let mut stored: BTreeSet<Version> = BTreeSet::new();
    let mut latest: BTreeMap<u32, u32> = BTreeMap::new(); // object number -> latest version
    let mut next_number = w * 1_000_000;
    for _ in 0..rounds {
        let size = 1 + rng.below(6);
        let mut batch = Vec::new();
        let mut fresh = Vec::new();
        for _ in 0..size {
            let kind = rng.below(10);
            if kind < 5 || latest.is_empty() {
                next_number += 1;
                latest.insert(next_number, 0);
                batch.push(indicator(next_number, &modified(0)));
                fresh.push((next_number, 0));
            } else {
                let pick = *latest
                    .keys()
                    .nth(usize::try_from(rng.below(latest.len() as u64)).unwrap())
                    .unwrap();
                let v = latest[&pick];
                if kind < 9 && !fresh.iter().any(|(n, _)| *n == pick) {
                    latest.insert(pick, v + 1);
                    batch.push(indicator(pick, &modified(v + 1)));
                    fresh.push((pick, v + 1));
                } else {
                    // An exact duplicate of a stored version: a success that adds nothing.
                    if stored.contains(&(common::indicator_id(pick), modified(v))) {
                        batch.push(indicator(pick, &modified(v)));
                    }
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let r = srv.post(&objects_path(PARTNERS), Who::Ncsc, &batch).await;
        assert_eq!(r.status(), 202);
        let s = body_json(r).await;
        assert_eq!(s["success_count"].as_u64(), Some(batch.len() as u64), "{s}");
        for (n, v) in fresh {
            stored.insert((common::indicator_id(n), modified(v)));
        }
        if rng.below(3) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.below(4))).await;
        }
    }
    stored
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Next,
    AddedAfter,
}

/// One reader: pages through `path` (objects or manifest, `match[version]=all`) in `mode` with
/// page size `limit` until a complete pass that began after the writers stopped. Returns every
/// version seen, in order, with repeats kept, and how many of them were read while the writers
/// were still writing.
async fn reader(
    srv: Arc<TestServer>,
    path: String,
    mode: Mode,
    limit: u64,
    done: Arc<AtomicBool>,
    mut rng: Rng,
) -> (Vec<Version>, usize) {
    let manifest = path.ends_with("/manifest/");
    let mut seen: Vec<Version> = Vec::new();
    // Our position: the X-TAXII-Date-Added-Last of the last non-empty page.
    let mut pos: Option<String> = None;
    let mut last_date: Option<String> = None;
    let mut during = 0;
    loop {
        let final_pass = done.load(Ordering::SeqCst);
        let mut url = match &pos {
            Some(p) => format!("{path}?match[version]=all&limit={limit}&added_after={p}"),
            None => format!("{path}?match[version]=all&limit={limit}"),
        };
        loop {
            let r = srv.get(&url, Who::Dtc).await;
            let (first, last) = date_headers(&r);
            let v = expect_ok(r).await;
            let items: Vec<Version> = v["objects"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| {
                            let version = if manifest {
                                &o["version"]
                            } else {
                                &o["modified"]
                            };
                            (
                                o["id"].as_str().unwrap().to_owned(),
                                version.as_str().unwrap().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert!(items.len() as u64 <= limit, "limit exceeded");
            if items.is_empty() {
                // Interop contract 2: an empty page asked with added_after echoes it.
                if url.contains("added_after=") {
                    assert_eq!(last, pos, "{url}");
                } else {
                    assert_eq!((first, last), (None, None));
                }
                break;
            }
            let (first, last) = (first.unwrap(), last.unwrap());
            assert!(first <= last);
            if let Some(prev) = &last_date {
                assert!(
                    &first > prev,
                    "page starts at {first}, not after the previous page's last {prev}"
                );
            }
            if manifest {
                let dates: Vec<&str> = v["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["date_added"].as_str().unwrap())
                    .collect();
                assert!(dates.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(
                    (dates[0], dates[dates.len() - 1]),
                    (first.as_str(), last.as_str())
                );
            }
            last_date = Some(last.clone());
            pos = Some(last.clone());
            seen.extend(items);
            let more = v["more"].as_bool().unwrap_or(false);
            match mode {
                Mode::Next if more => {
                    url = format!(
                        "{path}?next={}&limit={limit}",
                        v["next"].as_str().expect("next with more")
                    );
                }
                Mode::Next => break,
                Mode::AddedAfter => {
                    url = format!("{path}?match[version]=all&limit={limit}&added_after={last}");
                }
            }
            if rng.below(4) == 0 {
                tokio::time::sleep(Duration::from_millis(rng.below(3))).await;
            }
        }
        if final_pass {
            return (seen, during);
        }
        during = seen.len();
        tokio::time::sleep(Duration::from_millis(1 + rng.below(3))).await;
    }
}

async fn run(seed: u64) {
    let srv = Arc::new(TestServer::start().await);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for (path, mode) in [
        (objects_path(PARTNERS), Mode::Next),
        (objects_path(PARTNERS), Mode::AddedAfter),
        (manifest_path(PARTNERS), Mode::Next),
        (manifest_path(PARTNERS), Mode::AddedAfter),
    ] {
        let limit = 1 + rng.below(7);
        let r = Rng(rng.next() | 1);
        readers.push((
            mode,
            limit,
            tokio::spawn(reader(srv.clone(), path, mode, limit, done.clone(), r)),
        ));
    }
    let writers: Vec<_> = (1..=3)
        .map(|w| {
            tokio::spawn(writer(
                srv.clone(),
                w,
                12 + u32::try_from(rng.below(8)).unwrap(),
                Rng(rng.next() | 1),
            ))
        })
        .collect();
    let mut expected: BTreeSet<Version> = BTreeSet::new();
    for w in writers {
        expected.extend(w.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    // The server holds exactly what the writers were told was added.
    let all: Vec<Version> = srv
        .pages(
            &manifest_path(PARTNERS),
            Who::Ncsc,
            "match[version]=all&limit=500",
        )
        .await
        .iter()
        .flat_map(|(v, _, _)| {
            v["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["version"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        all.iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "seed {seed}"
    );
    assert_eq!(
        all.len(),
        expected.len(),
        "seed {seed}: a version stored twice"
    );
    let mut read_during_writes = 0;
    for (mode, limit, h) in readers {
        let (seen, during) = h.await.unwrap();
        read_during_writes += during;
        let set: BTreeSet<Version> = seen.iter().cloned().collect();
        assert_eq!(
            set.len(),
            seen.len(),
            "seed {seed} {mode:?} limit {limit}: a version seen twice"
        );
        let missing: Vec<_> = expected.difference(&set).collect();
        let extra: Vec<_> = set.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "seed {seed} {mode:?} limit {limit}: missing {missing:?}, extra {extra:?}"
        );
        // And in date_added order, which is the order of the full listing.
        assert_eq!(seen, all, "seed {seed} {mode:?} limit {limit}: order");
    }
    // The readers did read while the writers wrote (otherwise this tested nothing).
    assert!(
        read_during_writes > 0,
        "seed {seed}: no reading overlapped the writes"
    );
    eprintln!(
        "seed {seed}: {} versions, {read_during_writes} read during writes by 4 readers",
        expected.len()
    );
    let srv = Arc::into_inner(srv).unwrap();
    srv.stop().await;
}

// T-84, T-92, T-93, T-94, interop contract 1 and 2: concurrent writers, readers by `next` and by
// `added_after`, on objects and manifest; every version exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t94_concurrent_writers_and_pagers_see_every_version_once() {
    for seed in [1, 2, 3, 0x5eed] {
        run(seed).await;
    }
}
