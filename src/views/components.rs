//! Small shared pieces: dates, pagination, form fields, notices.

use maud::{Markup, html};

use crate::error::{AppError, AppResult};

/// A date as people read it, with the machine-readable form beside it.
/// `static/local-time.js` shows it in the reader's time zone.
pub fn time(ts: i64) -> Markup {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let iso = dt
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let human = dt
        .format(time::macros::format_description!(
            "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    html! { time datetime=(iso) { (human) } }
}

/// Where a list is in its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub last: u32,
}

pub const PAGE_SIZE: u32 = 20;

impl Paging {
    /// Pages for `total` rows; a list with no rows still has its page 1.
    pub fn new(page: u32, total: i64) -> Self {
        let last = (total.max(0) as u64).div_ceil(PAGE_SIZE as u64).max(1) as u32;
        Self { page, last }
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(PAGE_SIZE)
    }
    /// Page `page` of `total` rows, or 404 when there is no such page.
    pub fn existing(page: u32, total: i64) -> AppResult<Self> {
        let paging = Self::new(page, total);
        if paging.page >= 1 && paging.page <= paging.last {
            Ok(paging)
        } else {
            Err(AppError::NotFound)
        }
    }
    pub fn is_last(&self) -> bool {
        self.page == self.last
    }
}

/// First / previous / next / last links, in the live region `#pager-box`;
/// `link(n)` builds page n's URL, `oob` marks it for an out-of-band swap.
pub fn pager(paging: Paging, oob: Option<&str>, link: impl Fn(u32) -> String) -> Markup {
    let Paging { page, last } = paging;
    html! {
        div #pager-box hx-swap-oob=[oob] {
            nav.pager #pager aria-label="Pages" {
                @if last > 1 {
                    @if page > 1 {
                        a href=(link(1)) rel="first" { "« First" }
                        a href=(link(page - 1)) rel="prev" { "‹ Previous" }
                    } @else {
                        span.disabled { "« First" }
                        span.disabled { "‹ Previous" }
                    }
                    span.current { "Page " (page) " of " (last) }
                    @if page < last {
                        a href=(link(page + 1)) rel="next" { "Next ›" }
                        a href=(link(last)) rel="last" { "Last »" }
                    } @else {
                        span.disabled { "Next ›" }
                        span.disabled { "Last »" }
                    }
                }
            }
        }
    }
}

/// One labelled input with its error, if any, right under it.
pub fn field(
    label: &str,
    name: &str,
    kind: &str,
    value: &str,
    error: Option<&str>,
    attrs: FieldAttrs<'_>,
) -> Markup {
    let id = format!("f-{}-{name}", attrs.form);
    let err_id = format!("{id}-error");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            @if kind == "textarea" {
                textarea id=(id) name=(name) dir="auto" rows=(attrs.rows) maxlength=[attrs.maxlength]
                    required[attrs.required] aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| err_id.as_str())] { (value) }
            } @else {
                input id=(id) type=(kind) name=(name) dir="auto" value=(value) maxlength=[attrs.maxlength]
                    minlength=[attrs.minlength] required[attrs.required]
                    autocomplete=[attrs.autocomplete] aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| err_id.as_str())];
            }
            @if let Some(e) = error {
                p.error id=(err_id) role="alert" { (e) }
            }
        }
    }
}

/// The less common parts of a field.
#[derive(Clone, Copy)]
pub struct FieldAttrs<'a> {
    /// Distinguishes fields of two forms on one page.
    pub form: &'a str,
    pub required: bool,
    pub minlength: Option<u32>,
    pub maxlength: Option<u32>,
    pub autocomplete: Option<&'static str>,
    pub rows: u32,
}

impl<'a> FieldAttrs<'a> {
    pub const fn new(form: &'a str) -> Self {
        Self {
            form,
            required: true,
            minlength: None,
            maxlength: None,
            autocomplete: None,
            rows: 6,
        }
    }
    pub const fn max(mut self, n: u32) -> Self {
        self.maxlength = Some(n);
        self
    }
    pub const fn min(mut self, n: u32) -> Self {
        self.minlength = Some(n);
        self
    }
    pub const fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub const fn auto(mut self, a: &'static str) -> Self {
        self.autocomplete = Some(a);
        self
    }
    pub const fn rows(mut self, r: u32) -> Self {
        self.rows = r;
        self
    }
}

/// A form-level message (not tied to one field).
pub fn form_error(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error { p.error.form-error role="alert" { (e) } }
    }
}

/// "1 reply" / "2 replies".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A notice that the list changed elsewhere; empty until something happens.
pub fn live_notice(content: Option<Markup>, oob: Option<&str>) -> Markup {
    html! {
        div #live-notice aria-live="polite" hx-swap-oob=[oob] {
            @if let Some(c) = content { p.notice.live { (c) } }
        }
    }
}

/// Where a notice about a failed request goes: one per page, empty until then.
pub const FLASH_ID: &str = "flash";
pub const FLASH_SELECTOR: &str = "#flash";

pub fn flash_region() -> Markup {
    html! { div #(FLASH_ID) role="alert" {} }
}

/// A failed request, said where the reader looks; `kept` when it was a form,
/// which stays as it was.
pub fn flash_notice(notice: crate::error::Notice, kept: bool) -> Markup {
    html! {
        div.notice.failure {
            p {
                strong { (notice.title) "." } " " (notice.message)
                @if kept { " What you typed is still in the form." }
            }
            // static/notices.js makes it work.
            button.link.dismiss type="button" aria-label="Dismiss" { "×" }
        }
    }
}
