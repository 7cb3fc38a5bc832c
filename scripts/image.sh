#!/usr/bin/env bash
# Container image of sbomctl (docs/release.md), built without a docker daemon:
# scripts/oci_image.py writes an OCI layout holding the static binary of
# scripts/release.sh; skopeo pushes it; sbomctl signs it, attests its SBOM
# and verifies both.
#
#   scripts/image.sh [IMAGE]
#
# IMAGE is where to push (REGISTRY/REPO:TAG, e.g. ghcr.io/acme/sbomctl:0.1.0
# or 127.0.0.1:5000/sbomctl:0.1.0). Without it, the image stays an OCI layout
# (dist/image) and the attestation is stored in that layout.
#
# Environment:
#   BINARY                the static binary (default: dist/sbomctl-VERSION-TARGET)
#   TARGET                its target triple (default: x86_64-unknown-linux-gnu)
#   SBOMCTL_RELEASE_KEY,  the signing key pair and its password, as for
#   SBOMCTL_RELEASE_PUB,  scripts/release.sh (unset: its throwaway key in
#   COSIGN_PASSWORD       target/release-key/)
#   SBOMCTL               the sbomctl that attests (default: BINARY)
#   SKOPEO                the push command (default: skopeo)
#   SKOPEO_FLAGS          extra `skopeo copy` flags (--dest-creds U:P, ...);
#                         --dest-tls-verify=false is added for localhost
#   SOURCE_DATE_EPOCH     image time; default: the last commit's time
#   DIST                  output directory (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

push_to=${1:-}
dist=${DIST:-dist}
target=${TARGET:-x86_64-unknown-linux-gnu}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
binary=${BINARY:-$dist/sbomctl-$version-$target}
sbomctl=${SBOMCTL:-$root/$binary}
layout="$dist/image"

say() { printf '== %s\n' "$*" >&2; }

case "$target" in
  x86_64-*) arch=amd64 ;;
  aarch64-*) arch=arm64 ;;
  *) echo "no OCI architecture known for $target" >&2; exit 2 ;;
esac
if [ ! -f "$binary" ]; then
  echo "$binary does not exist: run scripts/release.sh first" >&2
  exit 2
fi

say "OCI layout $layout (sbomctl $version, linux/$arch)"
rm -rf "$layout"
digest=$(python3 scripts/oci_image.py --binary "$binary" --out "$layout" --tag "$version" --arch "$arch" \
  --label "org.opencontainers.image.title=sbomctl" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
  --label "org.opencontainers.image.licenses=Apache-2.0")
say "manifest $digest"

if [ -n "$push_to" ]; then
  # REGISTRY[:PORT]/REPO:TAG -> REGISTRY[:PORT]/REPO
  if [[ $push_to =~ ^(.+/[^:/]+):([^:/]+)$ ]]; then
    repo=${BASH_REMATCH[1]}
  else
    echo "IMAGE must be REGISTRY/REPO:TAG, got $push_to" >&2
    exit 2
  fi
  # shellcheck disable=SC2206 # SKOPEO_FLAGS is a list of words
  flags=(${SKOPEO_FLAGS:-})
  case "$repo" in
    localhost[:/]* | 127.0.0.1[:/]* | \[::1\][:/]*) flags+=(--dest-tls-verify=false) ;;
  esac
  say "pushing to $push_to (${SKOPEO:-skopeo} copy)"
  # --preserve-digests: fail rather than push other bytes than the ones
  # whose digest is attested below.
  ${SKOPEO:-skopeo} copy -q --preserve-digests "${flags[@]}" "oci:$layout:$version" "docker://$push_to"
  ref="$repo@$digest"
else
  ref="oci-dir:$layout:$version"
fi

key=${SBOMCTL_RELEASE_KEY:-target/release-key/cosign.key}
pub=${SBOMCTL_RELEASE_PUB:-${key%.key}.pub}
if [ -z "${SBOMCTL_RELEASE_KEY:-}" ]; then
  export COSIGN_PASSWORD=${COSIGN_PASSWORD:-release}
  if [ ! -f "$key" ]; then
    say "SBOMCTL_RELEASE_KEY is not set: making a throwaway key in target/release-key/"
    mkdir -p target/release-key
    "$sbomctl" generate-key-pair -q --output-key-prefix target/release-key/cosign </dev/null
  fi
fi

say "SBOM of the image, attested ($ref)"
"$sbomctl" packages -q "$ref" -o "spdx-json=$dist/image.spdx.json"
if ! jq -e '.packages[] | select(.name == "sbomctl-catalog")' "$dist/image.spdx.json" >/dev/null; then
  echo "the image's SBOM does not list sbomctl's crates (is the binary built with cargo auditable?)" >&2
  exit 1
fi
# referrer for cosign 3 and OCI 1.1 tools, .att for cosign 2
"$sbomctl" attest -q --key "$key" --type spdxjson --predicate "$dist/image.spdx.json" \
  --attach-mode both "$ref"

# cosign's simple signing (`.sig` tag) too, for `cosign verify --key`.
"$sbomctl" sign -q --key "$key" "$ref"

say "verifying the signature and the attestation"
"$sbomctl" verify -q --key "$pub" "$ref" >/dev/null
"$sbomctl" verify-attestation -q --key "$pub" --type spdxjson "$ref" >"$dist/image.verified.json"
echo "$ref"
