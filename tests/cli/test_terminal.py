"""The terminal report: width and colour from the terminal, identifiers never split, each input not
analyzed printed once, evidence one step per line, --compact and --quiet, progress only on a TTY."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from analyzer.gating import FailPolicy
from analyzer.models import Evidence, Finding, ScanError, ScanReport, Summary
from analyzer.progress_display import scan_progress
from analyzer.report.cli import CliStyle, render_cli
from tests.cli.conftest import TERRAFORM, Run, write

LONG = 'module.platform["eu-west-1"].module.observability.aws_cloudwatch_log_group.application_audit_trail["ingest"]'
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def report() -> ScanReport:
    chain = [Evidence(file="modules/observability/logs.tf", line=12, note="provider = aws.audit"),
             Evidence(file="providers.tf", line=30, note="provider aws.audit region = var.audit_region"),
             Evidence(file="variables.tf", line=8, note="var.audit_region default = us-east-1")]
    findings = [
        Finding(rule_id="CKV_RES_1", rule_name="Data-plane resource outside the allowed region", severity="HIGH",
                address=LONG, file="modules/observability/logs.tf", line=12,
                message=f"{LONG} is in us-east-1, outside the allowed region eu-west-1 of the data plane of the tenant",
                evidence=chain),
        Finding(rule_id="CKV_RES_8", rule_name="Provider placement not pinned", severity="MEDIUM",
                address="provider.aws", file="providers.tf", line=1, message="no allowed_account_ids"),
        Finding(rule_id="CKV_RES_9", rule_name="Input not analyzed", severity="HIGH", address="broken.tf",
                file="broken.tf", line=3, message="syntax error: unexpected '}'"),
        Finding(rule_id="CKV_RES_1", rule_name="Data-plane resource outside the allowed region", severity="HIGH",
                address="aws_s3_bucket.dr", file="dr.tf", line=4, message="in eu-central-1",
                suppressed="approved DR copy"),
    ]
    return ScanReport(tool_version="0.1.0", root="infra", findings=findings,
                      errors=[ScanError(file="broken.tf", line=3, message="syntax error: unexpected '}'"),
                              ScanError(file="values/bad.yaml", line=1, message="not YAML")],
                      summary=Summary(region="eu-west-1"))


def test_at_100_columns_lines_wrap_at_spaces_and_identifiers_stay_whole() -> None:
    text = render_cli(report(), terminal=Console(width=100, force_terminal=True, color_system=None))
    lines = text.splitlines()
    assert any(LONG in line for line in lines)  # longer than 100: kept whole on its own line
    i = lines.index("  HIGH")  # the address does not fit beside the severity: it goes whole on the next line
    assert lines[i + 1:i + 5] == [f"  {LONG}", "  modules/observability/logs.tf:12", f"    {LONG}",
                                  "    is in us-east-1, outside the allowed region eu-west-1 of the data plane of the tenant"]
    for line in lines:
        if LONG not in line:
            assert len(line) <= 100, line


def test_not_a_terminal_is_not_wrapped_and_not_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    text = render_cli(report(), terminal=Console(file=io.StringIO()))
    assert "\x1b" not in text
    assert f"    {LONG} is in us-east-1, outside the allowed region eu-west-1 of the data plane of the tenant" in text


@pytest.mark.parametrize(("env", "colored"), [({}, True), ({"NO_COLOR": "1"}, False)])
def test_colour_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                  colored: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    text = render_cli(report(), terminal=Console(file=io.StringIO(), force_terminal=True, width=100))
    assert bool(ANSI.search(text)) is colored
    assert ANSI.sub("", text).splitlines()[-1].startswith("4 findings (1 suppressed)")


def test_force_color_colours_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ANSI.search(render_cli(report(), terminal=Console(file=io.StringIO())))


def test_each_input_not_analyzed_is_printed_once() -> None:
    lines = render_cli(report()).splitlines()
    assert sum("broken.tf:3" in line for line in lines) == 1  # the CKV_RES_9 finding, not the section too
    i = lines.index("Inputs not analyzed (1)")
    assert lines[i + 1] == "  values/bad.yaml:1  not YAML"


def test_evidence_one_step_per_line() -> None:
    lines = render_cli(report()).splitlines()
    i = lines.index("    \u21b3 modules/observability/logs.tf:12 provider = aws.audit")
    assert lines[i + 1:i + 3] == ["      \u2190 providers.tf:30 provider aws.audit region = var.audit_region",
                                  "      \u2190 variables.tf:8 var.audit_region default = us-east-1"]


def test_compact_drops_the_evidence() -> None:
    text = render_cli(report(), style=CliStyle(compact=True))
    assert "\u21b3" not in text and "\u2190" not in text
    assert f"  HIGH     {LONG}  modules/observability/logs.tf:12" in text.splitlines()


def test_quiet_keeps_only_failing_findings_and_the_summary() -> None:
    text = render_cli(report(), style=CliStyle(quiet=True), fail=FailPolicy(hard_fail_on=("HIGH",)))
    assert "provider.aws" not in text  # MEDIUM: does not fail
    assert "Suppressed" not in text and "Inputs not analyzed" not in text
    assert "broken.tf:3" in text and LONG in text
    assert text.splitlines()[-1] == ("4 findings (1 suppressed) in 0 resources, region eu-west-1; 2 inputs not "
                                     "analyzed; 1 does not fail the build")


def test_progress_only_on_a_terminal() -> None:
    with scan_progress(True, Console(file=io.StringIO())) as progress:
        assert progress is None
    with scan_progress(False, Console(file=io.StringIO(), force_terminal=True)) as progress:
        assert progress is None
    screen = io.StringIO()
    with scan_progress(True, Console(file=screen, force_terminal=True, width=100)) as progress:
        assert progress is not None
        progress("roots/[bold]us", 0, 3)
        progress("roots/\x1b[2Jeu", 1, 3)
    shown = screen.getvalue()
    assert "scanning" in shown and "1/3" in shown and "roots/\\x1b[2Jeu" in shown and "\x1b[2J" not in shown


def test_cli_compact_quiet_and_columns(tmp_path: Path, cli: Run) -> None:
    root = write(tmp_path / "infra", {**TERRAFORM, "residency.yaml": "region: eu-west-1\naccounts: ['111122223333']\n"})
    code, out, _ = cli(["scan", root, "--compact"])
    assert code == 1 and "\u21b3" not in out and "  HIGH     aws_s3_bucket.dr  main.tf:27" in out
    code, out, _ = cli(["scan", root, "--quiet", "--hard-fail-on", "CRITICAL"])
    assert code == 0 and "aws_s3_bucket.dr" not in out
    code, out, _ = cli(["scan", root], env={"COLUMNS": "60"})
    lines = out.splitlines()
    assert lines[:2] == ["residency 0.1.0", str(root)]  # a word longer than 60: whole on its line, not split
    assert all(len(line) <= 60 for line in lines[2:]) and "  HIGH     aws_s3_bucket.dr  main.tf:27" in lines
    assert "\x1b" not in out  # a pipe: no colour


def test_inventory_table_at_100_columns_keeps_identifiers_whole(tmp_path: Path, cli: Run) -> None:
    root = write(tmp_path / "infra", TERRAFORM)
    code, out, _ = cli(["inventory", root], env={"COLUMNS": "100"})
    assert code == 0
    assert all(len(line) <= 100 for line in out.splitlines())
    assert any("aws_s3_bucket.data" in line and "main.tf:23" in line for line in out.splitlines())
    code, out, _ = cli(["inventory", root, "-f", "cli"], env={"COLUMNS": "60"})
    assert "aws_s3_bucket.dr  aws  eu-central-1  111122223333  main.tf:27" in out.splitlines()
