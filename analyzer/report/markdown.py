"""GitHub-flavoured Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

A heading, the summary line, a table of active findings (rule, severity, resource,
``file:line``, message), a collapsible ``<details>`` with the evidence chain of each finding,
then the suppressed findings, the inputs not analyzed, and the inventory table (address,
kind, cloud, region, account, location) in its own ``<details>``.

Values from the scanned tree render as themselves and nothing else (see
:mod:`analyzer.report.escape`): in text, Markdown punctuation is backslash-escaped, ``<``,
``>`` and ``&`` become entities, ``@mentions``, ``#123`` references and bare URLs are broken
by an invisible word joiner, and newlines become ``<br>``; addresses, paths and placements
are code spans whose fence outgrows any backtick run inside. Control and bidi characters show
as escapes (``\\x1b``, ``\\u202e``) everywhere.
"""

from __future__ import annotations

from analyzer.models import Finding, InventoryRow, Placement, ScanReport

from ._common import (
    TOOL_NAME,
    evidence_strings,
    location,
    plural,
    sorted_errors,
    sorted_findings,
    sorted_inventory,
    summary_line,
)
from .escape import ci_inert, markdown_code, markdown_text

HEADING = "## Residency report"


def cell(text: str) -> str:
    """Plain text made safe for a table cell (and for any other inline position)."""
    return markdown_text(text)


def code(text: str, *, in_table: bool = True) -> str:
    """A code span; in a table cell its ``|`` is escaped (GFM removes that ``\\`` again)."""
    return markdown_code(text, in_table=in_table)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _placement(p: Placement) -> str:
    if p.value:
        return code(p.value) + ("" if p.status == "resolved" else f" ({cell(p.status)})")
    return f"_{cell(p.status)}_"


def _finding_row(f: Finding, *, reason: bool = False) -> list[str]:
    row = [code(f.rule_id), cell(f.severity), code(f.address), code(location(f.file, f.line)), cell(f.message)]
    if reason:
        row.append(cell(f.suppressed or ""))
    return row


def _evidence_item(f: Finding) -> list[str]:
    head = (
        f"- **{cell(f.rule_id)}** {code(f.address, in_table=False)} at "
        f"{code(location(f.file, f.line), in_table=False)}: {cell(f.message)}"
    )
    steps = evidence_strings(f.evidence)
    if not steps:
        return [head, "  - _no evidence recorded_"]
    lines = [head, f"  - {code(steps[0], in_table=False)}"]
    lines += [f"  - \u2190 {code(step, in_table=False)}" for step in steps[1:]]
    return lines


def _inventory_row(row: InventoryRow) -> list[str]:
    return [
        code(row.address),
        cell(row.kind),
        cell(row.cloud),
        _placement(row.region),
        _placement(row.account),
        code(location(row.file, row.line)),
    ]


def render(report: ScanReport) -> str:
    findings = sorted_findings(report.findings)
    active = [f for f in findings if f.suppressed is None]
    suppressed = [f for f in findings if f.suppressed is not None]
    out: list[str] = [HEADING, ""]
    out.append(f"**{cell(summary_line(report))}**")
    out.append("")
    out.append(f"<sub>{TOOL_NAME} {cell(report.tool_version)} \u00b7 root {code(report.root, in_table=False)}</sub>")
    out.append("")

    if active:
        out.append(f"### Findings ({len(active)})")
        out.append("")
        out += table(["Rule", "Severity", "Resource", "Location", "Message"], [_finding_row(f) for f in active])
        out.append("")
        out.append("<details>")
        out.append("<summary>Evidence</summary>")
        out.append("")
        for f in active:
            out += _evidence_item(f)
        out.append("")
        out.append("</details>")
        out.append("")

    if suppressed:
        out.append(f"### Suppressed ({len(suppressed)})")
        out.append("")
        out += table(
            ["Rule", "Severity", "Resource", "Location", "Message", "Reason"],
            [_finding_row(f, reason=True) for f in suppressed],
        )
        out.append("")

    errors = sorted_errors(report.errors)
    if errors:
        out.append(f"### Inputs not analyzed ({len(errors)})")
        out.append("")
        out += table(["Location", "Error"], [[code(location(e.file, e.line)), cell(e.message)] for e in errors])
        out.append("")

    rows = sorted_inventory(report.inventory)
    if rows:
        out.append("<details>")
        out.append(f"<summary>Inventory ({plural(len(rows), 'resource')})</summary>")
        out.append("")
        out += table(["Address", "Kind", "Cloud", "Region", "Account", "Location"], [_inventory_row(r) for r in rows])
        out.append("")
        out.append("</details>")
        out.append("")

    # printed to a CI log, no value may read as a workflow command (an invisible word joiner)
    return ci_inert("\n".join(out).rstrip("\n") + "\n", hash_escape="\u2060#", colon_escape="\u2060:")
