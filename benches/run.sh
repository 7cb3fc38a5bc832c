#!/usr/bin/env bash
# Measure sbomctl on the large benchmark image (benches/large-image.sh) and,
# when present, on the real test image, against the decompression floors.
# See docs/performance.md for what each number means.
#
# Usage: benches/run.sh [RUNS]      (default 3 rounds; medians are printed)
#
# Prints a Markdown table on stdout and writes target/bench-results/run.json.
# Run it on an otherwise idle machine: it waits (up to 10 min per step) for
# the CPUs to be >= 90 % idle and records the load it saw.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
# Where the benchmark images are built (not SBOMCTL_CACHE_DIR: that is the
# layer cache's directory, docs/cache.md).
CACHE_ROOT=${SBOMCTL_BENCH_IMAGES_DIR:-$HOME/.cache/sbomctl}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v zstd >/dev/null || missing+=(zstd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== building (release)" >&2
cargo build --release -p sbomctl >&2
cargo build --release -p sbomctl-benches --example inflate >&2

echo "== large image" >&2
LARGE=$(bash benches/large-image.sh)
images=("large=$LARGE")
REAL=$CACHE_ROOT/real-image-v3/oci
if [ -f "$REAL/index.json" ]; then
  images+=("real=$REAL")
else
  echo "(no real test image at $REAL: run testdata/real-image/build.sh to include it)" >&2
fi

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uptime)" >&2
mkdir -p target/bench-results
python3 benches/measure.py \
  --sbomctl target/release/sbomctl \
  --inflate target/release/examples/inflate \
  --runs "$RUNS" \
  --workdir target/bench-results \
  --json target/bench-results/run.json \
  "${images[@]}"
