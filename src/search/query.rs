//! What a reader typed, made into an FTS5 query that means only what they
//! meant. FTS5 has a query language of its own (`AND`, `OR`, `NOT`,
//! `NEAR(...)`, `col:`, `-`, `^`, `*`, `"`): passed as it is, a stray quote
//! is a syntax error (a 500) and `NOT` or `title:` change the question. So
//! nothing the reader types reaches FTS5 as syntax: each word, and each
//! "quoted phrase", becomes an FTS5 string (which FTS5 splits into tokens
//! with the index's own tokenizer, so `e-mail` is the phrase "e mail", as
//! it is in the index), all of them required; a `*` at the end of one asks
//! for words that start with it.

/// Longest query, in characters: a query is a few words, and its cost grows
/// with its terms. Past it the query is refused (and the form's
/// `maxlength` stops a browser from sending more).
use crate::i18n::{Msg, Text};

pub const MAX_CHARS: usize = crate::validate::SEARCH_MAX;

/// Most words and phrases in a query; more are refused, not cut, so what
/// is searched is what the reader sees in the box.
pub const MAX_TERMS: usize = 10;

/// Most terms with a `*`: each one not read from a prefix list is the merge
/// of every word it starts (13 to 17 ms for four letters on a million
/// messages, bench/search.sh), so ten would cost a sixth of a second.
pub const MAX_PREFIXES: usize = 2;

/// Shortest start of a word a `*` may ask for. Three letters are read from
/// the index's own prefix lists (schema.sql); one or two would match a
/// large part of all words (a quarter of a second on a million messages
/// to merge them, and results no one can use), so they are refused.
pub const MIN_PREFIX: usize = 3;

/// One word or phrase the matches must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// As typed (without its quotes or its `*`).
    pub text: String,
    /// Written between quotes: its words together, in this order. (A word
    /// whose punctuation splits it, `e-mail`, is one too, for FTS5.)
    pub phrase: bool,
    /// Its last word may be the start of a longer one.
    pub prefix: bool,
}

/// Why a query is not searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing FTS5 would see as a word: only punctuation or spaces.
    NoWords,
    TooLong,
    TooManyTerms,
    /// A `*` after fewer than `MIN_PREFIX` letters.
    ShortPrefix,
    TooManyPrefixes,
}

impl Refusal {
    /// What the search form says, in the page's language.
    pub fn message(self) -> Text {
        match self {
            Refusal::NoWords => Msg("search-no-words").into(),
            Refusal::TooLong => {
                Text::new(Msg("search-query-too-long")).num("max", MAX_CHARS as i64)
            }
            Refusal::TooManyTerms => {
                Text::new(Msg("search-too-many-terms")).num("max", MAX_TERMS as i64)
            }
            Refusal::ShortPrefix => {
                Text::new(Msg("search-short-prefix")).num("min", MIN_PREFIX as i64)
            }
            Refusal::TooManyPrefixes => {
                Text::new(Msg("search-too-many-prefixes")).num("max", MAX_PREFIXES as i64)
            }
        }
    }
}

/// The terms of `input`: words between spaces, phrases between quotes (a
/// quote left open runs to the end), a `*` after either for a prefix.
/// Terms with no letter or digit are dropped (FTS5 would find nothing for
/// them, and `**` is not a word); a prefix needs `MIN_PREFIX` letters.
pub fn parse(input: &str) -> Result<Vec<Term>, Refusal> {
    let input = input.trim();
    if input.chars().count() > MAX_CHARS {
        return Err(Refusal::TooLong);
    }
    let mut terms = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let (mut text, phrase) = if c == '"' {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            (text, true)
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            (text, false)
        };
        // A phrase's `*` comes after its closing quote; a word's ends it.
        let mut prefix = false;
        if phrase {
            while chars.peek() == Some(&'*') {
                chars.next();
                prefix = true;
            }
        } else {
            let bare = text.trim_end_matches('*').len();
            prefix = bare < text.len();
            text.truncate(bare);
        }
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        if prefix && last_word_chars(&text) < MIN_PREFIX {
            return Err(Refusal::ShortPrefix);
        }
        terms.push(Term {
            text,
            phrase,
            prefix,
        });
    }
    if terms.is_empty() {
        return Err(Refusal::NoWords);
    }
    if terms.len() > MAX_TERMS {
        return Err(Refusal::TooManyTerms);
    }
    if terms.iter().filter(|t| t.prefix).count() > MAX_PREFIXES {
        return Err(Refusal::TooManyPrefixes);
    }
    Ok(terms)
}

/// How many letters and digits the last word of `text` has.
fn last_word_chars(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .rfind(|w| !w.is_empty())
        .map_or(0, |w| w.chars().count())
}

/// Who or where the matches must come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub forum: Option<i64>,
    pub author: Option<i64>,
}

/// The FTS5 query for `terms` (from `parse`) under `filters`: every term as
/// an FTS5 string, in the title and body columns only; the filters as the
/// words of the `scope` column (see schema.sql), which no term can reach.
pub fn to_match(terms: &[Term], filters: Filters) -> String {
    let mut out = String::from("{title body} : (");
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('"');
        out.push_str(&term.text.replace('"', "\"\""));
        out.push('"');
        if term.prefix {
            out.push_str(" *");
        }
    }
    out.push(')');
    if let Some(forum) = filters.forum {
        out.push_str(&format!(" AND scope : \"f{forum}\""));
    }
    if let Some(author) = filters.author {
        out.push_str(&format!(" AND scope : \"u{author}\""));
    }
    out
}

/// The terms and filters back from an FTS5 query made by `to_match`, for
/// PostgreSQL, which has no MATCH: `None` for any other text. Every term
/// comes back as a phrase (`to_match` writes words and phrases alike as
/// FTS5 strings, which FTS5 takes as phrases of their tokens: `e-mail` is
/// "e mail"), so both engines search the same thing.
pub fn from_match(expr: &str) -> Option<(Vec<Term>, Filters)> {
    let mut rest = expr.strip_prefix("{title body} : (")?;
    let mut terms = Vec::new();
    loop {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
        if let Some(after) = rest.strip_prefix(')') {
            rest = after;
            break;
        }
        rest = rest.strip_prefix('"')?;
        // The string runs to the first quote that is not doubled.
        let mut text = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            if c != '"' {
                text.push(c);
            } else if rest[i + 1..].starts_with('"') {
                text.push('"');
                chars.next();
            } else {
                break i + 1;
            }
        };
        rest = &rest[end..];
        let prefix = match rest.strip_prefix(" *") {
            Some(after) => {
                rest = after;
                true
            }
            None => false,
        };
        terms.push(Term {
            text,
            phrase: true,
            prefix,
        });
    }
    let mut filters = Filters::default();
    while !rest.is_empty() {
        let after = rest.strip_prefix(" AND scope : \"")?;
        let (word, after) = after.split_once('"')?;
        let (kind, id) = word.split_at_checked(1)?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "f" if filters.forum.is_none() => filters.forum = Some(id),
            "u" if filters.author.is_none() => filters.author = Some(id),
            _ => return None,
        }
        rest = after;
    }
    (!terms.is_empty()).then_some((terms, filters))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, prefix: bool) -> Term {
        Term {
            text: text.into(),
            phrase: false,
            prefix,
        }
    }

    fn phrase(text: &str, prefix: bool) -> Term {
        Term {
            text: text.into(),
            phrase: true,
            prefix,
        }
    }

    #[test]
    fn words_phrases_and_prefixes() {
        assert_eq!(
            parse(r#"  école "fête des  mères" ecol* "a bcd" xyz** "#).unwrap(),
            [
                word("école", false),
                phrase("fête des  mères", false),
                word("ecol", true),
                phrase("a bcd", false),
                word("xyz", true),
            ]
        );
        assert_eq!(
            parse(r#"open "quote"#).unwrap(),
            [word("open", false), phrase("quote", false)]
        );
        assert_eq!(
            parse(r#"a"b c"#).unwrap(),
            [word("a", false), phrase("b c", false)]
        );
        assert_eq!(parse("ab* cd"), Err(Refusal::ShortPrefix));
        assert_eq!(parse("\"x ab\"*"), Err(Refusal::ShortPrefix));
        assert_eq!(parse("a-bcd*").unwrap(), [word("a-bcd", true)]);
        assert_eq!(parse(r#""a bcd"*"#).unwrap(), [phrase("a bcd", true)]);
        assert_eq!(
            parse("abc* def* ghi"),
            Ok(vec![
                word("abc", true),
                word("def", true),
                word("ghi", false)
            ])
        );
        assert_eq!(parse("abc* def* ghi*"), Err(Refusal::TooManyPrefixes));
    }

    #[test]
    fn syntax_is_never_syntax() {
        let terms = parse(r#"NEAR( a:b -x OR NOT title:y ^z"#).unwrap();
        assert_eq!(
            to_match(&terms, Filters::default()),
            r#"{title body} : ("NEAR(" "a:b" "-x" "OR" "NOT" "title:y" "^z")"#
        );
        for nothing in ["", "   ", "\"", "*", "**", "\"\"", "- : ( ) \" *"] {
            assert_eq!(parse(nothing), Err(Refusal::NoWords), "{nothing:?}");
        }
    }

    #[test]
    fn bounded() {
        assert_eq!(parse(&"a".repeat(MAX_CHARS)).unwrap().len(), 1);
        assert_eq!(parse(&"a".repeat(MAX_CHARS + 1)), Err(Refusal::TooLong));
        assert_eq!(
            parse(&"é".repeat(MAX_CHARS)).unwrap().len(),
            1,
            "characters, not bytes"
        );
        assert_eq!(parse(&"a ".repeat(MAX_TERMS)).unwrap().len(), MAX_TERMS);
        assert_eq!(
            parse(&"a ".repeat(MAX_TERMS + 1)),
            Err(Refusal::TooManyTerms)
        );
        assert_eq!(parse(&"x".repeat(10_000)), Err(Refusal::TooLong));
    }

    #[test]
    fn filters_are_words_of_their_own_column() {
        let terms = parse("f12").unwrap();
        assert_eq!(
            to_match(
                &terms,
                Filters {
                    forum: Some(12),
                    author: Some(7)
                }
            ),
            r#"{title body} : ("f12") AND scope : "f12" AND scope : "u7""#
        );
    }

    #[test]
    fn what_to_match_writes_reads_back() {
        let as_phrase = |t: &Term| Term {
            phrase: true,
            ..t.clone()
        };
        for (q, filters) in [
            (
                r#"école "fête des  mères" ecol* "a bcd"* x"y"#,
                Filters::default(),
            ),
            (
                r#"NEAR( a:b -x OR NOT "title:y" ^z f12 "" "#,
                Filters {
                    forum: Some(12),
                    author: None,
                },
            ),
            (
                "xyz*** a\u{2}bcd* ) ( \u{0}",
                Filters {
                    forum: Some(3),
                    author: Some(-7),
                },
            ),
            (
                "u7",
                Filters {
                    forum: None,
                    author: Some(7),
                },
            ),
        ] {
            let terms = parse(q).unwrap();
            let expected: Vec<Term> = terms.iter().map(as_phrase).collect();
            assert_eq!(
                from_match(&to_match(&terms, filters)),
                Some((expected, filters)),
                "{q:?}"
            );
        }
        for other in [
            "",
            "ecole",
            "{title body} : (",
            "{title body} : ()",
            r#"{title body} : ("a)"#,
            r#"{title body} : ("a") AND scope : "x1""#,
            r#"{title body} : ("a") AND scope : "f1" AND scope : "f2""#,
            r#"{title body} : ("a") OR x"#,
        ] {
            assert_eq!(from_match(other), None, "{other:?}");
        }
    }
}
