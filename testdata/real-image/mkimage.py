#!/usr/bin/env python3
"""Tar / OCI helper for testdata/real-image/build.sh (Python 3.11 stdlib only).

Subcommands:
  mirror                          print the Debian mirror URL from the apt config
  layer SRC OUT.tar               deterministic tar of directory SRC
  diff OUT.tar AFTER BEFORE... [--opaque DIR]...
                                  tar of AFTER minus the merged BEFORE dirs
                                  (changed/added entries + .wh. whiteouts;
                                  each --opaque DIR, which the build deleted
                                  and recreated, gets .wh..wh..opq and all of
                                  its content instead)
  verify-squash ROOTFS TAR...     apply the layer tars (whiteouts, opaque dirs)
                                  and check the result equals ROOTFS
  strip-devices DIR               delete device nodes / sockets under DIR
  java-bundle OUT JARDIR SPEC.json  a war / fat jar from real jars (zipfile)
  composer-repo SPEC.json PROJECT   Composer packages (artifact zips, path
                                  dirs) made of Debian's php-* libraries
  truth-scan ROOT OUT.json --npm-app DIR [--cargo BIN=CARGO.LOCK]...
                                  [--composer PROJECT]...
                                  every package of every ecosystem in ROOT,
                                  read by tools independent of sbomctl
  truth OUT.json --before SCAN --after SCAN --layers DIR...
                                  truth.json from the scans before and after
                                  the removal layer
  assemble OUTDIR LAYERSPEC.json  OCI layout, image.oci.tar, image.docker.tar,
                                  layers.json from uncompressed layer tars

Determinism: entries sorted (parent before children, byte order), mtime fixed
to $SOURCE_DATE_EPOCH (default 1700000000), uname/gname empty, PAX format,
gzip mtime 0 and no file name, zstd -3 single threaded.
"""

import argparse
import concurrent.futures
import email.parser
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tomllib
import zipfile

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))
CREATED = "2023-11-14T22:13:20Z" if EPOCH == 1700000000 else None
if CREATED is None:
    import datetime

    CREATED = datetime.datetime.fromtimestamp(EPOCH, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
BUF = 1 << 20
OPAQUE = ".wh..wh..opq"


def log(*a):
    print("mkimage:", *a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# apt mirror
# --------------------------------------------------------------------------


def find_mirror(default="http://deb.debian.org/debian"):
    """First URI of a `deb` source whose suite is bookworm (not -security)."""
    entries = []  # (types, uris, suites)
    files = []
    if os.path.isfile("/etc/apt/sources.list"):
        files.append("/etc/apt/sources.list")
    files += sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    files += sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
    for f in files:
        try:
            text = open(f, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        if f.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", text):
                fields = {}
                key = None
                for line in stanza.splitlines():
                    if line.startswith("#") or not line.strip():
                        continue
                    if line[0] in " \t" and key:
                        fields[key] += " " + line.strip()
                        continue
                    if ":" in line:
                        key, val = line.split(":", 1)
                        key = key.strip().lower()
                        fields[key] = val.strip()
                if fields.get("enabled", "yes").lower() == "no":
                    continue
                entries.append(
                    (
                        fields.get("types", "").split(),
                        fields.get("uris", "").split(),
                        fields.get("suites", "").split(),
                    )
                )
        else:
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                line = re.sub(r"\[[^\]]*\]", " ", line)
                parts = line.split()
                if len(parts) >= 3:
                    entries.append(([parts[0]], [parts[1]], [parts[2]]))
    for types, uris, suites in entries:
        if "deb" in types and "bookworm" in suites:
            for u in uris:
                if u.startswith(("http://", "https://", "file:")):
                    return u.rstrip("/")
    return default


# --------------------------------------------------------------------------
# tree walking / tar writing
# --------------------------------------------------------------------------


def sorted_walk(root):
    """Strict depth-first sorted order: each dir followed by its subtree."""
    out = []

    def rec(rel):
        full = os.path.join(root, rel) if rel else root
        for n in sorted(os.listdir(full), key=os.fsencode):
            r = f"{rel}/{n}" if rel else n
            st = os.lstat(os.path.join(root, r))
            out.append((r, st))
            if stat.S_ISDIR(st.st_mode):
                rec(r)

    rec("")
    return out


def skippable(st):
    m = st.st_mode
    return stat.S_ISCHR(m) or stat.S_ISBLK(m) or stat.S_ISSOCK(m)


class LayerWriter:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.tar = tarfile.open(fileobj=self.f, mode="w", format=tarfile.PAX_FORMAT)
        self.inodes = {}
        self.count = 0

    def add(self, root, rel, st):
        if skippable(st):
            return
        full = os.path.join(root, rel)
        ti = tarfile.TarInfo(rel)
        ti.mode = stat.S_IMODE(st.st_mode)
        ti.uid, ti.gid = st.st_uid, st.st_gid
        ti.uname = ti.gname = ""
        ti.mtime = EPOCH
        m = st.st_mode
        fobj = None
        if stat.S_ISDIR(m):
            ti.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(m):
            ti.type = tarfile.SYMTYPE
            ti.linkname = os.readlink(full)
        elif stat.S_ISFIFO(m):
            ti.type = tarfile.FIFOTYPE
        elif stat.S_ISREG(m):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in self.inodes:
                ti.type = tarfile.LNKTYPE
                ti.linkname = self.inodes[key]
            else:
                if st.st_nlink > 1:
                    self.inodes[key] = rel
                ti.type = tarfile.REGTYPE
                ti.size = st.st_size
                fobj = open(full, "rb")
        else:
            return
        try:
            self.tar.addfile(ti, fobj)
        finally:
            if fobj:
                fobj.close()
        self.count += 1

    def whiteout(self, rel, name=None):
        d, n = os.path.split(rel)
        n = f".wh.{n}" if name is None else name
        ti = tarfile.TarInfo(f"{d}/{n}" if d else n)
        ti.mode = 0o644
        ti.mtime = EPOCH
        ti.uname = ti.gname = ""
        self.tar.addfile(ti)
        self.count += 1

    def close(self):
        self.tar.close()
        self.f.close()


def cmd_layer(src, out):
    w = LayerWriter(out)
    for rel, st in sorted_walk(src):
        w.add(src, rel, st)
    w.close()
    log(f"layer {out}: {w.count} entries")


def cmd_strip_devices(root):
    n = 0
    for rel, st in sorted_walk(root):
        if skippable(st):
            os.unlink(os.path.join(root, rel))
            n += 1
    log(f"removed {n} device nodes/sockets under {root}")


# --------------------------------------------------------------------------
# diff
# --------------------------------------------------------------------------


def same_content(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x = fa.read(BUF)
            y = fb.read(BUF)
            if x != y:
                return False
            if not x:
                return True


def differs(broot, bst, aroot, ast, rel):
    bm, am = bst.st_mode, ast.st_mode
    if stat.S_IFMT(bm) != stat.S_IFMT(am):
        return True
    if stat.S_IMODE(bm) != stat.S_IMODE(am):
        return True
    if (bst.st_uid, bst.st_gid) != (ast.st_uid, ast.st_gid):
        return True
    if stat.S_ISLNK(am):
        return os.readlink(os.path.join(broot, rel)) != os.readlink(
            os.path.join(aroot, rel)
        )
    if stat.S_ISREG(am):
        if bst.st_size != ast.st_size:
            return True
        return not same_content(os.path.join(broot, rel), os.path.join(aroot, rel))
    return False


def cmd_diff(out, after, befores, opaque=()):
    before = {}  # rel -> (root, st); later roots override (overlay semantics)
    for b in befores:
        for rel, st in sorted_walk(b):
            if not skippable(st):
                before[rel] = (b, st)
    after_entries = [(r, s) for r, s in sorted_walk(after) if not skippable(s)]
    after_map = dict(after_entries)

    opaque = [o.strip("/") for o in opaque]
    for o in opaque:
        if o not in after_map or not stat.S_ISDIR(after_map[o].st_mode):
            raise SystemExit(f"diff: --opaque {o} is not a directory of {after}")

    def under_opaque(rel):
        return any(rel.startswith(o + "/") for o in opaque)

    emit = set()
    for rel, st in after_entries:
        if rel in opaque or under_opaque(rel):
            emit.add(rel)  # an opaque dir is written whole
        elif rel not in before:
            emit.add(rel)
        else:
            broot, bst = before[rel]
            if differs(broot, bst, after, st, rel):
                emit.add(rel)
    deleted = []
    for rel in before:
        if rel in after_map or under_opaque(rel):
            continue
        parent = os.path.dirname(rel)
        if parent and parent not in after_map:
            continue  # a deleted ancestor's whiteout covers it
        deleted.append(rel)

    # parent directories of everything emitted (from the after tree)
    needed = set(emit)
    for rel in list(emit) + deleted:
        p = os.path.dirname(rel)
        while p:
            needed.add(p)
            p = os.path.dirname(p)

    # merge emitted entries and whiteouts in sorted depth-first order
    items = [(rel, "add") for rel in needed] + [(rel, "wh") for rel in deleted]
    items += [(rel, "opq") for rel in opaque]

    def sortkey(item):
        rel, kind = item
        parts = rel.split("/")
        if kind == "wh":
            parts[-1] = ".wh." + parts[-1]
        elif kind == "opq":
            parts.append(OPAQUE)
        return [os.fsencode(p) for p in parts]

    items.sort(key=sortkey)
    w = LayerWriter(out)
    for rel, kind in items:
        if kind == "wh":
            w.whiteout(rel)
        elif kind == "opq":
            w.whiteout(f"{rel}/x", OPAQUE)
        else:
            w.add(after, rel, after_map[rel])
    w.close()
    log(
        f"diff {out}: {len(emit)} changed/added, {len(deleted)} whiteouts, "
        f"{w.count} entries"
    )
    for d in sorted(deleted):
        log(f"  whiteout {d}")
    for o in opaque:
        log(f"  opaque {o}")


def tree_entry(root, rel, st):
    """(type, mode, uid, gid, size/link target, sha256) of one tree entry."""
    m = st.st_mode
    if stat.S_ISDIR(m):
        kind, extra = "dir", ""
    elif stat.S_ISLNK(m):
        kind, extra = "symlink", os.readlink(os.path.join(root, rel))
    elif stat.S_ISFIFO(m):
        kind, extra = "fifo", ""
    else:
        kind, extra = "file", sha256_file(os.path.join(root, rel))
    return (kind, stat.S_IMODE(m), st.st_uid, st.st_gid, extra)


def cmd_verify_squash(rootfs, tars):
    """Squash the layer tars as a container runtime would (a `.wh.NAME`
    deletes NAME and everything under it from the lower layers, a
    `.wh..wh..opq` empties its directory of lower-layer content, hardlinks
    resolve to their target) and compare with ROOTFS entry by entry."""
    fs = {}
    for t in tars:
        layer = {}
        whiteouts, opaques = [], []
        with tarfile.open(t) as tf:
            for ti in tf:
                rel = ti.name.strip("/").removeprefix("./")
                d, n = os.path.split(rel)
                if n == OPAQUE:
                    opaques.append(d)
                    continue
                if n.startswith(".wh."):
                    whiteouts.append(os.path.join(d, n[len(".wh."):]))
                    continue
                if ti.isdir():
                    e = ("dir", ti.mode, ti.uid, ti.gid, "")
                elif ti.issym():
                    e = ("symlink", ti.mode, ti.uid, ti.gid, ti.linkname)
                elif ti.islnk():
                    tgt = layer.get(ti.linkname) or fs.get(ti.linkname)
                    e = ("file", ti.mode, ti.uid, ti.gid, tgt[4] if tgt else "?")
                elif ti.isfifo():
                    e = ("fifo", ti.mode, ti.uid, ti.gid, "")
                else:
                    h = hashlib.sha256()
                    f = tf.extractfile(ti)
                    while True:
                        b = f.read(BUF)
                        if not b:
                            break
                        h.update(b)
                    e = ("file", ti.mode, ti.uid, ti.gid, h.hexdigest())
                layer[rel] = e
        for gone in whiteouts + [o + "/" for o in opaques]:
            prefix = gone if gone.endswith("/") else gone + "/"
            for k in [k for k in fs if k == gone or k.startswith(prefix)]:
                del fs[k]
        fs.update(layer)
    want = {rel: tree_entry(rootfs, rel, st) for rel, st in sorted_walk(rootfs) if not skippable(st)}
    if fs != want:
        only_layers = sorted(set(fs) - set(want))[:20]
        only_rootfs = sorted(set(want) - set(fs))[:20]
        changed = sorted(k for k in set(fs) & set(want) if fs[k] != want[k])[:20]
        raise SystemExit(
            f"verify-squash: squashed layers != {rootfs}: only in layers {only_layers}, "
            f"only in rootfs {only_rootfs}, different {[(k, fs[k], want[k]) for k in changed]}"
        )
    log(f"verify-squash: {len(fs)} entries of the squashed layers equal {rootfs}")


def cmd_java_bundle(out, jardir, specpath):
    """A web archive or fat jar made of real jars, written with zipfile.
    SPEC: {"pom": {"groupId","artifactId","version"}, "lib_dir": "WEB-INF/lib",
    "jars": ["commons-lang3.jar", ...], "manifest": {...}}. Each jar is read
    from JARDIR (symlinks resolved) and stored under lib_dir with its real
    file name."""
    spec = json.load(open(specpath))
    pom = spec["pom"]
    g, a, v = pom["groupId"], pom["artifactId"], pom["version"]
    stamp = (2023, 11, 14, 22, 13, 20)

    def put(z, name, data, compress=zipfile.ZIP_DEFLATED):
        zi = zipfile.ZipInfo(name, stamp)
        zi.compress_type = compress
        zi.external_attr = 0o644 << 16
        z.writestr(zi, data)

    with zipfile.ZipFile(out, "w") as z:
        mf = "Manifest-Version: 1.0\r\n" + "".join(
            f"{k}: {val}\r\n" for k, val in spec.get("manifest", {}).items()
        ) + "\r\n"
        put(z, "META-INF/MANIFEST.MF", mf)
        put(
            z,
            f"META-INF/maven/{g}/{a}/pom.properties",
            f"artifactId={a}\ngroupId={g}\nversion={v}\n",
        )
        for j in spec["jars"]:
            real = os.path.realpath(os.path.join(jardir, j))
            with open(real, "rb") as f:
                # nested jars are stored, as Spring Boot requires
                put(z, f"{spec['lib_dir']}/{os.path.basename(real)}", f.read(), zipfile.ZIP_STORED)
    log(f"java-bundle {out}: {g}:{a}:{v} with {len(spec['jars'])} jars")


def debian_upstream_version(deb):
    """The upstream part of an installed Debian package's version
    (`2:1.2.3+dfsg-4` -> `1.2.3`), from dpkg-query."""
    v = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", deb],
        capture_output=True,
        text=True,
    ).stdout.split()
    if len(v) != 2 or v[0] != "installed":
        raise SystemExit(f"composer-repo: Debian package {deb} is not installed")
    m = re.match(r"^(?:[0-9]+:)?([0-9][0-9.]*[0-9])", v[1])
    if not m:
        raise SystemExit(f"composer-repo: no upstream version in {deb} {v[1]}")
    return m.group(1)


def cmd_composer_repo(specpath, project):
    """Composer packages made of Debian's php-* libraries, as the
    repositories of PROJECT's composer.json: SPEC (php/packages.json) names
    each package's deb, its directory and its composer.json fields. The
    files of the directory (minus Debian's own autoload.php) go to src/;
    version = the deb's upstream version. repo `artifact`: a zip
    PROJECT/artifacts/VENDOR-NAME-VERSION.zip (fixed timestamps, sorted, so
    its sha1 is stable); `path`: a directory PROJECT/packages/VENDOR-NAME."""
    spec = json.load(open(specpath))
    stamp = (2023, 11, 14, 22, 13, 20)
    for pkg in spec["packages"]:
        cj = dict(pkg["composer"])
        name = cj["name"]
        cj = {"name": name, "version": debian_upstream_version(pkg["deb"]), **cj}
        files = []
        for rel, st in sorted_walk(pkg["dir"]):
            if stat.S_ISREG(st.st_mode) and rel != "autoload.php":
                files.append(rel)
        if not files:
            raise SystemExit(f"composer-repo: no files in {pkg['dir']}")
        manifest = (json.dumps(cj, indent=4, ensure_ascii=False) + "\n").encode()
        slug = name.replace("/", "-")
        if pkg["repo"] == "artifact":
            os.makedirs(os.path.join(project, "artifacts"), exist_ok=True)
            out = os.path.join(project, "artifacts", f"{slug}-{cj['version']}.zip")
            with zipfile.ZipFile(out, "w") as z:

                def put(arcname, data):
                    zi = zipfile.ZipInfo(arcname, stamp)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zi.external_attr = 0o644 << 16
                    z.writestr(zi, data)

                put("composer.json", manifest)
                for rel in files:
                    with open(os.path.join(pkg["dir"], rel), "rb") as f:
                        put(f"src/{rel}", f.read())
        elif pkg["repo"] == "path":
            out = os.path.join(project, "packages", slug)
            os.makedirs(out)
            with open(os.path.join(out, "composer.json"), "wb") as f:
                f.write(manifest)
            for rel in files:
                dst = os.path.join(out, "src", rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(os.path.join(pkg["dir"], rel), dst)
        else:
            raise SystemExit(f"composer-repo: unknown repo kind {pkg['repo']!r}")
        log(f"composer-repo {name} {cj['version']} ({pkg['repo']}, {len(files)} files)")


# --------------------------------------------------------------------------
# truth
#
# `truth-scan ROOT OUT.json` lists every package of every ecosystem in one
# filesystem tree, each read by a tool that is not sbomctl; `truth` combines
# the scans of the tree before and after the removal layer. The rules in the
# docstrings below are the contract the catalogers are tested against.
#
# A scan is {ecosystem: [[name, version, path, owner, group], ...]}: one row
# per place a package is found. `path` is relative to ROOT (the evidence
# file; for a package nested in an archive `outer!inner`), `owner` the Debian
# package whose dpkg file list holds `path` ("" if none), `group` the Maven
# groupId ("" elsewhere).
# --------------------------------------------------------------------------

ECOSYSTEMS = ("deb", "pypi", "npm", "gem", "maven", "golang", "cargo", "rpm", "nuget", "composer")


def dpkg_owners(root):
    """path (relative, no leading slash) -> "pkg[,pkg…]" from info/*.list."""
    owners = {}
    for lst in glob.glob(os.path.join(root, "var/lib/dpkg/info/*.list")):
        pkg = os.path.basename(lst)[: -len(".list")].split(":", 1)[0]
        with open(lst, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                p = line.rstrip("\n").lstrip("/")
                if p:
                    owners.setdefault(p, set()).add(pkg)
    return {p: ",".join(sorted(v)) for p, v in owners.items()}


def is_regular(path):
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def walk_dirs(root):
    """(rel_dir, [subdir names], [file names]) top-down, symlinks not followed."""
    for d, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(d, root)
        yield ("" if rel == "." else rel), dirs, sorted(files)


def deb_scan(root, _owners):
    """deb: packages whose ${db:Status-Status} is `installed` (dpkg-query)."""
    admindir = os.path.join(root, "var/lib/dpkg")
    r = subprocess.run(
        [
            "dpkg-query",
            f"--admindir={admindir}",
            "-W",
            "-f=${db:Status-Status}\t${Package}\t${Version}\n",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "installed":
            # the package's file list: it tells which layer installed it
            lst = f"var/lib/dpkg/info/{parts[1]}.list"
            if not os.path.exists(os.path.join(root, lst)):
                lst = f"var/lib/dpkg/info/{parts[1]}:amd64.list"
            rows.append([parts[1], parts[2], lst, "", ""])
    return rows


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pypi_scan(root, owners):
    """pypi: every `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and
    single-file `*.egg-info` anywhere in the tree that has a `Name` and a
    `Version`; the name normalised per PEP 503."""
    rows = []
    for rel, dirs, files in walk_dirs(root):
        metas = []
        base = os.path.basename(rel)
        if base.endswith(".dist-info") and "METADATA" in files:
            metas.append(f"{rel}/METADATA")
        if base.endswith(".egg-info") and "PKG-INFO" in files:
            metas.append(f"{rel}/PKG-INFO")
        metas += [f"{rel}/{n}" if rel else n for n in files if n.endswith(".egg-info")]
        for m in metas:
            full = os.path.join(root, m)
            if not is_regular(full):
                continue
            with open(full, encoding="utf-8", errors="replace") as f:
                msg = email.parser.Parser().parse(f, headersonly=True)
            name, version = (msg.get("Name") or "").strip(), (msg.get("Version") or "").strip()
            if name and version:
                rows.append([pep503(name), version, m, owners.get(m, ""), ""])
    return rows


# Where distributions and global installs put npm packages, one package per
# child directory (`ROOT/NAME` or `ROOT/@SCOPE/NAME`).
NPM_ROOTS = (
    "usr/share/nodejs",
    "usr/lib/nodejs",
    "usr/lib/node_modules",
    "usr/local/lib/node_modules",
)


def npm_manifest(root, pkgdir):
    """(name, version) of PKGDIR/package.json, None unless both are
    non-empty strings and package.json is a regular file."""
    full = os.path.join(root, pkgdir, "package.json")
    if not is_regular(full):
        return None
    try:
        with open(full, "rb") as f:
            doc = json.loads(f.read().decode("utf-8", errors="replace"))
    except (ValueError, OSError):
        return None
    if not isinstance(doc, dict):
        return None
    name, version = doc.get("name"), doc.get("version")
    if isinstance(name, str) and name and isinstance(version, str) and version:
        return name, version
    return None


def npm_scan(root, owners):
    """npm: THE COUNTING RULE. A `package.json` is a package when it is a
    regular file with a non-empty string `name` and `version` and it sits in
    an installed package directory D, that is:

      1. D is `R/NAME` or `R/@SCOPE/NAME` for a distribution or global root R
         (NPM_ROOTS, and `usr/lib/<triplet>/nodejs`); or
      2. D is `N/NAME` or `N/@SCOPE/NAME` for a `node_modules` directory N
         whose parent P is itself an installed package directory, or is not
         inside any installed package directory (a project such as /app).

    NAME never starts with `.`. Not packages: a project's own package.json
    (/app/package.json), manifests deeper inside a package (`dist/`, `lib/`,
    `esm/` package.json files), `node_modules` trees that are test fixtures
    inside a package (P is inside a package but is not the package), and
    manifests without a name or a version. Symlinked directories are not
    followed (the package is counted where the real directory is)."""
    roots = set(NPM_ROOTS)
    roots.update(
        os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "usr/lib/*/nodejs"))
    )
    cands = []  # (depth, dir)
    for rel, dirs, _files in walk_dirs(root):
        parent = os.path.dirname(rel)
        name = os.path.basename(rel)
        if not rel or name.startswith("."):
            continue
        scoped_parent = os.path.basename(parent).startswith("@")
        container = os.path.dirname(parent) if scoped_parent else parent
        if container in roots or os.path.basename(container) == "node_modules":
            cands.append((rel.count("/"), rel, container))
    accepted = {}
    for _depth, d, container in sorted(cands):
        m = npm_manifest(root, d)
        if m is None:
            continue
        if container not in roots:  # rule 2: container is a node_modules dir
            p = os.path.dirname(container)
            if p not in accepted:
                anc = os.path.dirname(p)
                inside = False
                while anc:
                    if anc in accepted:
                        inside = True
                        break
                    anc = os.path.dirname(anc)
                if inside:
                    continue  # a fixture node_modules inside a package
        accepted[d] = m
    rows = []
    for d, (name, version) in sorted(accepted.items()):
        path = f"{d}/package.json"
        rows.append([name, version, path, owners.get(path, ""), ""])
    return rows


def npm_ls(app):
    """(name, version) pairs `npm ls --all --json` reports in APP (without
    the root project and extraneous/missing entries)."""
    r = subprocess.run(
        ["npm", "ls", "--all", "--json"],
        cwd=app,
        capture_output=True,
        text=True,
    )
    try:
        tree = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"npm ls failed in {app}: {r.stderr}")
    pkgs = set()

    def rec(deps):
        for name, node in (deps or {}).items():
            if not isinstance(node, dict):
                continue
            if node.get("extraneous") or node.get("missing"):
                continue
            v = node.get("version")
            if v:
                pkgs.add((name, v))
            rec(node.get("dependencies"))

    rec(tree.get("dependencies"))
    return pkgs


CHROOT_ENV = [
    "/usr/bin/env",
    "-i",
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "LANG=C.UTF-8",
]


def chroot_out(root, *cmd):
    return subprocess.run(
        ["chroot", root, *CHROOT_ENV, *cmd], check=True, capture_output=True, text=True
    ).stdout


def gem_scan(root, owners):
    """gem: every gem RubyGems itself sees in the image (run in a chroot):
    `Gem::Specification` (installed and default gems, with the gemspec it
    was loaded from), which must agree with `gem list --local`."""
    if not os.path.exists(os.path.join(root, "usr/bin/ruby")):
        return []
    out = chroot_out(
        root,
        "ruby",
        "-e",
        'Gem::Specification.each { |s| puts [s.name, s.version.to_s, s.loaded_from.to_s].join("\\t") }',
    )
    rows = []
    for line in out.splitlines():
        name, version, loaded = line.split("\t")
        path = loaded.lstrip("/")
        rows.append([name, version, path, owners.get(path, ""), ""])
    listed = set()
    for line in chroot_out(root, "gem", "list", "--local").splitlines():
        m = re.fullmatch(r"(\S+) \((.*)\)", line.strip())
        if not m:
            continue
        for v in m.group(2).split(","):
            v = v.strip()
            if v.startswith("default: "):
                v = v[len("default: "):]
            listed.add((m.group(1), v.split(" ")[0]))
    seen = {(r[0], r[1]) for r in rows}
    if seen != listed:
        raise SystemExit(
            f"gem truth: Gem::Specification and `gem list` disagree: "
            f"{sorted(seen - listed)} vs {sorted(listed - seen)}"
        )
    return rows


JAVA_EXTS = (".jar", ".war", ".ear", ".par", ".sar", ".nar", ".jpi", ".hpi")
JAVA_MAX_DEPTH = 4


def manifest_main(data):
    """Main section of a MANIFEST.MF as a dict (continuation lines joined)."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    fields, last = {}, None
    for line in text.split("\n"):
        if not line:
            break
        if line.startswith(" ") and last:
            fields[last] += line[1:]
        elif ":" in line:
            k, v = line.split(":", 1)
            last = k.strip()
            fields[last] = v.strip()
    return fields


def java_archive(data_or_path, label, owner, rows, depth):
    """One package per META-INF/maven/*/*/pom.properties in the archive;
    without any, one package named after the file (the name before the
    version, syft's rule) with the MANIFEST.MF version
    (Implementation-Version, else Bundle-Version, else Specification-Version).
    Nested archives (any entry with a Java archive extension) recurse."""
    try:
        z = zipfile.ZipFile(
            io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
        )
    except (zipfile.BadZipFile, OSError):
        log(f"truth maven: not a zip: {label}")
        return
    with z:
        names = z.namelist()
        poms = sorted(
            n for n in names if re.fullmatch(r"META-INF/maven/[^/]+/[^/]+/pom\.properties", n)
        )
        for n in poms:
            props = {}
            for line in z.read(n).decode("utf-8", errors="replace").splitlines():
                line = line.strip()
                if line and not line.startswith(("#", "!")) and "=" in line:
                    k, v = line.split("=", 1)
                    props[k.strip()] = v.strip()
            g, a, v = props.get("groupId"), props.get("artifactId"), props.get("version")
            if g and a and v:
                rows.append([a, v, label, owner, g])
        if not poms:
            mf = manifest_main(z.read("META-INF/MANIFEST.MF")) if "META-INF/MANIFEST.MF" in names else {}
            base = os.path.basename(label.rsplit("!", 1)[-1])
            stem = base.rsplit(".", 1)[0]
            m = re.match(r"^(.*?)-(\d[^-]*(?:-.*)?)$", stem)
            fname, fver = (m.group(1), m.group(2)) if m else (stem, "")
            v = (
                mf.get("Implementation-Version")
                or mf.get("Bundle-Version")
                or mf.get("Specification-Version")
                or fver
            )
            if fname and v:
                rows.append([fname, v, label, owner, ""])
        if depth >= JAVA_MAX_DEPTH:
            return
        for n in names:
            if n.lower().endswith(JAVA_EXTS) and not n.endswith("/"):
                java_archive(z.read(n), f"{label}!{n}", owner, rows, depth + 1)


def maven_scan(root, owners):
    """maven: every regular file (not a symlink) whose name ends in a Java
    archive extension, read with zipfile (see java_archive)."""
    rows = []
    for rel, _dirs, files in walk_dirs(root):
        for n in files:
            if not n.lower().endswith(JAVA_EXTS):
                continue
            p = f"{rel}/{n}" if rel else n
            full = os.path.join(root, p)
            if is_regular(full):
                java_archive(full, p, owners.get(p, ""), rows, 0)
    return rows


def golang_scan(root, owners):
    """golang: `go version -m ROOT` (the Go toolchain walks the tree and
    reads the build info of every Go binary): per binary the main module
    (`mod`, version as printed, `(devel)` kept), every `dep` (replaced by
    its `=>` line when there is one) and the toolchain as `stdlib`. A binary
    built without modules (GOPATH mode, as Debian builds `age`) has a `path`
    line but no `mod` line: its main module is the `path`, version
    `(devel)`, as syft reports it."""
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="", GO111MODULE="on")
    r = subprocess.run(["go", "version", "-m", root], capture_output=True, text=True, env=env)
    rows = []
    binary = None
    prefix = root.rstrip("/") + "/"
    pending = None  # the `path` row of the binary until a `mod` line comes

    def flush():
        nonlocal pending
        if pending is not None:
            rows.append(pending)
        pending = None

    for line in r.stdout.splitlines():
        if not line.startswith("\t"):
            flush()
            path, _, gover = line.rpartition(": ")
            if not path.startswith(prefix):
                raise SystemExit(f"go version -m: unexpected line {line!r}")
            binary = path[len(prefix):]
            rows.append(["stdlib", gover.strip(), binary, owners.get(binary, ""), ""])
            continue
        f = line.split("\t")[1:]
        if not f or binary is None:
            continue
        if f[0] == "path" and len(f) >= 2 and f[1] != "command-line-arguments":
            pending = [f[1], "(devel)", binary, owners.get(binary, ""), ""]
        elif f[0] in ("mod", "dep") and len(f) >= 3:
            if f[0] == "mod":
                pending = None
            rows.append([f[1], f[2], binary, owners.get(binary, ""), ""])
        elif f[0] == "=>" and len(f) >= 3:
            rows[-1][0], rows[-1][1] = f[1], f[2]
    flush()
    return rows


def cargo_scan(root, owners, binaries):
    """cargo: for each cargo-auditable binary the build put in the tree
    (BIN=Cargo.lock pairs), every [[package]] of its Cargo.lock."""
    rows = []
    for spec in binaries:
        binpath, lock = spec.split("=", 1)
        if not is_regular(os.path.join(root, binpath)):
            continue
        with open(lock, "rb") as f:
            doc = tomllib.load(f)
        for p in doc.get("package", []):
            rows.append([p["name"], p["version"], binpath, owners.get(binpath, ""), ""])
    return rows


def rpm_scan(root, owners):
    """rpm: `rpm -qa` of the image's database (/var/lib/rpm); version
    `[EPOCH:]VERSION-RELEASE`."""
    db = "var/lib/rpm/rpmdb.sqlite"
    if not os.path.exists(os.path.join(root, db)):
        return []
    lock = os.path.join(root, "var/lib/rpm/.rpm.lock")
    had_lock = os.path.lexists(lock)
    out = subprocess.run(
        [
            "rpm",
            "--root",
            root,
            "--dbpath",
            "/var/lib/rpm",
            "-qa",
            "--qf",
            "%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if not had_lock and os.path.lexists(lock):
        os.unlink(lock)  # the query's lock file is not part of the image
    return [[n, v, db, owners.get(db, ""), ""] for n, v in (l.split("\t") for l in out.splitlines())]


def nuget_scan(root, owners):
    """nuget: every `libraries` key NAME/VERSION of every `*.deps.json`
    (the .NET dependency manifest; read with Python's json)."""
    rows = []
    for rel, _dirs, files in walk_dirs(root):
        for n in files:
            if not n.endswith(".deps.json"):
                continue
            p = f"{rel}/{n}" if rel else n
            if not is_regular(os.path.join(root, p)):
                continue
            with open(os.path.join(root, p), "rb") as f:
                doc = json.loads(f.read().decode("utf-8-sig"))
            for key in doc.get("libraries", {}):
                name, _, version = key.rpartition("/")
                if name and version:
                    rows.append([name, version, p, owners.get(p, ""), ""])
    return rows


COMPOSER_ENV = {
    "COMPOSER_DISABLE_NETWORK": "1",
    "COMPOSER_NO_INTERACTION": "1",
    "COMPOSER_ALLOW_SUPERUSER": "1",
}


def composer_show(project, *args):
    """(name, version) pairs of `composer show --format=json [ARGS]` in
    PROJECT (its `installed`, or with --locked its `locked`, list)."""
    env = {**os.environ, **COMPOSER_ENV}
    r = subprocess.run(
        ["composer", "show", "--format=json", "--no-plugins", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise SystemExit(f"composer show {' '.join(args)} failed in {project}: {r.stderr}")
    doc = json.loads(r.stdout)
    key = "locked" if "--locked" in args else "installed"
    return {(p["name"], p["version"]) for p in doc.get(key, [])}


def composer_scan(root, owners, projects):
    """composer: for each Composer project the build made (PROJECT dirs),
    what `composer show` (Composer itself, reading the installed
    repository) lists as installed, at PROJECT/vendor/composer/installed.json;
    `composer show --locked` (composer.lock) must list the same packages."""
    rows = []
    for project in projects:
        installed = f"{project}/vendor/composer/installed.json"
        if not is_regular(os.path.join(root, installed)):
            continue
        d = os.path.join(root, project)
        pkgs = composer_show(d)
        locked = composer_show(d, "--locked")
        if pkgs != locked:
            raise SystemExit(
                f"composer truth: installed and locked differ in /{project}: "
                f"installed only {sorted(pkgs - locked)}, locked only {sorted(locked - pkgs)}"
            )
        rows += [[n, v, installed, owners.get(installed, ""), ""] for n, v in sorted(pkgs)]
    return rows


def cmd_truth_scan(a):
    root = a.root
    owners = dpkg_owners(root)
    scan = {
        "deb": deb_scan(root, owners),
        "pypi": pypi_scan(root, owners),
        "npm": npm_scan(root, owners),
        "gem": gem_scan(root, owners),
        "maven": maven_scan(root, owners),
        "golang": golang_scan(root, owners),
        "cargo": cargo_scan(root, owners, a.cargo),
        "rpm": rpm_scan(root, owners),
        "nuget": nuget_scan(root, owners),
        "composer": composer_scan(root, owners, a.composer),
    }
    # Two independent readings of the app's node_modules must agree.
    app_rows = {(r[0], r[1]) for r in scan["npm"] if r[2].startswith(a.npm_app + "/")}
    ls = npm_ls(os.path.join(root, a.npm_app))
    if app_rows != ls:
        raise SystemExit(
            f"npm truth: the counting rule and `npm ls` disagree in /{a.npm_app}: "
            f"rule only {sorted(app_rows - ls)}, npm ls only {sorted(ls - app_rows)}"
        )
    for k in scan:
        scan[k].sort()
    with open(a.out, "w") as f:
        f.write(dump_compact(scan) + "\n")
    log("truth-scan " + ", ".join(f"{k} {len(v)}" for k, v in scan.items()))


def dump_compact(obj, ind=""):
    """JSON with sorted keys; lists of scalars (one package) on one line."""
    nxt = ind + "  "
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{nxt}{json.dumps(k)}: {dump_compact(obj[k], nxt)}" for k in sorted(obj)]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    if isinstance(obj, list):
        if all(not isinstance(x, (list, dict)) for x in obj):
            return json.dumps(obj)
        return "[\n" + ",\n".join(nxt + dump_compact(x, nxt) for x in obj) + "\n" + ind + "]"
    return json.dumps(obj)


def cmd_truth(a):
    before = json.load(open(a.before))
    after = json.load(open(a.after))

    def pairs(scan, k):
        return {(r[0], r[1]) for r in scan[k]}

    def layer_of(paths):
        """Lowest layer directory (index) holding one of PATHS."""
        found = []
        for p in paths:
            outer = p.split("!", 1)[0]
            for i, d in enumerate(a.layers):
                if os.path.lexists(os.path.join(d, outer)):
                    found.append(i)
                    break
        if not found:
            raise SystemExit(f"truth: no layer holds {sorted(paths)}")
        return min(found)

    removed = {}
    for k in ECOSYSTEMS:
        gone = pairs(before, k) - pairs(after, k)
        removed[k] = sorted(
            [n, v, layer_of({r[2] for r in before[k] if (r[0], r[1]) == (n, v)})]
            for n, v in gone
        )
    truth = {
        "squashed": {k: sorted(list(p) for p in pairs(after, k)) for k in ECOSYSTEMS},
        "removed": removed,
        "before_removal": {k: sorted(list(p) for p in pairs(before, k)) for k in ECOSYSTEMS},
        "detail": {"squashed": after, "before_removal": before},
    }
    with open(a.out, "w") as f:
        f.write(dump_compact(truth) + "\n")
    for k in ECOSYSTEMS:
        log(
            f"truth {k}: {len(truth['squashed'][k])} squashed, "
            f"{len(truth['before_removal'][k])} before removal, removed {removed[k]}"
        )


# --------------------------------------------------------------------------
# OCI / docker assembly
# --------------------------------------------------------------------------


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(BUF)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def compress(src, dst, kind):
    if kind == "gzip":
        with open(src, "rb") as fi, open(dst, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as g:
                shutil.copyfileobj(fi, g, BUF)
    elif kind == "zstd":
        subprocess.run(
            ["zstd", "-3", "-q", "-f", "--no-progress", "-T1", src, "-o", dst],
            check=True,
        )
    else:
        raise SystemExit(f"unknown compression {kind}")


def write_blob(blobdir, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobdir, d), "wb") as f:
        f.write(data)
    return d


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def tar_dir_deterministic(src, out, prefix=""):
    """Tar a directory of regular files/dirs, owner 0, fixed mtime."""
    with open(out, "wb") as f, tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as t:
        for rel, st in sorted_walk(src):
            ti = tarfile.TarInfo(prefix + rel)
            ti.mtime = EPOCH
            ti.uname = ti.gname = ""
            if stat.S_ISDIR(st.st_mode):
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.mode = 0o644
                ti.size = st.st_size
                with open(os.path.join(src, rel), "rb") as fo:
                    t.addfile(ti, fo)


def cmd_assemble(outdir, specpath):
    spec = json.load(open(specpath))
    layers = spec["layers"]  # [{tar, compression, created_by}]
    oci = os.path.join(outdir, "oci")
    blobdir = os.path.join(oci, "blobs", "sha256")
    os.makedirs(blobdir, exist_ok=True)

    def one(i, L):
        diff_id = sha256_file(L["tar"])
        usize = os.path.getsize(L["tar"])
        tmp = os.path.join(blobdir, f".tmp-{i}")
        compress(L["tar"], tmp, L["compression"])
        dg = sha256_file(tmp)
        os.replace(tmp, os.path.join(blobdir, dg))
        mt = MT_GZIP if L["compression"] == "gzip" else MT_ZSTD
        size = os.path.getsize(os.path.join(blobdir, dg))
        log(f"layer {i}: {mt} {dg[:12]} {size} bytes (uncompressed {usize})")
        return {
            "index": i,
            "media_type": mt,
            "digest": f"sha256:{dg}",
            "diff_id": f"sha256:{diff_id}",
            "size": size,
            "uncompressed_size": usize,
            "created_by": L["created_by"],
            "tar": L["tar"],
        }

    # zlib and hashlib release the GIL: the layers compress in parallel
    # (biggest first), with the same bytes as one after the other
    order = sorted(range(len(layers)), key=lambda i: -os.path.getsize(layers[i]["tar"]))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        futs = {i: ex.submit(one, i, layers[i]) for i in order}
        info = [futs[i].result() for i in range(len(layers))]

    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "author": "sbomctl testdata/real-image/build.sh",
        "config": {
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "PYTHONPATH=/usr/local/lib/python3.11/site-packages",
            ],
            "Cmd": ["/bin/bash"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.title": "sbomctl real-image fixture"},
        },
        "rootfs": {"type": "layers", "diff_ids": [x["diff_id"] for x in info]},
        "history": [{"created": CREATED, "created_by": x["created_by"]} for x in info],
    }
    config_bytes = canon(config)
    config_hex = write_blob(blobdir, config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {
            "mediaType": MT_CONFIG,
            "digest": f"sha256:{config_hex}",
            "size": len(config_bytes),
        },
        "layers": [
            {"mediaType": x["media_type"], "digest": x["digest"], "size": x["size"]}
            for x in info
        ],
    }
    manifest_bytes = canon(manifest)
    manifest_hex = write_blob(blobdir, manifest_bytes)
    index = {
        "schemaVersion": 2,
        "mediaType": MT_INDEX,
        "manifests": [
            {
                "mediaType": MT_MANIFEST,
                "digest": f"sha256:{manifest_hex}",
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {
                    "org.opencontainers.image.ref.name": "latest",
                    "io.containerd.image.name": "sbomctl/real:latest",
                },
            }
        ],
    }
    with open(os.path.join(oci, "index.json"), "wb") as f:
        f.write(canon(index))
    with open(os.path.join(oci, "oci-layout"), "wb") as f:
        f.write(canon({"imageLayoutVersion": "1.0.0"}))

    tar_dir_deterministic(oci, os.path.join(outdir, "image.oci.tar"))
    log("wrote image.oci.tar")

    # legacy `docker save` archive
    out = os.path.join(outdir, "image.docker.tar")

    def add_bytes(t, name, data, mode=0o644):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = mode
        ti.mtime = EPOCH
        ti.uname = ti.gname = ""
        t.addfile(ti, io.BytesIO(data))

    def add_dir(t, name):
        ti = tarfile.TarInfo(name)
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        ti.mtime = EPOCH
        ti.uname = ti.gname = ""
        t.addfile(ti)

    with open(out, "wb") as f, tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as t:
        entries = []
        parent = ""
        for x in info:
            hexid = x["diff_id"].split(":", 1)[1]
            entries.append(hexid)
            add_dir(t, hexid)
            add_bytes(t, f"{hexid}/VERSION", b"1.0")
            v1 = {"id": hexid, "created": CREATED, "os": "linux", "architecture": "amd64"}
            if parent:
                v1["parent"] = parent
            add_bytes(t, f"{hexid}/json", canon(v1))
            ti = tarfile.TarInfo(f"{hexid}/layer.tar")
            ti.size = x["uncompressed_size"]
            ti.mode = 0o644
            ti.mtime = EPOCH
            ti.uname = ti.gname = ""
            with open(x["tar"], "rb") as lf:
                t.addfile(ti, lf)
            parent = hexid
        add_bytes(t, f"{config_hex}.json", config_bytes)
        dmanifest = [
            {
                "Config": f"{config_hex}.json",
                "RepoTags": ["sbomctl/real:latest"],
                "Layers": [f"{h}/layer.tar" for h in entries],
            }
        ]
        add_bytes(t, "manifest.json", canon(dmanifest))
        add_bytes(t, "repositories", canon({"sbomctl/real": {"latest": entries[-1]}}))
    log("wrote image.docker.tar")

    for x in info:
        del x["tar"]
    layers_json = {
        "manifest_digest": f"sha256:{manifest_hex}",
        "config_digest": f"sha256:{config_hex}",
        "layers": info,
    }
    with open(os.path.join(outdir, "layers.json"), "w") as f:
        json.dump(layers_json, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("mirror")
    p = sub.add_parser("layer")
    p.add_argument("src")
    p.add_argument("out")
    p = sub.add_parser("diff")
    p.add_argument("out")
    p.add_argument("after")
    p.add_argument("befores", nargs="+")
    p.add_argument("--opaque", action="append", default=[])
    p = sub.add_parser("verify-squash")
    p.add_argument("rootfs")
    p.add_argument("tars", nargs="+")
    p = sub.add_parser("java-bundle")
    p.add_argument("out")
    p.add_argument("jardir")
    p.add_argument("spec")
    p = sub.add_parser("composer-repo")
    p.add_argument("spec")
    p.add_argument("project")
    p = sub.add_parser("strip-devices")
    p.add_argument("root")
    p = sub.add_parser("truth-scan")
    p.add_argument("root")
    p.add_argument("out")
    p.add_argument("--npm-app", required=True, help="project dir for the npm ls cross-check")
    p.add_argument("--cargo", action="append", default=[], metavar="BIN=CARGO.LOCK")
    p.add_argument("--composer", action="append", default=[], metavar="PROJECT", help="Composer project dir")
    p = sub.add_parser("truth")
    p.add_argument("out")
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--layers", nargs="+", required=True, help="layer dirs, in order")
    p = sub.add_parser("assemble")
    p.add_argument("outdir")
    p.add_argument("spec")
    a = ap.parse_args()
    if a.cmd == "mirror":
        print(find_mirror())
    elif a.cmd == "layer":
        cmd_layer(a.src, a.out)
    elif a.cmd == "diff":
        cmd_diff(a.out, a.after, a.befores, a.opaque)
    elif a.cmd == "verify-squash":
        cmd_verify_squash(a.rootfs, a.tars)
    elif a.cmd == "java-bundle":
        cmd_java_bundle(a.out, a.jardir, a.spec)
    elif a.cmd == "composer-repo":
        cmd_composer_repo(a.spec, a.project)
    elif a.cmd == "strip-devices":
        cmd_strip_devices(a.root)
    elif a.cmd == "truth-scan":
        cmd_truth_scan(a)
    elif a.cmd == "truth":
        cmd_truth(a)
    elif a.cmd == "assemble":
        cmd_assemble(a.outdir, a.spec)


if __name__ == "__main__":
    main()
