//! The fragments a socket receives, built by the pages' own view functions.
//!
//! Every fragment is a state, never a delta: a message as it is now, a list as
//! it is now, a removal. Applying one twice, or late, leaves the page right,
//! which is what makes catch-up and the POST/socket race safe.

use crate::db::Conn;
use maud::{Markup, PreEscaped, html};

use super::watch::{Kind, Watch};
use crate::error::{AppError, AppResult};
use crate::forums::{self, queries::ForumSummary, views as forum_views};
use crate::i18n::{Lang, n};
use crate::messages::{queries::MessageRow, views as message_views};
use crate::paths;
use crate::perms::Role;
use crate::reads::views::Markers;
use crate::topics::{self, queries::Topic, views as topic_views};
use crate::views::components::{Paging, live_notice};
use crate::views::layout;

/// Out-of-band styles: a region replaced whole, or its children morphed (so
/// what is on screen moves as little as possible).
const REPLACE: Option<&str> = Some("true");
const MORPH: Option<&str> = Some("innerMorph");

/// The largest catch-up frame, but for one item (a message, a forum) that is
/// larger alone. A socket's write buffer keeps the size of the largest frame
/// it ever sent for the rest of its life (tungstenite never shrinks it), so a
/// big page's catch-up leaves in several frames rather than one.
pub const MAX_FRAME: usize = 64 * 1024;

/// What a socket gets first: the watched page's live regions as they are now.
pub enum CatchUp {
    /// The page exists: its frames, in order (several when it is big).
    Page(Vec<String>),
    /// A page that does not exist (any more), or has no live regions: said
    /// once, never cached, so naming missing pages costs the server nothing
    /// it keeps.
    Missing(String),
}

/// The current state of a watched page's live regions, for one kind of viewer.
pub fn catch_up(conn: &Conn, watch: Watch, kind: Kind) -> AppResult<CatchUp> {
    let mut read = catch_up_regions(conn, watch, kind)?;
    // A socket whose session ended comes back as a visitor's: its page then
    // says so (a visitor's own page is left as it is).
    if !kind.role().is_member() && watch != Watch::Nothing {
        let nav = layout::account_nav(kind.lang(), None, REPLACE).into_string();
        match &mut read {
            CatchUp::Page(frames) => match frames.last_mut() {
                Some(last) => last.push_str(&nav),
                None => frames.push(nav),
            },
            CatchUp::Missing(frame) => frame.push_str(&nav),
        }
    }
    Ok(read)
}

/// A member's bell at `count` unread notifications, in place.
pub fn bell(l: crate::i18n::Lang, count: u32) -> Markup {
    layout::bell(l, count, REPLACE)
}

fn catch_up_regions(conn: &Conn, watch: Watch, kind: Kind) -> AppResult<CatchUp> {
    let (role, l) = (kind.role(), kind.lang());
    Ok(match watch {
        Watch::Home => CatchUp::Page(home_frames(l, &forums::queries::list(conn)?)),
        Watch::Forum { id, page } => match forums::load_page(conn, id, page) {
            Ok((forum, rows, paging)) => CatchUp::Page(vec![
                html! {
                    (forum_views::forum_head(&forum, REPLACE))
                    (live_notice(None, REPLACE))
                    (topic_views::topic_list(l, &rows, id, role.is_member(), MORPH, None))
                    (forum_views::forum_pager(l, id, paging, REPLACE))
                }
                .into_string(),
            ]),
            Err(AppError::NotFound) => CatchUp::Missing(
                match forums::queries::by_id(conn, id)? {
                    Some(_) => page_gone(l, &paths::forum(id)),
                    None => forum_deleted(l),
                }
                .into_string(),
            ),
            Err(e) => return Err(e),
        },
        Watch::Topic { id, page } => match topics::load_page(conn, id, page) {
            Ok((topic, rows, paging)) => {
                CatchUp::Page(topic_frames(l, &topic, &rows, paging, role))
            }
            Err(AppError::NotFound) => CatchUp::Missing(
                match topics::queries::by_id(conn, id)? {
                    Some(_) => page_gone(l, &paths::topic(id)),
                    None => topic_deleted(l, None),
                }
                .into_string(),
            ),
            Err(e) => return Err(e),
        },
        Watch::Nothing => CatchUp::Missing(String::new()),
    })
}

/// A topic page's regions in one frame; when that is over `MAX_FRAME`, the
/// page with a placeholder for each message first, then the messages.
fn topic_frames(
    l: Lang,
    topic: &Topic,
    rows: &[MessageRow],
    paging: Paging,
    role: Role,
) -> Vec<String> {
    let regions = |messages: Markup| {
        html! {
            (topic_views::topic_head(l, topic, role, REPLACE))
            (live_notice(None, REPLACE))
            (messages)
            (topic_views::topic_pager(l, topic.id, paging, REPLACE))
        }
        .into_string()
    };
    let whole = regions(message_views::message_list(l, rows, topic, role, MORPH));
    if whole.len() <= MAX_FRAME {
        return vec![whole];
    }
    let skeleton = regions(html! {
        div id=(message_views::MESSAGES_ID) data-hx-swap-oob=[MORPH] {
            @for m in rows { (placeholder("article", "message", &paths::message_anchor(m.id))) }
        }
    });
    let items = rows.iter().map(|m| {
        message_views::message(l, m, message_views::perms_for(m, topic, role)).into_string()
    });
    let mut frames = vec![skeleton];
    frames.extend(chunks(items, |part| message_views::upsert(part, false)));
    frames
}

/// The home list in one frame, or placeholders and then the forums.
fn home_frames(l: Lang, forums: &[ForumSummary]) -> Vec<String> {
    let whole = home(l, forums).into_string();
    if whole.len() <= MAX_FRAME {
        return vec![whole];
    }
    let skeleton = html! {
        ul #forums data-hx-swap-oob=[MORPH] {
            @for f in forums { (placeholder("li", "forum row", &format!("forum-{}", f.id))) }
        }
    };
    let items = forums
        .iter()
        .map(|f| forum_views::forum_entry(l, f, Markers::Kept).into_string());
    let mut frames = vec![skeleton.into_string()];
    frames.extend(chunks(items, |part| {
        html! { hx-partial data-hx-target="#forums" data-hx-swap="upsert" { (part) } }
    }));
    frames
}

/// An element standing for one already on the page: htmx keeps the one on
/// the page (`hx-preserve`) while the list around it is morphed, so nothing
/// on screen blinks or moves; a frame that follows replaces it with its
/// current state (and fills it, when it is new).
fn placeholder(tag: &str, class: &str, id: &str) -> Markup {
    PreEscaped(format!(
        r#"<{tag} class="{class}" id="{id}" data-hx-preserve="true"></{tag}>"#
    ))
}

/// `items` (rendered HTML), as few frames as `MAX_FRAME` allows, each one
/// `wrap`ped whole items; an item over the bound alone is a frame alone.
fn chunks(items: impl Iterator<Item = String>, wrap: impl Fn(&Markup) -> Markup) -> Vec<String> {
    // What `wrap` adds around the items.
    let overhead = wrap(&PreEscaped(String::new())).into_string().len();
    let mut frames = Vec::new();
    let mut part = PreEscaped(String::new());
    for item in items {
        if !part.0.is_empty() && overhead + part.0.len() + item.len() > MAX_FRAME {
            frames.push(wrap(&part).into_string());
            part.0.clear();
        }
        part.0.push_str(&item);
    }
    if !part.0.is_empty() {
        frames.push(wrap(&part).into_string());
    }
    frames
}

/// A watched topic page that no longer exists (its messages were deleted).
pub fn topic_page_gone(l: Lang, topic_id: i64) -> Markup {
    page_gone(l, &paths::topic(topic_id))
}

fn page_gone(l: Lang, first: &str) -> Markup {
    live_notice(
        Some(html! { (l.t("live-page-gone")) " " a href=(first) { (l.t("live-first-page")) } }),
        REPLACE,
    )
}

pub fn forum_deleted(l: Lang) -> Markup {
    live_notice(
        Some(
            html! { (l.t("live-forum-deleted")) " " a href=(paths::HOME) { (l.t("back-to-forums")) } },
        ),
        REPLACE,
    )
}

/// `forum`: where to send the reader, when it still exists.
pub fn topic_deleted(l: Lang, forum: Option<i64>) -> Markup {
    let back = forum.map_or_else(|| paths::HOME.to_string(), paths::forum);
    live_notice(
        Some(
            html! { (l.t("live-topic-deleted")) " " a href=(back) { (l.t("live-back-to-forum")) } },
        ),
        REPLACE,
    )
}

/// On a forum page past the first: newer activity is on page 1.
pub fn newer_activity(l: Lang, forum_id: i64) -> Markup {
    live_notice(
        Some(
            html! { (l.t("live-newer-activity")) " " a href=(paths::forum(forum_id)) { (l.t("live-latest-topics")) } },
        ),
        REPLACE,
    )
}

/// On a topic page before the last: how many messages follow it.
pub fn new_messages(l: Lang, topic_id: i64, paging: Paging, after: i64) -> Markup {
    live_notice(
        Some(html! {
            (l.tr("live-new-messages", &n("n", after))) " "
            a href=(paths::topic_page(topic_id, paging.last)) { (l.t("live-go-to-latest")) }
        }),
        REPLACE,
    )
}

/// The home list as it is now.
pub fn home(l: Lang, forums: &[ForumSummary]) -> Markup {
    forum_views::forum_list(l, forums, MORPH, None)
}

/// A forum's first page of topics as it is now, for members or visitors.
pub fn forum_first_page(
    l: Lang,
    forum_id: i64,
    rows: &[topics::queries::TopicRow],
    paging: Paging,
    member: bool,
) -> Markup {
    html! {
        (topic_views::topic_list(l, rows, forum_id, member, MORPH, None))
        (forum_views::forum_pager(l, forum_id, paging, REPLACE))
    }
}

pub fn forum_pager(l: Lang, forum_id: i64, paging: Paging) -> Markup {
    forum_views::forum_pager(l, forum_id, paging, REPLACE)
}

pub fn forum_head(forum: &forums::queries::Forum) -> Markup {
    forum_views::forum_head(forum, REPLACE)
}

/// A message inserted or replaced in place.
pub fn message(m: &MessageRow, topic: &Topic, kind: Kind) -> Markup {
    let perms = message_views::perms_for(m, topic, kind.role());
    let rendered = message_views::message(kind.lang(), m, perms);
    message_views::upsert(&rendered, false)
}

pub fn removal(message_id: i64) -> Markup {
    message_views::removal(message_id)
}

pub fn topic_pager(l: Lang, topic_id: i64, paging: Paging) -> Markup {
    topic_views::topic_pager(l, topic_id, paging, REPLACE)
}
