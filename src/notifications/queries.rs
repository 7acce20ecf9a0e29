//! Notification SQL: mentions' members, jobs, the worker's writes, a
//! member's list, marks, preferences and topic levels.

use std::collections::BTreeSet;

use crate::db::{Conn, OptionalExtension};
use crate::params;

use crate::markdown::Members;

/// Why a member is notified; the lower the stronger (one notification per
/// member and message keeps the strongest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A member reported the message (admins only; always on).
    Report = 0,
    Mention = 1,
    Quote = 2,
    Reply = 3,
}

impl Kind {
    fn of(n: i64) -> Self {
        match n {
            0 => Kind::Report,
            1 => Kind::Mention,
            2 => Kind::Quote,
            _ => Kind::Reply,
        }
    }

    /// Its bit in `users.notify_kinds` (none for reports: admins cannot
    /// turn them off).
    pub fn bit(self) -> i64 {
        match self {
            Kind::Report => 0,
            Kind::Mention => 1,
            Kind::Quote => 2,
            Kind::Reply => 4,
        }
    }
}

/// A member's level in a topic (`topic_members.level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Muted = 0,
    Participant = 1,
    Following = 2,
}

/// The most notifications kept per member; older ones are pruned.
pub const KEPT: i64 = 200;
/// Topic members one worker step notifies of a reply.
pub const STEP: i64 = 1_000;
/// A reply in a topic of at most this many members is notified in its own
/// transaction (`enqueue`); in a larger one, by the worker.
pub const INLINE_MEMBERS: i64 = 64;

/// The members among `names` (lower-cased): one index seek each.
pub fn members_named(conn: &Conn, names: &[String]) -> crate::db::Result<Members> {
    let mut stmt = conn.prepare_cached("SELECT id, username FROM users WHERE username = ?1")?;
    let mut found = Members::new();
    for name in names {
        if let Some((id, username)) = stmt
            .query_row([name], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
        {
            found.insert(name.clone(), (id, username));
        }
    }
    Ok(found)
}

fn joined(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn split(ids: &str) -> Vec<i64> {
    ids.split(',').filter_map(|s| s.parse().ok()).collect()
}

/// Notifies what message `message_id`, written in this transaction, is to
/// notify: at once when that is a few rows (a topic of at most
/// `INLINE_MEMBERS` members, or no replies to tell), answering the members'
/// counts that moved, for their bells; else it records the job (one small
/// row) for the worker, and answers no counts.
pub fn enqueue(
    conn: &Conn,
    message_id: i64,
    mentions: &[i64],
    quotes: &[i64],
    replies: bool,
    now: i64,
) -> crate::db::Result<Vec<(i64, u32)>> {
    let job = Job {
        id: 0,
        message_id,
        mentions: joined(mentions),
        quotes: joined(quotes),
        replies,
        after_user: 0,
    };
    // A small job is done now, in the message's own transaction: a few
    // rows, where the worker would take a transaction (and a disk sync) of
    // its own for each message. A topic with more members is left to it.
    let small = !replies
        || conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM topic_members WHERE topic_id =
                   (SELECT topic_id FROM messages WHERE id = ?1) LIMIT ?2) AS members",
            )?
            .query_row(params![message_id, INLINE_MEMBERS + 1], |r| {
                r.get::<_, i64>(0)
            })?
            <= INLINE_MEMBERS;
    if !small {
        conn.prepare_cached(
            "INSERT INTO notify_jobs (message_id, mentions, quotes, replies)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            job.message_id,
            job.mentions,
            job.quotes,
            job.replies
        ])?;
        return Ok(Vec::new());
    }
    // Done in one step (no row to delete: `id` 0 is no job's).
    let mut touched = BTreeSet::new();
    do_job(conn, &job, now, &mut touched)?;
    pruned_counts(conn, touched)
}

/// Whether the worker has anything to do.
pub fn pending(conn: &Conn) -> crate::db::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM notify_jobs) OR EXISTS (SELECT 1 FROM notify_recount)",
    )?
    .query_row((), |r| r.get(0))
}

struct Job {
    id: i64,
    message_id: i64,
    mentions: String,
    quotes: String,
    replies: bool,
    after_user: i64,
}

/// Does jobs, oldest first, until about `budget` topic members have been
/// gone through (a job of a large topic is done a `STEP` at a time, its
/// place kept in the job). Returns each member whose count may have moved,
/// with their count now, and whether jobs remain.
pub fn work(conn: &Conn, budget: i64, now: i64) -> crate::db::Result<(Vec<(i64, u32)>, bool)> {
    let mut touched = BTreeSet::new();
    let mut spent = 0;
    let mut next = conn.prepare_cached(
        "SELECT id, message_id, mentions, quotes, replies, after_user FROM notify_jobs
          ORDER BY id LIMIT 1",
    )?;
    let more = loop {
        let Some(job) = next
            .query_row((), |r| {
                Ok(Job {
                    id: r.get(0)?,
                    message_id: r.get(1)?,
                    mentions: r.get(2)?,
                    quotes: r.get(3)?,
                    replies: r.get(4)?,
                    after_user: r.get(5)?,
                })
            })
            .optional()?
        else {
            break false;
        };
        if spent >= budget {
            break true;
        }
        spent += do_job(conn, &job, now, &mut touched)?;
    };
    // Counts moved by deletions (a message gone with its notifications).
    for user in conn
        .prepare_cached("DELETE FROM notify_recount RETURNING user_id")?
        .query_map((), |r| r.get::<_, i64>(0))?
    {
        touched.insert(user?);
    }
    let counts = pruned_counts(conn, touched)?;
    // Pruning queued recounts of those just counted.
    conn.prepare_cached("DELETE FROM notify_recount")?
        .execute(())?;
    Ok((counts, more))
}

/// One job, or one step of it; returns how much of the budget it took.
fn do_job(conn: &Conn, job: &Job, now: i64, touched: &mut BTreeSet<i64>) -> crate::db::Result<i64> {
    let message: Option<(i64, i64)> = conn
        .prepare_cached("SELECT topic_id, author_id FROM messages WHERE id = ?1")?
        .query_row([job.message_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((topic_id, author)) = message else {
        finish(conn, job.id)?;
        return Ok(1);
    };
    let mut notify = conn.prepare_cached(
        "INSERT INTO notifications (user_id, message_id, kind, created_at)
         SELECT id, ?2, ?3, ?4 FROM users
          WHERE id = ?1 AND id != ?5 AND status = 'active' AND notify_kinds & ?6 != 0
         ON CONFLICT (user_id, message_id) DO UPDATE SET kind = excluded.kind, unread = 1
          WHERE excluded.kind < notifications.kind
         RETURNING user_id",
    )?;
    let mut one = |user: i64, kind: Kind| -> crate::db::Result<()> {
        let done = notify
            .query_row(
                params![user, job.message_id, kind as i64, now, author, kind.bit()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?;
        touched.extend(done);
        Ok(())
    };
    let mut spent = 1;
    if job.after_user == 0 {
        conn.prepare_cached(
            "INSERT INTO topic_members (topic_id, user_id, level) VALUES (?1, ?2, 1)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![topic_id, author])?;
        for user in split(&job.mentions) {
            one(user, Kind::Mention)?;
        }
        let mut quoted = conn.prepare_cached("SELECT author_id FROM messages WHERE id = ?1")?;
        for message in split(&job.quotes) {
            if let Some(user) = quoted
                .query_row([message], |r| r.get::<_, i64>(0))
                .optional()?
            {
                one(user, Kind::Quote)?;
            }
        }
        spent += 40;
    }
    if !job.replies {
        finish(conn, job.id)?;
        return Ok(spent);
    }
    // The members of this step: those after `after_user`, up to the STEP-th.
    let last: Option<i64> = conn
        .prepare_cached(
            "SELECT user_id FROM topic_members WHERE topic_id = ?1 AND user_id > ?2
              ORDER BY user_id LIMIT 1 OFFSET ?3",
        )?
        .query_row(params![topic_id, job.after_user, STEP - 1], |r| r.get(0))
        .optional()?;
    let upto = last.unwrap_or(i64::MAX);
    let mut replies = conn.prepare_cached(
        "INSERT INTO notifications (user_id, message_id, kind, created_at)
         SELECT m.user_id, ?2, 3, ?3 FROM topic_members m JOIN users u ON u.id = m.user_id
          WHERE m.topic_id = ?1 AND m.user_id > ?4 AND m.user_id <= ?5 AND m.user_id != ?6
            AND u.status = 'active'
            AND (m.level = 2 OR (m.level = 1 AND u.notify_kinds & 4 != 0))
         ON CONFLICT (user_id, message_id) DO NOTHING
         RETURNING user_id",
    )?;
    for user in replies.query_map(
        params![topic_id, job.message_id, now, job.after_user, upto, author],
        |r| r.get::<_, i64>(0),
    )? {
        touched.insert(user?);
    }
    spent += STEP;
    match last {
        Some(last) => {
            conn.prepare_cached("UPDATE notify_jobs SET after_user = ?2 WHERE id = ?1")?
                .execute(params![job.id, last])?;
        }
        None => finish(conn, job.id)?,
    }
    Ok(spent)
}

fn finish(conn: &Conn, job: i64) -> crate::db::Result<()> {
    conn.prepare_cached("DELETE FROM notify_jobs WHERE id = ?1")?
        .execute([job])?;
    Ok(())
}

/// Tells every active admin but `reporter` that `message_id` was reported
/// (again unread if they had read an earlier report of it), in the
/// reporting transaction: admins are few, so it is a handful of rows.
/// Returns the admins' new unread counts, for their bells.
pub fn report_to_admins(
    conn: &Conn,
    message_id: i64,
    reporter: i64,
    now: i64,
) -> crate::db::Result<Vec<(i64, u32)>> {
    let admins = conn
        .prepare_cached(
            "INSERT INTO notifications (user_id, message_id, kind, created_at)
             SELECT id, ?1, 0, ?3 FROM users
              WHERE is_admin = 1 AND status = 'active' AND id != ?2
             ON CONFLICT (user_id, message_id) DO UPDATE
                SET kind = 0, unread = 1, created_at = excluded.created_at
             RETURNING user_id",
        )?
        .query_map(params![message_id, reporter, now], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    pruned_counts(conn, admins)
}

/// Keeps each of `users`' `KEPT` newest notifications and returns their
/// unread counts, for their bells.
fn pruned_counts(
    conn: &Conn,
    users: impl IntoIterator<Item = i64>,
) -> crate::db::Result<Vec<(i64, u32)>> {
    let mut prune = conn.prepare_cached(
        "DELETE FROM notifications WHERE user_id = ?1 AND id <
           (SELECT id FROM notifications WHERE user_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?;
    users
        .into_iter()
        .map(|user| {
            prune.execute(params![user, KEPT - 1])?;
            Ok((user, unread_count(conn, user)?))
        })
        .collect()
}

/// How many notifications `user` has not read (kept by triggers).
pub fn unread_count(conn: &Conn, user: i64) -> crate::db::Result<u32> {
    conn.prepare_cached("SELECT notifications_unread FROM users WHERE id = ?1")?
        .query_row([user], |r| r.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// Every member with unread notifications, and how many.
pub fn all_unread_counts(conn: &Conn) -> crate::db::Result<Vec<(i64, u32)>> {
    conn.prepare("SELECT id, notifications_unread FROM users WHERE notifications_unread > 0")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// One notification as the list shows it.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    pub message_id: i64,
    pub kind: Kind,
    pub created_at: i64,
    pub unread: bool,
    /// Who wrote the message, and in which topic.
    pub actor: String,
    pub topic_title: String,
}

/// `user`'s notifications, newest first: `limit` after `offset`.
pub fn page(conn: &Conn, user: i64, offset: i64, limit: u32) -> crate::db::Result<Vec<Row>> {
    conn.prepare_cached(
        "SELECT n.id, n.message_id, n.kind, n.created_at, n.unread, u.username, t.title
           FROM notifications n
           JOIN messages m ON m.id = n.message_id
           JOIN users u ON u.id = m.author_id
           JOIN topics t ON t.id = m.topic_id
          WHERE n.user_id = ?1 ORDER BY n.id DESC LIMIT ?3 OFFSET ?2",
    )?
    .query_map(params![user, offset, limit], |r| {
        Ok(Row {
            id: r.get(0)?,
            message_id: r.get(1)?,
            kind: Kind::of(r.get(2)?),
            created_at: r.get(3)?,
            unread: r.get(4)?,
            actor: r.get(5)?,
            topic_title: r.get(6)?,
        })
    })?
    .collect()
}

/// How many notifications `user` has (at most `KEPT` and a step's worth).
pub fn count(conn: &Conn, user: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM notifications WHERE user_id = ?1")?
        .query_row([user], |r| r.get(0))
}

/// One of `user`'s notifications.
pub fn by_id(conn: &Conn, user: i64, id: i64) -> crate::db::Result<Option<Row>> {
    let rows = conn
        .prepare_cached(
            "SELECT n.id, n.message_id, n.kind, n.created_at, n.unread, u.username, t.title
               FROM notifications n
               JOIN messages m ON m.id = n.message_id
               JOIN users u ON u.id = m.author_id
               JOIN topics t ON t.id = m.topic_id
              WHERE n.id = ?2 AND n.user_id = ?1",
        )?
        .query_row(params![user, id], |r| {
            Ok(Row {
                id: r.get(0)?,
                message_id: r.get(1)?,
                kind: Kind::of(r.get(2)?),
                created_at: r.get(3)?,
                unread: r.get(4)?,
                actor: r.get(5)?,
                topic_title: r.get(6)?,
            })
        })
        .optional()?;
    Ok(rows)
}

/// Marks one of `user`'s notifications read (`None`: all of them).
pub fn mark_read(conn: &Conn, user: i64, id: Option<i64>) -> crate::db::Result<()> {
    match id {
        Some(id) => conn
            .prepare_cached(
                "UPDATE notifications SET unread = 0 WHERE user_id = ?1 AND id = ?2 AND unread = 1",
            )?
            .execute(params![user, id])?,
        None => conn
            .prepare_cached(
                "UPDATE notifications SET unread = 0 WHERE user_id = ?1 AND unread = 1",
            )?
            .execute([user])?,
    };
    Ok(())
}

/// The kinds `user` is notified of (bits of `Kind::bit`).
pub fn kinds(conn: &Conn, user: i64) -> crate::db::Result<i64> {
    conn.prepare_cached("SELECT notify_kinds FROM users WHERE id = ?1")?
        .query_row([user], |r| r.get(0))
}

pub fn set_kinds(conn: &Conn, user: i64, kinds: i64) -> crate::db::Result<()> {
    conn.prepare_cached("UPDATE users SET notify_kinds = ?2 WHERE id = ?1")?
        .execute(params![user, kinds & 7])?;
    Ok(())
}

/// `user`'s level in `topic`, if any.
pub fn level(conn: &Conn, topic: i64, user: i64) -> crate::db::Result<Option<Level>> {
    conn.prepare_cached("SELECT level FROM topic_members WHERE topic_id = ?1 AND user_id = ?2")?
        .query_row(params![topic, user], |r| r.get::<_, i64>(0))
        .optional()
        .map(|l| {
            l.map(|l| match l {
                0 => Level::Muted,
                2 => Level::Following,
                _ => Level::Participant,
            })
        })
}

/// Sets `user`'s level in `topic`; `None` goes back to what posting gives
/// (a participant if they posted there, else nothing).
pub fn set_level(
    conn: &Conn,
    topic: i64,
    user: i64,
    level: Option<Level>,
) -> crate::db::Result<()> {
    match level {
        Some(level) => conn
            .prepare_cached(
                "INSERT INTO topic_members (topic_id, user_id, level) VALUES (?1, ?2, ?3)
                 ON CONFLICT (topic_id, user_id) DO UPDATE SET level = excluded.level",
            )?
            .execute(params![topic, user, level as i64])?,
        None => {
            let posted: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM messages WHERE author_id = ?2 AND topic_id = ?1)",
                )?
                .query_row(params![topic, user], |r| r.get(0))?;
            if posted {
                conn.prepare_cached(
                    "UPDATE topic_members SET level = 1 WHERE topic_id = ?1 AND user_id = ?2",
                )?
                .execute(params![topic, user])?
            } else {
                conn.prepare_cached(
                    "DELETE FROM topic_members WHERE topic_id = ?1 AND user_id = ?2",
                )?
                .execute(params![topic, user])?
            }
        }
    };
    Ok(())
}
