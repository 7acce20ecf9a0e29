//! Search through the real server: accents and case folded both ways,
//! prefixes and phrases, filters by forum and author, pages, excerpts
//! escaped with only the words found marked, the index following edits and
//! deletions, Markdown's markup not searchable, hostile queries answered
//! with a message (never a 500), the rate per address, and the box in every
//! page's header.

use reqwest::{Client, StatusCode};

use crate::common::*;

/// `/search?` with `params` encoded.
fn search_path(params: &[(&str, &str)]) -> String {
    let query: String = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("/search?{query}")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The ids of the messages `params` finds (page asked included), asserting a 200.
async fn found(app: &App, c: &Client, params: &[(&str, &str)]) -> Vec<i64> {
    let (status, page) = app.get_text(c, &search_path(params)).await;
    assert_eq!(status, StatusCode::OK, "{params:?}: {page}");
    ids(&page, "result-")
}

/// The id of the opening message of `topic`.
async fn opening(app: &App, c: &Client, topic: i64) -> i64 {
    ids(
        &app.get_text(c, &format!("/topics/{topic}")).await.1,
        "message-",
    )[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_are_found_whatever_their_accents_case_and_ending() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Général").await;
    let ann = app.member("ann").await;
    let topic = app
        .create_topic(
            &ann,
            forum,
            "La fête de l'École",
            "Rendez-vous à l'école primaire.",
        )
        .await;
    let first = opening(&app, &ann, topic).await;
    let plain = app
        .reply(&ann, topic, "ECOLE sans accent, en capitales")
        .await;
    let other = app.reply(&ann, topic, "Écologie et économie").await;
    let v = app.client();

    assert_eq!(found(&app, &v, &[("q", "ecole")]).await, [plain, first]);
    assert_eq!(found(&app, &v, &[("q", "École")]).await, [plain, first]);
    assert_eq!(found(&app, &v, &[("q", "ÉCOLE primaire")]).await, [first]);
    // The title, found with its topic's opening message.
    assert_eq!(found(&app, &v, &[("q", "fete")]).await, [first]);
    // Prefixes.
    assert_eq!(
        found(&app, &v, &[("q", "ecol*")]).await,
        [other, plain, first]
    );
    assert_eq!(
        found(&app, &v, &[("q", "éco*")]).await,
        [other, plain, first]
    );
    // Phrases: the words together, in order.
    assert_eq!(
        found(&app, &v, &[("q", "\"ecole primaire\"")]).await,
        [first]
    );
    assert!(
        found(&app, &v, &[("q", "\"primaire ecole\"")])
            .await
            .is_empty()
    );
    assert_eq!(found(&app, &v, &[("q", "\"sans acc\"*")]).await, [plain]);

    // A result names its topic, author, date and forum, and links to its message.
    let (_, page) = app.get_text(&v, &search_path(&[("q", "primaire")])).await;
    let result = element(&page, &format!("result-{first}"));
    assert!(
        result.contains(&format!("href=\"/messages/{first}\"")),
        "{result}"
    );
    assert!(result.contains("<mark>primaire</mark>"), "{result}");
    assert!(
        result.contains("<bdi>ann</bdi>") && result.contains("<time"),
        "{result}"
    );
    assert!(result.contains("<bdi>Général</bdi>"), "its forum: {result}");
    let (status, _) = app.get_text(&v, &format!("/messages/{first}")).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the link leads to the message"
    );

    // The title is marked when it matched.
    let (_, page) = app.get_text(&v, &search_path(&[("q", "fête")])).await;
    assert!(
        element(&page, &format!("result-{first}")).contains("La <mark>fête</mark> de"),
        "{page}"
    );

    // Nothing found: said plainly, with the form kept.
    let (status, page) = app.get_text(&v, &search_path(&[("q", "zanzibar")])).await;
    assert_eq!(status, StatusCode::OK);
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
    let app = App::start().await;
    let admin = app.admin().await;
    let cooking = app.create_forum(&admin, "Cooking").await;
    let garden = app.create_forum(&admin, "Garden").await;
    let ann = app.member("ann").await;
    let bob = app.member("Bob").await;
    let soup = app
        .create_topic(&ann, cooking, "Soups", "tomato soup")
        .await;
    let mut tomatoes = vec![opening(&app, &ann, soup).await];
    let beds = app
        .create_topic(&bob, garden, "Beds", "tomato plants")
        .await;
    tomatoes.push(opening(&app, &bob, beds).await);
    for i in 0..43 {
        let (who, topic) = if i % 2 == 0 {
            (&bob, soup)
        } else {
            (&ann, beds)
        };
        tomatoes.push(app.reply(who, topic, &format!("tomato number {i}")).await);
    }
    let newest_first: Vec<i64> = tomatoes.iter().rev().copied().collect();
    let v = app.client();

    // 45 matches: pages of 20, 20 and 5, newest first; past them, 404.
    let q = [("q", "tomato")];
    assert_eq!(found(&app, &v, &q).await, newest_first[..20]);
    let (_, page1) = app.get_text(&v, &search_path(&q)).await;
    assert!(page1.contains("Messages 1 to 20, newest first."), "{page1}");
    assert!(
        page1.contains("href=\"/search?q=tomato&amp;page=2\""),
        "a pager: {page1}"
    );
    assert_eq!(
        found(&app, &v, &[("q", "tomato"), ("page", "2")]).await,
        newest_first[20..40]
    );
    assert_eq!(
        found(&app, &v, &[("q", "tomato"), ("page", "3")]).await,
        newest_first[40..]
    );
    let (_, page3) = app
        .get_text(&v, &search_path(&[("q", "tomato"), ("page", "3")]))
        .await;
    assert!(page3.contains("Messages 41 to 45"), "{page3}");
    assert!(
        page3.contains("rel=\"prev\"") && !page3.contains("rel=\"next\""),
        "{page3}"
    );
    for past in ["4", "0", "x", "51"] {
        let path = search_path(&[("q", "tomato"), ("page", past)]);
        app.assert_get("visitor", &v, &path, StatusCode::NOT_FOUND)
            .await;
    }

    // In one forum; by one author (ignoring case); both.
    let cooking_s = cooking.to_string();
    let in_cooking = found(&app, &v, &[("q", "tomato"), ("forum", &cooking_s)]).await;
    assert_eq!(in_cooking.len(), 20, "page 1 of the 23 in Cooking");
    let all_cooking = [
        in_cooking.clone(),
        found(
            &app,
            &v,
            &[("q", "tomato"), ("forum", &cooking_s), ("page", "2")],
        )
        .await,
    ]
    .concat();
    assert_eq!(all_cooking.len(), 23, "the opening message and 22 replies");
    let by_ann = found(&app, &v, &[("q", "tomato"), ("author", "ANN")]).await;
    assert_eq!(by_ann.len(), 20);
    let garden_s = garden.to_string();
    let ann_in_garden = found(
        &app,
        &v,
        &[("q", "tomato"), ("forum", &garden_s), ("author", "ann")],
    )
    .await;
    assert_eq!(ann_in_garden.len(), 20, "21 replies of ann in Beds");
    assert!(ann_in_garden.iter().all(|id| !all_cooking.contains(id)));
    let bob_in_garden = found(
        &app,
        &v,
        &[("q", "tomato"), ("forum", &garden_s), ("author", "bob")],
    )
    .await;
    assert_eq!(bob_in_garden, [tomatoes[1]], "only Bob's opening message");
    // The form keeps the filters.
    let (_, page) = app
        .get_text(
            &v,
            &search_path(&[("q", "tomato"), ("forum", &garden_s), ("author", "bob")]),
        )
        .await;
    assert!(
        page.contains(&format!("<option value=\"{garden}\" selected>")),
        "{page}"
    );
    assert!(page.contains("value=\"bob\""), "{page}");

    // An unknown forum or member is said next to its field.
    let (status, page) = app
        .get_text(&v, &search_path(&[("q", "tomato"), ("forum", "999")]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        element(&page, "f-search-forum-error").contains("no such forum"),
        "{page}"
    );
    let (status, page) = app
        .get_text(&v, &search_path(&[("q", "tomato"), ("author", "nobody")]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        element(&page, "f-search-author-error").contains("no member called"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excerpts_are_escaped_and_only_the_words_found_are_marked() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "F").await;
    let ann = app.member("ann").await;
    let topic = app
        .create_topic(&ann, forum, "<b>Title</b> & co", "opening")
        .await;
    let evil = app
        .reply(
            &ann,
            topic,
            "<script>alert('banana')</script> banana <img src=x onerror=alert(1)> \u{2}banana\u{3}",
        )
        .await;
    let v = app.client();
    let (status, page) = app.get_text(&v, &search_path(&[("q", "banana")])).await;
    assert_eq!(status, StatusCode::OK);
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
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "F").await;
    let ann = app.member("ann").await;
    let topic = app.create_topic(&ann, forum, "Fruit", "apples").await;
    let first = opening(&app, &ann, topic).await;
    let reply = app.reply(&ann, topic, "pears").await;
    let v = app.client();
    assert_eq!(found(&app, &v, &[("q", "pears")]).await, [reply]);

    app.assert_post(
        "ann",
        &ann,
        &format!("/messages/{reply}/edit"),
        &[("body", "plums")],
        StatusCode::SEE_OTHER,
    )
    .await;
    assert!(found(&app, &v, &[("q", "pears")]).await.is_empty());
    assert_eq!(found(&app, &v, &[("q", "plums")]).await, [reply]);

    app.assert_post(
        "admin",
        &admin,
        &format!("/messages/{reply}/delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    assert!(found(&app, &v, &[("q", "plums")]).await.is_empty());
    assert_eq!(found(&app, &v, &[("q", "apples")]).await, [first]);

    app.assert_post(
        "admin",
        &admin,
        &format!("/topics/{topic}/delete"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    assert!(found(&app, &v, &[("q", "apples")]).await.is_empty());
    assert!(
        found(&app, &v, &[("q", "fruit")]).await.is_empty(),
        "its title too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_is_not_searched_and_hostile_queries_get_a_message() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "F").await;
    let ann = app.member("ann").await;
    let topic = app
        .create_topic(
            &ann,
            forum,
            "Markup",
            "**bold** and [a link](https://example.org/href/strong), `code`",
        )
        .await;
    let first = opening(&app, &ann, topic).await;
    let v = app.client();
    assert_eq!(found(&app, &v, &[("q", "bold")]).await, [first]);
    assert_eq!(found(&app, &v, &[("q", "\"a link\"")]).await, [first]);
    assert_eq!(found(&app, &v, &[("q", "code")]).await, [first]);
    for markup in ["href", "strong", "example", "https", "em"] {
        assert!(
            found(&app, &v, &[("q", markup)]).await.is_empty(),
            "{markup}"
        );
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
        let (status, page) = app.get_text(&v, &search_path(&[("q", q)])).await;
        let shown: String = q.chars().take(30).collect();
        match status {
            StatusCode::OK => assert!(
                page.contains("id=\"results\"") || page.contains("id=\"no-results\""),
                "{shown:?}: {page}"
            ),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(
                    element(&page, "f-search-q-error").contains('.'),
                    "{shown:?}: {page}"
                )
            }
            other => panic!("{shown:?}: {other}"),
        }
    }
    // What each means.
    assert!(
        found(&app, &v, &[("q", "title:markup")]).await.is_empty(),
        "a word, not a column"
    );
    assert!(found(&app, &v, &[("q", "scope:f1")]).await.is_empty());
    assert_eq!(
        found(&app, &v, &[("q", "-bold")]).await,
        [first],
        "a word, not an exclusion"
    );
    let (status, page) = app.get_text(&v, &search_path(&[("q", &long)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(element(&page, "f-search-q-error").contains("more than 200 characters"));
    let (status, page) = app.get_text(&v, &search_path(&[("q", "**")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(element(&page, "f-search-q-error").contains("letters or digits"));
    let eleven = "a b c d e f g h i j k";
    let (status, page) = app.get_text(&v, &search_path(&[("q", eleven)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        element(&page, "f-search-q-error").contains("at most 10"),
        "{page}"
    );
    let (status, page) = app.get_text(&v, &search_path(&[("q", "bo*")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        element(&page, "f-search-q-error").contains("at least 3 letters"),
        "{page}"
    );
    assert_eq!(found(&app, &v, &[("q", "bol*")]).await, [first]);
    let (status, page) = app
        .get_text(&v, &search_path(&[("q", "bol* lin* cod*")]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        element(&page, "f-search-q-error").contains("at most 2 words"),
        "{page}"
    );
    assert_eq!(found(&app, &v, &[("q", "bol* lin* code")]).await, [first]);
    let (status, _) = app.get_text(&v, &search_path(&[("q", "")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an empty query");
    // Odd query strings are read leniently.
    for path in [
        "/search?q=bold&q=other",
        "/search?q=bold&&x",
        "/search?q=%ZZ",
        "/search?forum=&q=bold",
    ] {
        let (status, _) = app.get_text(&v, path).await;
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
    assert!(
        home.contains(
            "<form class=\"site-search\" role=\"search\" action=\"/search\" method=\"get\">"
        ),
        "{home}"
    );
    assert!(
        home.contains("<label class=\"visually-hidden\" for=\"site-search\">"),
        "{home}"
    );
    let (status, page) = app.get_text(&v, "/search").await;
    assert_eq!(status, StatusCode::OK, "the form, before any search");
    let form = element(&page, "search-form");
    assert!(
        form.contains("method=\"get\"") && form.contains("role=\"search\""),
        "{form}"
    );
    assert!(form.contains("<label for=\"f-search-q\">"), "{form}");
    assert!(!page.contains("id=\"no-results\"") && !page.contains("f-search-q-error"));
    let (status, _) = app.get_text(&v, "/login").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_limited_per_address() {
    let app = App::start_configured(|c| c.limits.search = causerie::limits::Rate::new(2, 60)).await;
    let v = app.client();
    for _ in 0..2 {
        let (status, _) = app.get_text(&v, &search_path(&[("q", "anything")])).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, page) = app.get_text(&v, &search_path(&[("q", "anything")])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        element(&page, "f-search-q-error").contains("Too many searches"),
        "{page}"
    );
    // The form itself, and refused queries, cost nothing and count nothing.
    let (status, _) = app.get_text(&v, "/search").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_waits_its_turn_then_is_told_to_come_back() {
    let app = App::start_configured(|c| c.limits.searches_at_once = 0).await;
    let v = app.client();
    let (status, page) = app.get_text(&v, &search_path(&[("q", "anything")])).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        element(&page, "f-search-q-error").contains("Many searches are running"),
        "{page}"
    );
    assert!(page.contains("value=\"anything\""), "the words kept");
}
