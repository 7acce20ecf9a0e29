//! The one error type of the application, and how each error looks to a user.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::views::layout;

/// Every way a request can fail. 4xx variants carry what the user is told;
/// infrastructure errors convert with `?` and are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in: shown the login form, with the page they wanted as `next`.
    #[error("login required")]
    Unauthorized { next: String },
    #[error("forbidden")]
    Forbidden(&'static str),
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
    Db(#[from] rusqlite::Error),
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
    pub title: &'static str,
    pub message: &'static str,
}

impl Notice {
    fn page(self, status: StatusCode) -> (StatusCode, Markup, Option<Notice>) {
        (
            status,
            layout::error_page(self.title, self.message),
            Some(self),
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body, notice) = match self {
            AppError::Unauthorized { next } => {
                let mut resp = (
                    StatusCode::UNAUTHORIZED,
                    crate::auth::views::login_page(
                        &Default::default(),
                        Some(crate::auth::LOGIN_REQUIRED),
                        &next,
                    ),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&crate::paths::login_required(&next)) {
                    resp.headers_mut().insert("hx-redirect", v);
                }
                return resp;
            }
            AppError::Forbidden(why) => Notice {
                title: "Forbidden",
                message: why,
            }
            .page(StatusCode::FORBIDDEN),
            AppError::NotFound => Notice {
                title: "Not found",
                message: "There is nothing at this address.",
            }
            .page(StatusCode::NOT_FOUND),
            AppError::MethodNotAllowed => Notice {
                title: "Nothing to show here",
                message: "This address only receives forms. Go back to the page you came from, or start from the home page.",
            }
            .page(StatusCode::METHOD_NOT_ALLOWED),
            AppError::Locked(form) => (StatusCode::FORBIDDEN, form, None),
            AppError::Invalid(form) => (StatusCode::UNPROCESSABLE_ENTITY, form, None),
            AppError::Conflict(form) => (StatusCode::CONFLICT, form, None),
            AppError::Refused(form) => (StatusCode::FORBIDDEN, form, None),
            AppError::TooManyAttempts(form) => (StatusCode::TOO_MANY_REQUESTS, form, None),
            AppError::Overloaded(form) => (StatusCode::SERVICE_UNAVAILABLE, form, None),
            AppError::Busy => Notice {
                title: "Busy",
                message: "The server is busy checking other passwords. Please try again in a few seconds.",
            }
            .page(StatusCode::SERVICE_UNAVAILABLE),
            AppError::PayloadTooLarge => Notice {
                title: "Too large",
                message: "That request is larger than 64 KiB: shorten it and send it again.",
            }
            .page(StatusCode::PAYLOAD_TOO_LARGE),
            AppError::UploadTooLarge => Notice {
                title: "Too large",
                message: "That picture is larger than 2 MB: choose a smaller one and send it again.",
            }
            .page(StatusCode::PAYLOAD_TOO_LARGE),
            AppError::Unreadable => Notice {
                title: "Unreadable form",
                message: "The form could not be read. Please go back and submit it again.",
            }
            .page(StatusCode::UNPROCESSABLE_ENTITY),
            other => {
                tracing::error!(error = %other, "request failed");
                Notice {
                    title: "Something went wrong",
                    message: "The server could not complete this request. Nothing was changed; please try again.",
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
