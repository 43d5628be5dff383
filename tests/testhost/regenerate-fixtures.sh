#!/bin/bash
# Regenerates tests/data/testhost/<topology>-<stage>.tar.gz: what `devtopo-cli capture` wrote inside
# the real-kernel guest at each stage (before = as booted, vfs = SR-IOV VFs enabled, vfio = every
# endpoint on vfio-pci). The offline QtTests read these like any other capture.
#
# Usage: regenerate-fixtures.sh [BUILD_DIR] [TOPOLOGY...]
#   BUILD_DIR  a configured and built tree holding devtopo-cli and devtopo-vfio-probe (default: build)
#   TOPOLOGY   names from topologies/ (default: all of them)
# Environment: DEVTOPO_CLI, DEVTOPO_VFIO_PROBE to use binaries from elsewhere.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC_ROOT=$(cd "$TH_SRC_DIR/../.." && pwd)
BUILD=${1:-$SRC_ROOT/build}
shift || true
[ -d "$BUILD" ] || th_die "no build directory $BUILD (configure and build devtopo first)"
BUILD=$(cd "$BUILD" && pwd)
find_bin() {
    local f
    f=$(find "$BUILD" -type f -name "$1" -perm -u+x -not -path '*/CMakeFiles/*' 2>/dev/null | head -n1)
    [ -n "$f" ] || th_die "$1 not built in $BUILD (ninja -C $BUILD $1)"
    echo "$f"
}
# Overridable when the two live in different trees.
CLI=${DEVTOPO_CLI:-$(find_bin devtopo-cli)}
PROBE=${DEVTOPO_VFIO_PROBE:-$(find_bin devtopo-vfio-probe)}

topos=("$@")
if [ ${#topos[@]} -eq 0 ]; then
    for f in "$TH_SRC_DIR"/topologies/*.topo; do topos+=("$(basename "$f" .topo)"); done
fi

DEST=$SRC_ROOT/tests/data/testhost
mkdir -p "$DEST"
CACHE=$BUILD/testhost-cache
bash "$TH_SRC_DIR/fetch.sh" "$CACHE"

status=0
for t in "${topos[@]}"; do
    out=$BUILD/testhost-fixtures/$t
    if ! bash "$TH_SRC_DIR/run-topology.sh" --cache "$CACHE" --out "$out" --cli "$CLI" --probe "$PROBE" \
            "$TH_SRC_DIR/topologies/$t.topo"; then
        th_log "$t: boot failed, its fixtures are left as they were"
        status=1
        continue
    fi
    n=0
    for f in "$out"/share/out/fixtures/"$t"-*.tar.gz; do
        [ -f "$f" ] || continue
        size=$(stat -c %s "$f")
        if [ "$size" -gt $((300 * 1024)) ]; then
            th_log "$(basename "$f") is $size bytes (> 300 KB): not copied; make the capture smaller"
            status=1
            continue
        fi
        cp "$f" "$DEST/"
        th_log "$(basename "$f"): $size bytes"
        n=$((n + 1))
    done
    [ $n -gt 0 ] || { th_log "$t: devtopo-cli capture produced nothing (see $out/share/out/capture-*.log)"; status=1; }
done
exit $status
