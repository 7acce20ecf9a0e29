//! Markdown, Preview and Quote in real headless Chromium (what `browser.rs`
//! needs, this needs): Preview with JavaScript off brings the form back with
//! the preview and the text, writing nothing; with JavaScript, the preview
//! is swapped in place; Quote puts the quote into the reply form at the
//! cursor, and the posted quote links back.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::browser::{Driver, js, js_str, log_in, wait_until};
use crate::common::*;

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the browser is on `path` (no script needed to tell).
async fn wait_for_path(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still on {url}, waiting for {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs in through the form alone, with no script.
async fn log_in_without_js(c: &Client, app: &App, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    type_into(c, "#login-form input[name=username]", username).await;
    type_into(c, "#login-form input[name=password]", PASSWORD).await;
    click(c, "#login-form button[type=submit]").await;
    wait_for_path(c, "/").await;
}

fn message_count(app: &App) -> i64 {
    with_db(&app.db_path, |c| {
        c.query_row("SELECT count(*) FROM messages", (), |r| r.get(0))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_and_quote_in_real_browsers() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    app.member("bob").await;
    let opening = "Opening *words*\n\n```\ncode here\n```";
    let topic = app.create_topic(&alice, forum, "Markdown", opening).await;
    let topic_path = format!("/topics/{topic}");
    let first = ids(&app.get_text(&alice, &topic_path).await.1, "message-")[0];

    // JavaScript off: Preview posts the form; the form comes back with the
    // preview above the field and the text kept; nothing is written.
    let off = driver
        .browser_with(1280, 900, None, &["--blink-settings=scriptEnabled=false"])
        .await;
    log_in_without_js(&off, &app, "bob").await;
    off.goto(&app.url(&topic_path)).await.unwrap();
    let typed = "**bold** and `code`";
    type_into(&off, "#reply-form textarea[name=body]", typed).await;
    click(&off, "#reply-form button[name=preview]").await;
    wait_for_path(&off, &format!("/topics/{topic}/messages")).await;
    let source = off.source().await.unwrap();
    assert!(
        source.contains("<strong>bold</strong> and <code>code</code>"),
        "{source}"
    );
    assert!(
        source.contains(&format!("{typed}</textarea>")),
        "the text is kept: {source}"
    );
    assert_eq!(message_count(&app), 1, "a preview writes nothing");
    // Posted from there, it is written, rendered.
    click(&off, "#reply-form button.primary").await;
    wait_for_path(&off, &topic_path).await;
    assert_eq!(message_count(&app), 2);
    let source = off.source().await.unwrap();
    assert!(source.contains("<p><strong>bold</strong> and <code>code</code></p>"));
    let _ = off.close().await;

    // With JavaScript: the preview is swapped in place, the text kept.
    let on = driver.browser(1280, 900).await;
    log_in(&on, &app, "alice", PASSWORD).await;
    on.goto(&app.url(&topic_path)).await.unwrap();
    let field = "document.querySelector('#reply-form textarea[name=body]')";
    type_into(&on, "#reply-form textarea[name=body]", "> quoted *text*").await;
    click(&on, "#reply-form button[name=preview]").await;
    wait_until(
        &on,
        "the preview in place",
        "return document.querySelector('#reply-form-preview blockquote em')?.textContent === 'text'",
        "return document.querySelector('#reply-form')?.outerHTML",
    )
    .await;
    assert_eq!(
        js(
            &on,
            &format!("return location.pathname + '|' + {field}.value")
        )
        .await,
        format!("\"{topic_path}|> quoted *text*\"")
    );
    assert_eq!(message_count(&app), 2, "a preview writes nothing");

    // Quote: into the reply form, at the cursor, without leaving the page.
    js(
        &on,
        &format!(
            "const t = {field}; t.focus(); t.value = 'Before\\n\\nAfter'; \
             t.setSelectionRange(8, 8); return true"
        ),
    )
    .await;
    click(&on, &format!("#message-{first} a.quote")).await;
    let quote = format!(
        "> **alice** [wrote](/messages/{first}):\n> Opening *words*\n>\n> ```\n> code here\n> ```\n\n"
    );
    let expected = format!("Before\n\n{quote}After");
    wait_until(
        &on,
        "the quote at the cursor",
        &format!("return {field}.value === {}", js_str(&expected)),
        &format!("return {field}.value"),
    )
    .await;
    assert_eq!(
        js(&on, "return location.pathname").await,
        format!("\"{topic_path}\"")
    );
    // Posted, it is a quote linking back to the quoted message.
    click(&on, "#reply-form button.primary").await;
    wait_until(
        &on,
        "the quoting reply",
        &format!(
            "return !!document.querySelector('#messages blockquote a[href=\"/messages/{first}\"]')"
        ),
        "return document.querySelector('#messages')?.innerHTML",
    )
    .await;
    assert_eq!(message_count(&app), 3);
    let _ = on.close().await;
    drop(driver);
}
