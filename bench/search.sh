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
#   bash bench/search.sh                  # the queries, the sizes
#   PREFIX_INDEX="2 3" bash bench/search.sh   # and a second index with FTS5's prefix='2 3', to compare
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin pagebench
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
trap 'rm -rf "$work"' EXIT
cp "$db" "$work/search.db"
if [[ -n ${PREFIX_INDEX:-} ]]; then
  ./target/release/pagebench search "$work/search.db" --prefix-index "$PREFIX_INDEX"
else
  ./target/release/pagebench search "$work/search.db"
fi
