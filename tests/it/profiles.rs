//! Profiles through the real server: what a profile shows, names ignoring
//! case, paging a member's messages, links to profiles from every author
//! name, and "last seen".

use reqwest::StatusCode;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_shows_the_member_and_their_messages_page_by_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let bob = app.member("Bob").await;
    let topic = app
        .create_topic(&bob, forum, "Bob's <topic>", "opening")
        .await;
    let mut mine = vec![
        ids(
            &app.get_text(&bob, &format!("/topics/{topic}")).await.1,
            "message-",
        )[0],
    ];
    for i in 1..25 {
        mine.push(app.reply(&bob, topic, &format!("reply number {i}")).await);
    }
    // Someone else's messages are not on it.
    app.reply(&admin, topic, "not bob's").await;
    let newest_first: Vec<i64> = mine.iter().rev().copied().collect();

    let visitor = app.client();
    let (status, page1) = app.get_text(&visitor, "/users/Bob").await;
    assert_eq!(status, StatusCode::OK);
    let card = element(&page1, "profile");
    assert!(card.contains("<bdi>Bob</bdi>"), "{card}");
    assert!(card.contains("/avatars/default/Bob.svg"), "{card}");
    assert!(card.contains("Joined") && card.contains("<time"), "{card}");
    assert!(card.contains("<dd>25</dd>"), "25 messages: {card}");
    assert_eq!(ids(&page1, "authored-"), newest_first[..20]);
    let newest = element(&page1, &format!("authored-{}", mine[24]));
    assert!(
        newest.contains(&format!("href=\"/messages/{}\"", mine[24])),
        "{newest}"
    );
    assert!(
        newest.contains("Bob&#39;s &lt;topic&gt;") || newest.contains("Bob's &lt;topic&gt;"),
        "{newest}"
    );
    assert!(newest.contains("reply number 24"), "{newest}");
    assert!(page1.contains("href=\"/users/Bob?page=2\""), "a pager");

    let (status, page2) = app.get_text(&visitor, "/users/Bob?page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page2, "authored-"), newest_first[20..]);
    for past in [
        "/users/Bob?page=3",
        "/users/Bob?page=0",
        "/users/Bob?page=x",
    ] {
        app.assert_get("visitor", &visitor, past, StatusCode::NOT_FOUND)
            .await;
    }

    // Names ignore case; unknown names are 404.
    let (status, lower) = app.get_text(&visitor, "/users/bob").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&lower, "authored-"), newest_first[..20]);
    let long = format!("/users/{}", "b".repeat(40));
    for missing in ["/users/nobody", "/users/%3Cscript%3E", long.as_str()] {
        app.assert_get("visitor", &visitor, missing, StatusCode::NOT_FOUND)
            .await;
    }

    // A deleted message leaves the profile and its count.
    app.assert_post(
        "admin",
        &admin,
        &format!("/messages/{}/delete", mine[24]),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    let (_, page1) = app.get_text(&visitor, "/users/Bob").await;
    assert!(element(&page1, "profile").contains("<dd>24</dd>"));
    assert_eq!(ids(&page1, "authored-"), newest_first[1..21]);

    // A member with no messages has an empty page 1.
    app.member("quiet").await;
    let (status, quiet) = app.get_text(&visitor, "/users/quiet").await;
    assert_eq!(status, StatusCode::OK);
    assert!(quiet.contains("No messages yet"));
    assert!(element(&quiet, "profile").contains("<dd>0</dd>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_author_name_links_to_its_profile() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let topic = app.create_topic(&alice, forum, "Hello", "First").await;
    app.reply(&bob, topic, "Second").await;
    let link = |name: &str| format!("<a href=\"/users/{name}\"><bdi>{name}</bdi></a>");

    let visitor = app.client();
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    for (id, name) in ids(&page, "message-").into_iter().zip(["alice", "bob"]) {
        assert!(
            element(&page, &format!("message-{id}")).contains(&link(name)),
            "message by {name}"
        );
    }
    let (_, page) = app.get_text(&visitor, &format!("/forums/{forum}")).await;
    let row = element(&page, &format!("topic-{topic}"));
    assert!(
        row.contains(&format!("by <strong>{}</strong>", link("alice"))),
        "author: {row}"
    );
    assert!(
        row.contains(&format!("by <strong>{}</strong>", link("bob"))),
        "last poster: {row}"
    );
    let (_, home) = app.get_text(&visitor, "/").await;
    assert!(
        element(&home, &format!("forum-{forum}")).contains(&link("bob")),
        "forum row"
    );
    let (_, accounts) = app.get_text(&admin, "/admin/accounts").await;
    assert!(accounts.contains(&link("alice")), "admin accounts list");
    let (_, account) = app.get_text(&alice, "/account").await;
    assert!(
        account.contains("href=\"/users/alice\""),
        "own profile from the account page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_seen_is_kept_with_the_session_writes() {
    let app = App::start().await;
    app.member("alice").await;
    let visitor = app.client();
    let (_, page) = app.get_text(&visitor, "/users/alice").await;
    let card = element(&page, "profile");
    let seen = &card[card.find("Last seen").unwrap()..];
    assert!(seen.contains("<time"), "seen at registration: {seen}");
    let (seen, created): (i64, i64) = with_db(&app.db_path, |c| {
        c.query_row(
            "SELECT last_seen_at, created_at FROM users WHERE username = 'alice'",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    });
    assert!(seen >= created, "{seen} {created}");
    // Within the hour, another login does not write it again.
    let move_back = |seconds: i64| {
        with_db(&app.db_path, |c| {
            c.execute(
                "UPDATE users SET last_seen_at = last_seen_at - ?1 WHERE username = 'alice'",
                [seconds],
            )
        })
    };
    let last_seen = || {
        with_db(&app.db_path, |c| {
            c.query_row(
                "SELECT last_seen_at FROM users WHERE username = 'alice'",
                (),
                |r| r.get::<_, i64>(0),
            )
        })
    };
    move_back(600);
    app.login("alice", PASSWORD).await;
    let again = last_seen();
    assert_eq!(again, seen - 600, "at most once an hour");
    move_back(7200);
    app.login("alice", PASSWORD).await;
    let later = last_seen();
    assert!(later >= seen, "moved after an hour: {later} {seen}");
}

/// A profile's excerpts are what readers see of each message, not its
/// Markdown source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excerpts_show_the_text_not_the_markup() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    app.create_topic(
        &alice,
        forum,
        "Hello",
        "**Bold** and [a link](https://example.org/x)",
    )
    .await;
    let (_, page) = app.get_text(&app.client(), "/users/alice").await;
    assert!(page.contains("Bold and a link"), "{page}");
    assert!(!page.contains("**Bold**"), "{page}");
    assert!(!page.contains("](https://example.org"), "{page}");
}
