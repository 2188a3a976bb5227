"""--skip-path (regex or glob, as checkov), .gitignore (root and nested) and a chart's .helmignore:
one filter (analyzer/walk.py) for the Terraform, plan, manifest and chart walkers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.plan.detect import find_plan_files
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from analyzer.walk import Excludes
from tests.cli.conftest import TERRAFORM, Run, write

LEGACY = '''provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "legacy-exports"
}
'''
DEPLOYMENT = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: data
spec:
  template:
    spec:
      containers:
        - name: app
          image: docker.io/library/nginx:1.27
          env:
            - name: AWS_REGION
              value: us-east-1
'''
PLAN = {
    "format_version": "1.2", "terraform_version": "1.9.8",
    "planned_values": {"root_module": {"resources": [{
        "address": "aws_s3_bucket.{name}", "mode": "managed", "type": "aws_s3_bucket", "name": "{name}",
        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
        "values": {"bucket": "{name}", "region": "eu-west-1"}}]}},
    "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                                  "expressions": {"region": {"constant_value": "eu-west-1"}}}},
                      "root_module": {"resources": [{"address": "aws_s3_bucket.{name}", "mode": "managed",
                                                     "type": "aws_s3_bucket", "name": "{name}",
                                                     "provider_config_key": "aws", "schema_version": 0}]}},
}


def plan(name: str) -> str:
    return json.dumps(PLAN).replace("{name}", name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, {f"infra/{name}": text for name, text in TERRAFORM.items()})
    write(root, {
        ".gitignore": "# renders committed by CI\ntests/generated/\n*.tmp.yaml\n",
        "tests/fixtures/legacy/main.tf": LEGACY,
        "tests/generated/app.yaml": DEPLOYMENT.format(name="generated"),
        "deploy/app.yaml": DEPLOYMENT.format(name="deployed"),
        "deploy/scratch.tmp.yaml": DEPLOYMENT.format(name="scratch"),
        "plans/.gitignore": "*.json\n!prod.json\n",
        "plans/prod.json": plan("prod"),
        "plans/local.json": plan("local"),
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/.helmignore": "examples/\n",
        "charts/app/templates/deploy.yaml": DEPLOYMENT.format(name="chart-app"),
        "charts/app/examples/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
        "charts/app/examples/demo/templates/deploy.yaml": DEPLOYMENT.format(name="demo"),
    })
    return root


def files(out: str) -> list[str]:
    data = json.loads(out)
    return sorted({r["file"] for r in data["inventory"]} | {e["file"] for e in data["errors"]})


EVERYTHING = ["charts/app/examples/demo/templates/deploy.yaml", "charts/app/templates/deploy.yaml", "deploy/app.yaml",
              "deploy/scratch.tmp.yaml", "infra/main.tf", "tests/fixtures/legacy/main.tf", "tests/generated/app.yaml"]


def test_no_gitignore_scans_everything(repo: Path, cli: Run) -> None:
    code, out, _ = cli(["inventory", repo, "-f", "json", "--no-gitignore", "--helm-engine", "sdk"])
    assert code == 0 and files(out) == EVERYTHING


def test_gitignore_root_and_nested_and_helmignore(repo: Path, cli: Run) -> None:
    code, out, _ = cli(["inventory", repo, "-f", "json", "--helm-engine", "sdk"])
    assert code == 0
    assert files(out) == ["charts/app/templates/deploy.yaml", "deploy/app.yaml", "infra/main.tf",
                          "tests/fixtures/legacy/main.tf"]


def test_plan_finder_honours_a_nested_gitignore_with_negation(repo: Path) -> None:
    plans = repo / "plans"
    assert [p.name for p in find_plan_files(plans, excludes=Excludes())] == ["prod.json"]
    assert [p.name for p in find_plan_files(repo, excludes=Excludes())] == ["prod.json"]
    assert [p.name for p in find_plan_files(plans, excludes=Excludes(gitignore=False))] == ["local.json", "prod.json"]
    assert find_plan_files(repo, excludes=Excludes(skip_paths=("plans",))) == []


@pytest.mark.parametrize("pattern", ["tests/fixtures", "^tests/fix", "tests/*", "**/legacy", "fixtures/legacy/main\\.tf$"])
def test_skip_path_regex_or_glob(repo: Path, cli: Run, pattern: str) -> None:
    code, out, _ = cli(["inventory", repo, "-f", "json", "--skip-path", pattern, "--helm-engine", "sdk"])
    assert code == 0 and "tests/fixtures/legacy/main.tf" not in files(out)
    assert "infra/main.tf" in files(out)


def test_skip_path_drops_the_findings_of_the_skipped_tree(repo: Path, cli: Run) -> None:
    args = ["scan", repo, "-f", "json", "--region", "eu-west-1", "--account", "111122223333", "--helm-engine", "sdk",
            "--check", "CKV_RES_1"]
    code, out, _ = cli(args)
    assert code == 1
    # the Deployments set AWS_REGION=us-east-1; tests/generated/ is ignored by .gitignore
    assert sorted(f["address"] for f in json.loads(out)["findings"]) == [
        "Deployment/data/chart-app", "Deployment/data/deployed", "aws_s3_bucket.dr", "aws_s3_bucket.legacy"]
    code, out, _ = cli([*args, "--skip-path", "tests/", "--skip-path", "charts"])
    assert sorted(f["address"] for f in json.loads(out)["findings"]) == ["Deployment/data/deployed", "aws_s3_bucket.dr"]


def test_a_cached_result_is_not_reused_across_different_excludes(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    policy = Policy(region="eu-west-1", accounts=["111122223333"])
    # the scanned folder keeps an input when legacy/ is excluded (an emptied path is exit 2)
    (repo / "tests" / "fixtures" / "kept.tf").write_text('resource "aws_sqs_queue" "kept" {}\n')

    def addresses(excludes: Excludes) -> list[str]:
        options = ScanOptions(cache_dir=cache, skip_checks={f"CKV_RES_{n}" for n in range(2, 11)}, excludes=excludes)
        return sorted(f.address for f in run_scan([repo / "tests" / "fixtures", repo / "infra"], policy, options).findings)

    assert addresses(Excludes()) == ["aws_s3_bucket.dr", "aws_s3_bucket.legacy"]
    assert addresses(Excludes(skip_paths=("legacy",))) == ["aws_s3_bucket.dr"]
    assert addresses(Excludes()) == ["aws_s3_bucket.dr", "aws_s3_bucket.legacy"]


def test_an_ignore_file_that_is_a_link_is_not_read(repo: Path, tmp_path: Path, cli: Run) -> None:
    outside = tmp_path / "outside-ignore"
    outside.write_text("*\n")
    (repo / "infra" / ".gitignore").symlink_to(outside)
    code, out, _ = cli(["inventory", repo / "infra", "-f", "json"])
    assert code == 0 and files(out) == ["main.tf"]
