//! One WebSocket connection, served by one task: it drains the socket's
//! outbox into the socket, answers `ping`, and notes when the peer was last
//! heard from and since when a write is going, for the heartbeat (see
//! `heartbeat`). One task rather than a reader and a writer, and no timer of
//! its own, keep an idle socket's memory close to the bare minimum.

use std::collections::VecDeque;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;

use super::hub::Hub;
use super::outbox::Outbox;
use super::watch::Kind;
use super::watch::Watch;

/// `user`: whose socket it is (a `Kind` does not say for admins, who all
/// look alike); `current`: whether the session it was opened with still
/// counts.
pub async fn serve(
    mut socket: WebSocket,
    hub: Hub,
    watch: Watch,
    kind: Kind,
    user: Option<i64>,
    current: impl Fn() -> bool + Send + Sync + 'static,
) {
    let (id, outbox) = hub.join(watch, kind, user, current).await;
    run(&mut socket, &outbox).await;
    hub.leave(id, watch);
}

async fn run(socket: &mut WebSocket, outbox: &Outbox) {
    let mut batch = VecDeque::new();
    loop {
        // `recv` is cancel-safe: a frame half-read stays in the socket.
        let batch = tokio::select! {
            biased;
            incoming = socket.recv() => {
                outbox.heard();
                match incoming {
                    Some(Ok(Message::Text(t))) if t.as_str().trim() == "ping" => {
                        batch.clear();
                        batch.push_back(Message::Text(Utf8Bytes::from_static("pong")));
                        &mut batch
                    }
                    // Writes go over HTTP; anything else a client sends is ignored.
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => continue,
                }
            }
            taken = outbox.take(&mut batch) => match taken {
                true => &mut batch,
                false => return,
            },
        };
        // Everything queued leaves in as few writes as the buffer allows.
        let send = async {
            for frame in batch.drain(..) {
                let closing = matches!(frame, Message::Close(_));
                socket.feed(frame).await?;
                if closing {
                    // Nothing may follow a close frame.
                    socket.flush().await?;
                    return Ok(true);
                }
            }
            socket.flush().await.map(|()| false)
        };
        outbox.sending(true);
        // The send first: when it completes at once, nothing else is polled.
        let closing = tokio::select! {
            biased;
            sent = send => match sent {
                Ok(closing) => closing,
                Err(_) => return,
            },
            _ = outbox.killed() => return,
        };
        outbox.sending(false);
        if closing {
            return;
        }
    }
}
