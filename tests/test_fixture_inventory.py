"""Each Terraform fixture against its hand-written oracle (fixtures/terraform/*/expected.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analyzer.scan import ScanOptions, build_inventory
from analyzer.terraform.variables import CliVar
from tests.conftest import FIXTURES

# the located types the oracles list (every other catalog type is checked by rule tests)
ORACLE_TYPES = {
    "aws_s3_bucket", "google_storage_bucket", "azurerm_storage_account", "azurerm_storage_container",
    "aws_ecr_repository", "google_artifact_registry_repository", "azurerm_container_registry",
    "aws_secretsmanager_secret", "aws_ssm_parameter", "google_secret_manager_secret", "azurerm_key_vault",
    "azurerm_key_vault_secret", "aws_cloudwatch_log_group", "google_logging_project_bucket_config",
    "azurerm_log_analytics_workspace", "aws_eks_cluster", "google_container_cluster", "azurerm_kubernetes_cluster",
    "aws_eks_node_group", "google_container_node_pool", "azurerm_kubernetes_cluster_node_pool", "aws_kms_key",
    "aws_kms_replica_key", "google_kms_key_ring", "azurerm_key_vault_key",
}
CASES = []
for expected_file in sorted((FIXTURES / "terraform").glob("*/expected.yaml")):
    spec = yaml.safe_load(expected_file.read_text())
    for invocation in spec["invocations"]:
        CASES.append(pytest.param(expected_file.parent, spec, invocation,
                                  id=f"{expected_file.parent.name}-{invocation.get('name', 'default')}"))


def _cli_vars(fixture: Path, args: list[str]) -> list[CliVar]:
    out = []
    for flag, value in zip(args[::2], args[1::2]):
        out.append(CliVar("file", str(fixture / value)) if flag == "--var-file" else CliVar("var", value))
    return out


@pytest.mark.parametrize(("fixture", "spec", "invocation"), CASES)
def test_inventory_matches_oracle(fixture: Path, spec: dict, invocation: dict) -> None:
    options = ScanOptions(cli_vars=_cli_vars(fixture, invocation.get("args", [])), env=invocation.get("env") or {})
    inventory, _, _ = build_inventory([fixture], options)
    got = {
        row.address + ("@" + row.root if spec.get("roots") else ""): {
            "type": row.type, "kind": row.kind, "region": row.region.value if row.region.status != "unknown" else None,
            "region_status": row.region.status, "account": row.account.value if row.account.status == "resolved" else None,
            "file": row.file, "line": row.line, **({"root": row.root} if spec.get("roots") else {}),
        }
        for row in inventory.rows
        if row.type in ORACLE_TYPES
    }
    want = {
        row["address"] + ("@" + row["root"] if spec.get("roots") else ""): {
            "type": row["type"], "kind": row["kind"], "region": row["region"], "region_status": row["region_status"],
            "account": row["account"], "file": row["file"], "line": row["line"],
            **({"root": row["root"]} if spec.get("roots") else {}),
        }
        for row in invocation["rows"]
    }
    assert sorted(got) == sorted(want)
    for address, expected in want.items():
        assert got[address] == expected, address
