//! Message bodies as Markdown: parsed (CommonMark, `pulldown-cmark`) and
//! sanitised (`ammonia`) once, when a message is written, and stored beside
//! its source; pages, live fragments and catch-ups print the stored HTML as
//! it is, so a page costs what it did before Markdown.
//!
//! What a body may hold: paragraphs, emphasis, links, lists, block quotes,
//! code (blocks and inline), headings (shown small, as `h4`-`h6`: a message
//! is not the page's outline) and thematic breaks. Line breaks show as typed
//! (a soft break is a `<br>`, as in most forums), bare `http(s)://`
//! addresses become links (the linear detector of `views::text`), images are
//! links to their address (nothing is loaded from another site), and raw
//! HTML is shown as the text it is. Links carry `rel="nofollow ugc noopener
//! noreferrer"`, as addresses in bodies always have. Invisible characters an
//! entity reference (`&#x202e;`) would bring back are removed again.
//!
//! Time is linear in the body's length: the parser is, for everything but
//! nesting, which `bound_nesting` caps before parsing (examples/render_bench.rs
//! measures the hostile shapes).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use maud::Render;
use pulldown_cmark::utils::TextMergeStream;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::invisible::{self, Kind};
pub use crate::mentions::Members;
use crate::mentions::Scan;
use crate::views::text::{MessageBody, for_each_piece};

/// How deep block quotes and list items may nest on one line; the markers
/// past it are shown as text. Quoting a quote of a quote stays readable
/// long before that, and a browser lays out a few levels, not 10,000.
pub const MAX_NESTING: usize = 16;

/// What every link in a body says about itself: not endorsed, written by a
/// user, and the linked site learns nothing about the forum.
pub const LINK_REL: &str = "nofollow ugc noopener noreferrer";

/// A message body: what its author wrote (what edit shows), its HTML, and
/// its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    pub source: String,
    pub html: String,
    /// The words a reader sees, without markup: what search indexes.
    pub text: String,
    /// The members it mentions (`@name`, linked), in order, at most
    /// `mentions::MAX_NOTIFIED`.
    pub mentioned: Vec<i64>,
    /// The messages it links as `/messages/{id}` (a quote's "wrote" link),
    /// at most `mentions::MAX_QUOTED`.
    pub quoted: Vec<i64>,
}

impl Body {
    /// Renders `source` (already checked by `validate::body`): one parse
    /// gives both the HTML and the text. No `@name` is linked.
    pub fn new(source: String) -> Self {
        Self::with_members(source, &Members::new())
    }

    /// The same, with the `@name`s of `members` linked to their profiles
    /// (see `mentions`).
    pub fn with_members(source: String, members: &Members) -> Self {
        let bounded = bound_nesting(&source, MAX_NESTING);
        let mut scan = Scan::linking(members);
        let events = parse_with(&bounded, &mut scan);
        let text = words(&events);
        let html = to_html(events, source.len());
        Self {
            source,
            html,
            text,
            mentioned: scan.mentioned,
            quoted: scan.quoted,
        }
    }

    /// The text to store beside the source (`messages.body_text`): `None`
    /// when it holds the same words, in the same order, as the source,
    /// which search then reads in its place (see schema.sql).
    pub fn stored_text(&self) -> Option<&str> {
        differing_text(&self.source, &self.text)
    }
}

/// `text`, unless it has the same words as `source` (only white space
/// differs, which no search or excerpt tells apart).
pub fn differing_text<'a>(source: &str, text: &'a str) -> Option<&'a str> {
    (!text.split_whitespace().eq(source.split_whitespace())).then_some(text)
}

/// `source` as sanitised HTML.
pub fn render(source: &str) -> String {
    let bounded = bound_nesting(source, MAX_NESTING);
    to_html(parse(&bounded), source.len())
}

/// The events of a body (nesting already bounded), as causerie shows them.
fn parse(bounded: &str) -> Vec<Event<'_>> {
    parse_with(bounded, &mut Scan::linking(&Members::new()))
}

/// The `@name`s of `source` that may be members: in text, not in code nor
/// in a link; lower-cased, distinct, the first `mentions::MAX_LOOKED_UP`.
pub fn mention_candidates(source: &str) -> Vec<String> {
    if !source.contains('@') {
        return Vec::new();
    }
    let none = Members::new();
    let mut scan = Scan::linking(&none);
    parse_with(&bound_nesting(source, MAX_NESTING), &mut scan);
    scan.candidates
}

fn parse_with<'a>(bounded: &'a str, scan: &mut Scan<'_>) -> Vec<Event<'a>> {
    let parser = Parser::new_ext(bounded, Options::empty());
    // Raw HTML becomes text first, so that the merge joins it with the text
    // around it; the merge lets an address split at `_` or `&` be found whole.
    let events = TextMergeStream::new(parser.map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    }));
    rewrite(events, scan)
}

/// `events` as sanitised HTML; `len` is the source's, to size the buffer.
fn to_html(events: Vec<Event<'_>>, len: usize) -> String {
    let mut html = String::with_capacity(len + len / 2 + 16);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let mut clean = SANITISER.clean(&html).to_string();
    // The renderer ends each block with a line break: not the last one.
    clean.truncate(clean.trim_end().len());
    clean
}

/// The text a reader sees in `events`: text and code as shown (entities
/// decoded, invisible characters already removed by `rewrite`), a line
/// break at each line or block end so the words of two blocks never join,
/// and no markup: not the `**` around a word, not a link's address (its
/// words are shown, its address is not), not a tag. Linear in the events.
fn words(events: &[Event<'_>]) -> String {
    fn line_end(out: &mut String) {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
    }
    let mut out = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => line_end(&mut out),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::List(_),
            ) => line_end(&mut out),
            _ => {}
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// The text of a Markdown `source`, as `Body::new` gives it, without
/// rendering its HTML.
pub fn words_of(source: &str) -> String {
    words(&parse(&bound_nesting(source, MAX_NESTING)))
}

/// The text of a body written before Markdown (version 4 shows it as it
/// was typed, see `plain_text_html`): all of it, as shown.
pub fn plain_words(body: &str) -> String {
    invisible::clean(body, Kind::Body).into_owned()
}

/// How the HTML of a body written before Markdown begins; Markdown's
/// never does (the sanitiser keeps no `div`).
pub const PLAIN_HTML_START: &str = "<div class=\"plain\">";

/// A body written before Markdown, exactly as it showed then: escaped text
/// with its addresses linked, its line breaks and spaces kept (`.plain`).
/// The migration to version 3 stores this for every older message.
pub fn plain_text_html(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 4 + 32);
    out.push_str(PLAIN_HTML_START);
    MessageBody(body).render_to(&mut out);
    out.push_str("</div>");
    out
}

/// The parser's events as causerie shows them: images as links, headings
/// small, soft breaks kept, addresses in text linked, no invisible controls.
fn rewrite<'a>(events: impl Iterator<Item = Event<'a>>, scan: &mut Scan<'_>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    // Inside a link (or an image, which becomes one), text is not linked again.
    let mut in_link = 0usize;
    let mut in_code_block = false;
    // Raw HTML blocks are shown as paragraphs of their text, lines kept.
    let mut in_html_block = false;
    // Each open image: its address, and where its link starts in `out`.
    let mut images: Vec<(CowStr<'a>, usize)> = Vec::new();
    for event in events {
        match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                let dest_url = clean(dest_url);
                images.push((dest_url.clone(), out.len()));
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title: clean(title),
                    id,
                }));
            }
            Event::End(TagEnd::Image) => {
                in_link = in_link.saturating_sub(1);
                if let Some((dest_url, at)) = images.pop()
                    && out.len() == at + 1
                {
                    // No description: the address is the link's text.
                    out.push(Event::Text(dest_url));
                }
                out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                scan.link(&dest_url);
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: clean(dest_url),
                    title: clean(title),
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::HtmlBlock) => {
                in_html_block = true;
                out.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::HtmlBlock) => {
                in_html_block = false;
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Text(text) if in_html_block => {
                let text = clean(text);
                let mut lines = text.trim_end_matches(['\r', '\n']).split('\n').peekable();
                while let Some(line) = lines.next() {
                    link_addresses(
                        CowStr::from(line.trim_end_matches('\r').to_string()),
                        &mut out,
                        scan,
                    );
                    if lines.peek().is_some() {
                        out.push(Event::HardBreak);
                    }
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level: small(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(small(level))))
            }
            Event::SoftBreak => out.push(Event::HardBreak),
            Event::Code(code) => out.push(Event::Code(clean(code))),
            Event::Text(text) if in_link > 0 || in_code_block => out.push(Event::Text(clean(text))),
            Event::Text(text) => link_addresses(clean(text), &mut out, scan),
            other => out.push(other),
        }
    }
    out
}

/// Headings a level 1 to 6 show as `h4` to `h6`.
fn small(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H4,
        HeadingLevel::H2 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Text without the invisible characters an entity reference may have made.
fn clean(text: CowStr<'_>) -> CowStr<'_> {
    let cleaned = match invisible::clean(&text, Kind::Body) {
        Cow::Borrowed(_) => None,
        Cow::Owned(cleaned) => Some(cleaned),
    };
    cleaned.map_or(text, CowStr::from)
}

/// `text` into `out`, its `http(s)://` addresses and members' `@name`s as
/// links.
fn link_addresses<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>, scan: &mut Scan<'_>) {
    if !text.contains("http") {
        if text.contains('@') {
            scan.text(&text, out);
        } else {
            out.push(Event::Text(text));
        }
        return;
    }
    for_each_piece(&text, |piece, is_address| {
        if !is_address && piece.contains('@') {
            scan.text(piece, out);
            return;
        }
        let piece = CowStr::from(piece.to_string());
        if is_address {
            out.push(Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: piece.clone(),
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            }));
            out.push(Event::Text(piece));
            out.push(Event::End(TagEnd::Link));
        } else {
            out.push(Event::Text(piece));
        }
    });
}

/// `source` with the block quote and list markers past `max` on a line
/// escaped (`\>`, `\-`, `1\.`), so they show as text: nesting is the one
/// shape whose cost grows faster than its length, in the parser and in a
/// browser. Nesting by indentation needs two more spaces a level, so it
/// stays under about 140 levels in a body of 20,000 characters.
pub fn bound_nesting(source: &str, max: usize) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let (mut copied, mut line_start) = (0, 0);
    for line in source.split_inclusive('\n') {
        if let Some(at) = too_deep(line.as_bytes(), max) {
            let out = out.get_or_insert_with(|| String::with_capacity(source.len() + 16));
            out.push_str(&source[copied..line_start + at]);
            out.push('\\');
            copied = line_start + at;
        }
        line_start += line.len();
    }
    match out {
        None => Cow::Borrowed(source),
        Some(mut out) => {
            out.push_str(&source[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Where the first container marker past `max` on `line` is to be escaped.
fn too_deep(line: &[u8], max: usize) -> Option<usize> {
    let ends_marker = |j: usize| matches!(line.get(j), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
    let (mut i, mut depth) = (0, 0);
    loop {
        while matches!(line.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        // The marker's end, and the byte an escape goes before.
        let (end, escape_at) = match line.get(i) {
            Some(b'>') => (i + 1, i),
            Some(b'-' | b'+' | b'*') if ends_marker(i + 1) => (i + 1, i),
            Some(c) if c.is_ascii_digit() => {
                let digits = line[i..]
                    .iter()
                    .take(10)
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                let j = i + digits;
                if digits <= 9 && matches!(line.get(j), Some(b'.' | b')')) && ends_marker(j + 1) {
                    (j + 1, j)
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        depth += 1;
        if depth > max {
            return Some(escape_at);
        }
        i = end;
    }
}

/// The allowed markup: what the parser makes of the constructs above, and
/// nothing else. Built once; its configuration never changes.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(HashSet::from([
        "p",
        "br",
        "em",
        "strong",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "code",
        "h4",
        "h5",
        "h6",
        "hr",
    ]))
    .tag_attributes(HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("ol", HashSet::from(["start"])),
    ]))
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .url_relative(ammonia::UrlRelative::PassThrough)
    .link_rel(Some(LINK_REL))
    .clean_content_tags(HashSet::from(["script", "style"]));
    b
});

#[cfg(test)]
mod tests;
