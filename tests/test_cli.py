"""The `residency` command line: exit codes, formats, policy errors, variables."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from tests.conftest import FIXTURES

SPLIT = FIXTURES / "terraform" / "aws_split_providers"
PRECEDENCE = FIXTURES / "terraform" / "aws_tfvars_precedence"


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    # --var/--var-file order is read from sys.argv (Terraform's last-one-wins precedence)
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_findings_exit_1_and_json_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["scan", str(SPLIT), "--format", "json"], monkeypatch)
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["tool", "root", "findings", "inventory", "providers", "errors", "unused_exceptions", "summary"]
    [finding] = data["findings"]
    assert (finding["rule_id"], finding["address"], finding["file"], finding["line"]) == \
        ("CKV_RES_1", "aws_s3_bucket.audit_dr", "storage.tf", 85)
    assert finding["region"] == "eu-central-1"
    assert finding["evidence"][-1] == "variables.tf:10 var.dr_region default = eu-central-1"
    assert data["summary"]["region"] == "eu-west-1" and data["summary"]["region_inferred"] is True


def test_clean_with_region_flag_exit_0(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["scan", str(SPLIT), "--skip-check", "CKV_RES_1", "--region", "eu-west-1"], monkeypatch)
    assert code == 0
    assert "No residency findings" in out


def test_soft_fail_exits_0_with_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["scan", str(SPLIT), "--soft-fail"], monkeypatch)
    assert code == 0 and "aws_s3_bucket.audit_dr" in out


def test_several_formats_each_to_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junit, sarif = tmp_path / "r.xml", tmp_path / "r.sarif"
    code, out, _ = run(["scan", str(SPLIT), "-f", "junit", "-o", str(junit), "-f", "sarif", "-o", str(sarif), "-f", "cli"],
                       monkeypatch)
    assert code == 1
    failures = ET.parse(junit).getroot().findall(".//testcase[failure]")
    # CI formats name files from the repository root (this checkout): analyzer/report/paths.py
    in_repo = "fixtures/terraform/aws_split_providers/storage.tf"
    assert [(f.get("name"), f.get("file"), f.get("line")) for f in failures] == [("aws_s3_bucket.audit_dr", in_repo, "85")]
    result = json.loads(sarif.read_text())["runs"][0]["results"][0]
    assert result["ruleId"] == "CKV_RES_1"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == in_repo
    assert "CKV_RES_1" in out


def test_invalid_policy_names_file_line_key_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "residency.yaml"
    policy.write_text("region: eu-west-1\naccounts:\n  - '111122223333'\nexceptions:\n  - rule: CKV_RES_1\n    reason: legacy\n    expires: someday\n")
    code, _, err = run(["scan", str(SPLIT), "--config", str(policy)], monkeypatch)
    assert code == 2
    assert f"{policy}:7: exceptions.0.expires" in err


def test_unknown_key_in_policy_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "residency.yaml"
    policy.write_text("region: eu-west-1\nregoin: eu-west-2\n")
    code, _, err = run(["scan", str(SPLIT), "--config", str(policy)], monkeypatch)
    assert code == 2 and f"{policy}:2: regoin" in err


def test_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["scan", "/nonexistent/path"], monkeypatch)[0] == 2
    assert run(["scan", str(SPLIT), "--format", "xml"], monkeypatch)[0] == 2


@pytest.mark.parametrize(("args", "region"), [
    ([], "eu-west-3"),
    (["--var-file", str(PRECEDENCE / "extra.tfvars")], "eu-north-1"),
    (["--var-file", str(PRECEDENCE / "extra.tfvars"), "--var", "region=eu-south-1"], "eu-south-1"),
    (["--var", "region=eu-south-1", "--var-file", str(PRECEDENCE / "extra.tfvars")], "eu-north-1"),
])
def test_var_and_var_file_precedence_follow_command_line_order(args: list[str], region: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["inventory", str(PRECEDENCE), "--format", "json", *args], monkeypatch)
    assert code == 0
    rows = {r["address"]: r for r in json.loads(out)["inventory"]}
    assert rows["aws_s3_bucket.reports"]["region"] == region


def test_inventory_table_and_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["inventory", str(SPLIT)], monkeypatch)
    assert code == 0 and "aws_s3_bucket.audit_dr" in out and "eu-central-1" in out
    code, out, _ = run(["inventory", str(SPLIT), "--format", "markdown"], monkeypatch)
    assert "| `aws_s3_bucket.audit_dr` | aws | eu-central-1 | 111122223333 | `storage.tf:85` |" in out


def test_checkov_dir_points_at_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["checkov-dir"], monkeypatch)
    folder = Path(out.strip())
    assert code == 0 and (folder / "checkov_host.py").is_file() and (folder / "ckv_res_1.py").is_file()
