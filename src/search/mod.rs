//! Search: `/search?q=words&forum=ID&author=name&page=N`, over topic titles
//! and the text of messages (SQLite FTS5, see schema.sql), newest first, 20
//! a page, each result linking to its message. A plain GET form, so it
//! works without JavaScript; every page's header has a box for it.
//!
//! Bounded three ways: a query has at most 200 characters, 10 terms and 2
//! prefixes (`query`), an address makes at most `Limits::search` searches,
//! and a search counts its matches no further than the 50 pages it may show.

pub mod queries;
pub mod query;
pub mod views;

#[cfg(test)]
mod tests;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::auth::throttle::{Addr, addr_key};
use crate::error::{AppError, AppResult};
use crate::limits::{Limiter, Limits, seconds};
use crate::net::ClientAddr;
use crate::paths;
use crate::profiles::queries as profiles;
use crate::validate::USERNAME_MAX;
use crate::views::components::{PAGE_SIZE, Paging};
use query::{Filters, Refusal};
use views::{Asked, Field, Found};

/// Pages of results at most: a search counts its matches up to these, and
/// one that finds more asks for narrower words.
pub const MAX_PAGES: u32 = 50;

/// Addresses followed at most by the rate.
const RATE_CAP: usize = 100_000;

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
    ClientAddr(client): ClientAddr,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let asked = asked(raw.as_deref());
    let page: u32 = match asked.page.as_str() {
        "" => 1,
        p => p
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or(AppError::NotFound)?,
    };
    let forums = state.db.read(|c| Ok(queries::forums(c)?)).await?;
    let refuse = |field: Field, message: String| {
        AppError::Invalid(views::search_page(
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
            views::search_page(user.as_ref(), &asked, &forums, Found::Nothing).into_response(),
        );
    };
    let terms = query::parse(q).map_err(|r: Refusal| refuse(Field::Words, r.message()))?;
    let forum = match asked.forum.as_str() {
        "" => None,
        f => Some(
            f.parse::<i64>()
                .ok()
                .filter(|id| forums.iter().any(|(f, _)| f == id))
                .ok_or_else(|| {
                    refuse(
                        Field::Forum,
                        "There is no such forum: choose one from the list.".into(),
                    )
                })?,
        ),
    };
    if asked.author.chars().count() > USERNAME_MAX {
        return Err(refuse(Field::Author, no_member(&asked.author)));
    }
    state
        .search_rate
        .reserve(&addr_key(Some(client)))
        .map_err(|wait| {
            AppError::TooManyAttempts(views::search_page(
                user.as_ref(),
                &asked,
                &forums,
                Found::Refused {
                    field: Field::Words,
                    message: &format!(
                        "Too many searches from your address. Please wait {} seconds and try again.",
                        seconds(wait)
                    ),
                },
            ))
        })?;
    let author_name = asked.author.clone();
    let found = state
        .db
        .read(move |c| {
            let author = match author_name.as_str() {
                "" => None,
                name => match profiles::by_name(c, name)? {
                    Some(p) => Some(p.id),
                    None => return Ok(None),
                },
            };
            let expr = query::to_match(&terms, Filters { forum, author });
            let cap = i64::from(MAX_PAGES * PAGE_SIZE);
            let total = queries::count(c, &expr, cap + 1)?;
            let paging = Paging::existing(page, total.min(cap))?;
            let hits = queries::hits(c, &expr, paging.offset(), PAGE_SIZE)?;
            Ok(Some((hits, total, paging)))
        })
        .await?;
    let Some((hits, total, paging)) = found else {
        return Err(refuse(Field::Author, no_member(&asked.author)));
    };
    let found = Found::Hits {
        hits: &hits,
        total,
        more: total > i64::from(MAX_PAGES * PAGE_SIZE),
        paging,
    };
    Ok(views::search_page(user.as_ref(), &asked, &forums, found).into_response())
}

fn no_member(name: &str) -> String {
    format!("There is no member called “{name}”.")
}
