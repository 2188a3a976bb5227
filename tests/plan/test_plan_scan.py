"""Plan JSON through the whole scan: found whatever it is called, judged by the same rules."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

PLAN = FIXTURES / "plan" / "aws" / "plan.json"


def test_a_plan_file_is_scanned_by_the_same_rules() -> None:
    report = run_scan([PLAN], Policy(region="eu-central-1"), ScanOptions(env={}))
    replication = [(f.address, f.region) for f in report.findings if f.rule_id == "CKV_RES_4"]
    assert ("aws_secretsmanager_secret.s", "us-east-1") in replication
    assert all(f.file == "plan.json" for f in report.findings)
    assert {r.file for r in report.inventory} == {"plan.json"}


def test_plans_are_found_in_a_tree_whatever_they_are_called(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    shutil.copy(PLAN, tmp_path / "deploy" / "prod-pre-apply.json")
    (tmp_path / "package.json").write_text('{"name": "not-terraform"}')
    report = run_scan([tmp_path], Policy(region="eu-central-1"), ScanOptions(env={}))
    assert {r.file for r in report.inventory} == {"deploy/prod-pre-apply.json"}
    assert report.errors == []


def test_a_truncated_plan_is_not_analyzed_and_fails_the_scan(tmp_path: Path) -> None:
    text = PLAN.read_text()
    (tmp_path / "plan.json").write_text(text[: len(text) // 2])
    report = run_scan([tmp_path / "plan.json"], Policy(region="eu-central-1"), ScanOptions(env={}))
    assert report.inventory == []
    [finding] = report.findings
    assert (finding.rule_id, finding.file) == ("CKV_RES_9", "plan.json")
