//! Hostile bodies: long runs of closing brackets and punctuation, schemes
//! glued together or with nothing after them, deep quotes, 20,000 characters.
//! The linear address rules must give exactly what the first, quadratic
//! version gave (kept here as the reference), and lose no character.

use maud::Render;

use super::{MessageBody, for_each_piece, next_address};

/// The first version: recounts the brackets of the whole address at each
/// character it trims. Plainly right, and slow on purpose.
fn reference_len(text: &str) -> usize {
    let scheme = text.find("//").map_or(0, |i| i + 2);
    let end = text
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .map_or(text.len(), |(i, _)| i);
    let mut url = &text[..end];
    while let Some(last) = url.chars().next_back() {
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(close).count() > url.matches(open).count()
        };
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*')
            || unbalanced('(', ')')
            || unbalanced('[', ']')
        {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            break;
        }
    }
    if url.len() <= scheme { 0 } else { url.len() }
}

fn reference_pieces(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = next_address(rest) {
        let len = reference_len(&rest[start..]);
        if len == 0 {
            let skip = start + rest[start..].find("//").map_or(1, |i| i + 2);
            out.push((rest[..skip].to_string(), false));
            rest = &rest[skip..];
            continue;
        }
        if start > 0 {
            out.push((rest[..start].to_string(), false));
        }
        out.push((rest[start..start + len].to_string(), true));
        rest = &rest[start + len..];
    }
    if !rest.is_empty() {
        out.push((rest.to_string(), false));
    }
    out
}

fn pieces(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for_each_piece(text, |p, l| out.push((p.to_string(), l)));
    out
}

fn links(text: &str) -> Vec<String> {
    pieces(text)
        .into_iter()
        .filter_map(|(p, l)| l.then_some(p))
        .collect()
}

fn joined(text: &str) -> String {
    pieces(text).into_iter().map(|(p, _)| p).collect()
}

/// Small bodies made of the pieces that matter, from a fixed seed: the same
/// thousands of cases on every run.
fn small_bodies() -> impl Iterator<Item = String> {
    const TOKENS: [&str; 24] = [
        "http://", "https://", "http", "s://", "x", "a/", "(", ")", "[", "]", ".", ",", ":", "//",
        " ", "\n", "é", "<", "\"", "'", "*", "?", "!", ";",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (0..20_000).map(move |_| {
        let n = next() % 14;
        (0..n).map(|_| TOKENS[next() % TOKENS.len()]).collect()
    })
}

#[test]
fn agrees_with_the_reference_on_small_bodies() {
    for body in small_bodies() {
        assert_eq!(pieces(&body), reference_pieces(&body), "{body:?}");
        assert_eq!(joined(&body), body);
    }
}

/// The shapes a hostile member posts, at the longest a body may be.
fn hostile_bodies() -> Vec<(&'static str, String)> {
    let n = 20_000;
    vec![
        (
            "closing parens",
            format!("https://a.b/{}", ")".repeat(n - 12)),
        ),
        (
            "closing brackets",
            format!("https://a.b/{}", "]".repeat(n - 12)),
        ),
        ("dots", format!("https://a.b/{}", ".".repeat(n - 12))),
        ("colons", format!("https://a.b/{}", ":".repeat(n - 12))),
        (
            "mixed trail",
            format!("https://a.b/{}", ").]:,".repeat((n - 12) / 5)),
        ),
        (
            "bare scheme, parens",
            format!("https://{}", ")".repeat(n - 8)),
        ),
        (
            "balanced",
            format!("https://a.b/{}{}", "(".repeat(6_000), ")".repeat(n - 6_012)),
        ),
        ("http:// repeated", "http://".repeat(n / 7)),
        ("http:// spaced", "http:// ".repeat(n / 8)),
        ("https:// with nothing", "https://) ".repeat(n / 10)),
        ("glued schemes", "https:http://https//".repeat(n / 20)),
        ("xhttp", "xhttp://a".repeat(n / 9)),
        ("nested quotes", "> ".repeat(n / 2)),
        ("quoted links", "> https://a.b/)\n".repeat(n / 16)),
        ("plain", "lorem ipsum ".repeat(n / 12)),
    ]
}

#[test]
fn hostile_bodies_keep_every_character() {
    for (shape, body) in hostile_bodies() {
        assert_eq!(joined(&body), body, "{shape}");
    }
}

#[test]
fn hostile_bodies_link_what_the_rules_say() {
    let n = 20_000;
    for trail in [")", "]", ".", ":"] {
        let body = format!("https://a.b/{}", trail.repeat(n - 12));
        assert_eq!(links(&body), ["https://a.b/"], "{trail}");
    }
    assert!(links(&format!("https://{}", ")".repeat(n))).is_empty());
    let balanced = format!("https://a.b/{}{}", "(".repeat(6_000), ")".repeat(9_000));
    assert_eq!(
        links(&balanced),
        [format!(
            "https://a.b/{}{}",
            "(".repeat(6_000),
            ")".repeat(6_000)
        )]
    );
    let glued = "http://".repeat(2_000);
    assert_eq!(links(&glued), [glued]);
    assert!(links(&"http:// ".repeat(2_000)).is_empty());
    assert!(links(&"xhttp://a".repeat(2_000)).is_empty());
    assert_eq!(links(&"> https://a.b/)\n".repeat(1_000)).len(), 1_000);
}

#[test]
fn agrees_with_the_reference_on_medium_hostile_bodies() {
    // Long enough to exercise the counts, short enough for the reference.
    for (shape, body) in hostile_bodies() {
        let cut: String = body.chars().take(600).collect();
        assert_eq!(pieces(&cut), reference_pieces(&cut), "{shape}");
    }
}

#[test]
fn renders_a_hostile_body() {
    let body = format!("https://a.b/<{}", ")".repeat(5));
    assert_eq!(
        MessageBody(&body).render().into_string(),
        "<a href=\"https://a.b/\" rel=\"nofollow ugc noopener noreferrer\">https://a.b/</a>\
         &lt;)))))"
    );
    let long = format!("see https://a.b/{}", ")".repeat(19_990));
    let html = MessageBody(&long).render().into_string();
    assert!(html.starts_with("see <a href=\"https://a.b/\""));
    assert!(html.ends_with(&")".repeat(19_990)));
}

#[test]
fn renders_without_invisible_characters() {
    assert_eq!(
        MessageBody("a\u{202e}b https://x.y/\u{2066}z")
            .render()
            .into_string(),
        "ab <a href=\"https://x.y/z\" rel=\"nofollow ugc noopener noreferrer\">https://x.y/z</a>"
    );
}
