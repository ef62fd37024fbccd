#!/usr/bin/env bash
# Load benchmark of the district platform on loopback: builds release, starts the demo server
# (embedded SQLite, then PostgreSQL if scripts/postgres.sh can start it), and runs oha against
# sync pulls and accepts for a bounded time each, printing requests/s and p99 latency.
#   ./scripts/load-bench.sh            # 10 s per run
#   SECONDS_PER_RUN=5 CONNECTIONS=32 ./scripts/load-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-32}
fixture=${ACCEPT_FIXTURE:-8000}

if ! command -v oha >/dev/null 2>&1; then
  cargo install oha --locked
fi
cargo build --release -p carecircle-server >&2
bin=target/release/carecircle-server
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Starts the server with the given storage arguments; sets $url.
start() {
  RUST_LOG=warn "$bin" --demo --load-fixture "$fixture" --listen 127.0.0.1:0 "$@" >"$work/out" 2>"$work/err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    if [ -s "$work/out" ]; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/err" >&2; exit 1; fi
    sleep 0.2
  done
  url=$(head -1 "$work/out")
}

stop() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

login() {
  curl -sf -X POST "$url/v1/auth/login" -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"demo\"}" | json "['token']"
}

# oha's JSON summary -> "N req/s, p99 M ms, statuses".
summary() {
  python3 -c '
import json,sys
d=json.load(sys.stdin); s=d["summary"]; p=d["latencyPercentiles"]
codes=d.get("statusCodeDistribution",{})
print("%8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   statuses %s" % (s["requestsPerSec"], p["p50"]*1000, p["p99"]*1000, json.dumps(codes, sort_keys=True)))'
}

run() {
  local name=$1; shift
  printf '%-10s %-26s ' "$storage" "$name"
  oha --no-tui --output-format json -z "${secs}s" -c "$conns" "$@" | summary
}

bench() {
  storage=$1; shift
  start "$@"
  family=$(login family)
  carer=$(login load-caregiver)
  # A family phone that is up to date polls: pull from the head cursor.
  cursor=""
  while :; do
    page=$(curl -sf -X POST "$url/v1/sync/pull" -H "authorization: Bearer $family" -H 'content-type: application/json' -d "{\"cursor\":\"$cursor\",\"limit\":2000}")
    cursor=$(echo "$page" | json "['cursor']")
    [ "$(echo "$page" | json "['more']")" = "True" ] || break
  done
  run "sync pull (up to date)" -m POST -H "authorization: Bearer $family" -H 'content-type: application/json' -d "{\"cursor\":\"$cursor\"}" "$url/v1/sync/pull"
  # Accepts: the load caregiver accepts visits offered to it, picked at random; a visit already
  # taken answers 409 (the rule refusing, also a full transaction).
  run "accept (random visit)" -m POST -H "authorization: Bearer $carer" --rand-regex-url "$url/v1/bookings/load-0[0-7][0-9]{3}/accept"
  stop
}

echo "oha, ${secs} s per run, ${conns} connections, $(nproc) cores" >&2
bench sqlite --db "$work/platform.db"
if pg=$(./scripts/postgres.sh 2>/dev/null); then
  db="cc_load_$(date +%s)"
  psql "$pg" -qc "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
  bench postgres --database-url "${pg%/*}/$db" --pool 16
  psql "$pg" -qc "DROP DATABASE $db" >/dev/null 2>&1 || true
else
  echo "PostgreSQL could not be started: its runs are skipped" >&2
fi
