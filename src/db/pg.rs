//! The PostgreSQL backend: a pool of synchronous connections, the schema
//! applied on first start, writes in commit order, and the change log every
//! instance follows.
//!
//! Writes: each runs in its own transaction that first takes the one row of
//! `change_counter` (`FOR UPDATE`), so writes are serialized across every
//! instance as SQLite's single writer serializes them in one process: the
//! application's SQL (positions, counters, the notification jobs) keeps the
//! single-writer guarantees it was written for, and the change log's ids are
//! given and made visible in commit order (a sequence's values may become
//! visible out of order; these cannot: the next writer waits for the lock
//! until the previous one has committed). A write appends its events to
//! `change_log` in that same transaction and notifies `causerie_changes`
//! with the id only.
//!
//! Following: an instance handles its own events right after their commit,
//! before the writer is answered; and one thread per instance listens on
//! its own connection and,
//! woken by a notification or every `POLL` (a lost notification or a
//! reconnection costs at most that), reads the log after the last id it
//! handled, in order, and hands each event to the instance's handler. At
//! start it begins after the log's current end; it never hands an event
//! twice, and a gap is impossible (ids are dense, given under the lock).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use postgres::fallible_iterator::FallibleIterator;

use super::sql::{Conn, PgConn};
use crate::error::{AppError, AppResult};

/// The schema `schema.pg.sql` creates.
pub const PG_SCHEMA_VERSION: i64 = 9;
const SCHEMA: &str = include_str!("../../schema.pg.sql");

/// The longest a follower waits without a notification before reading the
/// log anyway.
const POLL: Duration = Duration::from_millis(500);
/// Events read from the log at once.
const BATCH: i64 = 1000;
/// Log entries older than this are pruned (an instance further behind has
/// lost its sockets' state anyway, and its clients reconnect).
const KEEP_SECS: i64 = 600;

/// What an instance does with each logged event: its id and payload, and a
/// connection to read the state it needs.
pub type Handler = Arc<HandlerFn>;
pub type HandlerFn = dyn Fn(&Conn, i64, &str) + Send + Sync;

/// A pool of PostgreSQL connections, each with its statement cache.
pub struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn::new(self.config.connect(postgres::NoTls)?))
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        conn.client().simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client().is_closed()
    }
}

pub type PgPool = r2d2::Pool<Manager>;

/// The PostgreSQL side of `Db`.
#[derive(Clone)]
pub struct PgDb(Arc<Inner>);

pub struct Inner {
    pub pool: PgPool,
    url: Arc<str>,
    /// Writes committed by this instance, and events it followed: what
    /// `Db::generation` counts.
    pub generation: AtomicU64,
    follower: Follower,
}

impl std::ops::Deref for PgDb {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The follower's position, and the lock `between_events` holds.
struct Follower {
    /// The last event handled.
    last: Mutex<i64>,
    /// Held weakly: the application that set it owns it (it holds this
    /// database too, so a strong one here would keep both alive for good).
    handler: Mutex<Option<std::sync::Weak<HandlerFn>>>,
}

impl PgDb {
    /// Connects, applies the schema to an empty database (or checks its
    /// version); whether it was new.
    pub fn open(url: &str, pool_size: u32) -> AppResult<(Self, bool)> {
        off_async(|| Self::open_here(url, pool_size))
    }

    fn open_here(url: &str, pool_size: u32) -> AppResult<(Self, bool)> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| AppError::Internal(format!("CAUSERIE_DB: {e}")))?;
        let mut setup = config
            .connect(postgres::NoTls)
            .map_err(|e| AppError::Internal(format!("cannot reach PostgreSQL: {e}")))?;
        let created = init_schema(&mut setup)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            // Opened as needed: several instances (and test servers) share
            // the server's connection limit.
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { config })?;
        let end: i64 = setup
            .query_one("SELECT last FROM change_counter", &[])
            .map_err(pg_err)?
            .get(0);
        let db = PgDb(Arc::new(Inner {
            pool,
            url: url.into(),
            generation: AtomicU64::new(0),
            follower: Follower {
                last: Mutex::new(end),
                handler: Mutex::new(None),
            },
        }));
        Ok((db, created))
    }

    /// Runs `f` in a write transaction, in commit order with every other
    /// instance's writes; `events` are appended to the log in the same
    /// transaction.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Conn) -> AppResult<T>,
        events: impl FnOnce(&T) -> Vec<String>,
    ) -> AppResult<T> {
        let conn = self.pool.get()?;
        let c = Conn::Pg(&conn);
        let mut logged = false;
        let out = conn.transaction("BEGIN", || {
            let last: i64 = c.query_row(
                "SELECT last FROM change_counter WHERE one = 1 FOR UPDATE",
                (),
                |r| r.get(0),
            )?;
            let out = f(&c)?;
            let events = events(&out);
            if !events.is_empty() {
                let now = super::now();
                let mut id = last;
                for payload in &events {
                    id += 1;
                    c.execute(
                        "INSERT INTO change_log (id, at, payload) VALUES (?1, ?2, ?3)",
                        crate::params![id, now, payload],
                    )?;
                }
                c.execute("UPDATE change_counter SET last = ?1 WHERE one = 1", [id])?;
                c.execute("SELECT pg_notify('causerie_changes', ?1)", [id.to_string()])?;
                logged = true;
            }
            Ok::<_, AppError>(out)
        })?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        // This instance handles its own events (and any before them) before
        // the writer has its answer: its next request sees their effects
        // (a bell rung, a session forgotten), as on SQLite; the follower
        // finds them handled.
        if logged {
            let mut last = self.follower.last.lock();
            if let Err(e) = self.handle_new(&c, &mut last) {
                tracing::warn!(error = %e, "change log: cannot read after a write; the follower will");
            }
        }
        Ok(out)
    }

    /// Runs `f` on a connection, in one snapshot in which every logged
    /// event has been handled by this instance and no event is handled
    /// until `f` returns: what `Db::between_writes` is on SQLite.
    pub fn between_events<T: Send>(
        &self,
        f: impl FnOnce(&Conn) -> AppResult<T> + Send,
    ) -> AppResult<T> {
        off_async(|| self.between_events_here(f))
    }

    fn between_events_here<T>(&self, f: impl FnOnce(&Conn) -> AppResult<T>) -> AppResult<T> {
        let mut last = self.follower.last.lock();
        let conn = self.pool.get()?;
        let c = Conn::Pg(&conn);
        // Called at most once (the loop returns after it).
        let mut f = Some(f);
        let mut f_once = |c: &Conn| match f.take() {
            Some(f) => f(c),
            None => Err(AppError::Internal("between_events ran twice".into())),
        };
        // Catch up until the snapshot holds nothing unhandled; a writer
        // storm could keep moving the end, so after a few rounds the
        // snapshot is taken as it is (an event may then reach a socket
        // whose catch-up already showed it).
        let mut rounds = 0;
        loop {
            let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
            let handled = conn.transaction(begin, || {
                let end: i64 = c.query_row("SELECT last FROM change_counter", (), |r| r.get(0))?;
                if end == *last || rounds == 8 {
                    return f_once(&c).map(Some);
                }
                Ok(None)
            })?;
            if let Some(out) = handled {
                return Ok(out);
            }
            self.handle_new(&c, &mut last)?;
            rounds += 1;
        }
    }

    /// Sets what this instance does with each event and starts following
    /// the log.
    /// The thread ends once the database is dropped.
    pub fn follow(&self, handler: &Handler) -> AppResult<()> {
        *self.follower.handler.lock() = Some(Arc::downgrade(handler));
        let db = Arc::downgrade(&self.0);
        std::thread::Builder::new()
            .name("causerie-follow".into())
            .spawn(move || follow_while_open(&db))
            .map_err(|e| AppError::Internal(format!("cannot start the follower: {e}")))?;
        Ok(())
    }
}

/// Follows the log for as long as the database is open (checked at each
/// wake-up, at most `POLL` apart).
fn follow_while_open(db: &std::sync::Weak<Inner>) {
    let mut pruned = Instant::now();
    loop {
        let mut listener = {
            let Some(db) = db.upgrade().map(PgDb) else {
                return;
            };
            match db.listen() {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "change log: cannot listen; retrying");
                    drop(db);
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            }
        };
        loop {
            {
                let Some(db) = db.upgrade().map(PgDb) else {
                    return;
                };
                if let Err(e) = db.catch_up() {
                    tracing::warn!(error = %e, "change log: cannot read; retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                if pruned.elapsed() > Duration::from_secs(60) {
                    pruned = Instant::now();
                    if let Err(e) = db.prune() {
                        tracing::warn!(error = %e, "change log: cannot prune");
                    }
                }
            }
            if listener.is_closed() {
                break;
            }
            // Woken by the next notification, or after POLL; every
            // notification waiting is taken (one read serves them all).
            let woken = listener.notifications().timeout_iter(POLL).next();
            match woken {
                Ok(Some(_)) => {
                    let mut pending = listener.notifications();
                    let mut pending = pending.iter();
                    while let Ok(Some(_)) = pending.next() {}
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
    }
}

impl PgDb {
    fn listen(&self) -> AppResult<postgres::Client> {
        let mut client = self
            .url
            .parse::<postgres::Config>()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .connect(postgres::NoTls)
            .map_err(pg_err)?;
        client
            .batch_execute("LISTEN causerie_changes")
            .map_err(pg_err)?;
        Ok(client)
    }

    fn catch_up(&self) -> AppResult<()> {
        let mut last = self.follower.last.lock();
        let conn = self.pool.get()?;
        self.handle_new(&Conn::Pg(&conn), &mut last)
    }

    /// Hands every event after `last` to the handler, in order.
    fn handle_new(&self, c: &Conn, last: &mut i64) -> AppResult<()> {
        let handler = self
            .follower
            .handler
            .lock()
            .as_ref()
            .and_then(|h| h.upgrade());
        loop {
            let rows: Vec<(i64, String)> = c
                .prepare_cached(
                    "SELECT id, payload FROM change_log WHERE id > ?1 ORDER BY id LIMIT ?2",
                )?
                .query_map(crate::params![*last, BATCH], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<crate::db::Result<_>>()?;
            let Some(&(first, _)) = rows.first() else {
                return Ok(());
            };
            if first != *last + 1 {
                tracing::warn!(
                    from = *last + 1,
                    to = first - 1,
                    "change log: events pruned before this instance read them"
                );
            }
            let n = rows.len();
            for (id, payload) in rows {
                if let Some(h) = &handler {
                    h(c, id, &payload);
                }
                *last = id;
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            if i64::try_from(n).unwrap_or(0) < BATCH {
                return Ok(());
            }
        }
    }

    fn prune(&self) -> AppResult<()> {
        let conn = self.pool.get()?;
        let c = Conn::Pg(&conn);
        c.execute(
            "DELETE FROM change_log WHERE at < ?1",
            [super::now() - KEEP_SECS],
        )?;
        // Shared rates whose instant passed a day ago (`limits::shared`,
        // milliseconds): as good as absent.
        c.execute(
            "DELETE FROM rate_hits WHERE window_start < ?1",
            [(super::now() - 86_400) * 1000],
        )?;
        Ok(())
    }
}

/// Runs `f` on a thread of its own: the synchronous client runs its own
/// small runtime, which cannot start on a thread that drives async tasks
/// (these calls come from start-up and from `Db::between_writes`).
fn off_async<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn pg_err(e: postgres::Error) -> AppError {
    AppError::Db(e.into())
}

/// Applies `schema.pg.sql` to an empty database; checks the version of one
/// made before. Whether it was new.
fn init_schema(client: &mut postgres::Client) -> AppResult<bool> {
    // One instance at a time: three starting together create it once.
    client
        .batch_execute("SELECT pg_advisory_lock(7215)")
        .map_err(pg_err)?;
    let result = (|| {
        let exists: bool = client
            .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
            .map_err(pg_err)?
            .get(0);
        if exists {
            let version: Option<i64> = client
                .query_opt("SELECT max(version) FROM schema_version", &[])
                .map_err(pg_err)?
                .and_then(|r| r.get(0));
            return match version {
                Some(v) if v == PG_SCHEMA_VERSION => Ok(false),
                Some(v) => Err(AppError::Internal(format!(
                    "database has schema version {v}, this build knows {PG_SCHEMA_VERSION}"
                ))),
                None => Err(AppError::Internal(
                    "database has a schema but no version".into(),
                )),
            };
        }
        let mut tx = client.transaction().map_err(pg_err)?;
        tx.batch_execute(SCHEMA).map_err(pg_err)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&PG_SCHEMA_VERSION],
        )
        .map_err(pg_err)?;
        tx.commit().map_err(pg_err)?;
        Ok(true)
    })();
    let _ = client.batch_execute("SELECT pg_advisory_unlock(7215)");
    result
}
