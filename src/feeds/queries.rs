//! Feed SQL: each feed is one range of an index, `FEED_SIZE` rows long,
//! joined to what its entries name.

use crate::db::{Conn, OptionalExtension};
use crate::params;

/// A message as a feed entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedMessage {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// It opens its topic.
    pub opening: bool,
    pub author: String,
    pub body_html: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// The columns of `FeedMessage`, from `messages m`, `topics t`, `users u`.
macro_rules! message_columns {
    () => {
        "SELECT m.id, m.topic_id, t.title, m.position = 1, u.username,
                m.body_html, m.created_at, m.edited_at
           FROM messages m"
    };
}

const LATEST_MESSAGES: &str = concat!(
    message_columns!(),
    " JOIN topics t ON t.id = m.topic_id
      JOIN users u ON u.id = m.author_id
     ORDER BY m.id DESC LIMIT ?1"
);

const TOPIC_MESSAGES: &str = concat!(
    message_columns!(),
    " INDEXED BY messages_by_topic
      JOIN topics t ON t.id = m.topic_id
      JOIN users u ON u.id = m.author_id
     WHERE m.topic_id = ?1
     ORDER BY m.id DESC LIMIT ?2"
);

const FORUM_TOPICS: &str = "SELECT t.id, t.title, u.username, t.created_at,
        m.body_html, coalesce(m.edited_at, m.created_at)
   FROM topics t INDEXED BY topics_by_forum
   JOIN users u ON u.id = t.author_id
   LEFT JOIN messages m ON m.id = (SELECT min(id) FROM messages WHERE topic_id = t.id)
  WHERE t.forum_id = ?1
  ORDER BY t.id DESC LIMIT ?2";

fn message(r: &crate::db::Row<'_>) -> crate::db::Result<FeedMessage> {
    Ok(FeedMessage {
        id: r.get(0)?,
        topic_id: r.get(1)?,
        topic_title: r.get(2)?,
        opening: r.get(3)?,
        author: r.get(4)?,
        body_html: r.get(5)?,
        created_at: r.get(6)?,
        edited_at: r.get(7)?,
    })
}

/// The site's newest `limit` messages, newest first: the end of the
/// messages' primary key.
pub fn latest_messages(conn: &Conn, limit: u32) -> crate::db::Result<Vec<FeedMessage>> {
    conn.prepare_cached(LATEST_MESSAGES)?
        .query_map([limit], message)?
        .collect()
}

/// A topic's newest `limit` messages, newest first: the end of its range
/// of `messages_by_topic`.
pub fn topic_messages(
    conn: &Conn,
    topic_id: i64,
    limit: u32,
) -> crate::db::Result<Vec<FeedMessage>> {
    conn.prepare_cached(TOPIC_MESSAGES)?
        .query_map(params![topic_id, limit], message)?
        .collect()
}

/// A topic as an entry of its forum's feed: its opening message stands for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedTopic {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub created_at: i64,
    /// The opening message's HTML and when it was last written (`None`: it
    /// was deleted).
    pub opening: Option<(String, i64)>,
}

/// A forum's `limit` newest topics, newest first: the end of its range of
/// `topics_by_forum`.
pub fn forum_topics(conn: &Conn, forum_id: i64, limit: u32) -> crate::db::Result<Vec<FeedTopic>> {
    conn.prepare_cached(FORUM_TOPICS)?
        .query_map(params![forum_id, limit], |r| {
            let html: Option<String> = r.get(4)?;
            let written: Option<i64> = r.get(5)?;
            Ok(FeedTopic {
                id: r.get(0)?,
                title: r.get(1)?,
                author: r.get(2)?,
                created_at: r.get(3)?,
                opening: html.zip(written),
            })
        })?
        .collect()
}

/// What a forum's feed says of the forum itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedForum {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

pub fn forum(conn: &Conn, id: i64) -> crate::db::Result<Option<FeedForum>> {
    conn.prepare_cached("SELECT id, name, description, created_at FROM forums WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(FeedForum {
                id: r.get(0)?,
                name: r.get(1)?,
                description: r.get(2)?,
                created_at: r.get(3)?,
            })
        })
        .optional()
}

/// What a topic's feed says of the topic itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedTopicHead {
    pub id: i64,
    pub title: String,
    pub forum_name: String,
    pub created_at: i64,
}

pub fn topic(conn: &Conn, id: i64) -> crate::db::Result<Option<FeedTopicHead>> {
    conn.prepare_cached(
        "SELECT t.id, t.title, f.name, t.created_at
           FROM topics t JOIN forums f ON f.id = t.forum_id
          WHERE t.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(FeedTopicHead {
            id: r.get(0)?,
            title: r.get(1)?,
            forum_name: r.get(2)?,
            created_at: r.get(3)?,
        })
    })
    .optional()
}

#[cfg(test)]
mod tests {
    //! Each feed's query is one index range: no table scan, no sort.

    use super::*;
    use crate::db::{Db, DbConfig};

    /// How SQLite runs `sql`, its parameters all 1.
    fn plan(conn: &Conn, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let ones = vec![1; sql.matches("?").count()];
        let rows = stmt
            .query_map(crate::db::params_from_iter(ones), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<crate::db::Result<Vec<_>>>()
            .unwrap();
        rows.join("\n")
    }

    #[test]
    fn every_feed_is_one_index_range() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("t.db"), &DbConfig::default()).unwrap();
        db.between_writes(|conn| {
            let [site, topic, forum] =
                [LATEST_MESSAGES, TOPIC_MESSAGES, FORUM_TOPICS].map(|q| plan(conn, q));
            assert!(
                site.starts_with("SCAN m"),
                "the primary key from its end: {site}"
            );
            assert!(topic.contains("messages_by_topic (topic_id=?)"), "{topic}");
            assert!(forum.contains("topics_by_forum (forum_id=?)"), "{forum}");
            for p in [&site, &topic, &forum] {
                assert!(!p.contains("TEMP B-TREE"), "no sort: {p}");
                let scans = p
                    .lines()
                    .filter(|l| l.trim_start().starts_with("SCAN"))
                    .count();
                assert!(scans <= 1, "one range at most: {p}");
            }
            Ok(())
        })
        .unwrap();
    }
}
