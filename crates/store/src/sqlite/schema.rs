//! Connection setup and schema migrations.
//!
//! Migrations are numbered SQL scripts applied in order, each in its own transaction together
//! with its row in `schema_version`, so a crash between two migrations leaves a database at a
//! known version. A database whose version is newer than [`MIGRATIONS`] knows is refused: this
//! build would not understand its tables, and writing to it could corrupt data a newer server
//! relies on.
//!
//! The store never runs `ANALYZE` (nor `PRAGMA optimize`, which may run it). The bundled
//! SQLite is built with STAT4, and once `sqlite_stat4` has samples every statement whose
//! bound parameter meets an indexed column (all of ours: `date_added_us > ?`, `stix_id = ?`) is
//! re-prepared on each new binding; measured, that was a third of a page query's time. The
//! queries are instead shaped so the planner's choice without statistics is the right one
//! (see `select.rs`), and unit tests pin those plans.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use super::{Db, SqliteOptions, now_us};
use crate::{Result, StoreError};

/// The migrations, in order; migration `i` brings the schema to version `i + 1`. Never edit a
/// published migration: add a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
];

/// Version 5: federation (issue 6). How a version arrived when it was not posted (pulled from
/// an upstream, relayed by an intermediary) is kept beside it, keyed like the row itself by
/// (collection, date_added); the positions of upstream subscriptions and relay rules are saved
/// in the same transaction as the objects they cover. A row may have several hops: a relay of a
/// version the target already holds adds its recipients to the row and a hop of its own.
const MIGRATION_5: &str = r#"
CREATE TABLE hop(
  seq           INTEGER PRIMARY KEY,                 -- arrival order
  collection_id INTEGER NOT NULL REFERENCES collection(id),
  date_added_us INTEGER NOT NULL,                    -- the row it describes
  stix_id       TEXT    NOT NULL,
  hop           TEXT    NOT NULL);                   -- JSON of store::Hop
CREATE INDEX hop_row ON hop(collection_id, date_added_us);
CREATE INDEX hop_id  ON hop(collection_id, stix_id);
CREATE TABLE checkpoint(
  name       TEXT PRIMARY KEY,                       -- 'pull:<subscription>', 'relay:<rule>'
  position   TEXT NOT NULL,
  updated_us INTEGER NOT NULL);
"#;

/// Version 4: personal data and redaction (issue 5). Each object version gets its
/// personal-data class (part of the read predicate) and its zones (granular restrictions,
/// read only for rows flagged for review: `access_flags` bit 4); organisations get dated
/// designations and an asset scope.
///
/// Rows stored before this version are classified conservatively from their bytes: the types
/// that are always personal data, individuals, indicators over personal observables and rows
/// naming a personal-data marking anywhere (object or granular: the whole row) become personal
/// (credentials where a credential appears); artifacts possible; rows whose bytes name more
/// `_ref` keys than attribution and marking references are flagged for review (their references
/// are checked on read). Their granular TLP already raised the whole object's level, which is
/// stricter than zones. Affected parties from asset scopes are not derived for them (that only
/// ever widens). `shadowed` is reset: it compared classifications that have now changed.
const MIGRATION_4: &str = r#"
ALTER TABLE object_version ADD COLUMN pii INTEGER NOT NULL DEFAULT 0; -- 0 none, 1 possible, 2 present, 3 credential
ALTER TABLE object_version ADD COLUMN zones TEXT;                   -- JSON array of tlp::Zone, or NULL
ALTER TABLE organisation ADD COLUMN designations TEXT NOT NULL DEFAULT '[]'; -- JSON array of tlp::Designation
ALTER TABLE organisation ADD COLUMN asset_scope TEXT NOT NULL DEFAULT '{}';  -- JSON tlp::AssetScope
UPDATE object_version SET pii = 2
 WHERE stix_type IN ('user-account', 'email-addr', 'email-message', 'mac-addr')
    OR (stix_type = 'identity' AND instr(CAST(body AS TEXT), '"individual"') > 0)
    OR (stix_type = 'indicator' AND (instr(CAST(body AS TEXT), 'email-addr:') > 0
        OR instr(CAST(body AS TEXT), 'email-message:') > 0
        OR instr(CAST(body AS TEXT), 'user-account:') > 0))
    OR instr(CAST(body AS TEXT), 'a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d') > 0;
UPDATE object_version SET pii = 3
 WHERE (stix_type = 'user-account' AND instr(CAST(body AS TEXT), '"credential"') > 0)
    OR instr(CAST(body AS TEXT), '3a7f8d07-0408-4ce0-98d5-8cac5339e74d') > 0;
UPDATE object_version SET pii = 1 WHERE pii = 0 AND stix_type = 'artifact';
UPDATE object_version SET access_flags = access_flags | 4
 WHERE length(CAST(body AS TEXT)) - length(replace(CAST(body AS TEXT), '_ref', ''))
     > 4 * ((length(CAST(body AS TEXT)) - length(replace(CAST(body AS TEXT), 'created_by_ref', ''))) / 14
          + (length(CAST(body AS TEXT)) - length(replace(CAST(body AS TEXT), 'marking_ref', ''))) / 11);
UPDATE object_version SET shadowed = 0;
"#;

/// Version 3: access control (issue 4). The classification of each object version is stored
/// beside its bytes so the read query can filter per reader (`tlp` existed since version 1);
/// organisations get roles and constituencies, collections a policy. (The audit log has a
/// database file of its own: [`AUDIT_MIGRATIONS`].)
///
/// Rows stored before this version have no origin: no originator rule applies to them. Their
/// `tlp` came from their markings; unmarked ones get what the default collection policy gives
/// an unmarked object today (GREEN, recorded as defaulted), so an upgrade hides nothing that
/// the collection's readers saw before.
const MIGRATION_3: &str = r#"
ALTER TABLE object_version ADD COLUMN origin TEXT;           -- organisation id of the poster
ALTER TABLE object_version ADD COLUMN access_flags INTEGER NOT NULL DEFAULT 0; -- 1 quarantined, 2 tlp defaulted
ALTER TABLE object_version ADD COLUMN recipients TEXT;       -- '|identity--a|identity--b|' or NULL
ALTER TABLE object_version ADD COLUMN affected TEXT;         -- same encoding
-- SHA-256 of body, for the audit of disclosures (NULL on rows stored before this version:
-- computed when served).
ALTER TABLE object_version ADD COLUMN sha256 BLOB;
-- 1 when a newer version of the same object (greater spec_version, version_us) is visible to
-- every reader who may see this one, so this row is never "the last version a reader may see"
-- and the restricted `last` query skips it without a subquery. 0 = unknown (always safe).
ALTER TABLE object_version ADD COLUMN shadowed INTEGER NOT NULL DEFAULT 0;
UPDATE object_version SET tlp = 1, access_flags = 2 WHERE tlp IS NULL;

ALTER TABLE organisation ADD COLUMN role TEXT NOT NULL DEFAULT 'constituent';
ALTER TABLE organisation ADD COLUMN serves TEXT NOT NULL DEFAULT '[]';   -- JSON array of org ids
ALTER TABLE organisation ADD COLUMN sectors TEXT NOT NULL DEFAULT '[]';  -- JSON array

ALTER TABLE collection ADD COLUMN policy TEXT;               -- JSON CollectionPolicy; NULL = default

"#;

/// The migrations of the audit database (`schakel.audit.db` beside `schakel.db`). The audit log
/// lives in a file of its own because every page served appends to it: in the objects'
/// database each of those commits would make every reader connection drop its page cache (a
/// WAL reader re-reads all pages once another connection committed), which measured as half
/// the read throughput. Its own file also lets operators keep, copy and verify it separately.
pub(crate) const AUDIT_MIGRATIONS: &[&str] = &[AUDIT_MIGRATION_1];

const AUDIT_MIGRATION_1: &str = r#"
-- Append-only, hash-chained audit log. `body` is the canonical JSON of the event; `hash` =
-- SHA-256(prev hash || seq as 8 big-endian bytes || body). The other columns repeat fields of
-- the body for queries; verification checks they agree with it.
CREATE TABLE audit(
  seq          INTEGER PRIMARY KEY,
  time_us      INTEGER NOT NULL,
  kind         TEXT    NOT NULL,
  account      TEXT,
  organisation TEXT,
  body         TEXT    NOT NULL,
  hash         BLOB    NOT NULL CHECK (length(hash) = 32));
CREATE INDEX audit_org_time ON audit(organisation, time_us);
"#;

/// Version 2: the status expiry sweep (T-46) deletes by age without scanning every status.
const MIGRATION_2: &str = "CREATE INDEX status_stored ON status(stored_us);";

/// Version 1: the whole initial schema (rust-notes.md section 5.1).
const MIGRATION_1: &str = r#"
-- Key that authenticates `next` cursors; one row, created on first open.
CREATE TABLE server_key(
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB    NOT NULL CHECK (length(key) = 32));

CREATE TABLE api_root(
  path               TEXT    PRIMARY KEY,
  title              TEXT    NOT NULL,
  description        TEXT,
  max_content_length INTEGER NOT NULL);

CREATE TABLE organisation(
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  identity TEXT);

CREATE TABLE account(
  name          TEXT    PRIMARY KEY,
  organisation  TEXT    NOT NULL REFERENCES organisation(id),
  password_hash TEXT,
  operator      INTEGER NOT NULL DEFAULT 0,
  identity      TEXT);

-- Tokens are stored as the SHA-256 of their text only.
CREATE TABLE api_token(
  sha256  BLOB PRIMARY KEY CHECK (length(sha256) = 32),
  account TEXT NOT NULL REFERENCES account(name),
  label   TEXT NOT NULL);

CREATE TABLE collection(
  id            INTEGER PRIMARY KEY,                 -- Collection::key
  api_root      TEXT    NOT NULL REFERENCES api_root(path),
  uuid          TEXT    NOT NULL UNIQUE,             -- lowercase hyphenated
  title         TEXT    NOT NULL,
  description   TEXT,
  alias         TEXT,
  media_types   TEXT    NOT NULL DEFAULT '[]',       -- JSON array of strings
  owner         TEXT    REFERENCES organisation(id),
  -- Last date_added assigned in this collection. Kept here rather than taken from
  -- MAX(date_added_us) so deleting the newest rows never lets a value be handed out twice.
  last_added_us INTEGER NOT NULL DEFAULT 0,
  UNIQUE(api_root, title),                           -- interop contract point 8
  UNIQUE(api_root, alias));                          -- T-53 (NULLs do not collide)

-- Named collection_grant because GRANT is reserved in PostgreSQL.
CREATE TABLE collection_grant(
  organisation  TEXT    NOT NULL REFERENCES organisation(id),
  collection_id INTEGER NOT NULL REFERENCES collection(id),
  can_read      INTEGER NOT NULL,
  can_write     INTEGER NOT NULL,
  PRIMARY KEY(organisation, collection_id)) WITHOUT ROWID;

-- Status resources; the detail lists are JSON arrays of [id, version, message|null], written
-- once per request, so a child table would only cost inserts.
CREATE TABLE status(
  id                   TEXT    PRIMARY KEY,
  api_root             TEXT    NOT NULL,
  account              TEXT    NOT NULL,
  complete             INTEGER NOT NULL,
  request_timestamp_us INTEGER NOT NULL,
  total_count          INTEGER NOT NULL,
  successes            TEXT    NOT NULL,
  failures             TEXT    NOT NULL,
  pendings             TEXT    NOT NULL,
  stored_us            INTEGER NOT NULL);             -- for a later expiry sweep (T-46)

CREATE TABLE object_version(
  seq           INTEGER PRIMARY KEY,                 -- rowid: insertion order
  collection_id INTEGER NOT NULL REFERENCES collection(id),
  stix_id       TEXT    NOT NULL,
  stix_type     TEXT    NOT NULL,
  spec_version  TEXT    NOT NULL,
  version_us    INTEGER NOT NULL,                    -- modified/created, or date_added_us
  version       TEXT    NOT NULL,                    -- the same as written (or TAXII text)
  date_added_us INTEGER NOT NULL,                    -- strictly increasing per collection
  -- 1 on the row with the greatest (spec_version, version_us) of its object: exactly the row
  -- the default query (match[version]=last, no spec_version filter, T-89) returns.
  is_latest     INTEGER NOT NULL,
  tlp           INTEGER,                             -- effective TLP rank, NULL = unmarked
  body          BLOB    NOT NULL);                   -- the bytes as received
CREATE UNIQUE INDEX ov_version   ON object_version(collection_id, stix_id, version_us);
CREATE UNIQUE INDEX ov_added     ON object_version(collection_id, date_added_us);
CREATE INDEX        ov_type      ON object_version(collection_id, stix_type, date_added_us);
CREATE INDEX        ov_latest    ON object_version(collection_id, date_added_us) WHERE is_latest = 1;
-- Latest version of one id without walking all its versions (objects updated thousands of
-- times would otherwise make every insert and point lookup linear in their history).
CREATE INDEX        ov_id_latest ON object_version(collection_id, stix_id) WHERE is_latest = 1;
"#;

/// Applies the connection PRAGMAs shared by the writer and the readers.
pub(crate) fn common_pragmas(conn: &Connection, opts: &SqliteOptions) -> Result<()> {
    conn.busy_timeout(opts.busy_timeout).db()?;
    conn.pragma_update(None, "cache_size", -opts.cache_kib)
        .db()?;
    conn.pragma_update(None, "mmap_size", opts.mmap_size).db()?;
    conn.pragma_update(None, "temp_store", "MEMORY").db()?;
    conn.set_prepared_statement_cache_capacity(opts.statement_cache);
    Ok(())
}

/// PRAGMAs of the read-write connection: WAL, durability level, foreign keys.
pub(crate) fn writer_pragmas(conn: &Connection, opts: &SqliteOptions) -> Result<()> {
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "the database could not be switched to WAL mode (journal_mode is {mode})"
        )));
    }
    // NORMAL in WAL mode never corrupts; it may lose the last commits on power loss. FULL
    // syncs every commit for operators who need acknowledged writes to survive that too.
    let sync = if opts.synchronous_full {
        "FULL"
    } else {
        "NORMAL"
    };
    conn.pragma_update(None, "synchronous", sync).db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    common_pragmas(conn, opts)
}

/// The schema version recorded in the database (0 for a new database).
fn current_version(conn: &Connection) -> Result<usize> {
    let v: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()
        .db()?
        .flatten();
    Ok(usize::try_from(v.unwrap_or(0)).unwrap_or(0))
}

fn newer_schema(found: usize, known: usize) -> StoreError {
    StoreError::Unavailable(format!(
        "the database has schema version {found}, newer than the {known} this build of Schakel \
         knows; run a newer Schakel (or restore a backup made before the upgrade)"
    ))
}

/// Brings the objects' schema up to date, refusing a database from a newer build.
pub(crate) fn migrate(conn: &Connection) -> Result<()> {
    migrate_with(conn, MIGRATIONS, "objects")
}

/// Brings a schema (`schema` names it in the log) up to date with `migrations`.
pub(crate) fn migrate_with(conn: &Connection, migrations: &[&str], schema: &str) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version(
           version    INTEGER PRIMARY KEY,
           applied_us INTEGER NOT NULL)",
    )
    .db()?;
    let found = current_version(conn)?;
    if found > migrations.len() {
        return Err(newer_schema(found, migrations.len()));
    }
    for (i, sql) in migrations.iter().enumerate().skip(found) {
        let version = i + 1;
        // IMMEDIATE takes the write lock first, so two processes opening a new database at
        // once cannot both apply the same migration; the version is re-read under the lock.
        conn.execute_batch("BEGIN IMMEDIATE").db()?;
        let applied = (|| {
            let now = current_version(conn)?;
            if now > migrations.len() {
                return Err(newer_schema(now, migrations.len()));
            }
            if now >= version {
                return Ok(());
            }
            conn.execute_batch(sql).db()?;
            conn.execute(
                "INSERT INTO schema_version(version, applied_us) VALUES (?1, ?2)",
                rusqlite::params![i64::try_from(version).unwrap_or(i64::MAX), now_us()],
            )
            .db()?;
            Ok(())
        })();
        match applied {
            Ok(()) => conn.execute_batch("COMMIT").db()?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        tracing::info!(schema, version, "applied schema migration");
    }
    Ok(())
}

/// Reads the server key, creating it on first use.
pub(crate) fn server_key(conn: &Connection) -> Result<[u8; 32]> {
    let load = || -> Result<Option<[u8; 32]>> {
        conn.query_row("SELECT key FROM server_key WHERE id = 1", [], |r| {
            r.get::<_, [u8; 32]>(0)
        })
        .optional()
        .db()
    };
    if let Some(k) = load()? {
        return Ok(k);
    }
    // OR IGNORE: another process may have created it since we looked; its key then wins and
    // is read back below, so every node of one database shares one key.
    conn.execute(
        "INSERT OR IGNORE INTO server_key(id, key) VALUES (1, ?1)",
        [random_key()?],
    )
    .db()?;
    load()?.ok_or_else(|| StoreError::Unavailable("the server key could not be stored".into()))
}

/// 32 random bytes from the operating system. `/dev/urandom` gives the full 256 bits; where it
/// does not exist (non-Unix), two v4 UUIDs (122 random bits each, from the OS generator
/// through `uuid`'s `getrandom`) are the fallback.
fn random_key() -> Result<[u8; 32]> {
    use std::io::Read;
    let mut key = [0u8; 32];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key)) {
        Ok(()) => Ok(key),
        Err(e) => {
            tracing::debug!(error = %e, "no /dev/urandom; deriving the server key from v4 UUIDs");
            let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            key[..16].copy_from_slice(a.as_bytes());
            key[16..].copy_from_slice(b.as_bytes());
            Ok(key)
        }
    }
}

/// The idle checkpoint: TRUNCATE with the busy handler off. Without a busy handler SQLite
/// degrades a blocked TRUNCATE to a PASSIVE pass (copy what it can, never wait), so a long
/// reader cannot stall the writer here. Returns whether the WAL was fully checkpointed.
pub(crate) fn idle_checkpoint(conn: &Connection, busy_timeout: Duration) -> bool {
    if conn.busy_timeout(Duration::ZERO).is_err() {
        return false;
    }
    let r = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    let _ = conn.busy_timeout(busy_timeout);
    match r {
        Ok((busy, log, done)) => {
            tracing::debug!(busy, log, done, "idle WAL checkpoint");
            busy == 0
        }
        Err(e) => {
            tracing::warn!(error = %e, "idle WAL checkpoint failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database at schema `version` (the migrations up to it applied by hand).
    fn database_at(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_us INTEGER NOT NULL)",
        )
        .unwrap();
        for (i, sql) in MIGRATIONS.iter().take(version).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_version VALUES (?1, 0)",
                [i64::try_from(i + 1).unwrap()],
            )
            .unwrap();
        }
        conn
    }

    /// A database written by the previous release (schema 2) keeps what its readers saw: an
    /// unmarked object becomes GREEN (defaulted), a marked one keeps its TLP, and neither has
    /// an originator.
    #[test]
    fn migration_3_keeps_unmarked_objects_readable() {
        let conn = database_at(2);
        conn.execute_batch(
            "INSERT INTO api_root VALUES ('lds', 'LDS', NULL, 1000);
             INSERT INTO collection(id, api_root, uuid, title) VALUES (1, 'lds', 'u', 't');
             INSERT INTO object_version(collection_id, stix_id, stix_type, spec_version, version_us,
               version, date_added_us, is_latest, tlp, body)
             VALUES (1, 'a--1', 'a', '2.1', 1, 'v', 1, 1, NULL, x'7b7d'),
                    (1, 'a--2', 'a', '2.1', 1, 'v', 2, 1, 3, x'7b7d');",
        )
        .unwrap();
        migrate(&conn).unwrap();
        let rows: Vec<(String, Option<i64>, i64, Option<String>)> = conn
            .prepare(
                "SELECT stix_id, tlp, access_flags, origin FROM object_version ORDER BY stix_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("a--1".into(), Some(1), 2, None),
                ("a--2".into(), Some(3), 0, None)
            ]
        );
    }

    #[test]
    fn migration_4_classifies_stored_rows_conservatively() {
        let conn = database_at(3);
        conn.execute_batch(
            "INSERT INTO api_root VALUES ('lds', 'LDS', NULL, 1000);
             INSERT INTO collection(id, api_root, uuid, title) VALUES (1, 'lds', 'u', 't');",
        )
        .unwrap();
        let rows = [
            ("user-account", r#"{"account_login":"jan"}"#),
            (
                "user-account",
                r#"{"account_login":"jan","credential":"x"}"#,
            ),
            (
                "identity",
                r#"{"identity_class":"individual","created_by_ref":"identity--a"}"#,
            ),
            (
                "identity",
                r#"{"identity_class":"organization","created_by_ref":"identity--a"}"#,
            ),
            (
                "indicator",
                r#"{"pattern":"[email-addr:value = 'a@b.nl']","object_marking_refs":["m--1"]}"#,
            ),
            (
                "report",
                r#"{"created_by_ref":"identity--a","object_refs":["x--1"]}"#,
            ),
            (
                "note",
                r#"{"granular_markings":[{"marking_ref":"marking-definition--a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d","selectors":["content"]}]}"#,
            ),
            ("artifact", r#"{"url":"https://x"}"#),
        ];
        for (n, (ty, body)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO object_version(collection_id, stix_id, stix_type, spec_version,
                   version_us, version, date_added_us, is_latest, tlp, body, shadowed)
                 VALUES (1, ?1, ?2, '2.1', 1, 'v', ?3, 1, 1, ?4, 1)",
                rusqlite::params![
                    format!("{ty}--{n}"),
                    ty,
                    i64::try_from(n).unwrap(),
                    body.as_bytes()
                ],
            )
            .unwrap();
        }
        migrate(&conn).unwrap();
        let got: Vec<(i64, i64, i64)> = conn
            .prepare(
                "SELECT pii, access_flags & 4, shadowed FROM object_version ORDER BY date_added_us",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let pii: Vec<i64> = got.iter().map(|g| g.0).collect();
        let review: Vec<i64> = got.iter().map(|g| g.1).collect();
        assert_eq!(pii, vec![2, 3, 2, 0, 2, 0, 2, 1]);
        assert_eq!(review, vec![0, 0, 0, 0, 0, 4, 0, 0]);
        assert!(got.iter().all(|g| g.2 == 0), "shadowed reset");
    }
}
