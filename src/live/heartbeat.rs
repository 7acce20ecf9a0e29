//! How the server tells a dead peer from a quiet one. One task pings every
//! socket and judges it, instead of a timer in each socket's task: an idle
//! socket then costs no timer, and a busy one polls none. Sockets are taken
//! in slices, so the pings of ten thousand sockets are spread over the
//! period rather than sent in one burst.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use super::outbox::Outbox;

/// When to ping, and when to give up on a socket.
#[derive(Clone, Copy, Debug)]
pub struct Heartbeat {
    /// How often each socket is pinged.
    pub ping_every: Duration,
    /// A socket not heard from for longer than this is closed.
    pub silence_limit: Duration,
    /// A write still going after this means the peer stopped reading. Both
    /// limits are checked at each ping, so such a socket goes within the
    /// limit plus `ping_every`.
    pub write_timeout: Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            ping_every: Duration::from_secs(25),
            silence_limit: Duration::from_secs(60),
            write_timeout: Duration::from_secs(20),
        }
    }
}

/// Each period is cut into this many slices; socket `id` is judged in slice
/// `id % SLICES`.
pub const SLICES: u64 = 16;

/// What a socket's turn finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ping,
    /// Not heard from within the silence limit.
    Silent,
    /// A write began more than the write timeout ago and is still going.
    Stalled,
}

impl Heartbeat {
    /// How long one slice of the period lasts.
    pub fn slice(&self) -> Duration {
        (self.ping_every / SLICES as u32).max(Duration::from_millis(1))
    }

    pub fn judge(&self, outbox: &Outbox, now: u64) -> Verdict {
        let older_than =
            |at: u64, limit: Duration| at != 0 && now.saturating_sub(at) > limit.as_millis() as u64;
        if older_than(outbox.sending_since(), self.write_timeout) {
            Verdict::Stalled
        } else if older_than(outbox.last_heard(), self.silence_limit) {
            Verdict::Silent
        } else {
            Verdict::Ping
        }
    }
}

/// Milliseconds on the process's clock; never 0 (which means "not set").
pub fn now_ms() -> u64 {
    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    START.elapsed().as_millis() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_silence_and_stalled_writes() {
        let beat = Heartbeat {
            ping_every: Duration::from_secs(1),
            silence_limit: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
        };
        let outbox = Outbox::new();
        let heard = outbox.last_heard();
        assert_eq!(beat.judge(&outbox, heard + 10_000), Verdict::Ping);
        assert_eq!(beat.judge(&outbox, heard + 10_001), Verdict::Silent);
        outbox.sending(true);
        let began = outbox.sending_since();
        assert_eq!(beat.judge(&outbox, began + 5_000), Verdict::Ping);
        assert_eq!(beat.judge(&outbox, began + 5_001), Verdict::Stalled);
        outbox.sending(false);
        outbox.heard();
        assert_eq!(beat.judge(&outbox, began + 5_001), Verdict::Ping);
    }
}
