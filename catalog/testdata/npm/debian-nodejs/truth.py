"""Copies the trimmed tree out of a real Debian root and records its truth.

    python truth.py ROOT NPM_LS_GLOBAL_TXT OUT_DIR

Writes OUT_DIR/root (every package.json of the JavaScript trees, symlinks
kept as symlinks; the dpkg status stanzas, md5sums and conffiles of the
packages owning them; the Python egg-info/dist-info directories; os-release)
and OUT_DIR/truth.json. The truth comes from the tools, not from sbomctl:

- name and version of each manifest: `jq` on the file;
- the owning Debian package: `dpkg-query --admindir ROOT/var/lib/dpkg -S`;
- PURLs: packageurl-python;
- the global installs: `npm ls --all --global --parseable --long`, which must
  list exactly the manifests the path rule below calls packages under
  /usr/local/lib/node_modules (checked; the script fails otherwise).

Whether a manifest is a package is the rule docs/catalogers.md states
("npm"), written here independently of the Rust code: the directory holding
it must be an installed package directory, and the manifest must have a
non-empty string name and version.
"""

import json
import os
import shutil
import subprocess
import sys
from email.parser import HeaderParser

from packageurl import PackageURL

ROOT, NPM_LS, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
DISTRO_ROOTS = ["usr/share/nodejs", "usr/lib/nodejs"]
SEARCH = DISTRO_ROOTS + ["usr/lib/node_modules", "usr/local/lib/node_modules"]


def multiarch_roots():
    lib = os.path.join(ROOT, "usr/lib")
    out = []
    for d in sorted(os.listdir(lib)):
        words = d.split("-")
        if len(words) >= 3 and os.path.isdir(os.path.join(lib, d, "nodejs")):
            out.append(f"usr/lib/{d}/nodejs")
    return out


DISTRO_ROOTS += multiarch_roots()
SEARCH += DISTRO_ROOTS[2:]


def is_name(s):
    return s != "" and not s.startswith(".") and not s.startswith("@")


def package_dir_verdict(d):
    """None when `d` is an installed package directory, else the reason."""
    segs = None
    for r in DISTRO_ROOTS:
        if d.startswith(r + "/"):
            segs, after_nm = d[len(r) + 1 :].split("/"), False
            break
    if segs is None:
        parts = d.split("/")
        if "node_modules" not in parts:
            return "outside any package root"
        segs, after_nm = parts[parts.index("node_modules") + 1 :], True
    i = 0
    while True:
        if i >= len(segs):
            return "not a package directory"
        head = segs[i]
        if len(head) > 1 and head.startswith("@"):
            if i + 1 >= len(segs) or not is_name(segs[i + 1]):
                return "a scope, not a package"
            i += 2
        elif after_nm and len(head) > 1 and head.startswith(".") and head != ".bin":
            if len(segs) > i + 2 and segs[i + 1] != "" and segs[i + 2] == "node_modules":
                i += 3
                continue
            return "inside a store, not a package"
        elif is_name(head):
            i += 1
        else:
            return "not a package name"
        if i == len(segs):
            return None
        if segs[i] != "node_modules":
            return "below a package directory, not a package directory"
        i += 1
        after_nm = True


def jq_name_version(path):
    field = '(.{0} | strings | sub("^\\\\s+"; "") | sub("\\\\s+$"; "") | select(. != ""))'
    prog = "{{name: {}, version: {}}}".format(field.format("name"), field.format("version"))
    r = subprocess.run(["jq", "-c", prog, path], capture_output=True, text=True)
    if r.returncode != 0:
        return None, None, "invalid JSON"
    line = r.stdout.strip()
    if not line:
        # `select` emptied the object: name or version missing or blank.
        return None, None, None
    v = json.loads(line)
    return v.get("name"), v.get("version"), None


def owners(paths):
    """dpkg -S for absolute paths, in batches: {path: [packages]}."""
    out = {}
    admindir = os.path.join(ROOT, "var/lib/dpkg")
    for i in range(0, len(paths), 200):
        batch = paths[i : i + 200]
        r = subprocess.run(
            ["dpkg-query", "--admindir", admindir, "-S", *batch],
            capture_output=True,
            text=True,
        )
        for line in r.stdout.splitlines():
            pkgs, _, path = line.partition(": ")
            if path in batch and not line.startswith("diversion"):
                out.setdefault(path, []).extend(p.strip() for p in pkgs.split(","))
    return {k: sorted(set(v)) for k, v in out.items()}


def npm_purl(name, version):
    scope, _, base = name.rpartition("/") if name.startswith("@") else ("", "", name)
    return PackageURL(type="npm", namespace=scope or None, name=base, version=version).to_string()


def main():
    manifests = []
    for top in SEARCH:
        start = os.path.join(ROOT, top)
        if not os.path.isdir(start) or os.path.islink(start):
            continue
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            # os.walk lists symlinked directories in dirnames but does not
            # descend into them (followlinks=False), as the scan does not.
            if "package.json" in filenames or "package.json" in dirnames:
                manifests.append(os.path.relpath(os.path.join(dirpath, "package.json"), ROOT))
    manifests.sort()
    owner = owners(["/" + m for m in manifests])
    entries = []
    for rel in manifests:
        full = os.path.join(ROOT, rel)
        e = {"path": "/" + rel, "owner": owner.get("/" + rel, [])}
        if os.path.islink(full):
            e["kind"] = "symlink"
            e["reason"] = "a symlink to " + os.readlink(full) + ": the target is read at its own path"
            entries.append(e)
            continue
        name, version, err = jq_name_version(full)
        e["name"], e["version"] = name, version
        reason = package_dir_verdict(os.path.dirname(rel))
        if err:
            reason = err
        elif reason is None and (name is None or version is None):
            reason = "no name or no version"
        if reason is None:
            e["kind"] = "package"
            e["purl"] = npm_purl(name, version)
        else:
            e["kind"] = "not-package"
            e["reason"] = reason
        entries.append(e)

    # npm's own view of the global installs must agree with the path rule.
    listed = set()
    with open(NPM_LS) as f:
        for line in f.read().splitlines()[1:]:
            path, _, spec = line.partition(":")
            name, _, version = spec.rpartition("@")
            listed.add((path + "/package.json", name, version))
    ours = {
        (e["path"], e["name"], e["version"])
        for e in entries
        if e["kind"] == "package" and e["path"].startswith("/usr/local/lib/node_modules/")
    }
    if listed != ours:
        sys.exit(f"npm ls and the path rule disagree: {sorted(listed ^ ours)}")

    python = []
    dist = os.path.join(ROOT, "usr/lib/python3/dist-packages")
    for d in sorted(os.listdir(dist)):
        if d.endswith(".egg-info") or d.endswith(".dist-info"):
            meta = "PKG-INFO" if d.endswith(".egg-info") else "METADATA"
            rel = f"usr/lib/python3/dist-packages/{d}/{meta}"
            with open(os.path.join(ROOT, rel)) as f:
                h = HeaderParser().parse(f)
            python.append({"path": "/" + rel, "name": h["Name"], "version": h["Version"]})
    py_owner = owners([p["path"] for p in python])
    for p in python:
        p["owner"] = py_owner.get(p["path"], [])
        p["purl"] = PackageURL(type="pypi", name=p["name"].lower(), version=p["version"]).to_string()

    # The trimmed tree.
    tree = os.path.join(OUT, "root")
    shutil.rmtree(tree, ignore_errors=True)

    def copy(rel):
        src, dst = os.path.join(ROOT, rel), os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copyfile(src, dst)

    for rel in manifests:
        copy(rel)
    for p in python:
        d = os.path.dirname(p["path"].lstrip("/"))
        for name in sorted(os.listdir(os.path.join(ROOT, d))):
            copy(f"{d}/{name}")
    for rel in ("etc/os-release", "usr/lib/os-release"):
        if os.path.lexists(os.path.join(ROOT, rel)):
            copy(rel)
    debs = sorted({o for e in entries for o in e["owner"]} | {o for p in python for o in p["owner"]})
    # The owners' md5sums, trimmed to the lines of the files copied (the
    # full lists name every JavaScript file, 2 MB); conffiles whole.
    copied = set()
    for dirpath, _, filenames in os.walk(tree):
        for name in filenames:
            copied.add(os.path.relpath(os.path.join(dirpath, name), tree))
    info = os.path.join(ROOT, "var/lib/dpkg/info")
    os.makedirs(os.path.join(tree, "var/lib/dpkg/info"), exist_ok=True)
    for name in sorted(os.listdir(info)):
        pkg, _, ext = name.rpartition(".")
        if pkg.split(":")[0] not in debs:
            continue
        if ext == "conffiles":
            copy(f"var/lib/dpkg/info/{name}")
        elif ext == "md5sums":
            with open(os.path.join(info, name)) as f:
                lines = [l for l in f if l.rstrip("\n").split("  ", 1)[-1] in copied]
            with open(os.path.join(tree, "var/lib/dpkg/info", name), "w") as f:
                f.writelines(lines)
    with open(os.path.join(ROOT, "var/lib/dpkg/status")) as f:
        stanzas = f.read().split("\n\n")
    kept = [s for s in stanzas if s.strip() and s.split("\n")[0].split(": ", 1)[1] in debs]
    os.makedirs(os.path.join(tree, "var/lib/dpkg"), exist_ok=True)
    with open(os.path.join(tree, "var/lib/dpkg/status"), "w") as f:
        f.write("\n\n".join(s.strip("\n") for s in kept) + "\n")

    deb_versions = {}
    for s in kept:
        fields = dict(l.split(": ", 1) for l in s.split("\n") if ": " in l and not l.startswith(" "))
        deb_versions[fields["Package"]] = fields["Version"]
    truth = {
        "source": "debootstrap --variant=minbase bookworm + apt-get -f install + npm install -g (regenerate.sh)",
        "debs": deb_versions,
        "npm": entries,
        "pypi": python,
    }
    with open(os.path.join(OUT, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    counts = {}
    for e in entries:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    print(f"{len(manifests)} manifests {counts}, {len(python)} python, {len(debs)} debs")


main()
