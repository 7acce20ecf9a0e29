#!/usr/bin/env python3
"""Abuse figure: stalled half-header connections against a release server.

Starts its own release server (production defaults: 10 s header timeout,
256 connections per address) on 127.0.0.1 with a fresh database, then:

  baseline  a GET loop alone, for its latency;
  phase A   400 connections that each send half a request header and stall,
            from 4 loopback addresses (100 each, under the per-address cap),
            while the GET loop runs from 127.0.0.1: how many are still open
            after 30 s (target 0), when they were closed, and the loop's p99;
  phase B   the same 400 from one address: how many the per-address cap
            refuses at once, how many are still open after 30 s, and the loop.

Everything targets 127.0.0.1 (loopback addresses 127.0.0.2-5 stand for other
clients), is bounded in count and time (about 80 s in all), and is stopped
at the end. Exit status 0 when no stalled connection outlived the wait and
the GET loop never failed.

    python3 bench/abuse_stall.py                 # builds the release binary first
    python3 bench/abuse_stall.py --no-build --stalls 400 --wait 30
"""

import argparse
import http.client
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HALF_HEADER = b"GET / HTTP/1.1\r\nHost: forum\r\nX-Stall: "


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[i]


class GetLoop(threading.Thread):
    """GET `path` again and again on a kept-alive connection from 127.0.0.1,
    timing each answer; a failure is counted and the connection remade."""

    def __init__(self, port, path):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.stop = threading.Event()
        self.latencies, self.errors = [], 0

    def run(self):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                t = time.perf_counter()
                conn.request("GET", self.path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"status {resp.status}")
                self.latencies.append(time.perf_counter() - t)
            except Exception:
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)

    def summary(self, seconds):
        lat = sorted(self.latencies)
        ms = lambda s: f"{s * 1000:.2f} ms"
        return (f"{len(lat)} answered in {seconds:.0f} s ({len(lat) / seconds:.0f}/s), "
                f"{self.errors} failed, p50 {ms(percentile(lat, 50))}, "
                f"p99 {ms(percentile(lat, 99))}, max {ms(lat[-1] if lat else float('nan'))}")


def get_loop_alone(port, path, seconds):
    loop = GetLoop(port, path)
    loop.start()
    time.sleep(seconds)
    loop.stop.set()
    loop.join()
    return loop


def stall(port, sources, count, wait, path):
    """Opens `count` stalled connections spread over `sources`, runs the GET
    loop for `wait` seconds, and watches which the server closes, and when."""
    sel = selectors.DefaultSelector()
    opened_at, closed_after, refused = {}, {}, 0
    loop = GetLoop(port, path)
    loop.start()
    start = time.monotonic()
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((sources[i % len(sources)], 0))
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(HALF_HEADER)
        except OSError:
            refused += 1
            s.close()
            continue
        s.setblocking(False)
        opened_at[s] = time.monotonic()
        sel.register(s, selectors.EVENT_READ)
    deadline = start + wait
    while opened_at and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if not data:
                closed_after[s] = time.monotonic() - opened_at.pop(s)
                sel.unregister(s)
                s.close()
    still_open = len(opened_at)
    # The GET loop ran throughout; stop it at the wait's end, not before.
    time.sleep(max(0.0, deadline - time.monotonic()))
    loop.stop.set()
    loop.join()
    for s in list(opened_at):
        sel.unregister(s)
        s.close()
    times = sorted(closed_after.values())
    at_once = sum(1 for t in times if t < 1.0)
    return {
        "still_open": still_open,
        "refused_at_connect": refused,
        "closed_at_once": at_once,
        "closed_later": len(times) - at_once,
        "close_times": times[at_once:],
        "loop": loop,
    }


def report(r, count, wait):
    later = r["close_times"]
    print(f"  still open after {wait} s: {r['still_open']} of {count}")
    print(f"  closed at once (< 1 s, over a cap): {r['closed_at_once'] + r['refused_at_connect']}")
    if later:
        print(f"  closed later: {len(later)}, after {later[0]:.1f} s (first), "
              f"{percentile(later, 50):.1f} s (median), {later[-1]:.1f} s (last)")
    print(f"  GET loop meanwhile: {r['loop'].summary(wait)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stalls", type=int, default=400)
    ap.add_argument("--wait", type=int, default=30, help="seconds to watch each phase")
    ap.add_argument("--baseline", type=int, default=10, help="seconds of GET loop alone")
    ap.add_argument("--port", type=int, default=0, help="default: a free one")
    ap.add_argument("--path", default="/", help="what the GET loop asks for")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not (1 <= args.stalls <= 2000 and 1 <= args.wait <= 120):
        sys.exit("bounded: --stalls 1..2000, --wait 1..120")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "causerie"],
                       cwd=repo, check=True)
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    work = tempfile.mkdtemp()
    env = dict(os.environ,
               CAUSERIE_ADDR=f"127.0.0.1:{args.port}",
               CAUSERIE_DB=os.path.join(work, "abuse.db"),
               CAUSERIE_ADMIN_PASSWORD="abuse-bench-password",
               RUST_LOG="warn")
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([os.path.join(repo, "target/release/causerie")],
                              env=env, stdout=log, stderr=log)
    ok = False
    try:
        for _ in range(100):
            if server.poll() is not None:
                sys.exit("the server stopped; its log: " + open(log.name).read())
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server never answered /healthz; its log: " + open(log.name).read())

        print(f"baseline: GET {args.path} alone for {args.baseline} s")
        print(f"  {get_loop_alone(args.port, args.path, args.baseline).summary(args.baseline)}")

        spread = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
        print(f"phase A: {args.stalls} stalled half headers from {len(spread)} addresses")
        a = stall(args.port, spread, args.stalls, args.wait, args.path)
        report(a, args.stalls, args.wait)

        print(f"phase B: {args.stalls} stalled half headers from one address")
        b = stall(args.port, ["127.0.0.6"], args.stalls, args.wait, args.path)
        report(b, args.stalls, args.wait)
        ok = (a["still_open"] == 0 and b["still_open"] == 0
              and a["loop"].errors == 0 and b["loop"].errors == 0)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    print("target met: none left open, no GET failed" if ok else "TARGET MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
