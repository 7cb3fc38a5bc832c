#!/usr/bin/env bash
# The test command (README.md): installs what the tests need on a fresh
# Debian machine, then runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# /dev/null must be the null device. cargo runs its rustc target probe
# (`rustc - --print=...`) with /dev/null as stdin, and records the result in
# target/.rustc_info.json. When a program running as root renames a file
# over /dev/null (sbomctl's `-o FORMAT=/dev/null` did, before its outputs
# wrote through to non-regular files), /dev/null becomes a regular file that
# collects whatever is later written to it; once that includes non-UTF-8
# bytes (a compiler's or decompressor's output sent to /dev/null), the probe
# fails with "couldn't read from stdin, as it did not contain valid UTF-8"
# and cargo caches the failure: every later cargo run in that target dir
# fails until the cache is deleted. This reproduces the intermittent "rustc
# target probe" failure seen here (same error, cached, only on cold target
# dirs, which are the only ones that probe) with a regular file bind-mounted
# over /dev/null. cargo gives the probe /dev/null whatever this script's
# stdin is, so detaching stdin never helped, and a retry could not either
# while /dev/null stayed broken.
if [ ! -c /dev/null ]; then
  echo "== /dev/null is not the null device (something replaced it with a regular file); recreating it" >&2
  as_root sh -c 'rm -f /dev/null && mknod -m 666 /dev/null c 1 3'
fi
# Nothing here reads a terminal, and CI has no stdin at all.
exec </dev/null
# A failed probe cached by a run on a broken /dev/null would fail this run
# too: drop such a cache (cargo rebuilds it in a second).
rustc_info="${CARGO_TARGET_DIR:-target}/.rustc_info.json"
if grep -q '"success":false' "$rustc_info" 2>/dev/null; then
  echo "== dropping $rustc_info: it caches a failed rustc probe" >&2
  rm -f "$rustc_info"
fi

# Cargo tools the checks need (cargo deny, cargo fuzz), at pinned versions,
# built from crates.io into ~/.cargo/bin once per machine. Unoptimised
# (--debug: quicker to build; they only check this small graph
# and drive the fuzz build), in the background while everything up to the
# clippy step runs, and waited for just before the first tool is used.
cargo_tools=("cargo-deny 0.20.2" "cargo-fuzz 0.13.2")
install_cargo_tools() {
  local tool
  for tool in "${cargo_tools[@]}"; do
    set -- $tool
    if [ "$("$1" --version 2>/dev/null)" != "$1 $2" ]; then
      cargo install --locked --debug --quiet "$1" --version "$2"
    fi
  done
}
# Each step prints how long the previous one took (stderr), so a slow CI
# run shows where its time went.
step_start=$SECONDS
suite_start=$SECONDS
step() {
  echo "   (took $((SECONDS - step_start)) s; $((SECONDS - suite_start)) s so far)" >&2
  step_start=$SECONDS
  echo "== $*"
}

mkdir -p target
install_cargo_tools >target/cargo-tools.log 2>&1 &
tools_pid=$!
trap 'kill "$tools_pid" 2>/dev/null || true' EXIT

# Debian packages: a real registry for the registry tests, zstd for the
# sample images, debootstrap for the real image, curl for reading back
# what the attestation tests stored, rpm, ruby and maven for their version
# orderings.
missing=()
command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v zstd >/dev/null || missing+=(zstd)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v curl >/dev/null || missing+=(curl)
command -v npm >/dev/null || missing+=(nodejs npm)
# The ecosystems' own version orderings (catalog/tests/it/version.rs).
command -v rpm >/dev/null || missing+=(rpm)
command -v ruby >/dev/null || missing+=(ruby)
[ -e /usr/share/maven/lib/maven-artifact-3.x.jar ] || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python tools in a venv under target/: the official SPDX and CycloneDX
# validators the format tests run (scripts/validate_sbom.py). Reinstalled
# only when scripts/requirements-test.txt changes (a stamp holds its hash).
if [ ! -x target/venv/bin/python ]; then
  python3 -m venv target/venv
fi
req_hash=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
if [ "$(cat target/venv/.requirements-test.sha256 2>/dev/null)" != "$req_hash" ]; then
  echo "== installing scripts/requirements-test.txt into target/venv"
  rm -f target/venv/.requirements-test.sha256
  PIP_DISABLE_PIP_VERSION_CHECK=1 target/venv/bin/pip install -q -r scripts/requirements-test.txt
  echo "$req_hash" >target/venv/.requirements-test.sha256
fi

# Local Sigstore services for the keyless-signing tests (testutil/sigstore/:
# sigstore-js's @sigstore/mock behind a small Node server) and @sigstore/verify
# as an independent verifier, from the committed lock file into
# target/sigstore-mock. Reinstalled only when the lock file changes.
lock_hash=$(cat testutil/sigstore/package.json testutil/sigstore/package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat target/sigstore-mock/.lock.sha256 2>/dev/null)" != "$lock_hash" ]; then
  echo "== installing testutil/sigstore/package-lock.json into target/sigstore-mock"
  rm -rf target/sigstore-mock
  mkdir -p target/sigstore-mock
  cp testutil/sigstore/package.json testutil/sigstore/package-lock.json target/sigstore-mock/
  (cd target/sigstore-mock && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >target/sigstore-mock/.lock.sha256
fi

# spdx-tools' tag-value parser writes its PLY parser table (parsetab.py)
# on first use; build it once here, before tests run validators in parallel
# and could read a half-written table.
target/venv/bin/python -c 'from spdx_tools.spdx.parser.tagvalue.parser import Parser; Parser()'

step "sample images are reproducible"
before=$(find testdata/images -type f -print0 | sort -z | xargs -0 sha256sum)
target/venv/bin/python testdata/images/build.py >/dev/null
after=$(find testdata/images -type f -print0 | sort -z | xargs -0 sha256sum)
if [ "$before" != "$after" ]; then
  echo "testdata/images/build.py does not reproduce the committed images:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi

# The real image (cached outside the clone) builds in the background while
# the tests compile: it is mostly downloads, dpkg and single-threaded
# compression, so the two overlap well.
step "real image (cached outside the clone), in the background"
bash testdata/real-image/build.sh >target/real-image.log 2>&1 &
real_image_pid=$!

step "fmt"
cargo fmt --all -- --check

step "tests: build"
cargo test --workspace --all-targets --no-run --message-format=json-render-diagnostics \
  >target/test-build.json
# Every test executable cargo built, as "PACKAGE-DIR<TAB>EXECUTABLE<TAB>KIND", in
# cargo's order. They run below without cargo (from their package's
# directory, as `cargo test` runs them), so that cargo is free to build the
# docs and run clippy at the same time.
mapfile -t test_bins < <(python3 scripts/test-executables.py target/test-build.json)
if [ ${#test_bins[@]} -lt 5 ]; then
  echo "found only ${#test_bins[@]} test executables in target/test-build.json" >&2
  exit 1
fi

if ! wait "$real_image_pid"; then
  echo "testdata/real-image/build.sh failed:" >&2
  tail -50 target/real-image.log >&2
  exit 1
fi
tail -1 target/real-image.log

# Docs, clippy, cargo deny and the fuzz smoke run need cargo and the CPU;
# the tests mostly wait on the programs they run (registries, validators,
# sbomctl itself). The former run in the background while the tests run,
# with their output in target/checks.log, printed when they end.
other_checks() {
  set -e
  local start=$SECONDS
  echo "== docs"
  RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
  cargo test --workspace --doc
  echo "== clippy ($((SECONDS - start)) s so far)"
  cargo clippy --workspace --all-targets -- -D warnings
  # The tool install is the main shell's child, not this one's: poll it,
  # then check that it left the pinned versions.
  while kill -0 "$tools_pid" 2>/dev/null; do sleep 1; done
  local tool
  for tool in "${cargo_tools[@]}"; do
    set -- $tool
    if [ "$("$1" --version 2>/dev/null)" != "$1 $2" ]; then
      echo "installing $1 $2 failed:"
      cat target/cargo-tools.log
      return 1
    fi
  done
  echo "== cargo deny: licenses, bans, sources, advisories: deny.toml ($((SECONDS - start)) s so far)"
  scripts/deny.sh
  # The fuzz targets (fuzz/, docs/fuzzing.md) must keep building: an
  # unoptimised build without a sanitizer (quick to compile, no nightly
  # needed), each target run for 2 seconds from its seed corpus.
  echo "== fuzz targets build and run briefly ($((SECONDS - start)) s so far)"
  cargo fmt --manifest-path fuzz/Cargo.toml -- --check
  FUZZ_SANITIZER=none FUZZ_DEV=1 fuzz/run.sh 2
  echo "== other checks passed ($((SECONDS - start)) s)"
}
step "tests (docs, clippy, cargo deny and the fuzz smoke run alongside: target/checks.log)"
other_checks >target/checks.log 2>&1 &
checks_pid=$!
trap 'kill "$tools_pid" "$checks_pid" 2>/dev/null || true' EXIT
# The CLI's integration tests take most of the time: they run in one lane
# while every other test executable runs, one after another, in a second
# lane (its output in target/tests-other.log, printed when both are done),
# so the short ones no longer wait for the long one.
run_test_exe() { # DIR EXE KIND: runs one test executable; non-zero when it fails
  echo "   ${2#"$PWD"/} (in ${1#"$PWD"/})"
  # libtest's terse output; a bench target (criterion, harness = false)
  # takes no libtest flags, as under `cargo test`.
  local quiet=(-q)
  if [ "$3" = bench ]; then quiet=(); fi
  (cd "$1" && "$2" "${quiet[@]}")
}
failed=()
attest_it=
cli_it=()
other=()
for entry in "${test_bins[@]}"; do
  IFS=$'\t' read -r dir exe kind <<<"$entry"
  if [ "$dir" = "$PWD/attest" ] && [[ "$(basename "$exe")" == it-* ]]; then
    attest_it=$exe
  fi
  if [ "$dir" = "$PWD/cli" ] && [[ "$(basename "$exe")" == it-* ]]; then
    cli_it=("$dir" "$exe" "$kind")
  else
    other+=("$entry")
  fi
done
rm -f target/tests-other.failed
(
  for entry in "${other[@]}"; do
    IFS=$'\t' read -r dir exe kind <<<"$entry"
    run_test_exe "$dir" "$exe" "$kind" || echo "${exe#"$PWD"/}" >>target/tests-other.failed
  done
) >target/tests-other.log 2>&1 &
other_pid=$!
trap 'kill "$tools_pid" "$checks_pid" "$other_pid" 2>/dev/null || true' EXIT
if [ ${#cli_it[@]} -gt 0 ]; then
  run_test_exe "${cli_it[@]}" || failed+=("${cli_it[1]#"$PWD"/}")
else
  echo "no CLI integration test executable (cli/tests/it) among the test executables" >&2
  failed+=("cli/tests/it")
fi
wait "$other_pid" || true
cat target/tests-other.log
if [ -s target/tests-other.failed ]; then
  mapfile -t -O ${#failed[@]} failed <target/tests-other.failed
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "test executables that failed: ${failed[*]}" >&2
  exit 1
fi

step "sigstore conformance tally"
(cd attest && "$attest_it" -q conformance:: --nocapture) 2>&1 |
  grep -E '^[0-9]+ passed, [0-9]+ failed$'

step "waiting for docs, clippy, cargo deny and the fuzz smoke run"
if ! wait "$checks_pid"; then
  cat target/checks.log >&2
  echo "docs, clippy, cargo deny or the fuzz smoke run failed (target/checks.log above)" >&2
  exit 1
fi
grep -E '^== |executions, corpus' target/checks.log
step "done"
