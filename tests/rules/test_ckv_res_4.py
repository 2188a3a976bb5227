"""CKV_RES_4: data is replicated or copied to another region."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_4"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


KMS_ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
SINK = "logging.googleapis.com/projects/acme-data-prod/locations/us-central1/buckets/central"
# (rule, address, file, line of the replica/destination) -> (message after the address, region, account)
FAILING = {
    "aws_s3_replication_fail": {
        ("CKV_RES_4", "aws_s3_bucket_replication_configuration.data", "main.tf", 26):
            ("replicates to bucket aws_s3_bucket.dr: eu-central-1 is outside eu-west-1", "eu-central-1", "111122223333"),
    },
    "aws_ecr_replication_fail": {
        ("CKV_RES_4", "aws_ecr_replication_configuration.this", "main.tf", 10):
            ("replicates images to us-east-1: us-east-1 is outside eu-west-1", "us-east-1", "111122223333"),
    },
    "aws_secret_replica_fail": {
        # the replica in eu-west-1 is not reported
        ("CKV_RES_4", "aws_secretsmanager_secret.db", "main.tf", 5):
            ("replica in eu-central-1: eu-central-1 is outside eu-west-1", "eu-central-1", None),
    },
    "aws_dynamodb_replica_fail": {
        ("CKV_RES_4", "aws_dynamodb_table.sessions", "main.tf", 14):
            ("replica in us-west-2: us-west-2 is outside eu-west-1", "us-west-2", None),
    },
    "aws_kms_replica_fail": {
        # replica created in another region from the data-plane key
        ("CKV_RES_4", "aws_kms_replica_key.stockholm", "main.tf", 10):
            ("copies KMS key aws_kms_key.primary into eu-north-1: eu-north-1 is outside eu-west-1", "eu-north-1",
             "111122223333"),
        # replica in the data-plane region of a key whose primary lives in another region
        ("CKV_RES_4", "aws_kms_replica_key.from_us", "main.tf", 16):
            (f"replicates KMS key {KMS_ARN} from us-east-1: us-east-1 is outside eu-west-1", "us-east-1", "111122223333"),
    },
    "aws_log_subscription_fail": {
        ("CKV_RES_4", "aws_cloudwatch_log_subscription_filter.app", "main.tf", 21):
            ("streams logs to aws_kinesis_firehose_delivery_stream.central: us-east-1 is outside eu-west-1", "us-east-1",
             "111122223333"),
        ("CKV_RES_4", "aws_cloudwatch_log_subscription_filter.audit", "main.tf", 30):
            ("streams logs to arn:aws:firehose:us-east-1:111122223333:deliverystream/acme-central-audit: us-east-1 is "
             "outside eu-west-1", "us-east-1", "111122223333"),
    },
    "aws_unknown_destination_fail": {
        ("CKV_RES_4", "aws_s3_bucket_replication_configuration.data", "main.tf", 19):
            ("replicates to bucket (unknown): destination region unknown (var.dr_bucket_arn has no default and is not "
             "set (set it with --var, a .tfvars file or TF_VAR_dr_bucket_arn))", None, None),
        ("CKV_RES_4", "aws_s3_bucket_replication_configuration.data", "main.tf", 34):
            ("replicates to bucket arn:aws:s3:::partner-landing-zone: destination region unknown (destination bucket "
             "arn:aws:s3:::partner-landing-zone is not in the scanned configuration and an S3 ARN names no region)",
             None, None),
    },
    "azure_acr_georeplication_fail": {
        ("CKV_RES_4", "azurerm_container_registry.main", "main.tf", 13):
            ("georeplications in North Europe: northeurope is outside westeurope", "northeurope", None),
        ("CKV_RES_4", "azurerm_container_registry.main", "main.tf", 18):
            ("georeplications in East US: eastus is outside westeurope", "eastus", None),
    },
    "gcp_log_sink_fail": {
        ("CKV_RES_4", "google_logging_project_sink.central", "main.tf", 4):
            (f"routes logs to {SINK}: us-central1 is outside europe-west4", "us-central1", "acme-data-prod"),
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_replication_to_another_region_fails(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        text, region, account = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        assert finding.message == f"{finding.address} {text}"
        assert (finding.region, finding.account) == (region, account)
        assert finding.severity == "CRITICAL"
        assert finding.suppressed is None


def test_replica_bucket_outside_the_region_is_also_a_region_finding() -> None:
    report = scan(CASES / "aws_s3_replication_fail")
    assert hits(report, "CKV_RES_1") == {("CKV_RES_1", "aws_s3_bucket.dr", "main.tf", 12)}


def test_replication_evidence_follows_the_destination_bucket_to_its_provider() -> None:
    finding = next(f for f in scan(CASES / "aws_s3_replication_fail").findings if f.rule_id == RULE)
    rendered = [e.render() for e in finding.evidence]
    assert rendered[0] == "main.tf:26 destination is aws_s3_bucket.dr"
    assert rendered[1:] == ["main.tf:13 aws_s3_bucket.dr provider = aws.dr", "providers.tf:9 provider.aws.dr region"]


@pytest.mark.parametrize("case", ["aws_pass", "azure_pass", "gcp_pass"])
def test_same_region_replication_passes(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []


def test_same_region_flows_are_still_in_the_inventory() -> None:
    report = scan(CASES / "aws_pass")
    flows = {(r.address, f.kind, f.region.value) for r in report.inventory for f in r.flows}
    assert flows == {
        ("aws_s3_bucket_replication_configuration.data", "replication", "eu-west-1"),
        ("aws_ecr_replication_configuration.this", "replication", "eu-west-1"),
        ("aws_cloudwatch_log_subscription_filter.app", "subscription", "eu-west-1"),
    }


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_4(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert hits(report) == set()
    # the clean planes do replicate and stream logs, within the region
    assert any(f.kind in ("replication", "subscription") for r in report.inventory for f in r.flows) or cloud == "azure"


def test_several_rules_to_one_destination_are_one_finding() -> None:
    report = scan(CASES / "aws_s3_replication_rules_fail")
    found = sorted((f.rule_id, f.address, f.file, f.line, f.region, f.account, f.message)
                   for f in report.findings if f.rule_id == RULE)
    config = "aws_s3_bucket_replication_configuration.data"
    assert found == [
        (RULE, config, "main.tf", 33, "eu-central-1", "111122223333",
         f"{config} replicates to bucket aws_s3_bucket.dr: eu-central-1 is outside eu-west-1 "
         "(2 flows to this destination, lines 33, 49)"),
        (RULE, config, "main.tf", 64, None, "444455556666",
         f"{config} replicates to bucket arn:aws:s3:::acme-partner-audit: destination region unknown (destination "
         "bucket arn:aws:s3:::acme-partner-audit is not in the scanned configuration and an S3 ARN names no region)"),
    ]
    merged = next(f for f in report.findings if f.rule_id == RULE and f.line == 33)
    assert [e.render() for e in merged.evidence] == [
        "main.tf:33 destination is aws_s3_bucket.dr", "main.tf:13 aws_s3_bucket.dr provider = aws.dr",
        "providers.tf:9 provider.aws.dr region", "main.tf:49 destination is aws_s3_bucket.dr"]


def test_a_log_subscription_to_an_unset_destination_fails_closed(tmp_path: Path) -> None:
    """The destination ARN is an unset variable: its Unknown came from the filter itself, and the
    link step used to join the flow to the filter's own row (its own region and account), a
    silent pass. A flow never takes its own row as destination."""
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

variable "central_logs_arn" {
  type = string
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/acme/app"
}

resource "aws_cloudwatch_log_subscription_filter" "ship" {
  name            = "ship"
  log_group_name  = aws_cloudwatch_log_group.app.name
  filter_pattern  = ""
  destination_arn = var.central_logs_arn
}
''')
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}, use_cache=False))
    assert [(f.rule_id, f.address, f.line, f.message) for f in report.findings] == [
        ("CKV_RES_4", "aws_cloudwatch_log_subscription_filter.ship", 18,
         "aws_cloudwatch_log_subscription_filter.ship streams logs to a destination not known statically: destination "
         "region unknown (var.central_logs_arn has no default and is not set (set it with --var, a .tfvars file or "
         "TF_VAR_central_logs_arn))"),
    ]
