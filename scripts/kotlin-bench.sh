#!/usr/bin/env bash
# The FFI cost benchmark (not part of the tests): the same nearest query (k = 5) from
# Kotlin on the JVM through the generated bindings and from Rust (straight on the core and
# through the bindings' Rust API), and the cost of opening CareCircle from Kotlin.
#
#   scripts/kotlin-bench.sh                      the host library built --release (as the tests)
#   scripts/kotlin-bench.sh --profile release-ffi  the size-tuned phone profile (opt-level "s", LTO)
#
# Also prints the stripped size of the host library of the chosen profile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
log() { printf '[kotlin-bench] %s\n' "$*" >&2; }
PROFILE=release
if [ "${1:-}" = "--profile" ]; then PROFILE="${2:?--profile needs a name}"; fi

scripts/setup-kotlin.sh
# shellcheck source=/dev/null
source "${CARECIRCLE_CACHE:-/var/cache/carecircle}/kotlin.env"
scripts/gen-bindings.sh
if [ "$PROFILE" = release ]; then
    LIBDIR="$ROOT/target/release"
else
    log "cargo build --profile $PROFILE -p carecircle-ffi --lib"
    cargo build --profile "$PROFILE" -p carecircle-ffi --lib >&2
    LIBDIR="$ROOT/target/$PROFILE"
fi

OUT="$ROOT/target/bindings-bench/kotlin"
rm -rf "$OUT" && mkdir -p "$OUT"
CP="$KOTLIN_STDLIB_JAR:$KOTLINX_COROUTINES_JAR:$JNA_JAR"
log "kotlinc (about 30 s)"
"$KOTLINC" -nowarn -cp "$CP" -d "$OUT/classes" android/src/main/kotlin/org/carecircle/carecircle_ffi.kt tests/bindings/kotlin/FfiBench.kt

echo "library: $LIBDIR/libcarecircle_ffi.so (profile $PROFILE)"
cp "$LIBDIR/libcarecircle_ffi.so" "$OUT/libcarecircle_ffi.so"
strip "$OUT/libcarecircle_ffi.so"
echo "stripped size: $(stat -c %s "$OUT/libcarecircle_ffi.so") bytes (target <= 5 MB = 5242880 bytes)"
CARECIRCLE_ROOT="$ROOT" java -cp "$OUT/classes:$CP" -Djna.library.path="$LIBDIR" org.carecircle.tests.FfiBenchKt
log "cargo test --release (the Rust side)"
cargo test --release -p carecircle-ffi --lib -- --ignored --exact --nocapture bench::nearest_and_open 2>/dev/null | grep '^rust '
