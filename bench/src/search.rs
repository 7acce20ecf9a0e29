//! `pagebench search FILE`: what a search costs on a large database, and
//! what its index weighs. Each query runs as `/search` runs it (the
//! query built by `search::query`, then the first page's 21 matches with
//! their excerpts: `search::queries`), on a connection set up like the
//! server's readers (a 512 KiB page cache; the system's file cache holds
//! the rest). Prints, per query, the matches on the page (21: there are
//! more) and the time of the first run and the median and slowest of 20
//! more.
//!
//! With `--prefix-index SPEC` it also builds a second index over the same
//! messages with FTS5's prefix option `prefix='SPEC'` (e.g. `2 3`; `none`
//! for no prefix lists), and prints its size and the prefix queries' times
//! on it beside the real index's (`prefix='3'`): the measure behind the
//! schema's choice.

use std::path::Path;
use std::time::Instant;

use causerie::search::query::{self, Filters};
use causerie::search::{MAX_PAGES, queries};
use causerie::views::components::PAGE_SIZE;
use rusqlite::{Connection, OptionalExtension};

use crate::words::word;

const RUNS: usize = 20;

fn sql(e: impl std::fmt::Display) -> String {
    format!("database: {e}")
}

/// One query of the benchmark: what it shows, the words, the filters.
struct Case {
    label: String,
    q: String,
    filters: Filters,
}

fn case(label: &str, q: &str, filters: Filters) -> Case {
    Case {
        label: label.to_string(),
        q: q.to_string(),
        filters,
    }
}

pub fn run(file: &Path, prefix_index: Option<&str>) -> Result<(), String> {
    let conn = Connection::open(file).map_err(sql)?;
    conn.pragma_update(None, "cache_size", -512).map_err(sql)?;
    print_sizes(&conn)?;

    let id = |sql_text: &str| -> Result<i64, String> {
        conn.query_row(sql_text, [], |r| r.get(0)).map_err(sql)
    };
    let long = id("SELECT id FROM forums WHERE name = 'Long'")?;
    let bench = id("SELECT id FROM forums WHERE name = 'Bench'")?;
    let author = id("SELECT id FROM users WHERE username = 'author0042'")?;
    let in_forum = |forum| Filters {
        forum: Some(forum),
        author: None,
    };
    let by = Filters {
        forum: None,
        author: Some(author),
    };
    let none = Filters::default();
    let (w0, w1, w2) = (word(0), word(1), word(2));
    let ten: Vec<String> = (0..10).map(word).collect();
    let four_letter_prefixes: Vec<String> =
        (24..26).map(|r| format!("{}*", &word(r)[..4])).collect();
    let cases = [
        case("common word (rank 1)", &w0, none),
        case("frequent word (rank 10)", &word(9), none),
        case("middling word (rank 100)", &word(99), none),
        case("rare word (rank 20,000)", &word(20_000), none),
        case("a word in one message", "12345", none),
        case("accent folded: le finds lé", "le", none),
        case("two common words", &format!("{w0} {w1}"), none),
        case("ten common words", &ten.join(" "), none),
        case(
            "prefix, 3 letters (its own list)",
            &format!("{}*", &word(48)[..3]),
            none,
        ),
        case("prefix, 4 letters", &format!("{}*", &word(48)[..4]), none),
        case(
            "prefix, 4 letters of rank 25",
            &format!("{}*", &word(24)[..4]),
            none,
        ),
        case(
            "two 4-letter prefixes, ranks 25, 26",
            &four_letter_prefixes[..2].join(" "),
            none,
        ),
        case(
            "phrase of two common words",
            &format!("\"{w0} {w1}\""),
            none,
        ),
        case(
            "phrase of five (never together)",
            &format!(
                "\"{}\"",
                (0..5).rev().map(word).collect::<Vec<_>>().join(" ")
            ),
            none,
        ),
        case(
            "phrase of three (rarely together)",
            &format!("\"{w2} {w1} {w0}\""),
            none,
        ),
        case("common word, forum Long (20%)", &w0, in_forum(long)),
        case("common word, forum Bench (80%)", &w0, in_forum(bench)),
        case("rare word, forum Long", &word(20_000), in_forum(long)),
        case("common word, by one author (0.1%)", &w0, by),
        case("rare word, by one author", &word(20_000), by),
    ];
    println!();
    println!(
        "{:<36} {:<28} {:>7} {:>9} {:>9} {:>9}",
        "query", "q", "matches", "first ms", "median ms", "max ms"
    );
    for c in &cases {
        let terms = query::parse(&c.q).map_err(|r| format!("{}: {}", c.q, r.message()))?;
        let expr = query::to_match(&terms, c.filters);
        // As the server searches: stopped past `queries::BUDGET` (None).
        let once = || -> Result<(Option<usize>, f64), String> {
            let started = Instant::now();
            let hits = queries::hits_within_budget(
                &causerie::db::Conn::Lite(&conn),
                &expr,
                0,
                PAGE_SIZE + 1,
                queries::BUDGET,
            )
            .map_err(sql)?;
            Ok((hits.map(|h| h.len()), started.elapsed().as_secs_f64() * 1e3))
        };
        let (total, first) = once()?;
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            times.push(once()?.1);
        }
        times.sort_by(f64::total_cmp);
        let shown: String = c.q.chars().take(28).collect();
        let matches = match total {
            None => "stopped".to_string(),
            Some(n) if n > PAGE_SIZE as usize => format!("{PAGE_SIZE}+"),
            Some(n) => n.to_string(),
        };
        println!(
            "{:<36} {:<28} {:>7} {:>9.2} {:>9.2} {:>9.2}",
            c.label,
            shown,
            matches,
            first,
            times[RUNS / 2],
            times[RUNS - 1]
        );
    }
    deep_page(&conn, &w0)?;
    by_rank(&conn, &w0)?;
    if let Some(spec) = prefix_index {
        prefix_experiment(&conn, spec)?;
    }
    Ok(())
}

/// The database, the index, and the text column the index reads.
fn print_sizes(conn: &Connection) -> Result<(), String> {
    let one = |q: &str| -> Result<i64, String> {
        conn.query_row(q, [], |r| r.get::<_, Option<i64>>(0))
            .map(Option::unwrap_or_default)
            .map_err(sql)
    };
    let messages = one("SELECT count(*) FROM messages")?;
    let db = one("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")?;
    let index = one("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%'")?;
    let text = one("SELECT sum(length(CAST(body_text AS BLOB))) FROM messages")?;
    let with_text = one("SELECT count(*) FROM messages WHERE body_text IS NOT NULL")?;
    let body = one("SELECT sum(length(CAST(body AS BLOB))) FROM messages")?;
    let mb = |b: i64| b as f64 / (1 << 20) as f64;
    println!("messages: {messages}");
    println!("database: {:.1} MiB", mb(db));
    println!(
        "search index (search_data, _idx, _docsize, _config): {:.1} MiB, {:.1}% of the database",
        mb(index),
        100.0 * index as f64 / db as f64
    );
    println!(
        "messages.body_text (the text of the {with_text} messages whose words differ from their source): \
         {:.1} MiB ({:.1}% of the database; the Markdown sources: {:.1} MiB)",
        mb(text),
        100.0 * text as f64 / db as f64,
        mb(body)
    );
    Ok(())
}

/// The last of the 50 pages of a common word: the skip of 980 matches.
fn deep_page(conn: &Connection, w: &str) -> Result<(), String> {
    let expr = query::to_match(
        &query::parse(w).map_err(|r| r.message().to_string())?,
        Filters::default(),
    );
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let offset = i64::from((MAX_PAGES - 1) * PAGE_SIZE);
        let hits = queries::hits(
            &causerie::db::Conn::Lite(conn),
            &expr,
            offset,
            PAGE_SIZE + 1,
        )
        .map_err(sql)?;
        std::hint::black_box(hits);
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "\npage {MAX_PAGES} (the last shown) of the common word, median {:.2} ms",
        times[RUNS / 2]
    );
    Ok(())
}

/// The same word ordered by relevance (FTS5's bm25 `rank`) rather than
/// newest first: every match is scored before the first 20 are known.
fn by_rank(conn: &Connection, w: &str) -> Result<(), String> {
    let expr = query::to_match(
        &query::parse(w).map_err(|r| r.message().to_string())?,
        Filters::default(),
    );
    for (label, order) in [("newest first", "rowid DESC"), ("by rank (bm25)", "rank")] {
        let q = format!(
            "SELECT rowid FROM search WHERE search MATCH ?1 ORDER BY {order} LIMIT {PAGE_SIZE}"
        );
        let mut stmt = conn.prepare(&q).map_err(sql)?;
        let started = Instant::now();
        let runs = 3;
        for _ in 0..runs {
            let ids: Vec<i64> = stmt
                .query_map([&expr], |r| r.get(0))
                .map_err(sql)?
                .collect::<Result<_, _>>()
                .map_err(sql)?;
            std::hint::black_box(ids);
        }
        println!(
            "common word, first 20 ids {label}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3 / f64::from(runs)
        );
    }
    Ok(())
}

/// A second index with the prefix indexes `spec` names (lengths in
/// characters): its size, and the prefix queries on it beside the same on
/// the real one.
fn prefix_experiment(conn: &Connection, spec: &str) -> Result<(), String> {
    let option = match spec {
        "none" => String::new(),
        s if s.chars().all(|c| c.is_ascii_digit() || c == ' ') => format!(", prefix = '{s}'"),
        _ => {
            return Err(format!(
                "prefix lengths {spec:?}: digits and spaces, or none"
            ));
        }
    };
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE name = 'search_prefixed'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?;
    if exists.is_none() {
        let started = Instant::now();
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE search_prefixed USING fts5(
                 title, body, scope,
                 content = 'search_source', content_rowid = 'id',
                 tokenize = 'unicode61 remove_diacritics 2'{option});
             INSERT INTO search_prefixed (search_prefixed) VALUES ('rebuild');"
        ))
        .map_err(sql)?;
        println!(
            "\nprefix index built in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    // The term lists alone (`_data`, `_idx`): the rest does not change.
    let size = |table: &str| -> Result<i64, String> {
        conn.query_row(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN (?1 || '_data', ?1 || '_idx')",
            [table],
            |r| r.get(0),
        )
        .map_err(sql)
    };
    let (plain, prefixed) = (size("search")?, size("search_prefixed")?);
    println!(
        "term lists with prefix='3' (the schema's): {:.1} MiB; with prefix='{spec}': {:.1} MiB",
        plain as f64 / (1 << 20) as f64,
        prefixed as f64 / (1 << 20) as f64
    );
    // Written out: `query::parse` refuses prefixes under 3 letters.
    for prefix in [
        &word(5)[..2],
        &word(48)[..3],
        &word(48)[..4],
        &word(24)[..4],
    ] {
        let expr = format!("{{title body}} : (\"{prefix}\" *)");
        let mut line = format!("{prefix:<6}*");
        for table in ["search", "search_prefixed"] {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ?1
                      ORDER BY rowid DESC LIMIT 21)"
                ))
                .map_err(sql)?;
            let mut times = Vec::new();
            for _ in 0..RUNS {
                let started = Instant::now();
                let n: i64 = stmt.query_row([&expr], |r| r.get(0)).map_err(sql)?;
                std::hint::black_box(n);
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            line.push_str(&format!("  {table}: median {:.2} ms", times[RUNS / 2]));
        }
        println!("{line}");
    }
    Ok(())
}

/// What the index adds to a reply: the median insert of a message (its
/// body already rendered) with the index's triggers, and without them,
/// each in a transaction rolled back.
pub fn write_cost(file: &Path) -> Result<(), String> {
    let mut conn = Connection::open(file).map_err(sql)?;
    let topic: i64 = conn
        .query_row("SELECT max(id) FROM topics", [], |r| r.get(0))
        .map_err(sql)?;
    let mut words = crate::words::Words::new();
    let bodies: Vec<causerie::markdown::Body> = (0..2_000)
        .map(|_| causerie::markdown::Body::new(words.body()))
        .collect();
    let mut median = |drop_triggers: bool| -> Result<f64, String> {
        let tx = conn.transaction().map_err(sql)?;
        if drop_triggers {
            tx.execute_batch(
                "DROP TRIGGER message_indexed; DROP TRIGGER message_reindexing;
                 DROP TRIGGER message_reindexed; DROP TRIGGER message_unindexed;",
            )
            .map_err(sql)?;
        }
        let mut times = Vec::with_capacity(bodies.len());
        for body in &bodies {
            let started = Instant::now();
            causerie::messages::queries::insert(&causerie::db::Conn::Lite(&tx), topic, 1, body, 0)
                .map_err(sql)?;
            times.push(started.elapsed().as_secs_f64() * 1e6);
        }
        tx.rollback().map_err(sql)?;
        times.sort_by(f64::total_cmp);
        Ok(times[times.len() / 2])
    };
    let (with, without) = (median(false)?, median(true)?);
    println!(
        "\na reply's insert (rendered body, in a transaction): {with:.0} us with the index, \
         {without:.0} us without (median of 2,000)"
    );
    Ok(())
}

/// The migration to version 6 on this database made a version 5 one
/// again (no text column, no index): the time `Db::open` takes to derive
/// every message's text and index it.
pub fn migrate(file: &Path) -> Result<(), String> {
    {
        let conn = Connection::open(file).map_err(sql)?;
        conn.execute_batch(
            "DROP TRIGGER message_indexed; DROP TRIGGER message_unindexed;
             DROP TRIGGER message_reindexing; DROP TRIGGER message_reindexed;
             DROP TRIGGER topic_reindexing; DROP TRIGGER topic_reindexed;
             DROP TRIGGER topic_removed_after_its_messages;
             DROP TABLE search; DROP VIEW search_source;
             ALTER TABLE messages DROP COLUMN body_text;
             PRAGMA user_version = 5;
             VACUUM;",
        )
        .map_err(sql)?;
    }
    let before = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    let started = Instant::now();
    let (db, _) = causerie::db::Db::open(file, &causerie::db::DbConfig::default())
        .map_err(|e| e.to_string())?;
    let took = started.elapsed().as_secs_f64();
    drop(db);
    let after: i64 = Connection::open(file)
        .and_then(|c| {
            c.query_row(
                "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
                [],
                |r| r.get(0),
            )
        })
        .map_err(sql)?;
    println!(
        "migration 5 -> 6 of {:.0} MiB: {took:.0} s; the database is then {:.0} MiB",
        before as f64 / (1 << 20) as f64,
        after as f64 / (1 << 20) as f64
    );
    Ok(())
}
