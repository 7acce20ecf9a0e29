//! Forum SQL: the home list, one forum, and the admin's changes.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use crate::db::now;

/// The latest message somewhere, as list rows show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastPost {
    pub message_id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    pub author: String,
    pub at: i64,
}

/// A forum as the home page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForumSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub topic_count: i64,
    pub message_count: i64,
    pub last: Option<LastPost>,
}

/// A forum's own fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forum {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub topic_count: i64,
    pub message_count: i64,
}

/// Every forum with its counts and last activity, in one query.
pub fn list(conn: &Conn) -> crate::db::Result<Vec<ForumSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.name, f.description, f.topic_count, f.message_count,
                m.id, m.topic_id, t.title, u.username, m.created_at
           FROM forums f
           LEFT JOIN messages m ON m.id = f.last_message_id
           LEFT JOIN topics t ON t.id = m.topic_id
           LEFT JOIN users u ON u.id = m.author_id
          ORDER BY f.id",
    )?;
    let rows = stmt.query_map((), |r| {
        let last = match r.get::<_, Option<i64>>(5)? {
            Some(message_id) => Some(LastPost {
                message_id,
                topic_id: r.get(6)?,
                topic_title: r.get(7)?,
                author: r.get(8)?,
                at: r.get(9)?,
            }),
            None => None,
        };
        Ok(ForumSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
            topic_count: r.get(3)?,
            message_count: r.get(4)?,
            last,
        })
    })?;
    rows.collect()
}

pub fn by_id(conn: &Conn, id: i64) -> crate::db::Result<Option<Forum>> {
    conn.prepare_cached(
        "SELECT id, name, description, topic_count, message_count FROM forums WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Forum {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
            topic_count: r.get(3)?,
            message_count: r.get(4)?,
        })
    })
    .optional()
}

/// The outcome of a change that may hit a missing forum or a taken name.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Done(i64),
    NameTaken,
    Missing,
}

fn name_taken(conn: &Conn, name: &str, except: i64) -> crate::db::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM forums WHERE name = ?1 AND id <> ?2)")?
        .query_row(params![name, except], |r| r.get(0))
}

pub fn create(conn: &Conn, name: &str, description: &str) -> crate::db::Result<Saved> {
    if name_taken(conn, name, 0)? {
        return Ok(Saved::NameTaken);
    }
    let id = conn
        .prepare_cached(
            "INSERT INTO forums (name, description, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        )?
        .query_row(params![name, description, now()], |r| r.get(0))?;
    Ok(Saved::Done(id))
}

pub fn update(conn: &Conn, id: i64, name: &str, description: &str) -> crate::db::Result<Saved> {
    if name_taken(conn, name, id)? {
        return Ok(Saved::NameTaken);
    }
    let n = conn
        .prepare_cached("UPDATE forums SET name = ?2, description = ?3 WHERE id = ?1")?
        .execute(params![id, name, description])?;
    Ok(if n == 1 {
        Saved::Done(id)
    } else {
        Saved::Missing
    })
}

/// Deletes a forum with its topics and messages; returns the ids of the
/// topics that went with it, or `None` when there was no such forum.
pub fn delete(conn: &Conn, id: i64) -> crate::db::Result<Option<Vec<i64>>> {
    if by_id(conn, id)?.is_none() {
        return Ok(None);
    }
    let topics: Vec<i64> = conn
        .prepare_cached("SELECT id FROM topics WHERE forum_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    conn.prepare_cached(
        "DELETE FROM messages WHERE topic_id IN (SELECT id FROM topics WHERE forum_id = ?1)",
    )?
    .execute([id])?;
    conn.prepare_cached("DELETE FROM topics WHERE forum_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM forums WHERE id = ?1")?
        .execute([id])?;
    Ok(Some(topics))
}
