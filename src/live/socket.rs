//! One WebSocket connection, served by one task: it drains the socket's
//! outbox into the socket, answers `ping`, notices the peer's frames, and pings
//! it, closing a socket that stopped answering. One task rather than a reader
//! and a writer keeps an idle socket's memory close to the bare minimum.

use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;

use super::hub::Hub;
use super::outbox::Outbox;
use super::watch::Watch;
use crate::perms::Role;

/// How the server tells a dead peer from a quiet one.
#[derive(Clone, Copy, Debug)]
pub struct Heartbeat {
    /// How often the server pings.
    pub ping_every: Duration,
    /// A socket heard from for longer than this is closed.
    pub silence_limit: Duration,
    /// A write still going after this means the peer stopped reading; it is
    /// checked at each heartbeat, so such a socket goes within
    /// `write_timeout + ping_every`.
    pub write_timeout: Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            ping_every: Duration::from_secs(25),
            silence_limit: Duration::from_secs(60),
            write_timeout: Duration::from_secs(20),
        }
    }
}

pub async fn serve(mut socket: WebSocket, hub: Hub, watch: Watch, role: Role, beat: Heartbeat) {
    let (id, outbox) = hub.join(watch, role).await;
    run(&mut socket, &outbox, beat).await;
    hub.leave(id);
}

async fn run(socket: &mut WebSocket, outbox: &Outbox, beat: Heartbeat) {
    let start = tokio::time::Instant::now() + beat.ping_every;
    let mut heartbeat = tokio::time::interval_at(start, beat.ping_every);
    let mut last_heard = Instant::now();
    loop {
        // `recv` is cancel-safe: a frame half-read stays in the socket.
        let batch = tokio::select! {
            biased;
            incoming = socket.recv() => {
                last_heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(t))) if t.as_str().trim() == "ping" => {
                        std::iter::once(Message::Text(Utf8Bytes::from_static("pong"))).collect()
                    }
                    // Writes go over HTTP; anything else a client sends is ignored.
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => continue,
                }
            }
            taken = outbox.take() => match taken {
                Some(batch) => batch,
                None => return,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > beat.silence_limit {
                    tracing::debug!("socket silent too long: closed");
                    return;
                }
                std::iter::once(Message::Ping(Default::default())).collect()
            }
        };
        // Everything queued leaves in as few writes as the buffer allows.
        let send = async {
            for frame in batch {
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
        tokio::pin!(send);
        // A send still going at a heartbeat past the write timeout means the
        // peer stopped reading (the heartbeat's timer, not one per send).
        let began = Instant::now();
        let closing = loop {
            // The send first: when it completes at once, nothing else is
            // polled (nor registered).
            tokio::select! {
                biased;
                sent = &mut send => match sent {
                    Ok(closing) => break closing,
                    Err(_) => return,
                },
                _ = outbox.killed() => return,
                _ = heartbeat.tick() => {
                    if began.elapsed() > beat.write_timeout {
                        tracing::debug!("socket stopped reading: closed");
                        return;
                    }
                }
            }
        };
        if closing {
            return;
        }
    }
}
