//! `login-burst`: what a burst of parallel wrong-password logins for `admin`
//! costs causerie. For each phase a fresh server process (release build) on
//! 127.0.0.1: fire N logins at once, and meanwhile ask `/healthz` over and
//! over and sample the server's memory. Prints, per phase, how many answers
//! were 422 (a hash ran: wrong password), 429 (throttled before any hash),
//! 503 (hash queue full), the server's RSS before, at its peak and after,
//! and `/healthz` latency during the burst.
//!
//! Phases: `throttled` (production limits), and `unthrottled` (login limits
//! opened up through `CAUSERIE_LOGIN_*_RATE`, so every attempt reaches the
//! hashing threads and only their queue bounds the work).
//!
//! ```text
//! cargo build --release --bin causerie --bin login-burst
//! ./target/release/login-burst [--logins 300] [--port 61537]
//! ```

#[allow(dead_code)]
mod http;
#[allow(dead_code)]
mod proc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use proc::{ChildGuard, ScratchDir};

const ADMIN_PASSWORD: &str = "login-burst-admin-password";
const LIMIT: Duration = Duration::from_secs(60);
/// How long the server is left idle after a burst before "after" is read.
const SETTLE: Duration = Duration::from_secs(5);
const OPEN: &str = "1000000/1s";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("login-burst: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Opts {
    logins: usize,
    port: u16,
    server_bin: PathBuf,
}

fn parse_args() -> Result<Opts, String> {
    let mut opts = Opts {
        logins: 300,
        port: 61537,
        server_bin: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("causerie"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--logins" => opts.logins = value()?.parse().map_err(|e| format!("--logins: {e}"))?,
            "--port" => opts.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--server-bin" => opts.server_bin = value()?.into(),
            _ => return Err(format!("unknown argument {a}; see the file's doc")),
        }
    }
    Ok(opts)
}

async fn run() -> Result<(), String> {
    let opts = parse_args()?;
    proc::raise_nofile()?;
    println!(
        "{} parallel wrong-password logins for admin, from 127.0.0.1",
        opts.logins
    );
    println!(
        "{:<12} {:>5} {:>5} {:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>8}",
        "phase",
        "422",
        "429",
        "503",
        "other",
        "RSS0 MiB",
        "peak MiB",
        "HWM MiB",
        "after MiB",
        "health p50",
        "health max",
        "burst s"
    );
    let open = [
        ("CAUSERIE_LOGIN_PAIR_RATE", OPEN.to_string()),
        ("CAUSERIE_LOGIN_ADDRESS_RATE", OPEN.to_string()),
        ("CAUSERIE_LOGIN_ACCOUNT_RATE", OPEN.to_string()),
    ];
    phase("throttled", &opts, &[]).await?;
    phase("unthrottled", &opts, &open).await?;
    Ok(())
}

fn status_kib(pid: u32, field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("server status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

async fn phase(name: &str, opts: &Opts, env: &[(&str, String)]) -> Result<(), String> {
    let dir = ScratchDir::new()?;
    let addr: SocketAddr = ([127, 0, 0, 1], opts.port).into();
    let mut vars = vec![
        ("CAUSERIE_DB", dir.0.join("bench.db").display().to_string()),
        ("CAUSERIE_ADDR", addr.to_string()),
        ("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
        ("RUST_LOG", "warn".to_string()),
    ];
    vars.extend(env.iter().map(|(k, v)| (*k, v.clone())));
    let mut server = ChildGuard::spawn(
        "causerie",
        &opts.server_bin,
        &[],
        &vars,
        dir.0.join("server.log"),
    )?;
    let started = Instant::now();
    loop {
        server.check_running()?;
        let health = http::request(addr, "GET", "/healthz", None, None, LIMIT).await;
        if health.is_ok_and(|r| r.status == 200) {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("no /healthz after 20 s:\n{}", server.log_tail()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = server.pid();
    let rss_before = status_kib(pid, "VmRSS:")?;

    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let done = Arc::clone(&done);
        async move {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(status_kib(pid, "VmRSS:").unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            peak
        }
    });
    let prober = tokio::spawn({
        let done = Arc::clone(&done);
        async move {
            let mut times = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = http::request(addr, "GET", "/healthz", None, None, LIMIT).await;
                times.push((t.elapsed(), r.is_ok_and(|r| r.status == 200)));
            }
            times
        }
    });
    let burst_start = Instant::now();
    let logins = (0..opts.logins).map(|i| {
        tokio::spawn(async move {
            let body = http::form(&[("username", "admin"), ("password", &format!("guess-{i}"))]);
            let form = Some(("application/x-www-form-urlencoded", body.as_str()));
            http::request(addr, "POST", "/login", None, form, LIMIT)
                .await
                .map(|r| r.status)
        })
    });
    let logins: Vec<_> = logins.collect();
    let mut statuses = Vec::with_capacity(logins.len());
    for l in logins {
        statuses.push(l.await.map_err(|e| e.to_string())?);
    }
    let burst = burst_start.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.await.map_err(|e| e.to_string())?;
    let mut health = prober.await.map_err(|e| e.to_string())?;
    tokio::time::sleep(SETTLE).await;
    server.check_running()?;
    let hwm = status_kib(pid, "VmHWM:")?;
    let after = status_kib(pid, "VmRSS:")?;

    let n = |code: u16| statuses.iter().filter(|s| **s == Ok(code)).count();
    let other = statuses.len() - n(422) - n(429) - n(503);
    let failed = health.iter().filter(|(_, ok)| !ok).count();
    health.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let p50 = health.get(health.len() / 2).map_or("-".into(), |h| ms(h.0));
    let max = health.last().map_or("-".into(), |h| ms(h.0));
    println!(
        "{:<12} {:>5} {:>5} {:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>8.2}",
        name,
        n(422),
        n(429),
        n(503),
        other,
        mib(rss_before),
        mib(peak),
        mib(hwm),
        mib(after),
        p50,
        max,
        burst.as_secs_f64()
    );
    if failed > 0 || other > 0 {
        println!(
            "  ({} /healthz probes failed; other answers: {:?})",
            failed,
            statuses
                .iter()
                .filter(|s| !matches!(s, Ok(422 | 429 | 503)))
                .take(5)
                .collect::<Vec<_>>()
        );
    }
    println!("  ({} /healthz probes during the burst)", health.len());
    Ok(())
}
