//! Search SQL: the matches of an FTS5 query, newest first, with their
//! excerpts. On PostgreSQL the same query, read back into its terms and
//! filters (`query::from_match`), is asked of `search_index` (see
//! schema.pg.sql) as a tsquery built from the terms, never from the
//! reader's text as tsquery syntax.

use std::time::{Duration, Instant};

use super::query::{self, Filters, Term};
use crate::db::{Conn, Param};
use crate::params;

/// What the excerpts put around each word found: control characters, which
/// no stored text holds (`invisible` removes them on the way in), so the
/// view can tell them from the text it escapes.
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

/// How many words of the body an excerpt shows at most.
const EXCERPT_WORDS: u32 = 24;

/// One message found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// The title with the words found marked, when the message opens its
    /// topic (the title is indexed with that message only).
    pub marked_title: Option<String>,
    pub forum_id: i64,
    pub forum_name: String,
    pub author: String,
    pub created_at: i64,
    /// A part of the body around the words found, marked.
    pub excerpt: String,
}

/// How long one search may run. Almost every search takes a few
/// milliseconds on a million messages; what takes longer (a phrase of
/// common words that never occur together, whose every occurrence is
/// read; several short prefixes) is stopped and said to be too broad, so
/// no search holds a read connection much longer than this (SQLite and
/// FTS5 look at the clock between steps: stopped searches end within
/// about 10 ms of it).
pub const BUDGET: Duration = Duration::from_millis(40);

/// Virtual-machine steps between two looks at the clock.
const STEPS_BETWEEN_CHECKS: i32 = 100;

/// The `limit` matches of `query` after the first `offset`, or `None` when
/// finding them would take more than `budget` (`BUDGET`).
pub fn hits_within_budget(
    conn: &Conn,
    query: &str,
    offset: i64,
    limit: u32,
    budget: Duration,
) -> crate::db::Result<Option<Vec<Hit>>> {
    let found = match conn.lite() {
        Some(lite) => {
            let deadline = Instant::now() + budget;
            lite.progress_handler(
                STEPS_BETWEEN_CHECKS,
                Some(move || Instant::now() > deadline),
            )?;
            let found = hits(conn, query, offset, limit);
            // The connection goes back to the pool: the next user gets none.
            lite.progress_handler(0, None::<fn() -> bool>)?;
            found
        }
        None => {
            // PostgreSQL stops the statement itself; the setting ends with
            // the read transaction.
            conn.execute_batch(&format!(
                "SET LOCAL statement_timeout = {}",
                budget.as_millis().max(1)
            ))?;
            hits(conn, query, offset, limit)
        }
    };
    match found {
        Err(e) if e.is_interrupted() => Ok(None),
        other => other.map(Some),
    }
}

/// The `limit` matches of `query` (an FTS5 query from `query::to_match`)
/// after the first `offset`, newest first. FTS5 walks its lists of message
/// ids from the highest down and stops at the page's end, so a page costs
/// about the same for a word in ten messages or in a million; only the
/// page's rows are joined and excerpted.
pub fn hits(conn: &Conn, query: &str, offset: i64, limit: u32) -> crate::db::Result<Vec<Hit>> {
    if conn.is_pg() {
        return pg_hits(conn, query, offset, limit);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT h.rowid, h.title, h.excerpt, m.topic_id, t.title, f.id, f.name, u.username,
                m.created_at
           FROM (SELECT rowid,
                        highlight(search, 0, char(2), char(3)) AS title,
                        snippet(search, 1, char(2), char(3), '…', {EXCERPT_WORDS}) AS excerpt
                   FROM search WHERE search MATCH ?1
                  ORDER BY rowid DESC LIMIT ?2 OFFSET ?3) AS h
           JOIN messages m ON m.id = h.rowid
           JOIN topics t ON t.id = m.topic_id
           JOIN forums f ON f.id = t.forum_id
           JOIN users u ON u.id = m.author_id
          ORDER BY h.rowid DESC"
    ))?;
    let rows = stmt.query_map(params![query, limit, offset], hit)?;
    rows.collect()
}

/// One term's parameters on PostgreSQL: its words, and, for a prefix, the
/// start of its last word apart (letters and digits only, so it cannot be
/// more than one lexeme's start once quoted); `head` is what comes before
/// it. `a-bcd*` is `("a-", Some("bcd"))`, as FTS5 reads it: "a" then a
/// word starting with "bcd".
fn term_parts(term: &Term) -> (&str, Option<&str>) {
    if !term.prefix {
        return (&term.text, None);
    }
    let text = term.text.trim_end_matches(|c: char| !c.is_alphanumeric());
    let start = text
        .char_indices()
        .rfind(|(_, c)| !c.is_alphanumeric())
        .map_or(0, |(i, c)| i + c.len_utf8());
    (&text[..start], Some(&text[start..]))
}

/// Whether `text` holds a word (a prefix's head may be only punctuation).
fn has_word(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The SQL of a search on PostgreSQL for `terms` under `filters`, and its
/// parameters: `?1` the page's size, `?2` its offset, then the filters'
/// ids and the terms' texts. One statement per count of terms, kind of
/// each (words; words then a prefix; a prefix alone) and filters, so few.
///
/// Each term is a tsquery made by PostgreSQL from its text as words:
/// `phraseto_tsquery('simple', unaccent(text))` (its words together, in
/// order, as FTS5 reads a string), and a prefix's last word
/// `to_tsquery('simple', quote_literal(unaccent(start)) || ':*')` after it
/// (`<->`); all of them required (`&&`). A term with no word PostgreSQL
/// reads (an empty tsquery, which `&&` would drop) finds nothing: no
/// message's words can match it.
///
/// The marks: `ts_headline` on the text as written (the title with
/// `HighlightAll`, the body as an excerpt of about `EXCERPT_WORDS` words,
/// with `…` where it is cut), between char 2 and char 3. It compares words
/// as written (`école` is not `ecole` without unaccent), so the tsquery it
/// is given is, for each message, its own words whose unaccented form is
/// one of the query's words or starts with one of its prefixes: the words
/// found are marked, accents and all. Its parser takes `<...>` for an HTML
/// tag, which it leaves out of the excerpt (and `<script>`'s text with
/// it), where FTS5 shows the text as it is; so the text goes to it with
/// each `<` as char 1 (a separator to the parser, which no stored text
/// holds), made `<` again after.
fn pg_search_sql<'a>(
    terms: &'a [Term],
    filters: Filters,
    offset: i64,
    limit: u32,
) -> (String, Vec<Param<'a>>) {
    let mut params = vec![Param::Int(i64::from(limit)), Param::Int(offset)];
    let mut param = |p: Param<'a>| {
        params.push(p);
        format!("?{}", params.len())
    };
    let mut filter = String::new();
    if let Some(forum) = filters.forum {
        filter.push_str(&format!(" AND s.forum_id = {}", param(Param::Int(forum))));
    }
    if let Some(author) = filters.author {
        filter.push_str(&format!(" AND s.author_id = {}", param(Param::Int(author))));
    }
    let (mut queries, mut words, mut prefixes) = (Vec::new(), Vec::new(), Vec::new());
    for term in terms {
        let (head, start) = term_parts(term);
        let head = has_word(head).then(|| param(Param::Text(head)));
        let start = start.map(|s| param(Param::Text(s)));
        let lexemes = |p: &str| format!("tsvector_to_array(to_tsvector('simple', unaccent({p})))");
        words.extend(head.as_deref().map(lexemes));
        prefixes.extend(start.as_deref().map(lexemes));
        let phrase = head.map(|h| format!("phraseto_tsquery('simple', unaccent({h}))"));
        let prefix =
            start.map(|p| format!("to_tsquery('simple', quote_literal(unaccent({p})) || ':*')"));
        queries.push(match (phrase, prefix) {
            (Some(phrase), Some(prefix)) => format!("tsquery_phrase({phrase}, {prefix})"),
            (Some(q), None) | (None, Some(q)) => q,
            // `parse` keeps no term without a letter or digit.
            (None, None) => "''::tsquery".into(),
        });
    }
    let columns: Vec<String> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{q} AS t{i}"))
        .collect();
    let all: Vec<String> = (0..queries.len()).map(|i| format!("t{i}")).collect();
    let each: Vec<String> = all.iter().map(|t| format!("numnode({t}) > 0")).collect();
    let array = |parts: &[String]| {
        std::iter::once("ARRAY[]::text[]".to_string())
            .chain(parts.iter().cloned())
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let marks = r#"'StartSel="' || chr(2) || '", StopSel="' || chr(3) || '"'"#;
    let space = "chr(32) || chr(9) || chr(10) || chr(13)";
    // A message's own words that are the query's, as a tsquery: each one
    // quoted as tsquery input wants (quotes and backslashes doubled).
    let found_in = |text: &str| {
        format!(
            r"(SELECT string_agg('''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || '''', ' | ')
                 FROM unnest(to_tsvector('simple', {text})) AS w
                WHERE unaccent(w.lexeme) = ANY (q.words)
                   OR EXISTS (SELECT 1 FROM unnest(q.prefixes) AS p(start)
                               WHERE starts_with(unaccent(w.lexeme), p.start)))::tsquery"
        )
    };
    let sql = format!(
        "WITH terms AS MATERIALIZED (
             SELECT {columns}, {words} AS words, {prefixes} AS prefixes
         ), q AS MATERIALIZED (
             SELECT {all} AS query, {each} AS ok, words, prefixes FROM terms
         ), h AS (
             SELECT s.message_id FROM search_index s
              WHERE s.doc @@ (SELECT query FROM q) AND (SELECT ok FROM q){filter}
              ORDER BY s.message_id DESC LIMIT ?1 OFFSET ?2
         )
         SELECT m.id,
                CASE WHEN m.position = 1 THEN
                     coalesce(replace(ts_headline('simple', b.title, {title_found},
                                                  'HighlightAll=true, ' || {marks}),
                                      chr(1), '<'),
                              t.title)
                END,
                CASE WHEN starts_with(ltrim(b.body, {space}), ltrim(e.plain, {space}))
                     THEN '' ELSE '…' END
                || trim(e.marked, {space})
                || CASE WHEN right(rtrim(b.body, {space}), length(rtrim(e.plain, {space})))
                             = rtrim(e.plain, {space})
                        THEN '' ELSE '…' END,
                m.topic_id, t.title, f.id, f.name, u.username, m.created_at
           FROM h
           JOIN messages m ON m.id = h.message_id
           JOIN topics t ON t.id = m.topic_id
           JOIN forums f ON f.id = t.forum_id
           JOIN users u ON u.id = m.author_id
          CROSS JOIN q
          CROSS JOIN LATERAL (
                SELECT x.body, replace(x.body, '<', chr(1)) AS text,
                       replace(t.title, '<', chr(1)) AS title
                  FROM (SELECT coalesce(m.body_text, m.body) AS body) AS x) AS b
          CROSS JOIN LATERAL (
                SELECT x.marked, translate(x.marked, chr(2) || chr(3), '') AS plain
                  FROM (SELECT replace(ts_headline('simple', b.text,
                                                   coalesce({body_found}, q.query),
                                                   'MaxWords={max}, MinWords={min}, ShortWord=0, '
                                                   || {marks}),
                                       chr(1), '<') AS marked) AS x) AS e
          ORDER BY m.id DESC",
        columns = columns.join(", "),
        words = array(&words),
        prefixes = array(&prefixes),
        all = all.join(" && "),
        each = each.join(" AND "),
        title_found = found_in("b.title"),
        body_found = found_in("b.text"),
        max = EXCERPT_WORDS,
        min = EXCERPT_WORDS - 4,
    );
    (sql, params)
}

/// `hits` on PostgreSQL (see `pg_search_sql`).
fn pg_hits(conn: &Conn, query: &str, offset: i64, limit: u32) -> crate::db::Result<Vec<Hit>> {
    let (terms, filters) = query::from_match(query)
        .ok_or_else(|| crate::db::Error::Other(format!("not a search query: {query:?}")))?;
    let (sql, params) = pg_search_sql(&terms, filters, offset, limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, hit)?;
    rows.collect()
}

/// A hit as both engines' queries give it: the message id, the marked
/// title and excerpt, then its topic, forum, author and time.
fn hit(r: &crate::db::Row<'_>) -> crate::db::Result<Hit> {
    Ok(Hit {
        id: r.get(0)?,
        marked_title: r.get::<_, Option<String>>(1)?.filter(|t| !t.is_empty()),
        excerpt: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        topic_id: r.get(3)?,
        topic_title: r.get(4)?,
        forum_id: r.get(5)?,
        forum_name: r.get(6)?,
        author: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// Every forum's id and name, by name, for the form's choice of forum.
pub fn forums(conn: &Conn) -> crate::db::Result<Vec<(i64, String)>> {
    conn.prepare_cached("SELECT id, name FROM forums ORDER BY name")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_its_last_word_apart() {
        let term = |text: &str, prefix| Term {
            text: text.into(),
            phrase: true,
            prefix,
        };
        assert_eq!(term_parts(&term("a-bcd", true)), ("a-", Some("bcd")));
        assert_eq!(term_parts(&term("sans acc", true)), ("sans ", Some("acc")));
        assert_eq!(term_parts(&term("éco.", true)), ("", Some("éco")));
        assert_eq!(term_parts(&term("l'éco", false)), ("l'éco", None));
    }

    #[test]
    fn the_readers_text_is_a_parameter_never_sql() {
        let terms = query::parse(r#"'; DROP TABLE messages; -- "x' | yyy:*"* ?1 abc*"#).unwrap();
        let filters = Filters {
            forum: Some(4),
            author: Some(9),
        };
        let (sql, params) = pg_search_sql(&terms, filters, 20, 21);
        for typed in ["DROP", "messages;", "x' |", "yyy", "abc"] {
            assert!(!sql.contains(typed), "{typed} in {sql}");
        }
        let texts: Vec<&str> = params
            .iter()
            .filter_map(|p| match p {
                Param::Text(t) => Some(*t),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            ["DROP", "TABLE", "messages;", "x' | ", "yyy", "?1", "abc"]
        );
        assert!(
            sql.contains("s.forum_id = ?3 AND s.author_id = ?4"),
            "{sql}"
        );
    }
}
