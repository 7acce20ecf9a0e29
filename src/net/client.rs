//! `ClientAddr`: the one answer to "which address is asking", for
//! throttles and caps. The connection sets it on every request (see
//! `serve`), from the peer or, behind a trusted proxy, from what it forwards.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        if let Some(addr) = parts.extensions.get::<ClientAddr>() {
            return Ok(*addr);
        }
        // Served by something other than `net::serve`: the peer is all we know.
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| ClientAddr(peer.ip()))
            .ok_or_else(|| AppError::Internal("no client address on the request".into()))
    }
}
