//! `causerie`: runs the forum. `causerie healthcheck` asks a running one
//! whether it is healthy (for container health checks); `causerie backup
//! FILE` copies the database to FILE while the forum runs; `causerie
//! migrate-to postgres://...` copies the SQLite database (`CAUSERIE_DB`)
//! into an empty PostgreSQL database.

use std::process::ExitCode;

use causerie::config::Config;
use causerie::server::Server;
use tracing_subscriber::EnvFilter;

/// jemalloc, because it gives memory back: glibc kept 1.1 GB after a burst
/// of 100 logins (Argon2, 19 MiB each) that jemalloc returns within seconds
/// (bench/memory.sh has the figures of each allocator tried).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Read by jemalloc before `main`: a background thread returns freed pages
/// to the system a second after they were last used (`dirty_decay_ms`)
/// instead of waiting for the next allocation in that arena, and skips the
/// intermediate "muzzy" state, so RSS falls back once a burst is over.
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("causerie: {e}");
            return ExitCode::from(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => {}
        ["healthcheck"] => return healthcheck(&config).await,
        ["backup", to] => return backup(&config, to),
        ["migrate-to", url]
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            return migrate_to(&config, url);
        }
        _ => {
            eprintln!("usage: causerie [healthcheck | backup FILE | migrate-to postgres://...]");
            return ExitCode::from(2);
        }
    }
    let server = match Server::build(&config).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %server.local_addr(), "causerie listening");
    match server.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server error");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// GET /healthz on the configured address over plain TCP (no HTTP client
/// needed in the image); exit 0 on 200.
async fn healthcheck(config: &Config) -> ExitCode {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut addr = config.addr;
    if addr.ip().is_unspecified() {
        addr.set_ip([127, 0, 0, 1].into());
    }
    let attempt = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf.starts_with(b"HTTP/1.1 200"))
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), attempt).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

fn backup(config: &Config, to: &str) -> ExitCode {
    match causerie::db::backup(&config.db_path, std::path::Path::new(to)) {
        Ok(()) => {
            println!("backed up {} to {to}", config.db_path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("causerie: backup failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Copies the SQLite database `CAUSERIE_DB` names into the empty
/// PostgreSQL database at `url` (see `causerie::db::migrate_to`); exit 1
/// when refused or failed, with nothing copied.
fn migrate_to(config: &Config, url: &str) -> ExitCode {
    use causerie::db::migrate_to;
    if config.db_url.is_some() {
        eprintln!(
            "causerie: migrate-to refused: CAUSERIE_DB names the SQLite file to copy, not a PostgreSQL URL"
        );
        return ExitCode::FAILURE;
    }
    let from = &config.db_path;
    println!(
        "copying {} into {} ...",
        from.display(),
        migrate_to::shown(url)
    );
    match migrate_to::run(from, url, &|line| println!("  {line}")) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("causerie: migrate-to {e}");
            ExitCode::FAILURE
        }
    }
}
