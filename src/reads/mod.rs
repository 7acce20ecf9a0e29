//! Read and unread: which messages each member has read, the markers their
//! home and forum pages show, and "mark all read".
//!
//! A member's mark in a topic is the last message id they have read there
//! (`topic_reads`, one row per member and topic), lifted by "mark all read"
//! for the forum or the site. A topic page shown to a member, and a message
//! delivered live to a member's open page, move the mark in memory
//! (`ReadMarks`), written in batches.

pub mod marks;
pub mod queries;
pub mod views;

use std::collections::HashMap;

use crate::db::Conn;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

pub use marks::ReadMarks;
pub use queries::Unread;

use crate::app::AppState;
use crate::auth::Member;
use crate::error::{AppError, AppResult};
use crate::forums::queries::ForumSummary;
use crate::htmx::Hx;
use crate::path_param::Path;
use crate::paths;
use crate::topics::queries::TopicRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forums/{id}/read", post(read_forum))
        .route(paths::READ_ALL, post(read_all))
}

/// What `user` has not read in a topic whose last message is `last` and
/// which holds `count` messages, given their forum's `watermark`.
pub fn unread_topic(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    watermark: i64,
    topic: (i64, i64, i64),
) -> crate::db::Result<Option<Unread>> {
    let (topic_id, last, _) = topic;
    if last <= watermark || last <= marks.pending(user, topic_id) {
        return Ok(None);
    }
    let written = queries::topic_mark(conn, user, topic_id)?;
    unread_past(conn, marks, user, topic, watermark, written)
}

/// The unread part of `topic` for `user`, given their written marks: the
/// forum's watermark and their mark in the topic (lifted by a pending one).
fn unread_past(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    topic: (i64, i64, i64),
    watermark: i64,
    written: i64,
) -> crate::db::Result<Option<Unread>> {
    let (topic_id, last, count) = topic;
    let read = marks.effective(user, topic_id, written).max(watermark);
    if last <= read {
        return Ok(None);
    }
    queries::unread_after(conn, topic_id, count, read)
}

/// What `user` has not read in a topic of `forum_id`: (id, last message,
/// message count). Two reads at most: their marks, then, when something is
/// unread, the first unread message.
pub fn unread_in_forum(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    forum_id: i64,
    topic: (i64, i64, i64),
) -> crate::db::Result<Option<Unread>> {
    let (topic_id, last, _) = topic;
    if last <= marks.pending(user, topic_id) {
        return Ok(None);
    }
    let (watermark, written) = queries::marks(conn, user, forum_id, topic_id)?;
    unread_past(conn, marks, user, topic, watermark, written)
}

/// What `user` has not read in each of a forum page's topics.
pub fn unread_rows(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    forum_id: i64,
    rows: &[TopicRow],
) -> crate::db::Result<HashMap<i64, Option<Unread>>> {
    let watermark = queries::watermark(conn, user, forum_id)?;
    rows.iter()
        .map(|t| {
            let topic = (t.id, t.last_message_id, t.message_count);
            Ok((t.id, unread_topic(conn, marks, user, watermark, topic)?))
        })
        .collect()
}

/// Whether `user` has anything unread in forum `forum_id`.
pub fn forum_unread(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    forum_id: i64,
) -> crate::db::Result<bool> {
    let watermark = queries::watermark(conn, user, forum_id)?;
    queries::forum_has_unread(conn, user, forum_id, watermark, |topic| {
        marks.pending(user, topic)
    })
}

/// Which forums hold something `user` has not read.
pub fn unread_forums(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    forums: &[ForumSummary],
) -> crate::db::Result<HashMap<i64, bool>> {
    forums
        .iter()
        .map(|f| Ok((f.id, forum_unread(conn, marks, user, f.id)?)))
        .collect()
}

async fn read_forum(
    State(state): State<AppState>,
    Member(user): Member,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    let user_id = user.id;
    let found = state
        .db
        .write(move |tx| Ok(queries::mark_forum(tx, user_id, id)?))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    marks_moved(&state, user_id);
    Ok(hx.redirect(&paths::forum(id)))
}

async fn read_all(
    State(state): State<AppState>,
    Member(user): Member,
    hx: Hx,
) -> AppResult<Response> {
    let user_id = user.id;
    state
        .db
        .write(move |tx| Ok(queries::mark_all(tx, user_id)?))
        .await?;
    marks_moved(&state, user_id);
    Ok(hx.redirect(paths::HOME))
}

/// After `user`'s marks moved: their cached pages go, and every page of
/// theirs open elsewhere shows the new markers.
pub fn marks_moved(state: &AppState, user: i64) {
    state.reads.moved(user);
    state.hub.refresh_markers(user);
}
