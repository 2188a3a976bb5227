"""scripts/action-run.sh, run locally the way the composite GitHub Action runs it."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app
from tests.ci.conftest import run_action
from tests.conftest import FIXTURES

SPLIT = FIXTURES / "terraform" / "aws_split_providers"
CLEAN = FIXTURES / "clean" / "aws"


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def test_findings_write_reports_annotations_summary_and_exit_1(tmp_path: Path) -> None:
    _copy(SPLIT, tmp_path / "infra")
    summary, gh_output = tmp_path / "summary.md", tmp_path / "gh_output"
    summary.write_text("previous step\n")
    proc = run_action({"paths": "infra", "formats": "cli", "junit-file": "out/junit.xml",
                       "sarif-file": "out/residency.sarif", "soft-fail": "false"},
                      cwd=tmp_path, summary=summary, output=gh_output)
    assert proc.returncode == 1, proc.stderr

    failures = ET.parse(tmp_path / "out" / "junit.xml").getroot().findall(".//testcase[failure]")
    # every CI format names the file from the repository root (the working folder here)
    assert [(f.get("name"), f.get("file"), f.get("line")) for f in failures] == \
        [("aws_s3_bucket.audit_dr", "infra/storage.tf", "85")]
    sarif = json.loads((tmp_path / "out" / "residency.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CKV_RES_1"]
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == \
        {"uri": "infra/storage.tf", "uriBaseId": "SRCROOT"}

    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    # the annotation names the file relative to the repository (the working folder)
    assert annotations[0].startswith("::error file=infra/storage.tf,line=85,title=CKV_RES_1 ")
    assert "aws_s3_bucket.audit_dr is in eu-central-1" in annotations[0]
    assert "CKV_RES_1 Data-plane resource outside the allowed region" in proc.stdout  # the cli format

    text = summary.read_text()
    assert text.startswith("previous step\n## Residency report")
    assert "**1 finding in 10 resources" in text and "`aws_s3_bucket.audit_dr`" in text
    assert gh_output.read_text() == "exit-code=1\n"


def test_soft_fail_and_policy_inputs(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    proc = run_action({"paths": str(SPLIT), "region": "eu-west-1", "accounts": " 111122223333 , 444455556666",
                       "soft-fail": "true", "formats": "json"}, cwd=tmp_path, summary=summary)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "residency-junit.xml").is_file() and (tmp_path / "residency.sarif").is_file()
    assert "--account 111122223333 --account 444455556666" in proc.stderr
    report = json.loads("\n".join(line for line in proc.stdout.splitlines() if not line.startswith("::")))
    assert report["summary"]["region"] == "eu-west-1" and report["summary"]["accounts"] == ["111122223333", "444455556666"]
    assert "**1 finding" in summary.read_text()


def test_clean_tree_exit_0_no_annotations(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    proc = run_action({"paths": str(CLEAN), "formats": "cli", "junit-file": "junit.xml", "sarif-file": "r.sarif"},
                      cwd=tmp_path, summary=summary)
    assert proc.returncode == 0, proc.stderr
    assert not [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert "No residency findings" in proc.stdout
    assert not ET.parse(tmp_path / "junit.xml").getroot().findall(".//testcase[failure]")
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"] == []
    text = summary.read_text()
    assert "## Residency report" in text and "No residency findings" in text


def test_var_files_and_baseline_inputs(tmp_path: Path) -> None:
    infra = _copy(SPLIT, tmp_path / "infra")
    (tmp_path / "dr.tfvars").write_text('dr_region = "eu-west-1"\n')
    proc = run_action({"paths": "infra", "var-files": "\n dr.tfvars \n", "junit-file": "", "sarif-file": ""},
                      cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "residency-junit.xml").exists() and not (tmp_path / "residency.sarif").exists()

    result = CliRunner().invoke(app, ["baseline", str(infra), "--output", str(tmp_path / "base.json")])
    assert result.exit_code == 0, result.output
    proc = run_action({"paths": "infra", "baseline": "base.json"}, cwd=tmp_path, summary=tmp_path / "s.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "baseline: base.json" in (tmp_path / "s.md").read_text()


def test_usage_error_exit_2_still_writes_a_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    proc = run_action({"paths": str(SPLIT), "baseline": "missing.json"}, cwd=tmp_path, summary=summary)
    assert proc.returncode == 2
    assert "missing.json: no such file" in proc.stderr
    assert "did not complete (exit code 2)" in summary.read_text()


def test_scan_inputs_become_flags_and_are_applied(tmp_path: Path) -> None:
    (tmp_path / "CKV_RES_1.txt").write_text("a file a glob would expand to\n")
    _copy(SPLIT, tmp_path / "infra")
    proc = run_action({"paths": "infra", "check": "CKV_RES_*", "skip-check": "CKV_RES_2,\nLOW",
                       "hard-fail-on": "CRITICAL", "soft-fail-on": "MEDIUM", "skip-path": "modules/legacy\n^tests/",
                       "vars": "dr_region=eu-west-1\n", "helm-values": "values/a.yaml\nvalues/b.yaml",
                       "helm-set": "image.tag=1.2,replicas={1,2}", "helm-set-string": "account=111122223333",
                       "helm-release-name": "api", "helm-namespace": "data", "helm-kube-version": "v1.30.0",
                       "helm-api-versions": "monitoring.coreos.com/v1, policy/v1", "formats": ""},
                      cwd=tmp_path)
    command = next(line for line in proc.stderr.splitlines() if line.startswith("+ residency scan"))
    assert (" --var dr_region=eu-west-1 --values values/a.yaml --values values/b.yaml"
            " --set image.tag=1.2\\,replicas=\\{1\\,2\\} --set-string account=111122223333 --release-name api"
            " --namespace data --kube-version v1.30.0 --api-versions monitoring.coreos.com/v1"
            " --api-versions policy/v1 --check CKV_RES_\\* --skip-check CKV_RES_2 --skip-check LOW"
            " --skip-path modules/legacy --skip-path \\^tests/ --hard-fail-on CRITICAL --soft-fail-on MEDIUM") in command
    # the values files do not exist: a finding on each chart, but this tree has no chart
    assert proc.returncode == 0, proc.stderr  # the var moves the DR bucket home; CRITICAL only would fail


def test_severity_threshold_input_decides_the_exit_code(tmp_path: Path) -> None:
    _copy(SPLIT, tmp_path / "infra")
    assert run_action({"paths": "infra", "hard-fail-on": "CRITICAL"}, cwd=tmp_path).returncode == 0
    assert run_action({"paths": "infra", "hard-fail-on": "HIGH"}, cwd=tmp_path).returncode == 1
    proc = run_action({"paths": "infra", "skip-check": "CKV_RES_77"}, cwd=tmp_path)
    assert proc.returncode == 2 and "error: --skip-check CKV_RES_77: no rule has this ID" in proc.stderr


def test_changed_from_input_reaches_the_scan(tmp_path: Path) -> None:
    _copy(SPLIT, tmp_path / "infra")
    proc = run_action({"paths": "infra", "changed-from": "origin/main"}, cwd=tmp_path)
    assert "--changed-from origin/main" in proc.stderr
    assert proc.returncode == 2 and "error: --changed-from origin/main:" in proc.stderr  # not a git repository
