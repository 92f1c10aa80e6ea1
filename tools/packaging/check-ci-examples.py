#!/usr/bin/env python3
"""Checks that docs/ci/*.yml|yaml parse as YAML and hold what docs/install.md says they show (make ci-examples-check)."""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parents[2] / "docs" / "ci"
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


files = sorted(list(root.glob("*.yml")) + list(root.glob("*.yaml")))
need(files, f"no YAML files in {root}")
docs = {}
for f in files:
    try:
        docs[f.name] = list(yaml.safe_load_all(f.read_text()))
        print(f"{f.relative_to(root.parents[1])}: parses ({len(docs[f.name])} document(s))")
    except yaml.YAMLError as e:
        errors.append(f"{f}: {e}")

if "github-actions.yml" in docs:
    jobs = docs["github-actions.yml"][0]["jobs"]
    need(jobs["test"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4], "github-actions.yml: test matrix over 4 shards")
    text = (root / "github-actions.yml").read_text()
    for s in ("SPECGATE_DEB_URL", "--shard", "upload-sarif", "--format markdown", "specgate mock"):
        need(s in text, f"github-actions.yml: mentions {s}")
if "gitlab-ci.yml" in docs:
    jobs = docs["gitlab-ci.yml"][0]
    need(jobs["specgate-test"]["parallel"] == 4, "gitlab-ci.yml: specgate-test parallel: 4")
    text = (root / "gitlab-ci.yml").read_text()
    for s in ("SPECGATE_DEB_URL", "--shard", "sarif", "--format markdown", "specgate mock"):
        need(s in text, f"gitlab-ci.yml: mentions {s}")
if "kubernetes.yaml" in docs:
    kinds = {d["kind"]: d for d in docs["kubernetes.yaml"] if d}
    need(set(kinds) == {"Deployment", "Service"}, "kubernetes.yaml: a Deployment and a Service")
    c = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        need(c.get(probe, {}).get("httpGet", {}).get("path") == "/__specgate/health", f"kubernetes.yaml: {probe} on /__specgate/health")
    need("0.0.0.0" in c["args"], "kubernetes.yaml: the mock listens on 0.0.0.0")

for e in errors:
    print(f"check-ci-examples: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
