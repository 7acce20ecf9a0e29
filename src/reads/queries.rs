//! Read marks in the database, and what a member has not read.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use crate::messages::page_of;

/// What a member has not read in a topic: how many messages, and the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unread {
    pub count: i64,
    pub first_id: i64,
    /// The topic page that holds the first.
    pub page: u32,
}

/// The id up to which `user` has read every message of `forum_id` by
/// "mark all read", for that forum or the whole site (0: never).
pub fn watermark(conn: &Conn, user: i64, forum_id: i64) -> crate::db::Result<i64> {
    conn.prepare_cached(
        "SELECT max(u.read_before,
                    coalesce((SELECT message_id FROM forum_reads
                               WHERE user_id = ?1 AND forum_id = ?2), 0))
           FROM users u WHERE u.id = ?1",
    )?
    .query_row(params![user, forum_id], |r| r.get(0))
    .optional()
    .map(Option::unwrap_or_default)
}

/// `user`'s marks for a topic of `forum_id` as written, in one read: the
/// forum's watermark (`watermark`) and their mark in the topic (0: never
/// opened).
pub fn marks(
    conn: &Conn,
    user: i64,
    forum_id: i64,
    topic_id: i64,
) -> crate::db::Result<(i64, i64)> {
    conn.prepare_cached(
        "SELECT max(u.read_before, coalesce(f.message_id, 0)), coalesce(t.message_id, 0)
           FROM users u
           LEFT JOIN forum_reads f ON f.user_id = u.id AND f.forum_id = ?2
           LEFT JOIN topic_reads t ON t.user_id = u.id AND t.topic_id = ?3
          WHERE u.id = ?1",
    )?
    .query_row(params![user, forum_id, topic_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
    .map(Option::unwrap_or_default)
}

/// `user`'s mark in `topic_id` as written (0: never opened).
pub fn topic_mark(conn: &Conn, user: i64, topic_id: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT message_id FROM topic_reads WHERE user_id = ?1 AND topic_id = ?2")?
        .query_row(params![user, topic_id], |r| r.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// The unread part of a topic of `message_count` messages for a reader who
/// has read up to `read` (one index seek).
pub fn unread_after(
    conn: &Conn,
    topic_id: i64,
    message_count: i64,
    read: i64,
) -> crate::db::Result<Option<Unread>> {
    let first = conn
        .prepare_cached(
            "SELECT id, position FROM messages WHERE topic_id = ?1 AND id > ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![topic_id, read], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    Ok(first.map(|(first_id, position)| Unread {
        count: (message_count - position + 1).max(1),
        first_id,
        page: page_of(position - 1),
    }))
}

/// Topics home looks at, at most, for a forum's marker: a member who has
/// opened thousands of topics since their last "mark all read" would
/// otherwise make each of their home pages walk them all.
pub const HOME_SCAN: i64 = 1_000;

/// Whether a forum holds a topic with a message after both `watermark` and
/// `user`'s mark in it (`pending` lifts the written marks). Walks the
/// forum's topics from the most recent and stops at the first unread; past
/// `HOME_SCAN` topics all read, it says no (an older unread topic still
/// shows on the forum's pages).
pub fn forum_has_unread(
    conn: &Conn,
    user: i64,
    forum_id: i64,
    watermark: i64,
    pending: impl Fn(i64) -> i64,
) -> crate::db::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.last_message_id, coalesce(r.message_id, 0)
           FROM topics t
           LEFT JOIN topic_reads r ON r.user_id = ?1 AND r.topic_id = t.id
          WHERE t.forum_id = ?2 AND t.last_message_id > ?3
          ORDER BY t.last_message_id DESC
          LIMIT ?4",
    )?;
    let mut unread = false;
    stmt.for_each(params![user, forum_id, watermark, HOME_SCAN], |row| {
        let (topic, last, read): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        unread = last > read.max(pending(topic));
        Ok(!unread)
    })?;
    Ok(unread)
}

/// Writes marks, each only forward; a mark of a topic deleted since is
/// dropped.
pub fn save(tx: &Conn, marks: &[((i64, i64), i64)]) -> crate::db::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO topic_reads (user_id, topic_id, message_id)
         SELECT ?1, ?2, ?3
          WHERE EXISTS (SELECT 1 FROM topics WHERE id = ?2)
            AND EXISTS (SELECT 1 FROM users WHERE id = ?1)
         ON CONFLICT (user_id, topic_id)
         DO UPDATE SET message_id = max(topic_reads.message_id, excluded.message_id)",
    )?;
    for &((user, topic), id) in marks {
        stmt.execute(params![user, topic, id])?;
    }
    Ok(())
}

/// Every message of `forum_id` so far is read by `user`. False when the
/// forum does not exist.
pub fn mark_forum(tx: &Conn, user: i64, forum_id: i64) -> crate::db::Result<bool> {
    let n = tx.execute(
        "INSERT INTO forum_reads (user_id, forum_id, message_id)
         SELECT ?1, id, coalesce(last_message_id, 0) FROM forums WHERE id = ?2
         ON CONFLICT (user_id, forum_id)
         DO UPDATE SET message_id = max(forum_reads.message_id, excluded.message_id)",
        params![user, forum_id],
    )?;
    Ok(n > 0)
}

/// Every message so far is read by `user`.
pub fn mark_all(tx: &Conn, user: i64) -> crate::db::Result<()> {
    tx.execute(
        "UPDATE users
            SET read_before = max(read_before, (SELECT coalesce(max(id), 0) FROM messages))
          WHERE id = ?1",
        params![user],
    )?;
    Ok(())
}
