"""The reviewer's report on Helm references: their own group, labelled with what they name,
confirmed through the Terraform resource they match or through the command of their kind."""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.review.classify import build_review
from analyzer.scan import ScanOptions, run_scan
from tests.helm.test_platform_chart import FN, _scan

ARCHIVER = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: archiver
  namespace: logging
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: archiver
              image: europe-west4-docker.pkg.dev/acme-dp-prod/union/archiver:1.0
              env:
                - name: ARCHIVE_URI
                  value: gs://acme-log-archive/daily
"""


def test_matched_references_point_at_their_terraform_resource() -> None:
    review = build_review(_scan("aws"))
    [group] = [g for g in review.groups if g.classification.key == "references"]
    storage = next(i for i in group.items if i.row.address == f"ConfigMap/union/{FN}-storage" and i.row.name)
    assert storage.command.command == "# confirmed by the command of aws_s3_bucket.metadata"
    assert not any(i.row.kind == "workload" for i in group.items)  # workloads stay under compute


def test_an_unmatched_reference_gets_the_command_of_its_kind(tmp_path: Path) -> None:
    (tmp_path / "archiver.yaml").write_text(ARCHIVER)
    report = run_scan([tmp_path], Policy(region="europe-west4", accounts=["acme-dp-prod"]), ScanOptions(use_cache=False))
    review = build_review(report)
    [group] = [g for g in review.groups if g.classification.key == "references"]
    [item] = group.items
    assert (item.row.address, item.row.name) == ("CronJob/logging/archiver", "acme-log-archive")
    assert item.command.command == "gcloud storage buckets describe gs://acme-log-archive --format='value(location)'"
    # its CKV_RES_2 (no region anywhere) is listed on it, not on the CronJob's workload row
    assert [f.rule_id for f in item.findings] == ["CKV_RES_2"]
    workload = next(i for g in review.groups for i in g.items if i.row.kind == "workload")
    assert workload.findings == []
