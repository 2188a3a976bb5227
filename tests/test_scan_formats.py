"""`scan` finds and scans its inputs through the format registry (analyzer/formats.py): the
units it scans are the units `--changed-from` asks about, named alike, in one order."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.formats import SCAN_ORDER, discover
from analyzer.scan import ScanOptions, collect_pieces
from analyzer.walk import Excludes

ROOT = """provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
"""

PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "planned_values": {"root_module": {"resources": [{
        "address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data",
        "provider_name": "registry.terraform.io/hashicorp/aws", "values": {"bucket": "acme-data"}}]}},
    "resource_changes": [{
        "address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": {"bucket": "acme-data"}, "after_unknown": {}}}],
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                    "expressions": {"region": {"constant_value": "eu-west-1"}}}},
        "root_module": {"resources": [{"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket",
                                       "name": "data", "provider_config_key": "aws",
                                       "expressions": {"bucket": {"constant_value": "acme-data"}}}]}},
}

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: jobs
spec:
  template:
    spec:
      containers:
        - name: worker
          image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:1.0
"""

CHART = "apiVersion: v2\nname: app\nversion: 0.1.0\n"
TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  region: eu-west-1
"""


def _tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    files = {"infra/main.tf": ROOT, "infra/plan.json": json.dumps(PLAN, indent=2), "k8s/worker.yaml": MANIFEST,
             "charts/app/Chart.yaml": CHART, "charts/app/templates/cm.yaml": TEMPLATE}
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    (repo / ".git").mkdir()  # the scan's boundary: this repository
    outside = tmp_path / "elsewhere.json"
    outside.write_text(json.dumps(PLAN), encoding="utf-8")
    (repo / "k8s" / "linked-plan.json").symlink_to(outside)  # refused by the tree guard: an error, not a unit
    return repo


def test_scan_order_is_plans_manifests_charts_then_terraform() -> None:
    assert [f.kind for f in SCAN_ORDER] == ["plan", "manifest", "chart", "terraform"]


def test_the_scan_asks_the_registry_for_the_units_changed_from_selects(tmp_path: Path) -> None:
    repo = _tree(tmp_path)
    offered: list[tuple[str, str]] = []

    def select(units: list[tuple[str, str, Path]], _tree: object) -> set[tuple[str, str]]:
        offered.extend((kind, rel) for kind, rel, _path in units)
        return {(kind, rel) for kind, rel, _path in units if kind != "chart"}

    pieces = list(collect_pieces([repo], ScanOptions(use_cache=False), repo, select))
    assert offered == [("plan", "infra/plan.json"), ("manifest", "k8s/worker.yaml"), ("chart", "charts/app"),
                       ("terraform", "infra")]
    found = discover([repo], repo, Excludes())[0]
    assert sorted((u.kind, u.rel) for u in found) == sorted(offered)
    # the chart was not picked: nothing of it is rendered
    assert [p.kind for p in pieces] == ["error", "plan", "manifest", "tree", "root", "parsed"]
    refused = pieces[0].inventory.errors
    assert [e.file for e in refused] == ["k8s/linked-plan.json"] and "outside" in refused[0].message


def test_a_full_scan_reads_every_format_once(tmp_path: Path) -> None:
    repo = _tree(tmp_path)
    pieces = list(collect_pieces([repo], ScanOptions(use_cache=False), repo))
    assert [(p.kind, p.order) for p in pieces] == [("error", (0, 0, 0)), ("plan", (0, 1, 0)), ("manifest", (0, 1, 1)),
                                                    ("chart", (0, 1, 2)), ("terraform", (0, 2, 0))]
    kinds = {p.kind: sorted(r.address for r in p.inventory.rows) for p in pieces}
    assert kinds["plan"] == ["aws_s3_bucket.data"] and kinds["terraform"] == ["aws_s3_bucket.data"]
    assert kinds["manifest"] == ["Deployment/jobs/worker"]
    assert kinds["chart"] == ["ConfigMap/default/app"]
    assert all(r.origin == "kubernetes" for p in pieces if p.kind in ("manifest", "chart") for r in p.inventory.rows)
