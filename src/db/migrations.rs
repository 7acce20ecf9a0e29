//! The steps from each earlier schema version: SQL files, and for a step that
//! SQL alone cannot do, a Rust function run after the file in the same
//! transaction (all of the step commits, or none of it).

use rusqlite::{Connection, params};

use crate::error::AppResult;

/// One step: a database of version `to - 1` becomes version `to`.
pub struct Migration {
    pub to: i64,
    pub sql: &'static str,
    /// Runs after `sql`, inside its transaction.
    pub then: Option<fn(&Connection) -> AppResult<()>>,
}

/// Every step, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        to: 2,
        sql: include_str!("../../migrations/002.sql"),
        then: None,
    },
    Migration {
        to: 3,
        sql: include_str!("../../migrations/003.sql"),
        then: None,
    },
    Migration {
        to: 4,
        sql: include_str!("../../migrations/004.sql"),
        then: Some(render_old_bodies),
    },
    Migration {
        to: 5,
        sql: include_str!("../../migrations/005.sql"),
        then: None,
    },
    Migration {
        to: 6,
        sql: include_str!("../../migrations/006.sql"),
        then: Some(index_old_messages),
    },
    Migration {
        to: 7,
        sql: include_str!("../../migrations/007.sql"),
        then: None,
    },
    Migration {
        to: 8,
        sql: include_str!("../../migrations/008.sql"),
        then: None,
    },
    Migration {
        to: 9,
        sql: include_str!("../../migrations/009.sql"),
        then: None,
    },
];

/// Messages read and rewritten at a time: bounded memory (at most this many
/// bodies of 20,000 characters) whatever the size of the database.
const BATCH: i64 = 1_000;

/// Version 4: stores each message's HTML as its plain text showed before
/// Markdown (`markdown::plain_text_html`).
fn render_old_bodies(conn: &Connection) -> AppResult<()> {
    derive_for_every_message(conn, "body_html", "rendered", |body, _| {
        Some(crate::markdown::plain_text_html(body))
    })
}

/// Version 6: indexes every message as its source reads (FTS5's rebuild,
/// one pass), then stores the text of those whose words differ (the
/// Markdown ones: a link's address, `**`), which their trigger indexes
/// again. Messages from before Markdown (their HTML is the `.plain` block
/// of version 4) show as typed: their text is their source, less what
/// `invisible` removes.
fn index_old_messages(conn: &Connection) -> AppResult<()> {
    conn.execute("INSERT INTO search (search) VALUES ('rebuild')", [])?;
    tracing::info!("older messages indexed for search as typed");
    derive_for_every_message(conn, "body_text", "indexed by their text", |body, html| {
        let text = if html.starts_with(crate::markdown::PLAIN_HTML_START) {
            crate::markdown::plain_words(body)
        } else {
            crate::markdown::words_of(body)
        };
        crate::markdown::differing_text(body, &text).map(str::to_string)
    })
}

/// Sets `column` of every message to what `derive` makes of its body and
/// HTML, where it makes something. In id order, a batch at a time, each
/// body read once: linear in the size of the messages, memory bounded by
/// the batch. `done_word` says what the log calls it.
fn derive_for_every_message(
    conn: &Connection,
    column: &str,
    done_word: &str,
    derive: fn(&str, &str) -> Option<String>,
) -> AppResult<()> {
    let mut read = conn
        .prepare("SELECT id, body, body_html FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let mut write = conn.prepare(&format!("UPDATE messages SET {column} = ?2 WHERE id = ?1"))?;
    let (mut after, mut done, mut written) = (i64::MIN, 0u64, 0u64);
    loop {
        let batch = read
            .query_map(params![after, BATCH], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let Some(&(last, _, _)) = batch.last() else {
            break;
        };
        for (id, body, html) in &batch {
            if let Some(value) = derive(body, html) {
                write.execute(params![id, value])?;
                written += 1;
            }
        }
        done += batch.len() as u64;
        after = last;
        if done.is_multiple_of(100_000) {
            tracing::info!(messages = done, written, "older messages being {done_word}");
        }
    }
    tracing::info!(messages = done, written, "older messages {done_word}");
    Ok(())
}
