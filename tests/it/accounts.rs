//! Accounts: registration and its rules, login and its throttle, logout,
//! password change.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_logs_in_and_names_the_user() {
    let app = App::start().await;
    let c = app.client();
    let form = register_fields("  alice  ", PASSWORD, PASSWORD);
    let r = app
        .assert_post("alice", &c, "/register", &form, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/");
    let (status, home) = app.get_text(&c, "/").await;
    assert_eq!(status, StatusCode::OK);
    // Trimmed on the way in.
    assert!(
        home.contains("Logged in as <strong><bdi>alice</bdi></strong>"),
        "{home}"
    );
    app.assert_get("alice", &c, "/account", StatusCode::OK)
        .await;

    // A logged-in member is sent on from the visitor-only pages.
    for page in ["/register", "/login"] {
        let r = app.get(&c, page).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(location(&r), "/");
    }
    // The visitor sees both forms.
    let v = app.client();
    for page in ["/register", "/login"] {
        let (status, html) = app.get_text(&v, page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("action=\"{page}\"")), "{html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_rules_answer_422_and_keep_the_username() {
    let app = App::start().await;
    let c = app.client();
    let long = "a".repeat(33);
    let cases: &[(&str, &str, &str, &str)] = &[
        // (username, password, confirm, message expected)
        (
            "ab",
            PASSWORD,
            PASSWORD,
            "Username must be at least 3 characters.",
        ),
        (
            "   ab   ",
            PASSWORD,
            PASSWORD,
            "Username must be at least 3 characters.",
        ),
        (
            &long,
            PASSWORD,
            PASSWORD,
            "Username must be at most 32 characters",
        ),
        (
            "has space",
            PASSWORD,
            PASSWORD,
            "Username may use only letters",
        ),
        ("émile", PASSWORD, PASSWORD, "Username may use only letters"),
        (
            "semi;colon",
            PASSWORD,
            PASSWORD,
            "Username may use only letters",
        ),
        (
            "",
            PASSWORD,
            PASSWORD,
            "Username must be at least 3 characters.",
        ),
        (
            "shortpw",
            "1234567",
            "1234567",
            "Password must be at least 8 characters.",
        ),
        (
            "longpw",
            &"p".repeat(257),
            &"p".repeat(257),
            "Password must be at most 256 characters",
        ),
        (
            "mismatch",
            PASSWORD,
            "password124",
            "The two passwords differ.",
        ),
    ];
    for (user, pw, confirm, message) in cases {
        let form = register_fields(user, pw, confirm);
        let (status, html) = app.post_text(&c, "/register", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{user:?}");
        assert!(html.contains(message), "{user:?}: {message} in {html}");
        assert!(html.contains("id=\"register-form\""));
        // What was typed stays (trimmed), passwords never do.
        let kept = format!("value=\"{}\"", user.trim());
        assert!(html.contains(&kept), "{user:?} kept in {html}");
        assert!(!html.contains(&format!("value=\"{pw}\"")));
    }
    // Nobody was created, so the client is still a visitor.
    app.assert_get("visitor", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;

    // The limits themselves are allowed.
    let name = format!("{}-.Z9", "x".repeat(28));
    let pw = "p".repeat(256);
    for (user, pw) in [("a_b", "12345678"), (&name, &pw)] {
        let form = register_fields(user, pw, pw);
        let c = app.client();
        app.assert_post(user, &c, "/register", &form, StatusCode::SEE_OTHER)
            .await;
    }
    app.login(&name, &pw).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_username_is_409_ignoring_case() {
    let app = App::start().await;
    app.member("Alice").await;
    for name in ["alice", "ALICE", " Alice ", "admin", "Admin"] {
        let c = app.client();
        let form = register_fields(name, PASSWORD, PASSWORD);
        let (status, html) = app.post_text(&c, "/register", &form).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");
        assert!(html.contains("This username is taken."), "{html}");
        assert!(
            html.contains(&format!("value=\"{}\"", name.trim())),
            "{html}"
        );
        app.assert_get("visitor", &c, "/account", StatusCode::UNAUTHORIZED)
            .await;
    }
    // The first Alice keeps her password.
    app.login("Alice", PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_accepts_the_right_password_only() {
    let app = App::start().await;
    app.member("bob").await;
    let c = app.client();

    let login = async |user: &str, pw: &str| {
        let form = account_fields(user, pw);
        app.post_text(&c, "/login", &form).await
    };
    let (status, html) = login("bob", "wrong-password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Wrong username or password."), "{html}");
    assert!(
        html.contains("value=\"bob\""),
        "the username is kept: {html}"
    );
    let (status, html) = login("nobody", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Wrong username or password."));
    let (status, html) = login("bob", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter your username and password."));
    app.assert_get("visitor", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;

    // Usernames ignore case at login too.
    let form = account_fields("BOB", PASSWORD);
    let r = app
        .assert_post("BOB", &c, "/login", &form, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/");
    let (status, account) = app.get_text(&c, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        account.contains("<strong><bdi>bob</bdi></strong>"),
        "{account}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_goes_back_to_next_on_this_site_only() {
    let app = App::start().await;
    app.member("carol").await;
    let cases = [
        ("/forums/1?page=2", "/forums/1?page=2"),
        ("//evil.example/x", "/"),
        ("http://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ];
    for (next, expected) in cases {
        let c = app.client();
        let form = [
            ("username", "carol"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let r = app
            .assert_post(next, &c, "/login", &form, StatusCode::SEE_OTHER)
            .await;
        assert_eq!(location(&r), expected, "{next}");
    }
    // A visitor sent to log in is brought back where they were.
    let (status, html) = app.get_text(&app.client(), "/account").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Please log in to continue."), "{html}");
    assert!(html.contains("name=\"next\" value=\"/account\""), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_logins_are_throttled() {
    let app = App::start().await;
    app.member("dave").await;
    app.member("erin").await;
    let c = app.client();
    let wrong = account_fields("dave", "not-his-password");
    for i in 0..5 {
        let who = format!("attempt {i}");
        app.assert_post(&who, &c, "/login", &wrong, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    // Even the right password waits now, whatever the case of the name.
    for name in ["dave", "DAVE"] {
        let form = account_fields(name, PASSWORD);
        let (status, html) = app.post_text(&c, "/login", &form).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            html.contains("Too many failed attempts. Please wait"),
            "{html}"
        );
        let form = element(&html, "login-form");
        assert!(
            form.contains(&format!("value=\"{name}\"")),
            "{name} is kept: {form}"
        );
    }
    app.assert_get("visitor", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;
    // Another account from the same address is not held up.
    app.login("erin", PASSWORD).await;

    // htmx gets the form alone, with the same status.
    let form = account_fields("dave", PASSWORD);
    let r = app.post_hx(&c, "/login", &form, "/login").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"));
    assert!(!html.contains("<html"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let app = App::start().await;
    let c = app.member("frank").await;
    // Logging out is for members.
    let visitor = app.client();
    let logout = "/logout";
    app.assert_post("visitor", &visitor, logout, &[], StatusCode::UNAUTHORIZED)
        .await;

    let (_, home) = app.get_text(&c, "/").await;
    assert!(home.contains("action=\"/logout\""));
    let r = app
        .assert_post("frank", &c, logout, &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/");
    let (_, home) = app.get_text(&c, "/").await;
    assert!(!home.contains("Logged in as"), "{home}");
    assert!(home.contains("href=\"/login\""));
    app.assert_get("frank", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;
    app.assert_post("frank", &c, logout, &[], StatusCode::UNAUTHORIZED)
        .await;

    // With htmx: HX-Redirect home.
    let c = app.login("frank", PASSWORD).await;
    let to = app.post_hx_redirect("frank", &c, logout, &[], "/").await;
    assert_eq!(to, "/");
    app.assert_get("frank", &c, "/account", StatusCode::UNAUTHORIZED)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_invalidates_the_cookie_on_the_server() {
    let app = App::start().await;
    let c = app.client();
    let form = register_fields("gina", PASSWORD, PASSWORD);
    let r = app.post(&c, "/register", &form).await;
    let cookie = session_cookie(&r).expect("registration sets the session cookie");
    let replay = |app: &App| {
        let cookie = cookie.clone();
        let url = app.url("/account");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", format!("causerie={cookie}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(replay(&app).await, StatusCode::OK);
    app.assert_post("gina", &c, "/logout", &[], StatusCode::SEE_OTHER)
        .await;
    // A copy of the old cookie is worth nothing now.
    assert_eq!(replay(&app).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change() {
    let app = App::start().await;
    let visitor = app.client();
    app.assert_get("visitor", &visitor, "/account", StatusCode::UNAUTHORIZED)
        .await;
    let form = password_fields(PASSWORD, "brand-new-pass", "brand-new-pass");
    let path = "/account/password";
    app.assert_post("visitor", &visitor, path, &form, StatusCode::UNAUTHORIZED)
        .await;

    let c = app.member("hana").await;
    let change = async |c: &reqwest::Client, current: &str, new: &str, confirm: &str| {
        let form = password_fields(current, new, confirm);
        let r = app.post(c, "/account/password", &form).await;
        let status = r.status();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        (status, loc, r.text().await.unwrap())
    };

    let (status, _, html) = change(&c, "wrong-current", "brand-new-pass", "brand-new-pass").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("This is not your current password."),
        "{html}"
    );
    assert!(html.contains("id=\"password-form\""));
    let (status, _, html) = change(&c, PASSWORD, "brand-new-pass", "brand-new-pasz").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The two passwords differ."), "{html}");
    let (status, _, html) = change(&c, PASSWORD, "short", "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Password must be at least 8 characters."),
        "{html}"
    );
    // None of these changed anything.
    app.login("hana", PASSWORD).await;

    let (status, loc, _) = change(&c, PASSWORD, "brand-new-pass", "brand-new-pass").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/account?changed=1"));
    let (status, html) = app.get_text(&c, "/account?changed=1").await;
    assert_eq!(status, StatusCode::OK, "still logged in after the change");
    assert!(html.contains("Your password was changed."));

    let old = account_fields("hana", PASSWORD);
    let wrong_password = StatusCode::UNPROCESSABLE_ENTITY;
    let who = "hana with the old password";
    app.assert_post(who, &app.client(), "/login", &old, wrong_password)
        .await;
    let c = app.login("hana", "brand-new-pass").await;

    // With htmx: the form alone, saying so.
    let form = password_fields("brand-new-pass", "third-password", "third-password");
    let r = app
        .post_hx(&c, "/account/password", &form, "/account")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your password was changed."), "{html}");
    assert!(!html.contains("<html"));
    let form = password_fields("nope-nope", "fourth-password", "fourth-password");
    let r = app
        .post_hx(&c, "/account/password", &form, "/account")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form"), "{html}");
    assert!(html.contains("This is not your current password."));
    app.login("hana", "third-password").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_register_and_login() {
    let app = App::start().await;
    let c = app.client();
    let form = register_fields("<b>ivy", PASSWORD, PASSWORD);
    let r = app.post_hx(&c, "/register", &form, "/register").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form"), "just the form: {html}");
    assert!(!html.contains("<html"));
    assert!(html.contains("id=\"register-form\""));
    assert!(html.contains("value=\"&lt;b&gt;ivy\""), "{html}");

    let form = register_fields("ivy", PASSWORD, PASSWORD);
    let to = app
        .post_hx_redirect("ivy", &c, "/register", &form, "/register")
        .await;
    assert_eq!(to, "/");
    app.assert_get("ivy", &c, "/account", StatusCode::OK).await;

    let c = app.client();
    let form = account_fields("ivy", "wrong-one");
    let r = app.post_hx(&c, "/login", &form, "/login").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form"), "{html}");
    assert!(html.contains("Wrong username or password."));
    let form = [
        ("username", "ivy"),
        ("password", PASSWORD),
        ("next", "/account"),
    ];
    let to = app
        .post_hx_redirect("ivy", &c, "/login", &form, "/login?next=%2Faccount")
        .await;
    assert_eq!(to, "/account");
    app.assert_get("ivy", &c, "/account", StatusCode::OK).await;
}

/// After login, `next` only ever leads to a path of this site: the known
/// ways to smuggle another host past a "starts with one slash" check all end
/// at home, for a logged-in GET of /login and for the login POST alike.
#[tokio::test]
async fn login_redirects_stay_on_this_site() {
    let app = App::start().await;
    let member = app.member("jon").await;
    let bypasses = [
        "//evil.example",
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "%5C%5Cevil.example",
        "/%2F/evil.example",
        "/%252F/evil.example",
        "/%E3%80%80/evil.example",
        "https://evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "%20/evil.example",
    ];
    for next in bypasses {
        let r = app.get(&member, &format!("/login?next={next}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&r), "/", "GET /login?next={next}");

        let c = app.client();
        let r = c
            .post(app.url("/login"))
            .body(format!("username=jon&password={PASSWORD}&next={next}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&r), "/", "POST /login next={next}");
    }
    let r = app
        .get(&member, "/login?next=%2Ftopics%2F3%3Fpage%3D2")
        .await;
    assert_eq!(location(&r), "/topics/3?page=2");
}
