#!/usr/bin/env bash
# The Kotlin binding tests: builds carecircle-ffi for this machine, regenerates the
# bindings (android/src/main/kotlin), compiles them with the tests in tests/bindings/kotlin
# (warnings fail the run), and runs the tests on the JVM against the library and, for the
# sync scenarios, the real district platform (carecircle-server --demo on a loopback port).
# Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
log() { printf '[kotlin-test] %s\n' "$*" >&2; }
# shellcheck source=lib/demo-server.sh
source scripts/lib/demo-server.sh

scripts/setup-kotlin.sh
# shellcheck source=/dev/null
source "${CARECIRCLE_CACHE:-/var/cache/carecircle}/kotlin.env"
scripts/gen-bindings.sh

OUT="$ROOT/target/bindings-tests/kotlin"
rm -rf "$OUT" && mkdir -p "$OUT"
CP="$KOTLIN_STDLIB_JAR:$KOTLINX_COROUTINES_JAR:$KOTLIN_TEST_JAR:$KOTLIN_TEST_JUNIT_JAR:$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR"
SOURCES=(android/src/main/kotlin/org/carecircle/carecircle_ffi.kt android/src/main/kotlin/org/carecircle/Events.kt tests/bindings/kotlin/CareCircleTest.kt tests/bindings/kotlin/ServicesTest.kt
    tests/bindings/kotlin/PlainRunner.kt)

log "kotlinc ${SOURCES[*]} (about 30 s)"
if ! "$KOTLINC" -cp "$CP" -d "$OUT/classes" "${SOURCES[@]}" 2>&1 | tee "$OUT/kotlinc.log" >&2; then
    log "ERROR: kotlinc failed (see above)"
    echo "0 passed, 1 failed"
    exit 1
fi
if grep -q 'warning:' "$OUT/kotlinc.log"; then
    log "ERROR: kotlinc printed warnings (see above); the bindings and tests must compile cleanly"
    echo "0 passed, 1 failed"
    exit 1
fi

if ! start_demo_server; then
    log "ERROR: the district platform could not be started for the sync scenarios"
    echo "0 passed, 1 failed"
    exit 1
fi

log "running the tests"
status=0
CARECIRCLE_ROOT="$ROOT" java -cp "$OUT/classes:$CP" -Djna.library.path="$ROOT/target/release" \
    org.carecircle.tests.PlainRunnerKt org.carecircle.tests.CareCircleTest org.carecircle.tests.ServicesTest || status=$?
exit "$status"
