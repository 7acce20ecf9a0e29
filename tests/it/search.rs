//! Search through the real server: accents and case folded both ways,
//! prefixes and phrases, filters by forum and author, pages, excerpts
//! escaped with only the words found marked, the index following edits and
//! deletions, Markdown's markup not searchable, hostile queries answered
//! with a message (never a 500), the limits per address and at once, and
//! the box in every page's header.

use reqwest::{Client, StatusCode};

use crate::common::*;

/// `/search?` with `params` encoded.
fn search_path(params: &[(&str, &str)]) -> String {
    let encode = |v: &str| -> String {
        v.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/search?{}", query.join("&"))
}

/// The search page for `params` as `c` sees it, asserting its status.
async fn search_page(app: &App, c: &Client, params: &[(&str, &str)], status: StatusCode) -> String {
    let (got, page) = app.get_text(c, &search_path(params)).await;
    assert_eq!(got, status, "{params:?}: {page}");
    page
}

/// Asserts that `params` get `status` and the search form again, saying
/// `says` next to `field` (q, forum or author).
async fn refused(
    app: &App,
    c: &Client,
    params: &[(&str, &str)],
    status: StatusCode,
    field: &str,
    says: &str,
) {
    let page = search_page(app, c, params, status).await;
    let error = element(&page, &format!("f-search-{field}-error"));
    assert!(error.contains(says), "{params:?}: {error}");
    let q = params
        .iter()
        .find(|(k, _)| *k == "q")
        .map_or("", |(_, v)| v);
    if q.len() < 100
        && q.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '*')
    {
        assert!(
            page.contains(&format!("value=\"{q}\"")),
            "the words kept: {page}"
        );
    }
}

/// A server with an admin, a member `ann`, a forum and ann's topic in it;
/// a visitor searches.
struct Scene {
    app: App,
    admin: Client,
    ann: Client,
    visitor: Client,
    forum: i64,
    topic: i64,
    /// The topic's opening message.
    first: i64,
}

impl Scene {
    async fn new(forum: &str, title: &str, body: &str) -> Scene {
        let app = App::start().await;
        let admin = app.admin().await;
        let forum = app.create_forum(&admin, forum).await;
        let ann = app.member("ann").await;
        let topic = app.create_topic(&ann, forum, title, body).await;
        let first = ids(
            &app.get_text(&ann, &format!("/topics/{topic}")).await.1,
            "message-",
        )[0];
        let visitor = app.client();
        Scene {
            app,
            admin,
            ann,
            visitor,
            forum,
            topic,
            first,
        }
    }

    /// The ids of the messages `params` find (page asked included).
    async fn find_with(&self, params: &[(&str, &str)]) -> Vec<i64> {
        let page = search_page(&self.app, &self.visitor, params, StatusCode::OK).await;
        ids(&page, "result-")
    }

    /// The ids of the messages the words `q` find on the first page.
    async fn find(&self, q: &str) -> Vec<i64> {
        self.find_with(&[("q", q)]).await
    }

    /// The search page for the words `q`, asserting a 200.
    async fn page(&self, q: &str) -> String {
        search_page(&self.app, &self.visitor, &[("q", q)], StatusCode::OK).await
    }

    /// Asserts that the words `q` are refused with a 422 saying `says`.
    async fn refused(&self, q: &str, says: &str) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        refused(&self.app, &self.visitor, &[("q", q)], status, "q", says).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_are_found_whatever_their_accents_case_and_ending() {
    let s = Scene::new(
        "Général",
        "La fête de l'École",
        "Rendez-vous à l'école primaire.",
    )
    .await;
    let (app, ann, first) = (&s.app, &s.ann, s.first);
    let plain = app
        .reply(ann, s.topic, "ECOLE sans accent, en capitales")
        .await;
    let other = app.reply(ann, s.topic, "Écologie et économie").await;

    assert_eq!(s.find("ecole").await, [plain, first]);
    assert_eq!(s.find("École").await, [plain, first]);
    assert_eq!(s.find("ÉCOLE primaire").await, [first]);
    // The title, found with its topic's opening message.
    assert_eq!(s.find("fete").await, [first]);
    // Prefixes.
    assert_eq!(s.find("ecol*").await, [other, plain, first]);
    assert_eq!(s.find("éco*").await, [other, plain, first]);
    // Phrases: the words together, in order.
    assert_eq!(s.find("\"ecole primaire\"").await, [first]);
    assert!(s.find("\"primaire ecole\"").await.is_empty());
    assert_eq!(s.find("\"sans acc\"*").await, [plain]);

    // A result names its topic, author, date and forum, and links to its message.
    let page = s.page("primaire").await;
    let result = element(&page, &format!("result-{first}"));
    for part in [
        format!("href=\"/messages/{first}\""),
        "<mark>primaire</mark>".into(),
        "<bdi>ann</bdi>".into(),
        "<time".into(),
        "<bdi>Général</bdi>".into(),
    ] {
        assert!(result.contains(&part), "{part} in {result}");
    }
    let (status, _) = app
        .get_text(&s.visitor, &format!("/messages/{first}"))
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the link leads to the message"
    );

    // The title is marked when it matched.
    let page = s.page("fête").await;
    let result = element(&page, &format!("result-{first}"));
    assert!(result.contains("La <mark>fête</mark> de"), "{result}");

    // Nothing found: said plainly, with the form kept.
    let page = s.page("zanzibar").await;
    assert!(
        element(&page, "no-results").contains("No message holds"),
        "{page}"
    );
    assert!(
        page.contains("value=\"zanzibar\""),
        "the words stay in the box"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_forum_and_author_and_pages_newest_first() {
    let s = Scene::new("Cooking", "Soups", "tomato soup").await;
    let (app, ann) = (&s.app, &s.ann);
    let garden = app.create_forum(&s.admin, "Garden").await;
    let bob = app.member("Bob").await;
    let beds = app
        .create_topic(&bob, garden, "Beds", "tomato plants")
        .await;
    let beds_first = ids(
        &app.get_text(&bob, &format!("/topics/{beds}")).await.1,
        "message-",
    )[0];
    let mut tomatoes = vec![s.first, beds_first];
    for i in 0..43 {
        let (who, topic) = if i % 2 == 0 {
            (&bob, s.topic)
        } else {
            (ann, beds)
        };
        tomatoes.push(app.reply(who, topic, &format!("tomato number {i}")).await);
    }
    let newest_first: Vec<i64> = tomatoes.iter().rev().copied().collect();

    // 45 matches: pages of 20, 20 and 5, newest first; past them, 404.
    assert_eq!(s.find("tomato").await, newest_first[..20]);
    let page1 = s.page("tomato").await;
    assert!(page1.contains("Messages 1 to 20, newest first."), "{page1}");
    assert!(
        page1.contains("href=\"/search?q=tomato&amp;page=2\""),
        "{page1}"
    );
    let page = |n| [("q", "tomato"), ("page", n)];
    assert_eq!(s.find_with(&page("2")).await, newest_first[20..40]);
    assert_eq!(s.find_with(&page("3")).await, newest_first[40..]);
    let page3 = search_page(app, &s.visitor, &page("3"), StatusCode::OK).await;
    assert!(page3.contains("Messages 41 to 45"), "{page3}");
    assert!(page3.contains("rel=\"prev\"") && !page3.contains("rel=\"next\""));
    for past in ["4", "0", "x", "51"] {
        search_page(app, &s.visitor, &page(past), StatusCode::NOT_FOUND).await;
    }

    // In one forum; by one author (ignoring case); both.
    let cooking = s.forum.to_string();
    let in_cooking = [("q", "tomato"), ("forum", cooking.as_str())];
    let all_cooking = [
        s.find_with(&in_cooking).await,
        s.find_with(&[in_cooking[0], in_cooking[1], ("page", "2")])
            .await,
    ]
    .concat();
    assert_eq!(all_cooking.len(), 23, "the opening message and 22 replies");
    assert_eq!(
        s.find_with(&[("q", "tomato"), ("author", "ANN")])
            .await
            .len(),
        20
    );
    let garden = garden.to_string();
    let by = |who| [("q", "tomato"), ("forum", garden.as_str()), ("author", who)];
    let ann_in_garden = s.find_with(&by("ann")).await;
    assert_eq!(ann_in_garden.len(), 20, "21 replies of ann in Beds");
    assert!(ann_in_garden.iter().all(|id| !all_cooking.contains(id)));
    assert_eq!(
        s.find_with(&by("bob")).await,
        [beds_first],
        "Bob's opening only"
    );
    // The form keeps the filters.
    let page = search_page(app, &s.visitor, &by("bob"), StatusCode::OK).await;
    assert!(
        page.contains(&format!("<option value=\"{garden}\" selected>")),
        "{page}"
    );
    assert!(page.contains("value=\"bob\""), "{page}");

    // An unknown forum or member is said next to its field.
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let v = &s.visitor;
    let unknown_forum = [("q", "tomato"), ("forum", "999")];
    refused(app, v, &unknown_forum, status, "forum", "no such forum").await;
    let unknown_author = [("q", "tomato"), ("author", "nobody")];
    refused(
        app,
        v,
        &unknown_author,
        status,
        "author",
        "no member called",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excerpts_are_escaped_and_only_the_words_found_are_marked() {
    let s = Scene::new("F", "<b>Title</b> & co", "opening").await;
    let evil = s
        .app
        .reply(
            &s.ann,
            s.topic,
            "<script>alert('banana')</script> banana <img src=x onerror=alert(1)> \u{2}banana\u{3}",
        )
        .await;
    let page = s.page("banana").await;
    let result = element(&page, &format!("result-{evil}"));
    assert!(
        !result.contains("<script") && !result.contains("<img"),
        "{result}"
    );
    assert!(result.contains("&lt;script&gt;"), "{result}");
    assert!(result.contains("<mark>banana</mark>"), "{result}");
    assert!(
        result.contains("&lt;b&gt;Title&lt;/b&gt; &amp; co"),
        "{result}"
    );
    let marks = result.matches("<mark>").count();
    assert_eq!(marks, result.matches("</mark>").count(), "{result}");
    assert_eq!(marks, 3, "each banana, and nothing else: {result}");
    assert!(page.contains("1 message matches, newest first."), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletions_change_what_is_found() {
    let s = Scene::new("F", "Fruit", "apples").await;
    let app = &s.app;
    let reply = app.reply(&s.ann, s.topic, "pears").await;
    assert_eq!(s.find("pears").await, [reply]);

    let edit = format!("/messages/{reply}/edit");
    let plums = [("body", "plums")];
    app.assert_post("ann", &s.ann, &edit, &plums, StatusCode::SEE_OTHER)
        .await;
    assert!(s.find("pears").await.is_empty());
    assert_eq!(s.find("plums").await, [reply]);

    app.delete_message(&s.admin, reply).await;
    assert!(s.find("plums").await.is_empty());
    assert_eq!(s.find("apples").await, [s.first]);

    app.delete_topic(&s.admin, s.topic).await;
    assert!(s.find("apples").await.is_empty());
    assert!(s.find("fruit").await.is_empty(), "its title too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_is_not_searched_and_hostile_queries_get_a_message() {
    let s = Scene::new(
        "F",
        "Markup",
        "**bold** and [a link](https://example.org/href/strong), `code`",
    )
    .await;
    let first = s.first;
    assert_eq!(s.find("bold").await, [first]);
    assert_eq!(s.find("\"a link\"").await, [first]);
    assert_eq!(s.find("code").await, [first]);
    for markup in ["href", "strong", "example", "https", "em"] {
        assert!(s.find(markup).await.is_empty(), "{markup}");
    }

    // Searched as words (200) or refused with a message (422); never a 500.
    let long = "word ".repeat(2_000);
    let hostile = [
        "\"",
        "*",
        "**",
        "NEAR(",
        "NEAR(a b, 2)",
        "a:b",
        "title:markup",
        "scope:f1",
        "-bold",
        "bold OR x",
        "bold NOT x",
        "^bold",
        "(bold",
        "bold)",
        "\"unclosed phrase",
        "a* b* c* d* e*",
        "abc* def* ghi*",
        "{title} : bold",
        "'; DROP TABLE messages; --",
        "\u{0}\u{2}\u{3}",
        &long,
    ];
    for q in hostile {
        let (status, page) = s.app.get_text(&s.visitor, &search_path(&[("q", q)])).await;
        let shown: String = q.chars().take(30).collect();
        match status {
            StatusCode::OK => assert!(
                page.contains("id=\"results\"") || page.contains("id=\"no-results\""),
                "{shown:?}: {page}"
            ),
            StatusCode::UNPROCESSABLE_ENTITY => {
                let error = element(&page, "f-search-q-error");
                assert!(error.contains('.'), "{shown:?}: {page}")
            }
            other => panic!("{shown:?}: {other}"),
        }
    }
    // What each means.
    assert!(
        s.find("title:markup").await.is_empty(),
        "a word, not a column"
    );
    assert!(s.find("scope:f1").await.is_empty());
    assert_eq!(s.find("-bold").await, [first], "a word, not an exclusion");
    s.refused(&long, "more than 200 characters").await;
    s.refused("**", "letters or digits").await;
    s.refused("a b c d e f g h i j k", "at most 10").await;
    s.refused("bo*", "at least 3 letters").await;
    assert_eq!(s.find("bol*").await, [first]);
    s.refused("bol* lin* cod*", "at most 2 words").await;
    assert_eq!(s.find("bol* lin* code").await, [first]);
    s.refused("", "letters or digits").await;
    // Odd query strings are read leniently.
    for path in [
        "/search?q=bold&q=other",
        "/search?q=bold&&x",
        "/search?q=%ZZ",
        "/search?forum=&q=bold",
    ] {
        let (status, _) = s.app.get_text(&s.visitor, path).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_a_search_box_and_the_page_works_without_scripts() {
    let app = App::start().await;
    let v = app.client();
    let (_, home) = app.get_text(&v, "/").await;
    for part in [
        "<form class=\"site-search\" role=\"search\" aria-label=\"Site search\" action=\"/search\" method=\"get\">",
        "<label class=\"visually-hidden\" for=\"site-search\">",
    ] {
        assert!(home.contains(part), "{part} in {home}");
    }
    let page = search_page(&app, &v, &[], StatusCode::OK).await;
    let form = element(&page, "search-form");
    assert!(
        form.contains("method=\"get\"") && form.contains("role=\"search\""),
        "{form}"
    );
    assert!(form.contains("<label for=\"f-search-q\">"), "{form}");
    assert!(!page.contains("id=\"no-results\"") && !page.contains("f-search-q-error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_limited_per_address() {
    let app = App::start_configured(|c| c.limits.search = causerie::limits::Rate::new(2, 60)).await;
    let v = app.client();
    let q = [("q", "anything")];
    for _ in 0..2 {
        search_page(&app, &v, &q, StatusCode::OK).await;
    }
    let status = StatusCode::TOO_MANY_REQUESTS;
    refused(&app, &v, &q, status, "q", "Too many searches").await;
    // The form itself costs nothing and counts nothing.
    search_page(&app, &v, &[], StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_waits_its_turn_then_is_told_to_come_back() {
    let app = App::start_configured(|c| c.limits.searches_at_once = 0).await;
    let v = app.client();
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let q = [("q", "anything")];
    refused(&app, &v, &q, status, "q", "Many searches are running").await;
}
