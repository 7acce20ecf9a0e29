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
use crate::i18n::Lang;
use crate::pagecache::{PageKey, Stamp};
use crate::path_param::Path;
use crate::perms::Role;
use crate::reads;
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

/// What a page of `user` was read at: the database's generation and, for a
/// member, their read marks' version (their markers are on it).
fn stamp(state: &AppState, user: Option<&crate::auth::User>) -> Stamp {
    Stamp {
        reads: user.map_or(0, |u| state.reads.version(u.id)),
        generation: state.db.generation(),
        bell: 0,
    }
    .with_bell(user)
}

async fn home(State(state): State<AppState>, Viewer(user): Viewer, l: Lang) -> AppResult<Response> {
    let role = Role::of(user.as_ref());
    let stamp = stamp(&state, user.as_ref());
    state
        .pages
        .serve(PageKey::Home, role, l, stamp, async {
            let marks = state.reads.clone();
            let member = user.as_ref().map(|u| u.id);
            let (forums, unread) = state
                .db
                .read(move |c| {
                    let forums = queries::list(c)?;
                    let unread = match member {
                        Some(id) => Some(reads::unread_forums(c, &marks, id, &forums)?),
                        None => None,
                    };
                    Ok((forums, unread))
                })
                .await?;
            Ok(views::home_page(l, user.as_ref(), &forums, unread.as_ref()))
        })
        .await
}

/// A forum page's data, read in a fixed number of queries.
pub fn load_page(
    conn: &crate::db::Conn,
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
    l: Lang,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = q.page()?;
    let key = PageKey::Forum { id, page };
    let role = Role::of(user.as_ref());
    let stamp = stamp(&state, user.as_ref());
    state
        .pages
        .serve(key, role, l, stamp, async {
            let marks = state.reads.clone();
            let member = user.as_ref().map(|u| u.id);
            let (forum, rows, paging, unread) = state
                .db
                .read(move |c| {
                    let (forum, rows, paging) = load_page(c, id, page)?;
                    let unread = match member {
                        Some(user) => Some(reads::unread_rows(c, &marks, user, id, &rows)?),
                        None => None,
                    };
                    Ok((forum, rows, paging, unread))
                })
                .await?;
            Ok(views::forum_page(views::ForumPage {
                lang: l,
                user: user.as_ref(),
                forum: &forum,
                topics: &rows,
                unread: unread.as_ref(),
                paging,
                form: &Default::default(),
            }))
        })
        .await
}
