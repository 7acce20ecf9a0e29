//! Topic SQL.

use crate::db::{Conn, OptionalExtension};
use crate::messages::queries::REPEAT_WINDOW;
use crate::params;

use crate::db::now;

/// A topic as a forum page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicRow {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub created_at: i64,
    pub message_count: i64,
    pub locked: bool,
    pub last_message_id: i64,
    pub last_author: String,
    /// The last poster's picture (its hash), if they uploaded one.
    pub last_avatar: Option<String>,
    pub last_at: i64,
}

impl TopicRow {
    pub fn replies(&self) -> i64 {
        (self.message_count - 1).max(0)
    }
}

/// One page of a forum's topics, most recent last message first: the `limit`
/// after the first `offset`. Neither finding the page nor the joins walk the
/// topics before it: `first_of_page` finds the last message id the page
/// starts at, and only the page's own rows are joined. Page 1 needs neither.
pub fn page(
    conn: &Conn,
    forum_id: i64,
    offset: i64,
    limit: u32,
) -> crate::db::Result<Vec<TopicRow>> {
    let first = if offset == 0 {
        Some(i64::MAX)
    } else {
        first_of_page(conn, forum_id, offset)?
    };
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.title, a.username, t.created_at, t.message_count, t.locked,
                m.id, lu.username, m.created_at, lu.avatar
           FROM topics t
           JOIN users a ON a.id = t.author_id
           JOIN messages m ON m.id = t.last_message_id
           JOIN users lu ON lu.id = m.author_id
          WHERE t.forum_id = ?1 AND t.last_message_id <= ?2
          ORDER BY t.last_message_id DESC
          LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![forum_id, first, limit], |r| {
        Ok(TopicRow {
            id: r.get(0)?,
            title: r.get(1)?,
            author: r.get(2)?,
            created_at: r.get(3)?,
            message_count: r.get(4)?,
            locked: r.get(5)?,
            last_message_id: r.get(6)?,
            last_author: r.get(7)?,
            last_at: r.get(8)?,
            last_avatar: r.get(9)?,
        })
    })?;
    rows.collect()
}

/// The last message id of the topic at `offset` (most recent first), or
/// `None` past the last topic: `start` names its bucket, then a skip inside
/// that bucket over the covering index `topics_by_activity` (no join).
fn first_of_page(conn: &Conn, forum_id: i64, offset: i64) -> crate::db::Result<Option<i64>> {
    let Some((below, skip)) = start(conn, forum_id, offset)? else {
        return Ok(None);
    };
    conn.prepare_cached(
        "SELECT last_message_id FROM topics
          WHERE forum_id = ?1 AND last_message_id < ?2
          ORDER BY last_message_id DESC
          LIMIT 1 OFFSET ?3",
    )?
    .query_row(params![forum_id, below, skip], |r| r.get(0))
    .optional()
}

/// Bucket `b` holds the topics whose last message id is `b << BUCKET_BITS`
/// to `((b + 1) << BUCKET_BITS) - 1` (the `>> 10` of schema.sql).
const BUCKET_BITS: u32 = 10;

/// Where the topic at `offset` (most recent first) is: every topic before it
/// in the bucket has a last message below the returned bound, and it comes
/// after skipping the returned count of them. `None` past the last topic.
///
/// Sums bucket counts from whichever end of the forum is nearer, so the
/// walk is at most half the buckets (one per 1,024 messages) and never the
/// topics; the skip that follows stays inside one bucket (at most 1,023).
fn start(conn: &Conn, forum_id: i64, offset: i64) -> crate::db::Result<Option<(i64, i64)>> {
    let total: Option<i64> = conn
        .prepare_cached("SELECT topic_count FROM forums WHERE id = ?1")?
        .query_row([forum_id], |r| r.get(0))
        .optional()?;
    let total = total.unwrap_or(0);
    if offset < 0 || offset >= total {
        return Ok(None);
    }
    // From the end, the same topic is number `total - 1 - offset`, oldest first.
    let from_end = offset >= total / 2;
    let wanted = if from_end { total - 1 - offset } else { offset };
    let sql = if from_end {
        "SELECT bucket, topics FROM topic_buckets WHERE forum_id = ?1 ORDER BY bucket"
    } else {
        "SELECT bucket, topics FROM topic_buckets WHERE forum_id = ?1 ORDER BY bucket DESC"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut before = 0;
    let mut found = None;
    stmt.for_each([forum_id], |b| {
        let (bucket, count): (i64, i64) = (b.get(0)?, b.get(1)?);
        if before + count > wanted {
            let inside = wanted - before;
            let skip = if from_end { count - 1 - inside } else { inside };
            found = Some(((bucket + 1) << BUCKET_BITS, skip));
            return Ok(false);
        }
        before += count;
        Ok(true)
    })?;
    Ok(found)
}

/// A topic's own fields, with its forum's name and its opening message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    pub id: i64,
    pub forum_id: i64,
    pub forum_name: String,
    pub title: String,
    pub author_id: i64,
    pub locked: bool,
    pub message_count: i64,
    pub first_message_id: i64,
}

pub fn by_id(conn: &Conn, id: i64) -> crate::db::Result<Option<Topic>> {
    conn.prepare_cached(
        "SELECT t.id, t.forum_id, f.name, t.title, t.author_id, t.locked, t.message_count,
                (SELECT min(id) FROM messages WHERE topic_id = t.id)
           FROM topics t JOIN forums f ON f.id = t.forum_id
          WHERE t.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Topic {
            id: r.get(0)?,
            forum_id: r.get(1)?,
            forum_name: r.get(2)?,
            title: r.get(3)?,
            author_id: r.get(4)?,
            locked: r.get(5)?,
            message_count: r.get(6)?,
            first_message_id: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
        })
    })
    .optional()
}

/// A topic just created: its id, its opening message's, and whether it was
/// there already (the same form sent twice: nothing was written).
pub struct Created {
    pub topic_id: i64,
    pub message_id: i64,
    pub repeated: bool,
}

/// Creates a topic and its opening message; `None` when the forum is gone.
/// The same title and text from the same author in the same forum within
/// `REPEAT_WINDOW` seconds is the topic they just created.
pub fn create(
    conn: &Conn,
    forum_id: i64,
    author_id: i64,
    title: &str,
    body: &crate::markdown::Body,
) -> crate::db::Result<Option<Created>> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM forums WHERE id = ?1)")?
        .query_row([forum_id], |r| r.get(0))?;
    if !exists {
        return Ok(None);
    }
    let at = now();
    let same: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT t.id, m.id FROM messages m JOIN topics t ON t.id = m.topic_id
              WHERE m.id = (SELECT id FROM messages WHERE author_id = ?1 ORDER BY id DESC LIMIT 1)
                AND m.position = 1 AND t.forum_id = ?2 AND t.title = ?3 AND m.body = ?4
                AND ?5 - m.created_at <= ?6",
        )?
        .query_row(
            params![author_id, forum_id, title, body.source, at, REPEAT_WINDOW],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((topic_id, message_id)) = same {
        return Ok(Some(Created {
            topic_id,
            message_id,
            repeated: true,
        }));
    }
    let topic_id: i64 = conn
        .prepare_cached(
            "INSERT INTO topics (forum_id, author_id, title, created_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
        )?
        .query_row(params![forum_id, author_id, title, at], |r| r.get(0))?;
    let message_id = crate::messages::queries::insert(conn, topic_id, author_id, body, at)?;
    Ok(Some(Created {
        topic_id,
        message_id,
        repeated: false,
    }))
}

/// Sets the lock; `None` when there is no such topic, else its forum.
pub fn set_locked(conn: &Conn, id: i64, locked: bool) -> crate::db::Result<Option<i64>> {
    conn.prepare_cached("UPDATE topics SET locked = ?2 WHERE id = ?1 RETURNING forum_id")?
        .query_row(params![id, locked], |r| r.get(0))
        .optional()
}

/// Deletes a topic with its messages; returns its forum, `None` if missing.
pub fn delete(conn: &Conn, id: i64) -> crate::db::Result<Option<i64>> {
    let forum: Option<i64> = conn
        .prepare_cached("SELECT forum_id FROM topics WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if forum.is_some() {
        conn.prepare_cached("DELETE FROM messages WHERE topic_id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM topics WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(forum)
}

#[cfg(test)]
mod tests {
    //! The bucket walk against the plain `ORDER BY ... OFFSET` it replaces,
    //! on a forum whose topics spread over many buckets, for every offset,
    //! after replies, message deletions and topic deletions.

    use super::*;
    use crate::db::Db;
    use crate::forums::queries::{self as forums, Saved};
    use crate::markdown::Body;
    use crate::messages::queries as messages;

    fn reference(conn: &Conn, forum_id: i64) -> Vec<i64> {
        conn.prepare("SELECT id FROM topics WHERE forum_id = ?1 ORDER BY last_message_id DESC")
            .unwrap()
            .query_map([forum_id], |r| r.get(0))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap()
    }

    fn assert_every_page(conn: &Conn, forum_id: i64, when: &str) {
        let all = reference(conn, forum_id);
        for offset in 0..=all.len() + 1 {
            let got: Vec<i64> = page(conn, forum_id, offset as i64, 20)
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect();
            let want = &all[offset.min(all.len())..(offset + 20).min(all.len())];
            assert_eq!(got, want, "{when}: offset {offset} of {}", all.len());
        }
        // Positions stay 1, 2, 3, ... in id order in every topic.
        let gaps: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT position, row_number() OVER
                   (PARTITION BY topic_id ORDER BY id) AS n FROM messages) WHERE position <> n",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(gaps, 0, "{when}: positions dense");
    }

    #[test]
    fn forum_pages_from_buckets_match_a_plain_offset_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("t.db"), &crate::db::DbConfig::default()).unwrap();
        db.between_writes(|conn| {
            let raw = conn.lite().unwrap().unchecked_transaction()?;
            let tx = crate::db::Conn::Lite(&raw);
            let user = crate::auth::queries::create_user(&tx, "someone", "!", false)?
                .unwrap()
                .id;
            let Saved::Done(forum) = forums::create(&tx, "F", "")? else {
                panic!("forum")
            };
            let Saved::Done(other) = forums::create(&tx, "G", "")? else {
                panic!("forum")
            };
            let (b, r) = (Body::new("b".into()), Body::new("r".into()));
            let mut topics = Vec::new();
            for i in 0..300 {
                let f = if i % 7 == 0 { other } else { forum };
                topics.push(
                    create(&tx, f, user, &format!("t{i}"), &b)?
                        .unwrap()
                        .topic_id,
                );
            }
            // Replies to scattered topics: last messages over ~10 buckets.
            let mut seed: u64 = 42;
            let mut replies = Vec::new();
            for _ in 0..10_000 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let t = topics[((seed >> 33) % topics.len() as u64) as usize];
                replies.push(messages::insert(&tx, t, user, &r, 0)?);
            }
            raw.commit()?;
            assert_every_page(conn, forum, "after replies");
            // Deleting a topic's last reply moves it back, maybe to an older bucket.
            for &m in replies.iter().rev().step_by(97).take(40) {
                messages::delete(conn, m)?;
            }
            assert_every_page(conn, forum, "after message deletions");
            for &t in topics.iter().step_by(11) {
                delete(conn, t)?;
            }
            assert_every_page(conn, forum, "after topic deletions");
            assert_every_page(conn, other, "the other forum");
            let buckets: i64 = conn.query_row(
                "SELECT sum(topics) FROM topic_buckets WHERE forum_id = ?1",
                [forum],
                |r| r.get(0),
            )?;
            assert_eq!(buckets, reference(conn, forum).len() as i64);
            Ok(())
        })
        .unwrap();
    }
}
