#!/usr/bin/env bash
# Depth benchmark (issue 9): does a deep page cost what the first one does?
# On a database of 1,000,000 messages (forum "Bench": 50,000 topics of 16
# messages; one topic of 200,000 messages), it measures the release server's
# CPU per request (utime+stime from /proc/PID/stat, over a wrk run) for the
# first, middle and last pages of the forum and of the long topic (visitor, and
# member for first and last), /messages/{id} of its first and last message, and
# home; and an axum hello-world serving the same number of bytes. 127.0.0.1
# only, bounded runs (about 2 minutes, plus the first build of the database).
#
#   bash bench/depth.sh                       # 5 s a page, 8 connections
#   DURATION=3 CONNECTIONS=4 bash bench/depth.sh
#   SERVER_BIN=/path/to/causerie bash bench/depth.sh   # another build (before/after)
#
# The database is built once (23 s on an idle 2-core machine) by `pagebench build`, cached
# as target/bench-1m-<hash of schema, migrations and builder>.db; each run works
# on a copy. Prints: page, bytes, CPU us/request, ratio to the group's first
# page, ratio to hello-world of the same size.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-8}
# A port of its own: two runs at once (other worktrees) must not meet.
PORT=${PORT:-$((20000 + RANDOM % 20000))}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin causerie --bin pagebench
SERVER_BIN=${SERVER_BIN:-./target/release/causerie}
TICK=$(getconf CLK_TCK)

hash=$(cat schema.sql migrations/*.sql bench/src/build.rs | sha256sum | cut -c1-16)
db=target/bench-1m-$hash.db
if [[ ! -f $db ]]; then
  echo "building $db (once) ..."
  rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm" "$db.tmp.env"
  ./target/release/pagebench build "$db.tmp"
  mv "$db.tmp.env" "$db.env"
  mv "$db.tmp" "$db"
fi
# shellcheck disable=SC1090
source "$db.env"

work=$(mktemp -d)
cp "$db" "$work/bench.db"
pass=bench-$RANDOM-$RANDOM
CAUSERIE_DB="$work/bench.db" CAUSERIE_ADDR="127.0.0.1:$PORT" CAUSERIE_ADMIN_PASSWORD="$pass" \
  RUST_LOG=warn "$SERVER_BIN" >"$work/server.log" 2>&1 &
server=$!
./target/release/pagebench hello $((PORT + 1)) >"$work/hello.log" 2>&1 &
hello=$!
trap 'rc=$?; kill $server $hello 2>/dev/null; wait $server $hello 2>/dev/null; rm -rf "$work"; exit $rc' EXIT
base="http://127.0.0.1:$PORT"
hbase="http://127.0.0.1:$((PORT + 1))"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && curl -fs "$hbase/1" >/dev/null && break; sleep 0.1; done
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
sleep 3
echo "server RSS idle 3 s after start on the 1M database: $(rss_mib) MiB"
if ! kill -0 $server 2>/dev/null || ! kill -0 $hello 2>/dev/null || ! curl -fs "$base/healthz" >/dev/null; then
  echo "a server did not start (port $PORT or $((PORT + 1)) taken?); logs:" >&2
  cat "$work/server.log" "$work/hello.log" >&2
  exit 1
fi

# A member: registered on the copy, its session cookie handed to wrk.
jar="$work/jar"
curl -fs -o /dev/null -c "$jar" -b "$jar" -X POST "$base/register" \
  -d username=benchmember -d password=bench-member-pw -d password_confirm=bench-member-pw
cookie="causerie=$(awk '$6 == "causerie" {print $7}' "$jar")"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# measure PID URL [COOKIE]: CPU microseconds per request over one wrk run.
measure() {
  local pid=$1 url=$2 c0 c1 out reqs
  local -a hdr=()
  [[ -n ${3:-} ]] && hdr=(-H "Cookie: $3")
  # A slow page must still count: wrk's default 2 s timeout would drop it.
  wrk -t1 -c"$CONNECTIONS" -d1s --timeout 30s "${hdr[@]}" "$url" >/dev/null # warm-up
  c0=$(cpu "$pid")
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s "${hdr[@]}" "$url")
  c1=$(cpu "$pid")
  kill -0 "$pid" || { echo "server $pid is gone" >&2; exit 1; }
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "warning: $url answered errors: $(grep Non-2xx <<<"$out")" >&2
  fi
  awk -v d=$((c1 - c0)) -v t="$TICK" -v r="${reqs:-0}" \
    'BEGIN {if (r > 0) printf "%.0f", d * 1e6 / t / r; else printf "%s", "none"}'
}

echo "$(date -u +%FT%TZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)  server: $SERVER_BIN"
echo "database: $MESSAGES messages; forum $FORUM: $FORUM_TOPICS topics; topic $BIG_TOPIC: $BIG_MESSAGES messages"
printf '%-34s %8s %10s %8s %8s %10s\n' page bytes 'CPU us/req' 'vs p1' 'vs hello' 'hello us'
first=0
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf f, a / b; else printf "-"}'; }
row() {
  local label=$1 path=$2 group_first=$3 who=${4:-} bytes us hus
  local -a hdr=()
  [[ -n $who ]] && hdr=(-H "Cookie: $who")
  bytes=$(curl -s "${hdr[@]}" "$base$path" | wc -c)
  us=$(measure $server "$base$path" "$who")
  hus=$(measure $hello "$hbase/$bytes")
  [[ $group_first == 1 ]] && first=$us
  printf '%-34s %8s %10s %8s %8s %10s\n' "$label" "$bytes" "$us" \
    "$(ratio "$us" "$first" %.2f)" "$(ratio "$us" "$hus" %.1f)" "$hus"
}
forum_last=$(((FORUM_TOPICS + 19) / 20))
topic_last=$(((BIG_MESSAGES + 19) / 20))
row "home /" / 1
row "forum page 1" "/forums/$FORUM" 1
row "forum page $((forum_last / 2)) (middle)" "/forums/$FORUM?page=$((forum_last / 2))" 0
row "forum page $forum_last (last)" "/forums/$FORUM?page=$forum_last" 0
# A member's forum pages carry their unread markers (every topic unread).
row "home /, member" / 1 "$cookie"
row "forum page 1, member" "/forums/$FORUM" 1 "$cookie"
row "forum page $forum_last (last), member" "/forums/$FORUM?page=$forum_last" 0 "$cookie"
row "topic page 1, visitor" "/topics/$BIG_TOPIC" 1
row "topic page $((topic_last / 2)) (middle), visitor" "/topics/$BIG_TOPIC?page=$((topic_last / 2))" 0
row "topic page $topic_last (last), visitor" "/topics/$BIG_TOPIC?page=$topic_last" 0
row "topic page 1, member" "/topics/$BIG_TOPIC" 1 "$cookie"
row "topic page $topic_last (last), member" "/topics/$BIG_TOPIC?page=$topic_last" 0 "$cookie"
row "/messages/$BIG_FIRST (first, 303)" "/messages/$BIG_FIRST" 1
row "/messages/$BIG_LAST (last, 303)" "/messages/$BIG_LAST" 0
echo "server RSS after the runs: $(rss_mib) MiB; 10 s later: $(sleep 10; rss_mib) MiB"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
