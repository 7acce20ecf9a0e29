//! `pagebench`: the Rust half of `bench/depth.sh`, the depth benchmark.
//!
//! ```text
//! pagebench build FILE [varied]
//!                         builds the 1,000,000-message database in FILE
//!                         (and FILE.env, the ids the script needs); `varied`:
//!                         natural-language-like words rather than lorem ipsum
//! pagebench search FILE [--prefix-index LENGTHS]
//!                         times searches on FILE (built `varied`) and
//!                         prints the index's size (driven by bench/search.sh)
//! pagebench write-cost FILE
//!                         what the index adds to a reply's insert
//! pagebench migrate FILE  makes FILE a version-5 database again and times
//!                         its migration (FILE is changed)
//! pagebench hello PORT    an axum hello-world on 127.0.0.1:PORT: GET /{n}
//!                         answers n bytes of HTML, the baseline for a page of n bytes
//! ```
//!
//! The server's CPU per request is measured by the script, from /proc.

mod build;
mod hello;
mod search;
mod words;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["build", file] => build::run(std::path::Path::new(file), build::Text::Lorem),
        ["build", file, "varied"] => build::run(std::path::Path::new(file), build::Text::Varied),
        ["search", file] => search::run(std::path::Path::new(file), None),
        ["write-cost", file] => search::write_cost(std::path::Path::new(file)),
        ["migrate", file] => search::migrate(std::path::Path::new(file)),
        ["search", file, "--prefix-index", spec] => {
            search::run(std::path::Path::new(file), Some(spec))
        }
        ["hello", port] => match port.parse() {
            Ok(port) => hello::run(port),
            Err(e) => Err(format!("bad port {port}: {e}")),
        },
        _ => Err("usage: pagebench build FILE [varied] | pagebench search FILE [--prefix-index LENGTHS] \
             | pagebench write-cost FILE | pagebench migrate FILE \
             | pagebench hello PORT"
            .into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pagebench: {e}");
            ExitCode::FAILURE
        }
    }
}
