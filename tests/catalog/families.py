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
