//! Topics: starting one and its rules, locking, deleting with its messages.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_and_admins_start_topics_visitors_log_in_first() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let new = format!("/forums/{forum}/topics");
    let list = format!("/forums/{forum}");

    let visitor = app.client();
    let form = topic_fields("By a visitor", "hi");
    let (status, html) = app.post_text(&visitor, &new, &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Please log in to continue.") && html.contains("id=\"login-form\""));
    // htmx is told where to log in.
    let r = app.post_hx(&visitor, &new, &form, &list).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let to = header(&r, "hx-redirect");
    assert_eq!(to, format!("/login?next=%2Fforums%2F{forum}&required=1"));
    // ...which says why, as the 401 page does without htmx.
    let (_, login) = app.get_text(&visitor, &to).await;
    assert!(login.contains("Please log in to continue.") && login.contains("id=\"login-form\""));
    let (_, plain) = app.get_text(&visitor, "/login").await;
    assert!(!plain.contains("Please log in to continue."), "{plain}");
    let (_, page) = app.get_text(&visitor, &list).await;
    assert!(ids(&page, "topic-").is_empty());

    let form = topic_fields("  Hello world  ", "  First words  ");
    let r = app
        .assert_post("alice", &alice, &new, &form, StatusCode::SEE_OTHER)
        .await;
    let topic = id_after(&location(&r), "/topics/");
    assert_eq!(location(&r), format!("/topics/{topic}"));
    let (status, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h1 dir=\"auto\">Hello world</h1>"),
        "trimmed title: {page}"
    );
    let first = ids(&page, "message-");
    assert_eq!(first.len(), 1);
    let m = element(&page, &format!("message-{}", first[0]));
    assert!(
        m.contains(
            "<strong class=\"author\"><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"
        ),
        "{m}"
    );
    assert!(
        m.contains("<div class=\"body\" dir=\"auto\"><p>First words</p></div>"),
        "trimmed body: {m}"
    );
    assert!(!m.contains("edited"));

    let by_admin = app
        .create_topic(&admin, forum, "From the admin", "hello")
        .await;
    let (_, page) = app.get_text(&visitor, &list).await;
    assert_eq!(ids(&page, "topic-"), vec![by_admin, topic]);

    // With htmx: HX-Redirect to the new topic.
    let form = topic_fields("Via htmx", "swapped");
    let to = app
        .post_hx_redirect("alice", &alice, &new, &form, &list)
        .await;
    let third = id_after(&to, "/topics/");
    assert_eq!(to, format!("/topics/{third}"));
    app.assert_get("visitor", &visitor, &to, StatusCode::OK)
        .await;

    // No topic in a forum that does not exist.
    let form = topic_fields("Lost", "nowhere");
    let lost = "/forums/9999/topics";
    app.assert_post("alice", &alice, lost, &form, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_rules_answer_422_and_keep_what_was_typed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let list = format!("/forums/{forum}");
    let new = format!("/forums/{forum}/topics");
    let long_title = "t".repeat(151);
    let long_body = "b".repeat(20_001);
    let cases: &[(&str, &str, &str)] = &[
        ("", "kept body", "Title cannot be empty."),
        ("   ", "kept body", "Title cannot be empty."),
        (
            &long_title,
            "kept body",
            "Title must be at most 150 characters",
        ),
        ("Kept title", "", "Message cannot be empty."),
        ("Kept title", "    \n\t  ", "Message cannot be empty."),
        (
            "Kept title",
            &long_body,
            "Message must be at most 20000 characters",
        ),
    ];
    for (title, body, message) in cases {
        let form = topic_fields(title, body);
        let (status, html) = app.post_text(&alice, &new, &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{title:?} / {:?}",
            &body[..body.len().min(10)]
        );
        assert!(html.contains(message), "{message}");
        assert!(html.contains("<html"), "a whole page without htmx");
        let form = element(&html, "new-topic-form");
        assert!(form.contains(&format!("value=\"{title}\"")), "title kept");
        assert!(form.contains(&format!(">{body}</textarea>")), "body kept");
    }
    let (_, page) = app.get_text(&alice, &list).await;
    assert!(ids(&page, "topic-").is_empty(), "nothing was created");

    // The limits themselves pass.
    let title = "é".repeat(150);
    let body = "b".repeat(20_000);
    for form in [topic_fields(&title, &body), topic_fields("x", "y")] {
        app.assert_post("alice", &alice, &new, &form, StatusCode::SEE_OTHER)
            .await;
    }

    // With htmx: the form alone.
    let form = topic_fields("Typed title", "   ");
    let r = app.post_hx(&alice, &new, &form, &list).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<form") && !html.contains("<html"),
        "{html}"
    );
    assert!(html.contains("id=\"new-topic-form\""));
    assert!(html.contains("value=\"Typed title\"") && html.contains("Message cannot be empty."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_is_for_admins_and_stops_member_replies() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let visitor = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Heated", "opinions").await;
    let lock = format!("/topics/{topic}/lock");
    let unlock = format!("/topics/{topic}/unlock");
    let page = format!("/topics/{topic}");
    let reply = format!("/topics/{topic}/messages");
    let refused = refused("alice", &alice, &visitor);

    let (_, list) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert!(!element(&list, &format!("topic-{topic}")).contains("locked"));
    // Only admins see the controls, and only admins may use them.
    assert!(
        app.get_text(&admin, &page)
            .await
            .1
            .contains(&format!("action=\"{lock}\""))
    );
    assert!(
        !app.get_text(&alice, &page)
            .await
            .1
            .contains(&format!("action=\"{lock}\""))
    );
    app.assert_each_post(&lock, &[], &refused).await;
    assert!(
        app.get_text(&alice, &page)
            .await
            .1
            .contains("id=\"reply-form\""),
        "still open"
    );

    let r = app
        .assert_post("admin", &admin, &lock, &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), page);
    let (_, html) = app.get_text(&alice, &page).await;
    assert!(!html.contains("id=\"reply-form\""), "{html}");
    assert!(html.contains("This topic is locked: no new replies."));
    let (_, list) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert!(element(&list, &format!("topic-{topic}")).contains("locked"));

    // A member's reply is refused, keeping what they typed; the admin's is not.
    let (status, html) = app.post_text(&alice, &reply, &[("body", "but wait")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("locked") && html.contains(">but wait</textarea>"),
        "{html}"
    );
    let reply_form = format!("/topics/{topic}/reply");
    app.assert_get("alice", &alice, &reply_form, StatusCode::FORBIDDEN)
        .await;
    let r = app
        .post_hx(&alice, &reply, &[("body", "but wait")], &page)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<form") && html.contains(">but wait</textarea>"),
        "{html}"
    );
    let admin_reply = app.reply(&admin, topic, "Closing words").await;
    let (_, html) = app.get_text(&admin, &page).await;
    assert!(html.contains("id=\"reply-form\""), "admins may still reply");
    let messages = ids(&html, "message-");
    assert_eq!(messages.last(), Some(&admin_reply));
    assert_eq!(messages.len(), 2, "the member's reply is not there");
    // Members may still edit their own message in a locked topic.
    let edit = format!("/messages/{}/edit", messages[0]);
    let form = [("body", "calmer opinions")];
    app.assert_post("alice", &alice, &edit, &form, StatusCode::SEE_OTHER)
        .await;

    app.assert_each_post(&unlock, &[], &refused).await;
    assert!(
        !app.get_text(&alice, &page)
            .await
            .1
            .contains("id=\"reply-form\"")
    );
    let to = app
        .post_hx_redirect("admin", &admin, &unlock, &[], &page)
        .await;
    assert_eq!(to, page);
    app.reply(&alice, topic, "Thanks for reopening").await;

    for missing in ["/topics/9999/lock", "/topics/9999/unlock"] {
        app.assert_post("admin", &admin, missing, &[], StatusCode::NOT_FOUND)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_topic_deletes_its_messages() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let visitor = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let topic = app
        .create_topic(&alice, forum, "Short-lived", "opening")
        .await;
    let other = app.create_topic(&alice, forum, "Long-lived", "stays").await;
    let replies = [
        app.reply(&alice, topic, "one").await,
        app.reply(&admin, topic, "two").await,
    ];
    let path = format!("/topics/{topic}");
    let list = format!("/forums/{forum}");
    let (_, page) = app.get_text(&visitor, &path).await;
    let messages = ids(&page, "message-");
    assert_eq!(messages.len(), 3);
    assert_eq!(&messages[1..], &replies);
    let delete = format!("/topics/{topic}/delete");

    assert!(!page.contains(&format!("action=\"{delete}\"")));
    assert!(
        app.get_text(&admin, &path)
            .await
            .1
            .contains(&format!("action=\"{delete}\""))
    );
    // Not even the topic's author may delete it.
    let refused = refused("alice", &alice, &visitor);
    app.assert_each_post(&delete, &[], &refused).await;
    app.assert_get("visitor", &visitor, &path, StatusCode::OK)
        .await;

    let r = app
        .assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), list);
    app.assert_get("visitor", &visitor, &path, StatusCode::NOT_FOUND)
        .await;
    for m in messages {
        let message = format!("/messages/{m}");
        app.assert_get("visitor", &visitor, &message, StatusCode::NOT_FOUND)
            .await;
    }
    let (_, page) = app.get_text(&visitor, &list).await;
    assert_eq!(ids(&page, "topic-"), vec![other]);
    // Nothing more can be done to it.
    let late = [("body", "late")];
    let reply = format!("{path}/messages");
    app.assert_post("alice", &alice, &reply, &late, StatusCode::NOT_FOUND)
        .await;
    app.assert_post("admin", &admin, &delete, &[], StatusCode::NOT_FOUND)
        .await;

    // With htmx: HX-Redirect to the forum.
    let other_page = format!("/topics/{other}");
    let delete_other = format!("/topics/{other}/delete");
    let to = app
        .post_hx_redirect("admin", &admin, &delete_other, &[], &other_page)
        .await;
    assert_eq!(to, list);
    assert!(ids(&app.get_text(&visitor, &list).await.1, "topic-").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_topics_are_404() {
    let app = App::start().await;
    let c = app.client();
    for path in [
        "/topics/9999",
        "/topics/0",
        "/topics/abc",
        "/messages/9999",
        "/messages/abc",
        "/messages/1x",
    ] {
        let (status, html) = app.get_text(&c, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            html.contains("<html") && html.contains("Not found"),
            "{path}: {html}"
        );
    }
    // Also for the actions on them.
    let alice = app.member("alice").await;
    let admin = app.admin().await;
    let form = [("body", "x")];
    for path in ["/topics/abc/messages", "/messages/abc/edit"] {
        app.assert_post("alice", &alice, path, &form, StatusCode::NOT_FOUND)
            .await;
    }
    for path in [
        "/topics/abc/lock",
        "/topics/abc/delete",
        "/messages/abc/delete",
        "/admin/forums/abc/delete",
    ] {
        app.assert_post("admin", &admin, path, &[], StatusCode::NOT_FOUND)
            .await;
    }
    let path = "/admin/forums/abc/edit";
    let forum = forum_fields("x", "");
    app.assert_post("admin", &admin, path, &forum, StatusCode::NOT_FOUND)
        .await;
    // A visitor is still asked to log in first.
    let path = "/topics/abc/messages";
    app.assert_post("visitor", &c, path, &form, StatusCode::UNAUTHORIZED)
        .await;
}
