//! The live layer through a real WebSocket client: each page kind, each kind
//! of change, per-viewer controls, catch-up, order, and slow sockets.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, StatusCode};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use causerie::live::{Heartbeat, OUTBOX_CAPACITY};

use crate::common::*;

/// A logged-in (or visitor) user: an HTTP client and the cookie its sockets send.
pub(crate) struct User {
    pub(crate) http: Client,
    jar: Arc<Jar>,
}

impl User {
    fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        User { http, jar }
    }
    pub(crate) fn cookie_header(&self, app: &App) -> Option<String> {
        self.cookie(app)
    }
    fn cookie(&self, app: &App) -> Option<String> {
        self.jar
            .cookies(&app.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }
}

async fn visitor() -> User {
    User::new()
}

pub(crate) async fn registered(app: &App, name: &str) -> User {
    let u = User::new();
    let form = register_fields(name, PASSWORD, PASSWORD);
    app.assert_post(name, &u.http, "/register", &form, StatusCode::SEE_OTHER)
        .await;
    u
}

pub(crate) async fn admin(app: &App) -> User {
    logged_in_with(app, "admin", ADMIN_PASSWORD).await
}

/// A member who registered earlier, logged in again.
pub(crate) async fn logged_in(app: &App, name: &str) -> User {
    logged_in_with(app, name, PASSWORD).await
}

async fn logged_in_with(app: &App, name: &str, password: &str) -> User {
    let u = User::new();
    let form = account_fields(name, password);
    app.assert_post(name, &u.http, "/login", &form, StatusCode::SEE_OTHER)
        .await;
    u
}

pub(crate) struct Ws {
    pub(crate) stream: WsStream,
}

const WAIT: Duration = Duration::from_secs(10);

pub(crate) async fn connect(app: &App, view: &str, user: &User) -> Ws {
    let url = format!("ws://{}/_ws?view={}", app.addr, urlencode(view));
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = user.cookie(app) {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    let (stream, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("socket connects");
    Ws { stream }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Ws {
    /// The next text frame, or None when the socket ends or `wait` passes.
    pub(crate) async fn next_within(&mut self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => return Some(t.to_string()),
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) | Err(_) => {
                    return None;
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    pub(crate) async fn next(&mut self) -> String {
        self.next_within(WAIT).await.expect("a frame arrives")
    }

    /// Reads frames until one satisfies `pred`; panics after `WAIT`.
    pub(crate) async fn until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some(f) = self
            .next_within(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            if pred(&f) {
                return f;
            }
        }
        panic!("no frame with {what} arrived");
    }

    /// Every frame that arrives within `wait`.
    pub(crate) async fn drain(&mut self, wait: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(f) = self.next_within(wait).await {
            out.push(f);
        }
        out
    }
}

/// A forum (made by `adm`) with one topic, started by `author`; returns
/// (forum, topic).
async fn topic_setup(app: &App, adm: &User, author: &User) -> (i64, i64) {
    let forum = app.create_forum(&adm.http, "Live").await;
    let topic = app
        .create_topic(&author.http, forum, "Hello", "Opening message")
        .await;
    (forum, topic)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_gets_pong_and_socket_page_shows_controls() {
    let app = App::start().await;
    let v = visitor().await;
    let mut ws = connect(&app, "/socket", &v).await;
    ws.stream.send(Message::text("ping")).await.unwrap();
    assert_eq!(ws.next().await, "pong");
    let (status, page) = app.get_text(&v.http, "/socket").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"connect\"") && page.contains("id=\"ping\""));
    assert!(page.contains("data-ws-connect=\"/_ws?view=%2Fsocket\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_opens_its_socket() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let (forum, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    for (path, view) in [
        ("/".to_string(), "%2F".to_string()),
        (format!("/forums/{forum}"), format!("%2Fforums%2F{forum}")),
        (format!("/topics/{topic}"), format!("%2Ftopics%2F{topic}")),
    ] {
        let (_, html) = app.get_text(&a.http, &path).await;
        assert!(
            html.contains(&format!("data-ws-connect=\"/_ws?view={view}\"")),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_on_connect_and_after_reconnect() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let (_, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    let first = app.reply(&a.http, topic, "one").await;

    let mut ws = connect(&app, &format!("/topics/{topic}"), &a).await;
    let catch_up = ws.next().await;
    assert!(catch_up.contains("id=\"messages\" data-hx-swap-oob=\"innerMorph\""));
    // The catch-up holds the message (`element` panics when it is missing).
    assert!(element(&catch_up, &format!("message-{first}")).starts_with("<article"));
    drop(ws);

    // Two replies while the tab is away; reconnecting brings them.
    let second = app.reply(&a.http, topic, "two").await;
    let third = app.reply(&a.http, topic, "three").await;
    let mut ws = connect(&app, &format!("/topics/{topic}"), &a).await;
    let catch_up = ws.next().await;
    let order = ids(&catch_up, "message-");
    assert_eq!(&order[order.len() - 3..], &[first, second, third]);
    // And it is exactly what a reload shows this viewer.
    let (_, page) = app.get_text(&a.http, &format!("/topics/{topic}")).await;
    for id in [first, second, third] {
        let message = format!("message-{id}");
        assert_eq!(element(&catch_up, &message), element(&page, &message));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragment_is_what_a_reload_shows_each_viewer() {
    let app = App::start().await;
    let author = registered(&app, "author").await;
    let other = registered(&app, "other").await;
    let adm = admin(&app).await;
    let vis = visitor().await;
    let (_, topic) = topic_setup(&app, &adm, &author).await;
    let view = format!("/topics/{topic}");
    let mut sockets = Vec::new();
    for u in [&author, &other, &adm, &vis] {
        let mut ws = connect(&app, &view, u).await;
        ws.next().await; // catch-up
        sockets.push(ws);
    }
    let id = app
        .reply(&author.http, topic, "Reply <b>with</b> markup")
        .await;
    let mut frames = Vec::new();
    for ws in &mut sockets {
        frames.push(
            ws.until("the reply", |f| f.contains(&format!("id=\"message-{id}\"")))
                .await,
        );
    }
    let edit = format!("/messages/{id}/edit");
    let delete = format!("/messages/{id}/delete");
    let quote = "?quote=";
    let has = |f: &str| (f.contains(&edit), f.contains(&delete), f.contains(quote));
    assert_eq!(has(&frames[0]), (true, false, true), "author: edit, quote");
    assert_eq!(has(&frames[1]), (false, false, true), "other member: quote");
    assert_eq!(has(&frames[2]), (true, true, true), "admin: everything");
    assert_eq!(has(&frames[3]), (false, false, false), "visitor: nothing");
    assert!(frames[0].contains("Reply &lt;b&gt;with&lt;/b&gt; markup"));
    let message = format!("message-{id}");
    for (u, f) in [&author, &other, &adm, &vis].into_iter().zip(&frames) {
        let (_, page) = app.get_text(&u.http, &view).await;
        assert_eq!(element(f, &message), element(&page, &message));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_quick_replies_arrive_once_in_commit_order() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let b = registered(&app, "bob").await;
    let (_, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    let mut page1 = connect(&app, &format!("/topics/{topic}"), &b).await;
    page1.next().await;

    // Two writers at once: commit order is whatever the database decides.
    let (app_ref, a_ref, b_ref) = (&app, &a, &b);
    let post = |u: &'static str, who: &User| {
        let http = who.http.clone();
        async move {
            let mut ids = Vec::new();
            for i in 0..15 {
                ids.push(app_ref.reply(&http, topic, &format!("{u} {i}")).await);
            }
            ids
        }
    };
    let (mut ids_a, ids_b) = tokio::join!(post("a", a_ref), post("b", b_ref));
    ids_a.extend(ids_b);
    ids_a.sort();
    let posted = ids_a;

    // Page 1 holds the opening message and the first 19 replies; later ones
    // are announced as "N new messages".
    let frames = page1.drain(Duration::from_secs(2)).await;
    let mut seen = Vec::new();
    let mut notices = Vec::new();
    for f in &frames {
        seen.extend(ids(f, "message-"));
        if let Some(i) = f.find(" new message") {
            let n: String = f[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            notices.push(n.chars().rev().collect::<String>().parse::<i64>().unwrap());
        }
    }
    assert_eq!(
        seen,
        posted[..19].to_vec(),
        "page 1: each reply once, in order"
    );
    // Each later reply updates the notice; a notice states the count when the
    // hub read it, so quick replies may be counted together, never backwards.
    assert!(!notices.is_empty() && notices.len() <= 11, "{notices:?}");
    assert!(notices.windows(2).all(|w| w[0] <= w[1]), "{notices:?}");
    assert_eq!(notices.last(), Some(&11), "the last notice counts them all");

    // A socket on page 2 gets the rest, in order.
    let mut page2 = connect(&app, &format!("/topics/{topic}?page=2"), &b).await;
    let catch_up = page2.next().await;
    assert_eq!(ids(&catch_up, "message-"), posted[19..].to_vec());
    let more: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(app.reply(&a.http, topic, &format!("late {i}")).await);
        }
        v
    };
    let got: Vec<i64> = page2
        .drain(Duration::from_secs(1))
        .await
        .iter()
        .flat_map(|f| ids(f, "message-"))
        .collect();
    assert_eq!(got, more);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletes_and_locks_reach_the_topic_page() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let b = registered(&app, "bob").await;
    let adm = admin(&app).await;
    let (_, topic) = topic_setup(&app, &adm, &a).await;
    let id = app.reply(&a.http, topic, "first version").await;
    let message = format!("message-{id}");
    let mut ws = connect(&app, &format!("/topics/{topic}"), &b).await;
    ws.next().await;
    let ok = StatusCode::SEE_OTHER;

    let edit = format!("/messages/{id}/edit");
    let form = [("body", "second version")];
    app.assert_post("alice", &a.http, &edit, &form, ok).await;
    let f = ws.until("the edit", |f| f.contains("second version")).await;
    assert!(f.contains("data-hx-swap=\"upsert\"") && f.contains("edited"));

    let lock = format!("/topics/{topic}/lock");
    app.assert_post("admin", &adm.http, &lock, &[], ok).await;
    let f = ws
        .until("the lock", |f| f.contains("id=\"topic-head\""))
        .await;
    assert!(f.contains("locked"));
    // Bob (a member) may no longer quote in a locked topic: controls follow.
    assert!(!element(&f, &message).contains("?quote="));

    let unlock = format!("/topics/{topic}/unlock");
    app.assert_post("admin", &adm.http, &unlock, &[], ok).await;
    let f = ws
        .until("the unlock", |f| f.contains("id=\"topic-head\""))
        .await;
    assert!(element(&f, &message).contains("?quote="));

    let delete = format!("/messages/{id}/delete");
    app.assert_post("admin", &adm.http, &delete, &[], ok).await;
    let f = ws
        .until("the removal", |f| f.contains("data-hx-swap-oob=\"delete\""))
        .await;
    assert!(f.contains(&format!("id=\"message-{id}\" data-hx-swap-oob=\"delete\"")));

    let delete = format!("/topics/{topic}/delete");
    app.assert_post("admin", &adm.http, &delete, &[], ok).await;
    let f = ws
        .until("the topic's deletion", |f| {
            f.contains("This topic was deleted")
        })
        .await;
    assert!(f.contains("id=\"live-notice\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_topic_page_shows_new_messages_notice() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let (_, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    // A full first page: the opening message and 19 replies.
    for i in 0..19 {
        app.reply(&a.http, topic, &format!("r{i}")).await;
    }
    let mut ws = connect(&app, &format!("/topics/{topic}"), &a).await;
    let catch_up = ws.next().await;
    assert!(
        !element(&catch_up, "pager-box").contains("Page 1"),
        "one page: no page links"
    );

    // The 21st message opens page 2: the notice, and the pager grows.
    app.reply(&a.http, topic, "first of page 2").await;
    let f = ws
        .until("the notice", |f| f.contains("id=\"live-notice\""))
        .await;
    assert!(f.contains("1 new message after this page"), "{f}");
    assert!(f.contains(&format!("/topics/{topic}?page=2")));
    assert!(element(&f, "pager-box").contains("Page 1 of 2"), "{f}");

    // The next one changes the count only: the pager stays as it is.
    app.reply(&a.http, topic, "one more").await;
    let f = ws
        .until("the notice", |f| f.contains("id=\"live-notice\""))
        .await;
    assert!(f.contains("2 new messages after this page"), "{f}");
    assert!(!f.contains("pager-box"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_page_one_reorders_and_keeps_twenty_rows() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "Busy").await;
    let mut topics = Vec::new();
    for i in 0..20 {
        topics.push(
            app.create_topic(&a.http, forum, &format!("Topic {i}"), "body")
                .await,
        );
    }
    let mut ws = connect(&app, &format!("/forums/{forum}"), &a).await;
    let catch_up = ws.next().await;
    assert_eq!(ids(&catch_up, "topic-").len(), 20);

    // A new topic goes on top; the list keeps 20 rows.
    let newest = app.create_topic(&a.http, forum, "Brand new", "body").await;
    let f = ws.until("the new topic", |f| f.contains("Brand new")).await;
    let order = ids(&f, "topic-");
    assert_eq!(order.len(), 20);
    assert_eq!(order[0], newest);
    assert!(f.contains("data-hx-swap-oob=\"innerMorph\""));

    // A reply moves its topic to the top with its new count and last line.
    let old = topics[5];
    app.reply(&a.http, old, "bump").await;
    let f = ws
        .until("the bump", |f| ids(f, "topic-").first() == Some(&old))
        .await;
    let entry = format!("topic-{old}");
    let li = element(&f, &entry);
    assert!(li.contains("1 reply"));
    let (_, page) = app.get_text(&a.http, &format!("/forums/{forum}")).await;
    assert_eq!(element(&page, &entry), li, "same as a reload");

    // A deleted topic leaves the list.
    let delete = format!("/topics/{newest}/delete");
    app.assert_post("admin", &adm.http, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let f = ws
        .until("the deletion", |f| f.contains("id=\"topics\""))
        .await;
    assert!(!ids(&f, "topic-").contains(&newest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_forum_page_is_told_of_newer_activity() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let adm = admin(&app).await;
    let forum = app.create_forum(&adm.http, "Busy").await;
    let mut topics = Vec::new();
    for i in 0..21 {
        topics.push(
            app.create_topic(&a.http, forum, &format!("Topic {i}"), "body")
                .await,
        );
    }
    let mut ws = connect(&app, &format!("/forums/{forum}?page=2"), &a).await;
    let catch_up = ws.next().await;
    assert_eq!(ids(&catch_up, "topic-"), vec![topics[0]]);
    app.reply(&a.http, topics[10], "bump").await;
    let f = ws
        .until("the notice", |f| f.contains("There is newer activity"))
        .await;
    assert!(f.contains(&format!("href=\"/forums/{forum}\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_follows_forums_and_their_activity() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let adm = admin(&app).await;
    let v = visitor().await;
    let mut ws = connect(&app, "/", &v).await;
    ws.next().await;

    let forum = app.create_forum(&adm.http, "Fresh").await;
    let f = ws
        .until("the new forum", |f| {
            f.contains(&format!("id=\"forum-{forum}\""))
        })
        .await;
    assert!(f.contains("Fresh") && f.contains("0 topics"));

    let topic = app.create_topic(&a.http, forum, "First!", "body").await;
    let f = ws.until("the counts", |f| f.contains("1 topic")).await;
    assert!(f.contains("1 message") && f.contains("alice") && f.contains("First!"));
    app.reply(&a.http, topic, "again").await;
    ws.until("the message count", |f| f.contains("2 messages"))
        .await;

    let edit = format!("/admin/forums/{forum}/edit");
    let form = forum_fields("Renamed", "");
    app.assert_post("admin", &adm.http, &edit, &form, StatusCode::SEE_OTHER)
        .await;
    ws.until("the new name", |f| f.contains("Renamed")).await;

    let delete = format!("/admin/forums/{forum}/delete");
    app.assert_post("admin", &adm.http, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let f = ws
        .until("the removal", |f| f.contains("id=\"forums\""))
        .await;
    assert!(!f.contains(&format!("id=\"forum-{forum}\"")));
    let (_, page) = app.get_text(&v.http, "/").await;
    let region = |s: &str| {
        s[s.find("<ul class=\"list\" id=\"forums\"").unwrap()..]
            .split("</ul>")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        region(&f).replace(" data-hx-swap-oob=\"innerMorph\"", ""),
        region(&page)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_and_topic_deletion_reach_their_watchers() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let adm = admin(&app).await;
    let (forum, topic) = topic_setup(&app, &adm, &a).await;
    let mut on_forum = connect(&app, &format!("/forums/{forum}"), &a).await;
    on_forum.next().await;
    let mut on_topic = connect(&app, &format!("/topics/{topic}"), &a).await;
    on_topic.next().await;
    let delete = format!("/admin/forums/{forum}/delete");
    app.assert_post("admin", &adm.http, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    on_forum
        .until("the forum notice", |f| f.contains("This forum was deleted"))
        .await;
    on_topic
        .until("the topic notice", |f| f.contains("This topic was deleted"))
        .await;
}

/// A WebSocket client that completes the handshake and then never reads.
async fn never_reading(app: &App, view: &str) -> TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(app.addr).await.unwrap();
    let req = format!(
        "GET /_ws?view={} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        urlencode(view),
        app.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = [0u8; 1];
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut buf).await.unwrap();
        head.push(buf[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    s
}

/// Alice replies `body` on page 1 of `topic`, then edits it `edits` times,
/// each text numbered; `good`, watching that page, must see every edit.
/// `shown`: how `body` starts once HTML-escaped. Answers how the last edit
/// starts in a frame.
async fn edit_big_reply(
    app: &App,
    alice: &User,
    topic: i64,
    (body, shown): (&str, &str),
    edits: usize,
    good: &mut Ws,
) -> String {
    let id = app.reply(&alice.http, topic, body).await;
    let edit = format!("/messages/{id}/edit");
    let message = format!("message-{id}");
    for i in 0..edits {
        let text = format!("{i} {body}");
        let form = [("body", text.as_str())];
        app.assert_post("alice", &alice.http, &edit, &form, StatusCode::SEE_OTHER)
            .await;
        // The healthy socket keeps up all along.
        let f = good
            .until("the edit", |f| f.contains(&format!("{i} {shown}")))
            .await;
        assert!(element(&f, &message).starts_with("<article"));
    }
    format!("{} {shown}", edits - 1)
}

/// What a stuck socket still delivers once read, up to its end; fails when
/// it is still open `WAIT` later. An open socket keeps getting pings, so the
/// whole read is bounded, not each read.
async fn read_until_closed(stuck: &mut TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + WAIT;
    let mut received = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stuck.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the stuck socket is still open {WAIT:?} after it was read again ({} bytes)",
                received.len()
            ),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_reads_is_closed_and_hurts_no_one() {
    let app = App::start().await;
    let a = registered(&app, "alice").await;
    let (_, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    let view = format!("/topics/{topic}?page=1");
    let mut stuck = never_reading(&app, &view).await;
    let mut good = connect(&app, &view, &a).await;
    good.next().await;

    // Big replies, far more than the stuck socket's queue and buffers hold.
    // Past page 1 they become small notices, so keep page 1 busy with edits.
    let body = "x".repeat(19_000);
    let last = edit_big_reply(&app, &a, topic, (&body, "xxx"), 700, &mut good).await;

    // The stuck socket was cut: reading it now ends before all edits arrived.
    let received = read_until_closed(&mut stuck).await;
    assert!(
        !received.contains(&last),
        "the stuck socket was not cut off"
    );
}

/// A peer that stops answering pings (a closed laptop, a dropped network) is
/// let go after the silence limit; one that answers stays, however quiet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_stops_answering_pings_is_closed() {
    let app = App::start_with_heartbeat(Heartbeat {
        ping_every: Duration::from_millis(200),
        silence_limit: Duration::from_secs(1),
        write_timeout: Duration::from_secs(5),
    })
    .await;
    let v = visitor().await;
    let mut silent = connect(&app, "/", &v).await;
    let mut answering = connect(&app, "/", &v).await;
    for ws in [&mut silent, &mut answering] {
        // The hub has it once its catch-up came; nothing else is due after.
        ws.until("the catch-up", |f| f.contains("id=\"forums\""))
            .await;
    }

    // Reading is what answers pings (the client library pongs as it reads);
    // `silent` reads nothing for two and a half silence limits.
    assert!(
        answering
            .drain(Duration::from_millis(2500))
            .await
            .is_empty()
    );
    answering.stream.send(Message::text("ping")).await.unwrap();
    assert_eq!(
        answering.next().await,
        "pong",
        "the answering socket stays open"
    );

    let deadline = Instant::now() + WAIT;
    let mut pings = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, silent.stream.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => break,
            Ok(Some(Ok(other))) => panic!("unexpected frame {other:?}"),
            Err(_) => panic!("the silent socket is still open after {WAIT:?}"),
        }
    }
    assert!(pings >= 1, "it was pinged before being let go");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_incoming_frames_close_the_socket() {
    let app = App::start().await;
    let v = visitor().await;
    let mut ws = connect(&app, "/socket", &v).await;
    let _ = ws.stream.send(Message::text("x".repeat(64 * 1024))).await;
    assert_eq!(ws.next_within(Duration::from_secs(5)).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_server_says_going_away() {
    let app = App::start().await;
    let v = visitor().await;
    let mut ws = connect(&app, "/", &v).await;
    ws.next().await;
    let stopping = tokio::spawn(app.stop());
    let code = close_code(&mut ws.stream, "the socket").await;
    assert_eq!(code, Some(1001), "going away, so browsers reconnect");
    tokio::time::timeout(WAIT, stopping)
        .await
        .expect("the server stops")
        .unwrap();
}

/// A peer that stops reading while too little is due to overflow its queue:
/// the stalled write closes it, once the write timeout has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_whose_writes_stall_is_closed_after_the_write_timeout() {
    // The outbox holds `OUTBOX_CAPACITY` frames. The stuck socket is
    // due its catch-up, the reply and the edits, fewer than that, and a ping
    // per heartbeat while stalled (a handful before the write timeout): its
    // queue can never overflow. Yet the edits are several times what its
    // kernel buffers hold (about 30 of these frames, on Linux defaults).
    const EDITS: usize = 150;
    const _: () = assert!(EDITS + 2 < OUTBOX_CAPACITY);
    const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
    let beat = Heartbeat {
        ping_every: Duration::from_millis(200),
        // Longer than the whole test: silence is not what closes it.
        silence_limit: Duration::from_secs(60),
        write_timeout: WRITE_TIMEOUT,
    };
    let app = App::start_with_heartbeat(beat).await;
    let a = registered(&app, "alice").await;
    let (_, topic) = topic_setup(&app, &admin(&app).await, &a).await;
    let view = format!("/topics/{topic}?page=1");
    let mut stuck = never_reading(&app, &view).await;
    let mut good = connect(&app, &view, &a).await;
    good.next().await;

    // Big edits of one message on page 1: each `&` is 3 bytes in the form
    // and 5 in the frame (`&amp;`), so 19,000 of them make frames of some
    // 95 kB, and the stuck socket's kernel buffers fill long before the last.
    let body = "&".repeat(19_000);
    let last = edit_big_reply(&app, &a, topic, (&body, "&amp;"), EDITS, &mut good).await;

    // Let the write timeout pass, and heartbeats notice it, before reading:
    // reading drains the buffers and would let the stalled write end.
    tokio::time::sleep(3 * WRITE_TIMEOUT).await;

    // The stuck socket was cut: reading it reaches its end, after what the
    // buffers held, before all edits arrived.
    let received = read_until_closed(&mut stuck).await;
    assert!(
        !received.contains(&last),
        "the stuck socket was not cut off"
    );
}
