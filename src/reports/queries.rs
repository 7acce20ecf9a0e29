//! Reports in the database: sending one, the admins' queue, handling it.

use crate::db::{Conn, OptionalExtension};
use crate::params;

use crate::db::now;

/// What came of a member's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Recorded (a second report of the same message replaces the reason).
    Done,
    /// The member has `WAITING_MAX` reports no admin has handled yet.
    TooMany,
}

/// Reports a member may have waiting at once: a member cannot fill the
/// admins' queue, and the queue's size is bounded by the members.
pub const WAITING_MAX: i64 = 20;

/// Records `reporter`'s report of `message_id`.
pub fn send(conn: &Conn, message_id: i64, reporter: i64, reason: &str) -> crate::db::Result<Sent> {
    let already: bool = conn
        .prepare_cached("SELECT 1 FROM reports WHERE message_id = ?1 AND reporter_id = ?2")?
        .query_row(params![message_id, reporter], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    if !already && waiting(conn, reporter)? >= WAITING_MAX {
        return Ok(Sent::TooMany);
    }
    conn.prepare_cached(
        "INSERT INTO reports (message_id, reporter_id, reason, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (message_id, reporter_id) DO UPDATE
            SET reason = excluded.reason, created_at = excluded.created_at",
    )?
    .execute(params![message_id, reporter, reason, now()])?;
    Ok(Sent::Done)
}

/// How many of `reporter`'s reports wait for an admin.
pub fn waiting(conn: &Conn, reporter: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM reports WHERE reporter_id = ?1")?
        .query_row([reporter], |r| r.get(0))
}

/// How many messages wait in the queue.
pub fn reported_count(conn: &Conn) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT count(DISTINCT message_id) FROM reports")?
        .query_row((), |r| r.get(0))
}

/// One reported message in the queue, with every report of it.
#[derive(Clone, Debug)]
pub struct Reported {
    pub message_id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// The topic's opening message: it goes only with its topic.
    pub is_first: bool,
    pub author_id: i64,
    pub author: String,
    pub author_disabled: bool,
    /// The message as its readers see it (sanitised when written).
    pub body_html: String,
    pub created_at: i64,
    pub reports: Vec<Report>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub reporter: String,
    pub reason: String,
    pub created_at: i64,
}

/// Reports shown per reported message in the queue (the newest).
const REPORTS_SHOWN: i64 = 10;

/// A page of the queue: reported messages, most recently reported first.
/// Its cost grows with the reports waiting, which `WAITING_MAX` per member
/// bounds; admins empty it.
pub fn queue(conn: &Conn, offset: i64, limit: i64) -> crate::db::Result<Vec<Reported>> {
    let mut messages = conn
        .prepare_cached(
            "SELECT r.message_id, m.topic_id, t.title, m.position = 1, m.author_id, u.username,
                    u.status = 'disabled', m.body_html, m.created_at
               FROM (SELECT message_id, max(created_at) AS last FROM reports
                      GROUP BY message_id ORDER BY last DESC, message_id DESC
                      LIMIT ?1 OFFSET ?2) r
               JOIN messages m ON m.id = r.message_id
               JOIN topics t ON t.id = m.topic_id
               JOIN users u ON u.id = m.author_id
              ORDER BY r.last DESC, r.message_id DESC",
        )?
        .query_map(params![limit, offset], |r| {
            Ok(Reported {
                message_id: r.get(0)?,
                topic_id: r.get(1)?,
                topic_title: r.get(2)?,
                is_first: r.get(3)?,
                author_id: r.get(4)?,
                author: r.get(5)?,
                author_disabled: r.get(6)?,
                body_html: r.get(7)?,
                created_at: r.get(8)?,
                reports: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut reports = conn.prepare_cached(
        "SELECT u.username, r.reason, r.created_at FROM reports r
           JOIN users u ON u.id = r.reporter_id
          WHERE r.message_id = ?1 ORDER BY r.created_at DESC LIMIT ?2",
    )?;
    for m in &mut messages {
        m.reports = reports
            .query_map(params![m.message_id, REPORTS_SHOWN], |r| {
                Ok(Report {
                    reporter: r.get(0)?,
                    reason: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(messages)
}

/// How many reports `message_id` has.
pub fn count_of(conn: &Conn, message_id: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM reports WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
}

/// Handles `message_id`'s reports without touching the message; how many
/// there were.
pub fn dismiss(conn: &Conn, message_id: i64) -> crate::db::Result<usize> {
    conn.prepare_cached("DELETE FROM reports WHERE message_id = ?1")?
        .execute([message_id])
}
