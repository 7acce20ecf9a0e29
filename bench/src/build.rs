//! Builds the benchmark's database: 1,000,000 messages through the app's own
//! schema, insert queries and triggers, so every count, position and index is
//! what the forum itself would have made.
//!
//! Forum "Bench": 50,000 topics of 16 messages, the replies landing on the
//! topics in a scattered order (so a forum page is not just topic id order);
//! forum "Long": one topic of 200,000 messages, interleaved with the others.
//! One transaction, `synchronous=OFF`: a crash mid-build leaves a file the
//! script never uses (it builds into a temporary name, then renames). Beside
//! the file, FILE.env lists the ids the script needs, as shell variables.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use causerie::forums::queries::{self as forums, Saved};
use causerie::markdown::Body;
use causerie::{auth, messages, topics};
use rusqlite::Connection;

const SCHEMA: &str = include_str!("../../schema.sql");
const TOPICS: i64 = 50_000;
const PER_TOPIC: i64 = 16;
const BIG_TOPIC: i64 = 200_000;
const AUTHORS: i64 = 1_000;
/// A step coprime with `TOPICS`: round r replies to topic (i * STEP) mod TOPICS.
const STEP: i64 = 7_919;

const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in \
reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.";

/// What the messages say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// Lorem ipsum, 60 to 300 characters (the depth benchmark's pages).
    Lorem,
    /// Words of a vocabulary of 30,000 (some accented) drawn with the
    /// frequencies of a natural language (Zipf's law), 10 to 100 of them,
    /// with a little Markdown: what the search benchmark indexes.
    Varied,
}

/// Writes the bodies and titles of one database.
struct Writer {
    text: Text,
    words: crate::words::Words,
}

impl Writer {
    fn body(&mut self, n: i64) -> Body {
        match self.text {
            Text::Lorem => {
                // 60 to 300 characters, so pages weigh what real ones do;
                // rendered as the forum renders what is posted.
                let len = 60 + (n * 37 % 241) as usize;
                Body::new(format!("Message {n}. {}", &LOREM[..len.min(LOREM.len())]))
            }
            Text::Varied => Body::new(format!("Message {n}. {}", self.words.body())),
        }
    }

    fn title(&mut self, slot: i64) -> String {
        match self.text {
            Text::Lorem => format!("Topic {slot} of the bench forum"),
            Text::Varied => format!("Topic {slot}: {}", self.words.sentence(3)),
        }
    }
}

fn sql(e: impl std::fmt::Display) -> String {
    format!("database: {e}")
}

pub fn run(file: &Path, text: Text) -> Result<(), String> {
    if file.exists() {
        return Err(format!("{} exists already", file.display()));
    }
    let started = Instant::now();
    // The app's own schema, as a first start applies it.
    let mut conn = Connection::open(file).map_err(sql)?;
    conn.execute_batch(SCHEMA).map_err(sql)?;
    conn.pragma_update(None, "user_version", causerie::db::SCHEMA_VERSION)
        .map_err(sql)?;
    conn.pragma_update(None, "journal_mode", "DELETE")
        .map_err(sql)?;
    conn.pragma_update(None, "synchronous", "OFF")
        .map_err(sql)?;
    conn.pragma_update(None, "cache_size", -262_144)
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sql)?;
    let tx = conn.transaction().map_err(sql)?;
    let mut writer = Writer {
        text,
        words: crate::words::Words::new(),
    };
    let ids = fill(&tx, &mut writer).map_err(sql)?;
    tx.commit().map_err(sql)?;
    // No ANALYZE: a forum's database has none, and the plans must hold without.
    let mut env = String::new();
    for (name, value) in ids {
        let _ = writeln!(env, "{name}={value}");
    }
    std::fs::write(format!("{}.env", file.display()), env).map_err(|e| e.to_string())?;
    eprintln!(
        "built {} in {:.1} s",
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fills the database; returns the ids the script needs, as shell variables.
fn fill(lite: &Connection, w: &mut Writer) -> causerie::db::Result<Vec<(&'static str, i64)>> {
    let conn = &causerie::db::Conn::Lite(lite);
    let mut authors = Vec::with_capacity(AUTHORS as usize);
    for a in 0..AUTHORS {
        let user = auth::queries::create_user(conn, &format!("author{a:04}"), "!", false)?;
        authors.extend(user.map(|u| u.id));
    }
    let author = |n: i64| authors[(n % AUTHORS) as usize];
    let forum = |name: &str| -> causerie::db::Result<i64> {
        match forums::create(conn, name, "Benchmark data")? {
            Saved::Done(id) => Ok(id),
            other => Err(causerie::db::Error::Other(format!(
                "forum {name}: {other:?}"
            ))),
        }
    };
    let bench = forum("Bench")?;
    let long = forum("Long")?;
    let missing = || causerie::db::Error::NoRows;
    let created = topics::queries::create(conn, long, author(0), "The long one", &w.body(0))?
        .ok_or_else(missing)?;
    let (big, big_first) = (created.topic_id, created.message_id);
    let mut big_last = big_first;
    let mut big_count = 1;
    let mut topic_ids = Vec::with_capacity(TOPICS as usize);
    let mut n = 1;
    let at = causerie::db::now();
    for round in 0..PER_TOPIC {
        for i in 0..TOPICS {
            let slot = i * STEP % TOPICS;
            if round == 0 {
                let title = w.title(slot);
                let created = topics::queries::create(conn, bench, author(n), &title, &w.body(n))?
                    .ok_or_else(missing)?;
                topic_ids.push(created.topic_id);
            } else {
                messages::queries::insert(
                    conn,
                    topic_ids[slot as usize],
                    author(n),
                    &w.body(n),
                    at,
                )?;
            }
            n += 1;
            // One message of the long topic every fourth message, all along.
            if n % 4 == 0 && big_count < BIG_TOPIC {
                big_last = messages::queries::insert(conn, big, author(n), &w.body(n), at)?;
                big_count += 1;
                n += 1;
            }
        }
    }
    while big_count < BIG_TOPIC {
        big_last = messages::queries::insert(conn, big, author(n), &w.body(n), at)?;
        big_count += 1;
        n += 1;
    }
    Ok(vec![
        ("FORUM", bench),
        ("FORUM_TOPICS", TOPICS),
        ("BIG_TOPIC", big),
        ("BIG_MESSAGES", BIG_TOPIC),
        ("BIG_FIRST", big_first),
        ("BIG_LAST", big_last),
        ("MESSAGES", n),
    ])
}
