"""What the per-cloud catalog tests share: the fixture folders, the row shape they compare, and
the placement findings of one family's scan (the tables of expected values stay per cloud)."""

from __future__ import annotations

from analyzer.models import ScanReport
from tests.conftest import FIXTURES
from tests.rules.helpers import scan

CASES = FIXTURES / "catalog"
Row = tuple[str, str, str, str | None, str | None, str, int]
Placement = tuple[str, str, str, int]
PLACEMENT_RULES = {"CKV_RES_1", "CKV_RES_2", "CKV_RES_3", "CKV_RES_4", "CKV_RES_5", "CKV_RES_6", "CKV_RES_9"}


def scan_family(family: str) -> ScanReport:
    return scan(CASES / family)


def rows(report: ScanReport) -> set[Row]:
    """(address, kind, region status, region, account, file, line) of every inventory row."""
    return {(r.address, r.kind, r.region.status, r.region.value, r.account.value, r.file, r.line) for r in report.inventory}


def placement_findings(report: ScanReport) -> set[Placement]:
    """(rule, address, file, line) of every finding of the placement rules."""
    return {(f.rule_id, f.address, f.file, f.line) for f in report.findings if f.rule_id in PLACEMENT_RULES}


def check_family(family: str, expected_rows: set[Row] | None, expected_findings: set[Placement] | None) -> None:
    """One family's scan: its inventory rows and placement findings as tabled, and no input error."""
    report = scan_family(family)
    if expected_rows is not None:
        assert rows(report) == expected_rows
    if expected_findings is not None:
        assert placement_findings(report) == expected_findings
        assert report.errors == []


def messages(family: str, rule: str) -> dict[str, str]:
    """{address: message} of one rule's findings in a family."""
    return {f.address: f.message for f in scan_family(family).findings if f.rule_id == rule}


def messages_by_line(family: str, rule: str) -> dict[tuple[str, int], str]:
    """{(address, line): message}: for resources with several findings of one rule."""
    return {(f.address, f.line): f.message for f in scan_family(family).findings if f.rule_id == rule}
