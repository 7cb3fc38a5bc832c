#!/usr/bin/env python3
"""Writes DIR/truth.json beside each *.deps.json fixture, read with Python's
json module (independent of sbomctl): the runtime target
(`runtimeTarget.name`, or the only target), and for each of its entries whose
library is of type `package` or `project`: name, version, type, sha512 and
dependency names.

    python3 catalog/testdata/nuget/truth.py
"""
import json
import pathlib

here = pathlib.Path(__file__).resolve().parent
for deps in sorted(here.rglob("*.deps.json")):
    doc = json.loads(deps.read_text())
    targets = doc.get("targets", {})
    name = (doc.get("runtimeTarget") or {}).get("name")
    if name not in targets and len(targets) == 1:
        name = next(iter(targets))
    out = []
    for key, entry in targets.get(name, {}).items():
        lib = doc.get("libraries", {}).get(key, {})
        if lib.get("type") not in ("package", "project"):
            continue
        pkg_name, version = key.split("/", 1)
        out.append({
            "name": pkg_name,
            "version": version,
            "type": lib["type"],
            "sha512": lib.get("sha512", ""),
            "dependencies": sorted((entry.get("dependencies") or {}).keys()),
        })
    out.sort(key=lambda p: (p["name"], p["version"]))
    top = deps.relative_to(here).parts[0]
    (here / top / "truth.json").write_text(json.dumps(
        {"path": str(deps.relative_to(here / top)), "runtime_target": name, "packages": out},
        indent=2, ensure_ascii=False) + "\n")
