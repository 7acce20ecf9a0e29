//! How long a connection may take, and how many connections and sockets the
//! server holds at once, in total and per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Timeouts and caps; `Default` is production. Sized for a small machine
/// (2 cores, a hard limit of 20,000 file descriptors): connections and
/// sockets together stay well below the descriptors, leaving room for the
/// database, the log and the listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A request's head must arrive within this long from the moment the
    /// connection starts waiting for it (hyper starts counting then, not at
    /// the first byte): so it also ends a kept-alive connection's wait.
    pub header_timeout: Duration,
    /// From a request's head to its answer: a body must arrive within it.
    pub request_timeout: Duration,
    /// A connection with no request being handled for this long is closed:
    /// a kept-alive one waiting (if `header_timeout` has not ended it
    /// first), or one whose client stopped reading its answer.
    pub idle_timeout: Duration,
    /// Open connections, WebSockets included (each is a descriptor).
    pub max_connections: usize,
    /// Open connections from one address. A trusted proxy's connections
    /// are not counted per address: it carries everyone's.
    pub max_connections_per_addr: usize,
    /// Open WebSockets.
    pub max_sockets: usize,
    /// Open WebSockets from one client address (behind a trusted proxy,
    /// the address it forwards).
    pub max_sockets_per_addr: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 15_000,
            max_connections_per_addr: 256,
            max_sockets: 11_000,
            max_sockets_per_addr: 64,
        }
    }
}

/// Descriptors kept for everything that is not a client connection: the
/// database and its pool, the session store, the listener, logs, files.
const RESERVED_FDS: u64 = 256;

impl Limits {
    /// Raises this process's soft limit on open files to its hard limit,
    /// then lowers the connection cap if the descriptors cannot hold it (an
    /// accept failing for want of descriptors helps no one).
    pub fn fit_to_descriptors(mut self) -> Self {
        let soft = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read or raise the open files limit");
                return self;
            }
        };
        let room = usize::try_from(soft.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
        if self.max_connections > room {
            tracing::warn!(
                open_files = soft,
                max_connections = room,
                "the open files limit is low: fewer connections allowed"
            );
            self.max_connections = room.max(1);
        }
        self
    }
}

/// Counts open things (connections, sockets) in total and per address, and
/// admits one more only under both caps.
pub struct Tally {
    what: &'static str,
    max_total: usize,
    max_per_addr: usize,
    counts: Mutex<Counts>,
    /// When (seconds since the epoch) a refusal was last logged: a flood
    /// of refusals logs one line a minute, not one each.
    last_warned: AtomicU64,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_addr: HashMap<IpAddr, usize>,
}

/// Which cap a refusal met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Full {
    Total,
    Address,
}

/// One admitted connection or socket; dropping it frees its place.
pub struct Slot {
    tally: Arc<Tally>,
    addr: Option<IpAddr>,
}

impl Tally {
    pub fn new(what: &'static str, max_total: usize, max_per_addr: usize) -> Arc<Self> {
        Arc::new(Self {
            what,
            max_total,
            max_per_addr,
            counts: Mutex::default(),
            last_warned: AtomicU64::new(0),
        })
    }

    /// A place for one more from `addr`, or which cap is full. `per_addr:
    /// false` counts it in the total only (a trusted proxy's connection).
    pub fn admit(self: &Arc<Self>, addr: IpAddr, per_addr: bool) -> Result<Slot, Full> {
        let key = per_addr.then(|| address_key(addr));
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let refused = if counts.total >= self.max_total {
            Some(Full::Total)
        } else if key.is_some_and(|k| {
            counts
                .per_addr
                .get(&k)
                .is_some_and(|&n| n >= self.max_per_addr)
        }) {
            Some(Full::Address)
        } else {
            None
        };
        if let Some(full) = refused {
            drop(counts);
            self.warn(addr, full);
            return Err(full);
        }
        counts.total += 1;
        if let Some(k) = key {
            *counts.per_addr.entry(k).or_default() += 1;
        }
        Ok(Slot {
            tally: self.clone(),
            addr: key,
        })
    }

    /// How many are open (for tests and logs).
    pub fn open(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
    }

    fn warn(&self, addr: IpAddr, full: Full) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.last_warned.load(Ordering::Relaxed);
        if now >= last + 60
            && self
                .last_warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let (cap, max) = match full {
                Full::Total => ("in total", self.max_total),
                Full::Address => ("per address", self.max_per_addr),
            };
            tracing::warn!(%addr, max, "{} refused: at most {max} {cap} (logged once a minute)", self.what);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.tally.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(k) = self.addr
            && let Some(n) = counts.per_addr.get_mut(&k)
        {
            *n -= 1;
            if *n == 0 {
                counts.per_addr.remove(&k);
            }
        }
    }
}

/// What counts as one address: an IPv4 address, or an IPv6 /64 (the
/// smallest block a household or a server is usually given, so one
/// attacker cannot claim a fresh address per connection). An IPv4 address
/// written as IPv6 counts as itself.
fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::V6(s.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn caps_per_address_and_in_total() {
        let t = Tally::new("test", 3, 2);
        let a1 = t.admit(ip("10.0.0.1"), true).unwrap();
        let _a2 = t.admit(ip("10.0.0.1"), true).unwrap();
        assert_eq!(t.admit(ip("10.0.0.1"), true).err(), Some(Full::Address));
        let _b = t.admit(ip("10.0.0.2"), true).unwrap();
        assert_eq!(t.admit(ip("10.0.0.3"), true).err(), Some(Full::Total));
        drop(a1);
        assert_eq!(t.open(), 2);
        let _a3 = t.admit(ip("10.0.0.1"), true).unwrap();
    }

    #[test]
    fn uncounted_addresses_only_count_in_total() {
        let t = Tally::new("test", 10, 1);
        let _p = t.admit(ip("10.0.0.9"), false).unwrap();
        let _q = t.admit(ip("10.0.0.9"), false).unwrap();
        let _r = t.admit(ip("10.0.0.9"), true).unwrap();
        assert_eq!(t.open(), 3);
    }

    #[test]
    fn an_ipv6_64_is_one_address() {
        let t = Tally::new("test", 10, 1);
        let _a = t.admit(ip("2001:db8:1:2::1"), true).unwrap();
        assert_eq!(
            t.admit(ip("2001:db8:1:2:ffff::9"), true).err(),
            Some(Full::Address)
        );
        let _b = t.admit(ip("2001:db8:1:3::1"), true).unwrap();
        let _c = t.admit(ip("10.1.2.3"), true).unwrap();
        assert_eq!(
            t.admit(ip("::ffff:10.1.2.3"), true).err(),
            Some(Full::Address)
        );
    }
}
