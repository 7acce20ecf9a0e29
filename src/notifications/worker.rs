//! The worker: turns the jobs replies in large topics leave (`notify_jobs`)
//! into notifications, off the reply's answer path, on the single writer, a
//! bounded step per transaction; the job goes in the transaction that does
//! it, so a crash loses none (leftovers are done at the next start). After
//! each commit, on the writer's thread (so in commit order), it sets the
//! members' counts in `Bells` and rings their bells in every open tab.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::queries;
use crate::db::Db;
use crate::error::AppResult;
use crate::live::Hub;

/// Topic members gone through per transaction: a step takes a few
/// milliseconds of the writer, so replies never wait long behind it.
const BUDGET: i64 = 2 * queries::STEP;

/// How often the worker looks for jobs when no one woke it (jobs a
/// deletion left, a wake lost to a race).
const IDLE: Duration = Duration::from_secs(5);

/// Each member's unread count, in memory: every page's header shows it, so
/// it is read at no cost. The database's count (`users.notifications_
/// unread`) is the truth; this follows it after each commit that moves it.
#[derive(Clone, Default)]
pub struct Bells(Arc<Mutex<HashMap<i64, u32>>>);

impl Bells {
    pub fn get(&self, user: i64) -> u32 {
        self.lock().get(&user).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, u32>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets counts read from the database.
    pub fn set(&self, counts: &[(i64, u32)]) {
        let mut map = self.lock();
        for &(user, n) in counts {
            if n == 0 {
                map.remove(&user);
            } else {
                map.insert(user, n);
            }
        }
    }

    /// Every count, from the database (at start).
    pub fn load(&self, db: &Db) -> AppResult<()> {
        let counts = db.between_writes(|c| Ok(queries::all_unread_counts(c)?))?;
        self.set(&counts);
        Ok(())
    }
}

/// Wakes the worker.
#[derive(Clone, Default)]
pub struct Notifier(Arc<Notify>);

impl Notifier {
    /// There may be jobs: cheap, and a wake while it works is kept.
    pub fn wake(&self) {
        self.0.notify_one();
    }

    /// Starts the worker, which first does the jobs a previous run left.
    pub fn spawn(&self, db: Db, hub: Hub, bells: Bells) {
        let wake = self.0.clone();
        tokio::spawn(async move {
            loop {
                match step(&db, &hub, &bells).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "notification jobs failed; retried"),
                }
                let _ = tokio::time::timeout(IDLE, wake.notified()).await;
            }
        });
    }
}

/// One step; whether more jobs wait.
pub async fn step(db: &Db, hub: &Hub, bells: &Bells) -> AppResult<bool> {
    if !db.read(|c| Ok(queries::pending(c)?)).await? {
        return Ok(false);
    }
    let _ = (hub, bells);
    let (_, more) = db
        .write_logged(
            |tx| Ok(queries::work(tx, BUDGET, crate::db::now())?),
            |(counts, _)| ringing(counts),
        )
        .await?;
    Ok(more)
}

/// The event that rings the bells of `counts` (none when empty).
pub fn ringing(counts: &[(i64, u32)]) -> Vec<String> {
    if counts.is_empty() {
        return Vec::new();
    }
    vec![crate::live::Event::Bells(counts.to_vec()).encode()]
}

/// Sets `counts` and sends each member's bell to their open pages. Called
/// after the commit that moved them, on the writer's thread.
pub fn ring(hub: &Hub, bells: &Bells, counts: &[(i64, u32)]) {
    if counts.is_empty() {
        return;
    }
    // Set before sending: a socket joining in between reads the new count.
    bells.set(counts);
    hub.send_bells(counts);
}
