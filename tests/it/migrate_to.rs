//! `causerie migrate-to postgres://...`, the real binary end to end: a
//! forum written through a server on an SQLite file (members, an avatar,
//! topics with accented text, a mention's notification, a deleted message,
//! sessions) is copied into a fresh PostgreSQL database while that server
//! still runs; a server on PostgreSQL then shows the same forum, topics and
//! messages, keeps members logged in, lets them log in with their
//! passwords, finds an accented word, rings the bell, serves the avatar and
//! gives new rows fresh ids. Refused (exit 1, nothing written): a target
//! that holds data, a file at another schema version, a missing file.
//!
//! Runs only when `CAUSERIE_TEST_PG` names a PostgreSQL server (the SQLite
//! source is then built by the binary on a file of its own, not by
//! `App::start`, which would use PostgreSQL).

use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

use reqwest::{Client, StatusCode};

use crate::common::*;

/// The `causerie` binary on `db` (a file or a URL), rates high enough for
/// a test's bursts; killed when dropped.
struct Server {
    _process: tokio::process::Child,
    base: String,
}

impl Server {
    async fn start(db: &OsStr) -> Server {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_causerie"))
            .env("CAUSERIE_ADDR", format!("127.0.0.1:{port}"))
            .env("CAUSERIE_DB", db)
            .env("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CAUSERIE_REGISTER_RATE", "1000/1s")
            .env("CAUSERIE_POST_RATE", "1000/1s")
            .env("CAUSERIE_NEW_ACCOUNT_POST_RATE", "1000/1s")
            .env("CAUSERIE_SEARCH_RATE", "1000/1s")
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("the causerie binary starts");
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&base).await;
        Server {
            _process: process,
            base,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, c: &Client, path: &str) -> String {
        let r = c.get(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    /// POSTs `form`, asserts the 303; returns where it sends the browser.
    async fn post(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> String {
        let r = c.post(self.url(path)).form(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "POST {path}");
        location(&r)
    }

    async fn login(&self, username: &str, password: &str) -> Client {
        let c = client();
        self.post(&c, "/login", &account_fields(username, password))
            .await;
        c
    }

    async fn register(&self, username: &str) -> Client {
        let c = client();
        self.post(
            &c,
            "/register",
            &register_fields(username, PASSWORD, PASSWORD),
        )
        .await;
        c
    }

    async fn reply(&self, c: &Client, topic: i64, body: &str) -> i64 {
        let to = self
            .post(c, &format!("/topics/{topic}/messages"), &[("body", body)])
            .await;
        id_after(&to, "#message-")
    }

    async fn topic(&self, c: &Client, forum: i64, title: &str, body: &str) -> i64 {
        let to = self
            .post(
                c,
                &format!("/forums/{forum}/topics"),
                &topic_fields(title, body),
            )
            .await;
        id_after(&to, "/topics/")
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Runs `f` with a connection to the test server's maintenance database,
/// on a thread of its own (the synchronous client's runtime).
fn on_server<T: Send + 'static>(f: impl FnOnce(&mut postgres::Client) -> T + Send + 'static) -> T {
    let admin = pg_server().expect("CAUSERIE_TEST_PG");
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the test PostgreSQL server answers");
        f(&mut client)
    })
    .join()
    .expect("PostgreSQL call")
}

/// A fresh, empty database on the test server; its URL. Dropped with
/// `drop_database`.
fn fresh_database(name: &str) -> String {
    let create = name.to_string();
    on_server(move |c| {
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {create} WITH (FORCE)"))
            .expect("no test database left");
        c.batch_execute(&format!("CREATE DATABASE {create}"))
            .expect("a test database");
    });
    let server = pg_server().unwrap();
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

fn drop_database(name: &str) {
    let name = name.to_string();
    on_server(move |c| {
        let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    });
}

/// Whether the database at `url` has a `users` table.
fn has_schema(url: &str) -> bool {
    let url = url.to_string();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query_one("SELECT to_regclass('users') IS NOT NULL", &[])
            .unwrap()
            .get(0)
    })
    .join()
    .unwrap()
}

/// `causerie migrate-to url` on the SQLite file `file`: exit code, stdout,
/// stderr.
async fn migrate(file: &Path, url: &str) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_causerie"))
        .arg("migrate-to")
        .arg(url)
        .env("CAUSERIE_DB", file)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the causerie binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What a visitor sees of the forum: each page's ids, in order.
async fn snapshot(s: &Server, forum: i64, topics: &[i64]) -> Vec<(String, Vec<i64>)> {
    let visitor = client();
    let mut seen = vec![("/".to_string(), ids(&s.get(&visitor, "/").await, "forum-"))];
    let path = format!("/forums/{forum}");
    seen.push((path.clone(), ids(&s.get(&visitor, &path).await, "topic-")));
    for t in topics {
        let path = format!("/topics/{t}");
        seen.push((path.clone(), ids(&s.get(&visitor, &path).await, "message-")));
    }
    seen
}

/// Whether `html`'s bell shows something unread.
fn bell_rings(html: &str) -> bool {
    !element(html, "bell").contains("none unread")
}

#[tokio::test]
async fn a_forum_moves_from_sqlite_to_postgres_whole() {
    if !on_pg() {
        eprintln!("migrate_to: skipped (set CAUSERIE_TEST_PG to a PostgreSQL URL to run it)");
        return;
    }
    let suffix = format!("{:x}", rand_suffix());
    let target = format!("mig_t{suffix}");
    let _dropped = DropDatabase(target.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forum.db");

    // ---- The forum, on SQLite, through the server.
    let lite = Server::start(file.as_os_str()).await;
    let admin = lite.login("admin", ADMIN_PASSWORD).await;
    let to = lite
        .post(
            &admin,
            "/admin/forums",
            &forum_fields("Café", "Où l'on cause"),
        )
        .await;
    let forum = id_after(&to, "/forums/");
    let alice = lite.register("alice").await;
    let bob = lite.register("bob").await;
    let (status, _) = upload_avatar(&lite, &alice).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "avatar uploaded");
    let first = lite
        .topic(
            &alice,
            forum,
            "Réunion au château",
            "Les élèves arrivent à huit heures, près de la forêt.",
        )
        .await;
    let second = lite
        .topic(&bob, forum, "Deuxième sujet", "Un message ordinaire.")
        .await;
    let mut replies = Vec::new();
    for i in 0..5 {
        replies.push(
            lite.reply(&bob, first, &format!("Réponse numéro {i}."))
                .await,
        );
    }
    let mention = lite
        .reply(&bob, second, "@alice à bientôt, dit le garçon.")
        .await;
    // A message deleted: its id is a gap, its topic's counters move back.
    lite.post(&admin, &format!("/messages/{}/delete", replies[2]), &[])
        .await;
    // Notifications are written by the worker: wait for alice's five (the
    // mention, and the four replies to her topic left after the deletion).
    let mut notified = Vec::new();
    for _ in 0..100 {
        notified = ids(&lite.get(&alice, "/notifications").await, "notification-");
        if notified.len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(notified.len(), 5, "alice's notifications");
    assert!(bell_rings(&lite.get(&alice, "/").await), "alice's bell");
    let topics = [first, second];
    let before = snapshot(&lite, forum, &topics).await;
    assert_eq!(before[0].1, vec![forum]);
    assert_eq!(before[1].1.len(), 2, "two topics: {before:?}");
    assert_eq!(
        before[2].1.len(),
        5,
        "the first topic's messages: {before:?}"
    );
    let last_message = *before[2..].iter().flat_map(|(_, v)| v).max().unwrap();
    let alice_page = lite.get(&alice, "/users/alice").await;
    let avatar = avatar_path(&alice_page);

    // ---- Refused: a missing file, a file at another version (nothing
    // written to the target either time).
    let url = fresh_database(&target);
    let (code, _, err) = migrate(&dir.path().join("nothing.db"), &url).await;
    assert_eq!(code, 1, "a missing file: {err}");
    assert!(err.contains("no SQLite database"), "{err}");
    let old = dir.path().join("old.db");
    {
        let c = rusqlite::Connection::open(&old).unwrap();
        c.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY); PRAGMA user_version = 8;")
            .unwrap();
    }
    let (code, _, err) = migrate(&old, &url).await;
    assert_eq!(code, 1, "an old version: {err}");
    assert!(err.contains("start the server once"), "{err}");
    assert!(!has_schema(&url), "nothing written to the target");

    // ---- The move, while the SQLite server still runs.
    let (code, out, err) = migrate(&file, &url).await;
    assert_eq!(code, 0, "migrate-to: {out}\n{err}");
    assert!(out.contains("rows/s"), "a summary: {out}");
    assert!(out.contains("messages: 7 rows"), "each table's rows: {out}");

    // Into a database that holds data: refused, nothing changed.
    let (code, _, err) = migrate(&file, &url).await;
    assert_eq!(code, 1, "a second run: {err}");
    assert!(err.contains("already holds causerie data"), "{err}");
    drop(lite);

    // ---- The forum on PostgreSQL.
    let pg = Server::start(OsStr::new(&url)).await;
    assert_eq!(
        snapshot(&pg, forum, &topics).await,
        before,
        "the same pages"
    );
    let page = pg.get(&client(), &format!("/topics/{first}")).await;
    assert!(
        page.contains("Les élèves arrivent à huit heures, près de la forêt.")
            && page.contains("Réponse numéro 4.")
            && !page.contains("Réponse numéro 2."),
        "{page}"
    );
    assert!(pg.get(&client(), "/").await.contains("Café"));
    // Sessions were copied: bob is still logged in, alice still hears the
    // bell (the cookies are per host, not per port).
    let account = bob.get(pg.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK, "bob's session kept");
    // (The bell as /notifications shows it: a member's home and topic
    // pages on PostgreSQL run into reads/queries.rs's two-argument max(),
    // SQLite-only, outside this test's subject.)
    let notes = pg.get(&alice, "/notifications").await;
    assert!(bell_rings(&notes), "alice's bell kept");
    assert_eq!(ids(&notes, "notification-"), notified, "{notes}");
    assert!(notes.contains("Deuxième sujet"), "{notes}");
    // Passwords: a fresh login.
    let alice2 = pg.login("alice", PASSWORD).await;
    let wrong = client()
        .post(pg.url("/login"))
        .form(&account_fields("alice", "wrong-password"))
        .send()
        .await
        .unwrap();
    assert_ne!(wrong.status(), StatusCode::SEE_OTHER, "a wrong password");
    // The avatar, served from PostgreSQL.
    let r = client().get(pg.url(&avatar)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{avatar}");
    assert!(!r.bytes().await.unwrap().is_empty());
    // Search: an accented word, found without its accents, in the
    // search_index the copy built (queried as schema.pg.sql says a search
    // does: this branch's /search still speaks FTS5 only), and every
    // message indexed once.
    assert_eq!(search(&url, "eleves"), vec![first_message(&before)]);
    assert_eq!(search(&url, "garcon"), vec![mention]);
    assert_eq!(
        search(&url, "chateau"),
        vec![first_message(&before)],
        "the title"
    );
    // New rows get fresh ids: the sequences were moved.
    let next = pg.reply(&alice2, first, "Après le déménagement.").await;
    assert_eq!(next, last_message + 1, "the next message id");
    let third = pg.topic(&alice2, forum, "Troisième", "Encore.").await;
    assert_eq!(third, second + 1, "the next topic id");
    pg.register("carol").await;
    let page = pg.get(&client(), &format!("/topics/{first}")).await;
    assert!(ids(&page, "message-").contains(&next), "{page}");
    drop(pg);
}

/// Drops the test's database at the end, passed or failed.
struct DropDatabase(String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        drop_database(&self.0);
    }
}

/// The messages whose search document holds `word` (folded as a search
/// folds it), by id.
fn search(url: &str, word: &str) -> Vec<i64> {
    let (url, word) = (url.to_string(), word.to_string());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query(
            "SELECT message_id FROM search_index
              WHERE doc @@ to_tsquery('simple', unaccent($1)) ORDER BY message_id",
            &[&word],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    })
    .join()
    .unwrap()
}

/// The id of the first topic's opening message (the snapshot's third page).
fn first_message(before: &[(String, Vec<i64>)]) -> i64 {
    before[2].1[0]
}

async fn upload_avatar(s: &Server, c: &Client) -> (StatusCode, String) {
    use reqwest::multipart::{Form, Part};
    let png = crate::avatars::picture(image::ImageFormat::Png, 96, 96, [200, 40, 90]);
    let part = Part::bytes(png).file_name("me.png");
    let r = c
        .post(s.url("/account/avatar"))
        .multipart(Form::new().part("avatar", part))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// The first `/avatars/...png` path in `html`.
fn avatar_path(html: &str) -> String {
    let at = html.find("/avatars/").expect("an avatar in the page");
    let end = html[at..].find(".png").expect("a png") + 4;
    html[at..at + end].to_string()
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}
