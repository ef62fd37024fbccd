#!/usr/bin/env bash
# The facility-search benchmark, in one command: builds carecircle-bench (release), makes
# sure the BallTree peer has numpy and scikit-learn (a venv at
# $CARECIRCLE_CACHE/bench-venv, installed from PyPI with pip on first use), and runs it.
# Prints the table and writes it to bench/results/latest.md.
#
#   ./scripts/bench.sh                          # 1,000, 100,000 and 1,000,000 facilities
#   BENCH_SIZES=1000,100000 ./scripts/bench.sh  # fewer sizes
#
# Other settings (see bench/src/main.rs): BENCH_QUERIES, BENCH_PYTHON (a Python that
# already has numpy and scikit-learn: no venv then), BENCH_OUT, BENCH_TMPDIR.
set -euo pipefail
# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$CARECIRCLE_CACHE/bench-venv"

if [ -z "${BENCH_PYTHON:-}" ]; then
    mkdir -p "$CARECIRCLE_CACHE"
    exec 9>"$CARECIRCLE_CACHE/.bench-venv.lock"
    flock 9
    if "$VENV/bin/python" -c 'import numpy, sklearn' 2>/dev/null; then
        log "BallTree peer: using $VENV"
    else
        command -v python3 >/dev/null || apt_install python3 python3-venv
        if [ ! -x "$VENV/bin/pip" ]; then
            rm -rf "$VENV"
            python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; } \
                || die "cannot create a Python venv at $VENV"
        fi
        log "installing numpy and scikit-learn from PyPI into $VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check numpy scikit-learn >&2 \
            || die "pip install numpy scikit-learn failed"
        "$VENV/bin/python" -c 'import numpy, sklearn' || die "numpy/scikit-learn still not importable from $VENV"
    fi
    flock -u 9
    export BENCH_PYTHON="$VENV/bin/python"
fi

log "building carecircle-bench (release)"
cargo build --release -p carecircle-bench >&2
log "running (sizes: ${BENCH_SIZES:-1000,100000,1000000}); a full run takes a few minutes"
cargo run --release --quiet -p carecircle-bench --bin carecircle-bench
log "booking benchmark: matching among 10,000 caregivers, accept throughput"
cargo run --release --quiet -p carecircle-bench --bin booking-bench
