//! Redaction on the read path (DESIGN.md section 4, access-model-research.md 4.8).
//!
//! The page query already leaves out every version the reader may not see as a whole (TLP,
//! audience, personal data of the whole object). What is left are versions flagged for review
//! at ingest: they have zones (granular restrictions) or references. For those, and only those,
//! [`Redactor::deliveries`] decides what the reader receives: the stored bytes, a redacted
//! object under a derived id, or nothing ([`tlp::redact`]). Every other row is still served as
//! its stored bytes.
//!
//! A reference is withheld when it points at an object held in the collection that the reader
//! may not see, or at a personal SCO type the reader may not receive (held or not: its
//! deterministic id is a hash of its value). Whether a referenced object that is itself flagged
//! for review ends up withheld (a relationship whose end is withheld, a report all of whose
//! references are) is decided the same way, recursively, up to
//! [`MAX_DEPTH`] levels; deeper than that a flagged object counts as withheld (fail safe).
//! Inside a reference cycle an object being decided counts as visible at first; once every
//! object of the request is decided, the decisions are taken again until none changes.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use store::{
    Collection, ObjectFilter, PageRequest, ReadScope, RefAccess, Row, Store, StoreError, Visibility,
};
use tlp::redact::{Outcome, RefState};

/// How many levels of references are followed to decide whether a referenced object is
/// withheld after redaction.
pub const MAX_DEPTH: usize = 4;

/// `IN (...)` lists are sent in chunks of this many ids.
const CHUNK: usize = 500;

/// Entries kept at most (then the cache starts over: simple, and bounded).
const CACHE_ENTRIES: usize = 200_000;
/// How long an entry is trusted. Writes through this server invalidate the collection's
/// entries at once; the age bound covers writes by other processes on the same database
/// (`schakel import` while the server runs, other server nodes later).
const CACHE_TTL: Duration = Duration::from_secs(2);

/// The access columns of referenced objects, shared by all requests: pages of a feed refer to
/// the same malware, attack patterns and identities again and again, and many readers read the
/// same new pages. Reader-independent (each request applies its own scope to them). What a
/// stale entry can do is bounded: it decides whether a *reference* (an id) stays in an object
/// the reader may see, never whether an object or a part of one is sent.
#[derive(Debug, Default)]
pub struct RefCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// Write generation per collection key.
    generations: HashMap<i64, u64>,
    /// (collection key, id) -> the entry.
    entries: HashMap<(i64, String), CacheEntry>,
}

/// Generation of the collection when looked up, when, every stored version's access columns.
type CacheEntry = (u64, Instant, Arc<Vec<RefAccess>>);

impl RefCache {
    /// Forgets what is cached for the collection (call after every write to it).
    pub fn invalidate(&self, collection: i64) {
        if let Ok(mut c) = self.inner.lock() {
            *c.generations.entry(collection).or_default() += 1;
        }
    }

    fn generation(&self, collection: i64) -> u64 {
        self.inner
            .lock()
            .map(|c| c.generations.get(&collection).copied().unwrap_or_default())
            .unwrap_or_default()
    }

    /// The cached versions of `ids`; the ids not (validly) cached are returned apart.
    fn get(&self, collection: i64, ids: Vec<String>) -> (Vec<RefAccess>, Vec<String>) {
        let Ok(c) = self.inner.lock() else {
            return (Vec::new(), ids);
        };
        let generation = c.generations.get(&collection).copied().unwrap_or_default();
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match c.entries.get(&(collection, id.clone())) {
                Some((g, at, v)) if *g == generation && at.elapsed() < CACHE_TTL => {
                    found.extend(v.iter().cloned());
                }
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Stores what a lookup made at `generation` found for `ids` (ids without versions too:
    /// "not held" is an answer).
    fn put(&self, collection: i64, generation: u64, ids: &[String], rows: &[RefAccess]) {
        let Ok(mut c) = self.inner.lock() else { return };
        if c.entries.len() + ids.len() > CACHE_ENTRIES {
            c.entries.clear();
        }
        let now = Instant::now();
        let mut by_id: HashMap<&str, Vec<RefAccess>> =
            ids.iter().map(|i| (i.as_str(), Vec::new())).collect();
        for r in rows {
            if let Some(v) = by_id.get_mut(r.id.as_str()) {
                v.push(r.clone());
            }
        }
        for (id, v) in by_id {
            c.entries
                .insert((collection, id.to_owned()), (generation, now, Arc::new(v)));
        }
    }
}

/// What the reader receives of one row of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The stored bytes.
    Stored,
    Redacted(Box<RedactedRow>),
    /// Nothing: redaction would remove a required part (the reason code).
    Withheld(&'static str),
}

/// A redacted version as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactedRow {
    pub id: String,
    /// The object's JSON.
    pub body: String,
    pub removed: Vec<String>,
}

/// Decides deliveries for the rows of one reader's request, remembering what it learnt about
/// referenced objects for the rest of the request.
#[derive(Debug)]
pub struct Redactor<'a, S> {
    store: &'a S,
    cache: &'a RefCache,
    collection: &'a Collection,
    scope: &'a ReadScope,
    identity: &'a str,
    known: HashMap<String, RefState>,
    deciding: HashSet<String>,
    /// Every flagged object decided so far (referenced ones and the page's own rows), to
    /// settle decisions taken inside reference cycles.
    decided: Vec<(String, Value, tlp::Classification)>,
}

fn body_of(row: &Row) -> Option<&str> {
    row.body
        .as_deref()
        .or_else(|| row.review.as_ref().and_then(|r| r.body.as_deref()))
}

fn parse(row: &Row) -> Option<Value> {
    body_of(row).and_then(|b| serde_json::from_str(b).ok())
}

impl<'a, S: Store> Redactor<'a, S> {
    pub fn new(
        store: &'a S,
        cache: &'a RefCache,
        collection: &'a Collection,
        scope: &'a ReadScope,
        identity: &'a str,
    ) -> Self {
        Redactor {
            store,
            cache,
            collection,
            scope,
            identity,
            known: HashMap::new(),
            deciding: HashSet::new(),
            decided: Vec::new(),
        }
    }

    /// What the reader receives of each of `rows` (same order).
    pub async fn deliveries(&mut self, rows: &[Row]) -> Result<Vec<Delivery>, StoreError> {
        if !matches!(self.scope, ReadScope::Reader { .. })
            || rows.iter().all(|r| r.review.is_none())
        {
            return Ok(vec![Delivery::Stored; rows.len()]);
        }
        // The reader's own objects are never redacted (nor looked into).
        let own = |class: &tlp::Classification| match self.scope {
            ReadScope::Reader { org, .. } => org.is_some() && *org == class.origin,
            _ => false,
        };
        let parsed: Vec<Option<Value>> = rows
            .iter()
            .map(|r| {
                r.review
                    .as_ref()
                    .filter(|rv| !own(&rv.class))
                    .and_then(|_| parse(r))
            })
            .collect();
        let refs = parsed
            .iter()
            .flatten()
            .flat_map(|v| tlp::redact::references(v).into_iter().map(|(_, id)| id))
            .collect();
        self.resolve(refs, 0).await?;
        // The page's own flagged rows take part: another row (or a referenced object) may
        // refer to one of them.
        for (row, value) in rows.iter().zip(&parsed) {
            if let (Some(review), Some(v)) = (&row.review, value)
                && !self.known.contains_key(&row.id)
            {
                self.decided
                    .push((row.id.clone(), v.clone(), review.class.clone()));
            }
        }
        self.settle();
        Ok(rows
            .iter()
            .zip(&parsed)
            .map(|(row, value)| match (&row.review, value) {
                (None, _) => Delivery::Stored,
                (Some(review), None) if own(&review.class) => Delivery::Stored,
                // A flagged row whose bytes do not parse cannot be checked: withheld.
                (Some(_), None) => Delivery::Withheld("redaction-unreadable"),
                (Some(review), Some(v)) => match self.redact(v, &review.class) {
                    Outcome::Full => Delivery::Stored,
                    Outcome::Redacted(r) => Delivery::Redacted(Box::new(RedactedRow {
                        id: r.id,
                        body: r.object.to_string(),
                        removed: r.removed,
                    })),
                    Outcome::Withheld(w) => Delivery::Withheld(w.code()),
                },
            })
            .collect())
    }

    fn state_of(&self, v: &Value, class: &tlp::Classification) -> RefState {
        match self.redact(v, class) {
            Outcome::Withheld(_) => RefState::Withheld,
            _ => RefState::Visible,
        }
    }

    /// Decides again every flagged object decided so far until nothing changes. Inside a cycle
    /// of references an object is decided while another is still being decided (and counts as
    /// visible then); once that one turns out withheld, what refers to it may be withheld too.
    /// States only move from visible to withheld, so this ends; the bound is a safety net.
    fn settle(&mut self) {
        let decided = std::mem::take(&mut self.decided);
        for _ in 0..=decided.len().min(16) {
            let mut changed = false;
            for (id, v, class) in &decided {
                let state = self.state_of(v, class);
                if self.known.get(id) != Some(&state) {
                    self.known.insert(id.clone(), state);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.decided = decided;
    }

    fn redact(&self, v: &Value, class: &tlp::Classification) -> Outcome {
        let known = &self.known;
        tlp::redact::redact(
            v,
            class,
            self.scope,
            &mut |id| known.get(id).copied().unwrap_or(RefState::Visible),
            self.identity,
        )
    }

    /// Whether the reader may receive personal data of a type it cannot check (a personal SCO
    /// not held here).
    fn personal_data(&self) -> bool {
        match self.scope {
            ReadScope::Reader { personal, .. } => personal.personal_data,
            ReadScope::All => true,
            ReadScope::Nothing => false,
        }
    }

    async fn rows(&self, ids: &[String], vis: &Visibility) -> Result<Vec<Row>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let filter = ObjectFilter {
                ids: chunk.to_vec(),
                ..ObjectFilter::default()
            };
            // The default version selection (`last`) gives at most one row per id.
            let page = self
                .store
                .query(
                    self.collection,
                    &filter,
                    vis,
                    PageRequest {
                        after: None,
                        limit: chunk.len(),
                    },
                    false,
                )
                .await?;
            out.extend(page.rows);
        }
        Ok(out)
    }

    /// The access columns of every stored version of `ids`, from the cache where it has them.
    async fn reference_access(&self, ids: Vec<String>) -> Result<Vec<RefAccess>, StoreError> {
        let key = self.collection.key;
        // The generation before the lookup: a write that lands during it makes the entries
        // stale at once.
        let generation = self.cache.generation(key);
        let (mut found, missing) = self.cache.get(key, ids);
        if !missing.is_empty() {
            let fetched = self
                .store
                .reference_access(self.collection, missing.clone())
                .await?;
            self.cache.put(key, generation, &missing, &fetched);
            found.extend(fetched);
        }
        Ok(found)
    }

    /// Learns the [`RefState`] of each of `ids`.
    fn resolve(
        &mut self,
        mut ids: Vec<String>,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + '_>> {
        Box::pin(async move {
            ids.sort();
            ids.dedup();
            ids.retain(|id| !self.known.contains_key(id) && !self.deciding.contains(id));
            if ids.is_empty() {
                return Ok(());
            }
            // The access columns of every version of the ids (cached, or one statement);
            // visibility is decided here by the same predicate the page query runs in SQL
            // (`ReadScope::allows`; the store suite checks the two agree).
            let mut held: HashSet<String> = HashSet::new();
            let mut last_visible: HashMap<String, (String, i64, bool)> = HashMap::new();
            for a in self.reference_access(ids.clone()).await? {
                held.insert(a.id.clone());
                if !self.scope.allows(&a.class) {
                    continue;
                }
                let newer = last_visible.get(&a.id).is_none_or(|(spec, v, _)| {
                    (a.spec_version.as_str(), a.version_us) > (spec.as_str(), *v)
                });
                if newer {
                    last_visible.insert(a.id, (a.spec_version, a.version_us, a.class.review));
                }
            }
            let mut flagged: Vec<String> = Vec::new();
            for id in ids {
                let state = if !held.contains(&id) {
                    let ty = id.split("--").next().unwrap_or_default();
                    if tlp::personal::always_personal_type(ty) && !self.personal_data() {
                        RefState::Withheld
                    } else {
                        RefState::Visible
                    }
                } else {
                    match last_visible.get(&id) {
                        None => RefState::Withheld,
                        Some((_, _, false)) => RefState::Visible,
                        // Deeper than this, a flagged object counts as withheld (fail safe).
                        Some((_, _, true)) if depth + 1 >= MAX_DEPTH => RefState::Withheld,
                        Some((_, _, true)) => {
                            flagged.push(id);
                            continue;
                        }
                    }
                };
                self.known.insert(id, state);
            }
            // The bytes of the flagged ones, to decide whether redaction withholds them.
            let mut pending: Vec<(String, Value, tlp::Classification)> = Vec::new();
            if !flagged.is_empty() {
                let rows = self
                    .rows(&flagged, &Visibility::Scoped(self.scope.clone()))
                    .await?;
                for row in rows {
                    match (&row.review, parse(&row)) {
                        (Some(review), Some(v)) => {
                            pending.push((row.id.clone(), v, review.class.clone()));
                        }
                        (Some(_), None) => {
                            self.known.insert(row.id.clone(), RefState::Withheld);
                        }
                        (None, _) => {
                            self.known.insert(row.id.clone(), RefState::Visible);
                        }
                    }
                }
                // Gone between the two queries (deleted): nothing to refer to.
                for id in flagged {
                    if !self.known.contains_key(&id) && !pending.iter().any(|(p, ..)| *p == id) {
                        self.known.insert(id, RefState::Withheld);
                    }
                }
            }
            if pending.is_empty() {
                return Ok(());
            }
            for (id, ..) in &pending {
                self.deciding.insert(id.clone());
            }
            let next = pending
                .iter()
                .flat_map(|(_, v, _)| tlp::redact::references(v).into_iter().map(|(_, id)| id))
                .collect();
            self.resolve(next, depth + 1).await?;
            for (id, v, class) in pending {
                let state = self.state_of(&v, &class);
                self.deciding.remove(&id);
                self.known.insert(id.clone(), state);
                self.decided.push((id, v, class));
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(id: &str) -> RefAccess {
        RefAccess {
            id: id.to_owned(),
            spec_version: "2.1".into(),
            version_us: 1,
            class: tlp::Classification::default(),
        }
    }

    #[test]
    fn the_cache_answers_until_the_collection_is_written() {
        let cache = RefCache::default();
        let ids = vec!["a--1".to_owned(), "b--2".to_owned()];
        let g = cache.generation(7);
        cache.put(7, g, &ids, &[access("a--1")]);
        let (found, missing) = cache.get(7, ids.clone());
        assert_eq!(found, vec![access("a--1")]);
        assert!(missing.is_empty(), "'not held' is cached too");
        // Another collection is another cache.
        assert_eq!(cache.get(8, ids.clone()).1, ids);
        cache.invalidate(7);
        assert_eq!(cache.get(7, ids.clone()).1, ids);
        // A lookup that started before a write does not fill the cache for after it.
        let before = cache.generation(7);
        cache.invalidate(7);
        cache.put(7, before, &ids, &[]);
        assert_eq!(cache.get(7, ids.clone()).1, ids);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = RefCache::default();
        let ids: Vec<String> = (0..CACHE_ENTRIES).map(|n| format!("x--{n}")).collect();
        cache.put(1, 0, &ids, &[]);
        cache.put(1, 0, &["y--1".to_owned()], &[]);
        let entries = cache.inner.lock().map(|c| c.entries.len()).unwrap_or(0);
        assert_eq!(entries, 1, "full: started over");
    }
}
