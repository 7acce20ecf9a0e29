//! A socket's bounded outgoing queue. The hub pushes without waiting; the
//! socket's task takes everything queued in one go, so frames that pile up
//! leave in one write. A queue that overflows marks its socket for closing.
//! Allocation is lazy: an idle socket's queue costs a few words, and waking
//! its task is one atomic waker, not a waiter list. The task hands back the
//! emptied buffer of its last batch in exchange, so a busy socket's frames
//! are queued with no allocation. It also keeps what the
//! heartbeat judges: when the peer was last heard from, and since when a
//! write has been going.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::extract::ws::Message;
use futures_util::task::AtomicWaker;

use super::heartbeat::now_ms;

/// Frames a socket may have waiting before it is judged too slow.
pub const CAPACITY: usize = 256;
/// The most room a socket's two buffers keep between batches; a burst's
/// larger buffers are given back.
const KEPT: usize = 8;

pub struct Outbox {
    queue: Mutex<VecDeque<Message>>,
    /// The socket's task, woken by a push or a kill.
    waker: AtomicWaker,
    killed: AtomicBool,
    /// On the heartbeat's clock (`now_ms`); `sending_since` is 0 between writes.
    last_heard: AtomicU64,
    sending_since: AtomicU64,
}

impl Outbox {
    pub fn new() -> Self {
        Outbox {
            queue: Mutex::default(),
            waker: AtomicWaker::new(),
            killed: AtomicBool::new(false),
            last_heard: AtomicU64::new(now_ms()),
            sending_since: AtomicU64::new(0),
        }
    }

    /// The peer sent something: it is alive.
    pub fn heard(&self) {
        self.last_heard.store(now_ms(), Ordering::Relaxed);
    }

    pub fn last_heard(&self) -> u64 {
        self.last_heard.load(Ordering::Relaxed)
    }

    /// A write begins (`true`) or ends.
    pub fn sending(&self, begins: bool) {
        let at = if begins { now_ms() } else { 0 };
        self.sending_since.store(at, Ordering::Relaxed);
    }

    pub fn sending_since(&self) -> u64 {
        self.sending_since.load(Ordering::Relaxed)
    }

    /// Queues a frame; `false` (and the socket is killed) when it is full.
    pub fn push(&self, frame: Message) -> bool {
        if self.is_killed() {
            return false;
        }
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= CAPACITY {
            drop(q);
            self.kill();
            return false;
        }
        q.push_back(frame);
        drop(q);
        self.waker.wake();
        true
    }

    /// Waits for frames and moves every one queued into `batch` (sent and
    /// emptied by the caller), oldest first; `false` once the socket is killed.
    pub async fn take(&self, batch: &mut VecDeque<Message>) -> bool {
        batch.clear();
        if batch.capacity() > KEPT {
            batch.shrink_to(KEPT);
        }
        std::future::poll_fn(|cx| {
            if self.poll_killed(cx).is_ready() {
                return Poll::Ready(false);
            }
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            if q.is_empty() {
                Poll::Pending
            } else {
                std::mem::swap(&mut *q, batch);
                Poll::Ready(true)
            }
        })
        .await
    }

    /// Asks the socket to close at once, whatever it is doing.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.waker.wake();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Resolves once the socket is killed.
    pub async fn killed(&self) {
        std::future::poll_fn(|cx| self.poll_killed(cx)).await
    }

    fn poll_killed(&self, cx: &mut Context<'_>) -> Poll<()> {
        // Registered before looking, so a kill or push in between still wakes.
        self.waker.register(cx.waker());
        if self.is_killed() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
