# shellcheck shell=bash
# Sourced by the binding test scripts: the real district platform for the sync scenarios.
#
#   start_demo_server   builds carecircle-server (release), starts it with --demo on a free
#                       loopback port and a fresh SQLite file, and exports
#                       CARECIRCLE_SERVER_URL (its first stdout line). Stopped on exit.
#
# Demo accounts (password "demo"): family, senior, operator, district, caregiver1..3.

_demo_server_pid=""
_demo_server_dir=""

stop_demo_server() {
    if [ -n "$_demo_server_pid" ]; then
        kill "$_demo_server_pid" 2>/dev/null || true
        wait "$_demo_server_pid" 2>/dev/null || true
        _demo_server_pid=""
    fi
    if [ -n "$_demo_server_dir" ]; then
        rm -rf "$_demo_server_dir"
        _demo_server_dir=""
    fi
}

start_demo_server() {
    printf '[demo-server] cargo build --release -p carecircle-server\n' >&2
    cargo build --release -p carecircle-server >&2 || return 1
    _demo_server_dir="$(mktemp -d)"
    mkfifo "$_demo_server_dir/out"
    RUST_LOG=warn target/release/carecircle-server --demo --listen 127.0.0.1:0 --db "$_demo_server_dir/platform.db" \
        >"$_demo_server_dir/out" 2>"$_demo_server_dir/server.log" &
    _demo_server_pid=$!
    trap stop_demo_server EXIT
    local url=""
    # The first stdout line is the address, printed once the demo district is loaded.
    exec {_demo_fd}<"$_demo_server_dir/out"
    if ! IFS= read -r -t 120 -u "$_demo_fd" url || [[ "$url" != http://127.0.0.1:* ]]; then
        printf '[demo-server] ERROR: the server did not start (first line %q); its log:\n' "$url" >&2
        cat "$_demo_server_dir/server.log" >&2 || true
        return 1
    fi
    # Keep reading its stdout (nothing more is expected) so it never blocks on a full pipe.
    cat <&"$_demo_fd" >/dev/null &
    exec {_demo_fd}<&-
    export CARECIRCLE_SERVER_URL="$url"
    printf '[demo-server] %s (demo accounts, password "demo")\n' "$url" >&2
}
