#!/bin/bash
# Fetches everything the real-kernel test host needs, from Debian's packages only, into CACHE:
#   - QEMU 10 from bookworm-backports (installed on the host: it is a program we run),
#   - the newest linux-image-6.12.*+deb12-amd64 from bookworm-backports (downloaded and unpacked, not installed),
#   - busybox-static (downloaded and unpacked),
#   - mtty.ko built out of tree from linux-source-6.12 against the matching headers,
#   - an initramfs (busybox + the needed modules, decompressed, depmod'ed) whose /init is guest/init.
# A second run with a filled cache downloads nothing and runs no apt command.
#
# Usage: fetch.sh CACHE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/backports-source.sh"

CACHE=${1:?usage: fetch.sh CACHE_DIR}
mkdir -p "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)
t_start=$(date +%s)

# Modules the guest loads; their dependencies are added from the kernel's own modules.dep.
GUEST_MODULES=(9pnet_virtio 9p netfs vfio vfio_pci_core vfio_pci vfio_iommu_type1 mdev
               igb igbvf e1000e e1000 nvme nvme_core)

# A marker file, not a variable: the helpers below also run in $(...) subshells.
APT_MARK=$CACHE/.apt-updated.$$
trap 'rm -f "$APT_MARK"' EXIT
apt_update_once() {
    if [ ! -f "$APT_MARK" ]; then
        th_log "apt-get update"
        th_as_root apt-get update -qq
        touch "$APT_MARK"
    fi
}

# bookworm-backports must be an apt source (scripts/backports-source.sh); a newly added one needs
# a fresh apt-get update.
ensure_backports_source_once() {
    BACKPORTS_SOURCE_ADDED=0
    BACKPORTS_AS_ROOT=th_as_root ensure_backports_source
    [ "$BACKPORTS_SOURCE_ADDED" = 1 ] && rm -f "$APT_MARK"
    return 0
}

ensure_host_tools() {
    local need=()
    [ "$(th_qemu_major)" -ge 10 ] || need+=(qemu)
    command -v cpio >/dev/null || need+=(cpio)
    command -v depmod >/dev/null || [ -x /sbin/depmod ] || need+=(kmod)
    [ ${#need[@]} -eq 0 ] && return 0
    ensure_backports_source_once
    apt_update_once
    if [[ " ${need[*]} " == *" qemu "* ]]; then
        th_log "installing qemu-system-x86 from bookworm-backports"
        th_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -t bookworm-backports qemu-system-x86 >/dev/null
    fi
    local pkgs=()
    [[ " ${need[*]} " == *" cpio "* ]] && pkgs+=(cpio)
    [[ " ${need[*]} " == *" kmod "* ]] && pkgs+=(kmod)
    if [ ${#pkgs[@]} -gt 0 ]; then
        th_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    fi
    [ "$(th_qemu_major)" -ge 10 ] || th_die "qemu-system-x86_64 >= 10 needed, have $(th_qemu_major)"
}

# Downloads package $1 (optionally at version $2) into debs/ unless that .deb is there already.
# Prints the file.
download_deb() {
    local pkg=$1 ver=${2:-} f pattern
    pattern="${pkg}_*.deb"
    [ -n "$ver" ] && pattern="${pkg}_${ver//:/%3a}_*.deb"
    f=$(cd "$CACHE/debs" && ls $pattern 2>/dev/null | sort -V | tail -n1 || true)
    if [ -z "$f" ]; then
        ensure_backports_source_once
        apt_update_once
        th_log "apt-get download $pkg${ver:+=$ver}"
        (cd "$CACHE/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg${ver:+=$ver}" >/dev/null)
        f=$(cd "$CACHE/debs" && ls $pattern | sort -V | tail -n1)
    fi
    echo "$CACHE/debs/$f"
}

# The kernel release to use: TESTHOST_KERNEL_RELEASE when set (e.g. 6.12.95+deb12-amd64), else the
# one remembered in the cache, else the newest linux-image-6.12.*+deb12-amd64 apt offers. Debian carries
# 6.12 for bookworm both in bookworm-backports and (newer) in bookworm-security.
pick_kernel_release() {
    local want=${TESTHOST_KERNEL_RELEASE:-} pkg
    if [ -s "$CACHE/kernel-release" ] && { [ -z "$want" ] || [ "$(cat "$CACHE/kernel-release")" = "$want" ]; }; then
        cat "$CACHE/kernel-release"
        return
    fi
    if [ -n "$want" ]; then
        echo "$want" | tee "$CACHE/kernel-release"
        return
    fi
    ensure_backports_source_once
    apt_update_once
    pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' | awk '{print $1}' | sort -V | tail -n1)
    [ -n "$pkg" ] || th_die "no linux-image-6.12.*+deb12-amd64 in apt (is bookworm-backports enabled?)"
    echo "${pkg#linux-image-}" | tee "$CACHE/kernel-release"
}

# The Debian version of a package as apt offers it (first of apt-cache madison), e.g. 6.12.117-1~deb12u1.
package_version() {
    apt-cache madison "$1" 2>/dev/null | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }'
}

ensure_host_tools
PATH=$PATH:/sbin:/usr/sbin
KREL=$(pick_kernel_release)
th_log "guest kernel $KREL"

# --- kernel image ---------------------------------------------------------------------------
KROOT=$CACHE/kernel/$KREL
if [ ! -f "$KROOT/boot/vmlinuz-$KREL" ]; then
    deb=$(download_deb "linux-image-$KREL")
    rm -rf "$KROOT"; mkdir -p "$KROOT"
    dpkg-deb -x "$deb" "$KROOT"
    depmod -b "$KROOT" "$KREL"
fi
ln -sf "kernel/$KREL/boot/vmlinuz-$KREL" "$CACHE/vmlinuz"

# --- busybox --------------------------------------------------------------------------------
if [ ! -x "$CACHE/busybox" ]; then
    deb=$(download_deb busybox-static)
    rm -rf "$CACHE/busybox.d"; dpkg-deb -x "$deb" "$CACHE/busybox.d"
    cp "$CACHE/busybox.d/bin/busybox" "$CACHE/busybox"
    rm -rf "$CACHE/busybox.d"
fi

# --- mtty.ko (best effort: a failure is reported and the rest goes on) ------------------------
build_mtty() {
    local hdr=$CACHE/headers/$KREL kbuild_pkg common_pkg src
    if [ ! -d "$hdr/usr/src/linux-headers-$KREL" ]; then
        common_pkg=$(apt-cache depends "linux-headers-$KREL" 2>/dev/null | awk '/Depends: linux-headers-.*-common/ {print $2; exit}')
        kbuild_pkg=$(apt-cache depends "linux-headers-$KREL" 2>/dev/null | awk '/Depends: linux-kbuild-/ {print $2; exit}')
        if [ -z "$common_pkg" ] || [ -z "$kbuild_pkg" ]; then
            apt_update_once
            common_pkg=$(apt-cache depends "linux-headers-$KREL" | awk '/Depends: linux-headers-.*-common/ {print $2; exit}')
            kbuild_pkg=$(apt-cache depends "linux-headers-$KREL" | awk '/Depends: linux-kbuild-/ {print $2; exit}')
        fi
        rm -rf "$hdr"; mkdir -p "$hdr"
        for p in "linux-headers-$KREL" "$common_pkg" "$kbuild_pkg"; do
            dpkg-deb -x "$(download_deb "$p")" "$hdr"
        done
    fi
    src=$MTTY_DIR
    if [ ! -f "$src/mtty.c" ]; then
        local sdeb tarball ver
        # mtty.c from the same Debian version as the image and headers.
        ver=$(package_version "linux-image-$KREL")
        if [ -z "$ver" ]; then apt_update_once; ver=$(package_version "linux-image-$KREL"); fi
        sdeb=$(download_deb linux-source-6.12 "$ver")
        rm -rf "$CACHE/linux-source.d"; mkdir -p "$CACHE/linux-source.d" "$src"
        dpkg-deb -x "$sdeb" "$CACHE/linux-source.d"
        tarball=$(ls "$CACHE"/linux-source.d/usr/src/linux-source-6.12*.tar.* | head -n1)
        tar -xf "$tarball" -C "$src" --strip-components=3 --wildcards '*/samples/vfio-mdev/mtty.c'
        rm -rf "$CACHE/linux-source.d"
        # The source deb is big (~150 MB) and only mtty.c is needed: keep mtty.c, drop the deb.
        rm -f "$sdeb"
    fi
    printf 'obj-m := mtty.o\n' > "$src/Makefile"
    # The headers' Makefile includes the -common tree by an absolute /usr/src path: point it into
    # the cache instead (the kbuild scripts/tools links are relative and resolve there already).
    local kdir=$hdr/usr/src/linux-headers-$KREL
    sed -i "s|^include /usr/src/|include $hdr/usr/src/|" "$kdir/Makefile"
    make -s -C "$kdir" M="$src" CONFIG_DEBUG_INFO_BTF_MODULES= \
        modules >"$MTTY_DIR/build.log" 2>&1
}
MTTY_DIR=$CACHE/mtty/$KREL
MTTY_KO=$MTTY_DIR/mtty.ko
mkdir -p "$MTTY_DIR"
if [ ! -f "$MTTY_KO" ] && [ ! -f "$MTTY_DIR/failed" ]; then
    th_log "building mtty.ko out of tree"
    if ! build_mtty || [ ! -f "$MTTY_KO" ]; then
        th_log "mtty.ko build failed (see $MTTY_DIR/build.log); continuing without it"
        touch "$MTTY_DIR/failed"
    fi
fi

# --- initramfs --------------------------------------------------------------------------------
inputs_hash=$( { cat "$TH_SRC_DIR/guest/init" "$0"; echo "${GUEST_MODULES[*]} $KREL";
                 if [ -f "$MTTY_KO" ]; then md5sum < "$MTTY_KO"; fi; } | md5sum | cut -d' ' -f1)
if [ ! -f "$CACHE/initramfs.cpio.gz" ] || [ "$(cat "$CACHE/initramfs.hash" 2>/dev/null)" != "$inputs_hash" ]; then
    th_log "building initramfs"
    ird=$CACHE/initramfs.d
    rm -rf "$ird"
    mkdir -p "$ird"/{bin,sbin,dev,proc,sys,share,tmp,run,etc,lib/modules/"$KREL"}
    cp "$CACHE/busybox" "$ird/bin/busybox"
    cp "$TH_SRC_DIR/guest/init" "$ird/init"
    chmod 755 "$ird/init" "$ird/bin/busybox"
    # Resolve each module's dependency closure with the kernel's own modules.dep.
    declare -A seen=()
    for m in "${GUEST_MODULES[@]}"; do
        while read -r kind path _; do
            [ "$kind" = insmod ] || continue
            seen[$path]=1
        done < <(modprobe -d "$KROOT" -S "$KREL" --show-depends "$m")
    done
    for path in "${!seen[@]}"; do
        rel=${path#"$KROOT"/lib/modules/"$KREL"/}
        mkdir -p "$ird/lib/modules/$KREL/$(dirname "$rel")"
        case "$rel" in
            *.ko.xz) xz -dc "$path" > "$ird/lib/modules/$KREL/${rel%.xz}" ;;
            *.ko.zst) zstd -qdc "$path" > "$ird/lib/modules/$KREL/${rel%.zst}" ;;
            *) cp "$path" "$ird/lib/modules/$KREL/$rel" ;;
        esac
    done
    if [ -f "$MTTY_KO" ]; then
        mkdir -p "$ird/lib/modules/$KREL/extra"
        cp "$MTTY_KO" "$ird/lib/modules/$KREL/extra/mtty.ko"
    fi
    cp "$KROOT/lib/modules/$KREL/modules.order" "$KROOT/lib/modules/$KREL/modules.builtin"* \
        "$ird/lib/modules/$KREL/" 2>/dev/null || true
    depmod -b "$ird" "$KREL"
    (cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$CACHE/initramfs.cpio.gz.tmp"
    mv "$CACHE/initramfs.cpio.gz.tmp" "$CACHE/initramfs.cpio.gz"
    echo "$inputs_hash" > "$CACHE/initramfs.hash"
    th_log "initramfs: $(du -h "$CACHE/initramfs.cpio.gz" | cut -f1), ${#seen[@]} modules"
fi

th_log "cache ready in $(( $(date +%s) - t_start )) s: $(du -sh "$CACHE/debs" | cut -f1) of .debs, kernel $KREL, qemu $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}')"
