"""A target with nothing to scan is a usage error (exit 2, one line), never exit 0 "No residency
findings" (issue 12). Exit 2, not a CKV_RES_9 finding: a typo'd path in a CI job is a broken
job, not a finding to baseline or suppress, and `residency scan missing/` already exits 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.policy import Policy
from analyzer.scan import NothingToScan, ScanOptions, run_scan
from tests.conftest import FIXTURES

CLEAN = FIXTURES / "clean" / "aws"
MESSAGE = ("nothing to scan: no Terraform (.tf), plan/state JSON, Helm chart (Chart.yaml) or Kubernetes manifest "
           "found")


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def repository(tmp_path: Path) -> Path:
    """A repository whose Terraform is in infra/; docs/ and an empty folder hold nothing to scan."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n}\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# how we deploy\n")
    (tmp_path / "docs" / "notes.txt").write_text("region: us-east-1\n")
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", [["scan"], ["scan", "-f", "json"], ["inventory"], ["baseline", "-o", "b.json"],
                                     ["report"]])
@pytest.mark.parametrize("target", ["empty", "docs"])
def test_nothing_to_scan_is_exit_2_with_one_line(command: list[str], target: str, repository: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repository)
    code, out, err = _run([command[0], target, *command[1:], "--no-cache"], monkeypatch)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"error: {target}: {MESSAGE}"]


def test_one_empty_path_among_several_is_named(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repository)
    code, _, err = _run(["scan", "infra", "empty", "--no-cache", "-f", "json"], monkeypatch)
    assert code == 2 and err.strip() == f"error: empty: {MESSAGE}"


def test_init_on_an_empty_folder_writes_nothing(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(["init", str(repository / "empty"), "--no-cache"], monkeypatch)
    assert code == 2 and MESSAGE in err and not (repository / "empty" / "residency.yaml").exists()


def test_a_root_without_resources_is_still_a_clean_scan(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["scan", str(repository / "infra"), "--no-cache", "-f", "json", "--region", "eu-west-1"],
                        monkeypatch)
    assert code == 0 and json.loads(out)["findings"] == []


def test_an_unreadable_input_is_a_finding_not_nothing(repository: Path) -> None:
    (repository / "empty" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    report = run_scan([repository / "empty"], Policy(region="eu-west-1"), ScanOptions(env={}, use_cache=False))
    assert [f.rule_id for f in report.findings] == ["CKV_RES_9"]


def test_the_api_raises_for_the_caller_to_report(repository: Path) -> None:
    with pytest.raises(NothingToScan) as raised:
        run_scan([CLEAN, repository / "docs"], Policy(), ScanOptions(env={}, use_cache=False))
    assert raised.value.paths == [repository / "docs"]
