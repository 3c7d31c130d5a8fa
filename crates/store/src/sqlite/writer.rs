//! The writer: one thread owning the only read-write connection.
//!
//! Jobs arrive on a bounded channel (back-pressure on ingest instead of unbounded memory).
//! The thread takes the first job, drains whatever else is queued (up to `max_batch_jobs`) and
//! runs them all in one transaction: group commit, so a burst of small requests costs one
//! WAL commit instead of one each. Every job runs inside its own SAVEPOINT, so a job that fails
//! is undone alone and the others still commit. Replies are sent only after COMMIT returned:
//! an acknowledged write is a committed write.
//!
//! Because this one thread executes every write in order, `date_added` values assigned in a job
//! are ordered like the commits that publish them: a reader can never see a larger
//! `date_added` before a smaller one becomes visible (what keeps `added_after` paging exact).

use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpoint::{Checkpointer, WalWatch};
use super::schema::idle_checkpoint;
use crate::{Result, StoreError};

/// A unit of work for the writer thread, type-erased so one channel carries every kind.
trait WriteJob: Send {
    /// Runs the work inside the open transaction; returns whether it succeeded (a failed job
    /// is rolled back to its savepoint).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Delivers the outcome once the transaction ended; `commit_error` is set when the
    /// transaction as a whole did not commit.
    fn finish(self: Box<Self>, commit_error: Option<&str>);
}

struct Typed<T, F> {
    work: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> WriteJob for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let r = match self.work.take() {
            // A panicking job (a bug) must not take the only writer down with it: it is
            // rolled back like a failed one and the thread carries on with the others.
            Some(work) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(conn)))
                .unwrap_or_else(|_| Err(StoreError::Unavailable("a write job panicked".into()))),
            None => Err(StoreError::Unavailable("write job ran twice".into())),
        };
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, commit_error: Option<&str>) {
        let out = match (self.result, commit_error) {
            // The job's own error explains more than the transaction's.
            (Some(Err(e)), _) => Err(e),
            (_, Some(msg)) => Err(StoreError::Unavailable(format!("commit failed: {msg}"))),
            (Some(ok), None) => ok,
            (None, None) => Err(StoreError::Unavailable("write job did not run".into())),
        };
        // The requester may have gone away (client disconnected); the write stands anyway.
        let _ = self.reply.send(out);
    }
}

/// Tuning of the writer thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriterConfig {
    pub queue: usize,
    pub max_batch_jobs: usize,
    pub idle_checkpoint: Duration,
    pub busy_timeout: Duration,
}

/// Handle to the writer thread; writes are submitted through [`Writer::run`].
#[derive(Debug)]
pub(crate) struct Writer {
    tx: Option<mpsc::Sender<Box<dyn WriteJob>>>,
    thread: Option<JoinHandle<()>>,
    checkpointer: Checkpointer,
}

impl Writer {
    /// Starts the writer thread on `conn` (already migrated and configured), whose WAL is
    /// checkpointed by `checkpointer` as `watch` reports it growing.
    pub fn start(
        mut conn: Connection,
        checkpointer: Checkpointer,
        watch: WalWatch,
        cfg: WriterConfig,
    ) -> Result<Writer> {
        watch.install(&mut conn)?;
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        // A private current-thread runtime only to wait for jobs with a timeout, which is how
        // the thread notices it is idle and may checkpoint.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("writer runtime: {e}")))?;
        let thread = std::thread::Builder::new()
            .name("schakel-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, cfg, rt, watch))
            .map_err(|e| StoreError::Unavailable(format!("writer thread: {e}")))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
            checkpointer,
        })
    }

    /// Runs `work` in the writer's transaction and returns its result once committed.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let tx = self.tx.as_ref().ok_or(StoreError::ShuttingDown)?;
        let (reply, rx) = oneshot::channel();
        let job: Box<dyn WriteJob> = Box::new(Typed {
            work: Some(work),
            result: None,
            reply,
        });
        tx.send(job).await.map_err(|_| StoreError::ShuttingDown)?;
        rx.await.map_err(|_| StoreError::ShuttingDown)?
    }

    /// Closes the queue and waits until the thread has finished the queued jobs, checkpointed
    /// and closed the connection.
    pub fn shutdown(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the SQLite writer thread panicked");
        }
        // The writer's end dropped the last WalWatch, which ends the checkpointer.
        self.checkpointer.join();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn writer_loop(
    conn: Connection,
    mut rx: mpsc::Receiver<Box<dyn WriteJob>>,
    cfg: WriterConfig,
    rt: tokio::runtime::Runtime,
    watch: WalWatch,
) {
    tracing::debug!("SQLite writer started");
    // Whether something was committed since the last complete checkpoint.
    let mut dirty = false;
    loop {
        let first = if dirty {
            // The timer must be created inside `block_on`: it needs the runtime's context.
            match rt.block_on(async { tokio::time::timeout(cfg.idle_checkpoint, rx.recv()).await })
            {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(_idle) => {
                    dirty = !idle_checkpoint(&conn, cfg.busy_timeout);
                    continue;
                }
            }
        } else {
            match rx.blocking_recv() {
                Some(job) => job,
                None => break,
            }
        };
        let mut batch = vec![first];
        while batch.len() < cfg.max_batch_jobs {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch);
        watch.enforce_limit(&conn);
        dirty = true;
    }
    if dirty {
        idle_checkpoint(&conn, cfg.busy_timeout);
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite writer connection");
    }
    tracing::debug!("SQLite writer stopped");
}

/// Runs a batch of jobs in one transaction, each in its own savepoint, and answers them.
fn commit_batch(conn: &Connection, mut batch: Vec<Box<dyn WriteJob>>) {
    let fail_all = |batch: Vec<Box<dyn WriteJob>>, msg: &str| {
        tracing::error!(error = msg, jobs = batch.len(), "write transaction failed");
        for job in batch {
            job.finish(Some(msg));
        }
    };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return fail_all(batch, &e.to_string());
    }
    // A savepoint makes SQLite copy every page a job touches into the statement journal (a
    // measurable share of a large ingest). A lone job needs none: on failure the whole
    // transaction, which holds only that job, is rolled back instead.
    if let [job] = batch.as_mut_slice() {
        if job.run(conn) {
            return finish_commit(conn, batch);
        }
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::error!(error = %e, "rolling back a failed write job");
        }
        for job in batch {
            job.finish(None);
        }
        return;
    }
    for job in batch.iter_mut() {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let _ = conn.execute_batch("ROLLBACK");
            return fail_all(batch, &e.to_string());
        }
        let end = if job.run(conn) {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            let _ = conn.execute_batch("ROLLBACK");
            return fail_all(batch, &e.to_string());
        }
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction by itself;
        // the jobs already released are then lost too, and running the rest in autocommit
        // mode would break their atomicity.
        if conn.is_autocommit() {
            return fail_all(batch, "the transaction was rolled back by SQLite");
        }
    }
    finish_commit(conn, batch);
}

/// Commits the open transaction and answers its jobs.
fn finish_commit(conn: &Connection, batch: Vec<Box<dyn WriteJob>>) {
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for job in batch {
                job.finish(None);
            }
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            let msg = e.to_string();
            tracing::error!(error = msg, jobs = batch.len(), "write transaction failed");
            for job in batch {
                job.finish(Some(&msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::sqlite::{Db, SqliteOptions, schema};

    fn writer(dir: &std::path::Path, checkpoint_pages: u32, limit_pages: u32) -> Writer {
        let path = dir.join("w.db");
        let conn = Connection::open(&path).unwrap();
        schema::writer_pragmas(&conn, &SqliteOptions::default()).unwrap();
        conn.execute_batch("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
            .unwrap();
        let (checkpointer, watch) =
            Checkpointer::start(&path, checkpoint_pages, limit_pages).unwrap();
        Writer::start(
            conn,
            checkpointer,
            watch,
            WriterConfig {
                queue: 64,
                max_batch_jobs: 64,
                // No idle checkpoint during a test: only the background and limit ones.
                idle_checkpoint: Duration::from_secs(3600),
                busy_timeout: Duration::from_secs(5),
            },
        )
        .unwrap()
    }

    fn count(dir: &std::path::Path) -> i64 {
        let c = Connection::open(dir.join("w.db")).unwrap();
        c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    /// A job that inserts `n` rows from `first` and then fails if `fail` is set.
    async fn job(w: &Writer, first: i64, n: i64, fail: bool) -> Result<()> {
        w.run(move |c| {
            for k in first..first + n {
                c.execute("INSERT INTO t(k, v) VALUES (?1, zeroblob(100))", [k])
                    .db()?;
            }
            if fail {
                return Err(StoreError::Conflict("deliberate".into()));
            }
            Ok(())
        })
        .await
    }

    #[tokio::test]
    async fn a_lone_failing_job_leaves_nothing_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = writer(dir.path(), 4096, 65536);
        assert!(job(&w, 0, 10, true).await.is_err());
        job(&w, 100, 10, false).await.unwrap();
        w.shutdown();
        assert_eq!(count(dir.path()), 10);
    }

    #[tokio::test]
    async fn in_a_group_commit_only_the_failing_jobs_are_undone() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(dir.path(), 4096, 65536);
        // Submitted together, so most land in shared transactions (how they are grouped does
        // not change the outcome: every job is all or nothing).
        let w = std::sync::Arc::new(w);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..40 {
            let w = w.clone();
            set.spawn(async move { job(&w, i * 1000, 20, i % 3 == 0).await });
        }
        let results = set.join_all().await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(failed, 14);
        let mut w = std::sync::Arc::into_inner(w).unwrap();
        w.shutdown();
        assert_eq!(count(dir.path()), (40 - 14) * 20);
    }

    #[tokio::test]
    async fn the_wal_stays_bounded_under_sustained_writes() {
        let dir = tempfile::tempdir().unwrap();
        // Tiny thresholds: background checkpoints from 16 pages, a forced restart past 64.
        let mut w = writer(dir.path(), 16, 64);
        for i in 0..300 {
            // About 10 pages per commit.
            w.run(move |c| {
                c.execute("INSERT INTO t(k, v) VALUES (?1, zeroblob(40000))", [i])
                    .db()
            })
            .await
            .unwrap();
        }
        let wal = std::fs::metadata(dir.path().join("w.db-wal"))
            .unwrap()
            .len();
        // Without checkpoints the WAL would hold all 300 commits (over 12 MB); reused from its
        // start it never grows much past the limit plus one commit.
        assert!(wal < 2_000_000, "WAL file is {wal} bytes");
        w.shutdown();
        assert_eq!(count(dir.path()), 300);
    }
}
