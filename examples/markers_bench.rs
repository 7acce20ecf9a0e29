//! What one reply costs the writer for the unread markers of members who
//! watch its forum's first page: per member, their forum mark, their topic
//! mark, the seek of their first unread message, and their small frame;
//! beside the shared work of the same reply (the first page's topic list
//! read and rendered once for all), in one run.
//!
//!   cargo run --release --example markers_bench            # 1,000 members
//!   cargo run --release --example markers_bench -- 10000

use std::time::Instant;

use causerie::db::{Db, DbConfig};
use causerie::live::render;
use causerie::reads::{self, ReadMarks, views};
use causerie::topics::queries as topics;
use causerie::views::components::{PAGE_SIZE, Paging};
use rusqlite::{Connection, params};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let members: i64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("markers.db");
    let (_db, _) = Db::open(&path, &DbConfig::default())?;
    let lite = Connection::open(&path)?;
    fill(&lite, members)?;
    let conn = causerie::db::Conn::Lite(&lite);
    let forum = 1;
    let marks = ReadMarks::default();
    let rows = topics::page(&conn, forum, 0, PAGE_SIZE)?;
    let row = rows.first().expect("topics").clone();

    let runs = 20;
    // The shared part: the first page read and rendered once per reply.
    let started = Instant::now();
    for _ in 0..runs {
        let rows = topics::page(&conn, forum, 0, PAGE_SIZE)?;
        let paging = Paging::new(1, 30);
        std::hint::black_box(
            render::forum_first_page(causerie::i18n::Lang::En, forum, &rows, paging, true)
                .into_string(),
        );
    }
    let shared = started.elapsed().as_secs_f64() * 1e6 / f64::from(runs);

    // Per member: as `live::markers::after_change` does for each watcher.
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..runs {
        // As on the writer: the fan-out's reads share one read transaction.
        let tx = lite.unchecked_transaction()?;
        for user in 1..=members {
            let topic = (row.id, row.last_message_id, row.message_count);
            let unread = reads::unread_in_forum(&conn, &marks, user, forum, topic)?;
            let frame = views::topic_update(
                causerie::i18n::Lang::En,
                row.id,
                &row.title,
                unread.as_ref(),
            )
            .into_string();
            bytes += frame.len();
        }
        tx.commit()?;
    }
    let per_reply = started.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
    println!("members watching the forum's first page: {members}");
    println!("shared list, read and rendered once:  {shared:>9.1} us per reply");
    println!(
        "members' own markers:                 {per_reply:>9.1} us per reply ({:.2} us a member, {} B a frame)",
        per_reply / members as f64,
        bytes / (runs as usize * members as usize)
    );
    println!("ratio: {:.1}x the shared part", per_reply / shared);
    Ok(())
}

/// One forum of 30 topics of 40 messages; `members` members, each having
/// read a different part of the topic the reply goes to.
fn fill(conn: &Connection, members: i64) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    for u in 1..=members {
        tx.execute(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES (?1, ?2, 'x', 0)",
            params![u, format!("member{u}")],
        )?;
    }
    tx.execute(
        "INSERT INTO forums (id, name, created_at) VALUES (1, 'Bench', 0)",
        [],
    )?;
    for t in 1..=30 {
        tx.execute(
            "INSERT INTO topics (id, forum_id, author_id, title, created_at) VALUES (?1, 1, 1, ?2, 0)",
            params![t, format!("Topic {t}")],
        )?;
        for p in 1..=40 {
            tx.execute(
                "INSERT INTO messages (topic_id, author_id, body, body_html, created_at, position)
                 VALUES (?1, ?2, 'hello', '<p>hello</p>', 0, ?3)",
                params![t, 1 + (p % members), p],
            )?;
        }
    }
    // Members have read the last topic (the most recent) up to various points.
    let last_topic = 30;
    for u in 1..=members {
        if u % 3 != 0 {
            tx.execute(
                "INSERT INTO topic_reads (user_id, topic_id, message_id)
                 SELECT ?1, ?2, id FROM messages WHERE topic_id = ?2 AND position = ?3",
                params![u, last_topic, 1 + u % 40],
            )?;
        }
    }
    tx.commit()
}
