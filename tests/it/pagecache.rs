//! Pages served from memory (`pagecache`): each viewer still sees the page a
//! fresh render gives them, and every write shows on the next load.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_read_again_shows_every_write_since() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Cached", "opening").await;
    let (visitor, page) = (app.client(), format!("/topics/{topic}"));
    let list = format!("/forums/{forum}");

    // Each page read twice, so the second read is the kept copy.
    for path in ["/", list.as_str(), page.as_str()] {
        for _ in 0..2 {
            assert_eq!(app.get_text(&visitor, path).await.0, StatusCode::OK);
        }
    }
    let reply = app.reply(&alice, topic, "a reply after the copy").await;
    let (_, html) = app.get_text(&visitor, &page).await;
    assert!(ids(&html, "message-").contains(&reply), "{html}");
    let (_, html) = app.get_text(&visitor, &list).await;
    assert!(
        element(&html, &format!("topic-{topic}")).contains("1 reply"),
        "{html}"
    );

    let r = app
        .post(
            &alice,
            &format!("/messages/{reply}/edit"),
            &[("body", "changed words")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_text(&visitor, &page).await;
    assert!(element(&html, &format!("message-{reply}")).contains("changed words"));

    let r = app
        .post(
            &admin,
            &format!("/admin/forums/{forum}/edit"),
            &forum_fields("Renamed", "New words"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_text(&visitor, "/").await;
    assert!(
        element(&html, &format!("forum-{forum}")).contains("Renamed"),
        "{html}"
    );

    let r = app
        .post(&admin, &format!("/topics/{topic}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&visitor, &page).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_viewer_gets_their_own_controls_from_a_kept_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Mine", "opening").await;
    let reply = app.reply(&alice, topic, "alice again").await;
    let page = format!("/topics/{topic}");
    let edit = format!("/messages/{reply}/edit");
    let delete = format!("/messages/{reply}/delete");

    // The visitor's copy is made first; nobody else is served it.
    let visitor = app.client();
    for _ in 0..2 {
        let (_, html) = app.get_text(&visitor, &page).await;
        assert!(!html.contains(&edit) && !html.contains(&delete));
        assert!(html.contains("Log in"));
    }
    for _ in 0..2 {
        let (_, html) = app.get_text(&alice, &page).await;
        assert!(
            html.contains(&edit) && !html.contains(&delete),
            "alice: {html}"
        );
        assert!(html.contains("<strong><bdi>alice</bdi></strong>"));
        let (_, html) = app.get_text(&bob, &page).await;
        assert!(
            !html.contains(&edit) && !html.contains(&delete),
            "bob: {html}"
        );
        assert!(html.contains("<strong><bdi>bob</bdi></strong>"));
        let (_, html) = app.get_text(&admin, &page).await;
        assert!(
            html.contains(&edit) && html.contains(&delete),
            "admin: {html}"
        );
    }
    // Locking takes the reply form away from members, on their kept pages too.
    let r = app
        .post(&admin, &format!("/topics/{topic}/lock"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reply_form = "id=\"reply-form\"";
    let (_, html) = app.get_text(&bob, &page).await;
    assert!(!html.contains(reply_form), "bob, locked: {html}");
    let (_, html) = app.get_text(&admin, &page).await;
    assert!(html.contains(reply_form), "admin, locked: {html}");
}
