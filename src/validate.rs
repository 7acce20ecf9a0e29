//! Input rules from the spec, one function per kind of field. Each trims,
//! checks, and returns the clean value or the message shown next to the field.
//! Text fields lose their invisible characters first (`invisible`), so a
//! title of nothing but controls is empty, and lengths count what shows.

use crate::i18n::{Msg, Text};
use crate::invisible::{self, Kind};

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;
pub const TITLE_MAX: usize = 150;
pub const FORUM_NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 500;
pub const BODY_MAX: usize = 20_000;
/// Why a member reports a message, in characters.
pub const REASON_MAX: usize = 500;
/// A search query, in characters (see `search::query`).
pub const SEARCH_MAX: usize = 200;
/// Any request body larger than this is refused with 413.
pub const REQUEST_BODY_MAX: usize = 64 * 1024;

pub type Checked = Result<String, Text>;

/// `what`: the field, as the messages choose their wording by it
/// (`username`, `password`, `title`, `name`, `description`, `message`).
fn length_between(value: &str, what: &'static str, min: usize, max: usize) -> Result<(), Text> {
    let n = value.chars().count();
    if n < min {
        if min == 1 {
            Err(Text::new(Msg("invalid-empty")).word("field", what))
        } else {
            Err(Text::new(Msg("invalid-too-short"))
                .word("field", what)
                .num("min", min as i64))
        }
    } else if n > max {
        Err(Text::new(Msg("invalid-too-long"))
            .word("field", what)
            .num("max", max as i64)
            .num("n", n as i64))
    } else {
        Ok(())
    }
}

pub fn username(raw: &str) -> Checked {
    let v = raw.trim();
    length_between(v, "username", USERNAME_MIN, USERNAME_MAX)?;
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(Msg("invalid-username-chars").into());
    }
    Ok(v.to_string())
}

/// Passwords are not trimmed: every character counts.
pub fn password(raw: &str) -> Checked {
    length_between(raw, "password", PASSWORD_MIN, PASSWORD_MAX)?;
    Ok(raw.to_string())
}

pub fn title(raw: &str) -> Checked {
    let v = invisible::clean(raw, Kind::Line);
    let v = v.trim();
    length_between(v, "title", 1, TITLE_MAX)?;
    Ok(v.to_string())
}

pub fn forum_name(raw: &str) -> Checked {
    let v = invisible::clean(raw, Kind::Line);
    let v = v.trim();
    length_between(v, "name", 1, FORUM_NAME_MAX)?;
    Ok(v.to_string())
}

pub fn description(raw: &str) -> Checked {
    let v = invisible::clean(raw, Kind::Line);
    let v = v.trim();
    length_between(v, "description", 0, DESCRIPTION_MAX)?;
    Ok(v.to_string())
}

/// Line breaks as one `\n` each: browsers send a textarea's breaks as
/// CRLF, which counted twice against the limit its `maxlength` counts once.
fn one_newline(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains('\r') {
        v.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        v.into()
    }
}

pub fn body(raw: &str) -> Checked {
    let v = invisible::clean(raw, Kind::Body);
    let v = one_newline(&v);
    let v = v.trim();
    length_between(v, "message", 1, BODY_MAX)?;
    Ok(v.to_string())
}

/// Why a message is reported: what the admins read in their queue.
pub fn reason(raw: &str) -> Checked {
    let v = invisible::clean(raw, Kind::Body);
    let v = one_newline(&v);
    let v = v.trim();
    length_between(v, "reason", 1, REASON_MAX)?;
    Ok(v.to_string())
}

/// Errors of one submitted form, by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, Text)>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> Option<&Text> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }
    pub fn add(&mut self, field: &'static str, message: impl Into<Text>) {
        self.0.push((field, message.into()));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Keeps the value when `checked` is Ok, records the message otherwise.
    pub fn check(&mut self, field: &'static str, checked: Checked) -> String {
        match checked {
            Ok(v) => v,
            Err(m) => {
                self.add(field, m);
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("  ann_b.c-1 ").unwrap(), "ann_b.c-1");
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("has space").is_err());
        assert!(username("émile").is_err());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(title(&"é".repeat(150)).is_ok());
        assert!(title(&"é".repeat(151)).is_err());
        assert!(body("   ").is_err());
        // A browser's 20,000 characters with line breaks sent as CRLF fit.
        let lines = format!("{}\n", "x".repeat(99)).repeat(BODY_MAX / 100);
        assert_eq!(lines.chars().count(), BODY_MAX);
        assert_eq!(body(&lines.replace('\n', "\r\n")).unwrap(), lines.trim());
        assert_eq!(body("a\rb").unwrap(), "a\nb");
        assert!(description("").is_ok());
    }

    #[test]
    fn invisible_characters_are_removed_before_the_checks() {
        assert_eq!(title(" \u{202e}Hello\u{202c} ").unwrap(), "Hello");
        assert!(title("\u{202e}\u{200b}\u{3164}").is_err());
        assert_eq!(forum_name("News\u{200b}").unwrap(), "News");
        assert_eq!(description("two\nlines\u{0}").unwrap(), "two lines");
        assert_eq!(body("a\r\n\u{200f}b\u{2066}").unwrap(), "a\n\u{200f}b");
        assert!(body(&format!("{}x", "\u{feff}".repeat(BODY_MAX))).is_ok());
    }
}
