//! Accounts: registration, login, logout, password change, the first admin,
//! and the extractors that say who is asking.

pub mod password;
pub mod queries;
pub mod session;
pub mod session_cache;
pub mod throttle;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

pub use session::{Admin, Member, Viewer};

use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::htmx::Hx;
use crate::net::ClientAddr;
use crate::paths;
use crate::validate::{self, FieldErrors};
use views::{LoginForm, PasswordForm, RegisterForm};

/// A logged-in account as the rest of the application sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::LOGIN, get(login_page).post(login))
        .route(paths::REGISTER, get(register_page).post(register))
        .route(paths::LOGOUT, post(logout))
        .route(paths::ACCOUNT, get(account))
        .route(paths::ACCOUNT_PASSWORD, post(change_password))
}

/// On a new database: the `admin` account, with the configured password or a
/// generated one printed once. Does nothing when an `admin` exists.
pub async fn ensure_first_admin(db: &Db, configured: Option<String>) -> AppResult<()> {
    if db
        .read(|c| Ok(queries::username_taken(c, "admin")?))
        .await?
    {
        return Ok(());
    }
    let (password, generated) = match configured {
        Some(p) => (p, false),
        None => (password::generate(), true),
    };
    validate::password(&password)
        .map_err(|e| AppError::Internal(format!("CAUSERIE_ADMIN_PASSWORD is not usable: {e}")))?;
    let hash = password::hash(password.clone()).await?;
    db.write(move |tx| Ok(queries::create_user(tx, "admin", &hash, true)?))
        .await?;
    if generated {
        tracing::warn!(
            "first start: created account `admin` with generated password: {password}  \
             (shown once; change it at /account)"
        );
    } else {
        tracing::info!("first start: created account `admin` with CAUSERIE_ADMIN_PASSWORD");
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(Viewer(user): Viewer, Query(q): Query<NextQuery>, hx: Hx) -> Response {
    let next = paths::safe_next(q.next.as_deref());
    if user.is_some() {
        return hx.redirect(&next);
    }
    views::login_page(&LoginForm::default(), None, &next).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginInput {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    hx: Hx,
    ClientAddr(client): ClientAddr,
    Form(input): Form<LoginInput>,
) -> AppResult<Response> {
    let ip = Some(client);
    let next = paths::safe_next(input.next.as_deref());
    let username = input.username.trim().to_string();
    let again = |error: String| {
        let form = LoginForm {
            username: username.clone(),
            error: Some(error),
        };
        hx.form_or_page(views::login_form(&form, &next), |_| {
            views::login_page(&form, None, &next)
        })
    };
    if username.is_empty() || input.password.is_empty() {
        return Err(AppError::Invalid(again(
            "Enter your username and password.".into(),
        )));
    }
    if let Some(secs) = state.throttle.retry_after(&username, ip) {
        return Err(AppError::TooManyAttempts(again(format!(
            "Too many failed attempts. Please wait {secs} seconds and try again."
        ))));
    }
    let name = username.clone();
    let found = state
        .db
        .read(move |c| Ok(queries::credentials(c, &name)?))
        .await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let ok = password::verify(input.password, hash).await?;
    match user {
        Some(user) if ok => {
            state.throttle.record_success(&username);
            session::log_in(&session, &user).await?;
            Ok(hx.redirect(&next))
        }
        _ => {
            state.throttle.record_failure(&username, ip);
            Err(AppError::Invalid(again(
                "Wrong username or password.".into(),
            )))
        }
    }
}

async fn register_page(Viewer(user): Viewer, hx: Hx) -> Response {
    if user.is_some() {
        return hx.redirect(paths::HOME);
    }
    views::register_page(&RegisterForm::default()).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterInput {
    username: String,
    password: String,
    password_confirm: String,
}

/// Checks a new account's fields; shared by registration and admin creation.
pub fn check_new_account(
    username: &str,
    password: &str,
    confirm: Option<&str>,
) -> (String, String, FieldErrors) {
    let mut errors = FieldErrors::default();
    let username = errors.check("username", validate::username(username));
    let password = errors.check("password", validate::password(password));
    if let Some(confirm) = confirm
        && errors.get("password").is_none()
        && confirm != password
    {
        errors.add("password_confirm", "The two passwords differ.");
    }
    (username, password, errors)
}

/// Creates the account, or says (409) that the name is taken.
pub async fn create_account(
    db: &Db,
    username: String,
    password: String,
    is_admin: bool,
) -> AppResult<Option<User>> {
    let hash = password::hash(password).await?;
    db.write(move |tx| Ok(queries::create_user(tx, &username, &hash, is_admin)?))
        .await
}

pub const NAME_TAKEN: &str = "This username is taken.";

async fn register(
    State(state): State<AppState>,
    session: Session,
    hx: Hx,
    Form(input): Form<RegisterInput>,
) -> AppResult<Response> {
    let (username, password, errors) = check_new_account(
        &input.username,
        &input.password,
        Some(&input.password_confirm),
    );
    let show = |errors: FieldErrors| -> Markup {
        let form = RegisterForm {
            username: input.username.trim().to_string(),
            errors,
        };
        hx.form_or_page(views::register_form(&form), |_| views::register_page(&form))
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(show(errors)));
    }
    match create_account(&state.db, username, password, false).await? {
        Some(user) => {
            session::log_in(&session, &user).await?;
            Ok(hx.redirect(paths::HOME))
        }
        None => {
            let mut errors = FieldErrors::default();
            errors.add("username", NAME_TAKEN);
            Err(AppError::Conflict(show(errors)))
        }
    }
}

async fn logout(Member(_): Member, session: Session, hx: Hx) -> AppResult<Response> {
    session::log_out(&session).await?;
    Ok(hx.redirect(paths::HOME))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangedQuery {
    changed: Option<String>,
}

async fn account(Member(user): Member, Query(q): Query<ChangedQuery>) -> Markup {
    let form = PasswordForm {
        changed: q.changed.is_some(),
        ..Default::default()
    };
    views::account_page(&user, &form)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordInput {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    Member(user): Member,
    session: Session,
    hx: Hx,
    Form(input): Form<PasswordInput>,
) -> AppResult<Response> {
    let show = |errors: FieldErrors| {
        let form = PasswordForm {
            errors,
            changed: false,
        };
        hx.form_or_page(views::password_form(&form), |_| {
            views::account_page(&user, &form)
        })
    };
    let mut errors = FieldErrors::default();
    let new = errors.check("new_password", validate::password(&input.new_password));
    if errors.is_empty() && input.new_password_confirm != new {
        errors.add("new_password_confirm", "The two passwords differ.");
    }
    let id = user.id;
    let stored = state
        .db
        .read(move |c| Ok(queries::password_hash(c, id)?))
        .await?;
    if !password::verify(input.current_password, stored).await? {
        errors.add("current_password", "This is not your current password.");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(show(errors)));
    }
    let hash = password::hash(new).await?;
    state
        .db
        .write(move |tx| Ok(queries::set_password(tx, id, &hash)?))
        .await?;
    session.cycle_id().await?;
    if hx.request {
        let form = PasswordForm {
            errors: FieldErrors::default(),
            changed: true,
        };
        return Ok(views::password_form(&form).into_response());
    }
    Ok(hx.redirect(&format!("{}?changed=1", paths::ACCOUNT)))
}
