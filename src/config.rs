//! Typed configuration, read from the environment once at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::db::DbConfig;
use crate::limits::Limits;
use crate::live::Heartbeat;

/// Everything the server can be told from outside.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub db_path: PathBuf,
    pub admin_password: Option<String>,
    pub secure_cookies: bool,
    /// Socket liveness timings; fixed in production, short in tests.
    pub heartbeat: Heartbeat,
    /// Rates of logins, registrations, password changes and posts.
    pub limits: Limits,
    /// Durable group commit and the WAL's bound.
    pub db: DbConfig,
}

impl Config {
    /// Listening on `addr` with the database at `db_path`, everything else at
    /// its default (the production values): what `from_env` starts from, and
    /// what tests adjust.
    pub fn new(addr: SocketAddr, db_path: PathBuf) -> Self {
        Self {
            addr,
            db_path,
            admin_password: None,
            secure_cookies: false,
            heartbeat: Heartbeat::default(),
            limits: Limits::default(),
            db: DbConfig::default(),
        }
    }

    /// Reads `CAUSERIE_*` variables; a malformed one is an error, not a silent default.
    pub fn from_env() -> Result<Self, String> {
        let addr = std::env::var("CAUSERIE_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let addr = addr
            .parse()
            .map_err(|e| format!("CAUSERIE_ADDR={addr:?} is not an address: {e}"))?;
        let db_path = std::env::var_os("CAUSERIE_DB")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("causerie.db"));
        let admin_password = std::env::var("CAUSERIE_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        let secure_cookies = match std::env::var("CAUSERIE_SECURE_COOKIES").as_deref() {
            Ok("1") | Ok("true") | Ok("yes") => true,
            Ok("0") | Ok("false") | Ok("no") | Ok("") | Err(_) => false,
            Ok(other) => return Err(format!("CAUSERIE_SECURE_COOKIES={other:?}: use 1 or 0")),
        };
        let limits = Limits::from_env()?;
        let db = DbConfig::from_env()?;
        Ok(Self {
            admin_password,
            secure_cookies,
            limits,
            db,
            ..Self::new(addr, db_path)
        })
    }
}
