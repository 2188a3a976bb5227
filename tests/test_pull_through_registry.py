"""An ECR pull-through cache rule names a registry host, not an image: CKV_RES_7 names that
host (terraform-aws-modules/ecr's `public.ecr.aws` rule was reported as "docker.io is a
public registry", because a bare host read as an image on Docker Hub)."""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan

MAIN_TF = '''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_ecr_pull_through_cache_rule" "public_ecr" {
  ecr_repository_prefix = "ecr-public"
  upstream_registry_url = "public.ecr.aws"
}

resource "aws_ecr_pull_through_cache_rule" "quay" {
  ecr_repository_prefix = "quay"
  upstream_registry_url = "https://quay.io/"
}

resource "aws_ecr_pull_through_cache_rule" "own" {
  ecr_repository_prefix = "mirror"
  upstream_registry_url = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
}
'''


def test_each_upstream_registry_is_named_as_itself(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}))
    images = {row.address: row.images for row in report.inventory}
    assert images == {
        "aws_ecr_pull_through_cache_rule.own": ["111122223333.dkr.ecr.us-east-1.amazonaws.com/*"],
        "aws_ecr_pull_through_cache_rule.public_ecr": ["public.ecr.aws/*"],
        "aws_ecr_pull_through_cache_rule.quay": ["quay.io/*"],
    }
    assert [(f.rule_id, f.address, f.line, f.message) for f in report.findings if f.rule_id in ("CKV_RES_1", "CKV_RES_7")] == [
        ("CKV_RES_7", "aws_ecr_pull_through_cache_rule.public_ecr", 6,
         "aws_ecr_pull_through_cache_rule.public_ecr uses image public.ecr.aws/*: public.ecr.aws is a public registry"),
        ("CKV_RES_7", "aws_ecr_pull_through_cache_rule.quay", 11,
         "aws_ecr_pull_through_cache_rule.quay uses image quay.io/*: quay.io is a public registry"),
        ("CKV_RES_1", "aws_ecr_pull_through_cache_rule.own", 16,
         "aws_ecr_pull_through_cache_rule.own uses image 111122223333.dkr.ecr.us-east-1.amazonaws.com/* from Amazon ECR in "
         "us-east-1, outside the allowed region eu-west-1"),
    ]
