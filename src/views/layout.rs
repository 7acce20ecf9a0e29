//! The HTML shell around every page: head, header with who is logged in,
//! breadcrumbs, and the page's live socket.

use maud::{DOCTYPE, Markup, html};

use crate::auth::User;
use crate::paths;
use crate::validate::SEARCH_MAX;
use crate::views::avatar::{AvatarSize, avatar};
use crate::views::components::flash_region;
use crate::views::text::{Bdi, Line};

/// The htmx release vendored under `static/`, used to bust caches.
pub const HTMX_VERSION: &str = "4.0.1";

/// What the shell needs to know about the page it wraps.
pub struct Shell<'a> {
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

fn head(title: &str, feed: Option<&FeedLink>) -> Markup {
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
            meta name="htmx-config" content=r#"{"ws":{"reconnectDelay":500,"reconnectMaxDelay":10000}}"#;
            // Not `defer`: htmx initialises as soon as the document is parsed,
            // and the extensions must be registered by then, or a page loaded
            // from an empty cache may never open its socket.
            script src={ "/static/htmx.min.js?v=" (HTMX_VERSION) } {}
            script src={ "/static/ext/hx-ws.js?v=" (HTMX_VERSION) } {}
            script src={ "/static/ext/hx-upsert.js?v=" (HTMX_VERSION) } {}
            script src={ "/static/local-time.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/notices.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/drafts.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
            script src={ "/static/quote.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
        }
    }
}

fn header(user: Option<&User>) -> Markup {
    html! {
        header.site {
            a.brand href=(paths::HOME) { "causerie" }
            (search_box())
            (account_nav(user, None))
        }
    }
}

/// The search box of every page: a plain GET form, so it works without
/// scripts; the search page has the full form (forum, author).
fn search_box() -> Markup {
    html! {
        form.site-search role="search" aria-label="Site search" action=(paths::SEARCH) method="get" {
            label.visually-hidden for="site-search" { "Search the forums" }
            input #site-search type="search" name="q" maxlength=(SEARCH_MAX) placeholder="Search";
            button type="submit" { "Search" }
        }
    }
}

/// Who is logged in, or the way in. A visitor's socket catch-up sends it
/// (`oob`) so a page whose session ended stops saying "Logged in as".
pub fn account_nav(user: Option<&User>, oob: Option<&str>) -> Markup {
    html! {
            nav #account-nav.account aria-label="Account" hx-swap-oob=[oob] {
                @if let Some(u) = user {
                    a.me href=(paths::user(&u.username)) title="Your profile" {
                        (avatar(&u.username, u.avatar.as_deref(), AvatarSize::Small))
                    }
                    span.who { "Logged in as " strong { (Bdi(&u.username)) } @if u.is_admin { " " span.badge { "admin" } } }
                    (bell(u.notifications, None))
                    @if u.is_admin { a href=(paths::ADMIN) { "Admin" } }
                    a href=(paths::ACCOUNT) { "Account" }
                    // static/drafts.js forgets this browser's drafts on the way out.
                    form.inline action=(paths::LOGOUT) method="post" data-forget-drafts {
                        button.link type="submit" { "Log out" }
                    }
                } @else {
                    a href=(paths::LOGIN) { "Log in" }
                    a href=(paths::REGISTER) { "Register" }
                }
            }
    }
}

/// The most a bell says; past it, "99+".
const BELL_MAX: u32 = 99;

/// A member's bell: their unread notifications, linking to the list. The
/// socket sends it again (`oob`) whenever the count moves.
pub fn bell(count: u32, oob: Option<&str>) -> Markup {
    let label = match count {
        0 => "Notifications: none unread".to_string(),
        1 => "1 unread notification".to_string(),
        n => format!("{n} unread notifications"),
    };
    html! {
        a #bell.bell.unread[count > 0] href=(paths::NOTIFICATIONS) aria-label=(label) title=(label) hx-swap-oob=[oob] {
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

fn breadcrumbs(crumbs: &[(String, Option<String>)]) -> Markup {
    html! {
        @if !crumbs.is_empty() {
            nav.crumbs aria-label="Breadcrumb" {
                ol {
                    li { a href=(paths::HOME) { "Home" } }
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
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(shell.title, feed.as_ref()))
            body {
                (header(shell.user))
                main {
                    (breadcrumbs(&shell.crumbs))
                    (body)
                }
                (flash_region())
                // A member's page without live regions still opens one, for
                // their bell: it watches nothing else.
                @if let Some(view) = shell.live_view.as_deref().or(shell.user.map(|_| paths::NOTIFICATIONS)) {
                    // The page's one socket; what arrives is swapped out of band.
                    div #live hidden hx-ws:connect=(paths::live_socket(view)) hx-swap="none" {}
                }
                footer.site { "causerie · a small real-time forum" }
            }
        }
    }
}

/// A page for an error, with no account information (errors are rendered
/// without the request).
pub fn error_page(title: &str, message: &str) -> Markup {
    page(
        Shell {
            title,
            user: None,
            crumbs: vec![(title.to_string(), None)],
            live_view: None,
        },
        html! {
            section.card.error-page {
                h1 { (title) }
                p { (message) }
                p { a href=(paths::HOME) { "Back to the forums" } }
            }
        },
    )
}
