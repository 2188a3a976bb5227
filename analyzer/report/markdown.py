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

from dataclasses import dataclass

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


def table_row(row: list[str]) -> list[str]:
    return ["| " + " | ".join(row) + " |"]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += [line for row in rows for line in table_row(row)]
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


# GitHub refuses a comment (issue, pull request) longer than 65,536 characters
COMMENT_LIMIT = 65_536
ARTIFACT = "see the full report artifact"


@dataclass
class _Section:
    """A part of the report: its lines before the items, one block of lines per item, its
    lines after; cut at an item boundary with a pointer to the full report when space runs out."""

    head: list[str]
    items: list[list[str]]
    tail: list[str]
    noun: tuple[str, str]  # ("finding", "findings"): "… 12 more findings: see the full report artifact"


def _size(lines: list[str]) -> int:
    # as printed: every line, its newline, and what ci_inert adds (it works line by line)
    return sum(len(_inert(line)) + 1 for line in lines)


def _inert(text: str) -> str:
    return ci_inert(text, hash_escape="\u2060#", colon_escape="\u2060:")


def _more(n: int, noun: tuple[str, str]) -> str:
    return f"_\u2026 {n} more {noun[0] if n == 1 else noun[1]}: {ARTIFACT}_"


def _pointer(section: _Section) -> list[str]:
    """A section with no room for any item: its heading (if any) and how many items it holds."""
    line = _more(len(section.items), section.noun).replace("\u2026 ", "", 1).replace(" more ", " ", 1)
    return [section.head[0], "", line, ""] if section.head[0].startswith("#") else [line, ""]


def _sections(report: ScanReport) -> tuple[list[str], list[_Section]]:
    findings = sorted_findings(report.findings)
    active = [f for f in findings if f.suppressed is None]
    suppressed = [f for f in findings if f.suppressed is not None]
    head: list[str] = [HEADING, ""]
    head.append(f"**{cell(summary_line(report))}**")
    head.append("")
    head.append(f"<sub>{TOOL_NAME} {cell(report.tool_version)} \u00b7 root {code(report.root, in_table=False)}</sub>")
    head.append("")
    sections: list[_Section] = []
    if active:
        sections.append(_Section(
            [f"### Findings ({len(active)})", "", *table(["Rule", "Severity", "Resource", "Location", "Message"], [])],
            [table_row(_finding_row(f)) for f in active], [""], ("finding", "findings")))
    errors = sorted_errors(report.errors)
    if errors:
        sections.append(_Section(
            [f"### Inputs not analyzed ({len(errors)})", "", *table(["Location", "Error"], [])],
            [table_row([code(location(e.file, e.line)), cell(e.message)]) for e in errors], [""],
            ("input not analyzed", "inputs not analyzed")))
    if active:
        sections.append(_Section(["<details>", "<summary>Evidence</summary>", ""],
                                 [_evidence_item(f) for f in active], ["", "</details>", ""], ("evidence chain", "evidence chains")))
    if suppressed:
        sections.append(_Section(
            [f"### Suppressed ({len(suppressed)})", "",
             *table(["Rule", "Severity", "Resource", "Location", "Message", "Reason"], [])],
            [table_row(_finding_row(f, reason=True)) for f in suppressed], [""], ("suppressed finding", "suppressed findings")))
    rows = sorted_inventory(report.inventory)
    if rows:
        sections.append(_Section(
            ["<details>", f"<summary>Inventory ({plural(len(rows), 'resource')})</summary>", "",
             *table(["Address", "Kind", "Cloud", "Region", "Account", "Location"], [])],
            [table_row(_inventory_row(r)) for r in rows], ["", "</details>", ""], ("resource", "resources")))
    return head, sections


def _fit(head: list[str], sections: list[_Section], limit: int) -> list[str]:
    """Sections in order, each cut at the last item that fits; a cut section says how many
    items are left out, and later sections that do not fit at all say so in one line each."""
    out = list(head)
    used = _size(out)
    for index, section in enumerate(sections):
        # keep room for a one-line pointer per later section
        later = sum(_size(_pointer(s)) for s in sections[index + 1:])
        frame = _size(section.head) + _size(section.tail)
        shown: list[str] = []
        count = 0
        for item in section.items:
            left = len(section.items) - count - 1
            note = _size(["", _more(left, section.noun)]) if left else 0
            size = _size(item)
            if used + frame + _size(shown) + size + note + later > limit:
                break
            shown += item
            count += 1
        if count == 0:
            out += _pointer(section)
            used = _size(out)
            continue
        block = section.head + shown
        if count < len(section.items):
            block += ["", _more(len(section.items) - count, section.noun)]
        out += block + section.tail
        used = _size(out)
    return out


def render(report: ScanReport, *, limit: int = COMMENT_LIMIT) -> str:
    """The report, at most ``limit`` characters (a GitHub comment's limit by default): the
    summary and the findings first; what does not fit is counted and left to the full report."""
    head, sections = _sections(report)
    lines = list(head)
    for section in sections:
        lines += section.head + [line for item in section.items for line in item] + section.tail
    text = _inert("\n".join(lines).rstrip("\n") + "\n")
    budget = limit
    while len(text) > limit and budget > 0:
        text = _inert("\n".join(_fit(head, sections, budget)).rstrip("\n") + "\n")
        budget -= max(len(text) - limit, 64)  # rare: a line ci_inert grows across lines
    return text
