#!/usr/bin/env bash
# Builds (once) a Debian trixie chroot with Swift 6.0.3 (package swiftlang) at
# $CARECIRCLE_CACHE/swift-chroot, for running `swift build` / `swift test` on
# uniffi-generated Swift. Use scripts/swift-chroot-run.sh DIR -- CMD... to run
# commands in it. A smoke test (XCTest + a host-built C .so) runs after a fresh
# build, or with --verify.
set -euo pipefail
# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"

ROOT="$CARECIRCLE_CACHE/swift-chroot"
STAMP="$ROOT/.setup-complete"
# swiftlang pulls in gcc, binutils, libcurl, libxml2; libc6-dev provides the C
# headers and crt files the Swift driver links against.
PACKAGES="swiftlang libc6-dev"
VERIFY=0
[ "${1:-}" = "--verify" ] && VERIFY=1
export DEBIAN_FRONTEND=noninteractive

mkdir -p "$CARECIRCLE_CACHE"
exec 9>"$CARECIRCLE_CACHE/.swift.lock"
flock 9

# Debian mirror used by this machine's own apt sources (deb822 or one-line format).
debian_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && sed -nE 's/^URIs:[[:space:]]*//p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//p' "$f"
    done | tr -s ' \t' '\n' | grep -m1 -E '^https?://.*/debian/?$' || true
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ]; then
    log "Swift chroot already set up at $ROOT"
else
    if [ ! -f "$STAMP" ]; then
        if [ -e "$ROOT" ]; then
            # Never rm -rf through a bind mount of a host directory.
            if awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/mounts; then
                die "something is still mounted under $ROOT (see /proc/mounts); unmount it first"
            fi
            log "removing incomplete chroot $ROOT"
            rm -rf --one-file-system "$ROOT"
        fi
        command -v debootstrap >/dev/null || apt_install debootstrap
        mirror="${CARECIRCLE_DEBIAN_MIRROR:-$(debian_mirror)}"
        [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*; set CARECIRCLE_DEBIAN_MIRROR"
        log "debootstrap trixie from $mirror (about 30 s)"
        debootstrap --variant=minbase trixie "$ROOT" "$mirror" >&2 || die "debootstrap failed"
    fi
    log "installing $PACKAGES in the chroot (about 1 min)"
    # /proc is needed by some maintainer scripts; the private mount namespace
    # drops the mount when the command ends, however it ends.
    unshare --mount --propagation private -- sh -c '
        mount -t proc proc "$1/proc" &&
        chroot "$1" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $2 && apt-get clean"
    ' sh "$ROOT" "$PACKAGES" </dev/null >&2 || die "installing $PACKAGES in the chroot failed"
    echo "$PACKAGES" >"$STAMP"
    VERIFY=1
fi

# Smoke test: a package with a system-library target (module.modulemap) over a
# C library built on the host, and an XCTest target calling it.
if [ "$VERIFY" = 1 ]; then
    work="$(mktemp -d /tmp/swiftcheck.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work"/{native,Sources/AddFFI,Sources/Add,Tests/AddTests}
    printf 'int add(int a, int b) { return a + b; }\n' >"$work/native/add.c"
    gcc -shared -fPIC -o "$work/native/libadd.so" "$work/native/add.c" || die "gcc failed"
    printf 'int add(int a, int b);\n' >"$work/Sources/AddFFI/add.h"
    printf 'module AddFFI {\n    header "add.h"\n    link "add"\n    export *\n}\n' \
        >"$work/Sources/AddFFI/module.modulemap"
    cat >"$work/Package.swift" <<'EOF'
// swift-tools-version:5.9
import PackageDescription
let package = Package(
    name: "Add",
    targets: [
        .systemLibrary(name: "AddFFI", path: "Sources/AddFFI"),
        .target(name: "Add", dependencies: ["AddFFI"]),
        .testTarget(name: "AddTests", dependencies: ["Add"]),
    ]
)
EOF
    cat >"$work/Sources/Add/Add.swift" <<'EOF'
import Foundation
import AddFFI
public func describeSum(_ a: Int32, _ b: Int32) -> String { String(format: "%d+%d=%d", a, b, add(a, b)) }
EOF
    cat >"$work/Tests/AddTests/AddTests.swift" <<'EOF'
import XCTest
import Add
final class AddTests: XCTestCase {
    func testAdd() { XCTAssertEqual(describeSum(40, 2), "40+2=42") }
}
EOF
    log "smoke test: swift test in the chroot (about 20 s)"
    LD_LIBRARY_PATH="$work/native" bash "$(dirname "${BASH_SOURCE[0]}")/swift-chroot-run.sh" "$work" -- \
        swift test --disable-swift-testing -Xlinker -L"$work/native" >&2 || die "Swift smoke test failed"
    log "smoke test passed"
fi
log "Swift ready: scripts/swift-chroot-run.sh DIR -- swift test"
