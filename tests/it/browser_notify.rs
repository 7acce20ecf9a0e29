//! Notifications in real headless Chromium: bob keeps two tabs open (his
//! home, and his account page, which has no live region but a socket for
//! its bell) while alice mentions him; both bells rise live, with their
//! accessible label. Clicking the bell, then the notification, lands on the
//! message, in view, and the bell goes back to none.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::browser::{Driver, js, log_in, no_errors, open_live, save_png, shoot, wait_until};
use crate::common::*;

/// The bell's badge and label, as `badge|label`.
const BELL: &str = "(() => { const b = document.getElementById('bell'); if (!b) return 'no bell';\
    return (b.querySelector('.bell-count')?.textContent ?? '') + '|' + b.getAttribute('aria-label'); })()";

async fn wait_bell(c: &Client, what: &str, expected: &str) {
    wait_until(
        c,
        what,
        &format!("return {BELL} === '{expected}'"),
        &format!("return {BELL}"),
    )
    .await;
}

async fn wait_for_path(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == path && js(c, "return document.readyState").await == "\"complete\"" {
            return;
        }
        assert!(Instant::now() < deadline, "on {url}, waiting for {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .unwrap();
}

/// A forum with a topic by alice mentioning bob, who is logged in in `bob`
/// with two tabs open; returns the topic and its message.
async fn scene(app: &App, driver: &Driver, bob: &Client) -> (i64, i64) {
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    app.member("bob").await;
    let earlier = app
        .create_topic(&alice, forum, "Earlier", "Nothing for bob")
        .await;
    for i in 0..25 {
        app.reply(&alice, earlier, &format!("filler {i}")).await;
    }
    let _ = driver;
    log_in(bob, app, "bob", PASSWORD).await;
    let first = bob.window().await.unwrap();
    open_live(bob, app, "/").await;
    let second = bob.new_window(true).await.unwrap().handle;
    bob.switch_to_window(second.clone()).await.unwrap();
    open_live(bob, app, "/account").await;
    for w in [&first, &second] {
        bob.switch_to_window(w.clone()).await.unwrap();
        wait_bell(bob, "no unread yet", "|Notifications: none unread").await;
    }
    let topic = app
        .create_topic(
            &alice,
            forum,
            "Plans for the week",
            "Hello @bob, are you in on Thursday?",
        )
        .await;
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    (topic, ids(&page, "message-")[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_rings_the_bell_in_both_tabs_and_leads_to_the_message() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let bob = driver.browser(1200, 900).await;
    let (topic, message) = scene(&app, &driver, &bob).await;
    for w in bob.windows().await.unwrap() {
        bob.switch_to_window(w).await.unwrap();
        wait_bell(&bob, "bob's bell, live", "1|1 unread notification").await;
        no_errors(&bob, "a tab with the bell").await;
    }
    click(&bob, "#bell").await;
    wait_for_path(&bob, "/notifications").await;
    click(&bob, "#notifications .notification-link").await;
    wait_for_path(&bob, &format!("/topics/{topic}")).await;
    let url = bob.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some(format!("message-{message}").as_str()));
    let seen = js(
        &bob,
        &format!(
            "const m = document.getElementById('message-{message}');\
             if (!m) return 'missing';\
             const r = m.getBoundingClientRect();\
             return r.top >= -2 && r.top < innerHeight ? 'in view' : 'at ' + r.top"
        ),
    )
    .await;
    assert_eq!(seen, "\"in view\"");
    assert!(
        js(
            &bob,
            &format!("return document.getElementById('message-{message}').innerHTML")
        )
        .await
        .contains("/users/bob"),
        "the mention links to bob's profile"
    );
    // Opened, it is read: the bell says so (at once, or live).
    wait_bell(
        &bob,
        "the bell after reading",
        "|Notifications: none unread",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/notifications*.png: cargo test --test it notification_screenshots -- --ignored"]
async fn notification_screenshots() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let bob = driver.browser(1280, 900).await;
    let (topic, _) = scene(&app, &driver, &bob).await;
    let carol = app.member("carol").await;
    app.reply(&carol, topic, "I can do Thursday, @bob.").await;
    app.reply(&carol, topic, "Also: who brings the projector?")
        .await;
    wait_bell(&bob, "bob's bell", "2|2 unread notifications").await;
    bob.goto(&app.url("/notifications")).await.unwrap();
    wait_for_path(&bob, "/notifications").await;
    shoot(&bob, 1280, "notifications.png").await;
    // A phone, 390 CSS pixels wide: no horizontal overflow.
    let phone = driver.browser_with(500, 900, Some((390, 844)), &[]).await;
    log_in(&phone, &app, "bob", PASSWORD).await;
    phone.goto(&app.url("/notifications")).await.unwrap();
    wait_for_path(&phone, "/notifications").await;
    save_png(&phone, "notifications-phone.png").await;
    let overflow = js(
        &phone,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )
    .await;
    assert_eq!(overflow, "0", "horizontal overflow on a phone");
}
