"""GitLab Code Quality (``--format gitlab``): GitLab's documented shape, repository paths, fingerprints."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.report import FORMATS, gitlab, render
from analyzer.report._common import fingerprint

# The Code Quality report format of https://docs.gitlab.com/ci/testing/code_quality/ ("Code
# Quality report format"): a JSON array of issues; description, check_name, fingerprint,
# severity and location.path are required, with location.lines.begin (or
# location.positions.begin.line) as the line. Written out here: GitLab publishes no schema file.
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(/|[A-Za-z]:|\\./)"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def test_registered_and_valid(report) -> None:
    assert "gitlab" in FORMATS
    issues = json.loads(render("gitlab", report))
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(issues, SCHEMA, cls=jsonschema.Draft7Validator)


def test_active_findings_in_report_order(report) -> None:
    # report.root is /src/infra (absolute, outside the working folder): paths stay relative to it
    issues = json.loads(render("gitlab", report))
    assert issues == [
        {"description": "CKV_RES_2: Project proj-a, 100% outside home account, see:\r\nADR, 7",
         "check_name": "CKV_RES_2", "fingerprint": "fp-gcs-b", "severity": "critical",
         "location": {"path": "gcp/storage.tf", "lines": {"begin": 2}}},
        {"description": "CKV_RES_1: Placed in us-east-1 (main.tf:12), not in home region eu-west-1 | see line 12",
         "check_name": "CKV_RES_1", "fingerprint": fingerprint(report.findings[1]), "severity": "major",
         "location": {"path": "main.tf", "lines": {"begin": 12}}},
    ]  # the suppressed CKV_RES_10 is not an issue


def test_fingerprints_are_stable_across_line_moves(report_factory) -> None:
    moved = json.loads(render("gitlab", report_factory(dr_line=40)))
    here = json.loads(render("gitlab", report_factory(dr_line=12)))
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in here]
    assert moved[1]["location"]["lines"]["begin"] == 40
    assert len({i["fingerprint"] for i in here}) == len(here)


@pytest.mark.parametrize(("file", "root", "expected"), [
    ("main.tf", "infra", "infra/main.tf"),
    ("./envs/prod/main.tf", "infra/live", "infra/live/envs/prod/main.tf"),
    ("../../modules/bucket/main.tf", "infra/live", "modules/bucket/main.tf"),
    ("../shared/main.tf", ".", "../shared/main.tf"),
    ("gcp\\storage.tf", "infra", "infra/gcp/storage.tf"),
    ("main.tf", "/ci/builds/acme/infra", "main.tf"),
    ("/ci/builds/acme/infra/envs/main.tf", "/ci/builds/acme/infra", "envs/main.tf"),
])
def test_paths_from_the_repository_root(file: str, root: str, expected: str) -> None:
    assert gitlab.repository_path(file, root) == expected


TF = """provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "us"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data-eu"
}

module "archive" {
  source = "../modules/archive"
  providers = {
    aws = aws.us
  }
}
"""

MODULE = """resource "aws_s3_bucket" "archive" {
  bucket = "acme-archive-us"
}
"""


def test_cli_writes_gitlab_report_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "infra" / "live").mkdir(parents=True)
    (tmp_path / "infra" / "modules" / "archive").mkdir(parents=True)
    (tmp_path / "infra" / "live" / "main.tf").write_text(TF, encoding="utf-8")
    (tmp_path / "infra" / "modules" / "archive" / "main.tf").write_text(MODULE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["residency"])
    result = CliRunner().invoke(app, ["scan", "infra", "--region", "eu-west-1", "--no-cache", "-f", "gitlab", "-o", "gl-code-quality.json",
                                      "-f", "json", "-o", "report.json"])
    assert result.exit_code == 1, result.output
    issues = json.loads((tmp_path / "gl-code-quality.json").read_text(encoding="utf-8"))
    jsonschema.validate(issues, SCHEMA, cls=jsonschema.Draft7Validator)
    findings = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["findings"]
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"], i["fingerprint"])
            for i in issues] == [(f["rule_id"], gitlab.repository_path(f["file"], "infra"), f["line"], f["fingerprint"])
                                 for f in findings if f["suppressed"] is None]
    assert ("CKV_RES_1", "infra/modules/archive/main.tf", 1, "major") in {
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in issues}
    for issue in issues:
        assert (tmp_path / issue["location"]["path"]).is_file()  # every path exists from the repository root


def test_unknown_format_names_gitlab() -> None:
    result = CliRunner().invoke(app, ["scan", ".", "-f", "gitlab-codequality"])
    assert result.exit_code == 2
    assert "gitlab" in result.output


def test_hostile_values_read_back_and_print_inert(report) -> None:
    finding = report.findings[1].model_copy(update={
        "message": "ok\n::error::forged ##[add-mask]x \u202e", "file": "dir\udcfe/main.tf"})
    hostile = report.model_copy(update={"findings": [finding]})
    text = render("gitlab", hostile)
    text.encode("utf-8")  # a lone surrogate is written as the visible escape \xfe
    assert "##[" not in text and not any(line.lstrip().startswith("::") for line in text.splitlines())
    [issue] = json.loads(text)
    assert issue["description"] == "CKV_RES_1: ok\n::error::forged ##[add-mask]x \u202e"
    assert issue["location"]["path"] == "dir\\xfe/main.tf"
