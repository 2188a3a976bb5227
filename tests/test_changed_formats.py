"""`--changed-from REF` asks every input format which of its units a change affects: a chart
template or values file re-renders that chart, a manifest or plan re-reads itself, the policy
file re-scans everything, and when nothing is affected every requested report is still written."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

POLICY = 'region: eu-west-1\naccounts: ["111122223333"]\n'

ROOT = """provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "data"
}
"""

CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
VALUES = 'image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1.0\naccount: "111122223333"\n'
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      serviceAccountName: {name}
      containers:
        - name: main
          image: {{{{ .Values.image }}}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::{{{{ .Values.account }}}}:role/{name}
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: jobs
spec:
  template:
    spec:
      containers:
        - name: worker
          image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:1.0
"""

# `terraform show -json` of one bucket, by hand in real plan shape
PLAN = """{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_s3_bucket.archive",
          "mode": "managed",
          "type": "aws_s3_bucket",
          "name": "archive",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": {"bucket": "archive", "region": "REGION"}
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "aws_s3_bucket.archive",
      "mode": "managed",
      "type": "aws_s3_bucket",
      "name": "archive",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": {"actions": ["create"], "before": null, "after": {"bucket": "archive", "region": "REGION"},
                 "after_unknown": {}}
    }
  ],
  "configuration": {
    "provider_config": {
      "aws": {
        "name": "aws",
        "full_name": "registry.terraform.io/hashicorp/aws",
        "expressions": {
          "region": {"constant_value": "REGION"},
          "allowed_account_ids": {"constant_value": ["111122223333"]}
        }
      }
    },
    "root_module": {
      "resources": [
        {
          "address": "aws_s3_bucket.archive",
          "mode": "managed",
          "type": "aws_s3_bucket",
          "name": "archive",
          "provider_config_key": "aws",
          "expressions": {"bucket": {"constant_value": "archive"}}
        }
      ]
    }
  }
}
"""

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.com")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy, a Terraform root, two charts, a rendered manifest and a plan, all clean, committed."""
    _write(tmp_path / "residency.yaml", POLICY)
    _write(tmp_path / "infra" / "main.tf", ROOT)
    for name in ("app", "other"):
        _write(tmp_path / "charts" / name / "Chart.yaml", CHART.format(name=name))
        _write(tmp_path / "charts" / name / "values.yaml", VALUES)
        _write(tmp_path / "charts" / name / "templates" / "deploy.yaml", TEMPLATE.format(name=name))
    _write(tmp_path / "manifests" / "worker.yaml", MANIFEST)
    _write(tmp_path / "plans" / "plan.json", PLAN.replace("REGION", "eu-west-1"))
    _write(tmp_path / "ci" / "prod-values.yaml", 'account: "111122223333"\n')
    _write(tmp_path / "README.md", "deploys\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    argv = [*args, "--no-cache"]
    monkeypatch.setattr(sys, "argv", ["residency", *argv])
    result = CliRunner().invoke(app, argv)
    return result.exit_code, result.stdout, result.stderr


def _scan(monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict, str]:
    code, out, err = _run(monkeypatch, "scan", ".", "--format", "json", "--soft-fail", "--changed-from", "HEAD", *extra)
    assert code == 0, err
    return code, json.loads(out), err


def _findings(data: dict) -> set[tuple[str, str, str, int]]:
    return {(f["rule_id"], f["address"], f["file"], f["line"]) for f in data["findings"]}


def _files(data: dict) -> set[str]:
    return {row["file"] for row in data["inventory"]}


def test_a_clean_tree_has_no_findings(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the baseline every change below departs from: each finding below comes from the change
    code, out, err = _run(monkeypatch, "scan", ".", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["findings"] == []
    assert _files(data) == {"infra/main.tf", "charts/app/templates/deploy.yaml", "charts/other/templates/deploy.yaml",
                            "manifests/worker.yaml", "plans/plan.json"}


def test_a_chart_template_change_renders_that_chart_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = repo / "charts" / "app" / "templates" / "deploy.yaml"
    template.write_text(template.read_text().replace("{{ .Values.image }}", "docker.io/library/nginx:1.27"))
    _code, data, err = _scan(monkeypatch)
    assert "changed since HEAD: 0 Terraform roots, 1 chart, 0 manifests, 0 plans: charts/app" in err
    assert _findings(data) == {("CKV_RES_7", "Deployment/default/app", "charts/app/templates/deploy.yaml", 11)}
    assert _files(data) == {"charts/app/templates/deploy.yaml"}  # the chart beside it is not rendered


def test_a_chart_values_file_change_renders_that_chart(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "charts" / "app" / "values.yaml").write_text(VALUES.replace('"111122223333"', '"444455556666"'))
    _code, data, err = _scan(monkeypatch)
    assert "1 chart, 0 manifests, 0 plans: charts/app" in err
    assert _findings(data) == {("CKV_RES_5", "ServiceAccount/default/app", "charts/app/templates/deploy.yaml", 13)}
    assert "charts/other/templates/deploy.yaml" not in _files(data)


def test_a_new_subchart_file_renders_its_parent_chart(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = repo / "charts" / "app" / "charts" / "cache"
    _write(sub / "Chart.yaml", CHART.format(name="cache"))
    _write(sub / "values.yaml", VALUES.replace("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1.0", "quay.io/cache:7"))
    _write(sub / "templates" / "deploy.yaml", TEMPLATE.format(name="cache"))
    _code, data, err = _scan(monkeypatch)
    assert "0 Terraform roots, 1 chart, 0 manifests, 0 plans: charts/app" in err
    assert ("CKV_RES_7", "Deployment/default/cache", "charts/app/charts/cache/templates/deploy.yaml", 11) in _findings(data)
    assert "charts/other/templates/deploy.yaml" not in _files(data)


def test_a_values_file_given_with_values_renders_every_chart(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "ci" / "prod-values.yaml").write_text('account: "444455556666"\n')
    _code, data, err = _scan(monkeypatch, "--values", "ci/prod-values.yaml")
    assert "0 Terraform roots, 2 charts, 0 manifests, 0 plans: charts/app, charts/other" in err
    assert _findings(data) == {
        ("CKV_RES_5", "ServiceAccount/default/app", "charts/app/templates/deploy.yaml", 13),
        ("CKV_RES_5", "ServiceAccount/default/other", "charts/other/templates/deploy.yaml", 13)}


def test_a_values_file_not_given_selects_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "ci" / "prod-values.yaml").write_text('account: "444455556666"\n')
    code, _out, err = _run(monkeypatch, "scan", ".", "--changed-from", "HEAD")
    assert code == 0, err
    assert "0 Terraform roots, 0 charts, 0 manifests, 0 plans; nothing to scan" in err


def test_a_manifest_change_reads_that_manifest_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = repo / "manifests" / "worker.yaml"
    manifest.write_text(MANIFEST.replace("111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:1.0",
                                         "docker.io/library/busybox:1.36"))
    _code, data, err = _scan(monkeypatch)
    assert "0 Terraform roots, 0 charts, 1 manifest, 0 plans: manifests/worker.yaml" in err
    assert _findings(data) == {("CKV_RES_7", "Deployment/jobs/worker", "manifests/worker.yaml", 11)}
    assert _files(data) == {"manifests/worker.yaml"}


def test_a_plan_change_reads_that_plan_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "plans" / "plan.json").write_text(PLAN.replace("REGION", "us-east-1"))
    _code, data, err = _scan(monkeypatch)
    assert "0 Terraform roots, 0 charts, 0 manifests, 1 plan: plans/plan.json" in err
    assert _findings(data) == {("CKV_RES_1", "aws_s3_bucket.archive", "plans/plan.json", 20)}
    assert _files(data) == {"plans/plan.json"}


def test_a_plan_beside_its_root_is_joined_with_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the plan of infra/ lands beside it: the root is scanned too, so the join keeps the HCL's facts
    _write(repo / "infra" / "plan.json", PLAN.replace("REGION", "eu-west-1").replace("archive", "data"))
    _code, data, err = _scan(monkeypatch)
    assert "1 Terraform root, 0 charts, 0 manifests, 1 plan: infra, infra/plan.json" in err
    [row] = data["inventory"]
    assert (row["address"], row["region"], row["account"]) == ("aws_s3_bucket.data", "eu-west-1", "111122223333")


def test_a_policy_change_rescans_everything(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "residency.yaml").write_text(POLICY.replace("111122223333", "444455556666"))
    _code, data, err = _scan(monkeypatch)
    assert "changed since HEAD: 1 Terraform root, 2 charts, 1 manifest, 1 plan (residency.yaml changed: everything)" in err
    found = _findings(data)
    assert ("CKV_RES_5", "aws_s3_bucket.data", "infra/main.tf", 6) in found
    assert ("CKV_RES_5", "aws_s3_bucket.archive", "plans/plan.json", 20) in found
    assert ("CKV_RES_5", "ServiceAccount/default/other", "charts/other/templates/deploy.yaml", 13) in found
    assert "manifests/worker.yaml" in _files(data)


def test_a_var_file_change_rescans_everything(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(repo / "ci" / "prod.tfvars", 'unused = "x"\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "vars")
    (repo / "ci" / "prod.tfvars").write_text('unused = "y"\n')
    _code, _data, err = _scan(monkeypatch, "--var-file", "ci/prod.tfvars")
    assert "1 Terraform root, 2 charts, 1 manifest, 1 plan (ci/prod.tfvars changed: everything)" in err


def test_an_unchanged_roots_broken_file_is_not_reported(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(repo / "legacy" / "main.tf", 'resource "aws_s3_bucket" "x" {\n  bucket = \n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "legacy")
    manifest = repo / "manifests" / "worker.yaml"
    manifest.write_text(MANIFEST.replace("worker:1.0", "worker:1.1"))
    _code, data, err = _scan(monkeypatch)
    assert "0 Terraform roots, 0 charts, 1 manifest, 0 plans" in err
    assert data["errors"] == [] and data["findings"] == []


REPORTS = {"json": "r.json", "sarif": "r.sarif", "junit": "r.xml", "markdown": "r.md", "github": "r.github",
           "gitlab": "r.gitlab.json", "cli": "r.txt"}


def test_nothing_affected_still_writes_every_requested_report(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    (repo / "README.md").write_text("deploys, documented\n")
    out = tmp_path_factory.mktemp("reports")
    args = ["scan", ".", "--changed-from", "HEAD"]
    for fmt, name in REPORTS.items():
        args += ["--format", fmt]
    for name in REPORTS.values():
        args += ["--output", str(out / name)]
    code, _stdout, err = _run(monkeypatch, *args)
    assert code == 0, err
    assert "changed since HEAD: 0 Terraform roots, 0 charts, 0 manifests, 0 plans; nothing to scan" in err

    data = json.loads((out / "r.json").read_text())
    assert (data["findings"], data["inventory"], data["errors"]) == ([], [], [])

    sarif = json.loads((out / "r.sarif").read_text())
    assert len(sarif["runs"]) == 1 and sarif["runs"][0]["results"] == []
    schema_file = Path(__file__).parent / "report" / "data" / "sarif-schema-2.1.0.json"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(sarif, json.loads(schema_file.read_text()))

    junit = ET.fromstring((out / "r.xml").read_text())
    suites = [junit] if junit.tag == "testsuite" else junit.findall("testsuite")
    assert suites and all(s.get("failures") == "0" for s in suites)
    assert not junit.findall(".//failure")

    assert json.loads((out / "r.gitlab.json").read_text()) == []
    assert "Nothing changed since `HEAD`: no input was scanned." in (out / "r.md").read_text()
    assert (out / "r.github").read_text().rstrip().splitlines()[-1] == \
        "::notice title=residency::Nothing changed since HEAD: no input was scanned."
    assert "Nothing changed since HEAD: no input was scanned." in (out / "r.txt").read_text()


def test_inventory_with_nothing_affected_is_empty(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "README.md").write_text("deploys, documented\n")
    code, out, err = _run(monkeypatch, "inventory", ".", "--format", "json", "--changed-from", "HEAD")
    assert code == 0, err
    assert json.loads(out)["inventory"] == []


def test_a_changed_file_that_does_not_parse_is_reported(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a broken file belongs to no root: it must still fail the pull request, not pass as "nothing changed"
    _write(repo / "legacy" / "main.tf", 'resource "aws_s3_bucket" "x" {\n  bucket = \n')
    code, out, err = _run(monkeypatch, "scan", ".", "--format", "json", "--changed-from", "HEAD")
    assert code == 1, err
    assert "0 Terraform roots, 0 charts, 0 manifests, 0 plans: legacy/main.tf" in err
    data = json.loads(out)
    assert [(f["rule_id"], f["file"], f["line"]) for f in data["findings"]] == [("CKV_RES_9", "legacy/main.tf", 1)]
    assert data["inventory"] == []
