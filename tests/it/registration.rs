//! The registration mode admins choose: open, closed, or by approval (pending
//! accounts approved or refused); and the admin routes refuse members.

use reqwest::{Client, StatusCode};

use crate::common::*;

async fn set_mode(app: &App, admin: &Client, mode: &str) {
    let r = app
        .assert_post(
            "admin",
            admin,
            "/admin/registration",
            &[("mode", mode)],
            StatusCode::SEE_OTHER,
        )
        .await;
    assert_eq!(location(&r), "/admin");
    let (_, html) = app.get_text(admin, "/admin").await;
    let form = element(&html, "registration-form");
    assert!(
        form.contains(&format!("value=\"{mode}\" checked")),
        "{mode} chosen: {form}"
    );
}

async fn register(app: &App, c: &Client, name: &str) -> reqwest::Response {
    app.post(c, "/register", &register_fields(name, PASSWORD, PASSWORD))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_registration_shows_why_and_refuses() {
    let app = App::start().await;
    let admin = app.admin().await;
    set_mode(&app, &admin, "closed").await;
    let v = app.client();
    let (status, html) = app.get_text(&v, "/register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Registration is closed"), "{html}");
    assert!(!html.contains("id=\"register-form\""), "{html}");
    assert_eq!(
        register(&app, &v, "dave").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_hx(
            &v,
            "/register",
            &register_fields("dave", PASSWORD, PASSWORD),
            "/register",
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Registration is closed"));
    // No account made.
    app.assert_login(&v, "dave", PASSWORD, StatusCode::UNPROCESSABLE_ENTITY)
        .await;

    // Open again: registering works as before.
    set_mode(&app, &admin, "open").await;
    assert_eq!(
        register(&app, &v, "dave").await.status(),
        StatusCode::SEE_OTHER
    );
    app.assert_get("dave", &v, "/account", StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_creates_pending_accounts_an_admin_approves_or_refuses() {
    let app = App::start().await;
    let admin = app.admin().await;
    let gina = app.member("gina").await;
    set_mode(&app, &admin, "approval").await;

    let erin = app.client();
    let (_, html) = app.get_text(&erin, "/register").await;
    assert!(html.contains("approved by an administrator"), "{html}");
    let r = register(&app, &erin, "erin").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let awaiting = location(&r);
    let (status, html) = app.get_text(&erin, &awaiting).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your account awaits approval"), "{html}");
    // Not logged in, and cannot log in yet.
    app.assert_get("erin", &erin, "/account", StatusCode::UNAUTHORIZED)
        .await;
    let html = app
        .assert_login(&erin, "erin", PASSWORD, StatusCode::FORBIDDEN)
        .await;
    assert!(html.contains("Your account awaits approval"), "{html}");
    // With htmx: the same, as a redirect to the notice.
    let frank = app.client();
    let r = app
        .post_hx(
            &frank,
            "/register",
            &register_fields("frank", PASSWORD, PASSWORD),
            "/register",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "hx-redirect"), awaiting);
    // The name is held while pending.
    assert_eq!(
        register(&app, &app.client(), "ERIN").await.status(),
        StatusCode::CONFLICT
    );

    // The admin page lists both; pending accounts are not in the accounts list.
    let (_, page) = app.get_text(&admin, "/admin").await;
    let pending = ids(&page, "pending-");
    assert_eq!(pending.len(), 2, "{page}");
    let (erin_id, frank_id) = (pending[0], pending[1]);
    assert!(element(&page, &format!("pending-{erin_id}")).contains("erin"));
    let (_, list) = app.get_text(&admin, "/admin/accounts?q=erin").await;
    assert!(ids(&list, "account-").is_empty(), "{list}");

    // A member may not decide.
    for action in ["approve", "refuse"] {
        app.assert_account_action("gina", &gina, erin_id, action, StatusCode::FORBIDDEN)
            .await;
    }

    // Approved: erin logs in.
    let r = app
        .assert_account_action("admin", &admin, erin_id, "approve", StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/admin");
    let erin = app.login("erin", PASSWORD).await;
    app.assert_get("erin", &erin, "/account", StatusCode::OK)
        .await;
    // Decided once only.
    app.assert_account_action("admin", &admin, erin_id, "refuse", StatusCode::NOT_FOUND)
        .await;

    // Refused, with htmx: the entry says so; the account is gone, its name free.
    let r = app
        .post_hx(
            &admin,
            &format!("/admin/accounts/{frank_id}/refuse"),
            &[],
            "/admin",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let line = r.text().await.unwrap();
    assert!(
        line.contains(&format!("id=\"pending-{frank_id}\"")) && line.contains("refused"),
        "{line}"
    );
    app.assert_login(
        &app.client(),
        "frank",
        PASSWORD,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let (_, page) = app.get_text(&admin, "/admin").await;
    assert!(ids(&page, "pending-").is_empty(), "{page}");
    assert_eq!(
        register(&app, &app.client(), "frank").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_mode_is_checked_and_kept() {
    let app = App::start().await;
    let admin = app.admin().await;
    // htmx gets the form back, saved.
    let r = app
        .post_hx(
            &admin,
            "/admin/registration",
            &[("mode", "approval")],
            "/admin",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let form = r.text().await.unwrap();
    assert!(
        form.contains("Registration mode saved") && form.contains("value=\"approval\" checked"),
        "{form}"
    );
    // Not a mode: refused, nothing changed.
    app.assert_post(
        "admin",
        &admin,
        "/admin/registration",
        &[("mode", "everyone")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Kept across a restart.
    let (dir, db) = app.stop().await;
    let app = App::start_at(dir, db, None).await;
    let (_, html) = app.get_text(&app.client(), "/register").await;
    assert!(html.contains("approved by an administrator"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_and_visitors_reach_no_account_admin_route() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("henry").await;
    let visitor = app.client();
    app.assert_each_get("/admin/accounts", &refused("henry", &member, &visitor))
        .await;
    app.assert_get("admin", &admin, "/admin/accounts", StatusCode::OK)
        .await;
    for path in [
        "/admin/registration".to_string(),
        "/admin/accounts/1/disable".to_string(),
        "/admin/accounts/2/disable".to_string(),
        "/admin/accounts/1/enable".to_string(),
        "/admin/accounts/2/approve".to_string(),
        "/admin/accounts/2/refuse".to_string(),
    ] {
        app.assert_each_post(
            &path,
            &[("mode", "closed")],
            &refused("henry", &member, &visitor),
        )
        .await;
    }
    // Nothing changed: registration is open, henry is active.
    let (_, html) = app.get_text(&visitor, "/register").await;
    assert!(html.contains("id=\"register-form\""), "{html}");
    app.assert_get("henry", &member, "/account", StatusCode::OK)
        .await;
}
