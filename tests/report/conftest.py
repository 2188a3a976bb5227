"""A hand-built ScanReport shared by the report-format tests."""

from __future__ import annotations

import pytest

from analyzer.models import (
    Evidence,
    Finding,
    Flow,
    InventoryRow,
    Placement,
    ProviderPlacement,
    RuleMeta,
    ScanError,
    ScanReport,
    Summary,
)

RULES = [
    RuleMeta(
        id="CKV_RES_1",
        name="Resource in home region",
        severity="HIGH",
        description="Every data-plane resource is placed in the home region.",
        guideline="Pin the provider's region to the home region, or suppress with `# checkov:skip=CKV_RES_1:reason`.",
    ),
    RuleMeta(
        id="CKV_RES_2",
        name="Resource in home account",
        severity="CRITICAL",
        description="Every data-plane resource lives in the home account.",
        guideline="Use the home account's provider.",
    ),
    RuleMeta(
        id="CKV_RES_10",
        name="Replication stays home",
        severity="MEDIUM",
        description="Replication destinations stay in the home region and account.",
        guideline="Point replication at a bucket in the home region.",
    ),
]


def make_report(*, dr_line: int = 12, fingerprint: str = "") -> ScanReport:
    region_ev = [Evidence(file="main.tf", line=3, note="provider aws region")]
    rows = [
        InventoryRow(
            address="aws_s3_bucket.logs",
            type="aws_s3_bucket",
            kind="object-store",
            cloud="aws",
            region=Placement(value="eu-west-1", status="resolved", evidence=region_ev),
            account=Placement(
                value="111122223333",
                status="resolved",
                evidence=[Evidence(file="main.tf", line=4, note="provider aws allowed_account_ids")],
            ),
            file="main.tf",
            line=20,
            flows=[
                Flow(
                    kind="replication",
                    description="replicates to aws_s3_bucket.dr",
                    region=Placement(value="us-east-1", status="resolved"),
                    line=25,
                )
            ],
        ),
        InventoryRow(
            address="aws_s3_bucket.dr",
            type="aws_s3_bucket",
            kind="object-store",
            cloud="aws",
            region=Placement(
                value="us-east-1",
                status="resolved",
                evidence=[
                    Evidence(file="main.tf", line=dr_line, note="provider aws.dr"),
                    Evidence(file="variables.tf", line=6, note="var.dr_region default"),
                ],
            ),
            account=Placement(value=None, status="unknown", reason="assume_role from a variable"),
            file="main.tf",
            line=dr_line,
        ),
        InventoryRow(
            address="google_storage_bucket.b",
            type="google_storage_bucket",
            kind="object-store",
            cloud="gcp",
            region=Placement(value="EU", status="multi"),
            account=Placement(value="proj-a", status="resolved"),
            file="gcp/storage.tf",
            line=2,
            images=["gcr.io/x/y:1"],
        ),
    ]
    findings = [
        # deliberately out of order: renderers must sort
        Finding(
            rule_id="CKV_RES_10",
            rule_name="Replication stays home",
            severity="MEDIUM",
            address="aws_s3_bucket.logs",
            file="main.tf",
            line=25,
            message="Replication to us-east-1, outside home region eu-west-1",
            region="us-east-1",
            evidence=[Evidence(file="main.tf", line=25, note="replication_configuration destination")],
            suppressed="DR copy approved in ADR-7",
        ),
        Finding(
            rule_id="CKV_RES_1",
            rule_name="Resource in home region",
            severity="HIGH",
            address="aws_s3_bucket.dr",
            file="main.tf",
            line=dr_line,
            message=f"Placed in us-east-1 (main.tf:{dr_line}), not in home region eu-west-1 | see line {dr_line}",
            region="us-east-1",
            evidence=[
                Evidence(file="main.tf", line=dr_line, note="provider aws.dr"),
                Evidence(file="variables.tf", line=6, note="var.dr_region default"),
            ],
            fingerprint=fingerprint,
        ),
        Finding(
            rule_id="CKV_RES_2",
            rule_name="Resource in home account",
            severity="CRITICAL",
            address="google_storage_bucket.b",
            file="gcp\\storage.tf",
            line=2,
            message="Project proj-a, 100% outside home account, see:\r\nADR, 7",
            account="proj-a",
            evidence=[],
            fingerprint="fp-gcs-b",
        ),
    ]
    return ScanReport(
        tool_version="0.1.0",
        root="/src/infra",
        findings=findings,
        inventory=rows,
        providers=[
            ProviderPlacement(
                address="provider.aws.dr",
                cloud="aws",
                region=Placement(value="us-east-1", status="resolved"),
                account=Placement(status="unknown"),
                pinned=True,
                file="main.tf",
                line=dr_line,
            ),
            ProviderPlacement(
                address="provider.aws",
                cloud="aws",
                region=Placement(value="eu-west-1", status="resolved", evidence=region_ev),
                account=Placement(value="111122223333", status="resolved"),
                pinned=True,
                file="main.tf",
                line=1,
            ),
        ],
        errors=[ScanError(file="modules/broken/main.tf", line=4, message="Unexpected '}' at line 4")],
        rules=RULES,
        summary=Summary(
            files=4, resources=3, findings=2, suppressed=1, errors=1, region="eu-west-1", accounts=["111122223333"]
        ),
    )


def make_clean_report() -> ScanReport:
    report = make_report()
    return report.model_copy(update={"findings": [], "errors": []})


@pytest.fixture
def report() -> ScanReport:
    return make_report()


@pytest.fixture
def report_factory():
    """make_report itself, for tests that need variants (another line, a fixed fingerprint)."""
    return make_report


@pytest.fixture
def clean_report() -> ScanReport:
    return make_clean_report()
