#!/bin/sh
# Rebuilds this directory's layer trees and truth files from real Debian 12
# (bookworm) packages, installed by dpkg itself (see SOURCES.md). Needs
# curl, dpkg, dpkg-deb, dpkg-query and sha256sum; runs as root (dpkg
# --root writes owner/group of the files it installs). No emulation: only
# arch-independent maintainer scripts run (netbase's postinst), chrootless.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pool path and SHA-256 of each .deb (amd64/all: as in bookworm's Packages
# index, `apt-cache show`; arm64: recorded at download, see SOURCES.md).
fetch() {
    curl -sfS -o "$work/$(basename "$1")" "$mirror/pool/main/$1"
    echo "$2  $work/$(basename "$1")" | sha256sum -c --quiet
}
fetch n/netbase/netbase_6.4_all.deb 29b23c48c0fe6f878e56c5ddc9f65d1c05d729360f3690a593a8c795031cd867
fetch a/attr/libattr1_2.5.1-4_amd64.deb c4945123d66d0503ba42e2fc0585abc76d0838978c6d277b9cc37a4da25d1a34
fetch a/attr/libattr1_2.5.1-4_arm64.deb 481e1c3fcad6773ba1c9d7f1de59e4fc80d95326c9b20192e13b7111013c932a
fetch a/acl/libacl1_2.3.1-3_arm64.deb 2b0eef11a2e271e7355adaf1f6cbf8d2e83835ae1b6cf15165d59b8289c08342

newroot() {
    mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
    touch "$1/var/lib/dpkg/status"
}
dpkg_in() {
    root=$1
    shift
    # libc6 is not in these roots: dependencies are forced, as a layer
    # that adds packages to a base image without its libc would.
    dpkg --root="$root" --force-script-chrootless --force-depends \
        --log=/dev/null "$@"
}

# Base layer, both platforms: netbase (Architecture: all).
base=$work/base
newroot "$base"
dpkg_in "$base" -i "$work/netbase_6.4_all.deb"

# amd64 layer: libattr1:amd64 on top of the base.
cp -a "$base" "$work/amd64"
dpkg_in "$work/amd64" -i "$work/libattr1_2.5.1-4_amd64.deb"

# arm64 layer: arm64 as dpkg's foreign architecture, libattr1:arm64 and
# libacl1:arm64 on top of the base.
cp -a "$base" "$work/arm64"
dpkg --root="$work/arm64" --add-architecture arm64
dpkg_in "$work/arm64" -i "$work/libattr1_2.5.1-4_arm64.deb" "$work/libacl1_2.3.1-3_arm64.deb"

# The truth, by dpkg-query on each platform's database.
q='${Package}\t${Version}\t${Architecture}\t${db:Status-Status}\n'
dpkg-query --admindir="$base/var/lib/dpkg" -W -f "$q" >"$here/truth-base.tsv"
dpkg-query --admindir="$work/amd64/var/lib/dpkg" -W -f "$q" >"$here/truth-amd64.tsv"
dpkg-query --admindir="$work/arm64/var/lib/dpkg" -W -f "$q" >"$here/truth-arm64.tsv"

# Only what an image layer keeps: dpkg's lock, backup and journal files
# are not part of the database.
prune() {
    rm -rf "$1/var/lib/dpkg/lock" "$1/var/lib/dpkg/lock-frontend" \
        "$1/var/lib/dpkg/status-old" "$1/var/lib/dpkg/available" \
        "$1/var/lib/dpkg/diversions" "$1/var/lib/dpkg/diversions-old" \
        "$1/var/lib/dpkg/statoverride" "$1/var/lib/dpkg/statoverride-old" \
        "$1/var/lib/dpkg/triggers" "$1/var/lib/dpkg/updates" \
        "$1/var/lib/dpkg/arch-old"
}
prune "$base"
prune "$work/amd64"
prune "$work/arm64"

# Each platform layer holds the files that differ from the base (what an
# image layer records): new files and rewritten ones (the status file).
rm -rf "$here/base" "$here/amd64" "$here/arm64"
cp -a "$base" "$here/base"
for arch in amd64 arm64; do
    (cd "$work/$arch" && find . \( -type f -o -type l \) | sort) | while read -r f; do
        if ! cmp -s "$work/$arch/$f" "$base/$f"; then
            mkdir -p "$here/$arch/$(dirname "$f")"
            cp -a "$work/$arch/$f" "$here/$arch/$f"
        fi
    done
done
