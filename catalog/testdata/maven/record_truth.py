#!/usr/bin/env python3
"""Records what every archive (and every archive nested in one) says about
itself, with `unzip` (Info-ZIP) reading the central directory: the
pom.properties and the MANIFEST.MF main section. Independent of sbomctl."""
import json, os, subprocess, sys, tempfile

ARCHIVE_EXT = (".jar", ".war", ".ear")

def unzip_list(path):
    out = subprocess.run(["unzip", "-Z1", path], check=True, capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l]

def unzip_read(path, member):
    return subprocess.run(["unzip", "-p", path, member], check=True, capture_output=True).stdout.decode("utf-8", "replace")

def properties(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!" or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    return out

def manifest_main(text):
    out, last = {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if line == "":
            break
        if line.startswith(" ") and last:
            out[last] += line[1:]
            continue
        if ":" in line:
            k, v = line.split(":", 1)
            last = k.strip()
            out[last] = v.strip()
    return out

def record(path, chain, tmp):
    members = unzip_list(path)
    entry = {"chain": chain, "pom_properties": [], "manifest": {}, "nested": []}
    for m in sorted(members):
        if m.startswith("META-INF/maven/") and m.endswith("/pom.properties"):
            p = properties(unzip_read(path, m))
            entry["pom_properties"].append({k: p.get(k) for k in ("groupId", "artifactId", "version")})
        elif m == "META-INF/MANIFEST.MF":
            main = manifest_main(unzip_read(path, m))
            keep = ("Implementation-Title", "Implementation-Version", "Implementation-Vendor",
                    "Bundle-SymbolicName", "Bundle-Version", "Bundle-Name", "Bundle-License",
                    "Specification-Version", "Implementation-Vendor-Id")
            entry["manifest"] = {k: main[k] for k in keep if k in main}
    for m in members:
        if m.lower().endswith(ARCHIVE_EXT) and not m.endswith("/"):
            inner = os.path.join(tmp, str(len(os.listdir(tmp))) + os.path.splitext(m)[1])
            with open(inner, "wb") as f:
                f.write(subprocess.run(["unzip", "-p", path, m], check=True, capture_output=True).stdout)
            entry["nested"].append(record(inner, f"{chain}!/{m}", tmp))
    return entry

here = sys.argv[1]
files = sorted(["debian/" + f for f in os.listdir(os.path.join(here, "debian"))] +
               [f for f in os.listdir(here) if f.lower().endswith(ARCHIVE_EXT)])
with tempfile.TemporaryDirectory() as tmp:
    print(json.dumps([record(os.path.join(here, f), f, tmp) for f in files], indent=1, sort_keys=True))
