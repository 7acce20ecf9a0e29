//! The live layer: `/_ws` pushes ready-rendered fragments to every open page,
//! and `/socket` is a page to see the socket work.

mod catch_up;
mod change;
mod event;
mod fan_out;
mod heartbeat;
mod hub;
mod markers;
mod outbox;
pub mod render;
mod socket;
mod subs;
pub mod watch;

use axum::Router;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::FutureExt;
use maud::{Markup, html};
use serde::Deserialize;

pub use catch_up::CacheBounds;
pub use change::Change;
pub use event::Event;
pub use heartbeat::Heartbeat;
pub use hub::Hub;
pub use outbox::CAPACITY as OUTBOX_CAPACITY;
pub use render::MAX_FRAME as MAX_CATCH_UP_FRAME;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::auth::session::SessionEpoch;
use crate::i18n::Lang;
use crate::net::ClientAddr;
use crate::paths;
use crate::perms::Role;
use crate::views::layout::{Shell, page};
use watch::{Kind, Watch};

/// The largest frame a client may send; it only ever needs to say `ping`.
const MAX_INCOMING: usize = 4 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_ws", get(upgrade))
        .route(paths::SOCKET, get(socket_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewQuery {
    view: String,
}

async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Viewer(user): Viewer,
    lang: Lang,
    epoch: SessionEpoch,
    Query(q): Query<ViewQuery>,
) -> Response {
    // Under the socket caps, or refused before upgrading (see `admit_socket`).
    let place = match state.edge.admit_socket(client) {
        Ok(place) => place,
        Err(refused) => return refused.into_response(),
    };
    let watch = Watch::parse(&q.view);
    let role = Role::of(user.as_ref());
    // Checked again as the socket joins: its session may end in between.
    let epochs = state.epochs.clone();
    let current = move || {
        role.user_id()
            .is_none_or(|id| epochs.current(id) == epoch.0)
    };
    // A small read buffer keeps idle sockets cheap. Frames queued together
    // leave in writes of about 4 KiB: few system calls under load, and a
    // buffer that stays small (it keeps its largest size for the socket's life).
    ws.read_buffer_size(4096)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(4 * 1024 * 1024)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        // The place is given back when the socket's task ends. (`map`, not
        // an async block, which would keep a second, dead copy of the socket
        // for the socket's whole life: about 500 bytes each.)
        .on_upgrade(move |socket| {
            socket::serve(
                socket,
                state.hub.clone(),
                watch,
                Kind::of(role, lang),
                role.user_id(),
                current,
            )
            .map(move |()| drop(place))
        })
}

/// A developer's page: its shell follows the language, its own text is
/// English (it names protocol words: ping, pong, frames).
async fn socket_page(Viewer(user): Viewer, l: Lang) -> Markup {
    page(
        Shell {
            lang: l,
            title: "Socket diagnostics",
            user: user.as_ref(),
            crumbs: vec![("Socket".into(), None)],
            live_view: None,
        },
        html! {
            h1 { "Socket diagnostics" }
            p { "Connects to " code { "/_ws" } " and lists what the server sends. The server answers " code { "ping" } " with " code { "pong" } "." }
            div #diagnostics.card.stack
                data-ws-connect=(paths::live_socket(paths::SOCKET))
                data-hx-trigger="click from:#connect"
                data-hx-swap="none" {
                p { "State: " strong #ws-state { "not connected" } }
                div.actions {
                    button #connect.secondary type="button" { "Connect" }
                    button #ping.primary type="button" data-ws-send="" { "Ping" }
                }
                h2 { "Received" }
                ol #received {}
            }
            // Shows the socket's state and frames, and makes Ping send `ping`.
            script src={ "/static/socket-page.js?v=" (env!("CARGO_PKG_VERSION")) } defer {}
        },
    )
}
