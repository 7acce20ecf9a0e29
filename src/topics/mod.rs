//! Topics: starting one, its page, and the admin's lock and delete.

pub mod queries;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{Admin, Member, Viewer};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::forums::PageQuery;
use crate::htmx::Hx;
use crate::i18n::Lang;
use crate::limits::posting;
use crate::live::{Change, Event};
use crate::messages;
use crate::notifications::{self, queries as notify};
use crate::pagecache::{PageKey, Stamp};
use crate::path_param::Path;
use crate::paths;
use crate::perms::Role;
use crate::validate::{self, FieldErrors};
use crate::views::components::{PAGE_SIZE, Paging};
use views::NewTopicForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forums/{id}/topics", post(create))
        .route("/topics/{id}", get(show))
        .route("/topics/{id}/delete", post(delete))
        .route("/topics/{id}/lock", post(lock))
        .route("/topics/{id}/unlock", post(unlock))
}

/// A topic page's data, read in a fixed number of queries.
pub fn load_page(
    conn: &crate::db::Conn,
    topic_id: i64,
    page: u32,
) -> AppResult<(queries::Topic, Vec<messages::queries::MessageRow>, Paging)> {
    let topic = queries::by_id(conn, topic_id)?.ok_or(AppError::NotFound)?;
    let paging = Paging::existing(page, topic.message_count)?;
    let rows = messages::queries::page(conn, topic_id, paging.offset(), PAGE_SIZE)?;
    Ok((topic, rows, paging))
}

async fn show(
    State(state): State<AppState>,
    Viewer(user): Viewer,
    l: Lang,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = q.page()?;
    let key = PageKey::Topic { id, page };
    let role = Role::of(user.as_ref());
    let stamp = Stamp::new(state.db.generation()).with_bell(user.as_ref());
    let (page, last_shown) = state
        .pages
        .serve_noting(key, role, l, stamp, async {
            let member = user.as_ref().map(|u| u.id);
            let (topic, rows, paging, level) = state
                .db
                .read(move |c| {
                    let (topic, rows, paging) = load_page(c, id, page)?;
                    let level = match member {
                        Some(user) => Some(notifications::level_of(c, id, user)?),
                        None => None,
                    };
                    Ok((topic, rows, paging, level))
                })
                .await?;
            let last_shown = rows.last().map_or(0, |m| m.id);
            let page = views::topic_page(views::TopicPage {
                lang: l,
                user: user.as_ref(),
                topic: &topic,
                messages: &rows,
                paging,
                form: &Default::default(),
                notify: level.map(|lv| notifications::views::topic_control(l, id, lv)),
            });
            Ok((page, last_shown))
        })
        .await?;
    // What a member is shown, they have read.
    if let Some(user) = &user
        && last_shown > 0
        && state.reads.mark(user.id, id, last_shown)
    {
        state.hub.refresh_markers(user.id);
    }
    Ok(page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewTopicInput {
    title: String,
    body: String,
    /// Set by the Preview button: show the body, write nothing.
    preview: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    Member(user): Member,
    Path(forum_id): Path<i64>,
    hx: Hx,
    l: Lang,
    Form(input): Form<NewTopicInput>,
) -> AppResult<Response> {
    let forum = state
        .db
        .read(move |c| Ok(crate::forums::queries::by_id(c, forum_id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if input.preview.is_some() {
        // The body alone is previewed; the title is checked when posting.
        return messages::preview(l, &hx, &input.body, |html, errors| {
            let form = NewTopicForm {
                title: input.title.clone(),
                body: input.body.clone(),
                errors,
                preview: html.map(str::to_string),
            };
            views::new_topic_page(l, &user, forum_id, &forum.name, &form)
        });
    }
    let mut errors = FieldErrors::default();
    let title = errors.check("title", validate::title(&input.title));
    let body = errors.check("body", validate::body(&input.body));
    let mut refusal: fn(Markup) -> AppError = AppError::Invalid;
    if errors.is_empty()
        && let Err(wait) = state.posting.reserve(&state.db, &user).await?
    {
        errors.add("body", posting::too_fast(wait));
        refusal = AppError::TooManyAttempts;
    }
    if !errors.is_empty() {
        let form = NewTopicForm {
            title: input.title,
            body: input.body,
            errors,
            preview: None,
        };
        return Err(refusal(
            hx.form_or_page(views::new_topic_form(l, forum_id, &form), |_| {
                views::new_topic_page(l, &user, forum_id, &forum.name, &form)
            }),
        ));
    }
    // Rendered here, off the writer's thread, which every write waits for.
    let body = notifications::body(&state, body).await?;
    let author = user.id;
    let (created, _) = state
        .commit_events(
            move |tx| {
                let created = queries::create(tx, forum_id, author, &title, &body)?;
                let mut bells = Vec::new();
                if let Some(c) = created.as_ref().filter(|c| !c.repeated) {
                    // Its mentions and quotes, and its author takes part.
                    let (m, q) = (&body.mentioned, &body.quoted);
                    bells = notify::enqueue(tx, c.message_id, m, q, false, crate::db::now())?;
                }
                Ok((created, bells))
            },
            move |(created, bells)| match created.as_ref().filter(|c| !c.repeated) {
                Some(c) => Event::change_and_bells(
                    Change::TopicCreated {
                        forum_id,
                        topic_id: c.topic_id,
                        message_id: c.message_id,
                    },
                    bells,
                ),
                None => Vec::new(),
            },
        )
        .await?;
    let created = created.ok_or(AppError::NotFound)?;
    Ok(hx.redirect(&paths::topic(created.topic_id)))
}

async fn delete(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    let forum_id = state
        .commit(
            move |tx| Ok(queries::delete(tx, id)?),
            move |forum| {
                forum.map(|forum_id| Change::TopicDeleted {
                    forum_id,
                    topic_id: id,
                })
            },
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(hx.redirect(&paths::forum(forum_id)))
}

async fn set_lock(state: AppState, id: i64, locked: bool, hx: Hx) -> AppResult<Response> {
    state
        .commit(
            move |tx| Ok(queries::set_locked(tx, id, locked)?),
            move |forum| {
                forum.map(|forum_id| Change::TopicLocked {
                    forum_id,
                    topic_id: id,
                })
            },
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(hx.redirect(&paths::topic(id)).into_response())
}

async fn lock(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    set_lock(state, id, true, hx).await
}

async fn unlock(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    set_lock(state, id, false, hx).await
}
