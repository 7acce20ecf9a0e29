//! The throttles on password guessing: logins, registrations (each runs a
//! hash) and current-password checks.
//!
//! An attempt is counted *before* its hash ("reserved", under one lock), so a
//! burst of parallel guesses runs only the few hashes the limits allow; the
//! rest are refused at once. A successful login is forgiven: only failures
//! stay counted.
//!
//! A login counts against three keys, each with its own rate:
//! - the pair (account, address): tight, a few typos then one a minute, so
//!   one address cannot guess one password fast;
//! - the address: looser, since several people may share one (a class behind
//!   one router), against one address trying many accounts;
//! - the account: high, and skipped by pairs that logged in successfully
//!   before: only a guesser spread over many addresses reaches it, and it
//!   slows them down without locking the owner out from their usual address.
//!
//! Addresses are keyed by IPv4 address or IPv6 /64 (one home or host gets a
//! whole /64). Every table has a cap on its keys and sweeps expired ones.
//!
//! The known pairs are also kept in the database (`login_known`) and read
//! back at start: were they only in memory, a restart would put every
//! owner behind the account's limit, which guesses from a handful of
//! addresses keep spent.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::queries;
use crate::db::Db;
use crate::error::AppResult;
use crate::limits::{Keyed, Limiter, Limits, Rate};
use crate::validate::USERNAME_MAX;

/// Keys tracked per table; beyond, expired keys are swept.
const CAP: usize = 100_000;
/// How long a successful (account, address) pair is remembered.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Known pairs kept at most; beyond, new ones are not remembered.
const KNOWN_CAP: usize = 10_000;

/// The address as throttles key it: IPv4, or the /64 of IPv6.
pub type Addr = Option<IpAddr>;

pub fn addr_key(ip: Option<IpAddr>) -> Addr {
    ip.map(|ip| match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    })
}

type Pair = (String, Addr);

struct LoginState {
    pairs: Keyed<Pair>,
    addresses: Keyed<Addr>,
    accounts: Keyed<String>,
    /// Pairs that logged in, and when they last did.
    known: HashMap<Pair, Instant>,
}

/// The login throttle.
pub struct LoginThrottle {
    pair: Rate,
    address: Rate,
    account: Rate,
    state: Mutex<LoginState>,
}

/// A reserved login attempt: counted until forgiven.
#[derive(Debug)]
pub struct Attempt {
    pair: Pair,
    /// Whether it counted against the account (the pair was not known).
    on_account: bool,
}

impl LoginThrottle {
    pub fn new(limits: &Limits) -> Self {
        Self {
            pair: limits.login_pair,
            address: limits.login_address,
            account: limits.login_account,
            state: Mutex::new(LoginState {
                pairs: Keyed::new(CAP),
                addresses: Keyed::new(CAP),
                accounts: Keyed::new(CAP),
                known: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LoginState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an attempt at `username` from `ip`, or says how long to wait.
    pub fn reserve(&self, username: &str, ip: Option<IpAddr>) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let addr = addr_key(ip);
        // No account has a longer name: the key stays small whatever is sent.
        let account: String = username.chars().take(USERNAME_MAX).collect();
        let pair = (account.to_lowercase(), addr);
        let mut s = self.lock();
        let on_account = s
            .known
            .get(&pair)
            .is_none_or(|at| now.duration_since(*at) >= KNOWN_FOR);
        let mut wait =
            s.pairs
                .wait(&pair, self.pair, now)
                .max(s.addresses.wait(&addr, self.address, now));
        if on_account {
            wait = wait.max(s.accounts.wait(&pair.0, self.account, now));
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        let room = s.pairs.has_room(&pair, now)
            && s.addresses.has_room(&addr, now)
            && (!on_account || s.accounts.has_room(&pair.0, now));
        if !room {
            return Err(self.pair.every);
        }
        s.pairs.take(pair.clone(), self.pair, now);
        s.addresses.take(addr, self.address, now);
        if on_account {
            s.accounts.take(pair.0.clone(), self.account, now);
        }
        Ok(Attempt { pair, on_account })
    }

    /// Gives the attempt back: it did not get to guess (the server was busy).
    pub fn forgive(&self, attempt: &Attempt) {
        let now = Instant::now();
        let mut s = self.lock();
        s.pairs.give_back(&attempt.pair, self.pair, now);
        s.addresses.give_back(&attempt.pair.1, self.address, now);
        if attempt.on_account {
            s.accounts.give_back(&attempt.pair.0, self.account, now);
        }
    }

    /// The attempt logged in: forgiven, and its pair remembered, so that it
    /// skips the account's limit from now on.
    pub fn succeeded(&self, attempt: Attempt) {
        self.forgive(&attempt);
        self.remember(attempt.pair, Instant::now());
    }

    /// Remembers that `pair` logged in at `at`.
    fn remember(&self, pair: Pair, at: Instant) {
        let now = Instant::now();
        let mut s = self.lock();
        if s.known.len() >= KNOWN_CAP {
            s.known.retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
        }
        if s.known.len() < KNOWN_CAP || s.known.contains_key(&pair) {
            s.known.insert(pair, at);
        }
    }
}

/// Reads the pairs that logged in within `KNOWN_FOR` back into `throttle`.
pub async fn load_known(db: &Db, throttle: &LoginThrottle) -> AppResult<()> {
    let now = crate::db::now();
    let since = now.saturating_sub(KNOWN_FOR.as_secs() as i64);
    let rows = db
        .read(move |c| Ok(queries::known_logins(c, since, KNOWN_CAP as u32)?))
        .await?;
    for (name, addr, at) in rows {
        let addr: Addr = match addr.as_str() {
            "" => None,
            text => match text.parse() {
                Ok(ip) => Some(ip),
                Err(_) => continue,
            },
        };
        let ago = Duration::from_secs(u64::try_from(now.saturating_sub(at)).unwrap_or(0));
        // Older than the machine's uptime: counted from now instead, which
        // at most keeps a pair known a little longer.
        let at = Instant::now().checked_sub(ago).unwrap_or_else(Instant::now);
        throttle.remember((name, addr), at);
    }
    Ok(())
}

/// Writes the pair of an attempt that logged in, for `load_known`.
pub async fn persist_known(db: &Db, attempt: &Attempt) -> AppResult<()> {
    let (name, addr) = attempt.pair.clone();
    let addr = addr.map(|ip| ip.to_string()).unwrap_or_default();
    let now = crate::db::now();
    let forget = now.saturating_sub(KNOWN_FOR.as_secs() as i64);
    db.write(move |tx| Ok(queries::remember_login(tx, &name, &addr, now, forget)?))
        .await
}

/// Every password throttle of the server.
pub struct Throttles {
    pub login: LoginThrottle,
    /// Registrations, by address.
    pub register: Limiter<Addr>,
    /// Current-password checks, by account id.
    pub password_change: Limiter<i64>,
}

impl Throttles {
    pub fn new(limits: &Limits) -> Self {
        Self {
            login: LoginThrottle::new(limits),
            register: Limiter::new(limits.register, CAP),
            password_change: Limiter::new(limits.password_change, CAP),
        }
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Self::new(&Limits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(&Limits {
            login_pair: Rate::new(3, 60),
            login_address: Rate::new(6, 60),
            login_account: Rate::new(10, 60),
            ..Limits::default()
        })
    }

    #[test]
    fn the_owner_gets_in_from_elsewhere_while_one_address_guesses() {
        let t = throttle();
        let attacker = ip("203.0.113.9");
        for _ in 0..3 {
            t.reserve("admin", attacker).unwrap();
        }
        assert!(t.reserve("Admin", attacker).is_err(), "the pair is spent");
        let owner = t.reserve("admin", ip("198.51.100.7")).unwrap();
        t.succeeded(owner);
        // The attacker's address still has room, for other accounts only.
        t.reserve("bob", attacker).unwrap();
        assert!(t.reserve("admin", attacker).is_err());
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let t = throttle();
        let a = ip("203.0.113.9");
        for i in 0..6 {
            t.reserve(&format!("user{i}"), a).unwrap();
        }
        assert!(t.reserve("user99", a).is_err());
        t.reserve("user99", ip("203.0.113.10")).unwrap();
    }

    #[test]
    fn a_known_pair_skips_the_spent_account_limit() {
        let t = throttle();
        let home = ip("198.51.100.7");
        let first = t.reserve("carol", home).unwrap();
        t.succeeded(first);
        // Ten addresses, one guess each: the account's limit is spent.
        for i in 0..10 {
            t.reserve("carol", ip(&format!("203.0.113.{i}"))).unwrap();
        }
        assert!(
            t.reserve("carol", ip("192.0.2.1")).is_err(),
            "a new address waits"
        );
        let again = t.reserve("carol", home).expect("home still gets in");
        t.succeeded(again);
    }

    #[test]
    fn a_success_is_forgiven() {
        let t = throttle();
        let a = ip("198.51.100.7");
        for _ in 0..10 {
            let attempt = t.reserve("dave", a).unwrap();
            t.succeeded(attempt);
        }
        t.reserve("dave", a).unwrap();
    }

    #[test]
    fn long_names_share_a_short_key() {
        let t = throttle();
        let a = ip("203.0.113.9");
        for i in 0..3 {
            t.reserve(&format!("{}{i}", "x".repeat(40)), a).unwrap();
        }
        let fourth = format!("{}-other", "X".repeat(40));
        assert!(
            t.reserve(&fourth, a).is_err(),
            "one account, as far as keys go"
        );
    }

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        assert_eq!(
            addr_key(ip("2001:db8::1")),
            addr_key(ip("2001:db8::ffff:2"))
        );
        assert_ne!(addr_key(ip("2001:db8::1")), addr_key(ip("2001:db8:0:1::1")));
        assert_eq!(addr_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        let t = throttle();
        for i in 0..3 {
            t.reserve("erin", ip(&format!("2001:db8::{i}"))).unwrap();
        }
        assert!(t.reserve("erin", ip("2001:db8::99")).is_err());
    }
}
