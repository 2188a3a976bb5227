"""`residency checks`: the rules as `checkov -l` lists its checks (ID, severity, name, documentation)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.report._common import natural_key

DOC_PATH = "docs/rules/{id}.md"  # in the residency repository, one page per rule


def rule_rows(rules: Sequence[Any], severity: Mapping[str, str]) -> list[dict[str, str]]:
    """One row per rule, in natural ID order; the severity is the policy's override when it has one."""
    return [{"id": r.id, "severity": severity.get(r.id, r.severity), "default_severity": r.severity, "name": r.name,
             "doc": DOC_PATH.format(id=r.id)} for r in sorted(rules, key=lambda r: natural_key(r.id))]


def render_rules(rules: Sequence[Any], severity: Mapping[str, str], fmt: str) -> str:
    rows = rule_rows(rules, severity)
    if fmt == "json":
        return json.dumps({"rules": rows}, indent=2) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True, highlight=False)
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("ID", "Severity", "Name", "Documentation"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*(Text(row[key]) for key in ("id", "severity", "name", "doc")))
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
