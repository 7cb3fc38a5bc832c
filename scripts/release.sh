#!/usr/bin/env bash
# Release build of sbomctl (docs/release.md): a static binary, its checksums,
# an SBOM of sbomctl made by sbomctl, and a Sigstore bundle for each file,
# all in dist/.
#
#   scripts/release.sh [TARGET]          default TARGET: x86_64-unknown-linux-gnu
#
# Environment:
#   SBOMCTL_RELEASE_KEY   cosign private key that signs the files (password in
#                         COSIGN_PASSWORD or SBOMCTL_PASSWORD). Unset: a
#                         throwaway key pair is made in target/release-key/
#                         (fine for trying the script, useless to consumers).
#   SBOMCTL_RELEASE_PUB   its public key (default: the key's path with .pub
#                         in place of .key).
#   SOURCE_DATE_EPOCH     build and SBOM time; default: the last commit's time.
#   SBOMCTL               the sbomctl that makes the SBOM and the signatures;
#                         default: the binary just built when it runs here.
#   DIST                  output directory (default: dist).
#
# The build is reproducible: the same commit, toolchain and TARGET give the
# same bytes (paths are remapped, times come from SOURCE_DATE_EPOCH).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

target=${1:-x86_64-unknown-linux-gnu}
dist=${DIST:-dist}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
name="sbomctl-$version-$target"

say() { printf '== %s\n' "$*" >&2; }

# RUSTFLAGS apply to build scripts and proc macros too, unless --target is
# given explicitly: then they reach only the target's crates. That is why
# TARGET is always passed, even when it is the host.
#  - +crt-static: link the C runtime statically. For *-linux-gnu this is
#    static glibc; for *-linux-musl it is the default anyway.
#  - --remap-path-prefix: no build-machine path (this checkout, the cargo
#    registry, the toolchain) ends up in panic messages or debug info.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
sysroot=$(rustc --print sysroot)
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static \
 --remap-path-prefix=$root=/sbomctl \
 --remap-path-prefix=$cargo_home=/cargo \
 --remap-path-prefix=$sysroot=/rust"
# Debug info and symbols are not shipped (smaller binary, and nothing
# path-dependent left in it).
export CARGO_PROFILE_RELEASE_STRIP=symbols
export CARGO_PROFILE_RELEASE_DEBUG=0

# cargo-auditable embeds the dependency list in the binary (a `.dep-v0`
# section), which sbomctl's cargo cataloger reads back: the SBOM then lists
# exactly what was compiled in. Without it, the SBOM comes from Cargo.lock.
build=(cargo build)
if cargo auditable --version >/dev/null 2>&1; then
  build=(cargo auditable build)
else
  say "cargo-auditable is not installed (cargo install --locked cargo-auditable): the SBOM is made from Cargo.lock"
fi

say "building $name (${build[*]} --release --target $target)"
"${build[@]}" --release --locked --target "$target" -p sbomctl
bin="target/$target/release/sbomctl"

rm -rf "$dist"
mkdir -p "$dist"
dist_abs=$(cd "$dist" && pwd)
cp "$bin" "$dist/$name"
chmod 0755 "$dist/$name"
touch -d "@$SOURCE_DATE_EPOCH" "$dist/$name"

say "checking that the binary is static"
file "$dist/$name" >&2
case "$target" in
  *-linux-*)
    if ! file "$dist/$name" | grep -Eq 'static(-pie)? linked'; then
      echo "$dist/$name is not statically linked" >&2
      exit 1
    fi
    # ldd's wording differs between loaders; either form means no
    # shared libraries are needed.
    if ldd_out=$(ldd "$dist/$name" 2>&1); then
      if ! grep -Eq 'not a dynamic executable|statically linked' <<<"$ldd_out"; then
        echo "ldd lists shared libraries for $dist/$name:" >&2
        echo "$ldd_out" >&2
        exit 1
      fi
    fi
    ;;
esac

sbomctl=${SBOMCTL:-}
if [ -z "$sbomctl" ]; then
  if "$dist/$name" --version >/dev/null 2>&1; then
    sbomctl="$dist_abs/$name"
  else
    echo "the $target binary does not run here: set SBOMCTL to a sbomctl that does" >&2
    exit 2
  fi
fi

say "SBOM of sbomctl, made by sbomctl"
sbom_base="$dist/$name"
# The source's path is in the SBOM (its name, the root package): scan a
# relative path that is the same on every machine.
if [ "${build[*]}" = "cargo auditable build" ]; then
  # The binary alone: its embedded dependency list.
  rm -rf "target/release-sbom/$name"
  mkdir -p "target/release-sbom/$name"
  cp "$dist/$name" "target/release-sbom/$name/sbomctl"
  scan_dir=target/release-sbom
  source_arg="dir:$name"
else
  # The source tree's Cargo.lock: every crate of the workspace's lock
  # file, dev-dependencies included.
  scan_dir=.
  source_arg="dir:."
fi
(cd "$scan_dir" && "$sbomctl" packages -q "$source_arg" \
  -o "spdx-json=$dist_abs/$name.spdx.json" \
  -o "cyclonedx-json=$dist_abs/$name.cdx.json")
rm -rf target/release-sbom
npkg=$(jq '.packages | length' "$sbom_base.spdx.json")
# sbomctl's own crates are in it, so an SBOM without them means the
# dependency data was not found.
if ! jq -e '.packages[] | select(.name == "sbomctl-catalog")' "$sbom_base.spdx.json" >/dev/null; then
  echo "the SBOM of $name does not list sbomctl-catalog: the dependency data was not found" >&2
  exit 1
fi
say "$npkg packages"

say "checksums"
(cd "$dist" && sha256sum -- "$name" "$name.spdx.json" "$name.cdx.json" >SHA256SUMS)

say "signatures (Sigstore bundles, sbomctl sign-blob)"
key=${SBOMCTL_RELEASE_KEY:-}
if [ -z "$key" ]; then
  say "SBOMCTL_RELEASE_KEY is not set: signing with a throwaway key in target/release-key/"
  mkdir -p target/release-key
  key=target/release-key/cosign.key
  if [ ! -f "$key" ]; then
    export COSIGN_PASSWORD=${COSIGN_PASSWORD:-release}
    "$sbomctl" generate-key-pair -q --output-key-prefix target/release-key/cosign </dev/null
  fi
  export COSIGN_PASSWORD=${COSIGN_PASSWORD:-release}
fi
# Published with the files so the self-check below and docs/release.md's
# commands work; consumers should take the key from somewhere they trust.
pub="$dist/sbomctl.pub"
cp "${SBOMCTL_RELEASE_PUB:-${key%.key}.pub}" "$pub"
for f in "$name" "$name.spdx.json" "$name.cdx.json" SHA256SUMS; do
  "$sbomctl" sign-blob -q --key "$key" --bundle "$dist/$f.sigstore.json" "$dist/$f" >/dev/null
  "$sbomctl" verify-blob -q --key "$pub" --bundle "$dist/$f.sigstore.json" "$dist/$f"
done

say "dist/"
(cd "$dist" && ls -l)
