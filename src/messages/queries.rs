//! Message SQL.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use crate::db::now;
use crate::markdown::Body;

/// A message with what its view shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRow {
    pub id: i64,
    pub topic_id: i64,
    pub author_id: i64,
    pub author: String,
    /// The author's picture (its hash), if they uploaded one.
    pub author_avatar: Option<String>,
    /// The source, as written: what edit shows and quote copies.
    pub body: String,
    /// The HTML pages print, rendered when it was written.
    pub body_html: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

const COLUMNS: &str =
    "m.id, m.topic_id, m.author_id, u.username, m.body, m.body_html, m.created_at, m.edited_at,
    u.avatar FROM messages m JOIN users u ON u.id = m.author_id";

fn row(r: &crate::db::Row<'_>) -> crate::db::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        topic_id: r.get(1)?,
        author_id: r.get(2)?,
        author: r.get(3)?,
        body: r.get(4)?,
        body_html: r.get(5)?,
        created_at: r.get(6)?,
        edited_at: r.get(7)?,
        author_avatar: r.get(8)?,
    })
}

/// One page of a topic's messages, oldest first: the `limit` after the first
/// `offset`. Positions are dense (1, 2, 3, ...), so this is one index range
/// of `messages_by_position`, as cheap deep in the topic as at its start.
pub fn page(
    conn: &Conn,
    topic_id: i64,
    offset: i64,
    limit: u32,
) -> crate::db::Result<Vec<MessageRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE m.topic_id = ?1 AND m.position > ?2 AND m.position <= ?2 + ?3
          ORDER BY m.position"
    ))?;
    let rows = stmt.query_map(params![topic_id, offset, limit], row)?;
    rows.collect()
}

pub fn by_id(conn: &Conn, id: i64) -> crate::db::Result<Option<MessageRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} WHERE m.id = ?1"))?
        .query_row([id], row)
        .optional()
}

/// How many messages of its topic come before this one (0 for the first):
/// read from its stored position, not counted.
pub fn position(conn: &Conn, topic_id: i64, id: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT position - 1 FROM messages WHERE id = ?2 AND topic_id = ?1")?
        .query_row(params![topic_id, id], |r| r.get(0))
}

/// How long the same text from the same author counts as the same form sent
/// twice (a double click, a resent form), not a second message.
pub const REPEAT_WINDOW: i64 = 30;

/// The author's latest message, when it is `body` in `topic_id`, written
/// in the last `REPEAT_WINDOW` seconds before `now` (one index seek).
pub fn repeated(
    conn: &Conn,
    author_id: i64,
    topic_id: i64,
    body: &str,
    now: i64,
) -> crate::db::Result<Option<i64>> {
    let last = conn
        .prepare_cached(
            "SELECT id, topic_id, body, created_at FROM messages
              WHERE author_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([author_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .optional()?;
    Ok(last
        .filter(|(_, t, b, at)| *t == topic_id && b == body && now - at <= REPEAT_WINDOW)
        .map(|(id, ..)| id))
}

pub fn insert(
    conn: &Conn,
    topic_id: i64,
    author_id: i64,
    body: &Body,
    at: i64,
) -> crate::db::Result<i64> {
    // The next position: the writer is alone (one transaction at a time), and
    // the `message_added` trigger counts this message in right after.
    conn.prepare_cached(
        "INSERT INTO messages (topic_id, author_id, body, body_html, body_text, created_at, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT message_count + 1 FROM topics WHERE id = ?1))
         RETURNING id",
    )?
    .query_row(
        params![
            topic_id,
            author_id,
            body.source,
            body.html,
            body.stored_text(),
            at
        ],
        |r| r.get(0),
    )
}

pub fn edit(conn: &Conn, id: i64, body: &Body) -> crate::db::Result<()> {
    conn.prepare_cached(
        "UPDATE messages SET body = ?2, body_html = ?3, body_text = ?4, edited_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, body.source, body.html, body.stored_text(), now()])?;
    Ok(())
}

/// Deletes one message and closes its gap: the later messages of its topic
/// move up one place, in the same transaction, so pages stay dense. (A
/// topic's messages going all together, with their topic, need none of it.)
/// Deletes message `id` and moves the later ones of its topic up a place;
/// returns how many came before it (`None`: it was already gone).
pub fn delete(conn: &Conn, id: i64) -> crate::db::Result<Option<i64>> {
    let gone: Option<(i64, i64)> = conn
        .prepare_cached("DELETE FROM messages WHERE id = ?1 RETURNING topic_id, position")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((topic_id, position)) = gone {
        conn.prepare_cached(
            "UPDATE messages SET position = position - 1 WHERE topic_id = ?1 AND position > ?2",
        )?
        .execute(params![topic_id, position])?;
    }
    Ok(gone.map(|(_, position)| position - 1))
}
