"""CKV_RES_6 on plan JSON: wildcard principals narrowed by a Condition, through the shared row builder."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan

KEY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}},
    {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
PLAN = {
    "format_version": "1.2", "terraform_version": "1.9.8",
    "planned_values": {"root_module": {"resources": [{
        "address": "aws_kms_key.ebs", "mode": "managed", "type": "aws_kms_key", "name": "ebs",
        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
        "values": {"description": "ebs", "policy": json.dumps(KEY_POLICY)}, "sensitive_values": {}}]}},
    "resource_changes": [{"address": "aws_kms_key.ebs", "mode": "managed", "type": "aws_kms_key", "name": "ebs",
                          "provider_name": "registry.terraform.io/hashicorp/aws",
                          "change": {"actions": ["create"], "before": None,
                                     "after": {"description": "ebs", "policy": json.dumps(KEY_POLICY)},
                                     "after_unknown": {}}}],
    "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
        "expressions": {"region": {"constant_value": "eu-west-1"},
                        "allowed_account_ids": {"constant_value": ["111122223333"]}}}},
        "root_module": {"resources": [{"address": "aws_kms_key.ebs", "mode": "managed", "type": "aws_kms_key",
                                       "name": "ebs", "provider_config_key": "aws", "expressions": {}}]}},
}


def test_plan_json_reads_wildcard_conditions_through_the_shared_rows(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(json.dumps(PLAN))
    report = run_scan([tmp_path / "plan.json"], Policy(region="eu-west-1", accounts=["111122223333"]),
                      ScanOptions(env={}, use_cache=False))
    assert [(f.rule_id, f.address, f.message) for f in report.findings] == [
        ("CKV_RES_6", "aws_kms_key.ebs", "aws_kms_key.ebs policy grants access to * in organization o-a1b2c3d4e5: "
         "an organization, not a proof of account (list the accounts with aws:PrincipalAccount)")]
