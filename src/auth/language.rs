//! Choosing the language: the footer's switcher (anyone; a cookie, and a
//! member's own choice too), the account page's form (a member's choice, or
//! none), and the layer that tells every response which language it is in
//! and renders error pages made without the request again in it.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use super::Viewer;
use super::queries;
use crate::app::AppState;
use crate::error::{AppError, AppResult, LoginRequired, Notice};
use crate::form::Form;
use crate::htmx::{Hx, path_of};
use crate::i18n::{self, Lang};
use crate::paths;

/// A year: the visitor's choice outlives a session.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// Resolves the request's language once (kept in its extensions for the
/// handler's `Lang`), renders again in it an error page that was rendered
/// without the request (`Notice`, 401's login page), marks the response
/// with it (for `htmx::error_notices`), and says that pages vary by what
/// chose it. Runs inside the session layer: a member's choice needs the
/// session.
pub async fn localise(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let lang = Lang::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_default();
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    if lang != Lang::En {
        let again = if let Some(notice) = resp.extensions().get::<Notice>() {
            Some(notice.page_in(lang))
        } else {
            resp.extensions()
                .get::<LoginRequired>()
                .map(|LoginRequired(next)| super::views::login_required_page(lang, next))
        };
        if let Some(page) = again {
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            *resp.body_mut() = Body::from(page.into_string());
        }
    }
    resp.extensions_mut().insert(lang);
    resp.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    resp
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangInput {
    /// `en`, `fr`; empty on the account form: no choice of one's own.
    lang: String,
}

/// The footer's switcher: sets the cookie, and a member's own choice (which
/// would otherwise win over the cookie), then back to the page it was on.
pub async fn switch(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    hx: Hx,
    req_headers: axum::http::HeaderMap,
    Form(input): Form<LangInput>,
) -> AppResult<Response> {
    // A language this site does not speak changes nothing.
    let Some(lang) = Lang::from_code(&input.lang) else {
        return Err(AppError::Unreadable);
    };
    if let Some(user) = user {
        save(&state, user.id, Some(lang)).await?;
    }
    let back = req_headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(path_of)
        .map(|p| paths::safe_next(Some(p)))
        .unwrap_or_else(|| paths::HOME.to_string());
    let mut resp = hx.redirect(&back);
    set_cookie(&mut resp, lang);
    Ok(resp)
}

/// The account page's form: the member's own choice, or none.
pub async fn choose(
    State(state): State<AppState>,
    super::Member(user): super::Member,
    hx: Hx,
    Form(input): Form<LangInput>,
) -> AppResult<Response> {
    // "" is the form's "follow my browser"; anything else it cannot send
    // changes nothing.
    let lang = match input.lang.as_str() {
        "" => None,
        code => Some(Lang::from_code(code).ok_or(AppError::Unreadable)?),
    };
    save(&state, user.id, lang).await?;
    let mut resp = hx.redirect(paths::ACCOUNT);
    if let Some(lang) = lang {
        set_cookie(&mut resp, lang);
    }
    Ok(resp)
}

async fn save(state: &AppState, user_id: i64, lang: Option<Lang>) -> AppResult<()> {
    let langs = state.langs.clone();
    state
        .db
        .write(move |tx| {
            queries::set_lang(tx, user_id, lang)?;
            // Before the commit: a page cached after it has the new choice.
            langs.set(user_id, lang);
            Ok(())
        })
        .await
}

fn set_cookie(resp: &mut Response, lang: Lang) {
    let cookie = format!(
        "{}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly",
        i18n::COOKIE,
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}
