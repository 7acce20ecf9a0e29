//! `--instances N`: causerie on PostgreSQL, one instance then N sharing one
//! database, in one run on one machine, beside SQLite and the bare baseline.
//!
//! A throwaway PostgreSQL server (`tests/pg.sh`) holds a fresh database per
//! run. The N instances each listen on their own port of 127.0.0.1; socket
//! `i` connects to instance `i % N` and reply `j` is posted through instance
//! `j % N` (deletions by the janitor go round them too), so every reply
//! reaches two thirds of its sockets (with 3) only through the change log
//! and another instance's follower. Every reply must reach every socket
//! exactly once. The table: delivery, latency, and the CPU of the
//! instances (summed) and of PostgreSQL, per run and rate.

use std::path::PathBuf;
use std::time::Instant;

use crate::pg::PgServer;
use crate::proc::ScratchDir;
use crate::report::{mib, ms, verdict};
use crate::{Opts, Report, Setup, bench_baseline_on, bench_causerie_on};

/// The instances of the PostgreSQL runs listen from P + this (1 instance)
/// and P + 2 * this (N); SQLite on P, the baseline on P + 1.
pub const PORT_OFFSET: usize = 10;

/// One run: which server, how many instances, what came of it.
struct Row {
    server: &'static str,
    instances: usize,
    result: Result<Report, String>,
    /// Warning and error lines in its instances' logs.
    log_lines: usize,
}

pub async fn bench(opts: Opts) -> Result<bool, String> {
    let n = opts.instances.unwrap_or(1);
    let scratch = ScratchDir::new()?;
    let base = Instant::now();
    println!(
        "loadgen --instances {n}: {} sockets on one topic's first page, rates {:?}/s, {} s each; \
         with N instances socket i connects to instance i % N, reply j is posted through \
         instance j % N",
        opts.sockets, opts.rates, opts.duration
    );
    if opts.spread {
        println!("(--spread: the sockets over topics and forum pages instead)");
    }
    let pg = PgServer::start(&opts.pg_script)?;
    println!(
        "PostgreSQL: {} (postmaster pid {})",
        pg.url,
        pg.pid.map_or("unknown".into(), |p| p.to_string())
    );

    let mut plan: Vec<(&'static str, usize, u16)> = Vec::new();
    if !opts.skip_sqlite {
        plan.push(("SQLite", 1, opts.port));
    }
    if n > 1 {
        plan.push(("PostgreSQL", 1, opts.port + PORT_OFFSET as u16));
    }
    plan.push(("PostgreSQL", n, opts.port + 2 * PORT_OFFSET as u16));

    let mut rows = Vec::new();
    let mut sizes = None;
    for (server, instances, port) in plan {
        let mut logs = Vec::new();
        let result = async {
            let setup = if server == "SQLite" {
                Setup {
                    tag: "sqlite",
                    db: scratch.0.join("causerie.db").display().to_string(),
                    instances,
                    port,
                    db_pid: None,
                }
            } else {
                // A fresh database for each run.
                let db = pg.create_database(&format!("loadgen_{instances}"))?;
                Setup {
                    tag: if instances == 1 { "pg1" } else { "pgN" },
                    db,
                    instances,
                    port,
                    db_pid: pg.pid,
                }
            };
            bench_causerie_on(&opts, &scratch, base, &setup, &mut logs).await
        }
        .await;
        if let Err(e) = &result {
            println!("run failed: {e}");
        }
        let log_lines = show_logs(&logs);
        rows.push(Row {
            server,
            instances,
            result: result.map(|(report, s)| {
                sizes.get_or_insert(s);
                report
            }),
            log_lines,
        });
    }
    if !opts.skip_baseline
        && let Some(sizes) = sizes
    {
        let result = bench_baseline_on(&opts, &scratch, base, sizes, opts.port + 1).await;
        if let Err(e) = &result {
            println!("run failed: {e}");
        }
        rows.push(Row {
            server: "baseline",
            instances: 1,
            result,
            log_lines: 0,
        });
    }
    drop(pg);
    Ok(print_table(&opts, &rows))
}

/// Prints the warning and error lines of the instances' logs (the first
/// and last few); answers how many there were.
fn show_logs(logs: &[PathBuf]) -> usize {
    let mut total = 0;
    for log in logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR") || l.contains("panicked"))
            .collect();
        total += lines.len();
        if lines.is_empty() {
            continue;
        }
        let name = log.file_name().unwrap_or_default().to_string_lossy();
        println!("{name}: {} warning/error lines", lines.len());
        let shown: Vec<&str> = if lines.len() <= 8 {
            lines.clone()
        } else {
            lines[..5]
                .iter()
                .chain(std::iter::once(&"  ..."))
                .chain(&lines[lines.len() - 3..])
                .copied()
                .collect()
        };
        for l in shown {
            println!("  {l}");
        }
    }
    total
}

fn print_table(opts: &Opts, rows: &[Row]) -> bool {
    let header = [
        "server",
        "instances",
        "rate",
        "achieved",
        "delivered/expected",
        "dup",
        "p50",
        "p99",
        "max",
        "server CPU",
        "a reply",
        "PostgreSQL CPU",
    ];
    let mut cells: Vec<Vec<String>> = Vec::new();
    let mut pass = true;
    let mut notes = Vec::new();
    for row in rows {
        match &row.result {
            Err(e) => {
                pass = false;
                let mut c = vec![row.server.to_string(), row.instances.to_string()];
                c.push("failed".into());
                c.resize(header.len(), "-".into());
                cells.push(c);
                notes.push(format!("{} x{}: {e}", row.server, row.instances));
            }
            Ok(r) => {
                if r.joined < r.sockets {
                    notes.push(format!(
                        "{} x{}: {}/{} sockets joined",
                        row.server, row.instances, r.joined, r.sockets
                    ));
                }
                for p in &r.phases {
                    cells.push(vec![
                        row.server.to_string(),
                        row.instances.to_string(),
                        format!("{}/s", p.rate),
                        format!("{:.1}/s", p.achieved),
                        format!(
                            "{}/{}{}",
                            p.delivered,
                            p.expected,
                            if p.ok < p.sent {
                                format!(" ({} POSTs failed)", p.sent - p.ok)
                            } else {
                                String::new()
                            }
                        ),
                        p.duplicates.to_string(),
                        ms(p.p50),
                        ms(p.p99),
                        ms(p.max),
                        format!("{:.1} s", p.server_cpu),
                        format!("{:.1} ms", p.server_cpu * 1000.0 / p.ok.max(1) as f64),
                        p.db_cpu.map_or("-".into(), |c| format!("{c:.1} s")),
                    ]);
                    if let Some(e) = &p.post_error {
                        notes.push(format!(
                            "{} x{} at {}/s: POST error: {e}",
                            row.server, row.instances, p.rate
                        ));
                    }
                    if p.off_page > 0 {
                        notes.push(format!(
                            "{} x{} at {}/s: {} replies landed off the watched page",
                            row.server, row.instances, p.rate, p.off_page
                        ));
                    }
                    if p.lost_during > 0 {
                        notes.push(format!(
                            "{} x{} at {}/s: {} sockets closed",
                            row.server, row.instances, p.rate, p.lost_during
                        ));
                    }
                }
            }
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|k| {
            cells
                .iter()
                .map(|c| c[k].len())
                .chain([header[k].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[String]| {
        let parts: Vec<String> = c
            .iter()
            .enumerate()
            .map(|(k, v)| {
                if k < 1 {
                    format!("{v:<w$}", w = widths[k])
                } else {
                    format!("{v:>w$}", w = widths[k])
                }
            })
            .collect();
        println!("| {} |", parts.join(" | "));
    };
    println!(
        "\n== Results: {} sockets {}, {} s per rate, on {} cores; latency from each reply's \
         scheduled send to its frame on each socket; CPU over each phase, the instances summed",
        opts.sockets,
        if opts.spread {
            "over topics and forum pages"
        } else {
            "on one topic's first page"
        },
        opts.duration,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    line(&header.map(String::from));
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(k, w)| {
            if k < 1 {
                "-".repeat(*w)
            } else {
                format!("{}:", "-".repeat(w.saturating_sub(1)))
            }
        })
        .collect();
    println!("| {} |", rule.join(" | "));
    for c in &cells {
        line(c);
    }
    for row in rows {
        if let Ok(r) = &row.result {
            println!(
                "{} x{}: {}/{} sockets joined; RSS {} idle, {} with the sockets, {} after{}",
                row.server,
                row.instances,
                r.joined,
                r.sockets,
                mib(r.rss_idle),
                mib(r.rss_open),
                mib(r.rss_after),
                if row.log_lines > 0 {
                    format!("; {} warning/error lines in its logs", row.log_lines)
                } else {
                    String::new()
                }
            );
        }
    }
    for n in &notes {
        println!("note: {n}");
    }

    // p99 of N instances beside 1, rate by rate.
    let pg: Vec<&Row> = rows.iter().filter(|r| r.server == "PostgreSQL").collect();
    if let [one, many] = pg.as_slice()
        && let (Ok(a), Ok(b)) = (&one.result, &many.result)
    {
        for (pa, pb) in a.phases.iter().zip(&b.phases) {
            println!(
                "p99 at {}/s: {} instances {} vs 1 instance {} ({:.2}x)",
                pa.rate,
                many.instances,
                ms(pb.p99),
                ms(pa.p99),
                f64::from(pb.p99) / f64::from(pa.p99.max(1))
            );
        }
    }

    println!("\nTargets:");
    for row in rows {
        let ok = row.result.as_ref().is_ok_and(Report::all_delivered);
        pass &= ok;
        println!(
            "  {} x{}: every socket joined, every reply posted and delivered to every socket \
             exactly once: {}",
            row.server,
            row.instances,
            verdict(ok)
        );
    }
    pass
}
