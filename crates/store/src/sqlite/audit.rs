//! The audit log and the access facts of stored objects (SQLite side).

use rusqlite::{Connection, OptionalExtension, params};

use super::Db;
use crate::audit::{
    AuditEntry, AuditEvent, AuditFilter, AuditReport, RawEntry, canonical_body, chain_hash,
    verify_chain,
};
use crate::{Classification, Micros, Result, StoreError, StoredAccess};

/// Appends events in order, chaining each to the newest stored entry. Runs on the writer, so
/// the chain has one writer and no two entries get the same seq.
pub(crate) fn append(conn: &Connection, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .db()?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    let (mut seq, mut prev) = match head {
        Some((s, h)) => {
            let h: [u8; 32] = h.try_into().map_err(|_| {
                StoreError::Unavailable("audit: stored hash is not 32 bytes".into())
            })?;
            (u64::try_from(s).unwrap_or(0), h)
        }
        None => (0, [0u8; 32]),
    };
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO audit(seq, time_us, kind, account, organisation, body, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .db()?;
    for e in events {
        seq += 1;
        let body = canonical_body(e);
        let hash = chain_hash(&prev, seq, &body);
        insert
            .execute(params![
                i64::try_from(seq).unwrap_or(i64::MAX),
                e.time_us,
                e.kind.as_str(),
                e.account,
                e.organisation,
                body,
                hash.as_slice()
            ])
            .db()?;
        prev = hash;
    }
    Ok(())
}

/// The organisation an account belongs to (for ingest entries written inside `add`).
pub(crate) fn organisation_of(conn: &Connection, account: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT organisation FROM account WHERE name = +?1")
        .db()?
        .query_row([account], |r| r.get(0))
        .optional()
        .db()
}

/// Entries matching `f`, oldest first. The indexed columns narrow the scan (organisation and
/// time); the object id is matched in the entry's content, which is a scan of the candidate
/// entries: audit questions are rare operator queries, and indexing every disclosed id would
/// cost a hundred index rows per page served.
pub(crate) fn entries(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut sql = String::from("SELECT seq, body, hash FROM audit WHERE 1 = 1");
    let mut p: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(o) = &f.organisation {
        sql.push_str(" AND organisation = ?");
        p.push(o.clone().into());
    }
    if let Some(a) = &f.account {
        sql.push_str(" AND account = ?");
        p.push(a.clone().into());
    }
    if let Some(k) = f.kind {
        sql.push_str(" AND kind = ?");
        p.push(k.as_str().to_owned().into());
    }
    if let Some(t) = f.from_us {
        sql.push_str(" AND time_us >= ?");
        p.push(t.into());
    }
    if let Some(t) = f.to_us {
        sql.push_str(" AND time_us < ?");
        p.push(t.into());
    }
    if let Some(id) = &f.object_id {
        // A cheap pre-filter; the exact match on item ids is done below.
        sql.push_str(" AND instr(body, ?) > 0");
        p.push(format!("\"{id}\"").into());
    }
    sql.push_str(" ORDER BY seq");
    let mut stmt = conn.prepare(&sql).db()?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(p.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .db()?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, body, hash) = row.db()?;
        let event: AuditEvent = serde_json::from_str(&body).map_err(|e| {
            StoreError::Unavailable(format!("audit entry {seq} is unreadable: {e}"))
        })?;
        if !f.matches(&event) {
            continue;
        }
        out.push(AuditEntry {
            seq: u64::try_from(seq).unwrap_or(0),
            event,
            body,
            hash: hash.try_into().unwrap_or([0u8; 32]),
        });
    }
    Ok(out)
}

/// Walks the whole chain.
pub(crate) fn verify(conn: &Connection) -> Result<AuditReport> {
    let mut stmt = conn
        .prepare(
            "SELECT seq, time_us, kind, account, organisation, body, hash FROM audit ORDER BY seq",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(RawEntry {
                seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                time_us: r.get(1)?,
                kind: r.get(2)?,
                account: r.get(3)?,
                organisation: r.get(4)?,
                body: r.get(5)?,
                hash: r.get(6)?,
            })
        })
        .db()?;
    let rows: Vec<RawEntry> = rows.collect::<rusqlite::Result<_>>().db()?;
    Ok(verify_chain(rows))
}

/// The versions of one id with their access columns. `ORDER BY +date_added_us`: sorting the
/// id's few rows, found through `ov_version`; a plain `ORDER BY date_added_us` makes the planner
/// walk the whole collection in `ov_added` order instead (measured: 5 s per ingest request at a
/// million objects). The test below pins the plan.
const OBJECT_ACCESS: &str =
    "SELECT stix_id, version, date_added_us, tlp, access_flags, origin, recipients, affected,
            pii, zones, version_us, spec_version
     FROM object_version WHERE collection_id = +?1 AND stix_id = +?2 ORDER BY +date_added_us";

/// The access columns of the versions of a JSON array of ids, found through `ov_version`. One
/// statement for any number of ids: one read transaction instead of one per id (a page refers
/// to dozens), and one cached statement whatever the number. (A covering index of these columns
/// made reads of pages with references about 7 % faster and bulk ingest about 20 % slower:
/// docs/benchmarks.md.)
const REFERENCE_ACCESS: &str =
    "SELECT stix_id, spec_version, version_us, tlp, access_flags, origin, recipients, affected, pii
     FROM object_version
     WHERE collection_id = +?1 AND stix_id IN (SELECT value FROM json_each(+?2))";

/// The access facts redaction needs of every stored version of `ids` in collection `key`.
pub(crate) fn reference_access(
    conn: &Connection,
    key: i64,
    ids: &[String],
) -> Result<Vec<crate::RefAccess>> {
    let mut stmt = conn.prepare_cached(REFERENCE_ACCESS).db()?;
    let ids = serde_json::to_string(ids)
        .map_err(|e| crate::StoreError::Unavailable(format!("ids not serialisable: {e}")))?;
    let mut out = Vec::new();
    {
        let rows = stmt
            .query_map(params![key, ids], |r| {
                Ok(crate::RefAccess {
                    id: r.get(0)?,
                    spec_version: r.get(1)?,
                    version_us: r.get(2)?,
                    class: super::access_columns(r, 3)?,
                })
            })
            .db()?;
        for r in rows {
            out.push(r.db()?);
        }
    }
    Ok(out)
}

/// The access facts of every stored version of `ids` in collection `key`.
pub(crate) fn object_access(
    conn: &Connection,
    key: i64,
    ids: &[String],
) -> Result<Vec<StoredAccess>> {
    let mut stmt = conn.prepare_cached(OBJECT_ACCESS).db()?;
    let mut out = Vec::new();
    for id in ids {
        let rows = stmt
            .query_map(params![key, id], |r| {
                let zones: Option<String> = r.get(9)?;
                Ok(StoredAccess {
                    id: r.get(0)?,
                    version: r.get(1)?,
                    version_us: r.get(10)?,
                    spec_version: r.get(11)?,
                    date_added: r.get::<_, Micros>(2)?,
                    class: Classification {
                        // Unreadable zones are reported as none here (this is a report);
                        // the read path refuses to serve such a row.
                        zones: zones
                            .and_then(|z| serde_json::from_str(&z).ok())
                            .unwrap_or_default(),
                        ..super::access_columns(r, 3)?
                    },
                })
            })
            .db()?;
        for r in rows {
            out.push(r.db()?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_access_finds_the_ids_through_their_index() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {REFERENCE_ACCESS}"))
            .unwrap()
            .query_map(params![1, r#"["x","y"]"#], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("INDEX ov_version (collection_id=? AND stix_id=?)")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|p| p.starts_with("SCAN object_version")),
            "{plan:?}"
        );
    }

    #[test]
    fn object_access_finds_an_id_through_its_index() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {OBJECT_ACCESS}"))
            .unwrap()
            .query_map(params![1, "x"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("ov_version (collection_id=? AND stix_id=?)")),
            "{plan:?}"
        );
    }
}
