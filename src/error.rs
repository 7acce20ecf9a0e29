//! The one error type of the application, and how each error looks to a user.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::i18n::{Lang, Msg};
use crate::views::layout;

/// Every way a request can fail. 4xx variants carry what the user is told;
/// infrastructure errors convert with `?` and are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in: shown the login form, with the page they wanted as `next`.
    #[error("login required")]
    Unauthorized { next: String },
    #[error("forbidden")]
    Forbidden(Msg),
    /// A reply to a locked topic: the form again, with what was typed.
    #[error("topic locked")]
    Locked(Markup),
    #[error("not found")]
    NotFound,
    /// A page opened at an address that only receives forms (after a form
    /// was refused, the address bar holds it): 405 with a page saying so.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Bad input: the form again, the error next to its field, what was typed kept.
    #[error("invalid input")]
    Invalid(Markup),
    /// A taken username or forum name: the form again, like `Invalid`.
    #[error("conflict")]
    Conflict(Markup),
    /// Refused for who the user is (a disabled or pending account at login):
    /// the form again, saying why; 403.
    #[error("refused")]
    Refused(Markup),
    #[error("too many attempts")]
    TooManyAttempts(Markup),
    /// Every password-hashing thread busy and their queue full.
    #[error("busy")]
    Busy,
    /// Too much of one kind of work already running (searches): the page
    /// again, saying to try later; 503.
    #[error("overloaded")]
    Overloaded(Markup),
    #[error("request body too large")]
    PayloadTooLarge,
    /// A picture upload over its own, larger, limit.
    #[error("upload too large")]
    UploadTooLarge,
    #[error("unreadable form")]
    Unreadable,
    #[error("database: {0}")]
    Db(#[from] crate::db::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("background task: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// What an error page says, also kept on its response: an htmx request gets
/// it as a notice (`htmx::error_notices`) rather than a whole page swapped
/// into the form that sent it.
#[derive(Clone, Copy, Debug)]
pub struct Notice {
    pub title: Msg,
    pub message: Msg,
}

impl Notice {
    /// The error page saying it in `l`.
    pub fn page_in(self, l: Lang) -> Markup {
        layout::error_page(l, &self.title.in_(l), &self.message.in_(l))
    }

    /// Rendered in English here: the response has no request to ask for its
    /// language; `auth::language::localise` renders it again in the
    /// request's (it finds the `Notice` on the response).
    fn page(self, status: StatusCode) -> (StatusCode, Markup, Option<Notice>) {
        (status, self.page_in(Lang::En), Some(self))
    }
}

/// On a 401's response: the page the visitor wanted, so the login form can
/// be rendered again in their language (see `Notice::page`).
#[derive(Clone, Debug)]
pub struct LoginRequired(pub String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body, notice) = match self {
            AppError::Unauthorized { next } => {
                let mut resp = (
                    StatusCode::UNAUTHORIZED,
                    crate::auth::views::login_required_page(Lang::En, &next),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&crate::paths::login_required(&next)) {
                    resp.headers_mut().insert("hx-redirect", v);
                }
                resp.extensions_mut().insert(LoginRequired(next));
                return resp;
            }
            AppError::Forbidden(why) => Notice {
                title: Msg("error-forbidden"),
                message: why,
            }
            .page(StatusCode::FORBIDDEN),
            AppError::NotFound => Notice {
                title: Msg("error-not-found"),
                message: Msg("error-not-found-text"),
            }
            .page(StatusCode::NOT_FOUND),
            AppError::MethodNotAllowed => Notice {
                title: Msg("error-method"),
                message: Msg("error-method-text"),
            }
            .page(StatusCode::METHOD_NOT_ALLOWED),
            AppError::Locked(form) => (StatusCode::FORBIDDEN, form, None),
            AppError::Invalid(form) => (StatusCode::UNPROCESSABLE_ENTITY, form, None),
            AppError::Conflict(form) => (StatusCode::CONFLICT, form, None),
            AppError::Refused(form) => (StatusCode::FORBIDDEN, form, None),
            AppError::TooManyAttempts(form) => (StatusCode::TOO_MANY_REQUESTS, form, None),
            AppError::Overloaded(form) => (StatusCode::SERVICE_UNAVAILABLE, form, None),
            AppError::Busy => Notice {
                title: Msg("error-busy"),
                message: Msg("error-busy-text"),
            }
            .page(StatusCode::SERVICE_UNAVAILABLE),
            AppError::PayloadTooLarge => Notice {
                title: Msg("error-too-large"),
                message: Msg("error-too-large-text"),
            }
            .page(StatusCode::PAYLOAD_TOO_LARGE),
            AppError::UploadTooLarge => Notice {
                title: Msg("error-too-large"),
                message: Msg("error-upload-too-large-text"),
            }
            .page(StatusCode::PAYLOAD_TOO_LARGE),
            AppError::Unreadable => Notice {
                title: Msg("error-unreadable"),
                message: Msg("error-unreadable-text"),
            }
            .page(StatusCode::UNPROCESSABLE_ENTITY),
            other => {
                tracing::error!(error = %other, "request failed");
                Notice {
                    title: Msg("error-internal"),
                    message: Msg("error-internal-text"),
                }
                .page(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let mut resp = (status, body).into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(notice) = notice {
            resp.extensions_mut().insert(notice);
        }
        resp
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Db(e.into())
    }
}
