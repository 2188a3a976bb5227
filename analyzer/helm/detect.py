"""Which YAML files in a tree are rendered Kubernetes manifests?

A candidate is a `.yaml`/`.yml` file that is not part of a Helm chart (Chart.yaml,
values*.yaml, anything inside a folder holding Chart.yaml: its templates are Go templates,
not YAML, and are rendered separately) and not the analyzer's own policy file. A cheap sniff
of the first 64 KiB then keeps the files with both an `apiVersion` and a `kind` key.

Fail closed: a candidate whose head is not readable text (NUL bytes, invalid UTF-8) cannot be
sniffed, so it is kept and scan_manifests reports why it is not analyzed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from analyzer.walk import SKIPPED_DIRS

_SUFFIXES = (".yaml", ".yml")
_SNIFF_BYTES = 65536
_API_VERSION = re.compile(rb"""(?m)^[ \t]*(?:-[ \t]+)?["']?apiVersion["']?[ \t]*:|[{,][ \t]*["']?apiVersion["']?[ \t]*:""")
_KIND = re.compile(rb"""(?m)^[ \t]*(?:-[ \t]+)?["']?kind["']?[ \t]*:|[{,][ \t]*["']?kind["']?[ \t]*:""")
_NOT_MANIFESTS = {"chart.yaml", "chart.yml", "residency.yaml", "residency.yml"}


def _is_values_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("values") and lowered.endswith(_SUFFIXES)


def _in_chart_templates(path: Path) -> bool:
    """Inside `templates/` of a folder holding Chart.yaml."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


def is_manifest_candidate(path: Path) -> bool:
    """A `.yaml`/`.yml` file that is not a chart's Chart.yaml, values file or template."""
    name = path.name
    if not name.lower().endswith(_SUFFIXES) or name.lower() in _NOT_MANIFESTS or _is_values_file(name):
        return False
    return not _in_chart_templates(path)


def sniff(path: Path) -> bool:
    """Does the file look like Kubernetes objects (an `apiVersion` and a `kind` key in its first
    64 KiB)? Unreadable-as-text heads count as yes, so the scan reports them instead of passing."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return True  # scan_manifests reports why it cannot be read
    if b"\x00" in head[:8192]:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut in half at the sniff boundary
            return True
    return bool(_API_VERSION.search(head)) and bool(_KIND.search(head))


def find_manifests(root: Path) -> list[Path]:
    """Every rendered-manifest file under root, sorted (symlinked folders are not followed;
    chart folders, those holding Chart.yaml, are left to the chart renderer)."""
    if root.is_file():
        return [root] if is_manifest_candidate(root) else []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        if "Chart.yaml" in files:
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if is_manifest_candidate(path) and path.is_file() and sniff(path):
                found.append(path)
    return found
