//! Read marks in memory: what members read since the last flush, written to
//! `topic_reads` in one write every `FLUSH_EVERY` (or sooner when many are
//! waiting), so neither a page view nor a message delivered live costs a
//! write of its own, and the page caches are not emptied at each view.
//!
//! A mark only moves forward: the effective mark of a member in a topic is
//! the highest of the database's and the pending one (`effective`). What a
//! crash can lose is the last few seconds of marks, never a message.
//!
//! Each member also has a version that moves with every mark of theirs, so
//! their cached home and forum pages (which show their markers) are served
//! only while it has not moved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hashlink::LruCache;

use crate::db::Db;

/// How often pending marks are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// Pending marks that make the flush come at once.
const FLUSH_AT: usize = 4096;
/// Pending marks kept at most: past it (the writes failing for long), new
/// ones are dropped, a read mark being worth less than the memory.
const PENDING_MAX: usize = 65_536;
/// Marks remembered to tell a repeated view (no change) from a new one.
const KNOWN: usize = 16_384;

#[derive(Clone)]
pub struct ReadMarks {
    inner: Arc<Mutex<Inner>>,
    flush_now: Arc<tokio::sync::Notify>,
}

struct Inner {
    /// (member, topic) -> last message id read, not yet written.
    pending: HashMap<(i64, i64), i64>,
    /// The highest mark known per (member, topic), written or not: a view
    /// that moves nothing is told apart without a read.
    known: LruCache<(i64, i64), i64>,
    /// Per member, the number of the last change of their marks.
    versions: HashMap<i64, u64>,
    counter: u64,
}

impl Default for ReadMarks {
    fn default() -> Self {
        ReadMarks {
            inner: Arc::new(Mutex::new(Inner {
                pending: HashMap::new(),
                known: LruCache::new(KNOWN),
                versions: HashMap::new(),
                counter: 0,
            })),
            flush_now: Arc::default(),
        }
    }
}

impl ReadMarks {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `user` has read `topic` up to `message_id`. Whether that may move
    /// their mark (false: it is known to be there already).
    pub fn mark(&self, user: i64, topic: i64, message_id: i64) -> bool {
        let mut inner = self.lock();
        if inner
            .known
            .get(&(user, topic))
            .is_some_and(|&known| known >= message_id)
        {
            return false;
        }
        if inner.pending.len() >= PENDING_MAX && !inner.pending.contains_key(&(user, topic)) {
            drop(inner);
            self.flush_now.notify_one();
            return false;
        }
        inner.known.insert((user, topic), message_id);
        let slot = inner.pending.entry((user, topic)).or_insert(0);
        *slot = (*slot).max(message_id);
        let many = inner.pending.len() >= FLUSH_AT;
        inner.bump(user);
        drop(inner);
        if many {
            self.flush_now.notify_one();
        }
        true
    }

    /// The pending mark of `user` in `topic` (0: none).
    pub fn pending(&self, user: i64, topic: i64) -> i64 {
        self.lock()
            .pending
            .get(&(user, topic))
            .copied()
            .unwrap_or(0)
    }

    /// `db`'s mark lifted by the pending one.
    pub fn effective(&self, user: i64, topic: i64, db: i64) -> i64 {
        db.max(self.pending(user, topic))
    }

    /// Says that `user`'s marks moved in the database (mark all read).
    pub fn moved(&self, user: i64) {
        self.lock().bump(user);
    }

    /// The version of `user`'s marks: it moves with each of their marks.
    pub fn version(&self, user: i64) -> u64 {
        self.lock().versions.get(&user).copied().unwrap_or(0)
    }

    /// Writes the pending marks once `FLUSH_EVERY` has passed or many wait,
    /// until the process ends.
    pub fn spawn_flusher(&self, db: Db) {
        let marks = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(FLUSH_EVERY) => {}
                    () = marks.flush_now.notified() => {}
                }
                if let Err(e) = marks.flush(&db).await {
                    tracing::warn!(error = %e, "read marks not written; kept for the next try");
                }
            }
        });
    }

    /// Writes every pending mark in one write; they stay pending (and
    /// count) until it is committed.
    pub async fn flush(&self, db: &Db) -> crate::error::AppResult<()> {
        let batch: Vec<((i64, i64), i64)> =
            self.lock().pending.iter().map(|(&k, &v)| (k, v)).collect();
        if batch.is_empty() {
            return Ok(());
        }
        let written = batch.clone();
        db.write(move |tx| Ok(super::queries::save(tx, &written)?))
            .await?;
        let mut inner = self.lock();
        for (key, id) in batch {
            if inner.pending.get(&key) == Some(&id) {
                inner.pending.remove(&key);
            }
        }
        Ok(())
    }

    /// Marks waiting to be written.
    pub fn pending_len(&self) -> usize {
        self.lock().pending.len()
    }
}

impl Inner {
    fn bump(&mut self, user: i64) {
        self.counter += 1;
        let counter = self.counter;
        self.versions.insert(user, counter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_moves_forward_only_and_says_when_it_may_have_moved() {
        let marks = ReadMarks::default();
        assert_eq!(marks.version(1), 0);
        assert!(marks.mark(1, 10, 5));
        let v = marks.version(1);
        assert!(v > 0);
        assert!(!marks.mark(1, 10, 5), "seen again: nothing moves");
        assert!(!marks.mark(1, 10, 3), "an older page: nothing moves");
        assert_eq!(marks.version(1), v);
        assert_eq!(marks.effective(1, 10, 2), 5);
        assert_eq!(marks.effective(1, 10, 9), 9);
        assert!(marks.mark(1, 10, 8));
        assert_eq!(marks.pending(1, 10), 8);
        assert_eq!(marks.pending(2, 10), 0);
        assert_eq!(marks.version(2), 0, "another member's version stays");
    }
}
