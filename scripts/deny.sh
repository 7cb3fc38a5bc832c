#!/usr/bin/env bash
# `cargo deny check` (deny.toml) without network access beyond crates.io:
# unpacks the vendored RustSec advisory database (deny/advisory-db.tar.gz,
# see deny/advisory-db.snapshot) into the git checkout cargo-deny reads,
# then runs `cargo deny --offline check` so nothing is fetched from GitHub.
#
#   scripts/deny.sh [CHECK...]      e.g. scripts/deny.sh advisories
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot=deny/advisory-db.snapshot
tarball=deny/advisory-db.tar.gz
want=$(sed -n 's/^sha256=//p' "$snapshot")
have=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$want" != "$have" ]; then
  echo "$tarball does not match $snapshot (sha256 $have, recorded $want)" >&2
  exit 1
fi

# cargo-deny keeps each database in db-path (deny.toml) under
# `<last URL segment>-<xxhash64 of the lowercased URL>`; this is the name it
# derives for https://github.com/rustsec/advisory-db.
db="${CARGO_TARGET_DIR:-target}/advisory-dbs/advisory-db-3157b0e258782691"
if [ "$(cat "$db/.snapshot-sha256" 2>/dev/null)" != "$want" ]; then
  rm -rf "$db"
  mkdir -p "$db"
  tar -xzf "$tarball" -C "$db"
  # A git checkout whose HEAD commit carries the upstream commit's date:
  # cargo-deny --offline measures the database's age from it (and from the
  # HEAD file's mtime, set to the same date), so maximum-db-staleness in
  # deny.toml counts from the snapshot, not from this unpacking.
  date=$(sed -n 's/^date=//p' "$snapshot")
  commit=$(sed -n 's/^commit=//p' "$snapshot")
  (
    cd "$db"
    git init -q -b main .
    git add -A
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
      git -c user.name=sbomctl -c user.email=sbomctl@localhost -c commit.gpgsign=false \
      commit -q -m "RustSec advisory-db $commit (vendored snapshot)"
    touch -d "$date" .git/HEAD
    rm -f .git/FETCH_HEAD
  )
  echo "$want" >"$db/.snapshot-sha256"
fi

# --offline also keeps `cargo metadata` off the network; fetch the crates
# it needs (every platform's, which a build does not download) first.
cargo fetch --locked --quiet
exec cargo deny --offline check "$@"
