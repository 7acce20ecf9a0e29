//! N client WebSockets on one runtime: one task per socket, which connects
//! (a bounded number of handshakes at a time), waits for its catch-up frame,
//! then only scans each text frame for what it reports and notes the time.
//!
//! Each socket watches one page (its path) and belongs to one room (the
//! topic or forum page it watches, numbered by the scenario). What a frame
//! reports is an `Event`:
//! - a reply token (`lgtk` + 8 digits) in the frame: that reply's message
//!   (a causerie message fragment, or any baseline frame);
//! - else the first `/messages/N` link: a causerie forum page's topic list,
//!   whose first row is the topic that just got reply N.
//!
//! Frame sizes are kept by class (message, forum list, other) so that the
//! baseline can send frames of the same sizes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use memchr::memmem::Finder;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub const TOKEN_PREFIX: &str = "lgtk";
/// Bit set on an event's tag when it is a message id, not a token.
pub const ID_FLAG: u32 = 1 << 31;

const CONNECT_ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(30);

static TOKEN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(TOKEN_PREFIX.as_bytes()));
static LINK: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"/messages/"));

pub fn token(seq: u32) -> String {
    format!("{TOKEN_PREFIX}{seq:08}x")
}

/// `tag`: a reply's sequence number, or `ID_FLAG | message id`;
/// `at`: microseconds since the run's base instant.
#[derive(Clone, Copy)]
pub struct Event {
    pub tag: u32,
    pub at: u32,
}

struct Slot {
    alive: AtomicBool,
    events: Mutex<Vec<Event>>,
}

/// What a socket watches: its path, its room, and whether that room is a
/// forum page (whose frames are counted apart).
#[derive(Clone)]
pub struct Watcher {
    pub path: String,
    pub room: u32,
    pub forum: bool,
}

/// Text frames of one class: how many, how many bytes.
#[derive(Default)]
struct Sizes {
    frames: AtomicU64,
    bytes: AtomicU64,
}

impl Sizes {
    fn add(&self, len: usize) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len as u64, Ordering::Relaxed);
    }
    /// The mean size, `None` before any frame.
    fn mean(&self) -> Option<usize> {
        let n = self.frames.load(Ordering::Relaxed);
        (n > 0).then(|| (self.bytes.load(Ordering::Relaxed) / n) as usize)
    }
}

/// The mean sizes of the frames seen since the fleet opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameSizes {
    /// Frames showing a reply on a topic page.
    pub message: Option<usize>,
    /// Frames showing a reply on a forum page.
    pub forum: Option<usize>,
    /// Frames showing no reply (removals).
    pub other: Option<usize>,
    /// The first frame a socket gets (its page's catch-up), on a topic page
    /// and on a forum page.
    pub catch_up_topic: Option<usize>,
    pub catch_up_forum: Option<usize>,
}

pub struct Shared {
    base: Instant,
    /// Text frames showing a reply (not removals), since the phase began:
    /// what a phase waits for.
    frames: AtomicU64,
    joined: AtomicUsize,
    failed: AtomicUsize,
    lost: AtomicUsize,
    /// The largest catch-up frame seen.
    catch_up_bytes: AtomicUsize,
    /// The largest frame since the phase began.
    max_frame: AtomicUsize,
    /// By class: message, forum list, other.
    sizes: [Sizes; 3],
    /// First frames, on topic pages and on forum pages.
    catch_ups: [Sizes; 2],
    last_error: Mutex<Option<String>>,
    slots: Box<[Slot]>,
    /// By reply sequence number (when asked for at open): how many frames
    /// showed its token, over every socket.
    seen: Box<[AtomicU32]>,
}

pub struct Fleet {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

pub fn micros_since(base: Instant) -> u32 {
    micros_at(base, Instant::now())
}

/// `t` in microseconds after `base` (0 before it).
pub fn micros_at(base: Instant, t: Instant) -> u32 {
    t.saturating_duration_since(base)
        .as_micros()
        .min(u128::from(u32::MAX - 1)) as u32
}

impl Fleet {
    /// Starts a socket task for each watcher, on `ws://addr{path}`, at most
    /// `concurrency` handshakes at a time. Socket `i` goes to
    /// `addrs[i % addrs.len()]` (several instances of one server: spread evenly).
    pub fn open(
        addrs: &[SocketAddr],
        watchers: &[Watcher],
        concurrency: usize,
        base: Instant,
        replies: usize,
    ) -> Fleet {
        let n = watchers.len();
        let shared = Arc::new(Shared {
            base,
            frames: AtomicU64::new(0),
            joined: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
            catch_up_bytes: AtomicUsize::new(0),
            max_frame: AtomicUsize::new(0),
            sizes: Default::default(),
            catch_ups: Default::default(),
            last_error: Mutex::new(None),
            slots: (0..n)
                .map(|_| Slot {
                    alive: AtomicBool::new(false),
                    events: Mutex::new(Vec::new()),
                })
                .collect(),
            seen: (0..replies).map(|_| AtomicU32::new(0)).collect(),
        });
        let gate = Arc::new(Semaphore::new(concurrency.max(1)));
        let handles = watchers
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let addr = addrs[i % addrs.len()];
                tokio::spawn(socket_task(
                    i,
                    addr,
                    format!("ws://{addr}{}", w.path),
                    w.forum,
                    shared.clone(),
                    gate.clone(),
                ))
            })
            .collect();
        Fleet { shared, handles }
    }

    pub fn joined(&self) -> usize {
        self.shared.joined.load(Ordering::Relaxed)
    }
    pub fn failed(&self) -> usize {
        self.shared.failed.load(Ordering::Relaxed)
    }
    /// Sockets that closed after joining.
    pub fn lost(&self) -> usize {
        self.shared.lost.load(Ordering::Relaxed)
    }
    pub fn max_frame(&self) -> usize {
        self.shared.max_frame.load(Ordering::Relaxed)
    }
    pub fn frame_sizes(&self) -> FrameSizes {
        let [message, forum, other] = &self.shared.sizes;
        let [catch_up_topic, catch_up_forum] = &self.shared.catch_ups;
        FrameSizes {
            message: message.mean(),
            forum: forum.mean(),
            other: other.mean(),
            catch_up_topic: catch_up_topic.mean(),
            catch_up_forum: catch_up_forum.mean(),
        }
    }
    pub fn catch_up_bytes(&self) -> usize {
        self.shared.catch_up_bytes.load(Ordering::Relaxed)
    }
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().unwrap().clone()
    }
    /// How many frames showed reply `seq`'s token so far (0 beyond the
    /// `replies` given at open), usable from another task.
    pub fn seen_counter(&self) -> impl Fn(u32) -> u32 + Send + Sync + 'static {
        let shared = self.shared.clone();
        move |seq| {
            shared
                .seen
                .get(seq as usize)
                .map_or(0, |n| n.load(Ordering::Relaxed))
        }
    }
    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }
    pub fn len(&self) -> usize {
        self.shared.slots.len()
    }

    /// Waits until every socket joined or gave up, within `limit`; prints progress.
    pub async fn wait_settled(&self, limit: Duration) -> bool {
        let start = Instant::now();
        let mut last_print = Instant::now();
        loop {
            let (j, f) = (self.joined(), self.failed());
            if j + f >= self.len() {
                return true;
            }
            if start.elapsed() > limit {
                return false;
            }
            if last_print.elapsed() >= Duration::from_secs(3) {
                eprintln!("  ... {j} joined, {f} failed ({:.0?})", start.elapsed());
                last_print = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Forgets earlier events and frame counts; which sockets are open now.
    pub fn begin_phase(&self) -> Vec<bool> {
        for slot in self.shared.slots.iter() {
            slot.events.lock().unwrap().clear();
        }
        self.shared.frames.store(0, Ordering::Relaxed);
        self.shared.max_frame.store(0, Ordering::Relaxed);
        self.shared
            .slots
            .iter()
            .map(|s| s.alive.load(Ordering::Relaxed))
            .collect()
    }

    pub fn take_events(&self, i: usize) -> Vec<Event> {
        std::mem::take(&mut *self.shared.slots[i].events.lock().unwrap())
    }

    /// Ends every socket task (bounded wait).
    pub async fn stop(self) {
        for h in &self.handles {
            h.abort();
        }
        let all = futures_util::future::join_all(self.handles);
        let _ = tokio::time::timeout(Duration::from_secs(10), all).await;
    }
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn connect(addr: SocketAddr, url: &str) -> Result<(Ws, Message), String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).ok();
    let request = url.into_client_request().map_err(|e| e.to_string())?;
    // Small buffers: ten thousand sockets live in this one process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    // The catch-up frame says the server registered the socket.
    let first = tokio::time::timeout(CATCH_UP_TIMEOUT, ws.next())
        .await
        .map_err(|_| "no catch-up frame".to_string())?;
    match first {
        Some(Ok(m @ Message::Text(_))) => Ok((ws, m)),
        Some(Ok(other)) => Err(format!("first frame is not text: {other:?}")),
        Some(Err(e)) => Err(format!("before catch-up: {e}")),
        None => Err("closed before catch-up".into()),
    }
}

async fn socket_task(
    i: usize,
    addr: SocketAddr,
    url: String,
    forum: bool,
    shared: Arc<Shared>,
    gate: Arc<Semaphore>,
) {
    let mut ws = None;
    for attempt in 0..CONNECT_ATTEMPTS {
        let Ok(permit) = gate.acquire().await else {
            break;
        };
        let r = tokio::time::timeout(CONNECT_TIMEOUT + CATCH_UP_TIMEOUT, connect(addr, &url)).await;
        drop(permit);
        match r {
            Ok(Ok((s, catch_up))) => {
                shared
                    .catch_up_bytes
                    .fetch_max(catch_up.len(), Ordering::Relaxed);
                shared.catch_ups[usize::from(forum)].add(catch_up.len());
                ws = Some(s);
                break;
            }
            Ok(Err(e)) => *shared.last_error.lock().unwrap() = Some(e),
            Err(_) => *shared.last_error.lock().unwrap() = Some("connect timed out".into()),
        }
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
    }
    let Some(mut ws) = ws else {
        shared.failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let slot = &shared.slots[i];
    slot.alive.store(true, Ordering::Relaxed);
    shared.joined.fetch_add(1, Ordering::Relaxed);
    // Ends when the server closes or the fleet is stopped (task aborted).
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(text) = msg {
            let at = micros_since(shared.base);
            // Read first: the shared line is written only when a frame is larger.
            if text.len() > shared.max_frame.load(Ordering::Relaxed) {
                shared.max_frame.fetch_max(text.len(), Ordering::Relaxed);
            }
            let tag = scan(text.as_str().as_bytes());
            let class = match tag {
                Some(_) if forum => 1,
                Some(_) => 0,
                None => 2,
            };
            shared.sizes[class].add(text.len());
            if let Some(tag) = tag {
                if let Some(n) = shared.seen.get(tag as usize) {
                    n.fetch_add(1, Ordering::Relaxed);
                }
                slot.events.lock().unwrap().push(Event { tag, at });
                shared.frames.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    slot.alive.store(false, Ordering::Relaxed);
    shared.lost.fetch_add(1, Ordering::Relaxed);
}

/// What a frame reports: a reply token, else the first message link.
pub fn scan(frame: &[u8]) -> Option<u32> {
    if let Some(i) = TOKEN.find(frame) {
        let digits = frame.get(i + TOKEN_PREFIX.len()..i + TOKEN_PREFIX.len() + 8)?;
        return parse_digits(digits).filter(|n| *n < ID_FLAG);
    }
    let start = LINK.find(frame)? + b"/messages/".len();
    let len = frame[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(frame.len() - start);
    let id = parse_digits(&frame[start..start + len])?;
    (id < ID_FLAG).then_some(ID_FLAG | id)
}

fn parse_digits(d: &[u8]) -> Option<u32> {
    if d.is_empty() || d.len() > 9 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tokens_and_message_links() {
        let f = format!(
            "<a href=\"/messages/7\">x</a><p>reply {} body</p>",
            token(42)
        );
        assert_eq!(scan(f.as_bytes()), Some(42));
        let rows = br#"<li id="topic-3"><a href="/messages/1234">Last</a></li><li><a href="/messages/99">"#;
        assert_eq!(scan(rows), Some(ID_FLAG | 1234));
        assert_eq!(
            scan(b"<div id=\"message-5\" data-hx-swap-oob=\"delete\"></div>"),
            None
        );
    }
}
