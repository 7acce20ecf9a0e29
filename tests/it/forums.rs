//! The home page (forums, their counts and last activity) and a forum's page
//! (its topics by last activity).

use crate::common::*;
use reqwest::StatusCode;

/// The home page's entry for `forum`.
async fn home_entry(app: &App, forum: i64) -> String {
    let (status, home) = app.get_text(&app.client(), "/").await;
    assert_eq!(status, StatusCode::OK);
    element(&home, &format!("forum-{forum}")).to_string()
}

/// Asserts the counts a home page entry shows, as written ("1 topic").
fn assert_counts(entry: &str, topics: &str, messages: &str) {
    assert!(
        entry.contains(&format!(">{topics}<")) && entry.contains(&format!(">{messages}<")),
        "{topics}, {messages}: {entry}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_counts_follow_replies_and_deletes() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let other = app.create_forum(&admin, "Other").await;

    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "0 topics", "0 messages");
    assert!(entry.contains("No messages yet"), "{entry}");

    let t1 = app
        .create_topic(&alice, forum, "First topic", "hello")
        .await;
    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "1 topic", "1 message");
    assert!(
        entry.contains("First topic</bdi></a> by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"),
        "{entry}"
    );

    let r1 = app.reply(&admin, t1, "welcome").await;
    let r2 = app.reply(&alice, t1, "thanks").await;
    let t2 = app
        .create_topic(&admin, forum, "Second topic", "news")
        .await;
    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "2 topics", "4 messages");
    assert!(
        entry.contains("Second topic</bdi></a> by <strong><a href=\"/users/admin\"><bdi>admin</bdi></a></strong>"),
        "{entry}"
    );
    // Last activity links to the latest message.
    let (_, page) = app.get_text(&alice, &format!("/topics/{t2}")).await;
    let opening = ids(&page, "message-")[0];
    assert!(
        entry.contains(&format!("href=\"/messages/{opening}\"")),
        "{entry}"
    );
    // The other forum is untouched.
    let o = home_entry(&app, other).await;
    assert_counts(&o, "0 topics", "0 messages");

    // Deleting a reply: one message fewer.
    let delete = format!("/messages/{r1}/delete");
    app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "2 topics", "3 messages");

    // Deleting the latest topic: its messages go, and last activity goes back
    // to the latest message left.
    let delete = format!("/topics/{t2}/delete");
    app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "1 topic", "2 messages");
    assert!(
        entry.contains(&format!("href=\"/messages/{r2}\"")),
        "{entry}"
    );
    assert!(
        entry.contains("First topic</bdi></a> by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"),
        "{entry}"
    );

    let delete = format!("/topics/{t1}/delete");
    app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let entry = home_entry(&app, forum).await;
    assert_counts(&entry, "0 topics", "0 messages");
    assert!(entry.contains("No messages yet"), "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_ordered_by_last_activity() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let t1 = app.create_topic(&alice, forum, "One", "1").await;
    let t2 = app.create_topic(&alice, forum, "Two", "2").await;
    let t3 = app.create_topic(&alice, forum, "Three", "3").await;
    let path = format!("/forums/{forum}");
    let order = async || ids(&app.get_text(&app.client(), &path).await.1, "topic-");

    assert_eq!(order().await, vec![t3, t2, t1]);
    // A reply moves a topic to the top.
    app.reply(&admin, t1, "bump").await;
    assert_eq!(order().await, vec![t1, t3, t2]);
    let last = app.reply(&alice, t2, "bump").await;
    assert_eq!(order().await, vec![t2, t1, t3]);
    // Editing is not activity.
    let edit = format!("/messages/{last}/edit");
    let form = [("body", "edited")];
    app.assert_post("alice", &alice, &edit, &form, StatusCode::SEE_OTHER)
        .await;
    app.reply(&alice, t3, "bump").await;
    assert_eq!(order().await, vec![t3, t2, t1]);
    // Deleting a topic's latest reply puts it back where its last message is.
    let delete = format!("/messages/{last}/delete");
    app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(order().await, vec![t3, t1, t2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_entry_shows_its_author_replies_and_last_message() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Hello all", "hi").await;
    let (_, page) = app.get_text(&bob, &format!("/forums/{forum}")).await;
    let entry = element(&page, &format!("topic-{topic}"));
    assert!(entry.contains(">Hello all</bdi></a>"), "{entry}");
    assert!(
        entry.contains("by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"),
        "{entry}"
    );
    assert!(entry.contains(">0 replies<"), "{entry}");
    assert!(entry.contains("<time datetime="), "{entry}");

    app.reply(&bob, topic, "hello").await;
    let last = app.reply(&bob, topic, "again").await;
    let (_, page) = app.get_text(&bob, &format!("/forums/{forum}")).await;
    let entry = element(&page, &format!("topic-{topic}"));
    assert!(entry.contains(">2 replies<"), "{entry}");
    assert!(
        entry.contains("by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"),
        "the author stays: {entry}"
    );
    assert!(
        entry.contains(&format!(
            "href=\"/messages/{last}\">Last message</a> by <strong><a href=\"/users/bob\"><bdi>bob</bdi></a></strong>"
        )),
        "{entry}"
    );
    let single = app.reply(&alice, topic, "one more").await;
    app.post(&admin, &format!("/messages/{single}/delete"), &[])
        .await;
    let (_, page) = app.get_text(&bob, &format!("/forums/{forum}")).await;
    assert!(element(&page, &format!("topic-{topic}")).contains(">2 replies<"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_topic_form_is_for_members() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let path = format!("/forums/{forum}");
    let action = format!("action=\"/forums/{forum}/topics\"");

    let (status, page) = app.get_text(&app.client(), &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("id=\"new-topic-form\"") && !page.contains(&action));
    assert!(page.contains("to start a topic"), "{page}");
    for c in [&alice, &admin] {
        let (status, page) = app.get_text(c, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"new-topic-form\"") && page.contains(&action));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_forums_are_404() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let c = app.client();
    let page = format!("/forums/{forum}");
    app.assert_get("visitor", &c, &page, StatusCode::OK).await;
    for path in [
        "/forums/9999",
        "/forums/0",
        "/forums/-1",
        "/forums/abc",
        "/forums/99999999999999999999",
        "/no/such/page",
    ] {
        let (status, html) = app.get_text(&c, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            html.contains("<html") && html.contains("Not found"),
            "a page: {html}"
        );
    }
}
