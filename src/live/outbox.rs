//! A socket's bounded outgoing queue. The hub pushes without waiting; the
//! socket's writer drains everything queued in one go, so frames that pile up
//! leave in one write. A queue that overflows marks its socket for closing.
//! Allocation is lazy: an idle socket's queue costs a few words.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ws::Message;
use tokio::sync::Notify;

/// Frames a socket may have waiting before it is judged too slow.
pub const CAPACITY: usize = 256;

#[derive(Default)]
pub struct Outbox {
    queue: Mutex<VecDeque<Message>>,
    ready: Notify,
    kill: Notify,
    killed: AtomicBool,
}

impl Outbox {
    /// Queues a frame; `false` (and the socket is killed) when it is full.
    pub fn push(&self, frame: Message) -> bool {
        if self.killed.load(Ordering::Relaxed) {
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
        self.ready.notify_one();
        true
    }

    /// Everything queued so far, oldest first.
    pub fn drain(&self) -> VecDeque<Message> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *q)
    }

    pub async fn ready(&self) {
        self.ready.notified().await
    }

    /// Asks the socket to close at once, whatever it is doing.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        self.kill.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    pub async fn killed(&self) {
        if self.is_killed() {
            return;
        }
        self.kill.notified().await
    }
}
