"""--check/--skip-check (IDs, wildcards, severities) and --hard-fail-on/--soft-fail-on, as checkov."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import TERRAFORM, Run, write

# CKV_RES_1 (HIGH) on aws_s3_bucket.dr; the helm chart adds CKV_RES_7 (HIGH, an image from docker.io)
POLICY = "region: eu-west-1\naccounts: ['111122223333']\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "infra", {**TERRAFORM, "residency.yaml": POLICY})


def rules(out: str) -> list[str]:
    return sorted({f["rule_id"] for f in json.loads(out)["findings"]})


def test_baseline_fails_on_the_high_finding(root: Path, cli: Run) -> None:
    code, out, _ = cli(["scan", root, "-f", "json"])
    assert (code, rules(out)) == (1, ["CKV_RES_1"])


@pytest.mark.parametrize("selector", ["CKV_RES_1", "CKV_RES_1,CKV_RES_2", "HIGH", "CKV_RES_*", "LOW", "CKV_RES_2,CRITICAL"])
def test_hard_fail_on_matching_fails(root: Path, cli: Run, selector: str) -> None:
    code, _, _ = cli(["scan", root, "--hard-fail-on", selector])
    assert code == (0 if selector == "CKV_RES_2,CRITICAL" else 1)  # LOW: LOW and above


def test_hard_fail_on_a_higher_severity_passes_and_says_so(root: Path, cli: Run) -> None:
    code, out, err = cli(["scan", root, "--hard-fail-on", "CRITICAL"])
    assert (code, err) == (0, "")
    assert "  HIGH     aws_s3_bucket.dr  main.tf:27  (does not fail the build)" in out.splitlines()
    assert out.splitlines()[-1] == ("1 finding in 2 resources, region eu-west-1, account 111122223333; "
                                    "1 does not fail the build")


@pytest.mark.parametrize(("selector", "code"), [("HIGH", 0), ("MEDIUM", 1), ("CKV_RES_1", 0), ("CKV_RES_2", 1)])
def test_soft_fail_on(root: Path, cli: Run, selector: str, code: int) -> None:
    assert cli(["scan", root, "--soft-fail-on", selector])[0] == code


def test_hard_fail_on_wins_where_both_match(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "--soft-fail-on", "HIGH", "--hard-fail-on", "CKV_RES_1"])[0] == 1


def test_policy_severity_lowers_a_rule_below_the_threshold(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "severity:\n  CKV_RES_1: INFO\n")
    assert cli(["scan", root, "--hard-fail-on", "HIGH"])[0] == 0
    assert cli(["scan", root, "--soft-fail-on", "LOW"])[0] == 0
    assert cli(["scan", root])[0] == 1  # no threshold: every finding fails, as before
    code, out, _ = cli(["scan", root, "-f", "json", "--hard-fail-on", "HIGH"])
    assert code == 0 and [f["severity"] for f in json.loads(out)["findings"]] == ["INFO"]


def test_soft_fail_still_wins(root: Path, cli: Run) -> None:
    assert cli(["scan", root, "--hard-fail-on", "HIGH", "--soft-fail"])[0] == 0


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--check", "CKV_RES_1", ["CKV_RES_1"]),
    ("--check", "CKV_RES_2", []),
    ("--check", "CKV_RES_1*", ["CKV_RES_1"]),
    ("--check", "CRITICAL", []),  # CRITICAL and above: not CKV_RES_1 (HIGH)
    ("--check", "HIGH", ["CKV_RES_1"]),
    ("--skip-check", "CKV_RES_1", []),
    ("--skip-check", "CKV_RES_?", []),
    ("--skip-check", "HIGH", []),  # HIGH and below
    ("--skip-check", "MEDIUM", ["CKV_RES_1"]),
    ("--skip-check", "CKV_RES_10", ["CKV_RES_1"]),  # an exact ID is not a prefix
])
def test_check_and_skip_check_selectors(root: Path, cli: Run, flag: str, value: str, expected: list[str]) -> None:
    code, out, _ = cli(["scan", root, "-f", "json", flag, value])
    assert (code, rules(out)) == (1 if expected else 0, expected)


def test_skip_check_by_policy_severity(root: Path, cli: Run) -> None:
    (root / "residency.yaml").write_text(POLICY + "severity:\n  CKV_RES_1: LOW\n")
    code, out, _ = cli(["scan", root, "-f", "json", "--skip-check", "LOW"])
    assert (code, rules(out)) == (0, [])


@pytest.mark.parametrize("flag", ["--check", "--skip-check", "--hard-fail-on", "--soft-fail-on"])
def test_unknown_rule_is_a_usage_error(root: Path, cli: Run, flag: str) -> None:
    assert cli(["scan", root, flag, "CKV_RES_1,CKV_RES_99"]) == (
        2, "", f"error: {flag} CKV_RES_99: no rule has this ID and it is not a severity (CRITICAL, HIGH, MEDIUM, LOW, "
               "INFO); `residency checks` lists the rules\n")


def test_wildcard_matching_no_rule_is_a_usage_error(root: Path, cli: Run) -> None:
    code, _, err = cli(["scan", root, "--skip-check", "CKV_AWS_*"])
    assert code == 2 and err.startswith("error: --skip-check CKV_AWS_*: no rule has this ID")


def test_report_and_baseline_take_the_selectors(root: Path, cli: Run, tmp_path: Path) -> None:
    code, _, _ = cli(["baseline", root, "--skip-check", "HIGH", "-o", tmp_path / "b.json"])
    assert code == 0 and json.loads((tmp_path / "b.json").read_text())["findings"] == []
    assert cli(["report", root, "--check", "CKV_RES_99"])[0] == 2
