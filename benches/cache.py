#!/usr/bin/env python3
"""Layer cache and fleet measurements (issue 12; Python 3 stdlib only).

    cache.py --sbomctl BIN --large OCI_DIR [--runs 1] [--images 24]
             [--cache-store local|registry|both|oci://HOST/REPO] [--workdir DIR] [--json OUT]
             [--skip large,app,fleet]

Three measurements, each with /usr/bin/time -v (wall, user+sys CPU, peak
RSS) of the release binary; docs/performance.md and docs/scale.md have the
results and what they mean.

large   The large benchmark image (benches/large-image.sh): a cold scan with
        --no-cache, the cold scan that fills an empty cache, and warm
        re-scans (every layer a hit). Target: warm <= 5 % of cold.
app     An image made of the large image's layers (cached) plus one new
        application layer (a tar of /usr/lib/python3/dist-packages, real
        Python packages; --app-dirs 4 adds /usr/lib/python3.11,
        /usr/lib/node_modules and /usr/share/doc) against an image of that
        one layer alone, cold.
        Each run of the first starts from a copy of the warm cache, so the
        new layer is a miss every time. Target: <= 1.2x.
fleet   N images on three shared bases, pushed to a local docker-registry
        (started here, access log on): each image is one of three base
        images (a shared dpkg layer plus one base layer of real files) plus
        its own small application layer. `packages --images` runs cold and
        warm, with one process and with two concurrent shard processes
        (--shard 0/2, 1/2) sharing one cache; the bytes pulled are summed
        from the registry's access log (blob GETs), the layers read and
        cached from the summaries. A --no-cache run is the baseline.

--cache-store names the store the fleet runs use: `local` (a fresh
--cache-dir per cold run), `registry` (the registry store: a second
docker-registry started empty for each cold run, passed as `--cache
oci://ADDR/sbomctl/layer-cache`, with every process given its own empty
--cache-dir, cold and warm, as pods on different nodes: what reaches a
process from the cache comes from the registry; its access log gives the
entry bytes pulled), `both` (local rows, then registry rows), or
`oci://HOST/REPO` (a registry of your own, emptied by hand between cold
runs).

Run it niced: `nice -n 10 python3 benches/cache.py ...`. It does not wait
for an idle machine; it records the load average before each step.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def time_v(cmd, env=None):
    """Runs CMD under /usr/bin/time -v; returns wall, cpu, rss_kb, exit code."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    err = p.stderr

    def field(name):
        m = re.search(re.escape(name) + r".*?: (.+)", err)
        if not m:
            sys.exit(f"no `{name}` in /usr/bin/time output of {' '.join(cmd)}:\n{err}")
        return m.group(1).strip()

    parts = [float(x) for x in field("Elapsed (wall clock) time").split(":")]
    wall = 0.0
    for x in parts:
        wall = wall * 60 + x
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    code = int(field("Exit status"))
    if code not in (0,):
        sys.exit(f"failed ({code}): {' '.join(cmd)}\n{err[-3000:]}")
    return {"wall": wall, "cpu": cpu, "rss_kb": int(field("Maximum resident set size (kbytes)")), "load1": loadavg()}


def env_without_cache_vars():
    env = dict(os.environ)
    for k in ("SBOMCTL_NO_CACHE", "SBOMCTL_CACHE_DIR", "JOB_COMPLETION_INDEX", "SBOMCTL_SHARD_COUNT"):
        env.pop(k, None)
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return env


# ---------------------------------------------------------------- OCI layouts


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_blob(oci, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = os.path.join(oci, "blobs", "sha256", digest.split(":")[1])
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return digest


def layer_from_dirs(sources, limit):
    """A deterministic gzip layer of real files: (src_dir, dest_prefix) pairs,
    files in path order, at most LIMIT bytes of file content. Returns
    (blob bytes, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        total = 0
        for src, dest in sources:
            if os.path.isfile(src):
                walk = [(os.path.dirname(src), [], [os.path.basename(src)])]
                base = os.path.dirname(src)
            else:
                walk = os.walk(src)
                base = src
            for root, dirs, files in walk:
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(root, name)
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    size = os.path.getsize(path)
                    if total + size > limit:
                        continue
                    total += size
                    info = tarfile.TarInfo(os.path.join(dest, os.path.relpath(path, base)).lstrip("/"))
                    info.size, info.mode, info.mtime = size, 0o644, 0
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
    data = raw.getvalue()
    return gzip.compress(data, compresslevel=6, mtime=0), "sha256:" + hashlib.sha256(data).hexdigest()


def layer_from_files(files):
    """A deterministic gzip layer of (path, bytes) pairs."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    data = raw.getvalue()
    return gzip.compress(data, compresslevel=6, mtime=0), "sha256:" + hashlib.sha256(data).hexdigest()


def new_layout(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "blobs", "sha256"))
    with open(os.path.join(path, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')


def add_image(oci, layers, tag):
    """Adds an image of LAYERS ([(digest, size, diff_id)]) to layout OCI and
    returns its manifest (digest, bytes)."""
    config = canonical({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers]},
        "config": {},
    })
    cfg = write_blob(oci, config)
    manifest = canonical({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": cfg, "size": len(config)},
        "layers": [{"mediaType": LAYER_GZIP, "digest": d, "size": s} for d, s, _ in layers],
    })
    md = write_blob(oci, manifest)
    index_path = os.path.join(oci, "index.json")
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    index["manifests"].append({"mediaType": MANIFEST, "digest": md, "size": len(manifest),
                               "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(index_path, "wb") as f:
        f.write(canonical(index))
    return md, manifest


def large_layers(large):
    with open(os.path.join(large, "index.json")) as f:
        digest = json.load(f)["manifests"][0]["digest"]
    with open(os.path.join(large, "blobs", *digest.split(":"))) as f:
        manifest = json.load(f)
    with open(os.path.join(large, "blobs", *manifest["config"]["digest"].split(":"))) as f:
        diff_ids = json.load(f)["rootfs"]["diff_ids"]
    return [(l["digest"], l["size"], d, l["mediaType"]) for l, d in zip(manifest["layers"], diff_ids)]


# ------------------------------------------------------------------ registry


class Registry:
    """A docker-registry on 127.0.0.1 with its access log on."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "registry")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.addr = f"127.0.0.1:{port}"
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\n"
                    f"storage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n"
                    f"http:\n  addr: {self.addr}\n  secret: bench\n")
        self.log_path = os.path.join(self.dir, "access.log")
        self.log = open(self.log_path, "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{self.addr}/v2/", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        sys.exit("docker-registry did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()

    def _req(self, method, url, data=None, headers=None):
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            return urllib.request.urlopen(req, timeout=300)
        except urllib.error.HTTPError as e:
            if method == "HEAD" and e.code == 404:
                return None
            raise

    def push_blob(self, repo, digest, data):
        base = f"http://{self.addr}/v2/{repo}"
        if self._req("HEAD", f"{base}/blobs/{digest}") is not None:
            return
        loc = self._req("POST", f"{base}/blobs/uploads/", b"").headers["Location"]
        if loc.startswith("/"):
            loc = f"http://{self.addr}{loc}"
        sep = "&" if "?" in loc else "?"
        self._req("PUT", f"{loc}{sep}digest={digest}", data, {"Content-Type": "application/octet-stream"})

    def push_image(self, oci, manifest_bytes, repo, tag):
        manifest = json.loads(manifest_bytes)
        for d in [manifest["config"]["digest"]] + [l["digest"] for l in manifest["layers"]]:
            with open(os.path.join(oci, "blobs", *d.split(":")), "rb") as f:
                self.push_blob(repo, d, f.read())
        self._req("PUT", f"http://{self.addr}/v2/{repo}/manifests/{tag}", manifest_bytes, {"Content-Type": MANIFEST})

    def log_size(self):
        self.log.flush()
        return os.path.getsize(self.log_path)

    def blob_bytes_since(self, offset):
        """Bytes of layer and config blobs sent since log offset OFFSET
        (combined log format: "GET /v2/REPO/blobs/sha256:... HTTP/1.1" 200 SIZE)."""
        total, count = 0, 0
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            for line in f:
                m = re.search(r'"GET /v2/\S+/blobs/sha256:[0-9a-f]{64} HTTP/[0-9.]+" (\d{3}) (\d+)', line)
                if m and m.group(1) == "200":
                    total += int(m.group(2))
                    count += 1
        return total, count


# -------------------------------------------------------------- measurements


def measure_large(args, large, out):
    cold_cmd = [args.sbomctl, "-q", "packages", "--no-cache", f"oci-dir:{large}", "-o", f"json={out}/large.cold.json"]
    cache = os.path.join(args.workdir, "cache-large")
    shutil.rmtree(cache, ignore_errors=True)
    warm_cmd = [args.sbomctl, "-q", "packages", "--cache-dir", cache, f"oci-dir:{large}", "-o", f"json={out}/large.warm.json"]
    env = env_without_cache_vars()
    print("== large: page cache warm-up (unmeasured)", file=sys.stderr)
    subprocess.run(cold_cmd, check=True, env=env)
    rows = {"cold": [], "fill": [], "warm": []}
    for r in range(args.runs):
        rows["cold"].append(time_v(cold_cmd, env))
        shutil.rmtree(cache, ignore_errors=True)
        rows["fill"].append(time_v(warm_cmd, env))
        rows["warm"].append(time_v(warm_cmd, env))
        rows["warm"].append(time_v(warm_cmd, env))
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.2f}s/{v[-1]['cpu']:.2f}s cpu" for k, v in rows.items()), file=sys.stderr)
    same = open(f"{out}/large.cold.json", "rb").read() == open(f"{out}/large.warm.json", "rb").read()
    entries = cache_stats(args.sbomctl, cache)
    return {"rows": rows, "same_output": same, "cache": entries, "cache_dir": cache}


def cache_stats(sbomctl, cache):
    text = subprocess.run([sbomctl, "cache", "stats", "--cache-dir", cache], check=True, capture_output=True, text=True).stdout
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        v = v.split()
        if v and v[0].isdigit():
            out[k.strip()] = int(v[0])
    return out


# The application layer of `app`: the first --app-dirs of these real
# directories (Python and npm packages, their documentation).
APP_DIRS = ["/usr/lib/python3/dist-packages", "/usr/lib/python3.11", "/usr/lib/node_modules", "/usr/share/doc"]


def measure_app(args, large, large_cache, out):
    work = os.path.join(args.workdir, "app-image")
    new_layout(work)
    dirs = APP_DIRS[: args.app_dirs]
    blob, diff_id = layer_from_dirs([(d, d) for d in dirs if os.path.isdir(d)], 512 << 20)
    app = (write_blob(work, blob), len(blob), diff_id)
    base = []
    for d, s, diff, mt in large_layers(large):
        dst = os.path.join(work, "blobs", *d.split(":"))
        if not os.path.exists(dst):
            os.link(os.path.join(large, "blobs", *d.split(":")), dst)
        base.append((d, s, diff))
    full_layout = os.path.join(args.workdir, "app-full")
    alone_layout = os.path.join(args.workdir, "app-alone")
    for p in (full_layout, alone_layout):
        shutil.rmtree(p, ignore_errors=True)
        shutil.copytree(work, p, copy_function=os.link)
    # Layers keep their own media types (layer 3 of the large image is zstd).
    types = {d: mt for d, _, _, mt in large_layers(large)}
    add_image_typed(full_layout, [(d, s, diff, types.get(d, LAYER_GZIP)) for d, s, diff in base] + [(*app, LAYER_GZIP)], "full")
    add_image_typed(alone_layout, [(*app, LAYER_GZIP)], "alone")
    env = env_without_cache_vars()
    alone_cmd = [args.sbomctl, "-q", "packages", "--no-cache", f"oci-dir:{alone_layout}", "-o", f"json={out}/app.alone.json"]
    subprocess.run(alone_cmd, check=True, env=env)  # page cache warm-up
    rows = {"alone": [], "base_cached_plus_app": []}
    for r in range(args.runs):
        rows["alone"].append(time_v(alone_cmd, env))
        cache = os.path.join(args.workdir, "cache-app")
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(large_cache, cache)
        full_cmd = [args.sbomctl, "-q", "packages", "--cache-dir", cache, f"oci-dir:{full_layout}", "-o", f"json={out}/app.full.json"]
        rows["base_cached_plus_app"].append(time_v(full_cmd, env))
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.2f}s/{v[-1]['cpu']:.2f}s cpu" for k, v in rows.items()), file=sys.stderr)
    with open(f"{out}/app.alone.json") as f:
        alone_pk = len(json.load(f)["packages"])
    with open(f"{out}/app.full.json") as f:
        full_pk = len(json.load(f)["packages"])
    return {"rows": rows, "app_layer_bytes": len(blob), "packages_alone": alone_pk, "packages_full": full_pk}


def add_image_typed(oci, layers, tag):
    config = canonical({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers]},
        "config": {},
    })
    cfg = write_blob(oci, config)
    manifest = canonical({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": cfg, "size": len(config)},
        "layers": [{"mediaType": mt, "digest": d, "size": s} for d, s, _, mt in layers],
    })
    md = write_blob(oci, manifest)
    with open(os.path.join(oci, "index.json"), "wb") as f:
        f.write(canonical({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
            {"mediaType": MANIFEST, "digest": md, "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": tag}}]}))


def build_fleet(args, registry):
    """Three bases (a shared dpkg layer plus one base layer each) and N images,
    each a base plus its own application layer. Returns the list of
    references and the layer facts."""
    work = os.path.join(args.workdir, "fleet-layout")
    new_layout(work)
    dpkg = layer_from_dirs([("/var/lib/dpkg/status", "/var/lib/dpkg"), ("/etc/os-release", "/etc")], 8 << 20)
    base_dirs = [
        [("/usr/lib/x86_64-linux-gnu/perl", "/usr/lib/x86_64-linux-gnu/perl")],
        [("/usr/share/perl", "/usr/share/perl")],
        [("/usr/lib/node_modules", "/usr/lib/node_modules")],
    ]
    bases = []
    for dirs in base_dirs:
        blob, diff = layer_from_dirs(dirs, 32 << 20)
        bases.append((write_blob(work, blob), len(blob), diff))
    dpkg_l = (write_blob(work, dpkg[0]), len(dpkg[0]), dpkg[1])
    docs = sorted(os.listdir("/usr/share/doc"))
    refs, sizes = [], {}
    for l in [dpkg_l, *bases]:
        sizes[l[0]] = l[1]
    for i in range(args.images):
        # The application: a slice of real files (package docs) and a
        # version file, different for every image.
        chunk = docs[i * 8 % len(docs):][:8]
        files = [(f"app/VERSION", f"app {i}\n".encode())]
        for d in chunk:
            root = os.path.join("/usr/share/doc", d)
            for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                p = os.path.join(root, name)
                if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) < (1 << 20):
                    with open(p, "rb") as f:
                        files.append((f"app/doc/{d}/{name}", f.read()))
        blob, diff = layer_from_files(files)
        app = (write_blob(work, blob), len(blob), diff)
        sizes[app[0]] = app[1]
        layers = [dpkg_l, bases[i % 3], app]
        md, manifest = add_image(work, layers, f"app{i}")
        repo = f"fleet/team{i % 4}/app{i}"
        registry.push_image(work, manifest, repo, "1")
        refs.append(f"{registry.addr}/{repo}:1")
    shared = {dpkg_l[0], *[b[0] for b in bases]}
    apps = sum(size for d, size in sizes.items() if d not in shared)
    return refs, {"images": args.images, "layers": 3 * args.images, "distinct_layers": 1 + 3 + args.images,
                  "distinct_layer_bytes": sum(sizes.values()),
                  "all_layer_bytes": sum(dpkg_l[1] + bases[i % 3][1] for i in range(args.images)) + apps,
                  "base_layer_bytes": [dpkg_l[1], *[b[1] for b in bases]], "app_layer_bytes_total": apps}


def fleet_run(args, registry, listfile, shards, cache, tag):
    """One fleet scan with SHARDS concurrent processes; returns wall, cpu,
    bytes pulled, layers read/cached."""
    out = os.path.join(args.workdir, f"fleet-out-{tag}")
    shutil.rmtree(out, ignore_errors=True)
    env = env_without_cache_vars()

    def cache_args(i):
        if cache is None:
            return ["--no-cache"]
        if isinstance(cache, RegistryCache):
            # Each process its own empty cache directory (a pod's emptyDir on
            # its own node): what one shard wrote reaches another only
            # through the registry.
            return ["--cache", cache.location, "--cache-dir", cache.fresh_local(f"{tag}-{i}")]
        if cache.startswith("oci://"):
            return ["--cache", cache]
        return ["--cache-dir", cache]

    offset = registry.log_size()
    cache_offset = cache.registry.log_size() if isinstance(cache, RegistryCache) else 0
    t0 = time.perf_counter()
    load = loadavg()
    procs = []
    for i in range(shards):
        cmd = ["/usr/bin/time", "-f", "%e %U %S %M", args.sbomctl, "-q", "packages", "--images", listfile,
               "--output-dir", out, "-o", "spdx-json", "--insecure-registry", registry.addr, *cache_args(i)]
        if shards > 1:
            cmd += ["--shard", f"{i}/{shards}"]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env))
    cpu, rss = 0.0, 0
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"fleet run {tag} failed:\n{err[-3000:]}")
        e, u, s, m = err.strip().splitlines()[-1].split()
        cpu += float(u) + float(s)
        rss = max(rss, int(m))
    wall = time.perf_counter() - t0
    time.sleep(0.5)  # let the access log catch up
    pulled, gets = registry.blob_bytes_since(offset)
    cache_pulled = cache_gets = 0
    if isinstance(cache, RegistryCache):
        cache_pulled, cache_gets = cache.registry.blob_bytes_since(cache_offset)
    read = cached = 0
    for name in os.listdir(out):
        if name.startswith("summary"):
            with open(os.path.join(out, name)) as f:
                s = json.load(f)
            if s["failed"]:
                sys.exit(f"fleet run {tag}: {s['failed']} images failed")
            for r in s["results"]:
                read += r["layers_read"]
                cached += r["layers_cached"]
    return {"wall": wall, "cpu": cpu, "rss_kb": rss, "bytes_pulled": pulled, "blob_gets": gets,
            "cache_bytes_pulled": cache_pulled, "cache_blob_gets": cache_gets,
            "layers_read": read, "layers_cached": cached, "load1": load}


class RegistryCache:
    """The registry store of the layer cache (`--cache oci://ADDR/REPO`) in
    a docker-registry of its own, started empty (as cli/tests/it/cache_oci.rs
    and testutil/ start theirs), so that its access log counts the entries
    pulled apart from the images' blobs."""

    def __init__(self, workdir, name):
        self.workdir = os.path.join(workdir, name)
        self.registry = Registry(self.workdir)
        self.location = f"oci://{self.registry.addr}/sbomctl/layer-cache"

    def fresh_local(self, tag):
        path = os.path.join(self.workdir, f"local-{tag}")
        shutil.rmtree(path, ignore_errors=True)
        return path

    def stop(self):
        self.registry.stop()


def measure_fleet(args):
    registry = Registry(args.workdir)
    try:
        refs, facts = build_fleet(args, registry)
        listfile = os.path.join(args.workdir, "fleet.txt")
        with open(listfile, "w") as f:
            f.write("\n".join(refs) + "\n")
        rows = {}

        stores = ["local", "registry"] if args.cache_store == "both" else [args.cache_store]
        rows["no-cache, 1 process"] = fleet_run(args, registry, listfile, 1, None, "nocache")
        for kind in stores:
            for shards in (1, 2):
                label = f"{'registry' if kind == 'registry' else 'local-dir'} cache"
                if kind == "local":
                    c = os.path.join(args.workdir, f"cache-fleet-s{shards}")
                    shutil.rmtree(c, ignore_errors=True)
                elif kind == "registry":
                    c = RegistryCache(args.workdir, f"cache-registry-s{shards}")
                else:
                    c = kind  # oci://HOST/REPO, emptied by hand between cold runs
                try:
                    rows[f"cold {label}, {shards} process(es)"] = fleet_run(args, registry, listfile, shards, c, f"cold{shards}")
                    rows[f"warm {label}, {shards} process(es)"] = fleet_run(args, registry, listfile, shards, c, f"warm{shards}")
                finally:
                    if isinstance(c, RegistryCache):
                        c.stop()
        for k, v in rows.items():
            print(f"  {k}: {v['wall']:.2f}s wall {v['cpu']:.2f}s cpu, {v['bytes_pulled']} bytes pulled "
                  f"({v['blob_gets']} GETs), {v['cache_bytes_pulled']} cache bytes pulled ({v['cache_blob_gets']} GETs), "
                  f"{v['layers_read']} layers read, {v['layers_cached']} cached", file=sys.stderr)
        return {"facts": facts, "rows": rows, "store": args.cache_store}
    finally:
        registry.stop()


# The layer-sharing distribution the projection assumes (docs/scale.md):
# every image is one of BASES base images (BASE_LAYERS layers, BASE_MB
# compressed in all), one of RUNTIMES runtime layers (RUNTIME_MB each) and
# APP_LAYERS layers of its own (APP_MB in all).
PROJECTION = {"BASES": 50, "BASE_LAYERS": 3, "BASE_MB": 80.0, "RUNTIMES": 200, "RUNTIME_MB": 40.0,
              "APP_LAYERS": 2, "APP_MB": 15.0}


def project(res):
    """CPU time and bytes for 10^4 and 10^5 images from the measured costs:
    CPU per compressed MB read (the large image's cold scan, minus its warm
    re-scan) and CPU per image when every layer is cached (the warm fleet
    run over its images)."""
    large = res["large"]["rows"]
    mb = sum(size for _, size, _, _ in large_layers(res["large_oci"])) / 1e6
    per_mb = (med(large["cold"], "cpu") - med(large["warm"], "cpu")) / mb
    fleet = res["fleet"]
    warm = next(v for k, v in fleet["rows"].items() if k.startswith("warm") and k.endswith(", 1 process(es)"))
    per_image = warm["cpu"] / fleet["facts"]["images"]
    p = PROJECTION
    out = {"cpu_s_per_compressed_mb": per_mb, "cpu_s_per_image_warm": per_image, "assumed": p, "sizes": {}}
    for n in (10**4, 10**5):
        distinct_mb = p["BASES"] * p["BASE_MB"] + p["RUNTIMES"] * p["RUNTIME_MB"] + n * p["APP_MB"]
        all_mb = n * (p["BASE_MB"] + p["RUNTIME_MB"] + p["APP_MB"])
        distinct_layers = p["BASES"] * p["BASE_LAYERS"] + p["RUNTIMES"] + n * p["APP_LAYERS"]
        out["sizes"][n] = {
            "layers": n * (p["BASE_LAYERS"] + 1 + p["APP_LAYERS"]),
            "distinct_layers": distinct_layers,
            "no_cache_tb": all_mb / 1e6,
            "cached_tb": distinct_mb / 1e6,
            "no_cache_cpu_h": (all_mb * per_mb + n * per_image) / 3600,
            "cold_cache_cpu_h": (distinct_mb * per_mb + n * per_image) / 3600,
            "warm_cpu_h": n * per_image / 3600,
        }
    return out


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def report(res):
    if "large" in res:
        r = res["large"]["rows"]
        print("| large image | wall (s) | user+sys CPU (s) | peak RSS (MiB) | load (1 min) |")
        print("|---|---|---|---|---|")
        for k, label in [("cold", "cold, --no-cache"), ("fill", "cold, filling an empty cache"), ("warm", "warm (every layer cached)")]:
            print(f"| {label} | {med(r[k], 'wall'):.2f} | {med(r[k], 'cpu'):.2f} | {med(r[k], 'rss_kb') / 1024:.1f} | {med(r[k], 'load1'):.1f} |")
        print(f"\nwarm / cold: wall {med(r['warm'], 'wall') / med(r['cold'], 'wall'):.1%}, CPU {med(r['warm'], 'cpu') / med(r['cold'], 'cpu'):.1%}; "
              f"same output bytes: {res['large']['same_output']}; cache: {res['large']['cache']}\n")
    if "app" in res:
        r = res["app"]["rows"]
        print("| new application layer | wall (s) | user+sys CPU (s) | peak RSS (MiB) | load (1 min) |")
        print("|---|---|---|---|---|")
        for k, label in [("alone", "the layer alone, cold"), ("base_cached_plus_app", "cached large base + the layer")]:
            print(f"| {label} | {med(r[k], 'wall'):.2f} | {med(r[k], 'cpu'):.2f} | {med(r[k], 'rss_kb') / 1024:.1f} | {med(r[k], 'load1'):.1f} |")
        print(f"\nratio: wall {med(r['base_cached_plus_app'], 'wall') / med(r['alone'], 'wall'):.2f}x, CPU "
              f"{med(r['base_cached_plus_app'], 'cpu') / med(r['alone'], 'cpu'):.2f}x; layer {res['app']['app_layer_bytes']} bytes; "
              f"packages {res['app']['packages_alone']} alone, {res['app']['packages_full']} in the full image\n")
    if "fleet" in res:
        f = res["fleet"]
        print(f"fleet: {f['facts']}; store: {f['store']}\n")
        print("| fleet run | wall (s) | user+sys CPU (s) | image blob bytes pulled | image blob GETs | cache entry bytes pulled | cache blob GETs | layers read | layers cached | load (1 min) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for k, v in f["rows"].items():
            print(f"| {k} | {v['wall']:.2f} | {v['cpu']:.2f} | {v['bytes_pulled']} | {v['blob_gets']} | {v['cache_bytes_pulled']} | "
                  f"{v['cache_blob_gets']} | {v['layers_read']} | {v['layers_cached']} | {v['load1']:.1f} |")
    if "projection" in res:
        p = res["projection"]
        print(f"\nprojection: {p['cpu_s_per_compressed_mb'] * 1000:.2f} ms CPU per compressed MB read, "
              f"{p['cpu_s_per_image_warm']:.3f} s CPU per image with every layer cached; assumed {p['assumed']}\n")
        print("| images | layers | distinct layers | bytes read, no cache | bytes read, shared cache | CPU, no cache | CPU, cold shared cache | CPU, warm |")
        print("|---|---|---|---|---|---|---|---|")
        for n, v in p["sizes"].items():
            print(f"| {n} | {v['layers']} | {v['distinct_layers']} | {v['no_cache_tb']:.2f} TB | {v['cached_tb']:.2f} TB | "
                  f"{v['no_cache_cpu_h']:.1f} h | {v['cold_cache_cpu_h']:.1f} h | {v['warm_cpu_h']:.2f} h |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sbomctl", required=True)
    ap.add_argument("--large")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--app-dirs", type=int, default=1, help="how many of APP_DIRS make the application layer")
    ap.add_argument("--cache-store", default="local",
                    help="fleet runs: local (a --cache-dir), registry (a docker-registry started here as "
                         "--cache oci://, each process with its own empty --cache-dir), both, or oci://HOST/REPO")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sbomctl-cache-bench"))
    ap.add_argument("--json")
    ap.add_argument("--skip", default="")
    args = ap.parse_args()
    args.sbomctl = os.path.abspath(args.sbomctl)
    os.makedirs(args.workdir, exist_ok=True)
    out = os.path.join(args.workdir, "out")
    os.makedirs(out, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    res = {"machine": {"cores": os.cpu_count(), "load1_at_start": loadavg()}}
    if "large" not in skip or "app" not in skip:
        if not args.large:
            sys.exit("--large OCI_DIR is needed (bash benches/large-image.sh prints it)")
    if "large" not in skip:
        print("== large image", file=sys.stderr)
        res["large"] = measure_large(args, args.large, out)
    if "app" not in skip:
        print("== cached base + one application layer", file=sys.stderr)
        large_cache = res.get("large", {}).get("cache_dir") or os.path.join(args.workdir, "cache-large")
        res["app"] = measure_app(args, args.large, large_cache, out)
    if "fleet" not in skip:
        print(f"== fleet of {args.images} images", file=sys.stderr)
        res["fleet"] = measure_fleet(args)
    if {"large", "fleet"} <= set(res):
        res["large_oci"] = args.large
        res["projection"] = project(res)
    report(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
