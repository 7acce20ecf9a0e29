//! Depth (issue 9): pages stay dense and in order whatever happens before
//! them (deleted messages, replies that reorder topics, deleted topics and
//! forums), `/messages/{id}` lands on the page that holds it, and a version-1
//! database gets its positions and buckets from the migration.

use crate::common::*;
use reqwest::{Client, StatusCode};

/// The ids of `prefix` elements on each page of `base` (20 a page), checking
/// that the page after the last is 404.
async fn pages(app: &App, c: &Client, base: &str, prefix: &str, total: usize) -> Vec<Vec<i64>> {
    let last = total.div_ceil(20).max(1);
    let mut out = Vec::new();
    for page in 1..=last {
        let path = format!("{base}?page={page}");
        let (status, html) = app.get_text(c, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        out.push(ids(&html, prefix));
    }
    let past = format!("{base}?page={}", last + 1);
    app.assert_get("visitor", c, &past, StatusCode::NOT_FOUND)
        .await;
    out
}

/// A topic's pages hold exactly `expected`, 20 a page, in order, and each
/// message's permalink names its page.
async fn assert_topic(app: &App, c: &Client, topic: i64, expected: &[i64]) {
    let base = format!("/topics/{topic}");
    let got = pages(app, c, &base, "message-", expected.len()).await;
    let want: Vec<Vec<i64>> = expected.chunks(20).map(<[i64]>::to_vec).collect();
    assert_eq!(got, want, "the pages of topic {topic}");
    for (index, id) in expected.iter().enumerate() {
        let r = app.get(c, &format!("/messages/{id}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "/messages/{id}");
        let page = index / 20 + 1;
        let expected = if page == 1 {
            format!("{base}#message-{id}")
        } else {
            format!("{base}?page={page}#message-{id}")
        };
        assert_eq!(location(&r), expected, "message #{index}");
    }
}

/// A forum's pages list exactly `expected` (most recent activity first).
async fn assert_forum(app: &App, c: &Client, forum: i64, expected: &[i64]) {
    let got = pages(
        app,
        c,
        &format!("/forums/{forum}"),
        "topic-",
        expected.len(),
    )
    .await;
    let want: Vec<Vec<i64>> = expected.chunks(20).map(<[i64]>::to_vec).collect();
    assert_eq!(got, want, "the pages of forum {forum}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_messages_in_the_middle_keeps_topic_pages_dense() {
    let app = App::start().await;
    let admin = app.admin().await;
    let c = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&admin, forum, "Long", "message 0").await;
    let (_, html) = app.get_text(&c, &format!("/topics/{topic}")).await;
    let mut all = ids(&html, "message-");
    for i in 1..60 {
        all.push(app.reply(&admin, topic, &format!("message {i}")).await);
    }
    assert_topic(&app, &c, topic, &all).await;

    // Gaps on pages 1, 2 and 3: every later message moves up.
    for index in [45, 25, 21, 10] {
        let id = all.remove(index);
        app.delete_message(&admin, id).await;
        app.assert_get(
            "visitor",
            &c,
            &format!("/messages/{id}"),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    assert_topic(&app, &c, topic, &all).await; // 20, 20, 16

    // New replies take the next places: page 3 fills, then page 4 opens.
    for i in 60..65 {
        all.push(app.reply(&admin, topic, &format!("message {i}")).await);
    }
    assert_topic(&app, &c, topic, &all).await; // 20, 20, 20, 1

    // Deleting the newest message closes page 4 again.
    let newest = all.pop().unwrap();
    app.delete_message(&admin, newest).await;
    assert_topic(&app, &c, topic, &all).await;
    app.assert_get(
        "visitor",
        &c,
        &format!("/topics/{topic}?page=4"),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_pages_follow_replies_and_deletions() {
    let app = App::start().await;
    let admin = app.admin().await;
    let c = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let elsewhere = app.create_forum(&admin, "Elsewhere").await;
    let mut created = Vec::new();
    for i in 0..45 {
        created.push(
            app.create_topic(&admin, forum, &format!("Topic {i}"), "body")
                .await,
        );
        if i % 5 == 0 {
            app.create_topic(&admin, elsewhere, &format!("Other {i}"), "body")
                .await;
        }
    }
    // Most recent activity first: the newest topic heads page 1.
    let mut order: Vec<i64> = created.iter().rev().copied().collect();
    assert_forum(&app, &c, forum, &order).await;

    // Replies bring topics from pages 3, 2 and 1 to the top, in reply order.
    let mut replies = Vec::new();
    for index in [2, 30, 44, 10] {
        let t = created[index];
        replies.push(app.reply(&admin, t, "up you go").await);
        order.retain(|&x| x != t);
        order.insert(0, t);
    }
    assert_forum(&app, &c, forum, &order).await;
    // Page 2 is topics 21 to 40 in that order.
    let (_, page2) = app.get_text(&c, &format!("/forums/{forum}?page=2")).await;
    assert_eq!(ids(&page2, "topic-"), order[20..40].to_vec());

    // A topic deleted from page 2: the rest move up, page 3 shrinks.
    let gone = order.remove(25);
    app.delete_topic(&admin, gone).await;
    assert_forum(&app, &c, forum, &order).await;

    // Deleting a topic's only reply sends it back to where its opening puts it.
    let (reply, t) = (replies[1], created[30]);
    app.delete_message(&admin, reply).await;
    // The topics still replied to head the forum in reply order; the others
    // follow by their opening message, newest first, as topic ids go.
    let replied = [created[10], created[44], created[2]];
    assert!(order.contains(&t));
    let mut rest: Vec<i64> = order
        .iter()
        .copied()
        .filter(|x| !replied.contains(x))
        .collect();
    rest.sort_by(|a, b| b.cmp(a));
    order = replied.to_vec();
    order.extend(rest);
    assert_forum(&app, &c, forum, &order).await;

    // Another forum deleted whole: this one is untouched, that one is gone.
    app.assert_post(
        "admin",
        &admin,
        &format!("/admin/forums/{elsewhere}/delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    assert_forum(&app, &c, forum, &order).await;
    app.assert_get(
        "visitor",
        &c,
        &format!("/forums/{elsewhere}"),
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// A version-1 database (no positions, no buckets) with message ids spread
/// over many buckets opens numbered and counted: pages and permalinks are
/// right, and new replies take the next places.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_database_gets_positions_and_buckets() {
    if on_pg() {
        eprintln!(
            "SQLite only: a version-1 database is an old SQLite file; PostgreSQL starts at the current schema"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("causerie.db");
    // Topic k (1 to 30) has messages k * 1000, k * 1000 + 1, ...: topic 1
    // has 45, the others 2; topics 3 and 17 had late replies.
    let mut messages: Vec<(i64, i64)> = Vec::new();
    for k in 1..=30 {
        let n = if k == 1 { 45 } else { 2 };
        messages.extend((0..n).map(|j| (k * 1000 + j, k)));
    }
    messages.extend([(40_000, 17), (50_000, 3)]);
    messages.sort();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../fixtures/schema-v1.sql"))
            .unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'old', '!', 0);
             INSERT INTO forums (id, name, created_at) VALUES (1, 'Old', 0);",
        )
        .unwrap();
        for k in 1..=30 {
            conn.execute(
                "INSERT INTO topics (id, forum_id, author_id, title, created_at)
                 VALUES (?1, 1, 1, 'Topic ' || ?1, 0)",
                [k],
            )
            .unwrap();
        }
        for (id, topic) in &messages {
            conn.execute(
                "INSERT INTO messages (id, topic_id, author_id, body, created_at)
                 VALUES (?1, ?2, 1, 'old message ' || ?1, 0)",
                [id, topic],
            )
            .unwrap();
        }
    }
    let app = App::start_at(dir, path, Some(ADMIN_PASSWORD.to_string())).await;
    let admin = app.admin().await;
    let c = app.client();

    let mut long: Vec<i64> = (1000..1045).collect();
    assert_topic(&app, &c, 1, &long).await;
    let mut order = vec![3, 17];
    order.extend((1..=30).rev().filter(|k| *k != 3 && *k != 17));
    assert_forum(&app, &c, 1, &order).await;

    // A reply after the migration: the 46th message, first in the forum.
    long.push(app.reply(&admin, 1, "new reply").await);
    assert!(long[45] > 50_000);
    assert_topic(&app, &c, 1, &long).await;
    order.retain(|&k| k != 1);
    order.insert(0, 1);
    assert_forum(&app, &c, 1, &order).await;
}
