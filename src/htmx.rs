//! What htmx tells the server about a request, and how to answer a finished
//! form either way: htmx gets `HX-Redirect`, a plain browser a 303.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Notice;
use crate::i18n::Lang;
use crate::views::components::{FLASH_SELECTOR, flash_notice};

/// Whether the request came from htmx (`HX-Request: true`), and the page the
/// browser is on when it says (`HX-Current-URL`).
#[derive(Clone, Debug, Default)]
pub struct Hx {
    pub request: bool,
    pub current_url: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Hx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let h = &parts.headers;
        Ok(Hx {
            request: h.get("hx-request").is_some_and(|v| v == "true"),
            current_url: h
                .get("hx-current-url")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    }
}

/// The path (and query) of a URL, absolute or not.
pub fn path_of(url: &str) -> &str {
    match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |j| &url[i + 3 + j..]),
        None => url,
    }
}

impl Hx {
    /// Whether the browser is on `path` (any page of it).
    pub fn is_on(&self, path: &str) -> bool {
        self.current_url.as_deref().is_some_and(|u| {
            let p = path_of(u);
            p.split(['?', '#']).next() == Some(path)
        })
    }

    /// The `page` the browser is on, from `HX-Current-URL` (1 when absent).
    pub fn current_page(&self) -> u32 {
        self.current_url
            .as_deref()
            .and_then(|u| u.split_once('?'))
            .and_then(|(_, q)| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix("page="))
                    .map(|p| p.split('#').next().unwrap_or(p).to_string())
            })
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    }

    /// After a successful form: go to `to`.
    pub fn redirect(&self, to: &str) -> Response {
        let Ok(value) = HeaderValue::from_str(to) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        if self.request {
            let mut resp = StatusCode::OK.into_response();
            resp.headers_mut().insert("hx-redirect", value);
            resp
        } else {
            let mut resp = StatusCode::SEE_OTHER.into_response();
            resp.headers_mut().insert(header::LOCATION, value);
            resp
        }
    }

    /// The bare form for htmx to swap in place, or the whole page around it.
    pub fn form_or_page(
        &self,
        form: maud::Markup,
        page: impl FnOnce(maud::Markup) -> maud::Markup,
    ) -> maud::Markup {
        if self.request { form } else { page(form) }
    }
}

/// An htmx request that met an error page (403, 404, 413, 500) gets the
/// error as a notice in the page's `#flash` instead: htmx 4 swaps error
/// responses too, and the page would otherwise replace the form that sent
/// the request, with what was typed in it.
pub async fn error_notices(req: Request, next: Next) -> Response {
    let from_htmx = req.headers().get("hx-request").is_some_and(|v| v == "true");
    let sent_form = req.method() == Method::POST;
    let resp = next.run(req).await;
    let notice = match resp.extensions().get::<Notice>() {
        Some(notice) if from_htmx => *notice,
        _ => return resp,
    };
    let (mut parts, _) = resp.into_parts();
    let h = &mut parts.headers;
    h.remove(header::CONTENT_LENGTH);
    h.insert("hx-retarget", HeaderValue::from_static(FLASH_SELECTOR));
    h.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    // The language the request was answered in (`auth::language::localise`).
    let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
    let body = flash_notice(lang, notice, sent_form).into_string();
    Response::from_parts(parts, Body::from(body))
}
