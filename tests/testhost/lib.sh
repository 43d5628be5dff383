# Shared helpers for the real-kernel test host scripts. Sourced, not run.
# shellcheck shell=bash

th_log() { printf '[testhost] %s\n' "$*" >&2; }
th_die() { printf '[testhost] ERROR: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo when it exists, else fails
# with a message that says what to run by hand.
th_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || th_die "needs root: $*"
    else
        th_die "needs root (no sudo): $*"
    fi
}

# The QEMU major version on PATH, or 0.
th_qemu_major() {
    local v
    v=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' | head -n1)
    echo "${v:-0}"
}

# Directory of the testhost sources (this file's directory).
TH_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TH_SRC_DIR
