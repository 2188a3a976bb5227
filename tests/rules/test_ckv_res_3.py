"""CKV_RES_3: placement is multi-region or global."""

from __future__ import annotations

import pytest

from analyzer.models import ScanReport
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_3"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


GEO = ": data is copied to the paired region"
FAILING = {
    "aws_fail": {
        ("CKV_RES_3", "aws_kms_key.data", "main.tf", 2):
            "multi_region = true (a multi-Region primary key that can be replicated to other regions)",
        ("CKV_RES_3", "aws_dynamodb_global_table.sessions", "main.tf", 8):
            "aws_dynamodb_global_table is multi-region by design",
    },
    "gcp_fail": {
        ("CKV_RES_3", "google_storage_bucket.analytics", "storage.tf", 1): "location EU is a multi-region or dual-region",
        ("CKV_RES_3", "google_storage_bucket.backup", "storage.tf", 7): "location EUR4 is a multi-region or dual-region",
        ("CKV_RES_3", "google_storage_bucket.serving", "storage.tf", 14):
            "custom dual-region placement across EUROPE-WEST4, EUROPE-WEST1",
        ("CKV_RES_3", "google_artifact_registry_repository.images", "services.tf", 1): "location EU spans several regions",
        ("CKV_RES_3", "google_secret_manager_secret.token", "services.tf", 7):
            "automatic replication: Secret Manager stores the secret in regions Google chooses",
        ("CKV_RES_3", "google_logging_project_bucket_config.audit", "services.tf", 15): "location global is global",
    },
    "azure_fail": {
        ("CKV_RES_3", "azurerm_storage_account.curated", "main.tf", 7): f"account_replication_type = GRS{GEO}",
        # a container of a geo-redundant account is geo-redundant too
        ("CKV_RES_3", "azurerm_storage_account.archive", "main.tf", 21): f"account_replication_type = RAGZRS{GEO}",
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_multi_region_and_global_placements_fail(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        why = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        assert finding.message == f"{finding.address} is not pinned to one region: {why}"
        assert finding.suppressed is None
    # a multi-region location is not also reported as "outside the region" or "unknown"
    assert not hits(report, "CKV_RES_1")
    assert not hits(report, "CKV_RES_2")


def test_gcp_multi_region_values_are_reported_as_placed() -> None:
    findings = {f.address: f for f in scan(CASES / "gcp_fail").findings}
    assert findings["google_storage_bucket.analytics"].region == "EU"
    assert findings["google_storage_bucket.backup"].region == "EUR4"
    assert findings["google_artifact_registry_repository.images"].region == "EU"
    assert findings["google_secret_manager_secret.token"].region is None
    assert findings["google_storage_bucket.analytics"].account == "acme-data-prod"


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_single_region_placements_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert all(r.multi_region is None for r in report.inventory)


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_3(cloud: str) -> None:
    assert hits(scan(CLEAN / cloud)) == set()


def test_a_crypto_key_takes_its_key_rings_location_with_the_ring_in_evidence() -> None:
    report = scan(CASES / "gcp_key_ring_fail")
    # the ring is reported once; its keys inherit its placement and name it
    assert {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings} == {
        ("CKV_RES_3", "google_kms_key_ring.shared", "main.tf", 2,
         "google_kms_key_ring.shared is not pinned to one region: location global is global")}
    rows = {r.address: r for r in report.inventory}
    tokens, data = rows["google_kms_crypto_key.tokens"], rows["google_kms_crypto_key.data"]
    assert (tokens.parent, tokens.region.status, tokens.region.value) == ("google_kms_key_ring.shared", "global", "global")
    assert [e.render() for e in tokens.region.evidence] == [
        "main.tf:7 google_kms_crypto_key.tokens is inside google_kms_key_ring.shared",
        "main.tf:4 google_kms_key_ring.shared location"]
    assert (data.parent, data.region.status, data.region.value) == ("google_kms_key_ring.regional", "resolved", "europe-west4")
