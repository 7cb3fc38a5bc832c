#!/usr/bin/env bash
# Builds the fuzz targets and runs each one in turn for SECONDS (default 60)
# from the seed corpus (fuzz/seeds.py), then prints one line per target:
# executions, corpus size, and whether it crashed. Exit 1 if any target
# crashed, leaked, timed out or ran out of memory; the input is in
# fuzz/artifacts/TARGET/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#   FUZZ_SANITIZER=none FUZZ_DEV=1 fuzz/run.sh 2    # the test command's smoke run
#
# FUZZ_SANITIZER (default address) picks cargo-fuzz's sanitizer; FUZZ_DEV=1
# builds without optimisation (much faster to compile, slower to run: the
# test command's smoke run uses it). AddressSanitizer needs nightly Rust:
# the nightly toolchain when installed, else the stable one with
# RUSTC_BOOTSTRAP=1. Without a sanitizer nothing unstable is used, so the
# default toolchain builds the targets.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true

sanitizer=${FUZZ_SANITIZER:-address}
opts=(--sanitizer "$sanitizer")
# How long one input may take. The unoptimised smoke build (FUZZ_DEV, what
# scripts/test.sh runs alongside the test suite on a loaded 2-core machine)
# is ten times slower: the dpkg_status seed of 378 packages takes 5 s there
# alone (linear: half of it takes half the time) and went over 10 s under
# the suite's load, so it gets 60 s.
input_timeout=10
if [ -n "${FUZZ_DEV:-}" ]; then
  opts+=(--dev)
  input_timeout=60
fi
cargo=(cargo)
if [ "$sanitizer" != none ]; then
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
  else
    export RUSTC_BOOTSTRAP=1
  fi
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <("${cargo[@]}" fuzz list)
fi

python3 seeds.py >/dev/null
"${cargo[@]}" fuzz build "${opts[@]}"

failed=()
for t in "${targets[@]}"; do
  log=$(mktemp)
  # One input may take at most $input_timeout s and 256 MiB in one allocation; the
  # process at most 2 GiB (ASan's shadow memory included).
  if "${cargo[@]}" fuzz run "${opts[@]}" "$t" -- \
    -max_total_time="$secs" -timeout="$input_timeout" -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  printf '%-20s %s: %s executions, corpus %s\n' "$t" "$status" "${runs:-?}" "$corpus"
  if [ "$status" = FAILED ]; then
    grep -E 'panicked|ERROR:|SUMMARY|Test unit written' "$log" | head -20 | sed 's/^/    /'
  fi
  rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]}" >&2
  exit 1
fi
