//! Markdown bodies through the real server: each construct as it shows,
//! what is removed (scripts, `javascript:` links, event attributes, images
//! from elsewhere), Preview with JavaScript off and with htmx on every
//! message form, edit showing the source, and quotes.

use reqwest::StatusCode;

use crate::common::*;

const REL: &str = "rel=\"nofollow ugc noopener noreferrer\"";

/// A forum with a topic by alice (its opening message `opening`); returns
/// (admin, alice, forum, topic).
async fn setup(app: &App, opening: &str) -> (reqwest::Client, reqwest::Client, i64, i64) {
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Markdown", opening).await;
    (admin, alice, forum, topic)
}

/// The body of message `id` as its topic page shows it.
async fn shown(app: &App, topic: i64, id: i64) -> String {
    let (status, page) = app
        .get_text(&app.client(), &format!("/topics/{topic}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let m = element(&page, &format!("message-{id}"));
    let start = m.find("<div class=\"body\" dir=\"auto\">").expect("a body");
    m[start..].to_string()
}

/// The tags of `html` (its text's `<` are escaped).
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .map(|(i, _)| &html[i..i + html[i..].find('>').map_or(html.len() - i, |j| j + 1)])
        .collect()
}

fn message_count(app: &App) -> i64 {
    with_db(&app.db_path, |c| {
        c.query_row("SELECT count(*) FROM messages", (), |r| r.get(0))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_construct_renders() {
    let app = App::start().await;
    let (_, alice, _, topic) = setup(&app, "opening").await;
    let body = "# A title\n\n## A smaller one\n\nSome *emphasis*, **strong**, `inline code` \
                and [a link](https://example.org/a \"its title\").\n\
                A second line, then https://bare.example/x_(y).\n\n\
                - one\n- two\n  - nested\n\n3. three\n4. four\n\n\
                > quoted\n> > twice\n\n```\nlet x = 1 < 2;\n```\n\n    indented code\n\n---\n";
    let id = app.reply(&alice, topic, body).await;
    let html = shown(&app, topic, id).await;
    for part in [
        "<h4>A title</h4>",
        "<h5>A smaller one</h5>",
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<code>inline code</code>",
        &format!("<a href=\"https://example.org/a\" title=\"its title\" {REL}>a link</a>"),
        // A line break shows as typed; a bare address is a link.
        "<br>\nA second line",
        &format!("<a href=\"https://bare.example/x_(y)\" {REL}>https://bare.example/x_(y)</a>."),
        "<ul>\n<li>one</li>\n<li>two\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>",
        "<ol start=\"3\">\n<li>three</li>",
        "<blockquote>\n<p>quoted</p>\n<blockquote>\n<p>twice</p>\n</blockquote>\n</blockquote>",
        "<pre><code>let x = 1 &lt; 2;\n</code></pre>",
        "<pre><code>indented code\n</code></pre>",
        "<hr>",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    assert!(!html.contains("<h1") && !html.contains("<h2"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_could_run_or_load_is_removed() {
    let app = App::start().await;
    let (_, alice, _, topic) = setup(&app, "opening").await;
    let body = "<script>alert(1)</script>\n\n\
                text <img src=x onerror=alert(2)> and <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">raw</a>\n\n\
                [click](javascript:alert(5)) [data](data:text/html,x) [mail](mailto:a@b.c)\n\n\
                ![a cat](https://images.example/cat.png) ![](https://images.example/dog.png)\n\n\
                <div onmouseover=\"alert(6)\">block</div>\n\n\
                bidi&#x202e;gone &#x2066;too";
    let id = app.reply(&alice, topic, body).await;
    let html = shown(&app, topic, id).await;
    // Raw HTML is shown as the text it is, never as markup.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(
        html.contains("<p>&lt;div onmouseover=\"alert(6)\"&gt;block&lt;/div&gt;</p>"),
        "{html}"
    );
    // Every `<` left is markup the sanitiser let through: none of it runs.
    for tag in tags(&html) {
        for gone in ["<script", "<img", "<div on", " on", "javascript:", "data:"] {
            assert!(!tag.contains(gone), "{gone} in {tag}");
        }
    }
    assert!(!html.contains(['\u{202e}', '\u{2066}']), "{html}");
    // A link to a scheme that could run loses its address, not its text.
    assert!(html.contains(&format!("<a {REL}>click</a>")), "{html}");
    assert!(
        html.contains(&format!("<a href=\"mailto:a@b.c\" {REL}>mail</a>")),
        "{html}"
    );
    // Images from anywhere are links to them, never loaded.
    assert!(
        html.contains(&format!(
            "<a href=\"https://images.example/cat.png\" {REL}>a cat</a>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a href=\"https://images.example/dog.png\" {REL}>https://images.example/dog.png</a>"
        )),
        "{html}"
    );
    assert!(html.contains("bidigone too"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_without_javascript_shows_the_form_again_and_writes_nothing() {
    let app = App::start().await;
    let (_, alice, forum, topic) = setup(&app, "opening").await;
    let messages = message_count(&app);
    let typed = "Some **bold** <b>text</b>";
    let rendered = "<p>Some <strong>bold</strong> &lt;b&gt;text&lt;/b&gt;</p>";
    let kept = "Some **bold** &lt;b&gt;text&lt;/b&gt;</textarea>";
    let first = ids(
        &app.get_text(&alice, &format!("/topics/{topic}")).await.1,
        "message-",
    )[0];

    // Each message form: the form page again, 200, the text kept, the
    // preview above the field.
    for (path, form_id, fields) in [
        (
            format!("/topics/{topic}/messages"),
            "reply-form",
            vec![("body", typed), ("preview", "1")],
        ),
        (
            format!("/forums/{forum}/topics"),
            "new-topic-form",
            vec![("title", "Kept title"), ("body", typed), ("preview", "1")],
        ),
        (
            format!("/messages/{first}/edit"),
            "edit-form",
            vec![("body", typed), ("preview", "1")],
        ),
    ] {
        let (status, page) = app.post_text(&alice, &path, &fields).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let form = element(&page, form_id);
        let preview = element(&page, &format!("{form_id}-preview"));
        assert!(preview.contains(rendered), "{path}: {preview}");
        assert!(form.contains(kept), "{path}: {form}");
        assert!(
            form.find(&format!("id=\"{form_id}-preview\"")) < form.find("<textarea"),
            "{path}: the preview comes first"
        );
        if form_id == "new-topic-form" {
            assert!(form.contains("value=\"Kept title\""), "{form}");
        }
        // A body that would be refused is refused, with the text kept.
        let empty: Vec<_> = fields
            .iter()
            .map(|&(k, v)| if k == "body" { (k, "   ") } else { (k, v) })
            .collect();
        let (status, page) = app.post_text(&alice, &path, &empty).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(page.contains("Message cannot be empty."), "{path}: {page}");
    }
    assert_eq!(message_count(&app), messages, "nothing written");
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    let opening = element(&page, &format!("message-{first}"));
    assert!(
        opening.contains("<p>opening</p>") && !opening.contains("bold"),
        "the edit was not saved either: {opening}"
    );

    // Every form offers Preview; its region is empty until asked.
    let (_, forum_page) = app.get_text(&alice, &format!("/forums/{forum}")).await;
    let (_, edit_page) = app
        .get_text(&alice, &format!("/messages/{first}/edit"))
        .await;
    for (page, form_id) in [
        (&page, "reply-form"),
        (&forum_page, "new-topic-form"),
        (&edit_page, "edit-form"),
    ] {
        let form = element(page, form_id);
        assert!(
            form.contains("name=\"preview\" value=\"1\" formnovalidate"),
            "{form}"
        );
        assert!(
            form.contains(&format!(
                "<div class=\"preview\" id=\"{form_id}-preview\" aria-live=\"polite\"></div>"
            )),
            "{form}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_with_htmx_answers_the_preview_alone() {
    let app = App::start().await;
    let (_, alice, forum, topic) = setup(&app, "opening").await;
    let messages = message_count(&app);
    let here = format!("/topics/{topic}");
    let path = format!("/topics/{topic}/messages");
    let r = app
        .post_hx(
            &alice,
            &path,
            &[("body", "> *quoted*"), ("preview", "1")],
            &here,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let fragment = r.text().await.unwrap();
    assert!(
        fragment.contains("<blockquote>\n<p><em>quoted</em></p>\n</blockquote>"),
        "{fragment}"
    );
    assert!(
        !fragment.contains("<form") && !fragment.contains("<html"),
        "{fragment}"
    );

    let r = app
        .post_hx(&alice, &path, &[("body", ""), ("preview", "1")], &here)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fragment = r.text().await.unwrap();
    assert!(
        fragment.contains("role=\"alert\">Message cannot be empty.</p>")
            && !fragment.contains("<form"),
        "{fragment}"
    );

    let new_topic = format!("/forums/{forum}/topics");
    let r = app
        .post_hx(
            &alice,
            &new_topic,
            &[("title", ""), ("body", "`code`"), ("preview", "1")],
            &format!("/forums/{forum}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("<p><code>code</code></p>"));
    assert_eq!(message_count(&app), messages, "nothing written");

    // The buttons post to the form's own route, into the preview region.
    let (_, page) = app.get_text(&alice, &here).await;
    let form = element(&page, "reply-form");
    assert!(
        form.contains(&format!(
            "data-hx-post=\"{path}\" data-hx-target=\"#reply-form-preview\" data-hx-swap=\"innerHTML\""
        )),
        "{form}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_shows_the_source_and_saves_it_rendered() {
    let app = App::start().await;
    let (_, alice, _, topic) = setup(&app, "# Opening\n\n*first* version").await;
    let first = ids(
        &app.get_text(&alice, &format!("/topics/{topic}")).await.1,
        "message-",
    )[0];
    let html = shown(&app, topic, first).await;
    assert!(
        html.contains("<h4>Opening</h4>\n<p><em>first</em> version</p>"),
        "{html}"
    );

    let edit = format!("/messages/{first}/edit");
    let (_, page) = app.get_text(&alice, &edit).await;
    assert!(
        element(&page, "edit-form").contains("# Opening\n\n*first* version</textarea>"),
        "{page}"
    );
    let r = app
        .post(&alice, &edit, &[("body", "**second** version")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = shown(&app, topic, first).await;
    assert!(
        html.contains("<p><strong>second</strong> version</p>"),
        "{html}"
    );
    let (_, page) = app.get_text(&alice, &edit).await;
    assert!(element(&page, "edit-form").contains("**second** version</textarea>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_is_a_markdown_block_quote_linking_back() {
    let app = App::start().await;
    let (_, alice, _, topic) = setup(&app, "opening").await;
    let quoted = app
        .reply(&alice, topic, "First line\n\n**Second** line")
        .await;
    let bob = app.member("bob_b").await;
    let expected =
        format!("> **alice** [wrote](/messages/{quoted}):\n> First line\n>\n> **Second** line\n\n");

    // The topic page links each message's quote for quote.js, and the
    // reply page for a browser without JavaScript.
    let (_, page) = app.get_text(&bob, &format!("/topics/{topic}")).await;
    let m = element(&page, &format!("message-{quoted}"));
    assert!(
        m.contains(&format!(
            "<a class=\"quote\" href=\"/topics/{topic}/reply?quote={quoted}\" \
             data-quote=\"/messages/{quoted}/quote\">Quote</a>"
        )),
        "{m}"
    );
    assert!(page.contains("/static/quote.js"), "{page}");

    // What quote.js inserts at the cursor.
    let r = app.get(&bob, &format!("/messages/{quoted}/quote")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), expected);
    app.assert_get(
        "visitor",
        &app.client(),
        "/messages/999/quote",
        StatusCode::NOT_FOUND,
    )
    .await;

    // Without JavaScript: the reply page, prefilled with the same text.
    let (status, html) = app
        .get_text(&bob, &format!("/topics/{topic}/reply?quote={quoted}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let escaped = expected.replace('>', "&gt;");
    assert!(element(&html, "reply-form").contains(&escaped), "{html}");

    // Posted, it shows as a quote headed by its author, linking back.
    let reply = app.reply(&bob, topic, &format!("{expected}I agree.")).await;
    let html = shown(&app, topic, reply).await;
    assert!(
        html.contains(&format!(
            "<blockquote>\n<p><strong>alice</strong> <a href=\"/messages/{quoted}\" {REL}>wrote</a>:<br>\n\
             First line</p>\n<p><strong>Second</strong> line</p>\n</blockquote>\n<p>I agree.</p>"
        )),
        "{html}"
    );

    // An author whose name holds `_` is not read as emphasis.
    let bobs = app.reply(&bob, topic, "from bob").await;
    let r = app.get(&alice, &format!("/messages/{bobs}/quote")).await;
    assert!(r.text().await.unwrap().starts_with("> **bob\\_b** [wrote]"));
}
