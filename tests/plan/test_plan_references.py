"""A replication destination the plan only knows after apply is followed through
`configuration` references and module outputs to the bucket it names."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan

AWS = "registry.terraform.io/hashicorp/aws"


def _change(address: str, rtype: str, name: str, after: dict, unknown: dict, module: str | None = None) -> dict:
    change = {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": AWS,
              "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                         "before_sensitive": False, "after_sensitive": {}}}
    if module:
        change["module_address"] = module
    return change


def _plan() -> dict:
    return {
        "format_version": "1.2", "terraform_version": "1.11.4", "variables": {},
        "planned_values": {"root_module": {}},
        "resource_changes": [
            _change("aws_s3_bucket.data", "aws_s3_bucket", "data", {"bucket": "acme-data"},
                    {"arn": True, "id": True, "region": True}),
            _change("aws_s3_bucket_replication_configuration.data", "aws_s3_bucket_replication_configuration", "data",
                    {"role": "arn:aws:iam::111122223333:role/replication",
                     "rule": [{"id": "all", "status": "Enabled", "destination": [{"storage_class": "STANDARD"}]}]},
                    {"bucket": True, "id": True,
                     "rule": [{"destination": [{"bucket": True}]}]}),
            _change("module.replica.aws_s3_bucket.this", "aws_s3_bucket", "this", {"bucket": "acme-data-replica"},
                    {"arn": True, "id": True, "region": True}, module="module.replica"),
        ],
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "full_name": AWS, "expressions": {
                    "region": {"constant_value": "eu-west-1"}, "allowed_account_ids": {"constant_value": ["111122223333"]}}},
                "aws.dr": {"name": "aws", "full_name": AWS, "alias": "dr", "expressions": {
                    "region": {"constant_value": "us-east-1"}, "allowed_account_ids": {"constant_value": ["111122223333"]}}},
            },
            "root_module": {
                "resources": [
                    {"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data",
                     "provider_config_key": "aws", "expressions": {"bucket": {"constant_value": "acme-data"}}},
                    {"address": "aws_s3_bucket_replication_configuration.data", "mode": "managed",
                     "type": "aws_s3_bucket_replication_configuration", "name": "data", "provider_config_key": "aws",
                     "expressions": {
                         "bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]},
                         "rule": [{"destination": [{"bucket": {"references": ["module.replica.arn", "module.replica"]}}]}],
                     }},
                ],
                "module_calls": {"replica": {
                    "source": "./modules/replica",
                    "module": {
                        "outputs": {"arn": {"expression": {"references": ["aws_s3_bucket.this.arn", "aws_s3_bucket.this"]}}},
                        "resources": [{"address": "aws_s3_bucket.this", "mode": "managed", "type": "aws_s3_bucket",
                                       "name": "this", "provider_config_key": "aws.dr",
                                       "expressions": {"bucket": {"constant_value": "acme-data-replica"}}}],
                    }}},
            },
        },
    }


def test_destination_behind_a_module_output_is_the_bucket_it_names(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(json.dumps(_plan()))
    report = run_scan([tmp_path / "plan.json"], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}))
    replication = [f for f in report.findings if f.rule_id == "CKV_RES_4"]
    assert [(f.address, f.region, f.account) for f in replication] == [
        ("aws_s3_bucket_replication_configuration.data", "us-east-1", "111122223333")]
    assert replication[0].evidence[0].note == "destination is module.replica.aws_s3_bucket.this"


def test_data_sources_read_during_the_plan_contribute_values(tmp_path: Path) -> None:
    plan = _plan()
    dr = plan["configuration"]["provider_config"]["aws.dr"]["expressions"]
    dr["region"] = {"references": ["data.aws_ssm_parameter.dr_region.value", "data.aws_ssm_parameter.dr_region"]}
    plan["prior_state"] = {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": [
        {"address": "data.aws_ssm_parameter.dr_region", "mode": "data", "type": "aws_ssm_parameter", "name": "dr_region",
         "provider_name": AWS, "values": {"name": "/platform/dr-region", "value": "eu-central-1"}}]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    report = run_scan([tmp_path / "plan.json"], Policy(region="eu-west-1"), ScanOptions(env={}))
    rows = {r.address: r for r in report.inventory}
    replica = rows["module.replica.aws_s3_bucket.this"]
    assert replica.region.value == "eu-central-1"
    assert any("prior_state data.aws_ssm_parameter.dr_region.value" in e.note for e in replica.region.evidence)
