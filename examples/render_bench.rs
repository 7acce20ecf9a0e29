//! How long a message body of the longest allowed length takes to check and
//! render when it is built to be slow, against a plain body of the same
//! length, in one run: shapes for the address detector (runs of closing
//! brackets after an address, schemes glued together...) and for the
//! Markdown parser (deep nesting of quotes and lists, runs of `*`, `_`, `[`
//! and backticks, link reference definitions, raw HTML...). Bodies are
//! rendered once, when written (`markdown::render`, then sanitised); the
//! pre-Markdown renderer (`MessageBody`) is timed too, as the migration of
//! older messages uses it. Linear text handling keeps every ratio near 1;
//! the first address detector took seconds on the first shape.
//!
//!   cargo run --release --example render_bench

use std::hint::black_box;
use std::time::{Duration, Instant};

use causerie::markdown;
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
        // Markdown: nesting, delimiter runs, brackets, code spans, references.
        ("- - - - ...", fill("", "- ")),
        ("1. 1. 1. ...", fill("", "1. ")),
        ("> - > - ...", fill("", "> - ")),
        (
            "nested quote lines",
            fill("", &format!("{}x\n", "> ".repeat(40))),
        ),
        ("lists by indentation", {
            let mut s = String::new();
            let mut depth = 0;
            while s.len() + 2 * depth + 4 <= BODY_MAX {
                s.push_str(&" ".repeat(2 * depth));
                s.push_str("- x\n");
                depth += 1;
            }
            s
        }),
        ("****...", fill("", "*")),
        ("*a *a *a ...", fill("", "*a ")),
        ("_a _a _a ...", fill("", "_a ")),
        ("**a* ...", fill("", "**a* ")),
        ("*_*_ ...", fill("", "*_")),
        ("[[[[...", fill("", "[")),
        ("[a]( ...", fill("", "[a](")),
        ("[a] ...", fill("", "[a] ")),
        ("![[a]( ...", fill("", "![[a](")),
        ("]]]] after [[[[", {
            let opens = "[".repeat(BODY_MAX / 2);
            fill(&opens, "]")
        }),
        ("backticks 1,2,3...", {
            let mut s = String::new();
            let mut n = 1;
            while s.len() + n + 2 <= BODY_MAX {
                s.push_str(&"`".repeat(n));
                s.push_str("a ");
                n += 1;
            }
            s
        }),
        ("```` runs", fill("", "`")),
        (
            "reference definitions",
            fill("", "[a]: https://a.b/\n[a]\n"),
        ),
        ("many definitions", {
            let mut s = String::new();
            let mut n = 0;
            loop {
                let line = format!("[r{n}]: /u{n}\n[r{n}] ");
                if s.len() + line.len() > BODY_MAX {
                    break s;
                }
                s.push_str(&line);
                n += 1;
            }
        }),
        ("<a <a <a ...", fill("", "<a ")),
        ("<div>...", fill("", "<div>")),
        ("&#x202e; entities", fill("", "a&#x202e;")),
        (
            "markdown, plain text",
            fill("", "Some *emphasis*, `code` and [a link](https://a.b/). "),
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

/// At write time: Markdown, then the sanitiser.
fn render(body: &str) -> Duration {
    fastest(|| {
        black_box(markdown::render(black_box(body)));
    })
}

/// How much longer Markdown takes on `body` than on its first half: about
/// 2 for a linear shape, 4 for a quadratic one. (Markup-dense shapes cost
/// more than plain text per character, but no more per character as they grow.)
fn growth(body: &str) -> f64 {
    let half: String = body.chars().take(body.chars().count() / 2).collect();
    render(body).as_secs_f64() / render(&half).as_secs_f64()
}

/// The pre-Markdown renderer, which the migration of older messages runs.
fn plain(body: &str) -> Duration {
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
    let text = fill("", "lorem ipsum dolor sit amet, ");
    let (base_render, base_plain, base_check) = (render(&text), plain(&text), check(&text));
    println!("bodies of {BODY_MAX} characters; fastest of many runs; ratio to the plain body\n");
    println!(
        "{:<24} {:>11} {:>7} {:>7} {:>10} {:>7} {:>11} {:>7}",
        "body", "markdown µs", "ratio", "growth", "plain µs", "ratio", "validate µs", "ratio"
    );
    println!(
        "{:<24} {:>11.1} {:>7} {:>7.2} {:>10.1} {:>7} {:>11.1} {:>7}",
        "plain text",
        micros(base_render),
        "1.00",
        growth(&text),
        micros(base_plain),
        "1.00",
        micros(base_check),
        "1.00"
    );
    let mut steepest = ("", 0.0_f64);
    let mut worst = [("", 0.0_f64); 3];
    for (name, body) in shapes() {
        assert!(body.chars().count() <= BODY_MAX, "{name}");
        let times = [render(&body), plain(&body), check(&body)];
        let ratios = [
            times[0].as_secs_f64() / base_render.as_secs_f64(),
            times[1].as_secs_f64() / base_plain.as_secs_f64(),
            times[2].as_secs_f64() / base_check.as_secs_f64(),
        ];
        let g = growth(&body);
        if g > steepest.1 {
            steepest = (name, g);
        }
        println!(
            "{name:<24} {:>11.1} {:>7.2} {g:>7.2} {:>10.1} {:>7.2} {:>11.1} {:>7.2}",
            micros(times[0]),
            ratios[0],
            micros(times[1]),
            ratios[1],
            micros(times[2]),
            ratios[2]
        );
        for (w, r) in worst.iter_mut().zip(ratios) {
            if r > w.1 {
                *w = (name, r);
            }
        }
    }
    println!(
        "\nworst markdown: {} at {:.2}x plain; worst pre-Markdown render: {} at {:.2}x; \
         worst validation: {} at {:.2}x",
        worst[0].0, worst[0].1, worst[1].0, worst[1].1, worst[2].0, worst[2].1
    );
    println!(
        "steepest Markdown growth from half the length to the whole: {} at {:.2}x \
         (2 is linear, 4 quadratic)",
        steepest.0, steepest.1
    );
}
