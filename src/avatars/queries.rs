//! Avatar SQL: the pictures, and which member uses which.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use super::picture::Processed;
use crate::db::now;

/// One stored size of a picture (`large`: 160 px, else 48 px).
pub fn image(conn: &Conn, hash: &str, large: bool) -> crate::db::Result<Option<Vec<u8>>> {
    let sql = if large {
        "SELECT large FROM avatars WHERE hash = ?1"
    } else {
        "SELECT small FROM avatars WHERE hash = ?1"
    };
    conn.prepare_cached(sql)?
        .query_row([hash], |r| r.get(0))
        .optional()
}

/// Every member with a picture, and its hash.
pub fn in_use(conn: &Conn) -> crate::db::Result<Vec<(i64, String)>> {
    conn.prepare_cached("SELECT id, avatar FROM users WHERE avatar IS NOT NULL")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Gives `user_id` the picture `new` (`None`: back to the default), storing
/// it unless the same picture is stored already, and deletes the one they
/// had if no one else uses it. Returns the hash they now have.
pub fn set(
    conn: &Conn,
    user_id: i64,
    new: Option<&Processed>,
) -> crate::db::Result<Option<String>> {
    if let Some(p) = new {
        conn.prepare_cached(
            "INSERT INTO avatars (hash, large, small, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (hash) DO NOTHING",
        )?
        .execute(params![p.hash, p.large, p.small, now()])?;
    }
    let hash = new.map(|p| p.hash.as_str());
    let old: Option<Option<String>> = conn
        .prepare_cached("SELECT avatar FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?;
    conn.prepare_cached("UPDATE users SET avatar = ?2 WHERE id = ?1")?
        .execute(params![user_id, hash])?;
    if let Some(Some(old)) = old
        && Some(old.as_str()) != hash
    {
        conn.prepare_cached(
            "DELETE FROM avatars WHERE hash = ?1
               AND NOT EXISTS (SELECT 1 FROM users WHERE avatar = ?1)",
        )?
        .execute([&old])?;
    }
    Ok(hash.map(str::to_string))
}
