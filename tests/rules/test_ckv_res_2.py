"""CKV_RES_2: a located resource's region cannot be resolved statically (fail closed)."""

from __future__ import annotations

import pytest

from analyzer.models import ScanReport
from analyzer.scan import ScanOptions
from analyzer.terraform.variables import CliVar
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits
from tests.rules.helpers import messages as _messages

RULE = "CKV_RES_2"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def messages(report: ScanReport, rule: str = RULE) -> dict[str, str]:
    return _messages(report, rule)


UNSET = "has no default and is not set"
PLAN_TIME = "is read from the cloud at plan time"

FAILING = {
    "aws_fail": {
        ("CKV_RES_2", "aws_s3_bucket.data", "main.tf", 1): f"var.region {UNSET}",
        ("CKV_RES_2", "aws_s3_bucket.dr", "main.tf", 5): f"data.aws_ssm_parameter.dr_region.value {PLAN_TIME}",
    },
    "gcp_fail": {
        ("CKV_RES_2", "google_storage_bucket.archive", "main.tf", 1): f"var.archive_location {UNSET}",
    },
    "azure_fail": {
        ("CKV_RES_2", "azurerm_key_vault.main", "main.tf", 6): f"data.azurerm_resource_group.shared.location {PLAN_TIME}",
        # the secret inherits the vault's unknown location
        ("CKV_RES_2", "azurerm_key_vault_secret.api", "main.tf", 14): f"data.azurerm_resource_group.shared.location {PLAN_TIME}",
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_unresolvable_regions_fail_closed(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        why = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        assert finding.message.startswith(f"region of {finding.address} cannot be resolved statically: {why}")
        assert finding.region is None
        assert finding.suppressed is None
    # an unknown region is never reported as a region violation
    assert not hits(report, "CKV_RES_1")


def test_the_message_says_how_to_set_the_variable() -> None:
    text = messages(scan(CASES / "aws_fail"))["aws_s3_bucket.data"]
    assert text.endswith("(set it with --var, a .tfvars file or TF_VAR_region)")


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_static_regions_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert all(r.region.status == "resolved" for r in report.inventory)


def test_a_cli_var_resolves_the_region() -> None:
    report = scan(CASES / "gcp_fail", ScanOptions(env={}, cli_vars=[CliVar("var", "archive_location=europe-west4")]))
    assert hits(report) == set()
    assert report.findings == []


def test_tf_var_environment_resolves_the_region_and_a_wrong_one_fails_ckv_res_1() -> None:
    report = scan(CASES / "gcp_fail", ScanOptions(env={"TF_VAR_archive_location": "US-EAST1"}))
    assert hits(report) == set()
    assert hits(report, "CKV_RES_1") == {("CKV_RES_1", "google_storage_bucket.archive", "main.tf", 1)}
    assert messages(report, "CKV_RES_1")["google_storage_bucket.archive"] == \
        "google_storage_bucket.archive is in us-east1, outside the allowed region europe-west4"


def test_fail_on_unknown_false_reports_no_finding_but_keeps_the_unknown_in_the_inventory() -> None:
    report = scan(CASES / "aws_unknown_allowed")
    assert hits(report) == set()
    assert report.findings == []
    assert {r.address: r.region.status for r in report.inventory} == {
        "aws_s3_bucket.data": "unknown", "aws_s3_bucket.dr": "unknown"}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_2(cloud: str) -> None:
    assert hits(scan(CLEAN / cloud)) == set()
