//! Printing the results: per-phase details and the comparison table.

use crate::{Opts, Phase, Report};

pub(crate) fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn ms(us: u32) -> String {
    format!("{:.1} ms", f64::from(us) / 1000.0)
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub(crate) fn print_phase(p: &Phase) {
    println!(
        "   POSTs ok {}/{} ({:.1}/s, answered in p50 {} p99 {}); {} landed off the watched page; \
         {} deleted; delivered {}/{}{}; \
         latency p50 {} p99 {} max {}; all sockets reached: p50 {} p99 {}; \
         frames up to {} bytes; server CPU {:.2} s ({:.1} ms a reply){}{}{}",
        p.ok,
        p.sent,
        p.achieved,
        ms(p.post_p50),
        ms(p.post_p99),
        p.off_page,
        p.deleted,
        p.delivered,
        p.expected,
        if p.duplicates > 0 {
            format!(" ({} duplicate frames)", p.duplicates)
        } else {
            String::new()
        },
        ms(p.p50),
        ms(p.p99),
        ms(p.max),
        ms(p.all_p50),
        ms(p.all_p99),
        p.max_frame,
        p.server_cpu,
        p.server_cpu * 1000.0 / p.ok.max(1) as f64,
        p.db_cpu
            .map(|c| format!("; PostgreSQL CPU {c:.2} s"))
            .unwrap_or_default(),
        if p.lost_during > 0 {
            format!("; {} sockets closed", p.lost_during)
        } else {
            String::new()
        },
        p.post_error
            .as_ref()
            .map(|e| format!("; POST error: {e}"))
            .unwrap_or_default(),
    );
}

/// Prints the comparison; `true` when every target is met.
pub(crate) fn print_table(opts: &Opts, reports: &[Report]) -> bool {
    let c = &reports[0];
    let b = reports.get(1);
    let mut rows: Vec<[String; 4]> = Vec::new();
    let ratio = |x: f64, y: f64| {
        if y > 0.0 {
            format!("{:.2}x", x / y)
        } else {
            "-".into()
        }
    };
    let mut row = |label: String, f: &dyn Fn(&Report) -> String, r: String| {
        rows.push([label, f(c), b.map_or("-".into(), f), r]);
    };
    row(
        "sockets joined".into(),
        &|r| format!("{}/{}", r.joined, r.sockets),
        String::new(),
    );
    let mut pass = true;
    let mut p99_ratios = Vec::new();
    for (i, p) in c.phases.iter().enumerate() {
        let bp = b.and_then(|b| b.phases.get(i));
        let label = |what: &str| format!("{}/s {what}", p.rate);
        fn phase_of(r: &Report, i: usize) -> Option<&Phase> {
            r.phases.get(i)
        }
        row(
            label("delivered"),
            &|r| phase_of(r, i).map_or("-".into(), |p| format!("{}/{}", p.delivered, p.expected)),
            String::new(),
        );
        row(
            label("latency p50"),
            &|r| phase_of(r, i).map_or("-".into(), |p| ms(p.p50)),
            String::new(),
        );
        let p99_ratio = bp.map(|bp| f64::from(p.p99) / f64::from(bp.p99.max(1)));
        if let Some(x) = p99_ratio {
            p99_ratios.push((p.rate, x));
        }
        row(
            label("latency p99"),
            &|r| phase_of(r, i).map_or("-".into(), |p| ms(p.p99)),
            bp.map_or(String::new(), |bp| {
                ratio(f64::from(p.p99), f64::from(bp.p99))
            }),
        );
        row(
            label("latency max"),
            &|r| phase_of(r, i).map_or("-".into(), |p| ms(p.max)),
            String::new(),
        );
        row(
            label("all reached p99"),
            &|r| phase_of(r, i).map_or("-".into(), |p| ms(p.all_p99)),
            String::new(),
        );
        row(
            label("server CPU a reply"),
            &|r| {
                phase_of(r, i).map_or("-".into(), |p| {
                    format!("{:.1} ms", p.server_cpu * 1000.0 / p.ok.max(1) as f64)
                })
            },
            bp.map_or(String::new(), |bp| {
                ratio(
                    p.server_cpu / p.ok.max(1) as f64,
                    bp.server_cpu / bp.ok.max(1) as f64,
                )
            }),
        );
        row(
            label("achieved"),
            &|r| phase_of(r, i).map_or("-".into(), |p| format!("{:.1}/s", p.achieved)),
            String::new(),
        );
    }
    row("RSS idle".into(), &|r| mib(r.rss_idle), String::new());
    row(
        format!("RSS with {} sockets", opts.sockets),
        &|r| mib(r.rss_open),
        String::new(),
    );
    row(
        "RSS after the phases".into(),
        &|r| mib(r.rss_after),
        String::new(),
    );
    let bps_ratio = b.map(|b| c.bytes_per_socket() / b.bytes_per_socket().max(1.0));
    row(
        "bytes/socket (idle)".into(),
        &|r| format!("{:.0}", r.bytes_per_socket()),
        bps_ratio.map_or(String::new(), |x| format!("{x:.2}x")),
    );
    row(
        "bytes/socket after the phases".into(),
        &|r| format!("{:.0}", r.bytes_per_socket_after()),
        b.map_or(String::new(), |b| {
            ratio(c.bytes_per_socket_after(), b.bytes_per_socket_after())
        }),
    );

    let widths: Vec<usize> = (0..4)
        .map(|k| rows.iter().map(|r| r[k].len()).max().unwrap_or(0).max(8))
        .collect();
    let line = |cells: [&str; 4]| {
        println!(
            "| {:<w0$} | {:>w1$} | {:>w2$} | {:>w3$} |",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    println!(
        "\n== Results: {} sockets {}, {} s per rate; baseline: {}",
        opts.sockets,
        if opts.spread {
            "over topics (8 each) and their forums' first pages"
        } else {
            "on one topic's first page"
        },
        opts.duration,
        if opts.baseline_batching {
            "frames waiting for a socket written together"
        } else {
            "one write per frame"
        }
    );
    line(["", "causerie", "baseline", "ratio"]);
    println!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3]]);
    }

    println!("\nTargets:");
    for r in reports {
        let all = r.all_delivered();
        pass &= all;
        println!(
            "  {:<8} every socket joined, every reply posted and delivered: {}",
            r.name,
            verdict(all)
        );
    }
    for (rate, x) in p99_ratios {
        let ok = x <= 1.25;
        pass &= ok;
        println!(
            "  p99 at {rate}/s <= 1.25x baseline: {x:.2}x {}",
            verdict(ok)
        );
    }
    if let Some(x) = bps_ratio {
        let ok = x <= 1.25;
        pass &= ok;
        println!(
            "  bytes/socket idle <= 1.25x baseline: {x:.2}x {}",
            verdict(ok)
        );
    }
    if let Some(b) = b {
        let x = c.bytes_per_socket_after() / b.bytes_per_socket_after().max(1.0);
        let ok = x <= 1.25;
        pass &= ok;
        println!(
            "  bytes/socket after the phases <= 1.25x baseline: {x:.2}x {}",
            verdict(ok)
        );
    }
    pass
}

/// One round's comparisons with the baseline.
pub(crate) struct Ratios {
    /// p99 latency, causerie's over the baseline's, at each rate.
    p99: Vec<(u32, f64)>,
    /// Bytes per socket, idle and after the phases.
    idle: Option<f64>,
    after: Option<f64>,
    /// Every socket joined and every reply reached every socket once, on
    /// both servers.
    delivered: bool,
}

impl Ratios {
    pub(crate) fn of(reports: &[Report]) -> Self {
        let c = &reports[0];
        let b = reports.get(1);
        let p99 = b.map_or_else(Vec::new, |b| {
            c.phases
                .iter()
                .zip(&b.phases)
                .map(|(p, bp)| (p.rate, f64::from(p.p99) / f64::from(bp.p99.max(1))))
                .collect()
        });
        Ratios {
            p99,
            idle: b.map(|b| c.bytes_per_socket() / b.bytes_per_socket().max(1.0)),
            after: b.map(|b| c.bytes_per_socket_after() / b.bytes_per_socket_after().max(1.0)),
            delivered: reports.iter().all(Report::all_delivered),
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The rounds side by side, and the targets judged on their medians;
/// `true` when every target is met (every reply delivered in every round).
pub(crate) fn print_rounds(rounds: &[(bool, Ratios)]) -> bool {
    println!(
        "\n== {} rounds: causerie's figure over the baseline's, per round",
        rounds.len()
    );
    let cells = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.2}x"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let mut pass = true;
    let delivered = rounds.iter().all(|(_, r)| r.delivered);
    pass &= delivered;
    println!(
        "  every socket joined, every reply delivered once, in every round: {}",
        verdict(delivered)
    );
    let rates: Vec<u32> = rounds
        .first()
        .map(|(_, r)| r.p99.iter().map(|&(rate, _)| rate).collect())
        .unwrap_or_default();
    let mut target = |what: String, xs: Vec<f64>| {
        if xs.is_empty() {
            return;
        }
        let m = median(xs.clone());
        let ok = m <= 1.25;
        pass &= ok;
        println!(
            "  {what} <= 1.25x baseline: median {m:.2}x {} (rounds: {})",
            verdict(ok),
            cells(&xs)
        );
    };
    for (i, rate) in rates.iter().enumerate() {
        let xs = rounds
            .iter()
            .filter_map(|(_, r)| r.p99.get(i).map(|&(_, x)| x))
            .collect();
        target(format!("p99 at {rate}/s"), xs);
    }
    target(
        "bytes/socket idle".into(),
        rounds.iter().filter_map(|(_, r)| r.idle).collect(),
    );
    target(
        "bytes/socket after the phases".into(),
        rounds.iter().filter_map(|(_, r)| r.after).collect(),
    );
    pass
}

pub(crate) fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}
