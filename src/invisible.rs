//! Characters that cannot be seen but change what text shows: bidi controls
//! that reverse or reorder it (a title that reads differently from what it
//! holds, or flips the page around it), control characters, and invisible
//! characters that hide text or make two names look alike. User text is
//! cleaned of them on the way in (`validate`) and again on the way out
//! (`views::text`), for rows stored before the rule. One pass, no allocation
//! when there is nothing to remove.
//!
//! They are removed, not refused: the writer cannot see them, so a form that
//! said "your title holds an invisible character" would leave them nothing to
//! fix. Removing them loses nothing a reader could see except the effect they
//! were put there for; legitimate right-to-left text needs none of them,
//! because every piece of user text is isolated on output (`dir="auto"`,
//! `<bdi>`), which sets its direction from its own first letter.

use std::borrow::Cow;

/// Which rule applies: a message body keeps its line breaks and the marks
/// that writing needs inside paragraphs; a one-line field keeps neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Message bodies.
    Body,
    /// Titles, forum names and descriptions.
    Line,
}

/// Removed from all user text.
fn hidden_everywhere(c: char) -> bool {
    matches!(c,
        // C0 controls but tab, line feed, carriage return (browsers send
        // textarea line breaks as CR LF); DEL; C1 controls.
        '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidi embeddings, overrides and isolates (and their terminators):
        // they reorder the text that follows, past the end of the field
        // when left open. Browsers close them at the end of an isolated
        // element, but what the field itself shows is still a lie.
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Deprecated format controls (symmetric swapping, shaping, digits).
        | '\u{206a}'..='\u{206f}'
        // Byte order mark / zero-width no-break space.
        | '\u{feff}'
        // Interlinear annotations: text between them may not be shown.
        | '\u{fff9}'..='\u{fffb}'
        // Tag characters: invisible copies of ASCII, used to smuggle text
        // past a reader (their one visible use, the flags of England,
        // Scotland and Wales, falls back to a black flag).
        | '\u{e0000}'..='\u{e007f}'
    )
}

/// Removed from one-line fields too: invisible characters that would let a
/// title or forum name look empty, or look like another (forum names are
/// unique, and "News" with a zero-width space is not "News"). Bodies keep
/// them: right-to-left writers use the marks, other scripts the spaces and
/// the soft hyphen, and a body names nothing. Joiners (U+200C, U+200D) stay
/// everywhere: Persian, Indic scripts and emoji sequences need them.
fn hidden_in_line(c: char) -> bool {
    matches!(
        c,
        // Left-to-right, right-to-left and Arabic letter marks.
        '\u{200e}' | '\u{200f}' | '\u{61c}'
        // Zero-width space, word joiner, invisible operators.
        | '\u{200b}' | '\u{2060}'
            ..='\u{2064}'
        // Soft hyphen, combining grapheme joiner, Mongolian vowel separator.
        | '\u{ad}' | '\u{34f}' | '\u{180e}'
        // Hangul fillers: blank-looking letters, the classic empty name.
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
    )
}

/// A line break or tab in a one-line field: shown as a space.
fn breaks_line(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// What becomes of one character: kept, dropped, or replaced by a space.
enum Fate {
    Keep,
    Drop,
    Space,
}

fn fate(c: char, kind: Kind) -> Fate {
    if hidden_everywhere(c) {
        return Fate::Drop;
    }
    match kind {
        Kind::Body => Fate::Keep,
        Kind::Line if breaks_line(c) => Fate::Space,
        Kind::Line if hidden_in_line(c) => Fate::Drop,
        Kind::Line => Fate::Keep,
    }
}

/// Calls `f` with the runs of `text` that stay, in order, and `" "` where a
/// line break in a one-line field was: put together, the cleaned text.
pub fn for_each_kept<'t>(text: &'t str, kind: Kind, mut f: impl FnMut(&'t str)) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let fate = fate(c, kind);
        if matches!(fate, Fate::Keep) {
            continue;
        }
        if start < i {
            f(&text[start..i]);
        }
        if matches!(fate, Fate::Space) {
            f(" ");
        }
        start = i + c.len_utf8();
    }
    if start < text.len() {
        f(&text[start..]);
    }
}

/// `text` without its invisible characters; borrowed when it has none.
pub fn clean(text: &str, kind: Kind) -> Cow<'_, str> {
    if text.chars().all(|c| matches!(fate(c, kind), Fate::Keep)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for_each_kept(text, kind, |piece| out.push_str(piece));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_go_everywhere() {
        for kind in [Kind::Body, Kind::Line] {
            assert_eq!(clean("a\u{202e}txt.exe\u{202c}b", kind), "atxt.exeb");
            assert_eq!(clean("\u{2067}x\u{2069}\u{feff}", kind), "x");
            assert_eq!(clean("nul\0 bell\u{7} csi\u{9b}", kind), "nul bell csi");
            assert_eq!(clean("hidden\u{e0041}\u{e0042}", kind), "hidden");
        }
    }

    #[test]
    fn bodies_keep_what_writing_needs() {
        let body = "line\r\n\tindented\u{200f}. \u{200d}\u{200c}\u{200b}\u{ad}";
        assert_eq!(clean(body, Kind::Body), body);
        assert!(matches!(clean("plain", Kind::Body), Cow::Borrowed(_)));
    }

    #[test]
    fn one_line_fields_lose_marks_and_breaks() {
        assert_eq!(clean("a\nb\r\nc\td", Kind::Line), "a b  c d");
        assert_eq!(clean("News\u{200b}", Kind::Line), "News");
        assert_eq!(clean("\u{3164}\u{200e}\u{200f}\u{61c}", Kind::Line), "");
        assert_eq!(
            clean("ب\u{200c}ی 👨\u{200d}👩", Kind::Line),
            "ب\u{200c}ی 👨\u{200d}👩"
        );
    }
}
