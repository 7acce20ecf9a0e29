//! The application: its shared state and the one router every feature joins.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use time::Duration;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

use crate::auth::password::Hasher;
use crate::auth::session_cache::SessionCache;
use crate::auth::standing::SessionEpochs;
use crate::auth::throttle::Addr;
use crate::auth::throttle::Throttles;
use crate::avatars::Avatars;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Choices;
use crate::limits::posting::PostingRate;
use crate::limits::{Limiter, Limits};
use crate::live::{CacheBounds, Change, Event, Heartbeat, Hub};
use crate::net::Edge;
use crate::notifications::{Bells, Notifier};
use crate::pagecache::PageCache;
use crate::reads::ReadMarks;
use crate::validate::REQUEST_BODY_MAX;
use crate::{
    admin, auth, avatars, feeds, forums, htmx, live, messages, notifications, profiles, reads,
    reports, search, security, topics,
};

/// What every handler may need: one pointer, so cloning it (every
/// extractor and middleware that takes `State` does) is one atomic
/// increment, not one per field (those were 15% of a cached page's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state's parts.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub hub: Hub,
    pub throttle: Arc<Throttles>,
    /// The password hashing threads.
    pub hasher: Hasher,
    pub posting: Arc<PostingRate>,
    /// Each account's current session epoch (see `auth::standing`).
    pub epochs: SessionEpochs,
    /// What this instance does with each committed event (the database
    /// holds it weakly).
    pub events: crate::db::Handler,
    /// The sessions in use, in memory (the session store's front layer).
    pub sessions: SessionCache,
    /// Socket caps and the public origin.
    pub edge: Arc<Edge>,
    /// Rendered pages, per kind of viewer, until the next write.
    pub pages: PageCache,
    /// Members' pictures: who has one, the decoders, the upload rate.
    pub avatars: Avatars,
    /// What members have read, waiting to be written.
    pub reads: ReadMarks,
    /// Members' chosen languages.
    pub langs: Choices,
    /// Members' unread notification counts.
    pub bells: Bells,
    /// Wakes the notification worker.
    pub notifier: Notifier,
    /// Searches, by address.
    pub search_rate: Arc<Limiter<Addr>>,
    /// The limits these rates were made from (the shared rates use them).
    pub limits: Arc<Limits>,
    /// Searches running at once.
    pub searching: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Must be called inside a Tokio runtime: the hub starts its heartbeat.
    pub fn new(db: Db, heartbeat: Heartbeat, live_cache: CacheBounds) -> Self {
        let reads = ReadMarks::default();
        reads.spawn_flusher(db.clone());
        let bells = Bells::default();
        if let Err(e) = bells.load(&db) {
            tracing::error!(error = %e, "notification counts not read; bells start at 0");
        }
        let hub = Hub::new(
            db.clone(),
            heartbeat,
            live_cache,
            reads.clone(),
            bells.clone(),
        );
        let notifier = Notifier::default();
        notifier.spawn(db.clone(), hub.clone(), bells.clone());
        let epochs = SessionEpochs::default();
        let sessions = SessionCache::default();
        let handler = on_event(
            hub.clone(),
            bells.clone(),
            notifier.clone(),
            epochs.clone(),
            sessions.clone(),
        );
        if let Err(e) = db.follow(&handler) {
            tracing::error!(error = %e, "cannot follow the change log");
        }
        Self(Arc::new(Shared {
            db,
            hub,
            throttle: Arc::default(),
            hasher: Hasher::default(),
            posting: Arc::default(),
            epochs,
            events: handler,
            sessions,
            edge: Arc::default(),
            pages: PageCache::default(),
            avatars: Avatars::default(),
            reads,
            langs: Choices::default(),
            bells,
            notifier,
            search_rate: Arc::new(search::rate(&Limits::default())),
            limits: Arc::default(),
            searching: Arc::new(tokio::sync::Semaphore::new(
                Limits::default().searches_at_once,
            )),
        }))
    }

    /// The same state with `change` made to its parts (while it is built).
    fn with(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.0);
        change(&mut shared);
        Self(Arc::new(shared))
    }

    /// The throttles and posting rate under `limits` rather than the defaults.
    pub fn with_limits(self, limits: &Limits) -> Self {
        self.with(|s| {
            s.throttle = Arc::new(Throttles::new(limits));
            s.posting = Arc::new(PostingRate::new(limits));
            s.avatars = Avatars::new(limits);
            s.search_rate = Arc::new(search::rate(limits));
            s.searching = Arc::new(tokio::sync::Semaphore::new(limits.searches_at_once));
            s.limits = Arc::new(limits.clone());
        })
    }

    /// What this instance's own limiter said (`local`), then, when it let
    /// the attempt through, the same count under `key` at `rate` across
    /// every instance (on PostgreSQL; see `limits::shared`).
    pub async fn shared_rate(
        &self,
        local: Result<(), std::time::Duration>,
        key: String,
        rate: crate::limits::Rate,
    ) -> AppResult<Result<(), std::time::Duration>> {
        match local {
            Ok(()) => crate::limits::shared::reserve(&self.db, key, rate).await,
            refused => Ok(refused),
        }
    }

    /// The same, with these socket caps and public origin.
    pub fn with_edge(self, edge: Edge) -> Self {
        self.with(|s| s.edge = Arc::new(edge))
    }

    /// The same, with this page cache.
    pub fn with_pages(self, pages: PageCache) -> Self {
        self.with(|s| s.pages = pages)
    }

    /// Runs `f` in one write transaction, then has the live hub fan out the
    /// change it made, if `announce` names one: on the same thread, right
    /// after the commit, in commit order since the writer is still held. The
    /// caller has its answer before the fan-out begins. The notification
    /// worker is woken too.
    pub async fn commit<T, F, A>(&self, f: F, announce: A) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&crate::db::Conn) -> AppResult<T> + Send + 'static,
        A: FnOnce(&T) -> Option<Change> + Send + 'static,
    {
        self.commit_events(f, move |out| {
            announce(out).map(Event::Change).into_iter().collect()
        })
        .await
    }

    /// Like `commit`, with the events `events` names (a change, then the
    /// bells it rang), handled in that order.
    pub async fn commit_events<T, F, E>(&self, f: F, events: E) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&crate::db::Conn) -> AppResult<T> + Send + 'static,
        E: FnOnce(&T) -> Vec<Event> + Send + 'static,
    {
        self.db
            .write_logged(f, move |out| {
                events(out).iter().map(Event::encode).collect()
            })
            .await
    }
}

/// What this instance does with each committed event (the policy; the
/// database layer delivers them in commit order, see `Db::write_logged`).
fn on_event(
    hub: Hub,
    bells: Bells,
    notifier: Notifier,
    epochs: SessionEpochs,
    sessions: SessionCache,
) -> crate::db::Handler {
    Arc::new(move |conn, id, payload| match Event::decode(payload) {
        Some(Event::Change(change)) => {
            hub.publish(conn, &change);
            // A message written leaves a job; one deleted, counts to read
            // again.
            notifier.wake();
        }
        Some(Event::Bells(counts)) => crate::notifications::ring(&hub, &bells, &counts),
        Some(Event::SessionsEnded { user, epoch }) => {
            epochs.set(user, epoch);
            hub.close_user(user);
        }
        Some(Event::SessionChanged { id }) => {
            if let Ok(id) = id.parse() {
                sessions.remove(&id);
            }
        }
        None => tracing::warn!(id, "change log: an event this build cannot read"),
    })
}

/// Session settings; `secure` marks the cookie for HTTPS only.
pub fn sessions<S: SessionStore + Clone>(store: S, secure: bool) -> SessionManagerLayer<S> {
    SessionManagerLayer::new(store)
        .with_name("causerie")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(Duration::days(30)))
}

/// The whole application. Pure: no binding, no globals; tests build this same
/// router.
pub fn router<S: SessionStore + Clone>(
    state: AppState,
    sessions: SessionManagerLayer<S>,
) -> Router {
    let static_files = Router::new()
        .nest_service("/static", ServeDir::new(static_dir()))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ));
    Router::new()
        .merge(forums::router())
        .merge(topics::router())
        .merge(messages::router())
        .merge(auth::router())
        .merge(admin::router())
        .merge(live::router())
        .merge(avatars::router())
        .merge(profiles::router())
        .merge(reads::router())
        .merge(feeds::router())
        .merge(search::router())
        .merge(reports::router())
        .merge(notifications::router())
        .route("/healthz", get(healthz))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(
            state.edge.clone(),
            security::same_site_only,
        ))
        .layer(middleware::from_fn(security::body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::language::localise,
        ))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(REQUEST_BODY_MAX))
        .layer(middleware::from_fn(htmx::error_notices))
        .with_state(state)
        .merge(static_files)
        .layer(middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
}

/// `static/` beside the binary's working directory, or where
/// `CAUSERIE_STATIC` says (the image sets it).
fn static_dir() -> std::path::PathBuf {
    std::env::var_os("CAUSERIE_STATIC")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/static").into())
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
