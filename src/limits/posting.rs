//! The posting rate: new topics, replies and edits, per account, counted
//! before the write. Accounts younger than `Limits::new_account_for` get the
//! stricter `post_new_account` rate (a spammer's fresh accounts are slow);
//! admins are exempt (they clean up, and may need to post fast doing so).

use crate::i18n::{Msg, Text};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::{Limiter, Limits, Rate};
use crate::auth::{User, queries};
use crate::db::Db;
use crate::error::AppResult;

/// Accounts followed at most; the creation-time cache is emptied beyond.
const CAP: usize = 100_000;

pub struct PostingRate {
    post: Rate,
    post_new_account: Rate,
    new_account_for: Duration,
    limiter: Limiter<i64>,
    /// Account creation times (Unix seconds), read once per account: they
    /// never change.
    created: Mutex<HashMap<i64, i64>>,
}

impl PostingRate {
    pub fn new(limits: &Limits) -> Self {
        Self {
            post: limits.post,
            post_new_account: limits.post_new_account,
            new_account_for: limits.new_account_for,
            limiter: Limiter::new(limits.post, CAP),
            created: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, user_id: i64) -> Option<i64> {
        let created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        created.get(&user_id).copied()
    }

    /// Counts one post by `user` now, or says how long to wait.
    pub async fn reserve(&self, db: &Db, user: &User) -> AppResult<Result<(), Duration>> {
        if user.is_admin {
            return Ok(Ok(()));
        }
        let created_at = match self.cached(user.id) {
            Some(at) => at,
            None => {
                let id = user.id;
                // A vanished account posts nothing anyway: treat it as new.
                let at = db
                    .read(move |c| Ok(queries::created_at(c, id)?))
                    .await?
                    .unwrap_or_else(crate::db::now);
                let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
                if created.len() >= CAP {
                    created.clear();
                }
                created.insert(id, at);
                at
            }
        };
        let age = crate::db::now().saturating_sub(created_at);
        let young = u64::try_from(age).map_or(true, |age| age < self.new_account_for.as_secs());
        let rate = if young {
            self.post_new_account
        } else {
            self.post
        };
        match self.limiter.reserve_at(&user.id, rate) {
            // Across instances too (PostgreSQL).
            Ok(()) => super::shared::reserve(db, format!("post:{}", user.id), rate).await,
            refused => Ok(refused),
        }
    }
}

/// What a refused post says, next to the text it keeps.
pub fn too_fast(wait: Duration) -> Text {
    Text::new(Msg("posting-too-fast")).num("seconds", super::seconds(wait) as i64)
}

impl Default for PostingRate {
    fn default() -> Self {
        Self::new(&Limits::default())
    }
}
