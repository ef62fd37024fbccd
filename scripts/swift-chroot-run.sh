#!/usr/bin/env bash
# Usage: scripts/swift-chroot-run.sh DIR -- CMD...
# Runs CMD inside the Swift chroot built by scripts/setup-swift.sh, in directory
# DIR, which is bind-mounted from the host at the same absolute path.
# Mounts live in a private mount namespace (unshare), so concurrent runs do not
# see each other's mounts and nothing leaks if a run is killed; the trap
# unmounts anyway. The environment is passed through (e.g. LD_LIBRARY_PATH).
set -euo pipefail
# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"

ROOT="$CARECIRCLE_CACHE/swift-chroot"
if [ $# -lt 3 ] || [ "$2" != "--" ]; then die "usage: $0 DIR -- CMD..."; fi
DIR="$(realpath -e "$1")" || die "no such directory: $1"
shift 2
[ -f "$ROOT/.setup-complete" ] || die "no Swift chroot at $ROOT; run scripts/setup-swift.sh first"

# Re-exec once inside a private mount namespace.
if [ -z "${_CARECIRCLE_IN_MNTNS:-}" ]; then
    export _CARECIRCLE_IN_MNTNS=1
    exec unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" "$DIR" -- "$@"
fi
unset _CARECIRCLE_IN_MNTNS

MOUNTED=()
cleanup() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount -R "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mount_at TARGET MOUNT-ARGS...: mounts unless TARGET already is a mountpoint.
mount_at() {
    local target="$1"; shift
    mkdir -p "$target"
    mountpoint -q "$target" && return 0
    mount "$@" "$target" || die "mount $* $target failed"
    MOUNTED+=("$target")
}
mount_at "$ROOT/proc" -t proc proc
mount_at "$ROOT/sys" -t sysfs -o ro sysfs
mount_at "$ROOT/dev" --rbind /dev
# Refuse if a symlink inside the chroot would redirect the mount elsewhere.
[ "$(realpath -m "$ROOT$DIR")" = "$ROOT$DIR" ] || die "$DIR resolves elsewhere inside the chroot"
mount_at "$ROOT$DIR" --bind "$DIR"

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot "$ROOT" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$DIR" "$@"
