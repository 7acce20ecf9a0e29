//! Who watches what: every open socket, by the page it watches, with its
//! queue and the last change its catch-up holds; the newcomers' first
//! frames; the walk that queues a change's frames for a page's watchers.
//! The plumbing under the hub (`hub.rs`), which decides when each runs.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use maud::Markup;
use tokio::sync::oneshot;

use super::catch_up::{CacheBounds, CatchUpCache, Frames};
use super::hub::{SESSION_ENDED, frames_of};
use super::markers;
use super::outbox::Outbox;
use super::render::CatchUp;
use super::watch::{Key, Kind, Watch};

pub(super) struct Sub {
    pub(super) id: u64,
    pub(super) watch: Watch,
    pub(super) kind: Kind,
    /// Whose socket it is (`None`: a visitor's), to close when their
    /// sessions end, and whose markers it shows.
    pub(super) user: Option<i64>,
    pub(super) outbox: Arc<Outbox>,
    /// The last change its catch-up holds: it gets only later ones.
    pub(super) since: u64,
}

impl Sub {
    /// A member's home or forum page: its markers are the member's own.
    pub(super) fn own_markers(&self) -> bool {
        self.user.is_some() && markers::shown_on(self.watch)
    }
}

pub(super) struct Subs {
    /// Every socket, by what it watches (`None`: nothing live), side by side
    /// so that a fan-out walks them in order; no vector is left empty.
    by_key: HashMap<Option<Key>, Vec<Sub>>,
    /// Catch-up frames since the last change, by page and kind of viewer.
    pub(super) catch_up: CatchUpCache,
    /// The number of the last change published, and of the one being
    /// delivered.
    pub(super) published: u64,
    pub(super) delivering: u64,
    pub(super) closing: bool,
    /// Told once the server is closing and the last socket has left.
    pub(super) all_left: Vec<oneshot::Sender<()>>,
}

impl Subs {
    pub(super) fn new(cache: CacheBounds) -> Self {
        Subs {
            by_key: HashMap::new(),
            catch_up: CatchUpCache::new(cache),
            published: 0,
            delivering: 0,
            closing: false,
            all_left: Vec::new(),
        }
    }

    /// Queues a newcomer's first frames: its catch-up or, while closing, its
    /// goodbye, or (its session over) a close frame; it is kept until it
    /// leaves, so the stop waits for that goodbye too. Called under the lock
    /// `close_user` takes: a session ended before is seen here, one ended
    /// after is closed there.
    pub(super) fn admit(
        &mut self,
        mut sub: Sub,
        catch_up: Option<Frames>,
        own: Option<Utf8Bytes>,
        bell: Option<Utf8Bytes>,
        current: &dyn Fn() -> bool,
    ) {
        // Its catch-up was read (or cached) after the last change published.
        sub.since = self.published;
        if self.closing {
            sub.outbox.push(going_away());
        } else if sub.user.is_some() && !current() {
            sub.outbox.push(session_ended());
        } else {
            for frame in catch_up.iter().flat_map(|f| f.iter()) {
                if !frame.is_empty() {
                    sub.outbox.push(Message::Text(frame.clone()));
                }
            }
            for own in [own, bell].into_iter().flatten() {
                sub.outbox.push(Message::Text(own));
            }
        }
        self.by_key.entry(sub.watch.key()).or_default().push(sub);
    }

    /// The frames of a catch-up read at `generation`, between two batches of
    /// writes; cached when the page exists.
    pub(super) fn keep(
        &mut self,
        watch: Watch,
        kind: Kind,
        generation: u64,
        read: CatchUp,
    ) -> Frames {
        let (frames, exists) = frames_of(read);
        if exists {
            self.catch_up
                .insert(watch, kind, generation, frames.clone());
        }
        frames
    }

    pub(super) fn remove(&mut self, id: u64, key: Option<Key>) {
        if let Some(subs) = self.by_key.get_mut(&key)
            && let Some(at) = subs.iter().position(|s| s.id == id)
        {
            subs.swap_remove(at);
            if subs.is_empty() {
                self.by_key.remove(&key);
            }
        }
        self.tell_if_all_left();
    }

    pub(super) fn tell_if_all_left(&mut self) {
        if self.closing && self.by_key.is_empty() {
            for done in self.all_left.drain(..) {
                let _ = done.send(());
            }
        }
    }

    pub(super) fn all(&self) -> impl Iterator<Item = &Sub> {
        self.by_key.values().flatten()
    }

    pub(super) fn watchers(&self, key: Key) -> &[Sub] {
        self.by_key.get(&Some(key)).map_or(&[], Vec::as_slice)
    }

    /// The watchers of `key` the change being delivered is news to.
    pub(super) fn behind(&self, key: Key) -> impl Iterator<Item = &Sub> {
        let delivering = self.delivering;
        self.watchers(key)
            .iter()
            .filter(move |sub| sub.since < delivering)
    }

    pub(super) fn watching(&self, key: Key) -> bool {
        self.by_key.contains_key(&Some(key))
    }

    /// Renders (once per distinct group) and queues a frame for every watcher
    /// of `key`; `frame` returns `None` for watchers with nothing to update.
    pub(super) fn fan_out<G: std::hash::Hash + Eq + Copy>(
        &mut self,
        key: Key,
        group: impl Fn(&Sub) -> G,
        frame: impl Fn(&Sub) -> Option<Markup>,
    ) {
        let mut rendered: HashMap<G, Option<Utf8Bytes>> = HashMap::new();
        // Neighbours are mostly of one group: no lookup for them.
        let mut last: Option<(G, Option<Utf8Bytes>)> = None;
        self.deliver(key, |sub| {
            let g = group(sub);
            if let Some((last_g, bytes)) = &last
                && *last_g == g
            {
                return bytes.clone();
            }
            let bytes = rendered
                .entry(g)
                .or_insert_with(|| frame(sub).map(|m| Utf8Bytes::from(m.into_string())))
                .clone();
            last = Some((g, bytes.clone()));
            bytes
        });
    }

    /// Queues `frame(sub)` for every watcher of `key` that has one; closes
    /// the sockets whose queue overflows.
    pub(super) fn deliver(&mut self, key: Key, mut frame: impl FnMut(&Sub) -> Option<Utf8Bytes>) {
        let mut overflowed = Vec::new();
        for sub in self.behind(key) {
            if let Some(bytes) = frame(sub)
                && !sub.outbox.push(Message::Text(bytes))
            {
                overflowed.push(sub.id);
            }
        }
        self.close_overflowed(key, overflowed);
    }

    /// Like `deliver`, with several frames for a watcher.
    pub(super) fn deliver_all(&mut self, key: Key, mut frames: impl FnMut(&Sub) -> Option<Frames>) {
        let mut overflowed = Vec::new();
        for sub in self.behind(key) {
            let frames = frames(sub);
            if frames
                .iter()
                .flat_map(|f| f.iter())
                .any(|bytes| !sub.outbox.push(Message::Text(bytes.clone())))
            {
                overflowed.push(sub.id);
            }
        }
        self.close_overflowed(key, overflowed);
    }

    fn close_overflowed(&mut self, key: Key, overflowed: Vec<u64>) {
        for id in overflowed {
            tracing::debug!(socket = id, "queue overflow: socket closed");
            self.remove(id, Some(key));
        }
    }
}

pub(super) fn session_ended() -> Message {
    Message::Close(Some(CloseFrame {
        code: SESSION_ENDED,
        reason: Utf8Bytes::from_static("session ended"),
    }))
}

pub(super) fn going_away() -> Message {
    Message::Close(Some(CloseFrame {
        code: 1001,
        reason: Utf8Bytes::from_static("server restarting"),
    }))
}
