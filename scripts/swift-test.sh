#!/usr/bin/env bash
# The Swift binding tests: builds carecircle-ffi for this machine, regenerates the
# bindings (ios/Sources), builds the XCTest package tests/bindings/swift (which depends on
# ios/) from scratch in the Swift chroot (warnings fail the run), and runs it against the
# library and, for the sync scenarios, the real district platform (carecircle-server --demo on
# a loopback port, reached from the chroot, which shares the host's network).
# Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
log() { printf '[swift-test] %s\n' "$*" >&2; }
# shellcheck source=lib/demo-server.sh
source scripts/lib/demo-server.sh

scripts/setup-swift.sh
scripts/gen-bindings.sh

LIBDIR="$ROOT/target/release"
SCRATCH="$ROOT/target/bindings-tests/swift"
# From scratch: SwiftPM does not notice a changed modulemap or header, and a clean build
# shows every warning.
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
in_chroot() {
    CARECIRCLE_ROOT="$ROOT" LD_LIBRARY_PATH="$LIBDIR" scripts/swift-chroot-run.sh "$ROOT" -- \
        sh -c 'cd tests/bindings/swift && exec "$@"' sh "$@"
}

log "swift build --build-tests (about 20 s)"
if ! in_chroot swift build --build-tests --scratch-path "$SCRATCH" -Xlinker -L"$LIBDIR" 2>&1 | tee "$SCRATCH/build.log" >&2; then
    log "ERROR: swift build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
if grep -q 'warning:' "$SCRATCH/build.log"; then
    log "ERROR: swift build printed warnings (see above); the bindings and tests must compile cleanly"
    echo "0 passed, 1 failed"
    exit 1
fi

if ! start_demo_server; then
    log "ERROR: the district platform could not be started for the sync scenarios"
    echo "0 passed, 1 failed"
    exit 1
fi

log "swift test"
status=0
in_chroot swift test --skip-build --disable-swift-testing --scratch-path "$SCRATCH" -Xlinker -L"$LIBDIR" 2>&1 \
    | tee "$SCRATCH/test.log" || status=$?
summary="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$SCRATCH/test.log" | tail -1 || true)"
if [ -z "$summary" ]; then
    log "ERROR: no XCTest summary"
    echo "0 passed, 1 failed"
    exit 1
fi
ran="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")"
failed="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")"
echo "$((ran - failed)) passed, $failed failed"
[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$ran" -gt 0 ]
