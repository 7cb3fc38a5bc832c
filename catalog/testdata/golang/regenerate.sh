#!/bin/sh
# Rebuilds the Go test binaries and their truth files (see SOURCES.md).
# Needs: pip, npm, apt-get, dpkg, git, go (Debian golang-go). Run from this directory.
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

# esbuild's own release builds from 2020, made with Go 1.13/1.14 (the
# pre-1.18 pointer build info format): ELF, Mach-O and PE.
(cd "$tmp" && npm pack -q esbuild-linux-64@0.1.26 esbuild-darwin-64@0.1.26 \
    esbuild-windows-64@0.1.12 >/dev/null &&
    for t in esbuild-*.tgz; do mkdir "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done)
cp "$tmp/esbuild-linux-64-0.1.26/package/bin/esbuild" "$here/esbuild-0.1.26-linux-64"
cp "$tmp/esbuild-darwin-64-0.1.26/package/bin/esbuild" "$here/esbuild-0.1.26-darwin-64"
cp "$tmp/esbuild-windows-64-0.1.12/package/esbuild.exe" "$here/esbuild-0.1.12-windows-64.exe"

# hello, and the same program cross-compiled to Mach-O (darwin/arm64) and
# PE (windows/amd64), offline: the dependency is a local `replace`.
cp -r "$here/hello-src" "$tmp/hello"
(cd "$tmp/hello" && git init -q . && git add -A &&
    git -c user.email=t@example.com -c user.name=t commit -q -m init &&
    export GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 &&
    go build -ldflags="-s -w -X main.version=1.2.3" -o "$here/hello" . &&
    GOOS=darwin GOARCH=arm64 go build -ldflags="-s -w -X main.version=1.2.3" \
        -o "$here/hello-darwin-arm64" . &&
    GOOS=windows GOARCH=amd64 go build -ldflags="-s -w -X main.version=1.2.3" \
        -o "$here/hello-windows-amd64.exe" .)

bins="shfmt age-keygen hello hello-darwin-arm64 hello-windows-amd64.exe
    esbuild-0.1.26-linux-64 esbuild-0.1.26-darwin-64 esbuild-0.1.12-windows-64.exe"
for b in $bins; do chmod 755 "$b"; go version -m "$b" > "$b.go-version-m.txt"; done
