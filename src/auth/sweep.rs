//! Deletes the sessions an epoch change has ended (see `standing`), from the
//! store and from its in-memory cache, in the background. Not needed for
//! safety: every request checks its session's epoch, and flushes a stale
//! one when it meets it. This only keeps sessions nobody will use again from
//! lingering until they expire.

use tower_sessions::session::Record;

use super::queries;
use super::session;
use super::session_cache::SessionCache;
use super::standing::SessionEpochs;
use crate::db::Db;
use crate::error::AppResult;

/// Deletes every stored or cached session whose epoch is behind its
/// account's. Epochs only grow, so a session found stale stays stale
/// whatever happens meanwhile.
pub async fn sweep(db: &Db, cache: &SessionCache, epochs: &SessionEpochs) -> AppResult<usize> {
    cache.forget(|record| session::is_stale(record, epochs));
    let epochs_now = epochs.clone();
    let stale = db
        .read(move |c| {
            let mut stale = Vec::new();
            queries::each_stored_session(c, |id, data| {
                // A record this build cannot read is left to expire.
                if let Ok(record) = rmp_serde::from_slice::<Record>(data)
                    && session::is_stale(&record, &epochs_now)
                {
                    stale.push(id);
                }
            })?;
            Ok(stale)
        })
        .await?;
    let count = stale.len();
    if count > 0 {
        db.write(move |tx| Ok(queries::delete_stored_sessions(tx, &stale)?))
            .await?;
    }
    Ok(count)
}

/// Runs `sweep` on its own task, logging a failure (the next one, or
/// expiry, catches up).
pub fn spawn(db: Db, cache: SessionCache, epochs: SessionEpochs) {
    tokio::spawn(async move {
        match sweep(&db, &cache, &epochs).await {
            Ok(n) => tracing::debug!(sessions = n, "ended sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting ended sessions failed"),
        }
    });
}
