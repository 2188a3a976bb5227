"""Terraform's, Helm's and checkov's habits: refused with a hint (exit 2, one line), never misread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import TERRAFORM, Run, write

POLICY = "region: eu-west-1\naccounts: ['111122223333']\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "infra", {**TERRAFORM, "prod.tfvars": 'region = "eu-central-1"\n'})


@pytest.mark.parametrize(("args", "message"), [
    (["-var-file=prod.tfvars"], "error: -var-file=prod.tfvars: Terraform's single-dash spelling is not an option "
                                "here; use --var-file=prod.tfvars\n"),
    (["-var-file", "prod.tfvars"], "error: -var-file: Terraform's single-dash spelling is not an option here; "
                                   "use --var-file prod.tfvars\n"),
    (["-var", "region=eu-west-2"], "error: -var: Terraform's single-dash spelling is not an option here; "
                                   "use --var region=eu-west-2\n"),
    (["-var=region=eu-west-2"], "error: -var=region=eu-west-2: Terraform's single-dash spelling is not an option "
                                "here; use --var=region=eu-west-2\n"),
    (["-v", "values.yaml"], "error: -v: -v is not an option; Helm values files are --values FILE (or --helm-values "
                            "FILE), and -f is --format here\n"),
])
def test_terraform_and_helm_single_dash_habits_are_refused(root: Path, cli: Run, args: list[str],
                                                           message: str) -> None:
    assert cli(["scan", root, *args]) == (2, "", message)


def test_var_file_is_applied_when_spelled_right(root: Path, cli: Run) -> None:
    # the tfvars moves the default provider to eu-central-1: the data bucket leaves eu-west-1
    code, out, _ = cli(["scan", root, "--region", "eu-west-1", "--var-file", root / "prod.tfvars", "-f", "json"])
    assert code == 1
    found = {(f["rule_id"], f["address"]) for f in json.loads(out)["findings"]}
    assert ("CKV_RES_1", "aws_s3_bucket.data") in found


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "sarif"], "error: -o sarif: sarif is a format, and -o names the file for the preceding -f; did you mean "
                      "-f sarif -o residency.sarif?\n"),
    (["--output=junit"], "error: -o junit: junit is a format, and -o names the file for the preceding -f; did you "
                         "mean -f junit -o residency-junit.xml?\n"),
    (["-f", "json", "-o", "out.json", "-o", "markdown"],
     "error: -o markdown: markdown is a format, and -o names the file for the preceding -f; did you mean -f markdown "
     "-o residency.md?\n"),
])
def test_output_named_like_a_format_without_its_format_is_refused(root: Path, cli: Run, args: list[str],
                                                                  message: str) -> None:
    assert cli(["scan", root, *args]) == (2, "", message)
    assert not (Path.cwd() / "sarif").exists()


def test_output_named_like_a_format_after_its_format_is_a_file(root: Path, tmp_path: Path, cli: Run,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = cli(["scan", root, "-f", "sarif", "-o", "sarif"])
    assert code == 1 and json.loads((tmp_path / "sarif").read_text())["version"] == "2.1.0"


def test_missing_var_file_is_a_usage_error_before_scanning(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "--var-file", root / "nope.tfvars"]) == (
        2, "", f"error: --var-file {root / 'nope.tfvars'}: no such file\n")
    assert cli(["inventory", root, "--var-file", root]) == (
        2, "", f"error: --var-file {root}: is a folder, not a .tfvars file\n")


@pytest.mark.parametrize(("region", "message"), [
    ("eu-west1", "error: --region eu-west1: not a region; did you mean eu-west-1?\n"),
    ("westeurop", "error: --region westeurop: not a region; did you mean westeurope?\n"),
    ("mars-north-9", "error: --region mars-north-9: not a region of AWS, Google Cloud or Azure\n"),
])
def test_a_region_that_is_not_a_region(root: Path, cli: Run, region: str, message: str) -> None:
    assert cli(["scan", root, "--region", region]) == (2, "", message)


def test_region_names_of_every_cloud_are_accepted(root: Path, cli: Run) -> None:
    for region in ("eu-west-1", "europe-west4", "westeurope", "West Europe", "EU"):
        code, _, err = cli(["scan", root, "--region", region, "-f", "json"])
        assert code in (0, 1) and err == "", (region, err)


def test_a_policy_region_that_is_not_a_region(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text("region: eu-west1\n")
    assert cli(["scan", root]) == (2, "", f"error: {root / 'residency.yaml'}: region eu-west1: not a region; "
                                          "did you mean eu-west-1?\n")


def test_unknown_option_is_one_line(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "--hard-fail", "HIGH"]) == (
        2, "", "error: No such option: --hard-fail (Possible options: --hard-fail-on, --shard, --var-file) "
               "(see `residency scan --help`)\n")


def test_bad_kube_version_and_api_versions(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "--kube-version", "latest"]) == (
        2, "", "error: --kube-version latest: not a Kubernetes version (like v1.30.0)\n")
    assert cli(["scan", root, "--api-versions", "-x"]) == (
        2, "", "error: --api-versions -x: not an API version (like monitoring.coreos.com/v1)\n")


def test_namespace_short_flag_is_checked_like_the_long_one(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "-n", "Prod_NS"]) == (
        2, "", "error: --namespace Prod_NS: not a Kubernetes namespace name (lowercase letters, digits and '-', at "
               "most 63 characters, starting and ending with a letter or digit)\n")


@pytest.mark.parametrize("command", ["scan", "inventory", "report", "baseline", "init"])
def test_help_shows_words_not_python_types(command: str, cli: Run) -> None:
    code, out, _ = cli([command, "--help"], env={"COLUMNS": "200"})
    assert code == 0
    assert "list[" not in out and "<str>" not in out and "<path>" not in out and "<bool>" not in out
    for option in ("--values", "--helm-values", "--set-file", "--kube-version", "--api-versions", "-n"):
        assert option in out, option
    assert "FILE" in out and "K=V" in out
    if command != "init":
        assert "PATHS..." in out


def test_top_level_help_has_no_python_types(cli: Run) -> None:
    code, out, _ = cli(["--help"], env={"COLUMNS": "200"})
    assert code == 0 and "<bool>" not in out and "checks" in out
