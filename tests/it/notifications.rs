//! Mentions and notifications: who hears of what (mentions, quotes,
//! replies), once per message, never of oneself; the kinds a member turns
//! off; following and muting a topic; the bell in every page and live in
//! every tab; the list, its pages and marks; its bound; jobs across a
//! restart; a hostile body. Notifications are written by a background
//! worker: tests wait for a count to be reached, and prove that something
//! did *not* happen with a later notification the same worker wrote after
//! it (jobs are done in order).

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::*;
use crate::live::{User, admin, connect, registered};

/// The count `user`'s bell shows on `path`.
pub(crate) async fn bell_on(app: &App, user: &User, path: &str) -> u32 {
    let (status, html) = app.get_text(&user.http, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    bell_count(&html)
}

fn bell_count(html: &str) -> u32 {
    let bell = element(html, "bell");
    if bell.contains("none unread") {
        return 0;
    }
    let label = bell.split("aria-label=\"").nth(1).expect("a label");
    label
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count in {bell}"))
}

/// Waits (up to 10 s) until `user`'s bell shows `n`.
pub(crate) async fn wait_bell(app: &App, user: &User, n: u32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = bell_on(app, user, "/notifications").await;
        if now == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bell shows {now}, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn list(app: &App, user: &User, page: u32) -> String {
    let (status, html) = app
        .get_text(&user.http, &format!("/notifications?page={page}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    element(&html, "notifications").to_string()
}

async fn first_message(app: &App, user: &User, topic: i64) -> i64 {
    let (_, html) = app.get_text(&user.http, &format!("/topics/{topic}")).await;
    ids(&html, "message-")[0]
}

async fn edit(app: &App, user: &User, message: i64, body: &str) {
    let r = app
        .post(
            &user.http,
            &format!("/messages/{message}/edit"),
            &[("body", body)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

pub(crate) struct Cast {
    pub(crate) app: App,
    pub(crate) forum: i64,
    pub(crate) alice: User,
    pub(crate) bob: User,
    pub(crate) carol: User,
}

pub(crate) async fn cast() -> Cast {
    let app = App::start().await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "General").await;
    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;
    let carol = registered(&app, "carol").await;
    Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_links_and_notifies_once_and_never_oneself() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let topic = app
        .create_topic(
            &alice.http,
            forum,
            "Plans",
            "Hi @bob, and me @alice, and @nobody",
        )
        .await;
    wait_bell(&app, &bob, 1).await;
    let (_, page) = app.get_text(&bob.http, &format!("/topics/{topic}")).await;
    assert!(
        page.contains("<a href=\"/users/bob\""),
        "a member's mention is a link"
    );
    assert!(page.contains("@nobody") && !page.contains("/users/nobody"));
    let items = list(&app, &bob, 1).await;
    assert!(
        items.contains("alice</bdi></strong> mentioned you in"),
        "{items}"
    );
    assert!(items.contains("Plans"), "{items}");

    // Edited, keeping bob and adding carol: carol hears of it, bob not again.
    let first = first_message(&app, &alice, topic).await;
    edit(&app, &alice, first, "Hi @bob and @carol").await;
    wait_bell(&app, &carol, 1).await;
    edit(&app, &alice, first, "Hi @bob and @carol again").await;
    // A later job, written after those edits' jobs: then bob's count is final.
    app.reply(&carol.http, topic, "ping @alice").await;
    wait_bell(&app, &alice, 1).await;
    assert_eq!(bell_on(&app, &bob, "/").await, 1, "bob notified once");
    assert_eq!(bell_on(&app, &carol, "/").await, 1, "carol notified once");
    // Alice mentioned herself: her one notification is carol's.
    let items = list(&app, &alice, 1).await;
    assert_eq!(
        items.matches("<li class=\"notification").count(),
        1,
        "{items}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_and_replies_notify_the_strongest_reason_once() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let topic = app
        .create_topic(&alice.http, forum, "Plans", "Opening")
        .await;
    // A reply notifies the topic's starter.
    let bobs = app.reply(&bob.http, topic, "Bob's reply").await;
    wait_bell(&app, &alice, 1).await;
    assert!(
        list(&app, &alice, 1)
            .await
            .contains("bob</bdi></strong> replied in")
    );
    // A quote of bob's message: bob is quoted, alice hears of a reply.
    let quote = format!("> **bob** [wrote](/messages/{bobs}):\n> Bob's reply\n\nAgreed.");
    let carols = app.reply(&carol.http, topic, &quote).await;
    wait_bell(&app, &bob, 1).await;
    wait_bell(&app, &alice, 2).await;
    let items = list(&app, &bob, 1).await;
    assert!(
        items.contains("carol</bdi></strong> quoted you in"),
        "{items}"
    );
    // Mentioned in a reply she would hear of anyway: one notification, a mention.
    app.reply(
        &carol.http,
        topic,
        &format!("@alice see /messages/{carols}"),
    )
    .await;
    wait_bell(&app, &alice, 3).await;
    let items = list(&app, &alice, 1).await;
    assert_eq!(
        items.matches("<li class=\"notification").count(),
        3,
        "{items}"
    );
    assert_eq!(items.matches("mentioned you in").count(), 1, "{items}");
    // Bob took part (he replied): he hears of carol's second reply too.
    wait_bell(&app, &bob, 2).await;
    // The opening message's link takes one to the message.
    let id = ids(&items, "notification-")[0];
    let r = app.get(&alice.http, &format!("/notifications/{id}")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/messages/"), "{}", location(&r));
    let r = app.get(&alice.http, &location(&r)).await;
    assert!(location(&r).contains("#message-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_can_be_turned_off() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let (_, account) = app.get_text(&bob.http, "/account").await;
    let form = element(&account, "notify-kinds");
    assert_eq!(form.matches(" checked").count(), 3, "{form}");
    // Bob wants quotes only.
    let r = app
        .post(
            &bob.http,
            "/account/notifications",
            &[("quote", "1"), ("sent", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, account) = app.get_text(&bob.http, "/account").await;
    assert_eq!(
        element(&account, "notify-kinds")
            .matches(" checked")
            .count(),
        1
    );

    let topic = app.create_topic(&bob.http, forum, "Bob's", "Opening").await;
    app.reply(&alice.http, topic, "A reply to bob's topic")
        .await;
    app.reply(&alice.http, topic, "Hello @bob").await;
    let first = first_message(&app, &bob, topic).await;
    app.reply(
        &carol.http,
        topic,
        &format!("> **bob** [wrote](/messages/{first}):\n> Opening\n\nYes"),
    )
    .await;
    // The quote is the first notification he gets: the reply and the
    // mention before it were not written.
    wait_bell(&app, &bob, 1).await;
    let items = list(&app, &bob, 1).await;
    assert_eq!(
        items.matches("<li class=\"notification").count(),
        1,
        "{items}"
    );
    assert!(items.contains("quoted you"), "{items}");

    // Quotes off too: a later one is not written, a sentinel for alice is.
    app.post(&bob.http, "/account/notifications", &[("sent", "1")])
        .await;
    app.reply(
        &carol.http,
        topic,
        &format!("> **bob** [wrote](/messages/{first}):\n> Opening\n\n@alice"),
    )
    .await;
    wait_bell(&app, &alice, 2).await;
    assert_eq!(bell_on(&app, &bob, "/").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_and_muting_a_topic() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let topic = app
        .create_topic(&alice.http, forum, "Plans", "Opening")
        .await;
    // Carol never posted there: she follows it.
    let (_, page) = app.get_text(&carol.http, &format!("/topics/{topic}")).await;
    assert!(element(&page, "topic-notify").contains("Follow"));
    let r = app
        .post(
            &carol.http,
            &format!("/topics/{topic}/notify"),
            &[("level", "follow")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&carol.http, &format!("/topics/{topic}")).await;
    assert!(element(&page, "topic-notify").contains("You follow this topic"));
    app.reply(&bob.http, topic, "First reply").await;
    wait_bell(&app, &carol, 1).await;
    wait_bell(&app, &alice, 1).await;
    // Alice mutes it: bob's next reply reaches carol, not her.
    let r = app
        .post(
            &alice.http,
            &format!("/topics/{topic}/notify"),
            &[("level", "mute")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.reply(&bob.http, topic, "Second reply").await;
    wait_bell(&app, &carol, 2).await;
    assert_eq!(bell_on(&app, &alice, "/").await, 1, "muted");
    // Carol stops following: bob's third reply reaches only alice, unmuted.
    for (who, level) in [(&carol, "default"), (&alice, "default")] {
        app.post(
            &who.http,
            &format!("/topics/{topic}/notify"),
            &[("level", level)],
        )
        .await;
    }
    app.reply(&bob.http, topic, "Third reply").await;
    wait_bell(&app, &alice, 2).await;
    assert_eq!(bell_on(&app, &carol, "/").await, 2);
    let r = app
        .post(
            &carol.http,
            &format!("/topics/{topic}/notify"),
            &[("level", "loud")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_rings_live_in_every_tab() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        ..
    } = cast().await;
    // Every member page opens a socket, those without live regions too.
    let (_, account) = app.get_text(&bob.http, "/account").await;
    assert!(account.contains("data-ws-connect=\"/_ws?view=%2Fnotifications\""));
    let mut tabs = [
        connect(&app, "/notifications", &bob).await,
        connect(&app, "/", &bob).await,
    ];
    for tab in &mut tabs {
        let frame = tab.until("the bell", |f| f.contains("id=\"bell\"")).await;
        assert_eq!(bell_count(&frame), 0);
    }
    app.create_topic(&alice.http, forum, "Plans", "Hello @bob")
        .await;
    for tab in &mut tabs {
        let frame = tab.until("the bell", |f| f.contains("id=\"bell\"")).await;
        assert_eq!(bell_count(&frame), 1, "{frame}");
        assert!(frame.contains("1 unread notification"), "{frame}");
        assert!(frame.contains("data-hx-swap-oob"), "{frame}");
    }
    assert_eq!(bell_on(&app, &bob, "/").await, 1, "the page's header too");
    // Marking all read, in one tab, resets the bell in both.
    let r = app
        .post(&bob.http, "/notifications/read", &[("page", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for tab in &mut tabs {
        let frame = tab.until("the bell", |f| f.contains("id=\"bell\"")).await;
        assert_eq!(bell_count(&frame), 0, "{frame}");
    }
    assert_eq!(bell_on(&app, &bob, "/").await, 0);
}

/// Admins share one kind of viewer (their pages look alike), yet each
/// admin's sockets are their own: a report rings the admin's bell live, and
/// their sockets end with their session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_hears_of_a_report_live() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        ..
    } = cast().await;
    let adm = admin(&app).await;
    let mut tab = connect(&app, "/", &adm).await;
    let frame = tab.until("the bell", |f| f.contains("id=\"bell\"")).await;
    assert_eq!(bell_count(&frame), 0, "{frame}");
    let topic = app
        .create_topic(&alice.http, forum, "Offers", "Cheap watches")
        .await;
    let (_, page) = app.get_text(&bob.http, &format!("/topics/{topic}")).await;
    let message = ids(&page, "message-")[0];
    let path = format!("/messages/{message}/report");
    app.assert_post(
        "bob",
        &bob.http,
        &path,
        &[("reason", "Spam")],
        StatusCode::OK,
    )
    .await;
    let frame = tab.until("the bell", |f| f.contains("id=\"bell\"")).await;
    assert_eq!(bell_count(&frame), 1, "{frame}");
    assert_eq!(bell_on(&app, &adm, "/").await, 1);
    // "Log out everywhere" ends the admin's socket.
    app.assert_post(
        "admin",
        &adm.http,
        "/account/logout-everywhere",
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    close_code(&mut tab.stream, "the admin's socket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_left_at_a_stop_are_done_at_the_next_start() {
    let Cast {
        app, forum, alice, ..
    } = cast().await;
    let topic = app
        .create_topic(&alice.http, forum, "Plans", "Opening")
        .await;
    let first = first_message(&app, &alice, topic).await;
    let (dir, db) = app.stop().await;
    // A job its worker never reached, as a crash right after the reply's
    // commit leaves it.
    let bob_id: i64 = with_db(&db, |c| {
        let id: i64 = c.query_row("SELECT id FROM users WHERE username = 'bob'", (), |r| {
            r.get(0)
        })?;
        c.execute(
            "INSERT INTO notify_jobs (message_id, mentions) VALUES (?1, ?2)",
            causerie::params![first, id.to_string()],
        )?;
        Ok(id)
    });
    assert!(bob_id > 0);
    let app = App::start_at(dir, db, None).await;
    let bob = crate::live::logged_in(&app, "bob").await;
    wait_bell(&app, &bob, 1).await;
    let left: i64 = with_db(&app.db_path, |c| {
        c.query_row("SELECT count(*) FROM notify_jobs", (), |r| r.get(0))
    });
    assert_eq!(left, 0, "the job went with its notifications");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_mentions_in_one_message() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        ..
    } = cast().await;
    let mut members = vec![bob];
    for i in 0..21 {
        members.push(registered(&app, &format!("m{i:02}")).await);
    }
    // 22 members first, then 1,000 names no one has.
    let mut body: String = std::iter::once("bob".to_string())
        .chain((0..21).map(|i| format!("m{i:02}")))
        .map(|n| format!("@{n} "))
        .collect();
    for i in 0..1000 {
        body.push_str(&format!("@ghost{i:04} "));
    }
    assert!(body.len() < 20_000);
    let topic = app
        .create_topic(&alice.http, forum, "Roll call", &body)
        .await;
    let (_, page) = app.get_text(&alice.http, &format!("/topics/{topic}")).await;
    assert!(page.matches("href=\"/users/m").count() >= 21);
    // The first 20 distinct members are notified; the rest are not.
    app.reply(&members[21].http, topic, "sentinel @alice").await;
    wait_bell(&app, &alice, 1).await;
    let mut notified = 0;
    for m in &members {
        notified += bell_on(&app, m, "/").await;
    }
    assert_eq!(notified, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_topic_is_notified_in_the_reply_a_large_one_by_the_worker() {
    let Cast {
        app,
        forum,
        alice,
        bob,
        carol,
    } = cast().await;
    let count = |message: i64| {
        with_db(&app.db_path, move |c| {
            c.query_row(
                "SELECT count(*) FROM notifications WHERE message_id = ?1",
                [message],
                |r| r.get::<_, i64>(0),
            )
        })
    };
    // A topic of two: bob's reply tells alice in its own transaction, so
    // her notification is there as the reply is answered, no job left.
    let small = app
        .create_topic(&alice.http, forum, "Small", "Opening")
        .await;
    let reply = app.reply(&bob.http, small, "Hello").await;
    assert_eq!(count(reply), 1, "written with the reply");
    let jobs: i64 = with_db(&app.db_path, |c| {
        c.query_row("SELECT count(*) FROM notify_jobs", (), |r| r.get(0))
    });
    assert_eq!(jobs, 0);
    wait_bell(&app, &alice, 1).await;
    // A topic of 72 members: left to the worker, which tells all 71 others.
    let large = app
        .create_topic(&carol.http, forum, "Large", "Opening")
        .await;
    with_db(&app.db_path, move |c| {
        for k in 0..70 {
            let id: i64 = c.query_row(
                "INSERT INTO users (username, password_hash, created_at)
                 VALUES (?1, 'x', 0) RETURNING id",
                causerie::params![format!("member{k}")],
                |r| r.get(0),
            )?;
            c.execute(
                "INSERT INTO topic_members (topic_id, user_id, level) VALUES (?1, ?2, 1)",
                causerie::params![large, id],
            )?;
        }
        Ok(())
    });
    let reply = app.reply(&bob.http, large, "Hello all").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count(reply) < 71 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker told {} of 71",
            count(reply)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count(reply), 71, "carol and the 70, not bob");
    // carol's bell rings: the worker's counts reach the bells too.
    wait_bell(&app, &carol, 1).await;
}
