#!/usr/bin/env bash
# Build a real container image (Debian bookworm minbase with nodejs, npm,
# ruby, Java libraries and a Go tool + real Python wheels + real npm packages
# + a cargo-auditable Rust binary, an rpm database, Java archives and a
# Composer project + a real removal layer) and record the ground truth.
#
# Usage: testdata/real-image/build.sh [OUTDIR]
#   default OUTDIR: ${SBOMCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbomctl}/real-image-v3
#
# If OUTDIR/DONE exists this exits at once (cache hit). Otherwise it builds
# into OUTDIR.tmp and renames it to OUTDIR at the very end. Needs root
# (debootstrap, chroot). See README.md in this directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${SBOMCTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbomctl}
OUTDIR=${1:-$CACHE_ROOT/real-image-v3}
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
# Composer runs offline: no Packagist (disabled in php/composer.json too)
export COMPOSER_DISABLE_NETWORK=1 COMPOSER_NO_INTERACTION=1 COMPOSER_ALLOW_SUPERUSER=1
PY=${PYTHON:-python3}
MK=("$PY" "$HERE/mkimage.py")

SUITE=bookworm
SITE=usr/local/lib/python3.11/site-packages
# Pure-python wheels, every distribution pinned (top level + transitive deps;
# installed with --no-deps). pythonnet carries a real .NET
# Python.Runtime.deps.json (its cffi dependency is left out: not pure).
PIP_PKGS=(
  requests==2.32.3 attrs==24.2.0 six==1.16.0 packaging==24.1
  urllib3==2.2.3 idna==3.10 certifi==2024.8.30 charset-normalizer==3.4.0
  pythonnet==3.0.5 clr-loader==0.2.7.post0
)
# An application's own copy of an older pythonnet (a second real deps.json)
PIP_APP=opt/netapp/site-packages
PIP_APP_PKGS=(pythonnet==3.0.3)
DEBOOTSTRAP_INCLUDE=(less libexpat1)   # layer 0: debootstrap minbase + these
# Layer 1: `apt-get install --no-install-recommends` in a chroot (apt, not
# debootstrap's resolver: npm needs virtual packages debootstrap cannot
# resolve). npm alone brings ~330 node-* packages, webpack and python3.
APT_INSTALL=(
  nodejs npm node-underscore
  ruby ruby-rack ruby-rainbow ruby-tzinfo
  libcommons-lang3-java libslf4j-java libxz-java libcommons-io-java
  age
)
# A global npm install (layer 4) whose optional dependency ships a Go binary
ESBUILD=esbuild@0.24.0
# Layer 5 removes one package of each ecosystem:
DEB_REMOVE=(less node-underscore ruby-rainbow libcommons-io-java) # chroot dpkg --purge
PIP_REMOVE=pythonnet  # files in its dist-info/RECORD deleted (with its deps.json;
                      # the older pythonnet of /$PIP_APP stays)
NPM_REMOVE=chalk      # npm uninstall chalk (drops chalk + its 5 deps)
GO_REMOVE=(usr/bin/age usr/bin/age-keygen)   # rm (dpkg still lists age)
RUST_BIN=usr/local/bin/sbomctl-rust-demo     # rm (sbomctl-rust-tool stays)
RPM_REMOVE=sbomctl-demo-b                    # rpm -e --root
JAVA_REMOVE=app/java/demo-batch-2.0.1.jar    # rm -rf app/java, then demo-webapp
                                             # .war put back: an opaque dir
# A Composer project (layer 4): `composer update` of php/composer.json, its
# repositories (artifact zips, path dirs) made of Debian's php-* libraries
# (php/packages.json; the host's copies, which Debian's composer depends on)
PHP_APP=srv/php-app
COMPOSER_REMOVE=symfony/service-contracts    # composer remove (drops it + its 2 deps)
# cargo-auditable for the Rust binary (built once, kept in the .deb cache dir)
CARGO_AUDITABLE_VERSION=0.7.7

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
command -v go >/dev/null || need+=(golang-go)            # go version -m (truth)
command -v rpmbuild >/dev/null || need+=(rpm)            # rpmbuild, rpm --root
command -v dpkg-query >/dev/null || need+=(dpkg)
# composer, the zip extension its artifact repository needs, and the php-*
# debs php/packages.json makes Composer packages of
for deb in composer php-zip $(grep -o '"deb": *"[^"]*"' "$HERE/php/packages.json" | cut -d'"' -f4); do
  [[ $(dpkg-query -W -f '${db:Status-Status}' "$deb" 2>/dev/null) == installed ]] || need+=("$deb")
done
[[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || need+=(debian-archive-keyring)
((${#need[@]} == 0)) || apt_install "${need[@]}"
"$PY" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
"$PY" -c 'import sys; assert sys.version_info >= (3, 11)' || die "$PY too old (tomllib)"
if ! command -v cargo >/dev/null; then
  for d in "$HOME/.cargo/bin" ${SUDO_USER:+"$(getent passwd "$SUDO_USER" | cut -d: -f6)/.cargo/bin"}; do
    [[ -x $d/cargo ]] && { PATH=$d:$PATH; break; }
  done
fi
command -v cargo >/dev/null || die "cargo not found (needed for the cargo-auditable binary)"

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
# L0 debootstrap; APT = L0 + apt-get install (layer 1 is its diff); LPIP pip;
# LNPM the npm app; LX extras (Rust, rpm, Java archives, global esbuild);
# AFTER = everything merged with the removals applied (layer 5 is its diff)
L0=$W/l0 APT=$W/apt LPIP=$W/l2 LNPM=$W/l3 LX=$W/l4 AFTER=$W/after
mkdir -p "$W" "$LPIP/$SITE" "$LNPM/app" "$LX/app/java" "$LX/usr/local/bin"
STAGE_PIP_NPM= STAGE_X=
on_exit() {
  local rc=$?
  [[ -z $STAGE_PIP_NPM ]] || kill "$STAGE_PIP_NPM" 2>/dev/null || true
  [[ -z $STAGE_X ]] || kill "$STAGE_X" 2>/dev/null || true
  ((rc == 0)) || log "FAILED (exit $rc); partial build left in $TMP (removed by the next run)"
}
trap on_exit EXIT

MIRROR=$("${MK[@]}" mirror)
log "output $OUTDIR, mirror $MIRROR"

# .deb download cache shared by rebuilds (checksums are verified by
# debootstrap); the cargo-auditable build cache lives in it too
DEBCACHE=${SBOMCTL_DEBOOTSTRAP_CACHE:-$(dirname "$OUTDIR")/debootstrap-debs}
RUSTCACHE=$DEBCACHE/rust
mkdir -p "$DEBCACHE" "$RUSTCACHE"

# --------------------------------------------------------------------------
# layer 2 (pip) + layer 3 (npm) run in the background while debootstrap runs
# --------------------------------------------------------------------------
(
  set -euo pipefail
  "$PY" -m pip install -q --no-compile --no-warn-script-location --no-deps \
    --target "$LPIP/$SITE" --only-binary=:all: \
    --platform any --implementation py --python-version 3.11 --abi none \
    "${PIP_PKGS[@]}"
  "$PY" -m pip install -q --no-compile --no-warn-script-location --no-deps \
    --target "$LPIP/$PIP_APP" --only-binary=:all: \
    --platform any --implementation py --python-version 3.11 --abi none \
    "${PIP_APP_PKGS[@]}"
  rm -rf -- "${LPIP:?}/$SITE/bin"   # console scripts with host shebangs
  find "$LPIP" -name __pycache__ -type d -prune -exec rm -rf {} +
  if find "$LPIP" -name '*.so' | grep -q .; then echo "non-pure wheel installed" >&2; exit 1; fi

  cp "$HERE/app/package.json" "$HERE/app/package-lock.json" "$LNPM/app/"
  cd "$LNPM/app"
  npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=warn
) >"$W/stage-pip-npm.log" 2>&1 &
STAGE_PIP_NPM=$!

# --------------------------------------------------------------------------
# layer 4 part 1 (background too): the cargo-auditable Rust binary, the rpm
# database and a global npm install. Cached or fast after the first build.
# --------------------------------------------------------------------------
(
  set -euo pipefail
  # esbuild: a global install (/usr/local/lib/node_modules); its optional
  # dependency @esbuild/linux-x64 holds the Go-built esbuild binary
  npm install -g --prefix "$LX/usr/local" --no-audit --no-fund --ignore-scripts \
    --loglevel=warn "$ESBUILD"

  export CARGO_HOME=$RUSTCACHE/cargo-home CARGO_TERM_COLOR=never
  if ! [[ -x $RUSTCACHE/tools/bin/cargo-auditable ]] ||
    ! grep -qF "\"cargo-auditable $CARGO_AUDITABLE_VERSION " "$RUSTCACHE/tools/.crates.toml" 2>/dev/null; then
    echo "installing cargo-auditable $CARGO_AUDITABLE_VERSION from crates.io"
    CARGO_TARGET_DIR=$RUSTCACHE/install-target cargo install --locked --quiet \
      --root "$RUSTCACHE/tools" --version "=$CARGO_AUDITABLE_VERSION" cargo-auditable
    rm -rf -- "${RUSTCACHE:?}/install-target"
  fi
  # Each crate is built from a copy keyed by its content, so the binary is
  # reused until its directory changes.
  for crate in rustapp:sbomctl-rust-demo rusttool:sbomctl-rust-tool; do
    dir=${crate%%:*} bin=${crate#*:}
    key=$(cd "$HERE/$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
    src=$RUSTCACHE/$dir-$key
    if ! [[ -x $src/$bin ]]; then
      rm -rf -- "$src" && cp -a "$HERE/$dir" "$src"
      (cd "$src" && PATH=$RUSTCACHE/tools/bin:$PATH CARGO_TARGET_DIR=$RUSTCACHE/target \
        cargo auditable build --release --locked --quiet)
      cp "$RUSTCACHE/target/release/$bin" "$src/$bin"
    fi
    install -m 0755 "$src/$bin" "$LX/usr/local/bin/$bin"
  done

  # rpm: rpmbuild 3 tiny noarch packages, install them with the real rpm
  # into L3 (it writes /var/lib/rpm/rpmdb.sqlite and /opt/sbomctl-demo-*)
  top=$W/rpmbuild
  for spec in "$HERE"/rpm/*.spec; do
    rpmbuild --quiet --define "_topdir $top" --define "use_source_date_epoch_as_buildtime 1" \
      --define "clamp_mtime_to_source_date_epoch 1" -bb "$spec"
  done
  rpm --root "$LX" --dbpath /var/lib/rpm -i --nodeps "$top"/RPMS/noarch/*.rpm 2>&1 |
    grep -v -e 'should not be used directly' -e 'assuming you know what' || true
  rm -f -- "$LX/var/lib/rpm/.rpm.lock"

  # Composer: the project's repositories, then a real (offline) install
  mkdir -p "$LX/$PHP_APP"
  cp "$HERE/php/composer.json" "$LX/$PHP_APP/"
  "${MK[@]}" composer-repo "$HERE/php/packages.json" "$LX/$PHP_APP"
  (cd "$LX/$PHP_APP" && COMPOSER_HOME=$W/composer-home COMPOSER_CACHE_DIR=$W/composer-cache \
    composer update --no-progress --no-audit --no-plugins)
) >"$W/stage-x.log" 2>&1 &
STAGE_X=$!

# --------------------------------------------------------------------------
# L0: debootstrap
# --------------------------------------------------------------------------
include=$(IFS=,; echo "${DEBOOTSTRAP_INCLUDE[*]}")
log "debootstrap --variant=minbase --include=$include $SUITE (takes a few minutes)"
if ! debootstrap --variant=minbase --include="$include" --cache-dir="$DEBCACHE" \
  "$SUITE" "$L0" "$MIRROR" >"$W/debootstrap.log" 2>&1; then
  tail -30 "$W/debootstrap.log" >&2
  [[ -f $L0/debootstrap/debootstrap.log ]] && tail -30 "$L0/debootstrap/debootstrap.log" >&2
  die "debootstrap failed (log: $W/debootstrap.log)"
fi
rm -f -- "$L0"/var/cache/apt/archives/*.deb
rm -rf -- "${L0:?}"/var/lib/apt/lists/*
rm -f -- "$L0"/var/cache/apt/*.bin
printf 'sbomctl-real\n' >"$L0/etc/hostname"
: >"$L0/etc/resolv.conf"
log "debootstrap done ($(du -sh "$L0" | cut -f1))"

# --------------------------------------------------------------------------
# layer 1: apt-get install in a chroot of a copy of L0. The .debs come from
# (and go back to) the cache; apt verifies them against the Release file.
# --------------------------------------------------------------------------
log "apt-get install ${APT_INSTALL[*]} (in a chroot; takes a few minutes)"
cp -a "$L0" "$APT"
cp /etc/resolv.conf "$APT/etc/resolv.conf"
shopt -s nullglob
debs=("$DEBCACHE"/*.deb)
shopt -u nullglob
((${#debs[@]} == 0)) || cp -- "${debs[@]}" "$APT/var/cache/apt/archives/"
in_chroot() {
  chroot "$APT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
# --force-unsafe-io: no fsync per unpacked file (the tree is thrown away on
# failure anyway); it changes no file content
if ! { in_chroot apt-get update -q && in_chroot apt-get install -y -q --no-install-recommends \
  -o APT::Keep-Downloaded-Packages=true -o Dpkg::Options::=--force-unsafe-io \
  "${APT_INSTALL[@]}"; } >"$W/apt.log" 2>&1; then
  tail -40 "$W/apt.log" >&2
  die "apt-get install in the chroot failed (log: $W/apt.log)"
fi
cp -n -- "$APT"/var/cache/apt/archives/*.deb "$DEBCACHE/"
in_chroot apt-get clean
rm -rf -- "${APT:?}"/var/lib/apt/lists/*
rm -f -- "$APT"/var/cache/apt/*.bin
: >"$APT/etc/resolv.conf"
log "apt-get install done ($(du -sh "$APT" | cut -f1))"

if ! wait "$STAGE_PIP_NPM"; then
  STAGE_PIP_NPM=
  cat "$W/stage-pip-npm.log" >&2
  die "pip/npm stage failed"
fi
STAGE_PIP_NPM=
log "pip + npm stages done"
if ! wait "$STAGE_X"; then
  STAGE_X=
  cat "$W/stage-x.log" >&2
  die "Rust/rpm/esbuild/composer stage failed"
fi
STAGE_X=
log "Rust + rpm + esbuild + composer stages done"

# layer 4 part 2: a war and a Spring-Boot-style fat jar made of real jars
"${MK[@]}" java-bundle "$LX/app/java/demo-webapp-1.4.0.war" "$APT/usr/share/java" "$HERE/java/demo-webapp.json"
"${MK[@]}" java-bundle "$LX/$JAVA_REMOVE" "$APT/usr/share/java" "$HERE/java/demo-batch.json"

# --------------------------------------------------------------------------
# L4: real removals on a copy of the merged filesystem
# --------------------------------------------------------------------------
log "merging layers 0-4 into one tree"
cp -a "$APT" "$AFTER"         # still has /dev nodes for the chroot
cp -a "$LPIP/." "$AFTER/"
cp -a "$LNPM/." "$AFTER/"
cp -a "$LX/." "$AFTER/"

TRUTH_ARGS=(--npm-app app --cargo "$RUST_BIN=$HERE/rustapp/Cargo.lock"
  --cargo "usr/local/bin/sbomctl-rust-tool=$HERE/rusttool/Cargo.lock" --composer "$PHP_APP")
export COMPOSER_HOME=$W/composer-home COMPOSER_CACHE_DIR=$W/composer-cache
log "recording the truth before the removals"
"${MK[@]}" truth-scan "$AFTER" "$W/truth-before.json" "${TRUTH_ARGS[@]}"

log "applying removals"
chroot "$AFTER" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive dpkg --purge "${DEB_REMOVE[@]}" >&2
shopt -s nullglob
record=("$AFTER/$SITE/$PIP_REMOVE"-*.dist-info/RECORD)
shopt -u nullglob
((${#record[@]} == 1)) || die "expected one $PIP_REMOVE dist-info: ${record[*]}"
# what `pip uninstall` does: every file in RECORD, then the emptied dirs
"$PY" - "$AFTER/$SITE" "${record[0]}" <<'EOF'
import csv, os, sys
site, record = sys.argv[1], sys.argv[2]
dirs = set()
for row in csv.reader(open(record, newline="")):
    p = os.path.normpath(os.path.join(site, row[0]))
    assert p.startswith(site + "/"), p
    if os.path.lexists(p):
        os.unlink(p)
    d = os.path.dirname(p)
    while d != site:
        dirs.add(d)
        d = os.path.dirname(d)
for d in sorted(dirs, key=len, reverse=True):
    if os.path.isdir(d) and not os.listdir(d):
        os.rmdir(d)
EOF
(cd "$AFTER/app" && npm uninstall "$NPM_REMOVE" --omit=dev --no-audit --no-fund \
  --ignore-scripts --omit-lockfile-registry-resolved=false --loglevel=warn) >&2
for f in "${GO_REMOVE[@]}" "$RUST_BIN"; do
  [[ -f $AFTER/$f ]] || die "missing $f"
  rm -- "${AFTER:?}/$f"
done
rpm --root "$AFTER" --dbpath /var/lib/rpm -e "$RPM_REMOVE" 2>&1 |
  grep -v -e 'should not be used directly' -e 'assuming you know what' >&2 || true
rm -f -- "$AFTER/var/lib/rpm/.rpm.lock"
(cd "$AFTER/$PHP_APP" && composer remove --no-progress --no-audit --no-plugins "$COMPOSER_REMOVE") >&2
# `rm -rf app/java && mkdir app/java` and the war put back: overlayfs makes
# such a recreated directory opaque, and so does the layer-4 diff below
[[ -f $AFTER/$JAVA_REMOVE ]] || die "missing $JAVA_REMOVE"
mv "$AFTER/app/java/demo-webapp-1.4.0.war" "$W/"
rm -rf -- "${AFTER:?}/app/java"
mkdir -m 0755 "$AFTER/app/java"
mv "$W/demo-webapp-1.4.0.war" "$AFTER/app/java/"

log "recording the truth after the removals"
"${MK[@]}" truth-scan "$AFTER" "$W/truth-after.json" "${TRUTH_ARGS[@]}"

# device nodes are never part of a layer; drop them from both trees
"${MK[@]}" strip-devices "$L0"
"${MK[@]}" strip-devices "$APT"
"${MK[@]}" strip-devices "$AFTER"

# --------------------------------------------------------------------------
# layer tars, truth, OCI/docker assembly
# --------------------------------------------------------------------------
log "writing layer tars"
pids=()
"${MK[@]}" layer "$L0" "$W/l0.tar" & pids+=($!)
"${MK[@]}" diff "$W/l1.tar" "$APT" "$L0" & pids+=($!)
for i in 2 3 4; do
  "${MK[@]}" layer "$W/l$i" "$W/l$i.tar" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || die "writing a layer tar failed"; done
"${MK[@]}" diff "$W/l5.tar" "$AFTER" "$APT" "$LPIP" "$LNPM" "$LX" --opaque app/java
"${MK[@]}" verify-squash "$AFTER" "$W"/l{0,1,2,3,4,5}.tar

"${MK[@]}" truth "$TMP/truth.json" --before "$W/truth-before.json" \
  --after "$W/truth-after.json" --layers "$L0" "$APT" "$LPIP" "$LNPM" "$LX"

cat >"$W/spec.json" <<EOF
{"layers": [
 {"tar": "$W/l0.tar", "compression": "gzip",
  "created_by": "debootstrap --variant=minbase --include=$include $SUITE / $MIRROR"},
 {"tar": "$W/l1.tar", "compression": "gzip",
  "created_by": "apt-get install --no-install-recommends ${APT_INSTALL[*]}"},
 {"tar": "$W/l2.tar", "compression": "gzip",
  "created_by": "pip install --no-deps --target /$SITE ${PIP_PKGS[*]}; pip install --no-deps --target /$PIP_APP ${PIP_APP_PKGS[*]}"},
 {"tar": "$W/l3.tar", "compression": "zstd",
  "created_by": "npm ci --omit=dev (app/package.json: express, chalk, left-pad, @types/node)"},
 {"tar": "$W/l4.tar", "compression": "gzip",
  "created_by": "npm install -g $ESBUILD; cargo auditable build (rustapp, rusttool) -> /usr/local/bin; rpm -i --root (3 rpmbuild packages); java archives in /app/java; composer update (/$PHP_APP)"},
 {"tar": "$W/l5.tar", "compression": "gzip",
  "created_by": "dpkg --purge ${DEB_REMOVE[*]}; rm $PIP_REMOVE dist; npm uninstall $NPM_REMOVE; rm ${GO_REMOVE[*]} $RUST_BIN; rpm -e $RPM_REMOVE; composer remove $COMPOSER_REMOVE; rm -rf app/java (war restored)"}
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
