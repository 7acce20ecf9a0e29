//! The notifications list: its pages, newest first; marks (one, all, with
//! and without htmx, by opening); the 200 bound; a deleted message's
//! notification gone.

use reqwest::StatusCode;

use crate::common::*;
use crate::live::admin;
use crate::notifications::{Cast, bell_on, cast, list, wait_bell};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_marks_and_is_bounded() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let topic = app.create_topic(&bob.http, forum, "Bob's", "Opening").await;
    let mut replies = Vec::new();
    for i in 0..205 {
        replies.push(app.reply(&alice.http, topic, &format!("reply {i}")).await);
    }
    // A sentinel for carol: then every reply's job is done.
    app.reply(&alice.http, topic, "@carol").await;
    wait_bell(&app, &carol, 1).await;
    let newest_reply = app.reply(&alice.http, topic, "@carol again").await;
    wait_bell(&app, &carol, 2).await;
    // At most 200 kept: the oldest pruned.
    assert_eq!(bell_on(&app, &bob, "/").await, 200);
    let (_, page) = app.get_text(&bob.http, "/notifications").await;
    assert!(page.contains("99+"), "the bell caps its count");
    assert!(page.contains("aria-label=\"200 unread notifications\""));
    let first = list(&app, &bob, 1).await;
    assert_eq!(first.matches("<li class=\"notification").count(), 20);
    assert!(first.contains("rel=\"next\"") || page.contains("rel=\"next\""));
    let last = list(&app, &bob, 10).await;
    assert_eq!(last.matches("<li class=\"notification").count(), 20);
    let r = app.get(&bob.http, "/notifications?page=11").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Newest first: page 1 starts with the last reply.
    let newest = ids(&first, "notification-")[0];
    let r = app
        .get(&bob.http, &format!("/notifications/{newest}"))
        .await;
    assert_eq!(location(&r), format!("/messages/{newest_reply}"));
    wait_bell(&app, &bob, 199).await;
    // Mark one read, without and with htmx.
    let ids1 = ids(&first, "notification-");
    let r = app
        .post(
            &bob.http,
            &format!("/notifications/{}/read", ids1[1]),
            &[("page", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/notifications");
    let r = app
        .post_hx(
            &bob.http,
            &format!("/notifications/{}/read", ids1[2]),
            &[("page", "1")],
            "/notifications",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let item = r.text().await.unwrap();
    assert!(item.starts_with("<li class=\"notification\""), "{item}");
    assert!(
        item.contains(&format!("id=\"notification-{}\"", ids1[2])),
        "{item}"
    );
    assert!(!item.contains("Mark read"), "{item}");
    wait_bell(&app, &bob, 197).await;
    let first = list(&app, &bob, 1).await;
    assert_eq!(first.matches("class=\"notification unread\"").count(), 17);
    // Another's notification is not one's own.
    let r = app
        .get(&alice.http, &format!("/notifications/{}", ids1[5]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A link from another site leads to the message without marking.
    let r = bob
        .http
        .get(app.url(&format!("/notifications/{}", ids1[5])))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(bell_on(&app, &bob, "/").await, 197);
    // Mark all read.
    let r = app
        .post_hx(
            &bob.http,
            "/notifications/read",
            &[("page", "1")],
            "/notifications",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let all = r.text().await.unwrap();
    assert!(all.contains("id=\"notifications\""), "{all}");
    assert!(!all.contains("Mark read"), "{all}");
    assert_eq!(bell_on(&app, &bob, "/").await, 0);
    // A deleted message takes its notification with it.
    let adm = admin(&app).await;
    app.delete_message(&adm.http, newest_reply).await;
    let first = list(&app, &bob, 1).await;
    assert!(!first.contains(&format!("notification-{newest}\"")));
}
