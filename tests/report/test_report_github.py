"""GitHub Actions workflow commands and their escaping."""

from __future__ import annotations

from analyzer.models import Finding, ScanReport
from analyzer.report import github, render


def test_one_command_per_active_finding(report):
    assert render("github", report) == (
        "::error file=gcp/storage.tf,line=2,title=CKV_RES_2 Resource in home account::"
        "Project proj-a, 100%25 outside home account, see:%0D%0AADR, 7\n"
        "::error file=main.tf,line=12,title=CKV_RES_1 Resource in home region::"
        "Placed in us-east-1 (main.tf:12), not in home region eu-west-1 | see line 12"
        "%0AEvidence: main.tf:12 provider aws.dr \u2190 variables.tf:6 var.dr_region default\n"
    )


def test_suppressed_findings_are_not_annotated(report):
    assert "aws_s3_bucket.logs" not in render("github", report)
    assert "CKV_RES_10" not in render("github", report)


def test_levels():
    def finding(sev: str) -> Finding:
        return Finding(rule_id="CKV_RES_3", rule_name="n", severity=sev, address="a", file="f.tf", line=1, message="m")

    report = ScanReport(
        tool_version="0", root=".", findings=[finding(s) for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")]
    )
    commands = [line.split(" ", 1)[0] for line in render("github", report).splitlines()]
    assert sorted(commands) == sorted(["::error", "::error", "::warning", "::notice", "::notice"])


def test_escaping():
    assert github.escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert github.escape_property("50% a\r\nb: c, d") == "50%25 a%0D%0Ab%3A c%2C d"
    report = ScanReport(
        tool_version="0",
        root=".",
        findings=[
            Finding(
                rule_id="CKV_RES_4", rule_name="Name: with, punctuation", severity="MEDIUM",
                address="a", file="dir,x\\c:d.tf", line=0, message="100%\nnext",
            )
        ],
    )
    assert render("github", report) == (
        "::warning file=dir%2Cx/c%3Ad.tf,line=1,title=CKV_RES_4 Name%3A with%2C punctuation::100%25%0Anext\n"
    )


def test_nothing_to_say_is_empty(clean_report):
    assert render("github", clean_report) == ""
