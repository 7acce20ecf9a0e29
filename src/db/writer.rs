//! The writer thread: group commit.
//!
//! Every write is queued (a bounded queue: when it is full, callers wait
//! rather than memory growing) for one dedicated thread. It takes a write,
//! then every write queued behind it (up to `max_batch`), runs each in its own
//! savepoint inside one transaction, and commits once: one disk sync for the
//! whole batch (`synchronous=FULL`). Only then is each caller answered, so an
//! answer means the write is on disk; then each successful write's
//! `after_commit` runs, in commit order, before the next batch begins.
//!
//! The connection sits behind a mutex the thread holds for a whole batch, so
//! `Db::between_writes` runs only between two batches, when every committed
//! change has had its `after_commit`. The thread hands the lock over fairly,
//! so a caller of `between_writes` is not starved by a busy queue.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::Conn;
use super::checkpoint::WalBound;
use crate::error::{AppError, AppResult};

/// A commit slower than this is logged: writes wait for it.
const SLOW_COMMIT: Duration = Duration::from_millis(250);

/// What runs after a commit, on the writer's connection.
pub(super) type AfterCommit = Box<dyn FnOnce(&Connection) + Send>;

/// One queued write, its types erased.
pub(super) trait Job: Send {
    /// Runs the write inside the batch's transaction (in its own savepoint);
    /// whether it succeeded and is to be kept.
    fn run(&mut self, tx: &Transaction) -> bool;
    /// Answers the caller once the batch is settled: `Ok` when it committed,
    /// else why not. Hands back what must run after the commit, if anything.
    fn finish(self: Box<Self>, committed: Result<(), &str>) -> Option<AfterCommit>;
}

/// A write and what to do with its result.
pub(super) struct Write<T, F, G, A> {
    pub f: Option<F>,
    pub note: Option<G>,
    pub after_commit: Option<A>,
    pub result: Option<AppResult<T>>,
    pub answer: oneshot::Sender<AppResult<T>>,
}

impl<T, N, F, G, A> Job for Write<T, F, G, A>
where
    T: Send + 'static,
    N: Send + 'static,
    F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
    G: FnOnce(&T) -> N + Send + 'static,
    A: FnOnce(&Conn, N) + Send + 'static,
{
    fn run(&mut self, tx: &Transaction) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let result = f(&Conn::Lite(tx));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &str>) -> Option<AfterCommit> {
        let this = *self;
        match (this.result, committed) {
            (Some(Ok(out)), Ok(())) => {
                let noted = this.note.map(|note| note(&out));
                let _ = this.answer.send(Ok(out));
                let after = this.after_commit?;
                let noted = noted?;
                Some(Box::new(move |conn: &Connection| {
                    after(&Conn::Lite(conn), noted)
                }))
            }
            (Some(Err(e)), _) => {
                let _ = this.answer.send(Err(e));
                None
            }
            (Some(Ok(_)) | None, Err(why)) => {
                let _ = this.answer.send(Err(AppError::Internal(why.to_string())));
                None
            }
            // It panicked: it ran, produced nothing, and its savepoint was undone.
            (None, Ok(())) => {
                let _ = this
                    .answer
                    .send(Err(AppError::Internal("the write panicked".into())));
                None
            }
        }
    }
}

/// Commits and writes so far (how well writes are grouped).
#[derive(Default)]
pub struct WriteStats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
}

impl WriteStats {
    pub const fn new() -> Self {
        Self {
            commits: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }
}

/// The callers' side: the queue, and the connection for `between_writes`.
#[derive(Clone)]
pub(super) struct Writer {
    pub queue: mpsc::Sender<Box<dyn Job>>,
    pub conn: Arc<Mutex<Connection>>,
    pub stats: Arc<WriteStats>,
}

impl Writer {
    /// Starts the writer thread on `conn`. It ends once every `Writer` is
    /// dropped and the queue is empty.
    pub fn spawn(
        conn: Connection,
        queue_len: usize,
        max_batch: usize,
        wal: WalBound,
    ) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel(queue_len.max(1));
        let conn = Arc::new(Mutex::new(conn));
        let stats = Arc::new(WriteStats::default());
        let thread = Thread {
            jobs,
            conn: conn.clone(),
            stats: stats.clone(),
            max_batch: max_batch.max(1),
            wal,
        };
        std::thread::Builder::new()
            .name("causerie-writer".into())
            .spawn(move || thread.run())?;
        Ok(Self { queue, conn, stats })
    }
}

struct Thread {
    jobs: mpsc::Receiver<Box<dyn Job>>,
    conn: Arc<Mutex<Connection>>,
    stats: Arc<WriteStats>,
    max_batch: usize,
    wal: WalBound,
}

/// The SQLite file path of the WAL beside `db`.
pub(super) fn wal_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

impl Thread {
    fn run(mut self) {
        while let Some(first) = self.jobs.blocking_recv() {
            let mut conn = self.conn.lock();
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match self.jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.stats
                .writes
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            let mut jobs = batch.into_iter();
            let mut after = Vec::new();
            while jobs.len() > 0 {
                after.extend(self.one_transaction(&mut conn, &mut jobs));
            }
            for step in after {
                if catch_unwind(AssertUnwindSafe(|| step(&conn))).is_err() {
                    tracing::error!("a panic after a commit (its fan-out); the writer goes on");
                }
            }
            // Between batches: the moment a checkpoint may block writers.
            self.wal.keep_bounded(&conn);
            MutexGuard::unlock_fair(conn);
        }
    }

    /// Runs jobs from `jobs` in one transaction, each in its own savepoint,
    /// until they run out or the transaction breaks (SQLite rolled it back
    /// itself: the jobs after it go into a new one); commits, answers each.
    fn one_transaction(
        &self,
        conn: &mut Connection,
        jobs: &mut std::vec::IntoIter<Box<dyn Job>>,
    ) -> Vec<AfterCommit> {
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let why = format!("cannot begin a write: {e}");
                for job in jobs {
                    let _ = job.finish(Err(&why));
                }
                return Vec::new();
            }
        };
        let mut ran: Vec<Box<dyn Job>> = Vec::new();
        let mut broken = None;
        for mut job in jobs.by_ref() {
            if let Err(e) = tx.execute_batch("SAVEPOINT job") {
                let why = format!("cannot begin a write: {e}");
                let _ = job.finish(Err(&why));
                broken = Some(why);
                break;
            }
            let kept = catch_unwind(AssertUnwindSafe(|| job.run(&tx))).unwrap_or_else(|_| {
                tracing::error!("a write panicked; its savepoint is rolled back");
                false
            });
            let settled = if kept {
                tx.execute_batch("RELEASE job")
            } else {
                tx.execute_batch("ROLLBACK TO job; RELEASE job")
            };
            ran.push(job);
            if let Err(e) = settled.map_err(|e| e.to_string()).and_then(|()| {
                if tx.is_autocommit() {
                    Err("SQLite rolled the transaction back".into())
                } else {
                    Ok(())
                }
            }) {
                broken = Some(format!("the write was rolled back: {e}"));
                break;
            }
        }
        let outcome = match broken {
            Some(why) => {
                drop(tx);
                Err(why)
            }
            None => {
                let syncing = Instant::now();
                let done = tx.commit().map_err(|e| format!("the commit failed: {e}"));
                if syncing.elapsed() > SLOW_COMMIT {
                    tracing::warn!(
                        writes = ran.len(),
                        took = ?syncing.elapsed(),
                        "a slow commit: the disk took long to sync"
                    );
                }
                done
            }
        };
        if outcome.is_ok() {
            // Before any caller hears back: `Db::generation` relies on it.
            self.stats.commits.fetch_add(1, Ordering::Release);
        } else if let Err(why) = &outcome {
            tracing::error!(error = %why, writes = ran.len(), "a batch of writes failed");
        }
        let committed = outcome.as_ref().map(|_| ()).map_err(String::as_str);
        ran.into_iter()
            .filter_map(|job| job.finish(committed))
            .collect()
    }
}
