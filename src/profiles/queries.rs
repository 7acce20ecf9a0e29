//! Profile SQL: a member by name, and their messages newest first.

use crate::db::{Conn, OptionalExtension};
use crate::params;

/// What a profile shows about a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub avatar: Option<String>,
    pub created_at: i64,
    /// Within the hour (see `auth::queries::touch_last_seen`); `None` for
    /// an account not seen since this was kept.
    pub last_seen_at: Option<i64>,
    pub message_count: i64,
}

/// The member called `name`, ignoring case (the column's collation); an
/// account awaiting approval has no profile yet.
pub fn by_name(conn: &Conn, name: &str) -> crate::db::Result<Option<Profile>> {
    conn.prepare_cached(
        "SELECT id, username, avatar, created_at, last_seen_at, message_count
           FROM users WHERE username = ?1 AND status <> 'pending'",
    )?
    .query_row([name], |r| {
        Ok(Profile {
            id: r.get(0)?,
            username: r.get(1)?,
            avatar: r.get(2)?,
            created_at: r.get(3)?,
            last_seen_at: r.get(4)?,
            message_count: r.get(5)?,
        })
    })
    .optional()
}

/// One of a member's messages, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authored {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// Its text as readers see it (no Markdown markup).
    pub body: String,
    pub created_at: i64,
}

/// A page of `author_id`'s messages, newest first: the `limit` after the
/// first `offset` of their `total`. The page's first id is found in
/// `messages_by_author` alone (a skip over index entries, no row read),
/// from whichever end is nearer, then the page is one range of it. A member
/// with 200,000 messages pages as cheaply as one with 20, less that skip
/// (at most 100,000 index entries: about 2 ms).
pub fn page(
    conn: &Conn,
    author_id: i64,
    total: i64,
    offset: i64,
    limit: u32,
) -> crate::db::Result<Vec<Authored>> {
    let (sql, skip) = if offset <= total / 2 {
        (
            "SELECT id FROM messages INDEXED BY messages_by_author
              WHERE author_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2",
            offset,
        )
    } else {
        (
            "SELECT id FROM messages INDEXED BY messages_by_author
              WHERE author_id = ?1 ORDER BY id ASC LIMIT 1 OFFSET ?2",
            total - 1 - offset,
        )
    };
    let first: Option<i64> = conn
        .prepare_cached(sql)?
        .query_row(params![author_id, skip.max(0)], |r| r.get(0))
        .optional()?;
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    conn.prepare_cached(
        "SELECT m.id, m.topic_id, t.title, coalesce(m.body_text, m.body), m.created_at
           FROM messages m INDEXED BY messages_by_author
           JOIN topics t ON t.id = m.topic_id
          WHERE m.author_id = ?1 AND m.id <= ?2
          ORDER BY m.id DESC LIMIT ?3",
    )?
    .query_map(params![author_id, first, limit], |r| {
        Ok(Authored {
            id: r.get(0)?,
            topic_id: r.get(1)?,
            topic_title: r.get(2)?,
            body: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    //! Pages found from either end of the index against a plain OFFSET.

    use super::*;
    use crate::db::Db;
    use crate::forums::queries::{self as forums, Saved};

    #[test]
    fn every_page_from_either_end_matches_a_plain_offset() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("t.db"), &crate::db::DbConfig::default()).unwrap();
        db.between_writes(|conn| {
            let raw = conn.lite().unwrap().unchecked_transaction()?;
            let tx = crate::db::Conn::Lite(&raw);
            let a = crate::auth::queries::create_user(&tx, "a", "!", false)?
                .unwrap()
                .id;
            let b = crate::auth::queries::create_user(&tx, "b", "!", false)?
                .unwrap()
                .id;
            let Saved::Done(forum) = forums::create(&tx, "F", "")? else {
                panic!("forum")
            };
            let topic = crate::topics::queries::create(
                &tx,
                forum,
                a,
                "t",
                &crate::markdown::Body::new("x".into()),
            )?
            .unwrap()
            .topic_id;
            for i in 0..97 {
                let who = if i % 3 == 0 { b } else { a };
                crate::messages::queries::insert(
                    &tx,
                    topic,
                    who,
                    &crate::markdown::Body::new("m".into()),
                    0,
                )?;
            }
            raw.commit()?;
            for author in [a, b] {
                let all: Vec<i64> = conn
                    .prepare("SELECT id FROM messages WHERE author_id = ?1 ORDER BY id DESC")?
                    .query_map([author], |r| r.get(0))?
                    .collect::<crate::db::Result<_>>()?;
                let total: i64 = conn.query_row(
                    "SELECT message_count FROM users WHERE id = ?1",
                    [author],
                    |r| r.get(0),
                )?;
                assert_eq!(total, all.len() as i64, "the trigger's count");
                for offset in 0..all.len() {
                    let got: Vec<i64> = page(conn, author, total, offset as i64, 20)?
                        .iter()
                        .map(|m| m.id)
                        .collect();
                    let want = &all[offset..(offset + 20).min(all.len())];
                    assert_eq!(got, want, "author {author}, offset {offset}");
                }
            }
            Ok(())
        })
        .unwrap();
    }
}
