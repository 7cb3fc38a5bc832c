#!/bin/sh
# Rebuilds catalog/testdata/npm/debian-nodejs/{root,truth.json} from a real
# Debian bookworm install of nodejs, npm, a few node-* libraries and
# python3-six, plus two packages installed globally with Debian's npm.
#
#   sudo ./regenerate.sh [SCRATCH]
#
# SCRATCH (default: a new temporary directory) receives the full root
# (about 700 MB); it is built with debootstrap unless SCRATCH/root already
# holds one. Nothing is installed on the host. Needs: debootstrap, dpkg,
# jq, python3 with packageurl-python (the test venv has it), network access
# to deb.debian.org and registry.npmjs.org.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SCRATCH=${1:-$(mktemp -d)}
ROOT=$SCRATCH/root
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PYTHON=${PYTHON:-$HERE/../../../../target/venv/bin/python}

if [ ! -x "$ROOT/usr/bin/node" ]; then
    # debootstrap's own resolver stops at virtual packages (node-qs needs
    # node-side-channel, provided by another package); apt in the new root
    # finishes the job.
    debootstrap --variant=minbase \
        --include=nodejs,npm,node-lodash,node-express,node-typescript,python3-six \
        bookworm "$ROOT" "$MIRROR" || true
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    mount -t proc proc "$ROOT/proc"
    trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT
    chroot "$ROOT" apt-get -f install -y
    # Global installs with Debian's own npm (prefix /usr/local): one
    # package with nested dependencies, one scoped package. A proxy's CA,
    # when the host has one, is lent to node for the download only.
    if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
        cp "$NODE_EXTRA_CA_CERTS" "$ROOT/tmp/extra-ca.crt"
    fi
    chroot "$ROOT" env HOME=/root NODE_EXTRA_CA_CERTS=/tmp/extra-ca.crt \
        npm install -g --no-audit --no-fund --no-update-notifier \
        cowsay@1.5.0 @sindresorhus/is@4.6.0
    rm -f "$ROOT/tmp/extra-ca.crt"
    umount "$ROOT/proc"
    trap - EXIT
fi

# What npm itself says is installed globally: one `PATH:NAME@VERSION` line
# per package (the first line is the global prefix itself).
chroot "$ROOT" npm ls --all --global --parseable --long >"$SCRATCH/npm-ls-global.txt"

"$PYTHON" "$HERE/truth.py" "$ROOT" "$SCRATCH/npm-ls-global.txt" "$HERE"
