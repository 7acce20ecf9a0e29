//! Live pages of a long topic when a message is deleted: every later message
//! moves up a place across page ends, so each watched page gets the message
//! that moved onto it and loses the one that moved off (a last page that
//! vanished says so). `live_pages` checks whole pages against reloads.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

/// The first text frame for which `pred` holds, within 10 s.
async fn until(ws: &mut WsStream, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if pred(&t) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no frame with {what}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_moves_later_messages_up_on_every_watched_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    // 41 messages: pages of 20, 20 and 1 (admins are not rate-limited).
    let topic = app.create_topic(&admin, forum, "Long", "m1").await;
    let mut ids = ids(
        &app.get_text(&admin, &format!("/topics/{topic}")).await.1,
        "message-",
    );
    for i in 2..=41 {
        ids.push(app.reply(&admin, topic, &format!("m{i}")).await);
    }
    let page = |p: u32| format!("/topics/{topic}?page={p}");
    let mut p2 = connect(&app, &page(2)).await;
    let mut p3 = connect(&app, &page(3)).await;
    // Their catch-ups first.
    until(&mut p2, "page 2's catch-up", |f| {
        f.contains(&format!("message-{}", ids[39]))
    })
    .await;
    until(&mut p3, "page 3's catch-up", |f| {
        f.contains(&format!("message-{}", ids[40]))
    })
    .await;

    // A message of page 1 goes: m21 moves to page 1, m41 to page 2, page 3 is gone.
    app.assert_post(
        "admin",
        &admin,
        &format!("/messages/{}/delete", ids[3]),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    let f2 = until(&mut p2, "page 2's update", |f| {
        f.contains(&format!("message-{}", ids[3]))
    })
    .await;
    let (_, reload) = app.get_text(&app.client(), &page(2)).await;
    let reloaded = ids_of(&reload);
    assert_eq!(reloaded.last(), Some(&ids[40]), "m41 is on page 2");
    assert!(!reloaded.contains(&ids[20]), "m21 left page 2");
    let moved_in = format!("class=\"message\" id=\"message-{}\"", ids[40]);
    let moved_out = format!(
        "<div id=\"message-{}\" data-hx-swap-oob=\"delete\"",
        ids[20]
    );
    assert!(f2.contains(&moved_in), "m41 sent to page 2: {f2}");
    assert!(f2.contains(&moved_out), "m21 taken off page 2: {f2}");
    let f3 = until(&mut p3, "page 3's end", |f| {
        f.contains("This page no longer exists")
    })
    .await;
    assert!(f3.contains(&format!("href=\"/topics/{topic}\"")), "{f3}");
    let (status, _) = app.get_text(&app.client(), &page(3)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The ids of the messages a page or frame shows (only they have these ids).
fn ids_of(html: &str) -> Vec<i64> {
    ids(html, "message-")
}
