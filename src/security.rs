//! Refuses state-changing requests (and socket upgrades) sent from another
//! site: a browser names the site in `Sec-Fetch-Site` and `Origin`.

use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

fn cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // "null" (sandboxed frames, some redirects) is not this site either.
        let origin_host = origin.split_once("://").map(|(_, host)| host);
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        return origin_host.is_none() || origin_host != host;
    }
    false
}

pub async fn same_site_only(req: Request, next: Next) -> Response {
    let changes_state = req.method() != Method::GET && req.method() != Method::HEAD;
    let upgrade = req.headers().contains_key(header::UPGRADE);
    if (changes_state || upgrade) && cross_site(&req) {
        return AppError::Forbidden("Requests from other sites are refused.").into_response();
    }
    next.run(req).await
}
