#!/usr/bin/env bash
# The end-to-end browser test of the district platform's one-map page: installs Debian's
# chromium and playwright-core (scripts/setup-browser.sh, cached outside the repo), builds
# carecircle-server (release), starts it with --demo on a free loopback port and a fresh SQLite
# file, and runs tests/browser/one-map.test.mjs against it in headless chromium.
# Screenshots and timings.json go to tests/browser/artifacts/ (not committed).
# Ends with "browser: N passed, N failed"; exits with the test's status. The server is always stopped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
log() { printf '[browser-test] %s\n' "$*" >&2; }

scripts/setup-browser.sh
# shellcheck source=/dev/null
source "${CARECIRCLE_CACHE:-/var/cache/carecircle}/browser.env"

log "cargo build --release -p carecircle-server"
cargo build --release -p carecircle-server >&2

tmp="$(mktemp -d)"
server_pid=""
server_log="$tmp/server.log"
show_server_log() {
    log "last lines of the server's log ($server_log):"
    tail -n 40 "$server_log" >&2 || true
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server prints its address as the first stdout line once the demo district is loaded
# (about 10 s); its logs (JSON) go to stderr.
target/release/carecircle-server --demo --db "$tmp/platform.db" --listen 127.0.0.1:0 \
    >"$tmp/stdout" 2>"$server_log" </dev/null &
server_pid=$!
log "started carecircle-server --demo (pid $server_pid), waiting for its address"

url=""
deadline=$((SECONDS + ${CARECIRCLE_SERVER_START_TIMEOUT:-180}))
while [ -z "$url" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" && status=0 || status=$?
        server_pid=""
        log "ERROR: carecircle-server exited (status $status) before printing its address"
        show_server_log
        echo "browser: 0 passed, 1 failed"
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        log "ERROR: carecircle-server printed no address within ${CARECIRCLE_SERVER_START_TIMEOUT:-180} s"
        show_server_log
        echo "browser: 0 passed, 1 failed"
        exit 1
    fi
    # Only a complete first line counts.
    if [ "$(wc -l <"$tmp/stdout")" -ge 1 ]; then
        url="$(head -n 1 "$tmp/stdout")"
    else
        sleep 0.2
    fi
done
if [[ "$url" != http://127.0.0.1:* ]]; then
    log "ERROR: the server's first line is not a loopback URL: $url"
    show_server_log
    echo "browser: 0 passed, 1 failed"
    exit 1
fi

ready=0
for _ in $(seq 1 100); do
    if curl -fsS --max-time 5 "$url/ready" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.3
done
if [ "$ready" != 1 ]; then
    log "ERROR: GET $url/ready did not answer 200 within 30 s"
    show_server_log
    echo "browser: 0 passed, 1 failed"
    exit 1
fi
log "server ready at $url"

rm -rf "$ROOT/tests/browser/artifacts"
mkdir -p "$ROOT/tests/browser/artifacts"
status=0
CARECIRCLE_URL="$url" node "$ROOT/tests/browser/one-map.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
    log "the browser test failed (status $status); screenshots in tests/browser/artifacts/"
    show_server_log
fi
exit "$status"
