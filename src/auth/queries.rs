//! Account SQL.

use rusqlite::{Connection, OptionalExtension, params};

use super::User;
use crate::db::now;

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        is_admin: r.get(2)?,
    })
}

pub fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached("SELECT id, username, is_admin FROM users WHERE id = ?1")?
        .query_row([id], user_row)
        .optional()
}

/// The user and their password hash, by name ignoring case.
pub fn credentials(conn: &Connection, username: &str) -> rusqlite::Result<Option<(User, String)>> {
    conn.prepare_cached(
        "SELECT id, username, is_admin, password_hash FROM users WHERE username = ?1",
    )?
    .query_row([username], |r| Ok((user_row(r)?, r.get(3)?)))
    .optional()
}

pub fn password_hash(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()
}

/// Creates an account; `None` when the name is taken (ignoring case).
pub fn create_user(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    is_admin: bool,
) -> rusqlite::Result<Option<User>> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (username, password_hash, is_admin, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING",
        )?
        .execute(params![username, password_hash, is_admin, now()])?;
    Ok((inserted == 1).then(|| User {
        id: conn.last_insert_rowid(),
        username: username.to_string(),
        is_admin,
    }))
}

pub fn set_password(conn: &Connection, user_id: i64, password_hash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![user_id, password_hash])?;
    Ok(())
}

pub fn username_taken(conn: &Connection, username: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)")?
        .query_row([username], |r| r.get(0))
}

/// When the account was created (Unix seconds).
pub fn created_at(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT created_at FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()
}
