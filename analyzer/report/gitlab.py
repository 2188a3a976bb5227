"""GitLab Code Quality report (``artifacts: reports: codequality``): merge requests show it.

A JSON array with one issue per active (unsuppressed) finding, in report order::

    {"description": "CKV_RES_1: aws_s3_bucket.dr is in us-east-1, ...", "check_name": "CKV_RES_1",
     "fingerprint": "<the finding's fingerprint>", "severity": "major",
     "location": {"path": "infra/main.tf", "lines": {"begin": 12}}}

Severities follow Trivy's GitLab template: CRITICAL critical, HIGH major, MEDIUM minor, LOW and
INFO info. GitLab reads ``location.path`` from the repository root, where the job runs: the
scan root (relative to the working folder, as reports show it) prefixes every path, and a
file outside it (``../modules/x``) is normalised, never absolute. When the scan root is
itself absolute (outside the working folder) paths stay relative to it. The fingerprint is
the finding's own, the same as SARIF's and the JSON report's, so GitLab tracks an issue
across pipelines. Inputs not analyzed are already CKV_RES_9 findings.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from analyzer.models import Finding, ScanReport

from ._common import fingerprint, posix_path, sorted_findings

SEVERITY = {"CRITICAL": "critical", "HIGH": "major", "MEDIUM": "minor", "LOW": "info", "INFO": "info"}


def _is_absolute(path: str) -> bool:
    win = PureWindowsPath(path)
    return PurePosixPath(path).is_absolute() or (bool(win.drive) and win.is_absolute())


def repository_path(file: str, root: str) -> str:
    """``file`` (relative to the scan root) as a path from the repository root."""
    path = posix_path(file)
    base = posix_path(root)
    if _is_absolute(path):
        if _is_absolute(base):
            relative = posixpath.relpath(path, base)
            return relative if not relative.startswith("../") else path
        return path
    if _is_absolute(base) or base in ("", "."):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base, path))


def issue(f: Finding, root: str) -> dict[str, Any]:
    return {
        "description": f"{f.rule_id}: {f.message}",
        "check_name": f.rule_id,
        "fingerprint": fingerprint(f),
        "severity": SEVERITY[f.severity],
        "location": {"path": repository_path(f.file, root), "lines": {"begin": max(f.line, 1)}},
    }


def render(report: ScanReport) -> str:
    issues = [issue(f, report.root) for f in sorted_findings(report.active_findings())]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
