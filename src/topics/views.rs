//! A forum's topic list (its live region), the new-topic form, and the topic
//! page around its messages.

use std::collections::HashMap;

use maud::{Markup, html};

use super::queries::{Topic, TopicRow};
use crate::auth::User;
use crate::feeds;
use crate::form::LONG_TEXT;
use crate::messages::queries::MessageRow;
use crate::messages::views::{ReplyForm, message_list, reply_area};
use crate::paths;
use crate::perms::Role;
use crate::reads::Unread;
use crate::reads::views::{Markers, topic_title};
use crate::validate::{self, FieldErrors};
use crate::views::avatar::{AvatarSize, author_link, avatar};
use crate::views::components::{FieldAttrs, Paging, field, live_notice, pager, plural, time};
use crate::views::compose::{markdown_hint, preview_button, preview_region};
use crate::views::layout::{Shell, page, page_with_feed};
use crate::views::text::Line;

/// A topic of a forum list; `unread`: the member's marker, or `Kept`.
pub fn topic_entry(t: &TopicRow, unread: Markers<'_, Option<Unread>>) -> Markup {
    html! {
        li.topic.row id={ "topic-" (t.id) } {
            div.main {
                h2 {
                    (topic_title(t.id, &t.title, unread))
                    @if t.locked { " " span.badge.locked title="Locked" { "locked" } }
                }
                p.byline { "by " strong { (author_link(&t.author)) } ", " (time(t.created_at)) }
            }
            div.counts { span.count { (plural(t.replies(), "reply", "replies")) } }
            div.activity {
                (avatar(&t.last_author, t.last_avatar.as_deref(), AvatarSize::Small))
                span.last {
                    a href=(paths::message(t.last_message_id)) { "Last message" }
                    " by " strong { (author_link(&t.last_author)) } ", " (time(t.last_at))
                }
            }
        }
    }
}

/// What a member has not read, per topic of a list.
pub type UnreadTopics = HashMap<i64, Option<Unread>>;

/// A page of a forum's topics; `oob` marks it for an out-of-band swap;
/// `unread`: the member's markers (`None`: those on the page stay).
pub fn topic_list(
    topics: &[TopicRow],
    forum_id: i64,
    member: bool,
    oob: Option<&str>,
    unread: Option<&UnreadTopics>,
) -> Markup {
    html! {
        ol #topics.list hx-swap-oob=[oob] {
            @for t in topics {
                (topic_entry(t, match unread {
                    Some(u) => Markers::Shown(u.get(&t.id).unwrap_or(&None)),
                    None => Markers::Kept,
                }))
            }
            @if topics.is_empty() {
                li.empty {
                    "No topics yet"
                    @if member { ": " a href={ "#" (NEW_TOPIC_FORM_ID) } { "start one" } "." }
                    @else { ". " a href=(paths::login_next(&paths::forum(forum_id))) { "Log in" } " to start one." }
                }
            }
        }
    }
}

pub const NEW_TOPIC_FORM_ID: &str = "new-topic-form";

#[derive(Default)]
pub struct NewTopicForm {
    pub title: String,
    pub body: String,
    pub errors: FieldErrors,
    /// The rendered body, when Preview was pressed.
    pub preview: Option<String>,
}

pub fn new_topic_form(forum_id: i64, form: &NewTopicForm) -> Markup {
    let action = paths::forum_new_topic(forum_id);
    let e = &form.errors;
    html! {
        form #(NEW_TOPIC_FORM_ID).card.stack action=(action) method="post" enctype=(LONG_TEXT)
            data-draft={ "topic-in-" (forum_id) } hx-post=(action) hx-swap="outerHTML" hx-sync="this:drop" {
            h2 { "Start a topic" }
            (field("Title", "title", "text", &form.title, e.get("title"),
                FieldAttrs::new("topic").max(validate::TITLE_MAX as u32)))
            (preview_region(NEW_TOPIC_FORM_ID, form.preview.as_deref()))
            (field("Message", "body", "textarea", &form.body, e.get("body"),
                FieldAttrs::new("topic").max(validate::BODY_MAX as u32).rows(8)))
            (markdown_hint())
            div.actions {
                button.primary type="submit" { "Post topic" }
                (preview_button(NEW_TOPIC_FORM_ID, &action))
            }
        }
    }
}

/// The form alone on a page, for a browser without JavaScript after an error.
pub fn new_topic_page(user: &User, forum_id: i64, forum_name: &str, form: &NewTopicForm) -> Markup {
    page(
        Shell {
            title: "Start a topic",
            user: Some(user),
            crumbs: vec![
                (forum_name.to_string(), Some(paths::forum(forum_id))),
                ("New topic".into(), None),
            ],
            live_view: None,
        },
        new_topic_form(forum_id, form),
    )
}

/// The topic's title, state and moderation controls: live when it is locked.
pub fn topic_head(topic: &Topic, role: Role, oob: Option<&str>) -> Markup {
    html! {
        div #topic-head hx-swap-oob=[oob] {
            h1 dir="auto" {
                (Line(&topic.title))
                @if topic.locked { " " span.badge.locked { "locked" } }
            }
            @if role.is_admin() {
                div.moderation {
                    @if topic.locked {
                        form.inline action=(paths::topic_unlock(topic.id)) method="post" {
                            button.secondary type="submit" { "Unlock topic" }
                        }
                    } @else {
                        form.inline action=(paths::topic_lock(topic.id)) method="post" {
                            button.secondary type="submit" { "Lock topic" }
                        }
                    }
                    details.confirm {
                        summary.danger { "Delete topic…" }
                        form.inline action=(paths::topic_delete(topic.id)) method="post" {
                            button.danger type="submit" {
                                "Delete this topic and its " (plural(topic.message_count, "message", "messages"))
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn topic_pager(topic_id: i64, paging: Paging, oob: Option<&str>) -> Markup {
    pager(paging, oob, |p| paths::topic_page(topic_id, p))
}

pub struct TopicPage<'a> {
    pub user: Option<&'a User>,
    pub topic: &'a Topic,
    pub messages: &'a [MessageRow],
    pub paging: Paging,
    pub form: &'a ReplyForm,
    /// A member's follow / mute control (`notifications::views`).
    pub notify: Option<Markup>,
}

pub fn topic_page(p: TopicPage<'_>) -> Markup {
    let TopicPage {
        user,
        topic,
        messages,
        paging,
        form,
        notify,
    } = p;
    let role = Role::of(user);
    page_with_feed(
        Shell {
            title: &topic.title,
            user,
            crumbs: vec![
                (topic.forum_name.clone(), Some(paths::forum(topic.forum_id))),
                (topic.title.clone(), None),
            ],
            live_view: Some(paths::topic_page(topic.id, paging.page)),
        },
        Some(feeds::topic_link(topic.id, &topic.title)),
        html! {
            (topic_head(topic, role, None))
            @if let Some(notify) = notify { (notify) }
            (live_notice(None, None))
            (message_list(messages, topic, role, None))
            (topic_pager(topic.id, paging, None))
            (reply_area(topic, role, form))
        },
    )
}
