//! Reports: a member reports a message with a reason; admins find it in the
//! queue and dismiss it, delete the message (or its topic), or disable its
//! author. Through the real server.

use crate::common::*;
use causerie::limits::Rate;
use reqwest::StatusCode;

/// A forum with a topic by `author` whose opening message is followed by a
/// reply of theirs; returns (topic, opening message id, reply id).
async fn topic_by(app: &App, author: &reqwest::Client) -> (i64, i64, i64) {
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app
        .create_topic(author, forum, "Buying and selling", "Welcome, all")
        .await;
    let (_, html) = app.get_text(author, &format!("/topics/{topic}")).await;
    let first = ids(&html, "message-")[0];
    let reply = app
        .reply(author, topic, "Cheap watches at spam.example")
        .await;
    (topic, first, reply)
}

fn report_path(id: i64) -> String {
    format!("/messages/{id}/report")
}

async fn queue(app: &App, admin: &reqwest::Client) -> String {
    let (status, html) = app.get_text(admin, "/admin/reports").await;
    assert_eq!(status, StatusCode::OK);
    element(&html, "reports-queue").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_reports_a_message_and_admins_see_it_in_the_queue() {
    let app = App::start().await;
    let spammer = app.member("spammer").await;
    let (topic, _, reply) = topic_by(&app, &spammer).await;
    let nina = app.member("nina").await;
    let admin = app.admin().await;
    let visitor = app.client();

    // The Report control: for members, on others' messages only.
    let link = format!("href=\"{}\"", report_path(reply));
    let page = format!("/topics/{topic}");
    assert!(app.get_text(&nina, &page).await.1.contains(&link));
    assert!(!app.get_text(&spammer, &page).await.1.contains(&link));
    assert!(!app.get_text(&visitor, &page).await.1.contains(&link));
    assert!(!app.get_text(&admin, &page).await.1.contains(&link));

    let path = report_path(reply);
    let (status, html) = app.get_text(&nina, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Cheap watches"),
        "the message is shown: {html}"
    );
    assert!(html.contains("id=\"report-form\""));
    app.assert_get("visitor", &visitor, &path, StatusCode::UNAUTHORIZED)
        .await;
    app.assert_get("author", &spammer, &path, StatusCode::FORBIDDEN)
        .await;
    app.assert_get("nina", &nina, &report_path(9_999), StatusCode::NOT_FOUND)
        .await;

    // Bad input: said next to the field, nothing recorded.
    for bad in ["", "   \u{202e}\u{feff}  ", &"x".repeat(501)] {
        let (status, html) = app.post_text(&nina, &path, &[("reason", bad)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(element(&html, "report-form").contains("class=\"error\""));
    }
    let form = [("reason", "Spam: an advert <b>for watches</b>")];
    app.assert_post("author", &spammer, &path, &form, StatusCode::FORBIDDEN)
        .await;
    app.assert_post("visitor", &visitor, &path, &form, StatusCode::UNAUTHORIZED)
        .await;
    assert!(!queue(&app, &admin).await.contains("<li"));

    let (status, html) = app.post_text(&nina, &path, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("your report was sent"), "{html}");
    // With htmx: the answer replaces the form.
    let r = app
        .post_hx(&nina, &path, &[("reason", "Spam, again")], &path)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let answer = r.text().await.unwrap();
    assert!(answer.contains("id=\"report-form\""), "{answer}");
    assert!(!answer.contains("<html"), "only the form's place: {answer}");

    // Only admins see the queue; the reason is shown as text, once (a second
    // report by the same member replaces the first).
    app.assert_get("nina", &nina, "/admin/reports", StatusCode::FORBIDDEN)
        .await;
    app.assert_get(
        "visitor",
        &visitor,
        "/admin/reports",
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let q = queue(&app, &admin).await;
    assert_eq!(ids(&q, "report-"), vec![reply], "{q}");
    assert!(
        q.contains("Spam, again") && !q.contains("for watches"),
        "{q}"
    );
    assert!(q.contains("1 report") && q.contains("/users/nina"), "{q}");
    // Another member's report of it adds to it.
    let omar = app.member("omar").await;
    app.assert_post(
        "omar",
        &omar,
        &path,
        &[("reason", "<script>x</script>")],
        StatusCode::OK,
    )
    .await;
    let q = queue(&app, &admin).await;
    assert!(q.contains("2 reports"), "{q}");
    assert!(
        q.contains("&lt;script&gt;") && !q.contains("<script>"),
        "{q}"
    );
    let (_, admin_page) = app.get_text(&admin, "/admin").await;
    assert!(
        element(&admin_page, "reports-summary").contains("1 message"),
        "{admin_page}"
    );

    // The admin was told, once per reported message (unread again when a
    // new report of it comes), and the notification leads to the queue.
    let (_, list) = app.get_text(&admin, "/notifications").await;
    assert!(element(&list, "bell").contains("1 unread"), "{list}");
    let found = ids(&list, "notification-");
    assert_eq!(found.len(), 1, "{list}");
    assert!(list.contains("reported"), "{list}");
    let r = app
        .get(&admin, &format!("/notifications/{}", found[0]))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/reports");
    let (_, list) = app.get_text(&admin, "/notifications").await;
    assert!(element(&list, "bell").contains("none unread"), "{list}");
    // The members who reported were not notified of their own report.
    let (_, list) = app.get_text(&nina, "/notifications").await;
    assert!(ids(&list, "notification-").is_empty(), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_dismiss_delete_or_disable() {
    let app = App::start().await;
    let spammer = app.member("spammer").await;
    let (topic, first, reply) = topic_by(&app, &spammer).await;
    let nina = app.member("nina").await;
    let admin = app.admin().await;
    let reason = [("reason", "Spam")];
    let decide = |id: i64, what: &str| format!("/admin/reports/{id}/{what}");

    // Dismiss: the message stays, the queue is empty.
    app.assert_post("nina", &nina, &report_path(reply), &reason, StatusCode::OK)
        .await;
    app.assert_post(
        "nina",
        &nina,
        &decide(reply, "dismiss"),
        &[],
        StatusCode::FORBIDDEN,
    )
    .await;
    let r = app
        .post_hx(&admin, &decide(reply, "dismiss"), &[], "/admin/reports")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("dismissed"));
    assert!(!queue(&app, &admin).await.contains("<li"));
    app.assert_get(
        "nina",
        &nina,
        &format!("/messages/{reply}"),
        StatusCode::SEE_OTHER,
    )
    .await;
    // A decision on a message nobody reported (any more) finds nothing.
    for what in ["dismiss", "delete", "disable-author"] {
        app.assert_post(
            "admin",
            &admin,
            &decide(reply, what),
            &[],
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    // Delete: the message goes, with its reports.
    app.assert_post("nina", &nina, &report_path(reply), &reason, StatusCode::OK)
        .await;
    app.assert_post(
        "admin",
        &admin,
        &decide(reply, "delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    app.assert_get(
        "nina",
        &nina,
        &format!("/messages/{reply}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(!queue(&app, &admin).await.contains("<li"));

    // The opening message goes only with its topic.
    app.assert_post("nina", &nina, &report_path(first), &reason, StatusCode::OK)
        .await;
    assert!(queue(&app, &admin).await.contains("Delete the topic"));
    app.assert_post(
        "admin",
        &admin,
        &decide(first, "delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    app.assert_get(
        "nina",
        &nina,
        &format!("/topics/{topic}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(!queue(&app, &admin).await.contains("<li"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_the_author_ends_their_sessions_and_handles_the_reports() {
    let app = App::start().await;
    let spammer = app.member("spammer").await;
    let (topic, _, reply) = topic_by(&app, &spammer).await;
    let nina = app.member("nina").await;
    let admin = app.admin().await;
    app.assert_post(
        "nina",
        &nina,
        &report_path(reply),
        &[("reason", "Spam")],
        StatusCode::OK,
    )
    .await;
    assert!(queue(&app, &admin).await.contains("Disable the author"));
    let path = format!("/admin/reports/{reply}/disable-author");
    let r = app.post_hx(&admin, &path, &[], "/admin/reports").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("disabled"));
    // Their session ended: posting asks for a login.
    let r = app
        .post(
            &spammer,
            &format!("/topics/{topic}/messages"),
            &[("body", "more spam")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.assert_login(&app.client(), "spammer", PASSWORD, StatusCode::FORBIDDEN)
        .await;
    // The message stays; the queue is empty.
    app.assert_get(
        "nina",
        &nina,
        &format!("/messages/{reply}"),
        StatusCode::SEE_OTHER,
    )
    .await;
    assert!(!queue(&app, &admin).await.contains("<li"));
    // An admin's own message is never offered for disabling.
    let t = app.create_topic(&admin, 1, "Rules", "Be kind").await;
    let (_, html) = app.get_text(&admin, &format!("/topics/{t}")).await;
    let own = ids(&html, "message-")[0];
    app.assert_post(
        "nina",
        &nina,
        &report_path(own),
        &[("reason", "Bossy")],
        StatusCode::OK,
    )
    .await;
    assert!(!queue(&app, &admin).await.contains("Disable the author"));
    let path = format!("/admin/reports/{own}/disable-author");
    app.assert_post("admin", &admin, &path, &[], StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_has_at_most_twenty_reports_waiting() {
    let app = App::start_configured(|c| {
        c.limits.post_new_account = Rate::new(1_000, 1);
        c.limits.post = Rate::new(1_000, 1);
    })
    .await;
    let admin = app.admin().await;
    let (topic, _, _) = topic_by(&app, &admin).await;
    let mut messages = Vec::new();
    for i in 0..21 {
        messages.push(app.reply(&admin, topic, &format!("Message {i}")).await);
    }
    let nina = app.member("nina").await;
    let reason = [("reason", "Too many messages")];
    for &id in &messages[..20] {
        app.assert_post("nina", &nina, &report_path(id), &reason, StatusCode::OK)
            .await;
    }
    let (status, html) = app
        .post_text(&nina, &report_path(messages[20]), &reason)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("20 reports waiting"), "{html}");
    // Reporting one already reported again is not one more.
    app.assert_post(
        "nina",
        &nina,
        &report_path(messages[0]),
        &reason,
        StatusCode::OK,
    )
    .await;
    // Once the admins handle one, there is room again.
    let path = format!("/admin/reports/{}/dismiss", messages[0]);
    app.assert_post("admin", &admin, &path, &[], StatusCode::SEE_OTHER)
        .await;
    app.assert_post(
        "nina",
        &nina,
        &report_path(messages[20]),
        &reason,
        StatusCode::OK,
    )
    .await;
    // Twenty waiting: the queue's second page holds none (20 a page).
    let q = queue(&app, &admin).await;
    assert_eq!(ids(&q, "report-").len(), 20);
    app.assert_get(
        "admin",
        &admin,
        "/admin/reports?page=2",
        StatusCode::NOT_FOUND,
    )
    .await;
}
