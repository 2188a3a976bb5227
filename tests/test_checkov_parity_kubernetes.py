"""Both rule hosts agree on rendered Kubernetes manifests: `residency scan` natively and stock
checkov's kubernetes framework loading rules/ with --external-checks-dir."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzer.policy import Policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES
from tests.test_checkov_parity import COMPARED, RULES_DIR, _checkov_binary, checkov_batch

POLICY = 'region: eu-west-1\naccounts: ["111122223333"]\n'


CASES = ["ckv_res_1/helm_fail", "ckv_res_1/helm_pass", "ckv_res_5/helm_fail"]


def _args(folder: Path) -> list[str]:
    return ["-d", str(folder), "--framework", "kubernetes", "--skip-download", "--quiet", "-o", "json",
            "--external-checks-dir", str(RULES_DIR), "--check", ",".join(COMPARED)]


@pytest.fixture(scope="module")
def checkov_kubernetes(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, set[tuple[str, str]]]:
    """checkov's failed checks for the rendered manifests and every rule case, from one checkov
    process (see tests/test_checkov_parity.py: checkov_batch)."""
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    rendered = tmp_path_factory.mktemp("rendered")
    for manifest in sorted((FIXTURES / "helm" / "rendered").glob("*.yaml")):
        shutil.copy(manifest, rendered / manifest.name)
    (rendered / "residency.yaml").write_text(POLICY)
    folders = [rendered] + [FIXTURES / "rules" / case for case in CASES]
    reports = checkov_batch([(folder, _args(folder)) for folder in folders], binary, tmp_path_factory.mktemp("out"))
    if reports is None:
        return {folder: _checkov_kubernetes(folder, binary) for folder in folders}
    return {folder: _failed(report) for folder, report in zip(folders, reports)}


def _checkov_kubernetes(folder: Path, binary: list[str]) -> set[tuple[str, str]]:
    result = subprocess.run([*binary, *_args(folder)], capture_output=True, text=True, timeout=300, cwd=folder)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return _failed(result.stdout)


def _failed(stdout: str) -> set[tuple[str, str]]:
    data = json.loads(stdout or "{}")
    failed = set()
    for report in data if isinstance(data, list) else [data]:
        for check in report.get("results", {}).get("failed_checks", []):
            kind, namespace, name = check["resource"].split(".", 2)  # checkov: Kind.namespace.name
            failed.add((check["check_id"], f"{kind}/{namespace}/{name}"))
    return failed


def test_rendered_manifests_same_verdicts(checkov_kubernetes: dict[Path, set[tuple[str, str]]]) -> None:
    rendered = next(iter(checkov_kubernetes))  # the copy of fixtures/helm/rendered with the policy
    report = run_scan([rendered], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(use_cache=False))
    native = {(f.rule_id, f.address) for f in report.findings if f.suppressed is None and f.rule_id in COMPARED}
    assert native == {
        ("CKV_RES_1", "ConfigMap/logging/fluent-bit-config"),  # the audit bucket's us-east-1 in fluent-bit.conf
        ("CKV_RES_2", "CronJob/logging/log-archiver"),  # gs://acme-log-archive, no region anywhere
        ("CKV_RES_10", "ConfigMap/union/union-operator-config"),
        ("CKV_RES_10", "CronJob/default/union-cleanup"),
        ("CKV_RES_7", "DaemonSet/logging/fluentbit"),
        ("CKV_RES_7", "Deployment/union/union-operator"),
    }
    assert checkov_kubernetes[rendered] == native


@pytest.mark.parametrize("case", CASES)
def test_rule_cases_same_verdicts(case: str, checkov_kubernetes: dict[Path, set[tuple[str, str]]]) -> None:
    folder = FIXTURES / "rules" / case
    report = run_scan([folder], load_policy(folder / "residency.yaml"), ScanOptions(use_cache=False))
    native = {(f.rule_id, f.address) for f in report.findings if f.suppressed is None and f.rule_id in COMPARED}
    assert bool(native) == case.endswith("_fail")
    assert checkov_kubernetes[folder] == native
