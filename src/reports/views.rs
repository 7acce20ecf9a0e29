//! The report form, its answer, and the admins' queue.

use maud::{Markup, PreEscaped, html};

use super::queries::{Reported, WAITING_MAX};
use crate::auth::User;
use crate::i18n::{Args, Lang, Msg, Text};
use crate::messages::queries::MessageRow;
use crate::paths;
use crate::topics::queries::Topic;
use crate::validate::{self, FieldErrors};
use crate::views::avatar::author_link;
use crate::views::components::{FieldAttrs, Paging, count, field, pager, time};
use crate::views::layout::{Shell, page};
use crate::views::text::Line;

pub const REPORT_FORM_ID: &str = "report-form";

/// A message as the report form and the queue show it: who wrote it, when,
/// and its text, without controls.
fn quoted(l: Lang, author: &str, created_at: i64, message_id: i64, body_html: &str) -> Markup {
    html! {
        article.message.reported-message {
            header {
                strong.author { (author_link(author)) }
                a.permalink href=(paths::message(message_id)) { (time(l, created_at)) }
            }
            // Sanitised when it was written (`markdown`).
            div.body dir="auto" { (PreEscaped(body_html)) }
        }
    }
}

/// The form: why this message should be looked at.
pub fn report_form(l: Lang, message_id: i64, reason: &str, errors: &FieldErrors) -> Markup {
    let action = paths::message_report(message_id);
    html! {
        form #(REPORT_FORM_ID).card.stack action=(action) method="post"
            data-hx-post=(action) data-hx-swap="outerHTML" data-hx-sync="this:drop" {
            (field(l, &l.t("report-field-reason"), "reason", "textarea", reason,
                errors.get("reason"), FieldAttrs::new("report").max(validate::REASON_MAX as u32).rows(3)))
            p.muted { (l.t("report-private")) }
            div.actions {
                button.primary type="submit" { (l.t("report-send")) }
                a href=(paths::message(message_id)) { (l.t("report-cancel")) }
            }
        }
    }
}

/// What replaces the form once the report is recorded.
pub fn report_sent(l: Lang, message_id: i64) -> Markup {
    html! {
        section #(REPORT_FORM_ID).card.stack role="status" {
            p.notice.success { (l.t("report-sent")) }
            p { a href=(paths::message(message_id)) { (l.t("report-back")) } }
        }
    }
}

/// The report page: the message, and the form (or its answer).
pub fn report_page(l: Lang, user: &User, m: &MessageRow, topic: &Topic, form: Markup) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("report-title"),
            user: Some(user),
            crumbs: vec![
                (topic.forum_name.clone(), Some(paths::forum(topic.forum_id))),
                (topic.title.clone(), Some(paths::topic(topic.id))),
                (l.t("report-crumb").into_owned(), None),
            ],
            live_view: None,
        },
        html! {
            h1 { (l.t("report-title")) }
            (quoted(l, &m.author, m.created_at, m.id, &m.body_html))
            (form)
        },
    )
}

/// Said to a member whose reports fill their share of the queue.
pub fn too_many() -> Text {
    Text::new(Msg("report-too-many")).num("n", WAITING_MAX)
}

fn entry_id(message_id: i64) -> String {
    format!("report-{message_id}")
}

/// One decision on a reported message, sent in place with htmx; a
/// destructive one asks first (`confirm`: what the summary says).
fn decision(r: &Reported, what: &str, label: &str, confirm: Option<&str>) -> Markup {
    let action = paths::admin_report(r.message_id, what);
    let target = format!("#{}", entry_id(r.message_id));
    let form = html! {
        form.inline action=(action) method="post" data-hx-post=(action) data-hx-target=(target) data-hx-swap="outerHTML" {
            button class=(if confirm.is_some() { "danger" } else { "secondary" }) type="submit" { (label) }
        }
    };
    match confirm {
        None => form,
        Some(ask) => html! { details.confirm { summary.danger { (ask) } (form) } },
    }
}

/// A reported message in the queue: the message, its reports, and what an
/// admin can do.
pub fn reported(l: Lang, r: &Reported, me: i64) -> Markup {
    html! {
        li.card.stack id=(entry_id(r.message_id)) {
            p {
                strong { (count(l, "reports-of-message", r.reports.len() as i64)) }
                " "
                (l.html("reports-in-topic", &Args::new().markup("topic", html! {
                    a href=(paths::message(r.message_id)) dir="auto" { (Line(&r.topic_title)) }
                })))
                @if r.author_disabled { " " span.badge.locked { (l.t("reports-author-disabled")) } }
            }
            (quoted(l, &r.author, r.created_at, r.message_id, &r.body_html))
            ul.reports {
                @for report in &r.reports {
                    li {
                        (l.html("reports-reason", &Args::new()
                            .markup("who", author_link(&report.reporter))
                            .markup("when", time(l, report.created_at))
                            .markup("reason", html! { span.reason dir="auto" { (Line(&report.reason)) } })))
                    }
                }
            }
            div.actions {
                (decision(r, "dismiss", &l.t("reports-dismiss"), None))
                @if r.is_first {
                    (decision(r, "delete", &l.t("reports-delete-topic"), Some(&l.t("reports-delete-topic-ask"))))
                } @else {
                    (decision(r, "delete", &l.t("reports-delete-message"), Some(&l.t("reports-delete-message-ask"))))
                }
                @if !r.author_disabled && r.author_id != me {
                    (decision(r, "disable-author", &l.t("reports-disable"), Some(&l.t("reports-disable-ask"))))
                }
            }
        }
    }
}

/// What replaces a reported message's entry once an admin decided.
pub fn decided(message_id: i64, said: &str) -> Markup {
    html! {
        li.card id=(entry_id(message_id)) role="status" { (said) }
    }
}

pub fn queue_page(l: Lang, user: &User, queue: &[Reported], paging: Paging) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("reports-title"),
            user: Some(user),
            crumbs: vec![
                (l.t("nav-admin").into_owned(), Some(paths::ADMIN.into())),
                (l.t("reports-title").into_owned(), None),
            ],
            live_view: None,
        },
        html! {
            h1 { (l.t("reports-title")) }
            p.muted { (l.t("reports-intro")) }
            @if queue.is_empty() { p.muted { (l.t("reports-none")) } }
            ol #reports-queue {
                @for r in queue { (reported(l, r, user.id)) }
            }
            (pager(l, paging, None, paths::admin_reports))
        },
    )
}

/// The admin page's line about the queue.
pub fn summary(l: Lang, reported: i64) -> Markup {
    html! {
        p #reports-summary {
            @if reported == 0 { (l.t("reports-none")) } @else {
                strong { (count(l, "reports-summary", reported)) }
            }
            " "
            a href=(paths::ADMIN_REPORTS) { (l.t("reports-queue-link")) }
        }
    }
}
