//! The network edge: accepting connections under timeouts and caps
//! (`serve`, `limits`), knowing who the client is, also behind a reverse
//! proxy (`client`, `proxy`), and the socket caps and public origin that
//! handlers consult (`Edge`).

mod client;
mod limits;
mod proxy;
mod serve;

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use client::ClientAddr;
pub use limits::{Full, Limits, Slot, Tally};
pub use proxy::{Client, PublicOrigin, TrustedProxies, secure_cookies};
pub use serve::serve;

/// What handlers and middleware need from the edge; kept in `AppState`.
pub struct Edge {
    sockets: Arc<Tally>,
    /// Where the forum is reached, when configured: `Origin` is compared
    /// with it rather than with `Host`.
    pub public_origin: Option<PublicOrigin>,
}

impl Default for Edge {
    fn default() -> Self {
        Self::new(&Limits::default(), None)
    }
}

impl Edge {
    pub fn new(limits: &Limits, public_origin: Option<PublicOrigin>) -> Self {
        Self {
            sockets: Tally::new("socket", limits.max_sockets, limits.max_sockets_per_addr),
            public_origin,
        }
    }

    /// A place for one more WebSocket from `client`, held as long as the
    /// socket is open; or why not.
    pub fn admit_socket(&self, client: IpAddr) -> Result<Slot, SocketRefused> {
        self.sockets.admit(client, true).map_err(SocketRefused)
    }
}

/// A WebSocket over a cap: answered 429 (this address) or 503 (everyone),
/// with a plain text saying which, instead of the upgrade.
///
/// Refused before the upgrade rather than closed after it: a refusal then
/// costs no upgrade, no task and no catch-up, and the browser's `hx-ws`
/// treats the failed handshake (close code 1006) as a reason to reconnect,
/// with a growing delay (0.5 s doubling to a minute), so the page goes live
/// again by itself once a place frees up. (A close with 1008 would make it
/// give up for good.)
#[derive(Debug)]
pub struct SocketRefused(pub Full);

impl IntoResponse for SocketRefused {
    fn into_response(self) -> Response {
        let (status, text) = match self.0 {
            Full::Address => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many live pages open from your address: close some tabs of this forum, or wait.",
            ),
            Full::Total => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The forum has as many live pages open as it can hold: try again later.",
            ),
        };
        let mut resp = (status, text).into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        resp
    }
}
