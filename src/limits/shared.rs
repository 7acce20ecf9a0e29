//! Rates shared by every instance (PostgreSQL): the in-memory limiters
//! (`Limiter`) bound what one process lets through; with several instances
//! behind a balancer, each would let a client through at its own rate, so
//! each attempt is also counted in the database (`rate_hits`), the same
//! "burst, then one every T" (GCRA: one instant per key). On SQLite one
//! process sees every request and the in-memory limiter is the whole story:
//! nothing is asked of the database. Keys a day past are pruned with the
//! change log (`db::pg`).

use std::time::Duration;

use super::Rate;
use crate::db::{Db, OptionalExtension};
use crate::error::AppResult;

/// Counts one attempt under `key` at `rate` across every instance, or says
/// how long to wait. Always admits on SQLite.
pub async fn reserve(db: &Db, key: String, rate: Rate) -> AppResult<Result<(), Duration>> {
    if !db.is_pg() {
        return Ok(Ok(()));
    }
    let now = now_ms();
    let every = i64::try_from(rate.every.as_millis()).unwrap_or(i64::MAX);
    let slack = i64::try_from(rate.slack().as_millis()).unwrap_or(i64::MAX);
    db.write_alone(move |c| {
        // The key's instant, locked until this transaction ends.
        c.execute(
            "INSERT INTO rate_hits (key, window_start, hits) VALUES (?1, 0, 0)
             ON CONFLICT (key) DO NOTHING",
            [&key],
        )?;
        let at: i64 = c
            .query_row(
                "SELECT window_start FROM rate_hits WHERE key = ?1 FOR UPDATE",
                [&key],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let at = at.max(now);
        if at - now > slack {
            let wait = u64::try_from(at - now - slack).unwrap_or(0);
            return Ok(Err(Duration::from_millis(wait)));
        }
        c.execute(
            "UPDATE rate_hits SET window_start = ?2, hits = hits + 1 WHERE key = ?1",
            crate::params![key, at.saturating_add(every)],
        )?;
        Ok(Ok(()))
    })
    .await
}

/// Gives back an attempt counted under `key` (it logged in, or never got
/// to be checked), as the in-memory limiters do.
pub async fn give_back(db: &Db, key: String, rate: Rate) -> AppResult<()> {
    if !db.is_pg() {
        return Ok(());
    }
    let every = i64::try_from(rate.every.as_millis()).unwrap_or(i64::MAX);
    db.write_alone(move |c| {
        c.execute(
            "UPDATE rate_hits SET window_start = window_start - ?2 WHERE key = ?1",
            crate::params![key, every],
        )?;
        Ok(())
    })
    .await
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}
