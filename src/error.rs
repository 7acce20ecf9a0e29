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
    /// Bad input: the form again, the error next to its field, what was typed kept.
    #[error("invalid input")]
    Invalid(Markup),
    /// A taken username or forum name: the form again, like `Invalid`.
    #[error("conflict")]
    Conflict(Markup),
    #[error("too many attempts")]
    TooManyAttempts(Markup),
    #[error("request body too large")]
    PayloadTooLarge,
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            AppError::Unauthorized { next } => {
                let mut resp = (
                    StatusCode::UNAUTHORIZED,
                    crate::auth::views::login_page(
                        &Default::default(),
                        Some("Please log in to continue."),
                        &next,
                    ),
                )
                    .into_response();
                // htmx follows this header with a full navigation to the login page.
                if let Ok(v) = HeaderValue::from_str(&crate::paths::login_next(&next)) {
                    resp.headers_mut().insert("hx-redirect", v);
                }
                return resp;
            }
            AppError::Forbidden(why) => {
                (StatusCode::FORBIDDEN, layout::error_page("Forbidden", why))
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                layout::error_page("Not found", "There is nothing at this address."),
            ),
            AppError::Locked(form) => (StatusCode::FORBIDDEN, form),
            AppError::Invalid(form) => (StatusCode::UNPROCESSABLE_ENTITY, form),
            AppError::Conflict(form) => (StatusCode::CONFLICT, form),
            AppError::TooManyAttempts(form) => (StatusCode::TOO_MANY_REQUESTS, form),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                layout::error_page("Too large", "That request is larger than 64 KiB."),
            ),
            other => {
                tracing::error!(error = %other, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    layout::error_page(
                        "Something went wrong",
                        "The server could not complete this request. Nothing was changed; please try again.",
                    ),
                )
            }
        };
        let mut resp = (status, body).into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}
