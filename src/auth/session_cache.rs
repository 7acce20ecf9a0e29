//! The sessions in use, kept in memory in front of the session store
//! (`session_store`), so a request's session costs no database round trip.
//! The database stays the record: every create, change and delete goes to
//! both, and a session the cache has dropped is loaded again. The cache also
//! remembers when each session's stored expiry was last written, so a
//! member's every request (which moves the expiry, sessions ending after 30
//! days of inactivity) does not cost a durable write: see `needs_store`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};

/// Sessions kept at most; past it, expired ones go first, then any.
const CAPACITY: usize = 4096;

/// How far a session's expiry may run ahead of the stored one before it is
/// written again. Sessions last 30 days of inactivity: one more write an
/// hour of activity keeps the stored expiry within an hour of the true one.
const EXPIRY_SLACK: time::Duration = time::Duration::hours(1);

struct Entry {
    record: Record,
    /// The expiry the database holds for this session.
    stored_expiry: OffsetDateTime,
}

#[derive(Clone, Default)]
pub struct SessionCache {
    records: Arc<Mutex<HashMap<Id, Entry>>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Entry>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `record`, as stored in the database with its current expiry.
    pub fn put_stored(&self, record: &Record) {
        let mut records = self.lock();
        if records.len() >= CAPACITY && !records.contains_key(&record.id) {
            let now = OffsetDateTime::now_utc();
            records.retain(|_, e| e.record.expiry_date > now);
            if records.len() >= CAPACITY {
                // The store still has them all: dropping a tenth costs a few
                // loads later, never a session.
                let drop: Vec<Id> = records.keys().take(CAPACITY / 10).copied().collect();
                for id in drop {
                    records.remove(&id);
                }
            }
        }
        records.insert(
            record.id,
            Entry {
                record: record.clone(),
                stored_expiry: record.expiry_date,
            },
        );
    }

    /// Whether saving `record` must reach the database: its data changed, the
    /// cache does not know it, or its expiry ran past the slack. When it
    /// need not, the cache takes the new expiry and the call is free.
    pub fn needs_store(&self, record: &Record) -> bool {
        let mut records = self.lock();
        match records.get_mut(&record.id) {
            Some(e)
                if e.record.data == record.data
                    && record.expiry_date - e.stored_expiry < EXPIRY_SLACK =>
            {
                e.record.expiry_date = record.expiry_date;
                false
            }
            _ => true,
        }
    }

    /// The live session `id`, if the cache holds it.
    pub fn get(&self, id: &Id) -> Option<Record> {
        let mut records = self.lock();
        match records.get(id) {
            Some(e) if e.record.expiry_date > OffsetDateTime::now_utc() => Some(e.record.clone()),
            Some(_) => {
                records.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, id: &Id) {
        self.lock().remove(id);
    }

    /// Drops the sessions `stale` picks (sessions that have ended).
    pub fn forget(&self, stale: impl Fn(&Record) -> bool) {
        self.lock().retain(|_, e| !stale(&e.record));
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

    #[test]
    fn keeps_live_sessions_and_forgets_expired_ones() {
        let cache = SessionCache::default();
        let (live, expired) = (record(30), record(-1));
        cache.put_stored(&live);
        cache.put_stored(&expired);
        assert_eq!(cache.get(&live.id), Some(live.clone()));
        assert_eq!(cache.get(&expired.id), None);
        cache.remove(&live.id);
        assert_eq!(cache.get(&live.id), None);
    }

    #[test]
    fn forgets_the_sessions_picked() {
        let cache = SessionCache::default();
        let (kept, ended) = (record(30), record(30));
        cache.put_stored(&kept);
        cache.put_stored(&ended);
        cache.forget(|r| r.id == ended.id);
        assert_eq!(cache.get(&kept.id), Some(kept.clone()));
        assert_eq!(cache.get(&ended.id), None);
    }

    #[test]
    fn a_moved_expiry_is_stored_only_past_the_slack() {
        let cache = SessionCache::default();
        let mut r = record(30);
        assert!(cache.needs_store(&r), "unknown to the cache");
        cache.put_stored(&r);
        r.expiry_date += time::Duration::minutes(59);
        assert!(!cache.needs_store(&r));
        assert_eq!(cache.get(&r.id).unwrap().expiry_date, r.expiry_date);
        r.expiry_date += time::Duration::minutes(2);
        assert!(cache.needs_store(&r), "an hour past the stored expiry");
        cache.put_stored(&r);
        r.data.insert("k".into(), serde_json::Value::Bool(true));
        assert!(cache.needs_store(&r), "changed data");
    }

    #[test]
    fn stays_bounded() {
        let cache = SessionCache::default();
        for _ in 0..CAPACITY * 2 {
            cache.put_stored(&record(30));
        }
        let len = cache.lock().len();
        assert!(len <= CAPACITY, "{len} sessions kept");
    }
}
