//! The catch-up cache: the frames a joining socket gets first, kept per page
//! and kind of viewer until the next commit, so ten thousand sockets joining
//! one page cost one read.
//!
//! Each entry holds the database generation it was read at (`Db::generation`,
//! which moves before any writer hears back): an entry is served only while
//! that is still the generation, so a page opened after a write's answer
//! never gets a catch-up from before it, even before the write's change is
//! published.
//!
//! Bounded twice, in entries and in bytes, the least recently used going
//! first: a client naming many pages (or many members each naming their
//! own) cannot make it grow. Only pages that exist are kept; a missing page
//! is said to its socket and forgotten (see `render::CatchUp`).

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use hashlink::LruCache;

use super::watch::{Kind, Watch};

/// A page's catch-up, in order: one frame, or several of at most
/// `render::MAX_FRAME` bytes each.
pub type Frames = Arc<[Utf8Bytes]>;

/// How much the cache may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheBounds {
    /// Pages (for one kind of viewer each).
    pub entries: usize,
    /// Bytes of frames, all entries together.
    pub bytes: usize,
}

impl Default for CacheBounds {
    /// Room for every page a busy forum has open between two writes; at most
    /// 8 MiB.
    fn default() -> Self {
        CacheBounds {
            entries: 1024,
            bytes: 8 * 1024 * 1024,
        }
    }
}

pub struct CatchUpCache {
    bounds: CacheBounds,
    frames: LruCache<(Watch, Kind), (u64, Frames)>,
    bytes: usize,
}

impl CatchUpCache {
    pub fn new(bounds: CacheBounds) -> Self {
        CatchUpCache {
            bounds,
            // Bounded by `insert`, which also counts bytes.
            frames: LruCache::new_unbounded(),
            bytes: 0,
        }
    }

    /// The frames of the page as read at `generation`, if kept.
    pub fn get(&mut self, watch: Watch, kind: Kind, generation: u64) -> Option<Frames> {
        match self.frames.get(&(watch, kind)) {
            Some((read_at, frames)) if *read_at == generation => Some(frames.clone()),
            _ => None,
        }
    }

    /// Keeps `frames`, read at `generation`, unless they alone are over the
    /// byte bound; makes room by dropping the least recently used.
    pub fn insert(&mut self, watch: Watch, kind: Kind, generation: u64, frames: Frames) {
        let size = weight(&frames);
        if size > self.bounds.bytes || self.bounds.entries == 0 {
            return;
        }
        if let Some((_, old)) = self.frames.insert((watch, kind), (generation, frames)) {
            self.bytes -= weight(&old);
        }
        self.bytes += size;
        while self.frames.len() > self.bounds.entries || self.bytes > self.bounds.bytes {
            match self.frames.remove_lru() {
                Some((_, (_, old))) => self.bytes -= weight(&old),
                None => break,
            }
        }
    }

    /// After a change every cached page may be stale: frees them at once.
    pub fn clear(&mut self) {
        self.frames.clear();
        self.bytes = 0;
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

fn weight(frames: &[Utf8Bytes]) -> usize {
    frames.iter().map(|f| f.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perms::Role;

    fn frames(len: usize) -> Frames {
        Arc::from(vec![Utf8Bytes::from("x".repeat(len))])
    }

    fn topic(id: i64) -> Watch {
        Watch::Topic { id, page: 1 }
    }

    #[test]
    fn keeps_within_entries_and_bytes_dropping_the_least_recently_used() {
        let visitor = Kind::of(Role::Visitor, crate::i18n::Lang::En);
        let mut cache = CatchUpCache::new(CacheBounds {
            entries: 3,
            bytes: 1000,
        });
        for id in 1..=3 {
            cache.insert(topic(id), visitor, 1, frames(100));
        }
        // Topic 1 is used again: topic 2 is now the least recently used.
        assert!(cache.get(topic(1), visitor, 1).is_some());
        cache.insert(topic(4), visitor, 1, frames(100));
        assert_eq!(cache.len(), 3);
        assert!(cache.get(topic(2), visitor, 1).is_none());
        assert_eq!(cache.bytes(), 300);

        // 850 more bytes: the two least recently used (3, then 1) make room.
        cache.insert(topic(5), visitor, 1, frames(850));
        assert_eq!(cache.bytes(), 950);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(topic(4), visitor, 1).is_some());

        // Alone over the bound: not kept, nothing dropped for it.
        cache.insert(topic(6), visitor, 1, frames(1001));
        assert!(cache.get(topic(6), visitor, 1).is_none());
        assert_eq!(cache.len(), 2);

        cache.clear();
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
    }

    #[test]
    fn an_entry_read_before_a_commit_is_not_served_after_it() {
        let visitor = Kind::of(Role::Visitor, crate::i18n::Lang::En);
        let mut cache = CatchUpCache::new(CacheBounds::default());
        cache.insert(topic(1), visitor, 7, frames(10));
        assert!(cache.get(topic(1), visitor, 7).is_some());
        assert!(cache.get(topic(1), visitor, 8).is_none());
        // Read again at the new generation: served again.
        cache.insert(topic(1), visitor, 8, frames(12));
        assert_eq!(
            cache.get(topic(1), visitor, 8).map(|f| weight(&f)),
            Some(12)
        );
        assert_eq!(cache.bytes(), 12);
    }
}
