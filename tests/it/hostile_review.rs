//! Findings of the hostile review of issue 8, each through the real server.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use causerie::limits::Rate;

use crate::common::*;

/// The first text frame of a fresh visitor's socket on `view`.
async fn first_frame(app: &App, view: &str) -> String {
    let url = format!("ws://{}/_ws?view={view}", app.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("socket connects");
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("{view}: no catch-up: {other:?}"),
        }
    }
}

/// Any client may name any page in `view`: the catch-up cache keeps only
/// pages that exist, and only up to its bounds; every socket still gets
/// its own catch-up, and a kept one never outlives a change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_naming_many_pages_each_get_their_catch_up() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "F").await;
    let topic = app.create_topic(&admin, forum, "T", "opening").await;
    let first = app.reply(&admin, topic, "first reply").await;

    for page in 2..600 {
        let frame = first_frame(&app, &format!("/topics/{topic}%3Fpage%3D{page}")).await;
        assert!(frame.contains("no longer exists"), "page {page}: {frame}");
    }
    let gone = first_frame(&app, "/topics/999999").await;
    assert!(gone.contains("This topic was deleted"), "{gone}");

    let view = format!("/topics/{topic}");
    let catch_up = first_frame(&app, &view).await;
    assert!(element(&catch_up, &format!("message-{first}")).contains("first reply"));
    // Read again from the cache, then a change: the next joiner sees it.
    assert_eq!(first_frame(&app, &view).await, catch_up);
    let second = app.reply(&admin, topic, "second reply").await;
    let after = first_frame(&app, &view).await;
    assert!(element(&after, &format!("message-{second}")).contains("second reply"));
}

/// The answer to a write comes before its change is published: a page
/// opened right after the answer must still not get the catch-up cached
/// before the write (it would show the page without the reply, until the
/// change arrives).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_opened_after_a_reply_never_gets_an_older_catch_up() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "F").await;
    let topic = app.create_topic(&admin, forum, "T", "opening").await;
    for i in 0..60 {
        // Reply i is message i + 1 of the topic, 20 to a page.
        let view = format!("/topics/{topic}%3Fpage%3D{}", (i + 1) / 20 + 1);
        // Cached now: the next joiner would get it as long as it is current.
        first_frame(&app, &view).await;
        let reply = app.reply(&admin, topic, &format!("reply {i}")).await;
        let frame = first_frame(&app, &view).await;
        assert!(
            frame.contains(&format!("id=\"message-{reply}\"")),
            "reply {i}: {frame}"
        );
    }
}

/// A client connecting from `ip` (a loopback address standing for another
/// machine), cookies kept, redirects not followed.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// The account's login limit spares the addresses the owner logged in
/// from. Those were only in memory: after a restart, guesses from a few
/// addresses locked the owner out of their usual one too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_known_address_survives_a_restart() {
    let limits = |c: &mut causerie::config::Config| {
        c.limits.login_account = Rate::new(3, 3600);
    };
    let app = App::start_configured(limits).await;
    app.member("gina").await;
    let home = client_from("127.0.0.2");
    let login = account_fields("gina", PASSWORD);
    app.assert_post(
        "gina at home",
        &home,
        "/login",
        &login,
        StatusCode::SEE_OTHER,
    )
    .await;
    let (dir, db_path) = app.stop().await;
    let app = App::start_at_configured(dir, db_path, limits).await;

    let wrong = account_fields("gina", "not-her-password");
    for i in 10..13 {
        let guesser = client_from(&format!("127.0.0.{i}"));
        app.assert_post(
            "a guess",
            &guesser,
            "/login",
            &wrong,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let elsewhere = client_from("127.0.0.20");
    app.assert_post(
        "a new address",
        &elsewhere,
        "/login",
        &login,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    let home = client_from("127.0.0.2");
    app.assert_post("home", &home, "/login", &login, StatusCode::SEE_OTHER)
        .await;
}
