"""`residency inventory` output: a table grouped by kind, JSON, or Markdown."""

from __future__ import annotations

import io
import json
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.models import Inventory, InventoryRow, Placement, display_address
from analyzer.report.escape import ci_inert, json_text_safe, markdown_code, markdown_text, visible


def _place(p: Placement) -> str:
    if p.status == "resolved":
        return p.value or ""
    if p.status in ("multi", "global"):
        return f"{p.value} ({p.status})"
    if p.status == "none":
        return "-"
    return f"unknown: {p.reason}"


def _evidence(row: InventoryRow) -> list[str]:
    return [e.render() for e in row.region.evidence] + [e.render() for e in row.account.evidence if e not in row.region.evidence]


def render_inventory(inventory: Inventory, fmt: str, root: str, width: int | None = None) -> str:
    rows = sorted(inventory.rows, key=lambda r: (r.kind, r.root, r.address))
    if fmt == "json":
        data = {
            "root": root,
            "inventory": [{
                "address": r.address, "type": r.type, "kind": r.kind, "cloud": r.cloud, "root": r.root, "name": r.name,
                "refers_to": r.refers_to,
                "region": r.region.value, "region_status": r.region.status, "account": r.account.value,
                "account_status": r.account.status, "file": r.file, "line": r.line, "evidence": _evidence(r),
            } for r in sorted(inventory.rows, key=lambda r: (r.root, r.file, r.line, r.address))],
            "errors": [e.model_dump() for e in inventory.errors],
        }
        return json_text_safe(json.dumps(data, indent=2) + "\n")
    if fmt == "markdown":
        lines = ["# Residency inventory", ""]
        for kind, group in groupby(rows, key=lambda r: r.kind):
            lines += [f"## {kind}", "", "| Resource | Cloud | Region | Account | Location |", "|---|---|---|---|---|"]
            for r in group:
                lines.append(f"| {markdown_code(display_address(r))} | {r.cloud} | {markdown_text(_place(r.region))} "
                             f"| {markdown_text(_place(r.account))} | {markdown_code(f'{r.file}:{r.line}')} |")
            lines.append("")
        if inventory.errors:
            lines += ["## Not analyzed", ""] + [f"- {markdown_code(f'{e.file}:{e.line}', in_table=False)} "
                                                f"{markdown_text(e.message)}" for e in inventory.errors] + [""]
        return ci_inert("\n".join(lines), hash_escape="\u2060#", colon_escape="\u2060:")
    buffer = io.StringIO()
    # a terminal's width (cli.py passes it); a file or pipe gets the table at its natural width
    console = Console(file=buffer, width=width or 1000, record=False, force_terminal=False)
    for kind, group in groupby(rows, key=lambda r: r.kind):
        cells = [[visible(cell) for cell in (display_address(r), r.cloud, _place(r.region), _place(r.account),
                                             f"{r.file}:{r.line}")] + [[visible(step) for step in _evidence(r)[:4]]]
                 for r in group]
        _print_group(console, kind, cells)
    if inventory.errors:
        console.print("Not analyzed:")
        for e in inventory.errors:
            console.print(visible(f"  {e.file}:{e.line} {e.message}"), highlight=False, markup=False)
    if not rows:
        console.print("No located resources found.")
    return ci_inert(buffer.getvalue(), hash_escape="\\x23", colon_escape="\\x3a")


_COLUMNS = ("Resource", "Cloud", "Region", "Account", "Location")
_EVIDENCE_MIN = 24  # narrower than this, the evidence goes under each row instead of in a column


def _print_group(console: Console, kind: str, cells: list[list]) -> None:
    """One kind's rows as a table whose identifier columns are never split or truncated; when they
    leave no room for an evidence column, each row is a line with its evidence indented below."""
    widths = [max([len(column)] + [len(row[i]) for row in cells]) for i, column in enumerate(_COLUMNS)]
    frame = 3 * (len(_COLUMNS) + 1) + 1  # borders and padding of a rich table with the evidence column
    if sum(widths) + frame + _EVIDENCE_MIN <= console.width:
        table = Table(title=kind, title_justify="left", show_lines=False)
        for column, size in zip(_COLUMNS, widths):
            table.add_column(column, no_wrap=True, min_width=size)
        table.add_column("Evidence", overflow="fold")
        for row in cells:
            # Text, not str: rich would read [markup] in a value
            table.add_row(*(Text(cell) for cell in row[:5]), Text("\n".join(row[5])))
        console.print(table)
        return
    console.print(Text(kind, style="italic"))
    for row in cells:
        console.print(Text("  ".join(row[:5])), overflow="ignore", soft_wrap=True)
        for step in row[5]:
            console.print(Text(f"    {step}"), overflow="ignore", soft_wrap=True)
