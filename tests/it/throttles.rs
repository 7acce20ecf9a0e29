//! Throttles and rates: password guessing (logins, registrations, password
//! changes) counted before the hash, keyed so that the owner still gets in,
//! and the posting rate. Clients bind other loopback addresses (127.0.0.2,
//! ...) to come from elsewhere: Linux routes all of 127/8 to the host.

use std::net::IpAddr;
use std::time::Duration;

use causerie::limits::Rate;
use futures_util::future::join_all;
use reqwest::{Client, StatusCode};

use crate::common::*;

/// A client like `App::client`, connecting from `ip`.
fn client_from(ip: &str) -> Client {
    let ip: IpAddr = ip.parse().unwrap();
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip)
        .build()
        .unwrap()
}

/// Logs `username` in from `c`; returns the status and body.
async fn log_in(app: &App, c: &Client, username: &str, password: &str) -> (StatusCode, String) {
    app.post_text(c, "/login", &account_fields(username, password))
        .await
}

/// Tallies of statuses.
fn count(statuses: &[StatusCode], which: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == which).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_wrong_logins_runs_a_few_hashes_and_the_owner_still_gets_in() {
    // An hour per attempt after the burst: nothing refills during the test.
    let app = App::start_configured(|c| c.limits.login_pair = Rate::new(5, 3600)).await;
    let attacker = app.client();
    let burst = (0..60).map(|i| {
        let (app, c) = (&app, &attacker);
        async move {
            let password = format!("guess-number-{i}");
            log_in(app, c, "admin", &password).await.0
        }
    });
    let statuses = join_all(burst).await;
    let wrong = count(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        wrong, 5,
        "only the allowed attempts were checked: {statuses:?}"
    );
    assert_eq!(
        refused, 55,
        "the rest refused before any hash: {statuses:?}"
    );

    // From the attacker's address even the right password waits...
    let (status, html) = log_in(&app, &attacker, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Too many failed attempts. Please wait"),
        "{html}"
    );
    // ... while the owner, elsewhere, gets in at once.
    let owner = client_from("127.0.0.2");
    let (status, _) = log_in(&app, &owner, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the owner logs in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_many_addresses_slow_the_account_but_not_its_known_address() {
    let app = App::start_configured(|c| {
        c.limits.login_account = Rate::new(4, 3600);
        c.limits.login_address = Rate::new(3, 3600);
    })
    .await;
    app.member("gina").await;
    // Gina logs in from home once.
    let home = client_from("127.0.0.2");
    assert_eq!(
        log_in(&app, &home, "gina", PASSWORD).await.0,
        StatusCode::SEE_OTHER
    );

    // Four addresses guess once each: the account's limit is spent.
    for i in 10..14 {
        let c = client_from(&format!("127.0.0.{i}"));
        let (status, _) = log_in(&app, &c, "gina", "not-her-password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "guess from .{i}");
    }
    // A fifth address waits, even with the right password...
    let elsewhere = client_from("127.0.0.20");
    let (status, _) = log_in(&app, &elsewhere, "gina", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "a new address waits");
    // ... but home still gets in.
    let again = client_from("127.0.0.2");
    assert_eq!(
        log_in(&app, &again, "gina", PASSWORD).await.0,
        StatusCode::SEE_OTHER
    );

    // One address trying many accounts is held by its own limit.
    let sprayer = client_from("127.0.0.30");
    for name in ["anna", "bert", "cleo"] {
        let (status, _) = log_in(&app, &sprayer, name, "password-guess").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    let (status, _) = log_in(&app, &sprayer, "dora", "password-guess").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is spent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_are_limited_per_address() {
    let app = App::start_configured(|c| c.limits.register = Rate::new(2, 3600)).await;
    app.member("first").await;
    app.member("second").await;
    let c = app.client();
    let form = register_fields("third", PASSWORD, PASSWORD);
    let (status, html) = app.post_text(&c, "/register", &form).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Too many accounts were created from your address"),
        "{html}"
    );
    assert!(html.contains("value=\"third\""), "the name is kept: {html}");
    // Nothing was created: the name is still free, from another address.
    let other = client_from("127.0.0.2");
    let r = app.post(&other, "/register", &form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "another address registers"
    );
    // A form with mistakes costs no hash and is not counted.
    let bad = register_fields("fourth", "short", "short");
    let (status, _) = app.post_text(&other, "/register", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let good = register_fields("fourth", PASSWORD, PASSWORD);
    let r = app
        .post(&client_from("127.0.0.2"), "/register", &good)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the second from .2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_password_checks_are_limited_per_account() {
    let app = App::start_configured(|c| c.limits.password_change = Rate::new(3, 3600)).await;
    let c = app.member("hana").await;
    let path = "/account/password";
    // The right current password is forgiven, even when the rest is wrong.
    let mismatch = password_fields(PASSWORD, "new-password-1", "other-password");
    for _ in 0..3 {
        app.assert_post(
            "hana",
            &c,
            path,
            &mismatch,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let wrong = password_fields("not-my-password", "new-password-1", "new-password-1");
    let burst = (0..10).map(|_| app.post_text(&c, path, &wrong));
    let statuses: Vec<_> = join_all(burst).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        count(&statuses, StatusCode::UNPROCESSABLE_ENTITY),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        7,
        "{statuses:?}"
    );
    let right = password_fields(PASSWORD, "new-password-1", "new-password-1");
    let (status, html) = app.post_text(&c, path, &right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Too many attempts. Please wait"), "{html}");
    // The password did not change; another account is not held up.
    app.login("hana", PASSWORD).await;
    let other = app.member("ivan").await;
    let form = password_fields(PASSWORD, "new-password-2", "new-password-2");
    app.assert_post("ivan", &other, path, &form, StatusCode::SEE_OTHER)
        .await;
}

/// The bodies of a topic's messages that contain `marker`.
async fn stored(app: &App, c: &Client, topic: i64, marker: &str) -> usize {
    let (_, html) = app.get_text(c, &format!("/topics/{topic}")).await;
    html.matches(marker).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_posting_too_fast_is_refused_with_its_text_kept() {
    let app = App::start_configured(|c| {
        c.limits.post_new_account = Rate::new(3, 3600);
        c.limits.post = Rate::new(100, 1);
    })
    .await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let c = app.member("jade").await;
    // A topic and a reply: two of three.
    let topic = app.create_topic(&c, forum, "Hello", "The opening").await;
    app.reply(&c, topic, "A first reply").await;
    // Ten at once: one passes, nine are refused before the write.
    let path = format!("/topics/{topic}/messages");
    let burst = (0..10).map(|i| {
        let (app, c, path) = (&app, &c, &path);
        async move {
            let body = format!("Burst reply {i}");
            app.post(c, path, &[("body", &body)]).await.status()
        }
    });
    let statuses = join_all(burst).await;
    assert_eq!(count(&statuses, StatusCode::SEE_OTHER), 1, "{statuses:?}");
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        stored(&app, &c, topic, "Burst reply").await,
        1,
        "one stored"
    );

    // The refusal keeps the text, next to the reason.
    let body = "Words I would hate to lose";
    let (status, html) = app.post_text(&c, &path, &[("body", body)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let form = element(&html, "reply-form");
    assert!(
        form.contains("You are posting too fast. Please wait"),
        "{form}"
    );
    assert!(form.contains(body), "the text is kept: {form}");
    let r = app
        .post_hx(&c, &path, &[("body", body)], &format!("/topics/{topic}"))
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"), "htmx gets the form alone: {html}");
    assert!(html.contains(body), "{html}");
    assert_eq!(stored(&app, &c, topic, body).await, 0, "nothing stored");

    // New topics and edits count too, and keep what was typed.
    let new_topic = topic_fields("Another title", "Another opening");
    let (status, html) = app
        .post_text(&c, &format!("/forums/{forum}/topics"), &new_topic)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Another title") && html.contains("Another opening"));
    let (_, page) = app.get_text(&c, &format!("/topics/{topic}")).await;
    let first = ids(&page, "message-")[0];
    let edit = format!("/messages/{first}/edit");
    let (status, html) = app.post_text(&c, &edit, &[("body", "Edited")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("You are posting too fast"), "{html}");
    assert_eq!(stored(&app, &c, topic, "Edited").await, 0);

    // Admins are exempt.
    for i in 0..5 {
        app.reply(&admin, topic, &format!("Admin reply {i}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_established_account_gets_the_looser_rate() {
    let app = App::start_configured(|c| {
        c.limits.post_new_account = Rate::new(1, 3600);
        c.limits.post = Rate::new(4, 3600);
        c.limits.new_account_for = Duration::ZERO;
    })
    .await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let c = app.member("kira").await;
    let topic = app.create_topic(&c, forum, "Hello", "The opening").await;
    for i in 0..3 {
        app.reply(&c, topic, &format!("Reply {i}")).await;
    }
    let path = format!("/topics/{topic}/messages");
    let (status, _) = app.post_text(&c, &path, &[("body", "One too many")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
