#!/bin/sh
# Rebuilds rpmdb.sqlite and the truth files from specs/ with the real rpm
# tools (Debian's `rpm` package: rpmbuild, rpm 4.18, sqlite backend).
# Usage: sh regenerate.sh   (from this directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000
for spec in "$here"/specs/*.spec; do
    rpmbuild --quiet -bb \
        --define "_topdir $work/build" \
        --define "use_source_date_epoch_as_buildtime 1" \
        --define "_buildhost sbomctl-fixtures" \
        "$spec"
done
root="$work/root"
mkdir -p "$root"
rpm --root "$root" --dbpath /var/lib/rpm --define '_db_backend sqlite' --initdb
rpm --root "$root" --dbpath /var/lib/rpm --define '_db_backend sqlite' \
    -i --nodeps --noscripts --ignorearch "$work"/build/RPMS/*/*.rpm
q() { rpm 2>/dev/null --root "$root" --dbpath /var/lib/rpm -qa --qf "$1" | LC_ALL=C sort; }
mkdir -p "$here/root/var/lib/rpm"
# Checkpoint the WAL (if any) into the main file before copying it.
cp "$root/var/lib/rpm/rpmdb.sqlite" "$here/root/var/lib/rpm/rpmdb.sqlite"
q '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{LICENSE}\t%{VENDOR}\t%{PACKAGER}\t%{SOURCERPM}\t%{SIZE}\t%{URL}\n' > "$here/truth-packages.tsv"
q '[%{=NAME}\t%{REQUIRENAME}\n]' > "$here/truth-requires.tsv"
q '[%{=NAME}\t%{PROVIDENAME}\n]' > "$here/truth-provides.tsv"
q '[%{=NAME}\t%{FILENAMES}\t%{FILEDIGESTS}\t%{=FILEDIGESTALGO}\n]' > "$here/truth-files.tsv"
rpm --version > "$here/truth-rpm-version.txt"
