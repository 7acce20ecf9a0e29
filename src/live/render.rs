//! The fragments a socket receives, built by the pages' own view functions.
//!
//! Every fragment is a state, never a delta: a message as it is now, a list as
//! it is now. Applying one twice, or late, leaves the page right,
//! which is what makes catch-up and the POST/socket race safe.

use maud::{Markup, html};
use rusqlite::Connection;

use super::watch::{Kind, Watch};
use crate::error::{AppError, AppResult};
use crate::forums::{self, queries::ForumSummary, views as forum_views};
use crate::messages::{queries::MessageRow, views as message_views};
use crate::paths;
use crate::topics::{self, queries::Topic, views as topic_views};
use crate::views::components::{Paging, live_notice, plural};
use crate::views::layout;

/// Out-of-band styles: a region replaced whole, or its children morphed (so
/// what is on screen moves as little as possible).
const REPLACE: Option<&str> = Some("true");
const MORPH: Option<&str> = Some("innerMorph");

/// The current state of a watched page's live regions, for one kind of viewer.
pub fn catch_up(conn: &Connection, watch: Watch, kind: Kind) -> AppResult<Markup> {
    let role = kind.role();
    let regions = catch_up_regions(conn, watch, kind)?;
    Ok(html! {
        (regions)
        // A socket whose session ended comes back as a visitor's: its page
        // then says so (a visitor's own page is left as it is).
        @if !role.is_member() && watch != Watch::Nothing { (layout::account_nav(None, REPLACE)) }
    })
}

fn catch_up_regions(conn: &Connection, watch: Watch, kind: Kind) -> AppResult<Markup> {
    let role = kind.role();
    Ok(match watch {
        Watch::Home => forum_views::forum_list(&forums::queries::list(conn)?, MORPH),
        Watch::Forum { id, page } => match forums::load_page(conn, id, page) {
            Ok((forum, rows, paging)) => html! {
                (forum_views::forum_head(&forum, REPLACE))
                (live_notice(None, REPLACE))
                (topic_views::topic_list(&rows, id, role.is_member(), MORPH))
                (forum_views::forum_pager(id, paging, REPLACE))
            },
            Err(AppError::NotFound) => match forums::queries::by_id(conn, id)? {
                Some(_) => page_gone(&paths::forum(id)),
                None => forum_deleted(),
            },
            Err(e) => return Err(e),
        },
        Watch::Topic { id, page } => match topics::load_page(conn, id, page) {
            Ok((topic, rows, paging)) => html! {
                (topic_views::topic_head(&topic, role, REPLACE))
                (live_notice(None, REPLACE))
                (message_views::message_list(&rows, &topic, role, MORPH))
                (topic_views::topic_pager(id, paging, REPLACE))
            },
            Err(AppError::NotFound) => match topics::queries::by_id(conn, id)? {
                Some(_) => page_gone(&paths::topic(id)),
                None => topic_deleted(None),
            },
            Err(e) => return Err(e),
        },
        Watch::Nothing => html! {},
    })
}

fn page_gone(first: &str) -> Markup {
    live_notice(
        Some(html! { "This page no longer exists. " a href=(first) { "Go to the first page" } }),
        REPLACE,
    )
}

pub fn forum_deleted() -> Markup {
    live_notice(
        Some(html! { "This forum was deleted. " a href=(paths::HOME) { "Back to the forums" } }),
        REPLACE,
    )
}

/// `forum`: where to send the reader, when it still exists.
pub fn topic_deleted(forum: Option<i64>) -> Markup {
    let back = forum.map_or_else(|| paths::HOME.to_string(), paths::forum);
    live_notice(
        Some(html! { "This topic was deleted. " a href=(back) { "Back to the forum" } }),
        REPLACE,
    )
}

/// On a forum page past the first: newer activity is on page 1.
pub fn newer_activity(forum_id: i64) -> Markup {
    live_notice(
        Some(
            html! { "There is newer activity. " a href=(paths::forum(forum_id)) { "See the latest topics" } },
        ),
        REPLACE,
    )
}

/// On a topic page before the last: how many messages follow it.
pub fn new_messages(topic_id: i64, paging: Paging, after: i64) -> Markup {
    live_notice(
        Some(html! {
            (plural(after, "new message", "new messages")) " after this page. "
            a href=(paths::topic_page(topic_id, paging.last)) { "Go to the latest" }
        }),
        REPLACE,
    )
}

/// The home list as it is now.
pub fn home(forums: &[ForumSummary]) -> Markup {
    forum_views::forum_list(forums, MORPH)
}

/// A forum's first page of topics as it is now, for members or visitors.
pub fn forum_first_page(
    forum_id: i64,
    rows: &[topics::queries::TopicRow],
    paging: Paging,
    member: bool,
) -> Markup {
    html! {
        (topic_views::topic_list(rows, forum_id, member, MORPH))
        (forum_views::forum_pager(forum_id, paging, REPLACE))
    }
}

pub fn forum_pager(forum_id: i64, paging: Paging) -> Markup {
    forum_views::forum_pager(forum_id, paging, REPLACE)
}

pub fn forum_head(forum: &forums::queries::Forum) -> Markup {
    forum_views::forum_head(forum, REPLACE)
}

/// A message inserted or replaced in place.
pub fn message(m: &MessageRow, topic: &Topic, kind: Kind) -> Markup {
    let rendered = message_views::message(m, message_views::perms_for(m, topic, kind.role()));
    message_views::upsert(&rendered, false)
}

pub fn topic_pager(topic_id: i64, paging: Paging) -> Markup {
    topic_views::topic_pager(topic_id, paging, REPLACE)
}
