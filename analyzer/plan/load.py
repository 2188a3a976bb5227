"""Read a plan/state JSON file defensively: size limit, strict UTF-8, clear errors naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.plan.detect import JsonKind, detect

# Plans of large estates reach tens of MB; past this the file is refused, not parsed.
MAX_PLAN_BYTES = 256 * 1024 * 1024
SUPPORTED_MAJOR = "1"


class PlanLoadError(ValueError):
    """The file cannot be read as Terraform plan/state JSON; `line` is 1-based (0: whole file)."""

    def __init__(self, rel: str, message: str, line: int = 0) -> None:
        super().__init__(f"{rel}: {message}")
        self.rel = rel
        self.message = message
        self.line = line


def load_plan_json(path: Path, rel: str, max_bytes: int = MAX_PLAN_BYTES) -> tuple[JsonKind, dict[str, Any], str]:
    """(kind, document, text) of a `terraform show -json` file; PlanLoadError otherwise."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PlanLoadError(rel, f"cannot read plan JSON: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise PlanLoadError(rel, f"plan JSON is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit; not analyzed")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanLoadError(rel, f"cannot read plan JSON: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanLoadError(rel, f"plan JSON is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise PlanLoadError(rel, "plan JSON is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise PlanLoadError(rel, f"plan JSON is truncated: it ends at line {exc.lineno} column {exc.colno} "
                                     "before the document is complete", exc.lineno) from None
        raise PlanLoadError(rel, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise PlanLoadError(rel, "plan JSON is nested too deeply to read") from None
    kind = detect(doc)
    if kind is None:
        what = "an object" if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
        raise PlanLoadError(rel, f"not Terraform plan or state JSON: {what} without format_version "
                                 "(expected the output of `terraform show -json`)")
    version = doc.get("format_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise PlanLoadError(rel, f"unsupported format_version {json.dumps(version)}: this analyzer reads "
                                 f"`terraform show -json` format {SUPPORTED_MAJOR}.x")
    return kind, doc, text
