//! What every message form shares (new topic, reply, edit): the preview
//! region, the Preview button, and a line on what Markdown does.
//!
//! Preview without JavaScript submits the form with `preview` set: the form
//! comes back, the text kept, with the rendered body in its preview region.
//! With htmx the button posts the same form to the same route and swaps only
//! the region's content.

use maud::{Markup, PreEscaped, html};

/// The id of the preview region of the form `form_id`.
pub fn preview_id(form_id: &str) -> String {
    format!("{form_id}-preview")
}

/// The preview region of the form `form_id`: empty, or the rendered body
/// (`html`, sanitised when it was rendered).
pub fn preview_region(form_id: &str, html: Option<&str>) -> Markup {
    html! {
        div.preview id=(preview_id(form_id)) aria-live="polite" {
            @if let Some(html) = html { (preview_content(html)) }
        }
    }
}

/// What the preview region holds once Preview is pressed.
pub fn preview_content(html: &str) -> Markup {
    html! {
        p.preview-title { "Preview" }
        div.body dir="auto" { (PreEscaped(html)) }
    }
}

/// What the preview region holds when the body cannot be previewed.
pub fn preview_refused(message: &str) -> Markup {
    html! { p.error role="alert" { (message) } }
}

/// Preview: a submit button of its own (no JavaScript), or a request of its
/// own into the region (htmx). The page's `drafts.js` keeps the draft.
pub fn preview_button(form_id: &str, action: &str) -> Markup {
    html! {
        button type="submit" name="preview" value="1" formnovalidate data-preview
            hx-post=(action) hx-target={ "#" (preview_id(form_id)) } hx-swap="innerHTML" {
            "Preview"
        }
    }
}

/// Under a message field: what its text may hold.
pub fn markdown_hint() -> Markup {
    html! {
        p.hint {
            "Markdown: " code { "*italic*" } " " code { "**bold**" } " " code { "`code`" } " "
            code { "> quote" } " " code { "- list" } " " code { "[text](https://…)" }
        }
    }
}
