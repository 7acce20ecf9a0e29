//! The report form, its answer, and the admins' queue.

use maud::{Markup, PreEscaped, html};

use super::queries::{Reported, WAITING_MAX};
use crate::auth::User;
use crate::messages::queries::MessageRow;
use crate::paths;
use crate::topics::queries::Topic;
use crate::validate::{self, FieldErrors};
use crate::views::avatar::author_link;
use crate::views::components::{FieldAttrs, Paging, field, pager, plural, time};
use crate::views::layout::{Shell, page};
use crate::views::text::Line;

pub const REPORT_FORM_ID: &str = "report-form";

/// A message as the report form and the queue show it: who wrote it, when,
/// and its text, without controls.
fn quoted(author: &str, created_at: i64, message_id: i64, body_html: &str) -> Markup {
    html! {
        article.message.reported-message {
            header {
                strong.author { (author_link(author)) }
                a.permalink href=(paths::message(message_id)) { (time(created_at)) }
            }
            // Sanitised when it was written (`markdown`).
            div.body dir="auto" { (PreEscaped(body_html)) }
        }
    }
}

/// The form: why this message should be looked at.
pub fn report_form(message_id: i64, reason: &str, errors: &FieldErrors) -> Markup {
    let action = paths::message_report(message_id);
    html! {
        form #(REPORT_FORM_ID).card.stack action=(action) method="post"
            hx-post=(action) hx-swap="outerHTML" hx-sync="this:drop" {
            (field("Why should an administrator look at this message?", "reason", "textarea", reason,
                errors.get("reason"), FieldAttrs::new("report").max(validate::REASON_MAX as u32).rows(3)))
            p.muted { "Only administrators see reports and who sent them." }
            div.actions {
                button.primary type="submit" { "Send report" }
                a href=(paths::message(message_id)) { "Cancel" }
            }
        }
    }
}

/// What replaces the form once the report is recorded.
pub fn report_sent(message_id: i64) -> Markup {
    html! {
        section #(REPORT_FORM_ID).card.stack role="status" {
            p.notice.success { "Thank you: your report was sent to the administrators." }
            p { a href=(paths::message(message_id)) { "Back to the message" } }
        }
    }
}

/// The report page: the message, and the form (or its answer).
pub fn report_page(user: &User, m: &MessageRow, topic: &Topic, form: Markup) -> Markup {
    page(
        Shell {
            title: "Report a message",
            user: Some(user),
            crumbs: vec![
                (topic.forum_name.clone(), Some(paths::forum(topic.forum_id))),
                (topic.title.clone(), Some(paths::topic(topic.id))),
                ("Report".into(), None),
            ],
            live_view: None,
        },
        html! {
            h1 { "Report a message" }
            (quoted(&m.author, m.created_at, m.id, &m.body_html))
            (form)
        },
    )
}

/// Said to a member whose reports fill their share of the queue.
pub fn too_many() -> String {
    format!(
        "You have {WAITING_MAX} reports waiting for an administrator: send more once they are handled."
    )
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
        form.inline action=(action) method="post" hx-post=(action) hx-target=(target) hx-swap="outerHTML" {
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
pub fn reported(r: &Reported, me: i64) -> Markup {
    html! {
        li.card.stack id=(entry_id(r.message_id)) {
            p {
                strong { (plural(r.reports.len() as i64, "report", "reports")) }
                " of a message in "
                a href=(paths::message(r.message_id)) dir="auto" { (Line(&r.topic_title)) }
                @if r.author_disabled { " " span.badge.locked { "author disabled" } }
            }
            (quoted(&r.author, r.created_at, r.message_id, &r.body_html))
            ul.reports {
                @for report in &r.reports {
                    li {
                        (author_link(&report.reporter)) " " (time(report.created_at)) ": "
                        span.reason dir="auto" { (Line(&report.reason)) }
                    }
                }
            }
            div.actions {
                (decision(r, "dismiss", "Dismiss", None))
                @if r.is_first {
                    (decision(r, "delete", "Delete the topic and its messages", Some("Delete the topic…")))
                } @else {
                    (decision(r, "delete", "Delete this message", Some("Delete the message…")))
                }
                @if !r.author_disabled && r.author_id != me {
                    (decision(r, "disable-author", "Disable their account", Some("Disable the author…")))
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

pub fn queue_page(user: &User, queue: &[Reported], paging: Paging) -> Markup {
    page(
        Shell {
            title: "Reports",
            user: Some(user),
            crumbs: vec![
                ("Admin".into(), Some(paths::ADMIN.into())),
                ("Reports".into(), None),
            ],
            live_view: None,
        },
        html! {
            h1 { "Reports" }
            p.muted { "Messages members reported, the most recently reported first. Dismissing keeps the message; deleting it or disabling its author also handles its reports." }
            @if queue.is_empty() { p.muted { "No report is waiting." } }
            ol #reports-queue {
                @for r in queue { (reported(r, user.id)) }
            }
            (pager(paging, None, paths::admin_reports))
        },
    )
}

/// The admin page's line about the queue.
pub fn summary(reported: i64) -> Markup {
    html! {
        p #reports-summary {
            @if reported == 0 { "No report is waiting. " } @else {
                strong { (plural(reported, "message", "messages")) " reported" } ". "
            }
            a href=(paths::ADMIN_REPORTS) { "The reports queue…" }
        }
    }
}
