//! User text as HTML: a plain-text message body exactly as written (escaped,
//! line breaks kept by CSS) with web addresses made into links, and one-line
//! text (titles, names) escaped. Bodies are Markdown now (`markdown`), which
//! links addresses with the same detector; the plain form is what messages
//! written before it are stored as. Both drop invisible characters (`invisible`) that rows
//! stored before the input rule may hold, and take time linear in their
//! length whatever they hold: they run on the async workers and, for
//! catch-ups and edits, under the live hub's locks.

use std::fmt::Write;

use maud::{Escaper, Render};

use crate::invisible::{self, Kind};

/// Escapes `text` into `out`, without its invisible characters.
fn escape_clean(out: &mut String, text: &str, kind: Kind) {
    invisible::for_each_kept(text, kind, |piece| {
        let _ = Escaper::new(&mut *out).write_str(piece);
    });
}

/// Calls `f` with each run of `text` in order: plain text (`false`) or an
/// `http(s)://` address (`true`). The runs put together are `text`.
pub(crate) fn for_each_piece<'t>(text: &'t str, mut f: impl FnMut(&'t str, bool)) {
    let mut rest = text;
    while let Some(start) = next_address(rest) {
        let len = address_len(&rest[start..]);
        if len == 0 {
            // A bare scheme ("https://" and nothing): plain text.
            let skip = start + rest[start..].find("//").map_or(1, |i| i + 2);
            f(&rest[..skip], false);
            rest = &rest[skip..];
            continue;
        }
        if start > 0 {
            f(&rest[..start], false);
        }
        f(&rest[start..start + len], true);
        rest = &rest[start + len..];
    }
    if !rest.is_empty() {
        f(rest, false);
    }
}

/// Where the next address starts: `http://` or `https://` at the start of a
/// word (so `xhttp://` is not one).
fn next_address(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("http").map(|i| i + from) {
        let at_word_start = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let tail = &text[i..];
        if at_word_start && (tail.starts_with("https://") || tail.starts_with("http://")) {
            return Some(i);
        }
        from = i + 4;
    }
    None
}

/// How long the address at the start of `text` is: up to white space or a
/// character that cannot be in one, less trailing punctuation and closing
/// brackets that close something outside it. 0 when nothing follows `//`.
///
/// Linear: the brackets are counted once, then the trim from the end keeps
/// the counts as it goes (recounting at each step was quadratic, and a body
/// of one address and 19,990 `)` took seconds).
fn address_len(text: &str) -> usize {
    let scheme = text.find("//").map_or(0, |i| i + 2);
    let end = text
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .map_or(text.len(), |(i, _)| i);
    let mut url = &text[..end];
    let (mut open_round, mut close_round, mut open_square, mut close_square) = (0, 0, 0, 0);
    for b in url.bytes() {
        match b {
            b'(' => open_round += 1,
            b')' => close_round += 1,
            b'[' => open_square += 1,
            b']' => close_square += 1,
            _ => {}
        }
    }
    // Only `)` and `]` are ever trimmed among the brackets, so the opening
    // counts stay as they are.
    while let Some(last) = url.chars().next_back() {
        let trim = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' if close_round > open_round => {
                close_round -= 1;
                true
            }
            ']' if close_square > open_square => {
                close_square -= 1;
                true
            }
            _ => false,
        };
        if !trim {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    if url.len() <= scheme { 0 } else { url.len() }
}

/// A message body as HTML: escaped, with its addresses as links (`rel` tells
/// search engines and the linked site nothing about the forum). Written
/// straight into the page's buffer: a topic page renders twenty of these.
pub struct MessageBody<'a>(pub &'a str);

impl Render for MessageBody<'_> {
    fn render_to(&self, out: &mut String) {
        let escaped = |out: &mut String, s: &str| escape_clean(out, s, Kind::Body);
        for_each_piece(self.0, |piece, is_link| {
            if is_link {
                out.push_str("<a href=\"");
                escaped(out, piece);
                out.push_str("\" rel=\"nofollow ugc noopener noreferrer\">");
                escaped(out, piece);
                out.push_str("</a>");
            } else {
                escaped(out, piece);
            }
        });
    }
}

/// One-line user text (a title, a forum name, a description) where it
/// stands alone in an element, which carries `dir="auto"` to isolate it.
pub struct Line<'a>(pub &'a str);

impl Render for Line<'_> {
    fn render_to(&self, out: &mut String) {
        escape_clean(out, self.0, Kind::Line);
    }
}

/// One-line user text inside a sentence ("by {name}", "Delete {forum}?",
/// breadcrumbs): in `<bdi>`, so a right-to-left name shows right and cannot
/// reorder the words around it.
pub struct Bdi<'a>(pub &'a str);

impl Render for Bdi<'_> {
    fn render_to(&self, out: &mut String) {
        out.push_str("<bdi>");
        escape_clean(out, self.0, Kind::Line);
        out.push_str("</bdi>");
    }
}

#[cfg(test)]
mod adversarial;

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        for_each_piece(text, |p, l| out.push((p, l)));
        out
    }

    fn links(text: &str) -> Vec<&str> {
        pieces(text)
            .into_iter()
            .filter(|&(_, l)| l)
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn finds_addresses_and_leaves_their_punctuation() {
        assert_eq!(
            links("See https://example.org/a?b=1&c=2. Or (http://x.y/z)!"),
            ["https://example.org/a?b=1&c=2", "http://x.y/z"]
        );
        assert_eq!(
            links("https://en.wikipedia.org/wiki/Rust_(programming_language), yes"),
            ["https://en.wikipedia.org/wiki/Rust_(programming_language)"]
        );
        assert_eq!(links("at the end: https://a.b/c"), ["https://a.b/c"]);
        assert_eq!(links("line\nhttps://a.b\nnext"), ["https://a.b"]);
    }

    #[test]
    fn leaves_what_is_not_an_address() {
        assert!(links("https:// nothing, xhttps://a.b, ftp://a.b, http").is_empty());
        assert!(links("javascript:alert(1) and \"https\"").is_empty());
    }

    #[test]
    fn keeps_every_character() {
        for text in [
            "a https://b.c/d. e",
            "https://",
            "(https://x.y)",
            "héllo https://ü.example/é!",
            "",
        ] {
            let joined: String = pieces(text).into_iter().map(|(p, _)| p).collect();
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn renders_links_and_escapes_the_rest() {
        assert_eq!(
            MessageBody("<i>a</i> https://x.y/?a=1&b=2.")
                .render()
                .into_string(),
            "&lt;i&gt;a&lt;/i&gt; <a href=\"https://x.y/?a=1&amp;b=2\" \
             rel=\"nofollow ugc noopener noreferrer\">https://x.y/?a=1&amp;b=2</a>."
        );
    }
}
