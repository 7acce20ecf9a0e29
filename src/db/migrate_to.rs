//! `causerie migrate-to postgres://...`: copies an SQLite database into an
//! empty PostgreSQL database, nothing lost.
//!
//! * Refused, with nothing written, when the SQLite file is missing or not
//!   at the current schema version (the server migrates it at its start),
//!   when it holds a table this build does not know (it would not be
//!   copied), or when the target already holds causerie data.
//! * The target's schema is created as the server creates it
//!   (`PgDb::open`, schema.pg.sql); then every table is copied with its ids
//!   (binary `COPY`), in an order the foreign keys accept, in ONE
//!   PostgreSQL transaction: all or nothing. SQLite is read in one read
//!   transaction, a consistent snapshot even while a server writes to it.
//! * Counters and derived data: the copy disables the tables' own triggers
//!   (`ALTER TABLE ... DISABLE TRIGGER USER`, inside the transaction, so a
//!   failed copy leaves them enabled) and copies every column as it is:
//!   counters, positions, `topic_buckets` end exactly as in SQLite.
//!   Letting the triggers count instead would update each topic's and
//!   forum's row once per message (a million row versions of one forum row,
//!   none prunable inside the transaction, each update slower than the
//!   last). Disabling a table's triggers needs only to own it, which the
//!   user that created the schema does: no superuser, unlike
//!   `session_replication_role = replica`; the foreign keys stay checked.
//!   `search_index` (FTS5's replacement, which is not copied) is then built
//!   for every message by one `INSERT ... SELECT` through `search_doc`, as
//!   the `message_indexed` trigger would, and the triggers are enabled again.
//! * Secondary indexes are dropped for the copy and built again from their
//!   own definitions (`pg_indexes`) before the commit.
//! * Every identity sequence is moved past its table's highest id.
//! * Before the commit: each table's rows are counted against SQLite's, and
//!   the counters (forums, topics, users) and `topic_buckets` compared row by
//!   row; any difference rolls everything back.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::SCHEMA_VERSION;
use super::sql::Param;

/// Every table of the SQLite schema that is copied, in an order the foreign
/// keys accept (avatars before users, who name them; messages after topics).
pub const TABLES: &[&str] = &[
    "avatars",
    "users",
    "forums",
    "topics",
    "messages",
    "settings",
    "tower_sessions",
    "topic_buckets",
    "login_known",
    "topic_reads",
    "forum_reads",
    "notifications",
    "notify_recount",
    "topic_members",
    "notify_jobs",
    "reports",
];

/// Rows compared one by one between the two databases before the commit:
/// the counters the triggers keep, and the topic buckets.
const COMPARED: &[(&str, &str)] = &[
    (
        "forum counters",
        "SELECT id, topic_count, message_count, last_message_id FROM forums ORDER BY id",
    ),
    (
        "topic counters",
        "SELECT id, message_count, last_message_id FROM topics ORDER BY id",
    ),
    (
        "member counters",
        "SELECT id, message_count, notifications_unread FROM users ORDER BY id",
    ),
    (
        "topic buckets",
        "SELECT forum_id, bucket, topics FROM topic_buckets ORDER BY forum_id, bucket",
    ),
];

/// Why nothing was copied.
#[derive(Debug)]
pub enum Failure {
    /// The source or the target is not fit (nothing written).
    Refused(String),
    /// The copy failed; its transaction was rolled back (the target may
    /// hold the empty schema, which a second run accepts).
    Failed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(why) => write!(f, "refused: {why}"),
            Failure::Failed(why) => write!(f, "failed, nothing copied: {why}"),
        }
    }
}

/// A PostgreSQL error with the server's own message and detail.
fn pg(what: &str) -> impl Fn(postgres::Error) -> Failure + '_ {
    move |e| {
        let text = match e.as_db_error() {
            Some(db) => {
                let mut t = format!("{} ({})", db.message(), db.code().code());
                if let Some(d) = db.detail() {
                    t.push_str(": ");
                    t.push_str(d);
                }
                t
            }
            None => e.to_string(),
        };
        Failure::Failed(format!("{what}: {text}"))
    }
}

/// What was copied.
#[derive(Debug, Default)]
pub struct Summary {
    /// Each table, its rows and the seconds its copy took.
    pub tables: Vec<(String, u64, f64)>,
    /// Rows of `search_index` built.
    pub indexed: u64,
    pub rows: u64,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = self.rows as f64 / self.seconds.max(1e-9);
        write!(
            f,
            "copied {} tables, {} rows in {:.1} s ({:.0} rows/s); search_index: {} messages indexed",
            self.tables.len(),
            self.rows,
            self.seconds,
            rate,
            self.indexed
        )
    }
}

/// Copies the SQLite database at `file` into the PostgreSQL database at
/// `url`; `progress` hears of each step. Runs on a thread of its own (the
/// synchronous PostgreSQL client cannot run on an async runtime's thread).
pub fn run(file: &Path, url: &str, progress: &(dyn Fn(&str) + Sync)) -> Result<Summary, Failure> {
    std::thread::scope(|s| match s.spawn(|| run_here(file, url, progress)).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// `host:port/dbname` of `url`, without its password.
pub fn shown(url: &str) -> String {
    let Ok(config) = url.parse::<postgres::Config>() else {
        return "the PostgreSQL database".into();
    };
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{}",
        config.get_dbname().unwrap_or("(default)")
    )
}

fn run_here(file: &Path, url: &str, progress: &(dyn Fn(&str) + Sync)) -> Result<Summary, Failure> {
    let started = Instant::now();
    let lite = open_source(file)?;
    let counts = source_counts(&lite, file)?;
    let config: postgres::Config = url
        .parse()
        .map_err(|e| Failure::Refused(format!("not a PostgreSQL URL: {e}")))?;
    let target = shown(url);
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|e| Failure::Refused(format!("cannot reach {target}: {e}")))?;
    refuse_if_data(&mut client, &target)?;
    // The schema, as the server creates it (nothing when it is there).
    super::pg::PgDb::open(url, 1)
        .map_err(|e| Failure::Failed(format!("creating the schema: {e}")))?;

    let mut tx = client.transaction().map_err(pg("BEGIN"))?;
    // Taken with the tables' triggers: no other session writes them until
    // the commit. Checked again now that they are held.
    for t in TABLES {
        tx.batch_execute(&format!("ALTER TABLE {t} DISABLE TRIGGER USER"))
            .map_err(pg("disabling the triggers (the tables' owner may)"))?;
    }
    refuse_if_data_tx(&mut tx, &target)?;
    // Secondary indexes (not those of a key or a constraint) are dropped and
    // built again once their table is full, from their own definitions:
    // one sorted build instead of a million insertions each (the GIN index
    // of search_index most of all).
    let _ = tx.batch_execute("SET LOCAL maintenance_work_mem = '256MB'");
    let mut tables: Vec<&str> = TABLES.to_vec();
    tables.push("search_index");
    let deferred: Vec<(String, String)> = tx
        .query(
            "SELECT i.indexname::text, i.indexdef FROM pg_indexes i
              WHERE i.schemaname = current_schema() AND i.tablename::text = ANY($1)
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                 WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)",
            &[&tables],
        )
        .map_err(pg("reading the indexes"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (name, _) in &deferred {
        tx.batch_execute(&format!("DROP INDEX \"{name}\""))
            .map_err(pg("dropping an index until the copy is done"))?;
    }
    let mut summary = Summary::default();
    for t in TABLES {
        let at = Instant::now();
        let n = copy_table(&lite, &mut tx, t)?;
        let secs = at.elapsed().as_secs_f64();
        progress(&format!(
            "{t}: {n} rows in {secs:.1} s ({:.0} rows/s)",
            n as f64 / secs.max(1e-9)
        ));
        summary.rows += n;
        summary.tables.push((t.to_string(), n, secs));
    }
    let at = Instant::now();
    summary.indexed = tx
        .execute(
            "INSERT INTO search_index (message_id, forum_id, author_id, doc)
             SELECT m.id, t.forum_id, m.author_id,
                    search_doc(CASE WHEN m.position = 1 THEN t.title END,
                               coalesce(m.body_text, m.body))
               FROM messages m JOIN topics t ON t.id = m.topic_id",
            &[],
        )
        .map_err(pg("building search_index"))?;
    progress(&format!(
        "search_index: {} messages in {:.1} s",
        summary.indexed,
        at.elapsed().as_secs_f64()
    ));
    let at = Instant::now();
    for (_, definition) in &deferred {
        tx.batch_execute(definition)
            .map_err(pg("building an index again"))?;
    }
    progress(&format!(
        "{} secondary indexes built in {:.1} s",
        deferred.len(),
        at.elapsed().as_secs_f64()
    ));
    for t in TABLES {
        tx.batch_execute(&format!("ALTER TABLE {t} ENABLE TRIGGER USER"))
            .map_err(pg("enabling the triggers"))?;
    }
    move_sequences(&mut tx)?;
    verify(&lite, &mut tx, &counts, summary.indexed)?;
    tx.commit().map_err(pg("COMMIT"))?;
    drop(lite);
    summary.seconds = started.elapsed().as_secs_f64();
    // Statistics for the planner now, rather than at autovacuum's leisure.
    if let Err(e) = client.batch_execute("ANALYZE") {
        progress(&format!("(ANALYZE failed, autovacuum will do it: {e})"));
    }
    Ok(summary)
}

/// The SQLite file, read-only, inside one read transaction (its snapshot
/// holds until the connection is dropped), at the current schema version.
fn open_source(file: &Path) -> Result<Connection, Failure> {
    let shown = file.display();
    if !file.is_file() {
        return Err(Failure::Refused(format!(
            "no SQLite database at {shown} (CAUSERIE_DB names it; default causerie.db)"
        )));
    }
    let lite = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Failure::Refused(format!("cannot open {shown}: {e}")))?;
    let _ = lite.busy_timeout(std::time::Duration::from_secs(10));
    let snapshot = || -> rusqlite::Result<i64> {
        lite.execute_batch("BEGIN")?;
        // The first read takes the snapshot every later read sees.
        lite.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        lite.pragma_query_value(None, "user_version", |r| r.get(0))
    };
    let version = snapshot()
        .map_err(|e| Failure::Refused(format!("{shown} is not a readable SQLite database: {e}")))?;
    if version == 0 {
        return Err(Failure::Refused(format!(
            "{shown} is not a causerie database (no schema)"
        )));
    }
    if version != SCHEMA_VERSION {
        return Err(Failure::Refused(format!(
            "{shown} has schema version {version}, this build's is {SCHEMA_VERSION}: \
             start the server once on it (CAUSERIE_DB={shown}) to migrate it, then run migrate-to again"
        )));
    }
    Ok(lite)
}

/// Each copied table's rows in the snapshot; refused when the file has a
/// table this build would not copy, or lacks one.
fn source_counts(lite: &Connection, file: &Path) -> Result<HashMap<String, u64>, Failure> {
    let err = |e: rusqlite::Error| Failure::Failed(format!("reading {}: {e}", file.display()));
    let names: Vec<String> = lite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(err)?;
    // SQLite's own tables, and the FTS5 index (`search` and its shadow
    // tables), which search_index replaces.
    let skipped = |n: &str| n.starts_with("sqlite_") || n == "search" || n.starts_with("search_");
    if let Some(unknown) = names
        .iter()
        .find(|n| !skipped(n) && !TABLES.contains(&n.as_str()))
    {
        return Err(Failure::Refused(format!(
            "{} has a table this build does not know, {unknown}: it would not be copied",
            file.display()
        )));
    }
    let mut counts = HashMap::new();
    for t in TABLES {
        if !names.iter().any(|n| n == t) {
            return Err(Failure::Refused(format!(
                "{} has no table {t}",
                file.display()
            )));
        }
        let n: i64 = lite
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .map_err(err)?;
        counts.insert(t.to_string(), n as u64);
    }
    Ok(counts)
}

/// Refused when any copied table of the target exists and holds a row.
fn refuse_if_data(client: &mut postgres::Client, target: &str) -> Result<(), Failure> {
    let mut tx = client.transaction().map_err(pg("BEGIN"))?;
    refuse_if_data_tx(&mut tx, target)?;
    tx.rollback().map_err(pg("ROLLBACK"))
}

fn refuse_if_data_tx(tx: &mut postgres::Transaction<'_>, target: &str) -> Result<(), Failure> {
    let mut held = Vec::new();
    for t in TABLES {
        let exists: bool = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[t])
            .map_err(pg("reading the target"))?
            .get(0);
        if !exists {
            continue;
        }
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .map_err(pg("reading the target"))?
            .get(0);
        if n > 0 {
            held.push(format!("{t}: {n}"));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    Err(Failure::Refused(format!(
        "{target} already holds causerie data ({}); migrate-to copies into an empty database only",
        held.join(", ")
    )))
}

/// Copies one table: PostgreSQL's columns (every one of which SQLite must
/// have, and SQLite none more), through binary COPY. Its rows.
fn copy_table(
    lite: &Connection,
    tx: &mut postgres::Transaction<'_>,
    table: &str,
) -> Result<u64, Failure> {
    let shape = tx
        .prepare(&format!("SELECT * FROM {table} LIMIT 0"))
        .map_err(pg(table))?;
    let names: Vec<String> = shape
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let types: Vec<Type> = shape.columns().iter().map(|c| c.type_().clone()).collect();
    let lite_err = |e: rusqlite::Error| Failure::Failed(format!("reading {table}: {e}"));
    let lite_names: Vec<String> = lite
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(lite_err)?;
    if let Some(extra) = lite_names.iter().find(|n| !names.contains(n)) {
        return Err(Failure::Failed(format!(
            "{table}.{extra} has no column in PostgreSQL's schema: it would be lost"
        )));
    }
    let columns = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut select = lite
        .prepare(&format!("SELECT {columns} FROM {table}"))
        .map_err(lite_err)?;
    let sink = tx
        .copy_in(&format!(
            "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .map_err(pg(table))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut rows = select.query([]).map_err(lite_err)?;
    let mut n = 0u64;
    while let Some(row) = rows.next().map_err(lite_err)? {
        let mut values: Vec<Param<'_>> = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            values.push(match row.get_ref(i).map_err(lite_err)? {
                ValueRef::Null => Param::Null,
                ValueRef::Integer(v) => Param::Int(v),
                ValueRef::Real(v) => Param::Real(v),
                ValueRef::Text(b) => Param::Text(std::str::from_utf8(b).map_err(|e| {
                    Failure::Failed(format!("{table}.{name}: text that is not UTF-8: {e}"))
                })?),
                ValueRef::Blob(b) => Param::Blob(b),
            });
        }
        let refs: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        writer.write(&refs).map_err(pg(table))?;
        n += 1;
    }
    writer.finish().map_err(pg(table))?;
    Ok(n)
}

/// Every identity column's sequence moved to its table's highest id, so the
/// next row gets the one after it.
fn move_sequences(tx: &mut postgres::Transaction<'_>) -> Result<(), Failure> {
    let identities = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )
        .map_err(pg("reading the identity columns"))?;
    for row in identities {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        tx.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), max({column}))
                   FROM {table} HAVING max({column}) IS NOT NULL"
            ),
            &[&table, &column],
        )
        .map_err(pg("moving the sequences"))?;
    }
    Ok(())
}

/// Rows counted against SQLite's, counters and buckets compared row by row,
/// every message indexed.
fn verify(
    lite: &Connection,
    tx: &mut postgres::Transaction<'_>,
    counts: &HashMap<String, u64>,
    indexed: u64,
) -> Result<(), Failure> {
    let mut differences = Vec::new();
    for t in TABLES {
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .map_err(pg("verifying"))?
            .get(0);
        if n as u64 != counts[*t] {
            differences.push(format!("{t}: {} rows in SQLite, {n} copied", counts[*t]));
        }
    }
    if indexed != counts["messages"] {
        differences.push(format!(
            "search_index: {indexed} rows for {} messages",
            counts["messages"]
        ));
    }
    for (what, sql) in COMPARED {
        let lite_rows: Vec<Vec<Option<i64>>> = lite
            .prepare(sql)
            .and_then(|mut s| {
                let width = s.column_count();
                s.query_map([], |r| (0..width).map(|i| r.get(i)).collect())?
                    .collect()
            })
            .map_err(|e| Failure::Failed(format!("verifying {what}: {e}")))?;
        let pg_rows: Vec<Vec<Option<i64>>> = tx
            .query(*sql, &[])
            .map_err(pg("verifying"))?
            .iter()
            .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
            .collect();
        if lite_rows != pg_rows {
            let first = lite_rows
                .iter()
                .zip(&pg_rows)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!(": SQLite {a:?}, PostgreSQL {b:?}"))
                .unwrap_or_default();
            differences.push(format!("{what} differ{first}"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "the copy does not match SQLite ({}); rolled back",
            differences.join("; ")
        )))
    }
}
