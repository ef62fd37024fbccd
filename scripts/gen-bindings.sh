#!/usr/bin/env bash
# Regenerates the Kotlin (android/) and Swift (ios/) bindings of carecircle-ffi with the
# workspace's own uniffi-bindgen, from the host-built library.
#
#   scripts/gen-bindings.sh            builds the library and the bindgen (release), then generates
#   scripts/gen-bindings.sh --no-build generates from what target/release already holds
#
# Writes (only files whose content changed, so Swift and Gradle do not rebuild for nothing):
#   android/src/main/kotlin/org/carecircle/carecircle_ffi.kt
#   ios/Sources/CareCircle/CareCircle.swift
#   ios/Sources/CareCircleFFI/CareCircleFFI.h
#   ios/Sources/CareCircleFFI/module.modulemap   (uniffi's, plus `link "carecircle_ffi"` so
#                                                 SwiftPM on Linux links the host library)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[gen-bindings] %s\n' "$*" >&2; }

if [ "${1:-}" != "--no-build" ]; then
    log "cargo build --release -p carecircle-ffi --features cli"
    cargo build --release -p carecircle-ffi --features cli >&2
fi

LIB=""
for f in target/release/libcarecircle_ffi.so target/release/libcarecircle_ffi.dylib; do
    [ -f "$f" ] && LIB="$f" && break
done
[ -n "$LIB" ] || { log "ERROR: no target/release/libcarecircle_ffi.{so,dylib}; run without --no-build"; exit 1; }
BINDGEN=target/release/uniffi-bindgen
[ -x "$BINDGEN" ] || { log "ERROR: no $BINDGEN; run without --no-build"; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$BINDGEN" generate --no-format --library "$LIB" --language kotlin --out-dir "$tmp/kotlin" >&2
"$BINDGEN" generate --no-format --library "$LIB" --language swift --out-dir "$tmp/swift" >&2

# The modulemap SwiftPM needs beside the header: named module.modulemap, linking the
# library; the Darwin-only `use` lines would only name modules Linux does not have.
{
    sed -e '/^[[:space:]]*use "Darwin"/d' \
        -e 's/^\([[:space:]]*\)export \*/\1link "carecircle_ffi"\n\1export */' \
        "$tmp/swift/CareCircleFFI.modulemap"
} >"$tmp/swift/module.modulemap"
grep -q 'link "carecircle_ffi"' "$tmp/swift/module.modulemap" || { log "ERROR: could not add the link line"; exit 1; }

# Swift errors: uniffi makes `localizedDescription` a debug dump of the case
# ("CareCircle.BookingError.NotFound(message: ...)"), which an app would show a senior. Every
# error of ours is flat (one `message`), so the description is that plain message.
perl -0pi -e 's/public var errorDescription: String\? \{\n\s*String\(reflecting: self\)\n\s*\}/public var errorDescription: String? {\n        \/\/ The plain message (scripts\/gen-bindings.sh), not a debug dump of the case: the\n        \/\/ case holds one labelled value, (message: String).\n        let payload = Mirror(reflecting: self).children.first?.value\n        return (payload as? String) ?? payload.flatMap { Mirror(reflecting: \$0).children.first?.value as? String } ?? String(describing: self)\n    }/g' "$tmp/swift/CareCircle.swift"
if grep -q 'String(reflecting: self)' "$tmp/swift/CareCircle.swift"; then
    log "ERROR: an error's errorDescription is still a debug dump: update the rewrite above"
    exit 1
fi

changed=0
put() { # put SRC DEST
    mkdir -p "$(dirname "$2")"
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2"
        log "updated $2"
        changed=$((changed + 1))
    fi
}
put "$tmp/kotlin/org/carecircle/carecircle_ffi.kt" android/src/main/kotlin/org/carecircle/carecircle_ffi.kt
put "$tmp/swift/CareCircle.swift" ios/Sources/CareCircle/CareCircle.swift
put "$tmp/swift/CareCircleFFI.h" ios/Sources/CareCircleFFI/CareCircleFFI.h
put "$tmp/swift/module.modulemap" ios/Sources/CareCircleFFI/module.modulemap
log "bindings up to date ($changed file(s) changed)"
# CI (.ci/run) sets CARECIRCLE_CHECK_GENERATED=1: the committed bindings must be exactly what the
# bindgen makes from the library just built.
if [ "${CARECIRCLE_CHECK_GENERATED:-}" = 1 ] && [ "$changed" -gt 0 ]; then
    log "ERROR: the committed bindings were stale ($changed file(s) differ from what the bindgen makes): run scripts/gen-bindings.sh and commit them"
    exit 1
fi
