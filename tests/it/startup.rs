//! First start and second start; health.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_admin_and_second_start_changes_nothing() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let (dir, db) = app.stop().await;

    // Second start with a different password: nothing is re-created or reset.
    let app = App::start_at(dir, db, Some("another-password".into())).await;
    let admin = app.admin().await;
    let (status, home) = app.get_text(&admin, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(&format!("id=\"forum-{forum}\"")));
    let c = app.client();
    let r = app
        .post(
            &c,
            "/login",
            &[("username", "admin"), ("password", "another-password")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers() {
    let app = App::start().await;
    let (status, body) = app.get_text(&app.client(), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_backup_holds_the_data() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "Kept").await;
    let copy = app.db_path.with_file_name("backup.db");
    causerie::db::backup(&app.db_path, &copy).expect("backup while running");
    assert!(
        causerie::db::backup(&app.db_path, &copy).is_err(),
        "never overwrites"
    );
    let (dir, _) = app.stop().await;
    let restored = App::start_at(dir, copy, None).await;
    let (_, home) = restored.get_text(&restored.client(), "/").await;
    assert!(home.contains(&format!("id=\"forum-{forum}\"")) && home.contains("Kept"));
}
