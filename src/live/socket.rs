//! One WebSocket connection: a writer that drains the socket's outbox, a
//! reader that answers `ping` and notices pongs, and a heartbeat that closes
//! a socket that stopped answering.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};

use super::hub::Hub;
use super::outbox::Outbox;
use super::watch::Watch;
use crate::perms::Role;

/// How often the server pings, and how long a silent socket is kept.
const PING_EVERY: Duration = Duration::from_secs(25);
const SILENCE_LIMIT: Duration = Duration::from_secs(60);
/// A write that takes longer than this means the peer stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

pub async fn serve(socket: WebSocket, hub: Hub, watch: Watch, role: Role) {
    let (id, outbox) = hub.join(watch, role);
    let (sink, stream) = socket.split();
    let started = Instant::now();
    let last_heard = Arc::new(AtomicU64::new(0));
    let reader = tokio::spawn(read(stream, outbox.clone(), started, last_heard.clone()));
    write(sink, &outbox, started, &last_heard).await;
    reader.abort();
    hub.leave(id);
}

fn since(started: Instant) -> u64 {
    started.elapsed().as_secs()
}

async fn read(
    mut stream: SplitStream<WebSocket>,
    outbox: Arc<Outbox>,
    started: Instant,
    last_heard: Arc<AtomicU64>,
) {
    while let Some(Ok(msg)) = stream.next().await {
        last_heard.store(since(started), Ordering::Relaxed);
        match msg {
            Message::Text(t)
                if t.as_str().trim() == "ping"
                    && !outbox.push(Message::Text(Utf8Bytes::from_static("pong"))) =>
            {
                break;
            }
            Message::Close(_) => break,
            // Writes go over HTTP; anything else a client sends is ignored.
            _ => {}
        }
    }
    // The peer left or broke the protocol (an oversized frame ends here too).
    outbox.kill();
}

async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    outbox: &Outbox,
    started: Instant,
    last_heard: &AtomicU64,
) {
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        let batch = tokio::select! {
            biased;
            _ = outbox.killed() => break,
            _ = outbox.ready() => outbox.drain(),
            _ = heartbeat.tick() => {
                let silent = since(started).saturating_sub(last_heard.load(Ordering::Relaxed));
                if silent > SILENCE_LIMIT.as_secs() {
                    tracing::debug!("socket silent for {silent}s: closed");
                    break;
                }
                std::iter::once(Message::Ping(Default::default())).collect()
            }
        };
        let mut closing = false;
        let send = async {
            for frame in batch {
                closing |= matches!(frame, Message::Close(_));
                sink.feed(frame).await?;
            }
            sink.flush().await
        };
        let sent = tokio::select! {
            biased;
            _ = outbox.killed() => break,
            r = tokio::time::timeout(WRITE_TIMEOUT, send) => matches!(r, Ok(Ok(()))),
        };
        if !sent || closing {
            break;
        }
    }
}
