//! Accounts: registration, login, logout, password change, the first admin,
//! and the extractors that say who is asking.

pub mod language;
pub mod password;
pub mod queries;
pub mod session;
pub mod session_cache;
pub mod session_store;
pub mod standing;
pub mod sweep;
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
use crate::avatars;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg, Text};
use crate::net::ClientAddr;
use crate::notifications;
use crate::paths;
use crate::validate::{self, FieldErrors};
use standing::{AccountStatus, RegistrationMode};
use views::{LoginForm, PasswordForm, RegisterForm};

/// A logged-in account as the rest of the application sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    /// The content hash of their uploaded picture, if any: not kept in the
    /// session (it changes), but filled in from `avatars::Index` as each
    /// request's viewer is read.
    #[serde(skip)]
    pub avatar: Option<String>,
    /// How many notifications they have not read: filled in from
    /// `notifications::Bells` as each request's viewer is read.
    #[serde(skip)]
    pub notifications: u32,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::LOGIN, get(login_page).post(login))
        .route(paths::REGISTER, get(register_page).post(register))
        .route(paths::LOGOUT, post(logout))
        .route(paths::ACCOUNT, get(account))
        .route(paths::ACCOUNT_PASSWORD, post(change_password))
        .route(paths::LANG, post(language::switch))
        .route(paths::ACCOUNT_LANG, post(language::choose))
        .route(paths::ACCOUNT_LOGOUT_EVERYWHERE, post(logout_everywhere))
}

/// On a new database: the `admin` account, with the configured password or a
/// generated one printed once. Does nothing when an `admin` exists.
pub async fn ensure_first_admin(state: &AppState, configured: Option<String>) -> AppResult<()> {
    let db = &state.db;
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
    let hash = state.hasher.hash(password.clone()).await?;
    let created = db
        .write(move |tx| Ok(queries::create_user(tx, "admin", &hash, true)?))
        .await?;
    // Several instances starting together on one database: one of them
    // creates it; the others say nothing (their password is not the one).
    if created.is_none() {
        return Ok(());
    }
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
    /// Set after a registration that awaits approval.
    awaiting: Option<String>,
    /// Set when htmx was sent here by a 401, so the page says why.
    required: Option<String>,
}

/// Why the login page shows up uninvited (a 401, with or without htmx).
pub const LOGIN_REQUIRED: Msg = Msg("login-required");

pub const AWAITING_APPROVAL: Msg = Msg("login-awaiting");

async fn login_page(Viewer(user): Viewer, l: Lang, Query(q): Query<NextQuery>, hx: Hx) -> Response {
    let next = paths::safe_next(q.next.as_deref());
    if user.is_some() {
        return hx.redirect(&next);
    }
    let notice = if q.awaiting.is_some() {
        Some(AWAITING_APPROVAL)
    } else {
        q.required.is_some().then_some(LOGIN_REQUIRED)
    };
    views::login_page(l, &LoginForm::default(), notice, &next).into_response()
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
    l: Lang,
    ClientAddr(client): ClientAddr,
    Form(input): Form<LoginInput>,
) -> AppResult<Response> {
    let ip = Some(client);
    let next = paths::safe_next(input.next.as_deref());
    let username = input.username.trim().to_string();
    let again = |error: Text| {
        let form = LoginForm {
            username: username.clone(),
            error: Some(error),
        };
        hx.form_or_page(views::login_form(l, &form, &next), |_| {
            views::login_page(l, &form, None, &next)
        })
    };
    if username.is_empty() || input.password.is_empty() {
        return Err(AppError::Invalid(again(Msg("login-empty").into())));
    }
    // Counted before the hash, so a burst runs only the hashes it may.
    let throttle = &state.throttle.login;
    let attempt = throttle.reserve(&username, ip).map_err(|wait| {
        AppError::TooManyAttempts(again(views::wait(Msg("throttle-login"), wait)))
    })?;
    // Across instances too (PostgreSQL): the pair and the address.
    let addr = throttle::addr_key(ip);
    let lower: String = username
        .chars()
        .take(crate::validate::USERNAME_MAX)
        .collect::<String>()
        .to_lowercase();
    let shared = [
        (
            format!("login-pair:{addr:?}:{lower}"),
            state.limits.login_pair,
        ),
        (
            format!("login-address:{addr:?}"),
            state.limits.login_address,
        ),
    ];
    for (i, (key, rate)) in shared.iter().enumerate() {
        if let Err(wait) = state.shared_rate(Ok(()), key.clone(), *rate).await? {
            throttle.forgive(&attempt);
            for (key, rate) in &shared[..i] {
                crate::limits::shared::give_back(&state.db, key.clone(), *rate).await?;
            }
            return Err(AppError::TooManyAttempts(again(views::wait(
                Msg("throttle-login"),
                wait,
            ))));
        }
    }
    // A login that succeeds, or is never checked, is given back everywhere.
    let give_back = || async {
        for (key, rate) in &shared {
            crate::limits::shared::give_back(&state.db, key.clone(), *rate).await?;
        }
        Ok::<_, AppError>(())
    };
    let name = username.clone();
    let checked = async {
        let found = state
            .db
            .read(move |c| Ok(queries::credentials(c, &name)?))
            .await?;
        let (user, hash) = match found {
            Some(c) => (
                Some((c.user, c.status, c.session_epoch)),
                Some(c.password_hash),
            ),
            None => (None, None),
        };
        let ok = state.hasher.verify(input.password, hash).await?;
        Ok::<_, AppError>(user.filter(|_| ok))
    };
    match checked.await {
        // Only the account's owner learns that it is disabled or pending.
        Ok(Some((_, AccountStatus::Disabled, _))) => {
            Err(AppError::Refused(again(Msg("login-disabled").into())))
        }
        Ok(Some((_, AccountStatus::Pending, _))) => {
            Err(AppError::Refused(again(AWAITING_APPROVAL.into())))
        }
        Ok(Some((user, AccountStatus::Active, epoch))) => {
            // Not worth refusing the login for: only a restart forgets it.
            if let Err(e) = throttle::persist_known(&state.db, &attempt).await {
                tracing::warn!(error = %e, "cannot remember where a login came from");
            }
            throttle.succeeded(attempt);
            give_back().await?;
            session::log_in(&session, &user, epoch).await?;
            Ok(hx.redirect(&next))
        }
        Ok(None) => Err(AppError::Invalid(again(Msg("login-wrong").into()))),
        Err(e) => {
            // No guess was checked (busy, or a failure of ours).
            throttle.forgive(&attempt);
            give_back().await?;
            Err(e)
        }
    }
}

async fn registration_mode(state: &AppState) -> AppResult<RegistrationMode> {
    state.db.read(|c| Ok(queries::registration_mode(c)?)).await
}

async fn register_page(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    l: Lang,
    hx: Hx,
) -> AppResult<Response> {
    if user.is_some() {
        return Ok(hx.redirect(paths::HOME));
    }
    let mode = registration_mode(&state).await?;
    Ok(views::register_page(l, &RegisterForm::default(), mode).into_response())
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
        errors.add("password_confirm", Msg("passwords-differ"));
    }
    (username, password, errors)
}

/// Creates the account, or says (409) that the name is taken.
pub async fn create_account(
    state: &AppState,
    username: String,
    password: String,
    is_admin: bool,
) -> AppResult<Option<User>> {
    let hash = state.hasher.hash(password).await?;
    state
        .db
        .write(move |tx| Ok(queries::create_user(tx, &username, &hash, is_admin)?))
        .await
}

/// Creates an account awaiting an admin's approval; `false` when the name
/// is taken.
pub async fn create_pending_account(
    state: &AppState,
    username: String,
    password: String,
) -> AppResult<bool> {
    let hash = state.hasher.hash(password).await?;
    state
        .db
        .write(move |tx| Ok(queries::create_pending_user(tx, &username, &hash)?))
        .await
}

pub const NAME_TAKEN: Msg = Msg("name-taken");

async fn register(
    State(state): State<AppState>,
    session: Session,
    hx: Hx,
    l: Lang,
    ClientAddr(client): ClientAddr,
    Form(input): Form<RegisterInput>,
) -> AppResult<Response> {
    let (username, password, errors) = check_new_account(
        &input.username,
        &input.password,
        Some(&input.password_confirm),
    );
    let mode = registration_mode(&state).await?;
    if mode == RegistrationMode::Closed {
        return Err(AppError::Forbidden(views::REGISTRATION_CLOSED));
    }
    let show = |errors: FieldErrors| -> Markup {
        let form = RegisterForm {
            username: input.username.trim().to_string(),
            errors,
        };
        hx.form_or_page(views::register_form(l, &form), |_| {
            views::register_page(l, &form, mode)
        })
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(show(errors)));
    }
    // Each account costs a hash: counted per address before it.
    let addr = throttle::addr_key(Some(client));
    let local = state.throttle.register.reserve(&addr);
    let key = format!("register:{addr:?}");
    let shared = state.shared_rate(local, key, state.limits.register).await?;
    if let Err(wait) = shared {
        let mut errors = FieldErrors::default();
        let why = views::wait(Msg("throttle-accounts"), wait);
        errors.add("username", why);
        return Err(AppError::TooManyAttempts(show(errors)));
    }
    // `Some(None)`: created, pending approval; `None`: the name is taken.
    let created = if mode == RegistrationMode::Approval {
        create_pending_account(&state, username, password)
            .await
            .map(|created| created.then_some(None))
    } else {
        create_account(&state, username, password, false)
            .await
            .map(|user| user.map(Some))
    };
    if matches!(created, Err(AppError::Busy)) {
        state.throttle.register.give_back(&addr);
        let rate = state.limits.register;
        crate::limits::shared::give_back(&state.db, format!("register:{addr:?}"), rate).await?;
    }
    match created? {
        Some(Some(user)) => {
            // A new account's epoch is 0.
            session::log_in(&session, &user, 0).await?;
            Ok(hx.redirect(paths::HOME))
        }
        Some(None) => Ok(hx.redirect(paths::LOGIN_AWAITING)),
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

/// Ends every session of the account, this one included, and its sockets.
async fn logout_everywhere(
    State(state): State<AppState>,
    Member(user): Member,
    session: Session,
    hx: Hx,
) -> AppResult<Response> {
    let id = user.id;
    standing::write_ending_sessions(&state, id, move |tx| {
        Ok(((), queries::end_sessions(tx, id)?))
    })
    .await?;
    session::log_out(&session).await?;
    Ok(hx.redirect(paths::HOME))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangedQuery {
    changed: Option<String>,
}

async fn account(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Query(q): Query<ChangedQuery>,
    Query(avatar): Query<avatars::DoneQuery>,
) -> AppResult<Markup> {
    let form = PasswordForm {
        changed: q.changed.is_some(),
        ..Default::default()
    };
    let chosen = state.langs.get(user.id);
    let notify = notifications::kinds_form(l, &state, &user).await?;
    Ok(views::account_page(
        l,
        &user,
        chosen,
        &form,
        &avatar.form(),
        Some(&notify),
    ))
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
    l: Lang,
    Form(input): Form<PasswordInput>,
) -> AppResult<Response> {
    let chosen = state.langs.get(user.id);
    let show = |errors: FieldErrors| {
        let form = PasswordForm {
            errors,
            changed: false,
        };
        hx.form_or_page(views::password_form(l, &form), |_| {
            views::account_page(l, &user, chosen, &form, &Default::default(), None)
        })
    };
    let mut errors = FieldErrors::default();
    let new = errors.check("new_password", validate::password(&input.new_password));
    if errors.is_empty() && input.new_password_confirm != new {
        errors.add("new_password_confirm", Msg("passwords-differ"));
    }
    let id = user.id;
    // Counted before the hash: someone at an unattended session cannot try
    // passwords fast.
    let throttle = &state.throttle.password_change;
    let key = format!("password:{id}");
    let rate = state.limits.password_change;
    let shared = state.shared_rate(throttle.reserve(&id), key, rate).await?;
    if let Err(wait) = shared {
        let why = views::wait(Msg("throttle-password"), wait);
        errors.add("current_password", why);
        return Err(AppError::TooManyAttempts(show(errors)));
    }
    let stored = state
        .db
        .read(move |c| Ok(queries::password_hash(c, id)?))
        .await?;
    let checked = state.hasher.verify(input.current_password, stored).await;
    let forgiven = matches!(checked, Err(AppError::Busy) | Ok(true));
    if forgiven {
        // Not checked (busy), or the right password, whatever else the form
        // got wrong: given back, here and on every instance.
        throttle.give_back(&id);
        let rate = state.limits.password_change;
        crate::limits::shared::give_back(&state.db, format!("password:{id}"), rate).await?;
    }
    if !checked? {
        errors.add("current_password", Msg("password-not-current"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(show(errors)));
    }
    let hash = state.hasher.hash(new).await?;
    // Every other session of the account ends; this one goes on, renewed.
    let epoch = standing::write_ending_sessions(&state, id, move |tx| {
        let epoch = queries::set_password(tx, id, &hash)?;
        Ok((epoch, Some(epoch)))
    })
    .await?;
    session::renew(&session, epoch).await?;
    if hx.request {
        let form = PasswordForm {
            errors: FieldErrors::default(),
            changed: true,
        };
        return Ok(views::password_form(l, &form).into_response());
    }
    Ok(hx.redirect(&format!("{}?changed=1", paths::ACCOUNT)))
}
