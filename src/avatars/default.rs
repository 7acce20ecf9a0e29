//! The picture of a member who uploaded none: their initials on a colour
//! drawn from their name. A pure function of the name, so its address
//! (which holds the name) can be cached for good, and the same everywhere.

use maud::html;

/// Colours white text reads well on, picked by the name's hash.
const PALETTE: [&str; 12] = [
    "#b03a2e", "#a04000", "#7d6608", "#1e8449", "#117a65", "#1f618d", "#2e4053", "#6c3483",
    "#884ea0", "#943126", "#0e6655", "#5b2c6f",
];

/// The longest name drawn; longer asks are refused (404) before any work.
pub const NAME_MAX: usize = 64;

/// FNV-1a: stable across builds and platforms, unlike std's hasher.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Up to two letters or digits: the first of the name, and the first after
/// a `.`, `_` or `-` (so `jean-luc` is "JL"), else the second one.
fn initials(name: &str) -> String {
    let mut parts = name
        .split(['.', '_', '-', ' '])
        .filter_map(|p| p.chars().find(|c| c.is_alphanumeric()));
    let mut out: String = parts.next().into_iter().chain(parts.next()).collect();
    if out.chars().count() < 2 {
        let mut chars = name.chars().filter(|c| c.is_alphanumeric());
        out = chars.next().into_iter().chain(chars.next()).collect();
    }
    if out.is_empty() {
        out.push('?');
    }
    out.to_uppercase().chars().take(2).collect()
}

/// The SVG document for `name`. Everything from the name is escaped (maud
/// escapes `& < > "`, which is all XML needs in text and attributes).
pub fn svg(name: &str) -> String {
    let colour = PALETTE[(fnv1a(&name.to_lowercase()) % PALETTE.len() as u64) as usize];
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="48" height="48" role="img" {
            title { (name) }
            rect width="48" height="48" rx="8" fill=(colour) {}
            text x="24" y="31" text-anchor="middle" font-family="system-ui, sans-serif"
                font-size="20" font-weight="600" fill="#ffffff" { (initials(name)) }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_name() {
        assert_eq!(initials("alice"), "AL");
        assert_eq!(initials("jean-luc"), "JL");
        assert_eq!(initials("x"), "X");
        assert_eq!(initials("--"), "?");
        assert_eq!(initials("<&>"), "?");
    }

    #[test]
    fn the_same_name_draws_the_same_picture_and_nothing_escapes() {
        assert_eq!(svg("alice"), svg("alice"));
        let hostile = svg("\"><script>alert(1)</script>");
        assert!(!hostile.contains("<script"), "{hostile}");
        assert!(hostile.contains("&lt;script&gt;"), "{hostile}");
    }
}
