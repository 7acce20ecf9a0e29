//! The SQLite pool, first-start initialisation, and the helpers that run
//! queries off the async runtime.
//!
//! Reads go through an r2d2 pool. Writes go through one writer connection
//! behind a mutex: SQLite admits one writer at a time anyway, and holding the
//! lock while the change is announced makes announcement order equal commit
//! order, which the live layer relies on.
//!
//! Commits never wait for the disk: in WAL mode with `synchronous=NORMAL`
//! only checkpoints sync, and the writer does none (`wal_autocheckpoint=0`);
//! `checkpoints` runs them beside the writes.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::error::{AppError, AppResult};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// The schema version `schema.sql` creates.
pub const SCHEMA_VERSION: i64 = 2;
const SCHEMA: &str = include_str!("../schema.sql");
/// The steps from each earlier version: `(to, sql)`, in order. A database of
/// version `to - 1` becomes version `to` by running `sql`.
const MIGRATIONS: &[(i64, &str)] = &[(2, include_str!("../migrations/002.sql"))];

/// Read pool plus the single writer.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    writer: Arc<Mutex<Connection>>,
    /// Bumped by every commit, before its caller has the answer: what was
    /// read under an earlier value may be out of date (see `pagecache`).
    generation: Arc<AtomicU64>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Plans stay as prepared: without this, SQLite (which looks at bound
    // values for LIMIT, and for STAT4) re-prepares a cached statement each
    // time its parameters are bound, a fifth of a topic page's CPU.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database file, switches it to WAL, and
    /// applies the schema when the file is new. Returns whether it was new.
    pub fn open(path: &Path) -> AppResult<(Self, bool)> {
        let writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        configure(&writer)?;
        let created = init_schema(&writer)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            configure(c)?;
            // A reader keeps 512 KiB of pages, not SQLite's 2 MB: eight of
            // them would hold 16 MB on a large database, and the system's
            // file cache keeps those pages anyway.
            c.pragma_update(None, "cache_size", -512)
        });
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok((
            Self {
                pool,
                writer: Arc::new(Mutex::new(writer)),
                generation: Arc::default(),
            },
            created,
        ))
    }

    /// Runs `f` on a pooled read connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            f(&conn)
        })
        .await?
    }

    /// How many writes have committed; it moves before any writer hears
    /// back, so a value read before a read means the read is current until
    /// the value moves.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Runs `f` on the writer's connection, on the calling thread, between
    /// two writes: every change committed so far has had its `after_commit`.
    /// Only for code already off the async runtime.
    pub fn between_writes<T>(&self, f: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// Runs `f` inside one transaction on the writer, off the async runtime;
    /// it commits when `f` returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction) -> AppResult<T> + Send + 'static,
    {
        self.write_then(f, |_| (), |_, ()| {}).await
    }

    /// Like `write`; then, right after the commit and while the writer is
    /// still held (see the module doc), `after_commit` runs with the writer's
    /// connection and what `note` took from the result. The result is handed
    /// back first: the caller does not wait for `after_commit`.
    pub async fn write_then<T, N, F, G, A>(&self, f: F, note: G, after_commit: A) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction) -> AppResult<T> + Send + 'static,
        G: FnOnce(&T) -> N + Send + 'static,
        A: FnOnce(&Connection, N) + Send + 'static,
    {
        let (writer, generation) = (self.writer.clone(), self.generation.clone());
        let (answer, answered) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            // A panic mid-write rolled its transaction back: the connection
            // is sound, and the lock stays usable.
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            match transact(&mut conn, f) {
                Ok(out) => {
                    generation.fetch_add(1, Ordering::Release);
                    let noted = note(&out);
                    let _ = answer.send(Ok(out));
                    after_commit(&conn, noted);
                }
                Err(e) => {
                    let _ = answer.send(Err(e));
                }
            }
        });
        answered
            .await
            .map_err(|_| AppError::Internal("a write ended without an answer".into()))?
    }

    /// Copies the write-ahead log into the database every `every`, for as
    /// long as the runtime runs. Passive: it waits for no reader or writer,
    /// and writes go on while it syncs.
    pub async fn checkpoints(self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let done = self
                .read(|c| Ok(c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?))
                .await;
            if let Err(e) = done {
                tracing::warn!(error = %e, "checkpoint failed; will try again");
            }
        }
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .is_ok()
    }
}

/// Runs `f` in one transaction on `conn`; commits when it returns `Ok`.
fn transact<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction) -> AppResult<T>,
) -> AppResult<T> {
    let tx = conn.transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Applies `schema.sql` to an empty database, or migrates an older one step
/// by step (each step in its own transaction). Returns whether it was new.
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
    for &(to, sql) in MIGRATIONS.iter().filter(|(to, _)| *to > version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
        tracing::info!(version = to, "database migrated");
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
