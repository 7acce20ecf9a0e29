//! Rendered pages kept in memory, so reading a page again costs no trip to
//! the blocking pool, no query and no rendering: the home page, forum pages
//! and topic pages, per kind of viewer (`Role`: every visitor shares one
//! copy; a member's or admin's copy is their own, since their name and their
//! own messages' controls are in it).
//!
//! Out of date by construction, never by bookkeeping: each copy carries the
//! database's write generation read *before* its data was read (`Db::
//! generation` moves with every commit, before the writer hears back), and is
//! served only while the generation has not moved. After any write the next
//! request of each page renders it afresh; a copy read during a write is
//! simply never served. Memory stays bounded: copies of older generations go
//! at the next insertion, and past `BUDGET` bytes the cache starts over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::error::AppResult;
use crate::perms::Role;

/// A page whose HTML depends only on the database and the viewer's `Role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageKey {
    Home,
    Forum { id: i64, page: u32 },
    Topic { id: i64, page: u32 },
}

/// Bytes of pages kept at most (a topic page is 10 to 20 KB; a few hundred
/// pages, so memory after a burst stays small).
const BUDGET: usize = 4 << 20;

#[derive(Clone, Default)]
pub struct PageCache {
    inner: Arc<Mutex<Inner>>,
    /// Every page rendered afresh (`CAUSERIE_PAGE_CACHE=0`): to measure
    /// what a page costs when it is not kept, as after each write.
    off: bool,
}

#[derive(Default)]
struct Inner {
    pages: HashMap<(PageKey, Role), (u64, Bytes)>,
    /// The newest generation inserted; copies of older ones are dropped
    /// when it moves.
    generation: u64,
    bytes: usize,
}

impl PageCache {
    /// The page `key` as `role` sees it: the copy kept since the database's
    /// `generation`, or what `render` makes (kept for the next request).
    /// `generation` must be read before `render` reads anything.
    pub async fn serve<F>(
        &self,
        key: PageKey,
        role: Role,
        generation: u64,
        render: F,
    ) -> AppResult<Response>
    where
        F: Future<Output = AppResult<Markup>>,
    {
        if self.off {
            return Ok(html(Bytes::from(render.await?.into_string())));
        }
        if let Some(bytes) = self.get(key, role, generation) {
            return Ok(html(bytes));
        }
        let bytes = Bytes::from(render.await?.into_string());
        self.put(key, role, generation, bytes.clone());
        Ok(html(bytes))
    }

    /// A cache that keeps nothing: every page is rendered.
    pub fn off() -> Self {
        Self {
            off: true,
            ..Self::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: PageKey, role: Role, generation: u64) -> Option<Bytes> {
        match self.lock().pages.get(&(key, role)) {
            Some((g, bytes)) if *g == generation => Some(bytes.clone()),
            _ => None,
        }
    }

    fn put(&self, key: PageKey, role: Role, generation: u64, bytes: Bytes) {
        let mut inner = self.lock();
        if generation < inner.generation {
            return; // read before a write already seen: out of date
        }
        if generation > inner.generation {
            inner.generation = generation;
            inner.pages.retain(|_, (g, _)| *g == generation);
            inner.bytes = inner.pages.values().map(|(_, b)| b.len()).sum();
        }
        if inner.bytes + bytes.len() > BUDGET {
            inner.pages = HashMap::new();
            inner.bytes = 0;
        }
        inner.bytes += bytes.len();
        if let Some((_, old)) = inner.pages.insert((key, role), (generation, bytes)) {
            inner.bytes -= old.len();
        }
    }
}

fn html(bytes: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PageKey = PageKey::Topic { id: 1, page: 1 };

    #[test]
    fn serves_a_copy_only_in_its_generation_and_per_role() {
        let cache = PageCache::default();
        cache.put(KEY, Role::Visitor, 3, Bytes::from_static(b"v3"));
        assert_eq!(
            cache.get(KEY, Role::Visitor, 3).as_deref(),
            Some(&b"v3"[..])
        );
        assert_eq!(cache.get(KEY, Role::Member(7), 3), None);
        assert_eq!(cache.get(KEY, Role::Visitor, 4), None);
        // A copy read before a write the cache has seen is refused.
        cache.put(KEY, Role::Member(7), 4, Bytes::from_static(b"m4"));
        cache.put(KEY, Role::Visitor, 3, Bytes::from_static(b"v3"));
        assert_eq!(cache.get(KEY, Role::Visitor, 3), None);
        assert_eq!(cache.lock().pages.len(), 1);
    }

    #[test]
    fn stays_within_its_budget() {
        let cache = PageCache::default();
        let page = Bytes::from(vec![b'x'; 100_000]);
        for id in 0..200 {
            cache.put(
                PageKey::Forum { id, page: 1 },
                Role::Visitor,
                1,
                page.clone(),
            );
        }
        let inner = cache.lock();
        assert!(inner.bytes <= BUDGET, "{} bytes kept", inner.bytes);
        assert_eq!(
            inner.bytes,
            inner.pages.values().map(|(_, b)| b.len()).sum::<usize>()
        );
    }
}
