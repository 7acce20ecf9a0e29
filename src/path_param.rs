//! A path-parameter extractor whose failures are pages: `/forums/abc` names
//! nothing, so it is a 404 page like any missing forum, not plain text.

use axum::extract::{FromRequestParts, rejection::PathRejection};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rejection) => Err(reject(rejection)),
        }
    }
}

fn reject(rejection: PathRejection) -> AppError {
    match rejection {
        // A route matched without its parameters: a bug, not a missing page.
        PathRejection::MissingPathParams(e) => AppError::Internal(e.to_string()),
        _ => AppError::NotFound,
    }
}
