//! Messages: replying, editing, deleting, and the permalink redirect.

pub mod queries;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{Admin, Member, User};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg};
use crate::limits::posting;
use crate::live::{Change, Event};
use crate::markdown;
use crate::notifications::{self, queries as notify};
use crate::path_param::Path;
use crate::paths;
use crate::perms::{self, Role};
use crate::topics::queries::{self as topic_queries, Topic};
use crate::validate::{self, FieldErrors};
use crate::views::components::PAGE_SIZE;
use crate::views::compose;
use queries::MessageRow;
use views::ReplyForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/topics/{id}/messages", post(reply))
        .route("/topics/{id}/reply", get(reply_page))
        .route("/messages/{id}", get(permalink))
        .route("/messages/{id}/quote", get(quote))
        .route("/messages/{id}/edit", get(edit_page).post(edit))
        .route("/messages/{id}/delete", post(delete))
}

/// The page of its topic that holds message `position` (0-based).
pub fn page_of(position: i64) -> u32 {
    (position / i64::from(PAGE_SIZE) + 1) as u32
}

async fn load_topic(state: &AppState, id: i64) -> AppResult<Topic> {
    state
        .db
        .read(move |c| Ok(topic_queries::by_id(c, id)?))
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuoteQuery {
    quote: Option<i64>,
}

async fn reply_page(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
    Query(q): Query<QuoteQuery>,
) -> AppResult<Markup> {
    let topic = load_topic(&state, id).await?;
    if !perms::can_reply(Role::of(Some(&user)), topic.locked) {
        return Err(AppError::Forbidden(Msg("forbidden-locked")));
    }
    let quoted = match q.quote {
        Some(mid) => state.db.read(move |c| Ok(queries::by_id(c, mid)?)).await?,
        None => None,
    };
    let body = quoted
        .filter(|m| m.topic_id == topic.id)
        .map(|m| views::quote_text(l, &m))
        .unwrap_or_default();
    let form = ReplyForm {
        body,
        ..Default::default()
    };
    Ok(views::reply_page(l, &user, &topic, &form))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BodyInput {
    body: String,
    /// Set by the Preview button: show the body, write nothing.
    preview: Option<String>,
}

/// What Preview answers; nothing is written. htmx gets the content of the
/// form's preview region; a browser without JavaScript gets `page(preview,
/// errors)`, the form again with what was typed, and the rendered body in
/// its preview region. A body that would be refused is refused here too
/// (422), with the message where each shows it.
pub fn preview(
    l: Lang,
    hx: &Hx,
    raw_body: &str,
    page: impl FnOnce(Option<&str>, FieldErrors) -> Markup,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let body = errors.check("body", validate::body(raw_body));
    if let Some(message) = errors.get("body") {
        return Err(AppError::Invalid(if hx.request {
            compose::preview_refused(&message.in_(l))
        } else {
            page(None, errors)
        }));
    }
    let html = markdown::render(&body);
    Ok(if hx.request {
        compose::preview_content(l, &html)
    } else {
        page(Some(&html), errors)
    }
    .into_response())
}

/// What a reply's transaction found.
enum Posted {
    /// The new message, its topic as the transaction saw it, and how many
    /// messages precede it.
    Done {
        message: MessageRow,
        topic: Topic,
        position: i64,
        /// The same reply sent again (a double click): nothing was written.
        repeated: bool,
        /// The unread counts its notifications moved.
        bells: Vec<(i64, u32)>,
    },
    NoTopic,
    Locked(Topic),
}

/// Posts a reply in one trip to the database: the topic is checked inside
/// the transaction that inserts it, so a lock that lands first always wins.
async fn reply(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(topic_id): Path<i64>,
    hx: Hx,
    Form(input): Form<BodyInput>,
) -> AppResult<Response> {
    let role = Role::of(Some(&user));
    if input.preview.is_some() {
        let topic = load_topic(&state, topic_id).await?;
        if !perms::can_reply(role, topic.locked) {
            return Err(AppError::Forbidden(Msg("forbidden-locked")));
        }
        return preview(l, &hx, &input.body, |html, errors| {
            let form = ReplyForm {
                body: input.body.clone(),
                errors,
                preview: html.map(str::to_string),
            };
            views::reply_page(l, &user, &topic, &form)
        });
    }
    let refuse = |topic: &Topic, errors: FieldErrors, body: String| {
        let form = ReplyForm {
            body,
            errors,
            preview: None,
        };
        hx.form_or_page(views::reply_form(l, topic_id, &form), |_| {
            views::reply_page(l, &user, topic, &form)
        })
    };
    let locked = |topic: &Topic, body: String| {
        let mut errors = FieldErrors::default();
        errors.add("body", Msg("topic-locked-no-replies"));
        AppError::Locked(refuse(topic, errors, body))
    };
    let mut errors = FieldErrors::default();
    let body = errors.check("body", validate::body(&input.body));
    if !errors.is_empty() {
        // The refusal shows the topic; that it is locked is said first.
        let topic = load_topic(&state, topic_id).await?;
        if !perms::can_reply(role, topic.locked) {
            return Err(locked(&topic, input.body));
        }
        return Err(AppError::Invalid(refuse(&topic, errors, input.body)));
    }
    if let Err(wait) = state.posting.reserve(&state.db, &user).await? {
        let topic = load_topic(&state, topic_id).await?;
        let mut errors = FieldErrors::default();
        errors.add("body", posting::too_fast(wait));
        return Err(AppError::TooManyAttempts(refuse(
            &topic, errors, input.body,
        )));
    }
    let (author, author_name, author_avatar) =
        (user.id, user.username.clone(), user.avatar.clone());
    // Rendered here, off the writer's thread, which every write waits for.
    let body = notifications::body(&state, body).await?;
    let posted = state
        .commit_events(
            move |tx| {
                let Some(t) = topic_queries::by_id(tx, topic_id)? else {
                    return Ok(Posted::NoTopic);
                };
                if !perms::can_reply(role, t.locked) {
                    return Ok(Posted::Locked(t));
                }
                let now = crate::db::now();
                let repeated = queries::repeated(tx, author, topic_id, &body.source, now)?;
                let (id, at, bells) = match repeated {
                    Some(id) => (
                        id,
                        queries::by_id(tx, id)?.map_or(now, |m| m.created_at),
                        Vec::new(),
                    ),
                    None => {
                        let id = queries::insert(tx, topic_id, author, &body, now)?;
                        let bells =
                            notify::enqueue(tx, id, &body.mentioned, &body.quoted, true, now)?;
                        (id, now, bells)
                    }
                };
                let position = queries::position(tx, topic_id, id)?;
                let message = MessageRow {
                    id,
                    topic_id,
                    author_id: author,
                    author: author_name,
                    author_avatar,
                    body: body.source,
                    body_html: body.html,
                    created_at: at,
                    edited_at: None,
                };
                Ok(Posted::Done {
                    message,
                    topic: t,
                    position,
                    repeated: repeated.is_some(),
                    bells,
                })
            },
            move |posted| match posted {
                Posted::Done {
                    message,
                    topic,
                    repeated: false,
                    bells,
                    ..
                } => Event::change_and_bells(
                    Change::MessageCreated {
                        forum_id: topic.forum_id,
                        topic_id,
                        message_id: message.id,
                    },
                    bells,
                ),
                _ => Vec::new(),
            },
        )
        .await?;
    let (message, topic, position) = match posted {
        Posted::Done {
            message,
            topic,
            position,
            ..
        } => (message, topic, position),
        Posted::NoTopic => return Err(AppError::NotFound),
        Posted::Locked(topic) => return Err(locked(&topic, input.body)),
    };
    let page = page_of(position);
    let on_that_page = hx.is_on(&paths::topic(topic_id)) && hx.current_page() == page;
    if !(hx.request && on_that_page) {
        return Ok(hx.redirect(&paths::message_in_page(topic_id, page, message.id)));
    }
    // Swap in place: a fresh form, and the new message, which the socket may
    // also deliver; the upsert makes whichever comes second a no-op.
    let rendered = views::message(l, &message, views::perms_for(&message, &topic, role));
    Ok(html! {
        (views::reply_form(l, topic_id, &ReplyForm::default()))
        (views::upsert(&rendered, true))
    }
    .into_response())
}

async fn permalink(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let (topic_id, position) = state
        .db
        .read(move |c| {
            let m = queries::by_id(c, id)?.ok_or(AppError::NotFound)?;
            Ok((m.topic_id, queries::position(c, m.topic_id, id)?))
        })
        .await?;
    Ok(Redirect::to(&paths::message_in_page(topic_id, page_of(position), id)).into_response())
}

/// A message as a quote to reply with (Markdown, `text/plain`): what
/// `static/quote.js` puts into the reply form at the cursor.
async fn quote(State(state): State<AppState>, l: Lang, Path(id): Path<i64>) -> AppResult<Response> {
    let message = state
        .db
        .read(move |c| Ok(queries::by_id(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        views::quote_text(l, &message),
    )
        .into_response())
}

/// A message and its topic.
pub async fn with_topic(state: &AppState, id: i64) -> AppResult<(queries::MessageRow, Topic)> {
    state
        .db
        .read(move |c| {
            let m = queries::by_id(c, id)?.ok_or(AppError::NotFound)?;
            let t = topic_queries::by_id(c, m.topic_id)?.ok_or(AppError::NotFound)?;
            Ok((m, t))
        })
        .await
}

/// The message and its topic, if `user` may edit it.
async fn editable(
    state: &AppState,
    user: &User,
    id: i64,
) -> AppResult<(queries::MessageRow, Topic)> {
    let (message, topic) = with_topic(state, id).await?;
    if !perms::can_edit(Role::of(Some(user)), message.author_id) {
        return Err(AppError::Forbidden(Msg("forbidden-not-yours")));
    }
    Ok((message, topic))
}

async fn edit_page(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
) -> AppResult<Markup> {
    let (message, topic) = editable(&state, &user, id).await?;
    // The source, as written: Markdown is edited as Markdown.
    let form = views::edit_form(l, &message, &message.body, &FieldErrors::default(), None);
    Ok(views::edit_page(l, &user, &topic, form))
}

async fn edit(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
    Form(input): Form<BodyInput>,
) -> AppResult<Response> {
    let (message, topic) = editable(&state, &user, id).await?;
    if input.preview.is_some() {
        return preview(l, &hx, &input.body, |html, errors| {
            let form = views::edit_form(l, &message, &input.body, &errors, html);
            views::edit_page(l, &user, &topic, form)
        });
    }
    let mut errors = FieldErrors::default();
    let body = errors.check("body", validate::body(&input.body));
    if !errors.is_empty() {
        let form = views::edit_form(l, &message, &input.body, &errors, None);
        return Err(AppError::Invalid(
            hx.form_or_page(form, |f| views::edit_page(l, &user, &topic, f)),
        ));
    }
    if let Err(wait) = state.posting.reserve(&state.db, &user).await? {
        errors.add("body", posting::too_fast(wait));
        let form = views::edit_form(l, &message, &input.body, &errors, None);
        return Err(AppError::TooManyAttempts(
            hx.form_or_page(form, |f| views::edit_page(l, &user, &topic, f)),
        ));
    }
    let body = notifications::body(&state, body).await?;
    // Notified once a message: only those it did not mention before.
    let added = notifications::newly_mentioned(&state, &message.body, &body).await?;
    let (topic_id, forum_id) = (topic.id, topic.forum_id);
    state
        .commit_events(
            move |tx| {
                queries::edit(tx, id, &body)?;
                if added.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(notify::enqueue(
                    tx,
                    id,
                    &added,
                    &[],
                    false,
                    crate::db::now(),
                )?)
            },
            move |bells| {
                let edited = Change::MessageEdited {
                    forum_id,
                    topic_id,
                    message_id: id,
                };
                Event::change_and_bells(edited, bells)
            },
        )
        .await?;
    Ok(hx.redirect(&paths::message(id)))
}

async fn delete(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    // Checked in the transaction that deletes it: one trip to the database.
    let (topic, _) = state
        .commit(
            move |tx| {
                let m = queries::by_id(tx, id)?.ok_or(AppError::NotFound)?;
                let t = topic_queries::by_id(tx, m.topic_id)?.ok_or(AppError::NotFound)?;
                if m.id == t.first_message_id {
                    return Err(AppError::Forbidden(Msg("forbidden-opening-message")));
                }
                Ok((t, queries::delete(tx, id)?))
            },
            move |(topic, before)| {
                Some(Change::MessageDeleted {
                    forum_id: topic.forum_id,
                    topic_id: topic.id,
                    message_id: id,
                    before: (*before)?,
                })
            },
        )
        .await?;
    Ok(hx.redirect(&paths::topic(topic.id)))
}
