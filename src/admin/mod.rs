//! Administration: forums and administrators (accounts, registration and
//! approvals in `accounts`). Every handler takes `Admin`, so a member gets
//! 403 and a visitor 401 whatever the page showed.

pub mod accounts;
pub mod views;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::queries as account_queries;
use crate::auth::{self, Admin, User};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::forums::queries::{self as forum_queries, Saved};
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg};
use crate::live::Change;
use crate::path_param::Path;
use crate::paths;
use crate::reports;
use crate::validate::{self, FieldErrors};
use views::{AdminForm, ForumForm, Typed};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ADMIN, get(admin_page))
        .route(paths::ADMIN_FORUMS, post(create_forum))
        .route("/admin/forums/{id}/edit", post(edit_forum))
        .route(
            "/admin/forums/{id}/delete",
            get(confirm_delete).post(delete_forum),
        )
        .route(paths::ADMIN_ADMINS, post(create_admin))
        .merge(accounts::router())
}

async fn render(l: Lang, state: &AppState, user: &User, typed: Typed<'_>) -> AppResult<Markup> {
    let (forums, registration, pending, reported) = state
        .db
        .read(|c| {
            Ok((
                forum_queries::list(c)?,
                account_queries::registration_mode(c)?,
                account_queries::pending_accounts(c, accounts::PENDING_SHOWN)?,
                reports::queries::reported_count(c)?,
            ))
        })
        .await?;
    let accounts = views::AccountsSummary {
        registration,
        pending: &pending,
        reported,
    };
    Ok(views::admin_page(l, user, &forums, accounts, typed))
}

async fn admin_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
) -> AppResult<Markup> {
    render(l, &state, &user, Typed::None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForumInput {
    name: String,
    description: String,
}

impl ForumInput {
    fn check(&self) -> (String, String, FieldErrors) {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", validate::forum_name(&self.name));
        let description = errors.check("description", validate::description(&self.description));
        (name, description, errors)
    }
    fn typed(&self, errors: FieldErrors) -> ForumForm {
        ForumForm {
            name: self.name.clone(),
            description: self.description.clone(),
            errors,
        }
    }
}

/// Saves a forum (new when `id` is None) and answers as the spec says.
async fn save_forum(
    l: Lang,
    state: AppState,
    user: User,
    hx: Hx,
    id: Option<i64>,
    input: ForumInput,
) -> AppResult<Response> {
    let (name, description, errors) = input.check();
    let refuse = async |errors: FieldErrors| -> AppResult<Markup> {
        let form = input.typed(errors);
        if hx.request {
            return Ok(views::forum_form(l, id, &form));
        }
        let typed = match id {
            Some(fid) => Typed::EditForum(fid, &form),
            None => Typed::NewForum(&form),
        };
        render(l, &state, &user, typed).await
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(refuse(errors).await?));
    }
    let saved = state
        .commit(
            move |tx| {
                Ok(match id {
                    Some(id) => forum_queries::update(tx, id, &name, &description)?,
                    None => forum_queries::create(tx, &name, &description)?,
                })
            },
            move |saved| match *saved {
                Saved::Done(forum_id) => Some(Change::ForumChanged { forum_id }),
                _ => None,
            },
        )
        .await?;
    match saved {
        // A new forum is shown; an edited one leaves the admin on the list.
        Saved::Done(forum_id) if id.is_none() => Ok(hx.redirect(&paths::forum(forum_id))),
        Saved::Done(_) => Ok(hx.redirect(paths::ADMIN)),
        Saved::Missing => Err(AppError::NotFound),
        Saved::NameTaken => {
            let mut errors = FieldErrors::default();
            errors.add("name", Msg("admin-forum-taken"));
            Err(AppError::Conflict(refuse(errors).await?))
        }
    }
}

async fn create_forum(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    hx: Hx,
    Form(input): Form<ForumInput>,
) -> AppResult<Response> {
    save_forum(l, state, user, hx, None, input).await
}

async fn edit_forum(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
    Form(input): Form<ForumInput>,
) -> AppResult<Response> {
    save_forum(l, state, user, hx, Some(id), input).await
}

async fn confirm_delete(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Path(id): Path<i64>,
) -> AppResult<Markup> {
    let forum = state
        .db
        .read(move |c| Ok(forum_queries::by_id(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views::delete_forum_page(l, &user, &forum))
}

async fn delete_forum(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    state
        .commit(
            move |tx| Ok(forum_queries::delete(tx, id)?),
            move |topics| {
                topics.as_ref().map(|topic_ids| Change::ForumDeleted {
                    forum_id: id,
                    topic_ids: topic_ids.clone(),
                })
            },
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(hx.redirect(paths::ADMIN))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdminInput {
    username: String,
    password: String,
}

async fn create_admin(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    hx: Hx,
    Form(input): Form<AdminInput>,
) -> AppResult<Response> {
    let (username, password, errors) =
        auth::check_new_account(&input.username, &input.password, None);
    let refuse = async |errors: FieldErrors| -> AppResult<Markup> {
        let form = AdminForm {
            username: input.username.trim().to_string(),
            errors,
            created: None,
        };
        if hx.request {
            return Ok(views::admin_form(l, &form));
        }
        render(l, &state, &user, Typed::NewAdmin(&form)).await
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(refuse(errors).await?));
    }
    match auth::create_account(&state, username.clone(), password, true).await? {
        Some(_) if hx.request => Ok(views::admin_form(
            l,
            &AdminForm {
                created: Some(username),
                ..Default::default()
            },
        )
        .into_response()),
        Some(_) => Ok(hx.redirect(paths::ADMIN)),
        None => {
            let mut errors = FieldErrors::default();
            errors.add("username", auth::NAME_TAKEN);
            Err(AppError::Conflict(refuse(errors).await?))
        }
    }
}
