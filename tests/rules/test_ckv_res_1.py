"""CKV_RES_1: a located resource outside the allowed region; suppressions; region inference;
the clean data planes of every cloud pass every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.models import Finding, ScanReport
from analyzer.policy import load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import by_address as _by_address
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_1"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def by_address(report: ScanReport, rule: str = RULE) -> dict[str, list[Finding]]:
    return _by_address(report, rule)


FAILING = {
    "aws_fail": {
        ("CKV_RES_1", "aws_s3_bucket.analytics", "main.tf", 5): ("us-east-1", "111122223333"),
        ("CKV_RES_1", "aws_cloudwatch_log_group.analytics", "main.tf", 10): ("us-east-1", "111122223333"),
    },
    "gcp_fail": {
        ("CKV_RES_1", "google_storage_bucket.exports", "main.tf", 7): ("us-central1", "acme-data-prod"),
        # zone europe-west1-b folds to its region
        ("CKV_RES_1", "google_container_cluster.batch", "main.tf", 14): ("europe-west1", "acme-data-prod"),
    },
    "azure_fail": {
        # "East US 2" display name through the resource group
        ("CKV_RES_1", "azurerm_storage_account.reporting", "main.tf", 11): ("eastus2", "9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59"),
        # the container inherits its storage account's location
    },
}
ALLOWED = {"aws_fail": "eu-west-1", "gcp_fail": "europe-west4", "azure_fail": "westeurope"}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_resources_outside_the_region_fail(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        region, account = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        assert finding.suppressed is None
        assert (finding.region, finding.account) == (region, account)
        assert finding.message == f"{finding.address} is in {region}, outside the allowed region {ALLOWED[case]}"
        assert finding.severity == "HIGH"


def test_evidence_chain_names_the_provider_and_the_variable() -> None:
    finding = by_address(scan(CASES / "aws_fail"))["aws_s3_bucket.analytics"][0]
    assert [e.render() for e in finding.evidence] == [
        "main.tf:6 aws_s3_bucket.analytics provider = aws.us",
        "providers.tf:9 provider.aws.us region",
        "variables.tf:3 var.analytics_region default = us-east-1",
    ]


def test_container_inherits_its_storage_account_and_is_reported_once() -> None:
    report = scan(CASES / "azure_fail")
    # the storage account's finding covers the container inside it: one finding, not one per container
    assert "azurerm_storage_container.reports" not in by_address(report)
    row = next(r for r in report.inventory if r.address == "azurerm_storage_container.reports")
    assert (row.region.value, row.parent) == ("eastus2", "azurerm_storage_account.reporting")
    evidence = [e.render() for e in row.region.evidence]
    assert evidence[0] == "main.tf:19 azurerm_storage_container.reports is inside azurerm_storage_account.reporting"
    assert "main.tf:8 azurerm_resource_group.us.location" in evidence


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_resources_in_the_region_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert report.inventory  # the pass is not vacuous
    assert all(r.region.status == "resolved" for r in report.inventory if r.kind not in ("policy", "workload"))


# --- suppression ----------------------------------------------------------------------

def test_inline_checkov_skip_inside_the_block_suppresses_only_that_resource() -> None:
    report = scan(CASES / "aws_inline_skip")
    assert hits(report) == {
        ("CKV_RES_1", "aws_s3_bucket.analytics", "main.tf", 5),
        ("CKV_RES_1", "aws_cloudwatch_log_group.analytics", "main.tf", 11),
    }
    found = by_address(report)
    assert found["aws_s3_bucket.analytics"][0].suppressed == \
        "checkov:skip in source: analytics copy agreed with the customer (ticket RES-42)"
    assert found["aws_cloudwatch_log_group.analytics"][0].suppressed is None
    assert [f.address for f in report.active_findings()] == ["aws_cloudwatch_log_group.analytics"]
    assert (report.summary.findings, report.summary.suppressed) == (1, 1)


def test_a_skip_for_another_rule_does_not_suppress(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for source in (CASES / "aws_inline_skip").iterdir():
        text = source.read_text().replace("checkov:skip=CKV_RES_1:", "checkov:skip=CKV_RES_3:")
        (folder / source.name).write_text(text)
    found = by_address(scan(folder))
    assert found["aws_s3_bucket.analytics"][0].suppressed is None


def test_policy_exception_that_has_not_expired_suppresses() -> None:
    report = scan(CASES / "aws_exception_active")
    assert hits(report) == set(FAILING["aws_fail"])
    found = by_address(report)
    assert found["aws_s3_bucket.analytics"][0].suppressed == (
        "residency.yaml exception until 2099-12-31: US analytics copy until the EU warehouse migration (RES-42)")
    # the exception names one address; the log group next to it still fails
    assert found["aws_cloudwatch_log_group.analytics"][0].suppressed is None
    assert [f.address for f in report.active_findings()] == ["aws_cloudwatch_log_group.analytics"]


def test_expired_policy_exception_does_not_suppress_and_says_so() -> None:
    report = scan(CASES / "aws_exception_expired")
    assert hits(report) == set(FAILING["aws_fail"])
    for finding in report.findings:
        assert finding.suppressed is None
        assert finding.message == (f"{finding.address} is in us-east-1, outside the allowed region eu-west-1 "
                                   "(the residency.yaml exception expired on 2024-03-31)")
    assert report.summary.suppressed == 0


# --- region inference -----------------------------------------------------------------

def test_region_is_inferred_from_the_cluster_and_bucket_majority() -> None:
    report = scan(CASES / "aws_inferred_region")
    # 2 buckets + 1 cluster in eu-west-1 outvote 1 bucket in us-east-1; the 4 us-east-1 log
    # groups do not vote (they would win a count over every resource)
    assert (report.summary.region, report.summary.region_inferred) == ("eu-west-1", True)
    assert hits(report) == {
        ("CKV_RES_1", "aws_s3_bucket.edge_logs", "main.tf", 18),
        ("CKV_RES_1", 'aws_cloudwatch_log_group.edge["cloudfront"]', "main.tf", 24),
        ("CKV_RES_1", 'aws_cloudwatch_log_group.edge["lambda-edge"]', "main.tf", 24),
        ("CKV_RES_1", 'aws_cloudwatch_log_group.edge["route53"]', "main.tf", 24),
        ("CKV_RES_1", 'aws_cloudwatch_log_group.edge["waf"]', "main.tf", 24),
    }
    for finding in report.findings:
        assert finding.message.endswith("is in us-east-1, outside the allowed region eu-west-1 (inferred)")


def test_a_configured_region_is_not_marked_inferred() -> None:
    policy = load_policy(CASES / "aws_inferred_region" / "residency.yaml").model_copy(update={"region": "us-east-1"})
    report = run_scan([CASES / "aws_inferred_region"], policy, ScanOptions(env={}))
    assert (report.summary.region, report.summary.region_inferred) == ("us-east-1", False)
    assert {f.address for f in report.findings if f.rule_id == RULE} == {
        "aws_s3_bucket.raw", "aws_s3_bucket.curated", "aws_eks_cluster.main"}
    assert all("(inferred)" not in f.message for f in report.findings)


# --- the clean data planes ------------------------------------------------------------

@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_findings_for_any_rule(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert [(f.rule_id, f.address, f.message) for f in report.findings] == []
    assert report.errors == []
    assert report.summary.region_inferred is False
    assert len(report.inventory) >= 10


@pytest.mark.parametrize(("cloud", "region"), [("aws", "eu-west-1"), ("gcp", "europe-west4"), ("azure", "westeurope")])
def test_clean_data_planes_infer_their_own_region(cloud: str, region: str) -> None:
    policy = load_policy(CLEAN / cloud / "residency.yaml").model_copy(update={"region": None})
    report = run_scan([CLEAN / cloud], policy, ScanOptions(env={}))
    assert (report.summary.region, report.summary.region_inferred) == (region, True)
    assert report.findings == []


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_exit_zero_from_the_cli(cloud: str) -> None:
    result = CliRunner().invoke(app, ["scan", str(CLEAN / cloud), "--format", "json"])
    assert result.exit_code == 0, result.output


def test_helm_regions_named_in_configuration() -> None:
    """A fluent-bit output and an env value naming regions outside the policy (committed render)."""
    report = scan(CASES / "helm_fail")
    got = sorted((f.address, f.file, f.line, f.region, f.message) for f in report.findings if f.rule_id == RULE)
    assert got == [
        ("ConfigMap/logging/fluent-bit-config", "logging.yaml", 19, "us-east-1",
         "ConfigMap/logging/fluent-bit-config names log group /acme/dataplane/containers, which is in us-east-1, "
         "outside the allowed region eu-west-1"),
        ("Deployment/logging/log-shipper", "logging.yaml", 41, "eu-central-1",
         "Deployment/logging/log-shipper names region eu-central-1, outside the allowed region eu-west-1"),
    ]
    fluent_bit = next(f for f in report.findings if f.address == "ConfigMap/logging/fluent-bit-config")
    assert [e.render() for e in fluent_bit.evidence] == [
        "logging.yaml:18 ConfigMap/logging/fluent-bit-config fluent-bit.conf: OUTPUT.region = us-east-1"]
    assert [f.rule_id for f in scan(CASES / "helm_pass").findings] == []


def test_a_kms_alias_is_in_its_keys_region_not_its_providers() -> None:
    report = scan(CASES / "aws_kms_alias_fail")
    assert {(f.rule_id, f.address, f.file, f.line) for f in report.findings} == {
        ("CKV_RES_1", "aws_kms_key.reports", "main.tf", 1)}  # the alias is judged through its key
    alias = next(r for r in report.inventory if r.address == "aws_kms_alias.reports")
    assert (alias.parent, alias.region.value) == ("aws_kms_key.reports", "us-east-1")
    assert [e.render() for e in alias.region.evidence] == [
        "main.tf:8 aws_kms_alias.reports is inside aws_kms_key.reports",
        "main.tf:2 aws_kms_key.reports provider = aws.us", "providers.tf:8 provider.aws.us region"]
