# shellcheck shell=bash
# Sourced helper shared by the setup scripts.
#   CARECIRCLE_CACHE  where toolchains are installed (override via env)
#   log MSG...        prints "[script] MSG" to stderr
#   die MSG...        logs MSG and exits 1
CARECIRCLE_CACHE="${CARECIRCLE_CACHE:-/var/cache/carecircle}"
export CARECIRCLE_CACHE

log() { printf '[%s] %s\n' "$(basename "${0:-carecircle}")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_install PKG...: installs the packages not yet installed (dpkg -s check first).
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "${CARECIRCLE_APT_UPDATED:-}" ]; then
        apt-get update -q >&2 || die "apt-get update failed"
        CARECIRCLE_APT_UPDATED=1
    fi
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >&2 \
        || die "apt-get install ${missing[*]} failed"
}
