//! A form extractor whose failures are pages, not plain text: too large is
//! 413, anything unparseable is 422. Missing fields arrive empty (every form
//! struct defaults them) so the validation message names the field.
//!
//! It reads `application/x-www-form-urlencoded` and `multipart/form-data`.
//! The forms that carry long text are sent as multipart: URL-encoding turns
//! each byte of a non-ASCII character into three, so a message of 20,000
//! Chinese characters (allowed) would be 180 KB urlencoded and over the
//! 64 KiB limit, but is 60 KB as multipart.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The `enctype` of forms that carry long text (see above).
pub const LONG_TEXT: &str = "multipart/form-data";

pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with(LONG_TEXT));
        if !multipart {
            return match axum::Form::<T>::from_request(req, state).await {
                Ok(axum::Form(v)) => Ok(Form(v)),
                Err(rejection) => Err(reject(rejection.status())),
            };
        }
        let mut parts = Multipart::from_request(req, state)
            .await
            .map_err(|r| reject(r.status()))?;
        let mut fields = Vec::new();
        while let Some(field) = parts.next_field().await.map_err(|e| reject(e.status()))? {
            let name = field.name().unwrap_or_default().to_string();
            let value = field.text().await.map_err(|e| reject(e.status()))?;
            fields.push((name, value));
        }
        // The same decoding as a urlencoded body, so both kinds read alike.
        let encoded =
            serde_urlencoded::to_string(&fields).map_err(|_| reject(StatusCode::BAD_REQUEST))?;
        serde_urlencoded::from_str(&encoded)
            .map(Form)
            .map_err(|_| reject(StatusCode::UNPROCESSABLE_ENTITY))
    }
}

fn reject(status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::Unreadable
    }
}
