"""Every row's and finding's evidence chain reaches the value's source (tfvars file:line or --var),
for every resource sharing a provider or an Azure resource group, not only the first that read it;
and no step appears twice in a chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import Evidence
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from analyzer.terraform.variables import CliVar

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "terraform"
SHARED_PROVIDER = FIXTURES / "evidence_shared_provider"
SHARED_GROUP = FIXTURES / "evidence_shared_resource_group"

AWS_BUCKETS = {
    "aws_s3_bucket.raw": ("main.tf", 17),
    "aws_s3_bucket.curated": ("main.tf", 21),
    "aws_s3_bucket.audit_logs": ("main.tf", 25),
    "module.archive.aws_s3_bucket.cold": ("modules/archive/main.tf", 5),
    "module.archive.aws_s3_bucket.legal_hold": ("modules/archive/main.tf", 9),
}
AZURE_RESOURCES = {
    "azurerm_storage_account.data": 24,
    "azurerm_key_vault.secrets": 31,
    "azurerm_container_registry.images": 40,
}


def _steps(evidence: list[Evidence]) -> list[str]:
    return [e.render() for e in evidence]


def _no_repeats(steps: list[str]) -> None:
    assert len(steps) == len(set(steps)), f"a step is repeated: {steps}"


def test_every_bucket_of_a_shared_provider_reaches_terraform_tfvars() -> None:
    report = run_scan([SHARED_PROVIDER], Policy(region="us-east-1"), ScanOptions(env={}, use_cache=False))
    rows = {r.address: r for r in report.inventory if r.address in AWS_BUCKETS}
    assert sorted(rows) == sorted(AWS_BUCKETS)
    for address, (file, line) in AWS_BUCKETS.items():
        steps = _steps(rows[address].region.evidence)
        assert steps == [f"{file}:{line} {address} uses provider aws", "main.tf:13 provider.aws region",
                         "terraform.tfvars:3 region = eu-west-1"]
        account = _steps(rows[address].account.evidence)
        assert account[-1] == "terraform.tfvars:2 account_id = 111122223333"
        _no_repeats(account)
    findings = {f.address: f for f in report.findings if f.rule_id == "CKV_RES_1"}
    assert sorted(findings) == sorted(AWS_BUCKETS)
    for address, (file, line) in AWS_BUCKETS.items():
        assert (findings[address].file, findings[address].line) == (file, line)
        steps = _steps(findings[address].evidence)
        assert steps[-1] == "terraform.tfvars:3 region = eu-west-1"
        _no_repeats(steps)


def test_every_resource_in_a_shared_resource_group_reaches_terraform_tfvars() -> None:
    report = run_scan([SHARED_GROUP], Policy(region="eastus"), ScanOptions(env={}, use_cache=False))
    rows = {r.address: r for r in report.inventory if r.address in AZURE_RESOURCES}
    assert sorted(rows) == sorted(AZURE_RESOURCES)
    for address, line in AZURE_RESOURCES.items():
        # before: only the last resource to read azurerm_resource_group.dataplane.location kept the tfvars step
        assert _steps(rows[address].region.evidence) == [
            f"main.tf:{line} {address} location", "main.tf:18 azurerm_resource_group.dataplane.location",
            "terraform.tfvars:4 location = westeurope"]
    findings = {f.address: f for f in report.findings if f.rule_id == "CKV_RES_1"}
    assert sorted(findings) == sorted(AZURE_RESOURCES)
    for address in AZURE_RESOURCES:
        steps = _steps(findings[address].evidence)
        assert steps[-1] == "terraform.tfvars:4 location = westeurope"
        _no_repeats(steps)


@pytest.mark.parametrize(("root", "var", "addresses"), [
    (SHARED_PROVIDER, "region=eu-central-1", AWS_BUCKETS),
    (SHARED_GROUP, "location=northeurope", AZURE_RESOURCES),
])
def test_a_command_line_var_ends_every_chain(root: Path, var: str, addresses: dict[str, object]) -> None:
    report = run_scan([root], Policy(region="eastus"), ScanOptions(env={}, use_cache=False,
                                                                   cli_vars=[CliVar("var", var)]))
    findings = {f.address: f for f in report.findings if f.rule_id == "CKV_RES_1"}
    assert sorted(findings) == sorted(addresses)
    for finding in findings.values():
        steps = _steps(finding.evidence)
        assert steps[-1] == f"(command line):0 --var {var}"
        _no_repeats(steps)


def test_an_attribute_read_twice_in_one_expression_is_one_step(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''provider "azurerm" {
  features {}
  subscription_id = "6d1f0a52-3c1e-4b9a-9d77-0f5e2a8c4b11"
}

variable "location" {
  type    = string
  default = "westeurope"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-dp"
  location = var.location
}

resource "azurerm_storage_account" "logs" {
  name                     = "dplogs${substr(azurerm_resource_group.rg.location, 0, 4)}"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location != "" ? azurerm_resource_group.rg.location : "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
''')
    report = run_scan([tmp_path], Policy(region="eastus"), ScanOptions(env={}, use_cache=False))
    row = next(r for r in report.inventory if r.address == "azurerm_storage_account.logs")
    assert _steps(row.region.evidence) == [
        "main.tf:19 azurerm_storage_account.logs location", "main.tf:13 azurerm_resource_group.rg.location",
        "main.tf:8 var.location default = westeurope"]


def test_every_replication_flow_reaches_the_tfvars_line() -> None:
    # flows read nested blocks (`replica { region = var.dr_region }`) as values; their chains went no
    # further than the attribute
    report = run_scan([FIXTURES / "evidence_flow_sources"], Policy(region="eu-west-1"),
                      ScanOptions(env={}, use_cache=False))
    got = sorted((f.rule_id, f.address, f.line, tuple(_steps(f.evidence))) for f in report.findings)
    assert got == [
        ("CKV_RES_4", "aws_ecr_replication_configuration.images", 27, (
            "main.tf:27 aws_ecr_replication_configuration.images destination.region",
            "terraform.tfvars:2 dr_region = eu-central-1")),
        ("CKV_RES_4", "aws_secretsmanager_secret.api_token", 19, (
            "main.tf:19 aws_secretsmanager_secret.api_token replica.region",
            "terraform.tfvars:2 dr_region = eu-central-1")),
        ("CKV_RES_4", "aws_secretsmanager_secret.db_password", 11, (
            "main.tf:11 aws_secretsmanager_secret.db_password replica.region",
            "terraform.tfvars:2 dr_region = eu-central-1")),
    ]
