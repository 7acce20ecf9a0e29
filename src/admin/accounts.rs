//! Accounts, as admins manage them: the list (searched by name, paged), disabling and
//! enabling, the registration mode, and pending accounts' approval. Every
//! handler takes `Admin`.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use super::views;
use crate::app::AppState;
use crate::auth::Admin;
use crate::auth::queries::{self as account_queries, Account};
use crate::auth::standing::{self, RegistrationMode};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg};
use crate::path_param::Path;
use crate::paths;
use crate::views::components::{PAGE_SIZE, Paging};

/// Pending accounts the admin page lists at most; each decision brings up
/// the next.
pub const PENDING_SHOWN: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ADMIN_ACCOUNTS, get(accounts_page))
        .route("/admin/accounts/{id}/disable", post(disable))
        .route("/admin/accounts/{id}/enable", post(enable))
        .route("/admin/accounts/{id}/approve", post(approve))
        .route("/admin/accounts/{id}/refuse", post(refuse))
        .route(paths::ADMIN_REGISTRATION, post(set_registration))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountsQuery {
    q: String,
    page: Option<String>,
}

async fn accounts_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Query(query): Query<AccountsQuery>,
) -> AppResult<Markup> {
    let page = match query.page.as_deref() {
        None => 1,
        Some(p) => p.parse().map_err(|_| AppError::NotFound)?,
    };
    let search = query.q.trim().to_string();
    let q = search.clone();
    let (accounts, paging) = state
        .db
        .read(move |c| {
            let paging = Paging::existing(page, account_queries::count_accounts(c, &q)?)?;
            let rows = account_queries::accounts(c, &q, paging.offset(), PAGE_SIZE)?;
            Ok((rows, paging))
        })
        .await?;
    Ok(views::accounts_page(l, &user, &search, &accounts, paging))
}

/// Disables or enables account `id` and answers with its row (htmx) or the
/// list showing it.
async fn set_disabled(
    l: Lang,
    state: AppState,
    admin: i64,
    id: i64,
    hx: Hx,
    disabled: bool,
) -> AppResult<Response> {
    if disabled && id == admin {
        return Err(AppError::Forbidden(Msg("forbidden-disable-self")));
    }
    let account = standing::write_ending_sessions(&state, id, move |tx| {
        let epoch = account_queries::set_disabled(tx, id, disabled)?.ok_or(AppError::NotFound)?;
        let account = account_queries::account(tx, id)?.ok_or(AppError::NotFound)?;
        Ok((account, disabled.then_some(epoch)))
    })
    .await?;
    answer(l, &hx, &account, admin)
}

fn answer(l: Lang, hx: &Hx, account: &Account, admin: i64) -> AppResult<Response> {
    if hx.request {
        return Ok(views::account_row(l, account, admin).into_response());
    }
    Ok(hx.redirect(&paths::admin_accounts(&account.username, 1)))
}

async fn disable(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    set_disabled(l, state, user.id, id, hx, true).await
}

async fn enable(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    set_disabled(l, state, user.id, id, hx, false).await
}

/// Approves (`true`) or refuses a pending account; htmx gets the line that
/// replaces its entry, a browser the admin page again.
async fn decide(l: Lang, state: AppState, id: i64, hx: Hx, approve: bool) -> AppResult<Response> {
    let name = state
        .db
        .write(move |tx| {
            let account = account_queries::account(tx, id)?.ok_or(AppError::NotFound)?;
            let done = if approve {
                account_queries::approve(tx, id)?
            } else {
                account_queries::refuse(tx, id)?
            };
            if done {
                Ok(account.username)
            } else {
                Err(AppError::NotFound)
            }
        })
        .await?;
    if hx.request {
        return Ok(views::pending_decided(l, id, &name, approve).into_response());
    }
    Ok(hx.redirect(paths::ADMIN))
}

async fn approve(
    State(state): State<AppState>,
    Admin(_): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    decide(l, state, id, hx, true).await
}

async fn refuse(
    State(state): State<AppState>,
    Admin(_): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    decide(l, state, id, hx, false).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegistrationInput {
    mode: String,
}

async fn set_registration(
    State(state): State<AppState>,
    Admin(_): Admin,
    l: Lang,
    hx: Hx,
    Form(input): Form<RegistrationInput>,
) -> AppResult<Response> {
    // Only a tampered form names no mode.
    let mode = RegistrationMode::from_form(&input.mode).ok_or(AppError::Unreadable)?;
    state
        .db
        .write(move |tx| Ok(account_queries::set_registration_mode(tx, mode)?))
        .await?;
    if hx.request {
        return Ok(views::registration_form(l, mode, true).into_response());
    }
    Ok(hx.redirect(paths::ADMIN))
}
