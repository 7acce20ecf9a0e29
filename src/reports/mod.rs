//! Reports: a member tells the administrators a message breaks the rules;
//! admins find reported messages in a queue and dismiss the reports, delete
//! the message, or disable its author.

pub mod queries;
pub mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::queries as account_queries;
use crate::auth::{Admin, Member, User, standing};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::forums::PageQuery;
use crate::htmx::Hx;
use crate::i18n::{Lang, Msg};
use crate::limits::posting;
use crate::live::Change;
use crate::messages::{
    self,
    queries::{self as message_queries, MessageRow},
};
use crate::notifications::queries as notices;
use crate::notifications::worker;
use crate::path_param::Path;
use crate::paths;
use crate::topics::queries::{self as topic_queries, Topic};
use crate::validate::{self, FieldErrors};
use crate::views::components::{PAGE_SIZE, Paging};
use queries::Sent;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages/{id}/report", get(report_page).post(report))
        .route(paths::ADMIN_REPORTS, get(queue_page))
        .route("/admin/reports/{id}/dismiss", post(dismiss))
        .route("/admin/reports/{id}/delete", post(delete))
        .route("/admin/reports/{id}/disable-author", post(disable_author))
}

/// A message a member may report: not their own, and one that exists.
async fn reportable(state: &AppState, user: &User, id: i64) -> AppResult<(MessageRow, Topic)> {
    let (message, topic) = messages::with_topic(state, id).await?;
    if message.author_id == user.id {
        return Err(AppError::Forbidden(Msg("report-own")));
    }
    Ok((message, topic))
}

async fn report_page(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
) -> AppResult<Markup> {
    let (message, topic) = reportable(&state, &user, id).await?;
    let form = views::report_form(l, id, "", &FieldErrors::default());
    Ok(views::report_page(l, &user, &message, &topic, form))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportInput {
    reason: String,
}

async fn report(
    State(state): State<AppState>,
    Member(user): Member,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
    Form(input): Form<ReportInput>,
) -> AppResult<Response> {
    let (message, topic) = reportable(&state, &user, id).await?;
    let refuse = |errors: FieldErrors| {
        let form = views::report_form(l, id, &input.reason, &errors);
        hx.form_or_page(form, |f| views::report_page(l, &user, &message, &topic, f))
    };
    let mut errors = FieldErrors::default();
    let reason = errors.check("reason", validate::reason(&input.reason));
    if !errors.is_empty() {
        return Err(AppError::Invalid(refuse(errors)));
    }
    // Reports are written like messages: the same per-account pace.
    if let Err(wait) = state.posting.reserve(&state.db, &user).await? {
        errors.add("reason", posting::too_fast(wait));
        return Err(AppError::TooManyAttempts(refuse(errors)));
    }
    let reporter = user.id;
    let sent = state
        .db
        .write_logged(
            move |tx| {
                let sent = queries::send(tx, id, reporter, &reason)?;
                // The admins hear of it: a notification each, in this
                // transaction, and their bells after it commits.
                let bells = match sent {
                    Sent::Done => notices::report_to_admins(tx, id, reporter, crate::db::now())?,
                    Sent::TooMany => Vec::new(),
                };
                Ok((sent, bells))
            },
            |(_, counts)| worker::ringing(counts),
        )
        .await?
        .0;
    if sent == Sent::TooMany {
        errors.add("reason", views::too_many());
        return Err(AppError::TooManyAttempts(refuse(errors)));
    }
    let answer = views::report_sent(l, id);
    Ok(hx
        .form_or_page(answer, |a| {
            views::report_page(l, &user, &message, &topic, a)
        })
        .into_response())
}

async fn queue_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    l: Lang,
    Query(query): Query<PageQuery>,
) -> AppResult<Markup> {
    let page = query.page()?;
    let (queue, paging) = state
        .db
        .read(move |c| {
            let paging = Paging::existing(page, queries::reported_count(c)?)?;
            let rows = queries::queue(c, paging.offset(), PAGE_SIZE.into())?;
            Ok((rows, paging))
        })
        .await?;
    Ok(views::queue_page(l, &user, &queue, paging))
}

/// A message in the queue (one with reports) and its topic; 404 for any
/// other, so a decision is taken only on what the admin saw reported.
async fn reported(state: &AppState, id: i64) -> AppResult<(MessageRow, Topic)> {
    let (message, topic) = messages::with_topic(state, id).await?;
    let reports = state
        .db
        .read(move |c| Ok(queries::count_of(c, id)?))
        .await?;
    if reports == 0 {
        return Err(AppError::NotFound);
    }
    Ok((message, topic))
}

/// An admin's decision answered: the entry's new line (htmx) or the queue.
fn decided(hx: &Hx, l: Lang, message_id: i64, said: Msg) -> Response {
    if hx.request {
        return views::decided(message_id, &said.in_(l)).into_response();
    }
    hx.redirect(paths::ADMIN_REPORTS)
}

async fn dismiss(
    State(state): State<AppState>,
    Admin(_): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    let gone = state
        .db
        .write(move |tx| Ok(queries::dismiss(tx, id)?))
        .await?;
    if gone == 0 {
        return Err(AppError::NotFound);
    }
    Ok(decided(&hx, l, id, Msg("reports-dismissed")))
}

/// Deletes a reported message (its reports go with it), or its topic when
/// it is the opening message.
async fn delete(
    State(state): State<AppState>,
    Admin(_): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    let (message, topic) = reported(&state, id).await?;
    let (topic_id, forum_id) = (topic.id, topic.forum_id);
    if message.id == topic.first_message_id {
        state
            .commit(
                move |tx| Ok(topic_queries::delete(tx, topic_id)?),
                move |forum| forum.map(|forum_id| Change::TopicDeleted { forum_id, topic_id }),
            )
            .await?;
        return Ok(decided(&hx, l, id, Msg("reports-topic-deleted")));
    }
    state
        .commit(
            move |tx| Ok(message_queries::delete(tx, id)?),
            move |before| {
                Some(Change::MessageDeleted {
                    forum_id,
                    topic_id,
                    message_id: id,
                    before: (*before)?,
                })
            },
        )
        .await?;
    Ok(decided(&hx, l, id, Msg("reports-message-deleted")))
}

/// Disables the author of a reported message (their sessions end at once)
/// and dismisses its reports: the message stays until deleted.
async fn disable_author(
    State(state): State<AppState>,
    Admin(admin): Admin,
    l: Lang,
    Path(id): Path<i64>,
    hx: Hx,
) -> AppResult<Response> {
    let author = reported(&state, id).await?.0.author_id;
    if author == admin.id {
        return Err(AppError::Forbidden(Msg("forbidden-disable-self")));
    }
    standing::write_ending_sessions(&state, author, move |tx| {
        let epoch = account_queries::set_disabled(tx, author, true)?.ok_or(AppError::NotFound)?;
        queries::dismiss(tx, id)?;
        Ok(((), Some(epoch)))
    })
    .await?;
    Ok(decided(&hx, l, id, Msg("reports-author-disabled-done")))
}
