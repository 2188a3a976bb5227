"""Output formats: every one renders a :class:`~analyzer.models.ScanReport` to a string.

``FORMATS`` maps a format name (``cli``, ``json``, ``junit``, ``sarif``, ``github``,
``markdown``) to its ``render(report) -> str``; ``render(fmt, report)`` looks one up.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.models import ScanReport

from . import cli, github, json_report, junit, markdown, sarif

FORMATS: dict[str, Callable[[ScanReport], str]] = {
    "cli": cli.render,
    "json": json_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
}


def render(fmt: str, report: ScanReport) -> str:
    """Render ``report`` in format ``fmt``; ValueError names the known formats if unknown."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(report)


__all__ = ["FORMATS", "render"]
