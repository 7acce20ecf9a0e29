//! Keeping the write-ahead log small.
//!
//! Two hands. A passive checkpoint runs every second beside the writes (on a
//! read connection): it blocks no one, and copies into the database whatever
//! no reader still needs, so the WAL restarts from its beginning (trimmed to
//! `journal_size_limit`) at the next write. When readers keep it from
//! catching up, or writes outrun it, the WAL file grows: the writer thread
//! then checks its size after each batch and, past the limit, runs a
//! TRUNCATE checkpoint itself, between two batches. That one waits for
//! readers and blocks writers, hence on the writer (no other write is in
//! flight then) and for a short while only; when readers are still in the
//! way it says so and tries again a little later.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, Db};

/// How long a TRUNCATE checkpoint waits for readers (and blocks writes).
const TRUNCATE_WAIT: Duration = Duration::from_millis(200);
/// After a TRUNCATE that readers kept from completing, how long before the
/// next try (each try holds the writes for up to `TRUNCATE_WAIT`).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Passive checkpoints in a row that leave frames behind before a warning.
const BEHIND_WARN: u32 = 30;

/// What `PRAGMA wal_checkpoint` reports.
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    /// It could not complete (readers or another checkpoint in the way).
    pub busy: bool,
    /// Frames in the WAL.
    pub log: i64,
    /// Of those, frames now copied into the database.
    pub done: i64,
}

impl Checkpoint {
    fn complete(&self) -> bool {
        !self.busy && self.done >= self.log
    }
}

/// Runs a checkpoint of `mode` (PASSIVE, RESTART, TRUNCATE) on `conn`.
pub fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<Checkpoint> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok(Checkpoint {
            busy: r.get::<_, i64>(0)? != 0,
            log: r.get(1)?,
            done: r.get(2)?,
        })
    })
}

/// The writer's hand: the WAL file kept under `limit` bytes.
pub(super) struct WalBound {
    pub path: PathBuf,
    pub limit: u64,
    pub retry_at: Option<Instant>,
}

impl WalBound {
    /// Past the limit, a TRUNCATE checkpoint; on the writer, between batches.
    pub fn keep_bounded(&mut self, conn: &Connection) {
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if size <= self.limit || self.retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        // The checkpoint waits through the busy handler: briefly, here.
        let waited = conn.busy_timeout(TRUNCATE_WAIT);
        let result = waited.and_then(|()| checkpoint(conn, "TRUNCATE"));
        if let Err(e) = conn.busy_timeout(BUSY_TIMEOUT) {
            tracing::error!(error = %e, "cannot restore the writer's busy timeout");
        }
        match result {
            Ok(c) if c.complete() => {
                self.retry_at = None;
                tracing::debug!(
                    bytes = size,
                    frames = c.log,
                    "WAL over its limit: truncated"
                );
            }
            Ok(c) => {
                self.retry_at = Some(Instant::now() + RETRY_AFTER);
                tracing::warn!(
                    bytes = size,
                    limit = self.limit,
                    frames = c.log,
                    checkpointed = c.done,
                    "WAL over its limit and the checkpoint could not complete: readers in the way"
                );
            }
            Err(e) => {
                self.retry_at = Some(Instant::now() + RETRY_AFTER);
                tracing::warn!(error = %e, bytes = size, "WAL over its limit; checkpoint failed");
            }
        }
    }
}

impl Db {
    /// The passive hand: a checkpoint every `every` beside the writes, for
    /// as long as the runtime runs. It waits for no reader or writer; it
    /// warns when, many times in a row, readers kept it from catching up.
    pub async fn checkpoints(self, every: Duration) {
        if self.is_pg() {
            return;
        }
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut behind = 0u32;
        loop {
            ticks.tick().await;
            let started = Instant::now();
            let result = self
                .read(|c| match c.lite() {
                    Some(c) => Ok(checkpoint(c, "PASSIVE")?),
                    None => Err(crate::error::AppError::Internal(
                        "no WAL on PostgreSQL".into(),
                    )),
                })
                .await;
            tracing::debug!(took = ?started.elapsed(), ?result, "passive checkpoint");
            match result {
                Ok(c) if c.complete() => behind = 0,
                Ok(c) => {
                    behind += 1;
                    tracing::debug!(?c, "passive checkpoint left frames behind");
                    if behind == BEHIND_WARN {
                        tracing::warn!(
                            frames = c.log,
                            checkpointed = c.done,
                            "checkpoints have not caught up for {BEHIND_WARN} rounds: \
                             long readers in the way"
                        );
                    }
                }
                Err(e) => tracing::warn!(error = %e, "checkpoint failed; will try again"),
            }
        }
    }
}
