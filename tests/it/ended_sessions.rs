//! A page whose session ends while it is open (account disabled, log out
//! everywhere): its socket is closed, comes back as a visitor's, and the
//! visitor's catch-up turns the header's "Logged in as" into the way in.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::*;

/// A socket watching `/topics/{topic}`, sending `cookie` when there is one.
async fn watch(app: &App, topic: i64, cookie: Option<&str>) -> WsStream {
    let url = format!("ws://{}/_ws?view=%2Ftopics%2F{topic}", app.addr);
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = cookie {
        let value = format!("causerie={c}").parse().unwrap();
        req.headers_mut().insert("cookie", value);
    }
    tokio_tungstenite::connect_async(req)
        .await
        .expect("socket connects")
        .0
}

/// The first text frame (the catch-up), within 10 s.
async fn first_frame(ws: &mut WsStream, who: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("{who}: no catch-up: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_session_ended_shows_the_way_in_again() {
    let app = App::start().await;
    let admin = app.admin().await;
    app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&admin, forum, "Hello", "Hi").await;
    let r = app
        .post(&app.client(), "/login", &account_fields("alice", PASSWORD))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r).expect("a session cookie");

    // A member's catch-up leaves the header alone; a visitor's sends it.
    let mut alice = watch(&app, topic, Some(&cookie)).await;
    let member_frame = first_frame(&mut alice, "alice").await;
    assert!(!member_frame.contains("account-nav"), "{member_frame}");
    let visitor_frame = first_frame(&mut watch(&app, topic, None).await, "visitor").await;
    let (_, page) = app
        .get_text(&app.client(), &format!("/topics/{topic}"))
        .await;
    let nav = element(&visitor_frame, "account-nav");
    assert_eq!(
        nav.replace(" data-hx-swap-oob=\"true\"", ""),
        element(&page, "account-nav")
    );
    assert!(nav.contains("href=\"/login\""), "{nav}");

    // Disabled: the socket closes, and comes back as a visitor's.
    let (_, list) = app.get_text(&admin, "/admin/accounts?q=alice").await;
    let id = ids(&list, "account-")[0];
    app.assert_post(
        "admin",
        &admin,
        &format!("/admin/accounts/{id}/disable"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    close_code(&mut alice, "alice").await;
    let mut again = watch(&app, topic, Some(&cookie)).await;
    let frame = first_frame(&mut again, "alice again").await;
    let nav = element(&frame, "account-nav");
    assert!(
        nav.contains("href=\"/login\"") && !nav.contains("alice"),
        "{nav}"
    );
}
