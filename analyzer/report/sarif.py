"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, Azure DevOps).

One run. ``tool.driver.rules`` carries every rule of the report (plus a stand-in for any rule a
finding names that the report lacks), in natural rule-id order; each result points at its rule
by ``ruleId`` and ``ruleIndex``. Locations are relative to the ``SRCROOT`` base id, whose
absolute URI is given only when the report's root is absolute. Every result carries the
``residencyFingerprint/v2`` partial fingerprint (analyzer.fingerprints: rule, root, address,
relative file and message facts, never line numbers or absolute paths), and suppressed findings
carry an ``external`` suppression with the reason.
Inputs that could not be analyzed are tool execution notifications of the run's invocation.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from analyzer.fingerprints import finding_fingerprint
from analyzer.models import Finding, RuleMeta, ScanError, ScanReport

from ._common import (
    TOOL_NAME,
    evidence_chain,
    posix_path,
    rule_catalogue,
    sorted_errors,
    sorted_findings,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/residency/residency"
SRCROOT = "SRCROOT"
FINGERPRINT_KEY = "residencyFingerprint/v2"

LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "INFO": "note"}
# GitHub code scanning reads properties["security-severity"] (a CVSS-like score) to rank rules.
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFO": "0.0"}


def pascal_case(name: str) -> str:
    """'Data stays in the home region' -> 'DataStaysInTheHomeRegion'."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:] for w in words)


def _absolute_root(root: str) -> tuple[str | None, str | None]:
    """(file URI ending in '/', posix form of the root) when root is absolute, else (None, None)."""
    win = PureWindowsPath(root)
    if win.drive and win.is_absolute():
        uri = win.as_uri()
        return (uri if uri.endswith("/") else uri + "/"), win.as_posix()
    posix = PurePosixPath(root.replace("\\", "/"))
    if posix.is_absolute():
        uri = posix.as_uri()
        return (uri if uri.endswith("/") else uri + "/"), posix.as_posix()
    return None, None


def artifact_location(file: str, root: str) -> dict[str, Any]:
    path = posix_path(file)
    _, root_posix = _absolute_root(root)
    win = PureWindowsPath(file)
    is_abs = PurePosixPath(path).is_absolute() or (bool(win.drive) and win.is_absolute())
    if is_abs:
        if root_posix is not None:
            try:
                rel = PurePosixPath(path).relative_to(PurePosixPath(root_posix))
            except ValueError:
                rel = None
            if rel is not None:
                return {"uri": quote(rel.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}
        absolute = win if win.drive else PurePosixPath(path)
        return {"uri": absolute.as_uri()}
    return {"uri": quote(path, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def rule_descriptor(rule: RuleMeta) -> dict[str, Any]:
    guideline = rule.guideline or rule.description or rule.name
    return {
        "id": rule.id,
        "name": pascal_case(rule.name) or rule.id,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": rule.description or rule.name},
        "help": {"text": guideline, "markdown": f"**{rule.id} {rule.name}**\n\n{guideline}"},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["residency", "security"],
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def message_text(f: Finding) -> str:
    chain = evidence_chain(f.evidence)
    return f"{f.message}\nEvidence: {chain}" if chain else f.message


def result(f: Finding, rule_index: int, root: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": message_text(f)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(f.file, root),
                    "region": {"startLine": max(f.line, 1)},
                },
                "logicalLocations": [{"fullyQualifiedName": f.address}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(f)},
    }
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    props = {k: v for k, v in (("region", f.region), ("account", f.account)) if v is not None}
    if props:
        out["properties"] = props
    return out


def notification(e: ScanError, root: str) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"Input not analyzed: {e.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(e.file, root),
                    "region": {"startLine": max(e.line, 1)},
                }
            }
        ],
    }


def to_dict(report: ScanReport) -> dict[str, Any]:
    rules = rule_catalogue(report)
    index = {rule.id: i for i, rule in enumerate(rules)}
    root_uri, _ = _absolute_root(report.root)
    if root_uri is not None:
        srcroot: dict[str, Any] = {"uri": root_uri}
    else:
        text = f"The scanned root directory ({report.root!r}, relative to the working directory)."
        srcroot = {"description": {"text": text}}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [notification(e, report.root) for e in sorted_errors(report.errors)],
            }
        ],
        "originalUriBaseIds": {SRCROOT: srcroot},
        "results": [result(f, index[f.rule_id], report.root) for f in sorted_findings(report.findings)],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: ScanReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
