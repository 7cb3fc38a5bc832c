#!/bin/sh
# Records what Debian's rpm (4.18: sqlite and read-only BerkeleyDB
# backends; it has no ndb backend) reads from the go-rpmdb databases here.
# sle15-bci/truth-packages.tsv is not made here: see ../SOURCES.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for case in "libuuid Packages bdb_ro" "cbl-mariner-2.0 rpmdb.sqlite sqlite"; do
    set -- $case
    root=$(mktemp -d)
    mkdir -p "$root/var/lib/rpm"
    cp "$here/$1/$2" "$root/var/lib/rpm/"
    q() { rpm --root "$root" --dbpath /var/lib/rpm --define "_db_backend $3" -qa --qf "$4" 2>/dev/null | LC_ALL=C sort; }
    q "$@" '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{LICENSE}\t%{VENDOR}\t%{PACKAGER}\t%{SOURCERPM}\t%{SIZE}\t%{URL}\n' > "$here/$1/truth-packages.tsv"
    q "$@" '[%{=NAME}\t%{REQUIRENAME}\n]' > "$here/$1/truth-requires.tsv"
    q "$@" '[%{=NAME}\t%{PROVIDENAME}\n]' > "$here/$1/truth-provides.tsv"
    q "$@" '[%{=NAME}\t%{FILENAMES}\t%{FILEDIGESTS}\t%{=FILEDIGESTALGO}\n]' > "$here/$1/truth-files.tsv"
    rm -rf "$root"
done
