//! Feed rows as Atom documents (RFC 4287), written by `atom_syndication`:
//! pure functions from data to XML, as views are from data to HTML.
//!
//! Every address in a document is absolute, on `origin` (see
//! `PublicOrigin::of_request`); ids are the addresses of what the entries
//! stand for, so they stay the same for as long as the forum's address does.
//! Text goes out as pages show it: titles and names cleaned of invisible
//! characters, bodies as their stored sanitised HTML (`content type="html"`).
//! What XML 1.0 cannot hold at all (U+FFFE, U+FFFF, the controls) is dropped
//! from everything: one such character would make the whole feed unreadable.

use std::borrow::Cow;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};

use super::queries::{FeedMessage, FeedTopic};
use crate::invisible::{self, Kind};
use crate::paths;
use crate::views::layout::FeedLink;

/// The feed's media type.
pub const ATOM: &str = "application/atom+xml";

/// What a feed is about and where it lives.
pub struct About {
    /// Its title and own path, as pages name it.
    pub link: FeedLink,
    /// The page it follows.
    pub page: String,
    pub subtitle: Option<String>,
    /// Its `updated` when it has no entry.
    pub since: i64,
}

/// One entry: what it stands for (its page, its id), and what it says.
pub struct Item {
    pub path: String,
    pub title: String,
    pub author: String,
    pub published: i64,
    pub updated: i64,
    pub html: String,
}

impl Item {
    /// A message: its permanent address (`/messages/{id}` leads to its
    /// page, wherever deletions have moved it), titled by its topic.
    pub fn message(m: FeedMessage) -> Self {
        let title = if m.opening {
            m.topic_title
        } else {
            format!("Re: {}", m.topic_title)
        };
        Self {
            path: paths::message(m.id),
            title,
            author: m.author,
            published: m.created_at,
            updated: m.edited_at.unwrap_or(m.created_at),
            html: m.body_html,
        }
    }

    /// A topic of a forum's feed: its opening message stands for it, and it
    /// is updated when that message is (replies are the topic's own feed).
    pub fn topic(t: FeedTopic) -> Self {
        let (html, updated) = t.opening.unwrap_or((String::new(), t.created_at));
        Self {
            path: paths::topic(t.id),
            title: t.title,
            author: t.author,
            published: t.created_at,
            updated,
            html,
        }
    }
}

/// The document: `items` in the order given, newest first.
pub fn document(origin: &str, about: About, items: Vec<Item>) -> Result<Vec<u8>, String> {
    let updated = items.iter().map(|i| i.updated).max().unwrap_or(about.since);
    let feed_url = format!("{origin}{}", about.link.href);
    let feed = Feed {
        id: feed_url.clone(),
        title: Text::plain(line(&about.link.title)),
        subtitle: about
            .subtitle
            .filter(|s| !s.is_empty())
            .map(|s| Text::plain(line(&s))),
        updated: at(updated),
        links: vec![
            link("self", ATOM, feed_url),
            link("alternate", "text/html", format!("{origin}{}", about.page)),
        ],
        entries: items.into_iter().map(|i| entry(origin, i)).collect(),
        ..Feed::default()
    };
    feed.write_to(Vec::new()).map_err(|e| e.to_string())
}

fn entry(origin: &str, item: Item) -> Entry {
    let url = format!("{origin}{}", item.path);
    Entry {
        id: url.clone(),
        title: Text::plain(line(&item.title)),
        authors: vec![Person {
            name: line(&item.author),
            uri: Some(format!("{origin}{}", paths::user(&item.author))),
            ..Person::default()
        }],
        published: Some(at(item.published)),
        updated: at(item.updated),
        links: vec![link("alternate", "text/html", url)],
        content: Some(Content {
            content_type: Some("html".into()),
            value: Some(xml_chars(&item.html).into_owned()),
            // Bodies may link within the forum by path (quotes do).
            base: (!origin.is_empty()).then(|| format!("{origin}/")),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

fn link(rel: &str, mime_type: &str, href: String) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Link::default()
    }
}

/// Unix seconds as an RFC 3339 date (UTC).
fn at(secs: i64) -> FixedDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .fixed_offset()
}

/// One-line user text as pages show it.
fn line(text: &str) -> String {
    xml_chars(&invisible::clean(text, Kind::Line)).into_owned()
}

/// `text` less what XML 1.0 cannot hold (its `Char` production).
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_xml_cannot_hold_is_dropped() {
        assert_eq!(xml_chars("plain é 😀"), "plain é 😀");
        assert_eq!(xml_chars("a\u{0}b\u{b}c\u{fffe}d\u{ffff}e"), "abcde");
        assert_eq!(line("a\u{202e}b\u{ffff}"), "ab");
    }

    #[test]
    fn dates_are_rfc_3339_in_utc() {
        assert_eq!(at(0).to_rfc3339(), "1970-01-01T00:00:00+00:00");
        assert_eq!(at(1_700_000_000).to_rfc3339(), "2023-11-14T22:13:20+00:00");
    }
}
