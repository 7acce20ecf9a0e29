# PostgreSQL 15 for causerie's several-instance deployment
# (docker-compose.scale.yml), from Debian 12's own packages.
#
# On its first start (an empty data volume) it creates the cluster, the role
# `causerie` with the password in CAUSERIE_PG_PASSWORD, the database
# `causerie` it owns, and the extensions the schema uses (citext, unaccent).
# Later starts use the volume as it is: the variable is not read again.
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="causerie-postgres" \
      org.opencontainers.image.description="PostgreSQL 15 (Debian 12) for causerie"
# postgresql-common first, told not to make its own cluster: the data lives
# on the volume and is made by the entrypoint on the first start.
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends postgresql-common; \
    sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf; \
    apt-get install -y --no-install-recommends postgresql-15; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /var/lib/postgresql/data /var/run/postgresql; \
    chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql; \
    chmod 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/causerie-postgres
COPY postgres.conf /etc/causerie-postgres/postgres.conf
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
USER postgres
EXPOSE 5432
# SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client).
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=5 \
    CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "causerie", "-d", "causerie"]
ENTRYPOINT ["/usr/local/bin/causerie-postgres"]
