//! `@name` in a message body: found in its text (not in code, not inside a
//! link) while `markdown` rewrites it, linked to the member's profile when
//! a member has that name, and noted so the member can be notified. Also
//! the messages a body links as `/messages/{id}`: what a quote's "wrote"
//! link points to, whose authors hear of it.
//!
//! Linear in the text: each `@` is looked at once, its name read once and
//! looked up in a map. The names looked up in the database, the members
//! notified and the messages noted are bounded, whatever the body holds.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use crate::paths;
use crate::validate::{USERNAME_MAX, USERNAME_MIN};

/// Distinct `@name`s of one body looked up (the others stay text).
pub const MAX_LOOKED_UP: usize = 50;
/// Distinct members one message notifies of a mention.
pub const MAX_NOTIFIED: usize = 20;
/// Distinct quoted messages one message notifies the authors of.
pub const MAX_QUOTED: usize = 20;

/// Members a body may mention: lower-cased name -> (id, name as registered).
pub type Members = HashMap<String, (i64, String)>;

/// What one rewrite of a body finds.
pub(crate) struct Scan<'m> {
    members: &'m Members,
    /// Lower-cased names after an `@`, distinct, in order.
    pub candidates: Vec<String>,
    /// Members linked, distinct, in order.
    pub mentioned: Vec<i64>,
    /// Messages linked as `/messages/{id}`, distinct, in order.
    pub quoted: Vec<i64>,
}

impl<'m> Scan<'m> {
    pub fn linking(members: &'m Members) -> Self {
        Scan {
            members,
            candidates: Vec::new(),
            mentioned: Vec::new(),
            quoted: Vec::new(),
        }
    }

    /// A link's address: notes the message it names, if it is one of ours.
    pub fn link(&mut self, dest: &str) {
        if self.quoted.len() >= MAX_QUOTED {
            return;
        }
        let id = dest
            .strip_prefix("/messages/")
            .filter(|d| !d.is_empty() && d.len() <= 18 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<i64>().ok());
        if let Some(id) = id
            && !self.quoted.contains(&id)
        {
            self.quoted.push(id);
        }
    }

    /// `text` (outside code and links) into `out`, each member's `@name` a
    /// link to their profile.
    pub fn text<'a>(&mut self, text: &str, out: &mut Vec<Event<'a>>) {
        let bytes = text.as_bytes();
        let (mut copied, mut i) = (0, 0);
        while let Some(at) = bytes[i..].iter().position(|&b| b == b'@').map(|p| p + i) {
            let start = at + 1;
            let len = bytes[start..]
                .iter()
                .take(USERNAME_MAX + 1)
                .take_while(|b| is_name_byte(**b))
                .count();
            i = start + len;
            // Not inside a word (an address, `a@b`), and a name's length;
            // a sentence's full stop after it is not part of it.
            let name = text[start..start + len].trim_end_matches('.');
            let after_word = at > 0 && is_name_byte(bytes[at - 1]);
            if after_word || !(USERNAME_MIN..=USERNAME_MAX).contains(&name.len()) {
                continue;
            }
            let key = name.to_ascii_lowercase();
            let Some((id, registered)) = self.members.get(&key) else {
                if self.candidates.len() < MAX_LOOKED_UP && !self.candidates.contains(&key) {
                    self.candidates.push(key);
                }
                continue;
            };
            if self.mentioned.len() < MAX_NOTIFIED && !self.mentioned.contains(id) {
                self.mentioned.push(*id);
            }
            if copied < at {
                out.push(Event::Text(CowStr::from(text[copied..at].to_string())));
            }
            out.push(Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url: CowStr::from(paths::user(registered)),
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            }));
            out.push(Event::Text(CowStr::from(format!("@{registered}"))));
            out.push(Event::End(TagEnd::Link));
            copied = start + name.len();
        }
        if copied < text.len() {
            out.push(Event::Text(CowStr::from(text[copied..].to_string())));
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

#[cfg(test)]
mod tests {
    use crate::markdown::{Body, mention_candidates};

    use super::*;

    fn members() -> Members {
        Members::from([
            ("alice".to_string(), (1, "Alice".to_string())),
            ("bob.b".to_string(), (2, "bob.b".to_string())),
        ])
    }

    #[test]
    fn links_members_only_outside_code_and_links() {
        let body = Body::with_members(
            "Hi @alice and @ALICE, @bob.b. Not @nobody, a@alice.org, `@alice`, \
             [@bob.b](https://x.y), @al\n\n    @bob.b in code"
                .into(),
            &members(),
        );
        assert_eq!(body.mentioned, vec![1, 2]);
        assert_eq!(
            body.html.matches("<a href=\"/users/Alice\"").count(),
            2,
            "{}",
            body.html
        );
        assert!(body.html.contains(">@bob.b</a>."), "{}", body.html);
        assert!(body.html.contains("<code>@alice</code>"), "{}", body.html);
        assert!(body.html.contains("Not @nobody"), "{}", body.html);
        assert!(body.text.contains("Hi @Alice and @Alice"), "{}", body.text);
        assert_eq!(
            mention_candidates("@Alice @bob.b. @nobody `@code` @al a@b.c"),
            vec!["alice", "bob.b", "nobody"]
        );
    }

    #[test]
    fn notes_quoted_messages_and_bounds_everything() {
        let body = Body::new(
            "> **a** [wrote](/messages/12):\n> x\n\n[y](/messages/1x) [z](/messages/12)".into(),
        );
        assert_eq!(body.quoted, vec![12]);
        let many: String = (0..1000).map(|i| format!("@name{i:04} ")).collect();
        assert_eq!(mention_candidates(&many).len(), MAX_LOOKED_UP);
        let all: Members = (0..1000)
            .map(|i| (format!("name{i:04}"), (i, format!("name{i:04}"))))
            .collect();
        let body = Body::with_members(many, &all);
        assert_eq!(body.mentioned.len(), MAX_NOTIFIED);
        assert_eq!(body.html.matches("<a ").count(), 1000);
    }
}
