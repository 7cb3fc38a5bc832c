#!/usr/bin/env python3
"""Reproducibly build the sample container images in testdata/images/.

Usage:
    python3 testdata/images/build.py              # (re)build all images + expected.json
    python3 testdata/images/build.py --expected   # only print expected packages (JSON) to stdout
    python3 testdata/images/build.py --out DIR    # build into DIR instead of testdata/images/

Requirements: Python >= 3.11 standard library, and the `zstd` command-line tool
(Debian/Ubuntu package `zstd`) for the zstd-compressed layer of alpine-sample.

Every output is byte-for-byte reproducible: tar mtimes are 0, uid/gid 0, empty
uname/gname, entries sorted, gzip with mtime=0 and no file name, zstd at a fixed
level single-threaded, JSON with sorted keys and compact separators.  (Byte identity
across machines additionally assumes the same zlib and zstd library versions.)

Package-database content is taken verbatim from catalog/testdata/ (syft test data,
Apache-2.0, see catalog/testdata/SOURCES.md).  See README.md next to this file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIX = REPO / "catalog" / "testdata"

EPOCH = 0  # fixed mtime for every tar entry
CREATED = "1970-01-01T00:00:00Z"  # fixed image/history creation time
GZIP_LEVEL = 9
ZSTD_LEVEL = 19

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
MT_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"

ENV_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def die(msg: str) -> None:
    print(f"build.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def cjson(obj) -> bytes:
    """Canonical JSON: sorted keys, compact separators, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fixture(rel: str) -> bytes:
    p = FIX / rel
    if not p.is_file():
        die(f"missing fixture {p}")
    return p.read_bytes()


def fixture_json(rel: str):
    return json.loads(fixture(rel))


# Packages inside files whose format the script does not parse itself (archives,
# executables): sha256 of the content -> packages, taken from the fixture's truth
# file (recorded by an independent tool: unzip, go version -m, cargo, rpm -qa).
OPAQUE_TRUTH: dict[str, list[dict]] = {}


def jar_truth(rel: str) -> list[dict]:
    """The package of a plain (not nested) jar, from catalog/testdata/maven/truth.json.

    The truth was recorded with Info-ZIP `unzip` (see catalog/testdata/maven/SOURCES.md):
    the jar's identity is its one `pom.properties` (artifactId, version).
    """
    chain = rel.removeprefix("maven/")
    entry = next((e for e in fixture_json("maven/truth.json") if e["chain"] == chain), None)
    if entry is None:
        die(f"maven/truth.json has no entry for {chain}")
    if entry["nested"] or len(entry["pom_properties"]) != 1:
        die(f"{chain}: only jars with exactly one pom.properties and no nested archive are supported")
    pp = entry["pom_properties"][0]
    return [{"ecosystem": "maven", "name": pp["artifactId"], "version": pp["version"]}]


def go_truth(rel: str) -> list[dict]:
    """Modules of a Go executable from the `go version -m` output recorded beside it.

    Main module (`mod`, `(devel)` kept), every `dep` after its `=>` replacement (a local-path
    replacement keeps the original module path), and the toolchain as `stdlib`
    (docs/catalogers.md, golang).
    """
    lines = fixture(rel + ".go-version-m.txt").decode().splitlines()
    toolchain = lines[0].split(": ", 1)[1]
    pkgs = [{"ecosystem": "golang", "name": "stdlib", "version": toolchain}]
    for line in lines[1:]:
        f = line.strip("\t").split("\t")
        if f[0] in ("mod", "dep"):
            pkgs.append({"ecosystem": "golang", "name": f[1], "version": f[2]})
        elif f[0] == "=>":
            if not f[1].startswith((".", "/")):
                pkgs[-1]["name"] = f[1]
            pkgs[-1]["version"] = f[2]
    return pkgs


# Crates in catalog/testdata/cargo/auditdemo-src/Cargo.lock that are build-only (a build
# script's dependency: SOURCES.md there), so not in the binary's runtime crates.
CARGO_BUILD_ONLY = {"autocfg"}


def gem_truth(rel: str) -> list[dict]:
    """A gemspec's gem from catalog/testdata/gem/truth-gemspecs.json (`Gem::Specification.load`)."""
    path = rel.removeprefix("gem/debian-rootfs/")
    entry = next((e for e in fixture_json("gem/truth-gemspecs.json") if e["path"] == path), None)
    if entry is None:
        die(f"gem/truth-gemspecs.json has no entry for {path}")
    return [{"ecosystem": "gem", "name": entry["name"], "version": entry["version"]}]


def composer_truth(dir_rel: str) -> list[dict]:
    """Every package entry of an installed.json (dev ones too), from DIR/truth.json (jq)."""
    return [{"ecosystem": "composer", "name": e["name"], "version": e["version"]} for e in fixture_json(f"{dir_rel}/truth.json")]


def nuget_truth(dir_rel: str) -> list[dict]:
    """The runtime target's `package` and `project` libraries of a deps.json, from
    DIR/truth.json (Python's json module)."""
    return [
        {"ecosystem": "nuget", "name": e["name"], "version": e["version"]}
        for e in fixture_json(f"{dir_rel}/truth.json")["packages"]
        if e["type"] in ("package", "project")
    ]


NPM_DEB = "npm/debian-nodejs"


def npm_deb_truth(image_path: str) -> list[dict]:
    """The npm package a manifest of the Debian nodejs fixture is, from its truth.json
    (jq, dpkg-query -S; catalog/testdata/npm/debian-nodejs/SOURCES.md)."""
    entry = next((e for e in fixture_json(f"{NPM_DEB}/truth.json")["npm"] if e["path"] == "/" + image_path), None)
    if entry is None or entry["kind"] != "package":
        die(f"{NPM_DEB}/truth.json: {image_path} is not a package")
    return [{"ecosystem": "npm", "name": entry["name"], "version": entry["version"]}]


def rpm_truth(dir_rel: str) -> list[dict]:
    """Packages of an rpm database from DIR/truth-packages.tsv (`rpm -qa --qf`):
    version `[EPOCH:]VERSION-RELEASE`."""
    out = []
    for line in fixture(f"{dir_rel}/truth-packages.tsv").decode().splitlines():
        name, epoch, version, release = line.split("\t")[:4]
        v = f"{version}-{release}" if epoch == "(none)" else f"{epoch}:{version}-{release}"
        out.append({"ecosystem": "rpm", "name": name, "version": v})
    return out


def deb_stanzas(status_rel: str, packages: list[str]) -> bytes:
    """The stanzas (verbatim) of `packages` in a dpkg status fixture, in that order."""
    paras = fixture(status_rel).decode().split("\n\n")
    out = []
    for name in packages:
        hit = [p for p in paras if p.startswith(f"Package: {name}\n")]
        if len(hit) != 1:
            die(f"{status_rel}: no single stanza for {name}")
        out.append(hit[0].strip("\n") + "\n")
    return "\n".join(out).encode()


def cargo_truth(lock_rel: str) -> list[dict]:
    """Runtime crates of a `cargo auditable` binary: its Cargo.lock minus build-only crates."""
    import tomllib

    lock = tomllib.loads(fixture(lock_rel).decode())
    return [
        {"ecosystem": "cargo", "name": c["name"], "version": c["version"]}
        for c in lock["package"]
        if c["name"] not in CARGO_BUILD_ONLY
    ]


# --------------------------------------------------------------------------- layers


@dataclass
class Entry:
    path: str  # relative, no leading slash
    kind: str  # "file" | "dir" | "symlink" | "hardlink"
    data: bytes = b""
    link: str = ""  # symlink target or hardlink target (layer-relative path)
    mode: int = 0o644
    source: str = ""  # fixture path (for the README / provenance), "" if written here


@dataclass
class Layer:
    comment: str  # history created_by
    compression: str  # "gzip" | "zstd"
    entries: list[Entry] = field(default_factory=list)

    def file(self, path: str, data: bytes, mode: int = 0o644, source: str = "") -> None:
        self.entries.append(Entry(path, "file", data, mode=mode, source=source))

    def fix(self, path: str, rel: str, mode: int = 0o644) -> None:
        self.file(path, fixture(rel), mode, source=rel)

    def opaque_fix(self, path: str, rel: str, packages: list[dict], mode: int = 0o644) -> None:
        """A fixture the script does not parse (archive, executable, database) and its
        packages, taken from the fixture's truth file."""
        data = fixture(rel)
        OPAQUE_TRUTH[sha256(data)] = packages
        self.file(path, data, mode, source=rel)

    def dir(self, path: str, mode: int = 0o755) -> None:
        self.entries.append(Entry(path, "dir", mode=mode))

    def symlink(self, path: str, target: str) -> None:
        self.entries.append(Entry(path, "symlink", link=target, mode=0o777))

    def hardlink(self, path: str, target: str) -> None:
        self.entries.append(Entry(path, "hardlink", link=target))

    def whiteout(self, path: str) -> None:
        p = PurePosixPath(path)
        self.file(str(p.parent / (".wh." + p.name)), b"")

    def opaque(self, dirpath: str) -> None:
        self.file(dirpath.rstrip("/") + "/.wh..wh..opq", b"")

    def normalized(self) -> list[Entry]:
        """All entries plus implied parent directories, in tar order.

        Order: sorted by path, except hard links, which come after all other
        entries (sorted among themselves) so their targets always precede them.
        """
        byp: dict[str, Entry] = {}
        for e in self.entries:
            if e.path in byp:
                die(f"duplicate path in layer: {e.path}")
            byp[e.path] = e
        for e in list(byp.values()):
            for parent in PurePosixPath(e.path).parents:
                s = str(parent)
                if s == ".":
                    continue
                if s not in byp:
                    byp[s] = Entry(s, "dir", mode=0o755)
                elif byp[s].kind != "dir":
                    die(f"{s} is both a directory and a {byp[s].kind}")
        for e in byp.values():
            if e.kind == "hardlink" and (e.link not in byp or byp[e.link].kind != "file"):
                die(f"hardlink {e.path} -> {e.link}: target is not a regular file in the same layer")
        return sorted(byp.values(), key=lambda e: (e.kind == "hardlink", e.path))


def tarinfo(name: str, kind: str, size: int = 0, mode: int = 0o644, link: str = "") -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.mtime = EPOCH
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mode = mode
    ti.size = size
    if kind == "dir":
        ti.type = tarfile.DIRTYPE
        ti.size = 0
    elif kind == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.linkname = link
        ti.size = 0
    elif kind == "hardlink":
        ti.type = tarfile.LNKTYPE
        ti.linkname = link
        ti.size = 0
    else:
        ti.type = tarfile.REGTYPE
    return ti


def make_tar(items: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for ti, data in items:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def layer_tar(layer: Layer) -> bytes:
    items = []
    for e in layer.normalized():
        name = e.path + "/" if e.kind == "dir" else e.path
        ti = tarinfo(name, e.kind, len(e.data), e.mode, e.link)
        items.append((ti, e.data if e.kind == "file" else None))
    return make_tar(items)


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    # filename="" -> no FNAME field; mtime=0 -> MTIME field zero.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def zstd_bytes(data: bytes) -> bytes:
    exe = shutil.which("zstd")
    if exe is None:
        die("the `zstd` command-line tool is required (Debian/Ubuntu: apt-get install zstd)")
    res = subprocess.run(
        [exe, f"-{ZSTD_LEVEL}", "-T1", "-q", "-c", "--no-progress", "-"],
        input=data,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=False,
    )
    if res.returncode != 0:
        die(f"zstd failed: {res.stderr.decode(errors='replace')}")
    return res.stdout


# --------------------------------------------------------------------------- image definitions

ALPINE_OS_RELEASE = b"""NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
"""

DISTROLESS_OS_RELEASE = b"""PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
"""

REMOVED_PKG_METADATA = b"Metadata-Version: 2.1\nName: removed-pkg\nVersion: 1.0\nSummary: installed in L2, deleted by a whiteout in L4\n"


def pkg_json(name: str, version: str, **extra) -> bytes:
    d = {"name": name, "version": version, **extra}
    return json.dumps(d, indent=2, sort_keys=True).encode() + b"\n"


SP = "usr/lib/python3.11/site-packages"
VENV_SP = "opt/venv/lib/python3.11/site-packages"


def alpine_layers(arch: str) -> list[Layer]:
    # L1: base OS + apk database
    l1 = Layer("L1: alpine 3.19 base: os-release (symlink) + apk db", "gzip")
    for d in ("bin", "dev", "etc/apk", "home", "lib/apk/db", "proc", "root", "sbin", "tmp", "usr/bin", "usr/lib", "var/cache/apk"):
        l1.dir(d)
    l1.file("etc/alpine-release", b"3.19.1\n")
    l1.file("usr/lib/os-release", ALPINE_OS_RELEASE)
    l1.symlink("etc/os-release", "../usr/lib/os-release")
    if arch == "amd64":
        l1.fix("lib/apk/db/installed", "apk/multiple-1/lib/apk/db/installed")
    else:
        l1.fix("lib/apk/db/installed", "apk/integration-pkg-coverage/lib/apk/db/installed")

    # L2: python packages (dist-info, egg-info dir), a package removed later, a hardlink
    l2 = Layer("L2: python site-packages (dist-info, egg-info, venv hardlink copy)", "gzip")
    pyg = f"{SP}/Pygments-2.6.1.dist-info"
    l2.fix(f"{pyg}/METADATA", "pypi/site-packages/nested/dist-name/dist-info/METADATA")
    l2.fix(f"{pyg}/RECORD", "pypi/site-packages/nested/dist-name/dist-info/RECORD")
    l2.fix(f"{pyg}/top_level.txt", "pypi/site-packages/nested/dist-name/dist-info/top_level.txt")
    l2.fix(f"{pyg}/direct_url.json", "pypi/site-packages/nested/dist-name/dist-info/direct_url.json")
    l2.fix(f"{pyg}/LICENSE.txt", "pypi/site-packages/nested/dist-name/dist-info/LICENSE.txt")
    sreq = f"{SP}/somerequests-3.22.0.dist-info"
    l2.fix(f"{sreq}/METADATA", "pypi/integration-pkg-coverage/somerequests-3.22.0.dist-info/METADATA")
    l2.fix(f"{sreq}/top_level.txt", "pypi/integration-pkg-coverage/somerequests-3.22.0.dist-info/top_level.txt")
    req = f"{SP}/requests-2.22.0-py3.11.egg-info"
    l2.fix(f"{req}/PKG-INFO", "pypi/site-packages/nested/egg-name/egg-info/PKG-INFO")
    l2.fix(f"{req}/RECORD", "pypi/site-packages/nested/egg-name/egg-info/RECORD")
    l2.fix(f"{req}/top_level.txt", "pypi/site-packages/nested/egg-name/egg-info/top_level.txt")
    l2.file(f"{SP}/removed_pkg-1.0.dist-info/METADATA", REMOVED_PKG_METADATA)
    # venv populated with `cp -al`: every file of the dist-info is a hard link
    vsreq = f"{VENV_SP}/somerequests-3.22.0.dist-info"
    l2.hardlink(f"{vsreq}/METADATA", f"{sreq}/METADATA")
    l2.hardlink(f"{vsreq}/top_level.txt", f"{sreq}/top_level.txt")

    # L3 (zstd): npm node_modules
    l3 = Layer("L3: npm app/node_modules (scoped, nested, license forms)", "zstd")
    l3.file(
        "app/package.json",
        pkg_json(
            "sample-app",
            "0.1.0",
            private=True,
            license="UNLICENSED",
            dependencies={"@actions/core": "^1.6.0", "cowsay": "^1.4.0", "function-bind": "^1.1.1", "gone": "0.0.1", "npm": "^6.14.6"},
        ),
    )
    nm = "app/node_modules"
    l3.fix(f"{nm}/@actions/core/package.json", "npm/pkg-lock/node_modules/@actions/core/package.json")
    l3.fix(f"{nm}/cowsay/package.json", "npm/pkg-lock/node_modules/cowsay/package.json")
    l3.fix(f"{nm}/function-bind/package.json", "npm/pkg-json/package-repo-string.json")
    l3.fix(f"{nm}/npm/package.json", "npm/pkg-json/package-license-object.json")
    l3.fix(f"{nm}/cowsay/node_modules/npm/package.json", "npm/pkg-json/package-license-objects.json")
    l3.file(f"{nm}/gone/package.json", pkg_json("gone", "0.0.1", license="MIT"))
    l3.file("opt/opaque/node_modules/hidden/package.json", pkg_json("hidden", "9.9.9", license="MIT"))

    # L4: deletions (whiteouts + opaque dir)
    l4 = Layer("L4: whiteouts (removed_pkg, gone) + opaque dir opt/opaque", "gzip")
    l4.whiteout(f"{SP}/removed_pkg-1.0.dist-info")
    l4.whiteout(f"{nm}/gone")
    l4.opaque("opt/opaque")
    l4.file("opt/opaque/node_modules/shown/package.json", pkg_json("shown", "1.0.0", license="MIT"))
    return [l1, l2, l3, l4]


# Ecosystems whose sample content is built in. A new ecosystem's content is added once its
# cataloger is on main (expected.json must hold what sbomctl reports).
SAMPLE_ECOSYSTEMS = {"maven", "gem", "composer", "nuget", "golang", "cargo", "npm", "rpm"}

NODE_PKGS = ["util-deprecate", "wrappy", "xtend"]  # node-* debs of catalog/testdata/npm/debian-nodejs
RGI = "usr/share/rubygems-integration/all/specifications"  # Debian's rubygems-integration dir
GEM_DEB = "gem/debian-rootfs"  # Debian's ruby-* packages unpacked by dpkg
GEMSPECS = [("tilt", "2.0.11"), ("mustermann", "3.0.0")]  # ruby-NAME debs; the last is deleted again in L5


def debian_layers() -> list[Layer]:
    l1 = Layer("L1: debian 12 base: os-release + dpkg status/info/copyright", "gzip")
    for d in ("bin", "etc", "root", "tmp", "usr/bin", "var/lib/dpkg/info"):
        l1.dir(d)
    l1.fix("etc/os-release", "deb/image-dpkg/etc/os-release")
    l1.fix("var/lib/dpkg/status", "deb/image-dpkg/var/lib/dpkg/status")
    l1.fix("var/lib/dpkg/info/libpam-runtime.conffiles", "deb/image-dpkg/var/lib/dpkg/info/libpam-runtime.conffiles")
    l1.fix("var/lib/dpkg/info/libpam-runtime.md5sums", "deb/image-dpkg/var/lib/dpkg/info/libpam-runtime.md5sums")
    l1.fix("var/lib/dpkg/info/libpam-runtime.preinst", "deb/image-dpkg/var/lib/dpkg/info/libpam-runtime.preinst", 0o755)
    l1.fix("usr/share/doc/libpam-runtime/copyright", "deb/image-dpkg/usr/share/doc/libpam-runtime/copyright")

    l2 = Layer("L2: pip install into /usr/local (dist-info with LICENSE file) + pip cache", "gzip")
    lsp = "usr/local/lib/python3.11/site-packages/Pygments-2.6.1.dist-info"
    src = "pypi/site-packages/license/with-license-file-declared.dist-info"
    for f in ("METADATA", "RECORD", "top_level.txt", "direct_url.json", "LICENSE.txt"):
        l2.fix(f"{lsp}/{f}", f"{src}/{f}")
    l2.file("root/.cache/pip/selfcheck.json", b'{"last_check":"1970-01-01T00:00:00Z","pypi_version":"23.0.1"}\n')

    l3 = Layer("L3: rm -rf /root/.cache (whiteout)", "gzip")
    l3.whiteout("root/.cache")

    # L4: a later install layer: apt-get install of node-* debs (rewrites the dpkg status),
    # rubygems-integration gemspecs, Debian's rpm tool used to install rpms, and an app
    # with a jar, a composer vendor dir and a .NET deps.json.
    what = {
        "npm": "apt-get install node-*",
        "gem": "apt-get install ruby-* (rubygems-integration)",
        "rpm": "rpm -i",
        "maven": "app jar",
        "composer": "composer vendor",
        "nuget": ".NET deps.json",
    }
    l4 = Layer("L4: " + "; ".join(v for k, v in what.items() if k in SAMPLE_ECOSYSTEMS), "gzip")
    jar = "maven/debian/jul-to-slf4j.jar"
    l4.opaque_fix("app/lib/jul-to-slf4j.jar", jar, jar_truth(jar))
    # The debs installed here: their stanzas (verbatim) are appended to L1's status, as
    # apt-get rewrites the status file, and their md5sums (file ownership) added.
    stanzas = b""
    if "npm" in SAMPLE_ECOSYSTEMS:
        stanzas += deb_stanzas(f"{NPM_DEB}/root/var/lib/dpkg/status", [f"node-{n}" for n in NODE_PKGS]) + b"\n"
        for n in NODE_PKGS:
            md5 = f"var/lib/dpkg/info/node-{n}.md5sums"
            l4.fix(md5, f"{NPM_DEB}/root/{md5}")
            pj = f"usr/share/nodejs/{n}/package.json"
            l4.opaque_fix(pj, f"{NPM_DEB}/root/{pj}", npm_deb_truth(pj))
    if "gem" in SAMPLE_ECOSYSTEMS:
        stanzas += deb_stanzas(f"{GEM_DEB}/var/lib/dpkg/status", [f"ruby-{g}" for g, _ in GEMSPECS]) + b"\n"
        for g, v in GEMSPECS:
            md5 = f"var/lib/dpkg/info/ruby-{g}.md5sums"
            l4.fix(md5, f"{GEM_DEB}/{md5}")
            rel = f"{GEM_DEB}/{RGI}/{g}-{v}.gemspec"
            l4.opaque_fix(f"{RGI}/{g}-{v}.gemspec", rel, gem_truth(rel))
    if stanzas:
        status = fixture("deb/image-dpkg/var/lib/dpkg/status").rstrip(b"\n") + b"\n\n" + stanzas.rstrip(b"\n") + b"\n"
        l4.file("var/lib/dpkg/status", status, source="deb/image-dpkg/var/lib/dpkg/status + stanzas")
    if "composer" in SAMPLE_ECOSYSTEMS:
        d = "composer/syft-composer-2"
        l4.opaque_fix("app/php/vendor/composer/installed.json", f"{d}/vendor/composer/installed.json", composer_truth(d))
    if "nuget" in SAMPLE_ECOSYSTEMS:
        d = "nuget/pythonnet"
        l4.opaque_fix(
            "usr/local/lib/python3.11/site-packages/pythonnet/runtime/Python.Runtime.deps.json",
            f"{d}/site-packages/pythonnet/runtime/Python.Runtime.deps.json",
            nuget_truth(d),
        )
    if "rpm" in SAMPLE_ECOSYSTEMS:
        d = "rpm/built"
        l4.opaque_fix("var/lib/rpm/rpmdb.sqlite", f"{d}/root/var/lib/rpm/rpmdb.sqlite", rpm_truth(d))
    layers = [l1, l2, l3, l4]

    if "gem" in SAMPLE_ECOSYSTEMS:
        # L5: one of L4's packages deleted again (only in the all-layers scope)
        gone = f"{RGI}/{GEMSPECS[-1][0]}-{GEMSPECS[-1][1]}.gemspec"
        l5 = Layer(f"L5: rm /{gone} (whiteout)", "gzip")
        l5.whiteout(gone)
        layers.append(l5)
    return layers


def distroless_layers() -> list[Layer]:
    l1 = Layer("L1: distroless debian 12: os-release + dpkg status.d + copyright", "gzip")
    for d in ("etc", "tmp", "var/lib/dpkg/status.d"):
        l1.dir(d)
    l1.file("etc/os-release", DISTROLESS_OS_RELEASE)
    base = "deb/image-distroless-deb"
    l1.fix("var/lib/dpkg/status.d/libsqlite3-0", f"{base}/var/lib/dpkg/status.d/libsqlite3-0")
    l1.fix("var/lib/dpkg/status.d/libsqlite3-0.md5sums", f"{base}/var/lib/dpkg/status.d/libsqlite3-0.md5sums")
    l1.fix("var/lib/dpkg/status.d/libsqlite3-0.preinst", f"{base}/var/lib/dpkg/status.d/libsqlite3-0.preinst", 0o755)
    l1.fix("usr/share/doc/libsqlite3-0/copyright", f"{base}/usr/share/doc/libsqlite3-0/copyright")
    layers = [l1]
    if "golang" in SAMPLE_ECOSYSTEMS or "cargo" in SAMPLE_ECOSYSTEMS:
        l2 = Layer("L2: COPY executables to /usr/local/bin (a Go binary, a cargo-auditable binary)", "gzip")
        if "golang" in SAMPLE_ECOSYSTEMS:
            l2.opaque_fix("usr/local/bin/hello", "golang/hello", go_truth("golang/hello"), 0o755)
        if "cargo" in SAMPLE_ECOSYSTEMS:
            l2.opaque_fix("usr/local/bin/auditdemo", "cargo/auditdemo", cargo_truth("cargo/auditdemo-src/Cargo.lock"), 0o755)
        layers.append(l2)
    return layers


MULTIARCH = "deb/multiarch"  # real Debian packages installed by dpkg (catalog/testdata/deb/multiarch/SOURCES.md)


def add_tree(layer: Layer, rel: str) -> None:
    """Every file and symlink under the fixture directory `rel`, at the same
    relative path; files keep their executable bit (0755, else 0644)."""
    root = FIX / rel
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            path = str(full.relative_to(root))
            if full.is_symlink():
                layer.symlink(path, os.readlink(full))
            else:
                mode = 0o755 if os.access(full, os.X_OK) else 0o644
                layer.fix(path, f"{rel}/{path}", mode)


def dpkg_truth(arch: str) -> set[tuple[str, str]]:
    """(name, version) of the packages dpkg-query lists as installed in the
    platform's database (truth-ARCH.tsv, written by make.sh)."""
    out = set()
    for line in fixture(f"{MULTIARCH}/truth-{arch}.tsv").decode().splitlines():
        name, version, _arch, status = line.split("\t")
        if status in DPKG_INSTALLED:
            out.add((name, version))
    return out


def multiarch_layers(arch: str) -> list[Layer]:
    l1 = Layer("L1: debian 12 base: os-release + netbase (Architecture: all), installed by dpkg", "gzip")
    l1.fix("etc/os-release", "deb/image-dpkg/etc/os-release")
    add_tree(l1, f"{MULTIARCH}/base")
    pkgs = "libattr1" if arch == "amd64" else "libattr1, libacl1"
    l2 = Layer(f"L2: dpkg -i {pkgs} ({arch})", "gzip")
    add_tree(l2, f"{MULTIARCH}/{arch}")
    layers = [l1, l2]
    # The status file's packages are the ones dpkg-query recorded.
    status = squash(layers)["var/lib/dpkg/status"][1]
    parsed = {(p["name"], p["version"]) for p in packages_in_file("var/lib/dpkg/status", status)}
    if parsed != dpkg_truth(arch):
        die(f"multiarch-sample {arch}: status gives {sorted(parsed)}, dpkg-query {sorted(dpkg_truth(arch))}")
    return layers


@dataclass
class Platform:
    os: str
    arch: str
    variant: str = ""
    layers: list[Layer] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.os}/{self.arch}" + (f"/{self.variant}" if self.variant else "")


@dataclass
class ImageDef:
    name: str
    platforms: list[Platform]
    docker_form: str  # "legacy" | "oci"  (docker-archive layout)
    multi_platform_index: bool = False
    cmd: list[str] = field(default_factory=lambda: ["/bin/sh"])


def image_defs() -> list[ImageDef]:
    return [
        ImageDef(
            "alpine-sample",
            [Platform("linux", "amd64", layers=alpine_layers("amd64")), Platform("linux", "arm64", "v8", layers=alpine_layers("arm64"))],
            docker_form="legacy",
            multi_platform_index=True,
        ),
        ImageDef("debian-sample", [Platform("linux", "amd64", layers=debian_layers())], docker_form="legacy", cmd=["bash"]),
        ImageDef("distroless-sample", [Platform("linux", "amd64", layers=distroless_layers())], docker_form="oci", cmd=[]),
        ImageDef(
            "multiarch-sample",
            [Platform("linux", "amd64", layers=multiarch_layers("amd64")), Platform("linux", "arm64", layers=multiarch_layers("arm64"))],
            docker_form="legacy",
            multi_platform_index=True,
            cmd=["bash"],
        ),
    ]


# --------------------------------------------------------------------------- image assembly


@dataclass
class BuiltPlatform:
    platform: Platform
    layer_tars: list[bytes]
    layer_blobs: list[tuple[str, bytes]]  # (media type, blob)
    config: bytes
    manifest: bytes


class Blobs:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def add(self, data: bytes) -> dict:
        d = sha256(data)
        self.blobs[d] = data
        return {"digest": "sha256:" + d, "size": len(data)}


def build_platform(img: ImageDef, plat: Platform, blobs: Blobs, cache: dict) -> BuiltPlatform:
    tars, lblobs, ldescs = [], [], []
    for layer in plat.layers:
        t = layer_tar(layer)
        key = (layer.compression, sha256(t))
        if key not in cache:  # identical layers shared between platforms compress once
            cache[key] = gzip_bytes(t) if layer.compression == "gzip" else zstd_bytes(t)
        blob = cache[key]
        mt = MT_LAYER_GZIP if layer.compression == "gzip" else MT_LAYER_ZSTD
        tars.append(t)
        lblobs.append((mt, blob))
        ldescs.append({"mediaType": mt, **blobs.add(blob)})
    cfg_config = {"Env": [ENV_PATH]}
    if img.cmd:
        cfg_config["Cmd"] = img.cmd
    config = {
        "architecture": plat.arch,
        "os": plat.os,
        "created": CREATED,
        "config": cfg_config,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha256(t) for t in tars]},
        "history": [{"created": CREATED, "created_by": layer.comment} for layer in plat.layers],
    }
    if plat.variant:
        config["variant"] = plat.variant
    config_b = cjson(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, **blobs.add(config_b)},
        "layers": ldescs,
    }
    manifest_b = cjson(manifest)
    blobs.add(manifest_b)
    return BuiltPlatform(plat, tars, lblobs, config_b, manifest_b)


def platform_obj(p: Platform) -> dict:
    d = {"architecture": p.arch, "os": p.os}
    if p.variant:
        d["variant"] = p.variant
    return d


def oci_layout_files(img: ImageDef, built: list[BuiltPlatform], blobs: Blobs) -> dict[str, bytes]:
    """Return {relative path: content} of the OCI image layout."""
    if img.multi_platform_index:
        nested = {
            "schemaVersion": 2,
            "mediaType": MT_INDEX,
            "manifests": [
                {"mediaType": MT_MANIFEST, **blobs.add(b.manifest), "platform": platform_obj(b.platform)} for b in built
            ],
        }
        top_desc = {"mediaType": MT_INDEX, **blobs.add(cjson(nested))}
    else:
        assert len(built) == 1
        top_desc = {"mediaType": MT_MANIFEST, **blobs.add(built[0].manifest)}
    top_desc["annotations"] = {REF_NAME: "latest"}
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top_desc]}
    files = {"oci-layout": cjson({"imageLayoutVersion": "1.0.0"}), "index.json": cjson(index)}
    for d, data in blobs.blobs.items():
        files[f"blobs/sha256/{d}"] = data
    return files


def tar_of_files(files: dict[str, bytes]) -> bytes:
    """Deterministic tar of a {path: bytes} mapping, with directory entries."""
    dirs = set()
    for p in files:
        for parent in PurePosixPath(p).parents:
            if str(parent) != ".":
                dirs.add(str(parent))
    items = [(tarinfo(d + "/", "dir", mode=0o755), None) for d in dirs]
    items += [(tarinfo(p, "file", len(data), 0o644), data) for p, data in files.items()]
    items.sort(key=lambda it: it[0].name.rstrip("/"))
    return make_tar(items)


def docker_legacy_files(img: ImageDef, b: BuiltPlatform) -> dict[str, bytes]:
    """`docker save` (docker < 25) layout: per-layer dirs with uncompressed layer.tar."""
    files: dict[str, bytes] = {}
    config_hex = sha256(b.config)
    files[f"{config_hex}.json"] = b.config
    parent = ""
    layer_paths = []
    for i, t in enumerate(b.layer_tars):
        diff_id = "sha256:" + sha256(t)
        # docker derives v1 ids from (parent, diff_id, config); any stable function works here
        v1 = {"created": CREATED, "os": b.platform.os, "architecture": b.platform.arch}
        if parent:
            v1["parent"] = parent
        layer_id = sha256(cjson({"diff_id": diff_id, "index": i, "parent": parent, "config": config_hex}))
        v1["id"] = layer_id
        files[f"{layer_id}/VERSION"] = b"1.0"
        files[f"{layer_id}/json"] = cjson(v1)
        files[f"{layer_id}/layer.tar"] = t
        layer_paths.append(f"{layer_id}/layer.tar")
        parent = layer_id
    repo = f"sbomctl/{img.name}"
    files["manifest.json"] = cjson([{"Config": f"{config_hex}.json", "RepoTags": [f"{repo}:latest"], "Layers": layer_paths}])
    files["repositories"] = cjson({repo: {"latest": parent}})
    return files


def docker_oci_files(img: ImageDef, b: BuiltPlatform, layout: dict[str, bytes]) -> dict[str, bytes]:
    """`docker save` (docker >= 25) layout: an OCI layout plus manifest.json/repositories.

    Unlike docker itself (which writes uncompressed layers), the layer blobs here are the
    same gzip blobs as in the OCI layout, so readers must sniff the compression.
    """
    files = dict(layout)
    repo = f"sbomctl/{img.name}"
    index = json.loads(layout["index.json"])
    index["manifests"][0]["annotations"] = {
        "io.containerd.image.name": f"docker.io/{repo}:latest",
        REF_NAME: "latest",
    }
    files["index.json"] = cjson(index)
    manifest = json.loads(b.manifest)
    layers = ["blobs/sha256/" + l["digest"].split(":", 1)[1] for l in manifest["layers"]]
    files["manifest.json"] = cjson(
        [
            {
                "Config": "blobs/sha256/" + manifest["config"]["digest"].split(":", 1)[1],
                "RepoTags": [f"{repo}:latest"],
                "Layers": layers,
                "LayerSources": {
                    "sha256:" + sha256(t): l for t, l in zip(b.layer_tars, manifest["layers"])
                },
            }
        ]
    )
    files["repositories"] = cjson({repo: {"latest": layers[-1].rsplit("/", 1)[1]}})
    return files


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, data in sorted(files.items()):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def write_file(p: Path, data: bytes) -> None:
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, p)


def build_image(img: ImageDef, out: Path) -> list[Path]:
    blobs = Blobs()
    cache: dict = {}
    built = [build_platform(img, p, blobs, cache) for p in img.platforms]
    layout = oci_layout_files(img, built, blobs)
    oci_dir = out / f"{img.name}-oci"
    write_tree(oci_dir, layout)
    write_file(out / f"{img.name}.oci.tar", tar_of_files(layout))
    amd64 = next(b for b in built if b.platform.arch == "amd64")
    if img.docker_form == "legacy":
        dfiles = docker_legacy_files(img, amd64)
    else:
        dfiles = docker_oci_files(img, amd64, layout)
    write_file(out / f"{img.name}.docker.tar", tar_of_files(dfiles))
    return [oci_dir, out / f"{img.name}.oci.tar", out / f"{img.name}.docker.tar"]


# --------------------------------------------------------------------------- expected content


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_rfc822ish(data: bytes) -> dict[str, str]:
    """Header block of a METADATA / PKG-INFO file (first occurrence of each key)."""
    out: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            break
        if line[0] in " \t" or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out.setdefault(k.strip(), v.strip())
    return out


def parse_deb822(data: bytes) -> list[dict[str, str]]:
    paras, cur = [], {}
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            if cur:
                paras.append(cur)
            cur = {}
            continue
        if line[0] in " \t" or ":" not in line:
            continue
        k, v = line.split(":", 1)
        cur[k.strip()] = v.strip()
    if cur:
        paras.append(cur)
    return paras


# dpkg states that `dpkg-query -W -f='${db:Status-Status}'` calls installed
# (docs/catalogers.md, deb): the gem fixture's ruby-* debs are `unpacked`.
DPKG_INSTALLED = {"installed", "half-configured", "unpacked", "half-installed", "triggers-awaited", "triggers-pending"}


def packages_in_file(path: str, data: bytes) -> list[dict]:
    """Packages a cataloger is expected to find in the file at `path` (no leading slash)."""
    p = PurePosixPath(path)
    found = []
    if sha256(data) in OPAQUE_TRUTH:
        found = [dict(pkg) for pkg in OPAQUE_TRUTH[sha256(data)]]
    elif path.endswith("lib/apk/db/installed"):
        name = None
        for line in data.decode("utf-8", "replace").splitlines() + [""]:
            if line.startswith("P:"):
                name = line[2:]
            elif line.startswith("V:") and name is not None:
                found.append({"ecosystem": "apk", "name": name, "version": line[2:]})
            elif not line.strip():
                name = None
    elif path.endswith("var/lib/dpkg/status") or (p.parent.name == "status.d" and "." not in p.name):
        for para in parse_deb822(data):
            status = para.get("Status", "install ok installed").split()
            if para.get("Package") and status[-1:] and status[-1] in DPKG_INSTALLED:
                found.append({"ecosystem": "deb", "name": para["Package"], "version": para.get("Version", "")})
    elif (p.name == "METADATA" and p.parent.name.lower().endswith(".dist-info")) or (
        p.name == "PKG-INFO" and p.parent.name.lower().endswith(".egg-info")
    ):
        h = parse_rfc822ish(data)
        if h.get("Name"):
            found.append({"ecosystem": "pypi", "name": pep503(h["Name"]), "version": h.get("Version", "")})
    elif p.name == "package.json" and (
        p.parent.parent.name == "node_modules"
        or (p.parent.parent.name.startswith("@") and p.parent.parent.parent.name == "node_modules")
    ):
        # Installed packages only: a project's own package.json (app/) is
        # the application, not an installed package (docs/catalogers.md).
        d = json.loads(data)
        if d.get("name") and d.get("version"):
            e = {"ecosystem": "npm", "name": d["name"], "version": d["version"]}
            if d.get("private"):
                e["private"] = True
            found.append(e)
    for f in found:
        f["path"] = "/" + path
    return found


def layer_files(layer: Layer) -> dict[str, bytes]:
    """Regular files and hard links of a layer (hard links resolved to their content)."""
    ents = {e.path: e for e in layer.entries}
    out = {}
    for e in layer.entries:
        if e.kind == "file":
            out[e.path] = e.data
        elif e.kind == "hardlink":
            out[e.path] = ents[e.link].data
    return out


def is_whiteout(path: str) -> bool:
    return PurePosixPath(path).name.startswith(".wh.")


def squash(layers: list[Layer]) -> dict[str, tuple[int, bytes]]:
    """Apply OCI whiteout semantics; returns {path: (layer index, content)} for files."""
    fs: dict[str, tuple[int, bytes]] = {}
    for i, layer in enumerate(layers):
        files = layer_files(layer)
        # deletions first (they apply to lower layers only)
        for path in files:
            pp = PurePosixPath(path)
            if pp.name == ".wh..wh..opq":
                prefix = str(pp.parent) + "/"
                fs = {k: v for k, v in fs.items() if not k.startswith(prefix)}
            elif pp.name.startswith(".wh."):
                target = str(pp.parent / pp.name[4:])
                fs = {k: v for k, v in fs.items() if k != target and not k.startswith(target + "/")}
        for path, data in files.items():
            if not is_whiteout(path):
                fs[path] = (i, data)
    return fs


def skey(p: dict) -> tuple:
    return (p["ecosystem"], p["name"], p["version"], p["path"], p.get("layer_index", -1))


def expected_for(plat: Platform, os_release: dict[str, str]) -> dict:
    squashed = []
    fs = squash(plat.layers)
    visible = set()
    for path, (i, data) in fs.items():
        for pkg in packages_in_file(path, data):
            pkg["layer_index"] = i
            squashed.append(pkg)
            visible.add((path, i))
    all_layers, only_all = [], []
    for i, layer in enumerate(plat.layers):
        for path, data in layer_files(layer).items():
            for pkg in packages_in_file(path, data):
                pkg["layer_index"] = i
                all_layers.append(pkg)
                if (path, i) not in visible:
                    only_all.append(pkg)
    return {
        "distro": {k.lower(): os_release.get(k, "") for k in ("ID", "VERSION_ID", "PRETTY_NAME")},
        "layers": [{"index": i, "compression": l.compression, "comment": l.comment} for i, l in enumerate(plat.layers)],
        "squashed": sorted(squashed, key=skey),
        "all_layers": sorted(all_layers, key=skey),
        "only_in_all_layers": sorted(only_all, key=skey),
    }


def parse_os_release(data: bytes) -> dict[str, str]:
    out = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"')
    return out


def os_release_of(plat: Platform) -> dict[str, str]:
    # etc/os-release may be a symlink (alpine-sample); fall back to usr/lib/os-release
    fs = squash(plat.layers)
    for cand in ("etc/os-release", "usr/lib/os-release"):
        if cand in fs:
            return parse_os_release(fs[cand][1])
    return {}


def expected(defs: list[ImageDef]) -> dict:
    return {
        "_comment": "Generated by testdata/images/build.py; layer_index is 0-based (L1 = 0). "
        "Names/versions come from the fixture databases (pypi names PEP 503-normalised).",
        "images": {
            img.name: {p.name: expected_for(p, os_release_of(p)) for p in img.platforms} for img in defs
        },
    }


def expected_json(defs: list[ImageDef]) -> bytes:
    return json.dumps(expected(defs), indent=2, sort_keys=True).encode() + b"\n"


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--expected", action="store_true", help="print expected packages per image/scope as JSON and exit")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: this script's directory)")
    args = ap.parse_args()

    if not FIX.is_dir():
        die(f"fixture directory not found: {FIX}")
    defs = image_defs()
    if args.expected:
        sys.stdout.buffer.write(expected_json(defs))
        return
    if shutil.which("zstd") is None:
        die("the `zstd` command-line tool is required (Debian/Ubuntu: apt-get install zstd)")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for img in defs:
        for p in build_image(img, out):
            print(f"wrote {p.relative_to(out) if p.is_relative_to(out) else p}", file=sys.stderr)
    write_file(out / "expected.json", expected_json(defs))
    print("wrote expected.json", file=sys.stderr)


if __name__ == "__main__":
    main()
