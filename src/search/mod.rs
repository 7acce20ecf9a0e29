//! Search: `/search?q=words&forum=ID&author=name&page=N`, over topic titles
//! and the text of messages (SQLite FTS5, see schema.sql), newest first, 20
//! a page, each result linking to its message. A plain GET form, so it
//! works without JavaScript; every page's header has a box for it.
//!
//! A search is one pass of FTS5 over its lists, newest first, stopping one
//! match past the page: pages link to the previous and the next, and no
//! search counts all its matches (for a common word, or a prefix, that
//! would be a second pass as long as the first).
//!
//! Bounded four ways: a query has at most 200 characters, 10 terms and 2
//! prefixes (`query`), an address makes at most `Limits::search` searches,
//! at most `Limits::searches_at_once` run at once (the others wait, then
//! get a 503), and a search shows 50 pages at most (the newest 1,000).

pub mod queries;
pub mod query;
pub mod views;

#[cfg(test)]
mod tests;

use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::auth::throttle::{Addr, addr_key};
use crate::error::{AppError, AppResult};
use crate::i18n::{Args, Lang};
use crate::limits::{Limiter, Limits, seconds};
use crate::net::ClientAddr;
use crate::paths;
use crate::profiles::queries as profiles;
use crate::validate::USERNAME_MAX;
use crate::views::components::PAGE_SIZE;
use query::{Filters, Refusal};
use views::{Asked, Field, Found};

/// Pages of results at most: a search that finds more asks for narrower
/// words, rather than skipping ever more matches to reach a deep page.
pub const MAX_PAGES: u32 = 50;

/// Addresses followed at most by the rate.
const RATE_CAP: usize = 100_000;

/// How long a search waits for its turn before the reader is told to try
/// again.
const TURN_WAIT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new().route(paths::SEARCH, get(search))
}

/// The searches one address may make.
pub fn rate(limits: &Limits) -> Limiter<Addr> {
    Limiter::new(limits.search, RATE_CAP)
}

/// What the address asked, read leniently: the first of each parameter,
/// whatever else the query string holds (a search box should not answer a
/// stray `&x` or a repeated field with a 400).
fn asked(raw: Option<&str>) -> Asked {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
    let first = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
    };
    Asked {
        q: first("q"),
        forum: first("forum").unwrap_or_default(),
        author: first("author").unwrap_or_default(),
        page: first("page").unwrap_or_default(),
    }
}

async fn search(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    l: Lang,
    ClientAddr(client): ClientAddr,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let asked = asked(raw.as_deref());
    let page: u32 = match asked.page.as_str() {
        "" => 1,
        p => p
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PAGES).contains(n))
            .ok_or(AppError::NotFound)?,
    };
    let forums = state.db.read(|c| Ok(queries::forums(c)?)).await?;
    let refuse = |field: Field, message: String| {
        AppError::Invalid(views::search_page(
            l,
            user.as_ref(),
            &asked,
            &forums,
            Found::Refused {
                field,
                message: &message,
            },
        ))
    };
    // No `q` at all: the form, before any search.
    let Some(q) = asked.q.as_deref() else {
        return Ok(
            views::search_page(l, user.as_ref(), &asked, &forums, Found::Nothing).into_response(),
        );
    };
    let terms = query::parse(q)
        .map_err(|r: Refusal| refuse(Field::Words, r.message().in_(l).into_owned()))?;
    let forum = match asked.forum.as_str() {
        "" => None,
        f => Some(
            f.parse::<i64>()
                .ok()
                .filter(|id| forums.iter().any(|(f, _)| f == id))
                .ok_or_else(|| refuse(Field::Forum, l.t("search-no-forum").into_owned()))?,
        ),
    };
    if asked.author.chars().count() > USERNAME_MAX {
        return Err(refuse(Field::Author, no_member(l, &asked.author)));
    }
    let addr = addr_key(Some(client));
    let local = state.search_rate.reserve(&addr);
    let key = format!("search:{addr:?}");
    let shared = state.shared_rate(local, key, state.limits.search).await?;
    shared.map_err(|wait| {
        AppError::TooManyAttempts(views::search_page(
            l,
            user.as_ref(),
            &asked,
            &forums,
            Found::Refused {
                field: Field::Words,
                message: &l.tr(
                    "search-too-many",
                    &Args::new().num("seconds", seconds(wait) as i64),
                ),
            },
        ))
    })?;
    let turn = tokio::time::timeout(TURN_WAIT, state.searching.clone().acquire_owned()).await;
    let Ok(Ok(_turn)) = turn else {
        return Err(AppError::Overloaded(views::search_page(
            l,
            user.as_ref(),
            &asked,
            &forums,
            Found::Refused {
                field: Field::Words,
                message: &l.t("search-busy"),
            },
        )));
    };
    let author_name = asked.author.clone();
    let found = state
        .db
        .read(move |c| {
            let author = match author_name.as_str() {
                "" => None,
                name => match profiles::by_name(c, name)? {
                    Some(p) => Some(p.id),
                    None => return Ok(Outcome::NoSuchAuthor),
                },
            };
            let expr = query::to_match(&terms, Filters { forum, author });
            let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
            // One more than the page: whether there is a next one.
            Ok(
                match queries::hits_within_budget(c, &expr, offset, PAGE_SIZE + 1, queries::BUDGET)?
                {
                    Some(hits) => Outcome::Hits(hits),
                    None => Outcome::TooLong,
                },
            )
        })
        .await?;
    let mut hits = match found {
        Outcome::Hits(hits) => hits,
        Outcome::NoSuchAuthor => return Err(refuse(Field::Author, no_member(l, &asked.author))),
        Outcome::TooLong => return Err(refuse(Field::Words, l.t("search-too-long").into_owned())),
    };
    if hits.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let more = hits.len() > PAGE_SIZE as usize;
    hits.truncate(PAGE_SIZE as usize);
    let found = Found::Hits {
        hits: &hits,
        page,
        more,
    };
    Ok(views::search_page(l, user.as_ref(), &asked, &forums, found).into_response())
}

/// What a search's read found.
enum Outcome {
    Hits(Vec<queries::Hit>),
    NoSuchAuthor,
    /// Stopped at `queries::BUDGET`.
    TooLong,
}

fn no_member(l: Lang, name: &str) -> String {
    l.tr("search-no-member", &Args::new().str("name", name))
        .into_owned()
}
