"""Markdown for PR comments stays under GitHub's 65,536-character comment limit (issue 13)."""

from __future__ import annotations

import re

from analyzer.models import Evidence, Finding, InventoryRow, Placement, ScanError, ScanReport, Summary
from analyzer.report import markdown, render

LIMIT = 65_536
MORE = re.compile(r"^_\u2026 (\d+) more (\w[\w ]*): see the full report artifact_$")


def _finding(i: int, *, suppressed: str | None = None) -> Finding:
    return Finding(rule_id="CKV_RES_1", rule_name="Data-plane resource outside the allowed region", severity="HIGH",
                   address=f'module.tenants["tenant-{i:04d}"].aws_s3_bucket.data', file=f"tenants/t{i:04d}/main.tf",
                   line=12, message=f"bucket tenant-{i:04d} is in us-east-1, outside the allowed region eu-west-1",
                   region="us-east-1", account="111122223333", suppressed=suppressed,
                   evidence=[Evidence(file=f"tenants/t{i:04d}/main.tf", line=13, note="provider = aws.us"),
                             Evidence(file="providers.tf", line=9, note="provider.aws.us region")])


def _big() -> ScanReport:
    findings = [_finding(i) for i in range(5_000)] + [_finding(i, suppressed="DR copy, ADR-7") for i in range(5_000, 5_200)]
    rows = [InventoryRow(address=f"aws_s3_bucket.b{i:04d}", type="aws_s3_bucket", kind="bucket", cloud="aws",
                         region=Placement(value="eu-west-1", status="resolved"),
                         account=Placement(value="111122223333", status="resolved"), file="main.tf", line=i + 1)
            for i in range(3_000)]
    errors = [ScanError(file=f"broken/b{i:02d}.tf", line=3, message="Unexpected '}'") for i in range(40)]
    return ScanReport(tool_version="0.1.0", root="infra", findings=findings, inventory=rows, errors=errors,
                      summary=Summary(region="eu-west-1", accounts=["111122223333"]))


def test_5000_findings_fit_a_github_comment_summary_and_findings_first() -> None:
    report = _big()
    text = render("markdown", report)
    assert len(text) <= LIMIT
    full = markdown.render(report, limit=10**9)
    assert len(full) > 10 * LIMIT  # it really had to be cut
    lines = text.splitlines()
    assert lines[0] == "## Residency report"
    assert lines[2] == "**5200 findings (200 suppressed) in 3000 resources, region eu-west-1, account 111122223333; " \
                       "40 inputs not analyzed**"
    assert lines[6] == "### Findings (5000)"
    rows = [line for line in lines if line.startswith("| `CKV_RES_1` |")]
    # the first findings, in report order, each as in the full report
    assert rows and rows == [line for line in full.splitlines() if line.startswith("| `CKV_RES_1` |")][:len(rows)]
    assert len(rows) > 300
    pointer = next(m for m in map(MORE.match, lines) if m)
    assert pointer.groups() == (str(5_000 - len(rows)), "findings")
    # the later sections say how much they hold and where it is
    tail = lines[lines.index(pointer.group(0)):]
    # the room left under the last finding row that fits takes two inputs not analyzed
    assert tail == [pointer.group(0), "", "### Inputs not analyzed (40)", "", "| Location | Error |", "| --- | --- |",
                    "| `broken/b00.tf:3` | Unexpected '}' |", "| `broken/b01.tf:3` | Unexpected '}' |", "",
                    "_\u2026 38 more inputs not analyzed: see the full report artifact_", "",
                    "_5000 evidence chains: see the full report artifact_", "",
                    "### Suppressed (200)", "", "_200 suppressed findings: see the full report artifact_", "",
                    "_3000 resources: see the full report artifact_"]
    assert render("markdown", report) == text  # deterministic


def test_a_report_that_fits_is_not_cut(report) -> None:  # the shared fixture of tests/report
    text = render("markdown", report)
    assert "see the full report artifact" not in text
    assert markdown.render(report, limit=len(text)) == text


def test_later_sections_keep_what_fits(report) -> None:
    full = markdown.render(report)
    # just too short for the inventory's last row: everything before it is whole
    cut = markdown.render(report, limit=len(full) - 1)
    assert len(cut) <= len(full) - 1
    assert cut.startswith(full[:full.index("<summary>Inventory")])
    assert cut.endswith("\n_\u2026 1 more resource: see the full report artifact_\n\n</details>\n")
