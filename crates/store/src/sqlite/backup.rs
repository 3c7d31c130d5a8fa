//! Online backup and restore of the two database files (objects and audit log), with SQLite's
//! backup API: a consistent snapshot of each while the server runs and writes.
//!
//! The two files are copied one after the other, so the audit log's snapshot may be a little
//! newer than the objects' (it never misses an ingest entry of an object in the copy, since an
//! entry is written after its objects commit). A restore checks both copies (SQLite integrity
//! check, the audit hash chain) before it replaces anything.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::Db;
use crate::audit::AuditReport;
use crate::{Result, StoreError};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub files: Vec<PathBuf>,
    pub bytes: u64,
    pub object_versions: u64,
    /// The copied audit chain, verified.
    pub audit: AuditReport,
}

fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{what} {}: {e}", path.display()))
}

/// The database files of a data directory: objects, audit log.
pub fn files(dir: &Path) -> [PathBuf; 2] {
    [dir.join("schakel.db"), dir.join("schakel.audit.db")]
}

/// Copies the databases of data directory `from` into directory `to` (created; files there are
/// replaced), while a server may be using them.
pub fn backup(from: &Path, to: &Path) -> Result<Copied> {
    std::fs::create_dir_all(to).map_err(|e| io("creating", to, e))?;
    for (src, dst) in files(from).iter().zip(files(to)) {
        if !src.exists() {
            return Err(StoreError::NotFound(format!(
                "no database at {}",
                src.display()
            )));
        }
        let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY).db()?;
        source.busy_timeout(Duration::from_secs(30)).db()?;
        // A fresh file, so no page of an older copy survives.
        let _ = std::fs::remove_file(&dst);
        let mut target = Connection::open(&dst).db()?;
        rusqlite::backup::Backup::new(&source, &mut target)
            .db()?
            // 1,000 pages a step, no pause: the source's writer waits at most one step.
            .run_to_completion(1000, Duration::ZERO, None)
            .db()?;
        // The copy is one self-contained file (rollback journal, not WAL).
        target.pragma_update(None, "journal_mode", "DELETE").db()?;
    }
    check(to)
}

/// Checks the databases in `dir` (SQLite integrity, the audit chain) and reports them.
pub fn check(dir: &Path) -> Result<Copied> {
    let [db, audit] = files(dir);
    let mut bytes = 0;
    for f in [&db, &audit] {
        let conn = Connection::open_with_flags(f, OpenFlags::SQLITE_OPEN_READ_ONLY).db()?;
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .db()?;
        if ok != "ok" {
            return Err(StoreError::Unavailable(format!(
                "{} fails SQLite's integrity check: {ok}",
                f.display()
            )));
        }
        bytes += std::fs::metadata(f).map_err(|e| io("reading", f, e))?.len();
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).db()?;
    let object_versions: i64 = conn
        .query_row("SELECT count(*) FROM object_version", [], |r| r.get(0))
        .db()?;
    let audit_conn = Connection::open_with_flags(&audit, OpenFlags::SQLITE_OPEN_READ_ONLY).db()?;
    let report = super::audit::verify(&audit_conn)?;
    if let Some((seq, why)) = &report.broken {
        return Err(StoreError::Unavailable(format!(
            "the audit chain in {} is broken at entry {seq}: {why}",
            audit.display()
        )));
    }
    Ok(Copied {
        files: vec![db, audit],
        bytes,
        object_versions: u64::try_from(object_versions).unwrap_or(0),
        audit: report,
    })
}

/// Replaces the databases of data directory `to` with the checked copies in `from`. The
/// server must be stopped: its open connections would keep writing to the replaced files.
pub fn restore(from: &Path, to: &Path) -> Result<Copied> {
    check(from)?;
    std::fs::create_dir_all(to).map_err(|e| io("creating", to, e))?;
    for (src, dst) in files(from).iter().zip(files(to)) {
        // Write beside, then rename: a crash leaves the old file or the new one, not half.
        let tmp = dst.with_extension("db.restoring");
        std::fs::copy(src, &tmp).map_err(|e| io("copying to", &tmp, e))?;
        for stale in ["-wal", "-shm"] {
            let mut p = dst.as_os_str().to_owned();
            p.push(stale);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        std::fs::rename(&tmp, &dst).map_err(|e| io("replacing", &dst, e))?;
    }
    check(to)
}
