#!/usr/bin/env bash
# End-to-end check of the Docker image and docker-compose.yml, over the
# published port 127.0.0.1:8080 only:
#
#   engine up -> build -> compose up (admin password generated here) -> healthy
#   -> admin logs in, creates a forum -> a member registers -> a WebSocket on
#   the forum sees the member's new topic arrive -> `compose stop` with a socket
#   open (timed): exit 0, the socket gets 1001 -> down + up: data kept, no new
#   schema, first password still works (a different one given now is ignored)
#   -> down -v + up with no password: a generated one is logged and works
#   -> down -v, engine down (also when a step failed).
#
# Usage (as root, from anywhere):  bash tests/docker-e2e.sh
# Needs: bash, curl, python3 (venv + PyPI for `websockets`), the engine script
# at ../shared/docker/setup-docker.sh beside the repo (SETUP_DOCKER overrides;
# SETUP_DOCKER=none uses whatever engine `docker` already reaches).
# The engine is stopped at the end only if this script started it
# (DOCKER_E2E_KEEP_ENGINE=1: never). Logs: $DOCKER_E2E_LOGS (default a new /tmp dir).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETUP_DOCKER=${SETUP_DOCKER:-"$REPO/../shared/docker/setup-docker.sh"}
PROJECT=causerie-docker-e2e
SERVICE=causerie
BASE=http://127.0.0.1:8080
MAX_IMAGE_MB=100
HEALTH_WAIT=180      # seconds, per start
LOGS=${DOCKER_E2E_LOGS:-$(mktemp -d /tmp/causerie-docker-e2e.XXXXXX)}
mkdir -p "$LOGS"
WORK=$(mktemp -d)
VENV=${DOCKER_E2E_VENV:-"$REPO/target/docker-e2e-venv"}

# Only what this script sets reaches compose: no .env, no stray settings.
: >"$WORK/empty.env"
unset CAUSERIE_ADMIN_PASSWORD CAUSERIE_SECURE_COOKIES RUST_LOG
compose() {
  docker compose --project-name "$PROJECT" --project-directory "$REPO" \
    --file "$REPO/docker-compose.yml" --env-file "$WORK/empty.env" "$@"
}

# ---------------------------------------------------------------- reporting
T_START=$SECONDS
TIMINGS=()
CURRENT=""
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
step() { # step NAME FUNCTION: run and time one step
  CURRENT=$1
  local t0=$SECONDS
  say "== $1"
  "$2"
  TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - t0)) "$1")")
  CURRENT=""
}

ENGINE_STARTED=""
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$CURRENT" ]; then
    TIMINGS+=("$(printf '%5s   %s' "-" "$CURRENT (FAILED)")")
  fi
  if docker info >/dev/null 2>&1; then
    if [ $rc -ne 0 ] && [ -n "$(compose ps -aq 2>/dev/null)" ]; then
      say "container log (last 60 lines):"
      compose logs --no-color --tail 60 >&2 2>&1
    fi
    local t0=$SECONDS
    compose down -v --remove-orphans >>"$LOGS/compose.log" 2>&1
    TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - t0)) "compose down -v")")
  fi
  if [ -n "$ENGINE_STARTED" ] && [ -z "${DOCKER_E2E_KEEP_ENGINE:-}" ]; then
    local t0=$SECONDS
    "$SETUP_DOCKER" down >>"$LOGS/engine.log" 2>&1
    TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - t0)) "engine down")")
  fi
  rm -rf "$WORK"
  echo >&2
  echo "timings:" >&2
  printf '  %s\n' "${TIMINGS[@]}" >&2
  printf '  %5ss  total\n' $((SECONDS - T_START)) >&2
  echo "logs: $LOGS" >&2
  if [ $rc -eq 0 ]; then echo "docker-e2e: 1 passed, 0 failed" >&2
  else echo "docker-e2e: 0 passed, 1 failed" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
# http METHOD PATH JAR [curl args...]: prints "STATUS LOCATION"
http() {
  local method=$1 path=$2 jar=$3; shift 3
  curl -sS --max-time 20 -o "$WORK/body" -D "$WORK/headers" -X "$method" \
    -b "$jar" -c "$jar" "$@" "$BASE$path" >/dev/null
  local status location
  status=$(awk 'NR==1{print $2}' "$WORK/headers")
  location=$(tr -d '\r' <"$WORK/headers" | awk 'tolower($1)=="location:"{print $2}')
  echo "$status $location"
}
expect_303() { # expect_303 WHAT "STATUS LOCATION" [LOCATION_REGEX]
  local what=$1 got=$2 re=${3:-.*}
  [[ ${got%% *} == 303 ]] || { head -c 600 "$WORK/body" >&2; echo >&2; fail "$what: expected 303, got '$got'"; }
  [[ ${got#* } =~ ^$re$ ]] || fail "$what: Location '${got#* }' does not match $re"
}
container() { compose ps -aq "$SERVICE"; }
logs() { compose logs --no-color "$SERVICE" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; }
random_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

wait_healthy() {
  local id status i
  id=$(container)
  [ -n "$id" ] || fail "no container"
  for ((i = 0; i < HEALTH_WAIT; i++)); do
    status=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
    case $status in
      "running healthy") say "healthy after ${i}s"; return 0 ;;
      exited* | dead*) fail "container stopped while starting ($status)" ;;
    esac
    sleep 1
  done
  fail "not healthy after ${HEALTH_WAIT}s (last: $status)"
}

# ---------------------------------------------------------------- steps
engine_up() {
  if [ "$SETUP_DOCKER" != none ]; then
    [ -x "$SETUP_DOCKER" ] || [ -f "$SETUP_DOCKER" ] || fail "no engine script at $SETUP_DOCKER"
    docker info >/dev/null 2>&1 || ENGINE_STARTED=1
    bash "$SETUP_DOCKER" up >"$LOGS/engine.log" 2>&1 || { tail -30 "$LOGS/engine.log" >&2; fail "engine setup"; }
  fi
  docker info >/dev/null 2>&1 || fail "no docker engine answers"
  docker compose version >&2
  # Leftovers of an interrupted run.
  compose down -v --remove-orphans >>"$LOGS/compose.log" 2>&1 || true
}

python_env() {
  if ! "$VENV/bin/python" -c 'import websockets' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" 2>"$LOGS/venv.log" || {
      # Debian's python3 keeps ensurepip in a separate package.
      apt-get install -y -qq python3-venv >>"$LOGS/venv.log" 2>&1 || true
      rm -rf "$VENV"; python3 -m venv "$VENV"
    }
    "$VENV/bin/pip" install -q --disable-pip-version-check 'websockets==15.0.1' >>"$LOGS/venv.log" 2>&1 \
      || { tail -20 "$LOGS/venv.log" >&2; fail "pip install websockets"; }
  fi
  "$VENV/bin/python" -c 'import websockets; print("websockets", websockets.__version__)' >&2
}

build() {
  compose --progress plain build >"$LOGS/build.log" 2>&1 || { tail -40 "$LOGS/build.log" >&2; fail "image build"; }
  local image bytes
  image=$(compose config --images | head -1)
  bytes=$(docker image inspect --format '{{.Size}}' "$image")
  IMAGE_MB=$(( (bytes + 999999) / 1000000 ))
  say "image $image: ${IMAGE_MB} MB"
  docker image ls "${image%%:*}" >&2
  [ "$IMAGE_MB" -lt "$MAX_IMAGE_MB" ] || fail "image is ${IMAGE_MB} MB, limit ${MAX_IMAGE_MB} MB"
}

first_start() {
  port_free || fail "something already listens on 127.0.0.1:8080; stop it first"
  ADMIN_PW=$(random_password)
  CAUSERIE_ADMIN_PASSWORD=$ADMIN_PW compose up -d >>"$LOGS/compose.log" 2>&1 \
    || { tail -20 "$LOGS/compose.log" >&2; fail "compose up"; }
  wait_healthy
  local log; log=$(logs)
  grep -q "schema created" <<<"$log" || fail "first start did not log 'schema created'"
  grep -q "with CAUSERIE_ADMIN_PASSWORD" <<<"$log" || fail "first start did not take CAUSERIE_ADMIN_PASSWORD"
  ! grep -qF "$ADMIN_PW" <<<"$log" || fail "the admin password appears in the log"
  local user; user=$(docker exec "$(container)" id -u)
  [ "$user" != 0 ] || fail "the server runs as root"
  say "server runs as uid $user"
}

pages() {
  local got
  for path in / /healthz /static/style.css /static/htmx.min.js /login; do
    got=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BASE$path")
    [ "$got" = 200 ] || fail "GET $path: $got"
  done
  grep -q "<html" < <(curl -sS --max-time 10 "$BASE/") || fail "GET / is not a page"
  say "GET / /healthz /static/style.css /static/htmx.min.js /login: 200"
}

admin_forum() {
  : >"$WORK/admin.jar"
  expect_303 "admin login" "$(http POST /login "$WORK/admin.jar" --data-urlencode username=admin --data-urlencode "password=$ADMIN_PW")"
  FORUM_NAME="E2E forum $RANDOM"
  local got
  got=$(http POST /admin/forums "$WORK/admin.jar" --data-urlencode "name=$FORUM_NAME" --data-urlencode "description=Made by docker-e2e.sh")
  expect_303 "create forum" "$got" '/forums/[0-9]+'
  FORUM_ID=${got##*/}
  say "forum $FORUM_ID created by admin"
}

member() {
  : >"$WORK/member.jar"
  MEMBER="e2e_$RANDOM"
  local pw; pw=$(random_password)
  expect_303 "register" "$(http POST /register "$WORK/member.jar" --data-urlencode "username=$MEMBER" \
    --data-urlencode "password=$pw" --data-urlencode "password_confirm=$pw")"
  MEMBER_COOKIE=$(awk '$6=="causerie"{print $7}' "$WORK/member.jar")
  [ -n "$MEMBER_COOKIE" ] || fail "register set no causerie cookie"
  say "member $MEMBER registered and logged in"
}

live_topic() {
  TITLE="Live from docker $RANDOM-$RANDOM"
  TOPIC_ID=$(timeout 60 "$VENV/bin/python" "$REPO/tests/docker/ws_check.py" topic "$BASE" "$FORUM_ID" \
    "$MEMBER_COOKIE" "$TITLE" "Posted while a socket watched the forum.") || fail "live topic"
  say "topic $TOPIC_ID seen live"
}

stop_with_socket() {
  timeout 60 "$VENV/bin/python" "$REPO/tests/docker/ws_check.py" hold "$BASE" "$FORUM_ID" 40 \
    >"$WORK/hold.out" 2>"$WORK/hold.err" &
  local hold=$! i
  for ((i = 0; i < 100; i++)); do grep -q READY "$WORK/hold.out" 2>/dev/null && break; sleep 0.1; done
  grep -q READY "$WORK/hold.out" || { cat "$WORK/hold.err" >&2; fail "the socket did not open"; }
  local t0 t1
  t0=$(date +%s.%N)
  compose stop >>"$LOGS/compose.log" 2>&1 || fail "compose stop"
  t1=$(date +%s.%N)
  local took; took=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  say "compose stop took ${took}s"
  local code; code=$(docker inspect --format '{{.State.ExitCode}}' "$(container)")
  [ "$code" = 0 ] || fail "server exit code $code after SIGTERM (want 0)"
  wait "$hold" || { cat "$WORK/hold.out" "$WORK/hold.err" >&2; fail "socket not closed with 1001"; }
  say "exit code 0; open socket got: $(grep CLOSED "$WORK/hold.out")"
}

restart() {
  compose down >>"$LOGS/compose.log" 2>&1 || fail "compose down"
  # A different password now must be ignored: it is for the first start only.
  CAUSERIE_ADMIN_PASSWORD="not-$(random_password)" compose up -d >>"$LOGS/compose.log" 2>&1 \
    || { tail -20 "$LOGS/compose.log" >&2; fail "compose up (second)"; }
  wait_healthy
  local log; log=$(logs)
  ! grep -q "schema created" <<<"$log" || fail "second start logged 'schema created' again"
  ! grep -q "first start" <<<"$log" || fail "second start created the admin again"
  grep -qF "$TITLE" < <(curl -sS --max-time 10 "$BASE/forums/$FORUM_ID") || fail "topic gone after restart"
  grep -qF "$TITLE" < <(curl -sS --max-time 10 "$BASE/topics/$TOPIC_ID") || fail "topic page gone after restart"
  : >"$WORK/admin2.jar"
  expect_303 "admin login after restart" "$(http POST /login "$WORK/admin2.jar" --data-urlencode username=admin --data-urlencode "password=$ADMIN_PW")"
  say "forum $FORUM_ID and topic $TOPIC_ID kept; no new schema; first admin password still works"
}

generated_password() {
  compose down -v >>"$LOGS/compose.log" 2>&1 || fail "compose down -v"
  compose up -d >>"$LOGS/compose.log" 2>&1 || { tail -20 "$LOGS/compose.log" >&2; fail "compose up (no password)"; }
  wait_healthy
  local log pw
  log=$(logs)
  pw=$(grep -o 'generated password: [^ ]*' <<<"$log" | sed -n '1s/.*: //p')
  [ -n "$pw" ] || fail "no generated password in the log"
  grep -q "schema created" <<<"$log" || fail "fresh volume did not log 'schema created'"
  : >"$WORK/admin3.jar"
  expect_303 "login with the generated password" "$(http POST /login "$WORK/admin3.jar" --data-urlencode username=admin --data-urlencode "password=$pw")"
  say "with no password set, the log shows a generated one (${#pw} chars) and it works"
}

step "engine up" engine_up
step "python venv + websockets" python_env
step "image build" build
step "compose up + healthy (first start)" first_start
step "pages and static files" pages
step "admin login + create forum" admin_forum
step "register member" member
step "topic arrives on an open WebSocket" live_topic
step "compose stop with a socket open" stop_with_socket
step "down + up: data kept" restart
step "fresh volume, no password: generated" generated_password
