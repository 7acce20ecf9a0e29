//! Who is asking: typed extractors over the session, so handlers never touch
//! session keys.

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use tower_sessions::Session;
use tower_sessions::session::Record;

use super::standing::SessionEpochs;
use super::{User, queries};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{self, Lang, Msg};

/// The logged-in user, whole: ids, names and roles never change once an
/// account exists, so the session may carry them.
const USER: &str = "user";
/// What sessions from before `USER` hold: the id alone.
const USER_ID: &str = "user_id";
/// The account's session epoch when the session was opened (absent: 0).
/// The session counts while it is the account's current one (see `standing`).
const EPOCH: &str = "epoch";

/// The viewer of a page: a member or admin, or `None` for a visitor.
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<User>);

/// The session epoch the request's session carries (0 for a visitor's; see
/// `standing`), for whoever must check it again later (a socket as it joins).
#[derive(Clone, Copy, Debug)]
pub struct SessionEpoch(pub i64);

/// A logged-in user; visitors get 401 and the login form.
pub struct Member(pub User);

/// An admin; visitors get 401, members 403.
pub struct Admin(pub User);

async fn session(parts: &mut Parts, state: &AppState) -> Result<Session, AppError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, why)| AppError::Internal(format!("no session: {why}")))
}

/// Logs `user` in, with a new session id (no fixation); `epoch` is the
/// account's session epoch, read with the password it was checked against.
pub async fn log_in(session: &Session, user: &User, epoch: i64) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(USER, user).await?;
    session.insert(EPOCH, epoch).await?;
    Ok(())
}

/// Keeps this session logged in across an epoch change it made itself (a
/// password change), under a new id.
pub async fn renew(session: &Session, epoch: i64) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(EPOCH, epoch).await?;
    Ok(())
}

pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let session = session(parts, state).await?;
        let user = match session.get::<User>(USER).await? {
            Some(user) => Some(user),
            None => match session.get::<i64>(USER_ID).await? {
                Some(id) => {
                    state
                        .db
                        .read(move |c| Ok(queries::user_by_id(c, id)?))
                        .await?
                }
                None => None,
            },
        };
        // A session opened before the account's last password change, "log
        // out everywhere" or disabling is over: it is a visitor's now.
        let epoch = session.get::<i64>(EPOCH).await?.unwrap_or(0);
        let user = match user {
            Some(u) if epoch != state.epochs.current(u.id) => {
                session.flush().await?;
                None
            }
            Some(mut u) => {
                u.avatar = state.avatars.index.get(u.id);
                u.notifications = state.bells.get(u.id);
                Some(u)
            }
            None => None,
        };
        parts.extensions.insert(SessionEpoch(epoch));
        let viewer = Viewer(user);
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// The language the request's pages are written in: the member's choice,
/// else the visitor's cookie, else `Accept-Language`, else English. Kept in
/// the request's extensions, so asking twice costs nothing.
impl FromRequestParts<AppState> for Lang {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(lang) = parts.extensions.get::<Lang>() {
            return Ok(*lang);
        }
        let Viewer(user) = Viewer::from_request_parts(parts, state).await?;
        let member = user.and_then(|u| state.langs.get(u.id));
        let lang = i18n::choose(member, &parts.headers);
        parts.extensions.insert(lang);
        Ok(lang)
    }
}

/// Whether a stored session has ended: it belongs to an account whose epoch
/// has moved past the session's.
pub fn is_stale(record: &Record, epochs: &SessionEpochs) -> bool {
    let user_id = user_id_of(record);
    let epoch = record.data.get(EPOCH).and_then(|e| e.as_i64()).unwrap_or(0);
    user_id.is_some_and(|id| epoch < epochs.current(id))
}

/// The account a stored session is logged in to, if any.
pub fn user_id_of(record: &Record) -> Option<i64> {
    record
        .data
        .get(USER)
        .and_then(|u| u.get("id"))
        .or_else(|| record.data.get(USER_ID))
        .and_then(|id| id.as_i64())
}

/// Where a visitor should come back to after logging in.
fn next_path(parts: &Parts) -> String {
    if parts.method == Method::GET {
        return parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
    }
    let from = parts
        .headers
        .get("hx-current-url")
        .or_else(|| parts.headers.get("referer"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("/");
    crate::htmx::path_of(from).to_string()
}

impl FromRequestParts<AppState> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match Viewer::from_request_parts(parts, state).await?.0 {
            Some(user) => Ok(Member(user)),
            None => Err(AppError::Unauthorized {
                next: next_path(parts),
            }),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Member(user) = Member::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(Admin(user))
        } else {
            Err(AppError::Forbidden(Msg("forbidden-admins-only")))
        }
    }
}

impl FromRequestParts<AppState> for SessionEpoch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Viewer::from_request_parts(parts, state).await?;
        Ok(parts
            .extensions
            .get::<SessionEpoch>()
            .copied()
            .unwrap_or(SessionEpoch(0)))
    }
}
