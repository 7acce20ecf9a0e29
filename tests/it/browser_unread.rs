//! Read and unread in real headless Chromium (what `browser.rs` needs, this
//! needs): bob keeps his forum page and, in a second window, his home page
//! open while alice replies through her browser. His "N new" marker and the
//! forum's "new" appear live, with the right count and the link to the first
//! message he has not read; the marker stays through the live morphs of the
//! topic list (`hx-preserve`); following the link lands on that message, on
//! its page, and the marker is gone from his forum page and, once he has
//! read everything, from his home page.

use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};

use crate::browser::{
    Driver, INSTRUMENT, SOCKET_OPEN, SOCKET_STATE, TOPIC_IDS, click_reply, js, log_in, no_errors,
    open_live, topic_order, wait_topic_order, wait_until,
};
use crate::common::*;

/// Console errors and warnings (htmx reports there, e.g. an out-of-band
/// target it did not find) go to `window.__log`, which `no_errors` reads.
const CONSOLE: &str = r#"
    for (const level of ['error', 'warn']) {
        const original = console[level].bind(console);
        console[level] = (...args) => {
            window.__log.push(level + ' console ' + args.map(String).join(' ').slice(0, 300));
            original(...args);
        };
    }
    window.addEventListener('unhandledrejection', e => window.__log.push('error rejection ' + e.reason));
    return true;
"#;

/// Instruments the page now in `c` and waits for its live socket.
async fn instrument(c: &Client, what: &str) {
    assert_eq!(js(c, INSTRUMENT).await, "true");
    assert_eq!(js(c, CONSOLE).await, "true");
    wait_until(
        c,
        &format!("the live socket of {what} to open"),
        SOCKET_OPEN,
        SOCKET_STATE,
    )
    .await;
}

/// Opens `path`, instrumented, its socket open.
async fn open(c: &Client, app: &App, path: &str) {
    open_live(c, app, path).await;
    assert_eq!(js(c, CONSOLE).await, "true");
}

/// A topic's marker on a forum page, as `href|badge` (`|` alone: no badge;
/// null: no marker element), and checks it sits once, in the topic's row.
fn topic_marker(topic: i64) -> String {
    format!(
        "(() => {{
            const all = document.querySelectorAll('[id=\"topic-link-{topic}\"]');
            if (all.length !== 1) return 'found ' + all.length;
            const s = all[0];
            if (s.closest('li.topic')?.id !== 'topic-{topic}') return 'outside its row';
            const b = s.querySelectorAll('.badge.new');
            return s.querySelector('a')?.getAttribute('href') + '|'
                + [...b].map(x => x.textContent).join('+');
        }})()"
    )
}

/// The "new" beside a forum on home ('' when none; null: no marker element).
fn forum_marker(forum: i64) -> String {
    format!("(document.getElementById('forum-new-{forum}')?.textContent.trim() ?? null)")
}

async fn wait_marker(c: &Client, what: &str, script: &str, expected: &str) {
    wait_until(
        c,
        what,
        &format!("return {script} === '{expected}'"),
        &format!("return {script}"),
    )
    .await;
}

/// Waits until the browser is on `path`.
async fn wait_for_path(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == path && js(c, "return document.readyState").await == "\"complete\"" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still on {url}, waiting for {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn to(c: &Client, window: &WindowHandle) {
    c.switch_to_window(window.clone()).await.unwrap();
}

/// The messages of `topic` in the database, in order.
fn message_ids(app: &App, topic: i64) -> Vec<i64> {
    with_db(&app.db_path, |c| {
        c.prepare("SELECT id FROM messages WHERE topic_id = ?1 ORDER BY id")?
            .query_map([topic], |r| r.get(0))?
            .collect()
    })
}

/// Waits until `topic` holds `n` messages; returns the last one's id.
async fn wait_messages(app: &App, topic: i64, n: usize) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ids = message_ids(app, topic);
        if ids.len() == n {
            return *ids.last().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "topic {topic} holds {} messages, waiting for {n}",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `text` into the page's reply form and posts it.
async fn reply_through_form(c: &Client, text: &str) {
    c.find(Locator::Css("#reply-form textarea[name=body]"))
        .await
        .expect("the reply field")
        .send_keys(text)
        .await
        .unwrap();
    click_reply(c).await;
}

/// Clicks `topic`'s link on the forum page in `c`; checks it lands on
/// `landing` (path, query and fragment) with that message in the page, and
/// in view.
async fn follow_marker(c: &Client, topic: i64, landing: &str, message: i64) {
    c.find(Locator::Css(&format!("#topic-link-{topic} a")))
        .await
        .expect("the topic's link")
        .click()
        .await
        .unwrap();
    wait_for_path(c, &format!("/topics/{topic}")).await;
    let url = c.current_url().await.unwrap();
    let got = format!(
        "{}{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default(),
        url.fragment().map(|f| format!("#{f}")).unwrap_or_default()
    );
    assert_eq!(got, landing, "where the marker's link leads");
    instrument(c, &format!("topic {topic}")).await;
    let seen = js(
        c,
        &format!(
            "const m = document.getElementById('message-{message}');\
             if (!m) return 'missing';\
             const r = m.getBoundingClientRect();\
             return r.top >= -2 && r.top < innerHeight ? 'in view' : 'at ' + r.top"
        ),
    )
    .await;
    assert_eq!(seen, "\"in view\"", "message {message} on the landing page");
    no_errors(c, &format!("topic {topic}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_markers_in_real_browsers() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice_http = app.member("alice").await;
    app.member("bob").await;
    let carol = app.member("carol").await;
    // Topic A fills its first page (20 messages); B is more recent.
    let a = app
        .create_topic(&alice_http, forum, "Plans", "Opening message")
        .await;
    for i in 1..20 {
        app.reply(&alice_http, a, &format!("Earlier reply {i}"))
            .await;
    }
    let b = app
        .create_topic(&carol, forum, "Other business", "Something else")
        .await;
    let forum_path = format!("/forums/{forum}");

    let (alice, bob) = tokio::join!(driver.browser(1200, 900), driver.browser(1200, 900));
    tokio::join!(
        log_in(&alice, &app, "alice", PASSWORD),
        log_in(&bob, &app, "bob", PASSWORD)
    );
    // Bob has read both topics.
    for t in [a, b] {
        bob.goto(&app.url(&format!("/topics/{t}"))).await.unwrap();
    }
    // His home in a second window, his forum page in the first; both stay open.
    let forum_window = bob.window().await.unwrap();
    let home_window = bob.new_window(false).await.unwrap().handle;
    to(&bob, &home_window).await;
    open(&bob, &app, "/").await;
    assert_eq!(
        js(&bob, "return document.visibilityState").await,
        "\"visible\"",
        "bob's home window is visible (a hidden page closes its socket)"
    );
    wait_marker(&bob, "no 'new' on bob's home", &forum_marker(forum), "").await;
    to(&bob, &forum_window).await;
    open(&bob, &app, &forum_path).await;
    assert_eq!(
        js(&bob, "return document.visibilityState").await,
        "\"visible\""
    );
    assert_eq!(
        js(&bob, TOPIC_IDS).await.trim_matches('"'),
        topic_order(&[b, a])
    );
    for t in [a, b] {
        wait_marker(
            &bob,
            "no marker on bob's forum page",
            &topic_marker(t),
            &format!("/topics/{t}|"),
        )
        .await;
    }
    // Marked: a live swap or morph that replaced the element would lose it.
    js(
        &bob,
        &format!("document.getElementById('topic-link-{a}').__kept = true; return true"),
    )
    .await;

    // Alice replies to A through her browser: message 21, first of page 2.
    open(&alice, &app, &format!("/topics/{a}")).await;
    reply_through_form(&alice, "Alice's reply, in a real browser").await;
    let first_unread = wait_messages(&app, a, 21).await;
    let landing = format!("/topics/{a}?page=2#message-{first_unread}");
    // Bob's forum page: A comes to the top, with "1 new" linking to it.
    wait_topic_order(&bob, "A to come to the top of bob's forum page", &[a, b]).await;
    wait_marker(
        &bob,
        "'1 new' on A, live",
        &topic_marker(a),
        &format!("{landing}|1 new"),
    )
    .await;
    wait_marker(
        &bob,
        "no marker on B",
        &topic_marker(b),
        &format!("/topics/{b}|"),
    )
    .await;

    // A second reply, from the page she landed on: "2 new", same link.
    wait_for_path(&alice, &format!("/topics/{a}")).await;
    assert_eq!(
        js(&alice, "return location.search + location.hash").await,
        format!("\"?page=2#message-{first_unread}\""),
        "alice's reply took her to it, on page 2"
    );
    instrument(&alice, "alice's topic page 2").await;
    reply_through_form(&alice, "And one more").await;
    wait_messages(&app, a, 22).await;
    wait_marker(
        &bob,
        "'2 new' on A, live",
        &topic_marker(a),
        &format!("{landing}|2 new"),
    )
    .await;
    // Bob's home, in the other window, says the forum holds something new.
    to(&bob, &home_window).await;
    wait_marker(&bob, "'new' on bob's home", &forum_marker(forum), "new").await;
    to(&bob, &forum_window).await;

    // Carol replies to B: the shared list is morphed (B to the top), and A's
    // marker, which no frame sends again, stays: the same element.
    let b_reply = app.reply(&carol, b, "Carol, elsewhere").await;
    wait_topic_order(&bob, "B to come to the top", &[b, a]).await;
    wait_marker(
        &bob,
        "'1 new' on B",
        &topic_marker(b),
        &format!("/topics/{b}#message-{b_reply}|1 new"),
    )
    .await;
    assert_eq!(
        js(&bob, &format!("return {}", topic_marker(a))).await,
        format!("\"{landing}|2 new\""),
        "A's marker survives the morph of the list"
    );
    assert_eq!(
        js(
            &bob,
            &format!("return document.getElementById('topic-link-{a}').__kept === true")
        )
        .await,
        "true",
        "A's marker is the element that was there (data-hx-preserve)"
    );
    assert_eq!(
        js(&bob, "return window.__marker").await,
        "42",
        "bob's forum page was not reloaded"
    );
    no_errors(&bob, "bob's forum page").await;

    // Bob follows A's link: page 2, at the first message he has not read.
    follow_marker(&bob, a, &landing, first_unread).await;
    // Back on the forum page: A has no marker; B still has its own. Chromium
    // may restore the page from its back/forward cache as it was, "2 new"
    // and all: its socket, closed on leaving, opens again and its catch-up
    // sets the markers (or the frame sent as A was read landed in time).
    bob.back().await.unwrap();
    wait_for_path(&bob, &forum_path).await;
    instrument(&bob, "bob's forum page, back").await;
    wait_marker(
        &bob,
        "no marker on A",
        &topic_marker(a),
        &format!("/topics/{a}|"),
    )
    .await;
    wait_marker(
        &bob,
        "B's marker",
        &topic_marker(b),
        &format!("/topics/{b}#message-{b_reply}|1 new"),
    )
    .await;
    // Home: B is still unread.
    to(&bob, &home_window).await;
    assert_eq!(
        js(&bob, &format!("return {}", forum_marker(forum))).await,
        "\"new\""
    );
    to(&bob, &forum_window).await;

    // B read too: no marker left, and the forum's "new" goes from home, live.
    follow_marker(&bob, b, &format!("/topics/{b}#message-{b_reply}"), b_reply).await;
    bob.back().await.unwrap();
    wait_for_path(&bob, &forum_path).await;
    instrument(&bob, "bob's forum page, back again").await;
    for t in [a, b] {
        wait_marker(
            &bob,
            "no marker left",
            &topic_marker(t),
            &format!("/topics/{t}|"),
        )
        .await;
    }
    bob.refresh().await.unwrap();
    wait_for_path(&bob, &forum_path).await;
    instrument(&bob, "bob's forum page, reloaded").await;
    for t in [a, b] {
        wait_marker(
            &bob,
            "no marker after a reload",
            &topic_marker(t),
            &format!("/topics/{t}|"),
        )
        .await;
    }
    to(&bob, &home_window).await;
    wait_marker(&bob, "no 'new' left on home", &forum_marker(forum), "").await;
    assert_eq!(
        js(&bob, "return window.__marker").await,
        "42",
        "bob's home was not reloaded"
    );
    no_errors(&bob, "bob's home").await;
    to(&bob, &forum_window).await;
    no_errors(&bob, "bob's forum page").await;
    no_errors(&alice, "alice's topic page").await;

    for c in [alice, bob] {
        let _ = c.close().await;
    }
    drop(driver);
}
