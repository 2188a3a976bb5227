"""The human-readable terminal report, rendered with rich.

Findings are grouped by rule (natural rule-id order), each with its severity, resource
address, ``file:line``, message and an indented evidence chain::

    ↳ main.tf:12 provider aws.dr ← variables.tf:6 var.dr_region default

then the suppressed findings with their reasons, the inputs that were not analyzed, and one
summary line. ``render`` returns plain text (no escape codes); ``render(report, color=True)``
keeps rich's ANSI styling for a terminal. Every value goes through
:func:`analyzer.report.escape.visible`: an ESC, NUL or bidi override read from the scanned tree
prints as ``\\x1b``, ``\\x00``, ``\\u202e`` and never reaches the terminal.
"""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from analyzer.models import Finding, ScanReport

from ._common import (
    TOOL_NAME,
    evidence_chain,
    location,
    natural_key,
    plural,
    rule_title,
    sorted_errors,
    sorted_findings,
    summary_line,
)
from .escape import ci_inert, message_lines, visible

WIDTH = 120
INDENT = 4

SEVERITY_STYLE = {
    "CRITICAL": "bold white on red",
    "HIGH": "bold red",
    "MEDIUM": "yellow",
    "LOW": "cyan",
    "INFO": "dim",
}


def _finding_block(f: Finding, *, with_rule: bool = False) -> RenderableType:
    head = Text()
    if with_rule:
        head.append(f"{visible(f.rule_id)} ", style="bold")
    head.append(f"{visible(f.severity):<8}", style=SEVERITY_STYLE.get(f.severity, ""))
    head.append(" ")
    head.append(visible(f.address), style="bold")
    head.append("  ")
    head.append(visible(location(f.file, f.line)), style="blue")
    parts: list[RenderableType] = [Padding(head, (0, 0, 0, 2))]
    # a message may span lines: Padding indents each one, so none can pass for a heading
    parts.append(Padding(Text(message_lines(f.message)), (0, 0, 0, INDENT)))
    if f.suppressed is not None:
        parts.append(Padding(Text(f"suppressed: {visible(f.suppressed)}", style="italic"), (0, 0, 0, INDENT)))
    chain = evidence_chain(f.evidence)
    if chain:
        parts.append(Padding(Text(f"\u21b3 {visible(chain)}", style="dim"), (0, 0, 0, INDENT)))
    return Group(*parts)


def _renderables(report: ScanReport) -> list[RenderableType]:
    out: list[RenderableType] = []
    title = Text(f"{TOOL_NAME} {visible(report.tool_version)}", style="bold")
    title.append(f"  {visible(report.root)}", style="dim")
    out.append(title)
    out.append(Text(""))

    findings = sorted_findings(report.findings)
    active = [f for f in findings if f.suppressed is None]
    suppressed = [f for f in findings if f.suppressed is not None]

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in active:
        by_rule[f.rule_id].append(f)
    for rule_id in sorted(by_rule, key=natural_key):
        group = by_rule[rule_id]
        heading = Text(visible(rule_title(rule_id, report, group[0].rule_name)), style="bold underline")
        heading.append(f"  ({plural(len(group), 'finding')})", style="dim")
        out.append(heading)
        for f in group:
            out.append(_finding_block(f))
        out.append(Text(""))

    if suppressed:
        out.append(Text(f"Suppressed ({len(suppressed)})", style="bold underline"))
        for f in suppressed:
            out.append(_finding_block(f, with_rule=True))
        out.append(Text(""))

    errors = sorted_errors(report.errors)
    if errors:
        out.append(Text(f"Inputs not analyzed ({len(errors)})", style="bold underline"))
        for e in errors:
            line = Text()
            line.append(visible(location(e.file, e.line)), style="blue")
            line.append(f"  {message_lines(e.message)}")
            out.append(Padding(line, (0, 0, 0, 2)))
        out.append(Text(""))

    has_active = bool(active)
    out.append(Text(visible(summary_line(report)), style="bold red" if has_active else "bold green"))
    return out


def render(report: ScanReport, *, color: bool = False, width: int = WIDTH) -> str:
    console = Console(
        record=True,
        width=width,
        file=io.StringIO(),
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    for renderable in _renderables(report):
        console.print(renderable)
    text = console.export_text(styles=color)
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    # printed to a CI log, no line may read as a workflow command (escape.ci_inert)
    return ci_inert(text, hash_escape="\\x23", colon_escape="\\x3a")
