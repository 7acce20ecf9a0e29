#!/usr/bin/env python3
"""WebSocket checks for tests/docker-e2e.sh (needs the `websockets` package).

  ws_check.py topic BASE FORUM_ID COOKIE TITLE BODY
      Opens the live socket of /forums/FORUM_ID, makes sure the server has it
      (ping -> pong), then, while it is open, posts a topic as the member whose
      `causerie` session cookie is COOKIE, and waits for the frame that carries
      the new topic (`id="topic-N"` and TITLE). Prints the topic id.

  ws_check.py hold BASE FORUM_ID SECONDS
      Opens the same socket, prints READY once the server has it, and waits up
      to SECONDS for the server to close it. Exits 0 only on a 1001 close
      ("going away", what the server sends when it stops).

BASE is http://127.0.0.1:PORT: only the published port, never a container's address.
"""

import http.client
import re
import sys
import time
import urllib.parse

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def socket_url(base: str, forum_id: str) -> str:
    u = urllib.parse.urlsplit(base)
    view = urllib.parse.quote(f"/forums/{forum_id}", safe="")
    return f"ws://{u.netloc}/_ws?view={view}"


def joined(ws) -> None:
    """The server answers `ping` after it has queued the socket's join to the
    hub, so every change made after the pong reaches this socket."""
    ws.send("ping")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if frame == "pong":
            return
    raise SystemExit("no pong within 10 s")


def post_topic(base: str, forum_id: str, cookie: str, title: str, body: str) -> int:
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=15)
    form = urllib.parse.urlencode({"title": title, "body": body})
    conn.request(
        "POST",
        f"/forums/{forum_id}/topics",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"causerie={cookie}",
        },
    )
    resp = conn.getresponse()
    resp.read()
    location = resp.getheader("Location") or ""
    conn.close()
    m = re.fullmatch(r"/topics/(\d+)", location)
    if resp.status != 303 or not m:
        raise SystemExit(f"POST topic: expected 303 to /topics/N, got {resp.status} {location!r}")
    return int(m.group(1))


def topic(base, forum_id, cookie, title, body) -> None:
    with connect(socket_url(base, forum_id), open_timeout=15, close_timeout=5) as ws:
        joined(ws)
        t0 = time.monotonic()
        tid = post_topic(base, forum_id, cookie, title, body)
        marker = f'id="topic-{tid}"'
        deadline = time.monotonic() + 15
        frames = 0
        while time.monotonic() < deadline:
            try:
                frame = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            frames += 1
            if isinstance(frame, str) and marker in frame and title in frame:
                ms = (time.monotonic() - t0) * 1000
                print(f"topic {tid}: its title arrived on the socket "
                      f"{ms:.0f} ms after the POST began ({frames} frame(s))", file=sys.stderr)
                print(tid)
                return
        raise SystemExit(f"no frame with {marker} and the title within 15 s ({frames} frame(s) seen)")


def hold(base, forum_id, seconds) -> None:
    with connect(socket_url(base, forum_id), open_timeout=15, close_timeout=5) as ws:
        joined(ws)
        print("READY", flush=True)
        deadline = time.monotonic() + float(seconds)
        try:
            while time.monotonic() < deadline:
                try:
                    ws.recv(timeout=max(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    break
        except ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd is not None else None
            print(f"CLOSED code={code}", flush=True)
            raise SystemExit(0 if code == 1001 else f"closed with {code}, expected 1001")
        raise SystemExit(f"socket still open after {seconds} s")


if __name__ == "__main__":
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "topic" and len(args) == 5:
        topic(*args)
    elif cmd == "hold" and len(args) == 3:
        hold(*args)
    else:
        raise SystemExit(__doc__)
