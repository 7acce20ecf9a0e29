//! The notifications page, its items, the account's form of kinds, and a
//! topic's follow / mute control. Pure functions from data to markup; the
//! English strings are together here.

use maud::{Markup, html};

use super::queries::{Kind, Level, Row};
use crate::auth::User;
use crate::paths;
use crate::views::components::{Paging, pager, time};
use crate::views::layout::{Shell, page};
use crate::views::text::Bdi;

const TITLE: &str = "Notifications";

fn what(kind: Kind) -> &'static str {
    match kind {
        Kind::Report => "wrote a message reported in",
        Kind::Mention => "mentioned you in",
        Kind::Quote => "quoted you in",
        Kind::Reply => "replied in",
    }
}

/// The whole page: `rows` of page `paging`.
pub fn notifications_page(user: &User, rows: &[Row], paging: Paging) -> Markup {
    page(
        Shell {
            title: TITLE,
            user: Some(user),
            crumbs: vec![(TITLE.into(), None)],
            live_view: None,
        },
        html! {
            section.card.notifications {
                header.list-head {
                    h1 { (TITLE) }
                    @if rows.iter().any(|r| r.unread) || user.notifications > 0 {
                        form.inline action=(paths::NOTIFICATIONS_READ) method="post"
                            hx-post=(paths::NOTIFICATIONS_READ) hx-target="#notifications" hx-swap="outerHTML" {
                            input type="hidden" name="page" value=(paging.page);
                            button type="submit" { "Mark all read" }
                        }
                    }
                }
                (list(rows, paging.page))
                (pager(paging, None, paths::notifications_page))
            }
        },
    )
}

/// The list region, swapped whole by "mark all read".
pub fn list(rows: &[Row], page: u32) -> Markup {
    html! {
        ol #notifications.notification-list {
            @for row in rows { (item(row, page)) }
            @if rows.is_empty() {
                li.empty { "Nothing yet: you will hear here when someone mentions you, quotes you or replies in your topics." }
            }
        }
    }
}

/// One notification; "mark read" swaps it in place.
pub fn item(row: &Row, page: u32) -> Markup {
    let id = format!("notification-{}", row.id);
    html! {
        li #(id) .notification.unread[row.unread] {
            @if row.unread { span.visually-hidden { "Unread: " } }
            a.notification-link href=(paths::notification(row.id)) {
                strong { (Bdi(&row.actor)) } " " (what(row.kind)) " " span.topic-title { (Bdi(&row.topic_title)) }
            }
            " " span.when { (time(row.created_at)) }
            @if row.unread {
                form.inline action=(paths::notification_read(row.id)) method="post"
                    hx-post=(paths::notification_read(row.id)) hx-target={ "#" (id) } hx-swap="outerHTML" {
                    input type="hidden" name="page" value=(page);
                    button.link type="submit" { "Mark read" }
                }
            }
        }
    }
}

/// The form on `/account`: which kinds of notification to receive.
pub fn kinds_form(kinds: i64, saved: bool) -> Markup {
    let on = |k: Kind| kinds & k.bit() != 0;
    html! {
        form #notify-kinds.card action=(paths::ACCOUNT_NOTIFICATIONS) method="post"
            hx-post=(paths::ACCOUNT_NOTIFICATIONS) hx-swap="outerHTML" {
            h2 { "Notifications" }
            p { "Tell me when someone:" }
            label.check { input type="checkbox" name="mention" value="1" checked[on(Kind::Mention)]; " mentions me (@name)" }
            label.check { input type="checkbox" name="quote" value="1" checked[on(Kind::Quote)]; " quotes one of my messages" }
            label.check { input type="checkbox" name="reply" value="1" checked[on(Kind::Reply)]; " replies in a topic I started or replied to" }
            input type="hidden" name="sent" value="1";
            button type="submit" { "Save" }
            @if saved { " " span.saved role="status" { "Saved." } }
        }
    }
}

/// A topic's control: follow (every reply), mute (no replies), or the
/// default (replies once one has posted).
pub fn topic_control(topic_id: i64, level: Option<Level>) -> Markup {
    let path = paths::topic_notify(topic_id);
    let (state, choices): (&str, &[(&str, &str)]) = match level {
        Some(Level::Following) => (
            "You follow this topic: every reply notifies you.",
            &[("default", "Stop following"), ("mute", "Mute")],
        ),
        Some(Level::Muted) => (
            "Muted: replies here do not notify you.",
            &[("default", "Unmute")],
        ),
        Some(Level::Participant) => (
            "Replies notify you: you posted here.",
            &[("follow", "Follow"), ("mute", "Mute")],
        ),
        None => (
            "Follow to hear of every reply.",
            &[("follow", "Follow"), ("mute", "Mute")],
        ),
    };
    html! {
        form #topic-notify.topic-notify action=(path) method="post"
            hx-post=(path) hx-swap="outerHTML" {
            span.state { (state) }
            @for (value, label) in choices {
                " " button.link type="submit" name="level" value=(value) { (label) }
            }
        }
    }
}
