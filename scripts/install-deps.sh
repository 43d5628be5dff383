#!/usr/bin/env bash
# Installs what devtopo needs to build, run and test on Debian 12 (bookworm), as root.
# The real-kernel test host fetches its own parts (QEMU 10, a 6.12 guest kernel) when its tests run.
# The kernel uAPI headers are bookworm-backports' linux-libc-dev (6.12): bookworm's 6.1 has no
# <linux/iommufd.h>, no VFIO cdev ioctls and no VFIO_MIG_GET_PRECOPY_INFO.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
. "$(dirname "$0")/backports-source.sh"
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

# linux-libc-dev >= 6.12 from bookworm-backports (the header devtopo's iommufd code needs).
if [ ! -f /usr/include/linux/iommufd.h ] || ! grep -q IOMMU_HWPT_GET_DIRTY_BITMAP /usr/include/linux/iommufd.h; then
    BACKPORTS_SOURCE_ADDED=0
    ensure_backports_source
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -t bookworm-backports linux-libc-dev
fi
