#!/bin/sh
# Entrypoint of the causerie-postgres image: initialises an empty data
# directory once, then runs the server in the foreground as PID 1.
set -eu

PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${CAUSERIE_PG_PASSWORD:-}" ]; then
        echo "causerie-postgres: CAUSERIE_PG_PASSWORD is not set; it is needed on the first start (empty volume)" >&2
        exit 1
    fi
    echo "causerie-postgres: first start, creating the cluster in $PGDATA"
    # The superuser `postgres` has no password and is reached through the
    # unix socket only (peer); the network reaches the database `causerie`
    # as the role `causerie`, with its password (SCRAM).
    initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    cat >"$PGDATA/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER      ADDRESS    METHOD
local   all       postgres             peer
local   causerie  causerie             scram-sha-256
host    causerie  causerie  0.0.0.0/0  scram-sha-256
host    causerie  causerie  ::/0       scram-sha-256
HBA
    echo "include = '/etc/causerie-postgres/postgres.conf'" >>"$PGDATA/postgresql.conf"
    # A server on the unix socket only while it is set up, so nothing
    # reaches it (and the health check fails) until it is ready.
    pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses=''" start >/dev/null
    # The password goes in through a psql variable, quoted by psql.
    psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres \
        -v pw="$CAUSERIE_PG_PASSWORD" <<'SQL'
CREATE ROLE causerie LOGIN PASSWORD :'pw';
CREATE DATABASE causerie OWNER causerie ENCODING 'UTF8' TEMPLATE template0;
\connect causerie
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS unaccent;
SQL
    pg_ctl -D "$PGDATA" -w -t 60 -m fast stop >/dev/null
    echo "causerie-postgres: database causerie and role causerie created"
fi

exec postgres -D "$PGDATA" "$@"
