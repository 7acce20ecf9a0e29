//! French and English in real headless Chromium: marie's browser asks for
//! French (`--lang=fr`, `--accept-lang=fr`), john's for English. They talk
//! in one topic: each page, and each live fragment the other's message
//! brings, is in its reader's language (the topic list's counts, the new
//! message's controls, the relative dates static/local-time.js writes).
//! The footer's switcher brings the same page back in the other language.

use fantoccini::{Client, Locator};

use crate::browser::{Driver, click_reply, js, log_in, no_errors, open_live, wait_until};
use crate::common::*;

async fn text(c: &Client, script: &str) -> String {
    js(c, script).await.trim_matches('"').to_string()
}

async fn html_lang(c: &Client) -> String {
    text(c, "return document.documentElement.lang").await
}

/// Waits until `selector`'s text is `expected`.
async fn wait_text(c: &Client, what: &str, selector: &str, expected: &str) {
    let get = format!("(document.querySelector('{selector}')?.textContent.trim() ?? null)");
    wait_until(
        c,
        what,
        &format!("return {get} === '{expected}'"),
        &format!("return {get}"),
    )
    .await;
}

/// Clicks the footer's button for `lang` and waits for the page to come
/// back in it, at `path`.
async fn switch_to(c: &Client, app: &App, lang: &str, path: &str) {
    c.find(Locator::Css(&format!(
        "footer nav.languages button[lang={lang}]"
    )))
    .await
    .unwrap_or_else(|e| panic!("the footer's {lang} button: {e}"))
    .click()
    .await
    .unwrap();
    wait_until(
        c,
        &format!("the page back in {lang}"),
        &format!("return document.documentElement.lang === '{lang}' && document.readyState === 'complete'"),
        "return document.documentElement.lang + ' ' + location.href",
    )
    .await;
    assert_eq!(c.current_url().await.unwrap().as_str(), app.url(path));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_and_an_english_member_talk_in_one_topic() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Jardinage").await;
    app.member("marie").await;
    let john_http = app.member("john").await;
    let topic = app
        .create_topic(&john_http, forum, "Tomatoes", "When do I plant them?")
        .await;
    let forum_path = format!("/forums/{forum}");
    let topic_path = format!("/topics/{topic}");

    let (marie, john) = tokio::join!(
        driver.browser_with(1100, 900, None, &["--lang=fr", "--accept-lang=fr"]),
        driver.browser_with(1100, 900, None, &["--lang=en-US", "--accept-lang=en-US"]),
    );
    // The login page, before anyone is known, follows the browser.
    marie.goto(&app.url("/login")).await.unwrap();
    assert_eq!(html_lang(&marie).await, "fr");
    assert_eq!(
        text(
            &marie,
            "return document.querySelector('#login-form button[type=submit]').textContent.trim()"
        )
        .await,
        "Se connecter"
    );
    tokio::join!(
        log_in(&marie, &app, "marie", PASSWORD),
        log_in(&john, &app, "john", PASSWORD)
    );

    // Marie: the topic in one window, the forum in another; john: the forum.
    let topic_window = marie.window().await.unwrap();
    let forum_window = marie.new_window(false).await.unwrap().handle;
    marie.switch_to_window(forum_window.clone()).await.unwrap();
    open_live(&marie, &app, &forum_path).await;
    marie.switch_to_window(topic_window.clone()).await.unwrap();
    open_live(&marie, &app, &topic_path).await;
    open_live(&john, &app, &forum_path).await;
    assert_eq!(html_lang(&marie).await, "fr");
    assert_eq!(html_lang(&john).await, "en");
    // The opening message's date, in local-time.js's French words.
    wait_until(
        &marie,
        "a French relative date",
        "const t = document.querySelector('.message time[datetime]')?.textContent ?? ''; \
         return t === 'à l’instant' || t.startsWith('il y a ')",
        "return document.querySelector('.message time[datetime]')?.textContent ?? null",
    )
    .await;
    assert!(
        text(
            &marie,
            "return document.querySelector('#reply-form button.primary').textContent.trim()"
        )
        .await
            == "Publier la réponse"
    );
    wait_text(
        &john,
        "john's count before",
        &format!("#topic-{topic} .count"),
        "0 replies",
    )
    .await;

    // John answers himself from another session: each live page in its own language.
    let first = app.reply(&john_http, topic, "Anyone?").await;
    wait_until(
        &marie,
        "john's reply in marie's topic page",
        &format!("return !!document.getElementById('message-{first}')"),
        "return document.querySelector('main').innerText",
    )
    .await;
    let controls = text(
        &marie,
        &format!("return document.querySelector('#message-{first}').innerText"),
    )
    .await;
    assert!(
        controls.contains("Citer") && controls.contains("Signaler") && !controls.contains("Quote"),
        "{controls}"
    );
    marie.switch_to_window(forum_window.clone()).await.unwrap();
    wait_text(
        &marie,
        "marie's count, live",
        &format!("#topic-{topic} .count"),
        "1 réponse",
    )
    .await;
    wait_text(
        &john,
        "john's count, live",
        &format!("#topic-{topic} .count"),
        "1 reply",
    )
    .await;

    // Marie answers through her French page's form.
    marie.switch_to_window(topic_window.clone()).await.unwrap();
    marie
        .find(Locator::Css("#reply-form textarea[name=body]"))
        .await
        .unwrap()
        .send_keys("En mai, après les gelées.")
        .await
        .unwrap();
    click_reply(&marie).await;
    marie.switch_to_window(forum_window.clone()).await.unwrap();
    wait_text(
        &marie,
        "marie's count, 2",
        &format!("#topic-{topic} .count"),
        "2 réponses",
    )
    .await;
    wait_text(
        &john,
        "john's count, 2",
        &format!("#topic-{topic} .count"),
        "2 replies",
    )
    .await;
    // The last message's line on john's page: English around marie's name.
    let last = text(
        &john,
        &format!("return document.querySelector('#topic-{topic}').innerText"),
    )
    .await;
    assert!(last.contains("by marie") && !last.contains("par"), "{last}");
    let last = text(
        &marie,
        &format!("return document.querySelector('#topic-{topic}').innerText"),
    )
    .await;
    assert!(last.contains("par marie"), "{last}");
    no_errors(&marie, "marie").await;
    no_errors(&john, "john").await;

    // The footer's switcher: the same page, in English, then French again.
    switch_to(&marie, &app, "en", &forum_path).await;
    wait_text(
        &marie,
        "english count",
        &format!("#topic-{topic} .count"),
        "2 replies",
    )
    .await;
    switch_to(&marie, &app, "fr", &forum_path).await;
    wait_text(
        &marie,
        "french count",
        &format!("#topic-{topic} .count"),
        "2 réponses",
    )
    .await;
    let _ = tokio::join!(marie.close(), john.close());
}

/// French pages for the docs, at desktop and phone widths:
/// `cargo test --test it french_screenshots -- --ignored` writes
/// docs/french.png (a topic) and docs/french-phone.png (the topic on a
/// phone), and the others (home, admin, search) to target/french-shots/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/french*.png: cargo test --test it french_screenshots -- --ignored"]
async fn french_screenshots() {
    use crate::browser::{save_png, shoot};
    let driver = Driver::start().await;
    let app = App::start().await;
    let admin = app.admin().await;
    let jardin = app
        .create_forum_with(
            &admin,
            "Jardinage",
            "Potager, verger et balcon : semis, récoltes et petites victoires.",
        )
        .await;
    app.create_forum_with(
        &admin,
        "Entraide",
        "Un souci avec le forum ? Demandez ici, en disant ce que vous avez déjà essayé.",
    )
    .await;
    let marie = app.member("marie").await;
    let john = app.member("john").await;
    let topic = app
        .create_topic(
            &marie,
            jardin,
            "Quand planter les tomates sur un balcon exposé plein sud ?",
            "Bonjour à tous,\n\nJ’ai un balcon plein sud à Lyon. Vous plantez quand, vous ?",
        )
        .await;
    let answer = app
        .reply(
            &john,
            topic,
            "Hi! I would wait for mid-May, after the last frosts.",
        )
        .await;
    app.reply(
        &marie,
        topic,
        "> after the last frosts\n\nMerci, c’est noté : **mi-mai** donc.",
    )
    .await;
    app.create_topic(
        &john,
        jardin,
        "Compost in winter",
        "Does it still work when it freezes?",
    )
    .await;
    // Something waiting on the admin page.
    app.post(&admin, "/admin/registration", &[("mode", "approval")])
        .await;
    app.post(
        &app.client(),
        "/register",
        &register_fields("lucie", PASSWORD, PASSWORD),
    )
    .await;
    app.post(
        &marie,
        &format!("/messages/{answer}/report"),
        &[("reason", "Test")],
    )
    .await;

    let fr = ["--lang=fr", "--accept-lang=fr"];
    let (desk, phone) = tokio::join!(
        driver.browser_with(1100, 900, None, &fr),
        driver.browser_with(500, 900, Some((390, 844)), &fr),
    );
    tokio::join!(
        log_in(&desk, &app, "admin", ADMIN_PASSWORD),
        log_in(&phone, &app, "admin", ADMIN_PASSWORD)
    );
    let dir = "../target/french-shots";
    let pages = [
        ("topic", format!("/topics/{topic}")),
        ("home", "/".to_string()),
        ("admin", "/admin".to_string()),
        ("search", "/search?q=tomates".to_string()),
        ("search-refused", "/search?q=ab*".to_string()),
        ("accounts", "/admin/accounts".to_string()),
    ];
    for (name, path) in &pages {
        desk.goto(&app.url(path)).await.unwrap();
        assert_eq!(html_lang(&desk).await, "fr", "{path}");
        shoot(&desk, 1100, &format!("{dir}/{name}.png")).await;
        phone.goto(&app.url(path)).await.unwrap();
        save_png(&phone, &format!("{dir}/{name}-phone.png")).await;
        let overflow = js(
            &phone,
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await;
        eprintln!("{path} on a phone: {overflow} px of horizontal overflow");
        js(
            &phone,
            "window.scrollTo(0, document.documentElement.scrollHeight); return true",
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        save_png(&phone, &format!("{dir}/{name}-phone-end.png")).await;
    }
    desk.goto(&app.url(&format!("/topics/{topic}")))
        .await
        .unwrap();
    shoot(&desk, 1100, "french.png").await;
    phone
        .goto(&app.url(&format!("/topics/{topic}")))
        .await
        .unwrap();
    save_png(&phone, "french-phone.png").await;
    let _ = tokio::join!(desk.close(), phone.close());
}
