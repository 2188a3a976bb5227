"""Markdown for PR comments and the job summary: tables, escaping, details."""

from __future__ import annotations

from analyzer.models import Finding, ScanReport
from analyzer.report import markdown, render


def test_heading_summary_and_findings_table(report):
    text = render("markdown", report)
    lines = text.splitlines()
    assert lines[0] == "## Residency report"
    assert "**3 findings (1 suppressed) in 3 resources, region eu-west-1, account 111122223333; 1 input not analyzed**" in lines
    start = lines.index("| Rule | Severity | Resource | Location | Message |")
    assert lines[start + 1] == "| --- | --- | --- | --- | --- |"
    assert lines[start + 2] == (
        "| `CKV_RES_2` | CRITICAL | `google_storage_bucket.b` | `gcp/storage.tf:2` "
        "| Project proj-a, 100% outside home account, see:<br>ADR, 7 |"
    )
    assert lines[start + 3] == (
        "| `CKV_RES_1` | HIGH | `aws_s3_bucket.dr` | `main.tf:12` "
        "| Placed in us-east-1 (main.tf:12), not in home region eu-west-1 \\| see line 12 |"
    )
    assert lines[start + 4] == ""  # the suppressed finding is not in the findings table


def test_evidence_details(report):
    text = render("markdown", report)
    assert "<details>\n<summary>Evidence</summary>\n\n" in text
    assert (
        "- **CKV_RES_1** `aws_s3_bucket.dr` at `main.tf:12`: "
        "Placed in us-east-1 (main.tf:12), not in home region eu-west-1 \\| see line 12\n"
        "  - `main.tf:12 provider aws.dr`\n"
        "  - \u2190 `variables.tf:6 var.dr_region default`\n"
    ) in text


def test_suppressed_errors_and_inventory(report):
    text = render("markdown", report)
    assert "### Suppressed (1)" in text
    assert (
        "| `CKV_RES_10` | MEDIUM | `aws_s3_bucket.logs` | `main.tf:25` "
        "| Replication to us-east-1, outside home region eu-west-1 | DR copy approved in ADR-7 |"
    ) in text
    assert "### Inputs not analyzed (1)" in text
    assert "| `modules/broken/main.tf:4` | Unexpected '}' at line 4 |" in text
    assert "<summary>Inventory (3 resources)</summary>" in text
    assert "| Address | Kind | Cloud | Region | Account | Location |" in text
    assert "| `google_storage_bucket.b` | object-store | gcp | `EU` (multi) | `proj-a` | `gcp/storage.tf:2` |" in text
    assert "| `aws_s3_bucket.dr` | object-store | aws | `us-east-1` | _unknown_ | `main.tf:12` |" in text
    assert text.endswith("</details>\n")


def test_cell_escaping():
    assert markdown.cell("a | b") == "a \\| b"
    assert markdown.cell("x\ny\r\nz") == "x<br>y<br>z"
    assert markdown.cell("<script>&") == "&lt;script&gt;&amp;"
    assert markdown.code("a|b") == "`a\\|b`"
    assert markdown.code("a|b", in_table=False) == "`a|b`"
    assert markdown.code("x`y") == "`` x`y ``"


def test_pipes_in_every_column_are_escaped():
    report = ScanReport(
        tool_version="0.1.0",
        root=".",
        findings=[
            Finding(
                rule_id="CKV_RES_5", rule_name="n", severity="LOW", address='module.m["a|b"].x',
                file="a|b.tf", line=3, message="one | two", evidence=[],
            )
        ],
    )
    text = render("markdown", report)
    row = next(line for line in text.splitlines() if line.startswith("| `CKV_RES_5`"))
    assert row == '| `CKV_RES_5` | LOW | `module.m["a\\|b"].x` | `a\\|b.tf:3` | one \\| two |'
    # every unescaped pipe is a column border: 6 of them for 5 columns
    assert row.replace("\\|", "").count("|") == 6


def test_clean_report(clean_report):
    text = render("markdown", clean_report)
    assert "**No residency findings: 3 resources in eu-west-1, account 111122223333**" in text
    assert "### Findings" not in text
    assert "<summary>Inventory (3 resources)</summary>" in text
