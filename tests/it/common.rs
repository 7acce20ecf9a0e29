//! Test harness: a real server on 127.0.0.1:0 with a fresh database, and
//! clients with cookie jars and redirects off.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use causerie::config::Config;
use causerie::limits::Rate;
use causerie::live::{Heartbeat, Hub};
use causerie::server::Server;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "password123";

/// Who asks (the name failure messages give the client), the client, and the
/// status the request should get.
pub type Expect<'a> = (&'a str, &'a Client, StatusCode);

pub struct App {
    pub addr: SocketAddr,
    pub base: String,
    pub db_path: PathBuf,
    /// The server's live hub, to look at what it keeps.
    pub hub: Hub,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl App {
    pub async fn start() -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("causerie.db");
        Self::start_at(dir, db_path, Some(ADMIN_PASSWORD.to_string())).await
    }

    /// A server on an existing database directory (for restart tests).
    pub async fn start_at(
        dir: tempfile::TempDir,
        db_path: PathBuf,
        admin_password: Option<String>,
    ) -> App {
        Self::launch(dir, db_path, admin_password, |_| {}).await
    }

    /// `start_at` with a config changed by `adjust`.
    pub async fn start_at_configured(
        dir: tempfile::TempDir,
        db_path: PathBuf,
        adjust: impl FnOnce(&mut Config),
    ) -> App {
        Self::launch(dir, db_path, Some(ADMIN_PASSWORD.to_string()), adjust).await
    }

    /// A fresh server whose sockets are pinged and given up on as `heartbeat` says.
    pub async fn start_with_heartbeat(heartbeat: Heartbeat) -> App {
        Self::start_configured(|c| c.heartbeat = heartbeat).await
    }

    /// A fresh server whose configuration `adjust` changes from the defaults
    /// (short limits, small caps, ...).
    pub async fn start_configured(adjust: impl FnOnce(&mut Config)) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("causerie.db");
        Self::launch(dir, db_path, Some(ADMIN_PASSWORD.to_string()), adjust).await
    }

    async fn launch(
        dir: tempfile::TempDir,
        db_path: PathBuf,
        admin_password: Option<String>,
        adjust: impl FnOnce(&mut Config),
    ) -> App {
        // The server's log, shown with a failing test's output when RUST_LOG asks.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db_path.clone());
        config.db_url = pg_database(&db_path);
        config.admin_password = admin_password;
        // Tests post, register and search far faster than people, all from one
        // address: these rates have their own tests (throttles.rs), which
        // set them back.
        config.limits.post = Rate::new(10_000, 1);
        config.limits.post_new_account = config.limits.post;
        config.limits.register = Rate::new(10_000, 1);
        config.limits.search = Rate::new(10_000, 1);
        adjust(&mut config);
        let server = Server::build(&config).await.expect("server starts");
        let addr = server.local_addr();
        let hub = server.hub();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("server runs");
        });
        App {
            addr,
            base: format!("http://{addr}"),
            db_path,
            hub,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and hands back its directory, to start again on it.
    pub async fn stop(mut self) -> (tempfile::TempDir, PathBuf) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
        (dir, self.db_path.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: its own cookie jar, redirects not followed.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn get(&self, c: &Client, path: &str) -> Response {
        c.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, c: &Client, path: &str) -> (StatusCode, String) {
        let r = self.get(c, path).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn post(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        c.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// POSTs `form` to `path`; returns the answer's status and body.
    pub async fn post_text(
        &self,
        c: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let r = self.post(c, path, form).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// The same POST as htmx sends it.
    pub async fn post_hx(
        &self,
        c: &Client,
        path: &str,
        form: &[(&str, &str)],
        current: &str,
    ) -> Response {
        let mut h = HeaderMap::new();
        h.insert("hx-request", HeaderValue::from_static("true"));
        h.insert(
            "hx-current-url",
            HeaderValue::from_str(&self.url(current)).unwrap(),
        );
        c.post(self.url(path))
            .headers(h)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// GETs `path` as `who` (the name failure messages give `c`) and asserts
    /// the answer's status; returns the response for further checks.
    pub async fn assert_get(
        &self,
        who: &str,
        c: &Client,
        path: &str,
        expected: StatusCode,
    ) -> Response {
        let r = self.get(c, path).await;
        assert_eq!(r.status(), expected, "{who} GET {path}");
        r
    }

    /// POSTs `form` to `path` as `who` (the name failure messages give `c`)
    /// and asserts the answer's status; returns the response for further
    /// checks.
    pub async fn assert_post(
        &self,
        who: &str,
        c: &Client,
        path: &str,
        form: &[(&str, &str)],
        expected: StatusCode,
    ) -> Response {
        let r = self.post(c, path, form).await;
        assert_eq!(r.status(), expected, "{who} POST {path}");
        r
    }

    /// The same POST as htmx sends it from the page `current`, asserting a
    /// 200 answer; returns where its HX-Redirect header sends the browser.
    pub async fn post_hx_redirect(
        &self,
        who: &str,
        c: &Client,
        path: &str,
        form: &[(&str, &str)],
        current: &str,
    ) -> String {
        let r = self.post_hx(c, path, form, current).await;
        assert_eq!(r.status(), StatusCode::OK, "{who} htmx POST {path}");
        header(&r, "hx-redirect")
    }

    /// For each (who, client, expected status), `assert_get` of `path`: who
    /// may see a page.
    pub async fn assert_each_get(&self, path: &str, expectations: &[Expect<'_>]) {
        for &(who, c, expected) in expectations {
            self.assert_get(who, c, path, expected).await;
        }
    }

    /// For each (who, client, expected status), `assert_post` of `form` to
    /// `path`: who may do what.
    pub async fn assert_each_post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        expectations: &[Expect<'_>],
    ) {
        for &(who, c, expected) in expectations {
            self.assert_post(who, c, path, form, expected).await;
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> Client {
        let c = self.client();
        self.assert_login(&c, username, password, StatusCode::SEE_OTHER)
            .await;
        c
    }

    /// Posts the login form for `username` and `password` from `c` and
    /// asserts the answer's status (303 when let in); returns its body.
    pub async fn assert_login(
        &self,
        c: &Client,
        username: &str,
        password: &str,
        expected: StatusCode,
    ) -> String {
        let (status, body) = self
            .post_text(c, "/login", &account_fields(username, password))
            .await;
        assert_eq!(status, expected, "login of {username}");
        body
    }

    /// POSTs (no fields) to `/admin/accounts/{id}/{action}` (approve, refuse,
    /// disable, enable) as `who` and asserts the answer's status; returns the
    /// response for further checks.
    pub async fn assert_account_action(
        &self,
        who: &str,
        c: &Client,
        id: i64,
        action: &str,
        expected: StatusCode,
    ) -> Response {
        let path = format!("/admin/accounts/{id}/{action}");
        self.assert_post(who, c, &path, &[], expected).await
    }

    pub async fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Registers `username` (password `PASSWORD`) and returns its logged-in client.
    pub async fn member(&self, username: &str) -> Client {
        let c = self.client();
        let r = self
            .post(
                &c,
                "/register",
                &register_fields(username, PASSWORD, PASSWORD),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "register {username}");
        c
    }

    pub async fn create_forum(&self, admin: &Client, name: &str) -> i64 {
        self.create_forum_with(admin, name, "About things").await
    }

    /// Creates a forum with that description; returns its id.
    pub async fn create_forum_with(&self, admin: &Client, name: &str, description: &str) -> i64 {
        let r = self
            .post(admin, "/admin/forums", &forum_fields(name, description))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "create forum {name}");
        id_after(&location(&r), "/forums/")
    }

    pub async fn create_topic(&self, c: &Client, forum: i64, title: &str, body: &str) -> i64 {
        let path = format!("/forums/{forum}/topics");
        let r = self.post(c, &path, &topic_fields(title, body)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "create topic {title}");
        id_after(&location(&r), "/topics/")
    }

    /// Deletes message `id` as the admin `admin`, asserting the 303.
    pub async fn delete_message(&self, admin: &Client, id: i64) {
        let path = format!("/messages/{id}/delete");
        self.assert_post("admin", admin, &path, &[], StatusCode::SEE_OTHER)
            .await;
    }

    /// Deletes topic `id`, with its messages, as the admin `admin`,
    /// asserting the 303.
    pub async fn delete_topic(&self, admin: &Client, id: i64) {
        let path = format!("/topics/{id}/delete");
        self.assert_post("admin", admin, &path, &[], StatusCode::SEE_OTHER)
            .await;
    }

    /// Replies and returns the new message's id.
    pub async fn reply(&self, c: &Client, topic: i64, body: &str) -> i64 {
        let r = self
            .post(c, &format!("/topics/{topic}/messages"), &[("body", body)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "reply to {topic}");
        id_after(&location(&r), "#message-")
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The real `causerie` binary, on a free port of 127.0.0.1 and the database
/// file `db`, with the admin password `ADMIN_PASSWORD`; killed when dropped.
pub struct Binary {
    pub process: tokio::process::Child,
    pub port: u16,
    /// `http://127.0.0.1:{port}`.
    pub base: String,
}

/// The PostgreSQL server the suite runs against (`CAUSERIE_TEST_PG`, a URL
/// of a database on it the tests may create databases from), or `None`:
/// SQLite files.
pub fn pg_server() -> Option<String> {
    std::env::var("CAUSERIE_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Whether the suite runs against PostgreSQL.
pub fn on_pg() -> bool {
    pg_server().is_some()
}

/// On PostgreSQL, the database that stands for the file `db_path`: one per
/// file, created when first asked for (so a restart on the same directory
/// finds its data); `None` on SQLite.
pub fn pg_database(db_path: &Path) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let server = pg_server()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    db_path.hash(&mut h);
    let name = format!("causerie_t{:016x}", h.finish());
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(b, _)| b)
        .to_string();
    let admin = server.clone();
    let create = name.clone();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the test PostgreSQL server answers");
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&create])
            .expect("pg_database")
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE {create}"))
                .expect("a test database");
        }
    })
    .join()
    .expect("database created");
    Some(format!("{base}/{name}"))
}

/// Runs `f` on the test's database: its SQLite file, or (on PostgreSQL)
/// the database that stands for the file, through causerie's own
/// one-interface connection, so a test's checks run on both engines.
pub fn with_db<T: Send>(
    db_path: &Path,
    f: impl FnOnce(&causerie::db::Conn) -> causerie::db::Result<T> + Send,
) -> T {
    match pg_database(db_path) {
        None => {
            let c = rusqlite::Connection::open(db_path).expect("the test's database file");
            f(&causerie::db::Conn::Lite(&c)).expect("the test's query")
        }
        // The synchronous client runs a runtime of its own: not on a test's.
        Some(url) => std::thread::scope(|s| {
            s.spawn(|| {
                let client = postgres::Client::connect(&url, postgres::NoTls)
                    .expect("the test's PostgreSQL database");
                let pg = causerie::db::PgConn::new(client);
                f(&causerie::db::Conn::Pg(&pg)).expect("the test's query")
            })
            .join()
            .expect("the test's query ran")
        }),
    }
}

/// `CAUSERIE_DB` for a binary whose data is `db_path`: the file, or its
/// PostgreSQL database.
pub fn db_env(db_path: &Path) -> std::ffi::OsString {
    match pg_database(db_path) {
        Some(url) => url.into(),
        None => db_path.into(),
    }
}

/// Starts the `causerie` binary (its log filtered by `rust_log`) and waits
/// until it answers `/healthz`.
pub async fn spawn_server(db: &Path, rust_log: &str) -> Binary {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_causerie"))
        .env("CAUSERIE_ADDR", format!("127.0.0.1:{port}"))
        .env("CAUSERIE_DB", db_env(db))
        .env("CAUSERIE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", rust_log)
        .kill_on_drop(true)
        .spawn()
        .expect("the causerie binary starts");
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    Binary {
        process,
        port,
        base,
    }
}

/// Asks `{base}/healthz` every 100 ms until a server answers (10 s at most)
/// and asserts its first answer is 200.
pub async fn wait_healthy(base: &str) {
    let http = Client::new();
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            up = r.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server answers /healthz");
}

/// The answers when a member and a visitor try what is not theirs to do:
/// 403 for the member (`name`), 401 (log in first) for the visitor.
pub fn refused<'a>(name: &'a str, member: &'a Client, visitor: &'a Client) -> [Expect<'a>; 2] {
    [
        (name, member, StatusCode::FORBIDDEN),
        ("visitor", visitor, StatusCode::UNAUTHORIZED),
    ]
}

/// A username and password, as the login and new-admin forms take them.
pub fn account_fields<'a>(username: &'a str, password: &'a str) -> [(&'a str, &'a str); 2] {
    [("username", username), ("password", password)]
}

/// The registration form: a username, a password and its confirmation.
pub fn register_fields<'a>(
    username: &'a str,
    password: &'a str,
    confirm: &'a str,
) -> [(&'a str, &'a str); 3] {
    [
        ("username", username),
        ("password", password),
        ("password_confirm", confirm),
    ]
}

/// The password change form: the current password, the new one and its
/// confirmation.
pub fn password_fields<'a>(
    current: &'a str,
    new: &'a str,
    confirm: &'a str,
) -> [(&'a str, &'a str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", confirm),
    ]
}

/// A forum's form (new or edited): its name and description.
pub fn forum_fields<'a>(name: &'a str, description: &'a str) -> [(&'a str, &'a str); 2] {
    [("name", name), ("description", description)]
}

/// The new topic form: its title and opening message.
pub fn topic_fields<'a>(title: &'a str, body: &'a str) -> [(&'a str, &'a str); 2] {
    [("title", title), ("body", body)]
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_string()
}

/// The number right after `marker` in `s`.
pub fn id_after(s: &str, marker: &str) -> i64 {
    let i = s.find(marker).unwrap_or_else(|| panic!("{marker} in {s}")) + marker.len();
    s[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number after {marker} in {s}"))
}

/// The ids (numbers) of elements `id="{prefix}N"` in document order.
pub fn ids(html: &str, prefix: &str) -> Vec<i64> {
    let marker = format!("id=\"{prefix}");
    html.match_indices(&marker)
        .filter_map(|(i, _)| {
            html[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
                .parse()
                .ok()
        })
        .collect()
}

// ---- Shared helpers for the forum tests (accounts, admin, forums, topics,
// ---- messages, pagination, security).

/// The element whose `id` is `id`, from its opening tag to the first closing
/// tag of the same name (enough for list entries and messages, which do not
/// nest their own kind).
pub fn element<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {marker} in {html}"));
    let open = html[..at].rfind('<').expect("an opening tag");
    let name: String = html[open + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let close = format!("</{name}>");
    let end = html[at..]
        .find(&close)
        .map_or(html.len(), |i| at + i + close.len());
    &html[open..end]
}

/// The value of the `causerie` session cookie a response sets, if it sets one.
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("causerie="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// A response's header as text ("" when absent).
pub fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A WebSocket client's stream, as tokio-tungstenite connects one.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A visitor's socket watching `view`.
pub async fn connect(app: &App, view: &str) -> WsStream {
    connect_at(app.addr, view).await
}

/// The same, to the server at `addr`.
pub async fn connect_at(addr: SocketAddr, view: &str) -> WsStream {
    let view: String = view
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let url = format!("ws://{addr}/_ws?view={view}");
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("socket connects");
    ws
}

/// Reads `ws` until its close frame comes and returns the frame's code;
/// panics, naming `who`, if the socket ends otherwise or is still open
/// after 10 s.
pub async fn close_code(ws: &mut WsStream, who: &str) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            other => panic!("{who}: no close frame: {other:?}"),
        }
    }
}
