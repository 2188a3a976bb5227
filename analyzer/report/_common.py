"""Helpers shared by every output format: ordering, locations, evidence chains, fingerprints.

Every format renders the same :class:`~analyzer.models.ScanReport`; these helpers keep the
formats agreeing on order (so output is deterministic), on how a location and an evidence
chain read, and on the fingerprint a finding carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from analyzer.fingerprints import finding_fingerprint, portable_text
from analyzer.models import (
    Evidence,
    Finding,
    InventoryRow,
    ProviderPlacement,
    RuleMeta,
    ScanError,
    ScanReport,
)

TOOL_NAME = "residency"
EVIDENCE_ARROW = " \u2190 "  # " ← ": each step came from the next one

_RULE_ID_PARTS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key putting CKV_RES_2 before CKV_RES_10."""
    return tuple(int(part) if part.isdigit() else part for part in _RULE_ID_PARTS.split(text))


def posix_path(path: str) -> str:
    """A path as reports show it: forward slashes, no leading './'."""
    if "\\" not in path and not path.startswith("./"):
        return path  # the common case: already as reports show it
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def location(file: str, line: int) -> str:
    """``file:line``, or just ``file`` when the line is unknown (0)."""
    file = posix_path(file)
    return f"{file}:{line}" if line > 0 else file


def finding_sort_key(f: Finding) -> tuple:
    return (posix_path(f.file), f.line, natural_key(f.rule_id), f.address)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


def sorted_inventory(rows: Iterable[InventoryRow]) -> list[InventoryRow]:
    return sorted(rows, key=lambda r: (posix_path(r.file), r.line, r.address))


def sorted_providers(providers: Iterable[ProviderPlacement]) -> list[ProviderPlacement]:
    return sorted(providers, key=lambda p: (posix_path(p.file), p.line, p.address))


def sorted_errors(errors: Iterable[ScanError]) -> list[ScanError]:
    return sorted(errors, key=lambda e: (posix_path(e.file), e.line, e.message))


def evidence_strings(evidence: Iterable[Evidence]) -> list[str]:
    """Each step as ``file:line note`` (forward slashes)."""
    return [_step_text(e) for e in evidence]


@lru_cache(maxsize=1 << 16)
def _step_text(step: Evidence) -> str:
    # one provider or variable step is shared by thousands of rows: render it once
    return f"{location(step.file, step.line)} {step.note}".rstrip()


def evidence_chain(evidence: Iterable[Evidence]) -> str:
    """``main.tf:12 provider aws.dr ← variables.tf:6 var.dr_region default`` ('' if none)."""
    return EVIDENCE_ARROW.join(evidence_strings(evidence))


def dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# --- fingerprints -----------------------------------------------------------------------
# one definition for baselines, SARIF and JSON (analyzer.fingerprints)
fingerprint = finding_fingerprint


def strip_line_numbers(message: str) -> str:
    """The message with line references removed, so a fingerprint survives code moving."""
    return portable_text(message)


# --- rules and summary ------------------------------------------------------------------


def rule_catalogue(report: ScanReport) -> list[RuleMeta]:
    """The report's rules, plus a stand-in for any rule a finding names but the report lacks,
    in natural rule-id order (each id once)."""
    rules: dict[str, RuleMeta] = {}
    for rule in report.rules:
        rules.setdefault(rule.id, rule)
    for f in sorted_findings(report.findings):
        if f.rule_id not in rules:
            rules[f.rule_id] = RuleMeta(
                id=f.rule_id, name=f.rule_name, severity=f.severity, description=f.rule_name, guideline=""
            )
    return sorted(rules.values(), key=lambda r: natural_key(r.id))


def rule_title(rule_id: str, report: ScanReport, fallback: str = "") -> str:
    """``CKV_RES_1 <rule name>``."""
    for rule in report.rules:
        if rule.id == rule_id:
            return f"{rule.id} {rule.name}"
    return f"{rule_id} {fallback}".rstrip()


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def resource_count(report: ScanReport) -> int:
    return report.summary.resources or len(report.inventory)


def where(report: ScanReport) -> str:
    """'region eu-west-1 (inferred), account 111122223333' or '' when neither is known."""
    parts = []
    if report.summary.region:
        parts.append(f"region {report.summary.region}" + (" (inferred)" if report.summary.region_inferred else ""))
    if report.summary.accounts:
        label = "account" if len(report.summary.accounts) == 1 else "accounts"
        parts.append(f"{label} {', '.join(report.summary.accounts)}")
    return ", ".join(parts)


def summary_line(report: ScanReport) -> str:
    """One line: '3 findings (1 suppressed) in 42 resources, region eu-west-1', or
    'No residency findings: 42 resources in eu-west-1' when nothing is active."""
    total = len(report.findings)
    suppressed = sum(1 for f in report.findings if f.suppressed is not None)
    active = total - suppressed
    resources = plural(resource_count(report), "resource")
    tail = []
    if report.errors:
        tail.append(f"{plural(len(report.errors), 'input')} not analyzed")
    if active == 0:
        region = report.summary.region
        line = f"No residency findings: {resources}"
        if region:
            line += f" in {region}" + (" (inferred)" if report.summary.region_inferred else "")
        if report.summary.accounts:
            line += f", {'account' if len(report.summary.accounts) == 1 else 'accounts'} "
            line += ", ".join(report.summary.accounts)
        if suppressed:
            tail.insert(0, f"{suppressed} suppressed")
    else:
        line = plural(total, "finding")
        if suppressed:
            line += f" ({suppressed} suppressed)"
        line += f" in {resources}"
        context = where(report)
        if context:
            line += f", {context}"
    if tail:
        line += f" ({'; '.join(tail)})" if active == 0 else f"; {'; '.join(tail)}"
    return line
