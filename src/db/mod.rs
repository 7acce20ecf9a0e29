//! The SQLite pool, first-start initialisation, and the helpers that run
//! queries off the async runtime.
//!
//! Reads go through an r2d2 pool. Writes go to one writer thread
//! (`writer.rs`), which groups the writes waiting for it into one
//! transaction and one disk sync (`synchronous=FULL`): an answered write
//! survives a crash or a power loss, and throughput does not pay a sync per
//! write. It announces each change right after the commit, before the next
//! batch, so announcement order is commit order, which the live layer relies
//! on. The WAL is kept under a limit (`checkpoint.rs`).

mod checkpoint;
pub mod migrate_to;
mod migrations;
mod pg;
mod sql;
#[cfg(test)]
mod tests;
mod writer;

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

pub use checkpoint::{Checkpoint, checkpoint};
pub use pg::{Handler, HandlerFn, PG_SCHEMA_VERSION};
pub use sql::{
    ColIndex, Conn, Error, FromCol, OptionalExtension, Param, Params, PgConn, Result, Row, Stmt,
    ToValue, Val, params_from_iter, to_dollars,
};
pub use writer::WriteStats;

use crate::error::{AppError, AppResult};
use checkpoint::WalBound;
use migrations::MIGRATIONS;
use writer::{Writer, wal_path};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// The schema version `schema.sql` creates.
pub const SCHEMA_VERSION: i64 = 9;
const SCHEMA: &str = include_str!("../../schema.sql");

/// How long a connection waits for SQLite's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How writes reach the disk and how big the WAL may grow.
#[derive(Clone, Copy, Debug)]
pub struct DbConfig {
    /// Commits wait for the disk (`synchronous=FULL`); `false` is
    /// `synchronous=NORMAL`, which a power loss can undo the last commits of.
    pub sync_commits: bool,
    /// The most writes one commit takes; 1 is a transaction per write.
    pub max_batch: usize,
    /// Writes queued for the writer before callers wait their turn.
    pub queue_len: usize,
    /// The WAL file is kept under this many bytes.
    pub wal_limit: u64,
    /// How often the passive checkpoint runs.
    pub checkpoint_every: Duration,
}

impl Default for DbConfig {
    /// Production: durable commits, grouped; a 64 MiB WAL at most.
    fn default() -> Self {
        Self {
            sync_commits: true,
            max_batch: 256,
            queue_len: 1024,
            wal_limit: 64 << 20,
            checkpoint_every: Duration::from_secs(1),
        }
    }
}

impl DbConfig {
    /// The defaults, changed by `CAUSERIE_SYNCHRONOUS` (`full` or `normal`),
    /// `CAUSERIE_WRITE_BATCH` (writes per commit, at most) and
    /// `CAUSERIE_WAL_LIMIT_MB`; a malformed one is an error.
    pub fn from_env() -> Result<Self, String> {
        let mut c = Self::default();
        match std::env::var("CAUSERIE_SYNCHRONOUS").as_deref() {
            Err(_) | Ok("") | Ok("full") | Ok("FULL") => {}
            Ok("normal") | Ok("NORMAL") => c.sync_commits = false,
            Ok(other) => {
                return Err(format!(
                    "CAUSERIE_SYNCHRONOUS={other:?}: use full or normal"
                ));
            }
        }
        if let Ok(v) = std::env::var("CAUSERIE_WRITE_BATCH") {
            c.max_batch = v
                .parse()
                .ok()
                .filter(|n| (1..=4096).contains(n))
                .ok_or_else(|| format!("CAUSERIE_WRITE_BATCH={v:?}: a number from 1 to 4096"))?;
        }
        if let Ok(v) = std::env::var("CAUSERIE_WAL_LIMIT_MB") {
            let mb: u64 = v
                .parse()
                .ok()
                .filter(|n| (1..=65_536).contains(n))
                .ok_or_else(|| format!("CAUSERIE_WAL_LIMIT_MB={v:?}: a number from 1 to 65536"))?;
            c.wal_limit = mb << 20;
        }
        Ok(c)
    }

    fn synchronous(&self) -> &'static str {
        if self.sync_commits { "FULL" } else { "NORMAL" }
    }
}

/// The database: SQLite (a read pool plus the single writer) or
/// PostgreSQL (a pool, shared by several instances).
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    /// What is done with each logged event (see `write_logged`).
    /// Held weakly: the application that set it owns it.
    handler: std::sync::Arc<parking_lot::Mutex<Option<std::sync::Weak<HandlerFn>>>>,
}

#[derive(Clone)]
enum Backend {
    Lite { pool: Pool, writer: Writer },
    Pg(pg::PgDb),
}

/// Where the database is: an SQLite file, or a PostgreSQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    File(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    /// `CAUSERIE_DB`'s value: a `postgres://` (or `postgresql://`) URL, else
    /// a file path.
    pub fn parse(value: &std::ffi::OsStr) -> Self {
        match value.to_str() {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Location::Postgres(s.to_string())
            }
            _ => Location::File(value.into()),
        }
    }
}

fn configure(conn: &Connection, config: &DbConfig) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", config.synchronous())?;
    // Plans stay as prepared: without this, SQLite (which looks at bound
    // values for LIMIT, and for STAT4) re-prepares a cached statement each
    // time its parameters are bound, a fifth of a topic page's CPU.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // Every query goes through the cache (`prepare_cached`, and `query_row`
    // and `execute` in `sql.rs`). rusqlite keeps 16 by default: fewer than
    // a reply's write, fan-out and pages use on one connection, so each
    // turn re-parsed and re-planned statements (their triggers included).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Prepared statements kept per connection: more than the distinct
/// statements one connection runs (about 200 in the whole application;
/// each kept one costs a few KiB of SQLite's memory, and only once used).
const STATEMENT_CACHE: usize = 256;

impl Db {
    /// Opens (creating if needed) the database file, switches it to WAL,
    /// applies the schema when the file is new, and starts the writer thread.
    /// Returns whether the file was new.
    pub fn open(path: &Path, config: &DbConfig) -> AppResult<(Self, bool)> {
        let writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The writer never checkpoints on its own (it would sync the
        // database file inside a commit); `checkpoint.rs` does.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        // A WAL that restarts is trimmed to a quarter of the limit, so a
        // burst's size is not kept for good.
        let trim = i64::try_from(config.wal_limit / 4).unwrap_or(i64::MAX);
        writer.pragma_update(None, "journal_size_limit", trim)?;
        configure(&writer, config)?;
        let created = init_schema(&writer)?;
        let config = *config;
        let manager = SqliteConnectionManager::file(path).with_init(move |c| {
            configure(c, &config)?;
            // A reader keeps 512 KiB of pages, not SQLite's 2 MB: eight of
            // them would hold 16 MB on a large database, and the system's
            // file cache keeps those pages anyway.
            c.pragma_update(None, "cache_size", -512)
        });
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        let wal = WalBound {
            path: wal_path(path),
            limit: config.wal_limit,
            retry_at: None,
        };
        let writer = Writer::spawn(writer, config.queue_len, config.max_batch, wal)
            .map_err(|e| AppError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok((
            Self {
                backend: Backend::Lite { pool, writer },
                handler: Default::default(),
            },
            created,
        ))
    }

    /// Opens the database at `location`.
    pub fn open_at(location: &Location, config: &DbConfig) -> AppResult<(Self, bool)> {
        match location {
            Location::File(path) => Self::open(path, config),
            Location::Postgres(url) => Self::open_pg(url),
        }
    }

    /// Connects to PostgreSQL at `url`, creating the schema in an empty
    /// database. Whether it was new.
    pub fn open_pg(url: &str) -> AppResult<(Self, bool)> {
        let (pg, created) = pg::PgDb::open(url, 16)?;
        Ok((
            Self {
                backend: Backend::Pg(pg),
                handler: Default::default(),
            },
            created,
        ))
    }

    /// Whether this is PostgreSQL.
    pub fn is_pg(&self) -> bool {
        matches!(self.backend, Backend::Pg(_))
    }

    /// On PostgreSQL, starts following the change log: `handler` gets each
    /// event any instance logs (this one's too), in commit order. Nothing
    /// on SQLite, where events are handled by the writer right after each
    /// commit.
    pub fn follow(&self, handler: &Handler) -> AppResult<()> {
        *self.handler.lock() = Some(std::sync::Arc::downgrade(handler));
        match &self.backend {
            Backend::Lite { .. } => Ok(()),
            Backend::Pg(pg) => pg.follow(handler),
        }
    }

    /// Runs `f` on a pooled read connection, off the async runtime, in one
    /// read transaction: all its queries see one state of the database, and
    /// the file is locked once, not at each statement (which cost about 3 us
    /// a query).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
    {
        match &self.backend {
            Backend::Lite { pool, .. } => {
                let pool = pool.clone();
                tokio::task::spawn_blocking(move || {
                    let conn = pool.get()?;
                    let tx = conn.unchecked_transaction()?;
                    let out = f(&Conn::Lite(&tx))?;
                    tx.commit()?;
                    Ok(out)
                })
                .await?
            }
            Backend::Pg(pg) => {
                let pool = pg.pool.clone();
                tokio::task::spawn_blocking(move || {
                    let conn = pool.get()?;
                    Conn::Pg(&conn).snapshot(f)
                })
                .await?
            }
        }
    }

    /// Runs `f` on the writer's connection, on the calling thread, between
    /// two batches of writes: every change committed so far has had its
    /// `after_commit`. Only for code already off the async runtime.
    pub fn between_writes<T: Send>(
        &self,
        f: impl FnOnce(&Conn) -> AppResult<T> + Send,
    ) -> AppResult<T> {
        match &self.backend {
            Backend::Lite { writer, .. } => {
                let conn = writer.conn.lock();
                f(&Conn::Lite(&conn))
            }
            Backend::Pg(pg) => pg.between_events(f),
        }
    }

    /// Runs `f` on the writer, inside a transaction (its own savepoint of
    /// the batch's); it is kept when `f` returns `Ok`, and answered once it
    /// is on disk.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
    {
        self.write_then(f, |_| (), |_, ()| {}).await
    }

    /// Like `write`; then, after the commit and before the next batch (see
    /// the module doc), `after_commit` runs with the writer's connection and
    /// what `note` took from the result. The result is handed back first:
    /// the caller does not wait for `after_commit`. A full queue makes the
    /// caller wait for room.
    pub async fn write_then<T, N, F, G, A>(&self, f: F, note: G, after_commit: A) -> AppResult<T>
    where
        T: Send + 'static,
        N: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
        G: FnOnce(&T) -> N + Send + 'static,
        A: FnOnce(&Conn, N) + Send + 'static,
    {
        match &self.backend {
            Backend::Lite { .. } => self
                .queue(f, note, after_commit)
                .await?
                .await
                .map_err(|_| AppError::Internal("a write ended without an answer".into()))?,
            Backend::Pg(pg) => {
                let pg = pg.clone();
                tokio::task::spawn_blocking(move || {
                    let out = pg.write(f, |_| Vec::new())?;
                    let noted = note(&out);
                    let conn = pg.pool.get()?;
                    after_commit(&Conn::Pg(&conn), noted);
                    Ok(out)
                })
                .await?
            }
        }
    }

    /// Runs `f` in a transaction of its own, beside the ordered writes
    /// (PostgreSQL: without the writers' lock, for bookkeeping no page
    /// shows, such as shared rates); on SQLite, a write like any other.
    pub async fn write_alone<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
    {
        match &self.backend {
            Backend::Lite { .. } => self.write(f).await,
            Backend::Pg(pg) => {
                let pool = pg.pool.clone();
                tokio::task::spawn_blocking(move || {
                    let conn = pool.get()?;
                    conn.transaction("BEGIN", || f(&Conn::Pg(&conn)))
                })
                .await?
            }
        }
    }

    /// Runs `f` in one write transaction; the events `events` names are
    /// handed to the handler set by `follow`, in commit order: on SQLite by
    /// the writer right after the commit (the caller has its answer first),
    /// on PostgreSQL through the change log, by every instance (this one
    /// included) once it reads them.
    pub async fn write_logged<T, F, E>(&self, f: F, events: E) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
        E: FnOnce(&T) -> Vec<String> + Send + 'static,
    {
        match &self.backend {
            Backend::Lite { .. } => {
                let handler = self.handler.clone();
                self.write_then(f, events, move |conn, events| {
                    let handler = handler.lock().as_ref().and_then(|h| h.upgrade());
                    if let Some(h) = handler {
                        for e in &events {
                            h(conn, 0, e);
                        }
                    }
                })
                .await
            }
            Backend::Pg(pg) => {
                let pg = pg.clone();
                tokio::task::spawn_blocking(move || pg.write(f, events)).await?
            }
        }
    }

    /// Queues a write (waiting for room); resolves once it is queued, to
    /// the receiver of its answer.
    async fn queue<T, N, F, G, A>(
        &self,
        f: F,
        note: G,
        after_commit: A,
    ) -> AppResult<tokio::sync::oneshot::Receiver<AppResult<T>>>
    where
        T: Send + 'static,
        N: Send + 'static,
        F: FnOnce(&Conn) -> AppResult<T> + Send + 'static,
        G: FnOnce(&T) -> N + Send + 'static,
        A: FnOnce(&Conn, N) + Send + 'static,
    {
        let Backend::Lite { writer, .. } = &self.backend else {
            return Err(AppError::Internal("no writer queue on PostgreSQL".into()));
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = writer::Write {
            f: Some(f),
            note: Some(note),
            after_commit: Some(after_commit),
            result: None,
            answer,
        };
        writer
            .queue
            .send(Box::new(job))
            .await
            .map_err(|_| AppError::Internal("the writer thread has stopped".into()))?;
        Ok(answered)
    }

    /// Commits and writes since the start.
    pub fn write_stats(&self) -> &WriteStats {
        static NONE: WriteStats = WriteStats::new();
        match &self.backend {
            Backend::Lite { writer, .. } => &writer.stats,
            Backend::Pg(_) => &NONE,
        }
    }

    /// How many batches have committed. It moves before any writer hears
    /// back, so what was read after reading a value is current until the
    /// value moves (see `pagecache`).
    pub fn generation(&self) -> u64 {
        match &self.backend {
            Backend::Lite { writer, .. } => writer
                .stats
                .commits
                .load(std::sync::atomic::Ordering::Acquire),
            Backend::Pg(pg) => pg.generation.load(std::sync::atomic::Ordering::Acquire),
        }
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.read(|c| Ok(c.query_row("SELECT 1", (), |r| r.get::<_, i64>(0))?))
            .await
            .is_ok()
    }
}

/// Applies `schema.sql` to an empty database, or migrates an older one step
/// by step (each step, its SQL and its Rust part, in its own transaction). Returns whether it was new.
fn init_schema(conn: &Connection) -> AppResult<bool> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(AppError::Internal(format!(
            "database has schema version {version}, this build knows up to {SCHEMA_VERSION}"
        )));
    }
    if version == 0 {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        return Ok(true);
    }
    for step in MIGRATIONS.iter().filter(|m| m.to > version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(step.sql)?;
        if let Some(then) = step.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "user_version", step.to)?;
        tx.commit()?;
        tracing::info!(version = step.to, "database migrated");
    }
    Ok(false)
}

/// Copies the live database at `from` into a new file `to`, consistently,
/// while the server may be writing (SQLite's online backup).
pub fn backup(from: &Path, to: &Path) -> AppResult<()> {
    if to.exists() {
        return Err(AppError::Internal(format!(
            "{} exists already",
            to.display()
        )));
    }
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(Duration::from_secs(5))?;
    source.backup(rusqlite::MAIN_DB, to, None)?;
    Ok(())
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
