//! The home page and a forum's page. `forum_list` and `forum_entry` are the
//! home page's live region, also rendered by the socket.

use std::collections::HashMap;

use maud::{Markup, html};

use super::queries::{Forum, ForumSummary, LastPost};
use crate::auth::User;
use crate::feeds;
use crate::i18n::{Args, Lang};
use crate::paths;
use crate::reads::views::{Markers, forum_marker, mark_read_button};
use crate::topics::queries::TopicRow;
use crate::topics::views::{NewTopicForm, UnreadTopics, new_topic_form, topic_list};
use crate::views::avatar::author_link;
use crate::views::components::{Paging, count, live_notice, pager, time};
use crate::views::layout::{Shell, page_with_feed};
use crate::views::text::{Bdi, Line};

pub fn last_post(l_: Lang, last: Option<&LastPost>) -> Markup {
    html! {
        @match last {
            Some(p) => {
                span.last {
                    (l_.html("last-post", &Args::new()
                        .markup("topic", html! { a href=(paths::message(p.message_id)) { (Bdi(&p.topic_title)) } })
                        .markup("author", html! { strong { (author_link(&p.author)) } })
                        .markup("date", time(l_, p.at))))
                }
            }
            None => span.last.muted { (l_.t("no-messages-yet")) },
        }
    }
}

/// A forum of the home list; `unread`: the member's marker, or `Kept`.
pub fn forum_entry(l: Lang, f: &ForumSummary, unread: Markers<'_, bool>) -> Markup {
    html! {
        li.forum.row id={ "forum-" (f.id) } {
            div.main {
                h2 dir="auto" {
                    a href=(paths::forum(f.id)) { (Line(&f.name)) }
                    (forum_marker(l, f.id, unread))
                }
                @if !f.description.is_empty() { p.description dir="auto" { (Line(&f.description)) } }
            }
            div.counts {
                span.count { (count(l, "count-topics", f.topic_count)) }
                span.count { (count(l, "count-messages", f.message_count)) }
            }
            div.activity { (last_post(l, f.last.as_ref())) }
        }
    }
}

/// The home page's list of forums; `oob` marks it for an out-of-band swap;
/// `unread`: the member's markers (`None`: those on the page stay).
pub fn forum_list(
    l: Lang,
    forums: &[ForumSummary],
    oob: Option<&str>,
    unread: Option<&HashMap<i64, bool>>,
) -> Markup {
    html! {
        ul #forums.list data-hx-swap-oob=[oob] {
            @for f in forums {
                (forum_entry(l, f, match unread {
                    Some(u) => Markers::Shown(u.get(&f.id).unwrap_or(&false)),
                    None => Markers::Kept,
                }))
            }
            @if forums.is_empty() {
                li.empty { (l.t("no-forums-yet")) }
            }
        }
    }
}

pub fn home_page(
    l: Lang,
    user: Option<&User>,
    forums: &[ForumSummary],
    unread: Option<&HashMap<i64, bool>>,
) -> Markup {
    page_with_feed(
        Shell {
            lang: l,
            title: &l.t("forums-title"),
            user,
            crumbs: vec![],
            live_view: Some(paths::HOME.to_string()),
        },
        Some(feeds::site_link()),
        html! {
            h1 { (l.t("forums-title")) }
            @if user.is_some() && !forums.is_empty() {
                div.page-actions { (mark_read_button(l, None)) }
            }
            (forum_list(l, forums, None, unread))
        },
    )
}

/// The forum's name and description, which an admin may change live.
pub fn forum_head(forum: &Forum, oob: Option<&str>) -> Markup {
    html! {
        div #forum-head data-hx-swap-oob=[oob] {
            h1 dir="auto" { (Line(&forum.name)) }
            @if !forum.description.is_empty() { p.description dir="auto" { (Line(&forum.description)) } }
        }
    }
}

pub fn forum_pager(l: Lang, forum_id: i64, paging: Paging, oob: Option<&str>) -> Markup {
    pager(l, paging, oob, |p| paths::forum_page(forum_id, p))
}

pub struct ForumPage<'a> {
    pub lang: Lang,
    pub user: Option<&'a User>,
    pub forum: &'a Forum,
    pub topics: &'a [TopicRow],
    /// The member's markers.
    pub unread: Option<&'a UnreadTopics>,
    pub paging: Paging,
    pub form: &'a NewTopicForm,
}

pub fn forum_page(p: ForumPage<'_>) -> Markup {
    let ForumPage {
        lang: l,
        user,
        forum,
        topics,
        unread,
        paging,
        form,
    } = p;
    page_with_feed(
        Shell {
            lang: l,
            title: &forum.name,
            user,
            crumbs: vec![(forum.name.clone(), None)],
            live_view: Some(paths::forum_page(forum.id, paging.page)),
        },
        Some(feeds::forum_link(forum.id, &forum.name)),
        html! {
            (forum_head(forum, None))
            @if user.is_some() && !topics.is_empty() {
                div.page-actions { (mark_read_button(l, Some(forum.id))) }
            }
            (live_notice(None, None))
            (topic_list(l, topics, forum.id, user.is_some(), None, unread))
            (forum_pager(l, forum.id, paging, None))
            @if user.is_some() {
                (new_topic_form(l, forum.id, form))
            } @else {
                p.muted.cta {
                    (l.html("cta-start-topic", &Args::new()
                        .markup("login", html! { a href=(paths::login_next(&paths::forum(forum.id))) { (l.t("cta-log-in")) } })
                        .markup("register", html! { a href=(paths::REGISTER) { (l.t("cta-register")) } })))
                }
            }
        },
    )
}
