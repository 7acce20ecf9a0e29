//! `loadgen`: how causerie's live updates hold up with many open sockets,
//! compared with a bare axum WebSocket broadcast server (the baseline).
//!
//! For each server (each its own process, so its memory can be read):
//! start it, measure its RSS idle, open N sockets, measure its RSS again,
//! then for each rate post replies over HTTP for a while and time, for every
//! reply and every socket, how long from sending the POST until the socket
//! received the frame showing it. Prints a table comparing the two.
//!
//! ```text
//! cargo build --release --bin causerie
//! cargo run --release --bin loadgen -- --sockets 10000 --rates 10,30 --duration 10
//! cargo run --release --bin loadgen -- --smoke
//! ```

mod baseline;
mod fleet;
mod http;
mod proc;
mod report;

use report::{mib, percentile, print_phase, print_table};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleet::{COUNT_FLAG, Fleet};
use proc::{ChildGuard, ScratchDir};

const ADMIN_PASSWORD: &str = "loadgen-admin-password";
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// After the last POST, how long deliveries may keep trickling in.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// ... and how long without a single new frame ends the wait early.
const DELIVERY_STALL: Duration = Duration::from_secs(10);

const USAGE: &str = "\
usage: loadgen [--sockets N] [--rates R1,R2,..] [--duration SECS] [--skip-baseline]
               [--baseline-one-write] [--smoke] [--port P] [--server-bin PATH]
               [--concurrency C]
       loadgen --baseline-server PORT [--batch]   (internal: runs the baseline server)

  --sockets N        sockets on the topic (default 10000)
  --rates LIST       replies per second, one phase each (default 10,30)
  --duration SECS    length of each phase (default 10)
  --skip-baseline    only measure causerie
  --baseline-one-write  the baseline sends each frame on its own (one
                     write each); by default it writes the frames waiting
                     for a socket together (one flush), like causerie
  --smoke            quick check: --sockets 200 --duration 3
  --port P           causerie listens on P, the baseline on P+1 (default 61080)
  --server-bin PATH  causerie binary (default: `causerie` next to loadgen)
  --concurrency C    WebSocket handshakes in flight at once (default 200)

Exit status: 0 when every target is met, 1 when one is missed, other on error.";

#[derive(Clone, Debug)]
struct Opts {
    sockets: usize,
    rates: Vec<u32>,
    duration: u32,
    skip_baseline: bool,
    baseline_batching: bool,
    port: u16,
    server_bin: PathBuf,
    concurrency: usize,
}

enum Mode {
    Bench(Opts),
    Baseline { port: u16, batch: bool },
}

fn parse_args() -> Result<Mode, String> {
    let mut args = std::env::args().skip(1);
    let default_bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("causerie")))
        .unwrap_or_else(|| PathBuf::from("target/release/causerie"));
    let mut o = Opts {
        sockets: 10_000,
        rates: vec![10, 30],
        duration: 10,
        skip_baseline: false,
        baseline_batching: true,
        port: 61080,
        server_bin: default_bin,
        concurrency: 200,
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
                let batch = args.next().as_deref() == Some("--batch");
                return Ok(Mode::Baseline { port, batch });
            }
            "--sockets" => sockets = Some(value(&a, args.next())?),
            "--duration" => duration = Some(value(&a, args.next())?),
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
            "--baseline-one-write" => o.baseline_batching = false,
            "--smoke" => smoke = true,
            "--port" => o.port = value(&a, args.next())?,
            "--server-bin" => o.server_bin = value(&a, args.next())?,
            "--concurrency" => o.concurrency = value(&a, args.next())?,
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
    if !(1..=600).contains(&o.duration) {
        return Err("--duration: 1 to 600 seconds".into());
    }
    if o.port == u16::MAX {
        return Err("--port: the baseline needs P+1 too".into());
    }
    Ok(Mode::Bench(o))
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(Mode::Baseline { port, batch }) => {
            let _ = proc::raise_nofile();
            return match baseline::run(port, batch) {
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
        tokio::select! {
            r = tokio::time::timeout(cap, bench(opts.clone())) => r.unwrap_or_else(|_| Err(format!("gave up after {cap:?}"))),
            _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
        }
    });
    // Every child was killed when its guard dropped inside `bench`.
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
    per_server * 2 + Duration::from_secs(60)
}

fn connect_budget(sockets: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(sockets as u64 * 20)
}

/// Results for one server.
struct Report {
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
}

#[derive(Default)]
struct Phase {
    rate: u32,
    sent: usize,
    ok: usize,
    post_error: Option<String>,
    expected: u64,
    delivered: u64,
    via_notice: u64,
    p50: u32,
    p99: u32,
    max: u32,
    /// Per reply, until the last socket had it.
    all_p50: u32,
    all_p99: u32,
    achieved: f64,
    max_frame: usize,
    /// POST answer times.
    post_p50: u32,
    post_p99: u32,
    lost_during: usize,
    /// Seconds of CPU the server used, from the first POST to the last frame.
    server_cpu: f64,
}

async fn bench(opts: Opts) -> Result<bool, String> {
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
    let mut reports = vec![bench_causerie(&opts, &scratch, base).await?];
    if !opts.skip_baseline {
        reports.push(bench_baseline(&opts, &scratch, base).await?);
    }
    Ok(print_table(&opts, &reports))
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn wait_healthy(addr: SocketAddr, child: &mut ChildGuard) -> Result<(), String> {
    for _ in 0..200 {
        child.check_running()?;
        if let Ok(r) =
            http::request(addr, "GET", "/healthz", None, None, Duration::from_secs(2)).await
            && r.status == 200
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "{} not healthy on {addr} after 20 s; log tail:\n{}",
        child.name,
        child.log_tail()
    ))
}

/// POSTs a form and expects a 303; answers its `Location`.
async fn post_form(
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
fn number_after(s: &str, prefix: &str) -> Option<i64> {
    let rest = &s[s.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

async fn settle_rss(child: &mut ChildGuard) -> Result<u64, String> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    child.check_running()?;
    child.rss()
}

/// How replies are posted, and what identifies the message each made.
enum Poster {
    Causerie {
        addr: SocketAddr,
        topic: i64,
        cookie: String,
    },
    Baseline {
        addr: SocketAddr,
    },
}

impl Poster {
    /// The new message's id (causerie) or 0 (baseline).
    async fn post(&self, seq: u32) -> Result<i64, String> {
        let token = fleet::token(seq);
        match self {
            Poster::Causerie {
                addr,
                topic,
                cookie,
            } => {
                let body = format!(
                    "Load test reply {token}. A message of ordinary length, as people write them: \
                     a sentence or two about the topic, a question, and a thank-you at the end."
                );
                let path = format!("/topics/{topic}/messages");
                let (location, _) =
                    post_form(*addr, &path, Some(cookie), &[("body", &body)]).await?;
                number_after(&location, "#message-")
                    .ok_or_else(|| format!("reply Location {location:?} names no message"))
            }
            Poster::Baseline { addr } => {
                let r = http::request(
                    *addr,
                    "POST",
                    "/post",
                    None,
                    Some(("text/plain", &token)),
                    HTTP_TIMEOUT,
                )
                .await?;
                if r.status != 200 {
                    return Err(format!("POST /post: status {}", r.status));
                }
                Ok(0)
            }
        }
    }
}

async fn bench_causerie(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
) -> Result<Report, String> {
    let name = "causerie";
    if !opts.server_bin.is_file() {
        return Err(format!(
            "{} not found: build it first (cargo build --release --bin causerie) or pass --server-bin",
            opts.server_bin.display()
        ));
    }
    let addr = addr(opts.port);
    println!("\n== {name} ({}) on {addr}", opts.server_bin.display());
    // Every socket comes from 127.0.0.1: the per-address caps (64 sockets,
    // 256 connections by default) must let them all in.
    let sockets = opts.sockets.max(11_000);
    let connections = (opts.sockets + 1_000).max(15_000);
    let mut child = ChildGuard::spawn(
        name,
        &opts.server_bin,
        &[],
        &[
            ("CAUSERIE_MAX_SOCKETS", sockets.to_string()),
            ("CAUSERIE_MAX_SOCKETS_PER_ADDR", sockets.to_string()),
            ("CAUSERIE_MAX_CONNECTIONS", connections.to_string()),
            ("CAUSERIE_MAX_CONNECTIONS_PER_ADDR", connections.to_string()),
            ("CAUSERIE_ADDR", addr.to_string()),
            (
                "CAUSERIE_DB",
                scratch.0.join("causerie.db").display().to_string(),
            ),
            ("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
            ("CAUSERIE_SECURE_COOKIES", "0".into()),
            ("RUST_LOG", "warn".into()),
        ],
        scratch.0.join("causerie.log"),
    )?;
    wait_healthy(addr, &mut child).await?;

    // Seed: log in as admin, create a forum and a topic.
    let (_, login) = post_form(
        addr,
        "/login",
        None,
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    )
    .await?;
    let cookie = login
        .cookie("causerie")
        .ok_or("login set no `causerie` cookie")?;
    let (forum_at, _) = post_form(
        addr,
        "/admin/forums",
        Some(&cookie),
        &[
            ("name", "Load test"),
            ("description", "Where loadgen posts"),
        ],
    )
    .await?;
    let forum = number_after(&forum_at, "/forums/")
        .ok_or_else(|| format!("forum Location {forum_at:?}"))?;
    let (topic_at, _) = post_form(
        addr,
        &format!("/forums/{forum}/topics"),
        Some(&cookie),
        &[
            ("title", "Everybody is watching this topic"),
            (
                "body",
                "The opening message. Replies follow, posted by loadgen.",
            ),
        ],
    )
    .await?;
    let topic = number_after(&topic_at, "/topics/")
        .ok_or_else(|| format!("topic Location {topic_at:?}"))?;
    println!("seeded forum {forum}, topic {topic}");

    let view = http::encode(&format!("/topics/{topic}"));
    let poster = Poster::Causerie {
        addr,
        topic,
        cookie,
    };
    measure(
        name,
        opts,
        &mut child,
        addr,
        &format!("/_ws?view={view}"),
        poster,
        base,
    )
    .await
}

async fn bench_baseline(
    opts: &Opts,
    scratch: &ScratchDir,
    base: Instant,
) -> Result<Report, String> {
    let name = "baseline";
    let addr = addr(opts.port + 1);
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let how = if opts.baseline_batching {
        "frames waiting for a socket written together"
    } else {
        "one write per frame"
    };
    println!("\n== {name} (bare axum + tokio::sync::broadcast, {how}) on {addr}");
    let port = addr.port().to_string();
    let mut args = vec!["--baseline-server", &port];
    if opts.baseline_batching {
        args.push("--batch");
    }
    let mut child = ChildGuard::spawn(name, &exe, &args, &[], scratch.0.join("baseline.log"))?;
    wait_healthy(addr, &mut child).await?;
    measure(
        name,
        opts,
        &mut child,
        addr,
        "/_ws",
        Poster::Baseline { addr },
        base,
    )
    .await
}

/// RSS idle, sockets, RSS with them, then one phase per rate.
async fn measure(
    name: &'static str,
    opts: &Opts,
    child: &mut ChildGuard,
    addr: SocketAddr,
    ws_path: &str,
    poster: Poster,
    base: Instant,
) -> Result<Report, String> {
    let rss_idle = settle_rss(child).await?;
    println!("RSS idle: {}", mib(rss_idle));

    let started = Instant::now();
    let fleet = Fleet::open(addr, ws_path, 1, opts.sockets, opts.concurrency, base);
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
        let rss_open = settle_rss(child).await?;
        println!(
            "RSS with {joined} sockets: {} ({:.0} bytes/socket)",
            mib(rss_open),
            rss_open.saturating_sub(rss_idle) as f64 / joined as f64
        );
        let poster = Arc::new(poster);
        let mut phases = Vec::new();
        let mut seq = 0u32;
        let mut ids = Vec::new();
        for &rate in &opts.rates {
            child.check_running()?;
            let cpu_before = child.cpu_seconds()?;
            let mut p = run_phase(&fleet, &poster, rate, opts.duration, seq, &mut ids, base).await;
            p.server_cpu = child.cpu_seconds()? - cpu_before;
            seq += rate * opts.duration;
            print_phase(&p);
            phases.push(p);
        }
        child.check_running()?;
        let rss_after = child.rss()?;
        println!("RSS after the phases: {}", mib(rss_after));
        Ok(Report {
            name,
            sockets: opts.sockets,
            joined,
            rss_idle,
            rss_open,
            rss_after,
            phases,
        })
    }
    .await;
    // The server goes first (its side takes the TIME_WAITs), then the clients.
    child.kill();
    fleet.stop().await;
    result
}

struct Sent {
    seq: u32,
    send_at: u32,
    done_at: u32,
    result: Result<i64, String>,
}

async fn run_phase(
    fleet: &Fleet,
    poster: &Arc<Poster>,
    rate: u32,
    duration: u32,
    seq0: u32,
    ids: &mut Vec<i64>,
    base: Instant,
) -> Phase {
    let alive = fleet.begin_phase();
    let sockets = alive.iter().filter(|a| **a).count();
    let lost_before = fleet.lost();
    let count = rate * duration;
    println!("-- {rate} replies/s for {duration} s ({count} replies) to {sockets} sockets");

    // Open loop: each POST leaves on schedule, whatever earlier ones are doing.
    // Latencies count from the scheduled time, not from when a busy runtime
    // got round to sending (no coordinated omission).
    let interval = Duration::from_secs(1) / rate;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let scheduled = start + interval * i;
        tokio::time::sleep_until(scheduled.into()).await;
        let poster = poster.clone();
        let seq = seq0 + i;
        let send_at = fleet::micros_at(base, scheduled);
        tasks.spawn(async move {
            let result = poster.post(seq).await;
            Sent {
                seq,
                send_at,
                done_at: fleet::micros_since(base),
                result,
            }
        });
    }
    let mut sent = Vec::with_capacity(count as usize);
    // Each request has its own timeout; this bound is a second belt.
    let _ = tokio::time::timeout(HTTP_TIMEOUT + Duration::from_secs(5), async {
        while let Some(r) = tasks.join_next().await {
            if let Ok(s) = r {
                sent.push(s);
            }
        }
    })
    .await;
    tasks.abort_all();
    sent.sort_by_key(|s| s.seq);

    let mut phase = Phase {
        rate,
        sent: count as usize,
        ..Phase::default()
    };
    let ok: Vec<&Sent> = sent.iter().filter(|s| s.result.is_ok()).collect();
    phase.ok = ok.len();
    phase.post_error = sent.iter().find_map(|s| s.result.clone().err());
    // Answered replies per second, over the nominal phase or, when the
    // answers lag behind it, from the first send to the last answer.
    if let (Some(first), Some(last)) = (
        sent.iter().map(|s| s.send_at).min(),
        ok.iter().map(|s| s.done_at).max(),
    ) {
        let window = (f64::from(last.saturating_sub(first)) / 1e6).max(f64::from(duration));
        phase.achieved = ok.len() as f64 / window;
    }
    let mut answer: Vec<u32> = ok
        .iter()
        .map(|s| s.done_at.saturating_sub(s.send_at))
        .collect();
    answer.sort_unstable();
    phase.post_p50 = percentile(&answer, 0.50);
    phase.post_p99 = percentile(&answer, 0.99);

    // Wait for the frames: one per reply per socket.
    let expected_frames = (sockets * ok.len()) as u64;
    let waited = Instant::now();
    let (mut last_frames, mut last_progress) = (fleet.frames(), Instant::now());
    while fleet.frames() < expected_frames && waited.elapsed() < DELIVERY_WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let f = fleet.frames();
        if f != last_frames {
            (last_frames, last_progress) = (f, Instant::now());
        } else if last_progress.elapsed() > DELIVERY_STALL {
            break;
        }
    }
    // Frames in flight for a socket that is behind still count if they land now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    phase.lost_during = fleet.lost() - lost_before;
    phase.max_frame = fleet.max_frame();

    // Which message count each reply made (causerie): 1 (the opening
    // message) + replies so far with an id up to its own.
    ids.extend(ok.iter().filter_map(|s| s.result.as_ref().ok().copied()));
    ids.sort_unstable();
    let counts: Vec<u32> = ok
        .iter()
        .map(|s| {
            let id = *s.result.as_ref().unwrap();
            if id == 0 {
                u32::MAX
            } else {
                1 + ids.partition_point(|x| *x <= id) as u32
            }
        })
        .collect();
    let mut by_count: Vec<usize> = (0..ok.len()).collect();
    by_count.sort_by_key(|&r| counts[r]);

    phase.expected = expected_frames;
    let mut latencies: Vec<u32> = Vec::with_capacity(expected_frames as usize);
    let mut last_arrival = vec![0u32; ok.len()];
    let mut reached = vec![0usize; ok.len()];
    let mut token_at = vec![u32::MAX; count as usize];
    let mut cover_at = vec![u32::MAX; ok.len()];
    for (i, _) in alive.iter().enumerate().filter(|(_, a)| **a) {
        token_at.fill(u32::MAX);
        cover_at.fill(u32::MAX);
        let mut next = 0;
        for e in fleet.take_events(i) {
            if e.tag & COUNT_FLAG != 0 {
                let c = e.tag & !COUNT_FLAG;
                while next < by_count.len() && counts[by_count[next]] <= c {
                    cover_at[by_count[next]] = e.at;
                    next += 1;
                }
            } else if let Some(k) = e.tag.checked_sub(seq0).filter(|k| *k < count) {
                let t = &mut token_at[k as usize];
                *t = (*t).min(e.at);
            }
        }
        for (r, s) in ok.iter().enumerate() {
            let by_token = token_at[(s.seq - seq0) as usize];
            let at = by_token.min(cover_at[r]);
            if at == u32::MAX {
                continue;
            }
            if by_token == u32::MAX {
                phase.via_notice += 1;
            }
            phase.delivered += 1;
            latencies.push(at.saturating_sub(s.send_at));
            last_arrival[r] = last_arrival[r].max(at);
            reached[r] += 1;
        }
    }
    latencies.sort_unstable();
    phase.p50 = percentile(&latencies, 0.50);
    phase.p99 = percentile(&latencies, 0.99);
    phase.max = latencies.last().copied().unwrap_or(0);
    let mut all: Vec<u32> = ok
        .iter()
        .enumerate()
        .filter(|(r, _)| reached[*r] == sockets)
        .map(|(r, s)| last_arrival[r].saturating_sub(s.send_at))
        .collect();
    all.sort_unstable();
    phase.all_p50 = percentile(&all, 0.50);
    phase.all_p99 = percentile(&all, 0.99);
    phase
}
