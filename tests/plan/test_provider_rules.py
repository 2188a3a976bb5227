"""One provider rule for every format: the same provider configuration written as HCL and as a
plan's `configuration.provider_config` gives the same account (value, status and reason), by
analyzer/placements.py ProviderSettings. Before it, the plan copy disagreed on several allowed
accounts, Azure's hint and implicit providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.models import Placement
from analyzer.plan import scan_plan
from analyzer.scan import ScanOptions, build_inventory

A, B = "111111111111", "222222222222"
SUB = "00000000-0000-0000-0000-000000000001"
PROVIDERS = {"aws": ("aws", "registry.terraform.io/hashicorp/aws", "aws_sqs_queue", 'name = "q"'),
             "azure": ("azurerm", "registry.terraform.io/hashicorp/azurerm", "azurerm_key_vault",
                       'name = "rg"\n  location = "westeurope"')}
# (cloud, HCL provider body or None for no provider block, the plan's expressions, account reason or value)
CASES = {
    "one_allowed": ("aws", f'region = "eu-west-1"\n  allowed_account_ids = ["{A}"]',
                    {"region": "eu-west-1", "allowed_account_ids": [A]}, ("resolved", A, "")),
    "several_allowed": ("aws", f'region = "eu-west-1"\n  allowed_account_ids = ["{A}", "{B}"]',
                        {"region": "eu-west-1", "allowed_account_ids": [A, B]},
                        ("unknown", None, f"{{who}} allows several accounts: {A}, {B}")),
    "chained_roles_last_wins": ("aws", f'region = "eu-west-1"\n'
                                f'  assume_role {{\n    role_arn = "arn:aws:iam::{A}:role/hop"\n  }}\n'
                                f'  assume_role {{\n    role_arn = "arn:aws:iam::{B}:role/deploy"\n  }}',
                                {"region": "eu-west-1", "assume_role": [{"role_arn": f"arn:aws:iam::{A}:role/hop"},
                                                                        {"role_arn": f"arn:aws:iam::{B}:role/deploy"}]},
                                ("resolved", B, "")),
    "role_not_an_arn": ("aws", 'region = "eu-west-1"\n  assume_role {\n    role_arn = "deploy"\n  }',
                        {"region": "eu-west-1", "assume_role": [{"role_arn": "deploy"}]},
                        ("unknown", None, "cannot read an account from assume_role.role_arn (deploy)")),
    "aws_unpinned": ("aws", 'region = "eu-west-1"', {"region": "eu-west-1"},
                     ("unknown", None, "{who} sets no account; it comes from the environment at apply time "
                                       "(set allowed_account_ids or assume_role.role_arn on the provider)")),
    "azure_unpinned": ("azure", "features {}", {},
                       ("unknown", None, "{who} sets no subscription_id; it comes from the environment at apply time "
                                         "(ARM_SUBSCRIPTION_ID)")),
    "azure_pinned": ("azure", f'features {{}}\n  subscription_id = "{SUB}"', {"subscription_id": SUB}, ("resolved", SUB, "")),
    "aws_implicit": ("aws", None, None,
                     ("unknown", None, "{who} sets no account; it comes from the environment at apply time "
                                       "(set allowed_account_ids or assume_role.role_arn on the provider)")),
}


def _hcl(tmp_path: Path, cloud: str, body: str | None) -> Placement:
    name, _, rtype, attrs = PROVIDERS[cloud]
    root = tmp_path / "hcl"
    root.mkdir()
    provider = f'provider "{name}" {{\n  {body}\n}}\n' if body is not None else ""
    (root / "main.tf").write_text(f'{provider}resource "{rtype}" "r" {{\n  {attrs}\n}}\n')
    inventory, _, _ = build_inventory([root], ScanOptions(env={}, use_cache=False))
    (row,) = inventory.rows
    return row.account


def _plan(tmp_path: Path, cloud: str, expressions: dict | None) -> Placement:
    name, full_name, rtype, _ = PROVIDERS[cloud]
    def expression(key: str, value: object) -> object:  # nested blocks are lists of argument maps
        return ([{k: {"constant_value": v} for k, v in block.items()} for block in value]  # type: ignore[attr-defined]
                if key == "assume_role" else {"constant_value": value})

    provider_config = ({name: {"name": name, "full_name": full_name,
                               "expressions": {k: expression(k, v) for k, v in expressions.items()}}}
                       if expressions is not None else {})
    doc = {"format_version": "1.2", "terraform_version": "1.9.8", "variables": {}, "planned_values": {"root_module": {}},
           "resource_changes": [{"address": f"{rtype}.r", "mode": "managed", "type": rtype, "name": "r",
                                 "change": {"actions": ["create"], "before": None,
                                            "after": {"name": "q", "location": "westeurope"}, "after_unknown": {}}}],
           "configuration": {"provider_config": provider_config, "root_module": {"resources": [
               {"address": f"{rtype}.r", "mode": "managed", "type": rtype, "name": "r", "provider_config_key": name}]}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    inventory = scan_plan(path, "plan.json")
    assert inventory.errors == []
    (row,) = inventory.rows
    return row.account


@pytest.mark.parametrize("case", sorted(CASES))
def test_provider_account_is_the_same_from_hcl_and_plan(tmp_path: Path, case: str) -> None:
    cloud, body, expressions, (status, value, reason) = CASES[case]
    name = PROVIDERS[cloud][0]
    hcl, plan = _hcl(tmp_path, cloud, body), _plan(tmp_path, cloud, expressions)
    # each format names the provider its own way: the HCL address, the plan's provider_config key
    hcl_who = f"provider.{name}" if body is not None else f"implicit provider {name}"
    plan_who = f"provider {name}" if expressions is not None else f"implicit provider {name} (no provider block)"
    assert (hcl.status, hcl.value, hcl.reason) == (status, value, reason.format(who=hcl_who))
    assert (plan.status, plan.value, plan.reason) == (status, value, reason.format(who=plan_who))
