#!/usr/bin/env bash
# Runs causerie's whole test suite on a fresh Debian machine: installs what the
# tests need when missing (Chromium and its driver for the browser tests,
# PostgreSQL for the second backend, from apt), then runs every test of the
# workspace on SQLite, and the integration suite again on PostgreSQL.
#
# PostgreSQL: the server named by CAUSERIE_TEST_PG (a URL of a database the
# tests may create databases from; .ci/run starts one), else a throwaway
# server this script starts (tests/pg.sh) and stops at the end, also on
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} for the tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # PostgreSQL's binaries only: no cluster of Debian's own, left running.
  $SUDO mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/causerie-tests.conf >/dev/null
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "=== the workspace's tests, on SQLite"
# Without the server's URL, even when the caller (.ci/run) exported it:
# with it set, this phase would run on PostgreSQL too.
env -u CAUSERIE_TEST_PG cargo test --workspace --locked

if [ -z "${CAUSERIE_TEST_PG:-}" ]; then
  pg_dir=$(mktemp -d /tmp/causerie-pg.XXXXXX)
  chmod 755 "$pg_dir"
  trap 'bash tests/pg.sh stop "$pg_dir"' EXIT
  CAUSERIE_TEST_PG=$(bash tests/pg.sh start "$pg_dir")
  export CAUSERIE_TEST_PG
fi
echo "=== the integration suite, on PostgreSQL ($CAUSERIE_TEST_PG)"
cargo test --locked --test it
