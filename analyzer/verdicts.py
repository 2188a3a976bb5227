"""Run the rule catalog over an inventory: findings, suppressions, fingerprints."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from analyzer import kinds
from analyzer.catalog import catalog
from analyzer.fingerprints import disambiguate
from analyzer.models import Finding, Inventory, InventoryRow
from analyzer.policy import Policy
from analyzer.rules import RULES
from analyzer.rules.base import RuleContext, Verdict

INFER_KINDS = kinds.names("infers_region")  # the kinds whose regions infer the data plane's


def root_default_regions(inventory: Inventory) -> dict[str, str]:
    """{root: region} of each root's default provider configuration (`provider "aws" {}` without
    alias, not a module's): where the root deploys unless a resource says otherwise."""
    found: dict[str, set[str]] = {}
    for provider in inventory.providers:
        parts = provider.address.split(".")
        if len(parts) == 2 and parts[0] == "provider" and provider.region.status == "resolved" and provider.region.value:
            found.setdefault(provider.root, set()).add(provider.region.value)
    # a root with default providers of several clouds in several regions does not decide alone
    return {root: next(iter(regions)) for root, regions in found.items() if len(regions) == 1}


def region_disagreement(inventory: Inventory) -> dict[str, str]:
    """The roots' default regions when they disagree (a scan then asks for `--region`); {} otherwise."""
    by_root = root_default_regions(inventory)
    return by_root if len(set(by_root.values())) > 1 else {}


def infer_region(inventory: Inventory) -> str | None:
    """The data plane's region when no policy names one: the region of the roots' default provider
    configuration (a module replicating into another region gives its replica a provider of its
    own, which must not decide); without one, the most common region of the kinds that infer one. None when
    the roots disagree."""
    by_root = root_default_regions(inventory)
    if by_root:
        regions = set(by_root.values())
        return next(iter(regions)) if len(regions) == 1 else None
    counts = Counter(r.region.value for r in inventory.rows if r.kind in INFER_KINDS and r.region.status == "resolved")
    if not counts:
        counts = Counter(r.region.value for r in inventory.rows if r.region.status == "resolved")
    if not counts:
        return None
    best = max(counts.values())
    return sorted(region for region, n in counts.items() if n == best)[0]  # type: ignore[type-var]


def build_context(policy: Policy, inventory: Inventory) -> RuleContext:
    regions = policy.allowed_regions()
    inferred = False
    disagreement: dict[str, str] = {}
    if not regions:
        guess = infer_region(inventory)
        if guess:
            regions, inferred = [guess], True
        else:
            disagreement = region_disagreement(inventory)
    types = catalog()
    known = tuple(sorted({r.name for r in inventory.rows
                          if r.name and r.type in types and types[r.type].registry_host}))
    unpinned = {(p.root, p.address): p.account.reason for p in inventory.providers
                 if not p.pinned and p.account.status == "unknown"}
    return RuleContext(regions=tuple(regions), accounts=tuple(policy.accounts),
                       allowed_registries=tuple(policy.allowed_registries), region_inferred=inferred,
                       fail_on_unknown=policy.fail_on_unknown, known_registries=known, unpinned_providers=unpinned,
                       region_disagreement=tuple(sorted(disagreement.items())))


def evaluate_rules(inventory: Inventory, policy: Policy, context: RuleContext, *,
                   skip: set[str] | None = None, today: dt.date | None = None,
                   base: Path | None = None) -> list[Finding]:
    """Every rule's findings, suppressed by inline skips and policy exceptions, fingerprinted
    (`base`, the scan root, makes paths outside it relative: see analyzer.fingerprints)."""
    skip = skip or set()
    today = today or dt.date.today()
    findings: list[Finding] = []
    identities: list[tuple[Finding, str, str]] = []
    for rule in RULES:
        if rule.id in skip:
            continue
        severity = policy.severity.get(rule.id, rule.severity)

        def emit(verdict: Verdict, address: str, file: str, line: int, skips: dict[str, str], root: str) -> None:
            finding = Finding(rule_id=rule.id, rule_name=rule.name, severity=severity, address=address, file=file,
                              line=verdict.line or line, message=verdict.message, region=verdict.region,
                              account=verdict.account, evidence=verdict.evidence)
            identities.append((finding, root, verdict.message))
            if rule.id in skips:
                finding.suppressed = f"checkov:skip in source: {skips[rule.id]}"
            else:
                exception, expired = policy.exception_for(rule.id, address or file, today)
                if exception is not None and not expired:
                    finding.suppressed = f"residency.yaml exception until {exception.expires}: {exception.reason}"
                elif exception is not None:
                    finding.message += f" (the residency.yaml exception expired on {exception.expires})"
            findings.append(finding)

        if rule.check_row is not None:
            for row in inventory.rows:
                if rule.applies_to(row):
                    for verdict in rule.check_row(row, context):
                        emit(verdict, row.address, row.file, row.line, row.skips, row.root)
        if rule.check_provider is not None:
            for provider in inventory.providers:
                for verdict in rule.check_provider(provider, context):
                    emit(verdict, provider.address, provider.file, provider.line, provider.skips, provider.root)
        if rule.check_error is not None:
            for error in inventory.errors:
                for verdict in rule.check_error(error, context):
                    emit(verdict, error.address or error.file, error.file, error.line, {}, "")
    disambiguate(identities, str(base) if base is not None else None)
    findings.sort(key=lambda f: (f.file, f.line, f.rule_id, f.address, f.message))
    return findings


def row_verdicts(row: InventoryRow, context: RuleContext) -> dict[str, list[Verdict]]:
    """Every row rule's verdicts for one row (the checkov host asks one resource at a time)."""
    return {rule.id: rule.check_row(row, context) for rule in RULES if rule.check_row is not None and rule.applies_to(row)}
