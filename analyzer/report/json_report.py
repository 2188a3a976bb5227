"""The JSON report: one object, deterministic order, stable key order.

Top-level keys, in order: ``tool``, ``root``, ``findings``, ``inventory``, ``providers``,
``errors``, ``unused_exceptions``, ``summary``. Findings sort by (file, line, rule_id, address); inventory and
providers by (file, line, address); errors by (file, line, message).
"""

from __future__ import annotations

import json
from typing import Any

from analyzer.fingerprints import finding_fingerprint
from analyzer.models import (
    Finding,
    Flow,
    InventoryRow,
    ProviderPlacement,
    ScanError,
    ScanReport,
    is_reference,
)

from ._common import (
    TOOL_NAME,
    dedupe,
    evidence_strings,
    posix_path,
    sorted_errors,
    sorted_findings,
    sorted_inventory,
    sorted_providers,
)


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity,
        "address": f.address,
        "file": posix_path(f.file),
        "line": f.line,
        "message": f.message,
        "region": f.region,
        "account": f.account,
        "evidence": evidence_strings(f.evidence),
        "fingerprint": finding_fingerprint(f),
        "suppressed": f.suppressed,
    }


def flow_dict(flow: Flow) -> dict[str, Any]:
    return {
        "kind": flow.kind,
        "description": flow.description,
        "region": flow.region.value,
        "region_status": flow.region.status,
        "account": flow.account.value,
        "account_status": flow.account.status,
        "line": flow.line,
        "evidence": dedupe(evidence_strings(flow.region.evidence) + evidence_strings(flow.account.evidence)),
    }


def inventory_dict(row: InventoryRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "address": row.address,
        "type": row.type,
        "kind": row.kind,
        "cloud": row.cloud,
        "region": row.region.value,
        "region_status": row.region.status,
        "account": row.account.value,
        "account_status": row.account.status,
        "file": posix_path(row.file),
        "line": row.line,
        "evidence": dedupe(evidence_strings(row.region.evidence) + evidence_strings(row.account.evidence)),
    }
    if row.flows:
        flows = sorted(row.flows, key=lambda fl: (fl.line, fl.kind, fl.description))
        out["flows"] = [flow_dict(flow) for flow in flows]
    if row.images:
        out["images"] = sorted(row.images)
    if is_reference(row):  # what the Kubernetes object names, and the Terraform row creating it
        out["name"] = row.name
        out["refers_to"] = row.refers_to
    if row.conflicts:
        out["conflicts"] = [{"field": c.field, "helm": c.helm.value, "terraform": c.terraform.value,
                             "address": c.address} for c in row.conflicts]
    return out


def provider_dict(p: ProviderPlacement) -> dict[str, Any]:
    return {
        "address": p.address,
        "cloud": p.cloud,
        "region": p.region.value,
        "region_status": p.region.status,
        "account": p.account.value,
        "account_status": p.account.status,
        "pinned": p.pinned,
        "file": posix_path(p.file),
        "line": p.line,
        "evidence": dedupe(evidence_strings(p.region.evidence) + evidence_strings(p.account.evidence)),
    }


def error_dict(e: ScanError) -> dict[str, Any]:
    return {"file": posix_path(e.file), "line": e.line, "message": e.message}


def to_dict(report: ScanReport) -> dict[str, Any]:
    return {
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "root": report.root,
        "findings": [finding_dict(f) for f in sorted_findings(report.findings)],
        "inventory": [inventory_dict(r) for r in sorted_inventory(report.inventory)],
        "providers": [provider_dict(p) for p in sorted_providers(report.providers)],
        "errors": [error_dict(e) for e in sorted_errors(report.errors)],
        # residency.yaml exceptions that matched no finding: stale suppressions to remove
        "unused_exceptions": [e.model_dump(mode="json") for e in report.unused_exceptions],
        # wall time stays out: the JSON must be byte-identical for unchanged inputs (CI diffs)
        "summary": report.summary.model_dump(mode="json", exclude={"seconds"}),
    }


def render(report: ScanReport) -> str:
    """Top-level keys on their own lines and one finding/row per line: diff-friendly, and
    encoded by json's C encoder (indent= forces the pure-Python one, 10x slower on big estates)."""
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    parts = []
    for key, value in to_dict(report).items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(compact(item) for item in value)
            parts.append(f"  {compact(key)}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
