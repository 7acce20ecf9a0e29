//! French and English through the real server: how a request's language is
//! chosen, what the pages say in it, and live fragments in each viewer's.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{ACCEPT_LANGUAGE, REFERER, VARY};
use reqwest::{Client, StatusCode};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::*;

async fn page(app: &App, c: &Client, path: &str, accept: &str) -> (StatusCode, String) {
    let r = c
        .get(app.url(path))
        .header(ACCEPT_LANGUAGE, accept)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Words of the English UI that a French page must not show (user text in
/// these tests is chosen to hold none of them).
const ENGLISH: &[&str] = &[
    ">Log in<",
    ">Register<",
    ">Log out<",
    ">Search<",
    "Logged in as",
    ">Account<",
    ">Home<",
    "No messages yet",
    " by <",
    "Last message",
    " replies<",
    " reply<",
    " topics<",
    "Start a topic",
    "Post topic",
    "Post reply",
    ">Reply<",
    ">Quote<",
    ">Edit<",
    "Preview",
    "Mark all read",
    "Not found",
    "nothing at this address",
    "Change password",
    "Your account",
    "Log out everywhere",
    "Username",
    "Password",
    "a small real-time forum",
    "Back to the forums",
    // Administration.
    "Create forum",
    "Rename or describe",
    "Delete this forum",
    "New administrator",
    "Create administrator",
    ">Registration<",
    "Who may create",
    "anyone may register",
    "Accounts awaiting",
    " registered ",
    ">Approve<",
    "Refuse (delete)",
    "All accounts",
    "Name contains",
    "A disabled account",
    ">Registered<",
    ">Status<",
    ">active<",
    ">Disable<",
    ">Save<",
    "Delete forever",
    "cannot be undone",
    "No forums yet",
    // Reports.
    "Report a message",
    "Send report",
    "Why should",
    "Only administrators",
    ">Reports<",
    " reported.",
    ">Dismiss<",
    "Delete the topic",
    "Disable the author",
    // Search.
    "Search with filters",
    "Messages holding",
    "for a phrase",
    "terms in all",
    "No message holds",
    "Check the spelling",
    "newest first",
    "matches",
    "There is no",
    "Put at least",
    "Too many searches",
    ">Results<",
    // Pictures.
    ">Picture<",
    "This file",
    "Choose a",
    "Upload",
    "Your picture",
    "No picture yet",
];

fn assert_french(path: &str, html: &str) {
    assert!(html.contains("<html lang=\"fr\">"), "{path}: not French");
    for word in ENGLISH {
        assert!(!html.contains(word), "{path} still says {word:?}");
    }
}

#[tokio::test]
async fn accept_language_chooses_french_and_says_it_varies() {
    let app = App::start().await;
    let c = app.client();
    let r = c
        .get(app.url("/"))
        .header(ACCEPT_LANGUAGE, "de-DE, fr;q=0.8, en;q=0.5")
        .send()
        .await
        .unwrap();
    let vary = r
        .headers()
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        vary.iter().any(|v| v.contains("Accept-Language")),
        "{vary:?}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("Se connecter") && html.contains("S’inscrire"));
    let (_, en) = page(&app, &c, "/", "en-GB,en;q=0.9").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains(">Log in<"));
    let (_, none) = page(&app, &c, "/", "de").await;
    assert!(none.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn the_switchers_cookie_overrides_the_browser_and_returns_to_the_page() {
    let app = App::start().await;
    let c = app.client();
    let r = c
        .post(app.url("/lang"))
        .header(REFERER, app.url("/register?from=footer"))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/register?from=footer");
    let (_, html) = page(&app, &c, "/login", "fr").await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "cookie en beats Accept-Language fr"
    );
    c.post(app.url("/lang"))
        .form(&[("lang", "fr")])
        .send()
        .await
        .unwrap();
    let (_, html) = page(&app, &c, "/login", "en").await;
    assert_french("/login", &html);
    // Somewhere else than this site is never where it goes back to.
    let r = c
        .post(app.url("/lang"))
        .header(REFERER, "https://elsewhere.example//evil")
        .form(&[("lang", "fr")])
        .send()
        .await
        .unwrap();
    assert!(location(&r).starts_with('/') && !location(&r).starts_with("//"));
}

#[tokio::test]
async fn a_members_choice_overrides_the_cookie_and_is_set_on_the_account_page() {
    let app = App::start().await;
    let m = app.member("marie").await;
    let (_, html) = page(&app, &m, "/account", "en").await;
    assert!(html.contains("id=\"language-form\""));
    let r = app.post(&m, "/account/lang", &[("lang", "fr")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Another browser whose cookie says English (the footer's switcher,
    // used as a visitor), with an English Accept-Language: once the member
    // logs in there, their own choice wins.
    let again = app.client();
    app.post(&again, "/lang", &[("lang", "en")]).await;
    let (_, html) = page(&app, &again, "/login", "en").await;
    assert!(html.contains("<html lang=\"en\">"));
    app.assert_post(
        "login",
        &again,
        "/login",
        &account_fields("marie", PASSWORD),
        StatusCode::SEE_OTHER,
    )
    .await;
    let (_, html) = page(&app, &again, "/account", "en").await;
    assert_french("/account", &html);
    assert!(html.contains("Votre compte"));
    // A language the site does not speak is refused and changes nothing,
    // from the account page and from the switcher.
    for path in ["/account/lang", "/lang"] {
        let r = app.post(&m, path, &[("lang", "xx")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    let (_, html) = page(&app, &again, "/account", "en").await;
    assert!(html.contains("Votre compte"), "still French");
    // No choice: back to the browser's.
    app.post(&m, "/account/lang", &[("lang", "")]).await;
    let (_, html) = page(&app, &again, "/", "en").await;
    assert!(html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn validation_errors_and_error_pages_speak_french() {
    let app = App::start().await;
    let c = app.client();
    let r = c
        .post(app.url("/register"))
        .header(ACCEPT_LANGUAGE, "fr")
        .form(&register_fields("ab", "short", "other"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Le nom d’utilisateur doit compter au moins 3 caractères."),
        "{html}"
    );
    assert!(html.contains("Le mot de passe doit compter au moins 8 caractères."));
    let (status, html) = page(&app, &c, "/no/such/page", "fr").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_french("404", &html);
    assert!(html.contains("Introuvable"));
    // The 401 login form, rendered without the request, is French too.
    let (status, html) = page(&app, &c, "/account", "fr").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Veuillez vous connecter pour continuer."));
}

#[tokio::test]
async fn a_french_visitor_sees_pages_with_no_english_left() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app
        .create_forum_with(&admin, "Jardinage", "Potager et verger")
        .await;
    let m = app.member("paul").await;
    let topic = app
        .create_topic(&m, forum, "Tomates", "Quand planter ?")
        .await;
    app.reply(&admin, topic, "En mai.").await;
    let c = app.client();
    for path in [
        "/".to_string(),
        format!("/forums/{forum}"),
        format!("/topics/{topic}"),
        "/login".to_string(),
        "/register".to_string(),
    ] {
        let (status, html) = page(&app, &c, &path, "fr-FR").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_french(&path, &html);
    }
    let (_, forum_page) = page(&app, &c, &format!("/forums/{forum}"), "fr").await;
    assert!(forum_page.contains("1 réponse"), "plural of one");
    // A member's own pages, with the reply form and controls.
    app.post(&m, "/account/lang", &[("lang", "fr")]).await;
    for path in [format!("/topics/{topic}"), "/account".to_string()] {
        let (_, html) = page(&app, &m, &path, "en").await;
        assert_french(&path, &html);
        assert!(!html.contains(">Post reply<") && !html.contains("Markdown:"));
    }
    app.reply(&m, topic, "Merci").await;
    let (_, forum_page) = page(&app, &c, &format!("/forums/{forum}"), "fr").await;
    assert!(forum_page.contains("2 réponses"), "plural of two");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_search_reports_and_pictures_have_no_english_left_either() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app
        .create_forum_with(&admin, "Jardinage", "Potager et verger")
        .await;
    let m = app.member("paul").await;
    let topic = app
        .create_topic(&m, forum, "Tomates", "Quand planter les tomates ?")
        .await;
    let reply = app.reply(&admin, topic, "En mai, après les gelées.").await;
    // A report waiting, an account waiting for approval.
    app.post(
        &m,
        &format!("/messages/{reply}/report"),
        &[("reason", "Hors sujet")],
    )
    .await;
    app.post(&admin, "/admin/registration", &[("mode", "approval")])
        .await;
    let v = app.client();
    app.post(
        &v,
        "/register",
        &register_fields("lucie", PASSWORD, PASSWORD),
    )
    .await;
    let fr = |path: String, html: String| {
        assert_french(&path, &html);
        html
    };
    for path in [
        "/admin".to_string(),
        "/admin/accounts".to_string(),
        "/admin/reports".to_string(),
        format!("/admin/forums/{forum}/delete"),
    ] {
        let (status, html) = page(&app, &admin, &path, "fr").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let html = fr(path, html);
        assert!(!html.contains(">Delete<"));
    }
    // The same pages in English do say the words looked for.
    let (_, html) = page(&app, &admin, "/admin", "en").await;
    for word in [
        "Create forum",
        ">Registration<",
        "Accounts awaiting",
        " registered ",
        " reported.",
    ] {
        assert!(html.contains(word), "English /admin says {word:?}");
    }
    let (_, html) = page(&app, &admin, "/admin", "fr").await;
    assert!(html.contains("Comptes en attente d’approbation"), "{html}");
    assert!(html.contains("1 message signalé."), "{html}");
    let (_, html) = page(&app, &admin, "/admin/accounts", "fr").await;
    assert!(html.contains(">Réactiver<") || html.contains(">Désactiver<"));
    // The report form, as the member who writes it sees it.
    let (_, html) = page(&app, &m, &format!("/messages/{reply}/report"), "fr").await;
    fr("report".into(), html);
    // Search: results, none, and refusals (the parser's, a forum, an author).
    let c = app.client();
    let (status, html) = page(&app, &c, "/search?q=tomates", "fr").await;
    assert_eq!(status, StatusCode::OK);
    let html = fr("/search?q=tomates".into(), html);
    assert!(html.contains("1 message trouvé"), "{html}");
    assert!(html.contains("par <a"), "{html}");
    let (_, html) = page(&app, &c, "/search?q=zanzibar", "fr").await;
    let html = fr("no result".into(), html);
    assert!(html.contains("Aucun message ne contient"), "{html}");
    for (q, says) in [
        ("ab*", "Mettez au moins 3 lettres avant un *"),
        ("tomates&forum=999", "Ce forum n’existe pas"),
        ("tomates&author=personne", "Aucun membre ne s’appelle"),
        ("a b c d e f g h i j k", "Cherchez au plus 10 mots"),
    ] {
        let path = format!("/search?q={q}");
        let (status, html) = page(&app, &c, &path, "fr").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let html = fr(path, html);
        assert!(html.contains(says), "{q}: {html}");
    }
    // The account page after a refused upload, in the member's language.
    app.post(&m, "/account/lang", &[("lang", "fr")]).await;
    let (status, html) = crate::avatars::upload(&app, &m, b"not a picture".to_vec(), "x.png").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = fr("refused upload".into(), html);
    assert!(html.contains("Ce fichier n’est pas une image"), "{html}");
    assert!(
        html.contains("value=\"fr\" checked"),
        "the choice kept: {html}"
    );
}

async fn socket(
    app: &App,
    view: &str,
    accept: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("ws://{}/_ws?view={}", app.addr, view.replace('/', "%2F"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("accept-language", accept.parse().unwrap());
    tokio_tungstenite::connect_async(req)
        .await
        .expect("socket connects")
        .0
}

/// Frames until one holds `needle`; panics when none does in ten seconds.
async fn frame_with(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    needle: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains(needle) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            _ => panic!("no frame with {needle:?}"),
        }
    }
}

#[tokio::test]
async fn live_fragments_reach_each_socket_in_its_own_language() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Jardin").await;
    let m = app.member("lea").await;
    let topic = app.create_topic(&m, forum, "Semis", "Premier").await;
    let view = format!("/forums/{forum}");
    let mut fr = socket(&app, &view, "fr").await;
    let mut en = socket(&app, &view, "en").await;
    // The catch-ups first, each in its language.
    frame_with(&mut fr, "0 réponse").await;
    frame_with(&mut en, "0 replies").await;
    app.reply(&admin, topic, "Second").await;
    let f = frame_with(&mut fr, "1 réponse").await;
    assert!(
        f.contains("Dernier message") && !f.contains("Last message"),
        "{f}"
    );
    let e = frame_with(&mut en, "1 reply").await;
    assert!(
        e.contains("Last message") && !e.contains("Dernier message"),
        "{e}"
    );
    // A topic page's socket: a new message, in French, to the French one.
    let tview = format!("/topics/{topic}");
    let mut tfr = socket(&app, &tview, "fr").await;
    frame_with(&mut tfr, "id=\"messages\"").await;
    app.reply(&m, topic, "Troisième").await;
    let f = frame_with(&mut tfr, "Troisième").await;
    assert!(f.contains(" UTC</time>") && !f.contains(" Jan "), "{f}");
}

/// A quote becomes the quoter's own text: its "wrote" is in their language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_says_wrote_in_the_quoters_language() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app
        .create_topic(&admin, forum, "Hello", "The opening")
        .await;
    let (_, html) = app.get_text(&admin, &format!("/topics/{topic}")).await;
    let first = ids(&html, "message-")[0];
    let path = format!("/messages/{first}/quote");
    let (_, fr) = page(&app, &admin, &path, "fr-FR,fr;q=0.9").await;
    assert_eq!(
        fr,
        format!("> **admin** [a écrit](/messages/{first}):\n> The opening\n\n")
    );
    let (_, en) = page(&app, &admin, &path, "en").await;
    assert!(en.starts_with("> **admin** [wrote]("), "{en}");
}
