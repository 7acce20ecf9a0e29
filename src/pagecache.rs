//! Rendered pages kept in memory, so reading a page again costs no trip to
//! the blocking pool, no query and no rendering: the home page, forum pages
//! and topic pages, per kind of viewer (`Role` and `Lang`: every visitor
//! reading one language shares one copy; a member's or admin's copy is their own, since their name and their
//! own messages' controls are in it).
//!
//! Out of date by construction, never by bookkeeping: each copy carries the
//! database's write generation read *before* its data was read (`Db::
//! generation` moves with every commit, before the writer hears back), and is
//! served only while the generation has not moved. A member's home and forum
//! pages show what they have not read: theirs also carry the version of
//! their read marks (`reads::ReadMarks::version`), which moves without a
//! commit. After any write the next
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
use crate::i18n::Lang;
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

/// What a kept copy was read at: served only while both still hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    /// `Db::generation`, read before the page's data.
    pub generation: u64,
    /// The viewer's read-marks version (0 for pages that show none).
    pub reads: u64,
    /// The unread count the viewer's bell shows (every member page's header
    /// has it; it moves after a commit, so a page read in between must not
    /// keep the count it was read with).
    pub bell: u32,
}

impl Stamp {
    pub fn new(generation: u64) -> Self {
        Stamp {
            generation,
            reads: 0,
            bell: 0,
        }
    }

    /// The same, for a page `user` sees: their bell's count is on it.
    pub fn with_bell(self, user: Option<&crate::auth::User>) -> Self {
        Stamp {
            bell: user.map_or(0, |u| u.notifications),
            ..self
        }
    }
}

#[derive(Default)]
struct Inner {
    /// The copy, its stamp, and a number noted with it (`serve_noting`).
    pages: HashMap<(PageKey, Role, Lang), (Stamp, Bytes, i64)>,
    /// The newest generation inserted; copies of older ones are dropped
    /// when it moves.
    generation: u64,
    bytes: usize,
}

impl PageCache {
    /// The page `key` as `role` sees it: the copy kept at `stamp`, or what
    /// `render` makes (kept for the next request). `stamp` must be read
    /// before `render` reads anything.
    pub async fn serve<F>(
        &self,
        key: PageKey,
        role: Role,
        lang: Lang,
        stamp: Stamp,
        render: F,
    ) -> AppResult<Response>
    where
        F: Future<Output = AppResult<Markup>>,
    {
        let (page, _) = self
            .serve_noting(key, role, lang, stamp, async { Ok((render.await?, 0)) })
            .await?;
        Ok(page)
    }

    /// Like `serve`, with a number `render` notes beside the page (the last
    /// message a topic page shows), kept and handed back with the copy.
    pub async fn serve_noting<F>(
        &self,
        key: PageKey,
        role: Role,
        lang: Lang,
        stamp: Stamp,
        render: F,
    ) -> AppResult<(Response, i64)>
    where
        F: Future<Output = AppResult<(Markup, i64)>>,
    {
        if self.off {
            let (page, noted) = render.await?;
            return Ok((html(Bytes::from(page.into_string())), noted));
        }
        if let Some((bytes, noted)) = self.get((key, role, lang), stamp) {
            return Ok((html(bytes), noted));
        }
        let (page, noted) = render.await?;
        let bytes = Bytes::from(page.into_string());
        self.put((key, role, lang), stamp, bytes.clone(), noted);
        Ok((html(bytes), noted))
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

    fn get(&self, key: (PageKey, Role, Lang), stamp: Stamp) -> Option<(Bytes, i64)> {
        match self.lock().pages.get(&key) {
            Some((s, bytes, noted)) if *s == stamp => Some((bytes.clone(), *noted)),
            _ => None,
        }
    }

    fn put(&self, key: (PageKey, Role, Lang), stamp: Stamp, bytes: Bytes, noted: i64) {
        let generation = stamp.generation;
        let mut inner = self.lock();
        if generation < inner.generation {
            return; // read before a write already seen: out of date
        }
        if generation > inner.generation {
            inner.generation = generation;
            inner
                .pages
                .retain(|_, (s, _, _)| s.generation == generation);
            inner.bytes = inner.pages.values().map(|(_, b, _)| b.len()).sum();
        }
        if inner.bytes + bytes.len() > BUDGET {
            inner.pages = HashMap::new();
            inner.bytes = 0;
        }
        inner.bytes += bytes.len();
        if let Some((_, old, _)) = inner.pages.insert(key, (stamp, bytes, noted)) {
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
        let at = |generation, reads| Stamp {
            generation,
            reads,
            bell: 0,
        };
        cache.put(
            (KEY, Role::Visitor, Lang::En),
            at(3, 0),
            Bytes::from_static(b"v3"),
            9,
        );
        assert_eq!(
            cache.get((KEY, Role::Visitor, Lang::En), at(3, 0)),
            Some((Bytes::from_static(b"v3"), 9))
        );
        assert_eq!(cache.get((KEY, Role::Member(7), Lang::En), at(3, 0)), None);
        assert_eq!(cache.get((KEY, Role::Visitor, Lang::En), at(4, 0)), None);
        // A French visitor's copy is another.
        assert_eq!(cache.get((KEY, Role::Visitor, Lang::Fr), at(3, 0)), None);
        // The member's read marks moved: their copy is not served.
        cache.put(
            (KEY, Role::Member(7), Lang::En),
            at(3, 5),
            Bytes::from_static(b"m3"),
            0,
        );
        assert!(
            cache
                .get((KEY, Role::Member(7), Lang::En), at(3, 5))
                .is_some()
        );
        assert_eq!(cache.get((KEY, Role::Member(7), Lang::En), at(3, 6)), None);
        // A copy read before a write the cache has seen is refused.
        cache.put(
            (KEY, Role::Member(7), Lang::En),
            at(4, 0),
            Bytes::from_static(b"m4"),
            0,
        );
        cache.put(
            (KEY, Role::Visitor, Lang::En),
            at(3, 0),
            Bytes::from_static(b"v3"),
            0,
        );
        assert_eq!(cache.get((KEY, Role::Visitor, Lang::En), at(3, 0)), None);
        assert_eq!(cache.lock().pages.len(), 1);
    }

    #[test]
    fn stays_within_its_budget() {
        let cache = PageCache::default();
        let page = Bytes::from(vec![b'x'; 100_000]);
        for id in 0..200 {
            cache.put(
                (PageKey::Forum { id, page: 1 }, Role::Visitor, Lang::En),
                Stamp::new(1),
                page.clone(),
                0,
            );
        }
        let inner = cache.lock();
        assert!(inner.bytes <= BUDGET, "{} bytes kept", inner.bytes);
        assert_eq!(
            inner.bytes,
            inner.pages.values().map(|(_, b, _)| b.len()).sum::<usize>()
        );
    }
}
