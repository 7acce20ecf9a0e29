//! Avatars: members' pictures, uploaded on `/account` and served at
//! addresses that name their content, and the default drawn from a name.
//!
//! An upload is counted against the member's rate first, read up to 2 MB,
//! decoded on the blocking pool a couple at a time (`picture`), then stored
//! in one write. Pages show pictures through `views::avatar`, from the
//! `users.avatar` column their queries already join (messages, topic rows)
//! or, for the header, from `Index`.

pub mod default;
pub mod index;
pub mod picture;
pub mod queries;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{Member, User};
use crate::error::{AppError, AppResult};
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg, Text};
use crate::limits::{self, Limiter, Limits};
use crate::path_param::Path;
use crate::paths;
use crate::views::avatar::{AvatarSize, avatar_update};
pub use index::Index;
use picture::{Decoders, Processed};
use views::AvatarForm;

/// What a multipart upload may weigh in all: the picture and the form's
/// own bytes. Only the upload route takes it (`security::body_limit`).
pub const UPLOAD_BODY_MAX: usize = picture::MAX_BYTES + 64 * 1024;

/// Members' pictures: the in-memory index, the decoders and the rate.
#[derive(Clone)]
pub struct Avatars {
    pub index: Index,
    decoders: Decoders,
    rate: Arc<Limiter<i64>>,
}

impl Avatars {
    pub fn new(limits: &Limits) -> Self {
        Self {
            index: Index::default(),
            decoders: Decoders::default(),
            rate: Arc::new(Limiter::new(limits.avatar, 100_000)),
        }
    }
}

impl Default for Avatars {
    fn default() -> Self {
        Self::new(&Limits::default())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/avatars/{file}", get(image))
        .route("/avatars/default/{file}", get(drawn))
        .route(
            paths::ACCOUNT_AVATAR,
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX)),
        )
        .route(paths::ACCOUNT_AVATAR_REMOVE, post(remove))
}

/// Content-addressed: what an address shows never changes.
const FOREVER: &str = "public, max-age=31536000, immutable";

fn forever(content_type: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(FOREVER)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `/avatars/{hash}-{160|48}.png`.
async fn image(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let Some((hash, px)) = file.strip_suffix(".png").and_then(|f| f.split_once('-')) else {
        return Err(AppError::NotFound);
    };
    let large = match px.parse::<u32>() {
        Ok(n) if n == AvatarSize::Large.px() => true,
        Ok(n) if n == AvatarSize::Small.px() => false,
        _ => return Err(AppError::NotFound),
    };
    if !picture::is_hash(hash) {
        return Err(AppError::NotFound);
    }
    let hash = hash.to_string();
    let bytes = state
        .db
        .read(move |c| Ok(queries::image(c, &hash, large)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(forever("image/png", bytes))
}

/// `/avatars/default/{name}.svg`: the picture drawn from any name (the
/// name is in the address, so nothing is looked up).
async fn drawn(Path(file): Path<String>) -> AppResult<Response> {
    let name = file.strip_suffix(".svg").ok_or(AppError::NotFound)?;
    if name.is_empty() || name.len() > default::NAME_MAX {
        return Err(AppError::NotFound);
    }
    Ok(forever("image/svg+xml", default::svg(name)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    avatar: Option<String>,
}

/// What `/account` says after a change (`?avatar=changed|removed`).
pub fn done_message(q: &DoneQuery) -> Option<Msg> {
    match q.avatar.as_deref() {
        Some("changed") => Some(Msg("avatar-changed")),
        Some("removed") => Some(Msg("avatar-removed")),
        _ => None,
    }
}

impl DoneQuery {
    pub fn form(&self) -> AvatarForm {
        AvatarForm {
            error: None,
            done: done_message(self),
        }
    }
}

/// The account page again, in the member's language, the error in the
/// picture section.
fn refused(state: &AppState, l: Lang, user: &User, error: impl Into<Text>) -> maud::Markup {
    let form = AvatarForm {
        error: Some(error.into()),
        done: None,
    };
    let chosen = state.langs.get(user.id);
    crate::auth::views::account_page(l, user, chosen, &Default::default(), &form, None)
}

const TOO_BIG: Msg = Msg("avatar-too-big");

/// The file field's bytes, at most `picture::MAX_BYTES`; `Err` says why not,
/// as the form shows it.
async fn read_file(mut multipart: Multipart) -> Result<Vec<u8>, Msg> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            TOO_BIG
        } else {
            Msg("avatar-unreadable-form")
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("avatar") {
            continue;
        }
        // Browsers send the field with an empty name when no file was chosen.
        let named = field.file_name().is_some_and(|n| !n.is_empty());
        let mut bytes = Vec::new();
        let mut too_big = false;
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if too_big {
                continue;
            }
            if bytes.len() + chunk.len() > picture::MAX_BYTES {
                too_big = true;
                bytes = Vec::new();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        drop(field);
        if too_big {
            // The rest was read and dropped (the route's body limit bounds
            // it), so the browser gets this answer rather than a connection
            // reset for a body it was still sending.
            while let Ok(Some(mut rest)) = multipart.next_field().await {
                while let Ok(Some(_)) = rest.chunk().await {}
            }
            return Err(TOO_BIG);
        }
        if bytes.is_empty() {
            if named {
                return Err(Msg("avatar-empty"));
            }
            break;
        }
        return Ok(bytes);
    }
    Err(Msg("avatar-choose"))
}

async fn upload(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    hx: Hx,
    multipart: Multipart,
) -> AppResult<Response> {
    let avatars = &state.avatars;
    // Counted before the file is read or decoded.
    if let Err(wait) = avatars.rate.reserve(&user.id) {
        let why = Text::new(Msg("avatar-too-often")).num("seconds", limits::seconds(wait) as i64);
        return Err(AppError::TooManyAttempts(refused(&state, l, &user, why)));
    }
    let bytes = match read_file(multipart).await {
        Ok(bytes) => bytes,
        Err(why) => {
            avatars.rate.give_back(&user.id);
            return Err(AppError::Invalid(refused(&state, l, &user, why)));
        }
    };
    let processed = match avatars.decoders.run(move || picture::process(&bytes)).await {
        Ok(Ok(p)) => p,
        Ok(Err(refusal)) => {
            return Err(AppError::Invalid(refused(
                &state,
                l,
                &user,
                refusal.message(),
            )));
        }
        Err(AppError::Busy) => {
            avatars.rate.give_back(&user.id);
            let why = Msg("avatar-busy");
            return Err(AppError::TooManyAttempts(refused(&state, l, &user, why)));
        }
        Err(e) => return Err(e),
    };
    save(&state, &user, Some(processed)).await?;
    Ok(hx.redirect(&format!("{}?avatar=changed#avatar", paths::ACCOUNT)))
}

async fn remove(
    State(state): State<AppState>,
    Member(user): Member,
    hx: Hx,
) -> AppResult<Response> {
    save(&state, &user, None).await?;
    Ok(hx.redirect(&format!("{}?avatar=removed#avatar", paths::ACCOUNT)))
}

/// Stores the member's new picture (or none). The index moves inside the
/// write, before its commit, and back should the commit fail. Pages show
/// pictures, and the next load of each must show this one: the commit moves
/// the database generation, and no page or catch-up cached before is served
/// after it.
async fn save(state: &AppState, user: &User, new: Option<Processed>) -> AppResult<()> {
    let user_id = user.id;
    let hash = new.as_ref().map(|p| p.hash.clone());
    let index = state.avatars.index.clone();
    let before = index.get(user_id);
    let written = {
        let index = index.clone();
        state
            .db
            .write(move |tx| {
                let hash = queries::set(tx, user_id, new.as_ref())?;
                index.set(user_id, hash.as_deref());
                Ok(())
            })
            .await
    };
    if written.is_err() {
        index.set(user_id, before.as_deref());
        return written;
    }
    // Pages open now show the new picture too, wherever the member's is.
    let frame = avatar_update(&user.username, hash.as_deref()).into_string();
    state.hub.broadcast(frame.into());
    Ok(())
}
