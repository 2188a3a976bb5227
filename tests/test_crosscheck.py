"""Helm configuration and the Terraform creating what it names, scanned together."""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan

TERRAFORM = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-dp-data"
}

resource "aws_cloudwatch_log_group" "dp" {
  name = "/acme/dataplane"
}

resource "aws_ecr_repository" "operator" {
  name = "union/operator"
}
"""

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: storage
  namespace: union
data:
  storage.yaml: |
    storage:
      type: s3
      container: acme-dp-data
      connection:
        region: {storage_region}
  fluent-bit.conf: |
    [OUTPUT]
        Name           cloudwatch_logs
        log_group_name /acme/dataplane
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: operator
  namespace: union
spec:
  template:
    spec:
      containers:
        - name: operator
          image: {account}.dkr.ecr.eu-west-1.amazonaws.com/union/operator:1.14.0
"""


def _scan(tmp_path: Path, storage_region: str = "eu-west-1", account: str = "111122223333"):
    (tmp_path / "main.tf").write_text(TERRAFORM)
    (tmp_path / "dataplane.yaml").write_text(MANIFEST.replace("{storage_region}", storage_region)
                                             .replace("{account}", account))
    policy = Policy(region="eu-west-1", accounts=["111122223333"])
    return run_scan([tmp_path], policy, ScanOptions(use_cache=False))


def test_references_take_placement_from_the_terraform_that_creates_them(tmp_path: Path) -> None:
    report = _scan(tmp_path)
    refs = {(r.address, r.kind, r.name): r for r in report.inventory if r.refers_to}
    assert sorted((key, r.refers_to) for key, r in refs.items()) == [
        (("ConfigMap/union/storage", "bucket", "acme-dp-data"), "aws_s3_bucket.data"),
        (("ConfigMap/union/storage", "log_group", "/acme/dataplane"), "aws_cloudwatch_log_group.dp"),
        (("Deployment/union/operator", "registry", "union/operator"), "aws_ecr_repository.operator"),
    ]
    # fluent-bit names no region: it is the log group's, with the chain named -> created -> provider
    log = refs[("ConfigMap/union/storage", "log_group", "/acme/dataplane")]
    assert log.region.value == "eu-west-1" and log.region.status == "resolved"
    assert [(e.file, e.line) for e in log.region.evidence][:2] == [("dataplane.yaml", 16), ("main.tf", 10)]
    assert log.region.evidence[0].note == "ConfigMap/union/storage names log group /acme/dataplane"
    assert log.region.evidence[1].note == "aws_cloudwatch_log_group.dp creates log group /acme/dataplane"
    assert [f for f in report.findings if f.suppressed is None] == []


def test_region_disagreement_is_ckv_res_1_with_both_sides_as_evidence(tmp_path: Path) -> None:
    report = _scan(tmp_path, storage_region="us-east-1")
    findings = [(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings]
    assert findings == [(
        "CKV_RES_1", "ConfigMap/union/storage", "dataplane.yaml", 10,
        "ConfigMap/union/storage names bucket acme-dp-data in region us-east-1, but aws_s3_bucket.data "
        "creates it in eu-west-1")]
    evidence = [(e.file, e.line) for e in report.findings[0].evidence]
    assert evidence[:2] == [("dataplane.yaml", 12), ("main.tf", 6)]


def test_account_disagreement_of_an_image_repository_is_ckv_res_5(tmp_path: Path) -> None:
    report = _scan(tmp_path, account="999988887777")
    got = sorted((f.rule_id, f.address, f.message) for f in report.findings)
    assert ("CKV_RES_5", "Deployment/union/operator",
            "Deployment/union/operator names registry union/operator in account 999988887777, but "
            "aws_ecr_repository.operator creates it in 111122223333") in got
    # the image itself is judged by CKV_RES_7 as before
    assert any(rule == "CKV_RES_7" and "999988887777" in message for rule, _, message in got)


def test_without_terraform_a_bucket_with_no_region_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "dataplane.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: archive\n  namespace: union\n"
        "data:\n  ARCHIVE: gs://acme-archive/runs\n")
    report = run_scan([tmp_path], Policy(region="europe-west4"), ScanOptions(use_cache=False))
    assert [(f.rule_id, f.address, f.line) for f in report.findings] == [("CKV_RES_2", "ConfigMap/union/archive", 7)]
    assert "names bucket acme-archive (ARCHIVE) but no region beside it" in report.findings[0].message


def test_a_project_named_in_env_outside_the_allowed_ones_is_ckv_res_5(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: export\n  namespace: union\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: export\n"
        "          image: europe-west4-docker.pkg.dev/acme-dp-prod/union/export:1.0\n"
        "          env:\n            - name: GOOGLE_CLOUD_PROJECT\n              value: analytics-shared\n")
    policy = Policy(region="europe-west4", accounts=["acme-dp-prod"])
    report = run_scan([tmp_path], policy, ScanOptions(use_cache=False))
    assert [(f.rule_id, f.address, f.line, f.message) for f in report.findings] == [(
        "CKV_RES_5", "Job/union/export", 14, "Job/union/export names project analytics-shared, not in the allowed "
                                             "acme-dp-prod")]
    assert report.findings[0].evidence[0].note == (
        "Job/union/export containers export env GOOGLE_CLOUD_PROJECT = analytics-shared")


def test_a_name_created_in_two_regions_links_to_the_one_the_config_names(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM + '''
provider "aws" {
  alias               = "dr"
  region              = "eu-central-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_cloudwatch_log_group" "dr" {
  provider = aws.dr
  name     = "/acme/dataplane"
}
''')
    (tmp_path / "fluent-bit.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fb\n  namespace: logging\ndata:\n  fluent-bit.conf: |\n"
        "    [OUTPUT]\n        Name cloudwatch_logs\n        region eu-west-1\n        log_group_name /acme/dataplane\n")
    policy = Policy(regions=["eu-west-1", "eu-central-1"], accounts=["111122223333"])
    report = run_scan([tmp_path], policy, ScanOptions(use_cache=False))
    [log] = [r for r in report.inventory if r.address == "ConfigMap/logging/fb"]
    assert log.refers_to == "aws_cloudwatch_log_group.dp" and log.conflicts == []
    assert [f for f in report.findings if f.suppressed is None] == []


def test_each_image_is_judged_once(tmp_path: Path) -> None:
    report = _scan(tmp_path, account="999988887777")
    assert [f.address for f in report.findings if f.rule_id == "CKV_RES_7"] == ["Deployment/union/operator"]
