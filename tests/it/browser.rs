//! Real headless Chromium, driven over WebDriver (chromedriver + fantoccini),
//! against a real server: what the live layer looks like to people in tabs.
//!
//! `live_updates_in_real_browsers` is part of the suite. It needs Debian's
//! `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! `CHROMIUM` / `CHROMEDRIVER` override the paths) and fails when they are missing.
//!
//! `screenshots` (ignored) writes PNGs of the main pages into `docs/`:
//! `cargo test --test it screenshots -- --ignored`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::common::*;

/// How long anything live may take to show up.
const LIVE_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// chromedriver and browsers
// ---------------------------------------------------------------------------

/// A file given by `env`, else `name` on the PATH, else under /usr/bin.
fn program(env: &str, name: &str, package: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "{env}={} is not a file", p.display());
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the browser test needs `{name}`, not found on PATH nor in /usr/bin: \
                 install it (`apt-get install -y {package}`) or set {env}"
            )
        })
}

/// A chromedriver in its own process group, and every Chromium it starts.
/// Dropping it (also when a test panics) kills the whole group.
pub(crate) struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
    /// One fresh profile per browser, removed after the browsers are killed.
    profiles: std::sync::Mutex<Vec<tempfile::TempDir>>,
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let chromium = program("CHROMIUM", "chromium", "chromium");
        let chromedriver = program("CHROMEDRIVER", "chromedriver", "chromium-driver");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().unwrap().port()
        };
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()))
        };
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
            profiles: Default::default(),
        };
        // Ready when it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A new browser with its own empty profile (so its own cookies).
    pub(crate) async fn browser(&self, width: u32, height: u32) -> Client {
        self.browser_with(width, height, None, &[]).await
    }

    /// `phone`: emulate a phone's screen, `(width, height)` CSS pixels at 2x.
    /// `extra`: more Chromium arguments.
    pub(crate) async fn browser_with(
        &self,
        width: u32,
        height: u32,
        phone: Option<(u32, u32)>,
        extra: &[&str],
    ) -> Client {
        let profile = tempfile::tempdir().expect("profile dir");
        let args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-breakpad",
            "--disable-crash-reporter",
            "--hide-scrollbars",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .chain([
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ])
        .collect();
        self.profiles.lock().unwrap().push(profile);
        let mut chrome = Capabilities::new();
        chrome.insert(
            "binary".into(),
            self.chromium.to_string_lossy().to_string().into(),
        );
        chrome.insert("args".into(), args.into());
        if let Some((w, h)) = phone {
            let mut metrics = Capabilities::new();
            metrics.insert("width".into(), w.into());
            metrics.insert("height".into(), h.into());
            metrics.insert("pixelRatio".into(), 2.into());
            metrics.insert("mobile".into(), true.into());
            metrics.insert("touch".into(), true.into());
            let mut emulation = Capabilities::new();
            emulation.insert("deviceMetrics".into(), metrics.into());
            chrome.insert("mobileEmulation".into(), emulation.into());
        }
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert("goog:chromeOptions".into(), chrome.into());
        let builder = ClientBuilder::rustls();
        let client = builder
            .expect("rustls for the WebDriver client (needs the system's CA certificates)")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start chromium: {e}"));
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative id names the group: chromedriver and every browser it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Let the killed browsers go before their profiles are removed.
        std::thread::sleep(Duration::from_millis(300));
    }
}

// ---------------------------------------------------------------------------
// page helpers
// ---------------------------------------------------------------------------

/// A JavaScript string literal for `s` (test texts are plain ASCII).
pub(crate) fn js_str(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Runs `script` (a function body: `return ...`) in the page; `None` on error.
pub(crate) async fn try_js(c: &Client, script: &str) -> Option<String> {
    c.execute(script, vec![]).await.ok().map(|v| v.to_string())
}

pub(crate) async fn js(c: &Client, script: &str) -> String {
    match c.execute(script, vec![]).await {
        Ok(v) => v.to_string(),
        Err(e) => panic!("script failed: {e}\n{script}"),
    }
}

async fn js_i64(c: &Client, script: &str) -> i64 {
    let v = js(c, script).await;
    v.parse()
        .unwrap_or_else(|_| panic!("a number from {script}, got {v}"))
}

/// Polls `script` until it returns `true`; panics with `what` and the last value of `show`.
pub(crate) async fn wait_until(c: &Client, what: &str, script: &str, show: &str) {
    let deadline = Instant::now() + LIVE_TIMEOUT;
    loop {
        if try_js(c, script).await.as_deref() == Some("true") {
            return;
        }
        if Instant::now() > deadline {
            let seen = try_js(c, show).await;
            let log = try_js(c, "return window.__log || null").await;
            panic!(
                "timed out after {LIVE_TIMEOUT:?} waiting for: {what}\n\
                 seen: {seen:?}\nbrowser log: {log:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records, in the page, the socket's messages and any htmx or script error,
/// and sets `window.__marker` (which a reload would lose).
pub(crate) const INSTRUMENT: &str = r#"
    window.__marker = 42;
    window.__ws = [];
    window.__log = [];
    const live = document.querySelector('#live');
    document.addEventListener('htmx:ws:after:message:incoming', e => {
        const d = e.detail && e.detail.message && e.detail.message.data;
        window.__ws.push(typeof d === 'string' ? d : String(d));
    });
    for (const name of ['htmx:error', 'htmx:response:error', 'htmx:ws:error', 'htmx:ws:close',
                        'htmx:ws:after:connection']) {
        document.addEventListener(name, e => {
            const d = e.detail || {};
            window.__log.push(name + ' ' + (d.code ?? '') + ' ' + (d.reason ?? '') + ' ' +
                String(d.error ?? '').slice(0, 200));
        });
    }
    window.__requests = 0;
    document.addEventListener('htmx:finally:request', () => window.__requests++);
    window.addEventListener('error', e => window.__log.push('error ' + e.message));
    document.addEventListener('securitypolicyviolation',
        e => window.__log.push('csp ' + e.violatedDirective + ' ' + e.blockedURI));
    return true;
"#;

pub(crate) const SOCKET_OPEN: &str =
    "return document.querySelector('#live')?._htmx?.ws?.connection?.socket?.readyState === 1";

/// What became of the page's socket, for a failure message.
pub(crate) const SOCKET_STATE: &str = r#"
    const l = document.querySelector('#live');
    if (typeof htmx === 'undefined') return 'htmx is not loaded';
    if (!l._htmx) return 'htmx never processed #live: it initialised before the hx-ws extension '
        + 'was registered (htmx 4 initialises on a setTimeout when document.readyState is not '
        + '"loading", which is the case while `defer` scripts run)';
    const c = l._htmx.ws && l._htmx.ws.connection;
    if (!c) return 'no connection on #live: ' + JSON.stringify(l._htmx);
    return 'socket readyState ' + (c.socket && c.socket.readyState);
"#;

/// Opens `path` and waits for its live socket to be open.
pub(crate) async fn open_live(c: &Client, app: &App, path: &str) {
    c.goto(&app.url(path)).await.expect("page loads");
    assert_eq!(js(c, INSTRUMENT).await, "true");
    let live = js(
        c,
        "return document.querySelector('#live')?.getAttribute('hx-ws:connect') ?? null",
    )
    .await;
    assert!(
        live.contains("/_ws?view="),
        "{path} has a #live socket element, got {live}"
    );
    wait_until(
        c,
        &format!("the live socket of {path} to open"),
        SOCKET_OPEN,
        SOCKET_STATE,
    )
    .await;
}

/// Logs in through the real /login form.
pub(crate) async fn log_in(c: &Client, app: &App, username: &str, password: &str) {
    c.goto(&app.url("/login")).await.expect("login page");
    c.find(Locator::Css("#login-form input[name=username]"))
        .await
        .expect("username field")
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("#login-form input[name=password]"))
        .await
        .expect("password field")
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .expect("login button")
        .click()
        .await
        .unwrap();
    wait_until(
        c,
        &format!("{username} to be logged in"),
        &format!(
            "return location.pathname !== '/login' && \
             document.querySelector('header .who strong')?.textContent === {}",
            js_str(username)
        ),
        "return location.href + ' ' + (document.querySelector('header')?.innerText ?? '')",
    )
    .await;
}

/// How many `#messages` articles have id `message-{id}`.
fn count_message(id: i64) -> String {
    format!("return document.querySelectorAll('#messages article[id=\"message-{id}\"]').length")
}

/// The ids of `#messages` articles whose body contains `text`.
fn messages_with(text: &str) -> String {
    format!(
        "return [...document.querySelectorAll('#messages article')]\
           .filter(a => a.textContent.includes({})).map(a => a.id).join(',')",
        js_str(text)
    )
}

const MESSAGE_IDS: &str =
    "return [...document.querySelectorAll('#messages article')].map(a => a.id).join(',')";
pub(crate) const TOPIC_IDS: &str = "return [...document.querySelectorAll('#topics > li[id^=\"topic-\"]')].map(a => a.id).join(',')";

pub(crate) fn topic_order(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("topic-{id}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Waits until the forum page in `c` lists its topics as `order`.
pub(crate) async fn wait_topic_order(c: &Client, what: &str, order: &[i64]) {
    let script = format!("{TOPIC_IDS} === '{}'", topic_order(order));
    wait_until(c, what, &script, TOPIC_IDS).await;
}

/// Waits for message `id` in the page, then checks it is there once, that the
/// messages are in id order, and that no reload happened.
async fn sees_message_once(c: &Client, who: &str, id: i64) {
    wait_until(
        c,
        &format!("message {id} to appear in {who}'s page"),
        &format!("{} >= 1", count_message(id)),
        MESSAGE_IDS,
    )
    .await;
    // Let anything else in flight land before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        js_i64(c, &count_message(id)).await,
        1,
        "message {id} exactly once in {who}'s page: {}",
        js(c, MESSAGE_IDS).await
    );
    let ids: Vec<i64> = js(c, MESSAGE_IDS)
        .await
        .trim_matches('"')
        .split(',')
        .filter_map(|s| s.strip_prefix("message-")?.parse().ok())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "{who}'s messages in order, once each");
    // Its date, like every date on the page, reads in the reader's words and
    // time zone (the server's UTC text is only for pages without scripts).
    let date = js(
        c,
        &format!(
            "const t = document.querySelector('#message-{id} time[datetime]'); \
             return t ? t.textContent + '|' + (t.title ? 'titled' : 'untitled') : null"
        ),
    )
    .await;
    assert!(
        date == "\"just now|titled\"" || date.ends_with(" min ago|titled\""),
        "message {id}'s date in {who}'s page: {date}"
    );
    dates_are_local(c, who).await;
    assert_eq!(
        js(c, "return window.__marker ?? null").await,
        "42",
        "{who}'s page was not reloaded"
    );
}

/// Clicks "Post reply".
pub(crate) async fn click_reply(c: &Client) {
    c.find(Locator::Css("#reply-form button.primary[type=submit]"))
        .await
        .expect("reply button")
        .click()
        .await
        .unwrap();
}

/// Sets the reply field to the JavaScript expression `value` and clicks "Post reply".
async fn set_reply_and_send(c: &Client, value: &str) {
    let set = format!(
        "document.querySelector('#reply-form textarea[name=body]').value = {value}; return true"
    );
    assert_eq!(js(c, &set).await, "true");
    click_reply(c).await;
}

/// No date in the page still shows the server's UTC text: the page's own
/// and those a swap or a morph brought in were rewritten for the reader.
async fn dates_are_local(c: &Client, who: &str) {
    let utc_left = js(
        c,
        "return [...document.querySelectorAll('time[datetime]')]\
           .filter(t => t.textContent.endsWith(' UTC')).length",
    )
    .await;
    assert_eq!(utc_left, "0", "every date in {who}'s page is local");
}

pub(crate) async fn no_errors(c: &Client, who: &str) {
    let log = js(
        c,
        "return (window.__log || []).filter(l => !l.startsWith('htmx:ws:after:connection') && !l.startsWith('htmx:ws:close')).join('\\n')",
    )
    .await;
    assert_eq!(log, "\"\"", "no htmx or script error in {who}'s page");
}

// ---------------------------------------------------------------------------
// the live test
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_in_real_browsers() {
    let started = Instant::now();
    let driver = Driver::start().await;
    let app = App::start().await;

    let admin = app.admin().await;
    let forum = app.create_forum(&admin, "General").await;
    app.create_forum(&admin, "Elsewhere").await;
    let _alice = app.member("alice").await;
    let _bob = app.member("bob").await;
    let carol = app.member("carol").await;
    // The topic replied to is the oldest: last on the forum page at first.
    let t1 = app
        .create_topic(&carol, forum, "First topic", "Opening message")
        .await;
    let earlier = app.reply(&carol, t1, "An earlier reply").await;
    let t2 = app
        .create_topic(&carol, forum, "Second topic", "Another one")
        .await;
    let t3 = app
        .create_topic(&carol, forum, "Third topic", "And a third")
        .await;

    // Three browsers, started together: A (alice) and B (bob) on the topic,
    // C (a visitor) on the forum page.
    let (a, b, c) = tokio::join!(
        driver.browser(1200, 900),
        driver.browser(1200, 900),
        driver.browser(1200, 900)
    );
    let forum_page = format!("/forums/{forum}");
    // Each browser's very first page, its cache empty, is a live page: its
    // socket must open (the scripts must be ready before htmx initialises).
    tokio::join!(
        open_live(&a, &app, "/"),
        open_live(&b, &app, "/"),
        open_live(&c, &app, &forum_page)
    );
    tokio::join!(
        log_in(&a, &app, "alice", PASSWORD),
        log_in(&b, &app, "bob", PASSWORD)
    );
    let topic = format!("/topics/{t1}");
    tokio::join!(open_live(&a, &app, &topic), open_live(&b, &app, &topic));
    assert_eq!(
        js(&c, TOPIC_IDS).await.trim_matches('"'),
        topic_order(&[t3, t2, t1]),
        "the forum page before any reply: most recent first"
    );

    // B starts typing a reply of their own, and keeps the field focused.
    let draft = "Bob's draft, typed but not sent";
    let b_field = b
        .find(Locator::Css("#reply-form textarea[name=body]"))
        .await
        .expect("B's reply field");
    b_field.send_keys(draft).await.unwrap();
    js(
        &b,
        "document.querySelector('#reply-form textarea').__mine = true; return true",
    )
    .await;
    let b_keeps_draft = format!(
        "const t = document.querySelector('#reply-form textarea[name=body]');          return !!t && t.__mine === true && t.value === {} && document.activeElement === t",
        js_str(draft)
    );
    assert_eq!(js(&b, &b_keeps_draft).await, "true", "B's draft typed");

    // A types a reply and clicks "Post reply": htmx posts it.
    let text = "Hello from Alice, in a real browser";
    a.find(Locator::Css("#reply-form textarea[name=body]"))
        .await
        .expect("A's reply field")
        .send_keys(text)
        .await
        .unwrap();
    click_reply(&a).await;
    wait_until(
        &a,
        "A's reply to show in A's page",
        &format!("{} !== ''", messages_with(text)),
        MESSAGE_IDS,
    )
    .await;
    let found = js(&a, &messages_with(text)).await;
    let new_id = id_after(&found, "message-");
    assert_eq!(
        found.trim_matches('"'),
        format!("message-{new_id}"),
        "A's reply once in A's page"
    );
    assert!(new_id > earlier);
    // B sees it without reload, once, in order, last; B's draft is untouched.
    sees_message_once(&b, "B", new_id).await;
    assert!(
        js(&b, MESSAGE_IDS)
            .await
            .trim_matches('"')
            .ends_with(&format!("message-{new_id}")),
        "A's reply is the last message in B's page"
    );
    assert_eq!(
        js(&b, &b_keeps_draft).await,
        "true",
        "B's draft survives A's message: {}",
        js(
            &b,
            "return document.querySelector('#reply-form textarea')?.value ?? 'no field'"
        )
        .await
    );
    // A's page got it from the POST response and from the socket: still once.
    wait_until(
        &a,
        "A's POST to finish",
        "return window.__requests >= 1",
        "return window.__requests",
    )
    .await;
    wait_until(
        &a,
        "A's socket to deliver A's own message too",
        &format!("return window.__ws.some(m => m.includes('id=\"message-{new_id}\"'))"),
        "return window.__ws",
    )
    .await;
    sees_message_once(&a, "A", new_id).await;
    assert_eq!(
        js(
            &a,
            "return document.querySelector('#reply-form textarea[name=body]')?.value ?? null"
        )
        .await,
        "\"\"",
        "A's reply form is empty again after posting"
    );
    // C, on the forum page, sees the topic move to the top with its new count.
    wait_topic_order(
        &c,
        "the replied-to topic to move to the top of the forum page",
        &[t1, t3, t2],
    )
    .await;
    wait_until(
        &c,
        "the topic's reply count to update",
        &format!(
            "return document.querySelector('#topic-{t1}')?.textContent.includes('2 replies') === true"
        ),
        &format!("return document.querySelector('#topic-{t1}')?.textContent"),
    )
    .await;
    dates_are_local(&c, "C").await;
    // Older dates, added the way a swap adds them, read as such.
    js(
        &c,
        "for (const [id, when] of [['five-min', Date.now() - 305e3], ['old', '2020-06-15T12:00:00Z']]) {\
           const t = document.createElement('time');\
           t.id = id; t.setAttribute('datetime', new Date(when).toISOString());\
           t.textContent = 'server text UTC'; document.body.append(t);\
         } return true",
    )
    .await;
    wait_until(
        &c,
        "added dates to read '5 min ago' and a date with its year",
        "return document.getElementById('five-min').textContent === '5 min ago' &&\
           document.getElementById('old').textContent.includes('2020')",
        "return document.getElementById('five-min').textContent + ' | ' +\
           document.getElementById('old').textContent",
    )
    .await;
    assert_eq!(
        js(&c, "return window.__marker").await,
        "42",
        "C not reloaded"
    );

    // A reply over plain HTTP, from another client, reaches A and B.
    let plain = app.reply(&carol, t1, "Carol, over plain HTTP").await;
    sees_message_once(&b, "B", plain).await;
    sees_message_once(&a, "A", plain).await;
    assert_eq!(js(&b, &b_keeps_draft).await, "true", "B's draft survives");
    // And a reply to another topic moves that one to the top.
    app.reply(&carol, t2, "Carol bumps the second topic").await;
    wait_topic_order(&c, "the second topic to move to the top", &[t2, t1, t3]).await;

    // Catch-up: B's tab goes to the background (the socket extension closes its
    // socket), misses a reply, and on coming back reconnects and catches up.
    js(
        &b,
        "window.__hidden = false;          Object.defineProperty(document, 'hidden', {configurable: true, get: () => window.__hidden});          Object.defineProperty(document, 'visibilityState', {configurable: true,              get: () => window.__hidden ? 'hidden' : 'visible'});          window.__hidden = true; document.dispatchEvent(new Event('visibilitychange')); return true",
    )
    .await;
    wait_until(
        &b,
        "B's socket to close while hidden",
        "return document.querySelector('#live')._htmx.ws.connection.socket.readyState === 3",
        "return document.querySelector('#live')._htmx.ws.connection.socket.readyState",
    )
    .await;
    let missed = app.reply(&carol, t1, "Carol, while Bob was away").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        js_i64(&b, &count_message(missed)).await,
        0,
        "with its socket closed, B cannot have received message {missed}"
    );
    js(
        &b,
        "window.__hidden = false; document.dispatchEvent(new Event('visibilitychange')); return true",
    )
    .await;
    sees_message_once(&b, "B (after reconnecting)", missed).await;
    assert_eq!(
        js(&b, &b_keeps_draft).await,
        "true",
        "B's draft survives the catch-up"
    );
    sees_message_once(&a, "A", missed).await;
    let all = js(&b, MESSAGE_IDS).await;
    assert_eq!(
        all,
        js(&a, MESSAGE_IDS).await,
        "A and B show the same messages"
    );

    // B's draft survives leaving the page: opened again, the form holds it.
    open_live(&b, &app, &topic).await;
    let b_reply = "return document.querySelector('#reply-form textarea[name=body]').value";
    assert_eq!(
        js(&b, b_reply).await,
        format!("{draft:?}"),
        "B's draft is back after the page was opened again"
    );
    // Sent and accepted, it is forgotten: opened again, the form is empty.
    click_reply(&b).await;
    wait_until(
        &b,
        "B's draft to be posted",
        &format!("{} !== ''", messages_with(draft)),
        MESSAGE_IDS,
    )
    .await;
    open_live(&b, &app, &topic).await;
    assert_eq!(js(&b, b_reply).await, "\"\"", "the sent draft is gone");

    for (page, who) in [(&a, "A"), (&b, "B"), (&c, "C")] {
        no_errors(page, who).await;
    }

    // Failures keep what was typed. 20,000 emoji are within the character
    // limit but 80 KB: the server's notice appears and the form is untouched.
    let reply_value =
        "return document.querySelector('#reply-form textarea[name=body]')?.value ?? null";
    let flash_text = "return document.querySelector('#flash')?.textContent ?? null";
    set_reply_and_send(&a, "'\u{1F600}'.repeat(20000)").await;
    wait_until(
        &a,
        "the 'too large' notice in A's page",
        "return document.querySelector('#flash')?.textContent.includes('Too large') === true",
        flash_text,
    )
    .await;
    assert_eq!(
        js(
            &a,
            "return document.querySelector('#reply-form textarea[name=body]').value.length"
        )
        .await,
        "40000",
        "A's text is still in the form (20,000 emoji are 40,000 UTF-16 units)"
    );
    assert_eq!(
        js_i64(
            &a,
            "return document.querySelectorAll('header.site, #reply-form').length"
        )
        .await,
        2,
        "one header and one reply form: no error page was swapped into A's page"
    );
    // 20,000 Chinese characters fit (the form is sent as multipart, 60 KB):
    // posted, shown once to both, and the notice goes.
    set_reply_and_send(&a, "'\u{6F22}'.repeat(20000)").await;
    let long_text = "\u{6F22}".repeat(50);
    wait_until(
        &a,
        "A's long reply to show",
        &format!("{} !== ''", messages_with(&long_text)),
        MESSAGE_IDS,
    )
    .await;
    let long = id_after(&js(&a, &messages_with(&long_text)).await, "message-");
    sees_message_once(&b, "B", long).await;
    wait_until(
        &a,
        "A's notice to go",
        "return document.querySelector('#flash').textContent === ''",
        flash_text,
    )
    .await;
    // Logging out forgets this browser's drafts (a shared computer).
    js(
        &b,
        "const t = document.querySelector('#reply-form textarea[name=body]');\
         t.value = 'a private thought'; t.dispatchEvent(new Event('input', {bubbles: true}));\
         return true",
    )
    .await;
    let drafts =
        "return Object.keys(localStorage).filter(k => k.startsWith('causerie:draft:')).length";
    assert_eq!(js_i64(&b, drafts).await, 1, "B's draft is saved");
    b.find(Locator::Css("header form[action='/logout'] button"))
        .await
        .expect("B's log out button")
        .click()
        .await
        .unwrap();
    wait_until(
        &b,
        "B to be logged out",
        "return !document.querySelector('header .who') && location.pathname === '/'",
        "return location.href",
    )
    .await;
    assert_eq!(
        js_i64(&b, drafts).await,
        0,
        "no draft is left after logging out"
    );

    // With the server gone, the reader is told, and the text is kept.
    let _ = app.stop().await;
    let offline = "Sent while the server is down";
    set_reply_and_send(&a, &js_str(offline)).await;
    wait_until(
        &a,
        "the 'could not be reached' notice in A's page",
        "return document.querySelector('#flash')?.textContent.includes('could not be reached') === true",
        flash_text,
    )
    .await;
    assert_eq!(
        js(&a, reply_value).await,
        format!("{offline:?}"),
        "A's text is kept"
    );

    for page in [a, b, c] {
        let _ = page.close().await;
    }
    drop(driver);
    eprintln!("browser test took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------
// avatars through the real form
// ---------------------------------------------------------------------------

/// Picks `file` in the account page's file input and sends the form.
async fn upload_through_form(c: &Client, app: &App, file: &std::path::Path) {
    c.goto(&app.url("/account")).await.expect("account page");
    c.find(Locator::Css("#avatar input[type=file]"))
        .await
        .expect("the file input")
        .send_keys(&file.to_string_lossy())
        .await
        .expect("a file picked");
    c.find(Locator::Css("#avatar button[type=submit]"))
        .await
        .expect("the upload button")
        .click()
        .await
        .unwrap();
}

/// Whether the header's picture is an uploaded one, loaded.
const HEADER_PICTURE_LOADED: &str = r#"
    const img = document.querySelector('header.site img.avatar');
    return !!img && /\/avatars\/[0-9a-f]{32}-48\.png$/.test(img.getAttribute('src'))
        && img.complete && img.naturalWidth === 48;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avatar_uploaded_through_the_real_form() {
    let driver = Driver::start().await;
    let app = App::start().await;
    app.member("alice").await;
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("photo.jpg");
    std::fs::write(
        &photo,
        crate::avatars::picture(image::ImageFormat::Jpeg, 640, 480, [200, 120, 40]),
    )
    .unwrap();
    let text = files.path().join("notes.png");
    std::fs::write(&text, "not a picture at all").unwrap();

    let c = driver.browser(1280, 900).await;
    log_in(&c, &app, "alice", PASSWORD).await;
    // The drawn default, before any upload.
    let src = js(
        &c,
        "return document.querySelector('header.site img.avatar').getAttribute('src')",
    )
    .await;
    assert_eq!(src, "\"/avatars/default/alice.svg\"");
    wait_until(
        &c,
        "the default picture to load",
        "const i = document.querySelector('header.site img.avatar'); return i.complete && i.naturalWidth > 0",
        "return document.querySelector('header.site').innerHTML",
    )
    .await;

    upload_through_form(&c, &app, &photo).await;
    wait_until(
        &c,
        "the uploaded picture in the header",
        HEADER_PICTURE_LOADED,
        "return location.href + ' ' + document.querySelector('header.site').innerHTML",
    )
    .await;
    let said = js(&c, "return document.querySelector('#avatar').innerText").await;
    assert!(said.contains("Your picture was changed."), "{said}");

    // Not a picture: the page says so, and the picture stays.
    upload_through_form(&c, &app, &text).await;
    wait_until(
        &c,
        "the refusal",
        "return (document.querySelector('#avatar .error')?.innerText ?? '').includes('not a picture')",
        "return document.body.innerText",
    )
    .await;
    assert_eq!(js(&c, HEADER_PICTURE_LOADED).await, "true");
    no_errors_in_console(&c).await;
    let _ = c.close().await;
}

/// No script error or CSP refusal so far on the page.
async fn no_errors_in_console(c: &Client) {
    let log = js(c, "return JSON.stringify(window.__log || [])").await;
    assert!(!log.contains("csp") && !log.contains("error "), "{log}");
}

// ---------------------------------------------------------------------------
// screenshots for the docs
// ---------------------------------------------------------------------------

/// Saves a full-page PNG of what `c` shows, `width` CSS pixels wide.
pub(crate) async fn shoot(c: &Client, width: u32, file: &str) {
    // Size the window so that the viewport is `width` wide and holds the whole page.
    c.set_window_size(width, 800).await.unwrap();
    let chrome_w = js_i64(c, "return window.outerWidth - window.innerWidth").await;
    let chrome_h = js_i64(c, "return window.outerHeight - window.innerHeight").await;
    let w = width + chrome_w.max(0) as u32;
    c.set_window_size(w, 800).await.unwrap();
    let height = js_i64(c, "return document.documentElement.scrollHeight").await;
    c.set_window_size(w, (height.clamp(400, 4000) + chrome_h.max(0)) as u32)
        .await
        .unwrap();
    js(c, "window.scrollTo(0, 0); return true").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let inner = js_i64(c, "return window.innerWidth").await;
    assert_eq!(inner, width as i64, "viewport width for {file}");
    save_png(c, file).await;
}

pub(crate) async fn save_png(c: &Client, file: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, png).unwrap();
    eprintln!("wrote {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/*.png: cargo test --test it screenshots -- --ignored"]
async fn screenshots() {
    let driver = Driver::start().await;
    let app = App::start().await;
    let admin = app.admin().await;
    let general = app
        .create_forum_with(
            &admin,
            "General",
            "Anything that fits nowhere else: introductions, news and off-topic chat.",
        )
        .await;
    app.create_forum_with(
        &admin,
        "Help & support",
        "Stuck with something? Ask here, and say what you already tried.",
    )
    .await;
    let alice = app.member("alice").await;
    let bob = app.member("bob_the_builder").await;
    let carol = app.member("carol.k").await;
    let welcome = app
        .create_topic(
            &admin,
            general,
            "Welcome to causerie!",
            "Hello everyone, and welcome.\n\nPlease introduce yourselves in this topic.",
        )
        .await;
    let meetup = app
        .create_topic(
            &alice,
            general,
            "Weekly meetup: Thursday at 18:00 in the library",
            "Same place as usual. Bring your laptop.",
        )
        .await;
    let long = app.create_topic(
        &bob,
        general,
        "A rather long topic title, to see how the list copes with titles that go on and on for a while",
        "Long titles happen.",
    )
    .await;
    app.create_topic(
        &carol,
        general,
        "Unbroken: https://example.org/a/very/long/path/without/any/spaces/that/could/overflow/its/box",
        "And <b>markup</b> must show as text.",
    )
    .await;
    app.reply(&alice, meetup, "I'll be there, a bit late.")
        .await;
    let welcome_first = ids(
        &app.get_text(&admin, &format!("/topics/{welcome}")).await.1,
        "message-",
    )[0];
    app.reply(
        &bob,
        welcome,
        &format!(
            "> **admin** [wrote](/messages/{welcome_first}):\n\
             > Please introduce yourselves in this topic.\n\n\
             Hi! I'm **Bob**. I build things, and I run this forum at home:\n\n\
             ```\nCAUSERIE_ADMIN_PASSWORD=... docker compose up\n```\n\n\
             The password counts on the *first* start only; `admin` is the account."
        ),
    )
    .await;
    app.reply(
        &carol,
        welcome,
        "Hello from Carol.\nI like:\n- long walks\n- short messages\n\nSee https://example.org/a/very/long/path/without/any/spaces/that/could/overflow/its/box/and/keeps/going/on/and/on",
    )
    .await;
    app.reply(
        &alice,
        welcome,
        "Welcome both! <script>alert('nope')</script> should show as text.",
    )
    .await;
    app.reply(&admin, welcome, "Thanks all. Remember to be kind.")
        .await;

    // Pictures: alice and bob uploaded one; carol and the admin keep the drawn default.
    for (c, from, to) in [
        (&alice, [250, 190, 90], [190, 60, 90]),
        (&bob, [90, 200, 230], [40, 60, 160]),
    ] {
        let (status, _) = crate::avatars::upload(
            &app,
            c,
            crate::avatars::gradient(200, 160, from, to),
            "me.png",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    }

    let (member, admin_b, visitor) = tokio::join!(
        driver.browser(1280, 900),
        driver.browser(1280, 900),
        driver.browser(1280, 900)
    );
    tokio::join!(
        log_in(&member, &app, "alice", PASSWORD),
        log_in(&admin_b, &app, "admin", ADMIN_PASSWORD)
    );

    member.goto(&app.url("/")).await.unwrap();
    shoot(&member, 1280, "home.png").await;
    member
        .goto(&app.url(&format!("/forums/{general}")))
        .await
        .unwrap();
    shoot(&member, 1280, "forum.png").await;
    member
        .goto(&app.url(&format!("/topics/{welcome}")))
        .await
        .unwrap();
    shoot(&member, 1280, "topic.png").await;
    // A reply being written, with its preview (Markdown, a quote, code).
    member
        .find(Locator::Css("#reply-form textarea[name=body]"))
        .await
        .expect("reply field")
        .send_keys(
            "## Thanks, Bob\n\nTwo things:\n\n1. *Quote* puts the message here\n\
             2. `Preview` shows this\n\nSee https://example.org/docs",
        )
        .await
        .unwrap();
    member
        .find(Locator::Css("#reply-form button[name=preview]"))
        .await
        .expect("preview button")
        .click()
        .await
        .unwrap();
    wait_until(
        &member,
        "the preview",
        "return !!document.querySelector('#reply-form-preview h5')",
        "return document.querySelector('#reply-form')?.outerHTML",
    )
    .await;
    shoot(&member, 1280, "topic-preview.png").await;
    member.goto(&app.url("/users/alice")).await.unwrap();
    shoot(&member, 1280, "profile.png").await;
    member.goto(&app.url("/account")).await.unwrap();
    shoot(&member, 1280, "account.png").await;
    admin_b.goto(&app.url("/admin")).await.unwrap();
    shoot(&admin_b, 1280, "admin.png").await;
    visitor.goto(&app.url("/login")).await.unwrap();
    shoot(&visitor, 1280, "login.png").await;

    // A phone (390 CSS pixels wide): its screen at the top of the topic, then at the end.
    let phone = driver.browser_with(500, 900, Some((390, 844)), &[]).await;
    log_in(&phone, &app, "alice", PASSWORD).await;
    phone
        .goto(&app.url(&format!("/topics/{welcome}")))
        .await
        .unwrap();
    assert_eq!(js_i64(&phone, "return window.innerWidth").await, 390);
    save_png(&phone, "topic-phone.png").await;
    js(
        &phone,
        "window.scrollTo(0, document.documentElement.scrollHeight); return true",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    save_png(&phone, "topic-phone-end.png").await;
    let overflow = js_i64(
        &phone,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )
    .await;
    eprintln!("phone topic page: {overflow} px of horizontal overflow");

    // The same topic with the system in dark mode.
    let dark = driver
        .browser_with(
            1280,
            900,
            None,
            &["--blink-settings=preferredColorScheme=0"],
        )
        .await;
    log_in(&dark, &app, "alice", PASSWORD).await;
    dark.goto(&app.url(&format!("/topics/{welcome}")))
        .await
        .unwrap();
    assert_eq!(
        js(
            &dark,
            "return matchMedia('(prefers-color-scheme: dark)').matches"
        )
        .await,
        "true"
    );
    shoot(&dark, 1280, "topic-dark.png").await;

    // What alice has not read: she reads the long topic and leaves the
    // welcome (a message delivered to an open page is read), then others
    // reply in two topics; the forum page shows her "N new" beside them.
    for b in [&phone, &dark] {
        b.goto(&app.url("/")).await.unwrap();
    }
    member
        .goto(&app.url(&format!("/topics/{long}")))
        .await
        .unwrap();
    app.reply(&bob, welcome, "Bob again: the meetup room changed.")
        .await;
    app.reply(&carol, welcome, "Thanks Bob!").await;
    app.reply(&carol, meetup, "Count me in.").await;
    member
        .goto(&app.url(&format!("/forums/{general}")))
        .await
        .unwrap();
    shoot(&member, 1280, "unread.png").await;
    phone
        .goto(&app.url(&format!("/forums/{general}")))
        .await
        .unwrap();
    save_png(&phone, "unread-phone.png").await;

    for b in [member, admin_b, visitor, phone, dark] {
        let _ = b.close().await;
    }
}
