//! A forum's topic list (its live region), the new-topic form, and the topic
//! page around its messages.

use std::collections::HashMap;

use maud::{Markup, html};

use super::queries::{Topic, TopicRow};
use crate::auth::User;
use crate::feeds;
use crate::form::LONG_TEXT;
use crate::i18n::{Args, Lang};
use crate::messages::queries::MessageRow;
use crate::messages::views::{ReplyForm, message_list, reply_area};
use crate::paths;
use crate::perms::Role;
use crate::reads::Unread;
use crate::reads::views::{Markers, topic_title};
use crate::validate::{self, FieldErrors};
use crate::views::avatar::{AvatarSize, author_link, avatar};
use crate::views::components::{FieldAttrs, Paging, count, field, live_notice, pager, time};
use crate::views::compose::{markdown_hint, preview_button, preview_region};
use crate::views::layout::{Shell, page, page_with_feed};
use crate::views::text::Line;

/// A topic of a forum list; `unread`: the member's marker, or `Kept`.
pub fn topic_entry(l: Lang, t: &TopicRow, unread: Markers<'_, Option<Unread>>) -> Markup {
    html! {
        li.topic.row id={ "topic-" (t.id) } {
            div.main {
                h2 {
                    (topic_title(l, t.id, &t.title, unread))
                    @if t.locked { " " span.badge.locked title=(l.t("locked-title")) { (l.t("locked-badge")) } }
                }
                p.byline {
                    (l.html("byline", &Args::new()
                        .markup("author", html! { strong { (author_link(&t.author)) } })
                        .markup("date", time(l, t.created_at))))
                }
            }
            div.counts { span.count { (count(l, "count-replies", t.replies())) } }
            div.activity {
                (avatar(&t.last_author, t.last_avatar.as_deref(), AvatarSize::Small))
                span.last {
                    (l.html("last-message", &Args::new()
                        .markup("link", html! { a href=(paths::message(t.last_message_id)) { (l.t("last-message-link")) } })
                        .markup("author", html! { strong { (author_link(&t.last_author)) } })
                        .markup("date", time(l, t.last_at))))
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
    l: Lang,
    topics: &[TopicRow],
    forum_id: i64,
    member: bool,
    oob: Option<&str>,
    unread: Option<&UnreadTopics>,
) -> Markup {
    html! {
        ol #topics.list data-hx-swap-oob=[oob] {
            @for t in topics {
                (topic_entry(l, t, match unread {
                    Some(u) => Markers::Shown(u.get(&t.id).unwrap_or(&None)),
                    None => Markers::Kept,
                }))
            }
            @if topics.is_empty() {
                li.empty {
                    @if member {
                        (l.html("no-topics-member", &Args::new()
                            .markup("link", html! { a href={ "#" (NEW_TOPIC_FORM_ID) } { (l.t("no-topics-start-one")) } })))
                    } @else {
                        (l.html("no-topics-visitor", &Args::new()
                            .markup("link", html! { a href=(paths::login_next(&paths::forum(forum_id))) { (l.t("cta-log-in")) } })))
                    }
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

pub fn new_topic_form(l: Lang, forum_id: i64, form: &NewTopicForm) -> Markup {
    let action = paths::forum_new_topic(forum_id);
    let e = &form.errors;
    html! {
        form #(NEW_TOPIC_FORM_ID).card.stack action=(action) method="post" enctype=(LONG_TEXT)
            data-draft={ "topic-in-" (forum_id) } data-hx-post=(action) data-hx-swap="outerHTML" data-hx-sync="this:drop" {
            h2 { (l.t("new-topic-title")) }
            (field(l, &l.t("field-title"), "title", "text", &form.title, e.get("title"),
                FieldAttrs::new("topic").max(validate::TITLE_MAX as u32)))
            (preview_region(l, NEW_TOPIC_FORM_ID, form.preview.as_deref()))
            (field(l, &l.t("field-message"), "body", "textarea", &form.body, e.get("body"),
                FieldAttrs::new("topic").max(validate::BODY_MAX as u32).rows(8)))
            (markdown_hint(l))
            div.actions {
                button.primary type="submit" { (l.t("new-topic-button")) }
                (preview_button(l, NEW_TOPIC_FORM_ID, &action))
            }
        }
    }
}

/// The form alone on a page, for a browser without JavaScript after an error.
pub fn new_topic_page(
    l: Lang,
    user: &User,
    forum_id: i64,
    forum_name: &str,
    form: &NewTopicForm,
) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("new-topic-title"),
            user: Some(user),
            crumbs: vec![
                (forum_name.to_string(), Some(paths::forum(forum_id))),
                (l.t("new-topic-crumb").into_owned(), None),
            ],
            live_view: None,
        },
        new_topic_form(l, forum_id, form),
    )
}

/// The topic's title, state and moderation controls: live when it is locked.
pub fn topic_head(l: Lang, topic: &Topic, role: Role, oob: Option<&str>) -> Markup {
    html! {
        div #topic-head data-hx-swap-oob=[oob] {
            h1 dir="auto" {
                (Line(&topic.title))
                @if topic.locked { " " span.badge.locked { (l.t("locked-badge")) } }
            }
            @if role.is_admin() {
                div.moderation {
                    @if topic.locked {
                        form.inline action=(paths::topic_unlock(topic.id)) method="post" {
                            button.secondary type="submit" { (l.t("topic-unlock")) }
                        }
                    } @else {
                        form.inline action=(paths::topic_lock(topic.id)) method="post" {
                            button.secondary type="submit" { (l.t("topic-lock")) }
                        }
                    }
                    details.confirm {
                        summary.danger { (l.t("topic-delete")) }
                        form.inline action=(paths::topic_delete(topic.id)) method="post" {
                            button.danger type="submit" {
                                (l.tr("topic-delete-confirm", &crate::i18n::n("n", topic.message_count)))
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn topic_pager(l: Lang, topic_id: i64, paging: Paging, oob: Option<&str>) -> Markup {
    pager(l, paging, oob, |p| paths::topic_page(topic_id, p))
}

pub struct TopicPage<'a> {
    pub lang: Lang,
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
        lang: l,
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
            lang: l,
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
            (topic_head(l, topic, role, None))
            @if let Some(notify) = notify { (notify) }
            (live_notice(None, None))
            (message_list(l, messages, topic, role, None))
            (topic_pager(l, topic.id, paging, None))
            (reply_area(l, topic, role, form))
        },
    )
}
