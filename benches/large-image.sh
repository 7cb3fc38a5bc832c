#!/usr/bin/env bash
# Build the large benchmark image: a multi-layer OCI layout of ~2.9 GB
# uncompressed, made of real files of this machine (shared libraries, a Rust
# toolchain, /usr/share, binaries), plus the host's real dpkg status so the
# scan finds real packages.
#
# Usage: benches/large-image.sh [OUTDIR]
#   default OUTDIR: ${SBOMCTL_BENCH_IMAGES_DIR:-$HOME/.cache/sbomctl}/bench-image-v1
#
# If OUTDIR/DONE exists this exits at once (cache hit). Otherwise it builds
# in OUTDIR.tmp and renames it at the very end. Prints OUTDIR/oci on stdout.
#
# Layers (sizes are file bytes before tar headers; sorted by path, GNU tar,
# owner 0, fixed mtime):
#   0  gzip -6  1.25 GB  /usr/lib
#   1  gzip -6  0.75 GB  /root/.rustup stable toolchain (or the first toolchain)
#   2  gzip -6  0.50 GB  /usr/share
#   3  zstd -3  0.35 GB  /usr/bin, /usr/local, /opt
#   4  gzip -6  small    var/lib/dpkg/status and etc/os-release from the host
# The content depends on the machine: compare numbers from one machine only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${SBOMCTL_BENCH_IMAGES_DIR:-$HOME/.cache/sbomctl}
OUTDIR=$(realpath -m -- "${1:-$CACHE_ROOT/bench-image-v1}")
case $OUTDIR in / | "$HOME" | /tmp | /root) echo "refusing OUTDIR=$OUTDIR" >&2; exit 2 ;; esac

if [[ -f $OUTDIR/DONE ]]; then
  echo "large-image: cache hit: $OUTDIR" >&2
  echo "$OUTDIR/oci"
  exit 0
fi

log() { printf '[large-image %4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in tar gzip zstd python3 sha256sum flock; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install ${tool/sha256sum/coreutils})"
done

mkdir -p "$(dirname "$OUTDIR")"
exec 9>"$OUTDIR.lock"
flock 9
if [[ -f $OUTDIR/DONE ]]; then
  echo "$OUTDIR/oci"
  exit 0
fi

TMP=$OUTDIR.tmp
rm -rf "$TMP"
mkdir -p "$TMP/oci/blobs/sha256" "$TMP/work"
W=$TMP/work
PY=(python3 "$HERE/large_image.py")

TOOLCHAIN=$(ls -d /root/.rustup/toolchains/stable-* 2>/dev/null | head -n1 || true)
[[ -n $TOOLCHAIN ]] || TOOLCHAIN=$(ls -d "$HOME"/.rustup/toolchains/*/ 2>/dev/null | head -n1 || true)
[[ -n $TOOLCHAIN ]] || die "no rustup toolchain found for layer 1"

# layer N COMPRESSION CREATED_BY TAR_ARGS...: tar → sha256 (diff_id) → compress → blob
layer() {
  local n=$1 comp=$2 created_by=$3
  shift 3
  local blob=$W/layer$n.blob media ext
  case $comp in
    gzip) media=application/vnd.oci.image.layer.v1.tar+gzip ;;
    zstd) media=application/vnd.oci.image.layer.v1.tar+zstd ;;
  esac
  log "layer $n ($comp): $created_by"
  local st
  set +e
  tar -cf - --format=gnu --owner=0 --group=0 --numeric-owner --mtime=@1700000000 "$@" \
    2> >(grep -v -e 'socket ignored' -e 'file changed as we read it' >&2) |
    "${PY[@]}" hashtee "$W/layer$n.diff.json" |
    if [[ $comp == gzip ]]; then gzip -6 -n; else zstd -3 -T1 -q -c; fi >"$blob"
  st=("${PIPESTATUS[@]}")
  set -e
  # tar exits 1 when a file changed while it was read: still a valid tar.
  [[ ${st[0]} -le 1 && ${st[1]} -eq 0 && ${st[2]} -eq 0 ]] || die "layer $n: pipeline failed: ${st[*]}"
  local hex size
  hex=$(sha256sum "$blob" | cut -d' ' -f1)
  size=$(stat -c %s "$blob")
  mv "$blob" "$TMP/oci/blobs/sha256/$hex"
  python3 - "$W/layer$n.diff.json" "$W/layer$n.json" "sha256:$hex" "$size" "$media" "$created_by" <<'EOF'
import json, sys
src, dst, digest, size, media, created_by = sys.argv[1:]
d = json.load(open(src))
d.update(digest=digest, size=int(size), media_type=media, created_by=created_by)
json.dump(d, open(dst, "w"))
EOF
  log "layer $n done: $size bytes compressed, $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uncompressed_size"])' "$W/layer$n.json") uncompressed"
}

planned() {
  local n=$1 limit=$2
  shift 2
  "${PY[@]}" plan "$limit" "$W/layer$n.list" "$@"
}

log "planning layers"
planned 0 1250000000 /usr/lib
planned 1 750000000 "${TOOLCHAIN%/}"
planned 2 500000000 /usr/share
planned 3 350000000 /usr/bin /usr/local /opt

mkdir -p "$W/l4/var/lib/dpkg" "$W/l4/etc"
if [[ -f /var/lib/dpkg/status ]]; then
  cp /var/lib/dpkg/status "$W/l4/var/lib/dpkg/status"
else
  log "warning: no /var/lib/dpkg/status on this machine; layer 4 has none"
fi
cat /etc/os-release >"$W/l4/etc/os-release"

tarlist() { echo -C / --null --no-recursion -T "$W/layer$1.list"; }

# Two tracks of about the same compression work, one per core.
(
  # shellcheck disable=SC2046
  layer 0 gzip "tar /usr/lib (1.25 GB)" $(tarlist 0)
) &
track_a=$!
(
  # shellcheck disable=SC2046
  layer 1 gzip "tar rust toolchain (0.75 GB)" $(tarlist 1)
  # shellcheck disable=SC2046
  layer 2 gzip "tar /usr/share (0.5 GB)" $(tarlist 2)
  # shellcheck disable=SC2046
  layer 3 zstd "tar /usr/bin /usr/local /opt (0.35 GB)" $(tarlist 3)
  layer 4 gzip "copy dpkg status, os-release" -C "$W/l4" --sort=name etc var
) &
track_b=$!
wait "$track_a" || die "track a failed"
wait "$track_b" || die "track b failed"

"${PY[@]}" assemble "$TMP/oci" "$W"/layer{0,1,2,3,4}.json
python3 - "$TMP/layers.json" "$W"/layer{0,1,2,3,4}.json <<'EOF'
import json, sys
layers = [json.load(open(p)) for p in sys.argv[2:]]
for i, l in enumerate(layers):
    l["index"] = i
json.dump({"layers": layers}, open(sys.argv[1], "w"), indent=1)
total = sum(l["uncompressed_size"] for l in layers)
comp = sum(l["size"] for l in layers)
print(f"large-image: {len(layers)} layers, {total} bytes uncompressed, {comp} compressed", file=sys.stderr)
EOF
rm -rf "$W"
date -u +%FT%TZ >"$TMP/DONE"
rm -rf "$OUTDIR"
mv "$TMP" "$OUTDIR"
log "done: $OUTDIR"
echo "$OUTDIR/oci"
