//! Security: the permission table checked on the server for every mutation,
//! escaping of everything users type, cross-site requests, the session
//! cookie and its rotation at login, and the request size limit.

use crate::common::*;
use reqwest::{Client, StatusCode};

const XSS: &str = "<script>alert(1)</script>";
const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

fn assert_escaped(html: &str, what: &str) {
    assert!(
        html.contains(ESCAPED),
        "{what}: escaped text missing in {html}"
    );
    assert!(
        !html.contains("<script>alert"),
        "{what}: raw script in {html}"
    );
}

/// A POST: its path, its form, and whether it is for admins only.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, bool);

/// Every mutation in SPEC's table that needs more than a visitor, as
/// (path, form, admin only). A visitor gets 401 for each, a member 403 for
/// the admin ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_is_checked_on_the_server() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let visitor = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Topic", "opening").await;
    let reply = app.reply(&alice, topic, "alice's reply").await;
    let snapshot = async || {
        let home = app.get_text(&visitor, "/").await.1;
        let forum_page = app.get_text(&visitor, &format!("/forums/{forum}")).await.1;
        let topic_page = app.get_text(&visitor, &format!("/topics/{topic}")).await.1;
        (home, forum_page, topic_page)
    };
    let before = snapshot().await;

    let t = |s: &str| {
        s.replace("{f}", &forum.to_string())
            .replace("{t}", &topic.to_string())
            .replace("{m}", &reply.to_string())
    };
    let password_form = password_fields(PASSWORD, "changed-password", "changed-password");
    let cases: Vec<Case> = vec![
        (t("/logout"), vec![], false),
        (t("/account/password"), password_form.to_vec(), false),
        (
            t("/forums/{f}/topics"),
            topic_fields("New", "text").to_vec(),
            false,
        ),
        (t("/topics/{t}/messages"), vec![("body", "a reply")], false),
        (t("/messages/{m}/edit"), vec![("body", "changed")], false),
        (t("/messages/{m}/delete"), vec![], true),
        (t("/topics/{t}/delete"), vec![], true),
        (t("/topics/{t}/lock"), vec![], true),
        (t("/topics/{t}/unlock"), vec![], true),
        (t("/admin/forums"), forum_fields("Other", "").to_vec(), true),
        (
            t("/admin/forums/{f}/edit"),
            forum_fields("Renamed", "").to_vec(),
            true,
        ),
        (t("/admin/forums/{f}/delete"), vec![], true),
        (
            t("/admin/admins"),
            account_fields("boss", PASSWORD).to_vec(),
            true,
        ),
    ];
    for (path, form, admin_only) in &cases {
        let (status, html) = app.post_text(&visitor, path, form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "visitor: {path}");
        assert!(
            html.contains("id=\"login-form\""),
            "visitor is shown the login form: {path}"
        );
        if *admin_only {
            for (who, member) in [("alice", &alice), ("bob", &bob)] {
                app.assert_post(who, member, path, form, StatusCode::FORBIDDEN)
                    .await;
            }
        }
    }
    // Someone else's message, even when it is a member's.
    let form = [("body", "bob's now")];
    let edit = t("/messages/{m}/edit");
    app.assert_post("bob", &bob, &edit, &form, StatusCode::FORBIDDEN)
        .await;
    // Pages behind the same checks.
    for (path, member_status) in [
        (t("/account"), StatusCode::OK),
        (t("/topics/{t}/reply"), StatusCode::OK),
        (t("/messages/{m}/edit"), StatusCode::FORBIDDEN),
        (t("/admin"), StatusCode::FORBIDDEN),
        (t("/admin/forums/{f}/delete"), StatusCode::FORBIDDEN),
    ] {
        app.assert_get("visitor", &visitor, &path, StatusCode::UNAUTHORIZED)
            .await;
        app.assert_get("bob", &bob, &path, member_status).await;
    }

    // Nothing changed, and everyone is still who they were.
    assert_eq!(snapshot().await, before);
    app.login("alice", PASSWORD).await;
    app.login("bob", PASSWORD).await;
    app.assert_get("bob", &bob, "/account", StatusCode::OK)
        .await;
    let form = account_fields("boss", PASSWORD);
    let no_account = StatusCode::UNPROCESSABLE_ENTITY;
    app.assert_post("boss", &app.client(), "/login", &form, no_account)
        .await;

    // Reading is for everyone.
    for (who, c) in [("visitor", &visitor), ("alice", &alice), ("admin", &admin)] {
        for path in ["/".to_string(), t("/forums/{f}"), t("/topics/{t}")] {
            app.assert_get(who, c, &path, StatusCode::OK).await;
        }
        let link = t("/messages/{m}");
        app.assert_get(who, c, &link, StatusCode::SEE_OTHER).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_users_type_is_escaped() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let visitor = app.client();

    let forum = app.create_forum_with(&admin, XSS, XSS).await;
    let topic = app.create_topic(&alice, forum, XSS, XSS).await;
    let reply = app.reply(&alice, topic, &format!("reply {XSS}")).await;

    let (_, home) = app.get_text(&visitor, "/").await;
    assert_escaped(
        element(&home, &format!("forum-{forum}")),
        "home: forum name, description, topic title",
    );
    assert_eq!(
        home.matches(ESCAPED).count(),
        3,
        "name, description and last topic title"
    );
    let (_, page) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    assert_escaped(&page, "forum page");
    assert_escaped(element(&page, &format!("topic-{topic}")), "topic entry");
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    assert_escaped(&page, "topic page");
    assert_escaped(element(&page, &format!("message-{reply}")), "reply body");
    let (_, page) = app.get_text(&admin, "/admin").await;
    assert_escaped(&page, "admin page");
    let (_, page) = app
        .get_text(&admin, &format!("/admin/forums/{forum}/delete"))
        .await;
    assert_escaped(&page, "delete forum page");
    let (_, page) = app
        .get_text(&alice, &format!("/messages/{reply}/edit"))
        .await;
    assert_escaped(element(&page, "edit-form"), "edit form");
    let (_, page) = app
        .get_text(&alice, &format!("/topics/{topic}/reply?quote={reply}"))
        .await;
    assert_escaped(element(&page, "reply-form"), "quoted reply");

    // Re-rendered forms escape what was typed, in attributes too.
    let sneaky = format!("\">{XSS}");
    let form = register_fields(&sneaky, PASSWORD, PASSWORD);
    let (status, html) = app.post_text(&app.client(), "/register", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(&html, "register form");
    assert!(
        html.contains(&format!("value=\"&quot;&gt;{ESCAPED}\"")),
        "{html}"
    );
    let form = account_fields(XSS, PASSWORD);
    let (status, html) = app.post_text(&app.client(), "/login", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(&html, "login form");
    let new_topic = format!("/forums/{forum}/topics");
    let form = topic_fields(XSS, "");
    let (status, html) = app.post_text(&alice, &new_topic, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(&html, "new topic form");
    let form = forum_fields("", XSS);
    let (status, html) = app.post_text(&admin, "/admin/forums", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(element(&html, "new-forum-form"), "forum form");
    // htmx fragments too.
    let r = app
        .post_hx(
            &alice,
            &format!("/topics/{topic}/messages"),
            &[("body", XSS)],
            &format!("/topics/{topic}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_escaped(&r.text().await.unwrap(), "reply fragment");
}

async fn post_with(
    app: &App,
    c: &Client,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> StatusCode {
    let mut req = c.post(app.url(path)).form(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let forum_page = format!("/forums/{forum}");
    let path = format!("{forum_page}/topics");
    let form = topic_fields("Planted", "by another site");
    let own_origin = app.base.clone();

    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("origin", "https://127.0.0.1.evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", own_origin.as_str()),
        ],
        vec![
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://evil.example"),
        ],
    ] {
        let status = post_with(&app, &alice, &path, &form, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    let (_, page) = app.get_text(&alice, &forum_page).await;
    assert!(ids(&page, "topic-").is_empty() && !page.contains("Planted"));

    // Nor can another site log someone in, or out, or act as an admin.
    let evil = [("origin", "http://evil.example")];
    let c = app.client();
    let login = account_fields("alice", PASSWORD);
    let status = post_with(&app, &c, "/login", &login, &evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.assert_get("visitor", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;
    let status = post_with(&app, &alice, "/logout", &[], &evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.assert_get("alice", &alice, "/account", StatusCode::OK)
        .await;
    let new_admin = account_fields("evil", PASSWORD);
    let status = post_with(&app, &admin, "/admin/admins", &new_admin, &evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let delete = format!("/admin/forums/{forum}/delete");
    let status = post_with(&app, &admin, &delete, &[], &evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.assert_get("admin", &admin, &forum_page, StatusCode::OK)
        .await;

    // The same requests from the site itself go through.
    let ok = [
        vec![("origin", own_origin.as_str())],
        vec![("sec-fetch-site", "same-origin")],
        vec![
            ("sec-fetch-site", "same-origin"),
            ("origin", own_origin.as_str()),
        ],
        vec![],
    ];
    for (i, headers) in ok.iter().enumerate() {
        // Each its own topic: the same one sent again would be the first.
        let title = format!("Planted {i}");
        let form = topic_fields(&title, "by another site");
        let status = post_with(&app, &alice, &path, &form, headers).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    }
    let (_, page) = app.get_text(&alice, &forum_page).await;
    assert_eq!(ids(&page, "topic-").len(), ok.len());

    // Following a link from another site to read is fine.
    let r = alice
        .get(app.url(&forum_page))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = App::start().await;
    let form = account_fields("admin", ADMIN_PASSWORD);
    let c = app.client();
    let r = app
        .assert_post("admin", &c, "/login", &form, StatusCode::SEE_OTHER)
        .await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("causerie="))
        .expect("a causerie cookie");
    let attrs = cookie.to_ascii_lowercase();
    assert!(attrs.contains("; httponly"), "{cookie}");
    assert!(attrs.contains("; samesite=lax"), "{cookie}");
    assert!(attrs.contains("; path=/"), "{cookie}");
    // Plain HTTP here, so not `Secure` (CAUSERIE_SECURE_COOKIES is off).
    assert!(!attrs.contains("; secure"), "{cookie}");
    // A visitor who only reads and fails to log in is not given a session.
    let c = app.client();
    let r = app.get(&c, "/").await;
    assert_eq!(session_cookie(&r), None);
}

/// Sends a request carrying only the given session cookie (no jar).
async fn as_cookie(app: &App, cookie: &str, path: &str) -> StatusCode {
    Client::new()
        .get(app.url(path))
        .header("cookie", format!("causerie={cookie}"))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_login() {
    let app = App::start().await;
    app.member("alice").await;
    app.member("bob").await;

    // A visitor's failed login: no session worth keeping, and if one was
    // given, logging in replaces it.
    let c = app.client();
    let form = account_fields("alice", "wrong-password");
    let wrong_password = StatusCode::UNPROCESSABLE_ENTITY;
    let r = app
        .assert_post("alice", &c, "/login", &form, wrong_password)
        .await;
    let before = session_cookie(&r);
    let form = account_fields("alice", PASSWORD);
    let r = app
        .assert_post("alice", &c, "/login", &form, StatusCode::SEE_OTHER)
        .await;
    let first = session_cookie(&r).expect("login sets the session cookie");
    assert_ne!(Some(first.clone()), before);
    assert_eq!(as_cookie(&app, &first, "/account").await, StatusCode::OK);

    // Logging in again over an existing session gives a new id, and the old
    // one no longer authenticates.
    let form = account_fields("bob", PASSWORD);
    let r = app
        .assert_post("bob", &c, "/login", &form, StatusCode::SEE_OTHER)
        .await;
    let second = session_cookie(&r).expect("a new session cookie");
    assert_ne!(second, first);
    assert_eq!(
        as_cookie(&app, &first, "/account").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(as_cookie(&app, &second, "/account").await, StatusCode::OK);
    let (_, account) = app.get_text(&c, "/account").await;
    assert!(
        account.contains("<strong><bdi>bob</bdi></strong>"),
        "{account}"
    );

    // A session id planted by someone else is never adopted.
    let planted = "planted-session-id";
    let r = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header("cookie", format!("causerie={planted}"))
        .form(&account_fields("alice", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let given = session_cookie(&r).expect("a session cookie");
    assert_ne!(given, planted);
    assert_eq!(
        as_cookie(&app, planted, "/account").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(as_cookie(&app, &given, "/account").await, StatusCode::OK);

    // Registration logs in with a fresh id too.
    let r = Client::new()
        .post(app.url("/register"))
        .header("cookie", format!("causerie={second}"))
        .form(&register_fields("carol", PASSWORD, PASSWORD))
        .send()
        .await
        .unwrap();
    let carol = session_cookie(&r).expect("registration sets the session cookie");
    assert_ne!(carol, second);
    assert_eq!(
        as_cookie(&app, &second, "/account").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_over_64_kib_are_413() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Topic", "opening").await;
    let huge = "x".repeat(70 * 1024);

    for (c, path, field) in [
        (&alice, format!("/topics/{topic}/messages"), "body"),
        (&alice, format!("/forums/{forum}/topics"), "body"),
        (&app.client(), "/register".to_string(), "username"),
        (&app.client(), "/login".to_string(), "password"),
        (&admin, "/admin/forums".to_string(), "description"),
    ] {
        let (status, html) = app.post_text(c, &path, &[(field, huge.as_str())]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(html.contains("larger than 64 KiB"), "{html}");
    }
    // Under the limit but over a field's limit is a 422, not a 413.
    let big = "x".repeat(60 * 1024);
    let reply = format!("/topics/{topic}/messages");
    let form = [("body", big.as_str())];
    let too_long = StatusCode::UNPROCESSABLE_ENTITY;
    app.assert_post("alice", &alice, &reply, &form, too_long)
        .await;
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert_eq!(ids(&page, "message-").len(), 1, "nothing was posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_forms_are_422_pages() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let r = alice
        .post(app.url(&format!("/forums/{forum}/topics")))
        .header("content-type", "application/json")
        .body(r#"{"title":"t","body":"b"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html") && html.contains("The form could not be read"),
        "{html}"
    );
    // Missing fields are empty fields, named in the error.
    let (status, html) = app
        .post_text(&alice, &format!("/forums/{forum}/topics"), &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Title cannot be empty.") && html.contains("Message cannot be empty."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_even_where_it_is_not_read() {
    let app = App::start().await;
    let member = app.member("bulky").await;
    let big = "x".repeat(65 * 1024);
    let r = member
        .post(app.url("/logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Still logged in: nothing happened.
    let (_, page) = app.get_text(&member, "/account").await;
    assert!(page.contains("bulky"));
}

/// htmx swaps error answers too, into the form that sent the request: an
/// error page (403, 404, 413) must come to htmx as a notice for `#flash`,
/// leaving the form and its text alone. Form answers (422, a locked topic)
/// still replace the form; a plain browser still gets the whole page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_gets_error_pages_as_notices_that_leave_the_form_alone() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Topic", "opening").await;
    let here = format!("/topics/{topic}");
    let huge = "x".repeat(70 * 1024);

    for (path, body, status, says) in [
        (
            "/topics/999/messages",
            "hello",
            StatusCode::NOT_FOUND,
            "Not found.",
        ),
        (
            &format!("/topics/{topic}/messages") as &str,
            huge.as_str(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than 64 KiB",
        ),
        (
            &format!("/topics/{topic}/lock"),
            "",
            StatusCode::FORBIDDEN,
            "Forbidden.",
        ),
    ] {
        let r = app.post_hx(&alice, path, &[("body", body)], &here).await;
        assert_eq!(r.status(), status, "htmx POST {path}");
        assert_eq!(header(&r, "hx-retarget"), "#flash", "{path}");
        assert_eq!(header(&r, "hx-reswap"), "innerHTML", "{path}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("<html") && !html.contains("<form"),
            "{path}: a notice, not a page: {html}"
        );
        assert!(
            html.contains(says) && html.contains("What you typed is still in the form."),
            "{path}: {html}"
        );

        // Without htmx: the page, as before.
        let r = app
            .assert_post("alice", &alice, path, &[("body", body)], status)
            .await;
        assert!(r.headers().get("hx-retarget").is_none(), "{path}");
        assert!(r.text().await.unwrap().contains("<html"), "{path}");
    }

    // Answers that are the form itself still replace it.
    let reply = format!("/topics/{topic}/messages");
    let r = app.post_hx(&alice, &reply, &[("body", "  ")], &here).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.headers().get("hx-retarget").is_none());
    assert!(r.text().await.unwrap().starts_with("<form"));
    app.assert_post(
        "admin",
        &admin,
        &format!("/topics/{topic}/lock"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    let r = app
        .post_hx(&alice, &reply, &[("body", "late")], &here)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("hx-retarget").is_none());
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form") && html.contains("late"), "{html}");

    let (_, page) = app.get_text(&alice, &here).await;
    assert_eq!(ids(&page, "message-").len(), 1, "nothing was posted");
    assert!(
        page.contains("id=\"flash\""),
        "every page has the notice region"
    );
}

/// Forms with long text are sent as multipart: URL-encoding would make
/// 20,000 Chinese characters (allowed) 180 KB, over the 64 KiB limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_text_forms_are_multipart_so_any_script_fits() {
    use reqwest::multipart::Form as Multipart;

    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&alice, forum, "Topic", "opening").await;
    let (_, opening) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    let first = ids(&opening, "message-")[0];
    for (page, form) in [
        (format!("/topics/{topic}"), "reply-form"),
        (format!("/forums/{forum}"), "new-topic-form"),
        (format!("/messages/{first}/edit"), "edit-form"),
    ] {
        let (_, html) = app.get_text(&alice, &page).await;
        let tag = element(&html, form);
        assert!(
            tag.contains("enctype=\"multipart/form-data\""),
            "{page}: {form} is multipart"
        );
    }

    let long = "\u{6F22}".repeat(20_000);
    let reply = format!("/topics/{topic}/messages");
    let r = app.post(&alice, &reply, &[("body", long.as_str())]).await;
    assert_eq!(
        r.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "urlencoded, it is too large"
    );
    let r = alice
        .post(app.url(&reply))
        .multipart(Multipart::new().text("body", long.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "as multipart it fits");
    let id = id_after(&location(&r), "#message-");
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert!(element(&page, &format!("message-{id}")).contains(&long));

    // The same rules apply: one character too many is a 422 with the text kept.
    let r = alice
        .post(app.url(&reply))
        .multipart(Multipart::new().text("body", format!("{long}x")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(&format!("{long}x")));
    // A new topic and an edit read multipart too.
    let r = alice
        .post(app.url(&format!("/forums/{forum}/topics")))
        .multipart(
            Multipart::new()
                .text("title", "\u{00C9}t\u{00E9}")
                .text("body", long.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = alice
        .post(app.url(&format!("/messages/{first}/edit")))
        .multipart(Multipart::new().text("body", "edited, as multipart"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert!(element(&page, &format!("message-{first}")).contains("edited, as multipart"));
    // A broken multipart body is unreadable: 422, nothing posted.
    let r = alice
        .post(app.url(&reply))
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\nnot a part")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert_eq!(ids(&page, "message-").len(), 2);
}

/// Every answer carries the security headers; no page relies on `hx-on`
/// (htmx runs it through `Function`, which the policy forbids).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let topic = app.create_topic(&admin, forum, "Topic", "opening").await;
    let visitor = app.client();
    let pages = [
        "/".to_string(),
        format!("/forums/{forum}"),
        format!("/topics/{topic}"),
        "/socket".into(),
        "/admin".into(),
        "/login".into(),
        "/static/style.css".into(),
        "/static/htmx.min.js".into(),
        "/nowhere".into(),
    ];
    for path in &pages {
        for c in [&admin, &visitor] {
            let r = app.get(c, path).await;
            let csp = header(&r, "content-security-policy");
            assert!(
                csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"),
                "{path}: {csp:?}"
            );
            assert!(!csp.contains("unsafe"), "{path}: {csp:?}");
            assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
            assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header(&r, "referrer-policy"), "same-origin", "{path}");
            if !path.starts_with("/static/") {
                let html = r.text().await.unwrap();
                assert!(!html.contains("hx-on"), "{path} uses hx-on");
                assert!(!html.contains("<script>"), "{path} has an inline script");
            }
        }
    }
    let r = app.post(&visitor, "/logout", &[]).await;
    assert_eq!(header(&r, "x-frame-options"), "DENY", "a redirect too");
}

/// An address that only receives forms, opened as a page (it stays in the
/// address bar after a refused form): a page of the site saying so, 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_address_opened_as_a_page_says_what_it_is() {
    let app = App::start().await;
    let alice = app.member("alice").await;
    for path in ["/account/avatar", "/read", "/logout", "/forums/1/topics"] {
        let (status, page) = app.get_text(&alice, path).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert!(page.contains("only receives forms"), "{path}: {page}");
        assert!(page.contains("<!DOCTYPE html>"), "{path}: {page}");
    }
}
