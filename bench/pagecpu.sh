#!/usr/bin/env bash
# CPU per page: causerie's server CPU (utime+stime from /proc/PID/stat) per
# request under wrk, beside an axum hello-world (examples/hello_bytes.rs)
# serving the very same bytes, in the same run. Pages: home, forum page 1,
# topic page 1 (20 messages) as a visitor and as a member; home and forum
# page 1 also as a member, with their unread markers.
#
#   bash bench/pagecpu.sh              # 5 s per page, 16 connections
#   DURATION=10 bash bench/pagecpu.sh
#   SKIP_BUILD=1 bash bench/pagecpu.sh # use the binaries already built
#   PAGE_CACHE=0 bash bench/pagecpu.sh # pages rendered afresh each time (as after a write)
#   ACCEPT_LANGUAGE=fr bash bench/pagecpu.sh # the pages in French
#   SERVER_BIN=/path/to/causerie bash bench/pagecpu.sh # another build (before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-61280}
HELLO_PORT=$((PORT + 1))
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release --quiet --bin causerie --example hello_bytes
fi

work=$(mktemp -d)
pass=bench-$RANDOM-$RANDOM
CAUSERIE_PAGE_CACHE=${PAGE_CACHE:-1} \
  CAUSERIE_DB="$work/bench.db" CAUSERIE_ADDR="127.0.0.1:$PORT" CAUSERIE_ADMIN_PASSWORD="$pass" \
  RUST_LOG=warn "${SERVER_BIN:-./target/release/causerie}" >"$work/server.log" 2>&1 &
server=$!
hello=
trap 'kill $server $hello 2>/dev/null; wait $server $hello 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

jar="$work/jar"
post() { curl -fs -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" -X POST "$base$1" "${@:2}"; }
post /login -d username=admin -d "password=$pass" >/dev/null
forum=$(post /admin/forums -d name=Bench -d description=Benchmarks | grep -o '[0-9]*$')
for f in 2 3 4 5; do post /admin/forums -d "name=Forum $f" -d description=More >/dev/null; done
topic=0
for t in $(seq 30); do
  topic=$(post "/forums/$forum/topics" -d "title=Topic number $t" --data-urlencode "body=Opening message of topic $t" | grep -o '[0-9]*$')
done
for m in $(seq 45); do
  post "/topics/$topic/messages" --data-urlencode "body=Reply $m: $(printf 'lorem ipsum %.0s' $(seq 20)) https://example.org/$m" >/dev/null
done
# A member (not the admin) for the member page.
mjar="$work/mjar"
curl -fs -o /dev/null -c "$mjar" -X POST "$base/register" -d username=member1 \
  -d password=memberpass1 -d password_confirm=memberpass1
cookie=$(awk '$6=="causerie" {print "causerie=" $7}' "$mjar")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# us of CPU per request of process $1 for wrk on $2 (extra wrk args after).
cpu_per_req() {
  local pid=$1 url=$2 before after out reqs
  before=$(ticks "$pid")
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${@:3}" "$url")
  after=$(ticks "$pid")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v t=$((after - before)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}'
}
echo "$(uptime)  page cache: $([ "${PAGE_CACHE:-1}" = 0 ] && echo off || echo on)  Accept-Language: ${ACCEPT_LANGUAGE:-none}"
printf '%-26s %8s %10s %10s %7s\n' page bytes 'us/req' 'hello us' ratio
run() {
  local label=$1 path=$2; shift 2
  local lang=()
  [ -n "${ACCEPT_LANGUAGE:-}" ] && lang=(-H "Accept-Language: $ACCEPT_LANGUAGE")
  curl -fs "${lang[@]}" "$@" "$base$path" >"$work/page.html"
  local bytes; bytes=$(wc -c <"$work/page.html")
  ./target/release/examples/hello_bytes "127.0.0.1:$HELLO_PORT" "$work/page.html" &
  hello=$!
  for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$HELLO_PORT/" && break; sleep 0.05; done
  local wrkargs=("${lang[@]}")
  [ $# -gt 0 ] && wrkargs+=("$@")
  local ours theirs
  ours=$(cpu_per_req "$server" "$base$path" "${wrkargs[@]}")
  theirs=$(cpu_per_req "$hello" "http://127.0.0.1:$HELLO_PORT$path")
  kill $hello; wait $hello 2>/dev/null || true; hello=
  printf '%-26s %8s %10s %10s %7.1f\n' "$label" "$bytes" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN {print a / b}')"
}
run "home" /
run "home, member" / -H "Cookie: $cookie"
run "forum page 1" "/forums/$forum"
run "forum page 1, member" "/forums/$forum" -H "Cookie: $cookie"
run "topic page 1, visitor" "/topics/$topic"
run "topic page 1, member" "/topics/$topic" -H "Cookie: $cookie"
echo "$(uptime)"
echo "server RSS after the runs: $(awk '/VmRSS/ {print $2}' "/proc/$server/status") KiB"
