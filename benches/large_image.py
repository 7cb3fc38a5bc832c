#!/usr/bin/env python3
"""Helper for benches/large-image.sh (Python 3 stdlib only).

Subcommands:
  plan LIMIT_BYTES OUT.list ROOT...   NUL-separated, sorted list of paths
                                      (relative to /) under the ROOTs whose
                                      file sizes add up to at most LIMIT_BYTES;
                                      parent directories are listed too
  hashtee OUT.json                    copy stdin to stdout; write the sha256
                                      (diff_id) and byte count of the stream
  assemble OUTDIR LAYER.json...       write the OCI layout (blobs are already
                                      in OUTDIR/blobs/sha256) from per-layer
                                      JSON: diff_id, size, blob, media_type
"""

import hashlib
import json
import os
import stat
import sys

BUF = 1 << 20
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"


def walk_sorted(root):
    """Yields (relative path, lstat) for ROOT and everything below, sorted by
    path bytes with each directory before its children."""
    try:
        st = os.lstat(root)
    except OSError:
        return
    yield root, st
    if not stat.S_ISDIR(st.st_mode):
        return
    try:
        names = sorted(os.listdir(root), key=os.fsencode)
    except OSError:
        return
    for name in names:
        yield from walk_sorted(os.path.join(root, name))


def cmd_plan(limit, out, roots):
    total = 0
    chosen = []
    done = False
    for root in roots:
        for path, st in walk_sorted(root):
            mode = st.st_mode
            if stat.S_ISREG(mode):
                if total + st.st_size > limit:
                    done = True
                    break
                if not os.access(path, os.R_OK):
                    continue
                total += st.st_size
            elif not (stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                continue  # sockets, devices, fifos
            chosen.append(path)
        if done:
            break
    with open(out, "wb") as f:
        for p in chosen:
            f.write(os.fsencode(p.lstrip("/")) + b"\0")
    print(f"plan: {len(chosen)} entries, {total} bytes of file data", file=sys.stderr)


def cmd_hashtee(out):
    h = hashlib.sha256()
    n = 0
    src = sys.stdin.buffer
    dst = sys.stdout.buffer
    while True:
        chunk = src.read(BUF)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
        dst.write(chunk)
    dst.flush()
    with open(out, "w") as f:
        json.dump({"diff_id": "sha256:" + h.hexdigest(), "uncompressed_size": n}, f)


def write_blob(outdir, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(outdir, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def cmd_assemble(outdir, specs):
    layers = []
    for path in specs:
        with open(path) as f:
            layers.append(json.load(f))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [x["diff_id"] for x in layers]},
        "history": [
            {"created": "2023-11-14T22:13:20Z", "created_by": x["created_by"]}
            for x in layers
        ],
    }
    config_bytes = canon(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {
            "mediaType": MT_CONFIG,
            "digest": write_blob(outdir, config_bytes),
            "size": len(config_bytes),
        },
        "layers": [
            {"mediaType": x["media_type"], "digest": x["digest"], "size": x["size"]}
            for x in layers
        ],
    }
    manifest_bytes = canon(manifest)
    index = {
        "schemaVersion": 2,
        "mediaType": MT_INDEX,
        "manifests": [
            {
                "mediaType": MT_MANIFEST,
                "digest": write_blob(outdir, manifest_bytes),
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": "bench-large"},
            }
        ],
    }
    with open(os.path.join(outdir, "index.json"), "wb") as f:
        f.write(canon(index))
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(canon({"imageLayoutVersion": "1.0.0"}))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "plan":
        cmd_plan(int(args[0]), args[1], args[2:])
    elif cmd == "hashtee":
        cmd_hashtee(args[0])
    elif cmd == "assemble":
        cmd_assemble(args[0], args[1:])
    else:
        sys.exit(f"unknown subcommand {cmd}")


if __name__ == "__main__":
    main()
