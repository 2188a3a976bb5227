"""CKV_RES_5: a resource or provider lands in an account/project/subscription outside the allowed set."""

from __future__ import annotations

import pytest

from analyzer.models import ScanReport
from analyzer.policy import load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_5"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


SUB = "9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59"
PLATFORM_SUB = "0c8e7d6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f"
# key -> (foreign account, allowed, provider finding?)
FAILING = {
    "aws_fail": {
        # assume_role into the vendor's account
        ("CKV_RES_5", "aws_ecr_repository.app", "main.tf", 5): ("999988887777", "111122223333", False),
        ("CKV_RES_5", "provider.aws.shared", "providers.tf", 7): ("999988887777", "111122223333", True),
        # allowed_account_ids through a variable default
        ("CKV_RES_5", "aws_secretsmanager_secret.ci_token", "main.tf", 10): ("444455556666", "111122223333", False),
        ("CKV_RES_5", "provider.aws.tooling", "providers.tf", 17): ("444455556666", "111122223333", True),
    },
    "gcp_fail": {
        # project on the resource itself
        ("CKV_RES_5", "google_storage_bucket.exports", "main.tf", 8): ("acme-analytics-sandbox", "acme-data-prod", False),
        ("CKV_RES_5", "google_artifact_registry_repository.images", "main.tf", 15):
            ("acme-shared-services", "acme-data-prod", False),
        ("CKV_RES_5", "provider.google.shared", "providers.tf", 6): ("acme-shared-services", "acme-data-prod", True),
    },
    "azure_fail": {
        ("CKV_RES_5", "azurerm_log_analytics_workspace.central", "main.tf", 12): (PLATFORM_SUB, SUB, False),
        ("CKV_RES_5", "provider.azurerm.platform", "providers.tf", 7): (PLATFORM_SUB, SUB, True),
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_foreign_accounts_fail(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        foreign, allowed, is_provider = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        word = {"aws": "account", "google": "project", "azure": "subscription"}[
            "google" if "google" in finding.address else "azure" if "azurerm" in finding.address else "aws"]
        verb = f"deploys into {word}" if is_provider else f"is in {word}"
        assert finding.message == f"{finding.address} {verb} {foreign}, not in the allowed {allowed}"
        assert finding.account == foreign
        assert finding.severity == "CRITICAL"


def test_the_evidence_names_the_assumed_role() -> None:
    report = scan(CASES / "aws_fail")
    finding = next(f for f in report.findings if f.address == "aws_ecr_repository.app" and f.rule_id == RULE)
    assert [e.render() for e in finding.evidence] == [
        "main.tf:6 aws_ecr_repository.app provider = aws.shared",
        "providers.tf:12 provider.aws.shared role_arn",
    ]


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_the_customers_account_passes(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert all(p.account.status == "resolved" for p in report.providers)


def test_adding_the_account_to_the_policy_clears_the_finding() -> None:
    policy = load_policy(CASES / "gcp_fail" / "residency.yaml")
    policy = policy.model_copy(update={"accounts": [*policy.accounts, "acme-shared-services", "acme-analytics-sandbox"]})
    report = run_scan([CASES / "gcp_fail"], policy, ScanOptions(env={}))
    assert hits(report) == set()


def test_without_accounts_in_the_policy_nothing_is_foreign() -> None:
    policy = load_policy(CASES / "aws_fail" / "residency.yaml").model_copy(update={"accounts": []})
    assert hits(run_scan([CASES / "aws_fail"], policy, ScanOptions(env={}))) == set()


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_5(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert hits(report) == set()
    assert {r.account.value for r in report.inventory if r.account.status == "resolved"} == \
        set(load_policy(CLEAN / cloud / "residency.yaml").accounts)


def test_helm_identity_and_project_setting_outside_the_allowed_projects() -> None:
    report = scan(cases("CKV_RES_5") / "helm_fail")
    got = sorted((f.rule_id, f.address, f.line, f.account, f.message) for f in report.findings)
    assert got == [
        ("CKV_RES_5", "CronJob/monitoring/usage-export", 30, "analytics-shared",
         "CronJob/monitoring/usage-export names project analytics-shared, not in the allowed acme-dp-prod"),
        ("CKV_RES_5", "ServiceAccount/monitoring/exporter", 4, "analytics-shared",
         "ServiceAccount/monitoring/exporter is in project analytics-shared, not in the allowed acme-dp-prod"),
    ]
