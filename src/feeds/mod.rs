//! Atom feeds, for following the forum in a feed reader: the whole site
//! (`/feed.atom`), a forum (`/forums/{id}/feed.atom`) and a topic
//! (`/topics/{id}/feed.atom`), each the 20 newest of what it follows, read
//! in one range of an index. Home, forum and topic pages name theirs in
//! their head (autodiscovery), with the titles given here.
//!
//! The site's feed is its latest messages, not its latest topics: a reader
//! subscribed to a whole forum site wants to see what is being said, and
//! every new topic opens with a message, so new topics are in it too, once,
//! without a second list to merge. A forum's feed is its topics, each entry
//! a topic shown by its opening message: what someone following a forum
//! (rather than every conversation in it) asks for. They are the forum's
//! 20 newest topics (one range of `topics_by_forum`); an entry changes only
//! when its opening message does, so readers, which keep entries by id,
//! announce each topic once. A topic's feed is its latest messages.

pub mod atom;
pub mod queries;

use std::convert::Infallible;

use crate::db::Conn;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::net::{Client, PublicOrigin};
use crate::path_param::Path;
use crate::paths;
use crate::views::layout::FeedLink;
use atom::{About, Item};

/// How many entries a feed holds.
pub const FEED_SIZE: u32 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SITE_FEED, get(site))
        .route("/forums/{id}/feed.atom", get(forum))
        .route("/topics/{id}/feed.atom", get(topic))
}

/// The site's feed, as pages name it.
pub fn site_link() -> FeedLink {
    FeedLink {
        title: "causerie: latest messages".into(),
        href: paths::SITE_FEED.into(),
    }
}

/// A forum's feed, as pages name it.
pub fn forum_link(id: i64, name: &str) -> FeedLink {
    FeedLink {
        title: format!("{name}: topics · causerie"),
        href: paths::forum_feed(id),
    }
}

/// A topic's feed, as pages name it.
pub fn topic_link(id: i64, title: &str) -> FeedLink {
    FeedLink {
        title: format!("{title} · causerie"),
        href: paths::topic_feed(id),
    }
}

/// Where the forum is, for a feed's absolute addresses: the configured
/// public address, else the request's own (`PublicOrigin::of_request`);
/// empty, so addresses are paths, when `Host` is missing or not a plain
/// host. Feeds are never kept in the page cache: a `Host` only goes back
/// to the client that sent it.
struct Origin(String);

impl FromRequestParts<AppState> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let https = parts.extensions.get::<Client>().is_some_and(|c| c.https);
        let origin =
            PublicOrigin::of_request(state.edge.public_origin.as_ref(), &parts.headers, https);
        Ok(Self(
            origin.map_or_else(String::new, |o| o.as_str().to_owned()),
        ))
    }
}

async fn site(State(state): State<AppState>, Origin(origin): Origin) -> AppResult<Response> {
    answer(&state, &origin, |c| {
        let about = About {
            link: site_link(),
            page: paths::HOME.into(),
            subtitle: None,
            // Nothing written yet: now is as good as any.
            since: now(),
        };
        let rows = queries::latest_messages(c, FEED_SIZE)?;
        Ok((about, rows.into_iter().map(Item::message).collect()))
    })
    .await
}

async fn forum(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    answer(&state, &origin, move |c| {
        let forum = queries::forum(c, id)?.ok_or(AppError::NotFound)?;
        let about = About {
            link: forum_link(forum.id, &forum.name),
            page: paths::forum(forum.id),
            subtitle: Some(forum.description),
            since: forum.created_at,
        };
        let rows = queries::forum_topics(c, id, FEED_SIZE)?;
        Ok((about, rows.into_iter().map(Item::topic).collect()))
    })
    .await
}

async fn topic(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    answer(&state, &origin, move |c| {
        let topic = queries::topic(c, id)?.ok_or(AppError::NotFound)?;
        let about = About {
            link: topic_link(topic.id, &topic.title),
            page: paths::topic(topic.id),
            subtitle: Some(format!("In {}", topic.forum_name)),
            since: topic.created_at,
        };
        let rows = queries::topic_messages(c, id, FEED_SIZE)?;
        Ok((about, rows.into_iter().map(Item::message).collect()))
    })
    .await
}

/// Reads what a feed shows with `read` (off the runtime) and answers it as
/// an Atom document.
async fn answer<F>(state: &AppState, origin: &str, read: F) -> AppResult<Response>
where
    F: FnOnce(&Conn) -> AppResult<(About, Vec<Item>)> + Send + 'static,
{
    let (about, items) = state.db.read(read).await?;
    let xml = atom::document(origin, about, items).map_err(AppError::Internal)?;
    let content_type = HeaderValue::from_static("application/atom+xml; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], xml).into_response())
}
