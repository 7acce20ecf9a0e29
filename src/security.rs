//! Guards every request passes before any handler: state-changing requests
//! (and socket upgrades) sent from another site are refused, as is any body
//! announced larger than the limit, whether or not its handler reads it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Msg;
use crate::net::{Edge, PublicOrigin};
use crate::validate::REQUEST_BODY_MAX;
use crate::{avatars, paths};

/// `public`: where the forum is reached, when configured. Behind a proxy
/// `Host` may be the proxy's own view, so `Origin` is compared with it (all
/// of it: scheme, host, port); without one, with `Host`.
fn cross_site(req: &Request, public: Option<&PublicOrigin>) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if let Some(public) = public {
            return !public.matches(origin);
        }
        // "null" (sandboxed frames, some redirects) is not this site either.
        let origin_host = origin.split_once("://").map(|(_, host)| host);
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        return origin_host.is_none() || origin_host != host;
    }
    false
}

pub async fn same_site_only(State(edge): State<Arc<Edge>>, req: Request, next: Next) -> Response {
    let changes_state = req.method() != Method::GET && req.method() != Method::HEAD;
    let upgrade = req.headers().contains_key(header::UPGRADE);
    if (changes_state || upgrade) && cross_site(&req, edge.public_origin.as_ref()) {
        return AppError::Forbidden(Msg("forbidden-other-site")).into_response();
    }
    next.run(req).await
}

/// 413 for a `Content-Length` over the limit: 64 KiB, except for a picture
/// upload. (A body without one is stopped by the extractors' limit as it is
/// read.)
pub async fn body_limit(req: Request, next: Next) -> Response {
    let upload = req.uri().path() == paths::ACCOUNT_AVATAR;
    let limit = if upload {
        avatars::UPLOAD_BODY_MAX
    } else {
        REQUEST_BODY_MAX
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        // The body is left unread, so this connection cannot carry another
        // request: say so, or a client may reuse it and meet a broken pipe.
        let error = if upload {
            AppError::UploadTooLarge
        } else {
            AppError::PayloadTooLarge
        };
        let mut resp = error.into_response();
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    next.run(req).await
}

/// Only this site's own scripts, styles, images and sockets: no inline
/// script, no eval (so nothing uses `hx-on`), no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers on every answer, pages and static files alike: the policy above,
/// no framing by other sites (older browsers), no MIME sniffing, and no
/// address of a forum page sent to the sites its links lead to.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    resp
}
