//! Topics: starting one and its rules, locking, deleting with its messages.

use crate::common::*;
use reqwest::{Client, StatusCode};

async fn new_topic(
    app: &App,
    c: &Client,
    forum: i64,
    title: &str,
    body: &str,
) -> (StatusCode, String) {
    let r = app
        .post(
            c,
            &format!("/forums/{forum}/topics"),
            &[("title", title), ("body", body)],
        )
        .await;
    let s = r.status();
    (s, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_and_admins_start_topics_visitors_log_in_first() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;

    let visitor = app.client();
    let (status, html) = new_topic(&app, &visitor, forum, "By a visitor", "hi").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Please log in to continue.") && html.contains("id=\"login-form\""));
    // htmx is told where to log in.
    let r = app
        .post_hx(
            &visitor,
            &format!("/forums/{forum}/topics"),
            &[("title", "By a visitor"), ("body", "hi")],
            &format!("/forums/{forum}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&r, "hx-redirect"),
        format!("/login?next=%2Fforums%2F{forum}")
    );
    let (_, page) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert!(ids(&page, "topic-").is_empty());

    let r = app
        .post(
            &alice,
            &format!("/forums/{forum}/topics"),
            &[("title", "  Hello world  "), ("body", "  First words  ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let topic = id_after(&location(&r), "/topics/");
    assert_eq!(location(&r), format!("/topics/{topic}"));
    let (status, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h1>Hello world</h1>"),
        "trimmed title: {page}"
    );
    let first = ids(&page, "message-");
    assert_eq!(first.len(), 1);
    let m = element(&page, &format!("message-{}", first[0]));
    assert!(m.contains("<strong class=\"author\">alice</strong>"), "{m}");
    assert!(
        m.contains("<div class=\"body\">First words</div>"),
        "trimmed body: {m}"
    );
    assert!(!m.contains("edited"));

    let by_admin = app
        .create_topic(&admin, forum, "From the admin", "hello")
        .await;
    let (_, page) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert_eq!(ids(&page, "topic-"), vec![by_admin, topic]);

    // With htmx: HX-Redirect to the new topic.
    let r = app
        .post_hx(
            &alice,
            &format!("/forums/{forum}/topics"),
            &[("title", "Via htmx"), ("body", "swapped")],
            &format!("/forums/{forum}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let third = id_after(&header(&r, "hx-redirect"), "/topics/");
    assert_eq!(header(&r, "hx-redirect"), format!("/topics/{third}"));
    assert_eq!(
        app.get(&visitor, &format!("/topics/{third}"))
            .await
            .status(),
        StatusCode::OK
    );

    // No topic in a forum that does not exist.
    let (status, _) = new_topic(&app, &alice, 9999, "Lost", "nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_rules_answer_422_and_keep_what_was_typed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
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
        let (status, html) = new_topic(&app, &alice, forum, title, body).await;
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
    let (_, page) = app.get_text(&alice, &format!("/forums/{forum}")).await;
    assert!(ids(&page, "topic-").is_empty(), "nothing was created");

    // The limits themselves pass.
    let title = "é".repeat(150);
    let body = "b".repeat(20_000);
    let (status, _) = new_topic(&app, &alice, forum, &title, &body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = new_topic(&app, &alice, forum, "x", "y").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // With htmx: the form alone.
    let r = app
        .post_hx(
            &alice,
            &format!("/forums/{forum}/topics"),
            &[("title", "Typed title"), ("body", "   ")],
            &format!("/forums/{forum}"),
        )
        .await;
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
    assert_eq!(
        app.post(&alice, &lock, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&visitor, &lock, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.get_text(&alice, &page)
            .await
            .1
            .contains("id=\"reply-form\""),
        "still open"
    );

    let r = app.post(&admin, &lock, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), page);
    let (_, html) = app.get_text(&alice, &page).await;
    assert!(!html.contains("id=\"reply-form\""), "{html}");
    assert!(html.contains("This topic is locked: no new replies."));
    let (_, list) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert!(element(&list, &format!("topic-{topic}")).contains("locked"));

    // A member's reply is refused, keeping what they typed; the admin's is not.
    let r = app
        .post(
            &alice,
            &format!("/topics/{topic}/messages"),
            &[("body", "but wait")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("locked") && html.contains(">but wait</textarea>"),
        "{html}"
    );
    assert_eq!(
        app.get(&alice, &format!("/topics/{topic}/reply"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_hx(
            &alice,
            &format!("/topics/{topic}/messages"),
            &[("body", "but wait")],
            &page,
        )
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
    assert_eq!(ids(&html, "message-").last(), Some(&admin_reply));
    assert_eq!(
        ids(&html, "message-").len(),
        2,
        "the member's reply is not there"
    );
    // Members may still edit their own message in a locked topic.
    let first = ids(&html, "message-")[0];
    let r = app
        .post(
            &alice,
            &format!("/messages/{first}/edit"),
            &[("body", "calmer opinions")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        app.post(&alice, &unlock, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&visitor, &unlock, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        !app.get_text(&alice, &page)
            .await
            .1
            .contains("id=\"reply-form\"")
    );
    let r = app.post_hx(&admin, &unlock, &[], &page).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "hx-redirect"), page);
    app.reply(&alice, topic, "Thanks for reopening").await;

    for missing in ["/topics/9999/lock", "/topics/9999/unlock"] {
        assert_eq!(
            app.post(&admin, missing, &[]).await.status(),
            StatusCode::NOT_FOUND
        );
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
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    let messages = ids(&page, "message-");
    assert_eq!(messages.len(), 3);
    assert_eq!(&messages[1..], &replies);
    let delete = format!("/topics/{topic}/delete");

    assert!(!page.contains(&format!("action=\"{delete}\"")));
    assert!(
        app.get_text(&admin, &format!("/topics/{topic}"))
            .await
            .1
            .contains(&format!("action=\"{delete}\""))
    );
    // Not even the topic's author may delete it.
    assert_eq!(
        app.post(&alice, &delete, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&visitor, &delete, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&visitor, &format!("/topics/{topic}"))
            .await
            .status(),
        StatusCode::OK
    );

    let r = app.post(&admin, &delete, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/forums/{forum}"));
    assert_eq!(
        app.get(&visitor, &format!("/topics/{topic}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for m in messages {
        assert_eq!(
            app.get(&visitor, &format!("/messages/{m}")).await.status(),
            StatusCode::NOT_FOUND,
            "message {m}"
        );
    }
    let (_, list) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert_eq!(ids(&list, "topic-"), vec![other]);
    // Nothing more can be done to it.
    let r = app
        .post(
            &alice,
            &format!("/topics/{topic}/messages"),
            &[("body", "late")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&admin, &delete, &[]).await.status(),
        StatusCode::NOT_FOUND
    );

    // With htmx: HX-Redirect to the forum.
    let r = app
        .post_hx(
            &admin,
            &format!("/topics/{other}/delete"),
            &[],
            &format!("/topics/{other}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "hx-redirect"), format!("/forums/{forum}"));
    assert!(
        ids(
            &app.get_text(&visitor, &format!("/forums/{forum}")).await.1,
            "topic-"
        )
        .is_empty()
    );
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
    let r = app
        .post(&alice, "/topics/abc/messages", &[("body", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post(&alice, "/messages/abc/edit", &[("body", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for path in [
        "/topics/abc/lock",
        "/topics/abc/delete",
        "/messages/abc/delete",
        "/admin/forums/abc/delete",
    ] {
        assert_eq!(
            app.post(&admin, path, &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = app
        .post(
            &admin,
            "/admin/forums/abc/edit",
            &[("name", "x"), ("description", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A visitor is still asked to log in first.
    let r = app.post(&c, "/topics/abc/messages", &[("body", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
