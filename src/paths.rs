//! Every URL the application links to, built in one place.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const REGISTER: &str = "/register";
pub const LOGOUT: &str = "/logout";
pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
pub const ADMIN: &str = "/admin";
pub const ADMIN_FORUMS: &str = "/admin/forums";
pub const ADMIN_ADMINS: &str = "/admin/admins";
pub const SOCKET: &str = "/socket";
pub const ACCOUNT_LOGOUT_EVERYWHERE: &str = "/account/logout-everywhere";
pub const ADMIN_ACCOUNTS: &str = "/admin/accounts";
pub const ADMIN_REGISTRATION: &str = "/admin/registration";
/// Where a registration awaiting approval lands.
pub const LOGIN_AWAITING: &str = "/login?awaiting=1";

/// Query-string encoding of one value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
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
pub fn forum_new_topic(id: i64) -> String {
    format!("/forums/{id}/topics")
}
pub fn topic(id: i64) -> String {
    format!("/topics/{id}")
}
pub fn topic_page(id: i64, page: u32) -> String {
    with_page(topic(id), page)
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
/// The socket a page opens, naming the page it shows.
pub fn live_socket(view: &str) -> String {
    format!("/_ws?view={}", encode(view))
}

/// Keeps a post-login redirect on this site: a local absolute path only.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => HOME.to_string(),
    }
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
