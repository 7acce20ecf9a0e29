//! What is set up on each server, who watches what, and how a reply is
//! posted, so that every socket measures message fragments:
//!
//! - one topic (default): every socket watches its first page, and an admin
//!   deletes each reply once answered (the `Janitor`), so every
//!   reply lands on that page and reaches every socket as the message
//!   itself. The baseline broadcasts a frame of the removal's size for each
//!   deletion too: both servers send the same frames.
//! - `--spread`: topics of 20 per forum, a tenth as many as sockets; 8 in 10
//!   sockets watch a topic's page, the others a forum's first page (its topic
//!   list, a frame per reply in the forum); more topics when the replies
//!   need them. Replies go round the topics, a different forum each time,
//!   and no topic leaves its first page.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::fleet::{self, FrameSizes, Watcher};
use crate::{HTTP_TIMEOUT, http, number_after, post_form};

/// Topics per forum page, and the topic page's length, in causerie.
const PAGE_SIZE: usize = 20;
/// Replies kept on the one topic; at most 19 fit beside the opening message.
const ROOM: u32 = 15;
/// Sockets per topic in the spread case (the rest watch forum pages).
const PER_TOPIC: usize = 8;
/// The longest a gated janitor waits for a reply's frames before deleting it.
const GATE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where reply `seq` goes: `targets[seq % len]`.
#[derive(Clone)]
pub struct Target {
    /// causerie's topic id (0 for the baseline).
    pub topic: i64,
    /// Rooms of the sockets it must reach: its topic's, and its forum's.
    pub topic_room: u32,
    pub forum_room: Option<u32>,
}

pub struct Layout {
    pub watchers: Vec<Watcher>,
    pub targets: Vec<Target>,
    pub spread: bool,
}

impl Layout {
    /// Rooms: topics `0..topics`, then forums. One topic when not spread;
    /// else enough that `replies` leave each on its first page.
    pub fn new(sockets: usize, spread: bool, replies: usize) -> Layout {
        if !spread {
            return Layout {
                watchers: (0..sockets)
                    .map(|_| Watcher {
                        path: String::new(),
                        room: 0,
                        forum: false,
                    })
                    .collect(),
                targets: vec![Target {
                    topic: 0,
                    topic_room: 0,
                    forum_room: None,
                }],
                spread,
            };
        }
        let topics = (sockets / 10).max(replies.div_ceil(ROOM as usize)).max(1);
        let forums = topics.div_ceil(PAGE_SIZE);
        let on_topics = (topics * PER_TOPIC).min(sockets);
        let mut watchers: Vec<Watcher> = (0..on_topics)
            .map(|i| Watcher {
                path: String::new(),
                room: (i % topics) as u32,
                forum: false,
            })
            .collect();
        watchers.extend((0..sockets - on_topics).map(|i| Watcher {
            path: String::new(),
            room: (topics + i % forums) as u32,
            forum: true,
        }));
        // Consecutive replies to topics far apart: a different forum each time.
        let stride = (1..)
            .map(|k| k * forums + 1)
            .find(|s| gcd(*s, topics) == 1)
            .unwrap_or(1);
        let targets = (0..topics)
            .map(|k| {
                let t = k * stride % topics;
                Target {
                    topic: 0,
                    topic_room: t as u32,
                    forum_room: Some((topics + t / PAGE_SIZE) as u32),
                }
            })
            .collect();
        Layout {
            watchers,
            targets,
            spread,
        }
    }

    pub fn topics(&self) -> usize {
        self.targets.len()
    }

    pub fn target(&self, seq: u32) -> &Target {
        &self.targets[seq as usize % self.targets.len()]
    }

    /// Rooms reply `seq` must reach.
    pub fn rooms(&self, seq: u32) -> impl Iterator<Item = u32> {
        let t = self.target(seq);
        std::iter::once(t.topic_room).chain(t.forum_room)
    }

    /// Sets each socket's path to causerie's pages: `topic_ids[room]` for
    /// topic rooms, `forum_ids[room - topics]` for forum rooms.
    pub fn for_causerie(&mut self, topic_ids: &[i64], forum_ids: &[i64]) {
        let topics = self.topics();
        for w in &mut self.watchers {
            let page = if w.forum {
                format!("/forums/{}", forum_ids[w.room as usize - topics])
            } else {
                format!("/topics/{}", topic_ids[w.room as usize])
            };
            w.path = format!("/_ws?view={}", http::encode(&page));
        }
        for t in &mut self.targets {
            t.topic = topic_ids[t.topic_room as usize];
        }
    }

    /// Sets each socket's path to the baseline's rooms; its first frame is
    /// as long as causerie's catch-up of that kind of page was (`sizes`), so
    /// both servers' sockets start with the same bytes.
    pub fn for_baseline(&mut self, sizes: &FrameSizes) {
        for w in &mut self.watchers {
            let first = if w.forum {
                sizes.catch_up_forum
            } else {
                sizes.catch_up_topic
            };
            w.path = format!("/_ws?room=r{}&first={}", w.room, first.unwrap_or(0));
        }
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Seeds causerie as the layout needs: its forums and topics, created by the
/// admin (`cookie`); returns (topic ids by room, forum ids).
pub async fn seed(
    addr: SocketAddr,
    cookie: &str,
    layout: &Layout,
) -> Result<(Vec<i64>, Vec<i64>), String> {
    let topics = layout.topics();
    let forums = if layout.spread {
        topics.div_ceil(PAGE_SIZE)
    } else {
        1
    };
    let mut forum_ids = Vec::with_capacity(forums);
    for f in 0..forums {
        let (at, _) = post_form(
            addr,
            "/admin/forums",
            Some(cookie),
            &[
                ("name", &format!("Load test {f}")),
                ("description", "Where loadgen posts"),
            ],
        )
        .await?;
        forum_ids.push(number_after(&at, "/forums/").ok_or_else(|| format!("forum at {at:?}"))?);
    }
    let mut topic_ids = Vec::with_capacity(topics);
    for t in 0..topics {
        let forum = forum_ids[t / PAGE_SIZE % forums];
        let (at, _) = post_form(
            addr,
            &format!("/forums/{forum}/topics"),
            Some(cookie),
            &[
                ("title", &format!("Everybody is watching topic {t}")),
                (
                    "body",
                    "The opening message. Replies follow, posted by loadgen.",
                ),
            ],
        )
        .await?;
        topic_ids.push(number_after(&at, "/topics/").ok_or_else(|| format!("topic at {at:?}"))?);
    }
    Ok((topic_ids, forum_ids))
}

/// How replies (and deletions) are posted to one server.
pub enum Poster {
    /// Reply `seq` goes through `addrs[seq % len]`, deletion of message
    /// `id` through `addrs[id % len]` (several instances: round-robin).
    Causerie {
        addrs: Vec<SocketAddr>,
        cookie: String,
        layout: Arc<Layout>,
    },
    Baseline {
        addr: SocketAddr,
        layout: Arc<Layout>,
        sizes: FrameSizes,
    },
}

/// What a reply's POST answered.
pub struct Posted {
    /// The message's id (causerie), else the reply's sequence number.
    pub handle: i64,
    /// Whether it landed on the page its sockets watch.
    pub on_watched_page: bool,
}

impl Poster {
    pub async fn post(&self, seq: u32) -> Result<Posted, String> {
        let token = fleet::token(seq);
        match self {
            Poster::Causerie {
                addrs,
                cookie,
                layout,
            } => {
                let addr = addrs[seq as usize % addrs.len()];
                let body = format!(
                    "Load test reply {token}. A message of ordinary length, as people write them: \
                     a sentence or two about the topic, a question, and a thank-you at the end."
                );
                let path = format!("/topics/{}/messages", layout.target(seq).topic);
                let (location, _) =
                    post_form(addr, &path, Some(cookie), &[("body", &body)]).await?;
                let handle = number_after(&location, "#message-")
                    .ok_or_else(|| format!("reply Location {location:?} names no message"))?;
                Ok(Posted {
                    handle,
                    on_watched_page: !location.contains("page="),
                })
            }
            Poster::Baseline {
                addr,
                layout,
                sizes,
            } => {
                let to: Vec<String> = layout
                    .rooms(seq)
                    .map(|room| {
                        let forum = room as usize >= layout.topics();
                        let len = if forum { sizes.forum } else { sizes.message };
                        format!("r{room}:{}", len.unwrap_or(500))
                    })
                    .collect();
                broadcast(*addr, &to.join(","), &token).await?;
                Ok(Posted {
                    handle: i64::from(seq),
                    on_watched_page: true,
                })
            }
        }
    }

    /// Deletes a reply (causerie, as the admin), or broadcasts a frame of a
    /// removal's size to the topic's room (baseline).
    pub async fn remove(&self, handle: i64) -> Result<(), String> {
        match self {
            Poster::Causerie { addrs, cookie, .. } => post_form(
                addrs[handle.unsigned_abs() as usize % addrs.len()],
                &format!("/messages/{handle}/delete"),
                Some(cookie),
                &[],
            )
            .await
            .map(|_| ()),
            Poster::Baseline { addr, sizes, .. } => {
                let to = format!("r0:{}", sizes.other.unwrap_or(60));
                broadcast(*addr, &to, "rm").await
            }
        }
    }
}

async fn broadcast(addr: SocketAddr, to: &str, token: &str) -> Result<(), String> {
    let path = format!("/post?to={to}");
    let r = http::request(
        addr,
        "POST",
        &path,
        None,
        Some(("text/plain", token)),
        HTTP_TIMEOUT,
    )
    .await?;
    if r.status != 200 {
        return Err(format!("POST /post: status {}", r.status));
    }
    Ok(())
}

/// Keeps the one topic's first page from filling: each reply is deleted
/// as soon as it is answered, and reply `seq` is sent only once the deletion
/// of reply `seq - ROOM` is done (it waits when it is not). The topic then
/// never holds more than `ROOM` replies beside its opening message, however
/// late the server answers: every reply lands on the watched page. When the
/// server keeps up, no reply waits; when it does not, the wait counts in the
/// reply's latency, on both servers alike.
/// How many frames showed reply `seq`.
type Seen = Box<dyn Fn(u32) -> u32 + Send + Sync>;

pub struct Janitor {
    /// When set (`--instances`): a reply is deleted only once this many
    /// frames showed it (`.1`, every socket), as `.0` counts them, or after
    /// `GATE_WAIT`. On PostgreSQL each instance renders a change from the
    /// database as it is when its follower reads the change log: a reply
    /// deleted at once would be gone by then, and never shown.
    gate: Option<(Seen, u32)>,
    /// Replies whose deletion is over (done, failed, or nothing to delete).
    cleared: Mutex<HashSet<u32>>,
    news: Notify,
    deleted: AtomicUsize,
    error: Mutex<Option<String>>,
}

impl Janitor {
    pub fn new() -> Janitor {
        Janitor {
            gate: None,
            cleared: Mutex::default(),
            news: Notify::new(),
            deleted: AtomicUsize::new(0),
            error: Mutex::default(),
        }
    }

    /// A janitor that deletes a reply once `seen(seq)` reached `sockets`.
    pub fn after_delivery(
        seen: impl Fn(u32) -> u32 + Send + Sync + 'static,
        sockets: u32,
    ) -> Janitor {
        Janitor {
            gate: Some((Box::new(seen), sockets)),
            ..Janitor::new()
        }
    }

    /// Reply `seq` was answered (`handle`: its message, `None` when it
    /// failed): deletes it on a task of its own.
    pub fn record(self: &Arc<Self>, seq: u32, handle: Option<i64>, poster: Arc<Poster>) {
        let janitor = self.clone();
        tokio::spawn(async move {
            if let Some((seen, sockets)) = &janitor.gate {
                let until = tokio::time::Instant::now() + GATE_WAIT;
                while seen(seq) < *sockets && tokio::time::Instant::now() < until {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
            if let Some(handle) = handle {
                match poster.remove(handle).await {
                    Ok(()) => {
                        janitor.deleted.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => *janitor.error.lock().unwrap() = Some(e),
                }
            }
            janitor.cleared.lock().unwrap().insert(seq);
            janitor.news.notify_waiters();
        });
    }

    /// Waits (bounded) until reply `seq - ROOM` is deleted.
    pub async fn make_room(&self, seq: u32) {
        let Some(old) = seq.checked_sub(ROOM) else {
            return;
        };
        let waited = tokio::time::timeout(HTTP_TIMEOUT, async {
            loop {
                let news = self.news.notified();
                if self.cleared.lock().unwrap().remove(&old) {
                    return;
                }
                news.await;
            }
        })
        .await;
        if waited.is_err() {
            *self.error.lock().unwrap() = Some(format!("reply {old} not deleted in time"));
        }
    }

    pub fn deleted(&self) -> usize {
        self.deleted.load(Ordering::Relaxed)
    }

    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_replies_go_round_every_topic_a_forum_at_a_time() {
        let layout = Layout::new(10_000, true, 1400);
        let topics = layout.topics();
        assert_eq!(topics, 1000);
        // Every topic once per round, never twice the same forum in a row.
        let mut seen = vec![0; topics];
        for seq in 0..topics as u32 {
            let t = layout.target(seq);
            seen[t.topic_room as usize] += 1;
            let next = layout.target(seq + 1);
            assert_ne!(t.forum_room, next.forum_room, "reply {seq}");
        }
        assert!(seen.iter().all(|n| *n == 1));
        // 8 sockets on each topic, 40 on each forum's first page.
        let on_forums = layout.watchers.iter().filter(|w| w.forum).count();
        assert_eq!(on_forums, 2000);
        assert!(layout.rooms(0).count() == 2);
    }

    #[test]
    fn one_topic_reaches_every_socket() {
        let layout = Layout::new(500, false, 10);
        assert_eq!(layout.topics(), 1);
        assert!(layout.watchers.iter().all(|w| w.room == 0 && !w.forum));
        assert_eq!(layout.rooms(7).collect::<Vec<_>>(), vec![0]);
    }
}
