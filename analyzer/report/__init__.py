"""Output formats: every one renders a :class:`~analyzer.models.ScanReport` to a string.

``FORMATS`` maps a format name (``cli``, ``json``, ``junit``, ``sarif``, ``github``,
``markdown``, ``gitlab``) to its ``render(report) -> str``; ``render(fmt, report)`` looks one up and
always returns text that encodes as UTF-8 (see :func:`render`).
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.models import ScanReport

from . import cli, github, gitlab, json_report, junit, markdown, sarif
from .escape import json_text_safe
from .paths import REPOSITORY_FORMATS, repository_report

FORMATS: dict[str, Callable[[ScanReport], str]] = {
    "cli": cli.render,
    "json": json_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
    "gitlab": gitlab.render,
}
# The text formats escape every value themselves (analyzer.report.escape.visible); the JSON
# formats escape control characters per JSON, and only lone surrogates need help.
_JSON_FORMATS = frozenset({"json", "sarif", "gitlab"})


def render(fmt: str, report: ScanReport) -> str:
    """Render ``report`` in format ``fmt``; ValueError names the known formats if unknown."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    # code scanning, test reports and annotations resolve paths against the repository
    text = renderer(repository_report(report) if fmt in REPOSITORY_FORMATS else report)
    # an undecodable byte of a file name (a lone surrogate in Python) cannot be written as
    # UTF-8: it shows as the visible escape \xff, like in every other format; and no value may
    # read as a CI workflow command (escape.ci_inert)
    return json_text_safe(text) if fmt in _JSON_FORMATS else text


__all__ = ["FORMATS", "render"]
