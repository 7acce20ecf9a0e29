//! Nothing acknowledged is lost: a reply answered 303 is in the database
//! after the server process is killed outright; the write-ahead log stays
//! under its limit however much is written.

use std::time::Duration;

use crate::common::*;
use reqwest::StatusCode;

/// The real binary, killed with SIGKILL while replies are in flight: every
/// reply it answered 303 is there when the forum starts again on its file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_answered_before_a_kill_9_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("causerie.db");
    let Binary {
        process: mut server,
        base,
        ..
    } = spawn_server(&db_path, "error").await;
    let admin = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let seed = async |path: &str, form: &[(&str, &str)], marker: &str| {
        let r = admin
            .post(format!("{base}{path}"))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "POST {path}");
        id_after(&location(&r), marker)
    };
    let login = account_fields("admin", ADMIN_PASSWORD);
    let r = admin
        .post(format!("{base}/login"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "admin login");
    let forum = seed("/admin/forums", &forum_fields("Kept", "Kept"), "/forums/").await;
    let topics = format!("/forums/{forum}/topics");
    let topic = seed(&topics, &topic_fields("Replies", "Opening"), "/topics/").await;

    // Replies from 8 clients at once; the kill lands once 40 are answered,
    // with more in flight.
    let (answered_tx, mut answered) = tokio::sync::mpsc::unbounded_channel();
    let mut posters = Vec::new();
    for client in 0..8 {
        let (c, url, answered_tx) = (admin.clone(), base.clone(), answered_tx.clone());
        posters.push(tokio::spawn(async move {
            for n in 0.. {
                let body = format!("kept-{client}-{n}");
                let r = c
                    .post(format!("{url}/topics/{topic}/messages"))
                    .form(&[("body", body.as_str())])
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() != StatusCode::SEE_OTHER {
                    return;
                }
                let id = id_after(&location(&r), "#message-");
                if answered_tx.send((id, body)).is_err() {
                    return;
                }
            }
        }));
    }
    drop(answered_tx);
    let mut kept = Vec::new();
    while kept.len() < 40 {
        kept.push(answered.recv().await.expect("replies are answered"));
    }
    let pid = server.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("the process dies")
        .unwrap();
    assert!(!status.success(), "killed, not stopped: {status}");
    for p in posters {
        p.await.unwrap();
    }
    // Answers that left before the kill landed count too.
    while let Ok(reply) = answered.try_recv() {
        kept.push(reply);
    }

    let app = App::start_at(dir, db_path, None).await;
    let visitor = app.client();
    for (id, body) in &kept {
        let r = app
            .assert_get(
                "visitor",
                &visitor,
                &format!("/messages/{id}"),
                StatusCode::SEE_OTHER,
            )
            .await;
        let page = location(&r);
        let page = page.split('#').next().unwrap();
        let (_, html) = app.get_text(&visitor, page).await;
        assert!(
            element(&html, &format!("message-{id}")).contains(body.as_str()),
            "reply {id} ({body}) answered 303 before the kill"
        );
    }
}

/// With a small limit and no passive checkpoint to help, hundreds of replies
/// from several clients: the WAL file never holds more than the limit plus
/// what one batch of writes adds before the writer checks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_under_its_limit() {
    if on_pg() {
        eprintln!(
            "SQLite only: the WAL limit is about SQLite's -wal file; PostgreSQL keeps its own WAL"
        );
        return;
    }
    const LIMIT: u64 = 256 << 10;
    let app = App::start_configured(|c| {
        c.db.wal_limit = LIMIT;
        c.db.checkpoint_every = Duration::from_secs(3600);
    })
    .await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Bulk").await;
    let topic = app
        .create_topic(&admin, forum, "Long replies", "Opening")
        .await;
    let wal = app.db_path.with_file_name("causerie.db-wal");
    let wal_size = move || std::fs::metadata(&wal).map_or(0, |m| m.len());

    let long = "A reply of some length, written to fill pages. ".repeat(40);
    let app = std::sync::Arc::new(app);
    let mut clients = Vec::new();
    for client in 0..4 {
        let (app, admin, long, wal_size) =
            (app.clone(), admin.clone(), long.clone(), wal_size.clone());
        clients.push(tokio::spawn(async move {
            let mut largest = 0;
            for n in 0..100 {
                app.reply(&admin, topic, &format!("{client}-{n} {long}"))
                    .await;
                largest = largest.max(wal_size());
            }
            largest
        }));
    }
    let mut largest = 0;
    for c in clients {
        largest = largest.max(c.await.unwrap());
    }
    let db_size = std::fs::metadata(&app.db_path).unwrap().len();
    println!("WAL at most {largest} bytes; database {db_size} bytes");
    assert!(
        db_size > 2 * LIMIT,
        "the replies went through to the database file ({db_size} bytes)"
    );
    // All of it would not fit under the bound: the WAL was emptied on the way.
    // One batch holds at most 4 replies here, with what they write to the
    // search index (a new segment each commit, and now and then a merge of
    // the older ones): up to 300 KB past the limit seen here, against 50 KB
    // with the index's triggers dropped. Well under two more LIMITs.
    assert!(
        largest <= 3 * LIMIT,
        "WAL at {largest} bytes, over its limit of {LIMIT} and a batch"
    );
}
