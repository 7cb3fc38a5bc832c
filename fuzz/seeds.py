#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/TARGET/
from the repository's own test data (fixtures, sample images, vendored
Sigstore vectors), in the input layout each target documents: files joined
by SEP, `@N` placeholders for document digests. Deterministic; existing
corpus entries are kept (the fuzzer's own finds stay)."""

import base64
import glob
import gzip
import zlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

SEP = b"\n--8<--\n"
FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def files(pattern):
    return sorted(p for p in glob.glob(os.path.join(ROOT, pattern), recursive=True) if os.path.isfile(p))


def write(target, seeds):
    out = os.path.join(FUZZ, "corpus", target)
    os.makedirs(out, exist_ok=True)
    n = 0
    for data in seeds:
        if not data:
            continue
        name = "seed-" + hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1
    if n == 0:
        sys.exit(f"no seeds for {target}")
    return n


GO_INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
GO_INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")


def pointer_exe(kind, version, modinfo):
    """A small 64-bit little-endian executable holding Go build info in the
    pre-1.18 pointer layout: file offsets 0x1000.. (read-only segment: module
    info, then the version at 0x1800) map to TEXT, 0x2000.. (data segment:
    the build info header, then the version's string header at 0x2040) to
    DATA, through ELF program headers, Mach-O segments or PE sections."""
    import struct

    text, data = 0x400000, 0x600000
    b = bytearray(0x3000)
    if kind == "elf":
        b[0:8] = b"\x7fELF\x02\x01\x01\x00"
        struct.pack_into("<HHI", b, 16, 2, 62, 1)
        struct.pack_into("<Q", b, 0x20, 64)
        struct.pack_into("<HHH", b, 0x36, 56, 2, 0)
        for i, (off, va) in enumerate([(0, text), (0x2000, data)]):
            struct.pack_into("<IIQQQQQQ", b, 64 + 56 * i, 1, 6 if i else 5, off, va, va, 0x1000 if i else 0x2000, 0x1000, 0x1000)
    elif kind == "macho":
        struct.pack_into("<IiiIIII", b, 0, 0xFEEDFACF, 0x01000007, 3, 2, 2, 2 * 72, 0)
        for i, (off, va) in enumerate([(0, text), (0x2000, data)]):
            name = b"__TEXT" if i == 0 else b"__DATA"
            prot = 3 if i else 5
            struct.pack_into("<II16sQQQQiiII", b, 32 + 72 * i, 0x19, 72, name, va, 0x1000 if i else 0x2000, off, 0x1000 if i else 0x2000, prot, prot, 0, 0)
    else:
        base = 0x400000
        text, data = base + 0x1000, base + 0x2000
        b[0:2] = b"MZ"
        struct.pack_into("<I", b, 0x3C, 0x80)
        b[0x80:0x84] = b"PE\0\0"
        struct.pack_into("<HHIIIHH", b, 0x84, 0x8664, 2, 0, 0, 0, 240, 0x22)
        struct.pack_into("<H", b, 0x98, 0x20B)
        struct.pack_into("<Q", b, 0x98 + 24, base)
        struct.pack_into("<I", b, 0x98 + 108, 16)
        for i, (off, rva) in enumerate([(0x1000, 0x1000), (0x2000, 0x2000)]):
            name = b".rdata" if i == 0 else b".data"
            struct.pack_into("<8sIIII", b, 0x98 + 240 + 40 * i, name, 0x1000, rva, 0x1000, off)
            struct.pack_into("<I", b, 0x98 + 240 + 40 * i + 36, 0xC0000040 if i else 0x40000040)
        # In the PE layout the read-only data starts at file offset 0x1000.
        b[0x1000 : 0x1000 + len(modinfo)] = modinfo[: 0x800]
        b[0x1800 : 0x1800 + len(version)] = version
        b[0x2000:0x200E] = b"\xff Go buildinf:"
        b[0x200E] = 8
        struct.pack_into("<QQ", b, 0x2010, data + 0x40, data + 0x50)
        struct.pack_into("<QQQQ", b, 0x2040, text + 0x800, len(version), text, len(modinfo[:0x800]))
        return bytes(b)
    b[0x1000 : 0x1000 + len(modinfo)] = modinfo[: 0x800]
    b[0x1800 : 0x1800 + len(version)] = version
    b[0x2000:0x200E] = b"\xff Go buildinf:"
    b[0x200E] = 8
    struct.pack_into("<QQ", b, 0x2010, data + 0x40, data + 0x50)
    struct.pack_into("<QQQQ", b, 0x2040, text + 0x1800, len(version), text + 0x1000, len(modinfo[:0x800]))
    return bytes(b)


def join(*parts):
    return SEP.join(parts)


def zstd(data):
    if not shutil.which("zstd"):
        return None
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, check=True).stdout


def sibling(path, name):
    p = os.path.join(os.path.dirname(path), name)
    return read(p) if os.path.isfile(p) else b""


def sample_layouts():
    return sorted(glob.glob(os.path.join(ROOT, "testdata/images/*-oci")))


def layout_docs(layout):
    """index.json and the JSON documents it leads to, depth first, with
    the digests of the first four replaced by @1..@3."""
    blobs = os.path.join(layout, "blobs/sha256")
    order, digests = [read(os.path.join(layout, "index.json"))], [None]

    def visit(doc):
        for d in json_digests(doc):
            if d in digests:
                continue
            path = os.path.join(blobs, d[7:])
            if not os.path.isfile(path):
                continue  # a config's diff_ids name no blob
            data = read(path)
            try:
                json.loads(data)
            except ValueError:
                continue
            digests.append(d)
            order.append(data)
            visit(data)

    visit(order[0])
    docs = order[:4]
    for n in range(1, len(docs)):
        for i in range(len(docs)):
            docs[i] = docs[i].replace(digests[n].encode(), b"@%d" % n)
    return docs


def json_digests(doc):
    out, text = [], doc.decode("utf-8", "replace")
    i = text.find("sha256:")
    while i >= 0:
        hexpart = text[i + 7 : i + 71]
        if len(hexpart) == 64 and all(c in "0123456789abcdef" for c in hexpart):
            out.append("sha256:" + hexpart)
        i = text.find("sha256:", i + 7)
    return out


def layer_blobs():
    out = []
    for layout in sample_layouts():
        for p in sorted(glob.glob(os.path.join(layout, "blobs/sha256/*"))):
            data = read(p)
            if data[:2] == b"\x1f\x8b":
                out.append(data)
    return out


def bundles():
    return files("attest/testdata/**/*.sigstore.json") + files("attest/testdata/sigstore-go/bundle-*.json")


def bundle_fields(key):
    found = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == key and isinstance(x, str):
                    found.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for b in bundles():
        try:
            walk(json.loads(read(b)))
        except ValueError:
            pass
    return sorted(set(found))


def b64(s):
    try:
        return base64.b64decode(s)
    except ValueError:
        return b""


def main():
    counts = {}

    seeds = []
    for blob in layer_blobs():
        tar = gzip.decompress(blob)
        seeds += [b"\x02" + blob, b"\x01" + tar, b"\x00" + blob]
        z = zstd(tar)
        if z:
            seeds.append(b"\x03" + z)
    blobs = layer_blobs()
    if len(blobs) >= 2:
        seeds.append(b"\x02" + join(blobs[0], blobs[1]))
    counts["layer_stream"] = write("layer_stream", seeds)

    counts["oci_layout"] = write("oci_layout", [join(*layout_docs(l)) for l in sample_layouts()])

    seeds = []
    for archive in files("testdata/images/*.tar"):
        members = []
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    members.append(m.name.encode() + b"\n" + t.extractfile(m).read())
        seeds.append(join(*members[:16]))
    counts["oci_archive"] = write("oci_archive", seeds)

    counts["oci_reference"] = write(
        "oci_reference",
        [
            s.encode()
            for s in [
                "alpine",
                "alpine:3.19",
                "docker.io/library/alpine@sha256:" + "c5" * 32,
                "localhost:5000/app/sub:1.0@sha256:" + "ab" * 32,
                "[::1]:5000/app:tag",
                "linux/arm64/v8",
                "usr/lib/../lib/./x",
            ]
        ],
    )

    alpine_release = read(os.path.join(ROOT, "catalog/testdata/apk/single/lib/apk/db/installed"))
    seeds = [read(p) for p in files("catalog/testdata/**/lib/apk/db/installed")]
    seeds.append(join(alpine_release, b'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'))
    counts["apk_installed_db"] = write("apk_installed_db", seeds)

    rpm_dbs = [
        "catalog/testdata/rpm/go-rpmdb/libuuid/Packages",
        "catalog/testdata/rpm/go-rpmdb/sle15-bci/Packages.db",
        "catalog/testdata/rpm/built/root/var/lib/rpm/rpmdb.sqlite",
    ]
    seeds = [read(os.path.join(ROOT, p)) for p in rpm_dbs]
    seeds.append(join(seeds[0], b'ID="rhel"\nVERSION_ID="8.8"\n'))
    counts["rpm_db"] = write("rpm_db", seeds)

    seeds = [read(p) for p in files("catalog/testdata/**/var/lib/dpkg/status")]
    copyrights = files("catalog/testdata/deb/copyright/**/copyright") or files("catalog/testdata/**/copyright")
    md5sums = files("catalog/testdata/**/*.md5sums")
    conffiles = files("catalog/testdata/**/*.conffiles")
    statusd = files("catalog/testdata/**/status.d/*")
    if seeds:
        seeds.append(
            join(
                seeds[0],
                read(statusd[0]) if statusd else b"",
                read(md5sums[0]) if md5sums else b"",
                read(conffiles[0]) if conffiles else b"",
                read(copyrights[0]) if copyrights else b"",
                b"ID=debian\nVERSION_ID=12\n",
            )
        )
    seeds += [join(b"", read(p)) for p in statusd[:5]]
    counts["dpkg_status"] = write("dpkg_status", seeds)

    seeds = []
    for p in files("catalog/testdata/pypi/**/METADATA"):
        seeds.append(join(read(p), sibling(p, "RECORD"), sibling(p, "direct_url.json"), sibling(p, "top_level.txt")))
    for p in files("catalog/testdata/pypi/**/PKG-INFO"):
        seeds.append(join(b"", b"", b"", b"", b"", read(p), sibling(p, "installed-files.txt")))
    counts["pypi_dist_info"] = write("pypi_dist_info", seeds)

    counts["npm_package_json"] = write(
        "npm_package_json", [read(p) for p in files("catalog/testdata/npm/**/package*.json") if "lock" not in p]
    )
    for target, name in [
        ("npm_package_lock", "package-lock.json"),
        ("yarn_lock", "yarn.lock"),
        ("pnpm_lock", "pnpm-lock.yaml"),
    ]:
        counts[target] = write(
            target, [join(read(p), sibling(p, "package.json")) for p in files("catalog/testdata/**/" + name)]
        )

    counts["java_archive"] = write(
        "java_archive",
        [read(p) for p in files("catalog/testdata/maven/**/*.jar") + files("catalog/testdata/maven/*.war")],
    )

    gemspecs = [read(p) for p in files("catalog/testdata/gem/**/*.gemspec")]
    counts["gemspec"] = write(
        "gemspec", [join(a, b) for a, b in zip(gemspecs, gemspecs[1:] + gemspecs[:1])]
    )
    counts["gemfile_lock"] = write("gemfile_lock", [read(p) for p in files("catalog/testdata/**/Gemfile.lock")])
    counts["composer_installed"] = write(
        "composer_installed", [read(p) for p in files("catalog/testdata/**/composer/installed.json")]
    )
    counts["composer_lock"] = write("composer_lock", [read(p) for p in files("catalog/testdata/**/composer.lock")])
    counts["dotnet_deps"] = write("dotnet_deps", [read(p) for p in files("catalog/testdata/**/*.deps.json")])

    seeds = []
    for p in files("catalog/testdata/golang/*"):
        data = read(p)
        at = data.find(b"\xff Go buildinf:")
        if at >= 0:
            # The ELF header, then the build info block at offset 64 (16-byte aligned).
            seeds.append(data[:64] + data[at : at + 64 * 1024])
            if data[at + 15] & 2 == 0:
                # Pre-1.18 (pointer) binaries: their version and module info in
                # small executables of each format whose headers map the
                # pointers, so the fuzzer starts from followable build info.
                version = read(p + ".go-version-m.txt").split(b": ", 1)[1].split(b"\n", 1)[0]
                start = data.find(GO_INFO_START)
                end = data.find(GO_INFO_END, start)
                modinfo = data[start : end + 16] if 0 <= start < end else b""
                seeds += [pointer_exe(kind, version, modinfo) for kind in ("elf", "macho", "pe")]
    counts["go_buildinfo"] = write("go_buildinfo", seeds)

    seeds = []
    for p in files("catalog/testdata/cargo/*"):
        data = read(p)
        for at in range(len(data)):
            if data[at : at + 2] == b"\x78\x9c":
                try:
                    seeds.append(zlib.decompressobj().decompress(data[at:]))
                except zlib.error:
                    continue
        seeds = [s for s in seeds if s.startswith(b'{"packages":[')]
    counts["cargo_auditable"] = write("cargo_auditable", seeds)

    counts["sbom_import"] = write(
        "sbom_import",
        [
            read(p)
            for p in files("catalog/testdata/import/*.json")
            + files("catalog/testdata/import/*.spdx")
            + files("catalog/testdata/check/*.json")
        ],
    )
    counts["sbom_diff"] = write(
        "sbom_diff",
        [
            read(p)
            for p in files("catalog/testdata/import/*.json")
            + files("catalog/testdata/import/*.spdx")
            + files("catalog/testdata/import/*.xml")
            + files("catalog/testdata/check/*.json")
        ],
    )
    counts["sbom_check"] = write(
        "sbom_check",
        [
            read(p)
            for p in files("catalog/testdata/import/*.json")
            + files("catalog/testdata/import/*.spdx")
            + files("catalog/testdata/check/*.json")
        ],
    )

    counts["dsse_envelope"] = write(
        "dsse_envelope",
        [read(p) for p in files("attest/testdata/synthetic/*.dsse.json") + files("attest/testdata/dsse/*.json")],
    )
    counts["sigstore_bundle"] = write("sigstore_bundle", [read(p) for p in bundles()])
    counts["x509_certificate"] = write("x509_certificate", [b64(s) for s in bundle_fields("rawBytes")])
    counts["trusted_root"] = write(
        "trusted_root",
        [read(p) for p in files("attest/testdata/**/trusted_root.json") + files("attest/testdata/trusted-roots/*.json")],
    )
    sigs = [b64(s) for s in bundle_fields("signature")]
    counts["rfc3161_timestamp"] = write(
        "rfc3161_timestamp",
        [join(b64(t), sigs[0] if sigs else b"") for t in bundle_fields("signedTimestamp")],
    )
    counts["rekor_checkpoint"] = write("rekor_checkpoint", [s.encode() for s in bundle_fields("envelope")])
    counts["keys"] = write("keys", [read(p) for p in files("attest/testdata/keys/**/*")])

    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
