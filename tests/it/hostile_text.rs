//! Hostile text through the real server: bodies built to make the address
//! detector work hard are still served (the page, the quote, the socket's
//! catch-up), bidi and invisible controls are not stored and not shown, and
//! every piece of user text is isolated in the page's markup.

use std::future::Future;
use std::time::Duration;

use causerie::validate::BODY_MAX;
use futures_util::StreamExt;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

/// Far beyond what a page takes, so a slow machine does not fail the test;
/// before the linear detector, a page of one such body never came at all.
const PATIENCE: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, work: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, work)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer in {PATIENCE:?}"))
}

const ADDRESS: &str = "https://example.org/";
/// What marks a link made from a message's text (not one of its controls).
const LINK: &str = "rel=\"nofollow ugc noopener noreferrer\"";

/// The shapes of the issue, each as long as a body may be (sent urlencoded,
/// each stays under the 64 KiB request limit).
fn hostile_bodies() -> Vec<String> {
    let fill = |s: &str| s.repeat((BODY_MAX - ADDRESS.len()) / s.len());
    vec![
        format!("{ADDRESS}{}", fill(")")),
        format!("{ADDRESS}{}", fill("]")),
        format!("{ADDRESS}{}", fill(".:")),
        "http://".repeat(BODY_MAX / 7),
        "https://) ".repeat(BODY_MAX / 10),
        format!("{}x", "> ".repeat(BODY_MAX / 2 - 1)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_of_hostile_bodies_is_served() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Links", "first").await;
    let bodies = hostile_bodies();
    let mut ids = Vec::new();
    for body in &bodies {
        assert!(body.chars().count() <= BODY_MAX);
        ids.push(within("reply", app.reply(&alice, topic, body)).await);
    }

    let (status, page) = within(
        "topic page",
        app.get_text(&alice, &format!("/topics/{topic}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let parens = element(&page, &format!("message-{}", ids[0]));
    assert!(
        parens.contains(&format!(
            "<a href=\"{ADDRESS}\" rel=\"nofollow ugc noopener noreferrer\">{ADDRESS}</a>)))"
        )),
        "{}",
        &parens[..600]
    );
    let brackets = element(&page, &format!("message-{}", ids[1]));
    assert!(brackets.contains(&format!(">{ADDRESS}</a>]]]")));
    let dots = element(&page, &format!("message-{}", ids[2]));
    assert!(dots.contains(&format!(">{ADDRESS}</a>.:.:")));
    // Glued schemes are one address; bare ones are no address at all.
    let glued = element(&page, &format!("message-{}", ids[3]));
    assert_eq!(glued.matches(LINK).count(), 1);
    let bare = element(&page, &format!("message-{}", ids[4]));
    assert!(!bare.contains(LINK) && bare.contains("https://) https://)"));
    let quotes = element(&page, &format!("message-{}", ids[5]));
    assert!(quotes.contains("&gt; &gt; &gt; &gt;"));

    // Quoting one builds the reply form from it.
    let quote = format!("/topics/{topic}/reply?quote={}", ids[0]);
    let (status, form) = within("quote", app.get_text(&alice, &quote)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&format!("&gt; {ADDRESS})))")));

    // An edit renders it again, for the page and the socket.
    let edit = format!("/messages/{}/edit", ids[5]);
    let r = within("edit", app.post(&alice, &edit, &[("body", &bodies[0])])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A socket's catch-up renders them all under the hub's lock.
    let view = format!("/topics/{topic}").replace('/', "%2F");
    let url = format!("ws://{}/_ws?view={view}", app.addr);
    let (mut ws, _) = within("socket", tokio_tungstenite::connect_async(url))
        .await
        .expect("socket connects");
    // A big page's catch-up comes in frames of at most 64 KiB: read them
    // until every message has come.
    let mut catch_up = String::new();
    while !ids
        .iter()
        .all(|id| catch_up.contains(&format!("id=\"message-{id}\">")))
    {
        match within("catch-up", ws.next()).await {
            Some(Ok(Message::Text(t))) => catch_up.push_str(&t),
            Some(Ok(_)) => continue,
            other => panic!("no catch-up: {other:?}"),
        }
    }
    for id in &ids {
        assert!(element(&catch_up, &format!("message-{id}")).starts_with("<article"));
    }
    assert_eq!(catch_up.matches(&format!(">{ADDRESS}</a>))))")).count(), 2);
}

const CONTROLS: [char; 5] = ['\u{202e}', '\u{202c}', '\u{2066}', '\u{feff}', '\0'];

fn has_controls(html: &str) -> bool {
    html.contains(CONTROLS)
}

/// A title, a forum name and a description with bidi controls are stored
/// without them (removed, not refused: the writer cannot see them, a 422
/// would point at nothing); a body keeps the marks right-to-left writing uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_controls_are_removed_at_input() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app
        .create_forum_with(
            &admin,
            "News\u{202e}\u{200b}",
            "About\u{2066} things\u{feff}",
        )
        .await;
    let title = "\u{202e}Hello\u{202c} world\u{200f}";
    let body = "one\u{202e}two\u{0}three\u{200f}";
    let topic = app.create_topic(&alice, forum, title, body).await;

    let stored: (String, String, String, String) = with_db(&app.db_path, |c| {
        c.query_row(
            "SELECT f.name, f.description, t.title, m.body
             FROM topics t JOIN forums f ON f.id = t.forum_id
             JOIN messages m ON m.topic_id = t.id WHERE t.id = ?1",
            [topic],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    });
    assert_eq!(
        stored,
        (
            "News".to_string(),
            "About things".to_string(),
            "Hello world".to_string(),
            "onetwothree\u{200f}".to_string()
        )
    );

    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert!(page.contains("<h1 dir=\"auto\">Hello world"), "{page}");
    assert!(!has_controls(&page));

    // A title of nothing but invisible characters is empty.
    let (status, form) = app
        .post_text(
            &alice,
            &format!("/forums/{forum}/topics"),
            &topic_fields("\u{202e}\u{200b}\u{3164}", "body"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form.contains("Title cannot be empty."), "{form}");
}

/// Rows written before the rule may hold controls: the page shows none. (A
/// body's HTML is rendered when it is written, or by the migration to
/// version 3 for older rows: the row here is given the HTML that migration
/// renders; migration.rs runs the migration itself on such a body.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controls_in_older_rows_are_not_shown() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Plain", "plain").await;
    with_db(&app.db_path, |c| {
        c.execute(
            "UPDATE forums SET name = ?1, description = ?2",
            ["Gen\u{202e}eral", "About\u{2066} things"],
        )?;
        c.execute("UPDATE topics SET title = ?1", ["\u{202e}txt.exe\u{feff}"])?;
        // PostgreSQL's text holds no NUL: an older row there never had one.
        let old_body = c.pick("see \u{202e}https://a.b/\0c", "see \u{202e}https://a.b/c");
        c.execute(
            "UPDATE messages SET body = ?1, body_html = ?2",
            [
                old_body.to_string(),
                causerie::markdown::plain_text_html(old_body),
            ],
        )
    });

    for path in [
        "/".to_string(),
        format!("/forums/{forum}"),
        format!("/topics/{topic}"),
    ] {
        let (status, page) = app.get_text(&alice, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!has_controls(&page), "{path}: {page}");
        assert!(
            page.contains("General") || page.contains("txt.exe"),
            "{path}"
        );
    }
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert!(page.contains(">https://a.b/c</a>"), "{page}");
}

/// Right-to-left titles and names keep their letters and display in their
/// own direction, isolated from the words around them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_text_is_isolated_in_the_markup() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (name, description, title) = ("פורום", "על הכל", "שלום עולם");
    let forum = app.create_forum_with(&admin, name, description).await;
    let topic = app.create_topic(&alice, forum, title, "مرحبا").await;

    let (_, home) = app.get_text(&alice, "/").await;
    let entry = element(&home, &format!("forum-{forum}"));
    for isolated in [
        format!("<h2 dir=\"auto\"><a href=\"/forums/{forum}\">{name}</a>"),
        format!("<p class=\"description\" dir=\"auto\">{description}</p>"),
        format!(
            "<bdi>{title}</bdi></a> by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"
        ),
    ] {
        assert!(entry.contains(&isolated), "{isolated} in {entry}");
    }

    let (_, page) = app.get_text(&alice, &format!("/forums/{forum}")).await;
    let entry = element(&page, &format!("topic-{topic}"));
    assert!(
        page.contains(&format!("<h1 dir=\"auto\">{name}</h1>")),
        "{page}"
    );
    assert!(
        entry.contains(&format!("<bdi>{title}</bdi></a>")),
        "{entry}"
    );
    assert!(
        entry.contains("by <strong><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"),
        "{entry}"
    );

    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    for isolated in [
        format!("<h1 dir=\"auto\">{title}"),
        format!("<bdi>{name}</bdi></a>"),
        format!("<span aria-current=\"page\"><bdi>{title}</bdi></span>"),
        "<strong class=\"author\"><a href=\"/users/alice\"><bdi>alice</bdi></a></strong>"
            .to_string(),
        "<div class=\"body\" dir=\"auto\"><p>مرحبا</p></div>".to_string(),
        "Logged in as <strong><bdi>alice</bdi></strong>".to_string(),
    ] {
        assert!(page.contains(&isolated), "{isolated} in {page}");
    }
}
