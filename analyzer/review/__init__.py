"""The reviewer's residency report (`residency report`): one model, Markdown or HTML.

:func:`build_review` groups a scan's inventory by data classification and attaches to each
resource its findings and the post-deployment command that confirms its placement;
:func:`render_review` lays that model out as Markdown or self-contained HTML.
"""

from __future__ import annotations

from analyzer.models import ScanReport
from analyzer.review.classify import CLASSIFICATIONS, Review, build_review, classify
from analyzer.review.commands import verify_command

REVIEW_FORMATS = ("markdown", "html")


def render_review(report: ScanReport, fmt: str = "markdown") -> str:
    review = build_review(report)
    if fmt == "html":
        from analyzer.review.html import render

        return render(review)
    if fmt == "markdown":
        from analyzer.review.markdown import render

        return render(review)
    raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(REVIEW_FORMATS)}")


__all__ = ["CLASSIFICATIONS", "REVIEW_FORMATS", "Review", "build_review", "classify", "render_review", "verify_command"]
