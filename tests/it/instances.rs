//! Three instances on one PostgreSQL database serve one live forum: a
//! socket on one instance hears of what is written through the others,
//! once each and in commit order; bells, ended sessions and logouts reach
//! every instance; an instance stopped, its pages reconnect to another and
//! catch up. PostgreSQL only (SQLite is one process).

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::*;
use crate::live::{admin, connect, registered};

/// Three servers on the same database (the first one's).
async fn three() -> Option<[App; 3]> {
    if !on_pg() {
        eprintln!("PostgreSQL only: several instances share one database server");
        return None;
    }
    let first = App::start().await;
    let path = first.db_path.clone();
    let second = App::start_at(tempfile::tempdir().unwrap(), path.clone(), None).await;
    let third = App::start_at(tempfile::tempdir().unwrap(), path, None).await;
    Some([first, second, third])
}

/// Whether `ws` ends within 5 s (frames before its end are read and dropped).
async fn closes(ws: &mut crate::live::Ws) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        if ws.next_within(left).await.is_none() {
            return std::time::Instant::now() < deadline;
        }
    }
}

/// Every `id="message-N"` in `frames`, in the order they first appear,
/// and how many times each appears.
fn messages_in(frames: &[String]) -> Vec<(i64, usize)> {
    let mut seen: Vec<(i64, usize)> = Vec::new();
    for f in frames {
        for id in ids(f, "message-") {
            match seen.iter_mut().find(|(m, _)| *m == id) {
                Some((_, n)) => *n += 1,
                None => seen.push((id, 1)),
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_on_one_instance_hears_every_write_of_the_others_once_and_in_order() {
    let Some([one, two, three]) = three().await else {
        return;
    };
    let alice = registered(&one, "alice").await;
    let bob = registered(&three, "bob").await;
    let adm = admin(&two).await;
    let forum = two.create_forum(&adm.http, "Everywhere").await;
    let topic = one
        .create_topic(&alice.http, forum, "Across", "Opening")
        .await;

    let mut ws = connect(&three, &format!("/topics/{topic}"), &bob).await;
    let catch_up = ws.next().await;
    assert!(catch_up.contains("id=\"messages\""), "{catch_up}");

    // Replies through the first two instances, in turn.
    let mut posted = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &one } else { &two };
        posted.push(app.reply(&alice.http, topic, &format!("reply {i}")).await);
    }
    let mut frames = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while messages_in(&frames).len() < posted.len() && std::time::Instant::now() < deadline {
        if let Some(f) = ws.next_within(Duration::from_secs(1)).await {
            frames.push(f);
        }
    }
    // A little longer: nothing may come twice.
    frames.extend(ws.drain(Duration::from_millis(700)).await);
    let seen = messages_in(&frames);
    assert_eq!(
        seen.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        posted,
        "every reply, in commit order"
    );
    assert!(seen.iter().all(|(_, n)| *n == 1), "each once: {seen:?}");

    // A mention through instance 1 rings bob's bell on instance 3.
    let mut home = connect(&three, "/", &bob).await;
    let _ = home.next().await;
    one.reply(&alice.http, topic, "@bob look").await;
    let bell = home
        .until("bob's bell", |f| {
            f.contains("id=\"bell\"") && f.contains("1 unread")
        })
        .await;
    assert!(bell.contains("id=\"bell\""), "{bell}");

    // Logging out everywhere through instance 1 closes bob's sockets on 3,
    // and his session is gone on every instance.
    one.assert_post(
        "bob",
        &bob.http,
        "/account/logout-everywhere",
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    assert!(closes(&mut ws).await, "bob's socket on instance 3 closes");
    for app in [&one, &two, &three] {
        let (_, page) = app.get_text(&bob.http, "/").await;
        assert!(
            !page.contains("Log out"),
            "bob is logged out on {}",
            app.base
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_a_logout_on_all() {
    let Some([one, two, three]) = three().await else {
        return;
    };
    let carol = registered(&one, "carol").await;
    // Each instance has the session in memory.
    for app in [&one, &two, &three] {
        let (_, page) = app.get_text(&carol.http, "/").await;
        assert!(page.contains("carol"), "carol is logged in on {}", app.base);
    }
    // The cookie as it was: another tab, or a copy an attacker took, still
    // sends it after the logout.
    let cookie = carol.cookie_header(&one).expect("carol's cookie");
    two.assert_post("carol", &carol.http, "/logout", &[], StatusCode::SEE_OTHER)
        .await;
    // The other instances hear of it through the change log.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for app in [&one, &two, &three] {
        let page = app
            .client()
            .get(app.url("/"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains("Logged in as"),
            "carol is logged out on {}",
            app.base
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_stopped_its_pages_catch_up_on_another() {
    let Some([one, two, three]) = three().await else {
        return;
    };
    let alice = registered(&one, "alice").await;
    let adm = admin(&one).await;
    let forum = one.create_forum(&adm.http, "Failover").await;
    let topic = one
        .create_topic(&alice.http, forum, "Still here", "Opening")
        .await;
    let view = format!("/topics/{topic}");

    let mut ws = connect(&two, &view, &alice).await;
    let _ = ws.next().await;
    two.stop().await;
    // The page hears the instance go away.
    assert!(
        closes(&mut ws).await,
        "the socket on the stopped instance closes"
    );

    // Written while the page has no socket; it reconnects to another.
    let first = one.reply(&alice.http, topic, "while away 1").await;
    let second = one.reply(&alice.http, topic, "while away 2").await;
    let mut again = connect(&three, &view, &alice).await;
    let catch_up = again.next().await;
    for id in [first, second] {
        assert!(
            element(&catch_up, &format!("message-{id}")).starts_with("<article"),
            "message {id} in the catch-up"
        );
    }
    // And it goes on live from there.
    let third = one.reply(&alice.http, topic, "after").await;
    let frame = again
        .until("the next reply", |f| {
            f.contains(&format!("message-{third}"))
        })
        .await;
    assert!(frame.contains(&format!("id=\"message-{third}\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_spread_over_the_instances_are_counted_together() {
    let Some([one, two, three]) = three().await else {
        return;
    };
    registered(&one, "dora").await;
    // Five guesses a minute for one account from one address (the
    // default): each instance alone would see only two of these six.
    let guesser = one.client();
    let wrong = account_fields("dora", "not her password");
    let mut statuses = Vec::new();
    for app in [&one, &two, &three, &one, &two, &three] {
        statuses.push(app.post(&guesser, "/login", &wrong).await.status());
    }
    assert!(
        statuses[..5]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}
