//! The hub: who watches what, and the fan-out of each committed change.
//!
//! A change is fanned out by the thread that committed it, right after the
//! commit and while that thread still holds the database writer: changes go
//! out in commit order, read from the connection that wrote them, with no
//! task or thread between the commit and the sockets' queues. Subscriptions
//! live behind one lock; a joining socket gets its catch-up and is added under
//! that lock, so a change missing from its catch-up is fanned out to it after.
//! Each change is read once and rendered once per kind of viewer and page;
//! every socket then gets a shared copy of its frame.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use maud::{Markup, html};
use rusqlite::Connection;
use tokio::sync::oneshot;

use super::change::Change;
use super::heartbeat::{self, Heartbeat, SLICES, Verdict};
use super::outbox::Outbox;
use super::render;
use super::watch::{Key, Kind, Watch};
use crate::db::Db;
use crate::error::AppResult;
use crate::forums::queries::{self as forum_queries, Forum, ForumSummary};
use crate::messages::page_of;
use crate::messages::queries::{self as message_queries, MessageRow};
use crate::perms::Role;
use crate::topics::queries::{self as topic_queries, Topic, TopicRow};
use crate::views::components::{PAGE_SIZE, Paging};

/// The handle every handler and socket holds; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

struct Shared {
    /// For catch-up reads.
    db: Db,
    subs: Mutex<Subs>,
    next_id: AtomicU64,
}

impl Hub {
    /// Must be called inside a Tokio runtime: it starts the heartbeat.
    pub fn new(db: Db, beat: Heartbeat) -> Self {
        let shared = Arc::new(Shared {
            db,
            subs: Mutex::default(),
            next_id: AtomicU64::new(1),
        });
        tokio::spawn(heartbeat(Arc::downgrade(&shared), beat));
        Hub { shared }
    }

    fn subs(&self) -> MutexGuard<'_, Subs> {
        self.shared.subs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fans out a change just committed on `conn`, the writer, still held.
    pub fn publish(&self, conn: &Connection, change: &Change) {
        let mut subs = self.subs();
        subs.catch_up.clear();
        if let Err(e) = fan_out(conn, &mut subs, change) {
            // The sockets of that page are now behind: close them so they
            // reconnect and catch up.
            tracing::error!(error = %e, "fan-out failed; closing sockets");
            for sub in subs.all() {
                sub.outbox.kill();
            }
        }
    }

    /// Registers a socket; its catch-up is the first thing queued for it.
    /// When the catch-up cannot be read, the socket is closed. `current`
    /// says whether the session it was opened with still counts; asked as it
    /// joins, it closes a socket whose session ended while it was opening
    /// (after `close_user` could see it).
    pub async fn join(
        &self,
        watch: Watch,
        role: Role,
        current: impl Fn() -> bool + Send + 'static,
    ) -> (u64, Arc<Outbox>) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let outbox = Arc::new(Outbox::new());
        let sub = Sub {
            id,
            watch,
            kind: Kind::of(role),
            user: role.user_id(),
            outbox: outbox.clone(),
        };
        let hub = self.clone();
        let joined = tokio::task::spawn_blocking(move || hub.add(sub, current)).await;
        if !matches!(joined, Ok(Ok(()))) {
            tracing::error!("catch-up failed; socket closed");
            outbox.kill();
        }
        (id, outbox)
    }

    /// Blocking. The catch-up is the cached one when the page's has been
    /// read since the last change; else it is read between two writes, when
    /// every committed change has been fanned out: either way it is exactly
    /// the state before the next change the socket receives.
    fn add(&self, sub: Sub, current: impl Fn() -> bool) -> AppResult<()> {
        let (watch, kind) = (sub.watch, sub.kind);
        {
            let mut subs = self.subs();
            if subs.closing || subs.catch_up.contains_key(&(watch, kind)) {
                subs.admit(sub, &current);
                return Ok(());
            }
        }
        self.shared.db.between_writes(|conn| {
            let mut subs = self.subs();
            catch_up(conn, &mut subs, watch, kind)?;
            subs.admit(sub, &current);
            Ok(())
        })
    }

    /// `watch`: what it watched when it joined.
    pub fn leave(&self, id: u64, watch: Watch) {
        self.subs().remove(id, watch.key());
    }

    /// Closes every socket of `user_id` (its sessions have ended): they get
    /// a close frame htmx reconnects after, and come back as what their
    /// cookie now says, a visitor's when that session is over.
    pub fn close_user(&self, user_id: i64) {
        let subs = self.subs();
        for sub in subs.all().filter(|sub| sub.user == Some(user_id)) {
            sub.outbox.push(session_ended());
        }
    }

    /// Sends every socket "going away" (1001), so browsers reconnect to the
    /// next server and catch up there. The receiver resolves once every
    /// socket has sent its close frame and left: the process must not exit
    /// before that, or the frames die with it.
    pub fn close_all(&self) -> oneshot::Receiver<()> {
        let (done, all_left) = oneshot::channel();
        let mut subs = self.subs();
        subs.closing = true;
        subs.all_left.push(done);
        for sub in subs.all() {
            sub.outbox.push(going_away());
        }
        subs.tell_if_all_left();
        all_left
    }
}

/// The close code of a socket whose session ended: "try again later", one
/// of those the htmx socket extension reconnects after.
pub const SESSION_ENDED: u16 = 1013;

struct Sub {
    id: u64,
    watch: Watch,
    kind: Kind,
    /// Whose socket it is (`None`: a visitor's), to close when their sessions end.
    user: Option<i64>,
    outbox: Arc<Outbox>,
}

#[derive(Default)]
struct Subs {
    /// Every socket, by what it watches (`None`: nothing live), side by side
    /// so that a fan-out walks them in order; no vector is left empty.
    by_key: HashMap<Option<Key>, Vec<Sub>>,
    /// Catch-up frames since the last change, by page and kind of viewer.
    catch_up: HashMap<(Watch, Kind), Utf8Bytes>,
    closing: bool,
    /// Told once the server is closing and the last socket has left.
    all_left: Vec<oneshot::Sender<()>>,
}

impl Subs {
    /// Queues a newcomer's first frame, its catch-up (cached by now) or,
    /// while closing, its goodbye, or (its session over) a close frame; it
    /// is kept until it leaves, so the stop waits for that goodbye too.
    /// Called under the lock `close_user` takes: a session ended before
    /// is seen here, one ended after is closed there.
    fn admit(&mut self, sub: Sub, current: impl Fn() -> bool) {
        let first = if self.closing {
            Some(going_away())
        } else if sub.user.is_some() && !current() {
            Some(session_ended())
        } else {
            self.catch_up
                .get(&(sub.watch, sub.kind))
                .filter(|frame| !frame.is_empty())
                .map(|frame| Message::Text(frame.clone()))
        };
        if let Some(frame) = first {
            sub.outbox.push(frame);
        }
        self.by_key.entry(sub.watch.key()).or_default().push(sub);
    }

    fn remove(&mut self, id: u64, key: Option<Key>) {
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

    fn tell_if_all_left(&mut self) {
        if self.closing && self.by_key.is_empty() {
            for done in self.all_left.drain(..) {
                let _ = done.send(());
            }
        }
    }

    fn all(&self) -> impl Iterator<Item = &Sub> {
        self.by_key.values().flatten()
    }

    fn watchers(&self, key: Key) -> &[Sub] {
        self.by_key.get(&Some(key)).map_or(&[], Vec::as_slice)
    }

    fn watching(&self, key: Key) -> bool {
        self.by_key.contains_key(&Some(key))
    }

    /// Renders (once per distinct group) and queues a frame for every watcher
    /// of `key`; `frame` returns `None` for watchers with nothing to update.
    fn fan_out<G: std::hash::Hash + Eq + Copy>(
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
    fn deliver(&mut self, key: Key, mut frame: impl FnMut(&Sub) -> Option<Utf8Bytes>) {
        let mut overflowed = Vec::new();
        for sub in self.watchers(key) {
            if let Some(bytes) = frame(sub)
                && !sub.outbox.push(Message::Text(bytes))
            {
                overflowed.push(sub.id);
            }
        }
        for id in overflowed {
            tracing::debug!(socket = id, "queue overflow: socket closed");
            self.remove(id, Some(key));
        }
    }
}

/// Pings each socket once a period, a slice at a time, and closes those
/// found silent or stalled; ends with the hub.
async fn heartbeat(shared: Weak<Shared>, beat: Heartbeat) {
    let mut slices = tokio::time::interval(beat.slice());
    slices.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    slices.tick().await;
    for slice in (0..SLICES).cycle() {
        slices.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let now = heartbeat::now_ms();
        let subs = shared.subs.lock().unwrap_or_else(|p| p.into_inner());
        for sub in subs.all().filter(|sub| sub.id % SLICES == slice) {
            match beat.judge(&sub.outbox, now) {
                Verdict::Ping => {
                    sub.outbox.push(Message::Ping(Default::default()));
                }
                verdict => {
                    tracing::debug!(socket = sub.id, ?verdict, "socket closed");
                    sub.outbox.kill();
                }
            }
        }
    }
}

fn session_ended() -> Message {
    Message::Close(Some(CloseFrame {
        code: SESSION_ENDED,
        reason: Utf8Bytes::from_static("session ended"),
    }))
}

fn going_away() -> Message {
    Message::Close(Some(CloseFrame {
        code: 1001,
        reason: Utf8Bytes::from_static("server restarting"),
    }))
}

/// The catch-up frame of a page for a kind of viewer, read on `conn` unless
/// it is cached since the last change.
fn catch_up(conn: &Connection, subs: &mut Subs, watch: Watch, kind: Kind) -> AppResult<Utf8Bytes> {
    if let Some(frame) = subs.catch_up.get(&(watch, kind)) {
        return Ok(frame.clone());
    }
    let markup = render::catch_up(conn, watch, kind)?;
    let frame = Utf8Bytes::from(markup.into_string());
    subs.catch_up.insert((watch, kind), frame.clone());
    Ok(frame)
}

/// What a change's fragments are built from, read in one go.
#[derive(Default)]
struct Snapshot {
    home: Option<Vec<ForumSummary>>,
    forum: Option<Forum>,
    first_page: Option<Vec<TopicRow>>,
    topic: Option<Topic>,
    message: Option<(MessageRow, i64)>,
}

fn read_snapshot(conn: &Connection, change: &Change, need: Need) -> AppResult<Snapshot> {
    let mut s = Snapshot::default();
    if need.home {
        s.home = Some(forum_queries::list(conn)?);
    }
    if need.forum {
        s.forum = forum_queries::by_id(conn, change.forum())?;
        if s.forum.is_some() && change.touches_forum_list() {
            s.first_page = Some(topic_queries::page(conn, change.forum(), 0, PAGE_SIZE)?);
        }
    }
    if need.topic
        && let Some(topic_id) = change.topic()
    {
        s.topic = topic_queries::by_id(conn, topic_id)?;
        if let Some(mid) = change.message()
            && let Some(m) = message_queries::by_id(conn, mid)?
        {
            let pos = message_queries::position(conn, topic_id, mid)?;
            s.message = Some((m, pos));
        }
    }
    Ok(s)
}

#[derive(Clone, Copy)]
struct Need {
    home: bool,
    forum: bool,
    topic: bool,
}

fn fan_out(conn: &Connection, subs: &mut Subs, change: &Change) -> AppResult<()> {
    let forum_id = change.forum();
    let need = Need {
        home: change.touches_home() && subs.watching(Key::Home),
        forum: change.touches_forum_page() && subs.watching(Key::Forum(forum_id)),
        topic: change.topic().is_some_and(|t| subs.watching(Key::Topic(t))),
    };
    let snapshot = read_snapshot(conn, change, need)?;

    if let Some(forums) = &snapshot.home {
        let frame = render::home(forums);
        subs.fan_out(Key::Home, |_| (), |_| Some(frame.clone()));
    }
    if need.forum {
        forum_frames(subs, change, &snapshot);
    }
    if need.topic
        && let Some(topic_id) = change.topic()
    {
        topic_frames(conn, subs, change, topic_id, snapshot)?;
    }
    if let Change::ForumDeleted { topic_ids, .. } = change {
        for &t in topic_ids {
            let frame = render::topic_deleted(None);
            subs.fan_out(Key::Topic(t), |_| (), |_| Some(frame.clone()));
        }
    }
    Ok(())
}

fn watched_page(sub: &Sub) -> u32 {
    match sub.watch {
        Watch::Forum { page, .. } | Watch::Topic { page, .. } => page,
        _ => 1,
    }
}

fn forum_frames(subs: &mut Subs, change: &Change, s: &Snapshot) {
    let forum_id = change.forum();
    let key = Key::Forum(forum_id);
    let Some(forum) = &s.forum else {
        let frame = render::forum_deleted();
        subs.fan_out(key, |_| (), |_| Some(frame.clone()));
        return;
    };
    let head_changed = matches!(change, Change::ForumChanged { .. });
    subs.fan_out(
        key,
        |sub| (watched_page(sub), sub.kind.role().is_member()),
        |sub| {
            let page = watched_page(sub);
            let paging = Paging::new(page, forum.topic_count);
            Some(html! {
                @if head_changed { (render::forum_head(forum)) }
                @if let Some(rows) = &s.first_page {
                    @if page == 1 {
                        (render::forum_first_page(forum_id, rows, paging, sub.kind.role().is_member()))
                    } @else {
                        (render::newer_activity(forum_id))
                        (render::forum_pager(forum_id, paging))
                    }
                }
            })
        },
    );
}

fn topic_frames(
    conn: &Connection,
    subs: &mut Subs,
    change: &Change,
    topic_id: i64,
    s: Snapshot,
) -> AppResult<()> {
    let key = Key::Topic(topic_id);
    let Some(topic) = s.topic else {
        let frame = render::topic_deleted(Some(change.forum()));
        subs.fan_out(key, |_| (), |_| Some(frame.clone()));
        return Ok(());
    };
    match change {
        Change::TopicLocked { .. } | Change::MessageDeleted { .. } => {
            // Every message's controls may change (lock), or every message
            // after the deleted one moves up a place, across page ends, and a
            // last page may vanish (delete): each page is caught up whole.
            let groups: HashSet<(Watch, Kind)> = subs
                .watchers(key)
                .iter()
                .map(|sub| (sub.watch, sub.kind))
                .collect();
            let mut frames = HashMap::new();
            for (watch, kind) in groups {
                frames.insert((watch, kind), catch_up(conn, subs, watch, kind)?);
            }
            subs.deliver(key, |sub| frames.get(&(sub.watch, sub.kind)).cloned());
        }
        Change::MessageCreated { .. } | Change::MessageEdited { .. } => {
            let Some((m, position)) = &s.message else {
                return Ok(());
            };
            let message_page = page_of(*position);
            let created = matches!(change, Change::MessageCreated { .. });
            // The pagers move only when the message opens a new last page.
            let new_page = created && position % i64::from(PAGE_SIZE) == 0;
            subs.fan_out(
                key,
                |sub| {
                    let page = watched_page(sub);
                    // Only the message's own page varies by viewer.
                    let kind = (page == message_page).then_some(sub.kind);
                    (page, kind)
                },
                |sub| {
                    let page = watched_page(sub);
                    let paging = Paging::new(page, topic.message_count);
                    if page == message_page {
                        Some(html! {
                            (render::message(m, &topic, sub.kind))
                            @if new_page { (render::topic_pager(topic_id, paging)) }
                        })
                    } else if created && page < message_page {
                        let after = topic.message_count - i64::from(page) * i64::from(PAGE_SIZE);
                        Some(html! {
                            (render::new_messages(topic_id, paging, after))
                            @if new_page { (render::topic_pager(topic_id, paging)) }
                        })
                    } else {
                        None
                    }
                },
            );
        }
        _ => {}
    }
    Ok(())
}
