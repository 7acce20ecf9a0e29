//! Pages of a topic through a deletion: the messages after the deleted one
//! move up a place on every page a socket watches, as a reload shows them.

use crate::common::*;
use crate::live_bounds::next_text;

/// The ids a page shows after applying `frame` to `shown`: removals, then
/// messages inserted in id order.
fn apply(shown: &[i64], frame: &str) -> Vec<i64> {
    let removed: Vec<i64> = frame
        .split("<div id=\"message-")
        .skip(1)
        .filter(|rest| rest.contains("data-hx-swap-oob=\"delete\""))
        .map(|rest| id_after(rest, ""))
        .collect();
    let mut ids: Vec<i64> = shown
        .iter()
        .copied()
        .filter(|id| !removed.contains(id))
        .collect();
    for id in ids_of_articles(frame) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids
}

fn ids_of_articles(html: &str) -> Vec<i64> {
    html.split("<article ")
        .skip(1)
        .map(|tag| id_after(tag, "id=\"message-"))
        .collect()
}

#[tokio::test]
async fn a_deletion_moves_the_later_messages_up_on_every_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Pages").await;
    let topic = app.create_topic(&admin, forum, "Long", "Message 0").await;
    for n in 1..45 {
        app.reply(&admin, topic, &format!("Message {n}")).await;
    }
    let visitor = app.client();
    let mut pages = Vec::new();
    for page in 1..=3 {
        let view = format!("/topics/{topic}?page={page}");
        let (_, html) = app.get_text(&visitor, &view).await;
        let mut ws = connect(&app, &view).await;
        next_text(&mut ws, "catch-up").await;
        pages.push((view, ids(&html, "message-"), ws));
    }
    // 45 messages: pages of 20, 20 and 5. Deleting four on page 1 keeps
    // three pages (no pager in the frames); the fifth empties page 3.
    let doomed: Vec<i64> = pages[0].1[2..7].to_vec();
    for (n, id) in doomed.iter().enumerate() {
        app.assert_post(
            "admin",
            &admin,
            &format!("/messages/{id}/delete"),
            &[],
            reqwest::StatusCode::SEE_OTHER,
        )
        .await;
        for (view, shown, ws) in &mut pages {
            let frame = next_text(ws, view).await;
            *shown = apply(shown, &frame);
            let (_, html) = app.get_text(&visitor, view).await;
            if n < 4 {
                assert_eq!(*shown, ids(&html, "message-"), "{view} after {n}: {frame}");
                assert!(!frame.contains("id=\"pager"), "no pager yet: {frame}");
            } else {
                assert!(frame.contains("id=\"pager"), "the pager: {frame}");
            }
        }
    }
    // Pages 1 and 2 are full and right; page 3 no longer exists.
    for (view, shown, _) in &pages[..2] {
        let (_, html) = app.get_text(&visitor, view).await;
        assert_eq!(*shown, ids(&html, "message-"), "{view} at the end");
        assert_eq!(shown.len(), 20);
    }
    assert!(pages[2].1.is_empty(), "page 3 emptied: {:?}", pages[2].1);
}
