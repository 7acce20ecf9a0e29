//! Read and unread: each member's markers on the forum page and home, where
//! a topic's link takes them, "mark all read", and the markers live.

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::*;
use crate::live::{User, admin, connect, registered};

/// The marker of `topic` in a forum page (or a frame): its link and count.
fn topic_marker(html: &str, topic: i64) -> String {
    element(html, &format!("topic-link-{topic}")).to_string()
}

fn forum_marker(html: &str, forum: i64) -> String {
    element(html, &format!("forum-new-{forum}")).to_string()
}

async fn page(app: &App, user: &User, path: &str) -> String {
    let (status, body) = app.get_text(&user.http, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    body
}

/// Replies `n` times; returns their ids.
async fn replies(app: &App, user: &User, topic: i64, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.reply(&user.http, topic, &format!("reply {i}")).await);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_count_what_each_member_has_not_read() {
    let app = App::start().await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "General").await;
    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;
    let topic = app
        .create_topic(&alice.http, forum, "Plans", "First message")
        .await;
    let forum_path = format!("/forums/{forum}");

    // Never opened: all unread, the link goes to the first message.
    let first = ids(
        &page(&app, &alice, &format!("/topics/{topic}")).await,
        "message-",
    )[0];
    let bobs = page(&app, &bob, &forum_path).await;
    let marker = topic_marker(&bobs, topic);
    assert!(marker.contains("1 new"), "{marker}");
    assert!(
        marker.contains(&format!("href=\"/topics/{topic}#message-{first}\"")),
        "{marker}"
    );
    assert!(forum_marker(&page(&app, &bob, "/").await, forum).contains(">new<"));
    // One's own messages are read.
    let alices = page(&app, &alice, &forum_path).await;
    assert!(!topic_marker(&alices, topic).contains(" new<"), "{alices}");
    assert!(!forum_marker(&page(&app, &alice, "/").await, forum).contains(">new<"));
    // A visitor sees no marker.
    let visitor = app.client();
    let (_, visitors) = app.get_text(&visitor, &forum_path).await;
    assert!(!visitors.contains(" new<"), "{visitors}");

    // 25 messages: bob reads page 1; the 5 on page 2 are new, and the link
    // goes to the first of them, on page 2.
    let later = replies(&app, &alice, topic, 24).await;
    page(&app, &bob, &format!("/topics/{topic}")).await;
    let marker = topic_marker(&page(&app, &bob, &forum_path).await, topic);
    assert!(marker.contains("5 new"), "{marker}");
    assert!(
        marker.contains(&format!(
            "href=\"/topics/{topic}?page=2#message-{}\"",
            later[19]
        )),
        "{marker}"
    );
    // Page 2 read: nothing new, the link is the topic's own, home is clear.
    page(&app, &bob, &format!("/topics/{topic}?page=2")).await;
    let marker = topic_marker(&page(&app, &bob, &forum_path).await, topic);
    assert!(!marker.contains(" new<"), "{marker}");
    assert!(
        marker.contains(&format!("href=\"/topics/{topic}\"")),
        "{marker}"
    );
    assert!(!forum_marker(&page(&app, &bob, "/").await, forum).contains(">new<"));

    // The marks are written in batches and survive a restart.
    let reply = app.reply(&alice.http, topic, "one more").await;
    let marker = topic_marker(&page(&app, &bob, &forum_path).await, topic);
    assert!(marker.contains("1 new"), "{marker}");
    assert!(marker.contains(&format!("#message-{reply}")), "{marker}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_are_written_and_kept_across_a_restart() {
    let app = App::start().await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "General").await;
    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;
    let read = app.create_topic(&alice.http, forum, "Read", "x").await;
    let unread = app.create_topic(&alice.http, forum, "Unread", "y").await;
    page(&app, &bob, &format!("/topics/{read}")).await;
    let (dir, db) = app.stop().await;
    let app = App::start_at(dir, db, None).await;
    let bob = crate::live::logged_in(&app, "bob").await;
    let forum_page = page(&app, &bob, &format!("/forums/{forum}")).await;
    assert!(
        !topic_marker(&forum_page, read).contains(" new<"),
        "{forum_page}"
    );
    assert!(
        topic_marker(&forum_page, unread).contains("1 new"),
        "{forum_page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_all_read_per_forum_and_for_the_site() {
    let app = App::start().await;
    let adm = admin(&app).await;
    let general = app.create_forum(&adm.http, "General").await;
    let other = app.create_forum(&adm.http, "Other").await;
    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;
    let a = app.create_topic(&alice.http, general, "A", "a").await;
    let b = app.create_topic(&alice.http, other, "B", "b").await;

    let r = app
        .post(&bob.http, &format!("/forums/{general}/read"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/forums/{general}"));
    let home = page(&app, &bob, "/").await;
    assert!(!forum_marker(&home, general).contains(">new<"), "{home}");
    assert!(forum_marker(&home, other).contains(">new<"), "{home}");
    let marker = topic_marker(&page(&app, &bob, &format!("/forums/{general}")).await, a);
    assert!(!marker.contains(" new<"), "{marker}");

    // A reply after the mark is new again.
    app.reply(&alice.http, a, "again").await;
    let marker = topic_marker(&page(&app, &bob, &format!("/forums/{general}")).await, a);
    assert!(marker.contains("1 new"), "{marker}");

    let r = app.post(&bob.http, "/read", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = page(&app, &bob, "/").await;
    assert!(!forum_marker(&home, general).contains(">new<"), "{home}");
    assert!(!forum_marker(&home, other).contains(">new<"), "{home}");
    let marker = topic_marker(&page(&app, &bob, &format!("/forums/{other}")).await, b);
    assert!(!marker.contains(" new<"), "{marker}");

    // Visitors cannot; a missing forum is 404.
    let visitor = app.client();
    let r = app.post(&visitor, "/read", &[]).await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER, "a visitor marks nothing");
    let r = app.post(&bob.http, "/forums/999999/read", &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_follow_replies_live_in_every_tab() {
    let app = App::start().await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "General").await;
    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;
    let topic = app.create_topic(&alice.http, forum, "Plans", "first").await;
    page(&app, &bob, &format!("/topics/{topic}")).await;
    let forum_view = format!("/forums/{forum}");

    // Bob's forum page and home, in two tabs; alice's forum page.
    let mut bob_forum = connect(&app, &forum_view, &bob).await;
    let mut bob_home = connect(&app, "/", &bob).await;
    let mut alice_forum = connect(&app, &forum_view, &alice).await;
    // Each catch-up is followed by the member's own markers.
    let own = |f: &str| f.contains("data-hx-swap-oob=\"innerHTML\"");
    let caught = bob_forum.until("bob's markers", own).await;
    assert!(!topic_marker(&caught, topic).contains(" new<"), "{caught}");
    bob_home.until("bob's home markers", own).await;
    alice_forum.until("alice's markers", own).await;

    let reply = app.reply(&alice.http, topic, "news").await;
    let frame = bob_forum
        .until("bob's marker", |f| {
            f.contains("data-hx-swap-oob=\"innerHTML\"")
        })
        .await;
    let marker = topic_marker(&frame, topic);
    assert!(marker.contains("1 new"), "{frame}");
    assert!(marker.contains(&format!("#message-{reply}")), "{frame}");
    let frame = bob_home
        .until("bob's home marker", |f| {
            f.contains("data-hx-swap-oob=\"innerHTML\"")
        })
        .await;
    assert!(forum_marker(&frame, forum).contains(">new<"), "{frame}");
    // The author's own reply is not news to her.
    let frame = alice_forum
        .until("alice's marker", |f| {
            f.contains("data-hx-swap-oob=\"innerHTML\"")
        })
        .await;
    assert!(!topic_marker(&frame, topic).contains(" new<"), "{frame}");

    // Bob opens the topic in a third tab: the other two clear.
    page(&app, &bob, &format!("/topics/{topic}")).await;
    let frame = bob_forum
        .until("bob's cleared marker", |f| f.contains("topic-link-"))
        .await;
    assert!(!topic_marker(&frame, topic).contains(" new<"), "{frame}");
    let frame = bob_home
        .until("bob's cleared home", |f| f.contains("id=\"forum-new-"))
        .await;
    assert!(!forum_marker(&frame, forum).contains(">new<"), "{frame}");

    // A message that arrives on the topic page bob has open is read: his
    // forum page says nothing new, and neither does a reload.
    let mut bob_topic = connect(&app, &format!("/topics/{topic}"), &bob).await;
    bob_topic.next().await;
    app.reply(&alice.http, topic, "seen live").await;
    let frame = bob_forum
        .until("bob's marker", |f| {
            f.contains("data-hx-swap-oob=\"innerHTML\"")
        })
        .await;
    assert!(!topic_marker(&frame, topic).contains(" new<"), "{frame}");
    let reload = page(&app, &bob, &forum_view).await;
    assert!(!topic_marker(&reload, topic).contains(" new<"), "{reload}");
    // Nothing else pending for the sockets.
    let rest = bob_forum.drain(Duration::from_millis(300)).await;
    assert!(rest.iter().all(|f| !f.contains(" new<")), "{rest:?}");
}
