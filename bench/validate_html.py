"""Every kind of page through the W3C Nu HTML checker (vnu), as a visitor, a
member and an admin, in English and in French.

    python3 bench/validate_html.py          # builds nothing: run after
                                            # `cargo build --release`

Fetches vnu.jar from npm (`vnu-jar`) into target/vnu once; needs java.
Starts the release server on a fresh database on 127.0.0.1, fills it through
its forms, saves each page, checks them all in one vnu run, stops the server.
Prints vnu's errors (none expected) and exits with vnu's status."""
import http.cookiejar, os, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
jar = os.path.join(root, "target/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
if not os.path.exists(jar):
    os.makedirs(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(jar)))), exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--prefix", os.path.join(root, "target/vnu"), "vnu-jar"], check=True)
port = 20000 + os.getpid() % 20000
base = f"http://127.0.0.1:{port}"
work = tempfile.mkdtemp()
password = f"check-{os.getpid()}-{time.time_ns()}"
env = dict(os.environ, CAUSERIE_DB=f"{work}/v.db", CAUSERIE_ADDR=f"127.0.0.1:{port}",
           CAUSERIE_ADMIN_PASSWORD=password, CAUSERIE_SECURE_COOKIES="0", RUST_LOG="warn")
server = subprocess.Popen([os.path.join(root, "target/release/causerie")], env=env,
                          stdout=open(f"{work}/server.log", "w"), stderr=subprocess.STDOUT)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz"); break
        except Exception:
            time.sleep(0.1)

    def client():
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(c, path, fields):
        req = urllib.request.Request(base + path, data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Origin": base})
        try:
            return c.open(req).status
        except urllib.error.HTTPError as e:
            return e.code

    admin = client(); post(admin, "/login", {"username": "admin", "password": password})
    post(admin, "/admin/forums", {"name": "Général", "description": "On parle de tout"})
    members = {}
    for name in ("amelie", "bob"):
        members[name] = client()
        post(members[name], "/register", {"username": name, "password": "password-123",
                                          "password_confirm": "password-123"})
    post(members["amelie"], "/account/lang", {"lang": "fr"})
    post(members["amelie"], "/forums/1/topics", {"title": "L'école", "body": "Bonjour **@bob** !\n\n- un\n- deux"})
    post(members["bob"], "/topics/1/messages", {"body": "> **amelie** [wrote](/messages/1):\n> Bonjour\n\nHi @amelie, `code`"})
    post(members["bob"], "/messages/1/report", {"reason": "Just checking the queue"})
    pages = {
        None: ["/", "/forums/1", "/topics/1", "/login", "/register", "/search?q=ecole",
               "/search?q=%22a+b%22+x*+y*+z*", "/users/amelie", "/no/such/page", "/socket"],
        "admin": ["/admin", "/admin/reports", "/admin/accounts", "/admin/forums/1/delete", "/notifications"],
        "amelie": ["/", "/forums/1", "/topics/1", "/account", "/notifications", "/search?q=%C3%A9cole"],
        "bob": ["/topics/1", "/topics/1/reply", "/messages/2/edit", "/messages/1/report", "/notifications"],
    }
    files = []
    for who, paths in pages.items():
        c = admin if who == "admin" else members.get(who) or client()
        for path in paths:
            try:
                body = c.open(base + path).read()
            except urllib.error.HTTPError as e:
                body = e.read()
            f = os.path.join(work, f"{len(files):02d}.html")
            open(f, "wb").write(body)
            files.append((f, f"{who or 'visitor'} {path}"))
    r = subprocess.run(["java", "-jar", jar, "--errors-only", *[f for f, _ in files]],
                       capture_output=True, text=True)
    out = r.stderr + r.stdout
    for f, label in files:
        out = out.replace("file:" + f, label)
    print(out.strip() or "no error")
    print(f"{len(files)} pages checked; vnu exit status {r.returncode}")
    sys.exit(r.returncode)
finally:
    server.terminate()
    server.wait()
