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
    let wrong_password = StatusCode::UNPROCESSABLE_ENTITY;
    app.assert_login(&app.client(), "admin", "another-password", wrong_password)
        .await;
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
    if on_pg() {
        eprintln!(
            "SQLite only: causerie::db::backup copies the SQLite file (PostgreSQL is backed up with its own tools)"
        );
        return;
    }
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

/// The real binary, stopped the way a container runtime stops it (SIGTERM),
/// with sockets open: each gets its 1001 close frame before the process exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_process_says_going_away_to_every_socket() {
    use futures_util::StreamExt;
    use std::time::Duration;
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().unwrap();
    let Binary {
        process: mut server,
        port,
        ..
    } = spawn_server(&dir.path().join("causerie.db"), "warn").await;

    let mut sockets = Vec::new();
    for _ in 0..20 {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/_ws?view=%2F"))
                .await
                .expect("socket opens");
        // Joined once the catch-up (or a pong) has come back.
        futures_util::SinkExt::send(&mut ws, Message::text("ping"))
            .await
            .unwrap();
        loop {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "pong" => break,
                Ok(Some(Ok(_))) => continue,
                other => panic!("no pong: {other:?}"),
            }
        }
        sockets.push(ws);
    }

    let pid = server.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());

    for (i, ws) in sockets.iter_mut().enumerate() {
        let code = close_code(ws, &format!("socket {i}")).await;
        assert_eq!(code, Some(1001), "socket {i}: going away");
    }
    let status = tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("the process exits")
        .unwrap();
    assert!(status.success(), "a clean stop: {status}");
}
