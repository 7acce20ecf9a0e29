//! What notifications cost a reply, through the real server on 127.0.0.1:
//! the reply's answer in a topic of 1,000 participants beside one in a
//! topic of 1 (in the same run, alternating), and the worker's time from
//! that answer until the last participant's bell arrives on their socket
//! (1,000 notifications written, pruned and counted, and every bell sent).
//!
//!   cargo run --release --example notify_bench            # 1,000 participants
//!   cargo run --release --example notify_bench -- 5000

use std::time::{Duration, Instant};

use causerie::config::Config;
use causerie::limits::Rate;
use causerie::server::Server;
use futures_util::StreamExt;
use rusqlite::{Connection, params};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const PASSWORD: &str = "correct horse battery";
const RUNS: usize = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let members: i64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("notify.db");
    let mut config = Config::new("127.0.0.1:0".parse()?, path.clone());
    config.admin_password = Some(PASSWORD.into());
    config.limits.post = Rate::new(100_000, 1);
    config.limits.post_new_account = config.limits.post;
    let server = Server::build(&config).await?;
    let base = format!("http://{}", server.local_addr());
    let addr = server.local_addr();
    tokio::spawn(server.run(std::future::pending()));

    // The poster and the last participant log in (two password checks); the
    // other participants are rows with the same password hash.
    let (big, small) = fill(&path, members)?;
    let poster = login(&base, "poster").await?;
    let last = login(&base, &format!("member{members}")).await?;
    let cookie = last.1.clone();
    let mut req = format!("ws://{addr}/_ws?view=%2Fnotifications").into_client_request()?;
    req.headers_mut().insert("cookie", cookie.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    next_bell(&mut ws).await; // its catch-up

    let mut answers = (Vec::new(), Vec::new());
    let mut worker = Vec::new();
    for i in 0..RUNS {
        // The worker idle before each: what is measured is the answer alone.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        reply(&poster.0, &base, small, &format!("small {i}")).await?;
        answers.1.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        reply(&poster.0, &base, big, &format!("big {i}")).await?;
        let answered = Instant::now();
        answers.0.push(answered - started);
        next_bell(&mut ws).await;
        worker.push(answered.elapsed());
    }
    let c = Connection::open(&path)?;
    let written: i64 = c.query_row("SELECT count(*) FROM notifications", [], |r| r.get(0))?;
    println!("participants in the large topic: {members}; {RUNS} replies to each topic");
    println!(
        "reply answered, topic of 1:        median {:>7.2} ms",
        ms(median(&mut answers.1))
    );
    println!(
        "reply answered, topic of {members}:     median {:>7.2} ms",
        ms(median(&mut answers.0))
    );
    println!(
        "worker, answer to the last bell:   median {:>7.2} ms (max {:.2} ms) for {} notifications a reply",
        ms(median(&mut worker)),
        ms(*worker.iter().max().unwrap_or(&Duration::ZERO)),
        members - 1
    );
    println!("notifications stored: {written} (at most 200 a member)");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `members` members who all posted in the large topic; the poster alone
/// in the small one. Returns both topics.
fn fill(path: &std::path::Path, members: i64) -> rusqlite::Result<(i64, i64)> {
    let c = Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(5))?;
    let hash: String = c.query_row(
        "SELECT password_hash FROM users WHERE username = 'admin'",
        [],
        |r| r.get(0),
    )?;
    let tx = c.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES ('poster', ?1, 0)",
        [&hash],
    )?;
    let poster = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO forums (name, created_at) VALUES ('Bench', 0)",
        [],
    )?;
    let forum = tx.last_insert_rowid();
    let mut topics = Vec::new();
    for title in ["Large", "Small"] {
        tx.execute(
            "INSERT INTO topics (forum_id, author_id, title, created_at) VALUES (?1, ?2, ?3, 0)",
            params![forum, poster, title],
        )?;
        let topic = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO messages (topic_id, author_id, body, body_html, created_at, position)
             VALUES (?1, ?2, 'opening', '<p>opening</p>', 0, 1)",
            params![topic, poster],
        )?;
        tx.execute(
            "INSERT INTO topic_members (topic_id, user_id, level) VALUES (?1, ?2, 1)",
            params![topic, poster],
        )?;
        topics.push(topic);
    }
    for m in 1..=members {
        tx.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, 0)",
            params![format!("member{m}"), hash],
        )?;
        tx.execute(
            "INSERT INTO topic_members (topic_id, user_id, level) VALUES (?1, ?2, 1)",
            params![topics[0], tx.last_insert_rowid()],
        )?;
    }
    tx.commit()?;
    Ok((topics[0], topics[1]))
}

async fn login(
    base: &str,
    name: &str,
) -> Result<(reqwest::Client, String), Box<dyn std::error::Error>> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = http
        .post(format!("{base}/login"))
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await?;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("causerie="))
        .and_then(|v| v.split(';').next())
        .ok_or("no session cookie")?
        .to_string();
    Ok((http, cookie))
}

async fn reply(
    http: &reqwest::Client,
    base: &str,
    topic: i64,
    body: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let r = http
        .post(format!("{base}/topics/{topic}/messages"))
        .form(&[("body", body)])
        .send()
        .await?;
    if r.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("reply answered {}", r.status()).into());
    }
    Ok(())
}

/// Waits for the next bell frame.
async fn next_bell(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) {
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m
            && t.contains("id=\"bell\"")
        {
            return;
        }
    }
    panic!("the socket ended");
}
