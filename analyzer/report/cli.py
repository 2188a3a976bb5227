"""The human-readable terminal report, rendered with rich.

Findings are grouped by rule (natural rule-id order), each with its severity, resource
address, ``file:line``, message and an indented evidence chain, one step per line::

    ↳ main.tf:12 provider aws.dr
      ← variables.tf:6 var.dr_region default

then the suppressed findings with their reasons, the inputs that were not analyzed (those not
already shown as a CKV_RES_9 finding), and one summary line. ``render`` returns plain text (no
escape codes) without wrapping; ``render_cli(report, terminal=Console())`` takes width and colour
from the terminal as rich detects them (NO_COLOR, FORCE_COLOR, COLUMNS, a pipe). Lines wrap at
spaces only: an identifier is never split. ``CliStyle`` holds checkov's --compact (no evidence)
and --quiet (only the findings that fail the build, and the summary). Every value goes through
:func:`analyzer.report.escape.visible`: an ESC, NUL or bidi override read from the scanned tree
prints as ``\\x1b``, ``\\x00``, ``\\u202e`` and never reaches the terminal.
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from analyzer.gating import FailPolicy
from analyzer.models import Finding, ScanReport

from ._common import (
    TOOL_NAME,
    evidence_strings,
    location,
    natural_key,
    plural,
    rule_title,
    sorted_errors,
    sorted_findings,
    summary_line,
)
from .escape import ci_inert, message_lines, visible

INDENT = 4
UNWRAPPED = 10_000  # a file or a pipe without COLUMNS: lines are not wrapped (grep finds them whole)
RES_9 = "CKV_RES_9"  # "Input not analyzed": its findings are the not-analyzed inputs


@dataclass(frozen=True)
class CliStyle:
    compact: bool = False  # checkov --compact: no evidence chains
    quiet: bool = False  # checkov --quiet: only the failing findings and the summary

SEVERITY_STYLE = {
    "CRITICAL": "bold white on red",
    "HIGH": "bold red",
    "MEDIUM": "yellow",
    "LOW": "cyan",
    "INFO": "dim",
}


class _Indented:
    """Text indented by `indent` columns, wrapped at spaces to the width left; a word wider than
    that (a long resource address) stays whole on its line instead of being folded or cropped."""

    def __init__(self, text: Text, indent: int) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.indent, 20)
        for paragraph in self.text.split("\n", allow_blank=True):
            for line in paragraph.divide(_breaks(paragraph.plain, width)):
                line.rstrip()
                yield Segment(" " * self.indent)
                yield from line.render(console)
                yield Segment.line()


def _breaks(plain: str, width: int) -> list[int]:
    """Where to start new lines: before the word that would pass `width` (never inside a word)."""
    breaks: list[int] = []
    start = 0
    for word in re.finditer(r"\S+\s*", plain):
        if word.start() > start and len(plain[start:word.end()].rstrip()) > width:
            breaks.append(word.start())
            start = word.start()
    return breaks


# A chain through a factory's shared context object can run to 80 steps: the terminal shows
# where it starts and where the value came from (the last steps); the reports keep every step.
MAX_STEPS_SHOWN = 12
HEAD_STEPS = 6
TAIL_STEPS = 4


def _finding_block(f: Finding, *, with_rule: bool = False, compact: bool = False,
                   soft: bool = False) -> RenderableType:
    head = Text()
    if with_rule:
        head.append(f"{visible(f.rule_id)} ", style="bold")
    head.append(f"{visible(f.severity):<8}", style=SEVERITY_STYLE.get(f.severity, ""))
    head.append(" ")
    head.append(visible(f.address), style="bold")
    head.append("  ")
    head.append(visible(location(f.file, f.line)), style="blue")
    if soft:
        head.append("  (does not fail the build)", style="dim")
    parts: list[RenderableType] = [_Indented(head, 2)]
    # a message may span lines: each one is indented, so none can pass for a heading
    parts.append(_Indented(Text(message_lines(f.message)), INDENT))
    if f.suppressed is not None:
        parts.append(_Indented(Text(f"suppressed: {visible(f.suppressed)}", style="italic"), INDENT))
    if not compact:
        steps = evidence_strings(f.evidence)
        for index, step in enumerate(steps):  # one step per line, the source last
            if len(steps) > MAX_STEPS_SHOWN and HEAD_STEPS <= index < len(steps) - TAIL_STEPS:
                if index == HEAD_STEPS:
                    hidden = len(steps) - HEAD_STEPS - TAIL_STEPS
                    parts.append(_Indented(Text(f"  \u22ee {hidden} more steps (every step: -f json or -f sarif)",
                                                style="dim"), INDENT))
                continue
            arrow = "\u21b3 " if index == 0 else "  \u2190 "
            parts.append(_Indented(Text(f"{arrow}{visible(step)}", style="dim"), INDENT))
    return Group(*parts)


def _renderables(report: ScanReport, style: CliStyle, fail: FailPolicy) -> list[RenderableType]:
    out: list[RenderableType] = []
    title = Text(f"{TOOL_NAME} {visible(report.tool_version)}", style="bold")
    title.append(f"  {visible(report.root)}", style="dim")
    out.append(title)
    out.append(Text(""))

    findings = sorted_findings(report.findings)
    active = [f for f in findings if f.suppressed is None]
    suppressed = [f for f in findings if f.suppressed is not None]
    shown = [f for f in active if fail.fails(f)] if style.quiet else active

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in shown:
        by_rule[f.rule_id].append(f)
    for rule_id in sorted(by_rule, key=natural_key):
        group = by_rule[rule_id]
        heading = Text(visible(rule_title(rule_id, report, group[0].rule_name)), style="bold underline")
        heading.append(f"  ({plural(len(group), 'finding')})", style="dim")
        out.append(heading)
        for f in group:
            out.append(_finding_block(f, compact=style.compact, soft=not fail.fails(f)))
        out.append(Text(""))

    if suppressed and not style.quiet:
        out.append(Text(f"Suppressed ({len(suppressed)})", style="bold underline"))
        for f in suppressed:
            out.append(_finding_block(f, with_rule=True, compact=style.compact))
        out.append(Text(""))

    # an input already reported as a CKV_RES_9 finding is not listed again
    reported = {(f.file, f.line) for f in findings if f.rule_id == RES_9}
    errors = [e for e in sorted_errors(report.errors) if (e.file, e.line) not in reported]
    if errors and not style.quiet:
        out.append(Text(f"Inputs not analyzed ({len(errors)})", style="bold underline"))
        for e in errors:
            line = Text()
            line.append(visible(location(e.file, e.line)), style="blue")
            line.append(f"  {message_lines(e.message)}")
            out.append(_Indented(line, 2))
        out.append(Text(""))

    failing = [f for f in active if fail.fails(f)]
    summary = summary_line(report)
    if len(failing) != len(active):
        passing = len(active) - len(failing)
        summary += f"; {passing} {'does' if passing == 1 else 'do'} not fail the build"
    out.append(Text(visible(summary), style="bold red" if failing else "bold green"))
    return out


def render(report: ScanReport, *, color: bool = False, width: int = UNWRAPPED) -> str:
    """Plain text (ANSI styles when color), wrapped at width; what a file or `-f cli -o FILE` gets."""
    return _render(report, CliStyle(), FailPolicy(), width=width, color=color)


def render_cli(report: ScanReport, *, style: CliStyle = CliStyle(), fail: FailPolicy = FailPolicy(),
               terminal: Console | None = None) -> str:
    """The report for `terminal` (rich's detection of width and colour), or for a file when None."""
    if terminal is None:
        return _render(report, style, fail, width=UNWRAPPED, color=False)
    sized = terminal.is_terminal or "COLUMNS" in os.environ
    color = terminal.is_terminal and not terminal.no_color and terminal.color_system is not None
    return _render(report, style, fail, width=terminal.width if sized else UNWRAPPED, color=color)


def _render(report: ScanReport, style: CliStyle, fail: FailPolicy, *, width: int, color: bool) -> str:
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
    for renderable in _renderables(report, style, fail):
        if isinstance(renderable, Text):  # headings and the summary wrap like the rest
            renderable = _Indented(renderable, 0)
        console.print(renderable, crop=False)  # wrapped at spaces by _Indented, never inside an identifier
    text = console.export_text(styles=color)
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    # printed to a CI log, no line may read as a workflow command (escape.ci_inert)
    return ci_inert(text, hash_escape="\\x23", colon_escape="\\x3a")
