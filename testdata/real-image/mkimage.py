#!/usr/bin/env python3
"""Tar / OCI helper for testdata/real-image/build.sh (Python 3.11 stdlib only).

Subcommands:
  mirror                          print the Debian mirror URL from the apt config
  layer SRC OUT.tar               deterministic tar of directory SRC
  diff OUT.tar AFTER BEFORE...    tar of AFTER minus the merged BEFORE dirs
                                  (changed/added entries + .wh. whiteouts)
  strip-devices DIR               delete device nodes / sockets under DIR
  truth OUT.json --deb-before R --deb-after R --pypi-before SP --pypi-after SP
        --npm-before APP --npm-after APP
  assemble OUTDIR LAYERSPEC.json  OCI layout, image.oci.tar, image.docker.tar,
                                  layers.json from uncompressed layer tars

Determinism: entries sorted (parent before children, byte order), mtime fixed
to $SOURCE_DATE_EPOCH (default 1700000000), uname/gname empty, PAX format,
gzip mtime 0 and no file name, zstd -3 single threaded.
"""

import argparse
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

    def whiteout(self, rel):
        d, n = os.path.split(rel)
        ti = tarfile.TarInfo(f"{d}/.wh.{n}" if d else f".wh.{n}")
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


def cmd_diff(out, after, befores):
    before = {}  # rel -> (root, st); later roots override (overlay semantics)
    for b in befores:
        for rel, st in sorted_walk(b):
            if not skippable(st):
                before[rel] = (b, st)
    after_entries = [(r, s) for r, s in sorted_walk(after) if not skippable(s)]
    after_map = dict(after_entries)

    emit = set()
    for rel, st in after_entries:
        if rel not in before:
            emit.add(rel)
        else:
            broot, bst = before[rel]
            if differs(broot, bst, after, st, rel):
                emit.add(rel)
    deleted = []
    for rel in before:
        if rel in after_map:
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

    def sortkey(item):
        rel, kind = item
        parts = rel.split("/")
        if kind == "wh":
            parts[-1] = ".wh." + parts[-1]
        return [os.fsencode(p) for p in parts]

    items.sort(key=sortkey)
    w = LayerWriter(out)
    for rel, kind in items:
        if kind == "wh":
            w.whiteout(rel)
        else:
            w.add(after, rel, after_map[rel])
    w.close()
    log(
        f"diff {out}: {len(emit)} changed/added, {len(deleted)} whiteouts, "
        f"{w.count} entries"
    )
    for d in sorted(deleted):
        log(f"  whiteout {d}")


# --------------------------------------------------------------------------
# truth
# --------------------------------------------------------------------------


def deb_list(root):
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
    pkgs = set()
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "installed":
            pkgs.add((parts[1], parts[2]))
    return pkgs


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pypi_list(site):
    pkgs = set()
    for d in sorted(glob.glob(os.path.join(site, "*.dist-info"))):
        meta = os.path.join(d, "METADATA")
        if not os.path.isfile(meta):
            continue
        with open(meta, encoding="utf-8", errors="replace") as f:
            msg = email.parser.Parser().parse(f, headersonly=True)
        if msg.get("Name") and msg.get("Version"):
            pkgs.add((pep503(msg["Name"].strip()), msg["Version"].strip()))
    return pkgs


def npm_list(app):
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
    before = {
        "deb": deb_list(a.deb_before),
        "pypi": pypi_list(a.pypi_before),
        "npm": npm_list(a.npm_before),
    }
    after = {
        "deb": deb_list(a.deb_after),
        "pypi": pypi_list(a.pypi_after),
        "npm": npm_list(a.npm_after),
    }
    layer_of = {"deb": 0, "pypi": 1, "npm": 2}
    truth = {
        "squashed": {k: sorted([list(p) for p in v]) for k, v in after.items()},
        "removed": {
            k: sorted([[n, v, layer_of[k]] for (n, v) in before[k] - after[k]])
            for k in before
        },
        "before_removal": {k: sorted([list(p) for p in v]) for k, v in before.items()},
    }
    with open(a.out, "w") as f:
        f.write(dump_compact(truth) + "\n")
    for k in ("deb", "pypi", "npm"):
        log(
            f"truth {k}: {len(after[k])} squashed, {len(before[k])} before removal, "
            f"removed {truth['removed'][k]}"
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

    info = []
    for i, L in enumerate(layers):
        diff_id = sha256_file(L["tar"])
        usize = os.path.getsize(L["tar"])
        tmp = os.path.join(blobdir, f".tmp-{i}")
        compress(L["tar"], tmp, L["compression"])
        dg = sha256_file(tmp)
        os.replace(tmp, os.path.join(blobdir, dg))
        mt = MT_GZIP if L["compression"] == "gzip" else MT_ZSTD
        info.append(
            {
                "index": i,
                "media_type": mt,
                "digest": f"sha256:{dg}",
                "diff_id": f"sha256:{diff_id}",
                "size": os.path.getsize(os.path.join(blobdir, dg)),
                "uncompressed_size": usize,
                "created_by": L["created_by"],
                "tar": L["tar"],
            }
        )
        log(f"layer {i}: {mt} {dg[:12]} {info[-1]['size']} bytes (uncompressed {usize})")

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
    p = sub.add_parser("strip-devices")
    p.add_argument("root")
    p = sub.add_parser("truth")
    p.add_argument("out")
    for k in ("deb", "pypi", "npm"):
        p.add_argument(f"--{k}-before", required=True)
        p.add_argument(f"--{k}-after", required=True)
    p = sub.add_parser("assemble")
    p.add_argument("outdir")
    p.add_argument("spec")
    a = ap.parse_args()
    if a.cmd == "mirror":
        print(find_mirror())
    elif a.cmd == "layer":
        cmd_layer(a.src, a.out)
    elif a.cmd == "diff":
        cmd_diff(a.out, a.after, a.befores)
    elif a.cmd == "strip-devices":
        cmd_strip_devices(a.root)
    elif a.cmd == "truth":
        cmd_truth(a)
    elif a.cmd == "assemble":
        cmd_assemble(a.outdir, a.spec)


if __name__ == "__main__":
    main()
