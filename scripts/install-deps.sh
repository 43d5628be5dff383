#!/usr/bin/env bash
# Installs what devtopo needs to build, run and test on Debian 12 (bookworm), as root.
# The real-kernel test host fetches its own parts (QEMU 10, a 6.12 guest kernel) when its tests run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
    build-essential cmake ninja-build pkg-config python3
    qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6svg6-dev libgl-dev
    libpci-dev pciutils libspdlog-dev libarchive-dev
    hwloc-nox time dbus xauth xvfb
    qt6-base-dev-tools dbus-daemon polkitd
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
