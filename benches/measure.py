#!/usr/bin/env python3
"""Measurement driver for benches/run.sh (Python 3 stdlib only).

Usage: measure.py --sbomctl BIN --inflate BIN [--runs 3] [--json OUT] NAME=OCI_DIR...

For each image, RUNS rounds of:
  1. sbomctl -q packages --no-cache oci-dir:DIR (a cold scan: the layer cache off) -o json=FILE under /usr/bin/time -v:
     wall, user+sys CPU, peak RSS; then the same with --cache-dir of an
     empty directory (unmeasured: it fills the cache) and again (measured:
     the warm re-scan, every layer a hit; its output must be the cold
     scan's bytes);
  2. the sequential zcat floor: zcat (zstdcat for zstd, cat for plain tar)
     of every layer blob to /dev/null, one after the other (sum of walls);
  3. the two-core zcat floor: the same commands, biggest blob first, through
     `xargs -P2` (wall);
  4. the inflate example (flate2 + zlib-rs MultiGzDecoder / zstd, one
     thread, per layer) and sha256 per blob: the zlib-rs two-core floor is
     max(largest layer alone, sum / 2); the "+ sha256" variant adds the
     blob hashing the scan must also do.
Before each step it waits (up to --max-wait s) until the CPUs are >= 90 %
idle over 2 s; after it, it compares the CPU time the whole machine used
(/proc/stat) with what this script and its children used (getrusage) and
measures the step again when other processes took more than 5 % of the
CPUs. It records the idle share, the load average and that foreign share.
Medians of the rounds are printed.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return idle, sum(v)


def idle_share(interval=2.0):
    i0, t0 = cpu_times()
    time.sleep(interval)
    i1, t1 = cpu_times()
    return (i1 - i0) / max(1, t1 - t0)


def our_cpu():
    """CPU seconds of this process and of every child it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def busy_seconds():
    i, t = cpu_times()
    return (t - i) / os.sysconf("SC_CLK_TCK")


def guarded(step, args, notes, label):
    """Runs STEP() on an idle machine; retries (up to 5 times) when other
    processes used more than 5 % of the CPUs while it ran. Returns STEP's
    result."""
    ncpu = os.cpu_count() or 1
    for attempt in range(5):
        wait_idle(args.max_wait, notes)
        b0, c0, t0 = busy_seconds(), our_cpu(), time.monotonic()
        result = step()
        b1, c1, t1 = busy_seconds(), our_cpu(), time.monotonic()
        foreign = max(0.0, (b1 - b0) - (c1 - c0)) / (ncpu * (t1 - t0))
        notes[-1]["foreign"] = round(foreign, 3)
        if foreign <= 0.05:
            return result
        print(f"  {label}: other processes used {foreign:.0%} of the CPUs, measuring again", file=sys.stderr)
    notes[-1]["foreign_gave_up"] = True
    return result


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def wait_idle(max_wait, notes):
    start = time.monotonic()
    while True:
        share = idle_share()
        if share >= 0.90 or time.monotonic() - start > max_wait:
            notes.append({"idle": round(share, 3), "load1": loadavg()})
            if share < 0.90:
                print(f"  warning: machine still busy ({share:.0%} idle) after {max_wait}s", file=sys.stderr)
            return


def layers_of(oci):
    with open(os.path.join(oci, "index.json")) as f:
        index = json.load(f)
    digest = index["manifests"][0]["digest"]
    with open(os.path.join(oci, "blobs", *digest.split(":", 1))) as f:
        manifest = json.load(f)
    out = []
    for l in manifest["layers"]:
        mt = l.get("mediaType", "")
        tool = ["zcat"] if mt.endswith("gzip") else ["zstdcat", "-q"] if mt.endswith("zstd") else ["cat"]
        out.append({"path": os.path.join(oci, "blobs", *l["digest"].split(":", 1)), "size": l["size"], "media_type": mt, "tool": tool})
    return out


def time_v(cmd):
    """Runs CMD under /usr/bin/time -v; returns wall, cpu, rss_kb."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    err = p.stderr

    def field(name):
        m = re.search(re.escape(name) + r".*?: (.+)", err)
        if not m:
            sys.exit(f"no `{name}` in /usr/bin/time output:\n{err}")
        return m.group(1).strip()

    parts = [float(x) for x in field("Elapsed (wall clock) time").split(":")]
    wall = 0.0
    for x in parts:
        wall = wall * 60 + x
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return wall, cpu, int(field("Maximum resident set size (kbytes)"))


def wall_of(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def zcat_floors(layers):
    per_layer = [wall_of([*l["tool"], l["path"]]) for l in layers]
    ordered = sorted(layers, key=lambda l: -l["size"])
    lines = "".join(" ".join([*l["tool"], l["path"]]) + "\n" for l in ordered)
    two = wall_of(["xargs", "-P2", "-L1", "sh", "-c", '"$@" >/dev/null', "sh"], input=lines.encode())
    return sum(per_layer), two, per_layer


def zlibrs_floors(inflate_bin, oci):
    out = subprocess.run([inflate_bin, oci], check=True, capture_output=True, text=True).stdout
    inflate, sha = [], []
    for line in out.splitlines():
        f = line.split("\t")
        inflate.append(float(f[4]))
        sha.append(float(f[5]))
    both = [a + b for a, b in zip(inflate, sha)]
    return {
        "inflate_seq": sum(inflate),
        "inflate_2core": max(max(inflate), sum(inflate) / 2),
        "inflate_sha_seq": sum(both),
        "inflate_sha_2core": max(max(both), sum(both) / 2),
        "per_layer_inflate": inflate,
        "per_layer_sha": sha,
    }


def measure(name, oci, args):
    layers = layers_of(oci)
    print(f"== {name}: {oci} ({len(layers)} layers, {sum(l['size'] for l in layers)} bytes of blobs)", file=sys.stderr)
    rounds = []
    notes = []
    out_json = os.path.join(args.workdir, f"{name}.sbom.json")
    # Warm the page cache (blobs) and the binaries once, unmeasured.
    subprocess.run([args.sbomctl, "-q", "packages", "--no-cache", f"oci-dir:{oci}", "-o", f"json={out_json}"], check=True)
    for r in range(args.runs):
        cmd = [args.sbomctl, "-q", "packages", "--no-cache", f"oci-dir:{oci}", "-o", f"json={out_json}"]
        wall, cpu, rss = guarded(lambda: time_v(cmd), args, notes, "sbomctl")
        cache = os.path.join(args.workdir, f"{name}.layer-cache")
        shutil.rmtree(cache, ignore_errors=True)
        warm_json = os.path.join(args.workdir, f"{name}.warm.sbom.json")
        warm_cmd = [args.sbomctl, "-q", "packages", "--cache-dir", cache, f"oci-dir:{oci}", "-o", f"json={warm_json}"]
        subprocess.run(warm_cmd, check=True)
        warm_wall, warm_cpu, warm_rss = guarded(lambda: time_v(warm_cmd), args, notes, "sbomctl warm")
        with open(out_json, "rb") as a, open(warm_json, "rb") as b:
            if a.read() != b.read():
                sys.exit(f"{name}: the warm scan's output differs from the cold scan's")
        zseq, ztwo, zper = guarded(lambda: zcat_floors(layers), args, notes, "zcat")
        zr = guarded(lambda: zlibrs_floors(args.inflate, oci), args, notes, "inflate")
        rounds.append({"wall": wall, "cpu": cpu, "rss_kb": rss, "warm_wall": warm_wall, "warm_cpu": warm_cpu, "warm_rss_kb": warm_rss, "zcat_seq": zseq, "zcat_2core": ztwo, "zcat_per_layer": zper, **zr})
        print(f"  round {r + 1}: sbomctl {wall:.2f}s wall {cpu:.2f}s cpu {rss / 1024:.1f} MiB (warm {warm_wall:.2f}s) | zcat seq {zseq:.2f}s 2-core {ztwo:.2f}s | zlib-rs 2-core floor {zr['inflate_2core']:.2f}s (+sha256 {zr['inflate_sha_2core']:.2f}s)", file=sys.stderr)
    with open(out_json) as f:
        packages = len(json.load(f).get("packages", []))
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0] if not k.startswith("per_layer") and k != "zcat_per_layer"}
    med["per_layer"] = [
        {
            "index": i,
            "media_type": l["media_type"],
            "compressed": l["size"],
            "zcat_s": statistics.median(r["zcat_per_layer"][i] for r in rounds),
            "zlibrs_inflate_s": statistics.median(r["per_layer_inflate"][i] for r in rounds),
            "sha256_s": statistics.median(r["per_layer_sha"][i] for r in rounds),
        }
        for i, l in enumerate(layers)
    ]
    med["packages"] = packages
    med["warm_over_cold"] = med["warm_wall"] / med["wall"]
    med["wall_over_zcat_2core"] = med["wall"] / med["zcat_2core"]
    med["wall_over_zlibrs_2core"] = med["wall"] / med["inflate_2core"]
    med["wall_over_zlibrs_sha_2core"] = med["wall"] / med["inflate_sha_2core"]
    med["conditions"] = notes
    return med


def report(results):
    rows = [
        ("sbomctl wall (s)", "wall", "{:.2f}"),
        ("sbomctl user+sys CPU (s)", "cpu", "{:.2f}"),
        ("sbomctl peak RSS (MiB)", "rss_kb", None),
        ("sbomctl warm re-scan wall (s)", "warm_wall", "{:.2f}"),
        ("sbomctl warm re-scan user+sys CPU (s)", "warm_cpu", "{:.2f}"),
        ("sbomctl warm re-scan peak RSS (MiB)", "warm_rss_kb", None),
        ("warm / cold wall", "warm_over_cold", "{:.1%}"),
        ("packages found", "packages", "{}"),
        ("zcat floor, sequential (s)", "zcat_seq", "{:.2f}"),
        ("zcat floor, two cores (s)", "zcat_2core", "{:.2f}"),
        ("zlib-rs inflate, sequential (s)", "inflate_seq", "{:.2f}"),
        ("zlib-rs two-core floor (s)", "inflate_2core", "{:.2f}"),
        ("zlib-rs + sha256 two-core floor (s)", "inflate_sha_2core", "{:.2f}"),
        ("wall / zcat two-core floor", "wall_over_zcat_2core", "{:.2f}x"),
        ("wall / zlib-rs two-core floor", "wall_over_zlibrs_2core", "{:.2f}x"),
        ("wall / zlib-rs + sha256 floor", "wall_over_zlibrs_sha_2core", "{:.2f}x"),
    ]
    names = list(results)
    print("| median of runs | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, key, fmt in rows:
        cells = []
        for n in names:
            v = results[n][key]
            cells.append(f"{v / 1024:.1f}" if key.endswith("rss_kb") else fmt.format(v))
        print(f"| {label} | " + " | ".join(cells) + " |")
    for n in names:
        print(f"\n{n}, per layer (medians):")
        print("| layer | media type | compressed bytes | zcat (s) | zlib-rs inflate (s) | sha256 (s) |")
        print("|---|---|---|---|---|---|")
        for l in results[n]["per_layer"]:
            print(f"| {l['index']} | {l['media_type'].rsplit('.', 1)[-1]} | {l['compressed']} | {l['zcat_s']:.2f} | {l['zlibrs_inflate_s']:.2f} | {l['sha256_s']:.2f} |")
        cond = results[n]["conditions"]
        idle = [c["idle"] for c in cond]
        load = [c["load1"] for c in cond]
        foreign = [c.get("foreign", 0.0) for c in cond]
        print(
            f"\n{n}: {len(cond)} measured steps; CPU idle before each {min(idle):.0%}..{max(idle):.0%}, "
            f"load average (1 min) {min(load):.2f}..{max(load):.2f}, CPU used by other processes "
            f"during a step {min(foreign):.1%}..{max(foreign):.1%}"
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sbomctl", required=True)
    ap.add_argument("--inflate", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-wait", type=int, default=600)
    ap.add_argument("--json")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("images", nargs="+", metavar="NAME=OCI_DIR")
    args = ap.parse_args()
    results = {}
    for spec in args.images:
        name, _, oci = spec.partition("=")
        results[name] = measure(name, oci, args)
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
