"""The format registry."""

from __future__ import annotations

import pytest

from analyzer import report as report_pkg
from analyzer.models import ScanReport
from analyzer.report import FORMATS, render


def test_format_names():
    assert list(FORMATS) == ["cli", "json", "junit", "sarif", "github", "markdown", "gitlab"]
    assert report_pkg.render is render


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_renders_deterministically(fmt, report, clean_report):
    for r in (report, clean_report, ScanReport(tool_version="0.1.0", root=".")):
        first = render(fmt, r)
        assert isinstance(first, str)
        assert first == FORMATS[fmt](r) == render(fmt, r)
        assert first == "" or first.endswith("\n")


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown report format 'xml'.*sarif"):
        render("xml", ScanReport(tool_version="0", root="."))
