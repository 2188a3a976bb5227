"""Baselines: accept today's findings, fail only on new ones.

``residency baseline PATH...`` writes the fingerprints of the active findings to a JSON file;
``residency scan PATH... --baseline FILE`` reports findings whose fingerprint is in that file
as suppressed (``baseline: FILE``), so they show in every report format but do not fail the
scan. Fingerprints (see :mod:`analyzer.fingerprints`, shared with SARIF) leave line numbers and
absolute paths out, so a baseline survives unrelated edits above a resource and is the same on a
laptop and a CI runner. Version 1 baselines held machine-dependent fingerprints: they are
refused with a request to regenerate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analyzer import __version__
from analyzer.fingerprints import finding_fingerprint
from analyzer.models import Finding, ScanReport
from analyzer.tree_guard import RefusedPath, read_regular_file

BASELINE_FILE = "residency-baseline.json"
BASELINE_VERSION: Final = 2
MAX_BASELINE_BYTES = 256 << 20  # a baseline of a million findings is ~250 MB


class BaselineError(ValueError):
    """A baseline file that cannot be used (missing, not JSON, wrong shape)."""


class BaselineEntry(BaseModel):
    """One accepted finding; everything but the fingerprint is there for human readers."""

    model_config = ConfigDict(extra="ignore")

    fingerprint: str = Field(min_length=1)
    rule_id: str = ""
    address: str = ""
    file: str = ""
    message: str = ""


class Baseline(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal[2] = BASELINE_VERSION
    tool_version: str = __version__
    findings: list[BaselineEntry] = Field(default_factory=list)

    def fingerprints(self) -> set[str]:
        return {entry.fingerprint for entry in self.findings}


def baseline_from_findings(findings: list[Finding]) -> Baseline:
    """A baseline of the given findings' fingerprints (active ones only; sorted; one entry each)."""
    entries: dict[str, BaselineEntry] = {}
    for f in findings:
        key = finding_fingerprint(f)
        if f.suppressed is None and key not in entries:
            entries[key] = BaselineEntry(fingerprint=key, rule_id=f.rule_id, address=f.address, file=f.file,
                                         message=f.message)
    return Baseline(findings=[entries[key] for key in sorted(entries)])


def baseline_from_report(report: ScanReport) -> Baseline:
    return baseline_from_findings(report.findings)


def dump_baseline(baseline: Baseline) -> str:
    return json.dumps(baseline.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"


def write_baseline(baseline: Baseline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_baseline(baseline), encoding="utf-8")


def load_baseline(path: Path) -> Baseline:
    if not path.exists():
        raise BaselineError(f"baseline {path}: no such file (create it with `residency baseline`)")
    try:  # regular files only, never blocking (a FIFO, /dev/zero), size-capped
        raw = read_regular_file(path, f"baseline {path}", MAX_BASELINE_BYTES)
    except RefusedPath as err:
        raise BaselineError(str(err)) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise BaselineError(f"baseline {path}: cannot read: not UTF-8 (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise BaselineError(f"baseline {path}:{err.lineno}: invalid JSON: {err.msg}") from None
    except RecursionError:
        raise BaselineError(f"baseline {path}: invalid JSON: nested too deeply for a baseline") from None
    except ValueError as err:  # e.g. an integer past Python's 4,300-digit conversion limit
        raise BaselineError(f"baseline {path}: invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise BaselineError(f"baseline {path}: expected a JSON object with `version` and `findings`")
    if data.get("version") == 1:
        raise BaselineError(f"baseline {path}: version 1 fingerprints depended on the machine that made them; "
                            "regenerate it with `residency baseline`")
    try:
        return Baseline.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors())
        raise BaselineError(f"baseline {path}: invalid baseline: {problems}") from None


def apply_baseline(report: ScanReport, baseline: Baseline, label: str) -> int:
    """Mark active findings whose fingerprint is in the baseline as suppressed; return how many.

    The report's summary counts are updated so every format agrees."""
    known = baseline.fingerprints()
    marked = 0
    for f in report.findings:
        if f.suppressed is None and finding_fingerprint(f) in known:
            f.suppressed = f"baseline: {label}"
            marked += 1
    report.summary.findings = sum(1 for f in report.findings if f.suppressed is None)
    report.summary.suppressed = sum(1 for f in report.findings if f.suppressed is not None)
    return marked
