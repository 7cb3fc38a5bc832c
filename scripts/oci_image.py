#!/usr/bin/env python3
"""Write a minimal OCI image layout holding one static binary (docs/release.md).

    oci_image.py --binary FILE --out DIR --tag TAG [--arch amd64] [--label K=V]...

The image has one gzip layer:

    /usr/local/bin/sbomctl          the binary (0755)
    /etc/passwd, /etc/group         root and nonroot (65532), as distroless has
    /etc/nsswitch.conf              hosts: files dns (static glibc reads it)
    /home/nonroot                   HOME, owned by 65532 (docker config goes here)
    /tmp                            1777

and runs as 65532:65532. No shell, no CA bundle: sbomctl's TLS roots are
compiled in (webpki-roots). Everything is deterministic: file order, owners,
modes and times (SOURCE_DATE_EPOCH, else 0) are fixed, gzip has no name or
time, JSON is written with sorted keys, so the same binary gives the same
manifest digest.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time

NONROOT = 65532

PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    f"nonroot:x:{NONROOT}:{NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP = f"root:x:0:\nnonroot:x:{NONROOT}:\n"
NSSWITCH = "hosts: files dns\n"


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def layer_tar(binary, mtime):
    """The uncompressed layer: (path, type, mode, uid, data) in path order."""
    with open(binary, "rb") as f:
        exe = f.read()
    entries = [
        ("etc", tarfile.DIRTYPE, 0o755, 0, b""),
        ("etc/group", tarfile.REGTYPE, 0o644, 0, GROUP.encode()),
        ("etc/nsswitch.conf", tarfile.REGTYPE, 0o644, 0, NSSWITCH.encode()),
        ("etc/passwd", tarfile.REGTYPE, 0o644, 0, PASSWD.encode()),
        ("home", tarfile.DIRTYPE, 0o755, 0, b""),
        ("home/nonroot", tarfile.DIRTYPE, 0o700, NONROOT, b""),
        ("tmp", tarfile.DIRTYPE, 0o1777, 0, b""),
        ("usr", tarfile.DIRTYPE, 0o755, 0, b""),
        ("usr/local", tarfile.DIRTYPE, 0o755, 0, b""),
        ("usr/local/bin", tarfile.DIRTYPE, 0o755, 0, b""),
        ("usr/local/bin/sbomctl", tarfile.REGTYPE, 0o755, 0, exe),
    ]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, kind, mode, uid, data in entries:
            info = tarfile.TarInfo(path)
            info.type = kind
            info.mode = mode
            info.uid = info.gid = uid
            info.uname = info.gname = ""
            info.mtime = mtime
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return buf.getvalue()


def write_blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(out, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--label", action="append", default=[], metavar="K=V")
    args = ap.parse_args()

    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime))
    labels = dict(label.split("=", 1) for label in args.label)

    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"oci_image.py: {args.out} exists and is not empty")
    os.makedirs(os.path.join(args.out, "blobs", "sha256"), exist_ok=True)

    tar = layer_tar(args.binary, mtime)
    gz = io.BytesIO()
    # No file name, time 0: the same tar gives the same gzip bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0, compresslevel=9) as z:
        z.write(tar)
    layer = write_blob(args.out, gz.getvalue())
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"

    config = {
        "architecture": args.arch,
        "os": "linux",
        "created": created,
        "config": {
            "User": f"{NONROOT}:{NONROOT}",
            "Entrypoint": ["/usr/local/bin/sbomctl"],
            "Env": ["PATH=/usr/local/bin", "HOME=/home/nonroot"],
            "WorkingDir": "/home/nonroot",
            "Labels": labels,
        },
        "rootfs": {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()],
        },
        "history": [{"created": created, "created_by": "scripts/oci_image.py"}],
    }
    cfg = write_blob(args.out, canonical(config))
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": cfg,
        "layers": [layer],
        "annotations": dict(labels, **{"org.opencontainers.image.created": created}),
    }
    man = write_blob(args.out, canonical(manifest))
    man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    man["platform"] = {"architecture": args.arch, "os": "linux"}
    man["annotations"] = {"org.opencontainers.image.ref.name": args.tag}

    with open(os.path.join(args.out, "oci-layout"), "wb") as f:
        f.write(canonical({"imageLayoutVersion": "1.0.0"}))
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [man],
    }
    with open(os.path.join(args.out, "index.json"), "wb") as f:
        f.write(canonical(index))
    print(man["digest"])


if __name__ == "__main__":
    main()
