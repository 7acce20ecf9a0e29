//! The network edge under hostile or careless clients: stalled headers,
//! idle connections and slow bodies are cut; connections and sockets are
//! capped per address and in total; behind a trusted proxy the forwarded
//! client counts, and a spoofed one from anyone else does not.
//!
//! Timeouts here are a second or two, and every wait for a closure is a
//! bounded loop with a generous bound: nothing asserts how long anything took.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use causerie::net::PublicOrigin;

use crate::common::*;

/// How long a test waits for the server to close something before it fails.
const BOUND: Duration = Duration::from_secs(15);
const LONG: Duration = Duration::from_secs(120);

/// A TCP connection to `app` from the loopback address `from` (any of
/// 127.0.0.0/8 reaches a server on 127.0.0.1): another client address.
async fn connect_from(app: &App, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    socket.connect(app.addr).await.unwrap()
}

/// Reads `stream` until the server closes it (end of stream or reset);
/// what it sent before, or `None` if it is still open after `BOUND`.
async fn until_closed(stream: &mut TcpStream) -> Option<String> {
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn stalled_half_headers_are_closed_while_others_are_answered() {
    let app = App::start_configured(|c| {
        c.net.header_timeout = Duration::from_secs(1);
        c.net.idle_timeout = LONG;
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..80 {
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: forum\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    // Everyone else is still served meanwhile.
    let c = app.client();
    for _ in 0..10 {
        app.assert_get("visitor", &c, "/healthz", StatusCode::OK)
            .await;
    }
    let closed = join_all(stalled.iter_mut().map(until_closed)).await;
    let open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(open, 0, "stalled connections still open");
    app.assert_get("visitor", &c, "/healthz", StatusCode::OK)
        .await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = App::start_configured(|c| {
        c.net.idle_timeout = Duration::from_secs(1);
        c.net.header_timeout = LONG;
    })
    .await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: forum\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut s).await.expect("closed once idle");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Kept alive by the answer itself: it was idleness that closed it.
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_slow_body_is_cut() {
    let app = App::start_configured(|c| {
        c.net.request_timeout = Duration::from_secs(1);
        c.net.header_timeout = LONG;
        c.net.idle_timeout = LONG;
    })
    .await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: forum\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n\
          username=",
    )
    .await
    .unwrap();
    // A byte every 200 ms: never silent for long, yet never done.
    let (mut rx, mut tx) = s.into_split();
    let trickle = tokio::spawn(async move {
        while tx.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut got = Vec::new();
    let read = tokio::time::timeout(BOUND, rx.read_to_end(&mut got)).await;
    trickle.abort();
    let got = String::from_utf8_lossy(&got);
    assert!(read.is_ok(), "still open; got {got:?}");
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused() {
    let app = App::start_configured(|c| {
        c.net.max_connections_per_addr = 4;
        c.net.header_timeout = LONG;
        c.net.idle_timeout = LONG;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // The fifth from this address is closed at once, unanswered.
    let mut fifth = TcpStream::connect(app.addr).await.unwrap();
    let said = until_closed(&mut fifth).await.expect("the fifth is closed");
    assert_eq!(said, "");
    let c = app.client();
    assert!(c.get(app.url("/healthz")).send().await.is_err());
    // Another address is not affected.
    let mut other = connect_from(&app, "127.0.0.2").await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: forum\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut other).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A place freed is a place again.
    held.pop();
    let mut again = false;
    for _ in 0..100 {
        if c.get(app.url("/healthz")).send().await.is_ok() {
            again = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again, "a freed place was never given again");
}

/// Opens a socket from `from` (a loopback address) with these extra
/// headers; its handshake's status (101 when upgraded) and what a refusal
/// said. The socket, when open, is kept in `keep`.
async fn socket_from(
    app: &App,
    from: &str,
    headers: &[(&'static str, &str)],
    keep: &mut Vec<WsStream>,
) -> (u16, String) {
    let mut req = format!("ws://{}/_ws?view=%2F", app.addr)
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    let tcp = connect_from(app, from).await;
    match tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp)).await
    {
        Ok((ws, resp)) => {
            keep.push(ws);
            (resp.status().as_u16(), String::new())
        }
        Err(WsError::Http(resp)) => (
            resp.status().as_u16(),
            String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).into(),
        ),
        Err(e) => panic!("socket from {from}: {e}"),
    }
}

#[tokio::test]
async fn sockets_over_a_cap_are_refused_before_the_upgrade() {
    let app = App::start_configured(|c| {
        c.net.max_sockets_per_addr = 2;
        c.net.max_sockets = 3;
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let (status, _) = socket_from(&app, "127.0.0.1", &[], &mut open).await;
        assert_eq!(status, 101);
    }
    let (status, said) = socket_from(&app, "127.0.0.1", &[], &mut open).await;
    assert_eq!(status, 429, "a third socket from one address");
    assert!(said.contains("Too many live pages"), "{said}");
    let (status, _) = socket_from(&app, "127.0.0.2", &[], &mut open).await;
    assert_eq!(status, 101, "another address");
    let (status, said) = socket_from(&app, "127.0.0.3", &[], &mut open).await;
    assert_eq!(status, 503, "a fourth socket in all");
    assert!(said.contains("try again later"), "{said}");
    // A closed socket frees its place.
    open.remove(0).close(None).await.unwrap();
    let mut status = 0;
    for _ in 0..100 {
        status = socket_from(&app, "127.0.0.1", &[], &mut open).await.0;
        if status == 101 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 101, "a freed place was never given again");
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let spoofed = [("x-forwarded-for", "198.51.100.1")];
    let other = [("x-forwarded-for", "198.51.100.2")];
    // The client claims 203.0.113.9; the proxy appends what it saw.
    let claimed = [("x-forwarded-for", "203.0.113.9, 198.51.100.1")];

    // No proxy trusted: the header is anyone's to write, and ignored.
    let app = App::start_configured(|c| c.net.max_sockets_per_addr = 1).await;
    let mut open = Vec::new();
    assert_eq!(
        socket_from(&app, "127.0.0.1", &spoofed, &mut open).await.0,
        101
    );
    let (status, _) = socket_from(&app, "127.0.0.1", &other, &mut open).await;
    assert_eq!(status, 429, "a forged X-Forwarded-For escaped the cap");

    // 127.0.0.1 trusted, 127.0.0.2 not: the proxy's clients are told apart.
    let app = App::start_configured(|c| {
        c.net.max_sockets_per_addr = 1;
        c.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let mut open = Vec::new();
    assert_eq!(
        socket_from(&app, "127.0.0.1", &spoofed, &mut open).await.0,
        101
    );
    assert_eq!(
        socket_from(&app, "127.0.0.1", &other, &mut open).await.0,
        101
    );
    let (status, _) = socket_from(&app, "127.0.0.1", &claimed, &mut open).await;
    assert_eq!(status, 429, "the rightmost untrusted hop is the client");
    assert_eq!(
        socket_from(&app, "127.0.0.2", &spoofed, &mut open).await.0,
        101
    );
    let (status, _) = socket_from(&app, "127.0.0.2", &other, &mut open).await;
    assert_eq!(status, 429, "an untrusted peer's header counted");
}

/// Logs in as admin through raw HTTP from `from`, with `headers`; the
/// session cookie's `Set-Cookie` line.
async fn login_cookie(app: &App, from: &str, headers: &str) -> String {
    let body = "username=admin&password=".to_string() + ADMIN_PASSWORD;
    let mut s = connect_from(app, from).await;
    let req = format!(
        "POST /login HTTP/1.1\r\nHost: forum\r\nConnection: close\r\n{headers}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let answer = until_closed(&mut s).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: causerie="))
        .unwrap_or_else(|| panic!("no session cookie: {answer}"))
        .to_string()
}

#[tokio::test]
async fn cookies_are_secure_when_a_trusted_proxy_says_https() {
    let app = App::start_configured(|c| c.trusted_proxies = "127.0.0.1".parse().unwrap()).await;
    let https = "X-Forwarded-Proto: https\r\n";
    let cookie = login_cookie(&app, "127.0.0.1", https).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
    let cookie = login_cookie(&app, "127.0.0.1", "").await;
    assert!(!cookie.contains("Secure"), "{cookie}");
    let cookie = login_cookie(&app, "127.0.0.2", https).await;
    assert!(!cookie.contains("Secure"), "untrusted: {cookie}");
}

#[tokio::test]
async fn the_origin_is_checked_against_the_public_url() {
    let app = App::start_configured(|c| {
        c.public_origin = Some("https://forum.example.org".parse::<PublicOrigin>().unwrap());
    })
    .await;
    let c = app.client();
    let login = |origin: String| {
        c.post(app.url("/login"))
            .header("origin", origin)
            .form(&[("username", ""), ("password", "")])
            .send()
    };
    // Past the check: the form's own complaint (empty fields).
    let r = login("https://forum.example.org".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The Host's own origin is not the public one any more.
    let r = login(format!("http://{}", app.addr)).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = login("http://forum.example.org".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stop_closes_waiting_connections_and_lets_requests_finish() {
    let app = App::start_configured(|c| {
        c.net.header_timeout = LONG;
        c.net.idle_timeout = LONG;
        c.net.request_timeout = LONG;
    })
    .await;
    let addr = app.addr;
    let mut half_head = TcpStream::connect(addr).await.unwrap();
    half_head
        .write_all(b"GET / HTTP/1.1\r\nHost: forum\r\nX-Slow: ")
        .await
        .unwrap();
    let mut kept_alive = TcpStream::connect(addr).await.unwrap();
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: forum\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let n = kept_alive.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    // A request in flight: its handler waits for the body (hyper says
    // "100 Continue" when the handler starts reading it).
    let body = "username=&password=";
    let mut in_flight = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: forum\r\nExpect: 100-continue\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    let n = in_flight.read(&mut answer).await.unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 100"),
        "{:?}",
        &answer[..n]
    );

    let stopping = tokio::spawn(app.stop());
    // Stopping once nothing more is accepted.
    let mut refused = false;
    for _ in 0..100 {
        match TcpStream::connect(addr).await {
            Err(_) => refused = true,
            Ok(mut s) => refused = until_closed(&mut s).await.is_some_and(|s| s.is_empty()),
        }
        if refused {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "still accepting");
    assert!(
        until_closed(&mut half_head).await.is_some(),
        "half head kept"
    );
    assert!(until_closed(&mut kept_alive).await.is_some(), "idle kept");
    in_flight.write_all(body.as_bytes()).await.unwrap();
    let answer = until_closed(&mut in_flight)
        .await
        .expect("answered, then closed");
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    stopping.await.unwrap();
}

#[tokio::test]
async fn a_socket_outlives_the_connection_timeouts() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let app = App::start_configured(|c| {
        c.net.header_timeout = Duration::from_secs(1);
        c.net.idle_timeout = Duration::from_secs(1);
        c.net.request_timeout = Duration::from_secs(1);
    })
    .await;
    let mut open = Vec::new();
    assert_eq!(socket_from(&app, "127.0.0.1", &[], &mut open).await.0, 101);
    let ws = &mut open[0];
    // Past every timeout: an upgraded connection is the hub's, not hyper's.
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws.send(Message::text("ping")).await.unwrap();
    let pong = tokio::time::timeout(BOUND, async {
        while let Some(m) = ws.next().await {
            if m.as_ref()
                .is_ok_and(|m| m.to_text().is_ok_and(|t| t == "pong"))
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(pong, Ok(true), "no pong after the timeouts");
}

#[tokio::test]
async fn a_trusted_proxy_is_not_capped_per_address() {
    let app = App::start_configured(|c| {
        c.net.max_connections_per_addr = 2;
        c.net.header_timeout = LONG;
        c.net.idle_timeout = LONG;
        c.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    app.assert_get("proxy", &app.client(), "/healthz", StatusCode::OK)
        .await;
}
