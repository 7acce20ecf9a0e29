//! Atom feeds through the real server, read back as a feed reader does
//! (`feed-rs`): the site's latest messages, a forum's topics, a topic's
//! messages; links that lead to the right message; bodies as their
//! sanitised HTML; edits and deletions; 404s; the pages' autodiscovery
//! links; and each document checked against RFC 4287's rules (`rfc4287`).

use feed_rs::model::{Entry, Feed};
use reqwest::{Client, StatusCode};

use crate::common::*;

mod rfc4287;

/// A server, its admin, a member `bob`, a forum "General" and bob's topic
/// there with this title and opening message.
async fn setup(title: &str, body: &str) -> (App, Client, Client, i64, i64) {
    let app = App::start().await;
    let admin = app.admin().await;
    let bob = app.member("bob").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&bob, forum, title, body).await;
    (app, admin, bob, forum, topic)
}

/// GETs the feed at `path`: 200, Atom's media type, and a document a
/// feed reader reads. Returns the XML and what the reader made of it.
async fn feed(app: &App, c: &Client, path: &str) -> (String, Feed) {
    let r = app.get(c, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    assert_eq!(
        header(&r, "content-type"),
        "application/atom+xml; charset=utf-8",
        "{path}"
    );
    let xml = r.text().await.unwrap();
    let parsed = feed_rs::parser::parse(xml.as_bytes())
        .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{xml}"));
    (xml, parsed)
}

fn title(e: &Entry) -> &str {
    &e.title.as_ref().expect("a title").content
}

fn author(e: &Entry) -> &str {
    e.authors[0].name.as_deref().expect("an author's name")
}

fn alternate(e: &Entry) -> &str {
    &e.links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .expect("an alternate link")
        .href
}

fn content(e: &Entry) -> &str {
    let c = e.content.as_ref().expect("content");
    assert_eq!(c.content_type.to_string(), "text/html", "type=\"html\"");
    c.body.as_deref().expect("a body")
}

/// The opening message of `topic`.
async fn opening(app: &App, topic: i64) -> i64 {
    let (_, page) = app
        .get_text(&app.client(), &format!("/topics/{topic}"))
        .await;
    ids(&page, "message-")[0]
}

/// Follows an entry's link (absolute, on this server) as a reader's
/// browser would: to the page that shows message `id`.
async fn assert_leads_to_message(app: &App, link: &str, id: i64) {
    let path = link
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{link} is absolute, on {}", app.base));
    let visitor = app.client();
    let r = app.get(&visitor, path).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{link}");
    let page_at = location(&r);
    assert!(page_at.ends_with(&format!("#message-{id}")), "{page_at}");
    let (status, page) = app.get_text(&visitor, &page_at).await;
    assert_eq!(status, StatusCode::OK, "{page_at}");
    assert!(page.contains(&format!("id=\"message-{id}\"")), "{page_at}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_feed_is_the_20_newest_messages_newest_first() {
    let (app, admin, bob, _, first) = setup("Tom & Jerry <3", "Opening **bold**").await;
    let other = app.create_forum(&admin, "Other").await;
    let visitor = app.client();
    let mut messages = vec![(opening(&app, first).await, "Tom & Jerry <3", "bob")];
    for i in 0..12 {
        let id = app.reply(&admin, first, &format!("reply {i}")).await;
        messages.push((id, "Re: Tom & Jerry <3", "admin"));
    }
    let second = app.create_topic(&admin, other, "Second", "Hello").await;
    messages.push((opening(&app, second).await, "Second", "admin"));
    for i in 0..11 {
        let id = app.reply(&bob, second, &format!("more {i}")).await;
        messages.push((id, "Re: Second", "bob"));
    }
    let hostile = app
        .reply(
            &bob,
            second,
            "<script>alert(1)</script> <img src=x onerror=alert(2)>",
        )
        .await;
    messages.push((hostile, "Re: Second", "bob"));

    let (xml, site) = feed(&app, &visitor, "/feed.atom").await;
    let newest: Vec<_> = messages.iter().rev().take(20).collect();
    assert_eq!(site.entries.len(), 20);
    for (entry, (id, title, who)) in site.entries.iter().zip(&newest) {
        assert_eq!(entry.id, app.url(&format!("/messages/{id}")));
        assert_eq!(self::title(entry), *title);
        assert_eq!(author(entry), *who);
        assert_eq!(
            entry.authors[0].uri.as_deref(),
            Some(app.url(&format!("/users/{who}")).as_str())
        );
        assert_eq!(alternate(entry), app.url(&format!("/messages/{id}")));
        assert!(entry.published.is_some() && entry.updated.is_some());
    }
    assert_eq!(site.updated, site.entries[0].updated);
    assert_leads_to_message(&app, alternate(&site.entries[0]), hostile).await;
    assert_leads_to_message(&app, alternate(&site.entries[19]), newest[19].0).await;

    // The hostile body is the page's escaped text, never markup.
    assert!(!xml.contains("<script") && !xml.contains("<img"), "{xml}");
    let body = content(&site.entries[0]);
    assert!(
        !body.contains("<script") && !body.contains("<img"),
        "{body}"
    );
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );

    // The opening message, with its Markdown as HTML, once more than 20
    // newer ones have pushed it out of the site's feed: in its topic's.
    let (_, topic_feed) = feed(&app, &visitor, &format!("/topics/{first}/feed.atom")).await;
    let opening_entry = topic_feed.entries.last().unwrap();
    assert_eq!(title(opening_entry), "Tom & Jerry <3");
    assert_eq!(
        content(opening_entry),
        "<p>Opening <strong>bold</strong></p>"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_feed_lists_its_topics_by_their_opening_messages() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let forum = app
        .create_forum_with(&admin, "General", "Talk about anything")
        .await;
    let other = app.create_forum(&admin, "Other").await;
    let visitor = app.client();
    let path = format!("/forums/{forum}/feed.atom");

    let (_, empty) = feed(&app, &visitor, &path).await;
    assert!(empty.entries.is_empty());
    assert!(empty.updated.is_some(), "the forum's creation");

    let a = app
        .create_topic(&alice, forum, "Topic A", "About *A*")
        .await;
    let b = app.create_topic(&bob, forum, "Topic B", "About B").await;
    app.create_topic(&bob, other, "Elsewhere", "Not here").await;
    let c = app.create_topic(&alice, forum, "Topic C", "About C").await;

    let (_, f) = feed(&app, &visitor, &path).await;
    assert_eq!(
        f.title.as_ref().unwrap().content,
        "General: topics · causerie"
    );
    assert_eq!(
        f.description.as_ref().unwrap().content,
        "Talk about anything"
    );
    let order: Vec<&str> = f.entries.iter().map(|e| e.id.as_str()).collect();
    let topic_url = |t: i64| app.url(&format!("/topics/{t}"));
    assert_eq!(order, [topic_url(c), topic_url(b), topic_url(a)]);
    let entry_a = &f.entries[2];
    assert_eq!(title(entry_a), "Topic A");
    assert_eq!(author(entry_a), "alice");
    assert_eq!(content(entry_a), "<p>About <em>A</em></p>");
    assert_eq!(alternate(entry_a), topic_url(a));
    let (status, page) = app.get_text(&visitor, &format!("/topics/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("About <em>A</em>"));

    // A reply brings its topic to the top of the forum's page, not of the
    // feed: it lists new topics; the entry itself is unchanged.
    app.reply(&bob, a, "a reply").await;
    let (_, f) = feed(&app, &visitor, &path).await;
    let after: Vec<&str> = f.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(after, [topic_url(c), topic_url(b), topic_url(a)]);
    assert_eq!(content(&f.entries[2]), "<p>About <em>A</em></p>");
    assert_eq!(f.entries[2].updated, entry_a.updated);

    // 20 at most.
    for i in 0..20 {
        app.create_topic(&bob, forum, &format!("More {i}"), "x")
            .await;
    }
    let (_, f) = feed(&app, &visitor, &path).await;
    assert_eq!(f.entries.len(), 20);
    assert_eq!(title(&f.entries[0]), "More 19");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_feed_follows_edits_and_deletions() {
    let (app, admin, bob, _, topic) = setup("Chat", "Opening").await;
    let mut messages = vec![opening(&app, topic).await];
    for i in 0..21 {
        messages.push(app.reply(&bob, topic, &format!("message {i}")).await);
    }
    let visitor = app.client();
    let path = format!("/topics/{topic}/feed.atom");

    let (_, f) = feed(&app, &visitor, &path).await;
    let got: Vec<String> = f.entries.iter().map(|e| e.id.clone()).collect();
    let want: Vec<String> = messages
        .iter()
        .rev()
        .take(20)
        .map(|m| app.url(&format!("/messages/{m}")))
        .collect();
    assert_eq!(got, want);
    assert!(f.entries.iter().all(|e| title(e) == "Re: Chat"));
    assert_eq!(content(&f.entries[0]), "<p>message 20</p>");
    assert_leads_to_message(&app, alternate(&f.entries[19]), messages[2]).await;

    let edited = messages[21];
    app.assert_post(
        "bob",
        &bob,
        &format!("/messages/{edited}/edit"),
        &[("body", "message 20, _edited_")],
        StatusCode::SEE_OTHER,
    )
    .await;
    let deleted = messages[20];
    app.assert_post(
        "admin",
        &admin,
        &format!("/messages/{deleted}/delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    let (_, f) = feed(&app, &visitor, &path).await;
    assert_eq!(f.entries.len(), 20);
    assert_eq!(content(&f.entries[0]), "<p>message 20, <em>edited</em></p>");
    assert!(f.entries[0].updated >= f.entries[0].published);
    let deleted_id = app.url(&format!("/messages/{deleted}"));
    assert!(f.entries.iter().all(|e| e.id != deleted_id), "deleted");
    assert_eq!(
        f.entries[19].id,
        app.url(&format!("/messages/{}", messages[1]))
    );
    let (_, site) = feed(&app, &visitor, "/feed.atom").await;
    assert!(site.entries.iter().all(|e| e.id != deleted_id), "deleted");
    assert_eq!(
        content(&site.entries[0]),
        "<p>message 20, <em>edited</em></p>"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_site_has_a_feed_and_a_missing_forum_or_topic_none() {
    let app = App::start().await;
    let visitor = app.client();
    let (_, empty) = feed(&app, &visitor, "/feed.atom").await;
    assert!(empty.entries.is_empty() && empty.updated.is_some());
    for path in [
        "/forums/999/feed.atom",
        "/topics/999/feed.atom",
        "/forums/x/feed.atom",
        "/topics/-1/feed.atom",
    ] {
        app.assert_get("visitor", &visitor, path, StatusCode::NOT_FOUND)
            .await;
    }
}

/// The feed a page names in its head, as a reader's autodiscovery finds it.
fn discovered(page: &str) -> (String, String) {
    let at = page
        .find("type=\"application/atom+xml\"")
        .expect("an Atom feed link");
    let start = page[..at].rfind("<link").expect("in a <link>");
    let end = at + page[at..].find('>').unwrap();
    let tag = &page[start..end];
    assert!(tag.contains("rel=\"alternate\""), "{tag}");
    let attr = |name: &str| {
        let marker = format!(" {name}=\"");
        let i = tag
            .find(&marker)
            .unwrap_or_else(|| panic!("{name} in {tag}"))
            + marker.len();
        let value = &tag[i..i + tag[i..].find('"').unwrap()];
        value
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
    };
    let head_ends = page.find("</head>").expect("a head");
    assert!(start < head_ends, "in the head");
    (attr("href"), attr("title"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_name_their_feeds() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "News & <views>").await;
    let topic = app.create_topic(&admin, forum, "Say \"hi\"", "hi").await;
    for (who, c) in [("visitor", app.client()), ("admin", admin.clone())] {
        for (page, href, feed_title) in [
            (
                "/".to_string(),
                "/feed.atom".to_string(),
                "causerie: latest messages",
            ),
            (
                format!("/forums/{forum}"),
                format!("/forums/{forum}/feed.atom"),
                "News & <views>: topics · causerie",
            ),
            (
                format!("/topics/{topic}"),
                format!("/topics/{topic}/feed.atom"),
                "Say \"hi\" · causerie",
            ),
        ] {
            let (status, html) = app.get_text(&c, &page).await;
            assert_eq!(status, StatusCode::OK, "{who} {page}");
            assert_eq!(
                discovered(&html),
                (href.clone(), feed_title.to_string()),
                "{who} {page}"
            );
            let (_, f) = feed(&app, &c, &href).await;
            assert_eq!(f.title.unwrap().content, feed_title);
            let self_link = f
                .links
                .iter()
                .find(|l| l.rel.as_deref() == Some("self"))
                .unwrap();
            assert_eq!(self_link.href, app.url(&href));
            let page_link = f
                .links
                .iter()
                .find(|l| l.rel.as_deref() == Some("alternate"))
                .unwrap();
            assert_eq!(page_link.href, app.url(&page));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_xml_cannot_hold_never_break_a_feed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app
        .create_topic(&admin, forum, "Odd \u{fffe} title", "odd \u{ffff} body")
        .await;
    let visitor = app.client();
    for path in [
        "/feed.atom".to_string(),
        format!("/forums/{forum}/feed.atom"),
        format!("/topics/{topic}/feed.atom"),
    ] {
        let (xml, f) = feed(&app, &visitor, &path).await;
        assert!(
            !xml.contains('\u{ffff}') && !xml.contains('\u{fffe}'),
            "{path}"
        );
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(f.entries.len(), 1, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_use_the_configured_public_address() {
    let app = App::start_configured(|c| {
        c.public_origin = Some("https://forum.example.org".parse().unwrap());
    })
    .await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&admin, forum, "Hello", "hi").await;
    let message = opening(&app, topic).await;
    let (_, f) = feed(&app, &app.client(), "/feed.atom").await;
    assert_eq!(f.id, "https://forum.example.org/feed.atom");
    assert_eq!(
        f.entries[0].id,
        format!("https://forum.example.org/messages/{message}")
    );
    assert_eq!(
        alternate(&f.entries[0]),
        format!("https://forum.example.org/messages/{message}")
    );
}
