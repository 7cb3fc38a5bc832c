#!/bin/sh
# Rebuilds the Go test binaries and their truth files (see SOURCES.md).
# Needs: pip, apt-get, dpkg, git, go (Debian golang-go). Run from this directory.
set -eu
here=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pip download --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    --python-version 3.11 shfmt-py==4.2.0 -d "$tmp/wheel"
(cd "$tmp" && python3 -m zipfile -e wheel/*.whl w)
cp "$tmp/w/shfmt_py-4.2.0.data/scripts/shfmt" "$here/shfmt"

(cd "$tmp" && apt-get download age=1.1.1-1+b3 && dpkg -x age_*.deb deb)
cp "$tmp/deb/usr/bin/age-keygen" "$here/age-keygen"

cp -r "$here/hello-src" "$tmp/hello"
(cd "$tmp/hello" && git init -q . && git add -A &&
    git -c user.email=t@example.com -c user.name=t commit -q -m init &&
    GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 \
        go build -ldflags="-s -w -X main.version=1.2.3" -o "$here/hello" .)

chmod 755 shfmt age-keygen hello
for b in shfmt age-keygen hello; do go version -m "$b" > "$b.go-version-m.txt"; done
