//! Typed configuration, read from the environment once at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::db::DbConfig;
use crate::limits::Limits;
use crate::live::{CacheBounds, Heartbeat};
use crate::net::{Limits as NetLimits, PublicOrigin, TrustedProxies};

/// Everything the server can be told from outside.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub db_path: PathBuf,
    /// A PostgreSQL server instead of the file (`CAUSERIE_DB=postgres://...`).
    pub db_url: Option<String>,
    pub admin_password: Option<String>,
    pub secure_cookies: bool,
    /// Socket liveness timings; fixed in production, short in tests.
    pub heartbeat: Heartbeat,
    /// Rendered pages kept until the next write (`CAUSERIE_PAGE_CACHE=0`
    /// turns it off, to measure pages rendered afresh).
    pub page_cache: bool,
    /// How much catch-up the live hub keeps between two writes.
    pub live_cache: CacheBounds,
    /// Rates of logins, registrations, password changes and posts.
    pub limits: Limits,
    /// Durable group commit and the WAL's bound.
    pub db: DbConfig,
    /// Connection timeouts and caps.
    pub net: NetLimits,
    /// Reverse proxies whose `X-Forwarded-For` and `-Proto` are believed.
    pub trusted_proxies: TrustedProxies,
    /// Where the forum is reached (`CAUSERIE_PUBLIC_URL`): `Origin` checks
    /// compare with it instead of `Host`.
    pub public_origin: Option<PublicOrigin>,
}

impl Config {
    /// Listening on `addr` with the database at `db_path`, everything else at
    /// its default (the production values): what `from_env` starts from, and
    /// what tests adjust.
    pub fn new(addr: SocketAddr, db_path: PathBuf) -> Self {
        Self {
            addr,
            db_path,
            db_url: None,
            admin_password: None,
            secure_cookies: false,
            heartbeat: Heartbeat::default(),
            page_cache: true,
            live_cache: CacheBounds::default(),
            limits: Limits::default(),
            db: DbConfig::default(),
            net: NetLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            public_origin: None,
        }
    }

    /// Reads `CAUSERIE_*` variables; a malformed one is an error, not a silent default.
    pub fn from_env() -> Result<Self, String> {
        let addr = std::env::var("CAUSERIE_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let addr = addr
            .parse()
            .map_err(|e| format!("CAUSERIE_ADDR={addr:?} is not an address: {e}"))?;
        let (db_path, db_url) = match std::env::var_os("CAUSERIE_DB")
            .map(|v| crate::db::Location::parse(&v))
        {
            Some(crate::db::Location::Postgres(url)) => (PathBuf::from("causerie.db"), Some(url)),
            Some(crate::db::Location::File(path)) => (path, None),
            None => (PathBuf::from("causerie.db"), None),
        };
        let admin_password = std::env::var("CAUSERIE_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        let secure_cookies = match std::env::var("CAUSERIE_SECURE_COOKIES").as_deref() {
            Ok("1") | Ok("true") | Ok("yes") => true,
            Ok("0") | Ok("false") | Ok("no") | Ok("") | Err(_) => false,
            Ok(other) => return Err(format!("CAUSERIE_SECURE_COOKIES={other:?}: use 1 or 0")),
        };
        let defaults = CacheBounds::default();
        let live_cache = CacheBounds {
            entries: env_parse("CAUSERIE_LIVE_CACHE_ENTRIES")?.unwrap_or(defaults.entries),
            bytes: env_parse("CAUSERIE_LIVE_CACHE_BYTES")?.unwrap_or(defaults.bytes),
        };
        let limits = Limits::from_env()?;
        let db = DbConfig::from_env()?;
        let trusted_proxies = env_parse("CAUSERIE_TRUSTED_PROXIES")?.unwrap_or_default();
        let public_origin = env_parse("CAUSERIE_PUBLIC_URL")?;
        let page_cache = match std::env::var("CAUSERIE_PAGE_CACHE").as_deref() {
            Ok("0") | Ok("false") | Ok("no") => false,
            Ok("1") | Ok("true") | Ok("yes") | Ok("") | Err(_) => true,
            Ok(other) => return Err(format!("CAUSERIE_PAGE_CACHE={other:?}: use 1 or 0")),
        };
        Ok(Self {
            admin_password,
            secure_cookies,
            page_cache,
            live_cache,
            limits,
            db,
            net: net_limits_from_env(NetLimits::default())?,
            trusted_proxies,
            public_origin,
            db_url,
            ..Self::new(addr, db_path)
        })
    }
}

/// `name` parsed, `None` when unset or empty.
fn env_parse<T: FromStr>(name: &str) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| format!("{name}={v:?}: {e}")),
        _ => Ok(None),
    }
}

/// Timeouts in whole seconds and caps as counts, each above zero.
fn net_limits_from_env(mut l: NetLimits) -> Result<NetLimits, String> {
    let positive = |name: &str| -> Result<Option<usize>, String> {
        match env_parse::<usize>(name)? {
            Some(0) => Err(format!("{name}=0: give a number above zero")),
            n => Ok(n),
        }
    };
    let secs = |name: &str| Ok::<_, String>(positive(name)?.map(|s| Duration::from_secs(s as u64)));
    l.header_timeout = secs("CAUSERIE_HEADER_TIMEOUT")?.unwrap_or(l.header_timeout);
    l.request_timeout = secs("CAUSERIE_REQUEST_TIMEOUT")?.unwrap_or(l.request_timeout);
    l.idle_timeout = secs("CAUSERIE_IDLE_TIMEOUT")?.unwrap_or(l.idle_timeout);
    l.max_connections = positive("CAUSERIE_MAX_CONNECTIONS")?.unwrap_or(l.max_connections);
    l.max_connections_per_addr =
        positive("CAUSERIE_MAX_CONNECTIONS_PER_ADDR")?.unwrap_or(l.max_connections_per_addr);
    l.max_sockets = positive("CAUSERIE_MAX_SOCKETS")?.unwrap_or(l.max_sockets);
    l.max_sockets_per_addr =
        positive("CAUSERIE_MAX_SOCKETS_PER_ADDR")?.unwrap_or(l.max_sockets_per_addr);
    Ok(l)
}
