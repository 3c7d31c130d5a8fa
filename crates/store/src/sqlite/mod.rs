//! SQLite backend: one writer thread with group commit, a pool of read-only WAL connections
//! (rust-notes.md section 5.1).
//!
//! - `writer`: the only read-write connection, its job queue and group commit.
//! - `pool`: read-only connections used through `spawn_blocking`.
//! - `schema`: PRAGMAs, numbered migrations, the server key.
//! - `objects`: adding and deleting object versions (`date_added`, `is_latest`, duplicates).
//! - `select`: the keyset page query and its SQL builder.
//! - `admin`: provisioning, API roots, collections, accounts, grants, status resources.
//!
//! # Parameters
//!
//! SQLite re-prepares a statement (parses and plans it again) on every execution after its
//! planner looked at the value of a parameter, which the bundled build does for `LIMIT ?` and
//! for `x = ?` / `x IN (?)` in a query with ORDER BY: every page query. Measured, that was a
//! third of a page's CPU time. A parameter written `+?` is an expression the planner does not
//! look into and is still used for index lookups, so parameters in WHERE clauses and LIMIT are
//! written that way; unit tests check the page and write statements are never re-prepared.

mod admin;
mod audit;
pub mod backup;
mod checkpoint;
mod objects;
mod pool;
mod schema;
mod select;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use uuid::Uuid;

use crate::{
    Account, AddOutcome, ApiRoot, Collection, Grant, Micros, NewObject, ObjectFilter, Organisation,
    Page, PageRequest, Provisioning, Result, StatusRecord, Store, StoreError, StoredAccess,
    Visibility,
};
use checkpoint::Checkpointer;
use pool::Readers;
use writer::{Writer, WriterConfig};

/// How to open a SQLite store. `Default` gives the measured settings of rust-notes.md 5.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// `synchronous=FULL` (fsync on every commit) instead of `NORMAL`.
    pub synchronous_full: bool,
    /// Read-only connections; 0 = twice the number of cores.
    pub readers: usize,
    /// Write jobs that may wait in the writer's queue before submitters wait.
    pub queue: usize,
    /// Most jobs committed in one transaction (group commit).
    pub max_batch_jobs: usize,
    /// How long the writer waits with nothing to do before it checkpoints the WAL.
    pub idle_checkpoint: Duration,
    pub busy_timeout: Duration,
    /// Page cache per connection, in KiB. Private memory: with the default 8 MiB and four
    /// readers plus the writer the caches stay under 40 MiB, so a server holding a million
    /// objects keeps its resident set small; the OS page cache keeps hot pages anyway.
    pub cache_kib: i64,
    /// WAL size, in pages, past which the background checkpointer copies it into the database
    /// (see `checkpoint.rs`).
    pub checkpoint_pages: u32,
    /// WAL size, in pages, past which the writer itself checkpoints and restarts the WAL
    /// between transactions, waiting for readers: the bound on the WAL file under sustained
    /// writes (65,536 pages of 4 KiB: 256 MiB).
    pub wal_limit_pages: u32,
    /// Memory-mapped I/O per connection, in bytes. Off by default: mapped database pages count
    /// in the process's resident set, which then grows with the database.
    pub mmap_size: i64,
    /// Prepared statements cached per connection (filters with different numbers of ids or
    /// types are different statements).
    pub statement_cache: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous_full: false,
            readers: 0,
            queue: 256,
            max_batch_jobs: 64,
            idle_checkpoint: Duration::from_millis(500),
            busy_timeout: Duration::from_secs(5),
            cache_kib: 8_192,
            checkpoint_pages: 4_096,
            wal_limit_pages: 65_536,
            mmap_size: 0,
            statement_cache: 128,
        }
    }
}

/// The SQLite [`Store`]. Cheap to clone (all clones share the writer and the pool); the writer
/// thread stops, after finishing the queued jobs, when the last clone is dropped.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Writer,
    /// Writer of the audit database (a file of its own, see `schema::AUDIT_MIGRATIONS`).
    audit: Writer,
    audit_path: PathBuf,
    readers: Arc<Readers>,
    server_key: [u8; 32],
    path: PathBuf,
    /// Directory removed on drop (stores made by [`SqliteStore::open_temporary`]).
    temporary: Option<PathBuf>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.writer.shutdown();
        self.audit.shutdown();
        self.readers.close();
        if let Some(dir) = &self.temporary {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrates it, and starts the writer
    /// thread and the reader pool. Refuses a database with a newer schema than this build.
    pub fn open(path: &Path, opts: SqliteOptions) -> Result<SqliteStore> {
        Self::open_inner(path, opts, None)
    }

    /// A store in a new directory under the system temporary directory, removed when the last
    /// clone is dropped. For tests and demos. (SQLite's `:memory:` databases cannot be shared
    /// by separate read-only connections in WAL mode, so a file it is.)
    pub fn open_temporary() -> Result<SqliteStore> {
        let dir = std::env::temp_dir().join(format!("schakel-store-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| StoreError::Unavailable(format!("creating {}: {e}", dir.display())))?;
        let opts = SqliteOptions {
            readers: 4,
            ..SqliteOptions::default()
        };
        match Self::open_inner(&dir.join("schakel.db"), opts, Some(dir.clone())) {
            Ok(s) => Ok(s),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(e)
            }
        }
    }

    fn open_inner(
        path: &Path,
        opts: SqliteOptions,
        temporary: Option<PathBuf>,
    ) -> Result<SqliteStore> {
        let conn = open_writer_connection(path, &opts)?;
        schema::migrate(&conn)?;
        let server_key = schema::server_key(&conn)?;
        let reader_count = match opts.readers {
            0 => 2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let writer = start_writer(
            conn,
            path,
            &opts,
            opts.checkpoint_pages,
            opts.wal_limit_pages,
        )?;
        let readers = Readers::new(path.to_path_buf(), opts, reader_count)?;
        let audit_path = audit_path_of(path);
        let audit = open_audit(&audit_path, &opts)?;
        tracing::info!(path = %path.display(), readers = reader_count, "SQLite store open");
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer,
                audit,
                audit_path,
                readers,
                server_key,
                path: path.to_path_buf(),
                temporary,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The audit database file (`<name>.audit.db` beside [`Self::path`]).
    pub fn audit_path(&self) -> &Path {
        &self.inner.audit_path
    }

    /// Runs `f` on a read-only connection to the audit database (operator queries: rare, so
    /// a connection per call rather than a pool).
    async fn read_audit<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let path = self.inner.audit_path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("audit reader: {e}")))?
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.readers.run(f).await
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.writer.run(f).await
    }
}

impl Store for SqliteStore {
    async fn provision(&self, p: Provisioning) -> Result<()> {
        self.write(move |c| admin::provision(c, &p)).await
    }

    async fn api_roots(&self) -> Result<Vec<ApiRoot>> {
        self.read(admin::api_roots).await
    }

    async fn collections(&self, api_root: &str) -> Result<Vec<Collection>> {
        let root = api_root.to_owned();
        self.read(move |c| admin::collections(c, &root)).await
    }

    async fn collection(&self, api_root: &str, id_or_alias: &str) -> Result<Option<Collection>> {
        let (root, key) = (api_root.to_owned(), id_or_alias.to_owned());
        self.read(move |c| admin::collection(c, &root, &key)).await
    }

    async fn account(&self, name: &str) -> Result<Option<Account>> {
        let name = name.to_owned();
        self.read(move |c| admin::account(c, &name)).await
    }

    async fn accounts(&self) -> Result<Vec<(Account, Vec<String>)>> {
        self.read(admin::accounts).await
    }

    async fn remove_grant(
        &self,
        organisation: &str,
        api_root: &str,
        collection: Uuid,
    ) -> Result<bool> {
        let (org, root, id) = (
            organisation.to_owned(),
            api_root.to_owned(),
            collection.to_string(),
        );
        self.write(move |c| admin::remove_grant(c, &org, &root, &id))
            .await
    }

    async fn remove_account(&self, name: &str) -> Result<bool> {
        let name = name.to_owned();
        self.write(move |c| admin::remove_account(c, &name)).await
    }

    async fn remove_organisation(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write(move |c| admin::remove_organisation(c, &id))
            .await
    }

    async fn remove_collection(
        &self,
        api_root: &str,
        id: Uuid,
        with_objects: bool,
    ) -> Result<Option<u64>> {
        let (root, id) = (api_root.to_owned(), id.to_string());
        self.write(move |c| admin::remove_collection(c, &root, &id, with_objects))
            .await
    }

    async fn account_by_token(&self, sha256: [u8; 32]) -> Result<Option<Account>> {
        self.read(move |c| admin::account_by_token(c, &sha256))
            .await
    }

    async fn grants(&self, organisation: &str, api_root: &str) -> Result<Vec<Grant>> {
        let (org, root) = (organisation.to_owned(), api_root.to_owned());
        self.read(move |c| admin::grants(c, &org, &root)).await
    }

    async fn add_objects(
        &self,
        collection: &Collection,
        objects: Vec<NewObject>,
        status: StatusRecord,
    ) -> Result<(Vec<AddOutcome>, StatusRecord)> {
        let key = collection.key;
        let (outcomes, status, event) = self
            .write(move |c| objects::add(c, key, &objects, status))
            .await?;
        // Recorded once the objects are committed. A crash in between loses this entry, never
        // the objects; the status resource (committed with them) still reports the request.
        self.inner
            .audit
            .run(move |c| audit::append(c, &[event]))
            .await?;
        Ok((outcomes, status))
    }

    async fn query(
        &self,
        collection: &Collection,
        filter: &ObjectFilter,
        visibility: &Visibility,
        page: PageRequest,
        with_bodies: bool,
    ) -> Result<Page> {
        let (key, filter, visibility) = (collection.key, filter.clone(), visibility.clone());
        self.read(move |c| select::page(c, key, &filter, &visibility, page, with_bodies))
            .await
    }

    async fn object_exists(
        &self,
        collection: &Collection,
        id: &str,
        visibility: &Visibility,
    ) -> Result<bool> {
        let (key, id, visibility) = (collection.key, id.to_owned(), visibility.clone());
        self.read(move |c| select::exists(c, key, &id, &visibility))
            .await
    }

    async fn delete_object(
        &self,
        collection: &Collection,
        id: &str,
        filter: &ObjectFilter,
    ) -> Result<u64> {
        let (key, id, filter) = (collection.key, id.to_owned(), filter.clone());
        self.write(move |c| objects::delete(c, key, &id, &filter))
            .await
    }

    async fn status(&self, api_root: &str, id: Uuid) -> Result<Option<StatusRecord>> {
        let root = api_root.to_owned();
        self.read(move |c| admin::status(c, &root, id)).await
    }

    async fn expire_statuses(&self, written_before: Micros) -> Result<u64> {
        self.write(move |c| admin::expire_statuses(c, written_before))
            .await
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        self.read(admin::organisations).await
    }

    async fn object_access(
        &self,
        collection: &Collection,
        ids: Vec<String>,
    ) -> Result<Vec<StoredAccess>> {
        let key = collection.key;
        self.read(move |c| audit::object_access(c, key, &ids)).await
    }

    async fn reference_access(
        &self,
        collection: &Collection,
        ids: Vec<String>,
    ) -> Result<Vec<crate::RefAccess>> {
        let key = collection.key;
        self.read(move |c| audit::reference_access(c, key, &ids))
            .await
    }

    async fn audit(&self, events: Vec<crate::audit::AuditEvent>) -> Result<()> {
        self.inner
            .audit
            .run(move |c| audit::append(c, &events))
            .await
    }

    async fn audit_entries(
        &self,
        filter: crate::audit::AuditFilter,
    ) -> Result<Vec<crate::audit::AuditEntry>> {
        self.read_audit(move |c| audit::entries(c, &filter)).await
    }

    async fn verify_audit(&self) -> Result<crate::audit::AuditReport> {
        self.read_audit(audit::verify).await
    }

    async fn add_arrival(
        &self,
        collection: &Collection,
        arrival: crate::Arrival,
    ) -> Result<Vec<crate::Arrived>> {
        let key = collection.key;
        let (arrived, event) = self
            .write(move |c| objects::arrive(c, key, &arrival))
            .await?;
        // As for posts: recorded once the objects are committed. A scheduled pull that found
        // nothing new is not an event.
        if !event.items.is_empty() {
            self.inner
                .audit
                .run(move |c| audit::append(c, &[event]))
                .await?;
        }
        Ok(arrived)
    }

    async fn checkpoint(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.read(move |c| objects::checkpoint(c, &name)).await
    }

    async fn hops(&self, collection: &Collection, id: &str) -> Result<Vec<(String, crate::Hop)>> {
        let (key, id) = (collection.key, id.to_owned());
        self.read(move |c| objects::hops(c, key, &id)).await
    }

    async fn server_key(&self) -> Result<[u8; 32]> {
        Ok(self.inner.server_key)
    }
}

/// WAL pages of the audit database after which the background checkpointer runs (1 MiB).
const AUDIT_CHECKPOINT_PAGES: u32 = 256;
/// WAL pages of the audit database after which its writer restarts the WAL (8 MiB).
const AUDIT_WAL_LIMIT_PAGES: u32 = 2_048;

/// `schakel.db` -> `schakel.audit.db`.
fn audit_path_of(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "schakel".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.audit.db"))
}

/// Opens (creating) a database read-write with the writer's PRAGMAs.
fn open_writer_connection(path: &Path, opts: &SqliteOptions) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
    schema::writer_pragmas(&conn, opts)?;
    Ok(conn)
}

/// Starts the writer thread of `conn` (the database at `path`) with its checkpointer.
fn start_writer(
    conn: Connection,
    path: &Path,
    opts: &SqliteOptions,
    checkpoint_pages: u32,
    wal_limit_pages: u32,
) -> Result<Writer> {
    let (checkpointer, watch) = Checkpointer::start(path, checkpoint_pages, wal_limit_pages)?;
    Writer::start(
        conn,
        checkpointer,
        watch,
        WriterConfig {
            queue: opts.queue,
            max_batch_jobs: opts.max_batch_jobs.max(1),
            idle_checkpoint: opts.idle_checkpoint,
            busy_timeout: opts.busy_timeout,
        },
    )
}

/// Opens (creating) the audit database and starts its writer.
fn open_audit(path: &Path, opts: &SqliteOptions) -> Result<Writer> {
    let conn = open_writer_connection(path, opts)?;
    schema::migrate_with(&conn, schema::AUDIT_MIGRATIONS, "audit")?;
    // The audit log is appended to on every page served, without pause: a background
    // checkpoint never catches up with such a writer, so the WAL would only be reset by the
    // blocking RESTART at its limit. A small limit makes those stalls short (measured at a
    // million objects: p99 of pages 70 ms with the objects' 256 MiB limit).
    start_writer(
        conn,
        path,
        opts,
        opts.checkpoint_pages.min(AUDIT_CHECKPOINT_PAGES),
        opts.wal_limit_pages.min(AUDIT_WAL_LIMIT_PAGES),
    )
}

/// Maps rusqlite errors into [`StoreError`]; kept here so the error enum stays free of any
/// backend's types.
pub(crate) trait Db<T> {
    fn db(self) -> Result<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(|e| StoreError::Unavailable(format!("sqlite: {e}")))
    }
}

/// The current time in microseconds since the epoch (0 if the clock is before 1970, which
/// `max(now, last + 1)` then absorbs).
/// Reads the access columns of an `object_version` row, selected in the order `tlp,
/// access_flags, origin, recipients, affected, pii` from column `first` on, as a
/// classification (without zones). Every query that reads them lists them in this order.
pub(crate) fn access_columns(
    r: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<crate::Classification> {
    let tlp: Option<u8> = r.get(first)?;
    let flags: u8 = r.get(first + 1)?;
    let recipients: Option<String> = r.get(first + 3)?;
    let affected: Option<String> = r.get(first + 4)?;
    Ok(crate::Classification {
        tlp: tlp.and_then(tlp::from_rank),
        origin: r.get(first + 2)?,
        recipients: tlp::model::decode_ids(recipients.as_deref()),
        affected: tlp::model::decode_ids(affected.as_deref()),
        pii: tlp::PiiClass::from_rank(r.get(first + 5)?),
        ..crate::Classification::default()
    }
    .with_flags(flags))
}

pub(crate) fn now_us() -> Micros {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A microsecond instant as a TAXII timestamp (6 fractional digits, `Z`; T-29).
pub(crate) fn taxii_timestamp(us: Micros) -> String {
    stix::StixTimestamp::from_micros(us).as_str().to_owned()
}
