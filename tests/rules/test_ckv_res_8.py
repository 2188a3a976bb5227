"""CKV_RES_8: a provider's placement is not pinned (the account is whatever credentials apply it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import PolicyException, load_policy
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_8"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


FAILING = {
    "aws_fail": {("CKV_RES_8", "provider.aws", "providers.tf", 2):
                 "provider.aws does not pin its account: set allowed_account_ids (or assume_role.role_arn)"},
    "gcp_fail": {("CKV_RES_8", "provider.google", "providers.tf", 2):
                 "provider.google does not pin its account: set project"},
    "azure_fail": {("CKV_RES_8", "provider.azurerm", "providers.tf", 2):
                   "provider.azurerm does not pin its account: set subscription_id"},
    # no provider block: reported once, where the implicit default configuration is first used
    "implicit_provider_fail": {("CKV_RES_8", "provider.aws", "main.tf", 11):
                               "provider.aws does not pin its account: set allowed_account_ids (or "
                               "assume_role.role_arn)"},
}
REGIONS = {"aws_fail": "eu-west-1", "gcp_fail": "europe-west4", "azure_fail": None, "implicit_provider_fail": None}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_unpinned_providers_fail_once_per_configuration(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id == RULE:
            assert finding.message == FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
            assert (finding.region, finding.account) == (REGIONS[case], None)
            assert finding.severity == "MEDIUM"


def test_a_pinned_alias_next_to_an_unpinned_default_passes() -> None:
    report = scan(CASES / "aws_fail")
    assert {p.address: p.pinned for p in report.providers} == {"provider.aws": False, "provider.aws.pinned": True}
    # the resources of the unpinned provider have no account, so CKV_RES_5 cannot judge them
    assert {r.address: r.account.status for r in report.inventory} == {
        "aws_s3_bucket.data": "unknown", "aws_s3_bucket.logs": "resolved"}


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_pinned_providers_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert report.providers and all(p.pinned for p in report.providers)


def test_a_policy_exception_naming_the_provider_suppresses() -> None:
    policy = load_policy(CASES / "gcp_fail" / "residency.yaml")
    policy.exceptions = [PolicyException(rule=RULE, address="provider.google", reason="project comes from the CI runner",
                                         expires=dt.date(2099, 1, 1))]
    report = scan(CASES / "gcp_fail", policy=policy)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert finding.suppressed == "residency.yaml exception until 2099-01-01: project comes from the CI runner"


def test_inline_skip_inside_the_provider_block_suppresses(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for source in (CASES / "gcp_fail").iterdir():
        (folder / source.name).write_text(source.read_text())
    providers = (folder / "providers.tf").read_text()
    (folder / "providers.tf").write_text(providers.replace(
        'provider "google" {\n', 'provider "google" {\n  # checkov:skip=CKV_RES_8: project set by the CI runner\n'))
    (finding,) = [f for f in scan(folder).findings if f.rule_id == RULE]
    assert finding.suppressed is not None


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_8(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert hits(report) == set()
    assert [p.pinned for p in report.providers] == [True]
