//! The baseline: a bare axum WebSocket server, run as its own process
//! (`loadgen --baseline-server PORT`). Sockets are upgraded with the same
//! settings as causerie's `/_ws`, each to a room (`/_ws?room=NAME`, one
//! `tokio::sync::broadcast` channel each); each gets a first frame (of
//! `first=LEN` bytes, the size of causerie's catch-up for that page, else a
//! small one), then every frame broadcast to its room. `POST /post?to=ROOM:LEN,...`
//! (body: a token) broadcasts to each room named a text frame of LEN bytes
//! containing the token: loadgen gives the sizes causerie's frames had, so
//! both servers send the same bytes.
//!
//! By default each socket sends each frame on its own (`send`: one write per
//! frame). With `--batch`, a socket that finds several frames waiting feeds
//! them all and flushes once, as causerie's writer does with its queue.
//! With `--journal FILE`, each post is first appended to FILE and synced
//! (on a blocking thread, one post at a time), as a durable write must be,
//! and only then broadcast.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::SinkExt;
use tokio::sync::broadcast;

/// Same as causerie's per-socket queue bound (`live::outbox::CAPACITY`).
const CAPACITY: usize = 256;
/// Same as causerie's largest incoming frame.
const MAX_INCOMING: usize = 4 * 1024;
/// The largest frame `POST /post` makes.
const MAX_LEN: usize = 1 << 20;

#[derive(Clone)]
struct Hub {
    rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>>,
    batch: bool,
    journal: Option<Arc<Mutex<std::fs::File>>>,
}

impl Hub {
    /// The room's channel, opened when first named.
    fn room(&self, name: &str) -> broadcast::Sender<Utf8Bytes> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms
            .entry(name.to_string())
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .clone()
    }
}

/// The value of `key` in the request's query.
fn param<'u>(uri: &'u Uri, key: &str) -> Option<&'u str> {
    uri.query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

pub fn run(port: u16, batch: bool, journal: Option<std::path::PathBuf>) -> Result<(), String> {
    let journal = match journal {
        Some(path) => Some(Arc::new(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?,
        ))),
        None => None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let app = Router::new()
            .route("/_ws", get(upgrade))
            .route("/post", post(publish))
            .route("/healthz", get(|| async { "ok" }))
            .with_state(Hub {
                rooms: Arc::default(),
                batch,
                journal,
            });
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        eprintln!("baseline listening on {addr} (batch: {batch})");
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    })
}

async fn upgrade(ws: WebSocketUpgrade, State(hub): State<Hub>, uri: Uri) -> Response {
    let rx = hub.room(param(&uri, "room").unwrap_or("")).subscribe();
    let first = param(&uri, "first")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .map(|n| frame("catchup", n.min(MAX_LEN)));
    ws.read_buffer_size(4096)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(4 * 1024 * 1024)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| serve(socket, rx, first, hub.batch))
}

async fn serve(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<Utf8Bytes>,
    first: Option<Utf8Bytes>,
    batch: bool,
) {
    let hello = first.unwrap_or_else(|| {
        Utf8Bytes::from_static(r#"<div id="live-notice" data-hx-swap-oob="true"></div>"#)
    });
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

/// Broadcasts a frame with `token` to each room named in `to`
/// (`ROOM:LEN,...`); answers how many sockets it was queued for.
async fn publish(
    State(hub): State<Hub>,
    uri: Uri,
    token: String,
) -> (axum::http::StatusCode, String) {
    if let Some(journal) = hub.journal.clone() {
        let line = format!("{}\n", token.trim());
        let kept = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut file = journal.lock().unwrap_or_else(|p| p.into_inner());
            file.write_all(line.as_bytes())?;
            file.sync_data()
        })
        .await;
        if !matches!(kept, Ok(Ok(()))) {
            let failed = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            return (failed, "journal write failed".into());
        }
    }
    let mut n = 0;
    for (room, len) in param(&uri, "to")
        .unwrap_or("")
        .split(',')
        .filter_map(|to| to.split_once(':'))
    {
        let len = len.parse().unwrap_or(0).min(MAX_LEN);
        n += hub.room(room).send(frame(token.trim(), len)).unwrap_or(0);
    }
    (axum::http::StatusCode::OK, n.to_string())
}

/// A message-like fragment of `len` bytes (at least its markup) containing
/// `token`.
pub fn frame(token: &str, len: usize) -> Utf8Bytes {
    let token: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    let head = format!(
        r##"<hx-partial data-hx-target="#messages" data-hx-swap="upsert"><article class="message" id="message-0"><div class="body"><p>{token} "##
    );
    let tail = "</p></div></article></hx-partial>";
    let pad = len.saturating_sub(head.len() + tail.len());
    let mut s = String::with_capacity(len);
    s.push_str(&head);
    s.extend(std::iter::repeat_n('x', pad));
    s.push_str(tail);
    Utf8Bytes::from(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn frame_has_the_size_asked_and_holds_the_token() {
        let f = super::frame("lgtk00000042x", 523);
        assert_eq!(f.len(), 523);
        assert!(f.as_str().contains("lgtk00000042x"));
    }
}
