//! Markdown rendering: each construct, the text, nesting bounds.

use super::*;

#[test]
fn renders_each_construct() {
    let html = render(
        "# Title\n\nSome *em* and **strong**, `code` and [a link](https://a.b/c).\n\n\
         - one\n- two\n\n3. three\n4. four\n\n> quoted\n\n```\nfn main() {}\n```\n\nline\nbreak",
    );
    for part in [
        "<h4>Title</h4>",
        "<em>em</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
        "<a href=\"https://a.b/c\" rel=\"nofollow ugc noopener noreferrer\">a link</a>",
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        "<ol start=\"3\">",
        "<blockquote>\n<p>quoted</p>\n</blockquote>",
        "<pre><code>fn main() {}\n</code></pre>",
        "line<br>\nbreak",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
}

#[test]
fn the_text_is_what_a_reader_sees() {
    let body = Body::new(
        "# Head\n\nSome **bold**, *em* and `code`, [a link](https://x.y/href), \
         ![alt](https://x.y/p.png), ![](https://x.y/q.png) &amp; <b>raw</b>\n\
         next line\n\n- one\n- two\n\n> quoted\n\n```\nfn main() {}\n```\n\n---\nend"
            .into(),
    );
    assert_eq!(
        body.text,
        "Head\nSome bold, em and code, a link, alt, https://x.y/q.png & <b>raw</b>\n\
         next line\none\ntwo\nquoted\nfn main() {}\nend"
    );
    assert_eq!(body.html, render(&body.source));
    assert_eq!(body.stored_text(), Some(body.text.as_str()));
    let plain = Body::new("Two  lines\nof words\n\nand a paragraph".into());
    assert_eq!(
        plain.stored_text(),
        None,
        "the same words: {:?}",
        plain.text
    );
    assert_eq!(Body::new("a &amp; b".into()).stored_text(), Some("a & b"));
    assert_eq!(Body::new("**".into()).text, "**");
    assert_eq!(Body::new("a\u{202e}b\u{2}c".into()).text, "abc");
    assert_eq!(plain_words("*as typed*\u{3}"), "*as typed*");
}

#[test]
fn bounds_nesting_and_keeps_the_rest() {
    assert_eq!(bound_nesting("> > a\n- b", 2), "> > a\n- b");
    assert_eq!(bound_nesting("> > > a", 2), "> > \\> a");
    assert_eq!(bound_nesting(">>>", 2), ">>\\>");
    assert_eq!(bound_nesting("- 1. 2) x", 2), "- 1. 2\\) x");
    assert_eq!(bound_nesting("-x -y", 0), "-x -y");
    assert_eq!(bound_nesting("1234567890. x", 0), "1234567890. x");
    let deep = "> ".repeat(10_000);
    let html = render(&deep);
    assert_eq!(html.matches("<blockquote>").count(), MAX_NESTING);
}
