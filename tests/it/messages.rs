//! Messages: replying, editing (own or, for admins, any), deleting (admins,
//! never the opening message alone), the permalink, and the htmx answers.

use crate::common::*;
use reqwest::{Client, StatusCode};

/// A forum with one topic by `alice`; returns (forum, topic, opening message).
async fn setup(app: &App, admin: &Client, alice: &Client) -> (i64, i64, i64) {
    let forum = app.create_forum(admin, "General").await;
    let topic = app
        .create_topic(alice, forum, "A topic", "The opening")
        .await;
    let (_, page) = app.get_text(alice, &format!("/topics/{topic}")).await;
    (forum, topic, ids(&page, "message-")[0])
}

async fn body_of(app: &App, topic: i64, message: i64) -> String {
    let (_, page) = app
        .get_text(&app.client(), &format!("/topics/{topic}"))
        .await;
    element(&page, &format!("message-{message}")).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replying() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let visitor = app.client();
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let path = format!("/topics/{topic}/messages");

    let form = [("body", "from nowhere")];
    app.assert_post("visitor", &visitor, &path, &form, StatusCode::UNAUTHORIZED)
        .await;
    let reply_form = format!("/topics/{topic}/reply");
    app.assert_get("visitor", &visitor, &reply_form, StatusCode::UNAUTHORIZED)
        .await;
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    assert!(
        !page.contains("id=\"reply-form\"") && page.contains("to reply"),
        "{page}"
    );

    let form = [("body", "  Bob here  ")];
    let r = app
        .assert_post("bob", &bob, &path, &form, StatusCode::SEE_OTHER)
        .await;
    let reply = id_after(&location(&r), "#message-");
    assert_eq!(location(&r), format!("/topics/{topic}#message-{reply}"));
    let admin_reply = app.reply(&admin, topic, "Admin here").await;
    let (_, page) = app.get_text(&visitor, &format!("/topics/{topic}")).await;
    assert_eq!(ids(&page, "message-"), vec![first, reply, admin_reply]);
    let m = element(&page, &format!("message-{reply}"));
    assert!(
        m.contains(">bob</bdi></a></strong>")
            && m.contains("<div class=\"body\" dir=\"auto\"><p>Bob here</p></div>"),
        "{m}"
    );

    let lost = "/topics/9999/messages";
    let form = [("body", "lost")];
    app.assert_post("bob", &bob, lost, &form, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_rules_answer_422_and_keep_what_was_typed() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let path = format!("/topics/{topic}/messages");
    let long = "b".repeat(20_001);
    for (body, message) in [
        ("", "Message cannot be empty."),
        ("   \n  ", "Message cannot be empty."),
        (long.as_str(), "Message must be at most 20000 characters"),
    ] {
        let (status, html) = app.post_text(&alice, &path, &[("body", body)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("<html"), "a page without htmx");
        let form = element(&html, "reply-form");
        assert!(form.contains(message) && form.contains(&format!(">{body}</textarea>")));
    }
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert_eq!(ids(&page, "message-"), vec![first]);
    let longest = "b".repeat(20_000);
    let form = [("body", longest.as_str())];
    app.assert_post("alice", &alice, &path, &form, StatusCode::SEE_OTHER)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_reply_swaps_in_place_on_the_last_page_and_redirects_elsewhere() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (forum, topic, first) = setup(&app, &admin, &alice).await;
    let path = format!("/topics/{topic}/messages");
    let page = format!("/topics/{topic}");

    // From the topic's last page: the fresh form and the new message, upserted.
    let r = app
        .post_hx(&alice, &path, &[("body", "in place <b>")], &page)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "hx-redirect"), "");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"), "{html}");
    let form = element(&html, "reply-form");
    assert!(form.contains("></textarea>"), "an empty form: {form}");
    assert!(
        html.contains("<hx-partial") && html.contains("data-hx-swap=\"upsert"),
        "{html}"
    );
    assert!(html.contains("data-hx-target=\"#messages\""), "{html}");
    let new = ids(&html, "message-");
    assert_eq!(new.len(), 1, "{html}");
    assert!(new[0] > first);
    let m = element(&html, &format!("message-{}", new[0]));
    assert!(
        m.contains("in place &lt;b&gt;") && m.contains(">alice</bdi></a></strong>"),
        "{m}"
    );
    assert!(
        m.contains(&format!("href=\"/messages/{}/edit\"", new[0])),
        "the author's controls"
    );
    let (_, full) = app.get_text(&alice, &page).await;
    assert_eq!(ids(&full, "message-"), vec![first, new[0]]);

    // From elsewhere (the forum page): HX-Redirect to the message.
    let list = format!("/forums/{forum}");
    let r = app
        .post_hx(&alice, &path, &[("body", "from the list")], &list)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let to = header(&r, "hx-redirect");
    let id = id_after(&to, "#message-");
    assert_eq!(to, format!("/topics/{topic}#message-{id}"));
    assert!(r.text().await.unwrap().is_empty());

    // Invalid: 422 with the form alone, what was typed kept.
    let r = app.post_hx(&alice, &path, &[("body", "    ")], &page).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<form") && !html.contains("<html"),
        "{html}"
    );
    assert!(html.contains("id=\"reply-form\"") && html.contains("Message cannot be empty."));
    assert!(html.contains(">    </textarea>"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_reply_from_an_earlier_page_goes_to_the_last_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (_, topic, _) = setup(&app, &admin, &alice).await;
    for i in 0..19 {
        app.reply(&alice, topic, &format!("reply {i}")).await;
    }
    // Page 1 is full: the next message opens page 2.
    let path = format!("/topics/{topic}/messages");
    let page = format!("/topics/{topic}");
    let form = [("body", "the 21st")];
    let to = app
        .post_hx_redirect("alice", &alice, &path, &form, &page)
        .await;
    let id = id_after(&to, "#message-");
    assert_eq!(to, format!("/topics/{topic}?page=2#message-{id}"));
    // Now on page 2, the last one: in place.
    let r = app
        .post_hx(
            &alice,
            &path,
            &[("body", "the 22nd")],
            &format!("/topics/{topic}?page=2"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "hx-redirect"), "");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("data-hx-swap=\"upsert") && html.contains("the 22nd"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_own_messages_or_any_as_admin() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let visitor = app.client();
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let reply = app.reply(&bob, topic, "Bob's words").await;
    let edit = |m: i64| format!("/messages/{m}/edit");
    let page = format!("/topics/{topic}");

    // Edit links show only where allowed.
    let (_, html) = app.get_text(&alice, &page).await;
    assert!(html.contains(&format!("href=\"{}\"", edit(first))));
    assert!(!html.contains(&format!("href=\"{}\"", edit(reply))));
    let (_, html) = app.get_text(&visitor, &page).await;
    assert!(!html.contains("/edit\""), "{html}");
    let (_, html) = app.get_text(&admin, &page).await;
    assert!(html.contains(&format!("href=\"{}\"", edit(first))));
    assert!(html.contains(&format!("href=\"{}\"", edit(reply))));

    // Someone else's message: 403, for the form and the POST.
    for (who, c, expected) in refused("alice", &alice, &visitor) {
        app.assert_get(who, c, &edit(reply), expected).await;
        let body = format!("{who} was here");
        let form = [("body", body.as_str())];
        app.assert_post(who, c, &edit(reply), &form, expected).await;
    }
    let m = body_of(&app, topic, reply).await;
    assert!(
        m.contains(">Bob&#39;s words<") || m.contains(">Bob's words<"),
        "{m}"
    );
    assert!(!m.contains("edited"), "{m}");

    // One's own: the form holds the current text; saving marks it edited.
    let (status, html) = app.get_text(&bob, &edit(reply)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(element(&html, "edit-form").contains("Bob"), "{html}");
    let form = [("body", "  Bob, revised  ")];
    let r = app
        .assert_post("bob", &bob, &edit(reply), &form, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), format!("/messages/{reply}"));
    let m = body_of(&app, topic, reply).await;
    assert!(
        m.contains("<div class=\"body\" dir=\"auto\"><p>Bob, revised</p></div>"),
        "{m}"
    );
    assert!(m.contains("edited <time"), "{m}");

    // An admin edits anyone's.
    let form = [("body", "Moderated")];
    app.assert_post("admin", &admin, &edit(first), &form, StatusCode::SEE_OTHER)
        .await;
    let m = body_of(&app, topic, first).await;
    assert!(
        m.contains(">Moderated<") && m.contains(">alice</bdi></a></strong>"),
        "author unchanged: {m}"
    );

    // Bad input: 422, what was typed kept; with htmx, the form alone.
    let (status, html) = app.post_text(&bob, &edit(reply), &[("body", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = element(&html, "edit-form");
    assert!(
        form.contains("Message cannot be empty.") && form.contains(">  </textarea>"),
        "{form}"
    );
    let long = "z".repeat(20_001);
    let r = app
        .post_hx(&bob, &edit(reply), &[("body", &long)], &edit(reply))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<form") && !html.contains("<html"));
    assert!(html.contains("Message must be at most 20000 characters") && html.contains(&long));
    assert!(body_of(&app, topic, reply).await.contains("Bob, revised"));

    let form = [("body", "Third take")];
    let to = app
        .post_hx_redirect("bob", &bob, &edit(reply), &form, &edit(reply))
        .await;
    assert_eq!(to, format!("/messages/{reply}"));
    assert!(body_of(&app, topic, reply).await.contains("Third take"));

    app.assert_get("bob", &bob, &edit(9999), StatusCode::NOT_FOUND)
        .await;
    let form = [("body", "x")];
    app.assert_post("admin", &admin, &edit(9999), &form, StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_messages_is_for_admins_and_never_the_opening_one() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let visitor = app.client();
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let own = app.reply(&alice, topic, "mine").await;
    let other = app.reply(&admin, topic, "admin's").await;
    let delete = |m: i64| format!("/messages/{m}/delete");
    let link = |m: i64| format!("/messages/{m}");
    let page = format!("/topics/{topic}");

    // Delete controls: admins only, and not on the opening message.
    let (_, html) = app.get_text(&admin, &page).await;
    assert!(html.contains(&format!("action=\"{}\"", delete(own))));
    assert!(!html.contains(&format!("action=\"{}\"", delete(first))));
    let (_, html) = app.get_text(&alice, &page).await;
    assert!(!html.contains("/delete\""), "{html}");

    // Not even one's own message.
    for (who, c, path, expected) in [
        ("alice", &alice, delete(own), StatusCode::FORBIDDEN),
        ("visitor", &visitor, delete(other), StatusCode::UNAUTHORIZED),
        ("admin", &admin, delete(first), StatusCode::FORBIDDEN),
    ] {
        app.assert_post(who, c, &path, &[], expected).await;
    }
    let (_, html) = app.get_text(&visitor, &page).await;
    assert_eq!(ids(&html, "message-"), vec![first, own, other]);

    let r = app
        .assert_post("admin", &admin, &delete(own), &[], StatusCode::SEE_OTHER)
        .await;
    assert_eq!(location(&r), page);
    app.assert_get("visitor", &visitor, &link(own), StatusCode::NOT_FOUND)
        .await;
    let to = app
        .post_hx_redirect("admin", &admin, &delete(other), &[], &page)
        .await;
    assert_eq!(to, page);
    let (_, html) = app.get_text(&visitor, &page).await;
    assert_eq!(ids(&html, "message-"), vec![first]);
    app.assert_post("admin", &admin, &delete(own), &[], StatusCode::NOT_FOUND)
        .await;
    // The opening message is still refused when it is the only one.
    app.assert_post("admin", &admin, &delete(first), &[], StatusCode::FORBIDDEN)
        .await;
    app.assert_get("visitor", &visitor, &link(first), StatusCode::SEE_OTHER)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quoting_prefills_the_reply() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let (_, page) = app.get_text(&bob, &format!("/topics/{topic}")).await;
    let quote = format!("/topics/{topic}/reply?quote={first}");
    assert!(page.contains(&format!("href=\"{quote}\"")), "{page}");
    assert!(
        !app.get_text(&app.client(), &format!("/topics/{topic}"))
            .await
            .1
            .contains("?quote=")
    );
    let (status, html) = app.get_text(&bob, &quote).await;
    assert_eq!(status, StatusCode::OK);
    let form = element(&html, "reply-form");
    // A Markdown quote headed by its author and a link back (markdown.rs
    // tests how it shows).
    assert!(
        form.contains(&format!(
            "&gt; **alice** [wrote](/messages/{first}):\n&gt; The opening\n"
        )),
        "{form}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_link_redirects_to_its_page() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (_, topic, first) = setup(&app, &admin, &alice).await;
    let second = app.reply(&alice, topic, "two").await;
    let c = app.client();
    for m in [first, second] {
        let r = app.get(&c, &format!("/messages/{m}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), format!("/topics/{topic}#message-{m}"));
    }
    // (Later pages: see pagination.rs.)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_in_messages_are_links_and_nothing_else_is_markup() {
    let app = App::start().await;
    let admin = app.admin().await;
    let alice = app.member("alice").await;
    let (_, topic, _) = setup(&app, &admin, &alice).await;
    let id = app
        .reply(
            &alice,
            topic,
            "See https://example.org/a?b=1&c=2. <b>Not bold</b> \
             https://x.y/\"onmouseover=\"alert(1) javascript:alert(2)",
        )
        .await;
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    let html = element(&page, &format!("message-{id}"));
    assert!(
        html.contains(
            "See <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener noreferrer\">\
             https://example.org/a?b=1&amp;c=2</a>. &lt;b&gt;Not bold&lt;/b&gt; "
        ),
        "{html}"
    );
    assert!(
        // Text, not an attribute: the sanitiser's serialiser leaves `"` as it is there.
        html.contains(
            "<a href=\"https://x.y/\" rel=\"nofollow ugc noopener noreferrer\">https://x.y/</a>\
             \"onmouseover=\"alert(1) javascript:alert(2)"
        ),
        "{html}"
    );
    assert_eq!(html.matches("<a href=\"http").count(), 2, "{html}");
}

/// A form sent twice (a double click, a resent page) posts once: the second
/// answer leads to the message the first wrote. The same words sent again
/// later, or elsewhere, are a message of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_reply_or_topic_sent_twice_is_written_once() {
    let app = App::start().await;
    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    let alice = app.member("alice").await;
    let topic = app.create_topic(&alice, forum, "Plans", "First").await;
    let path = format!("/topics/{topic}/messages");

    let first = app.post(&alice, &path, &[("body", "Count me in")]).await;
    let again = app.post(&alice, &path, &[("body", "Count me in")]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&first), location(&again));
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert_eq!(page.matches("Count me in").count(), 1, "{page}");
    // Other words, or the same words in another topic, are new messages.
    app.reply(&alice, topic, "Something else").await;
    app.reply(&alice, topic, "Count me in").await;
    let (_, page) = app.get_text(&alice, &format!("/topics/{topic}")).await;
    assert_eq!(page.matches("Count me in").count(), 2, "{page}");

    let new_topic = format!("/forums/{forum}/topics");
    let form = topic_fields("Picnic", "Saturday?");
    let first = app.post(&alice, &new_topic, &form).await;
    let again = app.post(&alice, &new_topic, &form).await;
    assert_eq!(location(&first), location(&again));
    let (_, page) = app.get_text(&alice, &format!("/forums/{forum}")).await;
    assert_eq!(page.matches("Picnic").count(), 1, "{page}");
}
