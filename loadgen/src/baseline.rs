//! The baseline: a bare axum WebSocket server, run as its own process
//! (`loadgen --baseline-server PORT`). Sockets are upgraded with the same
//! settings as causerie's `/_ws`; each gets a small catch-up frame, then
//! every broadcast frame. `POST /post` (body: a token) broadcasts one fixed
//! 300-byte text frame containing the token to every socket.
//!
//! By default each socket sends each frame on its own (`send`: one write per
//! frame). With `--batch`, a socket that finds several frames waiting feeds
//! them all and flushes once, as causerie's writer does with its queue.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::SinkExt;
use tokio::sync::broadcast;

/// Same as causerie's per-socket queue bound (`live::outbox::CAPACITY`).
const CAPACITY: usize = 256;
/// Same as causerie's largest incoming frame.
const MAX_INCOMING: usize = 4 * 1024;
pub const FRAME_LEN: usize = 300;

#[derive(Clone)]
struct Hub {
    tx: broadcast::Sender<Utf8Bytes>,
    batch: bool,
}

pub fn run(port: u16, batch: bool) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let (tx, _) = broadcast::channel::<Utf8Bytes>(CAPACITY);
        let app = Router::new()
            .route("/_ws", get(upgrade))
            .route("/post", post(publish))
            .route("/healthz", get(|| async { "ok" }))
            .with_state(Hub { tx, batch });
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        eprintln!("baseline listening on {addr} (batch: {batch})");
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    })
}

async fn upgrade(ws: WebSocketUpgrade, State(hub): State<Hub>) -> Response {
    ws.read_buffer_size(4096)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(4 * 1024 * 1024)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| serve(socket, hub.tx.subscribe(), hub.batch))
}

async fn serve(mut socket: WebSocket, mut rx: broadcast::Receiver<Utf8Bytes>, batch: bool) {
    let hello = Utf8Bytes::from_static(r#"<div id="live-notice" hx-swap-oob="true"></div>"#);
    if socket.send(Message::Text(hello)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = rx.recv() => match frame {
                Ok(f) if batch => {
                    if send_batch(&mut socket, &mut rx, f).await.is_err() {
                        break;
                    }
                }
                Ok(f) => {
                    if socket.send(Message::Text(f)).await.is_err() {
                        break;
                    }
                }
                // Fell behind (like causerie's queue overflow) or the server stops.
                Err(_) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) if t.as_str().trim() == "ping" => {
                    if socket.send(Message::Text(Utf8Bytes::from_static("pong"))).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// `first` and every frame already waiting, in one flush.
async fn send_batch(
    socket: &mut WebSocket,
    rx: &mut broadcast::Receiver<Utf8Bytes>,
    first: Utf8Bytes,
) -> Result<(), axum::Error> {
    socket.feed(Message::Text(first)).await?;
    // Bounded by the channel's capacity; lagging ends the socket, as above.
    for _ in 0..CAPACITY {
        match rx.try_recv() {
            Ok(f) => socket.feed(Message::Text(f)).await?,
            Err(broadcast::error::TryRecvError::Empty) => break,
            Err(e) => return Err(axum::Error::new(e)),
        }
    }
    socket.flush().await
}

/// Broadcasts the frame for `token`; answers how many sockets it was queued for.
async fn publish(State(hub): State<Hub>, token: String) -> String {
    let n = hub.tx.send(frame(token.trim())).unwrap_or(0);
    n.to_string()
}

/// A message-like fragment of exactly `FRAME_LEN` bytes containing `token`.
pub fn frame(token: &str) -> Utf8Bytes {
    let token: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    let head = format!(
        r##"<hx-partial hx-target="#messages" hx-swap="upsert"><article class="message" id="message-0"><div class="body"><p>{token} "##
    );
    let tail = "</p></div></article></hx-partial>";
    let pad = FRAME_LEN.saturating_sub(head.len() + tail.len());
    let mut s = String::with_capacity(FRAME_LEN);
    s.push_str(&head);
    s.extend(std::iter::repeat_n('x', pad));
    s.push_str(tail);
    Utf8Bytes::from(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn frame_is_fixed_size_and_holds_the_token() {
        let f = super::frame("lgtk00000042x");
        assert_eq!(f.len(), super::FRAME_LEN);
        assert!(f.as_str().contains("lgtk00000042x"));
    }
}
