//! The baseline: the smallest axum server answering a page's bytes. What a
//! causerie page costs beyond this is what the page itself costs.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// The largest body served; pages are far smaller.
const MAX: usize = 4 << 20;

pub fn run(port: u16) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        // One buffer, sliced per request: serving n bytes costs no copy.
        let body = Bytes::from(vec![b'x'; MAX]);
        let app = Router::new().route(
            "/{n}",
            get(move |Path(n): Path<usize>| {
                let body = body.slice(..n.min(MAX));
                async move {
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
                }
            }),
        );
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    })
}
