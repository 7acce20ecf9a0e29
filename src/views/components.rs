//! Small shared pieces: dates, pagination, form fields, notices.

use maud::{Markup, html};

use crate::error::{AppError, AppResult};
use crate::i18n::{Args, Lang, Text};

/// A date as people read it, with the machine-readable form beside it.
/// `static/local-time.js` shows it in the reader's time zone.
pub fn time(l: Lang, ts: i64) -> Markup {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let iso = dt
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    html! { time datetime=(iso) { (utc_text(l, dt)) } }
}

/// The month as `date-utc`'s selector names it (words, not numbers: Fluent
/// parses a numeric variant key on every match).
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Dates formatted already, per thread and language, to the minute: a page
/// shows the same few dates to every reader, and formatting one through the
/// catalogue is most of a topic row's cost. Dropped whole when full.
const DATES_KEPT: usize = 4096;

thread_local! {
    static DATES: std::cell::RefCell<std::collections::HashMap<(Lang, i64), std::rc::Rc<str>>> =
        Default::default();
}

/// "24 Nov 2026, 22:48 UTC" in `l`.
fn utc_text(l: Lang, dt: time::OffsetDateTime) -> std::rc::Rc<str> {
    let key = (l, dt.unix_timestamp().div_euclid(60));
    if let Some(text) = DATES.with_borrow(|d| d.get(&key).cloned()) {
        return text;
    }
    let clock = dt
        .format(time::macros::format_description!("[hour]:[minute]"))
        .unwrap_or_default();
    let text: std::rc::Rc<str> = l
        .tr(
            "date-utc",
            &Args::new()
                .str("day", dt.day().to_string())
                .str("month", MONTHS[usize::from(u8::from(dt.month())) - 1])
                .str("year", dt.year().to_string())
                .str("time", clock),
        )
        .into();
    DATES.with_borrow_mut(|d| {
        if d.len() >= DATES_KEPT {
            d.clear();
        }
        d.insert(key, text.clone());
    });
    text
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
pub fn pager(l: Lang, paging: Paging, oob: Option<&str>, link: impl Fn(u32) -> String) -> Markup {
    let Paging { page, last } = paging;
    html! {
        div #pager-box data-hx-swap-oob=[oob] {
            nav.pager #pager aria-label=(l.t("pager-label")) {
                @if last > 1 {
                    @if page > 1 {
                        a href=(link(1)) rel="first" { (l.t("pager-first")) }
                        a href=(link(page - 1)) rel="prev" { (l.t("pager-previous")) }
                    } @else {
                        span.disabled { (l.t("pager-first")) }
                        span.disabled { (l.t("pager-previous")) }
                    }
                    span.current { (l.tr("pager-current", &Args::new().num("page", page.into()).num("last", last.into()))) }
                    @if page < last {
                        a href=(link(page + 1)) rel="next" { (l.t("pager-next")) }
                        a href=(link(last)) rel="last" { (l.t("pager-last")) }
                    } @else {
                        span.disabled { (l.t("pager-next")) }
                        span.disabled { (l.t("pager-last")) }
                    }
                }
            }
        }
    }
}

/// One labelled input with its error, if any, right under it.
pub fn field(
    l: Lang,
    label: &str,
    name: &str,
    kind: &str,
    value: &str,
    error: Option<&Text>,
    attrs: FieldAttrs<'_>,
) -> Markup {
    let error = error.map(|e| e.in_(l));
    field_said(label, name, kind, value, error.as_deref(), attrs)
}

/// `field`, with its error already said (in the page's language).
pub fn field_said(
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
pub fn form_error(l: Lang, error: Option<&Text>) -> Markup {
    html! {
        @if let Some(e) = error { p.error.form-error role="alert" { (e.in_(l)) } }
    }
}

/// A count with its noun in the right plural form: `id` is a message taking
/// `$n` ("1 reply", "2 replies"; "0 réponse", "2 réponses").
pub fn count(l: Lang, id: &str, n: i64) -> std::borrow::Cow<'static, str> {
    l.tr(id, &crate::i18n::n("n", n))
}

/// A notice that the list changed elsewhere; empty until something happens.
pub fn live_notice(content: Option<Markup>, oob: Option<&str>) -> Markup {
    html! {
        div #live-notice aria-live="polite" data-hx-swap-oob=[oob] {
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
pub fn flash_notice(l: Lang, notice: crate::error::Notice, kept: bool) -> Markup {
    html! {
        div.notice.failure {
            p {
                strong { (notice.title.in_(l)) "." } " " (notice.message.in_(l))
                @if kept { " " (l.t("flash-form-kept")) }
            }
            // static/notices.js makes it work.
            button.link.dismiss type="button" aria-label=(l.t("flash-dismiss")) { "×" }
        }
    }
}
