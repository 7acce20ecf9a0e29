# causerie: a real-time web forum (axum + maud + htmx + SQLite).
#
#   docker build -t causerie .
#   docker run -p 8080:8080 -v causerie-data:/data causerie
#
# or `docker compose up` (see docker-compose.yml). The database lives on the
# /data volume; the schema is compiled into the binary.

# ---------------------------------------------------------------- plan
# Reduce the source tree to its manifests plus a stub for every target of
# every workspace member, so the dependency layer below is rebuilt only when
# a Cargo.toml or Cargo.lock changes, whatever targets or members they
# declare (lib, bins, tests, benches, build scripts, a loadgen/ member, ...).
FROM rust:1.95-slim-bookworm AS plan
WORKDIR /src
COPY . .
RUN set -eu; \
    meta=$(cargo metadata --offline --no-deps --format-version 1); \
    mkdir -p /skeleton; \
    cp Cargo.toml Cargo.lock /skeleton/; \
    for f in $(printf '%s' "$meta" | grep -o '"manifest_path":"[^"]*"' | cut -d'"' -f4); do \
        rel=${f#/src/}; mkdir -p "/skeleton/$(dirname "$rel")"; cp "$f" "/skeleton/$rel"; \
    done; \
    for f in $(printf '%s' "$meta" | grep -o '"src_path":"[^"]*"' | cut -d'"' -f4); do \
        rel=${f#/src/}; mkdir -p "/skeleton/$(dirname "$rel")"; printf '#![allow(unused)]\nfn main() {}\n' > "/skeleton/$rel"; \
    done; \
    if [ -d .cargo ]; then cp -r .cargo /skeleton/; fi; \
    find /skeleton -type f | sort

# ---------------------------------------------------------------- build
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# jemalloc (the allocator, see src/main.rs) is built from C sources with make.
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_TERM_COLOR=never
# Dependencies only: cached until the manifests change.
COPY --from=plan /skeleton/ ./
RUN cargo build --release --locked --bin causerie
# The real sources: their mtimes may be older than the stubs', so touch them
# all so cargo rebuilds the project's own crates.
COPY . .
RUN find . -path ./target -prune -o -type f -name '*.rs' -exec touch {} + \
 && cargo build --release --locked --bin causerie \
 && install -D -m 0755 target/release/causerie /out/causerie

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="causerie" \
      org.opencontainers.image.description="A lightweight real-time web forum" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --gid 10001 causerie \
 && useradd --uid 10001 --gid causerie --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin causerie \
 && mkdir -p /data /app \
 && chown causerie:causerie /data
COPY --from=build /out/causerie /usr/local/bin/causerie
COPY static /app/static
# NO_COLOR: plain log lines for `docker logs` and log collectors.
ENV CAUSERIE_ADDR=0.0.0.0:8080 \
    CAUSERIE_DB=/data/causerie.db \
    CAUSERIE_STATIC=/app/static \
    NO_COLOR=1
WORKDIR /data
VOLUME /data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["causerie", "healthcheck"]
CMD ["causerie"]
