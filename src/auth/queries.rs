//! Account SQL.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use super::User;
use super::standing::{AccountStatus, RegistrationMode};
use crate::db::now;
use crate::i18n::Lang;

fn user_row(r: &crate::db::Row<'_>) -> crate::db::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        is_admin: r.get(2)?,
        avatar: None,
        notifications: 0,
    })
}

pub fn user_by_id(conn: &Conn, id: i64) -> crate::db::Result<Option<User>> {
    conn.prepare_cached("SELECT id, username, is_admin FROM users WHERE id = ?1")?
        .query_row([id], user_row)
        .optional()
}

/// What a login checks, read together so that a session never carries an
/// epoch newer than the password it was opened with.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub status: AccountStatus,
    pub session_epoch: i64,
}

/// The user and their password hash, by name ignoring case.
pub fn credentials(conn: &Conn, username: &str) -> crate::db::Result<Option<Credentials>> {
    conn.prepare_cached(
        "SELECT id, username, is_admin, password_hash, status, session_epoch
           FROM users WHERE username = ?1",
    )?
    .query_row([username], |r| {
        Ok(Credentials {
            user: user_row(r)?,
            password_hash: r.get(3)?,
            status: AccountStatus::parse(&r.get::<_, String>(4)?),
            session_epoch: r.get(5)?,
        })
    })
    .optional()
}

pub fn password_hash(conn: &Conn, user_id: i64) -> crate::db::Result<Option<String>> {
    conn.prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()
}

/// Creates an account; `None` when the name is taken (ignoring case).
pub fn create_user(
    conn: &Conn,
    username: &str,
    password_hash: &str,
    is_admin: bool,
) -> crate::db::Result<Option<User>> {
    let inserted: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO users (username, password_hash, is_admin, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING RETURNING id",
        )?
        .query_row(params![username, password_hash, is_admin, now()], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(inserted.map(|id| User {
        id,
        username: username.to_string(),
        is_admin,
        avatar: None,
        notifications: 0,
    }))
}

/// Sets the password and ends the account's sessions; returns the new epoch.
pub fn set_password(conn: &Conn, user_id: i64, password_hash: &str) -> crate::db::Result<i64> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?2, session_epoch = session_epoch + 1
          WHERE id = ?1 RETURNING session_epoch",
    )?
    .query_row(params![user_id, password_hash], |r| r.get(0))
}

pub fn username_taken(conn: &Conn, username: &str) -> crate::db::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)")?
        .query_row([username], |r| r.get(0))
}

/// When the account was created (Unix seconds).
pub fn created_at(conn: &Conn, user_id: i64) -> crate::db::Result<Option<i64>> {
    conn.prepare_cached("SELECT created_at FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()
}

/// A new account awaiting approval (registration in approval mode); `false`
/// when the name is taken.
pub fn create_pending_user(
    conn: &Conn,
    username: &str,
    password_hash: &str,
) -> crate::db::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (username, password_hash, is_admin, created_at, status)
             VALUES (?1, ?2, 0, ?3, 'pending') ON CONFLICT (username) DO NOTHING",
        )?
        .execute(params![username, password_hash, now()])?;
    Ok(inserted == 1)
}

/// Every account whose epoch has moved from 0: all the session epochs that
/// are not the default.
pub fn session_epochs(conn: &Conn) -> crate::db::Result<Vec<(i64, i64)>> {
    conn.prepare_cached("SELECT id, session_epoch FROM users WHERE session_epoch <> 0")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Ends every session of the account; returns the new epoch (`None`: no
/// such account).
pub fn end_sessions(conn: &Conn, user_id: i64) -> crate::db::Result<Option<i64>> {
    conn.prepare_cached(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?1 RETURNING session_epoch",
    )?
    .query_row([user_id], |r| r.get(0))
    .optional()
}

/// Disables (`true`) or enables an account that is not pending; disabling
/// ends its sessions. Returns its new epoch, `None` when there is no such
/// account (or it is pending).
pub fn set_disabled(conn: &Conn, user_id: i64, disabled: bool) -> crate::db::Result<Option<i64>> {
    let sql = if disabled {
        "UPDATE users SET status = 'disabled', session_epoch = session_epoch + 1
          WHERE id = ?1 AND status <> 'pending' RETURNING session_epoch"
    } else {
        "UPDATE users SET status = 'active'
          WHERE id = ?1 AND status <> 'pending' RETURNING session_epoch"
    };
    conn.prepare_cached(sql)?
        .query_row([user_id], |r| r.get(0))
        .optional()
}

/// Approves a pending account; `false` when there is no such pending account.
pub fn approve(conn: &Conn, user_id: i64) -> crate::db::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE users SET status = 'active' WHERE id = ?1 AND status = 'pending'")?
        .execute([user_id])?;
    Ok(n == 1)
}

/// Deletes a pending account (it has written nothing); `false` when there is
/// no such pending account.
pub fn refuse(conn: &Conn, user_id: i64) -> crate::db::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM users WHERE id = ?1 AND status = 'pending'")?
        .execute([user_id])?;
    Ok(n == 1)
}

/// An account as the admin's list shows it.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub status: AccountStatus,
    pub created_at: i64,
}

fn account_row(r: &crate::db::Row<'_>) -> crate::db::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        is_admin: r.get(2)?,
        status: AccountStatus::parse(&r.get::<_, String>(3)?),
        created_at: r.get(4)?,
    })
}

const ACCOUNT_COLUMNS: &str = "id, username, is_admin, status, created_at";

pub fn account(conn: &Conn, user_id: i64) -> crate::db::Result<Option<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = ?1"
    ))?
    .query_row([user_id], account_row)
    .optional()
}

/// `LIKE` pattern for names containing `search`, its wildcards taken literally.
fn containing(search: &str) -> String {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// How many accounts (not pending) have a name containing `search`.
pub fn count_accounts(conn: &Conn, search: &str) -> crate::db::Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM users WHERE status <> 'pending' AND username LIKE ?1 ESCAPE '\\'",
    )?
    .query_row([containing(search)], |r| r.get(0))
}

/// A page of accounts (not pending) whose name contains `search`, by name.
pub fn accounts(
    conn: &Conn,
    search: &str,
    offset: i64,
    limit: u32,
) -> crate::db::Result<Vec<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users
          WHERE status <> 'pending' AND username LIKE ?1 ESCAPE '\\'
          ORDER BY username LIMIT ?2 OFFSET ?3"
    ))?
    .query_map(params![containing(search), limit, offset], account_row)?
    .collect()
}

/// The accounts awaiting approval, oldest first (bounded: the page shows the
/// first ones; each decision brings up the next).
pub fn pending_accounts(conn: &Conn, limit: u32) -> crate::db::Result<Vec<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users WHERE status = 'pending' ORDER BY id LIMIT ?1"
    ))?
    .query_map([limit], account_row)?
    .collect()
}

pub fn registration_mode(conn: &Conn) -> crate::db::Result<RegistrationMode> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = 'registration'")?
        .query_row((), |r| r.get(0))
        .optional()?;
    Ok(value
        .as_deref()
        .map_or(RegistrationMode::Open, RegistrationMode::parse))
}

pub fn set_registration_mode(conn: &Conn, mode: RegistrationMode) -> crate::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES ('registration', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([mode.as_str()])?;
    Ok(())
}

/// The session store's table (the name tower-sessions' SQLite store gave it,
/// which earlier versions used), in the same database file.
const SESSIONS_TABLE: &str = "tower_sessions";

/// Stores a new session; `false` when its id is taken.
pub fn insert_session(conn: &Conn, id: &str, data: &[u8], expiry: i64) -> crate::db::Result<bool> {
    let n = conn
        .prepare_cached(&format!(
            "INSERT INTO {SESSIONS_TABLE} (id, data, expiry_date) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING"
        ))?
        .execute(params![id, data, expiry])?;
    Ok(n == 1)
}

pub fn save_session(conn: &Conn, id: &str, data: &[u8], expiry: i64) -> crate::db::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {SESSIONS_TABLE} (id, data, expiry_date) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date"
    ))?
    .execute(params![id, data, expiry])?;
    Ok(())
}

/// A live session's encoded record.
pub fn load_session(conn: &Conn, id: &str, now: i64) -> crate::db::Result<Option<Vec<u8>>> {
    conn.prepare_cached(&format!(
        "SELECT data FROM {SESSIONS_TABLE} WHERE id = ?1 AND expiry_date > ?2"
    ))?
    .query_row(params![id, now], |r| r.get(0))
    .optional()
}

pub fn delete_session(conn: &Conn, id: &str) -> crate::db::Result<()> {
    conn.prepare_cached(&format!("DELETE FROM {SESSIONS_TABLE} WHERE id = ?1"))?
        .execute([id])?;
    Ok(())
}

/// Notes that `user_id` was here at `now`, unless it was noted within the
/// hour: called with the session writes, which activity brings about once
/// an hour at most (see `session_cache`).
pub fn touch_last_seen(conn: &Conn, user_id: i64, now: i64) -> crate::db::Result<()> {
    conn.prepare_cached(
        "UPDATE users SET last_seen_at = ?2
          WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at <= ?2 - 3600)",
    )?
    .execute(params![user_id, now])?;
    Ok(())
}

pub fn delete_expired_sessions(conn: &Conn, now: i64) -> crate::db::Result<()> {
    conn.prepare_cached(&format!(
        "DELETE FROM {SESSIONS_TABLE} WHERE expiry_date < ?1"
    ))?
    .execute([now])?;
    Ok(())
}

/// Calls `each` with every stored session's id and encoded record, one row
/// at a time.
pub fn each_stored_session(
    conn: &Conn,
    mut each: impl FnMut(String, &[u8]),
) -> crate::db::Result<()> {
    let mut stmt = conn.prepare_cached(&format!("SELECT id, data FROM {SESSIONS_TABLE}"))?;
    for row in stmt.query_map((), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })? {
        let (id, data) = row?;
        each(id, &data);
    }
    Ok(())
}

pub fn delete_stored_sessions(conn: &Conn, ids: &[String]) -> crate::db::Result<()> {
    let mut stmt = conn.prepare_cached(&format!("DELETE FROM {SESSIONS_TABLE} WHERE id = ?1"))?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

/// Remembers that `username` (lowercased) logged in from `addr` at `at`
/// (Unix seconds), and forgets pairs not seen since `forget_before`.
pub fn remember_login(
    conn: &Conn,
    username: &str,
    addr: &str,
    at: i64,
    forget_before: i64,
) -> crate::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO login_known (username, addr, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (username, addr) DO UPDATE SET at = excluded.at",
    )?
    .execute(params![username, addr, at])?;
    conn.prepare_cached("DELETE FROM login_known WHERE at < ?1")?
        .execute([forget_before])?;
    Ok(())
}

/// The latest `limit` pairs that logged in since `since`: (username, address, at).
pub fn known_logins(
    conn: &Conn,
    since: i64,
    limit: u32,
) -> crate::db::Result<Vec<(String, String, i64)>> {
    conn.prepare_cached(
        "SELECT username, addr, at FROM login_known WHERE at >= ?1 ORDER BY at DESC LIMIT ?2",
    )?
    .query_map(params![since, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?
    .collect()
}

/// Every member's chosen language, for `i18n::Choices` at start-up.
pub fn lang_choices(conn: &Conn) -> crate::db::Result<Vec<(i64, Lang)>> {
    let mut stmt = conn.prepare("SELECT id, lang FROM users WHERE lang IS NOT NULL")?;
    let rows = stmt.query_map((), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, code) = row?;
        if let Some(lang) = Lang::from_code(&code) {
            out.push((id, lang));
        }
    }
    Ok(out)
}

/// Sets (or clears) a member's language.
pub fn set_lang(conn: &Conn, user_id: i64, lang: Option<Lang>) -> crate::db::Result<()> {
    conn.execute(
        "UPDATE users SET lang = ?2 WHERE id = ?1",
        params![user_id, lang.map(Lang::code)],
    )?;
    Ok(())
}
