#!/usr/bin/env python3
"""Checks deploy/ offline (cli/tests/it/deploy.rs runs it).

- Kubernetes manifests (DIR/kubernetes/*.yaml): kubernetes-validate --strict
  against its bundled schema of Kubernetes 1.37 (unknown fields rejected).
- Argo templates (DIR/argo/*.yaml): parsed with PyYAML and checked for what
  Argo requires of a WorkflowTemplate (no Argo schema is available offline):
  apiVersion argoproj.io/v1alpha1, kind, metadata.name, spec.entrypoint
  naming a template, every template named once with exactly one of
  container/script/steps/dag/resource/suspend, every step's template
  defined, every {{inputs.parameters.X}} declared by its template and every
  {{workflow.parameters.X}} by spec.arguments.
- Every sbomctl container: its args start with a subcommand and each --flag
  they use is one `SBOMCTL SUBCOMMAND --help` lists.

Several directories may be given (one Python start: importing
kubernetes-validate takes seconds). Exit 0 when all pass, 1 with one line
per problem (starting with its file's path) otherwise.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import yaml
import kubernetes_validate
from kubernetes_validate.utils import ValidationError, InvalidSchemaError, SchemaNotFoundError

K8S_VERSION = "1.37.0"
TEMPLATE_KINDS = ("container", "script", "steps", "dag", "resource", "suspend", "containerSet", "data", "http")


def containers(doc):
    """The sbomctl containers of a Job, CronJob or WorkflowTemplate."""
    kind = doc.get("kind")
    if kind == "Job":
        yield from doc["spec"]["template"]["spec"]["containers"]
    elif kind == "CronJob":
        yield from doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    elif kind == "WorkflowTemplate":
        for t in doc["spec"].get("templates", []):
            if "container" in t:
                yield t["container"]


def check_args(where, container, help_of, problems):
    args = container.get("args") or []
    if not args or args[0].startswith("-"):
        problems.append(f"{where}: container args must start with a subcommand")
        return
    help_text = help_of(args[0])
    if help_text is None:
        problems.append(f"{where}: sbomctl has no subcommand {args[0]}")
        return
    for a in args:
        flag = a.split("=", 1)[0]
        if flag.startswith("--") and not re.search(r"(^|[\s,])" + re.escape(flag) + r"[\s=<,]", help_text):
            problems.append(f"{where}: sbomctl {args[0]} has no flag {flag}")


def check_argo(path, doc, problems):
    if doc.get("apiVersion") != "argoproj.io/v1alpha1":
        problems.append(f"{path}: apiVersion must be argoproj.io/v1alpha1")
    if doc.get("kind") not in ("WorkflowTemplate", "Workflow", "CronWorkflow", "ClusterWorkflowTemplate"):
        problems.append(f"{path}: kind {doc.get('kind')!r} is not an Argo workflow kind")
    if not (doc.get("metadata") or {}).get("name"):
        problems.append(f"{path}: metadata.name is missing")
    spec = doc.get("spec") or {}
    templates = spec.get("templates") or []
    names = [t.get("name") for t in templates]
    if any(not n for n in names):
        problems.append(f"{path}: a template has no name")
    if len(set(names)) != len(names):
        problems.append(f"{path}: template names repeat")
    if spec.get("entrypoint") not in names:
        problems.append(f"{path}: spec.entrypoint {spec.get('entrypoint')!r} names no template")
    workflow_params = {p.get("name") for p in (spec.get("arguments") or {}).get("parameters", [])}
    for t in templates:
        kinds = [k for k in TEMPLATE_KINDS if k in t]
        if len(kinds) != 1:
            problems.append(f"{path}: template {t.get('name')!r} needs exactly one of {', '.join(TEMPLATE_KINDS)}")
        inputs = {p.get("name") for p in (t.get("inputs") or {}).get("parameters", [])}
        text = yaml.safe_dump(t)
        for name in re.findall(r"\{\{inputs\.parameters\.([\w-]+)\}\}", text):
            if name not in inputs:
                problems.append(f"{path}: template {t.get('name')!r} uses undeclared input {name}")
        for name in re.findall(r"\{\{workflow\.parameters\.([\w-]+)\}\}", text):
            if name not in workflow_params:
                problems.append(f"{path}: template {t.get('name')!r} uses undeclared workflow parameter {name}")
        for group in t.get("steps") or []:
            for step in group:
                if step.get("template") not in names:
                    problems.append(f"{path}: step {step.get('name')!r} calls unknown template {step.get('template')!r}")
        for task in (t.get("dag") or {}).get("tasks", []):
            if task.get("template") not in names:
                problems.append(f"{path}: task {task.get('name')!r} calls unknown template {task.get('template')!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sbomctl", required=True)
    parser.add_argument("dirs", nargs="+", help="deploy directories (each checked on its own)")
    opts = parser.parse_args()
    helps = {}

    def help_of(subcommand):
        if subcommand not in helps:
            run = subprocess.run([opts.sbomctl, subcommand, "--help"], capture_output=True, text=True)
            helps[subcommand] = run.stdout if run.returncode == 0 else None
        return helps[subcommand]

    problems = []
    for d in opts.dirs:
        check_dir(d, help_of, problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


def check_dir(directory, help_of, problems):
    k8s = sorted(glob.glob(os.path.join(directory, "kubernetes", "*.yaml")))
    argo = sorted(glob.glob(os.path.join(directory, "argo", "*.yaml")))
    if not k8s or not argo:
        problems.append(f"{directory}: expected kubernetes/*.yaml and argo/*.yaml")
    for path in k8s + argo:
        with open(path) as f:
            try:
                docs = [d for d in yaml.safe_load_all(f) if d]
            except yaml.YAMLError as e:
                problems.append(f"{path}: not YAML: {e}")
                continue
        for doc in docs:
            if path in k8s:
                try:
                    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
                except ValidationError as e:
                    problems.append(f"{path}: {'.'.join(str(p) for p in e.path)}: {e.message}")
                except (InvalidSchemaError, SchemaNotFoundError) as e:
                    problems.append(f"{path}: {e}")
            else:
                check_argo(path, doc, problems)
            for c in containers(doc):
                check_args(f"{path} ({doc.get('kind')})", c, help_of, problems)


if __name__ == "__main__":
    main()
