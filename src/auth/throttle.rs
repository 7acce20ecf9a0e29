//! Slows repeated failed logins, per account and per client address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Failures allowed per account in the window.
const PER_ACCOUNT: usize = 5;
/// Failures allowed per address in the window (several people may share one).
const PER_ADDRESS: usize = 20;
/// Above this many tracked keys, expired ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn keys(username: &str, ip: Option<IpAddr>) -> [(Option<String>, usize); 2] {
    [
        (
            Some(format!("u:{}", username.to_ascii_lowercase())),
            PER_ACCOUNT,
        ),
        (ip.map(|ip| format!("ip:{ip}")), PER_ADDRESS),
    ]
}

impl LoginThrottle {
    /// `Some(seconds)` to wait when either key is over its limit.
    pub fn retry_after(&self, username: &str, ip: Option<IpAddr>) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (key, limit) in keys(username, ip) {
            let Some(times) = key.and_then(|k| map.get_mut(&k)) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
            if times.len() >= limit {
                let oldest = times[times.len() - limit];
                let secs = (WINDOW - now.duration_since(oldest)).as_secs() + 1;
                wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
            }
        }
        wait
    }

    pub fn record_failure(&self, username: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_AT {
            map.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for (key, limit) in keys(username, ip) {
            if let Some(k) = key {
                let times = map.entry(k).or_default();
                times.push_back(now);
                while times.len() > limit {
                    times.pop_front();
                }
            }
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("u:{}", username.to_ascii_lowercase()));
    }
}
