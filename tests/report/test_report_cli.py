"""The rich terminal report rendered to plain text."""

from __future__ import annotations

from analyzer.models import Evidence, Finding, ScanReport
from analyzer.report import cli, render


def test_grouped_findings_with_evidence_arrows(report):
    text = render("cli", report)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "residency 0.1.0  /src/infra"
    i = lines.index("CKV_RES_1 Resource in home region  (1 finding)")
    assert lines[i + 1 : i + 5] == [  # the evidence one step per line
        "  HIGH     aws_s3_bucket.dr  main.tf:12",
        "    Placed in us-east-1 (main.tf:12), not in home region eu-west-1 | see line 12",
        "    \u21b3 main.tf:12 provider aws.dr",
        "      \u2190 variables.tf:6 var.dr_region default",
    ]
    # rules in natural order: 1, 2 (10 is only suppressed)
    assert lines.index("CKV_RES_2 Resource in home account  (1 finding)") > i
    assert "  CRITICAL google_storage_bucket.b  gcp/storage.tf:2" in lines


def test_suppressed_listed_separately_with_reason(report):
    lines = render("cli", report).splitlines()
    i = lines.index("Suppressed (1)")
    assert lines[i + 1 : i + 5] == [
        "  CKV_RES_10 MEDIUM   aws_s3_bucket.logs  main.tf:25",
        "    Replication to us-east-1, outside home region eu-west-1",
        "    suppressed: DR copy approved in ADR-7",
        "    \u21b3 main.tf:25 replication_configuration destination",
    ]
    assert not any(line.startswith("CKV_RES_10 ") for line in lines)  # no active group for it


def test_errors_and_summary(report):
    lines = render("cli", report).splitlines()
    i = lines.index("Inputs not analyzed (1)")
    assert lines[i + 1] == "  modules/broken/main.tf:4  Unexpected '}' at line 4"
    assert lines[-1] == "3 findings (1 suppressed) in 3 resources, region eu-west-1, account 111122223333; 1 input not analyzed"


def test_no_findings(clean_report):
    text = render("cli", clean_report)
    assert text.splitlines()[-1] == "No residency findings: 3 resources in eu-west-1, account 111122223333"
    assert "Suppressed" not in text and "Inputs not analyzed" not in text


def test_no_findings_but_suppressed(report):
    only_suppressed = report.model_copy(
        update={"findings": [f for f in report.findings if f.suppressed], "errors": [], "summary": report.summary.model_copy(update={"accounts": []})}
    )
    assert render("cli", only_suppressed).splitlines()[-1] == "No residency findings: 3 resources in eu-west-1 (1 suppressed)"


def test_markup_in_values_is_literal():
    report = ScanReport(
        tool_version="0.1.0",
        root=".",
        findings=[
            Finding(
                rule_id="CKV_RES_1", rule_name="n", severity="HIGH", address='aws_s3_bucket.x["[bold]y"]',
                file="m.tf", line=2, message="uses [red]var[/red]",
                evidence=[Evidence(file="m.tf", line=2, note="[link]")],
            )
        ],
    )
    text = render("cli", report)
    assert 'aws_s3_bucket.x["[bold]y"]  m.tf:2' in text
    assert "uses [red]var[/red]" in text
    assert "\u21b3 m.tf:2 [link]" in text
    assert text.splitlines()[-1] == "1 finding in 0 resources"


def test_color_on_request(report):
    assert "\x1b[" in cli.render(report, color=True)


def test_a_long_evidence_chain_shows_its_start_and_its_source() -> None:
    """80-step chains through a factory's context object are readable in a terminal: the first
    six steps, a line counting what is left out, and the last four (where the value came from);
    JSON and SARIF keep every step."""
    steps = [Evidence(file="main.tf", line=n, note=f"step {n}") for n in range(1, 31)]
    finding = Finding(rule_id="CKV_RES_6", rule_name="Access or data flow to another account", severity="CRITICAL",
                      address="aws_s3_bucket_policy.p", file="main.tf", line=1, message="grants access", evidence=steps)
    lines = render("cli", ScanReport(tool_version="0.1.0", root="/src", findings=[finding])).splitlines()
    first = lines.index("    \u21b3 main.tf:1 step 1")
    assert lines[first:first + 12] == [  # then the next section or the end
        "    \u21b3 main.tf:1 step 1",
        *[f"      \u2190 main.tf:{n} step {n}" for n in range(2, 7)],
        "      \u22ee 20 more steps (every step: -f json or -f sarif)",
        *[f"      \u2190 main.tf:{n} step {n}" for n in range(27, 31)],
        "",
    ]
    assert [e.note for e in finding.evidence][-1] == "step 30"
    assert '"main.tf:15 step 15"' in render("json", ScanReport(tool_version="0.1.0", root="/src", findings=[finding]))
