#!/usr/bin/env bash
# Builds libcarecircle_ffi.so for the Android ABIs into android/src/main/jniLibs/<abi>/,
# with cargo-ndk and the size-tuned `release-ffi` profile (opt-level "s", LTO, stripped).
#
#   ANDROID_NDK_HOME=/path/to/ndk android/build-jnilibs.sh [ABI...]
#
# ABIs: arm64-v8a armeabi-v7a x86_64 (default: all three). Needs rustup and the Android
# NDK (r26 or newer); installs cargo-ndk and the Rust targets if missing. Also
# regenerates the Kotlin bindings so they match the library.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[build-jnilibs] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ABIS=("$@")
[ ${#ABIS[@]} -gt 0 ] || ABIS=(arm64-v8a armeabi-v7a x86_64)
# Android 5.0+ is API 21; the module's minSdk is 24.
PLATFORM=24
PROFILE=release-ffi
OUT=android/src/main/jniLibs

[ -n "${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}" ] || die "set ANDROID_NDK_HOME to the Android NDK"
command -v rustup >/dev/null || die "rustup is needed to add the Android targets"
command -v cargo-ndk >/dev/null || { log "installing cargo-ndk"; cargo install --locked cargo-ndk; }

targets=()
for abi in "${ABIS[@]}"; do
    case "$abi" in
        arm64-v8a) targets+=(aarch64-linux-android) ;;
        armeabi-v7a) targets+=(armv7-linux-androideabi) ;;
        x86_64) targets+=(x86_64-linux-android) ;;
        x86) targets+=(i686-linux-android) ;;
        *) die "unknown ABI $abi (arm64-v8a, armeabi-v7a, x86_64, x86)" ;;
    esac
done
rustup target add "${targets[@]}" >&2

# 16 KB pages (required for 64-bit apps on Android 15+ devices with 16 KB pages).
export CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
export CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"

# cargo-ndk sets up the NDK's compiler and linker for each ABI; the .so files are copied
# here from the profile's own output directory (not with -o, whose handling of custom
# profiles differs between cargo-ndk versions).
for i in "${!ABIS[@]}"; do
    abi="${ABIS[$i]}"
    triple="${targets[$i]}"
    log "cargo ndk -t $abi --platform $PLATFORM build --profile $PROFILE"
    cargo ndk -t "$abi" --platform "$PLATFORM" build --profile "$PROFILE" -p carecircle-ffi --lib >&2
    mkdir -p "$OUT/$abi"
    cp "target/$triple/$PROFILE/libcarecircle_ffi.so" "$OUT/$abi/libcarecircle_ffi.so"
    log "$OUT/$abi/libcarecircle_ffi.so: $(wc -c <"$OUT/$abi/libcarecircle_ffi.so") bytes"
done

# The Kotlin must match the library it loads (uniffi checks its contract version).
scripts/gen-bindings.sh
