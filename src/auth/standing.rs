//! An account's standing: whether it may log in (its status), which of its
//! sessions still count (its session epoch), and how newcomers register.
//!
//! A session records the account's epoch when it is opened. A password
//! change, "log out everywhere" and disabling the account add one to the
//! epoch, which ends every session opened before. Each request compares its
//! session's epoch with `SessionEpochs`, an in-memory copy of the column
//! updated right after each commit that moves it: no database trip per
//! request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppResult;
use crate::i18n::Msg;

use super::queries;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    /// Registered while registration needed approval; not approved yet.
    Pending,
    Disabled,
}

impl AccountStatus {
    /// Reads the `status` column; anything unknown is taken as disabled, the
    /// safe side.
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "pending" => Self::Pending,
            _ => Self::Disabled,
        }
    }
}

/// How newcomers get an account, chosen by admins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RegistrationMode {
    #[default]
    Open,
    Closed,
    /// Accounts are created pending, and an admin approves or refuses them.
    Approval,
}

impl RegistrationMode {
    pub const ALL: [Self; 3] = [Self::Open, Self::Approval, Self::Closed];

    /// Reads the stored setting; anything unknown is taken as closed, the
    /// safe side.
    pub fn parse(s: &str) -> Self {
        match s {
            "open" => Self::Open,
            "approval" => Self::Approval,
            _ => Self::Closed,
        }
    }

    /// A form's value: `None` when it names no mode.
    pub fn from_form(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Approval => "approval",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Self::Open => Msg("registration-open"),
            Self::Approval => Msg("registration-approval"),
            Self::Closed => Msg("registration-closed"),
        }
    }
}

/// Every account's current session epoch, in memory. Only epochs other than
/// 0 are kept (most accounts never move theirs), so it stays small.
#[derive(Clone, Debug, Default)]
pub struct SessionEpochs {
    epochs: Arc<RwLock<HashMap<i64, i64>>>,
}

impl SessionEpochs {
    /// Fills the map from the database, at start-up.
    pub async fn load(&self, db: &Db) -> AppResult<()> {
        let rows = db.read(|c| Ok(queries::session_epochs(c)?)).await?;
        let mut epochs = self.epochs.write().unwrap_or_else(|p| p.into_inner());
        epochs.clear();
        epochs.extend(rows);
        Ok(())
    }

    pub fn current(&self, user_id: i64) -> i64 {
        self.epochs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }

    /// Records the epoch a commit has just given the account. Epochs only
    /// grow: of two changes recorded out of commit order, the later stays.
    pub fn set(&self, user_id: i64, epoch: i64) {
        let mut epochs = self.epochs.write().unwrap_or_else(|p| p.into_inner());
        let current = epochs.entry(user_id).or_insert(0);
        *current = (*current).max(epoch);
    }
}

/// Runs `f` in one write; when it returns a new session epoch for `user_id`,
/// the account's sessions and sockets end once it is committed, before the
/// caller has its answer (so the caller's next request sees them ended).
pub async fn write_ending_sessions<T, F>(state: &AppState, user_id: i64, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&crate::db::Conn) -> AppResult<(T, Option<i64>)> + Send + 'static,
{
    // Other instances hear of it through the change log (this one acts
    // at once, below, before answering).
    let pg = state.db.is_pg();
    let (out, epoch) = state
        .db
        .write_logged(f, move |(_, epoch)| match epoch {
            Some(epoch) if pg => vec![
                crate::live::Event::SessionsEnded {
                    user: user_id,
                    epoch: *epoch,
                }
                .encode(),
            ],
            _ => Vec::new(),
        })
        .await?;
    if let Some(epoch) = epoch {
        state.epochs.set(user_id, epoch);
        state.hub.close_user(user_id);
        super::sweep::spawn(
            state.db.clone(),
            state.sessions.clone(),
            state.epochs.clone(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_default_to_zero_and_follow_sets() {
        let epochs = SessionEpochs::default();
        assert_eq!(epochs.current(7), 0);
        epochs.set(7, 2);
        assert_eq!(epochs.current(7), 2);
        epochs.set(7, 1);
        assert_eq!(epochs.current(7), 2, "an older epoch recorded late");
        assert_eq!(epochs.current(8), 0);
    }

    #[test]
    fn unknown_values_fall_on_the_safe_side() {
        assert_eq!(AccountStatus::parse("active"), AccountStatus::Active);
        assert_eq!(AccountStatus::parse("??"), AccountStatus::Disabled);
        assert_eq!(RegistrationMode::parse("??"), RegistrationMode::Closed);
        assert_eq!(RegistrationMode::from_form("??"), None);
        for mode in RegistrationMode::ALL {
            assert_eq!(RegistrationMode::parse(mode.as_str()), mode);
        }
    }
}
