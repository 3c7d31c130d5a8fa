//! Adding and deleting object versions (runs on the writer connection, inside its
//! transaction).
//!
//! Parameters in WHERE clauses are written `+?N`: see "Parameters" in `mod.rs`.

use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use super::select::select;
use super::{Db, now_us, taxii_timestamp};
use crate::{
    AddOutcome, Micros, NewObject, ObjectFilter, Result, StatusDetail, StatusRecord, StoreError,
    Version, VersionMatch, Visibility,
};

// The statements of the write path (named so the test below can check each one).
const LAST_ADDED: &str = "SELECT last_added_us FROM collection WHERE id = +?1";
const SET_LAST_ADDED: &str = "UPDATE collection SET last_added_us = ?1 WHERE id = +?2";
const STORED_BODY: &str = "SELECT body FROM object_version WHERE collection_id = +?1 AND stix_id = +?2 AND version_us = +?3";
const ALL_BODIES: &str =
    "SELECT version, body FROM object_version WHERE collection_id = +?1 AND stix_id = +?2";
const LATEST: &str = "SELECT seq, spec_version, version_us, origin, tlp, access_flags, recipients,
                        affected, pii
                 FROM object_version
                 WHERE collection_id = +?1 AND stix_id = +?2 AND is_latest = 1";
const DEMOTE: &str = "UPDATE object_version SET is_latest = 0, shadowed = ?2 WHERE seq = +?1";
const UNSHADOW: &str =
    "UPDATE object_version SET shadowed = 0 WHERE collection_id = +?1 AND stix_id = +?2";
const INSERT: &str =
    "INSERT INTO object_version(collection_id, stix_id, stix_type, spec_version, version_us,
                                    version, date_added_us, is_latest, tlp, body,
                                    origin, access_flags, recipients, affected, sha256, pii, zones)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
const ALL_SEQS: &str = "SELECT seq FROM object_version WHERE collection_id = +?1 AND stix_id = +?2";
const DELETE_SEQ: &str = "DELETE FROM object_version WHERE seq = +?1";
const DELETE_HOP: &str = "DELETE FROM hop WHERE collection_id = +?1
     AND date_added_us = (SELECT date_added_us FROM object_version WHERE seq = +?2)";
const NEWEST: &str =
    "SELECT seq, is_latest FROM object_version WHERE collection_id = +?1 AND stix_id = +?2
                      ORDER BY spec_version DESC, version_us DESC LIMIT 1";
const PROMOTE: &str = "UPDATE object_version SET is_latest = 1 WHERE seq = +?1";

/// Stores `objects` in collection `key` and the status reporting on them (one savepoint: both
/// or neither), and returns the audit entry that reports the request (the caller appends it to
/// the audit log).
pub(crate) fn add(
    conn: &Connection,
    key: i64,
    objects: &[NewObject],
    mut status: StatusRecord,
) -> Result<(Vec<AddOutcome>, StatusRecord, crate::audit::AuditEvent)> {
    let hashes = hashes_of(objects);
    let outcomes = store_rows(conn, key, objects, &hashes)?;
    for (obj, outcome) in objects.iter().zip(&outcomes) {
        let (list, version, message) = match outcome {
            AddOutcome::Added { version, .. } => {
                (&mut status.successes, version.clone(), "added".to_owned())
            }
            AddOutcome::Duplicate { version } => (
                &mut status.successes,
                version.clone(),
                "already in the collection with the same content".to_owned(),
            ),
            AddOutcome::Rejected { version, reason } => (
                &mut status.failures,
                version.clone().unwrap_or_default(),
                reason.clone(),
            ),
        };
        list.push(StatusDetail {
            id: obj.id.clone(),
            version,
            message: Some(message),
        });
    }
    // Nothing is left to do for this request, unless the caller reported pending objects.
    status.complete = status.pendings.is_empty();
    super::admin::save_status(conn, &status)?;
    // Failures found before storage (invalid objects, access rules) are in the status already,
    // before the ones storage adds.
    let stored_failures = outcomes
        .iter()
        .filter(|o| matches!(o, AddOutcome::Rejected { .. }))
        .count();
    let earlier = status.failures.len().saturating_sub(stored_failures);
    let items = audit_items(
        objects,
        &hashes,
        &outcomes,
        &status.failures[..earlier],
        &[],
    );
    let event = crate::audit::AuditEvent {
        time_us: status.request_timestamp,
        kind: crate::audit::AuditKind::Ingest,
        organisation: super::audit::organisation_of(conn, &status.account)?,
        account: Some(status.account.clone()),
        api_root: None,
        collection: None,
        endpoint: Some("add".into()),
        relation: None,
        designations: Vec::new(),
        items,
        from: None,
        justification: None,
    };
    let event = with_collection(conn, key, event)?;
    Ok((outcomes, status, event))
}

const HOP_INSERT: &str =
    "INSERT INTO hop(collection_id, date_added_us, stix_id, hop) VALUES (?1, ?2, ?3, ?4)";
// A relayed version the target holds already: the row and its date_added, by version text
// (unversioned rows have their date_added as version).
// Only a row that arrived by relay: the recipients of any other row come from its markings (or
// a marking-definition's own list) and are never widened.
const HELD_ROW: &str = "SELECT o.seq, o.date_added_us, o.recipients FROM object_version o
     WHERE o.collection_id = +?1 AND o.stix_id = +?2 AND o.version = ?3
       AND EXISTS (SELECT 1 FROM hop h WHERE h.collection_id = o.collection_id
                   AND h.date_added_us = o.date_added_us AND json_extract(h.hop, '$.kind') = 'relayed')";
const WIDEN: &str = "UPDATE object_version SET recipients = ?2, shadowed = 0 WHERE seq = +?1";
const CHECKPOINT_SAVE: &str = "INSERT INTO checkpoint(name, position, updated_us) VALUES (?1, ?2, ?3)
     ON CONFLICT(name) DO UPDATE SET position = excluded.position, updated_us = excluded.updated_us";
// Other collections holding the version: the same id and version, or, for an unversioned
// object, the same id and bytes (its version is each server's own date_added). One probe per
// other collection, each on the (collection_id, stix_id, version_us) index: a join driven from
// object_version would scan it.
const OTHER_COLLECTIONS: &str =
    "SELECT id, api_root || '/' || uuid FROM collection WHERE id != ?1 ORDER BY id";
const HOLDS_VERSION: &str = "SELECT 1 FROM object_version
     WHERE collection_id = +?1 AND stix_id = +?2 AND version_us = +?3 LIMIT 1";
const HOLDS_BYTES: &str = "SELECT 1 FROM object_version
     WHERE collection_id = +?1 AND stix_id = +?2 AND sha256 = ?3 LIMIT 1";

/// Stores an arrival (pull or relay): its objects with their hops and its checkpoint, and
/// returns the audit entry reporting it.
pub(crate) fn arrive(
    conn: &Connection,
    key: i64,
    arrival: &crate::Arrival,
) -> Result<(Vec<crate::Arrived>, crate::audit::AuditEvent)> {
    let objects = &arrival.objects;
    if arrival.hops.len() != objects.len() && !arrival.hops.is_empty() {
        return Err(StoreError::Unavailable(format!(
            "an arrival needs one hop per object, or none ({} objects, {} hops)",
            objects.len(),
            arrival.hops.len()
        )));
    }
    if let (Some((name, _)), Some(from)) = (&arrival.checkpoint, &arrival.checkpoint_from) {
        let now = checkpoint(conn, name)?;
        if now.as_deref() != Some(from.as_str()) {
            return Err(StoreError::Conflict(format!(
                "checkpoint {name} is at {}, not at {from}: an earlier arrival failed, or another \
                 process advanced it",
                now.as_deref().unwrap_or("nothing")
            )));
        }
    }
    // Which versions another collection holds already, decided before this arrival's rows exist.
    // Only pulled versions can have come back round a loop: a relay copies from another
    // collection of this server by definition.
    let hashes = hashes_of(objects);
    let mut held: Vec<Vec<String>> = Vec::with_capacity(objects.len());
    {
        let pulled = arrival
            .hops
            .iter()
            .any(|h| h.kind == crate::HopKind::Pulled);
        let others: Vec<(i64, String)> = if pulled {
            conn.prepare_cached(OTHER_COLLECTIONS)
                .db()?
                .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()?
        } else {
            Vec::new()
        };
        let mut by_version = conn.prepare_cached(HOLDS_VERSION).db()?;
        let mut by_bytes = conn.prepare_cached(HOLDS_BYTES).db()?;
        for (i, (o, hash)) in objects.iter().zip(&hashes).enumerate() {
            let mut found = Vec::new();
            if arrival
                .hops
                .get(i)
                .is_some_and(|h| h.kind == crate::HopKind::Pulled)
            {
                for (other, label) in &others {
                    let holds = match &o.version {
                        Some(v) => by_version.exists(params![other, o.id, v.micros]),
                        None => by_bytes.exists(params![other, o.id, hash.as_slice()]),
                    }
                    .db()?;
                    if holds {
                        found.push(label.clone());
                    }
                }
            }
            held.push(found);
        }
    }
    let outcomes = store_rows(conn, key, objects, &hashes)?;
    let mut arrived = Vec::with_capacity(outcomes.len());
    {
        let mut insert = conn.prepare_cached(HOP_INSERT).db()?;
        for (i, ((o, outcome), held)) in objects.iter().zip(&outcomes).zip(held).enumerate() {
            let hop = arrival.hops.get(i);
            let mut widened = false;
            let row_added = match outcome {
                AddOutcome::Added { date_added, .. } => Some(*date_added),
                AddOutcome::Duplicate { version }
                    if hop.is_some_and(|h| h.kind == crate::HopKind::Relayed) =>
                {
                    let (date_added, w) = widen(conn, key, o, version)?;
                    widened = w;
                    date_added.filter(|_| w)
                }
                _ => None,
            };
            if let (Some(date_added), Some(hop)) = (row_added, hop) {
                let hop = crate::Hop {
                    held_before: held.clone(),
                    ..hop.clone()
                };
                let json = serde_json::to_string(&hop)
                    .map_err(|e| StoreError::Unavailable(format!("hop: {e}")))?;
                insert.execute(params![key, date_added, o.id, json]).db()?;
            }
            let stored = matches!(outcome, AddOutcome::Added { .. });
            arrived.push(crate::Arrived {
                outcome: outcome.clone(),
                held_before: if stored { held } else { Vec::new() },
                widened,
            });
        }
    }
    if let Some((name, position)) = &arrival.checkpoint {
        conn.prepare_cached(CHECKPOINT_SAVE)
            .db()?
            .execute(params![name, position, now_us()])
            .db()?;
    }
    let to: Vec<&[String]> = arrival.hops.iter().map(|h| h.to.as_slice()).collect();
    let mut items = audit_items(objects, &hashes, &outcomes, &arrival.refused, &to);
    for (item, a) in items.iter_mut().zip(&arrived) {
        if a.widened {
            item.decision = "recipients-added".into();
        }
    }
    // A pull asks for the last instant of its previous page again: the duplicates it finds
    // there (and anything else it already held) changed nothing and received nothing.
    if arrival.kind == crate::audit::AuditKind::Pull {
        items.retain(|i| i.decision != "duplicate");
    }
    let event = crate::audit::AuditEvent {
        time_us: arrival.time,
        kind: arrival.kind,
        organisation: arrival.organisation.clone(),
        account: arrival.account.clone(),
        api_root: None,
        collection: None,
        endpoint: Some(arrival.endpoint.clone()),
        relation: None,
        designations: Vec::new(),
        items,
        from: arrival.from.clone(),
        justification: arrival.justification.clone(),
    };
    Ok((arrived, with_collection(conn, key, event)?))
}

/// A relay of a version the target already holds as a relayed copy: the copy's recipients
/// become the union of both relays' (or everyone, when either names none; both relays were
/// decided on the same version, so an empty list means its markings restrict nobody). Returns the row's date_added
/// and whether anything changed. Narrowing never happens here: a relay only ever adds readers
/// the rules allowed, and the `shadowed` shortcut of the row is reset (0 = unknown, safe).
fn widen(
    conn: &Connection,
    key: i64,
    o: &NewObject,
    version: &str,
) -> Result<(Option<Micros>, bool)> {
    let row: Option<(i64, Micros, Option<String>)> = conn
        .prepare_cached(HELD_ROW)
        .db()?
        .query_row(params![key, o.id, version], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .db()?;
    let Some((seq, date_added, stored)) = row else {
        return Ok((None, false));
    };
    let Some(stored) = stored else {
        return Ok((Some(date_added), false));
    };
    let mut merged = tlp::model::decode_ids(Some(&stored));
    let before = merged.len();
    if o.access.recipients.is_empty() {
        merged.clear();
    } else {
        for r in &o.access.recipients {
            if !merged.contains(r) {
                merged.push(r.clone());
            }
        }
    }
    if merged.len() == before && !merged.is_empty() {
        return Ok((Some(date_added), false));
    }
    conn.prepare_cached(WIDEN)
        .db()?
        .execute(params![seq, tlp::model::encode_ids(&merged)])
        .db()?;
    Ok((Some(date_added), true))
}

/// The position saved under `name`.
pub(crate) fn checkpoint(conn: &Connection, name: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT position FROM checkpoint WHERE name = ?1")
        .db()?
        .query_row([name], |r| r.get(0))
        .optional()
        .db()
}

/// The hops of the stored versions of `id`, by version.
pub(crate) fn hops(conn: &Connection, key: i64, id: &str) -> Result<Vec<(String, crate::Hop)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.version, h.hop FROM hop h
             JOIN object_version o ON o.collection_id = h.collection_id
                                  AND o.date_added_us = h.date_added_us
             WHERE h.collection_id = ?1 AND h.stix_id = ?2
             ORDER BY o.version_us, h.seq",
        )
        .db()?;
    let rows = stmt
        .query_map(params![key, id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .db()?;
    let mut out = Vec::new();
    for r in rows {
        let (version, json) = r.db()?;
        let hop = serde_json::from_str(&json)
            .map_err(|e| StoreError::Unavailable(format!("stored hop of {id}: {e}")))?;
        out.push((version, hop));
    }
    Ok(out)
}

/// The SHA-256 of each object's bytes, computed once per write: stored beside each row, quoted
/// in the audit entry, and (for pulled SCOs) the loop probe's key.
fn hashes_of(objects: &[NewObject]) -> Vec<[u8; 32]> {
    objects
        .iter()
        .map(|o| crate::audit::sha256(o.body.as_bytes()))
        .collect()
}

/// Stores the rows of `objects` (the part of an add shared by posts and arrivals), with their
/// hashes, and returns each one's outcome.
fn store_rows(
    conn: &Connection,
    key: i64,
    objects: &[NewObject],
    hashes: &[[u8; 32]],
) -> Result<Vec<AddOutcome>> {
    let mut last: Micros = conn
        .prepare_cached(LAST_ADDED)
        .db()?
        .query_row([key], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| StoreError::NotFound(format!("collection {key}")))?;
    let first_last = last;
    let mut w = Writes::prepare(conn, key)?;
    let mut outcomes = Vec::with_capacity(objects.len());
    for (obj, hash) in objects.iter().zip(hashes) {
        outcomes.push(match &obj.version {
            Some(v) => w.add_versioned(obj, hash, v, &mut last)?,
            None => w.add_unversioned(obj, hash, &mut last)?,
        });
    }
    drop(w);
    if last != first_last {
        conn.prepare_cached(SET_LAST_ADDED)
            .db()?
            .execute(params![last, key])
            .db()?;
    }
    Ok(outcomes)
}

/// Sets the event's collection and API root from the collection key.
fn with_collection(
    conn: &Connection,
    key: i64,
    mut event: crate::audit::AuditEvent,
) -> Result<crate::audit::AuditEvent> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT api_root, uuid FROM collection WHERE id = +?1")
        .db()?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((root, uuid)) = row {
        event.api_root.get_or_insert(root);
        event.collection = uuid::Uuid::parse_str(&uuid).ok();
    }
    Ok(event)
}

/// The items of the audit entry of one add request or arrival (read in the same transaction as
/// the objects): what was stored (with its content hash and TLP), what was a duplicate, and
/// what was refused, with the rule for refusals before storage. Failure messages are not
/// copied: a validator message may quote object content, which the audit log never holds.
fn audit_items(
    objects: &[NewObject],
    hashes: &[[u8; 32]],
    outcomes: &[AddOutcome],
    refused_before: &[StatusDetail],
    to: &[&[String]],
) -> Vec<crate::audit::AuditItem> {
    use crate::audit::{AuditItem, hex};
    let mut items = Vec::with_capacity(objects.len() + refused_before.len());
    for (i, ((obj, hash), outcome)) in objects.iter().zip(hashes).zip(outcomes).enumerate() {
        let (version, decision) = match outcome {
            AddOutcome::Added { version, .. } => (version.clone(), "stored".to_owned()),
            AddOutcome::Duplicate { version } => (version.clone(), "duplicate".to_owned()),
            AddOutcome::Rejected { version, reason } => (
                version.clone().unwrap_or_default(),
                if reason.starts_with("date_added ") {
                    "refused:date-added-order".to_owned()
                } else {
                    "refused:same-version-other-content".to_owned()
                },
            ),
        };
        let stored = !matches!(outcome, AddOutcome::Rejected { .. });
        items.push(AuditItem {
            id: obj.id.clone(),
            version,
            sha256: stored.then(|| hex(hash)),
            tlp: obj.access.tlp,
            decision,
            pii: (obj.access.pii != tlp::PiiClass::None).then(|| obj.access.pii.as_str().into()),
            derived_id: None,
            removed: Vec::new(),
            to: to.get(i).map(|t| t.to_vec()).unwrap_or_default(),
        });
    }
    for f in refused_before {
        let rule = f
            .message
            .as_deref()
            .and_then(rule_code)
            .unwrap_or("invalid-stix");
        items.push(AuditItem {
            id: f.id.clone(),
            version: f.version.clone(),
            sha256: None,
            tlp: None,
            decision: format!("refused:{rule}"),
            pii: None,
            derived_id: None,
            removed: Vec::new(),
            to: Vec::new(),
        });
    }
    items
}

/// The rule code of a refusal message: the word after the *first* `access rule ` or
/// `relay rule `, if it is one of the codes the rules give (messages quote names and values a
/// client chose, which must neither pose as a code nor reach the audit log).
fn rule_code(message: &str) -> Option<&'static str> {
    let first = ["access rule ", "relay rule "]
        .iter()
        .filter_map(|m| message.find(m).map(|at| at + m.len()))
        .min()?;
    let word = message[first..].split(':').next()?;
    tlp::ingest::Refusal::CODES
        .iter()
        .chain(tlp::relay::RelayRefusal::CODES.iter())
        .find(|c| **c == word)
        .copied()
}

/// The `date_added` for the next row: the kept one (import) if it is later than everything in
/// the collection, else `max(now, last + 1)`.
fn next_date_added(keep: Option<Micros>, last: Micros) -> std::result::Result<Micros, String> {
    match keep {
        Some(t) if t > last => Ok(t),
        Some(t) => Err(format!(
            "date_added {} is not later than the collection's last date_added {}; imported \
             objects must be added in date_added order after everything already stored",
            taxii_timestamp(t),
            taxii_timestamp(last)
        )),
        None => Ok(now_us().max(last.saturating_add(1))),
    }
}

/// Whether two serialisations are the same object: byte-equal, or equal as JSON values
/// (member order and whitespace ignored; serde_json's map equality is order-independent).
fn same_content(stored: &[u8], received: &str) -> bool {
    if stored == received.as_bytes() {
        return true;
    }
    match (
        serde_json::from_slice::<serde_json::Value>(stored),
        serde_json::from_str::<serde_json::Value>(received),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The per-object statements of one request, taken from the statement cache once rather than
/// once per object.
struct Writes<'c> {
    key: i64,
    stored_body: CachedStatement<'c>,
    all_bodies: CachedStatement<'c>,
    latest: CachedStatement<'c>,
    demote: CachedStatement<'c>,
    insert: CachedStatement<'c>,
}

impl<'c> Writes<'c> {
    fn prepare(conn: &'c Connection, key: i64) -> Result<Writes<'c>> {
        Ok(Writes {
            key,
            stored_body: conn.prepare_cached(STORED_BODY).db()?,
            all_bodies: conn.prepare_cached(ALL_BODIES).db()?,
            latest: conn.prepare_cached(LATEST).db()?,
            demote: conn.prepare_cached(DEMOTE).db()?,
            insert: conn.prepare_cached(INSERT).db()?,
        })
    }

    fn stored_body(&mut self, id: &str, version_us: Micros) -> Result<Option<Vec<u8>>> {
        self.stored_body
            .query_row(params![self.key, id, version_us], |r| r.get(0))
            .optional()
            .db()
    }

    fn add_versioned(
        &mut self,
        obj: &NewObject,
        hash: &[u8; 32],
        v: &Version,
        last: &mut Micros,
    ) -> Result<AddOutcome> {
        let version = v.text.clone();
        // Every stored object has exactly one latest row: without one the id is new here, and
        // the exact-version lookup (a second index descent per object, much of a bulk import's
        // write time in its profile) is not needed.
        let latest = self.latest_row(&obj.id)?;
        if latest.is_some()
            && let Some(stored) = self.stored_body(&obj.id, v.micros)?
        {
            if same_content(&stored, &obj.body) {
                return Ok(AddOutcome::Duplicate { version });
            }
            let reason = format!(
                "the collection already holds {} version {version} with different content; every \
                 change to an object needs a new `modified` (STIX 2.1 section 3.6, S-37)",
                obj.id
            );
            return Ok(AddOutcome::Rejected {
                version: Some(version),
                reason,
            });
        }
        let date_added = match next_date_added(obj.keep_date_added, *last) {
            Ok(d) => d,
            Err(reason) => {
                return Ok(AddOutcome::Rejected {
                    version: Some(version),
                    reason,
                });
            }
        };
        self.insert_row(obj, hash, v.micros, &version, date_added, latest)?;
        *last = date_added;
        Ok(AddOutcome::Added {
            date_added,
            version,
        })
    }

    /// The latest row of `id` (there is one per stored object): seq, spec_version, version_us
    /// and access columns.
    fn latest_row(&mut self, id: &str) -> Result<Option<(i64, String, Micros, Stored)>> {
        self.latest
            .query_row(params![self.key, id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    Stored {
                        origin: r.get(3)?,
                        tlp: r.get(4)?,
                        flags: r.get(5)?,
                        recipients: r.get(6)?,
                        affected: r.get(7)?,
                        pii: r.get(8)?,
                    },
                ))
            })
            .optional()
            .db()
    }

    /// An object without `created`/`modified` (an SCO): the same content stored before is a
    /// duplicate, whatever version the store gave it; other content becomes a new version
    /// whose version is its `date_added`.
    fn add_unversioned(
        &mut self,
        obj: &NewObject,
        hash: &[u8; 32],
        last: &mut Micros,
    ) -> Result<AddOutcome> {
        {
            let mut rows = self.all_bodies.query(params![self.key, obj.id]).db()?;
            while let Some(r) = rows.next().db()? {
                let body: Vec<u8> = r.get(1).db()?;
                if same_content(&body, &obj.body) {
                    return Ok(AddOutcome::Duplicate {
                        version: r.get(0).db()?,
                    });
                }
            }
        }
        let date_added = match next_date_added(obj.keep_date_added, *last) {
            Ok(d) => d,
            Err(reason) => {
                let version = obj.keep_date_added.map(taxii_timestamp);
                return Ok(AddOutcome::Rejected { version, reason });
            }
        };
        let version = taxii_timestamp(date_added);
        // A versioned row of the same id could (only in theory) already use that instant.
        if self.stored_body(&obj.id, date_added)?.is_some() {
            let reason = format!("the collection already holds {} version {version}", obj.id);
            return Ok(AddOutcome::Rejected {
                version: Some(version),
                reason,
            });
        }
        let latest = self.latest_row(&obj.id)?;
        self.insert_row(obj, hash, date_added, &version, date_added, latest)?;
        *last = date_added;
        Ok(AddOutcome::Added {
            date_added,
            version,
        })
    }

    /// Inserts one row and keeps `is_latest` on the greatest (spec_version, version_us) of the
    /// object (`latest_row`: its latest row before this one, from [`Writes::latest_row`]).
    fn insert_row(
        &mut self,
        obj: &NewObject,
        hash: &[u8; 32],
        version_us: Micros,
        version: &str,
        date_added: Micros,
        latest_row: Option<(i64, String, Micros, Stored)>,
    ) -> Result<()> {
        let mut latest = true;
        let mut demote = Vec::new();
        if let Some((seq, spec, v, older)) = latest_row {
            if (obj.spec_version.as_str(), version_us) > (spec.as_str(), v) {
                demote.push((seq, covers(&obj.access, &older)));
            } else {
                latest = false;
            }
        }
        let zones = if obj.access.zones.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&obj.access.zones)
                    .map_err(|e| StoreError::Unavailable(format!("zones not serialisable: {e}")))?,
            )
        };
        if latest {
            for (seq, shadowed) in demote {
                self.demote.execute(params![seq, shadowed]).db()?;
            }
        }
        self.insert
            .execute(params![
                self.key,
                obj.id,
                obj.type_name,
                obj.spec_version,
                version_us,
                version,
                date_added,
                latest,
                obj.access.tlp.map(tlp::rank),
                obj.body.as_bytes(),
                obj.access.origin,
                obj.access.flags(),
                tlp::model::encode_ids(&obj.access.recipients),
                tlp::model::encode_ids(&obj.access.affected),
                hash.as_slice(),
                obj.access.pii.rank(),
                zones
            ])
            .db()?;
        Ok(())
    }
}

/// The access columns of a stored row, as [`covers`] compares them.
struct Stored {
    origin: Option<String>,
    tlp: Option<u8>,
    flags: u8,
    recipients: Option<String>,
    affected: Option<String>,
    pii: u8,
}

/// Whether every reader who may see `older` may also see `newer` (so `older` is never the last
/// version a reader may see: the `shadowed` column). Conservative: `false` whenever in doubt.
/// Same originator, recipients, affected parties and personal-data class; and `older` is
/// visible to its originator only (quarantined or unmarked), or `newer` is not quarantined and
/// its TLP is the same, or lower and `older` is not RED (RED reaches named recipients whatever
/// their level, lower levels do not).
fn covers(newer: &tlp::Classification, older: &Stored) -> bool {
    if newer.origin != older.origin
        || tlp::model::encode_ids(&newer.recipients) != older.recipients
        || tlp::model::encode_ids(&newer.affected) != older.affected
        || newer.pii.rank() != older.pii
    {
        return false;
    }
    let older_quarantined = older.flags & 1 != 0;
    if older_quarantined || older.tlp.is_none() {
        return true;
    }
    if newer.quarantined {
        return false;
    }
    match (newer.tlp.map(tlp::rank), older.tlp) {
        (Some(n), Some(o)) => n == o || (n < o && o != tlp::rank(tlp::Tlp::Red)),
        _ => false,
    }
}

/// Deletes the versions of `id` that `filter` selects (its `ids` are ignored; `versions: All`
/// with no `spec_versions` deletes every version) and recomputes `is_latest`.
pub(crate) fn delete(conn: &Connection, key: i64, id: &str, filter: &ObjectFilter) -> Result<u64> {
    let seqs: Vec<i64> = if filter.versions == VersionMatch::All
        && filter.spec_versions.is_empty()
        && filter.added_after.is_none()
    {
        let mut stmt = conn.prepare_cached(ALL_SEQS).db()?;
        let rows = stmt.query_map(params![key, id], |r| r.get(0)).db()?;
        rows.collect::<rusqlite::Result<_>>().db()?
    } else {
        // The same selection a read with this filter makes, so "delete what GET shows"
        // holds; collected first so the selection is not evaluated while rows disappear.
        let f = ObjectFilter {
            ids: vec![id.to_owned()],
            ..filter.clone()
        };
        let sql = select(key, &f, &Visibility::All, "o.seq", Micros::MIN);
        let mut stmt = conn.prepare_cached(&sql.text).db()?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(sql.params.iter()), |r| r.get(0))
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()?
    };
    if seqs.is_empty() {
        return Ok(0);
    }
    let mut del = conn.prepare_cached(DELETE_SEQ).db()?;
    let mut del_hop = conn.prepare_cached(DELETE_HOP).db()?;
    for seq in &seqs {
        del_hop.execute(params![key, seq]).db()?;
        del.execute([seq]).db()?;
    }
    // The greatest remaining (spec_version, version_us) becomes the latest, if not already.
    let newest: Option<(i64, bool)> = conn
        .prepare_cached(NEWEST)
        .db()?
        .query_row(params![key, id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((seq, false)) = newest {
        conn.prepare_cached(PROMOTE).db()?.execute([seq]).db()?;
    }
    // A deleted version may have been what shadowed an older one.
    conn.prepare_cached(UNSHADOW)
        .db()?
        .execute(params![key, id])
        .db()?;
    Ok(u64::try_from(seqs.len()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Version;
    use rusqlite::StatementStatus;

    fn object(n: u32, modified: Option<&str>) -> NewObject {
        NewObject {
            id: format!("indicator--{n}"),
            type_name: "indicator".into(),
            spec_version: "2.1".into(),
            version: modified.map(|m| Version {
                text: m.into(),
                micros: 1_000_000 + i64::from(n),
            }),
            body: format!("{{\"n\":{n}}}"),
            access: crate::Classification::default(),
            keep_date_added: None,
        }
    }

    fn status() -> StatusRecord {
        StatusRecord {
            id: uuid::Uuid::new_v4(),
            api_root: "r".into(),
            account: "a".into(),
            complete: false,
            request_timestamp: 0,
            total_count: 0,
            successes: vec![],
            failures: vec![],
            pendings: vec![],
        }
    }

    #[test]
    fn loop_probes_use_the_version_index() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        for sql in [HOLDS_VERSION, HOLDS_BYTES] {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params![1, "x", 2], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|p| p.contains("INDEX ov_version (collection_id=? AND stix_id=?")),
                "{sql}: {plan:?}"
            );
        }
    }

    #[test]
    fn the_rule_code_is_the_first_one_named() {
        assert_eq!(
            rule_code("objects[3] (line 1, column 2): access rule tlp-ceiling: AMBER is above"),
            Some("tlp-ceiling")
        );
        assert_eq!(
            rule_code("relay rule unknown-organisation: no organisation 'x access rule forged: '"),
            Some("unknown-organisation")
        );
        assert_eq!(rule_code("not valid JSON"), None);
        // A value quoted by the validator cannot choose the code.
        assert_eq!(
            rule_code("objects[0]: 'access rule chosen-by-client: x' is not a valid hash value"),
            None
        );
    }

    /// Collection 1 (the first one made) is the case where SQLite's truth-value heuristic
    /// would re-prepare `collection_id = ?` on every execution.
    #[test]
    fn write_statements_are_never_reprepared() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO api_root VALUES ('r', 'r', NULL, 1);
             INSERT INTO collection(id, api_root, uuid, title) VALUES (1, 'r', 'u', 't');",
        )
        .unwrap();
        for round in 0..3u32 {
            let objs = (0..5)
                .map(|n| object(n + round * 2, Some("x")))
                .chain([object(100 + round, None)])
                .collect::<Vec<_>>();
            add(&conn, 1, &objs, status()).unwrap();
        }
        for n in [0, 3] {
            delete(
                &conn,
                1,
                &format!("indicator--{n}"),
                &ObjectFilter {
                    versions: VersionMatch::All,
                    ..ObjectFilter::default()
                },
            )
            .unwrap();
        }
        delete(&conn, 1, "indicator--4", &ObjectFilter::default()).unwrap();
        for sql in [
            LAST_ADDED,
            SET_LAST_ADDED,
            STORED_BODY,
            ALL_BODIES,
            LATEST,
            DEMOTE,
            INSERT,
            ALL_SEQS,
            DELETE_SEQ,
            DELETE_HOP,
            NEWEST,
            PROMOTE,
            UNSHADOW,
        ] {
            let stmt = conn.prepare_cached(sql).unwrap();
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}
