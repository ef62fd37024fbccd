#!/usr/bin/env bash
# Every test of CareCircle:
#   1. the Rust workspace (unit, property, CLI, server end-to-end and fault tests), the server's
#      tests against both SQLite and PostgreSQL (PostgreSQL is installed and started here);
#   2. the Kotlin binding tests on the JVM;
#   3. the Swift binding tests (Swift 6 in a Debian trixie chroot, cached under /var/cache/carecircle);
#   4. the end-to-end browser test of the one-map page (Debian chromium + playwright-core, cached
#      under /var/cache/carecircle; screenshots and timings in tests/browser/artifacts/).
# Each part runs even if an earlier one failed; the script fails if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-nextest >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

failed=()
run() {
  local name=$1
  shift
  echo "=== $name: $*"
  if ! "$@"; then
    failed+=("$name")
  fi
}

if pg_url=$(./scripts/postgres.sh); then
  export CARECIRCLE_TEST_PG="$pg_url"
else
  echo "PostgreSQL could not be started: the PostgreSQL variants of the storage and server tests are skipped" >&2
fi
run rust cargo nextest run --workspace --no-fail-fast
run kotlin ./scripts/kotlin-test.sh
run swift ./scripts/swift-test.sh
run browser ./scripts/browser-test.sh

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test suites passed"
