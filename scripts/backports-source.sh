# Sourced, not run: ensure_backports_source makes bookworm-backports an apt source when no source
# lists it yet, as a deb822 file using the mirror of the existing bookworm entry, and then sets
# BACKPORTS_SOURCE_ADDED=1 (the caller needs an apt-get update before installing from it).
# Used by scripts/install-deps.sh (linux-libc-dev 6.12 for <linux/iommufd.h>) and
# tests/testhost/fetch.sh (QEMU 10, the 6.12 guest kernel). Needs root for the write; callers that
# are not root pass a wrapper in BACKPORTS_AS_ROOT (e.g. "sudo").
ensure_backports_source() {
    if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
        return 0
    fi
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        # The URIs: line of the stanza whose Suites: holds plain "bookworm".
        uri=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' \
            /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    printf 'adding bookworm-backports (%s) to /etc/apt/sources.list.d/backports.sources\n' "$uri" >&2
    ${BACKPORTS_AS_ROOT:-} tee /etc/apt/sources.list.d/backports.sources >/dev/null <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
    BACKPORTS_SOURCE_ADDED=1
}
