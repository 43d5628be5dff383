#!/bin/bash
# Boots one topology once in QEMU (TCG, emulated Intel IOMMU) with the cached guest kernel and
# initramfs, runs guest/checks.sh in it and leaves everything in OUT:
#   OUT/serial.log          the guest's serial console (kernel log + "TB:" progress lines)
#   OUT/qemu-stderr.log     QEMU's own messages (an abort shows up here)
#   OUT/qemu-cmdline.txt    the exact command line
#   OUT/share/out/          what the guest wrote: truth-*.txt, scan-*.json, probe-*.json, fixtures/,
#                           hostctl.jsonl (devtopo-hostctl, the actions stage), dmesg.txt
#   OUT/status.txt          result=ok|guest-failed|emulator-fault|timeout, attempts, seconds
# An emulator fault (QEMU aborting or crashing) or a hang is not a failed check: the topology is
# booted again, at most RETRIES more times. A guest that ran but failed is not retried.
#
# Usage: run-topology.sh --cache DIR --out DIR [--cli PATH] [--probe PATH] [--hostctl PATH]
#                        [--timeout SEC] [--retries N] TOPOLOGY.topo
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CACHE= OUT= CLI= PROBE= HOSTCTL= TIMEOUT=420 RETRIES=2 TOPO=
while [ $# -gt 0 ]; do
    case "$1" in
        --cache) CACHE=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --cli) CLI=$2; shift 2 ;;
        --probe) PROBE=$2; shift 2 ;;
        --hostctl) HOSTCTL=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --retries) RETRIES=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) th_die "unknown option $1" ;;
        *) TOPO=$1; shift ;;
    esac
done
[ -n "$CACHE" ] && [ -n "$OUT" ] && [ -n "$TOPO" ] || th_die "usage: run-topology.sh --cache DIR --out DIR TOPOLOGY.topo"
[ -f "$TOPO" ] || th_die "no topology file $TOPO"
[ -f "$CACHE/initramfs.cpio.gz" ] && [ -e "$CACHE/vmlinuz" ] || th_die "cache $CACHE not ready: run fetch.sh $CACHE first"
[ "$(th_qemu_major)" -ge 10 ] || th_die "qemu-system-x86_64 >= 10 needed (run fetch.sh)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=$(cd "$CACHE" && pwd)

# --- the topology file ------------------------------------------------------------------------
name=$(basename "$TOPO" .topo) machine=q35 memory=1G smp=2
qemu_args=() guest_env=()
while read -r key rest; do
    case "$key" in
        ''|'#'*) ;;
        name) name=$rest ;;
        description) ;;
        machine) machine=$rest ;;
        memory) memory=$rest ;;
        smp) smp=$rest ;;
        disk)
            read -r id size <<<"$rest"
            mkdir -p "$OUT/disks"
            rm -f "$OUT/disks/$id.img"; truncate -s "$size" "$OUT/disks/$id.img" ;;
        arg)
            read -r opt val <<<"$rest"
            while [[ "$val" =~ @DISK:([A-Za-z0-9_-]+)@ ]]; do
                val=${val//"${BASH_REMATCH[0]}"/"$OUT/disks/${BASH_REMATCH[1]}.img"}
            done
            qemu_args+=("$opt" "$val") ;;
        env) guest_env+=("$rest") ;;
        *) th_die "$TOPO: unknown directive '$key'" ;;
    esac
done < "$TOPO"

# --- the share: checks script, topology env, host binaries with their libraries -----------------
SHARE=$OUT/share
mkdir -p "$SHARE/sysroot/bin" "$SHARE/sysroot/lib"
cp "$TH_SRC_DIR/guest/checks.sh" "$SHARE/test.sh"
{ echo "TOPO_NAME=$name"; for e in "${guest_env[@]}"; do echo "$e"; done; } > "$SHARE/topo.env"

# Copies a host-built binary and its ldd closure; the guest runs it through the copied ld.so,
# so the guest uses exactly the host's build and libraries (no second build).
add_host_binary() {
    local bin=$1 as=$2 lib
    [ -x "$bin" ] || th_die "not an executable: $bin"
    cp -L "$bin" "$SHARE/sysroot/bin/$as"
    while read -r lib; do
        [ -n "$lib" ] && cp -uL "$lib" "$SHARE/sysroot/lib/"
    done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}')
    [ -e "$SHARE/sysroot/lib/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$SHARE/sysroot/lib/"
}
rm -f "$SHARE/sysroot/bin/"*
[ -n "$CLI" ] && add_host_binary "$CLI" devtopo-cli
[ -n "$PROBE" ] && add_host_binary "$PROBE" devtopo-vfio-probe
[ -n "$HOSTCTL" ] && add_host_binary "$HOSTCTL" devtopo-hostctl
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
    [ -f "$ids" ] && { cp -u "$ids" "$SHARE/sysroot/pci.ids"; break; }
done

# --- boot ---------------------------------------------------------------------------------------
# TESTHOST_QEMU lets the harness itself be tested with a stand-in that aborts or hangs.
cmd=("${TESTHOST_QEMU:-qemu-system-x86_64}" -nodefaults -no-user-config -display none -serial stdio -no-reboot
     -machine "$machine" -accel tcg -cpu max -m "$memory" -smp "$smp"
     -device intel-iommu,intremap=on,caching-mode=on
     -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initramfs.cpio.gz"
     -append "console=ttyS0 intel_iommu=on panic=-1 tb.script=test.sh tb.vfio_pci_opts=enable_sriov=1"
     -fsdev "local,id=fs0,path=$SHARE,security_model=none"
     -device virtio-9p-pci,fsdev=fs0,mount_tag=host0,bus=pcie.0,addr=0x1
     "${qemu_args[@]}")
printf '%q ' "${cmd[@]}" > "$OUT/qemu-cmdline.txt"; echo >> "$OUT/qemu-cmdline.txt"

t0=$(date +%s)
attempt=0 result= history=
while :; do
    attempt=$((attempt + 1))
    rm -rf "$SHARE/out"; mkdir -p "$SHARE/out"
    th_log "$name: boot attempt $attempt (timeout ${TIMEOUT}s)"
    ta=$(date +%s)
    set +e
    timeout --kill-after=10 "$TIMEOUT" "${cmd[@]}" </dev/null >"$OUT/serial.log" 2>"$OUT/qemu-stderr.log"
    rc=$?
    set -e
    cp "$OUT/serial.log" "$OUT/serial-attempt$attempt.log"
    exit_line=$(grep -a '^TB-EXIT ' "$OUT/serial.log" | tail -n1 || true)
    if [ -n "$exit_line" ]; then
        guest_rc=${exit_line#TB-EXIT }; guest_rc=${guest_rc%%[!0-9]*}
        if [ "${guest_rc:-1}" -eq 0 ]; then result=ok; else result=guest-failed; fi
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        result=timeout
    elif [ $rc -ge 128 ] || grep -qaiE 'assertion|aborted|core dumped|fatal:' "$OUT/qemu-stderr.log"; then
        result=emulator-fault
    else
        result=guest-failed
    fi
    th_log "$name: attempt $attempt: $result (qemu exit $rc, $(( $(date +%s) - ta )) s)"
    history=${history:+$history,}$result
    cp "$OUT/qemu-stderr.log" "$OUT/qemu-stderr-attempt$attempt.log"
    if [ "$result" = emulator-fault ]; then
        tail -n 3 "$OUT/qemu-stderr.log" | sed 's/^/[testhost]   qemu: /' >&2
    fi
    case "$result" in
        emulator-fault|timeout) [ $attempt -le "$RETRIES" ] && continue ;;
    esac
    break
done
secs=$(( $(date +%s) - t0 ))
printf 'topology=%s\nresult=%s\nattempts=%s\nhistory=%s\nseconds=%s\nqemu_exit=%s\n' \
    "$name" "$result" "$attempt" "$history" "$secs" "$rc" > "$OUT/status.txt"

if [ "$result" != ok ]; then
    th_log "$name: $result after $attempt attempt(s); serial log tail:"
    tail -n 60 "$OUT/serial.log" >&2 || true
    [ -s "$OUT/qemu-stderr.log" ] && { th_log "QEMU stderr:"; tail -n 20 "$OUT/qemu-stderr.log" >&2; }
    [ -f "$SHARE/out/guest.log" ] && { th_log "guest.log tail:"; tail -n 30 "$SHARE/out/guest.log" >&2; }
    exit 1
fi
th_log "$name: ok in $secs s ($attempt attempt(s)); results in $SHARE/out"
