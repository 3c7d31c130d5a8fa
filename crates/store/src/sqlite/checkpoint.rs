//! The background checkpointer: copies the WAL back into the database file on its own thread
//! and connection, so the writer does not stop committing while pages are copied and synced.
//!
//! An insert into a large collection dirties a leaf page of each index keyed by STIX id at
//! random, so a request of 500 objects writes about a thousand WAL pages. With SQLite's
//! automatic checkpoint (run by the committing connection after 1,000 pages) the writer thread
//! spent a quarter of its time copying and syncing pages during a bulk ingest of a million
//! objects (docs/benchmarks.md).
//!
//! Automatic checkpoints are off on the writer's connection. After every commit SQLite tells
//! the writer how many pages the WAL holds (the WAL hook); past `checkpoint_pages` the writer
//! nudges this thread, which runs a PASSIVE checkpoint: it copies what it can and never waits
//! for, or blocks, the writer and the readers. A PASSIVE checkpoint cannot reset the WAL while
//! the writer keeps appending, so past `wal_limit_pages` the writer itself runs a blocking
//! RESTART checkpoint between transactions: the WAL file stays bounded under sustained load.
//! The writer's idle checkpoint (TRUNCATE when nothing arrived for a while) is unchanged.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::Db;
use crate::{Result, StoreError};

/// The checkpointer thread and what the writer needs to drive it.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    thread: Option<JoinHandle<()>>,
}

/// The writer's side: installed as the WAL hook of the writer's connection.
#[derive(Debug, Clone)]
pub(crate) struct WalWatch {
    nudge: SyncSender<()>,
    /// Pages in the WAL after the last commit.
    pages: Arc<AtomicU32>,
    checkpoint_pages: u32,
    limit_pages: u32,
}

impl Checkpointer {
    /// Opens the checkpointer's connection to `path` (an existing database in WAL mode) and
    /// starts its thread. The thread ends when every [`WalWatch`] is dropped.
    pub fn start(
        path: &Path,
        checkpoint_pages: u32,
        limit_pages: u32,
    ) -> Result<(Checkpointer, WalWatch)> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).db()?;
        // This connection never writes rows; it must not checkpoint on its own either.
        conn.pragma_update(None, "wal_autocheckpoint", 0).db()?;
        // One pending nudge is enough: a checkpoint copies everything committed before it.
        let (nudge, rx) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("schakel-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(conn, rx))
            .map_err(|e| StoreError::Unavailable(format!("checkpoint thread: {e}")))?;
        Ok((
            Checkpointer {
                thread: Some(thread),
            },
            WalWatch {
                nudge,
                pages: Arc::new(AtomicU32::new(0)),
                checkpoint_pages: checkpoint_pages.max(1),
                limit_pages: limit_pages.max(checkpoint_pages).max(1),
            },
        ))
    }

    /// Waits for the thread to end (after the writer, holding the [`WalWatch`], has stopped).
    pub fn join(&mut self) {
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the SQLite checkpoint thread panicked");
        }
    }
}

impl WalWatch {
    /// Installs the WAL hook on the writer's connection. This replaces SQLite's automatic
    /// checkpoint, which is itself a WAL hook.
    pub fn install(&self, conn: &mut Connection) -> Result<()> {
        let watch = self.clone();
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
            let pages = u32::try_from(pages).unwrap_or(0);
            watch.pages.store(pages, Ordering::Relaxed);
            if pages >= watch.checkpoint_pages {
                match watch.nudge.try_send(()) {
                    Ok(()) | Err(TrySendError::Full(())) => {}
                    // The checkpointer is gone (only at shutdown); the idle checkpoint remains.
                    Err(TrySendError::Disconnected(())) => {}
                }
            }
            Ok(())
        }))
        .db()
    }

    /// Run by the writer between transactions: when background checkpoints did not keep the
    /// WAL under its limit, a RESTART checkpoint that waits (up to the busy timeout) for
    /// readers, so the next commit starts the WAL from its beginning again.
    pub fn enforce_limit(&self, conn: &Connection) {
        if self.pages.load(Ordering::Relaxed) < self.limit_pages {
            return;
        }
        match conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        }) {
            Ok((busy, log, done)) => {
                tracing::debug!(busy, log, done, "WAL over its limit: RESTART checkpoint");
                if busy == 0 {
                    self.pages.store(0, Ordering::Relaxed);
                }
            }
            Err(e) => tracing::warn!(error = %e, "RESTART checkpoint failed"),
        }
    }
}

fn checkpoint_loop(conn: Connection, rx: Receiver<()>) {
    while rx.recv().is_ok() {
        // PASSIVE never invokes the busy handler; a concurrent checkpoint (the writer's idle
        // or RESTART one) makes this one return SQLITE_BUSY, which is harmless.
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        }) {
            Ok((log, done)) => tracing::trace!(log, done, "background WAL checkpoint"),
            Err(e) => tracing::debug!(error = %e, "background WAL checkpoint did not run"),
        }
        // Coalesce: nudges that arrived during the checkpoint are covered by the next one.
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite checkpoint connection");
    }
}
