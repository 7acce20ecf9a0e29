//! Forums: the home page and each forum's page of topics.

pub mod queries;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::pagecache::PageKey;
use crate::path_param::Path;
use crate::perms::Role;
use crate::topics;
use crate::views::components::{PAGE_SIZE, Paging};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/forums/{id}", get(show))
}

/// `?page=N`; anything but a positive number is a page that does not exist.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> AppResult<u32> {
        match self.page.as_deref() {
            None | Some("") => Ok(1),
            Some(p) => p.parse().ok().filter(|n| *n >= 1).ok_or(AppError::NotFound),
        }
    }
}

async fn home(State(state): State<AppState>, Viewer(user): Viewer) -> AppResult<Response> {
    let role = Role::of(user.as_ref());
    let generation = state.db.generation();
    state
        .pages
        .serve(PageKey::Home, role, generation, async {
            let forums = state.db.read(|c| Ok(queries::list(c)?)).await?;
            Ok(views::home_page(user.as_ref(), &forums))
        })
        .await
}

/// A forum page's data, read in a fixed number of queries.
pub fn load_page(
    conn: &rusqlite::Connection,
    forum_id: i64,
    page: u32,
) -> AppResult<(queries::Forum, Vec<topics::queries::TopicRow>, Paging)> {
    let forum = queries::by_id(conn, forum_id)?.ok_or(AppError::NotFound)?;
    let paging = Paging::existing(page, forum.topic_count)?;
    let rows = topics::queries::page(conn, forum_id, paging.offset(), PAGE_SIZE)?;
    Ok((forum, rows, paging))
}

async fn show(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = q.page()?;
    let key = PageKey::Forum { id, page };
    let role = Role::of(user.as_ref());
    let generation = state.db.generation();
    state
        .pages
        .serve(key, role, generation, async {
            let (forum, rows, paging) = state.db.read(move |c| load_page(c, id, page)).await?;
            Ok(views::forum_page(views::ForumPage {
                user: user.as_ref(),
                forum: &forum,
                topics: &rows,
                paging,
                form: &Default::default(),
            }))
        })
        .await
}
