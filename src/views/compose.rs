//! What every message form shares (new topic, reply, edit): the preview
//! region, the Preview button, and a line on what Markdown does.
//!
//! Preview without JavaScript submits the form with `preview` set: the form
//! comes back, the text kept, with the rendered body in its preview region.
//! With htmx the button posts the same form to the same route and swaps only
//! the region's content.

use maud::{Markup, PreEscaped, html};

use crate::i18n::Lang;

/// The id of the preview region of the form `form_id`.
pub fn preview_id(form_id: &str) -> String {
    format!("{form_id}-preview")
}

/// The preview region of the form `form_id`: empty, or the rendered body
/// (`html`, sanitised when it was rendered).
pub fn preview_region(l: Lang, form_id: &str, html: Option<&str>) -> Markup {
    html! {
        div.preview id=(preview_id(form_id)) aria-live="polite" {
            @if let Some(html) = html { (preview_content(l, html)) }
        }
    }
}

/// What the preview region holds once Preview is pressed.
pub fn preview_content(l: Lang, html: &str) -> Markup {
    html! {
        p.preview-title { (l.t("preview-title")) }
        div.body dir="auto" { (PreEscaped(html)) }
    }
}

/// What the preview region holds when the body cannot be previewed.
pub fn preview_refused(message: &str) -> Markup {
    html! { p.error role="alert" { (message) } }
}

/// Preview: a submit button of its own (no JavaScript), or a request of its
/// own into the region (htmx). The page's `drafts.js` keeps the draft.
pub fn preview_button(l: Lang, form_id: &str, action: &str) -> Markup {
    html! {
        button type="submit" name="preview" value="1" formnovalidate data-preview
            data-hx-post=(action) data-hx-target={ "#" (preview_id(form_id)) } data-hx-swap="innerHTML" {
            (l.t("preview-button"))
        }
    }
}

/// Under a message field: what its text may hold.
pub fn markdown_hint(l: Lang) -> Markup {
    html! {
        p.hint {
            (l.t("md-label")) " " code { "*" (l.t("md-italic")) "*" } " " code { "**" (l.t("md-bold")) "**" } " "
            code { "`code`" } " " code { "> " (l.t("md-quote")) } " " code { "- " (l.t("md-list")) } " "
            code { "[" (l.t("md-text")) "](https://…)" }
        }
    }
}
