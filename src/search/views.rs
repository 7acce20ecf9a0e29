//! The search page: its form, and the messages found with the words marked.

use maud::{Markup, html};

use super::queries::{Hit, MARK_END, MARK_START};
use super::{MAX_PAGES, query};
use crate::auth::User;
use crate::i18n::{Args, Lang, n};
use crate::paths;
use crate::validate::USERNAME_MAX;
use crate::views::components::{FieldAttrs, PAGE_SIZE, field_said, time};
use crate::views::layout::{Shell, page};
use crate::views::text::{Bdi, Line};

/// The form as it was sent (each value trimmed); `q` is `None` when the
/// page was opened without one.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub q: Option<String>,
    pub forum: String,
    pub author: String,
    pub page: String,
}

/// A field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Words,
    Forum,
    Author,
}

/// What the page shows under the form.
pub enum Found<'a> {
    /// No search yet.
    Nothing,
    /// The query was not searched: why, said next to the field at fault.
    Refused { field: Field, message: &'a str },
    /// Page `page` of the matches, and whether more follow it.
    Hits {
        hits: &'a [Hit],
        page: u32,
        more: bool,
    },
}

/// `text` with the words FTS5 marked (between `MARK_START` and `MARK_END`)
/// in `<mark>`. Every piece is escaped like any user text; only the
/// markers, which no stored text holds, become markup.
fn marked(text: &str) -> Markup {
    html! {
        @for (i, piece) in text.split(MARK_START).enumerate() {
            @if i == 0 {
                (Line(piece))
            } @else {
                @let (inside, after) = piece.split_once(MARK_END).unwrap_or((piece, ""));
                mark { (Line(inside)) }
                (Line(after))
            }
        }
    }
}

fn hit(l: Lang, h: &Hit) -> Markup {
    html! {
        li.result id={ "result-" (h.id) } {
            h2 dir="auto" {
                a href=(paths::message(h.id)) {
                    @match &h.marked_title {
                        Some(t) => (marked(t)),
                        None => (Line(&h.topic_title)),
                    }
                }
            }
            p.byline {
                (l.html("search-hit-byline", &Args::new()
                    .markup("author", html! { a href=(paths::user(&h.author)) { (Bdi(&h.author)) } })
                    .markup("date", time(l, h.created_at))
                    .markup("forum", html! { a href=(paths::forum(h.forum_id)) { (Bdi(&h.forum_name)) } })))
            }
            @if !h.excerpt.is_empty() {
                p.excerpt dir="auto" { (marked(&h.excerpt)) }
            }
        }
    }
}

fn form(l: Lang, asked: &Asked, forums: &[(i64, String)], error: Option<(Field, &str)>) -> Markup {
    let forum: Option<i64> = asked.forum.parse().ok();
    let error_at = |f: Field| error.filter(|(at, _)| *at == f).map(|(_, e)| e);
    html! {
        form.card.stack #search-form role="search" aria-label=(l.t("search-form-label"))
            action=(paths::SEARCH) method="get" {
            (field_said(&l.t("search-words"), "q", "search", asked.q.as_deref().unwrap_or_default(),
                error_at(Field::Words),
                FieldAttrs::new("search").max(query::MAX_CHARS as u32).optional()))
            p.hint {
                (l.tr("search-hint", &Args::new()
                    .str("phrase", format!("\"{}\"", l.t("search-hint-phrase")))
                    .str("prefix", format!("{}*", l.t("search-hint-prefix")))
                    .num("prefixes", query::MAX_PREFIXES as i64)
                    .num("terms", query::MAX_TERMS as i64)))
            }
            div.field.invalid[error_at(Field::Forum).is_some()] {
                label for="f-search-forum" { (l.t("search-in-forum")) }
                select #f-search-forum name="forum"
                    aria-describedby=[error_at(Field::Forum).map(|_| "f-search-forum-error")] {
                    option value="" { (l.t("search-all-forums")) }
                    @for (id, name) in forums {
                        option value=(id) selected[forum == Some(*id)] { (Line(name)) }
                    }
                }
                @if let Some(e) = error_at(Field::Forum) {
                    p.error #f-search-forum-error role="alert" { (e) }
                }
            }
            (field_said(&l.t("search-author"), "author", "text", &asked.author, error_at(Field::Author),
                FieldAttrs::new("search").max(USERNAME_MAX as u32).optional()))
            button type="submit" { (l.t("search-button")) }
        }
    }
}

fn results(l: Lang, asked: &Asked, hits: &[Hit], page: u32, more: bool) -> Markup {
    let q = asked.q.as_deref().unwrap_or_default();
    let forum: Option<i64> = asked.forum.parse().ok();
    let link = |n: u32| paths::search(q, forum, &asked.author, n);
    let first = u64::from(page - 1) * u64::from(PAGE_SIZE) + 1;
    let last = first + hits.len() as u64 - 1;
    html! {
        section #search-results aria-label=(l.t("search-results-label")) {
            @if hits.is_empty() {
                p.card.empty #no-results {
                    (l.html("search-no-results", &Args::new().markup("q", html! { strong { (Line(q)) } })))
                }
            } @else {
                p.summary {
                    @if page == 1 && !more {
                        (l.tr("search-matches", &n("n", hits.len() as i64)))
                    } @else {
                        (l.tr("search-range", &Args::new().num("first", first as i64).num("last", last as i64)))
                    }
                    @if page == MAX_PAGES && more {
                        " " (l.tr("search-only-newest", &n("n", i64::from(MAX_PAGES * PAGE_SIZE))))
                    }
                }
                ol.list.results #results {
                    @for h in hits { (hit(l, h)) }
                }
            }
            @if page > 1 || more {
                nav.pager #pager aria-label=(l.t("pager-label")) {
                    @if page > 1 {
                        a href=(link(1)) rel="first" { (l.t("pager-first")) }
                        a href=(link(page - 1)) rel="prev" { (l.t("pager-previous")) }
                    }
                    span.current { (l.tr("search-page", &n("page", i64::from(page)))) }
                    @if more && page < MAX_PAGES {
                        a href=(link(page + 1)) rel="next" { (l.t("pager-next")) }
                    }
                }
            }
        }
    }
}

pub fn search_page(
    l: Lang,
    viewer: Option<&User>,
    asked: &Asked,
    forums: &[(i64, String)],
    found: Found<'_>,
) -> Markup {
    let title = match asked.q.as_deref() {
        Some(q) if !q.is_empty() => l.tr("search-title-query", &Args::new().str("q", q)),
        _ => l.t("search-title"),
    };
    let error = match found {
        Found::Refused { field, message } => Some((field, message)),
        _ => None,
    };
    page(
        Shell {
            lang: l,
            title: &title,
            user: viewer,
            crumbs: vec![(l.t("search-title").into_owned(), None)],
            live_view: None,
        },
        html! {
            h1 { (l.t("search-title")) }
            (form(l, asked, forums, error))
            @if let Found::Hits { hits, page, more } = found {
                (results(l, asked, hits, page, more))
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_markers_become_markup() {
        let excerpt = format!("a <script>x</script> {MARK_START}b&c{MARK_END} \"d\" {MARK_START}e");
        assert_eq!(
            marked(&excerpt).into_string(),
            "a &lt;script&gt;x&lt;/script&gt; <mark>b&amp;c</mark> &quot;d&quot; <mark>e</mark>"
        );
        assert_eq!(marked("plain").into_string(), "plain");
    }
}
