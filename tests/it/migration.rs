//! A database of schema version 1 or 2 opens with this build: it is migrated
//! step by step and keeps its data; older messages show as they did.

use reqwest::StatusCode;
use rusqlite::{Connection, params};

use crate::common::*;

const V1: &str = include_str!("../fixtures/schema-v1.sql");
const V2: &str = include_str!("../fixtures/schema-v2.sql");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_database_is_migrated_and_keeps_its_data() {
    if on_pg() {
        eprintln!(
            "SQLite only: schema versions 1 and 2 were SQLite files; PostgreSQL starts at the current schema"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("causerie.db");
    let hash = causerie::auth::password::Hasher::default()
        .hash(PASSWORD.to_string())
        .await
        .unwrap();
    {
        let c = old_database(&path, V1, 1, &hash);
        c.execute_batch(
            "INSERT INTO forums (id, name, description, created_at) VALUES (1, 'Old forum', 'From v1', 1002);
             INSERT INTO topics (id, forum_id, author_id, title, created_at) VALUES (1, 1, 2, 'Old topic', 1003);
             INSERT INTO messages (topic_id, author_id, body, created_at) VALUES (1, 2, 'first from v1', 1004);
             INSERT INTO messages (topic_id, author_id, body, created_at) VALUES (1, 1, 'second from v1', 1005);",
        )
        .unwrap();
    }

    let app = App::start_at(dir, path.clone(), None).await;
    {
        let c = Connection::open(&path).unwrap();
        let version: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, causerie::db::SCHEMA_VERSION);
        let (status, epoch): (String, i64) = c
            .query_row(
                "SELECT status, session_epoch FROM users WHERE username = 'olduser'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), epoch), ("active", 0));
        // Version 3 counted each account's messages.
        let counts: Vec<(String, i64)> = c
            .prepare("SELECT username, message_count FROM users ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            counts,
            [("admin".to_string(), 1), ("olduser".to_string(), 1)]
        );
        // Version 7 made those who posted members of their topics.
        let members: i64 = c
            .query_row(
                "SELECT count(*) FROM topic_members WHERE topic_id = 1 AND level = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(members, 2);
    }

    let visitor = app.client();
    let (status, home) = app.get_text(&visitor, "/").await;
    assert_eq!(status, StatusCode::OK);
    let forum = element(&home, "forum-1");
    assert!(
        forum.contains("Old forum") && forum.contains("From v1"),
        "{forum}"
    );
    let (status, topic) = app.get_text(&visitor, "/topics/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(topic.contains("first from v1") && topic.contains("second from v1"));
    let old_ids = ids(&topic, "message-");
    assert_eq!(old_ids.len(), 2, "{topic}");
    // Version 6 indexed the older messages, and the title with the first.
    let (status, found) = app.get_text(&visitor, "/search?q=v1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&found, "result-"), [old_ids[1], old_ids[0]], "{found}");
    let (_, found) = app.get_text(&visitor, "/search?q=old+topic").await;
    assert_eq!(ids(&found, "result-"), [old_ids[0]], "{found}");

    // Its accounts log in as before, and what the new version adds works.
    let old = app.login("olduser", PASSWORD).await;
    app.reply(&old, 1, "third, after the migration").await;
    let (status, profile) = app.get_text(&visitor, "/users/OldUser").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&profile, "authored-").len(), 2, "{profile}");
    let admin = app.login("admin", PASSWORD).await;
    // ... so a reply there notifies the other who posted before it.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, list) = app.get_text(&admin, "/notifications").await;
        if list.contains("olduser</bdi></strong> replied in") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{list}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.assert_post(
        "admin",
        &admin,
        "/admin/registration",
        &[("mode", "closed")],
        StatusCode::SEE_OTHER,
    )
    .await;
    let (status, _) = app.get_text(&visitor, "/register").await;
    assert_eq!(status, StatusCode::OK);
    app.assert_post(
        "visitor",
        &visitor,
        "/register",
        &register_fields("newcomer", PASSWORD, PASSWORD),
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// Version 2 bodies were plain text (escaped, addresses linked, line breaks
/// and spaces kept). Migrated, each shows exactly as it did: what Markdown
/// would read differently (`*`, `#`, `> `, `1.`, raw HTML) stays as typed,
/// and the source edit shows is untouched. A reply after it is Markdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_database_shows_its_bodies_as_before() {
    if on_pg() {
        eprintln!(
            "SQLite only: schema versions 1 and 2 were SQLite files; PostgreSQL starts at the current schema"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("causerie.db");
    let hash = causerie::auth::password::Hasher::default()
        .hash(PASSWORD.to_string())
        .await
        .unwrap();
    let old = "# not a heading\n*not emphasis* <b>not bold</b>\n> quoted, as typed\n  \
               two spaces, see https://a.b/c_(d).\n\n\n1. not a list";
    let with_controls = "see \u{202e}https://x.y/\0z";
    {
        let c = old_database(&path, V2, 2, &hash);
        c.execute_batch(
            "INSERT INTO forums (id, name, description, created_at) VALUES (1, 'Old forum', '', 1002);
             INSERT INTO topics (id, forum_id, author_id, title, created_at) VALUES (1, 1, 2, 'Old topic', 1003);",
        )
        .unwrap();
        for (position, body) in [old, with_controls].into_iter().enumerate() {
            c.execute(
                "INSERT INTO messages (topic_id, author_id, body, created_at, position)
                 VALUES (1, 2, ?1, 1004, ?2)",
                params![body, position as i64 + 1],
            )
            .unwrap();
        }
    }

    let app = App::start_at(dir, path.clone(), None).await;
    {
        let c = Connection::open(&path).unwrap();
        let version: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, causerie::db::SCHEMA_VERSION);
        let stored: Vec<(String, String)> = c
            .prepare("SELECT body, body_html FROM messages ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored[0].0, old, "the source is kept");
        assert_eq!(stored[1].0, with_controls);
    }

    let visitor = app.client();
    let (status, page) = app.get_text(&visitor, "/topics/1").await;
    assert_eq!(status, StatusCode::OK);
    let shown = ids(&page, "message-");
    let first = element(&page, &format!("message-{}", shown[0]));
    assert!(
        first.contains(
            "<div class=\"body\" dir=\"auto\"><div class=\"plain\"># not a heading\n\
             *not emphasis* &lt;b&gt;not bold&lt;/b&gt;\n&gt; quoted, as typed\n  two spaces, see \
             <a href=\"https://a.b/c_(d)\" rel=\"nofollow ugc noopener noreferrer\">https://a.b/c_(d)</a>.\
             \n\n\n1. not a list</div></div>"
        ),
        "{first}"
    );
    let second = element(&page, &format!("message-{}", shown[1]));
    assert!(
        second.contains(">https://x.y/z</a>") && !second.contains(['\u{202e}', '\0']),
        "{second}"
    );

    // Indexed as they show: what Markdown would have read as markup is text.
    let (_, found) = app
        .get_text(
            &visitor,
            "/search?q=%22not+a+heading%22+%22not+emphasis%22+bold",
        )
        .await;
    assert_eq!(ids(&found, "result-"), [shown[0]], "{found}");
    let (_, found) = app.get_text(&visitor, "/search?q=x.y").await;
    assert_eq!(ids(&found, "result-"), [shown[1]], "{found}");

    // Edit shows the source; a reply is Markdown.
    let old_user = app.login("olduser", PASSWORD).await;
    let (_, edit) = app
        .get_text(&old_user, &format!("/messages/{}/edit", shown[0]))
        .await;
    assert!(
        element(&edit, "edit-form").contains("# not a heading\n*not emphasis* &lt;b&gt;"),
        "{edit}"
    );
    let reply = app.reply(&old_user, 1, "*now emphasis*").await;
    let (_, page) = app.get_text(&visitor, "/topics/1").await;
    assert!(
        element(&page, &format!("message-{reply}")).contains("<p><em>now emphasis</em></p>"),
        "{page}"
    );
}

/// A database of an older `version` made from its `schema`, with an admin
/// and a member whose password hashes to `hash`.
fn old_database(path: &std::path::Path, schema: &str, version: i64, hash: &str) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch(schema).unwrap();
    c.pragma_update(None, "user_version", version).unwrap();
    c.execute(
        "INSERT INTO users (id, username, password_hash, is_admin, created_at)
         VALUES (1, 'admin', ?1, 1, 1000), (2, 'olduser', ?1, 0, 1001)",
        params![hash],
    )
    .unwrap();
    c
}
