//! The HTML shell around every page: head, header with who is logged in,
//! breadcrumbs, and the page's live socket.

use maud::{DOCTYPE, Markup, html};

use crate::auth::User;
use crate::i18n::{Args, Lang};
use crate::paths;
use crate::validate::SEARCH_MAX;
use crate::views::avatar::{AvatarSize, avatar};
use crate::views::components::flash_region;
use crate::views::text::{Bdi, Line};

/// The htmx release vendored under `static/`, used to bust caches.
pub const HTMX_VERSION: &str = "4.0.1";

/// What the shell needs to know about the page it wraps.
pub struct Shell<'a> {
    /// The language the page is written in.
    pub lang: Lang,
    pub title: &'a str,
    pub user: Option<&'a User>,
    /// Home is implied; each entry is a label and, except the last, a link.
    pub crumbs: Vec<(String, Option<String>)>,
    /// The page's own path and query, for `/_ws?view=`; `None` opens no socket.
    pub live_view: Option<String>,
}

/// A feed the page offers (autodiscovery): a feed reader given the page's
/// address finds it in the head.
pub struct FeedLink {
    /// The feed's own title, as a reader lists it.
    pub title: String,
    pub href: String,
}

fn head(l: Lang, title: &str, feed: Option<&FeedLink>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (Line(title)) " · causerie" }
            @if let Some(feed) = feed {
                link rel="alternate" type="application/atom+xml" title=(Line(&feed.title)) href=(feed.href);
            }
            link rel="stylesheet" href={ "/static/style.css?v=" (env!("CARGO_PKG_VERSION")) };
            link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            // static/local-time.js's words, in the page's language (an
            // empty template: a `meta` would need a registered name).
            template #time-words data-now=(l.t("time-just-now"))
                data-minute=(l.t("time-minute-ago")) data-minutes=(l.t("time-minutes-ago"))
                data-today=(l.t("time-today")) data-yesterday=(l.t("time-yesterday")) {}
            meta name="htmx-config" content=r#"{"ws":{"reconnectDelay":500,"reconnectMaxDelay":10000}}"#;
            // Not `defer`: htmx initialises as soon as the document is parsed,
            // and the extensions must be registered by then, or a page loaded
            // from an empty cache may never open its socket.
            script src={ "/static/htmx.min.js?v=" (HTMX_VERSION) } {}
            script src={ "/static/ext/hx-ws.js?v=" (HTMX_VERSION) } {}
            script src={ "/static/ext/hx-upsert.js?v=" (HTMX_VERSION) } {}
            // Before any other deferred script: the socket's attributes.
            script src={ "/static/ws-connect.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/local-time.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/notices.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/drafts.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/quote.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
        }
    }
}

fn header(l: Lang, user: Option<&User>) -> Markup {
    html! {
        header.site {
            a.brand href=(paths::HOME) { "causerie" }
            (search_box(l))
            (account_nav(l, user, None))
        }
    }
}

/// The search box of every page: a plain GET form, so it works without
/// scripts; the search page has the full form (forum, author).
fn search_box(l: Lang) -> Markup {
    html! {
        form.site-search role="search" aria-label=(l.t("search-site")) action=(paths::SEARCH) method="get" {
            label.visually-hidden for="site-search" { (l.t("search-label")) }
            input #site-search type="search" name="q" maxlength=(SEARCH_MAX) placeholder=(l.t("search-placeholder"));
            button type="submit" { (l.t("search-button")) }
        }
    }
}

/// Who is logged in, or the way in. A visitor's socket catch-up sends it
/// (`oob`) so a page whose session ended stops saying "Logged in as".
pub fn account_nav(l: Lang, user: Option<&User>, oob: Option<&str>) -> Markup {
    html! {
            nav #account-nav.account aria-label=(l.t("nav-account-label")) data-hx-swap-oob=[oob] {
                @if let Some(u) = user {
                    a.me href=(paths::user(&u.username)) title=(l.t("nav-your-profile")) {
                        (avatar(&u.username, u.avatar.as_deref(), AvatarSize::Small))
                    }
                    span.who {
                        (l.html("nav-logged-in-as", &Args::new().markup("name", html! { strong { (Bdi(&u.username)) } })))
                        @if u.is_admin { " " span.badge { (l.t("badge-admin")) } }
                    }
                    (bell(l, u.notifications, None))
                    @if u.is_admin { a href=(paths::ADMIN) { (l.t("nav-admin")) } }
                    a href=(paths::ACCOUNT) { (l.t("nav-account")) }
                    // static/drafts.js forgets this browser's drafts on the way out.
                    form.inline action=(paths::LOGOUT) method="post" data-forget-drafts {
                        button.link type="submit" { (l.t("nav-log-out")) }
                    }
                } @else {
                    a href=(paths::LOGIN) { (l.t("nav-log-in")) }
                    a href=(paths::REGISTER) { (l.t("nav-register")) }
                }
            }
    }
}

/// The most a bell says; past it, "99+".
const BELL_MAX: u32 = 99;

/// A member's bell: their unread notifications, linking to the list. The
/// socket sends it again (`oob`) whenever the count moves.
pub fn bell(l: Lang, count: u32, oob: Option<&str>) -> Markup {
    let label = match count {
        0 => l.t("bell-none"),
        n => l.tr("bell-unread", &crate::i18n::n("n", i64::from(n))),
    };
    html! {
        a #bell.bell.unread[count > 0] href=(paths::NOTIFICATIONS) aria-label=(label) title=(label) data-hx-swap-oob=[oob] {
            svg.bell-icon aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" {
                path d="M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" {}
            }
            @if count > 0 {
                span.bell-count aria-hidden="true" {
                    @if count > BELL_MAX { (BELL_MAX) "+" } @else { (count) }
                }
            }
        }
    }
}

fn breadcrumbs(l: Lang, crumbs: &[(String, Option<String>)]) -> Markup {
    html! {
        @if !crumbs.is_empty() {
            nav.crumbs aria-label=(l.t("crumbs-label")) {
                ol {
                    li { a href=(paths::HOME) { (l.t("crumbs-home")) } }
                    @for (label, link) in crumbs {
                        li {
                            @match link {
                                Some(href) => a href=(href) { (Bdi(label)) },
                                None => span aria-current="page" { (Bdi(label)) },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A whole page.
pub fn page(shell: Shell<'_>, body: Markup) -> Markup {
    page_with_feed(shell, None, body)
}

/// A whole page that offers a feed (home, a forum, a topic).
pub fn page_with_feed(shell: Shell<'_>, feed: Option<FeedLink>, body: Markup) -> Markup {
    let l = shell.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(l, shell.title, feed.as_ref()))
            body {
                (header(l, shell.user))
                main {
                    (breadcrumbs(l, &shell.crumbs))
                    (body)
                }
                (flash_region())
                // A member's page without live regions still opens one, for
                // their bell: it watches nothing else.
                @if let Some(view) = shell.live_view.as_deref().or(shell.user.map(|_| paths::NOTIFICATIONS)) {
                    // The page's one socket; what arrives is swapped out of band.
                    div #live hidden data-ws-connect=(paths::live_socket(view)) data-hx-swap="none" {}
                }
                footer.site {
                    p { (l.t("footer-tagline")) }
                    (language_switcher(l))
                }
            }
        }
    }
}

/// A page for an error, with no account information (errors are rendered
/// without the request).
pub fn error_page(l: Lang, title: &str, message: &str) -> Markup {
    page(
        Shell {
            lang: l,
            title,
            user: None,
            crumbs: vec![(title.to_string(), None)],
            live_view: None,
        },
        html! {
            section.card.error-page {
                h1 { (title) }
                p { (message) }
                p { a href=(paths::HOME) { (l.t("back-to-forums")) } }
            }
        },
    )
}

/// The footer's choice of language: a form per language, so it works
/// without scripts; the server sets the `lang` cookie (and a member's own
/// choice) and sends the browser back to the page it came from.
fn language_switcher(l: Lang) -> Markup {
    html! {
        nav.languages aria-label=(l.t("footer-language")) {
            @for other in Lang::ALL {
                @if other == l {
                    span lang=(other.code()) aria-current="true" { (other.own_name()) }
                } @else {
                    form.inline action=(paths::LANG) method="post" {
                        input type="hidden" name="lang" value=(other.code());
                        button.link type="submit" lang=(other.code()) { (other.own_name()) }
                    }
                }
            }
        }
    }
}
