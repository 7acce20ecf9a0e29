//! The notifications page, its items, the account's form of kinds, and a
//! topic's follow / mute control. Pure functions from data to markup, in
//! the viewer's language (`notif-*` in the catalogues).

use maud::{Markup, html};

use super::queries::{Kind, Level, Row};
use crate::auth::User;
use crate::i18n::{Args, Lang, Msg};
use crate::paths;
use crate::views::components::{Paging, pager, time};
use crate::views::layout::{Shell, page};
use crate::views::text::Bdi;

/// The catalogue id of what happened, for a notification of `kind`.
fn what(kind: Kind) -> Msg {
    match kind {
        Kind::Report => Msg("notif-what-report"),
        Kind::Mention => Msg("notif-what-mention"),
        Kind::Quote => Msg("notif-what-quote"),
        Kind::Reply => Msg("notif-what-reply"),
    }
}

/// The whole page: `rows` of page `paging`.
pub fn notifications_page(l: Lang, user: &User, rows: &[Row], paging: Paging) -> Markup {
    let title = l.t("notif-title");
    page(
        Shell {
            lang: l,
            title: &title,
            user: Some(user),
            crumbs: vec![(title.to_string(), None)],
            live_view: None,
        },
        html! {
            section.card.notifications {
                header.list-head {
                    h1 { (title) }
                    @if rows.iter().any(|r| r.unread) || user.notifications > 0 {
                        form.inline action=(paths::NOTIFICATIONS_READ) method="post"
                            data-hx-post=(paths::NOTIFICATIONS_READ) data-hx-target="#notifications" data-hx-swap="outerHTML" {
                            input type="hidden" name="page" value=(paging.page);
                            button type="submit" { (l.t("notif-mark-all")) }
                        }
                    }
                }
                (list(l, rows, paging.page))
                (pager(l, paging, None, paths::notifications_page))
            }
        },
    )
}

/// The list region, swapped whole by "mark all read".
pub fn list(l: Lang, rows: &[Row], page: u32) -> Markup {
    html! {
        ol #notifications.notification-list {
            @for row in rows { (item(l, row, page)) }
            @if rows.is_empty() {
                li.empty { (l.t("notif-empty")) }
            }
        }
    }
}

/// One notification; "mark read" swaps it in place.
pub fn item(l: Lang, row: &Row, page: u32) -> Markup {
    let id = format!("notification-{}", row.id);
    let said = l.html(
        what(row.kind).0,
        &Args::new()
            .markup("who", html! { strong { (Bdi(&row.actor)) } })
            .markup(
                "topic",
                html! { span.topic-title { (Bdi(&row.topic_title)) } },
            ),
    );
    html! {
        li #(id) .notification.unread[row.unread] {
            @if row.unread { span.visually-hidden { (l.t("notif-unread")) } }
            a.notification-link href=(paths::notification(row.id)) { (said) }
            " " span.when { (time(l, row.created_at)) }
            @if row.unread {
                form.inline action=(paths::notification_read(row.id)) method="post"
                    data-hx-post=(paths::notification_read(row.id)) data-hx-target={ "#" (id) } data-hx-swap="outerHTML" {
                    input type="hidden" name="page" value=(page);
                    button.link type="submit" { (l.t("notif-mark-read")) }
                }
            }
        }
    }
}

/// The form on `/account`: which kinds of notification to receive.
pub fn kinds_form(l: Lang, kinds: i64, saved: bool) -> Markup {
    let on = |k: Kind| kinds & k.bit() != 0;
    html! {
        form #notify-kinds.card action=(paths::ACCOUNT_NOTIFICATIONS) method="post"
            data-hx-post=(paths::ACCOUNT_NOTIFICATIONS) data-hx-swap="outerHTML" {
            h2 { (l.t("notif-title")) }
            p { (l.t("notif-kinds-intro")) }
            label.check { input type="checkbox" name="mention" value="1" checked[on(Kind::Mention)]; " " (l.t("notif-kind-mention")) }
            label.check { input type="checkbox" name="quote" value="1" checked[on(Kind::Quote)]; " " (l.t("notif-kind-quote")) }
            label.check { input type="checkbox" name="reply" value="1" checked[on(Kind::Reply)]; " " (l.t("notif-kind-reply")) }
            input type="hidden" name="sent" value="1";
            button type="submit" { (l.t("notif-save")) }
            @if saved { " " span.saved role="status" { (l.t("notif-saved")) } }
        }
    }
}

/// A topic's control: follow (every reply), mute (no replies), or the
/// default (replies once one has posted).
pub fn topic_control(l: Lang, topic_id: i64, level: Option<Level>) -> Markup {
    let path = paths::topic_notify(topic_id);
    let (state, choices): (Msg, &[(&str, Msg)]) = match level {
        Some(Level::Following) => (
            Msg("notif-following"),
            &[
                ("default", Msg("notif-stop-following")),
                ("mute", Msg("notif-mute")),
            ],
        ),
        Some(Level::Muted) => (Msg("notif-muted"), &[("default", Msg("notif-unmute"))]),
        Some(Level::Participant) => (
            Msg("notif-participant"),
            &[("follow", Msg("notif-follow")), ("mute", Msg("notif-mute"))],
        ),
        None => (
            Msg("notif-not-following"),
            &[("follow", Msg("notif-follow")), ("mute", Msg("notif-mute"))],
        ),
    };
    html! {
        form #topic-notify.topic-notify action=(path) method="post"
            data-hx-post=(path) data-hx-swap="outerHTML" {
            span.state { (state.in_(l)) }
            @for (value, label) in choices {
                " " button.link type="submit" name="level" value=(value) { (label.in_(l)) }
            }
        }
    }
}
