"""Nested `dynamic` blocks: the inner for_each iterates the outer iterator's attribute, and each
generated destination is a finding at the line of the `content` argument that sets it."""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

FIXTURE = FIXTURES / "terraform" / "aws_ecr_nested_dynamic"


def test_nested_dynamic_destinations_replicate_to_each_region_at_the_content_line() -> None:
    report = run_scan([FIXTURE], Policy(region="eu-central-1"), ScanOptions(env={}))
    row = report.inventory[0]
    assert (row.address, row.region.value) == ("aws_ecr_replication_configuration.this", "eu-central-1")
    assert [(f.kind, f.region.value, f.account.value, f.line) for f in row.flows] == [
        ("replication", "us-west-2", "111122223333", 41),
        ("replication", "eu-west-1", "111122223333", 41),
    ]
    assert [(f.rule_id, f.address, f.file, f.line, f.region) for f in report.findings] == [
        ("CKV_RES_4", "aws_ecr_replication_configuration.this", "main.tf", 41, "eu-west-1"),
        ("CKV_RES_4", "aws_ecr_replication_configuration.this", "main.tf", 41, "us-west-2"),
    ]


def test_nested_dynamic_with_renamed_iterators_inside_a_counted_module(tmp_path: Path) -> None:
    (tmp_path / "modules" / "registry").mkdir(parents=True)
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["111122223333"]
}

module "registry" {
  source = "./modules/registry"
  rules = [
    { destinations = [{ region = "eu-central-1", registry_id = "111122223333" }] },
    { destinations = [{ region = "us-east-1", registry_id = "444455556666" }] },
  ]
}
''')
    (tmp_path / "modules" / "registry" / "main.tf").write_text('''variable "rules" {
  type    = any
  default = []
}

variable "enabled" {
  type    = bool
  default = true
}

resource "aws_ecr_replication_configuration" "this" {
  count = var.enabled ? 1 : 0

  replication_configuration {
    dynamic "rule" {
      for_each = var.rules
      iterator = r

      content {
        dynamic "destination" {
          for_each = r.value.destinations
          iterator = d

          content {
            region      = d.value.region
            registry_id = d.value.registry_id
          }
        }
      }
    }
  }
}
''')
    report = run_scan([tmp_path], Policy(region="eu-central-1", accounts=["111122223333"]), ScanOptions(env={}))
    assert [(f.rule_id, f.address, f.file, f.line, f.region, f.account) for f in report.findings
            if f.rule_id in ("CKV_RES_4", "CKV_RES_6")] == [
        ("CKV_RES_4", "module.registry.aws_ecr_replication_configuration.this[0]", "modules/registry/main.tf", 25,
         "us-east-1", "444455556666"),
        ("CKV_RES_6", "module.registry.aws_ecr_replication_configuration.this[0]", "modules/registry/main.tf", 25,
         "us-east-1", "444455556666"),
    ]


def test_dynamic_replica_blocks_point_at_their_content_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_secretsmanager_secret" "db" {
  name = "db"

  dynamic "replica" {
    for_each = toset(["us-east-1"])

    content {
      region = replica.value
    }
  }
}
''')
    report = run_scan([tmp_path], Policy(region="eu-west-1"), ScanOptions(env={}))
    assert [(f.rule_id, f.line, f.region) for f in report.findings] == [("CKV_RES_4", 13, "us-east-1")]


def test_a_null_guard_over_rules_holding_the_caller_account_still_yields_each_destination(tmp_path: Path) -> None:
    """terraform-aws-modules/ecr's shape: `var.rules != null ? var.rules : []` where each
    destination's registry_id is the caller's account (unknown until apply). Terraform decides
    `!= null` from the list itself, so the destinations are known; before, the guard made the
    whole rule list unknown and no CKV_RES_4 appeared."""
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "us-east-1"
}

data "aws_caller_identity" "current" {}

variable "rules" {
  type = list(object({
    destinations = list(object({ region = string, registry_id = string }))
  }))
  default = null
}

locals {
  rules = [{
    destinations = [
      { region = "us-west-2", registry_id = data.aws_caller_identity.current.account_id },
      { region = "eu-west-1", registry_id = data.aws_caller_identity.current.account_id },
    ]
  }]
}

resource "aws_ecr_replication_configuration" "this" {
  replication_configuration {
    dynamic "rule" {
      for_each = local.rules != null ? local.rules : []

      content {
        dynamic "destination" {
          for_each = rule.value.destinations

          content {
            region      = destination.value.region
            registry_id = destination.value.registry_id
          }
        }
      }
    }
  }
}
''')
    report = run_scan([tmp_path], Policy(region="us-east-1"), ScanOptions(env={}))
    assert [(f.rule_id, f.address, f.file, f.line, f.region) for f in report.findings if f.rule_id == "CKV_RES_4"] == [
        ("CKV_RES_4", "aws_ecr_replication_configuration.this", "main.tf", 33, "eu-west-1"),
        ("CKV_RES_4", "aws_ecr_replication_configuration.this", "main.tf", 33, "us-west-2"),
    ]
