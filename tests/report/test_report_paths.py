"""Paths in the CI formats are valid from the repository root (analyzer/report/paths.py).

`residency scan infra/live` of a repository whose root calls `../../modules/bucket`: SARIF,
JUnit and GitHub annotations name `infra/live/main.tf` and `modules/bucket/main.tf` (what code
scanning, test reports and annotations resolve against the checkout), never `../../` nor an
absolute path; JSON, CLI and Markdown keep paths relative to the root they print.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.report.paths import repository_path, repository_prefix, repository_root

ROOT_TF = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "us"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "dr" {
  provider = aws.us
  bucket   = "acme-payments-dr"
}

module "logs" {
  source = "../../modules/bucket"
  name   = "acme-payments-logs"
  providers = {
    aws = aws.us
  }
}
"""

MODULE_TF = """\
variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}
"""


def _repository(tmp_path: Path, git: bool) -> Path:
    repo = tmp_path / "repo"
    (repo / "infra" / "live").mkdir(parents=True)
    (repo / "modules" / "bucket").mkdir(parents=True)
    (repo / "infra" / "live" / "main.tf").write_text(ROOT_TF)
    (repo / "modules" / "bucket" / "main.tf").write_text(MODULE_TF)
    if git:
        (repo / ".git").mkdir()
    return repo


def _scan(target: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    formats = ("sarif", "junit", "github", "json", "cli", "markdown")
    args = ["scan", target, "--region", "eu-west-1", "--account", "111122223333", "--no-cache"]
    for fmt in formats:
        args += ["-f", fmt, "-o", str(out / fmt)]
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.stderr
    return {fmt: (out / fmt).read_text() for fmt in formats}


def _sarif_uris(text: str) -> list[tuple[str, str, str | None]]:
    run = json.loads(text)["runs"][0]
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId")) for r in run["results"]]


def _junit_files(text: str) -> list[tuple[str, str | None, str | None]]:
    root = ET.fromstring(text)
    return sorted((c.get("name") or "", c.get("file"), c.get("line")) for c in root.iter("testcase")
                  if c.find("failure") is not None)


EXPECTED_SARIF = [("CKV_RES_1", "infra/live/main.tf", "SRCROOT"), ("CKV_RES_1", "modules/bucket/main.tf", "SRCROOT")]
EXPECTED_JUNIT = [("aws_s3_bucket.dr", "infra/live/main.tf", "12"),
                  ("module.logs.aws_s3_bucket.this", "modules/bucket/main.tf", "5")]


@pytest.mark.parametrize("cwd", ["repo", "outside"])
def test_ci_formats_name_files_from_the_git_work_tree(cwd: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repository(tmp_path, git=True)
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(repo if cwd == "repo" else tmp_path / "outside")
    reports = _scan("infra/live" if cwd == "repo" else str(repo / "infra" / "live"), out, monkeypatch)

    assert _sarif_uris(reports["sarif"]) == EXPECTED_SARIF
    assert _junit_files(reports["junit"]) == EXPECTED_JUNIT
    assert [line.split(",title=")[0] for line in reports["github"].splitlines()] == [
        "::error file=infra/live/main.tf,line=12", "::error file=modules/bucket/main.tf,line=5"]
    for fmt in ("sarif", "junit", "github"):
        assert "../" not in reports[fmt], fmt
    if cwd == "repo":  # nothing of the machine's folders (scanned from outside, SARIF's base is a file URI)
        assert all(str(tmp_path) not in reports[fmt] for fmt in ("sarif", "junit", "github"))
    # the evidence in a CI format points into the repository too
    assert "infra/live/main.tf:8 provider.aws.us region" in reports["sarif"]
    # the JSON contract (and the cli and markdown, which print the root) stay relative to the scan root
    data = json.loads(reports["json"])
    assert sorted(f["file"] for f in data["findings"]) == ["../../modules/bucket/main.tf", "main.tf"]
    assert "`main.tf:12`" in reports["markdown"]
    # one fingerprint per finding, whatever format carries it
    sarif_prints = sorted(r["partialFingerprints"]["residencyFingerprint/v2"]
                          for r in json.loads(reports["sarif"])["runs"][0]["results"])
    assert sarif_prints == sorted(f["fingerprint"] for f in data["findings"])


def test_sarif_base_is_the_repository_when_scanned_from_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repository(tmp_path, git=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    sarif = json.loads(_scan(str(repo / "infra" / "live"), tmp_path / "out", monkeypatch)["sarif"])
    assert sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"] == {"uri": repo.resolve().as_uri() + "/"}


def test_without_git_the_working_folder_is_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repository(tmp_path, git=False)
    (repo / "infra" / "live" / "main.tf").write_text(ROOT_TF.split('module "logs"')[0])  # nothing above the root is read
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(repo)
    reports = _scan("infra/live", out, monkeypatch)
    assert _sarif_uris(reports["sarif"]) == [("CKV_RES_1", "infra/live/main.tf", "SRCROOT")]
    assert _junit_files(reports["junit"]) == [("aws_s3_bucket.dr", "infra/live/main.tf", "12")]
    assert reports["github"].startswith("::error file=infra/live/main.tf,line=12,")


def test_without_git_a_root_outside_the_working_folder_is_its_own_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repository(tmp_path, git=False)
    (repo / "infra" / "live" / "main.tf").write_text(ROOT_TF.split('module "logs"')[0])  # nothing above the root is read
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    reports = _scan(str(repo / "infra" / "live"), out, monkeypatch)
    assert _sarif_uris(reports["sarif"]) == [("CKV_RES_1", "main.tf", "SRCROOT")]
    assert _junit_files(reports["junit"]) == [("aws_s3_bucket.dr", "main.tf", "12")]


def test_path_helpers(tmp_path: Path) -> None:
    assert repository_path("../../modules/bucket/main.tf", "infra/live") == "modules/bucket/main.tf"
    assert repository_path("./main.tf", "infra") == "infra/main.tf"
    assert repository_path("main.tf", "") == "main.tf"
    assert repository_path("/abs/main.tf", "infra") == "/abs/main.tf"  # never made up
    assert repository_root("infra/live", "infra/live") == "."
    assert repository_root("/work/repo/infra", "infra") == "/work/repo"
    assert repository_root("live", "infra/live") == ".."
    repo = _repository(tmp_path, git=True)
    assert repository_prefix(repo / "infra" / "live") == "infra/live"
    assert repository_prefix(repo) == ""
