//! `loadgen`: how causerie's live updates hold up with many open sockets,
//! compared with a bare axum WebSocket broadcast server (the baseline).
//!
//! For each server (each its own process, so its memory can be read):
//! start it, measure its RSS idle, open N sockets, measure its RSS again,
//! then for each rate post replies over HTTP for a while and time, for every
//! reply and every socket that should show it, how long from the reply's
//! scheduled send until the socket received the frame showing it. causerie
//! runs first; the baseline then sends frames of the sizes causerie's had.
//! Prints a table comparing the two. What the sockets watch: `scenario`.
//!
//! ```text
//! cargo build --release --bin causerie
//! cargo run --release --bin loadgen -- --sockets 10000 --rates 10,30,100 --duration 10
//! cargo run --release --bin loadgen -- --spread
//! cargo run --release --bin loadgen -- --rounds 3
//! cargo run --release --bin loadgen -- --smoke
//! cargo run --release --bin loadgen -- --instances 3 --sockets 10000 --rates 10,30
//! ```
//!
//! `--instances N`: causerie on PostgreSQL (a throwaway server, `pg`), one
//! instance then N sharing one database, sockets and replies spread over
//! them (`instances`).

mod baseline;
mod fleet;
mod http;
mod instances;
mod pg;
mod phase;
mod proc;
mod report;
mod scenario;

use report::{mib, print_phase, print_table};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleet::{Fleet, FrameSizes};
use phase::{Phase, Run};
use proc::{ChildGuard, ScratchDir, wait_healthy};
use scenario::{Janitor, Layout, Poster};

/// The baseline server (this binary) uses causerie's allocator: the memory
/// comparison is then about the live layers, not the allocators.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The same jemalloc settings as causerie's (`src/main.rs`).
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

const ADMIN_PASSWORD: &str = "loadgen-admin-password";
pub(crate) const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// After the last POST, how long deliveries may keep trickling in.
pub(crate) const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// ... and how long without a single new frame ends the wait early.
pub(crate) const DELIVERY_STALL: Duration = Duration::from_secs(10);

const USAGE: &str = "\
usage: loadgen [--sockets N] [--rates R1,R2,..] [--duration SECS] [--spread]
               [--rounds N] [--skip-baseline] [--baseline-one-write] [--smoke] [--port P]
               [--server-bin PATH] [--concurrency C]
       loadgen --instances N [--sockets N] [--rates ..] [--duration SECS]
               [--skip-sqlite] [--skip-baseline] [--pg-script PATH] [...]
       loadgen --baseline-server PORT [--batch] [--journal FILE]
                                   (internal: runs the baseline server)

  --sockets N        sockets (default 10000), all on one topic's first page,
                     whose older replies an admin deletes as new ones come
  --spread           instead: N/10 topics, 20 per forum; 8 sockets on each
                     topic's page, the rest on the forums' first pages;
                     replies round the topics
  --rates LIST       replies per second, one phase each (default 10,30,100)
  --duration SECS    length of each phase (default 10)
  --rounds N         N rounds, each causerie then the baseline (default 1);
                     the targets are judged on the median of the rounds'
                     ratios (p99 at a rate, like any tail on a shared
                     machine, moves between runs of one build)
  --skip-baseline    only measure causerie
  --baseline-durable the baseline first appends each post to a file and
                     syncs it (fdatasync), as a durable write must, then
                     broadcasts: what a broadcast that keeps what it was
                     told costs here (for comparison; the targets are
                     about the bare broadcast)
  --baseline-one-write  the baseline sends each frame on its own (one
                     write each); by default it writes the frames waiting
                     for a socket together (one flush), like causerie
  --smoke            quick check: --sockets 200 --duration 3
  --port P           causerie listens on P, the baseline on P+1 (default 61080)
  --server-bin PATH  causerie binary (default: `causerie` next to loadgen)
  --concurrency C    WebSocket handshakes in flight at once (default 200)

  --instances N      causerie on PostgreSQL, several instances sharing one
                     database: starts a throwaway server (tests/pg.sh), runs
                     the scenario with 1 instance, then with N (ports P+20..),
                     each on a fresh database; socket i connects to instance
                     i % N, reply j is posted through instance j % N. Also
                     runs SQLite (1 instance, port P) and the baseline (P+1)
                     unless skipped; prints one table of all the runs
  --skip-sqlite      with --instances: no SQLite run
  --pg-script PATH   tests/pg.sh (default: the workspace's)

Exit status: 0 when every target is met, 1 when one is missed, other on error.";

#[derive(Clone, Debug)]
struct Opts {
    sockets: usize,
    spread: bool,
    rates: Vec<u32>,
    duration: u32,
    rounds: u32,
    skip_baseline: bool,
    baseline_batching: bool,
    baseline_durable: bool,
    port: u16,
    server_bin: PathBuf,
    concurrency: usize,
    /// `--instances N`: the PostgreSQL comparison.
    instances: Option<usize>,
    skip_sqlite: bool,
    pg_script: PathBuf,
}

enum Mode {
    Bench(Opts),
    Baseline {
        port: u16,
        batch: bool,
        journal: Option<PathBuf>,
    },
}

fn parse_args() -> Result<Mode, String> {
    let mut args = std::env::args().skip(1);
    let default_bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("causerie")))
        .unwrap_or_else(|| PathBuf::from("target/release/causerie"));
    let mut o = Opts {
        sockets: 10_000,
        spread: false,
        rates: vec![10, 30, 100],
        duration: 10,
        rounds: 1,
        skip_baseline: false,
        baseline_batching: true,
        baseline_durable: false,
        port: 61080,
        server_bin: default_bin,
        concurrency: 200,
        instances: None,
        skip_sqlite: false,
        pg_script: pg::default_script(),
    };
    let mut smoke = false;
    let (mut sockets, mut duration) = (None, None);
    fn value<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<T, String> {
        v.ok_or_else(|| format!("{name} needs a value"))?
            .parse()
            .map_err(|_| format!("{name}: not a valid value"))
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--baseline-server" => {
                let port = value(&a, args.next())?;
                let (mut batch, mut journal) = (false, None);
                while let Some(flag) = args.next() {
                    match flag.as_str() {
                        "--batch" => batch = true,
                        "--journal" => journal = Some(value(&flag, args.next())?),
                        other => return Err(format!("unknown baseline argument {other:?}")),
                    }
                }
                return Ok(Mode::Baseline {
                    port,
                    batch,
                    journal,
                });
            }
            "--sockets" => sockets = Some(value(&a, args.next())?),
            "--duration" => duration = Some(value(&a, args.next())?),
            "--rounds" => o.rounds = value(&a, args.next())?,
            "--rates" => {
                let v: String = value(&a, args.next())?;
                o.rates = v
                    .split(',')
                    .map(|r| {
                        r.trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|r| (1..=1000).contains(r))
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or("--rates: a comma-separated list of rates, 1 to 1000 per second")?;
            }
            "--skip-baseline" => o.skip_baseline = true,
            "--spread" => o.spread = true,
            "--baseline-one-write" => o.baseline_batching = false,
            "--baseline-durable" => o.baseline_durable = true,
            "--smoke" => smoke = true,
            "--port" => o.port = value(&a, args.next())?,
            "--server-bin" => o.server_bin = value(&a, args.next())?,
            "--concurrency" => o.concurrency = value(&a, args.next())?,
            "--instances" => o.instances = Some(value(&a, args.next())?),
            "--skip-sqlite" => o.skip_sqlite = true,
            "--pg-script" => o.pg_script = value(&a, args.next())?,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if smoke {
        o.sockets = 200;
        o.duration = 3;
    }
    o.sockets = sockets.unwrap_or(o.sockets);
    o.duration = duration.unwrap_or(o.duration);
    if o.sockets == 0 || o.sockets > 50_000 {
        return Err("--sockets: 1 to 50000".into());
    }
    if !(1..=20).contains(&o.rounds) {
        return Err("--rounds: 1 to 20".into());
    }
    if o.rounds > 1 && o.instances.is_some() {
        return Err("--rounds: not with --instances".into());
    }
    if !(1..=600).contains(&o.duration) {
        return Err("--duration: 1 to 600 seconds".into());
    }
    if o.port == u16::MAX {
        return Err("--port: the baseline needs P+1 too".into());
    }
    if let Some(n) = o.instances {
        if !(1..=16).contains(&n) {
            return Err("--instances: 1 to 16".into());
        }
        if usize::from(o.port) + instances::PORT_OFFSET + n > usize::from(u16::MAX) {
            return Err(format!(
                "--port: the instances need P+{} to P+{}",
                instances::PORT_OFFSET,
                instances::PORT_OFFSET + n - 1
            ));
        }
    }
    Ok(Mode::Bench(o))
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(Mode::Baseline {
            port,
            batch,
            journal,
        }) => {
            let _ = proc::raise_nofile();
            return match baseline::run(port, batch, journal) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("baseline: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Ok(Mode::Bench(o)) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match proc::raise_nofile() {
        Ok(n) => {
            eprintln!("open-files limit: {n}");
            if (n as usize) < opts.sockets + 500 {
                eprintln!(
                    "warning: {n} open files may be too few for {} sockets",
                    opts.sockets
                );
            }
        }
        Err(e) => eprintln!("warning: {e}"),
    }
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
    let cap = total_budget(&opts);
    let outcome = runtime.block_on(async {
        let run = async {
            if opts.instances.is_some() {
                instances::bench(opts.clone()).await
            } else {
                bench(opts.clone()).await
            }
        };
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("SIGTERM handler: {e}"))?;
        tokio::select! {
            r = tokio::time::timeout(cap, run) => r.unwrap_or_else(|_| Err(format!("gave up after {cap:?}"))),
            _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
            _ = term.recv() => Err("terminated".into()),
        }
    });
    // Every child was killed, and PostgreSQL stopped, when their guards
    // dropped inside `bench`.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(pass) => {
            if pass {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An upper bound on the whole run, so it always stops by itself.
fn total_budget(o: &Opts) -> Duration {
    let connect = connect_budget(o.sockets);
    let phases: Duration = o
        .rates
        .iter()
        .map(|_| Duration::from_secs(u64::from(o.duration)) + HTTP_TIMEOUT + DELIVERY_WAIT)
        .sum();
    let per_server = Duration::from_secs(60) + connect + phases;
    let servers = match o.instances {
        Some(n) => {
            // SQLite, PostgreSQL with 1 instance, with N, the baseline; the
            // N instances start one after the other.
            let runs =
                1 + u32::from(!o.skip_sqlite) + u32::from(n > 1) + u32::from(!o.skip_baseline);
            per_server * runs + Duration::from_secs(20 * n as u64 + 60)
        }
        None => per_server * 2 * o.rounds,
    };
    servers + Duration::from_secs(60)
}

fn connect_budget(sockets: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(sockets as u64 * 20)
}

/// Results for one server.
pub(crate) struct Report {
    name: &'static str,
    sockets: usize,
    joined: usize,
    rss_idle: u64,
    rss_open: u64,
    rss_after: u64,
    phases: Vec<Phase>,
}

impl Report {
    fn bytes_per_socket(&self) -> f64 {
        self.rss_open.saturating_sub(self.rss_idle) as f64 / self.joined.max(1) as f64
    }
    /// The same, measured after the phases (buffers kept after bursts).
    fn bytes_per_socket_after(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_idle) as f64 / self.joined.max(1) as f64
    }
    /// Every socket joined, and every reply was posted, stayed on the
    /// watched page and reached every socket exactly once.
    fn all_delivered(&self) -> bool {
        self.joined == self.sockets
            && self.phases.iter().all(|p| {
                p.ok == p.sent
                    && p.off_page == 0
                    && p.delivered == p.expected
                    && p.duplicates == 0
                    && p.expected > 0
            })
    }
}

async fn bench(opts: Opts) -> Result<bool, String> {
    let mut rounds = Vec::new();
    for round in 1..=opts.rounds {
        if opts.rounds > 1 {
            println!("\n######## round {round} of {}", opts.rounds);
        }
        let (pass, reports) = bench_round(&opts).await?;
        rounds.push((pass, report::Ratios::of(&reports)));
    }
    if opts.rounds == 1 {
        return Ok(rounds.pop().is_some_and(|(pass, _)| pass));
    }
    Ok(report::print_rounds(&rounds))
}

/// causerie then the baseline, each on fresh files; whether every target
/// was met in this round, and the two reports.
async fn bench_round(opts: &Opts) -> Result<(bool, Vec<Report>), String> {
    let opts = opts.clone();
    let scratch = ScratchDir::new()?;
    let base = Instant::now();
    println!(
        "loadgen: {} sockets, rates {:?}/s, {} s each{}",
        opts.sockets,
        opts.rates,
        opts.duration,
        if opts.skip_baseline {
            ", no baseline"
        } else {
            ""
        }
    );
    let (causerie, sizes) = bench_causerie(&opts, &scratch, base).await?;
    println!(
        "causerie's frames: message {} bytes, forum list {}, removal {} (mean sizes, sent alike by the baseline)",
        show(sizes.message),
        show(sizes.forum),
        show(sizes.other)
    );
    let mut reports = vec![causerie];
    if !opts.skip_baseline {
        reports.push(bench_baseline(&opts, &scratch, base, sizes).await?);
    }
    let pass = print_table(&opts, &reports);
    Ok((pass, reports))
}

fn total_replies(o: &Opts) -> usize {
    o.rates.iter().map(|r| (r * o.duration) as usize).sum()
}

fn show(size: Option<usize>) -> String {
    size.map_or("-".into(), |s| s.to_string())
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// POSTs a form and expects a 303; answers its `Location`.
pub(crate) async fn post_form(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Result<(String, http::Response), String> {
    let body = http::form(fields);
    let r = http::request(
        addr,
        "POST",
        path,
        cookie,
        Some(("application/x-www-form-urlencoded", &body)),
        HTTP_TIMEOUT,
    )
    .await?;
    if r.status != 303 {
        return Err(format!("POST {path}: status {} (expected 303)", r.status));
    }
    let location = r
        .header("location")
        .ok_or_else(|| format!("POST {path}: 303 without Location"))?
        .to_string();
    Ok((location, r))
}

/// The number right after `prefix` in `s`.
pub(crate) fn number_after(s: &str, prefix: &str) -> Option<i64> {
    let rest = &s[s.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// RSS summed over the server's processes, once it had time to settle.
async fn settle_rss(children: &mut [ChildGuard]) -> Result<u64, String> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    rss_sum(children)
}

fn rss_sum(children: &mut [ChildGuard]) -> Result<u64, String> {
    let mut sum = 0;
    for c in children {
        c.check_running()?;
        sum += c.rss()?;
    }
    Ok(sum)
}

fn cpu_sum(children: &mut [ChildGuard]) -> Result<f64, String> {
    let mut sum = 0.0;
    for c in children {
        c.check_running()?;
        sum += c.cpu_seconds()?;
    }
    Ok(sum)
}

/// Where causerie runs: its database (`CAUSERIE_DB`), how many instances
/// (on ports `port`, `port + 1`, ...), and the database server's pid
/// (PostgreSQL's postmaster) for its CPU.
pub(crate) struct Setup {
    pub tag: &'static str,
    pub db: String,
    pub instances: usize,
    pub port: u16,
    pub db_pid: Option<u32>,
}

async fn bench_causerie(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
) -> Result<(Report, FrameSizes), String> {
    let setup = Setup {
        tag: "sqlite",
        db: scratch.0.join("causerie.db").display().to_string(),
        instances: 1,
        port: opts.port,
        db_pid: None,
    };
    bench_causerie_on(opts, scratch, base, &setup, &mut Vec::new()).await
}

/// The scenario on causerie as `setup` says; the instances' logs are
/// listed in `logs` as they start (read them after, also on failure).
pub(crate) async fn bench_causerie_on(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
    setup: &Setup,
    logs: &mut Vec<PathBuf>,
) -> Result<(Report, FrameSizes), String> {
    let name = "causerie";
    if !opts.server_bin.is_file() {
        return Err(format!(
            "{} not found: build it first (cargo build --release --bin causerie) or pass --server-bin",
            opts.server_bin.display()
        ));
    }
    let addrs: Vec<SocketAddr> = (0..setup.instances)
        .map(|k| addr(setup.port + k as u16))
        .collect();
    let shown: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    println!(
        "\n== {name} ({}) on {}, database {}",
        opts.server_bin.display(),
        shown.join(", "),
        setup.db
    );
    // Every socket comes from 127.0.0.1: the per-address caps (64 sockets,
    // 256 connections by default) must let them all in.
    let sockets = opts.sockets.max(11_000);
    let connections = (opts.sockets + 1_000).max(15_000);
    let mut children = Vec::with_capacity(addrs.len());
    // One after the other: the first makes the schema and the admin.
    for (k, a) in addrs.iter().enumerate() {
        let child_name: &'static str = if setup.instances == 1 {
            name
        } else {
            Box::leak(format!("causerie #{}", k + 1).into_boxed_str())
        };
        let log = scratch
            .0
            .join(format!("{name}-{}-{}.log", setup.tag, k + 1));
        logs.push(log.clone());
        children.push(ChildGuard::spawn(
            child_name,
            &opts.server_bin,
            &[],
            &[
                ("CAUSERIE_MAX_SOCKETS", sockets.to_string()),
                ("CAUSERIE_MAX_SOCKETS_PER_ADDR", sockets.to_string()),
                ("CAUSERIE_MAX_CONNECTIONS", connections.to_string()),
                ("CAUSERIE_MAX_CONNECTIONS_PER_ADDR", connections.to_string()),
                ("CAUSERIE_ADDR", a.to_string()),
                ("CAUSERIE_DB", setup.db.clone()),
                ("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
                ("CAUSERIE_SECURE_COOKIES", "0".into()),
                ("RUST_LOG", "warn".into()),
            ],
            log,
        )?);
        let child = children.last_mut().expect("just pushed");
        wait_healthy(*a, child).await?;
    }
    if setup.instances > 1 {
        let pids: Vec<String> = children.iter().map(|c| c.pid().to_string()).collect();
        println!(
            "{} instances up (pids {})",
            setup.instances,
            pids.join(", ")
        );
    }

    // Sessions live in the database: one login serves every instance.
    let (_, login) = post_form(
        addrs[0],
        "/login",
        None,
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    )
    .await?;
    let cookie = login
        .cookie("causerie")
        .ok_or("login set no `causerie` cookie")?;
    let mut layout = Layout::new(opts.sockets, opts.spread, total_replies(opts));
    let started = Instant::now();
    let (topics, forums) = scenario::seed(addrs[0], &cookie, &layout).await?;
    println!(
        "seeded {} forums, {} topics in {:.1} s",
        forums.len(),
        topics.len(),
        started.elapsed().as_secs_f64()
    );
    layout.for_causerie(&topics, &forums);
    let layout = Arc::new(layout);
    let poster = Poster::Causerie {
        addrs: addrs.clone(),
        cookie,
        layout: layout.clone(),
    };
    measure(
        name,
        opts,
        &mut children,
        &addrs,
        layout,
        poster,
        base,
        setup.db_pid,
    )
    .await
}

pub(crate) async fn bench_baseline(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
    sizes: FrameSizes,
) -> Result<Report, String> {
    bench_baseline_on(opts, scratch, base, sizes, opts.port + 1).await
}

pub(crate) async fn bench_baseline_on(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
    sizes: FrameSizes,
    port: u16,
) -> Result<Report, String> {
    let name = "baseline";
    let addr = addr(port);
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let how = if opts.baseline_batching {
        "frames waiting for a socket written together"
    } else {
        "one write per frame"
    };
    let durable = if opts.baseline_durable {
        ", each post first appended to a file and synced"
    } else {
        ""
    };
    println!("\n== {name} (bare axum + tokio::sync::broadcast, {how}{durable}) on {addr}");
    let port = addr.port().to_string();
    let journal = scratch.0.join("baseline.journal").display().to_string();
    let mut args = vec!["--baseline-server", &port];
    if opts.baseline_batching {
        args.push("--batch");
    }
    if opts.baseline_durable {
        args.extend(["--journal", &journal]);
    }
    let mut child = ChildGuard::spawn(name, &exe, &args, &[], scratch.0.join("baseline.log"))?;
    wait_healthy(addr, &mut child).await?;
    let mut layout = Layout::new(opts.sockets, opts.spread, total_replies(opts));
    layout.for_baseline(&sizes);
    let layout = Arc::new(layout);
    let poster = Poster::Baseline {
        addr,
        layout: layout.clone(),
        sizes,
    };
    measure(
        name,
        opts,
        std::slice::from_mut(&mut child),
        &[addr],
        layout,
        poster,
        base,
        None,
    )
    .await
    .map(|(report, _)| report)
}

/// RSS idle, sockets, RSS with them, then one phase per rate. Several
/// `children` (instances): RSS and CPU are their sums, socket `i` goes to
/// `addrs[i % len]`; `db_pid`: the database server, whose CPU is counted apart.
#[allow(clippy::too_many_arguments)]
async fn measure(
    name: &'static str,
    opts: &Opts,
    children: &mut [ChildGuard],
    addrs: &[SocketAddr],
    layout: Arc<Layout>,
    poster: Poster,
    base: Instant,
    db_pid: Option<u32>,
) -> Result<(Report, FrameSizes), String> {
    let rss_idle = settle_rss(children).await?;
    println!("RSS idle: {}", mib(rss_idle));

    let started = Instant::now();
    let fleet = Fleet::open(
        addrs,
        &layout.watchers,
        opts.concurrency,
        base,
        total_replies(opts),
    );
    let settled = fleet.wait_settled(connect_budget(opts.sockets)).await;
    let joined = fleet.joined();
    println!(
        "sockets: {joined}/{} joined in {:.1} s (catch-up frame {} bytes){}",
        opts.sockets,
        started.elapsed().as_secs_f64(),
        fleet.catch_up_bytes(),
        if fleet.failed() > 0 {
            format!(
                ", {} failed (last error: {})",
                fleet.failed(),
                fleet.last_error().unwrap_or_default()
            )
        } else {
            String::new()
        }
    );
    let result = async {
        if !settled {
            return Err(format!(
                "{name}: sockets still connecting after the connect budget"
            ));
        }
        if joined == 0 {
            return Err(format!("{name}: no socket could connect"));
        }
        let rss_open = settle_rss(children).await?;
        println!(
            "RSS with {joined} sockets: {} ({:.0} bytes/socket)",
            mib(rss_open),
            rss_open.saturating_sub(rss_idle) as f64 / joined as f64
        );
        let poster = Arc::new(poster);
        // Only the one topic needs its first page kept from filling.
        // With --instances, for every server alike: a reply is deleted once
        // every socket showed it (see `Janitor::gate`).
        let janitor = (!opts.spread).then(|| {
            Arc::new(if opts.instances.is_some() {
                Janitor::after_delivery(fleet.seen_counter(), joined as u32)
            } else {
                Janitor::new()
            })
        });
        let run = Run {
            fleet: &fleet,
            layout: &layout,
            poster: &poster,
            janitor: janitor.as_ref(),
            base,
        };
        let db_cpu = || db_pid.and_then(|pid| proc::tree_cpu_seconds(pid).ok());
        let mut phases = Vec::new();
        let mut seq = 0u32;
        for &rate in &opts.rates {
            let cpu_before = cpu_sum(children)?;
            let db_before = db_cpu();
            let mut p = run.phase(rate, opts.duration, seq).await;
            p.server_cpu = cpu_sum(children)? - cpu_before;
            p.db_cpu = db_before.zip(db_cpu()).map(|(b, a)| a - b);
            seq += rate * opts.duration;
            print_phase(&p);
            phases.push(p);
        }
        if let Some(j) = &janitor
            && let Some(e) = j.error()
        {
            println!("janitor: {} replies deleted; one failed: {e}", j.deleted());
        }
        let rss_after = rss_sum(children)?;
        println!("RSS after the phases: {}", mib(rss_after));
        Ok((
            Report {
                name,
                sockets: opts.sockets,
                joined,
                rss_idle,
                rss_open,
                rss_after,
                phases,
            },
            fleet.frame_sizes(),
        ))
    }
    .await;
    // The servers go first (their side takes the TIME_WAITs), then the clients.
    for c in children.iter_mut() {
        c.kill();
    }
    fleet.stop().await;
    result
}
