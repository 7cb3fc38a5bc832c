#!/usr/bin/env bash
# spdx3-validate (JSON schema and SHACL, offline, through
# scripts/validate_sbom.py) on the real test image's SPDX 3 document: the
# whole validation the suite runs on the sample images' SPDX 3, too slow for
# the suite on this image (minutes of CPU, about 1 GB; docs/formats.md). The
# suite checks the same document against the SPDX 3.0.1 JSON schema
# (cli/tests/it/real_image.rs,
# real_image_spdx3_follows_the_spdx3_json_schema_and_lists_every_package).
#
# Usage: benches/spdx3_real.sh      (after scripts/test.sh has made
# target/venv and testdata/real-image/build.sh the real image)
#
# Prints the validator's verdict line and the CPU time and peak RSS it took;
# exits non-zero if the document is not valid.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE_ROOT=${SBOMCTL_BENCH_IMAGES_DIR:-$HOME/.cache/sbomctl}
REAL=$CACHE_ROOT/real-image-v3/oci
[ -f "$REAL/index.json" ] || { echo "no real test image at $REAL: run testdata/real-image/build.sh" >&2; exit 2; }
[ -x target/venv/bin/python ] || { echo "no target/venv: run scripts/test.sh first" >&2; exit 2; }
cargo build --release -p sbomctl >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SOURCE_DATE_EPOCH=1700000000 target/release/sbomctl packages "oci-dir:$REAL" -q -o "spdx3-json=$out/real.spdx3.json"
/usr/bin/time -f 'cpu %U s user, %S s system; wall %e s; max RSS %M KiB' \
  target/venv/bin/python scripts/validate_sbom.py spdx3-json 3.0.1 "$out/real.spdx3.json" |
  python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print("valid" if r["ok"] else "INVALID", len(r["packages"]), "packages", *r["errors"][:5]); sys.exit(0 if r["ok"] else 1)'
