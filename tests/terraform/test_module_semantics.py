"""Terraform semantics the fixture oracles do not cover: dynamic blocks, address escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _rows(root: Path, **options) -> dict[str, tuple]:
    inventory, _, _ = build_inventory([root], ScanOptions(env=options.pop("env", {}), **options))
    return {r.address: (r.region.value if r.region.status != "unknown" else None, r.account.value) for r in inventory.rows}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_override_files_merge_argument_by_argument(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDER + 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        "a_override.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n\nresource "aws_s3_bucket" "b" {\n  region = "eu-north-1"\n}\n',
    })
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    (row,) = inventory.rows
    assert (row.region.value, row.account.value) == ("eu-north-1", "111122223333")
    assert row.region.evidence[0].render() == "a_override.tf:6 aws_s3_bucket.b region"
    assert inventory.errors == []


def test_duplicate_default_provider_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDER + 'provider "aws" {\n  region = "us-east-1"\n}\n'})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [(e.file, e.line) for e in inventory.errors] == [("main.tf", 5)]
    assert "duplicate provider configuration aws" in inventory.errors[0].message


def test_nullable_false_input_takes_the_default(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDER + 'module "m" {\n  source = "./mod"\n  region = null\n}\n',
        "mod/main.tf": 'variable "region" {\n  type     = string\n  default  = "eu-north-1"\n  nullable = false\n}\n\n'
                       'resource "aws_s3_bucket" "nn" {\n  region = var.region\n}\n',
    })
    assert _rows(tmp_path) == {"module.m.aws_s3_bucket.nn": ("eu-north-1", "111122223333")}


def test_chained_assume_roles_end_in_the_last_account(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": '''provider "aws" {
  region = "eu-west-1"
  assume_role {
    role_arn = "arn:aws:iam::111111111111:role/first"
  }
  assume_role {
    role_arn = "arn:aws:iam::999999999999:role/final"
  }
}

resource "aws_s3_bucket" "b" {}
'''})
    assert _rows(tmp_path) == {"aws_s3_bucket.b": ("eu-west-1", "999999999999")}


def test_a_providers_map_cancels_default_inheritance(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDER + 'provider "aws" {\n  alias  = "us"\n  region = "us-east-1"\n}\n\n'
                   'module "m" {\n  source    = "./mod"\n  providers = { aws.x = aws.us }\n}\n',
        "mod/main.tf": 'terraform {\n  required_providers {\n    aws = {\n      source                = "hashicorp/aws"\n'
                       '      configuration_aliases = [aws.x]\n    }\n  }\n}\n\n'
                       'resource "aws_s3_bucket" "aliased" {\n  provider = aws.x\n}\n\n'
                       'resource "aws_s3_bucket" "dflt" {}\n\nmodule "inner" {\n  source = "./inner"\n}\n',
        "mod/inner/main.tf": 'resource "aws_s3_bucket" "deep" {}\n',
    })
    assert _rows(tmp_path) == {
        "module.m.aws_s3_bucket.aliased": ("us-east-1", None),
        # the map passes only aws.x: the default configuration is Terraform's empty one
        "module.m.aws_s3_bucket.dflt": (None, None),
        "module.m.module.inner.aws_s3_bucket.deep": (None, None),
    }


def test_double_slash_in_a_local_source_is_a_plain_path(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDER + 'module "m" {\n  source = "./modules//sub"\n}\n',
        "modules/main.tf": 'resource "aws_s3_bucket" "wrong" {}\n',
        "modules/sub/main.tf": 'resource "aws_s3_bucket" "right" {}\n',
    })
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    root_rows = [r.address for r in inventory.rows if r.root == "."]
    assert root_rows == ["module.m.aws_s3_bucket.right"]


def test_workspace_comes_from_tf_workspace_or_the_environment_file(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": '''provider "aws" {
  region              = terraform.workspace == "prod" ? "eu-west-1" : "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "b" {}
'''})
    assert _rows(tmp_path) == {"aws_s3_bucket.b": ("us-east-1", "111122223333")}
    assert _rows(tmp_path, env={"TF_WORKSPACE": "prod"}) == {"aws_s3_bucket.b": ("eu-west-1", "111122223333")}
    _write(tmp_path, {".terraform/environment": "prod"})
    assert _rows(tmp_path) == {"aws_s3_bucket.b": ("eu-west-1", "111122223333")}


@pytest.mark.parametrize(("count", "addresses"), [
    ('"2"', ["aws_s3_bucket.b[0]", "aws_s3_bucket.b[1]"]),
    ("1.5", ["aws_s3_bucket.b[*]"]),
    ("100000000", ["aws_s3_bucket.b[*]"]),
])
def test_count_is_converted_validated_and_capped(tmp_path: Path, count: str, addresses: list[str]) -> None:
    _write(tmp_path, {"main.tf": PROVIDER + f'resource "aws_s3_bucket" "b" {{\n  count = {count}\n}}\n'})
    assert sorted(_rows(tmp_path)) == addresses


def test_for_each_over_a_set_of_numbers_is_rejected_like_terraform(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDER + 'resource "aws_s3_bucket" "b" {\n  for_each = toset([10, 9])\n}\n'})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [r.address for r in inventory.rows] == ["aws_s3_bucket.b[*]"]
    assert "must be a map or a set of strings" in inventory.rows[0].region.reason


def test_untyped_tf_var_is_a_string_and_sensitive_values_stay_out_of_evidence(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": '''variable "raw" {}

variable "secret_region" {
  sensitive = true
}

provider "aws" {
  region              = var.secret_region
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "b" {
  bucket = var.raw
}
'''})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={"TF_VAR_raw": '{"a":"b"}', "TF_VAR_secret_region": "eu-west-1"}))
    (row,) = inventory.rows
    assert row.name == '{"a":"b"}'
    assert row.region.value == "eu-west-1"
    assert "(environment):0 TF_VAR_secret_region = (sensitive)" in [e.render() for e in row.region.evidence]


def test_json_variable_type_applies_optional_defaults(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDER,
        "vars.tf.json": '{"variable": {"cfg": {"type": "object({region = optional(string, \\"eu-central-1\\")})", '
                        '"default": {}}}, "resource": {"aws_s3_bucket": {"b": {"region": "${var.cfg.region}"}}}}',
    })
    assert _rows(tmp_path) == {"aws_s3_bucket.b": ("eu-central-1", "111122223333")}


def test_provider_region_from_its_own_data_source_is_a_cycle_not_a_crash(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": '''provider "aws" {
  region              = data.aws_region.current.name
  allowed_account_ids = ["111122223333"]
}

data "aws_region" "current" {}

resource "aws_s3_bucket" "b" {}
'''})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    (row,) = inventory.rows
    assert row.region.status == "unknown" and "cycle" in row.region.reason
