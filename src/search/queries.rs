//! Search SQL: the matches of an FTS5 query, newest first, with their
//! excerpts.

use std::time::{Duration, Instant};

use crate::db::Conn;
use crate::params;

/// What the excerpts put around each word found: control characters, which
/// no stored text holds (`invisible` removes them on the way in), so the
/// view can tell them from the text it escapes.
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

/// How many words of the body an excerpt shows at most.
const EXCERPT_WORDS: u32 = 24;

/// One message found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// The title with the words found marked, when the message opens its
    /// topic (the title is indexed with that message only).
    pub marked_title: Option<String>,
    pub forum_id: i64,
    pub forum_name: String,
    pub author: String,
    pub created_at: i64,
    /// A part of the body around the words found, marked.
    pub excerpt: String,
}

/// How long one search may run. Almost every search takes a few
/// milliseconds on a million messages; what takes longer (a phrase of
/// common words that never occur together, whose every occurrence is
/// read; several short prefixes) is stopped and said to be too broad, so
/// no search holds a read connection much longer than this (SQLite and
/// FTS5 look at the clock between steps: stopped searches end within
/// about 10 ms of it).
pub const BUDGET: Duration = Duration::from_millis(40);

/// Virtual-machine steps between two looks at the clock.
const STEPS_BETWEEN_CHECKS: i32 = 100;

/// The `limit` matches of `query` after the first `offset`, or `None` when
/// finding them would take more than `budget` (`BUDGET`).
pub fn hits_within_budget(
    conn: &Conn,
    query: &str,
    offset: i64,
    limit: u32,
    budget: Duration,
) -> crate::db::Result<Option<Vec<Hit>>> {
    let found = match conn.lite() {
        Some(lite) => {
            let deadline = Instant::now() + budget;
            lite.progress_handler(
                STEPS_BETWEEN_CHECKS,
                Some(move || Instant::now() > deadline),
            )?;
            let found = hits(conn, query, offset, limit);
            // The connection goes back to the pool: the next user gets none.
            lite.progress_handler(0, None::<fn() -> bool>)?;
            found
        }
        None => {
            // PostgreSQL stops the statement itself; the setting ends with
            // the read transaction.
            conn.execute_batch(&format!(
                "SET LOCAL statement_timeout = {}",
                budget.as_millis().max(1)
            ))?;
            hits(conn, query, offset, limit)
        }
    };
    match found {
        Err(e) if e.is_interrupted() => Ok(None),
        other => other.map(Some),
    }
}

/// The `limit` matches of `query` (an FTS5 query from `query::to_match`)
/// after the first `offset`, newest first. FTS5 walks its lists of message
/// ids from the highest down and stops at the page's end, so a page costs
/// about the same for a word in ten messages or in a million; only the
/// page's rows are joined and excerpted.
pub fn hits(conn: &Conn, query: &str, offset: i64, limit: u32) -> crate::db::Result<Vec<Hit>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT h.rowid, h.title, h.excerpt, m.topic_id, t.title, f.id, f.name, u.username,
                m.created_at
           FROM (SELECT rowid,
                        highlight(search, 0, char(2), char(3)) AS title,
                        snippet(search, 1, char(2), char(3), '…', {EXCERPT_WORDS}) AS excerpt
                   FROM search WHERE search MATCH ?1
                  ORDER BY rowid DESC LIMIT ?2 OFFSET ?3) AS h
           JOIN messages m ON m.id = h.rowid
           JOIN topics t ON t.id = m.topic_id
           JOIN forums f ON f.id = t.forum_id
           JOIN users u ON u.id = m.author_id
          ORDER BY h.rowid DESC"
    ))?;
    let rows = stmt.query_map(params![query, limit, offset], |r| {
        Ok(Hit {
            id: r.get(0)?,
            marked_title: r.get::<_, Option<String>>(1)?.filter(|t| !t.is_empty()),
            excerpt: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            topic_id: r.get(3)?,
            topic_title: r.get(4)?,
            forum_id: r.get(5)?,
            forum_name: r.get(6)?,
            author: r.get(7)?,
            created_at: r.get(8)?,
        })
    })?;
    rows.collect()
}

/// Every forum's id and name, by name, for the form's choice of forum.
pub fn forums(conn: &Conn) -> crate::db::Result<Vec<(i64, String)>> {
    conn.prepare_cached("SELECT id, name FROM forums ORDER BY name")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
