"""Terraform semantics the fixture oracles do not cover: dynamic blocks, address escaping."""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, build_inventory, run_scan

PROVIDER = 'provider "aws" {\n  region              = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n}\n'


def test_dynamic_blocks_expand_with_their_iterator(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + '''
variable "replicas" {
  default = { dr = "eu-central-1", us = "us-east-1" }
}

resource "aws_secretsmanager_secret" "db" {
  name = "db"
  dynamic "replica" {
    for_each = var.replicas
    iterator = r
    content {
      region = r.value
    }
  }
}
''')
    report = run_scan([tmp_path], Policy(region="eu-west-1"), ScanOptions(env={}))
    flows = report.inventory[0].flows
    assert [(f.kind, f.region.value) for f in flows] == [("replica", "eu-central-1"), ("replica", "us-east-1")]
    assert [(f.rule_id, f.address, f.region) for f in report.findings] == [
        ("CKV_RES_4", "aws_secretsmanager_secret.db", "eu-central-1"),
        ("CKV_RES_4", "aws_secretsmanager_secret.db", "us-east-1")]


def test_dynamic_block_over_an_unknown_collection_is_unknown_not_empty(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + '''
variable "replicas" {
  type = list(string)
}

resource "aws_secretsmanager_secret" "db" {
  name = "db"
  dynamic "replica" {
    for_each = var.replicas
    content {
      region = replica.value
    }
  }
}
''')
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    # the replicas cannot be listed, so the scan must not claim there are none
    report = run_scan([tmp_path], Policy(region="eu-west-1"), ScanOptions(env={}))
    assert inventory.rows[0].address == "aws_secretsmanager_secret.db"
    assert [f.rule_id for f in report.findings] == ["CKV_RES_4"]
    assert "not known statically" in report.findings[0].message


def test_for_each_keys_are_escaped_like_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + '''
resource "aws_s3_bucket" "b" {
  for_each = toset(["café", "a\\"b", "10"])
  bucket   = "x"
}
''')
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [r.address for r in inventory.rows] == [
        'aws_s3_bucket.b["10"]', 'aws_s3_bucket.b["a\\"b"]', 'aws_s3_bucket.b["café"]']


def test_template_sequences_in_keys_are_doubled_in_addresses(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + '''
resource "aws_s3_bucket" "q" {
  for_each = toset(["$${x}"])
  bucket   = "x"
}
''')
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [r.address for r in inventory.rows] == ['aws_s3_bucket.q["$${x}"]']
