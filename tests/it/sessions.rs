//! Sessions end when they should: a password change ends the account's other
//! sessions and sockets, "log out everywhere" ends them all, and an admin
//! can disable an account (and enable it again).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, StatusCode};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::*;

/// The close code of a socket whose session ended (the hub's `SESSION_ENDED`).
const SESSION_ENDED: u16 = 1013;

/// A browser: an HTTP client and the jar its sockets take the cookie from.
struct Browser {
    http: Client,
    jar: Arc<Jar>,
}

impl Browser {
    fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { http, jar }
    }

    async fn login(app: &App, username: &str, password: &str) -> Self {
        let b = Self::new();
        app.assert_login(&b.http, username, password, StatusCode::SEE_OTHER)
            .await;
        b
    }

    /// A socket watching `view`, with this browser's cookie; its catch-up read.
    async fn socket(&self, app: &App, view: &str) -> (WsStream, String) {
        let url = format!("ws://{}/_ws?view={}", app.addr, view.replace('/', "%2F"));
        let mut req = url.into_client_request().unwrap();
        if let Some(c) = self.jar.cookies(&app.base.parse().unwrap()) {
            req.headers_mut().insert("cookie", c);
        }
        let (mut ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("socket connects");
        let catch_up = loop {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => break t.to_string(),
                Ok(Some(Ok(_))) => continue,
                other => panic!("no catch-up: {other:?}"),
            }
        };
        (ws, catch_up)
    }

    /// The session id its cookie holds.
    fn session_id(&self, app: &App) -> String {
        let cookies = self
            .jar
            .cookies(&app.base.parse().unwrap())
            .expect("a cookie");
        let cookies = cookies.to_str().unwrap();
        let at = cookies.find("causerie=").expect("the session cookie") + "causerie=".len();
        cookies[at..]
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Who the header says is logged in, or `None` for a visitor.
    async fn who(&self, app: &App) -> Option<String> {
        let (status, html) = app.get_text(&self.http, "/").await;
        assert_eq!(status, StatusCode::OK);
        let marker = "Logged in as <strong><bdi>";
        let at = html.find(marker)? + marker.len();
        Some(html[at..].split('<').next().unwrap_or_default().to_string())
    }
}

/// Whether the session store holds session `id`.
fn stored(app: &App, id: &str) -> bool {
    with_db(&app.db_path, |c| {
        c.prepare("SELECT 1 FROM tower_sessions WHERE id = ?1")?
            .exists([id])
    })
}

/// Waits (up to 10 s) until session `id` is deleted from the store, in the
/// background, without any request of its own.
async fn until_deleted(app: &App, id: &str) {
    for _ in 0..100 {
        if !stored(app, id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("session {id} still stored");
}

/// A forum and topic (started by the admin) for sockets to watch; returns
/// the topic's path.
async fn topic(app: &App) -> String {
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Sessions").await;
    let topic = app.create_topic(&admin, forum, "Watched", "Hello").await;
    format!("/topics/{topic}")
}

/// A member's catch-up of a topic offers to quote; a visitor's does not.
fn is_members(catch_up: &str) -> bool {
    catch_up.contains(">Quote</a>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions_and_their_sockets() {
    let app = App::start().await;
    let page = topic(&app).await;
    app.member("alice").await;
    let here = Browser::login(&app, "alice", PASSWORD).await;
    let there = Browser::login(&app, "alice", PASSWORD).await;
    let (mut there_ws, catch_up) = there.socket(&app, &page).await;
    assert!(is_members(&catch_up), "{catch_up}");
    let (mut here_ws, _) = here.socket(&app, &page).await;

    let old_id = here.session_id(&app);
    let there_id = there.session_id(&app);
    assert!(stored(&app, &there_id));
    let new = "a-new-password-2";
    let r = app
        .post(
            &here.http,
            "/account/password",
            &password_fields(PASSWORD, new, new),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The other session is deleted from the store, before it is ever used.
    until_deleted(&app, &there_id).await;
    // The session that changed it stays logged in, under a new id.
    assert_ne!(here.session_id(&app), old_id);
    assert!(stored(&app, &here.session_id(&app)));
    assert_eq!(here.who(&app).await.as_deref(), Some("alice"));

    // The other one is a visitor's, and its socket was closed.
    assert_eq!(
        close_code(&mut there_ws, "the other session's socket").await,
        Some(SESSION_ENDED)
    );
    assert_eq!(there.who(&app).await, None);
    app.assert_get(
        "the old session",
        &there.http,
        "/account",
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let (_ws, catch_up) = there.socket(&app, &page).await;
    assert!(
        !is_members(&catch_up),
        "reconnected as a visitor: {catch_up}"
    );
    // Its own socket is closed too (the page reconnects, still logged in).
    assert_eq!(
        close_code(&mut here_ws, "own socket").await,
        Some(SESSION_ENDED)
    );
    let (_ws, catch_up) = here.socket(&app, &page).await;
    assert!(is_members(&catch_up), "{catch_up}");

    // The old password no longer opens a session; the new one does.
    app.assert_login(
        &app.client(),
        "alice",
        PASSWORD,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let again = Browser::login(&app, "alice", new).await;
    assert_eq!(again.who(&app).await.as_deref(), Some("alice"));
    assert_eq!(here.who(&app).await.as_deref(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_ends_every_session_of_the_account() {
    let app = App::start().await;
    let page = topic(&app).await;
    app.member("bob").await;
    let one = Browser::login(&app, "bob", PASSWORD).await;
    let two = Browser::login(&app, "bob", PASSWORD).await;
    let other = Browser::login(&app, "admin", ADMIN_PASSWORD).await;
    let (mut ws, _) = two.socket(&app, &page).await;

    let (status, html) = app.get_text(&one.http, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("action=\"/account/logout-everywhere\""),
        "{html}"
    );
    // A visitor has no sessions to end.
    app.assert_post(
        "visitor",
        &app.client(),
        "/account/logout-everywhere",
        &[],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let r = app
        .assert_post(
            "bob",
            &one.http,
            "/account/logout-everywhere",
            &[],
            StatusCode::SEE_OTHER,
        )
        .await;
    assert_eq!(location(&r), "/");
    assert_eq!(one.who(&app).await, None);
    assert_eq!(two.who(&app).await, None);
    assert_eq!(
        close_code(&mut ws, "bob's socket").await,
        Some(SESSION_ENDED)
    );
    // Another account is untouched; bob may log in again.
    assert_eq!(other.who(&app).await.as_deref(), Some("admin"));
    let back = Browser::login(&app, "bob", PASSWORD).await;
    assert_eq!(back.who(&app).await.as_deref(), Some("bob"));
}

/// The id of `username`'s row in the admin's accounts list.
async fn account_id(app: &App, admin: &Client, username: &str) -> i64 {
    let (status, html) = app
        .get_text(admin, &format!("/admin/accounts?q={username}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let table = &html[html.find("id=\"accounts\"").expect("the list")..];
    let at = table
        .find(&format!(">{username}<"))
        .unwrap_or_else(|| panic!("{username} listed: {html}"));
    let start = table[..at].rfind("id=\"account-").expect("the row's id");
    id_after(&table[start..], "account-")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_disables_an_account_and_enables_it_again() {
    let app = App::start().await;
    let page = topic(&app).await;
    let admin = app.admin().await;
    let carol = app.member("carol").await;
    let topic_id = id_after(&page, "/topics/");
    let said = app.reply(&carol, topic_id, "carol was here").await;
    let carol = Browser::login(&app, "carol", PASSWORD).await;
    let (mut ws, _) = carol.socket(&app, &page).await;
    let id = account_id(&app, &admin, "carol").await;

    // A member cannot; the admin cannot disable themselves.
    app.assert_account_action("carol", &carol.http, id, "disable", StatusCode::FORBIDDEN)
        .await;
    let own = account_id(&app, &admin, "admin").await;
    app.assert_account_action("admin", &admin, own, "disable", StatusCode::FORBIDDEN)
        .await;

    let r = app
        .assert_account_action("admin", &admin, id, "disable", StatusCode::SEE_OTHER)
        .await;
    assert!(
        location(&r).starts_with("/admin/accounts"),
        "{}",
        location(&r)
    );
    assert_eq!(
        close_code(&mut ws, "carol's socket").await,
        Some(SESSION_ENDED)
    );
    assert_eq!(carol.who(&app).await, None);
    let html = app
        .assert_login(&app.client(), "carol", PASSWORD, StatusCode::FORBIDDEN)
        .await;
    assert!(html.contains("This account is disabled"), "{html}");
    // A wrong password learns nothing more.
    let html = app
        .assert_login(
            &app.client(),
            "carol",
            "wrong-password",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(!html.contains("disabled"), "{html}");
    // Her messages stay.
    let (_, html) = app.get_text(&app.client(), &page).await;
    assert!(html.contains(&format!("id=\"message-{said}\"")), "{html}");
    assert!(html.contains("carol was here"));
    let (_, list) = app.get_text(&admin, "/admin/accounts?q=carol").await;
    assert!(
        element(&list, &format!("account-{id}")).contains("disabled"),
        "{list}"
    );

    // Enabled again: she logs in (her old sessions stay ended).
    app.assert_account_action("admin", &admin, id, "enable", StatusCode::SEE_OTHER)
        .await;
    assert_eq!(carol.who(&app).await, None);
    let back = Browser::login(&app, "carol", PASSWORD).await;
    assert_eq!(back.who(&app).await.as_deref(), Some("carol"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_may_disable_another_admin_with_htmx() {
    let app = App::start().await;
    let admin = app.admin().await;
    app.assert_post(
        "admin",
        &admin,
        "/admin/admins",
        &account_fields("second", PASSWORD),
        StatusCode::SEE_OTHER,
    )
    .await;
    let second = Browser::login(&app, "second", PASSWORD).await;
    let id = account_id(&app, &admin, "second").await;
    let r = app
        .post_hx(
            &admin,
            &format!("/admin/accounts/{id}/disable"),
            &[],
            "/admin/accounts",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let row = r.text().await.unwrap();
    // The row again, as a fragment, now offering to enable.
    assert!(row.starts_with("<tr"), "{row}");
    assert!(
        row.contains(&format!("/admin/accounts/{id}/enable")),
        "{row}"
    );
    assert_eq!(second.who(&app).await, None);
    app.assert_login(&app.client(), "second", PASSWORD, StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accounts_list_pages_and_searches() {
    let app = App::start().await;
    let admin = app.admin().await;
    for i in 0..21 {
        app.member(&format!("user{i:02}")).await;
    }
    // 22 accounts with admin: two pages of 20.
    let (status, first) = app.get_text(&admin, "/admin/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&first, "account-").len(), 20, "{first}");
    let (_, second) = app.get_text(&admin, "/admin/accounts?page=2").await;
    assert_eq!(ids(&second, "account-").len(), 2, "{second}");
    app.assert_get(
        "admin",
        &admin,
        "/admin/accounts?page=3",
        StatusCode::NOT_FOUND,
    )
    .await;
    let (_, found) = app.get_text(&admin, "/admin/accounts?q=USER1").await;
    assert_eq!(ids(&found, "account-").len(), 10, "{found}");
    // A wildcard is taken literally.
    let (_, none) = app.get_text(&admin, "/admin/accounts?q=%25").await;
    assert_eq!(ids(&none, "account-").len(), 0, "{none}");
}
