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
//! for review ends up withheld (a relationship whose end is withheld, an indicator whose
//! required pattern is restricted) is decided the same way, recursively, up to
//! [`MAX_DEPTH`] levels; deeper than that a flagged object counts as withheld (fail safe), and
//! inside a reference cycle an object being decided counts as visible (it is visible as a whole;
//! only redaction could withhold it).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use store::{Collection, ObjectFilter, PageRequest, ReadScope, Row, Store, StoreError, Visibility};
use tlp::redact::{Outcome, RefState};

/// How many levels of references are followed to decide whether a referenced object is
/// withheld after redaction.
pub const MAX_DEPTH: usize = 4;

/// `IN (...)` lists are sent in chunks of this many ids.
const CHUNK: usize = 500;

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
    collection: &'a Collection,
    scope: &'a ReadScope,
    identity: &'a str,
    known: HashMap<String, RefState>,
    deciding: HashSet<String>,
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
        collection: &'a Collection,
        scope: &'a ReadScope,
        identity: &'a str,
    ) -> Self {
        Redactor {
            store,
            collection,
            scope,
            identity,
            known: HashMap::new(),
            deciding: HashSet::new(),
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
            // One lookup per id in a covering index of every version's access columns; visibility
            // is decided here by the same predicate the page query runs in SQL
            // (`ReadScope::allows`; the store suite checks the two agree).
            let mut held: HashSet<String> = HashSet::new();
            let mut last_visible: HashMap<String, (String, i64, bool)> = HashMap::new();
            for a in self
                .store
                .reference_access(self.collection, ids.clone())
                .await?
            {
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
                let state = match self.redact(&v, &class) {
                    Outcome::Withheld(_) => RefState::Withheld,
                    _ => RefState::Visible,
                };
                self.deciding.remove(&id);
                self.known.insert(id, state);
            }
            Ok(())
        })
    }
}
