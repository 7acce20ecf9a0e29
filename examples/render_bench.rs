//! How long a message body of the longest allowed length takes to check and
//! render when it is built to be slow (runs of closing brackets after an
//! address, schemes glued together, deep quotes...), against a plain body of
//! the same length, in one run. Linear text handling keeps every ratio near
//! 1; the first address detector took seconds on the first shape.
//!
//!   cargo run --release --example render_bench

use std::hint::black_box;
use std::time::{Duration, Instant};

use causerie::validate::{self, BODY_MAX};
use causerie::views::text::MessageBody;
use maud::Render;

/// `unit` repeated after `head` up to `BODY_MAX` characters.
fn fill(head: &str, unit: &str) -> String {
    let mut s = head.to_string();
    while s.chars().count() + unit.chars().count() <= BODY_MAX {
        s.push_str(unit);
    }
    s
}

fn shapes() -> Vec<(&'static str, String)> {
    let address = "https://example.org/";
    vec![
        ("address + )))...", fill(address, ")")),
        ("address + ]]]...", fill(address, "]")),
        ("address + ...", fill(address, ".")),
        ("address + :::...", fill(address, ":")),
        ("address + ).]:,...", fill(address, ").]:,")),
        ("https:// + )))...", fill("https://", ")")),
        ("balanced ((( )))", {
            let opens = "(".repeat(BODY_MAX / 3);
            fill(&format!("{address}{opens}"), ")")
        }),
        ("http:// glued", fill("", "http://")),
        ("http:// spaced", fill("", "http:// ")),
        ("https:// with nothing", fill("", "https://) ")),
        ("schemes glued", fill("", "https:http://https//")),
        ("xhttp://", fill("", "xhttp://a")),
        ("> > > > ...", fill("", "> ")),
        ("quoted links", fill("", "> https://a.b/)\n")),
        ("bidi controls", fill("", "a\u{202e}b\u{2066}")),
        (
            "links, plain text",
            fill("", "see https://example.org/page (it is good). "),
        ),
    ]
}

/// The fastest of many runs of `work`: the figure least disturbed by
/// whatever else the machine does.
fn fastest(mut work: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 20 || (started.elapsed() < Duration::from_millis(300) && runs < 2_000) {
        let t = Instant::now();
        work();
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

fn render(body: &str) -> Duration {
    fastest(|| {
        black_box(MessageBody(black_box(body)).render().into_string());
    })
}

fn check(body: &str) -> Duration {
    fastest(|| {
        let _ = black_box(validate::body(black_box(body)));
    })
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let plain = fill("", "lorem ipsum dolor sit amet, ");
    let (plain_render, plain_check) = (render(&plain), check(&plain));
    println!("bodies of {BODY_MAX} characters; fastest of many runs; ratio to the plain body\n");
    println!(
        "{:<24} {:>12} {:>8} {:>12} {:>8}",
        "body", "render µs", "ratio", "validate µs", "ratio"
    );
    println!(
        "{:<24} {:>12.1} {:>8} {:>12.1} {:>8}",
        "plain text",
        micros(plain_render),
        "1.00",
        micros(plain_check),
        "1.00"
    );
    let (mut worst_render, mut worst_check) = (("", 0.0_f64), ("", 0.0_f64));
    for (name, body) in shapes() {
        assert!(body.chars().count() <= BODY_MAX, "{name}");
        let (r, c) = (render(&body), check(&body));
        let rr = r.as_secs_f64() / plain_render.as_secs_f64();
        let cr = c.as_secs_f64() / plain_check.as_secs_f64();
        println!(
            "{name:<24} {:>12.1} {rr:>8.2} {:>12.1} {cr:>8.2}",
            micros(r),
            micros(c)
        );
        if rr > worst_render.1 {
            worst_render = (name, rr);
        }
        if cr > worst_check.1 {
            worst_check = (name, cr);
        }
    }
    println!(
        "\nworst render: {} at {:.2}x plain; worst validation: {} at {:.2}x plain",
        worst_render.0, worst_render.1, worst_check.0, worst_check.1
    );
}
