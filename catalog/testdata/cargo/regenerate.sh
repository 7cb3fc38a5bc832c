#!/bin/sh
# Rebuilds auditdemo with cargo-auditable (see SOURCES.md). Run from this directory.
set -eu
here=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CARGO_HOME="$tmp/cargo-home"
cargo install --locked cargo-auditable --version 0.7.7 --root "$tmp/root"
cp -r "$here/auditdemo-src" "$tmp/src"
(cd "$tmp/src" && PATH="$tmp/root/bin:$PATH" CARGO_TARGET_DIR="$tmp/target" \
    cargo auditable build --release --locked)
cp "$tmp/target/release/auditdemo" "$here/auditdemo"
cp "$tmp/src/Cargo.lock" "$here/auditdemo-src/Cargo.lock"
