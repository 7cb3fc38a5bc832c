#!/usr/bin/env python3
"""Validate the CI integrations against SchemaStore's published JSON schemas.

    check_ci_schemas.py SCHEMA_DIR

SCHEMA_DIR holds github-action.json and gitlab-ci.json from
https://github.com/SchemaStore/schemastore (src/schemas/json/). They are not
vendored in this repository: see docs/attestation.md for where they come from.

The GitLab template defines only hidden jobs (`.name`), which the schema
accepts whatever they hold, so each one is checked as a visible job (dot
dropped, `extends` renamed the same way; the base job gets a placeholder
`script`, which its extenders supply).
"""

import json
import os
import sys

import jsonschema
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def errors(schema_path, doc):
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


def visible(template):
    out = {}
    for name, job in template.items():
        job = dict(job)
        if isinstance(job.get("extends"), str):
            job["extends"] = job["extends"].lstrip(".")
        job.setdefault("script", ["true"])
        out[name.lstrip(".")] = job
    return out


def main():
    schemas = sys.argv[1]
    failed = False
    with open(os.path.join(ROOT, ".github/actions/sbomctl/action.yml")) as f:
        action = yaml.safe_load(f)
    with open(os.path.join(ROOT, "ci/gitlab/sbomctl.gitlab-ci.yml")) as f:
        template = yaml.safe_load(f)
    for what, schema, doc in [
        ("action.yml", "github-action.json", action),
        ("sbomctl.gitlab-ci.yml", "gitlab-ci.json", visible(template)),
    ]:
        errs = errors(os.path.join(schemas, schema), doc)
        print(f"{what}: {len(errs)} schema errors ({schema})")
        for e in errs:
            print(f"  {e}")
        failed |= bool(errs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
