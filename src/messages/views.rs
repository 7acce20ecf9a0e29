//! A message (the topic page's live unit), the list of them, and the reply
//! and edit forms.

use maud::{Markup, PreEscaped, html};

use super::queries::MessageRow;
use crate::auth::User;
use crate::form::LONG_TEXT;
use crate::i18n::{Args, Lang};
use crate::paths;
use crate::perms::{self, MessagePerms, Role};
use crate::topics::queries::Topic;
use crate::validate::{self, FieldErrors};
use crate::views::avatar::{AvatarSize, author_link, avatar};
use crate::views::components::{FieldAttrs, field, time};
use crate::views::compose::{markdown_hint, preview_button, preview_region};
use crate::views::layout::{Shell, page};

/// One message. Its HTML depends only on the row and `perms`, so the socket
/// renders it once per distinct `perms`, not once per viewer.
pub fn message(l: Lang, m: &MessageRow, p: MessagePerms) -> Markup {
    html! {
        article.message id=(paths::message_anchor(m.id)) {
            header {
                (avatar(&m.author, m.author_avatar.as_deref(), AvatarSize::Small))
                strong.author { (author_link(&m.author)) }
                a.permalink href=(paths::message(m.id)) { (time(l, m.created_at)) }
                @if let Some(at) = m.edited_at {
                    span.edited { (l.html("edited-at", &Args::new().markup("date", time(l, at)))) }
                }
            }
            // Rendered and sanitised when it was written (`markdown`).
            div.body dir="auto" { (PreEscaped(&m.body_html)) }
            @if p.quote || p.edit || p.delete || p.report {
                footer.controls {
                    // `quote.js` puts the quote into the reply form below, when
                    // the page has one; the link opens the reply page otherwise.
                    @if p.quote {
                        a.quote href=(paths::topic_reply_quoting(m.topic_id, m.id))
                            data-quote=(paths::message_quote(m.id)) { (l.t("message-quote")) }
                    }
                    @if p.edit { a href=(paths::message_edit(m.id)) { (l.t("message-edit")) } }
                    @if p.report { a.report href=(paths::message_report(m.id)) rel="nofollow" { (l.t("message-report")) } }
                    @if p.delete {
                        details.confirm {
                            summary.danger { (l.t("message-delete")) }
                            form.inline action=(paths::message_delete(m.id)) method="post" {
                                button.danger type="submit" { (l.t("message-delete-confirm")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What `role` may do to `m` in `topic`.
pub fn perms_for(m: &MessageRow, topic: &Topic, role: Role) -> MessagePerms {
    perms::message_perms(
        role,
        m.author_id,
        m.id == topic.first_message_id,
        topic.locked,
    )
}

pub const MESSAGES_ID: &str = "messages";

/// A page of messages; `oob` marks it for an out-of-band swap.
pub fn message_list(
    l: Lang,
    messages: &[MessageRow],
    topic: &Topic,
    role: Role,
    oob: Option<&str>,
) -> Markup {
    html! {
        div #(MESSAGES_ID) data-hx-swap-oob=[oob] {
            @for m in messages { (message(l, m, perms_for(m, topic, role))) }
        }
    }
}

/// Inserts or replaces one message in `#messages`, in id order, whichever
/// arrives first of the POST response and the socket; `show` scrolls to it.
pub fn upsert(m: &Markup, show: bool) -> Markup {
    let swap = if show { "upsert show:bottom" } else { "upsert" };
    html! {
        hx-partial data-hx-target={ "#" (MESSAGES_ID) } data-hx-swap=(swap) { (m) }
    }
}

/// Removes a message wherever it is shown.
pub fn removal(id: i64) -> Markup {
    html! { div id=(paths::message_anchor(id)) data-hx-swap-oob="delete" {} }
}

#[derive(Default)]
pub struct ReplyForm {
    pub body: String,
    pub errors: FieldErrors,
    /// The rendered body, when Preview was pressed.
    pub preview: Option<String>,
}

pub const REPLY_FORM_ID: &str = "reply-form";

pub fn reply_form(l: Lang, topic_id: i64, form: &ReplyForm) -> Markup {
    let action = paths::topic_reply(topic_id);
    html! {
        form #(REPLY_FORM_ID).card.stack action=(action) method="post" enctype=(LONG_TEXT)
            data-draft={ "reply-" (topic_id) } data-hx-post=(action) data-hx-swap="outerHTML" data-hx-sync="this:drop" {
            h2 { (l.t("reply-title")) }
            (preview_region(l, REPLY_FORM_ID, form.preview.as_deref()))
            (field(l, &l.t("field-message"), "body", "textarea", &form.body, form.errors.get("body"),
                FieldAttrs::new("reply").max(validate::BODY_MAX as u32)))
            (markdown_hint(l))
            div.actions {
                button.primary type="submit" { (l.t("reply-button")) }
                (preview_button(l, REPLY_FORM_ID, &action))
            }
        }
    }
}

/// Under the messages: the reply form, or why there is none.
pub fn reply_area(l: Lang, topic: &Topic, role: Role, form: &ReplyForm) -> Markup {
    html! {
        @if perms::can_reply(role, topic.locked) {
            (reply_form(l, topic.id, form))
        } @else if topic.locked {
            p.notice.locked { (l.t("topic-locked-no-replies")) }
        } @else {
            p.muted.cta {
                (l.html("cta-reply", &Args::new()
                    .markup("login", html! { a href=(paths::login_next(&paths::topic(topic.id))) { (l.t("cta-log-in")) } })
                    .markup("register", html! { a href=(paths::REGISTER) { (l.t("cta-register")) } })))
            }
        }
    }
}

/// The reply form on a page of its own: for quoting, and for a browser
/// without JavaScript after an error.
pub fn reply_page(l: Lang, user: &User, topic: &Topic, form: &ReplyForm) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("reply-title"),
            user: Some(user),
            crumbs: vec![
                (topic.forum_name.clone(), Some(paths::forum(topic.forum_id))),
                (topic.title.clone(), Some(paths::topic(topic.id))),
                (l.t("reply-title").into_owned(), None),
            ],
            live_view: None,
        },
        reply_form(l, topic.id, form),
    )
}

pub const EDIT_FORM_ID: &str = "edit-form";

/// The edit form: `body` is the source (Markdown) as written, or as typed
/// when the form comes back; `preview` the rendered body, after Preview.
pub fn edit_form(
    l: Lang,
    m: &MessageRow,
    body: &str,
    errors: &FieldErrors,
    preview: Option<&str>,
) -> Markup {
    let action = paths::message_edit(m.id);
    html! {
        form #(EDIT_FORM_ID).card.stack action=(action) method="post" enctype=(LONG_TEXT)
            data-hx-post=(action) data-hx-swap="outerHTML" data-hx-sync="this:drop" {
            h2 { (l.t("edit-title")) }
            (preview_region(l, EDIT_FORM_ID, preview))
            (field(l, &l.t("field-message"), "body", "textarea", body, errors.get("body"),
                FieldAttrs::new("edit").max(validate::BODY_MAX as u32).rows(10)))
            (markdown_hint(l))
            div.actions {
                button.primary type="submit" { (l.t("edit-save")) }
                (preview_button(l, EDIT_FORM_ID, &action))
                a href=(paths::message(m.id)) { (l.t("edit-cancel")) }
            }
        }
    }
}

pub fn edit_page(l: Lang, user: &User, topic: &Topic, form: Markup) -> Markup {
    page(
        Shell {
            lang: l,
            title: &l.t("edit-title"),
            user: Some(user),
            crumbs: vec![
                (topic.forum_name.clone(), Some(paths::forum(topic.forum_id))),
                (topic.title.clone(), Some(paths::topic(topic.id))),
                (l.t("message-edit").into_owned(), None),
            ],
            live_view: None,
        },
        form,
    )
}

/// A quoted message as the start of a reply: a Markdown block quote headed
/// by its author and a link back to it, then its source, line by line.
pub fn quote_text(l: Lang, m: &MessageRow) -> String {
    // Names are letters, digits and `_ . -`: only `_` means something here.
    let author = m.author.replace('_', "\\_");
    let mut out = String::with_capacity(m.body.len() + m.body.len() / 8 + 64);
    // "wrote" in the quoter's language: it becomes their text.
    out.push_str(&format!(
        "> **{author}** [{}]({}):\n",
        l.t("quote-wrote"),
        paths::message(m.id)
    ));
    for line in m.body.lines() {
        out.push('>');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push('\n');
    out
}
