#!/usr/bin/env bash
# Build a real container image (Debian bookworm minbase + real Python wheels +
# real npm packages + a real removal layer) and record the ground truth.
#
# Usage: testdata/real-image/build.sh [OUTDIR]
#   default OUTDIR: ${SBOMCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbomctl}/real-image-v1
#
# If OUTDIR/DONE exists this exits at once (cache hit). Otherwise it builds
# into OUTDIR.tmp and renames it to OUTDIR at the very end. Needs root
# (debootstrap, chroot). See README.md in this directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${SBOMCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbomctl}
OUTDIR=${1:-$CACHE_ROOT/real-image-v1}
OUTDIR=$(realpath -m -- "$OUTDIR")
case $OUTDIR in / | "$HOME" | /tmp | /root) echo "refusing OUTDIR=$OUTDIR" >&2; exit 2 ;; esac

if [[ -f $OUTDIR/DONE ]]; then
  echo "real-image: cache hit: $OUTDIR"
  exit 0
fi

log() { printf '[real-image %4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap + chroot)"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
PY=${PYTHON:-python3}
MK=("$PY" "$HERE/mkimage.py")

SUITE=bookworm
SITE=usr/local/lib/python3.11/site-packages
# Pure-python wheels, every distribution pinned (top level + transitive deps).
PIP_PKGS=(
  requests==2.32.3 attrs==24.2.0 six==1.16.0 packaging==24.1
  urllib3==2.2.3 idna==3.10 certifi==2024.8.30 charset-normalizer==3.4.0
)
PIP_REMOVE=six        # L4 deletes six.py + six-*.dist-info
DEB_REMOVE=less       # L4: chroot dpkg --purge less
NPM_REMOVE=chalk      # L4: npm uninstall chalk (drops chalk + its 5 deps)

# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------
apt_install() {
  local opts=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
  log "apt-get install $*"
  apt-get install "${opts[@]}" "$@" >&2 ||
    { apt-get update -q -o DPkg::Lock::Timeout=600 >&2 && apt-get install "${opts[@]}" "$@" >&2; }
}

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v zstd >/dev/null || need+=(zstd)
command -v flock >/dev/null || need+=(util-linux)
command -v "$PY" >/dev/null || need+=(python3)
command -v npm >/dev/null || need+=(npm)
[[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || need+=(debian-archive-keyring)
((${#need[@]} == 0)) || apt_install "${need[@]}"
"$PY" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
"$PY" -c 'import sys; assert sys.version_info >= (3, 8)' || die "$PY too old"

# --------------------------------------------------------------------------
# lock + scratch dir
# --------------------------------------------------------------------------
mkdir -p "$(dirname "$OUTDIR")"
exec 9>"$OUTDIR.lock"
flock 9
if [[ -f $OUTDIR/DONE ]]; then   # another process finished while we waited
  echo "real-image: cache hit: $OUTDIR"
  exit 0
fi

TMP=$OUTDIR.tmp
rm -rf -- "$TMP"
W=$TMP/work
L1=$W/l1 L2=$W/l2 L3=$W/l3 AFTER=$W/after
mkdir -p "$W" "$L2/$SITE" "$L3/app"
STAGE23_PID=
on_exit() {
  local rc=$?
  [[ -z $STAGE23_PID ]] || kill "$STAGE23_PID" 2>/dev/null || true
  ((rc == 0)) || log "FAILED (exit $rc); partial build left in $TMP (removed by the next run)"
}
trap on_exit EXIT

MIRROR=$("${MK[@]}" mirror)
log "output $OUTDIR, mirror $MIRROR"

# --------------------------------------------------------------------------
# L2 (pip) + L3 (npm) run in the background while debootstrap runs
# --------------------------------------------------------------------------
(
  set -euo pipefail
  "$PY" -m pip install -q --no-compile --no-warn-script-location \
    --target "$L2/$SITE" --only-binary=:all: \
    --platform any --implementation py --python-version 3.11 --abi none \
    "${PIP_PKGS[@]}"
  rm -rf -- "${L2:?}/$SITE/bin"   # console scripts with host shebangs
  find "$L2" -name __pycache__ -type d -prune -exec rm -rf {} +
  if find "$L2" -name '*.so' | grep -q .; then echo "non-pure wheel installed" >&2; exit 1; fi

  cp "$HERE/app/package.json" "$HERE/app/package-lock.json" "$L3/app/"
  cd "$L3/app"
  npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=warn
) >"$W/stage23.log" 2>&1 &
STAGE23_PID=$!

# --------------------------------------------------------------------------
# L1: debootstrap
# --------------------------------------------------------------------------
# .deb download cache shared by rebuilds (checksums are verified by debootstrap)
DEBCACHE=${SBOMCTL_DEBOOTSTRAP_CACHE:-$(dirname "$OUTDIR")/debootstrap-debs}
mkdir -p "$DEBCACHE"
log "debootstrap --variant=minbase $SUITE (takes a few minutes)"
if ! debootstrap --variant=minbase --include=less,libexpat1 --cache-dir="$DEBCACHE" \
  "$SUITE" "$L1" "$MIRROR" >"$W/debootstrap.log" 2>&1; then
  tail -30 "$W/debootstrap.log" >&2
  [[ -f $L1/debootstrap/debootstrap.log ]] && tail -30 "$L1/debootstrap/debootstrap.log" >&2
  die "debootstrap failed (log: $W/debootstrap.log)"
fi
rm -f -- "$L1"/var/cache/apt/archives/*.deb
rm -rf -- "${L1:?}"/var/lib/apt/lists/*
rm -f -- "$L1"/var/cache/apt/*.bin
printf 'sbomctl-real\n' >"$L1/etc/hostname"
: >"$L1/etc/resolv.conf"
log "debootstrap done ($(du -sh "$L1" | cut -f1))"

if ! wait "$STAGE23_PID"; then
  STAGE23_PID=
  cat "$W/stage23.log" >&2
  die "pip/npm stage failed"
fi
STAGE23_PID=
log "pip + npm stages done"

# --------------------------------------------------------------------------
# L4: real removals on a copy of the merged filesystem
# --------------------------------------------------------------------------
log "applying removals to a merged copy"
cp -a "$L1" "$AFTER"          # still has /dev nodes for the chroot
cp -a "$L2/." "$AFTER/"
cp -a "$L3/." "$AFTER/"
chroot "$AFTER" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive dpkg --purge "$DEB_REMOVE" >&2
shopt -s nullglob
pipdel=("$AFTER/$SITE/$PIP_REMOVE.py" "$AFTER/$SITE/$PIP_REMOVE"-*.dist-info)
shopt -u nullglob
((${#pipdel[@]} == 2)) || die "unexpected files for $PIP_REMOVE: ${pipdel[*]}"
rm -rf -- "${pipdel[@]}"
(cd "$AFTER/app" && npm uninstall "$NPM_REMOVE" --omit=dev --no-audit --no-fund \
  --ignore-scripts --omit-lockfile-registry-resolved=false --loglevel=warn) >&2

# device nodes are never part of a layer; drop them from both trees
"${MK[@]}" strip-devices "$L1"
"${MK[@]}" strip-devices "$AFTER"

# --------------------------------------------------------------------------
# layer tars, truth, OCI/docker assembly
# --------------------------------------------------------------------------
log "writing layer tars"
"${MK[@]}" layer "$L1" "$W/l1.tar"
"${MK[@]}" layer "$L2" "$W/l2.tar"
"${MK[@]}" layer "$L3" "$W/l3.tar"
"${MK[@]}" diff "$W/l4.tar" "$AFTER" "$L1" "$L2" "$L3"

log "recording truth"
"${MK[@]}" truth "$TMP/truth.json" \
  --deb-before "$L1" --deb-after "$AFTER" \
  --pypi-before "$L2/$SITE" --pypi-after "$AFTER/$SITE" \
  --npm-before "$L3/app" --npm-after "$AFTER/app"

cat >"$W/spec.json" <<EOF
{"layers": [
 {"tar": "$W/l1.tar", "compression": "gzip",
  "created_by": "debootstrap --variant=minbase --include=less,libexpat1 $SUITE / $MIRROR"},
 {"tar": "$W/l2.tar", "compression": "gzip",
  "created_by": "pip install --target /$SITE ${PIP_PKGS[*]}"},
 {"tar": "$W/l3.tar", "compression": "zstd",
  "created_by": "npm ci --omit=dev (app/package.json: express, chalk, left-pad, @types/node)"},
 {"tar": "$W/l4.tar", "compression": "gzip",
  "created_by": "dpkg --purge $DEB_REMOVE; rm $PIP_REMOVE dist; npm uninstall $NPM_REMOVE"}
]}
EOF
log "assembling OCI layout + archives"
"${MK[@]}" assemble "$TMP" "$W/spec.json"

mv "$AFTER" "$TMP/rootfs"
rm -rf -- "$W"
printf 'built %s in %ss by %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SECONDS" \
  "testdata/real-image/build.sh" >"$TMP/DONE"
rm -rf -- "$OUTDIR"
mv -- "$TMP" "$OUTDIR"
log "done: $OUTDIR ($(du -sh "$OUTDIR" | cut -f1))"
