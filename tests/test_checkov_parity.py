"""Both rule hosts give the same verdicts: `residency scan` natively and stock checkov
loading rules/ with --external-checks-dir, over every Terraform fixture."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analyzer.policy import Policy, find_policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# CKV_RES_9 (inputs not analyzed) has no checkov entity to attach to: checkov reports
# parse errors itself, so parity covers the resource and provider rules.
COMPARED = ["CKV_RES_1", "CKV_RES_2", "CKV_RES_3", "CKV_RES_4", "CKV_RES_5", "CKV_RES_6", "CKV_RES_7",
            "CKV_RES_8", "CKV_RES_10"]
_KEYS = re.compile(r"\[[^\]]*\]")
_PROVIDER = re.compile(r"^(aws|google|google-beta|azurerm)\.[\w-]+$")


def _fixture_dirs() -> list[Path]:
    dirs = sorted(p.parent for p in FIXTURES.glob("terraform/*/expected.yaml"))
    dirs += sorted(p for p in FIXTURES.glob("clean/*") if p.is_dir())
    dirs += sorted(p for p in FIXTURES.glob("rules/*/*") if p.is_dir() and any(p.rglob("*.tf")))
    return dirs


def _checkov_binary() -> list[str] | None:
    """checkov run by this interpreter: a console script's shebang may name another checkout's
    venv, which would test that checkout's analyzer instead of this one."""
    if importlib.util.find_spec("checkov") is None:
        return None
    return [sys.executable, "-W", "ignore::SyntaxWarning", "-m", "checkov.main"]


def _checkov_failed(folder: Path, binary: list[str]) -> set[tuple[str, str]]:
    result = subprocess.run(
        [*binary, "-d", str(folder), "--framework", "terraform", "--skip-download", "--quiet", "-o", "json",
         "--external-checks-dir", str(RULES_DIR), "--check", ",".join(COMPARED)],
        capture_output=True, text=True, timeout=300, cwd=folder,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    data = json.loads(result.stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    failed = set()
    for report in reports:
        for check in report.get("results", {}).get("failed_checks", []):
            resource = check["resource"]
            if check.get("check_class", "").endswith("_ResidencyProviderCheck") or _PROVIDER.match(resource):
                # checkov names provider entities "aws.default" / "aws.<alias>"
                name, alias = resource.split(".", 1)
                resource = f"provider.{name}" if alias == "default" else f"provider.{name}.{alias}"
            failed.add((check["check_id"], _normal(resource)))
    return failed


def _normal(address: str) -> str:
    return _KEYS.sub("", address)


def _native_failed(folder: Path) -> set[tuple[str, str]]:
    found = find_policy(folder)
    policy = load_policy(found) if found else Policy()
    report = run_scan([folder], policy, ScanOptions(use_cache=False))
    # a provider with no block (configured by the environment) has no checkov entity
    implicit = {p.address for p in report.providers if p.implicit}
    return {(f.rule_id, _normal(f.address)) for f in report.findings
            if f.rule_id in COMPARED and f.suppressed is None and f.address not in implicit}


def test_checkov_and_native_hosts_agree() -> None:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    folders = _fixture_dirs()
    assert len(folders) >= 8
    with ThreadPoolExecutor(max_workers=2) as pool:
        checkov_results = dict(zip(folders, pool.map(lambda f: _checkov_failed(f, binary), folders)))
    mismatches = {}
    total = 0
    for folder in folders:
        native = _native_failed(folder)
        total += len(native)
        if native != checkov_results[folder]:
            mismatches[str(folder.relative_to(FIXTURES))] = {
                "native only": sorted(native - checkov_results[folder]),
                "checkov only": sorted(checkov_results[folder] - native),
            }
    assert mismatches == {}
    assert total > 5  # the fixtures do fail rules: parity is not vacuous


def test_checkov_host_takes_the_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    folder = FIXTURES / "terraform" / "aws_split_providers"  # no residency.yaml: region would be inferred
    monkeypatch.setenv("RESIDENCY_REGION", "eu-central-1")
    monkeypatch.setenv("RESIDENCY_ACCOUNTS", "111122223333")
    failed = {rule_address for rule_address in _checkov_failed(folder, binary) if rule_address[0] == "CKV_RES_1"}
    report = run_scan([folder], Policy(region="eu-central-1", accounts=["111122223333"]), ScanOptions(use_cache=False))
    native = {(f.rule_id, _normal(f.address)) for f in report.findings if f.rule_id == "CKV_RES_1"}
    assert failed == native
    assert ("CKV_RES_1", "aws_s3_bucket.audit_dr") not in failed  # the one bucket in eu-central-1 passes
    assert ("CKV_RES_1", "aws_s3_bucket.audit") in failed
