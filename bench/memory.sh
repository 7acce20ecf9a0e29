#!/usr/bin/env bash
# Memory after bursts: the server's RSS idle after start, then the peak
# during and the RSS 10 s after each burst: 300 parallel logins (Argon2),
# 8 members posting 50 replies each, 10,000 sockets opened and closed.
# Starts its own release server on 127.0.0.1 with a fresh database.
#
#   bash bench/memory.sh
#   SERVER_ENV="LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2" bash bench/memory.sh
#   SKIP_BUILD=1 LOGINS=100 SOCKETS=2000 bash bench/memory.sh
#   SERVER_BIN=/path/to/causerie bash bench/memory.sh   # another build (before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-61480}
LOGINS=${LOGINS:-300}
SOCKETS=${SOCKETS:-10000}
SETTLE=${SETTLE:-10}
[ -z "${SKIP_BUILD:-}" ] && cargo build --release --quiet --bin causerie
ulimit -n $((SOCKETS + 1000))

work=$(mktemp -d)
pass=bench-$RANDOM-$RANDOM
# shellcheck disable=SC2086
# Every client is 127.0.0.1 here: the per-address socket cap and the new
# accounts' posting rate are lifted, so the bursts do the work they name.
env ${SERVER_ENV:-} CAUSERIE_DB="$work/bench.db" CAUSERIE_ADDR="127.0.0.1:$PORT" \
  CAUSERIE_MAX_SOCKETS_PER_ADDR=$((SOCKETS + 100)) CAUSERIE_MAX_CONNECTIONS_PER_ADDR=$((SOCKETS + 100)) \
  CAUSERIE_POST_RATE=100000/1s CAUSERIE_NEW_ACCOUNT_POST_RATE=100000/1s \
  CAUSERIE_ADMIN_PASSWORD="$pass" RUST_LOG=warn "${SERVER_BIN:-./target/release/causerie}" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# Samples RSS every 0.1 s into $work/peak until $work/stop appears.
sample() { echo 0 >"$work/peak"; rm -f "$work/stop"; while [ ! -e "$work/stop" ]; do
  r=$(rss); p=$(cat "$work/peak"); [ "$r" -gt "$p" ] && echo "$r" >"$work/peak"; sleep 0.1; done; }
phase() {
  local label=$1; shift
  sample &
  local sampler=$!
  "$@" >/dev/null 2>&1 || echo "($label: some requests failed)"
  touch "$work/stop"; wait $sampler
  local peak; peak=$(cat "$work/peak")
  sleep "$SETTLE"
  printf '%-34s %10s %10s\n' "$label" "$(mib "$peak")" "$(mib "$(rss)")"
}

jar="$work/jar"
post() { curl -fs -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" -X POST "$base$1" "${@:2}"; }
post /login -d username=admin -d "password=$pass" >/dev/null
forum=$(post /admin/forums -d name=Bench -d description=Benchmarks | grep -o '[0-9]*$')
topic=$(post "/forums/$forum/topics" -d "title=Memory" -d "body=Opening" | grep -o '[0-9]*$')
for m in $(seq 8); do
  curl -fs -o /dev/null -c "$work/m$m" -X POST "$base/register" -d "username=member$m" \
    -d password=memberpass1 -d password_confirm=memberpass1
done
sleep "$SETTLE"

logins() {
  seq "$LOGINS" | xargs -P "$LOGINS" -I{} curl -s -o /dev/null -X POST "$base/login" \
    -d username=admin -d "password=$pass"
}
posting() {
  local pids=()
  for m in $(seq 8); do
    (for i in $(seq 50); do curl -s -o /dev/null -b "$work/m$m" -X POST "$base/topics/$topic/messages" \
      --data-urlencode "body=Reply $i by member $m: $(printf 'lorem ipsum %.0s' $(seq 40))"; done) &
    pids+=($!)
  done
  wait "${pids[@]}"
}
sockets() { python3 bench/sockets.py 127.0.0.1 "$PORT" "/topics/$topic" "$SOCKETS"; }
pages() { wrk -t1 -c16 -d5s "$base/topics/$topic?page=2"; }

echo "$(uptime)  ${SERVER_ENV:-as built (jemalloc)}"
printf '%-34s %10s %10s\n' 'RSS, MiB' peak "${SETTLE} s after"
printf '%-34s %10s %10s\n' "idle after start" - "$(mib "$(rss)")"
phase "$LOGINS parallel logins" logins
phase "8 members x 50 replies" posting
phase "$SOCKETS sockets opened, closed" sockets
phase "5 s of topic pages (wrk)" pages
# What the RSS is made of now: the heap and stacks, and the pages of the
# binary and its libraries (file pages, given back under memory pressure).
awk '/^Rss:/ {r=$2} /^Anonymous:/ {a=$2} END {printf "of the %.1f MiB now: %.1f MiB anonymous, %.1f MiB file pages (the binary, libraries)\n", r/1024, a/1024, (r-a)/1024}' "/proc/$server/smaps_rollup"
