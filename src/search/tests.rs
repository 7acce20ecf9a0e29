//! The index against the messages: after inserts, edits, a message's
//! deletion, a topic's and a forum's, FTS5's own integrity check (which,
//! for an external-content table, also compares the index with the view)
//! passes and searches find exactly what the messages hold.

use crate::db::Conn;

use super::queries;
use super::query::{self, Filters};
use crate::db::{Db, DbConfig};
use crate::forums::queries::{self as forums, Saved};
use crate::markdown::Body;
use crate::messages::queries as messages;
use crate::topics::queries as topics;

fn check(conn: &Conn) {
    conn.execute(
        "INSERT INTO search (search, rank) VALUES ('integrity-check', 1)",
        (),
    )
    .expect("the index matches the messages");
}

fn found(conn: &Conn, q: &str, filters: Filters) -> Vec<i64> {
    let expr = query::to_match(&query::parse(q).unwrap(), filters);
    queries::hits(conn, &expr, 0, 100)
        .unwrap()
        .iter()
        .map(|h| h.id)
        .collect()
}

fn any(conn: &Conn, q: &str) -> Vec<i64> {
    found(conn, q, Filters::default())
}

#[test]
fn the_index_follows_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("t.db"), &DbConfig::default()).unwrap();
    db.between_writes(|conn| {
        let user = |name| {
            crate::auth::queries::create_user(conn, name, "!", false)
                .unwrap()
                .unwrap()
                .id
        };
        let (ann, bob) = (user("ann"), user("bob"));
        let Saved::Done(cafe) = forums::create(conn, "Café", "")? else {
            panic!("forum")
        };
        let Saved::Done(other) = forums::create(conn, "Other", "")? else {
            panic!("forum")
        };
        let body = |s: &str| Body::new(s.into());
        let created = topics::create(
            conn,
            cafe,
            ann,
            "L'école des fées",
            &body("**Bonjour** à tous"),
        )?
        .unwrap();
        let (t1, first) = (created.topic_id, created.message_id);
        let reply = messages::insert(
            conn,
            t1,
            bob,
            &body("Une [école](https://ecole.example/href) ici"),
            0,
        )?;
        let created = topics::create(conn, other, bob, "Elsewhere", &body("ECOLE again"))?.unwrap();
        let (t2, second) = (created.topic_id, created.message_id);
        check(conn);
        // Only text whose words differ from the source is stored.
        let stored = |id: i64| -> Option<String> {
            conn.query_row("SELECT body_text FROM messages WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(stored(first).as_deref(), Some("Bonjour à tous"));
        assert_eq!(stored(second), None, "plain text: the source serves");

        // Accents and case folded both ways; the title with the opening message only.
        assert_eq!(any(conn, "ecole"), [second, reply, first]);
        assert_eq!(any(conn, "ÉCOLE"), [second, reply, first]);
        assert_eq!(any(conn, "fées"), [first]);
        assert_eq!(any(conn, "ecol*"), [second, reply, first]);
        assert_eq!(any(conn, "\"des fees\""), [first]);
        assert!(any(conn, "\"fees des\"").is_empty());
        // Markup is not text: not the `**`, not the link's address.
        assert!(any(conn, "href").is_empty());
        assert!(any(conn, "https").is_empty());
        assert_eq!(any(conn, "bonjour"), [first]);
        // Filters: the forum's and the author's words, never the reader's.
        let in_cafe = Filters {
            forum: Some(cafe),
            author: None,
        };
        assert_eq!(found(conn, "ecole", in_cafe), [reply, first]);
        let by_bob = Filters {
            forum: None,
            author: Some(bob),
        };
        assert_eq!(found(conn, "ecole", by_bob), [second, reply]);
        assert!(any(conn, &format!("f{cafe}")).is_empty());

        // An edit replaces the words, from Markdown to plain and back.
        messages::edit(conn, second, &body("ECOLE *again*"))?;
        check(conn);
        messages::edit(conn, second, &body("ECOLE again"))?;
        check(conn);
        messages::edit(conn, reply, &body("Plus rien"))?;
        check(conn);
        assert_eq!(any(conn, "ecole"), [second, first]);
        assert_eq!(any(conn, "rien"), [reply]);

        // A message deleted, then a topic, then a forum.
        let later = messages::insert(conn, t1, ann, &body("rien non plus"), 0)?;
        messages::delete(conn, reply)?;
        check(conn);
        assert_eq!(any(conn, "rien"), [later]);
        topics::delete(conn, t2)?;
        check(conn);
        assert_eq!(any(conn, "ecole"), [first]);
        forums::delete(conn, cafe)?;
        check(conn);
        assert!(any(conn, "ecole").is_empty() && any(conn, "rien").is_empty());
        let left: i64 = conn.query_row("SELECT count(*) FROM search", (), |r| r.get(0))?;
        assert_eq!(left, 0, "nothing left in the view");
        let rows: i64 = conn.query_row("SELECT count(*) FROM search_data", (), |r| r.get(0))?;
        assert!(rows > 0, "the index's own table exists");
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_topic_cannot_go_before_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("t.db"), &DbConfig::default()).unwrap();
    db.between_writes(|conn| {
        let ann = crate::auth::queries::create_user(conn, "ann", "!", false)?
            .unwrap()
            .id;
        let Saved::Done(forum) = forums::create(conn, "F", "")? else {
            panic!("forum")
        };
        let topic = topics::create(conn, forum, ann, "T", &Body::new("words".into()))?
            .unwrap()
            .topic_id;
        let refused = conn.execute("DELETE FROM topics WHERE id = ?1", [topic]);
        assert!(refused.is_err(), "the cascade would leave the index behind");
        let refused = conn.execute("DELETE FROM forums WHERE id = ?1", [forum]);
        assert!(refused.is_err(), "through the forum's cascade too");
        check(conn);
        Ok(())
    })
    .unwrap();
}

/// A search that reads every occurrence of its words (a phrase whose words
/// never come together) is stopped at its budget, and the connection it
/// ran on searches normally afterwards; with room, the same search
/// answers (nothing).
#[test]
fn a_search_past_its_budget_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("t.db"), &DbConfig::default()).unwrap();
    db.between_writes(|conn| {
        let ann = crate::auth::queries::create_user(conn, "ann", "!", false)
            .unwrap()
            .unwrap()
            .id;
        let Saved::Done(forum) = forums::create(conn, "Talk", "")? else {
            panic!("forum")
        };
        let body = |s: &str| Body::new(s.into());
        let topic = topics::create(conn, forum, ann, "Many", &body("alpha beta"))?
            .unwrap()
            .topic_id;
        let raw = conn.lite().unwrap().unchecked_transaction()?;
        let tx = crate::db::Conn::Lite(&raw);
        for i in 0..20_000 {
            messages::insert(&tx, topic, ann, &body(&format!("alpha beta {i}")), 1)?;
        }
        raw.commit()?;
        let expr = query::to_match(&query::parse("\"beta alpha\"").unwrap(), Filters::default());
        let within = |budget| queries::hits_within_budget(conn, &expr, 0, 21, budget);
        assert_eq!(within(std::time::Duration::ZERO)?, None, "stopped");
        assert_eq!(within(std::time::Duration::from_secs(60))?, Some(vec![]));
        assert_eq!(
            any(conn, "alpha").len(),
            100,
            "the connection searches again"
        );
        Ok(())
    })
    .unwrap();
}
