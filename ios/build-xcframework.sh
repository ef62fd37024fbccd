#!/usr/bin/env bash
# macOS with Xcode: builds ios/CareCircleFFI.xcframework, the static Rust core for
#   iOS devices        aarch64-apple-ios
#   iOS simulator      aarch64-apple-ios-sim + x86_64-apple-ios (one lipo'd library)
#   macOS              aarch64-apple-darwin + x86_64-apple-darwin (so `swift test` runs on a Mac)
# with the size-tuned `release-ffi` profile, and regenerates the Swift bindings
# (ios/Sources) to match. Package.swift links the xcframework on Apple platforms.
#
#   ios/build-xcframework.sh            all slices
#   ios/build-xcframework.sh --no-macos iOS slices only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[build-xcframework] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(uname -s)" = Darwin ] || die "needs macOS with Xcode (xcodebuild, lipo)"
command -v xcodebuild >/dev/null || die "xcodebuild not found: install Xcode"
command -v rustup >/dev/null || die "rustup is needed to add the Apple targets"
MACOS=1
[ "${1:-}" = "--no-macos" ] && MACOS=0

PROFILE=release-ffi
LIB=libcarecircle_ffi.a
IOS=aarch64-apple-ios
SIMS=(aarch64-apple-ios-sim x86_64-apple-ios)
MACS=(aarch64-apple-darwin x86_64-apple-darwin)
TARGETS=("$IOS" "${SIMS[@]}")
[ "$MACOS" = 1 ] && TARGETS+=("${MACS[@]}")
export IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0

rustup target add "${TARGETS[@]}" >&2
for t in "${TARGETS[@]}"; do
    log "cargo build --profile $PROFILE --target $t"
    cargo build --profile "$PROFILE" -p carecircle-ffi --lib --target "$t" >&2
done

# The bindings, generated from a host build (their content does not depend on the target).
scripts/gen-bindings.sh

WORK=target/xcframework
rm -rf "$WORK" && mkdir -p "$WORK/headers" "$WORK/ios-simulator" "$WORK/macos"
cp ios/Sources/CareCircleFFI/CareCircleFFI.h "$WORK/headers/"
# The xcframework's module map: the package's, less the Linux-only link line (Xcode links
# the static library itself).
sed '/link "carecircle_ffi"/d' ios/Sources/CareCircleFFI/module.modulemap >"$WORK/headers/module.modulemap"

sims=() macs=()
for t in "${SIMS[@]}"; do sims+=("target/$t/$PROFILE/$LIB"); done
for t in "${MACS[@]}"; do macs+=("target/$t/$PROFILE/$LIB"); done
lipo -create "${sims[@]}" -output "$WORK/ios-simulator/$LIB"
args=(-library "target/$IOS/$PROFILE/$LIB" -headers "$WORK/headers"
      -library "$WORK/ios-simulator/$LIB" -headers "$WORK/headers")
if [ "$MACOS" = 1 ]; then
    lipo -create "${macs[@]}" -output "$WORK/macos/$LIB"
    args+=(-library "$WORK/macos/$LIB" -headers "$WORK/headers")
fi

rm -rf ios/CareCircleFFI.xcframework
xcodebuild -create-xcframework "${args[@]}" -output ios/CareCircleFFI.xcframework >&2
log "wrote ios/CareCircleFFI.xcframework"
