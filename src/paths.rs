//! Every URL the application links to, built in one place.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub const HOME: &str = "/";
/// "Mark all read" for the whole site.
pub const READ_ALL: &str = "/read";
pub const LOGIN: &str = "/login";
pub const REGISTER: &str = "/register";
pub const LOGOUT: &str = "/logout";
pub const ACCOUNT: &str = "/account";
/// The footer's language switcher (a POST; sets the `lang` cookie).
pub const LANG: &str = "/lang";
/// A member's own language, on the account page.
pub const ACCOUNT_LANG: &str = "/account/lang";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
pub const ADMIN: &str = "/admin";
pub const ADMIN_FORUMS: &str = "/admin/forums";
pub const ADMIN_ADMINS: &str = "/admin/admins";
pub const SOCKET: &str = "/socket";
pub const ACCOUNT_LOGOUT_EVERYWHERE: &str = "/account/logout-everywhere";
pub const ADMIN_ACCOUNTS: &str = "/admin/accounts";
pub const ADMIN_REGISTRATION: &str = "/admin/registration";
pub const ACCOUNT_AVATAR: &str = "/account/avatar";
pub const ACCOUNT_AVATAR_REMOVE: &str = "/account/avatar/remove";
pub const SEARCH: &str = "/search";
/// The admins' queue of reported messages.
pub const ADMIN_REPORTS: &str = "/admin/reports";
/// Where a registration awaiting approval lands.
pub const LOGIN_AWAITING: &str = "/login?awaiting=1";
/// A member's notifications, newest first.
pub const NOTIFICATIONS: &str = "/notifications";
/// "Mark all read" for notifications.
pub const NOTIFICATIONS_READ: &str = "/notifications/read";
/// Which kinds of notification a member wants (a form on `/account`).
pub const ACCOUNT_NOTIFICATIONS: &str = "/account/notifications";
/// The Atom feed of the whole site: its latest messages.
pub const SITE_FEED: &str = "/feed.atom";

/// Query-string encoding of one value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// A name as one path segment: what usernames may hold stays readable.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

fn with_page(base: String, page: u32) -> String {
    if page <= 1 {
        base
    } else {
        format!("{base}?page={page}")
    }
}

pub fn forum(id: i64) -> String {
    format!("/forums/{id}")
}
pub fn forum_page(id: i64, page: u32) -> String {
    with_page(forum(id), page)
}
pub fn forum_read(id: i64) -> String {
    format!("/forums/{id}/read")
}
pub fn forum_new_topic(id: i64) -> String {
    format!("/forums/{id}/topics")
}
/// A forum's Atom feed: its topics.
pub fn forum_feed(id: i64) -> String {
    format!("/forums/{id}/feed.atom")
}
pub fn topic(id: i64) -> String {
    format!("/topics/{id}")
}
pub fn topic_page(id: i64, page: u32) -> String {
    with_page(topic(id), page)
}
/// A topic's Atom feed: its latest messages.
pub fn topic_feed(id: i64) -> String {
    format!("/topics/{id}/feed.atom")
}
pub fn topic_reply(id: i64) -> String {
    format!("/topics/{id}/messages")
}
pub fn topic_delete(id: i64) -> String {
    format!("/topics/{id}/delete")
}
pub fn topic_lock(id: i64) -> String {
    format!("/topics/{id}/lock")
}
pub fn topic_unlock(id: i64) -> String {
    format!("/topics/{id}/unlock")
}
pub fn message(id: i64) -> String {
    format!("/messages/{id}")
}
pub fn message_anchor(id: i64) -> String {
    format!("message-{id}")
}
pub fn message_in_page(topic_id: i64, page: u32, message_id: i64) -> String {
    format!(
        "{}#{}",
        topic_page(topic_id, page),
        message_anchor(message_id)
    )
}
pub fn message_edit(id: i64) -> String {
    format!("/messages/{id}/edit")
}
pub fn message_delete(id: i64) -> String {
    format!("/messages/{id}/delete")
}
/// Where a member reports a message to the admins.
pub fn message_report(id: i64) -> String {
    format!("/messages/{id}/report")
}
/// A page of the admins' queue of reported messages.
pub fn admin_reports(page: u32) -> String {
    with_page(ADMIN_REPORTS.to_string(), page)
}
/// An admin's decision on a reported message: `dismiss`, `delete` or
/// `disable-author`.
pub fn admin_report(message_id: i64, decision: &str) -> String {
    format!("/admin/reports/{message_id}/{decision}")
}
/// A message's source as a Markdown quote (text/plain), for `quote.js`.
pub fn message_quote(id: i64) -> String {
    format!("/messages/{id}/quote")
}
/// The reply page prefilled with a quote of message `message_id`.
pub fn topic_reply_quoting(topic_id: i64, message_id: i64) -> String {
    format!("/topics/{topic_id}/reply?quote={message_id}")
}
pub fn admin_forum_edit(id: i64) -> String {
    format!("/admin/forums/{id}/edit")
}
pub fn admin_forum_delete(id: i64) -> String {
    format!("/admin/forums/{id}/delete")
}
pub fn login_next(next: &str) -> String {
    if next.is_empty() || next == HOME {
        LOGIN.to_string()
    } else {
        format!("{LOGIN}?next={}", encode(next))
    }
}
/// Where htmx sends a visitor whose request needed a login (a session that
/// ended, a form sent logged out): the login page saying why.
pub fn login_required(next: &str) -> String {
    let login = login_next(next);
    let sep = if login.contains('?') { '&' } else { '?' };
    format!("{login}{sep}required=1")
}
/// The socket a page opens, naming the page it shows.
pub fn live_socket(view: &str) -> String {
    format!("/_ws?view={}", encode(view))
}

/// Keeps a post-login redirect on this site: a local absolute path only,
/// else home. Browsers forgive a lot in a `Location` (they drop tabs and
/// newlines, read `\\` as `/`, and some decode `%2F`), so anything that could
/// become `//host` or a scheme on the way is refused rather than cleaned:
/// control characters and white space, backslashes, encoded slashes,
/// backslashes and controls, a second leading slash, and a colon before the
/// first slash of the path (no scheme can hide there, but nothing local needs one).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => HOME.to_string(),
    }
}

fn is_local_path(n: &str) -> bool {
    const MAX: usize = 2048;
    let bytes = n.as_bytes();
    if n.len() > MAX || bytes.first() != Some(&b'/') || matches!(bytes.get(1), Some(b'/')) {
        return false;
    }
    if n.chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return false;
    }
    // Percent-escapes of '/', '\\', and control characters (%00-%1F, %7F).
    let lower = n.to_ascii_lowercase();
    let mut escapes = lower.match_indices('%').map(|(i, _)| &lower[i + 1..]);
    escapes.all(|e| {
        let code = e.get(..2).unwrap_or("");
        !(code == "2f"
            || code == "5c"
            || code == "7f"
            || code.starts_with('0')
            || code.starts_with('1'))
    })
}
/// A member's profile. Names are `A-Z a-z 0-9 _ . -` (older rows may hold
/// more): encoded all the same.
pub fn user(name: &str) -> String {
    format!("/users/{}", segment(name))
}
pub fn user_page(name: &str, page: u32) -> String {
    with_page(user(name), page)
}
/// An uploaded picture at `px` pixels square: its address names its content,
/// so it is cached for good.
pub fn avatar_image(hash: &str, px: u32) -> String {
    format!("/avatars/{hash}-{px}.png")
}
/// The picture drawn from a name, for members who uploaded none; it depends
/// on the name alone, so it is cached for good too.
pub fn avatar_default(name: &str) -> String {
    format!("/avatars/default/{}.svg", segment(name))
}
/// The reply form on its own page (quoting, or JavaScript off).
pub fn topic_reply_page(id: i64) -> String {
    format!("/topics/{id}/reply")
}
/// The accounts list, page `page`, names containing `search`.
pub fn admin_accounts(search: &str, page: u32) -> String {
    let mut query = Vec::new();
    if !search.is_empty() {
        query.push(format!("q={}", encode(search)));
    }
    if page > 1 {
        query.push(format!("page={page}"));
    }
    if query.is_empty() {
        ADMIN_ACCOUNTS.to_string()
    } else {
        format!("{ADMIN_ACCOUNTS}?{}", query.join("&"))
    }
}
/// Search results: the words `q`, in forum `forum` and by `author` when
/// given, page `page`.
pub fn search(q: &str, forum: Option<i64>, author: &str, page: u32) -> String {
    let mut out = format!("{SEARCH}?q={}", encode(q));
    if let Some(forum) = forum {
        out.push_str(&format!("&forum={forum}"));
    }
    if !author.is_empty() {
        out.push_str(&format!("&author={}", encode(author)));
    }
    if page > 1 {
        out.push_str(&format!("&page={page}"));
    }
    out
}
pub fn admin_account_disable(id: i64) -> String {
    format!("/admin/accounts/{id}/disable")
}
pub fn admin_account_enable(id: i64) -> String {
    format!("/admin/accounts/{id}/enable")
}
pub fn admin_account_approve(id: i64) -> String {
    format!("/admin/accounts/{id}/approve")
}
pub fn admin_account_refuse(id: i64) -> String {
    format!("/admin/accounts/{id}/refuse")
}

pub fn notifications_page(page: u32) -> String {
    with_page(NOTIFICATIONS.to_string(), page)
}
/// Opens a notification: marks it read, then goes to its message.
pub fn notification(id: i64) -> String {
    format!("/notifications/{id}")
}
pub fn notification_read(id: i64) -> String {
    format!("/notifications/{id}/read")
}
/// Follow, mute, or back to the default, for a topic.
pub fn topic_notify(id: i64) -> String {
    format!("/topics/{id}/notify")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_keeps_local_paths() {
        for ok in [
            "/",
            "/topics/7?page=2",
            "/forums/3#top",
            "/search?q=%C3%A9cole",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
    }

    #[test]
    fn next_refuses_every_way_off_site() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5C/evil.example",
            "/%5c%5cevil.example",
            "/%00/x",
            "/%1b/x",
            "/%7f/x",
            "https://evil.example",
            "javascript:alert(1)",
            " /topics/1",
            "/\u{3000}/evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?} must go home");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}
