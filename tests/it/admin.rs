//! Administration: forums (create, rename/describe, delete) and new admins,
//! refused to members (403) and visitors (401).

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_reach_the_admin_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("mona").await;
    let visitor = app.client();

    let (status, html) = app.get_text(&admin, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"new-forum-form\""));
    assert!(html.contains("id=\"new-admin-form\""));
    let (status, html) = app.get_text(&member, "/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("new-forum-form"));
    let (status, html) = app.get_text(&visitor, "/admin").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("id=\"login-form\""));

    // The header links to it for admins only.
    assert!(
        app.get_text(&admin, "/")
            .await
            .1
            .contains("href=\"/admin\"")
    );
    assert!(
        !app.get_text(&member, "/")
            .await
            .1
            .contains("href=\"/admin\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_forum() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("mona").await;
    let visitor = app.client();
    let forums = "/admin/forums";

    let form = forum_fields("Members", "x");
    app.assert_post("mona", &member, forums, &form, StatusCode::FORBIDDEN)
        .await;
    let form = forum_fields("Visitors", "x");
    app.assert_post("visitor", &visitor, forums, &form, StatusCode::UNAUTHORIZED)
        .await;
    let (_, home) = app.get_text(&visitor, "/").await;
    assert!(ids(&home, "forum-").is_empty(), "{home}");
    assert!(!home.contains("Members") && !home.contains("Visitors"));

    let form = forum_fields("  General  ", "  Talk about anything  ");
    let r = app
        .assert_post("admin", &admin, forums, &form, StatusCode::SEE_OTHER)
        .await;
    let id = id_after(&location(&r), "/forums/");
    assert_eq!(location(&r), format!("/forums/{id}"));
    let (_, home) = app.get_text(&visitor, "/").await;
    assert_eq!(ids(&home, "forum-"), vec![id]);
    let entry = element(&home, &format!("forum-{id}"));
    assert!(entry.contains(">General</a>"), "trimmed: {entry}");
    assert!(
        entry.contains(">Talk about anything</p>"),
        "trimmed: {entry}"
    );
    assert!(
        entry.contains(">0 topics<") && entry.contains(">0 messages<"),
        "{entry}"
    );
    let (status, page) = app.get_text(&visitor, &format!("/forums/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1 dir=\"auto\">General</h1>"), "{page}");

    // With htmx: HX-Redirect to the new forum.
    let form = forum_fields("Second", "");
    let to = app
        .post_hx_redirect("admin", &admin, forums, &form, "/admin")
        .await;
    let second = id_after(&to, "/forums/");
    let (_, home) = app.get_text(&visitor, "/").await;
    assert_eq!(ids(&home, "forum-"), vec![id, second]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_rules_answer_422_and_keep_what_was_typed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forums = "/admin/forums";
    let long_name = "n".repeat(81);
    let long_description = "d".repeat(501);
    let cases: &[(&str, &str, &str)] = &[
        ("", "kept description", "Name cannot be empty."),
        ("    ", "kept description", "Name cannot be empty."),
        (
            &long_name,
            "kept description",
            "Name must be at most 80 characters",
        ),
        (
            "Kept name",
            &long_description,
            "Description must be at most 500 characters",
        ),
    ];
    for (name, description, message) in cases {
        let form = forum_fields(name, description);
        let (status, html) = app.post_text(&admin, forums, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(html.contains(message), "{message} in {html}");
        let form = element(&html, "new-forum-form");
        assert!(form.contains(&format!("value=\"{name}\"")), "{form}");
        assert!(
            form.contains(&format!(">{description}</textarea>")),
            "{form}"
        );
    }
    let (_, home) = app.get_text(&admin, "/").await;
    assert!(ids(&home, "forum-").is_empty());

    // The limits themselves pass; accents count as one character.
    let name = "é".repeat(80);
    let description = "d".repeat(500);
    let form = forum_fields(&name, &description);
    app.assert_post("admin", &admin, forums, &form, StatusCode::SEE_OTHER)
        .await;

    // With htmx: the form alone.
    let form = forum_fields(" ", "typed");
    let r = app.post_hx(&admin, forums, &form, "/admin").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form"), "{html}");
    assert!(!html.contains("<html"));
    assert!(html.contains("Name cannot be empty.") && html.contains(">typed</textarea>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_forum_name_is_409() {
    let app = App::start().await;
    let admin = app.admin().await;
    let general = app.create_forum(&admin, "General").await;
    let other = app.create_forum(&admin, "Other").await;
    for name in ["General", "general", "  GENERAL "] {
        let form = forum_fields(name, "again");
        let (status, html) = app.post_text(&admin, "/admin/forums", &form).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");
        assert!(html.contains("A forum with this name exists."), "{html}");
        let form = element(&html, "new-forum-form");
        assert!(form.contains(&format!("value=\"{name}\"")), "{form}");
    }
    // Renaming onto another forum's name is refused too; onto its own is fine.
    let edit = format!("/admin/forums/{other}/edit");
    let (status, html) = app
        .post_text(&admin, &edit, &forum_fields("GENERAL", "d"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(element(&html, &format!("forum-edit-{other}")).contains("value=\"GENERAL\""));
    let form = forum_fields("OTHER", "d");
    app.assert_post("admin", &admin, &edit, &form, StatusCode::SEE_OTHER)
        .await;
    let (_, home) = app.get_text(&admin, "/").await;
    assert_eq!(ids(&home, "forum-"), vec![general, other]);
    assert!(element(&home, &format!("forum-{other}")).contains(">OTHER</a>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_and_describing_a_forum() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("mona").await;
    let visitor = app.client();
    let forum = app.create_forum(&admin, "General").await;
    let edit = format!("/admin/forums/{forum}/edit");

    let refused = refused("mona", &member, &visitor);
    let hijack = forum_fields("Hijacked", "x");
    app.assert_each_post(&edit, &hijack, &refused).await;
    assert!(!app.get_text(&visitor, "/").await.1.contains("Hijacked"));

    let (status, html) = app
        .post_text(&admin, &edit, &forum_fields("", "kept"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = element(&html, &format!("forum-edit-{forum}"));
    assert!(form.contains("Name cannot be empty.") && form.contains(">kept</textarea>"));

    let form = forum_fields(" Renamed ", "New words");
    let r = app
        .assert_post("admin", &admin, &edit, &form, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/admin");
    let (_, home) = app.get_text(&visitor, "/").await;
    let entry = element(&home, &format!("forum-{forum}"));
    assert!(
        entry.contains(">Renamed</a>") && entry.contains(">New words</p>"),
        "{entry}"
    );
    assert!(!home.contains("General"));

    // An empty description is allowed and shows nothing.
    let form = forum_fields("Renamed", "  ");
    let to = app
        .post_hx_redirect("admin", &admin, &edit, &form, "/admin")
        .await;
    assert_eq!(to, "/admin");
    let (_, home) = app.get_text(&visitor, "/").await;
    assert!(!element(&home, &format!("forum-{forum}")).contains("description"));

    let ghost = "/admin/forums/9999/edit";
    let form = forum_fields("Ghost", "");
    app.assert_post("admin", &admin, ghost, &form, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_forum_deletes_its_topics_and_messages() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("mona").await;
    let visitor = app.client();
    let forum = app.create_forum(&admin, "Doomed").await;
    let kept = app.create_forum(&admin, "Kept").await;
    let topic = app.create_topic(&member, forum, "Going", "away").await;
    let reply = app.reply(&member, topic, "me too").await;
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    let first = ids(&page, "message-")[0];
    let survivor = app.create_topic(&member, kept, "Staying", "here").await;
    let delete = format!("/admin/forums/{forum}/delete");
    let forum_page = format!("/forums/{forum}");

    // The confirmation page and the POST are for admins only.
    let refused = refused("mona", &member, &visitor);
    app.assert_each_get(&delete, &refused).await;
    let (status, confirm) = app.get_text(&admin, &delete).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("1 topic") && confirm.contains("2 messages"),
        "{confirm}"
    );
    assert!(confirm.contains(&format!("action=\"{delete}\" method=\"post\"")));
    app.assert_each_post(&delete, &[], &refused).await;
    app.assert_get("visitor", &visitor, &forum_page, StatusCode::OK)
        .await;

    let r = app
        .assert_post("admin", &admin, &delete, &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/admin");
    for gone in [
        forum_page.clone(),
        format!("/topics/{topic}"),
        format!("/messages/{first}"),
        format!("/messages/{reply}"),
    ] {
        app.assert_get("visitor", &visitor, &gone, StatusCode::NOT_FOUND)
            .await;
    }
    let (_, home) = app.get_text(&visitor, "/").await;
    assert_eq!(ids(&home, "forum-"), vec![kept]);
    let survivor_page = format!("/topics/{survivor}");
    app.assert_get("visitor", &visitor, &survivor_page, StatusCode::OK)
        .await;
    // Nothing can be added to it any more, and a second delete finds nothing.
    let new_topic = format!("{forum_page}/topics");
    let form = topic_fields("t", "b");
    app.assert_post("mona", &member, &new_topic, &form, StatusCode::NOT_FOUND)
        .await;
    app.assert_post("admin", &admin, &delete, &[], StatusCode::NOT_FOUND)
        .await;

    // With htmx: HX-Redirect to the admin page.
    let delete_kept = format!("/admin/forums/{kept}/delete");
    let to = app
        .post_hx_redirect("admin", &admin, &delete_kept, &[], "/admin")
        .await;
    assert_eq!(to, "/admin");
    assert!(ids(&app.get_text(&visitor, "/").await.1, "forum-").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_another_admin() {
    let app = App::start().await;
    let admin = app.admin().await;
    let member = app.member("mona").await;
    let visitor = app.client();
    let admins = "/admin/admins";
    let new_admin = async |name, pw| {
        let form = account_fields(name, pw);
        app.post_text(&admin, admins, &form).await
    };

    let refused = refused("mona", &member, &visitor);
    app.assert_each_post(admins, &account_fields("sneaky", PASSWORD), &refused)
        .await;
    let r = app
        .post(&app.client(), "/login", &account_fields("sneaky", PASSWORD))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no such account was made"
    );

    let (status, html) = new_admin("x", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = element(&html, "new-admin-form");
    assert!(f.contains("Username must be at least 3 characters.") && f.contains("value=\"x\""));
    let (status, html) = new_admin("boss", "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(element(&html, "new-admin-form").contains("Password must be at least 8 characters."));
    let (status, html) = new_admin("MONA", PASSWORD).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let f = element(&html, "new-admin-form");
    assert!(
        f.contains("This username is taken.") && f.contains("value=\"MONA\""),
        "{f}"
    );

    let form = account_fields("boss", "boss-password");
    let r = app
        .assert_post("admin", &admin, admins, &form, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), "/admin");
    // The new admin can do admin things.
    let boss = app.login("boss", "boss-password").await;
    let (status, html) = app.get_text(&boss, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("an administrator"), "{html}");
    app.create_forum(&boss, "Boss made this").await;

    // With htmx: the form again, saying who was created.
    let r = app
        .post_hx(
            &admin,
            admins,
            &account_fields("chief", "chief-password"),
            "/admin",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form"), "{html}");
    assert!(
        html.contains("Administrator <strong><bdi>chief</bdi></strong> created."),
        "{html}"
    );
    let r = app
        .post_hx(&admin, admins, &account_fields("chief", PASSWORD), "/admin")
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().starts_with("<form"));
}
