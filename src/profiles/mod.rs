//! Profiles: `/users/{name}`, a member's picture, dates and counts, and
//! their messages newest first, 20 a page. Names are matched ignoring case.

pub mod queries;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::forums::PageQuery;
use crate::i18n::Lang;
use crate::path_param::Path;
use crate::validate::USERNAME_MAX;
use crate::views::components::{PAGE_SIZE, Paging};

pub fn router() -> Router<AppState> {
    Router::new().route("/users/{name}", get(show))
}

async fn show(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    l: Lang,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = q.page()?;
    // No account has a longer name: nothing to look up.
    if name.chars().count() > USERNAME_MAX {
        return Err(AppError::NotFound);
    }
    let (profile, messages, paging) = state
        .db
        .read(move |c| {
            let profile = queries::by_name(c, &name)?.ok_or(AppError::NotFound)?;
            let paging = Paging::existing(page, profile.message_count)?;
            let messages = queries::page(
                c,
                profile.id,
                profile.message_count,
                paging.offset(),
                PAGE_SIZE,
            )?;
            Ok((profile, messages, paging))
        })
        .await?;
    Ok(views::profile_page(l, user.as_ref(), &profile, &messages, paging).into_response())
}
