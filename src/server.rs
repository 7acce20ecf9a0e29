//! Starting the whole server from a configuration: database, first admin,
//! session store, router, the network edge (`net`), and a graceful stop.
//! `main` and the tests share it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::{AppState, router, sessions};
use crate::auth;
use crate::auth::session_store::DbSessions;
use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::net::{self, Edge, Limits, TrustedProxies};
use crate::pagecache::PageCache;

/// How long a stop waits for sockets to take their close frame; container
/// runtimes usually allow ten seconds before killing.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// A server bound to its address, ready to run.
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    state: AppState,
    limits: Limits,
    proxies: TrustedProxies,
}

impl Server {
    /// Opens the database (creating it on first start), ensures the first
    /// admin, and binds `config.addr`.
    pub async fn build(config: &Config) -> AppResult<Self> {
        let (db, created) = match &config.db_url {
            Some(url) => Db::open_pg(url)?,
            None => Db::open(&config.db_path, &config.db)?,
        };
        if created {
            tracing::info!(path = %config.db_path.display(), pg = db.is_pg(), "new database: schema created");
        }
        let state = AppState::new(db.clone(), config.heartbeat, config.live_cache)
            .with_limits(&config.limits);
        auth::ensure_first_admin(&state, config.admin_password.clone()).await?;
        auth::throttle::load_known(&state.db, &state.throttle.login).await?;
        let store = DbSessions::new(db.clone(), state.sessions.clone());
        tokio::spawn(
            store
                .clone()
                .delete_expired_every(Duration::from_secs(3600)),
        );
        tokio::spawn(db.clone().checkpoints(config.db.checkpoint_every));
        state.epochs.load(&state.db).await?;
        state.avatars.index.load(&state.db).await?;
        let langs = state
            .db
            .read(|c| Ok(auth::queries::lang_choices(c)?))
            .await?;
        state.langs.replace_all(langs);
        let limits = config.net.fit_to_descriptors();
        let mut state = state.with_edge(Edge::new(&limits, config.public_origin.clone()));
        // On PostgreSQL another instance's write does not move this one's
        // generation before its answer: pages are not kept.
        if !config.page_cache || db.is_pg() {
            state = state.with_pages(PageCache::off());
        }
        let app = router(state.clone(), sessions(store, config.secure_cookies));
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| AppError::Internal(format!("cannot listen on {}: {e}", config.addr)))?;
        Ok(Self {
            listener,
            app,
            state,
            limits,
            proxies: config.trusted_proxies.clone(),
        })
    }

    /// The live hub, for tests that look at what it keeps.
    pub fn hub(&self) -> crate::live::Hub {
        self.state.hub.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves; then stops accepting, tells every
    /// socket the server is going away, lets requests in flight finish, and
    /// waits (up to `CLOSE_GRACE`) for the sockets' close frames to leave.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let hub = self.state.hub.clone();
        let state = self.state.clone();
        let (closing, closed) = tokio::sync::oneshot::channel();
        net::serve(
            self.listener,
            self.app,
            self.limits,
            self.proxies,
            async move {
                shutdown.await;
                tracing::info!("shutting down: closing sockets, finishing requests");
                let _ = closing.send(hub.close_all());
            },
        )
        .await;
        // Upgraded connections are not the HTTP server's any more: `serve`
        // returns without them, so wait for the hub's word.
        if let Ok(all_left) = closed.await
            && tokio::time::timeout(CLOSE_GRACE, all_left).await.is_err()
        {
            tracing::warn!("some sockets did not close within {CLOSE_GRACE:?}");
        }
        // The last read marks, written before the process ends.
        if let Err(e) = state.reads.flush(&state.db).await {
            tracing::warn!(error = %e, "the last read marks were not written");
        }
        Ok(())
    }
}
