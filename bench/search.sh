#!/usr/bin/env bash
# Search benchmark (issue 11): what a search costs on 1,000,000 messages, and
# what the index weighs beside the database. The database is the depth
# benchmark's (`pagebench build`: forum "Bench", 50,000 topics of 16
# messages, and forum "Long", one topic of 200,000), with words drawn like a
# natural language's instead of lorem ipsum (`varied`, bench/src/words.rs),
# built through the app's schema and triggers, so its index is the one the
# forum keeps up message by message. Built once, cached as
# target/bench-search-<hash of what makes it>.db; each run works on a copy.
#
#   bash bench/search.sh                      # the queries, the sizes, a reply's cost,
#                                             # and three searches through the release server
#   PREFIX_INDEX="2 3" bash bench/search.sh   # and a second index with FTS5's prefix='2 3'
#                                             # (or "none", "3 4", ...), to compare
#   MIGRATE=1 bash bench/search.sh            # and the migration 5 -> 6 of the same messages
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin pagebench --bin causerie
hash=$(cat schema.sql migrations/*.sql bench/src/build.rs bench/src/words.rs src/markdown.rs \
  | sha256sum | cut -c1-16)
db=target/bench-search-$hash.db
if [[ ! -f $db ]]; then
  echo "building $db (once) ..."
  rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm" "$db.tmp.env"
  ./target/release/pagebench build "$db.tmp" varied
  mv "$db.tmp.env" "$db.env"
  mv "$db.tmp" "$db"
fi
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
cp "$db" "$work/search.db"
if [[ -n ${PREFIX_INDEX:-} ]]; then
  ./target/release/pagebench search "$work/search.db" --prefix-index "$PREFIX_INDEX"
else
  ./target/release/pagebench search "$work/search.db"
fi
./target/release/pagebench write-cost "$work/search.db"

# Through the release server: what a reader waits for, page included.
PORT=${PORT:-$((20000 + RANDOM % 20000))}
CAUSERIE_DB="$work/search.db" CAUSERIE_ADDR="127.0.0.1:$PORT" \
  CAUSERIE_ADMIN_PASSWORD="bench-$RANDOM-$RANDOM" CAUSERIE_SEARCH_RATE=10000/1s RUST_LOG=warn \
  ./target/release/causerie >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo
echo "through the server (curl, 127.0.0.1; median of 9):"
for q in ba 'bace*' '%22di+ce+ba%22' 'ba&forum=2'; do
  times=$(for _ in $(seq 9); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/search?q=$q"
  done | sort -n | sed -n 5p)
  bytes=$(curl -s "http://127.0.0.1:$PORT/search?q=$q" | wc -c)
  printf '  /search?q=%-16s %6.1f ms  %6d bytes\n' "$q" "$(echo "$times * 1000" | bc -l)" "$bytes"
done
kill $server; wait $server 2>/dev/null || true; server=

if [[ -n ${MIGRATE:-} ]]; then
  cp "$db" "$work/migrate.db"
  /usr/bin/time -f 'peak RSS of the migration: %M KiB' \
    ./target/release/pagebench migrate "$work/migrate.db"
fi
