#!/usr/bin/env python3
"""Validate SBOM documents with the official SPDX and CycloneDX libraries.

Runs in the test venv (scripts/test.sh installs scripts/requirements-test.txt
into target/venv). Many files are checked in one process, because importing
the libraries and loading the schemas is most of the cost.

Usage:
    validate_sbom.py FORMAT VERSION FILE...
    validate_sbom.py < jobs.json    # [{"format": F, "version": V, "file": P}, ...]

FORMAT is spdx (or spdx-tag-value), spdx-json, spdx3-json, cyclonedx-json,
cyclonedx-xml or syft-json; VERSION is the specification version (2.2, 2.3,
3.0.1, 1.4, 1.5, 1.6, 1.7; for syft-json the syft schema version, e.g. 16.1.10, whose
schema is vendored in testdata/schemas/syft/).

For each file one JSON line goes to stdout:
    {"file": P, "format": F, "version": V, "ok": bool, "errors": [...],
     "packages": [[name, version, purl], ...], "seconds": float}
where packages are read back with the official parsers. Exits 1 if any file
is not valid, 2 on bad usage.

SPDX: spdx_tools' parse_file, then validate_full_spdx_document with the
requested version; any validation message is a failure (what
`pyspdxtools -i FILE --version SPDX-V` checks). CycloneDX JSON: the strict
JSON schema validator; CycloneDX XML: the XSD validator. Both also check
that the document states the requested specVersion.

SPDX 3: spdx3-validate's library (`spdx3_validate.validate`, what the
`spdx3-validate` CLI runs): the SPDX 3.0.1 JSON schema, then SHACL (pyshacl)
with the SPDX model. It downloads the JSON-LD context, the SHACL model and
the schema from spdx.org; here every https request goes to the copies
vendored unchanged in testdata/schemas/spdx3/ (SOURCES.md), and any other URL
fails, so validation never touches the network. The schema and the SHACL
graph are loaded once per process, not once per file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

SPDX_FORMATS = {"spdx", "spdx-tag-value", "spdx-tv", "spdx-json"}
CDX_FORMATS = {"cyclonedx-json", "cyclonedx-xml"}
SYFT_FORMATS = {"syft-json"}
SPDX3_FORMATS = {"spdx3-json"}
# The SPDX 3.0.1 context, model and schema, vendored from spdx/spdx-spec
# (Community-Spec-1.0; testdata/schemas/spdx3/SOURCES.md).
SPDX3_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "schemas", "spdx3")
SPDX3_FILES = {
    "https://spdx.org/rdf/3.0.1/spdx-context.jsonld": ("spdx-context.jsonld", "application/ld+json"),
    "https://spdx.org/rdf/3.0.1/spdx-model.ttl": ("spdx-model.ttl", "text/turtle"),
    "https://spdx.org/schema/3.0.1/spdx-json-schema.json": ("spdx-json-schema.json", "application/json"),
}
# syft's published JSON schemas, vendored from anchore/syft (Apache-2.0;
# testdata/schemas/syft/SOURCES.md).
SYFT_SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "schemas", "syft")
# Component types that stand for a cataloged package (the image itself is
# `container`, the distro `operating-system`).
CDX_PACKAGE_TYPES = {"library", "framework", "application"}


@contextlib.contextmanager
def shared_licensing():
    """spdx-tools' tag-value parser builds a new SPDX license index
    (license_expression.get_spdx_licensing(): the whole license list,
    loaded and compiled) for every license expression it reads: minutes on
    a document of a few thousand packages. Its JSON parser and its
    validator share one index built once (spdx_tools.common.spdx_licensing);
    while parsing, the tag-value parser gets that same index. Off with
    SBOMCTL_SPDX_PLAIN_LOOKUPS=1 (see indexed_lookups)."""
    if os.environ.get("SBOMCTL_SPDX_PLAIN_LOOKUPS"):
        yield
        return
    import spdx_tools.spdx.parser.tagvalue.parser as tagvalue_parser
    from spdx_tools.common.spdx_licensing import spdx_licensing

    build = tagvalue_parser.get_spdx_licensing
    tagvalue_parser.get_spdx_licensing = lambda: spdx_licensing
    try:
        yield
    finally:
        tagvalue_parser.get_spdx_licensing = build


@contextlib.contextmanager
def indexed_lookups(doc):
    """spdx-tools' validator finds each SPDX ID it checks by listing every
    element of the document again, and each package's CONTAINS /
    CONTAINED_BY relationships by scanning every relationship: quadratic,
    minutes on a document of a few thousand packages. Both lookups are pure
    functions of the parsed document, which validation does not change;
    while `doc` is validated they are answered from an index built once,
    giving the same lists in the same order (so the same verdicts: the
    sample-image tests compare them with SBOMCTL_SPDX_PLAIN_LOOKUPS=1, which
    turns this off)."""
    if os.environ.get("SBOMCTL_SPDX_PLAIN_LOOKUPS"):
        yield
        return
    import spdx_tools.spdx.validation.package_validator as package_validator
    import spdx_tools.spdx.validation.spdx_id_validators as spdx_id_validators

    all_ids = spdx_id_validators.get_list_of_all_spdx_ids
    by_origin = package_validator.filter_by_type_and_origin
    by_target = package_validator.filter_by_type_and_target
    ids = all_ids(doc)
    origins: dict = {}
    targets: dict = {}
    for r in doc.relationships:
        origins.setdefault((r.relationship_type, r.spdx_element_id), []).append(r)
        # `NONE` / `NOASSERTION` targets (SpdxNone, SpdxNoAssertion) are not
        # hashable and never equal a package's id: the scan skips them too.
        if isinstance(r.related_spdx_element_id, str):
            targets.setdefault((r.relationship_type, r.related_spdx_element_id), []).append(r)
    spdx_id_validators.get_list_of_all_spdx_ids = lambda d: list(ids) if d is doc else all_ids(d)
    package_validator.filter_by_type_and_origin = lambda rs, t, i: (
        list(origins.get((t, i), ())) if rs is doc.relationships else by_origin(rs, t, i)
    )
    package_validator.filter_by_type_and_target = lambda rs, t, i: (
        list(targets.get((t, i), ())) if rs is doc.relationships else by_target(rs, t, i)
    )
    try:
        yield
    finally:
        spdx_id_validators.get_list_of_all_spdx_ids = all_ids
        package_validator.filter_by_type_and_origin = by_origin
        package_validator.filter_by_type_and_target = by_target


def spdx_check(fmt: str, version: str, path: str) -> tuple[list[str], list[list[str]]]:
    from spdx_tools.spdx.formats import FileFormat, file_name_to_format
    from spdx_tools.spdx.model import ExternalPackageRefCategory
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    want = FileFormat.JSON if fmt == "spdx-json" else FileFormat.TAG_VALUE
    # parse_file picks the parser from the file name; refuse a name that
    # would send the document to the wrong parser.
    try:
        got = file_name_to_format(path)
    except ValueError as e:
        return [f"file name: {e}"], []
    if got != want:
        return [f"file name {path!r} selects the {got.name} parser, not {want.name}"], []
    try:
        with shared_licensing():
            doc = parse_file(path)
    except SPDXParsingError as e:
        return ["parse: " + m for m in e.get_messages()], []
    except Exception as e:  # the parsers raise plain errors on bad syntax too
        return [f"parse: {type(e).__name__}: {e}"], []
    with indexed_lookups(doc):
        messages = validate_full_spdx_document(doc, f"SPDX-{version}")
    errors = [f"{m.validation_message} (in {m.context.spdx_id or '?'})" for m in messages]
    packages = []
    for p in doc.packages:
        purls = [
            r.locator
            for r in p.external_references
            if r.category == ExternalPackageRefCategory.PACKAGE_MANAGER and r.reference_type == "purl"
        ]
        if len(purls) > 1:
            errors.append(f"package {p.spdx_id} has {len(purls)} purl references")
        version_ = p.version if isinstance(p.version, str) else ""
        packages.append([p.name, version_, purls[0] if purls else ""])
    return errors, packages


def cdx_packages_json(bom: dict) -> list[list[str]]:
    out: list[list[str]] = []

    def walk(components: list) -> None:
        for c in components or []:
            if c.get("type") in CDX_PACKAGE_TYPES:
                out.append([c.get("name", ""), c.get("version", ""), c.get("purl", "")])
            walk(c.get("components", []))

    walk(bom.get("components", []))
    return out


def cdx_packages_xml(root: ET.Element, ns: str) -> list[list[str]]:
    out: list[list[str]] = []

    def text(el: ET.Element, tag: str) -> str:
        child = el.find(f"{{{ns}}}{tag}")
        return (child.text or "") if child is not None else ""

    def walk(components: ET.Element | None) -> None:
        if components is None:
            return
        for c in components.findall(f"{{{ns}}}component"):
            if c.get("type") in CDX_PACKAGE_TYPES:
                out.append([text(c, "name"), text(c, "version"), text(c, "purl")])
            walk(c.find(f"{{{ns}}}components"))

    walk(root.find(f"{{{ns}}}components"))
    return out


_cdx_validators: dict = {}


def cdx_validator(fmt: str, version: str):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator

    key = (fmt, version)
    if key not in _cdx_validators:
        sv = SchemaVersion.from_version(version)
        cls = JsonStrictValidator if fmt == "cyclonedx-json" else XmlValidator
        _cdx_validators[key] = cls(sv)
    return _cdx_validators[key]


def cdx_check(fmt: str, version: str, path: str) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8") as f:
        data = f.read()
    validator = cdx_validator(fmt, version)
    try:
        found = validator.validate_str(data, all_errors=True)
    except Exception as e:  # malformed JSON/XML
        return [f"parse: {type(e).__name__}: {e}"], []
    errors = [_short(_describe(e.data)) for e in (found or [])]
    packages: list[list[str]] = []
    if fmt == "cyclonedx-json":
        bom = json.loads(data)
        if bom.get("specVersion") != version:
            errors.append(f"specVersion is {bom.get('specVersion')!r}, want {version!r}")
        packages = cdx_packages_json(bom)
    else:
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            return errors + [f"parse: {e}"], []
        ns = f"http://cyclonedx.org/schema/bom/{version}"
        if root.tag != f"{{{ns}}}bom":
            errors.append(f"root element is {root.tag}, want {{{ns}}}bom")
        packages = cdx_packages_xml(root, ns)
    return errors, packages


_syft_validators: dict = {}


def syft_check(version: str, path: str) -> tuple[list[str], list[list[str]]]:
    """syft JSON: the published schema of `version` (draft 2020-12, with
    format checks), and the document must claim that version."""
    import jsonschema

    if version not in _syft_validators:
        schema_path = os.path.join(SYFT_SCHEMA_DIR, f"schema-{version}.json")
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _syft_validators[version] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    with open(path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except ValueError as e:
            return [f"parse: {e}"], []
    validator = _syft_validators[version]
    errors = [_short(_describe(e)) for e in validator.iter_errors(doc)]
    if isinstance(doc, dict):
        errors.extend(syft_strict_errors(version, doc))
    claimed = (doc.get("schema") or {}).get("version") if isinstance(doc, dict) else None
    if claimed != version:
        errors.append(f"schema.version is {claimed!r}, want {version!r}")
    packages = [
        [a.get("name", ""), a.get("version", ""), a.get("purl", "")]
        for a in (doc.get("artifacts") or [] if isinstance(doc, dict) else [])
    ]
    return errors, packages


_syft_strict: dict = {}


def _closed(node):
    """A copy of a schema node where every object with `properties` allows
    no other property."""
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


def syft_strict_errors(version: str, doc: dict) -> list[str]:
    """What syft's schema leaves unchecked: `metadata` is an `anyOf` of
    every metadata type without `additionalProperties: false`, so any
    object passes. Here each artifact's metadata must match the type its
    `metadataType` names (`python-package` -> `$defs/PythonPackage`), with
    no field that type lacks; file ids are unique and every relationship
    joins the source, artifacts or files."""
    import jsonschema

    if version not in _syft_strict:
        schema_path = os.path.join(SYFT_SCHEMA_DIR, f"schema-{version}.json")
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        _syft_strict[version] = _closed(schema["$defs"])
    defs = _syft_strict[version]
    errors = []
    for i, a in enumerate(doc.get("artifacts") or []):
        if not isinstance(a, dict):
            continue
        ty, meta = a.get("metadataType"), a.get("metadata")
        if ty is None and meta is None:
            continue
        name = "".join(part.capitalize() for part in str(ty).split("-"))
        if name not in defs:
            errors.append(f"/artifacts/{i}: unknown metadataType {ty!r}")
            continue
        key = (version, name)
        if key not in _syft_strict:
            sub = {"$ref": f"#/$defs/{name}", "$defs": defs}
            _syft_strict[key] = jsonschema.Draft202012Validator(sub)
        for e in _syft_strict[key].iter_errors(meta):
            errors.append(_short(f"/artifacts/{i}/metadata ({ty}): " + _describe(e)))
    file_ids = [f.get("id") for f in doc.get("files") or [] if isinstance(f, dict)]
    if len(set(file_ids)) != len(file_ids):
        errors.append("files: duplicate ids")
    ids = set(file_ids) | {a.get("id") for a in doc.get("artifacts") or [] if isinstance(a, dict)}
    ids.add((doc.get("source") or {}).get("id"))
    for i, r in enumerate(doc.get("artifactRelationships") or []):
        for end in ("parent", "child"):
            if isinstance(r, dict) and r.get(end) not in ids:
                errors.append(f"/artifactRelationships/{i}/{end}: {r.get(end)!r} is no source, artifact or file id")
    return errors[:50]

_spdx3_ready: list = []


def _spdx3_offline() -> None:
    """Serves the vendored SPDX 3 files for their spdx.org URLs to urllib
    (which spdx3-validate and rdflib's URL and JSON-LD context loaders
    use), refuses every other URL, and loads the schema and SHACL model once."""
    if _spdx3_ready:
        return
    import email.message
    import functools
    import urllib.error
    import urllib.request
    import urllib.response

    import spdx3_validate.core as core

    class Vendored(urllib.request.BaseHandler):
        handler_order = 100  # before the real http(s) handlers

        def _serve(self, req):
            url = req.full_url
            if url not in SPDX3_FILES:
                raise urllib.error.URLError(f"offline: no vendored copy of {url}")
            name, ctype = SPDX3_FILES[url]
            headers = email.message.Message()
            headers["Content-Type"] = ctype
            fp = open(os.path.join(SPDX3_DIR, name), "rb")
            resp = urllib.response.addinfourl(fp, headers, url, 200)
            resp.msg = "OK"
            return resp

        https_open = _serve
        http_open = _serve

    urllib.request.install_opener(urllib.request.build_opener(Vendored()))
    core.load_validation_data = functools.lru_cache(maxsize=None)(core.load_validation_data)
    if not os.environ.get("SBOMCTL_SPDX3_PLAIN_SCHEMA"):
        plain = core.schema_validator
        made: dict = {}

        def schema_validator(schema):
            if id(schema) not in made:
                made[id(schema)] = (schema, _Spdx3DispatchValidator(schema, plain))
            return made[id(schema)][1]

        core.schema_validator = schema_validator
    _spdx3_ready.append(True)


class _Spdx3DispatchValidator:
    """The SPDX 3 JSON schema, checked a `@graph` element at a time against
    only the `AnyClass` branch its `type` names.

    Each `@graph` item must match `{"$ref": AnyClass, "unevaluatedProperties":
    false}`, and `AnyClass` is an `anyOf` over ~100 classes. python-jsonschema
    evaluates every branch of that `anyOf` for every element to find the
    evaluated properties, which costs ~0.15 s per element (minutes for a real
    image). Every branch requires `type` to be its own class name (checked
    below when the schema is loaded; a branch that does not is always kept),
    so for an element whose `type` is a string all other branches fail, and
    the `anyOf` over the one branch gives the same verdict. An element
    without a string `type`, or whose `type` no branch names, is checked
    against the full `AnyClass`; the document without its `@graph` items is
    checked against the whole schema. Same library, same schema, same
    verdicts (cli/tests/it/formats.rs compares them with
    SBOMCTL_SPDX3_PLAIN_SCHEMA=1, which turns this off)."""

    def __init__(self, schema, plain):
        import jsonschema
        from jsonschema.exceptions import ValidationError

        self.schema = schema
        checked = plain(schema)  # checks the schema against its metaschema

        # `Element_derived` and its kin are `anyOf [{type: object, anyOf:
        # [every class]}, IRI]`: for a reference (a string) python-jsonschema
        # still walks every class after the `type` error. A subschema whose
        # `type` is `object` fails on a non-object whatever else it says, so
        # this `anyOf` skips evaluating it then (same verdict, less work).
        def any_of(validator, any_of, instance, schema):
            all_errors = []
            for index, subschema in enumerate(any_of):
                if (
                    isinstance(subschema, dict)
                    and subschema.get("type") == "object"
                    and not validator.is_type(instance, "object")
                ):
                    all_errors.append(ValidationError(f"{instance!r} is not of type 'object'"))
                    continue
                errs = list(validator.descend(instance, subschema, schema_path=index))
                if not errs:
                    break
                all_errors.extend(errs)
            else:
                yield ValidationError(
                    f"{instance!r} is not valid under any of the given schemas",
                    context=all_errors,
                )

        cls = jsonschema.validators.extend(type(checked), {"anyOf": any_of})
        self.cls = cls
        self.full = cls(schema)
        defs = schema["$defs"]
        self.branches: dict = {}
        self.always: list = []
        for branch in defs["AnyClass"]["anyOf"]:
            names = self._type_consts(defs, branch)
            if names is None:
                self.always.append(branch)
            else:
                for n in names:
                    self.branches.setdefault(n, []).append(branch)
        self.items: dict = {}

    @staticmethod
    def _type_consts(defs, branch):
        ref = branch.get("$ref", "")
        if set(branch) != {"$ref"} or not ref.startswith("#/$defs/"):
            return None
        body = defs.get(ref[len("#/$defs/"):], {})
        try:
            t = body["allOf"][0]["properties"]["type"]
            consts = [alt["const"] for alt in t["oneOf"]]
        except (KeyError, IndexError, TypeError):
            return None
        if set(t) != {"oneOf"} or any(set(alt) != {"const"} for alt in t["oneOf"]):
            return None
        return consts

    def _item_validator(self, kind):
        key = kind if isinstance(kind, str) and kind in self.branches else None
        if key not in self.items:
            graph = self.schema["oneOf"][0]["properties"]["@graph"]["items"]
            defs = dict(self.schema["$defs"])
            if key is not None:
                defs["sbomctl_AnyClassOf"] = {"anyOf": self.branches[key] + self.always}
                ref = "#/$defs/sbomctl_AnyClassOf"
            else:
                ref = graph["$ref"]
            item = dict(graph)
            item["$ref"] = ref
            item["$schema"] = self.schema["$schema"]
            item["$defs"] = defs
            # The schema is the one `plain` checked once; only the entry
            # point differs, so skip re-checking it against the metaschema.
            self.items[key] = self.cls(item)
        return self.items[key]

    def iter_errors(self, data):
        graph = data.get("@graph") if isinstance(data, dict) else None
        if not isinstance(graph, list):
            yield from self.full.iter_errors(data)
            return
        top = dict(data)
        top["@graph"] = []
        yield from self.full.iter_errors(top)
        for i, element in enumerate(graph):
            kind = element.get("type") if isinstance(element, dict) else None
            for e in self._item_validator(kind).iter_errors(element):
                e.path.appendleft(i)
                e.path.appendleft("@graph")
                yield e


def spdx3_check(version: str, path: str) -> tuple[list[str], list[list[str]]]:
    """SPDX 3 JSON-LD: spdx3-validate (JSON schema and SHACL), offline.
    Packages are the software_Package elements but the Sbom's roots."""
    _spdx3_offline()
    import spdx3_validate

    with open(path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except ValueError as e:
            return [f"parse: {e}"], []
    if not isinstance(doc, dict):
        return ["not a JSON object"], []
    try:
        result = spdx3_validate.validate(path, version=version)
    except spdx3_validate.SpdxValidateError as e:
        return [f"{type(e).__name__}: {e}"], []
    errors = [_short(f"[{e.kind}] {e.message}") for e in result.errors]
    graph = doc.get("@graph") or []
    roots = {
        r for e in graph if e.get("type") in ("software_Sbom", "SpdxDocument") for r in e.get("rootElement", [])
    }
    packages = [
        [e.get("name", ""), e.get("software_packageVersion", ""), e.get("software_packageUrl", "")]
        for e in graph
        if e.get("type") == "software_Package" and e.get("spdxId") not in roots
    ]
    return errors, packages


def _describe(data) -> str:
    # jsonschema's ValidationError prints the whole schema; lxml's log entry
    # has a line number.
    if hasattr(data, "absolute_path") and hasattr(data, "message"):
        where = "/".join(str(p) for p in data.absolute_path)
        return f"/{where}: {data.message}"
    if hasattr(data, "line") and hasattr(data, "message"):
        return f"line {data.line}: {data.message}"
    return str(data)


def _short(s: str, limit: int = 2000) -> str:
    return s if len(s) <= limit else s[:limit] + "…"


def check(job: dict) -> dict:
    fmt, version, path = job["format"], job["version"], job["file"]
    start = time.monotonic()
    try:
        if fmt in SPDX_FORMATS:
            if version not in ("2.2", "2.3"):
                raise ValueError(f"unsupported SPDX version {version}")
            errors, packages = spdx_check(fmt, version, path)
        elif fmt in CDX_FORMATS:
            if version not in ("1.4", "1.5", "1.6", "1.7"):
                raise ValueError(f"unsupported CycloneDX version {version}")
            errors, packages = cdx_check(fmt, version, path)
        elif fmt in SYFT_FORMATS:
            errors, packages = syft_check(version, path)
        elif fmt in SPDX3_FORMATS:
            if version != "3.0.1":
                raise ValueError(f"unsupported SPDX 3 version {version}")
            errors, packages = spdx3_check(version, path)
        else:
            raise ValueError(f"unknown format {fmt}")
    except Exception as e:  # one verdict per file, whatever went wrong
        errors, packages = [f"{type(e).__name__}: {e}"], []
    return {
        "file": path,
        "format": fmt,
        "version": version,
        "ok": not errors,
        "errors": errors,
        "packages": packages,
        "seconds": round(time.monotonic() - start, 3),
    }


def main(argv: list[str]) -> int:
    if len(argv) >= 3:
        fmt, version = argv[0], argv[1]
        jobs = [{"format": fmt, "version": version, "file": f} for f in argv[2:]]
    elif not argv and not sys.stdin.isatty():
        try:
            jobs = json.load(sys.stdin)
        except json.JSONDecodeError as e:
            print(f"stdin: not a JSON job list: {e}", file=sys.stderr)
            return 2
        if not isinstance(jobs, list):
            print("stdin: want a JSON list of {format, version, file}", file=sys.stderr)
            return 2
    else:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for job in jobs:
        result = check(job)
        failed += not result["ok"]
        print(json.dumps(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
