"""Is a JSON document a Terraform plan, a Terraform state, or neither?

`terraform show -json plan.out` writes `format_version` plus `planned_values`,
`resource_changes` and `configuration`; `terraform show -json` of a state writes
`format_version` plus `values` (absent for an empty state).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from analyzer.walk import SKIPPED_DIRS

JsonKind = Literal["plan", "state"]

PLAN_KEYS = ("planned_values", "resource_changes", "configuration", "prior_state", "resource_drift")
_SNIFF_BYTES = 4096


def detect(doc: Any) -> JsonKind | None:
    """"plan", "state", or None when `doc` is not Terraform's JSON output."""
    if not isinstance(doc, dict) or "format_version" not in doc:
        return None
    if any(key in doc for key in PLAN_KEYS):
        return "plan"
    if "values" in doc or "terraform_version" in doc:
        return "state"
    return None


def sniff(path: Path) -> bool:
    """Cheap test for a scanner walking a tree: does this file start like `terraform show -json`
    output (an object with `format_version` near its start)? Reads at most 4 KiB."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"format_version"' in text




def is_plan_candidate(path: Path) -> bool:
    """A `.json` file that is not Terraform configuration or variables."""
    name = path.name
    return name.endswith(".json") and not name.endswith((".tf.json", ".tfvars.json"))


def find_plan_files(root: Path) -> list[Path]:
    """Every plan/state JSON under root, whatever it is called (symlinked folders not followed)."""
    if root.is_file():
        return [root] if is_plan_candidate(root) else []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if is_plan_candidate(path) and path.is_file() and sniff(path):
                found.append(path)
    return found
