//! The wire's cost, for the page benchmarks: a bare axum server answering
//! every GET with the bytes of one file, as `text/html`. `bench/pagecpu.sh`
//! compares causerie's CPU per page with this one's for the same bytes.
//!
//!   cargo run --release --example hello_bytes -- 127.0.0.1:61190 page.html

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: hello_bytes ADDR FILE");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(&file).expect("readable file"));
    let page = move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response() }
    };
    let app = Router::new().fallback(get(page));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .expect("bindable address");
    axum::serve(listener, app).await.expect("server runs");
}
