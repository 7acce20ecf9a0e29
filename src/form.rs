//! A form extractor whose failures are pages, not plain text: too large is
//! 413, anything unparseable is 422. Missing fields arrive empty (every form
//! struct defaults them) so the validation message names the field.

use axum::extract::{FromRequest, Request, rejection::FormRejection};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::views::layout;

pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(rejection) => Err(reject(rejection)),
        }
    }
}

fn reject(rejection: FormRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::Invalid(layout::error_page(
            "Unreadable form",
            "The form could not be read. Please go back and submit it again.",
        ))
    }
}
