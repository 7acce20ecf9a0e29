//! The sessions in use, kept in memory in front of the session store, so a
//! request's session costs no database round trip. The store stays the
//! record: every create, save and delete goes to both (tower-sessions'
//! `CachingSessionStore` does the layering), and a session the cache has
//! dropped is loaded from the store again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;

/// Sessions kept at most; past it, expired ones go first, then any.
const CAPACITY: usize = 4096;

#[derive(Clone, Debug, Default)]
pub struct SessionCache {
    records: Arc<Mutex<HashMap<Id, Record>>>,
}

impl SessionCache {
    fn put(&self, record: &Record) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() >= CAPACITY && !records.contains_key(&record.id) {
            let now = OffsetDateTime::now_utc();
            records.retain(|_, r| r.expiry_date > now);
            if records.len() >= CAPACITY {
                // The store still has them all: dropping a tenth costs a few
                // loads later, never a session.
                let drop: Vec<Id> = records.keys().take(CAPACITY / 10).copied().collect();
                for id in drop {
                    records.remove(&id);
                }
            }
        }
        records.insert(record.id, record.clone());
    }
}

impl SessionCache {
    /// Drops the sessions `stale` picks (sessions that have ended).
    pub fn forget(&self, stale: impl Fn(&Record) -> bool) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, r| !stale(r));
    }
}

#[async_trait]
impl SessionStore for SessionCache {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // The store behind has chosen the id already.
        self.put(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.put(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        match records.get(id) {
            Some(r) if r.expiry_date > OffsetDateTime::now_utc() => Ok(Some(r.clone())),
            Some(_) => {
                records.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(minutes: i64) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::new(),
            expiry_date: OffsetDateTime::now_utc() + time::Duration::minutes(minutes),
        }
    }

    #[tokio::test]
    async fn keeps_live_sessions_and_forgets_expired_ones() {
        let cache = SessionCache::default();
        let (live, expired) = (record(30), record(-1));
        cache.save(&live).await.unwrap();
        cache.save(&expired).await.unwrap();
        assert_eq!(cache.load(&live.id).await.unwrap(), Some(live.clone()));
        assert_eq!(cache.load(&expired.id).await.unwrap(), None);
        cache.delete(&live.id).await.unwrap();
        assert_eq!(cache.load(&live.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn forgets_the_sessions_picked() {
        let cache = SessionCache::default();
        let (kept, ended) = (record(30), record(30));
        cache.save(&kept).await.unwrap();
        cache.save(&ended).await.unwrap();
        cache.forget(|r| r.id == ended.id);
        assert_eq!(cache.load(&kept.id).await.unwrap(), Some(kept.clone()));
        assert_eq!(cache.load(&ended.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn stays_bounded() {
        let cache = SessionCache::default();
        let first = record(30);
        cache.save(&first).await.unwrap();
        for _ in 0..CAPACITY * 2 {
            cache.save(&record(30)).await.unwrap();
        }
        let len = cache.records.lock().unwrap().len();
        assert!(len <= CAPACITY, "{len} sessions kept");
    }
}
