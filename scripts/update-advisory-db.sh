#!/usr/bin/env bash
# Refreshes the vendored RustSec advisory database (deny/advisory-db.tar.gz)
# that scripts/deny.sh checks against. Needs a checkout of
# https://github.com/rustsec/advisory-db: give its path (a clone or a bare
# repository), or run this where GitHub is reachable and it clones one.
#
#   scripts/update-advisory-db.sh [PATH-TO-ADVISORY-DB-REPO]
#
# The tarball holds the repository's crates/ tree and its licence files at
# one commit (git archive: sorted, mtimes = the commit time, so the same
# commit gives the same bytes); deny/advisory-db.snapshot records which.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=${1:-}
if [ -z "$repo" ]; then
  repo=$(mktemp -d)
  trap 'rm -rf "$repo"' EXIT
  git clone --quiet --depth 1 https://github.com/rustsec/advisory-db "$repo"
fi
commit=$(git -C "$repo" rev-parse HEAD)
date=$(git -C "$repo" show -s --format=%cI HEAD)
git -C "$repo" archive --format=tar HEAD crates LICENSE.txt LICENSES | gzip -n -9 >deny/advisory-db.tar.gz
count=$(tar -tzf deny/advisory-db.tar.gz | grep -c '^crates/.*\.md$')
cat >deny/advisory-db.snapshot <<TXT
# The RustSec advisory database vendored in deny/advisory-db.tar.gz
# (written by scripts/update-advisory-db.sh; read by scripts/deny.sh).
source=https://github.com/rustsec/advisory-db
commit=$commit
date=$date
advisories=$count
sha256=$(sha256sum deny/advisory-db.tar.gz | cut -d' ' -f1)
TXT
echo "deny/advisory-db.tar.gz: $count advisories at $commit ($date)"
