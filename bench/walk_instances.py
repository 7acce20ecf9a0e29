#!/usr/bin/env python3
"""Walk the three-instance forum as two new users would, in real headless Chromium.

    cargo build --release
    python3 bench/walk_instances.py [--shots docs] [--keep-logs DIR]

Starts a throwaway PostgreSQL (tests/pg.sh), three instances of
target/release/causerie on 127.0.0.1:8201-8203 sharing it, and three
browsers: the admin (instance 1), marie (instance 2, French browser) and
john (instance 3). Then:

 1. admin logs in and creates a forum;
 2. marie and john register, each in their own browser;
 3. marie opens a topic, john watches it on instance 3; marie's reply
    appears live on john's page, john's @marie reply live on marie's, with
    her bell rising; each page holds every message once, in order;
 4. john's forum page (instance 3) moves the topic to the top live;
 5. instance 2 is SIGKILLed under marie's open page; john posts twice on
    instance 3; instance 2 is started again; marie's page catches up by
    itself (timed); marie opens the topic on instance 1 in a new tab;
 6. bad input: an empty reply, a 70 KB reply, a <script> title;
 7. no unexpected error in any browser console.

Everything it started is stopped at the end, also on failure. Exits 1 when
a check fails. Instance logs: DIR/instance-N.log (default /tmp/walk-logs).
"""

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "causerie")
PORTS = [8201, 8202, 8203]
LIVE = 10.0  # seconds a live update may take
CATCH_UP = 60.0  # seconds marie's page may take to catch up after a restart

results = []  # (step, ok, detail)
failed = False


def check(step, ok, detail):
    global failed
    results.append((step, bool(ok), detail))
    print(("  ok    " if ok else "  FAIL  ") + f"[{step}] {detail}", flush=True)
    if not ok:
        failed = True
    return ok


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


# ---------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------


class Servers:
    def __init__(self, logdir):
        self.logdir = logdir
        self.pgdir = f"/tmp/walk-pg-{os.getpid()}"
        self.url = None
        self.procs = {}
        self.password = secrets.token_urlsafe(24)

    def start_pg(self):
        out = subprocess.run(["bash", os.path.join(ROOT, "tests/pg.sh"), "start", self.pgdir],
                             check=True, capture_output=True, text=True)
        self.url = out.stdout.strip().splitlines()[-1]
        log(f"PostgreSQL at {self.url}")

    def start(self, n, append=False):
        port = PORTS[n - 1]
        env = dict(os.environ, CAUSERIE_DB=self.url, CAUSERIE_ADDR=f"127.0.0.1:{port}",
                   CAUSERIE_ADMIN_PASSWORD=self.password, RUST_LOG="info")
        f = open(os.path.join(self.logdir, f"instance-{n}.log"), "a" if append else "w")
        p = subprocess.Popen([BIN], env=env, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT,
                             start_new_session=True)
        self.procs[n] = p
        t0 = time.time()
        while time.time() - t0 < 30:
            if p.poll() is not None:
                raise RuntimeError(f"instance {n} exited with {p.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        log(f"instance {n} (pid {p.pid}) up on :{port} in {time.time() - t0:.2f}s")
                        return time.time()
            except Exception:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"instance {n} not healthy after 30 s")

    def kill(self, n, sig=signal.SIGKILL):
        p = self.procs.get(n)
        if p and p.poll() is None:
            os.kill(p.pid, sig)
            p.wait(10)

    def stop_all(self):
        for n in list(self.procs):
            try:
                self.kill(n, signal.SIGTERM)
            except Exception:
                self.kill(n, signal.SIGKILL)
        if self.url:
            subprocess.run(["bash", os.path.join(ROOT, "tests/pg.sh"), "stop", self.pgdir])
            log("PostgreSQL stopped")


# ---------------------------------------------------------------------------
# browsers
# ---------------------------------------------------------------------------

INSTRUMENT = r"""
    window.__marker = 42;
    window.__log = [];
    for (const name of ['htmx:error', 'htmx:ws:error', 'htmx:ws:close', 'htmx:ws:after:connection']) {
        document.addEventListener(name, e => {
            const d = e.detail || {};
            window.__log.push([Date.now(), name, d.code ?? '', String(d.error ?? '').slice(0, 200)].join(' '));
        });
    }
    window.addEventListener('error', e => window.__log.push('error ' + e.message));
    return true;
"""
SOCKET_OPEN = "return document.querySelector('#live')?._htmx?.ws?.connection?.socket?.readyState === 1"
MESSAGE_IDS = "return [...document.querySelectorAll('#messages [id^=message-]')].map(e => +e.id.slice(8))"
BELL = ("const b = document.getElementById('bell'); if (!b) return 'no bell';"
        "return (b.querySelector('.bell-count')?.textContent ?? '') + '|' + b.getAttribute('aria-label');")

profiles = []


def browser(name, lang=None):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    profile = f"/tmp/walk-chrome-{name}-{os.getpid()}"
    profiles.append(profile)
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={profile}", "--window-size=1100,900",
              # Background tabs keep their timers (john watches two tabs).
              "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
              "--disable-backgrounding-occluded-windows"]:
        opts.add_argument(a)
    if lang:
        opts.add_argument(f"--lang={lang}")
        opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))
    d.set_page_load_timeout(20)
    d.who = name
    d.console = []
    return d


def url(n, path):
    return f"http://127.0.0.1:{PORTS[n - 1]}{path}"


def js(d, script):
    return d.execute_script(script)


def wait(d, what, fn, timeout=LIVE, interval=0.05):
    """Polls fn() until truthy; returns (value, seconds) or (None, timeout)."""
    t0 = time.time()
    last = None
    while time.time() - t0 < timeout:
        try:
            last = fn()
            if last:
                return last, time.time() - t0
        except Exception as e:  # page navigating
            last = e
        time.sleep(interval)
    log(f"timed out waiting for {what} in {d.who}'s browser (last: {last!r})")
    return None, timeout


def drain_console(d):
    try:
        d.console.extend(d.get_log("browser"))
    except Exception:
        pass


def open_live(d, path_url):
    drain_console(d)
    d.get(path_url)
    js(d, INSTRUMENT)
    _, t = wait(d, f"socket of {path_url}", lambda: js(d, SOCKET_OPEN))
    return t


def fill(d, css, text):
    el = d.find_element(By.CSS_SELECTOR, css)
    el.clear()
    el.send_keys(text)


def set_value(d, css, text):
    d.execute_script(f"document.querySelector({css!r}).value = arguments[0]; return true;", text)


def logged_in_as(d, name):
    return js(d, "return document.querySelector('header .who strong')?.textContent ?? null") == name


def reply(d, text, by_value=False):
    if by_value:
        set_value(d, "#reply-form textarea[name=body]", text)
    else:
        fill(d, "#reply-form textarea[name=body]", text)
    d.find_element(By.CSS_SELECTOR, "#reply-form button.primary[type=submit]").click()


def message_texts(d):
    return js(d, "return [...document.querySelectorAll('#messages [id^=message-]')]"
                 ".map(e => e.id + ': ' + (e.querySelector('.body')?.innerText ?? e.innerText).trim().slice(0, 60))")


def once_in_order(d):
    ids = js(d, MESSAGE_IDS)
    return ids, len(ids) == len(set(ids)) and ids == sorted(ids)


def topic_rows(d):
    return js(d, "return [...document.querySelectorAll('#topics > li.topic')].map(e => e.id + ' | ' + "
                 "e.querySelector('h2').innerText.trim() + ' | ' + e.querySelector('.count').innerText.trim())")


def shoot(d, path, width=1000):
    d.set_window_size(width, 900)
    h = js(d, "return document.documentElement.scrollHeight")
    d.set_window_size(width, max(500, min(h + 140, 3000)))
    js(d, "window.scrollTo(0, 0); return true")
    time.sleep(0.3)
    d.save_screenshot(path)
    d.set_window_size(1100, 900)
    log(f"screenshot {path}")


def post_with_retry(d, do, ok, what, tries=4):
    """Posts with do(); when a member's rate limit answers, waits and retries."""
    for i in range(tries):
        do()
        v, t = wait(d, what, ok, timeout=8)
        if v:
            return v, t
        flash = js(d, "return document.getElementById('flash')?.innerText ?? ''") or ""
        errs = js(d, "return [...document.querySelectorAll('.error')].map(e => e.innerText).join(' / ')") or ""
        log(f"{what}: not yet (flash: {flash!r}, errors: {errs!r}); retrying in 7 s")
        time.sleep(7)
    return None, 0


# ---------------------------------------------------------------------------
# the walk
# ---------------------------------------------------------------------------


def walk(srv, shots):
    admin = browser("admin")
    marie = browser("marie", lang="fr")
    john = browser("john")
    drivers = [admin, marie, john]
    try:
        run(srv, shots, admin, marie, john)
    finally:
        for d in drivers:
            drain_console(d)
        console_report(drivers)
        for d in drivers:
            try:
                d.quit()
            except Exception:
                pass


def run(srv, shots, admin, marie, john):
    pw_m, pw_j = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    stamp = time.strftime("%H%M%S")

    # 1. admin logs in on instance 1 and creates a forum
    log("step 1: admin logs in on :8201, creates a forum")
    admin.get(url(1, "/login"))
    fill(admin, "#login-form input[name=username]", "admin")
    fill(admin, "#login-form input[name=password]", srv.password)
    admin.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    ok, _ = wait(admin, "admin logged in", lambda: logged_in_as(admin, "admin"))
    check("1", ok, "admin logged in on instance 1" if ok else "admin could not log in")
    admin.get(url(1, "/admin"))
    forum_name = f"Salon {stamp}"
    fill(admin, "#new-forum-form input[name=name]", forum_name)
    fill(admin, "#new-forum-form textarea[name=description]", "Où l'on parle de tout / talk about anything")
    admin.find_element(By.CSS_SELECTOR, "#new-forum-form button[type=submit]").click()
    time.sleep(0.5)
    admin.get(url(1, "/"))
    fid = js(admin, "for (const a of document.querySelectorAll('#forums a[href^=\"/forums/\"]'))"
                    f" if (a.textContent.trim() === {forum_name!r}) return +a.getAttribute('href').split('/')[2];"
                    " return null")
    check("1", fid, f"forum {forum_name!r} created, id {fid}, listed on instance 1's home")
    if not fid:
        raise RuntimeError("no forum")
    # and seen by the other instances (same database)
    for n in (2, 3):
        with urllib.request.urlopen(url(n, "/")) as r:
            body = r.read().decode()
        check("1", forum_name in body, f"instance {n}'s home lists the forum")

    # 2. marie (French browser) registers on instance 2, john on instance 3
    log("step 2: marie registers on :8202 (fr), john on :8203")
    for d, n, name, pw in ((marie, 2, "marie", pw_m), (john, 3, "john", pw_j)):
        d.get(url(n, "/register"))
        lang = js(d, "return document.documentElement.lang")
        fill(d, "#register-form input[name=username]", name)
        fill(d, "#register-form input[name=password]", pw)
        fill(d, "#register-form input[name=password_confirm]", pw)
        d.find_element(By.CSS_SELECTOR, "#register-form button[type=submit]").click()
        ok, t = wait(d, f"{name} registered", lambda: logged_in_as(d, name))
        check("2", ok, f"{name} registered on instance {n} (page lang={lang!r}), logged in after {t:.2f}s"
              if ok else f"{name} not logged in after registering: {d.current_url} "
              f"{js(d, 'return document.body.innerText.slice(0, 300)')!r}")
    mlang = js(marie, "return document.documentElement.lang")
    mnav = js(marie, "return document.querySelector('header').innerText.replace(/\\s+/g, ' ').slice(0, 120)")
    check("2", mlang == "fr", f"marie's pages are in French: lang={mlang!r}, header={mnav!r}")

    # 3. marie opens a topic; john watches it on instance 3
    log("step 3: marie opens a topic on :8202")
    marie.get(url(2, f"/forums/{fid}"))
    fill(marie, "#new-topic-form input[name=title]", "Apéro vendredi ?")
    fill(marie, "#new-topic-form textarea[name=body]", "Qui vient à l'apéro vendredi soir ?")
    marie.find_element(By.CSS_SELECTOR, "#new-topic-form button.primary[type=submit]").click()
    m, _ = wait(marie, "topic page", lambda: re.search(r"/topics/(\d+)", marie.current_url))
    check("3", m, f"marie's topic created, she is on {marie.current_url}")
    if not m:
        raise RuntimeError("no topic")
    tid = int(m.group(1))
    # an older-activity topic would be needed to see a move: the admin posts a
    # newer topic, so marie's is second on the forum page until she replies
    admin.get(url(1, f"/forums/{fid}"))
    fill(admin, "#new-topic-form input[name=title]", "Règles du salon / house rules")
    fill(admin, "#new-topic-form textarea[name=body]", "Be kind. Soyez aimables.")
    admin.find_element(By.CSS_SELECTOR, "#new-topic-form button.primary[type=submit]").click()
    m2, _ = wait(admin, "admin topic", lambda: re.search(r"/topics/(\d+)", admin.current_url))
    admin_tid = int(m2.group(1)) if m2 else None

    # john: tab 1 the topic, tab 2 the forum page, both on instance 3
    t = open_live(john, url(3, f"/topics/{tid}"))
    john_topic = john.current_window_handle
    john.switch_to.new_window("tab")
    open_live(john, url(3, f"/forums/{fid}"))
    john_forum = john.current_window_handle
    before_rows = topic_rows(john)
    check("4", before_rows and before_rows[0].startswith(f"topic-{admin_tid} "),
          f"john's forum page before: {before_rows}")
    john.switch_to.window(john_topic)
    # marie's topic page, live
    open_live(marie, url(2, f"/topics/{tid}"))
    bell0 = js(marie, BELL)

    log("step 3: marie replies on :8202; john's page on :8203 must show it live")
    n_before = len(js(john, MESSAGE_IDS))
    t0 = time.time()
    reply(marie, "Bonjour John ! Tu viens vendredi ?")
    got, dt = wait(john, "marie's reply on john's page",
                   lambda: len(js(john, MESSAGE_IDS)) > n_before and "Bonjour John" in js(john, "return document.getElementById('messages').innerText"))
    dt = time.time() - t0
    check("3", got and js(john, "return window.__marker") == 42,
          f"marie's reply (instance 2) appeared on john's page (instance 3) without reload in {dt:.2f}s"
          if got else "marie's reply never appeared on john's page")

    # 4. john's forum page: the topic moved to the top, count changed
    john.switch_to.window(john_forum)
    moved, dt4 = wait(john, "topic to the top", lambda: (topic_rows(john) or [""])[0].startswith(f"topic-{tid} "))
    rows = topic_rows(john)
    check("4", moved and js(john, "return window.__marker") == 42,
          f"john's forum page (instance 3) live: topic {tid} on top {dt4:.2f}s after the check began "
          f"(reply posted {time.time() - t0:.2f}s before the end of the check); rows now {rows}")
    check("4", rows and ("1" in rows[0].split(" | ")[-1]), f"reply count of marie's topic: {rows[0].split(' | ')[-1] if rows else None!r}")
    shoot(john, os.path.join(shots, "instances-john-forum.png"))
    john.switch_to.window(john_topic)

    log("step 3: john replies @marie on :8203; marie's page on :8202 and her bell must follow")
    n_before = len(js(marie, MESSAGE_IDS))
    t0 = time.time()
    reply(john, "@marie Oui, je viens ! See you Friday.")
    got, _ = wait(marie, "john's reply on marie's page",
                  lambda: "See you Friday" in js(marie, "return document.getElementById('messages').innerText"))
    dt = time.time() - t0
    check("3", got and js(marie, "return window.__marker") == 42,
          f"john's @marie reply appeared on marie's page without reload in {dt:.2f}s" if got
          else "john's reply never appeared on marie's page")
    bell, dtb = wait(marie, "marie's bell", lambda: js(marie, BELL).startswith("1|"))
    check("3", bell, f"marie's bell rose live: before {bell0!r}, after {js(marie, BELL)!r} "
          f"({time.time() - t0:.2f}s after john posted)")
    wait(john, "john's own reply", lambda: "See you Friday" in js(john, "return document.getElementById('messages').innerText"), timeout=5)
    for d in (marie, john):
        ids, good = once_in_order(d)
        check("3", good and len(ids) == 3, f"{d.who}'s page: message ids {ids} (once each, in order)")
        log(f"  {d.who}: {message_texts(d)}")
    shoot(marie, os.path.join(shots, "instances-marie-fr-live.png"))

    # 5. kill instance 2 under marie's page
    log("step 5: SIGKILL instance 2 under marie's open page")
    drain_console(marie)
    srv.kill(2)
    killed_at = time.time()
    closed, dtc = wait(marie, "socket closed", lambda: not js(marie, SOCKET_OPEN), timeout=10)
    check("5", closed, f"marie's socket saw the close {dtc:.2f}s after the kill")
    time.sleep(1)
    log("step 5a: john posts two replies on :8203 while instance 2 is down")
    for i, text in enumerate(["Pendant la panne, message un.", "Pendant la panne, message deux."]):
        v, _ = post_with_retry(john, lambda: reply(john, text),
                               lambda: text in js(john, "return document.getElementById('messages').innerText"),
                               f"john's outage reply {i + 1}")
        check("5", v, f"john's outage reply {i + 1} posted on instance 3")
    time.sleep(max(0, 5 - (time.time() - killed_at)))
    log("step 5b: restart instance 2")
    restarted = srv.start(2, append=True)
    log(f"  instance 2 was down {restarted - killed_at:.1f}s")
    both, _ = wait(marie, "catch-up", lambda: "message deux" in js(marie, "return document.getElementById('messages').innerText"),
                   timeout=CATCH_UP, interval=0.2)
    dt = time.time() - restarted
    check("5", both and js(marie, "return window.__marker") == 42,
          f"marie's page caught up without reload {dt:.1f}s after instance 2 was back "
          f"({time.time() - killed_at:.1f}s after the kill)" if both
          else f"marie's page did NOT catch up within {CATCH_UP:.0f}s of the restart; socket open: {js(marie, SOCKET_OPEN)}")
    ids, good = once_in_order(marie)
    check("5", good and len(ids) == 5, f"marie's page after catch-up: {ids} (once each, in order); "
          f"htmx socket log: {js(marie, 'return window.__log.slice(-6)')}")
    log(f"  marie: {message_texts(marie)}")
    shoot(marie, os.path.join(shots, "instances-marie-catch-up.png"))
    # the load balancer's way: a new tab on instance 1
    main = marie.current_window_handle
    marie.switch_to.new_window("tab")
    open_live(marie, url(1, f"/topics/{tid}"))
    ids1 = js(marie, MESSAGE_IDS)
    check("5", ids1 == ids, f"marie's new tab on instance 1: {ids1} (same as instance 2's page: {ids1 == ids}); "
          f"lang={js(marie, 'return document.documentElement.lang')!r}")
    marie.close()
    marie.switch_to.window(main)

    # 6. bad input, on instance 3 (john)
    log("step 6: bad input on :8203")
    john.switch_to.window(john_topic)
    open_live(john, url(3, f"/topics/{tid}"))
    before = js(john, MESSAGE_IDS)
    # (a) empty: the browser's own check first
    reply(john, "   ")
    time.sleep(1)
    valid = js(john, "return document.querySelector('#reply-form textarea[name=body]').validity.valid")
    check("6", js(john, MESSAGE_IDS) == before,
          f"empty reply (spaces) not posted; browser-side validity={valid}")
    # then past the browser: the server must say so
    js(john, "document.querySelector('#reply-form textarea[name=body]').removeAttribute('required');"
             "document.querySelector('#reply-form textarea[name=body]').removeAttribute('minlength'); return 1")
    set_value(john, "#reply-form textarea[name=body]", "   ")
    john.find_element(By.CSS_SELECTOR, "#reply-form button.primary[type=submit]").click()
    err, _ = wait(john, "empty reply error", lambda: js(john, "return document.querySelector('#reply-form .error')?.innerText ?? ''"), timeout=5)
    check("6", err and js(john, MESSAGE_IDS) == before, f"server refuses an empty reply: error next to the field {err!r}")
    status = js(john, "const f = new FormData(); f.append('body', '   ');"
                      f"return fetch('/topics/{tid}/messages', {{method: 'POST', body: new URLSearchParams(f), redirect: 'manual'}}).then(r => r.status)")
    check("6", status == 422, f"the same without htmx: HTTP {status}")
    # (b) 70 KB
    big = ("Lorem ipsum dolor sit amet. " * 2600)[:70000]
    set_value(john, "#reply-form textarea[name=body]", big)
    john.find_element(By.CSS_SELECTOR, "#reply-form button.primary[type=submit]").click()
    note, _ = wait(john, "413 notice", lambda: js(john, "return (document.getElementById('flash')?.innerText ?? '') + "
                                                      "(document.querySelector('#reply-form .error')?.innerText ?? '')").strip(), timeout=6)
    kept = js(john, "return document.querySelector('#reply-form textarea[name=body]').value.length")
    check("6", note and js(john, MESSAGE_IDS) == before,
          f"70 KB reply refused; notice {note!r}; textarea still holds {kept} characters")
    status = js(john, "return fetch('/topics/%d/messages', {method: 'POST', headers: {'Content-Type': "
                      "'application/x-www-form-urlencoded'}, body: 'body=' + 'x'.repeat(70000), redirect: 'manual'})"
                      ".then(r => r.status)" % tid)
    check("6", status == 413, f"the same without htmx: HTTP {status}")
    shoot(john, os.path.join(shots, "instances-john-bad-input.png"))
    set_value(john, "#reply-form textarea[name=body]", "")
    # (c) a title with <script>
    john.get(url(3, f"/forums/{fid}"))
    evil = '<script>alert("xss")</script> Vendredi <b>gras</b>'
    def post_evil():
        fill(john, "#new-topic-form input[name=title]", evil)
        fill(john, "#new-topic-form textarea[name=body]", "<script>alert(2)</script> body <img src=x onerror=alert(3)>")
        john.find_element(By.CSS_SELECTOR, "#new-topic-form button.primary[type=submit]").click()
    m3, _ = post_with_retry(john, post_evil, lambda: re.search(r"/topics/(\d+)", john.current_url), "script-title topic")
    time.sleep(0.5)
    try:
        a = john.switch_to.alert
        check("6", False, f"an alert ran: {a.text!r}")
        a.dismiss()
    except NoAlertPresentException:
        pass
    h1 = js(john, "return document.querySelector('h1')?.textContent ?? ''") if m3 else None
    scripts = js(john, "return [...document.querySelectorAll('main script, #messages script, #messages img[onerror]')].length") if m3 else None
    check("6", m3 and evil in (h1 or "") and scripts == 0,
          f"<script> title shown as text: h1={h1!r}, document.title={john.title!r}, "
          f"injected script/img[onerror] elements: {scripts}")
    # other instances render it escaped too
    for n in (1, 2):
        with urllib.request.urlopen(url(n, f"/forums/{fid}")) as r:
            body = r.read().decode()
        check("6", "<script>alert" not in body and "&lt;script&gt;alert" in body,
              f"instance {n}'s forum page escapes the title")


def console_report(drivers):
    print("\nstep 7: browser consoles", flush=True)
    # Expected: the refusals of step 6 (413/422/429), and on marie's page the
    # refused reconnects while instance 2 was down (the browser's own line,
    # and htmx's console.error for each htmx:ws:error).
    expected = re.compile(r"status of (413|422|429)|WebSocket connection to 'ws://127\.0\.0\.1:8202|ERR_CONNECTION_REFUSED|"
                          r"127\.0\.0\.1:8202/.*(net::|Failed)|htmx:ws:error")
    for d in drivers:
        bad = []
        for e in d.console:
            line = f"{e.get('level')} {e.get('message')}"
            if e.get("level") == "SEVERE" and not expected.search(line):
                bad.append(line)
        exp = [f"{e.get('level')} {e.get('message')}" for e in d.console
               if e.get("level") == "SEVERE" and expected.search(f"{e.get('message')}")]
        check("7", not bad, f"{d.who}: {len(d.console)} console entries, {len(bad)} unexpected errors"
              + ("".join("\n          " + b[:300] for b in bad)))
        for x in exp:
            print(f"          expected: {x[:240]}")
        for e in d.console:
            if e.get("level") != "SEVERE":
                print(f"          {e.get('level')}: {e.get('message')[:200]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", default=os.path.join(ROOT, "docs"))
    ap.add_argument("--logs", default="/tmp/walk-logs")
    args = ap.parse_args()
    os.makedirs(args.logs, exist_ok=True)
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} is missing: cargo build --release first")
    srv = Servers(args.logs)
    try:
        srv.start_pg()
        srv.start(1)
        srv.start(2)
        srv.start(3)
        walk(srv, args.shots)
    except Exception:
        traceback.print_exc()
        check("-", False, "the walk stopped on an exception")
    finally:
        srv.stop_all()
        for p in profiles:
            subprocess.run(["rm", "-rf", p])
    print("\nERROR/WARN lines in the instances' logs:")
    for n in (1, 2, 3):
        path = os.path.join(args.logs, f"instance-{n}.log")
        lines = [l.rstrip() for l in open(path, errors="replace") if re.search(r"\b(ERROR|WARN)\b", l)]
        print(f"  instance {n} ({path}): {len(lines)}")
        for l in lines[:30]:
            print("    " + re.sub(r"\x1b\[[0-9;]*m", "", l)[:400])
    print(f"\n{sum(ok for _, ok, _ in results)}/{len(results)} checks ok")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
