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
}

impl Writer {
    /// Starts the writer thread on `conn` (already migrated and configured).
    pub fn start(conn: Connection, cfg: WriterConfig) -> Result<Writer> {
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        // A private current-thread runtime only to wait for jobs with a timeout, which is how
        // the thread notices it is idle and may checkpoint.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("writer runtime: {e}")))?;
        let thread = std::thread::Builder::new()
            .name("schakel-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, cfg, rt))
            .map_err(|e| StoreError::Unavailable(format!("writer thread: {e}")))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
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
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for job in batch {
                job.finish(None);
            }
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            fail_all(batch, &e.to_string());
        }
    }
}
