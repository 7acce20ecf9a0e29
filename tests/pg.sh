#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite and CI.
#
#   bash tests/pg.sh start DIR   initdb a fresh cluster under DIR (made if
#                                missing), start it on a free port of
#                                127.0.0.1 (55500 upward), create the database
#                                `causerie`, and print its URL on stdout (one
#                                line; also written to DIR/url):
#                                postgres://postgres@127.0.0.1:PORT/causerie
#   bash tests/pg.sh stop DIR    stop it (immediate) and remove DIR; nothing
#                                to do when it is stopped or DIR is missing.
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` system user (made, as `causerie-pg`, when there is none), so
# DIR must be reachable by it (/tmp is). Otherwise it runs as the caller.
# The binaries: $PG_BIN if set, else the newest /usr/lib/postgresql/*/bin,
# else pg_ctl on the PATH. Everything but the URL goes to stderr or DIR/*.log.
set -euo pipefail

usage() {
    echo "usage: bash tests/pg.sh start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage

# The user the server runs as, and how to run a command as them.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

find_bin() {
    if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/pg_ctl" ]; then
        echo "$PG_BIN"
        return
    fi
    local newest
    newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$newest" ] && [ -x "$newest/pg_ctl" ]; then
        echo "$newest"
        return
    fi
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    return 1
}

# Something listens on 127.0.0.1:$1 (bash's /dev/tcp: refused at once when not).
port_taken() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

start() {
    local bin
    if ! bin=$(find_bin); then
        echo "tests/pg.sh: PostgreSQL is not installed (no pg_ctl in /usr/lib/postgresql/*/bin or on the PATH; set PG_BIN to its bin directory)" >&2
        exit 1
    fi
    for tool in initdb pg_ctl pg_isready createdb; do
        if [ ! -x "$bin/$tool" ]; then
            echo "tests/pg.sh: $bin/$tool is missing (PostgreSQL's server package is not installed?)" >&2
            exit 1
        fi
    done

    if [ "$(id -u)" -eq 0 ]; then
        if id postgres >/dev/null 2>&1; then
            owner=postgres
        else
            owner=causerie-pg
            if ! id "$owner" >/dev/null 2>&1; then
                useradd --system --no-create-home --shell /usr/sbin/nologin "$owner" >&2
            fi
        fi
    else
        owner=$(id -un)
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -e "$dir/data" ]; then
        echo "tests/pg.sh: $dir/data exists (a server already started here? 'bash tests/pg.sh stop $dir' first)" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown "$owner" "$dir"
    fi
    if ! as_owner test -w "$dir" -a -x "$dir"; then
        echo "tests/pg.sh: $dir is not writable by $owner, who runs the server (a private parent directory?); use a directory under /tmp" >&2
        exit 1
    fi

    # UTF-8 with Unicode case rules (citext and to_tsvector fold every
    # letter, as in production), when the C.UTF-8 locale exists.
    local locale_opts=(-E UTF8 --no-locale)
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale_opts=(-E UTF8 --locale=C.UTF-8)
    fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust "${locale_opts[@]}" \
        >"$dir/initdb.log" 2>&1; then
        echo "tests/pg.sh: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        exit 1
    fi

    # Trust, from this machine only: the unix socket, and 127.0.0.1.
    as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
local all         all                 trust
host  all         all   127.0.0.1/32  trust
local replication all                 trust
host  replication all   127.0.0.1/32  trust
EOF

    # The socket lives in DIR, unless its path would pass the limit of
    # 107 bytes: then TCP only.
    local sockets=$dir
    if [ $((${#dir} + 18)) -gt 100 ]; then
        echo "tests/pg.sh: $dir is too long a path for a unix socket; TCP only" >&2
        sockets=
    fi
    # fsync, synchronous_commit and full_page_writes off: a test server's
    # data need not survive a crash, and commits are much faster without
    # waiting for the disk. max_connections: the suite's many pools at once.
    as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# tests/pg.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockets'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 500
EOF

    # The first free port from 55500; when another server takes it between
    # the check and the start (two starts at once), the start fails to bind
    # and the next port is tried.
    local port=55500 started=
    while [ "$port" -lt 55700 ]; do
        if port_taken "$port"; then
            port=$((port + 1))
            continue
        fi
        rm -f "$dir/server.log"
        if as_owner "$bin/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
            -o "-p $port" >/dev/null 2>&1; then
            started=1
            break
        fi
        if ! grep -qiE 'could not (bind|create any TCP)|address already in use' "$dir/server.log" 2>/dev/null; then
            break
        fi
        port=$((port + 1))
    done
    if [ -z "$started" ]; then
        echo "tests/pg.sh: the server did not start; $dir/server.log:" >&2
        tail -n 30 "$dir/server.log" >&2 || true
        exit 1
    fi

    local i=0
    until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        i=$((i + 1))
        if [ "$i" -ge 100 ]; then
            echo "tests/pg.sh: the server on port $port is not ready; $dir/server.log:" >&2
            tail -n 30 "$dir/server.log" >&2 || true
            as_owner "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
            exit 1
        fi
        sleep 0.1
    done
    if ! "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres causerie >&2; then
        echo "tests/pg.sh: createdb causerie failed" >&2
        as_owner "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
        exit 1
    fi

    local url="postgres://postgres@127.0.0.1:$port/causerie"
    echo "$url" >"$dir/url"
    echo "$url"
}

stop() {
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    if [ "$dir" = / ]; then
        echo "tests/pg.sh: refusing to remove /" >&2
        exit 1
    fi
    # Only a directory this script made (or an empty one) is removed.
    if [ ! -e "$dir/data" ] && [ ! -e "$dir/url" ] && [ ! -e "$dir/initdb.log" ] \
        && [ -n "$(ls -A "$dir")" ]; then
        echo "tests/pg.sh: $dir does not look like a tests/pg.sh server directory; not removing it" >&2
        exit 1
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        local bin
        if bin=$(find_bin); then
            owner=$(stat -c %U "$dir/data")
            as_owner "$bin/pg_ctl" stop -D "$dir/data" -m immediate -w >/dev/null 2>&1 || true
        else
            # No pg_ctl: stop the postmaster by its pid (first line of the file).
            local pid
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            case $pid in
                '' | *[!0-9]*) ;;
                *) kill -QUIT "$pid" 2>/dev/null || true ;;
            esac
        fi
    fi
    rm -rf "$dir"
}

case $cmd in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
