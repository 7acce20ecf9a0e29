//! What the live layer keeps stays bounded, through real sockets: the
//! catch-up cache (pages that exist only, within its entries and bytes),
//! and catch-up frames (a big page leaves in several, each under the bound).

use std::time::Duration;

use futures_util::{StreamExt, stream};
use tokio_tungstenite::tungstenite::Message;

use causerie::live::{CacheBounds, MAX_CATCH_UP_FRAME};

use crate::common::*;

const WAIT: Duration = Duration::from_secs(10);

/// The next text frame; panics when none comes within `WAIT`.
pub async fn next_text(ws: &mut WsStream, what: &str) -> String {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("{what}: no frame: {other:?}"),
        }
    }
}

/// The first frame a socket watching `view` gets: its catch-up.
async fn catch_up_of(app: &App, view: &str) -> String {
    let mut ws = connect(app, view).await;
    let frame = next_text(&mut ws, view).await;
    let _ = ws.close(None).await;
    frame
}

#[tokio::test]
async fn missing_pages_get_their_notice_and_no_cache_entry() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Bounds").await;
    let topic = app.create_topic(&admin, forum, "Here", "Opening").await;

    let page = catch_up_of(&app, &format!("/topics/{topic}")).await;
    assert!(page.contains("Opening"), "a real page's catch-up: {page}");
    assert_eq!(app.hub.catch_up_cache_len(), 1, "a real page is cached");

    // Ten thousand views that name nothing: topics and forums that do not
    // exist, pages past the end.
    let views = (0..10_000).map(|i| match i % 3 {
        0 => (
            format!("/topics/{}", 1_000_000 + i),
            "This topic was deleted",
        ),
        1 => (
            format!("/topics/{topic}?page={}", 2 + i),
            "This page no longer exists",
        ),
        _ => (
            format!("/forums/{}?page=3", 1_000_000 + i),
            "This forum was deleted",
        ),
    });
    let answers: Vec<(String, String, &str)> = stream::iter(views)
        .map(|(view, said)| {
            let app = &app;
            async move { (catch_up_of(app, &view).await, view, said) }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    for (frame, view, said) in &answers {
        assert!(frame.contains(said), "{view}: {frame}");
    }
    assert_eq!(
        app.hub.catch_up_cache_len(),
        1,
        "missing pages leave nothing in the cache"
    );
}

#[tokio::test]
async fn the_cache_keeps_within_its_entries_and_bytes() {
    for bounds in [
        CacheBounds {
            entries: 4,
            bytes: 1 << 20,
        },
        CacheBounds {
            entries: 1000,
            bytes: 6_000,
        },
    ] {
        let app = App::start_configured(|c| c.live_cache = bounds).await;
        let admin = app.admin().await;
        let forum = app.create_forum(&admin, "Bounds").await;
        let mut topics = Vec::new();
        for n in 0..10 {
            let body = format!("Opening message number {n}");
            topics.push((
                app.create_topic(&admin, forum, "A topic", &body).await,
                body,
            ));
        }
        // No write from here on: only the bounds empty the cache.
        for (n, (topic, body)) in topics.iter().enumerate() {
            let frame = catch_up_of(&app, &format!("/topics/{topic}")).await;
            assert!(frame.contains(body), "{bounds:?}: topic {n}'s catch-up");
            let (len, bytes) = (app.hub.catch_up_cache_len(), app.hub.catch_up_cache_bytes());
            assert!(
                (1..=bounds.entries).contains(&len) && bytes <= bounds.bytes,
                "{bounds:?}: after topic {n} the cache holds {len} pages, {bytes} bytes"
            );
        }
        if bounds.entries == 4 {
            assert_eq!(app.hub.catch_up_cache_len(), 4, "the most recent are kept");
        }
    }
}

#[tokio::test]
async fn a_big_page_arrives_in_frames_under_the_bound_and_renders_the_same() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Long reads").await;
    // Twenty messages of 20,000 characters: 400 KB of text on one page.
    let body = |n: usize| {
        let words = format!("message{n:02} says & <means> \"it\" ");
        words.repeat(20_000 / words.len() + 1)[..20_000].to_string()
    };
    let topic = app.create_topic(&admin, forum, "Long", &body(0)).await;
    for n in 1..20 {
        app.reply(&admin, topic, &body(n)).await;
    }
    let view = format!("/topics/{topic}");
    let (status, page) = app.get_text(&app.client(), &view).await;
    assert_eq!(status, 200);
    let ids = ids(&page, "message-");
    assert_eq!(ids.len(), 20, "the page shows its twenty messages");

    let mut ws = connect(&app, &view).await;
    let skeleton = next_text(&mut ws, "the first catch-up frame").await;
    // The page's regions, each message a placeholder that keeps what the
    // page shows: nothing blinks, nothing moves.
    assert_eq!(ids_of_placeholders(&skeleton), ids, "{skeleton}");
    let mut frames = vec![skeleton];
    let mut seen = Vec::new();
    while seen.len() < ids.len() {
        let frame = next_text(&mut ws, "the next catch-up frame").await;
        assert!(
            frame.starts_with(r##"<hx-partial data-hx-target="#messages" data-hx-swap="upsert">"##),
            "a frame of messages: {}",
            &frame[..200.min(frame.len())]
        );
        for id in self::ids(&frame, "message-") {
            // Each message whole, as the page shows it.
            let anchor = format!("message-{id}");
            assert_eq!(element(&frame, &anchor), element(&page, &anchor));
            seen.push(id);
        }
        frames.push(frame);
    }
    assert_eq!(seen, ids, "every message once, in order");
    assert!(frames.len() >= 4, "several frames: {}", frames.len());
    for f in &frames {
        assert!(
            f.len() <= MAX_CATCH_UP_FRAME,
            "a frame of {} bytes is over {MAX_CATCH_UP_FRAME}",
            f.len()
        );
    }
    // Nothing more: the catch-up is complete.
    let more = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(more.is_err(), "nothing after the catch-up: {more:?}");
}

/// The ids of the `hx-preserve` placeholders in a frame, in order.
fn ids_of_placeholders(frame: &str) -> Vec<i64> {
    frame
        .split("<article ")
        .skip(1)
        .filter(|tag| tag.contains("data-hx-preserve") && tag.contains("></article>"))
        .map(|tag| id_after(tag, "id=\"message-"))
        .collect()
}
