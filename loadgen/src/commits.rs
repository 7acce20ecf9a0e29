//! `commits`: how fast causerie takes replies with durable group commit
//! (`synchronous=FULL`, the writes waiting for the writer in one commit),
//! beside the old way (`synchronous=NORMAL`, a transaction per write, which
//! a power loss can undo) and beside durable commits without grouping
//! (`synchronous=FULL`, a transaction and a sync per write), in one run, each
//! on a fresh database:
//!
//! - latency: replies at a fixed 200/s (open loop), the POST's answer time;
//! - throughput: 32 members post replies back to back across 100 topics,
//!   with 100 sockets watching (one per topic), for the phase's length;
//! - then the server is killed (SIGKILL) and the database file is read: every
//!   reply answered 303 must be in it.
//!
//! ```text
//! cargo build --release --bin causerie
//! cargo run --release --bin commits -- [--duration 10] [--smoke]
//! ```

// Shared with `loadgen`; not every helper is used here.
#[allow(dead_code)]
mod fleet;
#[allow(dead_code)]
mod http;
#[allow(dead_code)]
mod proc;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleet::{Fleet, Watcher};
use proc::{ChildGuard, ScratchDir, wait_healthy};

const ADMIN_PASSWORD: &str = "commits-admin-password";
const MEMBER_PASSWORD: &str = "commits-member-password";
const MEMBERS: usize = 32;
const TOPICS: usize = 100;
const FIXED_RATE: u32 = 200;
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// What the run is expected to reach.
const TARGET_RATE: f64 = 2000.0;
const TARGET_P99_MS: f64 = 50.0;

struct Opts {
    duration: u64,
    port: u16,
    server_bin: PathBuf,
}

/// One way of committing, and what the server is told to get it.
struct Mode {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
}

const MODES: &[Mode] = &[
    Mode {
        name: "group commit, FULL",
        env: &[],
    },
    Mode {
        name: "per write, FULL",
        env: &[("CAUSERIE_WRITE_BATCH", "1")],
    },
    Mode {
        name: "per write, NORMAL",
        env: &[
            ("CAUSERIE_SYNCHRONOUS", "normal"),
            ("CAUSERIE_WRITE_BATCH", "1"),
        ],
    },
];

#[derive(Default)]
struct Figures {
    /// Throughput phase.
    replies: usize,
    failed: usize,
    per_second: f64,
    /// Fixed-rate phase: answer times in microseconds.
    fixed_sent: usize,
    fixed_ok: usize,
    p50: u32,
    p99: u32,
    max: u32,
    /// Frames the watchers received.
    frames: u64,
    /// Replies answered 303, and how many of them the file holds after the kill.
    acked: usize,
    on_disk: usize,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        duration: 10,
        port: 62080,
        server_bin: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("causerie")))
            .unwrap_or_else(|| PathBuf::from("target/release/causerie")),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--duration" => o.duration = value()?.parse().map_err(|_| "--duration: seconds")?,
            "--port" => o.port = value()?.parse().map_err(|_| "--port: a port")?,
            "--server-bin" => o.server_bin = value()?.into(),
            "--smoke" => o.duration = 2,
            _ => {
                return Err(format!(
                    "usage: commits [--duration SECS] [--smoke] [--port P] [--server-bin PATH]\n\
                     unknown argument {a:?}"
                ));
            }
        }
    }
    if !(1..=120).contains(&o.duration) {
        return Err("--duration: 1 to 120 seconds".into());
    }
    Ok(o)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let _ = proc::raise_nofile();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Seeding, two phases and the count, per mode: always bounded.
    let cap = Duration::from_secs(MODES.len() as u64 * (180 + 2 * opts.duration));
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = tokio::time::timeout(cap, run(&opts)) => r.unwrap_or_else(|_| Err(format!("gave up after {cap:?}"))),
            _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("commits: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(opts: &Opts) -> Result<bool, String> {
    if !opts.server_bin.is_file() {
        return Err(format!(
            "{} not found: cargo build --release --bin causerie, or --server-bin",
            opts.server_bin.display()
        ));
    }
    let scratch = ScratchDir::new()?;
    println!(
        "commits: {MEMBERS} members, {TOPICS} topics, {TOPICS} sockets; {} s at {FIXED_RATE}/s, \
         then {} s at full speed; load before: {}",
        opts.duration,
        opts.duration,
        load()
    );
    let mut all = Vec::new();
    for (i, mode) in MODES.iter().enumerate() {
        let dir = scratch.0.join(format!("mode{i}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("\n== {} ", mode.name);
        let f = bench(opts, mode, &dir, opts.port + i as u16).await?;
        all.push((mode.name, f));
    }
    println!("\nload after: {}", load());
    println!(
        "\n{:<20} {:>10} {:>9} {:>9} {:>9} {:>9} {:>16}",
        "", "replies/s", "p50 ms", "p99 ms", "max ms", "frames", "on disk / acked"
    );
    for (name, f) in &all {
        println!(
            "{:<20} {:>10.0} {:>9.1} {:>9.1} {:>9.1} {:>9} {:>16}",
            name,
            f.per_second,
            ms(f.p50),
            ms(f.p99),
            ms(f.max),
            f.frames,
            format!("{} / {}", f.on_disk, f.acked)
        );
    }
    let durable = &all[0].1;
    let pass = durable.per_second >= TARGET_RATE
        && ms(durable.p99) < TARGET_P99_MS
        && all
            .iter()
            .all(|(_, f)| f.on_disk == f.acked && f.failed == 0);
    println!(
        "\ntargets (group commit): >= {TARGET_RATE:.0} replies/s, p99 < {TARGET_P99_MS} ms at \
         {FIXED_RATE}/s, nothing answered lost: {}",
        if pass { "met" } else { "NOT met" }
    );
    Ok(pass)
}

fn ms(micros: u32) -> f64 {
    f64::from(micros) / 1000.0
}

/// The machine's load average (others share it).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn bench(opts: &Opts, mode: &Mode, dir: &Path, port: u16) -> Result<Figures, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let db = dir.join("causerie.db");
    let mut env = vec![
        ("CAUSERIE_ADDR", addr.to_string()),
        ("CAUSERIE_DB", db.display().to_string()),
        ("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("RUST_LOG", "warn,causerie::db=debug".into()),
        // 32 members registered from one address, posting flat out: the
        // benchmark measures the writer, not the spam limits.
        ("CAUSERIE_REGISTER_RATE", "100000/1s".into()),
        ("CAUSERIE_POST_RATE", "100000/1s".into()),
        ("CAUSERIE_NEW_ACCOUNT_POST_RATE", "100000/1s".into()),
        // 100 watching sockets and 32 members' connections, all from 127.0.0.1.
        ("CAUSERIE_MAX_SOCKETS_PER_ADDR", "1000".into()),
        ("CAUSERIE_MAX_CONNECTIONS_PER_ADDR", "1000".into()),
    ];
    env.extend(mode.env.iter().map(|(k, v)| (*k, v.to_string())));
    let mut child = ChildGuard::spawn("causerie", &opts.server_bin, &[], &env, dir.join("log"))?;
    wait_healthy(addr, &mut child).await?;

    let (_, admin) = post(
        addr,
        "/login",
        None,
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    )
    .await?;
    let admin = admin.ok_or("admin login set no cookie")?;
    let (at, _) = post(
        addr,
        "/admin/forums",
        Some(&admin),
        &[
            ("name", "Commits"),
            ("description", "Where the benchmark posts"),
        ],
    )
    .await?;
    let forum = number_after(&at, "/forums/").ok_or("no forum id")?;
    let mut topics = Vec::with_capacity(TOPICS);
    for t in 0..TOPICS {
        let (at, _) = post(
            addr,
            &format!("/forums/{forum}/topics"),
            Some(&admin),
            &[
                ("title", &format!("Topic {t}")),
                ("body", "The opening message."),
            ],
        )
        .await?;
        topics.push(number_after(&at, "/topics/").ok_or("no topic id")?);
    }
    let mut members = Vec::with_capacity(MEMBERS);
    for m in 0..MEMBERS {
        let name = format!("member{m}");
        let fields = [
            ("username", name.as_str()),
            ("password", MEMBER_PASSWORD),
            ("password_confirm", MEMBER_PASSWORD),
        ];
        let (_, cookie) = post(addr, "/register", None, &fields).await?;
        members.push(cookie.ok_or("registration set no cookie")?);
    }
    let base = Instant::now();
    let watchers: Vec<Watcher> = topics
        .iter()
        .enumerate()
        .map(|(room, t)| Watcher {
            path: format!("/_ws?view={}", http::encode(&format!("/topics/{t}"))),
            room: room as u32,
            forum: false,
        })
        .collect();
    let fleets = [Fleet::open(&[addr], &watchers, 16, base, 0)];
    for f in &fleets {
        f.wait_settled(Duration::from_secs(60)).await;
    }
    let joined: usize = fleets.iter().map(Fleet::joined).sum();
    println!("seeded: {TOPICS} topics, {MEMBERS} members, {joined}/{TOPICS} sockets watching");

    let members = Arc::new(members);
    let topics = Arc::new(topics);
    let mut f = Figures::default();
    let mut acked = Vec::new();

    // Latency first, on the freshly seeded forum (not in the wake of the
    // burst): an open loop at a fixed rate; times from the scheduled send.
    let count = FIXED_RATE as usize * opts.duration as usize;
    let interval = Duration::from_secs(1) / FIXED_RATE;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let (members, topics) = (members.clone(), topics.clone());
        tasks.spawn(async move {
            let r = reply(
                addr,
                &members[i % MEMBERS],
                topics[i % TOPICS],
                &format!("fixed {i}"),
            )
            .await;
            (r, scheduled.elapsed())
        });
    }
    let mut answers = Vec::with_capacity(count);
    while let Some(r) = tasks.join_next().await {
        let (r, took) = r.map_err(|e| e.to_string())?;
        match r {
            Ok(id) => {
                acked.push(id);
                answers.push(took.as_micros().min(u128::from(u32::MAX)) as u32);
            }
            Err(_) => f.failed += 1,
        }
    }
    answers.sort_unstable();
    f.fixed_sent = count;
    f.fixed_ok = answers.len();
    f.p50 = percentile(&answers, 0.50);
    f.p99 = percentile(&answers, 0.99);
    f.max = answers.last().copied().unwrap_or(0);
    println!(
        "at {FIXED_RATE}/s: {}/{} answered; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        f.fixed_ok,
        f.fixed_sent,
        ms(f.p50),
        ms(f.p99),
        ms(f.max)
    );
    // Throughput: every member posts back to back.
    let until = Instant::now() + Duration::from_secs(opts.duration);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for m in 0..MEMBERS {
        let (members, topics) = (members.clone(), topics.clone());
        tasks.spawn(async move {
            let (mut ids, mut failed) = (Vec::new(), 0);
            let mut n = 0;
            while Instant::now() < until {
                let topic = topics[(m * 31 + n) % TOPICS];
                match reply(addr, &members[m], topic, &format!("m{m} n{n}")).await {
                    Ok(id) => ids.push(id),
                    Err(_) => failed += 1,
                }
                n += 1;
            }
            (ids, failed)
        });
    }
    while let Some(r) = tasks.join_next().await {
        let (ids, failed) = r.map_err(|e| e.to_string())?;
        f.replies += ids.len();
        f.failed += failed;
        acked.extend(ids);
    }
    f.per_second = f.replies as f64 / started.elapsed().as_secs_f64();
    let wal = |db: &Path| {
        let mut p = db.as_os_str().to_owned();
        p.push("-wal");
        std::fs::metadata(p).map_or(0, |m| m.len())
    };
    println!(
        "WAL after the throughput phase: {:.1} MiB",
        wal(&db) as f64 / 1048576.0
    );
    println!(
        "throughput: {} replies in {:.1} s: {:.0}/s ({} failed)",
        f.replies,
        started.elapsed().as_secs_f64(),
        f.per_second,
        f.failed
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    f.frames = fleets.iter().map(Fleet::frames).sum();

    // Killed outright: what it answered must be in the file.
    child.check_running()?;
    child.kill();
    for fleet in fleets {
        fleet.stop().await;
    }
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let truncations = log.matches("truncated").count();
    let passive_behind = log.matches("left frames behind").count();
    let warnings = log.lines().filter(|l| l.contains("WARN")).count();
    let slow = log.matches("a slow commit").count();
    for l in log.lines().filter(|l| l.contains("slow commit")).take(5) {
        println!("  {l}");
    }
    println!(
        "server log: {slow} slow commits, {truncations} WAL truncations by the writer, {passive_behind} passive \
         checkpoints left frames behind, {warnings} warnings"
    );
    f.acked = acked.len();
    f.on_disk = count_on_disk(&db, &acked)?;
    println!(
        "after SIGKILL: {} of {} answered replies in the file",
        f.on_disk, f.acked
    );
    Ok(f)
}

/// How many of `ids` the messages table holds.
fn count_on_disk(db: &Path, ids: &[i64]) -> Result<usize, String> {
    let conn = rusqlite::Connection::open(db).map_err(|e| format!("{}: {e}", db.display()))?;
    let mut stmt = conn
        .prepare("SELECT id FROM messages")
        .map_err(|e| e.to_string())?;
    let present: HashSet<i64> = stmt
        .query_map([], |r| r.get(0))
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(ids.iter().filter(|id| present.contains(id)).count())
}

async fn reply(addr: SocketAddr, cookie: &str, topic: i64, text: &str) -> Result<i64, String> {
    let body = format!(
        "Benchmark reply {text}: a message of ordinary length, a sentence or two about the \
         topic, a question, and a thank-you at the end."
    );
    let path = format!("/topics/{topic}/messages");
    let (at, _) = post(addr, &path, Some(cookie), &[("body", &body)]).await?;
    number_after(&at, "#message-").ok_or_else(|| format!("no message id in {at:?}"))
}

/// POSTs a form, expects a 303; its `Location` and the session cookie it set.
async fn post(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Result<(String, Option<String>), String> {
    let body = http::form(fields);
    let content = ("application/x-www-form-urlencoded", body.as_str());
    let r = http::request(addr, "POST", path, cookie, Some(content), HTTP_TIMEOUT).await?;
    if r.status != 303 {
        return Err(format!("POST {path}: status {}", r.status));
    }
    let at = r.header("location").unwrap_or_default().to_string();
    Ok((at, r.cookie("causerie")))
}

fn number_after(s: &str, prefix: &str) -> Option<i64> {
    let rest = &s[s.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}
