//! Feeds checked against the rules of the Atom format itself (RFC 4287),
//! element by element, beside what a lenient reader accepts.

use super::{feed, setup};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// RFC 4287's rules for a feed document, element by element (section 4):
/// the Atom namespace; a feed with exactly one id (an absolute IRI), title
/// and updated (an RFC 3339 date), a self link; each entry with exactly one
/// id, title and updated, at most one published and content, an author
/// (here on every entry, since the feed has none), an alternate link when
/// it has no content, at most one alternate link per type; ids unique.
fn assert_rfc_4287(xml: &str) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM_NS));
    let children = |n: roxmltree::Node<'_, '_>, name: &str| -> Vec<String> {
        n.children()
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .inspect(|c| assert_eq!(c.tag_name().namespace(), Some(ATOM_NS)))
            .map(|c| c.text().unwrap_or("").to_string())
            .collect()
    };
    let one = |n: roxmltree::Node<'_, '_>, name: &str| -> String {
        let all = children(n, name);
        assert_eq!(
            all.len(),
            1,
            "exactly one atom:{name} in {:?}",
            n.tag_name()
        );
        assert!(
            !all[0].trim().is_empty() || name == "title",
            "atom:{name} is empty"
        );
        all[0].clone()
    };
    let absolute = |iri: &str| {
        assert!(
            iri.starts_with("http://") || iri.starts_with("https://"),
            "{iri} is absolute"
        );
    };
    let date = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    };
    absolute(&one(feed, "id"));
    one(feed, "title");
    date(&one(feed, "updated"));
    let links = |n: roxmltree::Node<'_, '_>| -> Vec<(String, String, String)> {
        n.children()
            .filter(|c| c.tag_name().name() == "link")
            .map(|l| {
                let href = l.attribute("href").expect("a link has an href").to_string();
                absolute(&href);
                let rel = l.attribute("rel").unwrap_or("alternate").to_string();
                (rel, l.attribute("type").unwrap_or("").to_string(), href)
            })
            .collect()
    };
    let feed_links = links(feed);
    assert!(
        feed_links.iter().any(|(rel, _, _)| rel == "self"),
        "a self link"
    );
    let feed_has_author = !children(feed, "author").is_empty();
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert!(!entries.is_empty(), "a feed worth checking has entries");
    let mut ids = std::collections::HashSet::new();
    for entry in entries {
        let id = one(entry, "id");
        absolute(&id);
        assert!(ids.insert(id.clone()), "{id} is unique");
        one(entry, "title");
        date(&one(entry, "updated"));
        for published in children(entry, "published") {
            date(&published);
        }
        assert!(children(entry, "published").len() <= 1);
        let authors: Vec<_> = entry
            .children()
            .filter(|c| c.tag_name().name() == "author")
            .collect();
        assert!(feed_has_author || !authors.is_empty(), "{id} has an author");
        for a in authors {
            one(a, "name");
        }
        let content = children(entry, "content");
        assert!(content.len() <= 1);
        let alternates: Vec<_> = links(entry)
            .into_iter()
            .filter(|(rel, _, _)| rel == "alternate")
            .collect();
        assert!(
            !content.is_empty() || !alternates.is_empty(),
            "{id}: content or a link"
        );
        let mut types: Vec<_> = alternates.iter().map(|(_, t, _)| t.clone()).collect();
        types.sort();
        types.dedup();
        assert_eq!(
            types.len(),
            alternates.len(),
            "{id}: one alternate per type"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_follow_rfc_4287() {
    let (app, admin, _, forum, topic) = setup("Rules", "first").await;
    app.reply(&admin, topic, "second").await;
    let visitor = app.client();
    for path in [
        "/feed.atom".to_string(),
        format!("/forums/{forum}/feed.atom"),
        format!("/topics/{topic}/feed.atom"),
    ] {
        let (xml, _) = feed(&app, &visitor, &path).await;
        assert_rfc_4287(&xml);
    }
}
