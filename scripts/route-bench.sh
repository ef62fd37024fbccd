#!/usr/bin/env bash
# Day routes, measured: the route solver on data/solomon/ against PyVRP and VROOM (pyvroom),
# both from PyPI, in a venv at $CARECIRCLE_CACHE/route-venv (made on first use, skipped when
# already there), with the same time limit each; then a station's day on the demo district.
#
#   ./scripts/route-bench.sh                 # 10 s per instance and solver
#   ROUTE_SECONDS=2 ./scripts/route-bench.sh # quicker
#
# Writes bench/results/route-solomon.md and bench/results/route-demo.md.
set -euo pipefail
# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$CARECIRCLE_CACHE/route-venv"
if [ -z "${ROUTE_PYTHON:-}" ]; then
    mkdir -p "$CARECIRCLE_CACHE"
    if ! "$VENV/bin/python" -c 'import pyvrp, vroom' 2>/dev/null; then
        command -v python3 >/dev/null || apt_install python3 python3-venv
        [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" || die "cannot create a Python venv at $VENV"
        log "installing pyvrp and pyvroom from PyPI into $VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check pyvrp pyvroom >&2 || die "pip install pyvrp pyvroom failed"
    fi
    export ROUTE_PYTHON="$VENV/bin/python"
fi
cargo build --release -j1 -p carecircle-bench --bin route-bench
./target/release/route-bench solomon
./target/release/route-bench demo
