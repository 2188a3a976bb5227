"""The `scan:` section of residency.yaml: scan options with the policy's errors; flags override it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import TERRAFORM, Run, write

POLICY = "region: eu-west-1\naccounts: ['111122223333']\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "infra", {**TERRAFORM, "env/prod.tfvars": 'region = "eu-central-1"\n',
                                      "legacy/main.tf": 'resource "aws_s3_bucket" "old" {\n  bucket = "old"\n}\n'})


def test_config_sets_var_files_relative_to_the_policy_file(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  var_files: [env/prod.tfvars]\n  skip_path: [legacy]\n")
    code, out, _ = cli(["scan", root, "-f", "json", "--check", "CKV_RES_1"])
    # prod.tfvars moves the default provider to eu-central-1: both buckets are outside eu-west-1
    assert code == 1
    assert sorted(f["address"] for f in json.loads(out)["findings"]) == ["aws_s3_bucket.data", "aws_s3_bucket.dr"]


def test_a_flag_overrides_the_config(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  var_files: [env/prod.tfvars]\n  check: [CKV_RES_1]\n"
                                                  "  hard_fail_on: [CRITICAL]\n")
    code, out, _ = cli(["scan", root, "-f", "json", "--var", "region=eu-west-1"])
    assert code == 0  # the config's threshold: CKV_RES_1 is HIGH
    assert sorted(f["address"] for f in json.loads(out)["findings"]) == ["aws_s3_bucket.dr"]
    assert cli(["scan", root, "--hard-fail-on", "HIGH"])[0] == 1


def test_config_formats_and_outputs(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  formats: [json, sarif, cli]\n  outputs: ['-', out/r.sarif]\n")
    (root / "out").mkdir()
    code, out, _ = cli(["scan", root])
    assert code == 1 and out.startswith("{") and "CKV_RES_1 Data-plane resource outside the allowed region" in out
    assert not (root / "-").exists()
    results = json.loads((root / "out" / "r.sarif").read_text())["runs"][0]["results"]
    assert ("CKV_RES_1", "main.tf") in {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                                        for r in results}


def test_config_quiet_and_soft_fail(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  soft_fail: true\n  compact: true\n")
    code, out, _ = cli(["scan", root])
    assert code == 0 and "\u21b3" not in out and "aws_s3_bucket.dr" in out


@pytest.mark.parametrize(("section", "line", "message"), [
    ("scan:\n  var_file: [a.tfvars]\n", 4, "scan.var_file: Extra inputs are not permitted"),
    ("scan:\n  gitignore: maybe\n", 4, "scan.gitignore: Input should be a valid boolean, unable to interpret input"),
    ("scan:\n  skip_check: CKV_RES_1\n", 4, "scan.skip_check: Input should be a valid list"),
    ("scan: [a]\n", 3, "scan: Input should be a valid dictionary or instance of ScanConfig"),
])
def test_config_errors_name_file_line_and_key(root: Path, cli: Run, section: str, line: int, message: str) -> None:
    policy = root / "residency.yaml"
    policy.write_text(POLICY + section)
    code, _, err = cli(["scan", root])
    assert code == 2
    assert err == f"error: invalid policy: {policy}:{line}: {message}\n"  # one problem, one line


def test_config_selectors_are_validated(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  skip_check: [CKV_RES_42]\n")
    assert cli(["scan", root]) == (2, "", "error: --skip-check CKV_RES_42: no rule has this ID and it is not a "
                                          "severity (CRITICAL, HIGH, MEDIUM, LOW, INFO); `residency checks` lists the "
                                          "rules\n")


def test_config_missing_var_file_is_a_usage_error(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "scan:\n  var_files: [env/staging.tfvars]\n")
    assert cli(["scan", root]) == (2, "", f"error: --var-file {root / 'env/staging.tfvars'}: no such file\n")
