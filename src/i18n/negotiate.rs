//! Which language a request gets: the member's choice, else the visitor's
//! (the `lang` cookie the footer's switcher sets), else the browser's
//! (`Accept-Language`), else English.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE as COOKIE_HEADER};

use super::Lang;

/// The visitor's choice, as the footer's switcher sets it.
pub const COOKIE: &str = "lang";

/// An `Accept-Language` longer than this is not read (browsers send tens of
/// bytes; the header's size is capped by the server anyway).
const ACCEPT_MAX: usize = 512;
/// Ranges read at most.
const RANGES_MAX: usize = 32;

/// The request's language, given the member's choice if any.
pub fn choose(member: Option<Lang>, headers: &HeaderMap) -> Lang {
    member
        .or_else(|| from_cookie(headers))
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language)
        })
        .unwrap_or_default()
}

fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(COOKIE_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then(|| Lang::from_code(value.trim()))?
        })
}

/// The best of ours in an `Accept-Language` (RFC 9110 §12.5.4): each range
/// with its weight (`q`, 1 when absent, 0 meaning "not this"); the highest
/// weight wins, the first listed among equals; `fr-CA` counts as `fr`; `*`
/// means English. None when the header names none of ours.
pub fn from_accept_language(header: &str) -> Option<Lang> {
    if header.len() > ACCEPT_MAX {
        return None;
    }
    let mut best: Option<(u16, Lang)> = None;
    for item in header.split(',').take(RANGES_MAX) {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map_or(Some(1000), quality);
        let Some(q) = q.filter(|q| *q > 0) else {
            continue;
        };
        let primary = range.split('-').next().unwrap_or("");
        let lang = if primary == "*" {
            Some(Lang::En)
        } else {
            Lang::from_code(primary)
        };
        if let Some(lang) = lang
            && best.is_none_or(|(b, _)| q > b)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A `qvalue` in thousandths: `0`, `0.5`, `1`, `1.000`; None if malformed.
fn quality(q: &str) -> Option<u16> {
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_accept_language_with_weights() {
        assert_eq!(
            from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,fr;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            from_accept_language("de, fr;q=0.5, en;q=0.4"),
            Some(Lang::Fr)
        );
        assert_eq!(from_accept_language("en;q=0.1, FR;q=0.7"), Some(Lang::Fr));
        assert_eq!(from_accept_language("fr;q=0, en;q=0.2"), Some(Lang::En));
        assert_eq!(from_accept_language("de, es"), None);
        assert_eq!(from_accept_language("*"), Some(Lang::En));
        assert_eq!(from_accept_language("fr;q=2, en;q=0.3"), Some(Lang::En));
        assert_eq!(
            from_accept_language("fr;q=0.5555, en;q=0.3"),
            Some(Lang::En)
        );
        assert_eq!(from_accept_language(""), None);
        let long = format!("{}fr", "x-y,".repeat(200));
        assert_eq!(from_accept_language(&long), None);
    }

    #[test]
    fn member_then_cookie_then_header_then_english() {
        let mut h = HeaderMap::new();
        assert_eq!(choose(None, &h), Lang::En);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
        assert_eq!(choose(None, &h), Lang::Fr);
        h.insert(
            COOKIE_HEADER,
            HeaderValue::from_static("causerie=abc; lang=en"),
        );
        assert_eq!(choose(None, &h), Lang::En);
        assert_eq!(choose(Some(Lang::Fr), &h), Lang::Fr);
        h.insert(COOKIE_HEADER, HeaderValue::from_static("lang=xx"));
        assert_eq!(choose(None, &h), Lang::Fr);
    }
}
