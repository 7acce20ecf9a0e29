//! The session store: tower-sessions' records in the forum's own database,
//! behind the in-memory `SessionCache`. Reads go through the read pool and
//! writes through the single writer, like every other write: they are
//! grouped into its durable commits and never race it for SQLite's lock
//! (a store on a connection of its own met "database is locked" whenever its
//! read-then-write transaction crossed a commit of the writer's).

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use super::session_cache::SessionCache;
use super::{queries, session};
use crate::db::Db;
use crate::error::AppError;

#[derive(Clone)]
pub struct DbSessions {
    db: Db,
    cache: SessionCache,
}

impl std::fmt::Debug for DbSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessions").finish_non_exhaustive()
    }
}

impl DbSessions {
    pub fn new(db: Db, cache: SessionCache) -> Self {
        Self { db, cache }
    }

    /// The event that makes other instances forget their copy of session
    /// `id` (on PostgreSQL; one process needs none).
    fn changed(&self, id: &str) -> Vec<String> {
        if !self.db.is_pg() {
            return Vec::new();
        }
        vec![crate::live::Event::SessionChanged { id: id.to_string() }.encode()]
    }

    /// Deletes expired sessions every `period`, for as long as the runtime runs.
    pub async fn delete_expired_every(self, period: std::time::Duration) {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            if let Err(e) = self.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions failed; will try again");
            }
        }
    }
}

fn backend(e: AppError) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// A member's "last seen", moved with their session's writes: a session is
/// written when it changes or, with activity, once an hour (`SessionCache::
/// needs_store`), so this costs no write of its own.
fn seen(conn: &crate::db::Conn, user: Option<i64>) -> crate::db::Result<()> {
    match user {
        Some(id) => queries::touch_last_seen(conn, id, OffsetDateTime::now_utc().unix_timestamp()),
        None => Ok(()),
    }
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that is taken (2^-128 odds) is drawn again.
        loop {
            let data = encode(record)?;
            let (id, expiry) = (record.id.to_string(), record.expiry_date.unix_timestamp());
            let user = session::user_id_of(record);
            let inserted = self
                .db
                .write(move |tx| {
                    let inserted = queries::insert_session(tx, &id, &data, expiry)?;
                    seen(tx, user)?;
                    Ok(inserted)
                })
                .await
                .map_err(backend)?;
            if inserted {
                self.cache.put_stored(record);
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if !self.cache.needs_store(record) {
            return Ok(());
        }
        let data = encode(record)?;
        let (id, expiry) = (record.id.to_string(), record.expiry_date.unix_timestamp());
        let user = session::user_id_of(record);
        let changed = self.changed(&id);
        self.db
            .write_logged(
                move |tx| {
                    queries::save_session(tx, &id, &data, expiry)?;
                    Ok(seen(tx, user)?)
                },
                move |_| changed,
            )
            .await
            .map_err(backend)?;
        self.cache.put_stored(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cache.get(id) {
            return Ok(Some(record));
        }
        let key = id.to_string();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let data = self
            .db
            .read(move |c| Ok(queries::load_session(c, &key, now)?))
            .await
            .map_err(backend)?;
        let Some(data) = data else {
            return Ok(None);
        };
        let record: Record = rmp_serde::from_slice(&data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        self.cache.put_stored(&record);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.remove(id);
        let key = id.to_string();
        let changed = self.changed(&key);
        self.db
            .write_logged(
                move |tx| Ok(queries::delete_session(tx, &key)?),
                move |_| changed,
            )
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.db
            .write(move |tx| Ok(queries::delete_expired_sessions(tx, now)?))
            .await
            .map_err(backend)
    }
}
