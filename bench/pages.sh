#!/usr/bin/env bash
# Page benchmark: requests/s and latency of causerie's main pages under load,
# against a baseline in the same run (/healthz: the same server, router,
# sessions layer and one SQLite query, no page). Starts its own release server
# on 127.0.0.1 with a fresh database, seeds it, runs wrk, stops everything.
#
#   bash bench/pages.sh            # 10 s per page, 32 connections, 2 threads
#   DURATION=5 CONNECTIONS=64 bash bench/pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-61180}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin causerie

work=$(mktemp -d)
pass=bench-$RANDOM-$RANDOM
CAUSERIE_DB="$work/bench.db" CAUSERIE_ADDR="127.0.0.1:$PORT" CAUSERIE_ADMIN_PASSWORD="$pass" \
  RUST_LOG=warn ./target/release/causerie >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || {
  echo "the server never answered $base/healthz; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
}

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
  post "/topics/$topic/messages" --data-urlencode "body=Reply $m: $(printf 'lorem ipsum %.0s' $(seq 20))" >/dev/null
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
echo "seeded: 5 forums, 30 topics, 46 messages in topic $topic; server RSS $(rss) KiB"
echo
printf '%-28s %10s %10s %10s %10s\n' page req/s p50 p99 'KiB/resp'
run() {
  local label=$1 path=$2 out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base$path")
  local rps p50 p99 bytes
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bytes=$(curl -fs "$base$path" | wc -c)
  printf "%-28s %10s %10s %10s %10.1f\n" "$label" "$rps" "$p50" "$p99" "$(awk -v b="$bytes" "BEGIN {print b/1024}")"
}
run "baseline: /healthz" /healthz
run "home /" /
run "forum page 1 (20 topics)" "/forums/$forum"
run "topic page 1 (20 messages)" "/topics/$topic"
run "topic page 3 (6 messages)" "/topics/$topic?page=3"
echo
echo "server RSS after the runs: $(rss) KiB"
