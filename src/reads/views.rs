//! A member's markers: beside each topic of a forum page, how many messages
//! they have not read, its link taking them to the first; beside each forum
//! on home, whether it holds any. Each marker sits in an `hx-preserve`
//! element: the forum list and the topic list are rendered once for every
//! member and swapped in live, which leaves each member's own markers in
//! place; only the frames of `*_update`, sent to each member, change them.

use maud::{Markup, html};

use super::queries::Unread;
use crate::i18n::{Lang, n};
use crate::paths;
use crate::views::text::Bdi;

/// How a list shows a member's markers.
#[derive(Clone, Copy)]
pub enum Markers<'a, T> {
    /// A visitor's page, or a live fragment every viewer shares: the
    /// markers on the page stay (a visitor's are empty).
    Kept,
    /// The member's own: what `T` says per row.
    Shown(&'a T),
}

pub fn topic_link_id(topic_id: i64) -> String {
    format!("topic-link-{topic_id}")
}

pub fn forum_marker_id(forum_id: i64) -> String {
    format!("forum-new-{forum_id}")
}

/// A topic's link: to its first unread message when there is one.
fn topic_link(l: Lang, topic_id: i64, title: &str, unread: Option<&Unread>) -> Markup {
    html! {
        @match unread {
            Some(u) => {
                a href=(paths::message_in_page(topic_id, u.page, u.first_id)) { (Bdi(title)) }
                " " span.badge.new title=(l.t("unread-messages-title")) { (l.tr("unread-count", &n("n", u.count))) }
            }
            None => a href=(paths::topic(topic_id)) { (Bdi(title)) },
        }
    }
}

/// The title of a topic in a forum list, with the marker `unread` says.
pub fn topic_title(
    l: Lang,
    topic_id: i64,
    title: &str,
    unread: Markers<'_, Option<Unread>>,
) -> Markup {
    html! {
        @match unread {
            Markers::Kept => span id=(topic_link_id(topic_id)) data-hx-preserve {
                (topic_link(l, topic_id, title, None))
            },
            Markers::Shown(u) => span id=(topic_link_id(topic_id)) data-hx-preserve {
                (topic_link(l, topic_id, title, u.as_ref()))
            },
        }
    }
}

/// The frame that changes one member's marker of a topic.
pub fn topic_update(l: Lang, topic_id: i64, title: &str, unread: Option<&Unread>) -> Markup {
    html! {
        span id=(topic_link_id(topic_id)) data-hx-swap-oob="innerHTML" {
            (topic_link(l, topic_id, title, unread))
        }
    }
}

fn forum_badge(l: Lang, unread: bool) -> Markup {
    html! {
        @if unread { " " span.badge.new title=(l.t("unread-topics-title")) { (l.t("unread-new")) } }
    }
}

/// The marker beside a forum's name on home.
pub fn forum_marker(l: Lang, forum_id: i64, unread: Markers<'_, bool>) -> Markup {
    html! {
        @match unread {
            Markers::Kept => span id=(forum_marker_id(forum_id)) data-hx-preserve {},
            Markers::Shown(u) => span id=(forum_marker_id(forum_id)) data-hx-preserve { (forum_badge(l, *u)) },
        }
    }
}

/// The frame that changes one member's marker of a forum.
pub fn forum_update(l: Lang, forum_id: i64, unread: bool) -> Markup {
    html! {
        span id=(forum_marker_id(forum_id)) data-hx-swap-oob="innerHTML" { (forum_badge(l, unread)) }
    }
}

/// "Mark all read", for one forum (`Some`) or the whole site.
pub fn mark_read_button(l: Lang, forum_id: Option<i64>) -> Markup {
    let action = match forum_id {
        Some(id) => paths::forum_read(id),
        None => paths::READ_ALL.to_string(),
    };
    html! {
        form.inline action=(action) method="post" {
            button type="submit" { (l.t("mark-all-read")) }
        }
    }
}
