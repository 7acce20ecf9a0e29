//! Pagination: 20 a page for a topic's messages (oldest first) and a forum's
//! topics (latest activity first); pages past the end, and bad page numbers,
//! are 404; `/messages/{id}` finds the right page.

use crate::common::*;
use reqwest::StatusCode;

/// The `rel` links of a page's pager, in order (`first`, `prev`, `next`, `last`).
fn pager_links(html: &str) -> Vec<(String, String)> {
    let pager = element(html, "pager");
    pager
        .match_indices("<a href=\"")
        .map(|(i, m)| {
            let rest = &pager[i + m.len()..];
            let href = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
            let rel_at = rest.find("rel=\"").unwrap() + 5;
            let rel = rest[rel_at..rel_at + rest[rel_at..].find('"').unwrap()].to_string();
            (rel, href)
        })
        .collect()
}

fn links(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The pager links of page 2 of 3 at `base`: first, previous, next and last.
fn middle_of_three(base: &str) -> Vec<(String, String)> {
    let last = format!("{base}?page=3");
    links(&[
        ("first", base),
        ("prev", base),
        ("next", &last),
        ("last", &last),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_of_45_messages_has_pages_of_20_20_5() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app
        .create_topic(&alice, forum, "Long thread", "message 0")
        .await;
    let reply = format!("/topics/{topic}/messages");
    let mut replies = Vec::new();
    for i in 1..45 {
        let body = format!("message {i}");
        let form = [("body", body.as_str())];
        let r = app
            .assert_post("alice", &alice, &reply, &form, StatusCode::SEE_OTHER)
            .await;
        let to = location(&r);
        let id = id_after(&to, "#message-");
        // Each reply is sent to the page that holds it.
        let page = i / 20 + 1;
        let expected = if page == 1 {
            format!("/topics/{topic}#message-{id}")
        } else {
            format!("/topics/{topic}?page={page}#message-{id}")
        };
        assert_eq!(to, expected);
        replies.push(id);
    }

    let c = app.client();
    let base = format!("/topics/{topic}");
    let mut all = Vec::new();
    let mut pages = Vec::new();
    for (page, size) in [(1, 20), (2, 20), (3, 5)] {
        let path = if page == 1 {
            base.clone()
        } else {
            format!("{base}?page={page}")
        };
        let (status, html) = app.get_text(&c, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let ids = ids(&html, "message-");
        assert_eq!(ids.len(), size, "{path}");
        // Oldest first, in order of posting.
        let first_index = (page - 1) * 20;
        assert!(
            html.contains(&format!(
                "<div class=\"body\" dir=\"auto\"><p>message {first_index}</p></div>"
            )),
            "{path} starts at message {first_index}"
        );
        assert!(html.contains(&format!("Page {page} of 3")), "{path}");
        all.extend(ids);
        pages.push(html);
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "oldest first across pages");
    assert_eq!(all.len(), 45);
    assert_eq!(&all[1..], &replies[..], "the opening message heads page 1");
    let opening = all[0];
    assert!(opening < replies[0]);
    // ?page=1 is page 1.
    assert_eq!(
        ids(
            &app.get_text(&c, &format!("{base}?page=1")).await.1,
            "message-"
        )[0],
        opening
    );

    for bad in [
        "?page=4",
        "?page=0",
        "?page=abc",
        "?page=-1",
        "?page=2.5",
        "?page=99999999999",
    ] {
        let (status, html) = app.get_text(&c, &format!("{base}{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(html.contains("Not found"), "{bad}");
    }

    // First / previous / next / last.
    let [p1, p2, p3]: [String; 3] = pages.try_into().unwrap();
    assert_eq!(
        pager_links(&p1),
        links(&[
            ("next", &format!("{base}?page=2")),
            ("last", &format!("{base}?page=3"))
        ])
    );
    assert_eq!(pager_links(&p2), middle_of_three(&base));
    assert_eq!(
        pager_links(&p3),
        links(&[("first", &base), ("prev", &format!("{base}?page=2"))])
    );

    // /messages/{id} goes to the page that holds it.
    for (index, id) in all.iter().enumerate() {
        let r = app.get(&c, &format!("/messages/{id}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = index / 20 + 1;
        let expected = if page == 1 {
            format!("{base}#message-{id}")
        } else {
            format!("{base}?page={page}#message-{id}")
        };
        assert_eq!(location(&r), expected, "message #{index}");
    }

    // Deleting a message on page 1 shifts the rest: page 3 holds 4, and the
    // message that was 21st is now on page 1.
    let delete = format!("/messages/{}/delete", all[5]);
    app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    let (_, p3) = app.get_text(&c, &format!("{base}?page=3")).await;
    assert_eq!(ids(&p3, "message-").len(), 4);
    let r = app.get(&c, &format!("/messages/{}", all[20])).await;
    assert_eq!(location(&r), format!("{base}#message-{}", all[20]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_topic_has_one_page_and_no_pager_links() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&admin, forum, "Short", "just one").await;
    let c = app.client();
    let (status, html) = app.get_text(&c, &format!("/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pager_links(&html).is_empty());
    let (status, _) = app.get_text(&c, &format!("/topics/{topic}?page=2")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_of_45_topics_has_pages_of_20_20_5() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let base = format!("/forums/{forum}");
    let page2 = format!("{base}?page=2");
    let page3 = format!("{base}?page=3");
    let c = app.client();

    // An empty forum still has its page 1, and nothing after.
    let (status, html) = app.get_text(&c, &base).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ids(&html, "topic-").is_empty());
    assert!(html.contains("No topics yet"));
    app.assert_get("visitor", &c, &page2, StatusCode::NOT_FOUND)
        .await;

    let mut topics = Vec::new();
    for i in 0..45 {
        topics.push(
            app.create_topic(&admin, forum, &format!("Topic {i}"), "body")
                .await,
        );
    }
    let newest_first: Vec<i64> = topics.iter().rev().copied().collect();
    let mut all = Vec::new();
    let mut pages = Vec::new();
    for (page, size) in [(1, 20), (2, 20), (3, 5)] {
        let path = format!("{base}?page={page}");
        let (status, html) = app.get_text(&c, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let ids = ids(&html, "topic-");
        assert_eq!(ids.len(), size, "{path}");
        all.extend(ids);
        pages.push(html);
    }
    assert_eq!(all, newest_first);
    for bad in ["?page=4", "?page=0", "?page=abc", "?page=-2"] {
        let (status, _) = app.get_text(&c, &format!("{base}{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(pager_links(&pages[1]), middle_of_three(&base));

    // A reply to the oldest topic (last page) brings it to the top of page 1.
    let oldest = topics[0];
    app.reply(&admin, oldest, "bump").await;
    let (_, p1) = app.get_text(&c, &base).await;
    let page1 = ids(&p1, "topic-");
    assert_eq!(page1.len(), 20);
    assert_eq!(page1[0], oldest);
    assert_eq!(&page1[1..], &newest_first[..19]);
    let (_, p3) = app.get_text(&c, &page3).await;
    assert_eq!(ids(&p3, "topic-"), newest_first[39..44].to_vec());
    assert!(ids(&p3, "topic-").iter().all(|t| *t != oldest));

    // Deleting topics shrinks the forum to two pages.
    for t in &topics[1..6] {
        let delete = format!("/topics/{t}/delete");
        app.assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
            .await;
    }
    app.assert_get("visitor", &c, &page3, StatusCode::NOT_FOUND)
        .await;
    let (_, p2) = app.get_text(&c, &page2).await;
    assert_eq!(ids(&p2, "topic-").len(), 20);
}
