#!/bin/sh
# Runs inside the test-host guest (busybox sh), from the 9p share, after /init loaded the modules.
# Walks the stages of one boot and leaves, per stage, what the kernel says (truth-STAGE.txt, gathered
# here with shell builtins and one `ls` per link kind, because each fork is slow under TCG) next to
# what devtopo says (scan-STAGE.json from devtopo-cli, probe-STAGE.json from devtopo-vfio-probe).
# The host compares them afterwards; this script asserts nothing itself.
#
# Stages: before (as booted) -> vfs (SR-IOV VFs on the PF) -> partial (one function of a
# multifunction group on vfio-pci) -> vfio (every endpoint on vfio-pci, VFs re-created under vfio-pci)
# -> actions (devtopo-hostctl drives devtopo's LinuxHost: bind/restore, group DMA, numvfs, VF token).
set -u
SHARE=/share
OUT=$SHARE/out
SR=$SHARE/sysroot
mkdir -p "$OUT/fixtures"
# shellcheck disable=SC1091
. "$SHARE/topo.env"
: "${TOPO_NAME:=unknown}" "${SRIOV_NUMVFS:=2}" "${SRIOV_PF:=}" "${PARTIAL_BIND:=}"

uptime_s() { read -r u _ < /proc/uptime; echo "$u"; }
# Progress goes to the kernel log too, so the serial log tells the whole story in order.
note() {
    echo "TB: $* (uptime $(uptime_s))"
    echo "TB: $*" > /dev/kmsg 2>/dev/null || true
}

run_host_bin() { # NAME ARGS...: a host-built binary with the host's libraries from the share
    local bin=$1; shift
    "$SR/lib/ld-linux-x86-64.so.2" --library-path "$SR/lib" "$SR/bin/$bin" "$@"
}
have_bin() { [ -f "$SR/bin/$1" ]; }
export DEVTOPO_PCI_IDS="$SR/pci.ids"

P=/sys/bus/pci/devices

# --- ground truth ------------------------------------------------------------------------------
# One record per line, space separated, "-" for none:
#   fn ADDR PARENT DRIVER GROUP PHYSFN VENDOR DEVICE CLASS NUMA
#   sriov ADDR TOTALVFS NUMVFS
#   virtfn PF INDEX VF
#   group ID TYPE
#   member ID ADDR
#   resv ID START END TYPE
#   vfio ID            (a /dev/vfio node exists for the group)
dump_truth() {
    local f t_name t_target t_addr t_parent t_drv t_grp t_pf t_ven t_dev t_cls t_numa t_tv t_nv l t pfa g id type s e
    f=$OUT/truth-$1.txt
    : > "$f.tmp"
    # One ls per link kind; "ls -l" prints "NAME -> TARGET" for each link.
    ls -l $P/ > "$OUT/.ls-devs"
    ls -ld $P/*/driver > "$OUT/.ls-drv" 2>/dev/null
    ls -ld $P/*/iommu_group > "$OUT/.ls-grp" 2>/dev/null
    ls -ld $P/*/physfn > "$OUT/.ls-pf" 2>/dev/null
    ls -ld $P/*/virtfn* > "$OUT/.ls-vf" 2>/dev/null
    ls -ld /sys/kernel/iommu_groups/*/devices/* > "$OUT/.ls-mem" 2>/dev/null
    while read -r _ _ _ _ _ _ _ _ t_name _ t_target; do
        [ -n "${t_target:-}" ] || continue
        t_addr=${t_name##*/}
        t_parent=${t_target%/*}; t_parent=${t_parent##*/}
        case "$t_parent" in ????:??:??.?) ;; *) t_parent=- ;; esac
        t_drv=-; t_grp=-; t_pf=-
        while read -r _ _ _ _ _ _ _ _ l _ t; do
            case "$l" in "$P/$t_addr/driver") t_drv=${t##*/} ;; esac
        done < "$OUT/.ls-drv"
        while read -r _ _ _ _ _ _ _ _ l _ t; do
            case "$l" in "$P/$t_addr/iommu_group") t_grp=${t##*/} ;; esac
        done < "$OUT/.ls-grp"
        while read -r _ _ _ _ _ _ _ _ l _ t; do
            case "$l" in "$P/$t_addr/physfn") t_pf=${t##*/} ;; esac
        done < "$OUT/.ls-pf"
        read -r t_ven < "$P/$t_addr/vendor"
        read -r t_dev < "$P/$t_addr/device"
        read -r t_cls < "$P/$t_addr/class"
        read -r t_numa < "$P/$t_addr/numa_node" 2>/dev/null || t_numa=-
        echo "fn $t_addr $t_parent $t_drv $t_grp $t_pf $t_ven $t_dev $t_cls $t_numa" >> "$f.tmp"
        if [ -f "$P/$t_addr/sriov_totalvfs" ]; then
            read -r t_tv < "$P/$t_addr/sriov_totalvfs"
            read -r t_nv < "$P/$t_addr/sriov_numvfs"
            echo "sriov $t_addr $t_tv $t_nv" >> "$f.tmp"
        fi
    done < "$OUT/.ls-devs"
    while read -r _ _ _ _ _ _ _ _ l _ t; do
        [ -n "${t:-}" ] || continue
        pfa=${l%/*}; pfa=${pfa##*/}
        echo "virtfn $pfa ${l##*/virtfn} ${t##*/}" >> "$f.tmp"
    done < "$OUT/.ls-vf"
    for g in /sys/kernel/iommu_groups/*; do
        id=${g##*/}
        read -r type < "$g/type" 2>/dev/null || type=-
        echo "group $id $type" >> "$f.tmp"
        while read -r s e t; do
            echo "resv $id $s $e $t" >> "$f.tmp"
        done < "$g/reserved_regions"
        [ -e "/dev/vfio/$id" ] && echo "vfio $id" >> "$f.tmp"
    done
    while read -r _ _ _ _ _ _ _ _ l _ t; do
        [ -n "${t:-}" ] || continue
        id=${l#/sys/kernel/iommu_groups/}; id=${id%%/*}
        echo "member $id ${l##*/}" >> "$f.tmp"
    done < "$OUT/.ls-mem"
    mv "$f.tmp" "$f"
    rm -f "$OUT"/.ls-*
}

scan() { # STAGE: devtopo's own view of the same moment
    if have_bin devtopo-cli; then
        run_host_bin devtopo-cli scan --root / --json > "$OUT/scan-$1.json" 2> "$OUT/scan-$1.err" \
            || note "devtopo-cli scan failed at $1 (exit $?)"
    fi
}

capture() { # STAGE: a fixture of what devtopo reads, for the offline tests
    local dest=$OUT/fixtures/$TOPO_NAME-$1.tar.gz
    if have_bin devtopo-cli; then
        run_host_bin devtopo-cli capture "$dest" > "$OUT/capture-$1.log" 2>&1 \
            || note "devtopo-cli capture failed at $1 (exit $?)"
    fi
}

probe() { # STAGE [GROUP...]: VFIO's answers
    local stage=$1; shift
    if have_bin devtopo-vfio-probe; then
        run_host_bin devtopo-vfio-probe "$@" > "$OUT/probe-$stage.json" 2> "$OUT/probe-$stage.err" \
            || note "devtopo-vfio-probe failed at $stage (exit $?)"
    else
        note "no devtopo-vfio-probe in the share"
    fi
}

stage() { # NAME: truth, scan and (optionally) capture at one moment
    note "stage $1: gathering"
    dump_truth "$1"
    scan "$1"
    [ "${2:-}" = capture ] && capture "$1"
    note "stage $1: done"
}

# Binds one function to vfio-pci the race-free way: unbind, driver_override, drivers_probe.
bind_vfio() {
    local d=$1 cur=- now
    # Never a bridge or port: vfio-pci refuses them, and unbinding pcieport would only lose services.
    is_bridge "$d" && { note "not binding bridge $d"; return 1; }
    if [ -e "$P/$d/driver" ]; then
        cur=$(readlink "$P/$d/driver"); cur=${cur##*/}
        [ "$cur" = vfio-pci ] && return 0
        echo "$d" > "$P/$d/driver/unbind" || { note "unbind $d from $cur failed"; return 1; }
    fi
    echo vfio-pci > "$P/$d/driver_override"
    echo "$d" > /sys/bus/pci/drivers_probe || note "drivers_probe $d failed"
    now=-; [ -e "$P/$d/driver" ] && { now=$(readlink "$P/$d/driver"); now=${now##*/}; }
    echo "bind $d from $cur to $now" >> "$OUT/actions.txt"
}

set_numvfs() { # PF N: and wait until the VFs exist (and got a driver when autoprobe would give one)
    local i n v
    echo 0 > "$P/$1/sriov_numvfs" 2>/dev/null
    [ "$2" -eq 0 ] && return 0
    if ! echo "$2" > "$P/$1/sriov_numvfs"; then
        note "echo $2 > $1/sriov_numvfs failed"
        return 1
    fi
    echo "sriov_numvfs $1 $2" >> "$OUT/actions.txt"
    i=0
    while [ $i -lt 100 ]; do
        n=0
        for v in "$P/$1"/virtfn*; do [ -e "$v/driver" ] && n=$((n + 1)); done
        [ $n -ge "$2" ] && break
        sleep 0.1; i=$((i + 1))
    done
}

is_bridge() { local c; read -r c < "$P/$1/class"; case "$c" in 0x06*) return 0 ;; esac; return 1; }

# --- the run --------------------------------------------------------------------------------
note "checks start for $TOPO_NAME on $(cat /proc/sys/kernel/osrelease)"
: > "$OUT/actions.txt"
cp /proc/cmdline "$OUT/proc-cmdline.txt"
cat /proc/sys/kernel/osrelease > "$OUT/osrelease.txt"

stage before capture

# SR-IOV: the PF named by the topology, else the first function offering VFs.
pf=$SRIOV_PF
if [ -z "$pf" ]; then
    for d in $P/*; do [ -f "$d/sriov_totalvfs" ] && { pf=${d##*/}; break; }; done
fi
echo "sriov_pf ${pf:--}" >> "$OUT/actions.txt"
if [ -n "$pf" ]; then
    set_numvfs "$pf" "$SRIOV_NUMVFS"
    stage vfs capture
fi

# Partially bound group: only function 0 of a multifunction device on vfio-pci.
mf=$PARTIAL_BIND
if [ -z "$mf" ]; then
    # First group of 2+ members that are all non-bridge functions of one slot.
    for g in /sys/kernel/iommu_groups/*; do
        set -- "$g"/devices/*
        [ $# -ge 2 ] || continue
        slot=; ok=1
        for m in "$@"; do
            a=${m##*/}
            is_bridge "$a" && { ok=0; break; }
            [ -z "$slot" ] && slot=${a%.?}
            [ "${a%.?}" = "$slot" ] || { ok=0; break; }
        done
        [ $ok -eq 1 ] && { mf=$slot.0; break; }
    done
fi
echo "partial_bind ${mf:--}" >> "$OUT/actions.txt"
if [ -n "$mf" ]; then
    bind_vfio "$mf"
    grp=$(readlink "$P/$mf/iommu_group"); grp=${grp##*/}
    echo "partial_group $grp" >> "$OUT/actions.txt"
    probe partial "$grp"
    stage partial
fi

# Everything on vfio-pci except bridges and the groups holding our own virtio share.
[ -n "$pf" ] && set_numvfs "$pf" 0
skip_groups=
for d in $P/*; do
    if [ -e "$d/driver" ]; then
        case "$(readlink "$d/driver")" in *virtio*) skip_groups="$skip_groups $(basename "$(readlink "$d/iommu_group")")" ;; esac
    fi
done
echo "skip_groups$skip_groups" >> "$OUT/actions.txt"
for d in $P/*; do
    a=${d##*/}
    is_bridge "$a" && continue
    g=$(readlink "$d/iommu_group"); g=${g##*/}
    case " $skip_groups " in *" $g "*) continue ;; esac
    bind_vfio "$a"
done
# With enable_sriov=1 a PF on vfio-pci can make VFs; vfio-pci captures them (driver_override).
[ -n "$pf" ] && set_numvfs "$pf" "$SRIOV_NUMVFS"
stage vfio capture
probe vfio

# mtty (the kernel's VFIO mdev sample, built out of tree): later work uses it for VFIO migration,
# so check here that it loads and that an mdev made from it gets an IOMMU group. After every scan,
# so it does not change what the stages saw.
if [ -f "/lib/modules/$(cat /proc/sys/kernel/osrelease)/extra/mtty.ko" ]; then
    if modprobe mtty; then
        types=
        for t in /sys/class/mdev_bus/*/mdev_supported_types/*; do [ -d "$t" ] && types="$types ${t##*/}"; done
        echo "mtty_types${types:- none}" >> "$OUT/actions.txt"
        uuid=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
        t=$(ls -d /sys/class/mdev_bus/*/mdev_supported_types/mtty-2 2>/dev/null | head -n1)
        if [ -n "$t" ] && echo "$uuid" > "$t/create"; then
            g=$(readlink "/sys/bus/mdev/devices/$uuid/iommu_group"); g=${g##*/}
            echo "mtty_mdev $uuid group ${g:--}" >> "$OUT/actions.txt"
            echo 1 > "/sys/bus/mdev/devices/$uuid/remove"
        else
            echo "mtty_mdev failed" >> "$OUT/actions.txt"
        fi
    else
        echo "mtty_load failed" >> "$OUT/actions.txt"
    fi
else
    echo "mtty_load absent" >> "$OUT/actions.txt"
fi

# --- actions: devtopo's own LinuxHost (devtopo-hostctl) against the real kernel -------------------
# After every other stage, so nothing it does changes what they saw. hostctl.jsonl holds, in order,
# a {"scenario":S,"run":"ARGS"} line before each devtopo-hostctl run, its JSON lines (one per step),
# and {"scenario":S,"observe":KEY,"value":V} lines with what sysfs shows right after. compare.py actions
# asserts on them. Topology env: HOSTCTL_ALONE (a function alone in its group), PARTIAL_BIND, SRIOV_PF.
HJ=$OUT/hostctl.jsonl
hostctl() { # SCENARIO STEPS...
    local sc=$1; shift
    echo "{\"scenario\":\"$sc\",\"run\":\"$*\"}" >> "$HJ"
    run_host_bin devtopo-hostctl --records /run/devtopo-hostctl/records.json "$@" >> "$HJ" 2>> "$OUT/hostctl.err"
}
observe() { echo "{\"scenario\":\"$1\",\"observe\":\"$2\",\"value\":\"$3\"}" >> "$HJ"; }
drv_of() { local l=-; [ -e "$P/$1/driver" ] && { l=$(readlink "$P/$1/driver"); l=${l##*/}; }; echo "$l"; }
observe_fn() { # SCENARIO ADDR: its driver and driver_override
    local o; read -r o < "$P/$2/driver_override"
    observe "$1" "driver $2" "$(drv_of "$2")"
    observe "$1" "driver_override $2" "$o"
}
observe_vfs() { # SCENARIO PF: sriov_numvfs and the virtfn links
    local n k=0 v; read -r n < "$P/$2/sriov_numvfs"
    for v in "$P/$2"/virtfn*; do [ -e "$v" ] && k=$((k + 1)); done
    observe "$1" "sriov_numvfs $2" "$n"
    observe "$1" "virtfn_links $2" "$k"
}
to_host_driver() { # ADDR: off vfio-pci, back to whatever the kernel picks (as booted)
    echo > "$P/$1/driver_override"
    [ -e "$P/$1/driver" ] && echo "$1" > "$P/$1/driver/unbind"
    echo "$1" > /sys/bus/pci/drivers_probe
    echo "hostctl_prep $1 $(drv_of "$1")" >> "$OUT/actions.txt"
}
if have_bin devtopo-hostctl && [ -n "${HOSTCTL_ALONE:-}" ]; then
    note "stage actions: devtopo-hostctl"
    : > "$HJ"
    # The vfio stage left everything on vfio-pci: give these back to their own drivers first.
    [ -n "$pf" ] && set_numvfs "$pf" 0
    for d in "$HOSTCTL_ALONE" $mf ${mf%.?}.1 $pf; do [ -e "$P/$d" ] && to_host_driver "$d"; done

    # 1: one function alone in its group, to vfio-pci and back.
    a=$HOSTCTL_ALONE
    echo "hostctl_alone $a" >> "$OUT/actions.txt"
    observe_fn alone "$a"
    hostctl alone bind-force "$a" vfio-pci
    observe_fn alone "$a"
    hostctl alone restore "$a"
    observe_fn alone "$a"

    # 2: a multifunction group, first partly then wholly on vfio-pci; DMA through LinuxHost.
    if [ -n "$mf" ]; then
        g=$(readlink "$P/$mf/iommu_group"); g=${g##*/}
        observe group group "$g"
        hostctl group bind-force "$mf" vfio-pci open-group "$g"
        observe_fn group "$mf"; observe_fn group "${mf%.?}.1"
        hostctl group bind-group "$g" vfio-pci open-group "$g" info map 0x100000 0x200000 map 0x100000 0x200000 \
            map 0xfee00000 0x1000 dirty-start bitmap 0x100000 0x200000 dirty-stop unmap 0x100000 0x200000 close
        observe_fn group "$mf"; observe_fn group "${mf%.?}.1"
        # 2b: iommufd. Debian's 6.12 has "# CONFIG_IOMMUFD is not set": devtopo must say so, and
        # "auto" must fall back to a type1v2 container with that reason.
        hostctl iommufd iommufd-available "$g" open-group-with "$g" auto info close
        hostctl group restore "$mf" restore "${mf%.?}.1"
        observe_fn group "$mf"; observe_fn group "${mf%.?}.1"
    fi

    if [ -n "$pf" ]; then
        # 3: VF counts on the PF under its own driver; 2 -> 3 goes through 0 in LinuxHost.
        observe_fn sriov "$pf"
        for n in 2 3 0; do
            hostctl sriov numvfs "$pf" "$n"
            observe_vfs sriov "$pf"
        done

        # 4: the VF token of a PF on vfio-pci.
        tok=5d0b4f6c-3a8e-4c2b-9f1e-6a7b8c9d0e1f
        bad=00000000-1111-2222-3333-444444444444
        hostctl token bind-force "$pf" vfio-pci token "$pf" "$tok" numvfs "$pf" 1
        observe_fn token "$pf"; observe_vfs token "$pf"
        vf=$(readlink "$P/$pf/virtfn0" 2>/dev/null); vf=${vf##*/}
        i=0; while [ -n "$vf" ] && [ ! -e "$P/$vf/driver" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        observe token vf "${vf:--}"
        if [ -n "$vf" ]; then
            observe_fn token "$vf"
            hostctl token open-device "$vf" - open-device "$vf" "$bad" open-device "$vf" "$tok"
        fi
        hostctl token numvfs "$pf" 0 restore "$pf"
        observe_fn token "$pf"; observe_vfs token "$pf"
    fi
    note "stage actions: done"
fi

# --- migration: VFIO migration v2 against mtty through devtopo-hostctl (LinuxHost) ------------------
# Two mtty-2 mdevs, each in its own group: the first is walked RUNNING -> PRE_COPY -> STOP_COPY and
# its state saved (devtopo header + mtty's 96 bytes), the second moved to RESUMING and loaded; the
# kernel's own answers are recorded through hostctl's raw steps (ERROR as a target, a write to a
# save fd, a bad mtty header). STOP_COPY -> PRE_COPY is never given to the kernel: 6.12's
# vfio_mig_get_next_state() spins forever on it (fixed upstream in 2026); devtopo refuses it itself.
if have_bin devtopo-hostctl && [ -n "${HOSTCTL_ALONE:-}" ] && [ -d /sys/class/mdev_bus ]; then
    note "stage migration: mtty"
    t=$(ls -d /sys/class/mdev_bus/*/mdev_supported_types/mtty-2 2>/dev/null | head -n1)
    u1=83b8f4f2-509f-382f-3c1e-e6bfe0fa2001
    u2=83b8f4f2-509f-382f-3c1e-e6bfe0fa2002
    if [ -n "$t" ] && echo "$u1" > "$t/create" && echo "$u2" > "$t/create"; then
        g1=$(readlink "/sys/bus/mdev/devices/$u1/iommu_group"); g1=${g1##*/}
        g2=$(readlink "/sys/bus/mdev/devices/$u2/iommu_group"); g2=${g2##*/}
        echo "mig_mdevs $u1 $g1 $u2 $g2" >> "$OUT/actions.txt"
        S=/tmp/mtty-state.bin
        hostctl mig open-group "$g1" open-mig-device "$u1" mig-info \
            mig-state PRE_COPY precopy-info stop-copy-size mig-state STOP_COPY stop-copy-size save "$S" \
            mig-state ERROR kernel-set-state 0 mig-state PRE_COPY load "$S" kernel-write 00 \
            log-start 0x100000 0x100000 0x1000 log-report 0x100000 0x100000 0x1000 log-stop \
            mig-state RUNNING mig-info \
            open-group "$g2" open-mig-device "$u2" load "$S" mig-state RESUMING \
            corrupt-copy "$S" "$S.bad" load "$S.bad" load "$S" mig-state RUNNING mig-info \
            mig-state RESUMING kernel-write 000000000000000000000000000000000000000000000000 mig-state STOP \
            mig-reset mig-info close-mig-device dev "$u1" close-mig-device close
        observe mig "file_bytes" "$(wc -c < "$S")"
        echo 1 > "/sys/bus/mdev/devices/$u1/remove"
        echo 1 > "/sys/bus/mdev/devices/$u2/remove"
    else
        echo "mig_mdevs failed" >> "$OUT/actions.txt"
    fi
    note "stage migration: done"
fi

dmesg > "$OUT/dmesg.txt"
note "checks end"
