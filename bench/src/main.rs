//! `pagebench`: the Rust half of `bench/depth.sh`, the depth benchmark.
//!
//! ```text
//! pagebench build FILE    builds the 1,000,000-message database in FILE
//!                         (and FILE.env, the ids the script needs)
//! pagebench hello PORT    an axum hello-world on 127.0.0.1:PORT: GET /{n}
//!                         answers n bytes of HTML, the baseline for a page of n bytes
//! ```
//!
//! The server's CPU per request is measured by the script, from /proc.

mod build;
mod hello;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["build", file] => build::run(std::path::Path::new(file)),
        ["hello", port] => match port.parse() {
            Ok(port) => hello::run(port),
            Err(e) => Err(format!("bad port {port}: {e}")),
        },
        _ => Err("usage: pagebench build FILE | pagebench hello PORT".into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pagebench: {e}");
            ExitCode::FAILURE
        }
    }
}
