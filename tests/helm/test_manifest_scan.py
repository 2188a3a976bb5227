"""Rendered manifests through the whole scan: found in a tree, judged by the same rules."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

RENDERED = FIXTURES / "helm" / "rendered" / "dataplane.yaml"


def test_manifests_in_a_tree_are_scanned_with_the_rules(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    shutil.copy(RENDERED, tmp_path / "deploy" / "dataplane.yaml")
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}))
    found = {(f.rule_id, f.address) for f in report.findings}
    assert ("CKV_RES_7", "Deployment/union/union-operator") in found
    assert ("CKV_RES_10", "ConfigMap/union/union-operator-config") in found
    assert all(f.file == "deploy/dataplane.yaml" for f in report.findings)


def test_an_irsa_role_in_another_account_is_a_foreign_account_finding(tmp_path: Path) -> None:
    shutil.copy(RENDERED, tmp_path / "dataplane.yaml")
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["999999999999"]), ScanOptions(env={}))
    foreign = [f for f in report.findings if f.rule_id == "CKV_RES_5"]
    assert [f.address for f in foreign] and all(f.address.startswith("ServiceAccount/") for f in foreign)
