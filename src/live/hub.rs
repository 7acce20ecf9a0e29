//! The hub: the handle on who watches what (`subs`), and the fan-out of each
//! committed change.
//!
//! A change is read by the thread that committed it, right after the commit
//! and while that thread still holds the database writer, from the
//! connection that wrote it; it gets the next sequence number and goes to
//! the delivery task, which fans changes out one by one in that order
//! (`fan_out`). Subscriptions live behind one lock; a joining socket gets its
//! catch-up, read between two writes, and is added under that lock with the
//! number of the last change its catch-up holds: it gets every later change
//! and none before. Each change is read once and rendered once per kind of
//! viewer and page; every socket then gets a shared copy of its frame.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::db::Conn;
use axum::extract::ws::{Message, Utf8Bytes};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::catch_up::{CacheBounds, Frames};
use super::change::Change;
use super::fan_out;
use super::heartbeat::{self, Heartbeat, SLICES, Verdict};
use super::markers;
use super::outbox::Outbox;
use super::render::{self, CatchUp};
use super::subs::{Sub, Subs, going_away, session_ended};
use super::watch::{Kind, Watch};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::notifications::Bells;
use crate::reads::ReadMarks;

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
    /// To the delivery task, in commit order.
    plans: mpsc::UnboundedSender<(u64, fan_out::Plan)>,
    /// Permits to read a catch-up.
    readers: Semaphore,
    /// Members' read marks, for their markers.
    reads: ReadMarks,
    /// Members' unread notification counts, for their bells.
    bells: Bells,
}

/// Catch-ups read at once.
const READERS: usize = 2;

impl Hub {
    /// Must be called inside a Tokio runtime: it starts the heartbeat.
    pub fn new(
        db: Db,
        beat: Heartbeat,
        cache: CacheBounds,
        reads: ReadMarks,
        bells: Bells,
    ) -> Self {
        let (plans, queued) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            db,
            subs: Mutex::new(Subs::new(cache)),
            next_id: AtomicU64::new(1),
            plans,
            readers: Semaphore::new(READERS),
            reads,
            bells,
        });
        tokio::spawn(heartbeat(Arc::downgrade(&shared), beat));
        tokio::spawn(deliveries(Arc::downgrade(&shared), queued));
        Hub { shared }
    }

    fn subs(&self) -> MutexGuard<'_, Subs> {
        self.shared.subs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads a change just committed on `conn`, the writer, still held, and
    /// hands it to the delivery task.
    pub fn publish(&self, conn: &Conn, change: &Change) {
        let mut subs = self.subs();
        subs.catch_up.clear();
        subs.published += 1;
        // One read transaction for all the change's reads: one snapshot, and
        // the file locked once rather than at each statement.
        let prepared =
            conn.snapshot(|tx| fan_out::prepare(tx, &mut subs, &self.shared.reads, change));
        match prepared {
            Ok(plan) => {
                // Fails only once the hub is gone, and its sockets with it.
                let _ = self.shared.plans.send((subs.published, plan));
            }
            Err(e) => {
                // The sockets are now behind: close them so they reconnect
                // and catch up.
                tracing::error!(error = %e, "fan-out failed; closing sockets");
                for sub in subs.all() {
                    sub.outbox.kill();
                }
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
        kind: Kind,
        user: Option<i64>,
        current: impl Fn() -> bool + Send + Sync + 'static,
    ) -> (u64, Arc<Outbox>) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let outbox = Arc::new(Outbox::new());
        let sub = Sub {
            id,
            watch,
            kind,
            // Not the kind's: all admins share one kind (user 0).
            user,
            outbox: outbox.clone(),
            since: 0,
        };
        let Some(sub) = self.add_cached(sub, &current) else {
            return (id, outbox);
        };
        // A few at a time: each read waits for the writer on a blocking
        // thread, and a thousand sockets joining a thousand pages at once
        // (a restart) would otherwise hold a thread each.
        let joined = match self.shared.readers.acquire().await {
            Ok(_reading) => {
                let hub = self.clone();
                tokio::task::spawn_blocking(move || hub.add(sub, current)).await
            }
            Err(_) => Ok(Err(AppError::Internal("hub closed".into()))),
        };
        if !matches!(joined, Ok(Ok(()))) {
            tracing::error!("catch-up failed; socket closed");
            outbox.kill();
        }
        (id, outbox)
    }

    /// Admits `sub` with the cached catch-up of its page, or with its
    /// goodbye when the server is closing; hands it back when the catch-up
    /// must be read.
    fn add_cached(&self, sub: Sub, current: &dyn Fn() -> bool) -> Option<Sub> {
        let mut subs = self.subs();
        if subs.closing {
            subs.admit(sub, None, None, None, current);
            return None;
        }
        if sub.own_markers() {
            return Some(sub);
        }
        // Read under the lock `publish` takes: a change committed since is
        // either published already (the socket will not get it) or will be
        // (it will), and an entry read before it is not served.
        let generation = self.shared.db.generation();
        match subs.catch_up.get(sub.watch, sub.kind, generation) {
            Some(frames) => {
                let bell = self.bell_of(&sub);
                subs.admit(sub, Some(frames), None, bell, current);
                None
            }
            None => Some(sub),
        }
    }

    /// Blocking. The catch-up is the cached one when the page's was read
    /// at the current generation; else it is read between two writes, when
    /// every committed change has been fanned out (no change is published
    /// while the writer is held): either way it is exactly the state before
    /// the next change the socket receives.
    fn add(&self, sub: Sub, current: impl Fn() -> bool + Sync) -> AppResult<()> {
        let Some(sub) = self.add_cached(sub, &current) else {
            return Ok(());
        };
        let (watch, kind) = (sub.watch, sub.kind);
        self.shared.db.between_writes(|conn| {
            // Still the generation when read: commits wait for the writer.
            let generation = self.shared.db.generation();
            let cached = self.subs().catch_up.get(watch, kind, generation);
            // Read and rendered outside the subscriptions' lock: fan-outs
            // wait for the writer anyway, and the heartbeat need not wait.
            let read = match cached {
                Some(_) => None,
                None => Some(render::catch_up(conn, watch, kind)?),
            };
            let own = match sub.user {
                Some(user) if sub.own_markers() => {
                    markers::frame(conn, &self.shared.reads, user, watch, kind.lang())?
                }
                _ => None,
            };
            let mut subs = self.subs();
            let frames = match (cached, read) {
                (Some(frames), _) => frames,
                (None, Some(read)) => subs.keep(watch, kind, generation, read),
                (None, None) => Arc::from([]),
            };
            let bell = self.bell_of(&sub);
            subs.admit(sub, Some(frames), own, bell, &current);
            Ok(())
        })
    }

    /// A member's bell as it is now (read under the subscriptions' lock:
    /// a count set before `send_bells` takes it is either seen here or sent
    /// there).
    fn bell_of(&self, sub: &Sub) -> Option<Utf8Bytes> {
        let user = sub.user?;
        let count = self.shared.bells.get(user);
        Some(Utf8Bytes::from(
            render::bell(sub.kind.lang(), count).into_string(),
        ))
    }

    /// Queues each member's bell, at its count, on every socket of theirs:
    /// one walk over the sockets, whatever the number of members.
    /// Each bell is rendered once per member and language, when a socket
    /// of theirs is met; a socket whose queue is full is closed (it catches
    /// up when it comes back).
    pub fn send_bells(&self, counts: &[(i64, u32)]) {
        let counts: HashMap<i64, u32> = counts.iter().copied().collect();
        let mut frames: HashMap<(i64, crate::i18n::Lang), Utf8Bytes> = HashMap::new();
        let subs = self.subs();
        for sub in subs.all() {
            let Some(user) = sub.user else { continue };
            let Some(&n) = counts.get(&user) else {
                continue;
            };
            let l = sub.kind.lang();
            let frame = frames
                .entry((user, l))
                .or_insert_with(|| Utf8Bytes::from(render::bell(l, n).into_string()))
                .clone();
            if !sub.outbox.push(Message::Text(frame)) {
                sub.outbox.kill();
            }
        }
    }

    /// Pages (per kind of viewer) whose catch-up is cached now.
    pub fn catch_up_cache_len(&self) -> usize {
        self.subs().catch_up.len()
    }

    /// The bytes of the catch-up frames cached now.
    pub fn catch_up_cache_bytes(&self) -> usize {
        self.subs().catch_up.bytes()
    }

    /// Queues one frame, the same for everyone, on every socket (a member's
    /// new picture). Sockets whose queue is full are closed: they catch up
    /// when they come back.
    pub fn broadcast(&self, frame: Utf8Bytes) {
        let subs = self.subs();
        for sub in subs.all() {
            if !sub.outbox.push(Message::Text(frame.clone())) {
                sub.outbox.kill();
            }
        }
    }

    /// Sends `user`'s home and forum pages their markers as they are now:
    /// their marks moved (a topic read, "mark all read").
    pub fn refresh_markers(&self, user: i64) {
        let watches: std::collections::HashSet<(Watch, crate::i18n::Lang)> = self
            .subs()
            .all()
            .filter(|sub| sub.user == Some(user) && sub.own_markers())
            .map(|sub| (sub.watch, sub.kind.lang()))
            .collect();
        if watches.is_empty() {
            return;
        }
        let hub = self.clone();
        tokio::spawn(async move {
            let reads = hub.shared.reads.clone();
            let read = hub
                .shared
                .db
                .read(move |conn| {
                    watches
                        .into_iter()
                        .map(|(w, l)| Ok((w, markers::frame(conn, &reads, user, w, l)?)))
                        .collect::<AppResult<Vec<_>>>()
                })
                .await;
            let Ok(frames) = read else {
                return;
            };
            let subs = hub.subs();
            for (watch, frame) in frames {
                let Some(frame) = frame else { continue };
                for sub in subs
                    .all()
                    .filter(|s| s.user == Some(user) && s.watch == watch)
                {
                    sub.outbox.push(Message::Text(frame.clone()));
                }
            }
        });
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

/// Fans out each published change, in order; ends with the hub.
async fn deliveries(
    shared: Weak<Shared>,
    mut plans: mpsc::UnboundedReceiver<(u64, fan_out::Plan)>,
) {
    while let Some((seq, plan)) = plans.recv().await {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut subs = shared.subs.lock().unwrap_or_else(|p| p.into_inner());
        subs.delivering = seq;
        fan_out::deliver(&mut subs, plan);
    }
}

/// A catch-up's frames, and whether its page exists.
pub(super) fn frames_of(read: CatchUp) -> (Frames, bool) {
    match read {
        CatchUp::Page(frames) => (frames.into_iter().map(Utf8Bytes::from).collect(), true),
        CatchUp::Missing(frame) => (Arc::from([Utf8Bytes::from(frame)]), false),
    }
}
