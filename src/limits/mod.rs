//! Rate limits: "a burst of B, then one every T", kept per key in memory.
//!
//! Used by the login, registration and password-change throttles
//! (`auth::throttle`), by the posting rate (`posting`) and by search. Each key holds one
//! instant (GCRA: the "theoretical arrival time"), so a key costs the same
//! whatever its burst, and a key whose instant has passed is as good as
//! absent: sweeping drops it.

pub mod posting;
pub mod shared;

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A burst of `burst` at once, then one every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    pub const fn new(burst: u32, every_secs: u64) -> Self {
        Self {
            burst,
            every: Duration::from_secs(every_secs),
        }
    }

    /// Reads `B/Ns` (a burst of B, then one every N seconds), as the
    /// `CAUSERIE_*_RATE` variables spell it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?}: expected BURST/SECONDSs, e.g. 10/2s");
        let (burst, every) = text.trim().split_once('/').ok_or_else(bad)?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        let every: u64 = every
            .trim()
            .strip_suffix('s')
            .unwrap_or(every.trim())
            .parse()
            .map_err(|_| bad())?;
        if burst == 0 || every == 0 {
            return Err(format!("{text:?}: burst and seconds must be at least 1"));
        }
        Ok(Self::new(burst, every))
    }

    /// How far ahead of now a key's instant may be and still admit one more.
    fn slack(self) -> Duration {
        self.every * self.burst.saturating_sub(1)
    }
}

/// Every limit the server applies, with the production values as defaults.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Login attempts by one address for one account: a few typos, then slow.
    pub login_pair: Rate,
    /// Login attempts by one address, whatever the account.
    pub login_address: Rate,
    /// Login attempts on one account from addresses that never logged in to
    /// it: only a distributed guesser gets here (see `auth::throttle`).
    pub login_account: Rate,
    /// Accounts created by one address.
    pub register: Rate,
    /// Current-password checks on one account.
    pub password_change: Rate,
    /// New topics, replies and edits by an established account.
    pub post: Rate,
    /// ... by an account younger than `new_account_for`.
    pub post_new_account: Rate,
    pub new_account_for: Duration,
    /// Pictures uploaded by one account (each is decoded).
    pub avatar: Rate,
    /// Searches by one address (each reads the index and excerpts a page).
    pub search: Rate,
    /// Searches running at once, whoever asks: the others wait their turn
    /// (a search of common words in a phrase reads for a fifth of a second
    /// on a million messages; pages keep their connections and cores).
    pub searches_at_once: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_pair: Rate::new(5, 60),
            login_address: Rate::new(20, 15),
            login_account: Rate::new(50, 30),
            register: Rate::new(20, 60),
            password_change: Rate::new(5, 60),
            post: Rate::new(10, 2),
            post_new_account: Rate::new(3, 20),
            new_account_for: Duration::from_secs(24 * 3600),
            avatar: Rate::new(10, 60),
            search: Rate::new(30, 1),
            searches_at_once: 2,
        }
    }
}

impl Limits {
    /// The defaults, changed by whichever `CAUSERIE_*_RATE` variables are
    /// set (`B/Ns`), and `CAUSERIE_NEW_ACCOUNT_HOURS`.
    pub fn from_env() -> Result<Self, String> {
        let mut limits = Self::default();
        let rates: [(&str, &mut Rate); 9] = [
            ("CAUSERIE_LOGIN_PAIR_RATE", &mut limits.login_pair),
            ("CAUSERIE_LOGIN_ADDRESS_RATE", &mut limits.login_address),
            ("CAUSERIE_LOGIN_ACCOUNT_RATE", &mut limits.login_account),
            ("CAUSERIE_REGISTER_RATE", &mut limits.register),
            ("CAUSERIE_PASSWORD_CHANGE_RATE", &mut limits.password_change),
            ("CAUSERIE_POST_RATE", &mut limits.post),
            (
                "CAUSERIE_NEW_ACCOUNT_POST_RATE",
                &mut limits.post_new_account,
            ),
            ("CAUSERIE_AVATAR_RATE", &mut limits.avatar),
            ("CAUSERIE_SEARCH_RATE", &mut limits.search),
        ];
        for (name, rate) in rates {
            if let Ok(text) = std::env::var(name) {
                *rate = Rate::parse(&text).map_err(|e| format!("{name}={e}"))?;
            }
        }
        if let Ok(text) = std::env::var("CAUSERIE_NEW_ACCOUNT_HOURS") {
            let hours: u64 = text
                .trim()
                .parse()
                .map_err(|_| format!("CAUSERIE_NEW_ACCOUNT_HOURS={text:?}: a number of hours"))?;
            limits.new_account_for = Duration::from_secs(hours * 3600);
        }
        Ok(limits)
    }
}

/// Per-key instants, at most `cap` keys.
pub struct Keyed<K> {
    at: HashMap<K, Instant>,
    cap: usize,
}

impl<K: Hash + Eq> Keyed<K> {
    pub fn new(cap: usize) -> Self {
        Self {
            at: HashMap::new(),
            cap,
        }
    }

    /// How long `key` must wait before one more under `rate`; zero when it
    /// may go now.
    pub fn wait(&self, key: &K, rate: Rate, now: Instant) -> Duration {
        self.at.get(key).map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(now)
                .saturating_sub(rate.slack())
        })
    }

    /// Whether a new key would find room: the table sweeps itself when full,
    /// and a table still full of live keys takes no new one (refusing is
    /// safer than forgetting who was being slowed down).
    pub fn has_room(&mut self, key: &K, now: Instant) -> bool {
        if self.at.len() < self.cap || self.at.contains_key(key) {
            return true;
        }
        self.at.retain(|_, at| *at > now);
        self.at.len() < self.cap
    }

    /// Counts one for `key` (the caller checked `wait` and `has_room`).
    pub fn take(&mut self, key: K, rate: Rate, now: Instant) {
        let at = self.at.entry(key).or_insert(now);
        *at = (*at).max(now) + rate.every;
    }

    /// Gives back one counted for `key`: a forgiven attempt.
    pub fn give_back(&mut self, key: &K, rate: Rate, now: Instant) {
        if let Some(at) = self.at.get_mut(key) {
            match at.checked_sub(rate.every) {
                Some(back) if back > now => *at = back,
                _ => {
                    self.at.remove(key);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }
}

/// One rate over one kind of key, safe to share: the throttle for
/// registrations (by address) and password changes (by account).
pub struct Limiter<K> {
    rate: Rate,
    keys: Mutex<Keyed<K>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub fn new(rate: Rate, cap: usize) -> Self {
        Self {
            rate,
            keys: Mutex::new(Keyed::new(cap)),
        }
    }

    /// Counts one for `key` now, or says how long to wait: checked and
    /// counted under one lock, so parallel requests cannot all slip through.
    pub fn reserve(&self, key: &K) -> Result<(), Duration> {
        self.reserve_at(key, self.rate)
    }

    /// `reserve` under another rate than the limiter's own.
    pub fn reserve_at(&self, key: &K, rate: Rate) -> Result<(), Duration> {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys.wait(key, rate, now);
        if !wait.is_zero() {
            return Err(wait);
        }
        if !keys.has_room(key, now) {
            return Err(rate.every);
        }
        keys.take(key.clone(), rate, now);
        Ok(())
    }

    /// Gives back what `reserve` counted: the attempt did not happen, or
    /// does not count.
    pub fn give_back(&self, key: &K) {
        self.give_back_at(key, self.rate);
    }

    pub fn give_back_at(&self, key: &K, rate: Rate) {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.give_back(key, rate, Instant::now());
    }
}

/// Whole seconds to tell a user to wait (at least 1).
pub fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_every_interval() {
        let rate = Rate::new(3, 10);
        let mut k = Keyed::new(10);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(k.wait(&"a", rate, t0), Duration::ZERO);
            k.take("a", rate, t0);
        }
        assert_eq!(k.wait(&"a", rate, t0), Duration::from_secs(10));
        assert_eq!(
            k.wait(&"b", rate, t0),
            Duration::ZERO,
            "other keys unaffected"
        );
        let later = t0 + Duration::from_secs(10);
        assert_eq!(k.wait(&"a", rate, later), Duration::ZERO);
        k.take("a", rate, later);
        assert_eq!(k.wait(&"a", rate, later), Duration::from_secs(10));
    }

    #[test]
    fn giving_back_undoes_a_take() {
        let rate = Rate::new(2, 60);
        let mut k = Keyed::new(10);
        let t0 = Instant::now();
        k.take("a", rate, t0);
        k.take("a", rate, t0);
        assert!(k.wait(&"a", rate, t0) > Duration::ZERO);
        k.give_back(&"a", rate, t0);
        assert_eq!(k.wait(&"a", rate, t0), Duration::ZERO);
        k.give_back(&"a", rate, t0);
        assert!(k.is_empty(), "a key back at nothing is dropped");
    }

    #[test]
    fn a_full_table_sweeps_and_refuses_only_when_all_are_live() {
        let rate = Rate::new(1, 10);
        let mut k = Keyed::new(2);
        let t0 = Instant::now();
        k.take(1, rate, t0);
        k.take(2, rate, t0);
        assert!(k.has_room(&1, t0), "a known key always has room");
        assert!(!k.has_room(&3, t0), "two live keys fill it");
        assert!(
            k.has_room(&3, t0 + Duration::from_secs(10)),
            "swept once expired"
        );
        assert_eq!(k.len(), 0);
    }

    #[test]
    fn rates_parse_from_their_variable_form() {
        assert_eq!(Rate::parse("10/2s"), Ok(Rate::new(10, 2)));
        assert_eq!(Rate::parse(" 3/20 "), Ok(Rate::new(3, 20)));
        for bad in ["", "10", "a/2s", "10/xs", "0/2s", "3/0s"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
    }
}
