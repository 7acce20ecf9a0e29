//! The accept loop and each connection's life: admitted under the caps,
//! served by hyper's HTTP/1 with a header timeout, given the client's
//! address, closed when idle too long, and asked to finish at shutdown.
//!
//! Our own loop rather than `axum::serve`, which offers none of these knobs.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

use super::client::ClientAddr;
use super::limits::{Limits, Slot, Tally};
use super::proxy::{TrustedProxies, secure_cookies};

/// A request head larger than this is refused (431): browsers send a few
/// KiB, and a connection's buffer never needs to grow past it.
const MAX_HEADER_SIZE: usize = 32 * 1024;

/// Once the server is stopping, a connection with no request being handled
/// for this long is closed: a kept-alive one, one still sending its head,
/// one whose answer has not left in this time. (hyper's own graceful
/// shutdown would wait out the header timeout for a head half sent.)
const STOPPING_IDLE: Duration = Duration::from_secs(1);

/// How long to pause accepting after a failure that is not one connection's
/// (out of descriptors, memory): retrying at once would only spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What every connection shares.
struct Shared {
    http: http1::Builder,
    connections: Arc<Tally>,
    proxies: TrustedProxies,
    idle_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops
/// accepting, asks every connection to finish its request in flight and
/// close, and returns once they all have. Upgraded connections (sockets)
/// are no longer the HTTP server's: the live hub closes them.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    proxies: TrustedProxies,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(MAX_HEADER_SIZE);
    let shared = Arc::new(Shared {
        http,
        connections: Tally::new(
            "connection",
            limits.max_connections,
            limits.max_connections_per_addr,
        ),
        proxies,
        idle_timeout: limits.idle_timeout,
    });
    // A body that never finishes arriving is cut here (408): the handler
    // reading it is what this times.
    let app = app.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    // Each connection holds a receiver: its signal to finish, and, when
    // all are dropped, the sign that every connection has.
    let (stop, stopped) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A trusted proxy carries many clients: counted in the total only.
        let per_addr = !shared.proxies.contains(peer.ip());
        let Ok(slot) = shared.connections.admit(peer.ip(), per_addr) else {
            // Over a cap: closed at once, unread. Answering would cost a
            // write to a client that is, by then, the problem.
            continue;
        };
        let io = Counted {
            stream,
            _slot: slot,
        };
        tokio::spawn(connection(
            io,
            peer,
            app.clone(),
            shared.clone(),
            stopped.clone(),
        ));
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(());
    stop.closed().await;
}

async fn accept_failed(e: io::Error) {
    use io::ErrorKind::*;
    // One connection's trouble (it went away before we took it): next.
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept connections; pausing");
    tokio::time::sleep(ACCEPT_PAUSE).await;
}

async fn connection(
    io: Counted,
    peer: SocketAddr,
    app: Router,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
) {
    let idle = Arc::new(Idle::new());
    let service = {
        let (idle, shared) = (idle.clone(), shared.clone());
        service_fn(move |req: Request<Incoming>| {
            let busy = idle.busy();
            let client = shared.proxies.client(peer.ip(), req.headers());
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(ClientAddr(client.addr));
            // Whether it came over HTTPS, for addresses built from `Host`.
            req.extensions_mut().insert(client);
            let answer = app.clone().oneshot(req);
            async move {
                let mut resp = answer.await?;
                drop(busy);
                if client.https {
                    secure_cookies(resp.headers_mut());
                }
                Ok::<_, Infallible>(resp)
            }
        })
    };
    let conn = shared
        .http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut timeout = shared.idle_timeout;
    let watchdog = tokio::time::sleep(timeout);
    tokio::pin!(watchdog);
    let mut stopping = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                // Mid-request: closed after its answer. Otherwise closed
                // by the watchdog, looking again now with a shorter limit.
                conn.as_mut().graceful_shutdown();
                timeout = timeout.min(STOPPING_IDLE);
                watchdog.as_mut().reset(Instant::now());
            }
            () = &mut watchdog => match idle.since() {
                Some(since) if since.elapsed() >= timeout => {
                    // Dropping the connection closes it, even mid-write to
                    // a client that stopped reading.
                    tracing::debug!(%peer, "connection idle: closed");
                    return;
                }
                Some(since) => watchdog.as_mut().reset(since + timeout),
                None => watchdog.as_mut().reset(Instant::now() + timeout),
            },
        }
    }
}

/// Since when a connection has had no request being handled (`None`: one
/// is). HTTP/1 handles one request at a time, so one mark suffices.
struct Idle(Mutex<Option<Instant>>);

/// A request being handled; dropping it marks the connection idle.
struct Busy(Arc<Idle>);

impl Idle {
    fn new() -> Self {
        Self(Mutex::new(Some(Instant::now())))
    }

    fn set(&self, since: Option<Instant>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = since;
    }

    fn since(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn busy(self: &Arc<Self>) -> Busy {
        self.set(None);
        Busy(self.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.set(Some(Instant::now()));
    }
}

/// A connection holding its place under the caps for as long as it is
/// open, also once upgraded to a WebSocket and no longer hyper's.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
