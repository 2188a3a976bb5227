"""What every rule test does: scan a case folder with its own residency.yaml, pick one rule's findings."""

from __future__ import annotations

from pathlib import Path

from analyzer.models import Finding, ScanReport
from analyzer.policy import Policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

CLEAN = FIXTURES / "clean"


def cases(rule: str) -> Path:
    return FIXTURES / "rules" / rule.lower()


def scan(folder: Path, options: ScanOptions | None = None, policy: Policy | None = None) -> ScanReport:
    """Scan with the case's residency.yaml (or the given policy), without the machine's TF_VAR_*."""
    if policy is None:
        policy_file = folder / "residency.yaml"
        policy = load_policy(policy_file) if policy_file.is_file() else Policy()
    return run_scan([folder], policy, options or ScanOptions(env={}, use_cache=False))


def hits(report: ScanReport, rule: str) -> set[tuple[str, str, str, int]]:
    return {(f.rule_id, f.address, f.file, f.line) for f in report.findings if f.rule_id == rule}


def messages(report: ScanReport, rule: str) -> dict[str, str]:
    return {f.address: f.message for f in report.findings if f.rule_id == rule}


def by_address(report: ScanReport, rule: str) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.rule_id == rule:
            out.setdefault(finding.address, []).append(finding)
    return out
