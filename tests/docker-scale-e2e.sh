#!/usr/bin/env bash
# End-to-end check of docker-compose.scale.yml: PostgreSQL 15, three causerie
# instances and HAProxy, over the balancer's published port only:
#
#   engine up -> build (postgres, lb, causerie: the same Dockerfile as the
#   single container) -> compose up with throwaway passwords -> postgres,
#   every instance and the balancer healthy -> the database is on PostgreSQL
#   -> admin logs in, creates a forum and a topic -> three consecutive GETs of
#   the topic, each served by a different container (the balancer's log names
#   the instance's address) -> a socket opened through the balancer sees a
#   topic posted through it (socket and POST on different instances: the
#   shared change log) -> SIGKILL one instance: the forum answers at once
#   (retried on another), the balancer marks it DOWN, requests go to the two
#   left -> live updates still work -> it is started again and taken back
#   -> down -v (also when a step failed).
#
# Usage (as root, from anywhere):  bash tests/docker-scale-e2e.sh
# Needs: bash, curl, python3 (venv + PyPI for `websockets`, as
# tests/docker-e2e.sh), the engine script at ../shared/docker/setup-docker.sh
# beside the repo (SETUP_DOCKER overrides; SETUP_DOCKER=none uses whatever
# engine `docker` already reaches). The engine is left running.
# SCALE_E2E_PORT (default 18080) is the port published on 127.0.0.1;
# SCALE_E2E_SUBNET (default 172.30.78.0/24) the compose network.
# SCALE_E2E_SKIP_BUILD=1 reuses the images a previous run built.
# Logs: $SCALE_E2E_LOGS (default a new /tmp dir).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETUP_DOCKER=${SETUP_DOCKER:-"$REPO/../shared/docker/setup-docker.sh"}
PROJECT=causerie-scale-e2e
PORT=${SCALE_E2E_PORT:-18080}
SUBNET=${SCALE_E2E_SUBNET:-172.30.78.0/24}
BASE=http://127.0.0.1:$PORT
INSTANCES=3
HEALTH_WAIT=240      # seconds
LOGS=${SCALE_E2E_LOGS:-$(mktemp -d /tmp/causerie-scale-e2e.XXXXXX)}
mkdir -p "$LOGS"
WORK=$(mktemp -d)
VENV=${DOCKER_E2E_VENV:-"$REPO/target/docker-e2e-venv"}

random_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

# Only what this script sets reaches compose: no .env, no stray settings.
: >"$WORK/empty.env"
unset CAUSERIE_ADMIN_PASSWORD CAUSERIE_PG_PASSWORD CAUSERIE_SECURE_COOKIES CAUSERIE_PUBLIC_URL \
  CAUSERIE_INSTANCES RUST_LOG
export CAUSERIE_PORT=$PORT CAUSERIE_SCALE_SUBNET=$SUBNET
PG_PW=$(random_password)
ADMIN_PW=$(random_password)
compose() {
  CAUSERIE_PG_PASSWORD=$PG_PW CAUSERIE_ADMIN_PASSWORD=$ADMIN_PW \
    docker compose --project-name "$PROJECT" --project-directory "$REPO" \
    --file "$REPO/docker-compose.scale.yml" --env-file "$WORK/empty.env" "$@"
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

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$CURRENT" ]; then
    TIMINGS+=("$(printf '%5s   %s' "-" "$CURRENT (FAILED)")")
  fi
  if docker info >/dev/null 2>&1; then
    if [ -n "$(compose ps -aq 2>/dev/null)" ]; then
      compose logs --no-color --timestamps >"$LOGS/containers.log" 2>&1
      if [ $rc -ne 0 ]; then
        say "container logs (last 80 lines; all in $LOGS/containers.log):"
        compose logs --no-color --tail 80 >&2 2>&1
      fi
    fi
    local t0=$SECONDS
    compose down -v --remove-orphans >>"$LOGS/compose.log" 2>&1
    TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - t0)) "compose down -v")")
  fi
  rm -rf "$WORK"
  echo >&2
  echo "timings:" >&2
  printf '  %s\n' "${TIMINGS[@]}" >&2
  printf '  %5ss  total\n' $((SECONDS - T_START)) >&2
  echo "logs: $LOGS" >&2
  if [ $rc -eq 0 ]; then echo "docker-scale-e2e: 1 passed, 0 failed" >&2
  else echo "docker-scale-e2e: 0 passed, 1 failed" >&2; fi
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
instances() { compose ps -q causerie; }          # running ones
ip_of() { docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
name_of() { docker inspect --format '{{.Name}}' "$1" | sed 's,^/,,'; }
lb_log() { compose logs --no-color lb 2>&1 | sed "s/\x1b\[[0-9;]*[A-Za-z]//g"; }
# The instance's address that served the request whose line has MARKER.
served_by() { lb_log | grep -F -- "$1" | tail -n 1 | grep -oE 'causerie/causerie[0-9]+ [0-9.]+' | awk '{print $2}'; }
# The balancer's servers, from its stats page (inside its container): one
# "SLOT STATUS ADDRESS" line each, the slots with no instance left out.
lb_servers() {
  compose exec -T lb bash -c 'exec 3<>/dev/tcp/127.0.0.1/8404; printf "GET /;csv HTTP/1.0\r\n\r\n" >&3; cat <&3' \
    | tr -d '\r' | awk -F, '
        /^# pxname/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == "causerie" && $2 ~ /^causerie[0-9]+$/ && $col["status"] !~ /^MAINT/ {
          split($col["addr"], a, ":"); print $2, $col["status"], a[1] }'
}
lb_up() { lb_servers | awk '$2 == "UP"' | wc -l; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

health_of() { docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1"; }
wait_healthy() { # wait_healthy CONTAINER...
  local id status i
  for id in "$@"; do
    for ((i = 0; i < HEALTH_WAIT; i++)); do
      status=$(health_of "$id")
      case $status in
        "running healthy") break ;;
        exited* | dead*) fail "$(name_of "$id") stopped while starting ($status)" ;;
        restarting*)
          [ "$(docker inspect --format '{{.RestartCount}}' "$id")" -lt 3 ] \
            || fail "$(name_of "$id") keeps restarting: $(docker logs --tail 3 "$id" 2>&1 | tail -n 1)" ;;
      esac
      sleep 1
    done
    [ "$status" = "running healthy" ] || fail "$(name_of "$id") not healthy after ${HEALTH_WAIT}s (last: $status)"
  done
}

# ---------------------------------------------------------------- steps
engine_up() {
  if [ "$SETUP_DOCKER" != none ]; then
    [ -f "$SETUP_DOCKER" ] || fail "no engine script at $SETUP_DOCKER"
    bash "$SETUP_DOCKER" up >"$LOGS/engine.log" 2>&1 || { tail -30 "$LOGS/engine.log" >&2; fail "engine setup"; }
  fi
  docker info >/dev/null 2>&1 || fail "no docker engine answers"
  docker compose version >&2
  compose down -v --remove-orphans >>"$LOGS/compose.log" 2>&1 || true
}

python_env() {
  if ! "$VENV/bin/python" -c 'import websockets' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" 2>"$LOGS/venv.log" || {
      apt-get install -y -qq python3-venv >>"$LOGS/venv.log" 2>&1 || true
      rm -rf "$VENV"; python3 -m venv "$VENV"
    }
    "$VENV/bin/pip" install -q --disable-pip-version-check 'websockets==15.0.1' >>"$LOGS/venv.log" 2>&1 \
      || { tail -20 "$LOGS/venv.log" >&2; fail "pip install websockets"; }
  fi
}

unset_password_refused() {
  # No default password is committed: without it compose refuses to start.
  local out
  if out=$(docker compose --project-name "$PROJECT" --project-directory "$REPO" \
    --file "$REPO/docker-compose.scale.yml" --env-file "$WORK/empty.env" config 2>&1); then
    fail "compose config passed with CAUSERIE_PG_PASSWORD unset"
  fi
  grep -q "CAUSERIE_PG_PASSWORD" <<<"$out" || fail "unexpected error without a password: $out"
  say "unset password refused: $(tail -n 1 <<<"$out")"
}

build() {
  if [ -n "${SCALE_E2E_SKIP_BUILD:-}" ]; then
    say "SCALE_E2E_SKIP_BUILD: using the images already built"
    return
  fi
  compose --progress plain build >"$LOGS/build.log" 2>&1 || { tail -40 "$LOGS/build.log" >&2; fail "image build"; }
  local image
  for image in $(compose config --images); do
    say "image $image: $(( ($(docker image inspect --format '{{.Size}}' "$image") + 999999) / 1000000 )) MB"
  done
}

start() {
  port_free || fail "something already listens on 127.0.0.1:$PORT; set SCALE_E2E_PORT"
  compose up -d >>"$LOGS/compose.log" 2>&1 || { tail -20 "$LOGS/compose.log" >&2; fail "compose up"; }
  wait_healthy "$(compose ps -q postgres)"
  local ids; ids=$(instances)
  [ "$(wc -l <<<"$ids")" -eq "$INSTANCES" ] || fail "expected $INSTANCES causerie containers, got: $ids"
  # shellcheck disable=SC2086
  wait_healthy $ids "$(compose ps -q lb)"
  local id
  for id in $ids; do say "$(name_of "$id") at $(ip_of "$id"): healthy"; done
  # The balancer has checked them all and takes every one.
  local i up
  for ((i = 0; i < 30; i++)); do
    up=$(lb_up)
    [ "$up" -eq "$INSTANCES" ] && break
    sleep 1
  done
  [ "$up" -eq "$INSTANCES" ] || { lb_servers >&2; fail "the balancer has $up instances UP, expected $INSTANCES"; }
  say "balancer: $(lb_servers | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

on_postgres() {
  local log; log=$(compose logs --no-color causerie 2>&1 | sed "s/\x1b\[[0-9;]*[A-Za-z]//g")
  grep -q "schema created" <<<"$log" || fail "no instance logged 'schema created'"
  grep "schema created" <<<"$log" | grep -q "pg=true" || fail "the schema was not created on PostgreSQL: $(grep 'schema created' <<<"$log")"
  [ "$(grep -c 'schema created' <<<"$log")" -eq 1 ] || fail "the schema was created more than once"
  ! grep -qF "$ADMIN_PW" <<<"$log" || fail "the admin password appears in the log"
  ! grep -qF "$PG_PW" < <(compose logs --no-color 2>&1) || fail "the database password appears in a log"
  say "one instance created the schema on PostgreSQL: $(grep 'schema created' <<<"$log" | cut -d'|' -f1 | tr -d ' ')"
}

forum_and_topic() {
  local got
  : >"$WORK/admin.jar"
  expect_303 "admin login" "$(http POST /login "$WORK/admin.jar" --data-urlencode username=admin --data-urlencode "password=$ADMIN_PW")"
  ADMIN_COOKIE=$(awk '$6=="causerie"{print $7}' "$WORK/admin.jar")
  [ -n "$ADMIN_COOKIE" ] || fail "login set no causerie cookie"
  FORUM_NAME="Scale forum $RANDOM"
  got=$(http POST /admin/forums "$WORK/admin.jar" --data-urlencode "name=$FORUM_NAME" --data-urlencode "description=Made by docker-scale-e2e.sh")
  expect_303 "create forum" "$got" '/forums/[0-9]+'
  FORUM_ID=${got##*/}
  TITLE="Shared topic $RANDOM-$RANDOM"
  got=$(http POST "/forums/$FORUM_ID/topics" "$WORK/admin.jar" --data-urlencode "title=$TITLE" --data-urlencode "body=Seen from every instance.")
  expect_303 "create topic" "$got" '/topics/[0-9]+'
  TOPIC_ID=${got##*/}
  say "admin logged in, forum $FORUM_ID and topic $TOPIC_ID created through the balancer"
  local row
  row=$(compose exec -T postgres psql -X -qAt -U postgres -d causerie -c "SELECT title FROM topics WHERE id = $TOPIC_ID")
  [ "$row" = "$TITLE" ] || fail "topic $TOPIC_ID not in PostgreSQL (got '$row')"
  say "topic $TOPIC_ID is a row of PostgreSQL's topics table"
}

three_instances() {
  local i probe ip seen=()
  for ((i = 1; i <= INSTANCES; i++)); do
    probe="probe-$RANDOM$RANDOM-$i"
    curl -sS --max-time 10 -o "$WORK/page" -w '%{http_code}' -b "$WORK/admin.jar" \
      "$BASE/topics/$TOPIC_ID?$probe" >"$WORK/code" || fail "GET topic ($i)"
    [ "$(cat "$WORK/code")" = 200 ] || fail "GET /topics/$TOPIC_ID ($i): $(cat "$WORK/code")"
    grep -qF "$TITLE" "$WORK/page" || fail "GET /topics/$TOPIC_ID ($i): the title is not on the page"
    sleep 0.3 # the balancer's log line
    ip=$(served_by "$probe")
    [ -n "$ip" ] || { lb_log | tail -5 >&2; fail "request $i is not in the balancer's log"; }
    seen+=("$ip")
    say "GET /topics/$TOPIC_ID #$i: 200 with the title, served by $(container_at "$ip") ($ip)"
  done
  local distinct; distinct=$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)
  [ "$distinct" -eq "$INSTANCES" ] || fail "$INSTANCES consecutive requests went to $distinct instance(s): ${seen[*]}"
  VICTIM_IP=${seen[1]}
  VICTIM=$(container_id_at "$VICTIM_IP")
}
container_id_at() { local id; for id in $(instances); do [ "$(ip_of "$id")" = "$1" ] && echo "$id"; done; return 0; }
container_at() { local id; id=$(container_id_at "$1"); [ -n "$id" ] && name_of "$id" || echo "?"; }

live_across() { # live_across LABEL: a socket and a POST, on two instances
  local title="Live $1 $RANDOM-$RANDOM" tid ws_ip post_ip
  tid=$(timeout 60 "$VENV/bin/python" "$REPO/tests/docker/ws_check.py" topic "$BASE" "$FORUM_ID" \
    "$ADMIN_COOKIE" "$title" "Posted while a socket watched the forum." 2>"$WORK/ws.err") \
    || { cat "$WORK/ws.err" >&2; fail "live topic ($1)"; }
  sleep 0.3
  ws_ip=$(lb_log | grep -F "/_ws?view=%2Fforums%2F$FORUM_ID" | tail -n 1 | grep -oE 'causerie/causerie[0-9]+ [0-9.]+' | awk '{print $2}')
  post_ip=$(lb_log | grep -F "POST /forums/$FORUM_ID/topics" | tail -n 1 | grep -oE 'causerie/causerie[0-9]+ [0-9.]+' | awk '{print $2}')
  say "$(cat "$WORK/ws.err")"
  # The socket's line is logged when it closes, after the POST's.
  if [ -n "$ws_ip" ] && [ -n "$post_ip" ] && [ "$ws_ip" != "$post_ip" ]; then
    say "topic $tid: socket on $(container_at "$ws_ip"), POST on $(container_at "$post_ip"): delivered across instances"
  else
    say "topic $tid delivered; socket on '$ws_ip', POST on '$post_ip' (not shown to be two instances)"
    [ "$1" != "3 instances" ] || fail "socket and POST were not on two different instances"
  fi
}
live_three() { live_across "3 instances"; }
live_two() { live_across "2 instances"; }

# The killed instance is still UP in the balancer.
victim_serving() { lb_servers | awk -v ip="$VICTIM_IP" '$3 == ip && $2 == "UP" {f=1} END {exit !f}'; }
kill_one() {
  local name; name=$(name_of "$VICTIM")
  docker kill "$VICTIM" >/dev/null || fail "docker kill $name"
  local t0; t0=$(date +%s.%N)
  say "killed $name ($VICTIM_IP) with SIGKILL"
  # At once: every request answers (a connection to the dead one is retried
  # on another instance), before and after the health check notices.
  local i code down="" ms
  for ((i = 1; i <= 12; i++)); do
    code=$(curl -sS --max-time 20 -o "$WORK/page" -w '%{http_code} %{time_total}' "$BASE/forums/$FORUM_ID?after-kill-$i") \
      || fail "GET /forums/$FORUM_ID after the kill ($i): no answer"
    [ "${code%% *}" = 200 ] || fail "GET /forums/$FORUM_ID after the kill ($i): ${code%% *}"
    grep -qF "$TITLE" "$WORK/page" || fail "the forum page after the kill ($i) lacks the topic"
    [ -n "$down" ] || victim_serving || down=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    sleep 0.5
  done
  say "12 GETs over $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')s after the kill: all 200 with the topic"
  local line
  i=0
  while [ -z "$down" ] && [ $i -lt 40 ]; do
    victim_serving || down=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    i=$((i + 1)); sleep 0.5
  done
  [ -n "$down" ] || { lb_servers >&2; fail "the balancer still takes the killed instance"; }
  line=$(lb_log | grep -E "causerie/causerie[0-9]+ .*(is DOWN|going DOWN)" | tail -n 1)
  say "balancer took it out within ${down}s of the kill: ${line#*Server }"
  say "balancer now: $(lb_servers | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
  say "$name: $(health_of "$VICTIM") (restart policy does not bring back a killed container)"
  # Now only the two left serve.
  local seen=() ip probe
  for ((i = 1; i <= 4; i++)); do
    probe="after-down-$RANDOM$RANDOM-$i"
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/topics/$TOPIC_ID?$probe")
    [ "$code" = 200 ] || fail "GET topic after DOWN ($i): $code"
    sleep 0.3
    ip=$(served_by "$probe")
    [ "$ip" != "$VICTIM_IP" ] || fail "a request went to the dead instance after DOWN"
    seen+=("$ip")
  done
  say "4 GETs after DOWN, served by: $(for ip in "${seen[@]}"; do printf '%s ' "$(container_at "$ip")"; done)"
  [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" -eq 2 ] || fail "expected the 2 instances left to share the requests"
}

back_up() {
  docker start "$VICTIM" >/dev/null || fail "docker start"
  wait_healthy "$VICTIM"
  local i n
  for ((i = 0; i < 30; i++)); do
    n=$(lb_up)
    [ "$n" -eq "$INSTANCES" ] && break
    sleep 1
  done
  [ "$n" -eq "$INSTANCES" ] || { lb_servers >&2; fail "the balancer did not take the instance back ($n UP)"; }
  local seen=() probe
  for ((i = 1; i <= INSTANCES; i++)); do
    probe="back-$RANDOM$RANDOM-$i"
    [ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/topics/$TOPIC_ID?$probe")" = 200 ] || fail "GET after restart ($i)"
    sleep 0.3
    seen+=("$(served_by "$probe")")
  done
  [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" -eq "$INSTANCES" ] || fail "after the restart, requests went to: ${seen[*]}"
  say "$(name_of "$VICTIM") started again (now $(ip_of "$VICTIM")): healthy, UP in the balancer, serving again; balancer: $(lb_servers | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

frozen() {
  # Paused, it still resolves and accepts connections but answers nothing:
  # only /healthz checks can tell, and they take it out.
  local id; id=$(instances | head -n 1)
  local ip; ip=$(ip_of "$id")
  docker pause "$id" >/dev/null || fail "docker pause"
  local t0=$SECONDS i st=""
  for ((i = 0; i < 30; i++)); do
    st=$(lb_servers | awk -v ip="$ip" '$3 == ip {print $2}')
    [ "$st" = DOWN ] && break
    sleep 1
  done
  [ "$st" = DOWN ] || { lb_servers >&2; docker unpause "$id"; fail "the paused instance is '$st' in the balancer, not DOWN"; }
  say "$(name_of "$id") paused: DOWN in the balancer after $((SECONDS - t0))s ($(lb_log | grep -E "is DOWN" | tail -n 1 | sed 's/.*Server //' | cut -c1-90))"
  local probe seen=()
  for ((i = 1; i <= 4; i++)); do
    probe="frozen-$RANDOM$RANDOM-$i"
    [ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/topics/$TOPIC_ID?$probe")" = 200 ] || fail "GET while one is frozen ($i)"
    sleep 0.3
    seen+=("$(served_by "$probe")")
  done
  ! printf '%s\n' "${seen[@]}" | grep -qxF "$ip" || fail "a request went to the frozen instance"
  say "4 GETs while it is frozen: all 200, none on it"
  docker unpause "$id" >/dev/null || fail "docker unpause"
  t0=$SECONDS
  for ((i = 0; i < 30; i++)); do
    [ "$(lb_up)" -eq "$INSTANCES" ] && break
    sleep 1
  done
  [ "$(lb_up)" -eq "$INSTANCES" ] || fail "the unpaused instance did not come back"
  say "unpaused: UP again after $((SECONDS - t0))s"
}

step "engine up" engine_up
step "python venv + websockets" python_env
step "no password: compose refuses" unset_password_refused
step "image build (postgres, lb, causerie)" build
step "compose up: postgres + $INSTANCES instances + balancer healthy" start
step "the instances run on PostgreSQL" on_postgres
step "admin login + forum + topic through the balancer" forum_and_topic
step "$INSTANCES consecutive GETs on $INSTANCES instances" three_instances
step "live: socket and POST on two instances" live_three
step "kill one instance: the forum still answers" kill_one
step "live with two instances" live_two
step "the killed instance started again" back_up
step "a frozen instance: the health check takes it out" frozen
