//! The reader pool: read-only connections used from `spawn_blocking`.
//!
//! A semaphore bounds how many reads run at once (so many concurrent HTTP requests queue here
//! instead of opening connections without limit); the connections themselves sit in a
//! `Mutex<Vec<_>>` and are opened lazily. A connection that is not returned (a panicking
//! closure) is simply replaced by a new one on a later read, so the pool heals itself.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::schema::common_pragmas;
use super::{Db, SqliteOptions};
use crate::{Result, StoreError};

#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    opts: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub fn new(path: PathBuf, opts: SqliteOptions, size: usize) -> Result<Arc<Readers>> {
        let readers = Readers {
            path,
            opts,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size.max(1))),
        };
        // Open one now so a database readers cannot open fails at start, not on first request.
        let first = readers.open()?;
        readers.give(first);
        Ok(Arc::new(readers))
    }

    fn open(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).db()?;
        common_pragmas(&conn, &self.opts)?;
        Ok(conn)
    }

    fn take(&self) -> Result<Connection> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn give(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
    }

    /// Closes the idle connections (shutdown).
    pub fn close(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Runs `f` on a pooled read-only connection on the blocking thread pool.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::ShuttingDown)?;
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = me.take()?;
            let out = f(&conn);
            me.give(conn);
            out
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("read task failed: {e}")))?
    }
}
