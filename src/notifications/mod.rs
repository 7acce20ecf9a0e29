//! Notifications: a member hears when someone mentions them (`@name`),
//! quotes one of their messages, or replies in a topic they posted in or
//! follow. A message's transaction writes them when they are a few rows (a
//! topic of at most `queries::INLINE_MEMBERS` members), else records one
//! job (`queries::enqueue`) that the worker (`worker.rs`) does in steps; the
//! counts they move ring the bells after the commit. Here:
//! the list at `/notifications`, marking read, the kinds a member wants, a
//! topic's follow / mute, and the bodies' mentions resolved at write time.

pub mod queries;
pub mod views;
pub mod worker;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

pub use worker::{Bells, Notifier, ring, step};

use crate::app::AppState;
use crate::auth::{Member, User};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::forums::PageQuery;
use crate::htmx::Hx;
use crate::i18n::Lang;
use crate::markdown::{self, Body};
use crate::path_param::Path;
use crate::paths;
use crate::views::components::{PAGE_SIZE, Paging};
use queries::Level;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::NOTIFICATIONS, get(list))
        .route(paths::NOTIFICATIONS_READ, post(mark_all))
        .route("/notifications/{id}", get(open))
        .route("/notifications/{id}/read", post(mark_one))
        .route(paths::ACCOUNT_NOTIFICATIONS, post(set_kinds))
        .route("/topics/{id}/notify", post(set_level))
}

/// `source` rendered with the `@name`s of existing members linked (one
/// index seek per distinct name, at most `mentions::MAX_LOOKED_UP`).
pub async fn body(state: &AppState, source: String) -> AppResult<Body> {
    let names = markdown::mention_candidates(&source);
    if names.is_empty() {
        return Ok(Body::new(source));
    }
    let members = state
        .db
        .read(move |c| Ok(queries::members_named(c, &names)?))
        .await?;
    Ok(Body::with_members(source, &members))
}

/// The members an edit from `old` to `new` mentions for the first time.
pub async fn newly_mentioned(state: &AppState, old: &str, new: &Body) -> AppResult<Vec<i64>> {
    if new.mentioned.is_empty() {
        return Ok(Vec::new());
    }
    let before = body(state, old.to_string()).await?.mentioned;
    Ok(new
        .mentioned
        .iter()
        .copied()
        .filter(|id| !before.contains(id))
        .collect())
}

async fn list(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Markup> {
    let page = q.page()?;
    let id = user.id;
    let (rows, paging) = state
        .db
        .read(move |c| {
            let paging = Paging::existing(page, queries::count(c, id)?)?;
            let rows = queries::page(c, id, paging.offset(), PAGE_SIZE)?;
            Ok((rows, paging))
        })
        .await?;
    Ok(views::notifications_page(l, &user, &rows, paging))
}

/// Marks `user`'s notification `id` read (`None`: all), then sets and
/// rings their bell, in commit order.
async fn mark(state: &AppState, user: i64, id: Option<i64>) -> AppResult<()> {
    state
        .db
        .write_logged(
            move |tx| {
                queries::mark_read(tx, user, id)?;
                Ok(queries::unread_count(tx, user)?)
            },
            move |count| worker::ringing(&[(user, *count)]),
        )
        .await?;
    Ok(())
}

/// Opens a notification: marks it read and goes to its message. A GET (it
/// is a link), so it marks only when the request comes from this site: a
/// link elsewhere only leads to the message.
async fn open(
    State(state): State<AppState>,
    Member(user): Member,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let uid = user.id;
    let row = state
        .db
        .read(move |c| Ok(queries::by_id(c, uid, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let from_here = headers
        .get("sec-fetch-site")
        .is_none_or(|v| v == "same-origin" || v == "none");
    if row.unread && from_here {
        mark(&state, user.id, Some(id)).await?;
    }
    // A report is handled in the queue, which shows the message.
    let to = match row.kind {
        queries::Kind::Report if user.is_admin => paths::ADMIN_REPORTS.to_string(),
        _ => paths::message(row.message_id),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageInput {
    page: Option<u32>,
}

async fn mark_one(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
    Form(input): Form<PageInput>,
) -> AppResult<Response> {
    mark(&state, user.id, Some(id)).await?;
    let page = input.page.unwrap_or(1).max(1);
    if !hx.request {
        return Ok(Redirect::to(&paths::notifications_page(page)).into_response());
    }
    let uid = user.id;
    let row = state
        .db
        .read(move |c| Ok(queries::by_id(c, uid, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views::item(l, &row, page).into_response())
}

async fn mark_all(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    hx: Hx,
    Form(input): Form<PageInput>,
) -> AppResult<Response> {
    mark(&state, user.id, None).await?;
    let page = input.page.unwrap_or(1).max(1);
    if !hx.request {
        return Ok(Redirect::to(&paths::notifications_page(page)).into_response());
    }
    let uid = user.id;
    let rows = state
        .db
        .read(move |c| {
            let paging = Paging::new(page, queries::count(c, uid)?);
            Ok(queries::page(c, uid, paging.offset(), PAGE_SIZE)?)
        })
        .await?;
    Ok(views::list(l, &rows, page).into_response())
}

/// The kinds form as `/account` shows it.
pub async fn kinds_form(l: Lang, state: &AppState, user: &User) -> AppResult<Markup> {
    let id = user.id;
    let kinds = state.db.read(move |c| Ok(queries::kinds(c, id)?)).await?;
    Ok(views::kinds_form(l, kinds, false))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindsInput {
    mention: Option<String>,
    quote: Option<String>,
    reply: Option<String>,
}

async fn set_kinds(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    hx: Hx,
    Form(input): Form<KindsInput>,
) -> AppResult<Response> {
    let kinds = [
        (input.mention.is_some(), queries::Kind::Mention),
        (input.quote.is_some(), queries::Kind::Quote),
        (input.reply.is_some(), queries::Kind::Reply),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .fold(0, |bits, (_, k)| bits | k.bit());
    let id = user.id;
    state
        .db
        .write(move |tx| Ok(queries::set_kinds(tx, id, kinds)?))
        .await?;
    if hx.request {
        Ok(views::kinds_form(l, kinds, true).into_response())
    } else {
        Ok(Redirect::to(paths::ACCOUNT).into_response())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LevelInput {
    level: String,
}

/// `user`'s level in `topic`, for the topic page's control.
pub fn level_of(conn: &crate::db::Conn, topic: i64, user: i64) -> AppResult<Option<Level>> {
    Ok(queries::level(conn, topic, user)?)
}

async fn set_level(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(topic): Path<i64>,
    hx: Hx,
    Form(input): Form<LevelInput>,
) -> AppResult<Response> {
    let level = match input.level.as_str() {
        "follow" => Some(Level::Following),
        "mute" => Some(Level::Muted),
        "default" => None,
        _ => return Err(AppError::Invalid(views::topic_control(l, topic, None))),
    };
    let id = user.id;
    let now = state
        .db
        .write(move |tx| {
            if crate::topics::queries::by_id(tx, topic)?.is_none() {
                return Err(AppError::NotFound);
            }
            queries::set_level(tx, topic, id, level)?;
            Ok(queries::level(tx, topic, id)?)
        })
        .await?;
    if hx.request {
        Ok(views::topic_control(l, topic, now).into_response())
    } else {
        Ok(Redirect::to(&paths::topic(topic)).into_response())
    }
}
