"""Every catalog family through the plan adapter: each fixtures/catalog folder's HCL is written
out as the plan `terraform show -json` would print for it (known values in `change.after`,
computed ones in `after_unknown`, references in `configuration`), and the plan alone must
resolve every fact the HCL resolves. This covers each catalog type's extractors, multi-region
tests, images and endpoints on the plan side without a hand-made plan per type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analyzer.catalog import catalog
from analyzer.plan import scan_plan
from analyzer.scan import ScanOptions, build_inventory
from analyzer.terraform.evaluate import Scope, evaluate_safely, materialize
from analyzer.terraform.loader import load_tree
from analyzer.terraform.module import ModuleInstance
from analyzer.values import Unknown
from tests.conftest import FIXTURES
from tests.plan.test_parity import _facts

# Facts a plan does not state, so only the HCL beside it proves them (analyzer/join.py):
PLAN_CANNOT_STATE = {
    # jsonencode() of a policy with one computed leaf (the resource's own ARN) is unknown as a
    # whole in the plan; HCL reads the document's structure
    **dict.fromkeys(("aws_msk_cluster_policy.events", "aws_efs_file_system_policy.shared",
                     "aws_s3control_access_point_policy.data", "aws_sns_topic_policy.events",
                     "aws_sqs_queue_policy.jobs"), "policy document unknown in the plan"),
    # a list of two clusters' computed IDs: `configuration` references both for the whole list,
    # so which element names which cluster is unknown (the flows stay unknown: a finding)
    "azurerm_redis_enterprise_database.cache": "list elements from several resources",
}
CATALOG = sorted(p for p in (FIXTURES / "catalog").iterdir() if (p / "main.tf").is_file())


def _json(value: Any) -> tuple[Any, Any]:
    """(after, after_unknown) of an evaluated value."""
    if isinstance(value, Unknown):
        return None, True
    if isinstance(value, dict):
        pairs = {k: _json(v) for k, v in value.items()}
        marks = {k: m for k, (_, m) in pairs.items() if m not in (False, None, {}, [])}
        return {k: v for k, (v, _) in pairs.items()}, marks
    if isinstance(value, list):
        pairs = [_json(v) for v in value]
        return [v for v, _ in pairs], [m if m is True or isinstance(m, (dict, list)) else False for _, m in pairs]
    return value, False


def _expression(value: Any) -> Any:
    """The `configuration` expression of an argument: a constant, or the resources its
    unknown parts come from (what `references` lists)."""
    origins: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, Unknown):
            if item.origin:
                origins.append(item.origin)
        elif isinstance(item, dict):
            for v in item.values():
                walk(v)
        elif isinstance(item, list):
            for v in item:
                walk(v)

    walk(value)
    if origins:
        return {"references": [r for o in sorted(set(origins)) for r in (f"{o}.id", o)]}
    return {"constant_value": _json(value)[0]}


def _plan_of(folder: Path) -> dict[str, Any]:
    tree = load_tree(folder)
    module = ModuleInstance(tree, folder.resolve(), "")
    changes, configured, providers = [], [], {}
    for key in sorted(module.resources):
        declared = module.resources[key]
        rtype, name = declared.block.labels
        if rtype not in catalog():
            continue
        instances = module.resource_instances(key)
        assert not isinstance(instances, Unknown)
        for instance in instances.values():
            after, unknown = _json(instance.materialize())
            changes.append({"address": instance.address, "mode": "managed", "type": rtype, "name": name,
                            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}})
        expressions: dict[str, Any] = {}
        scope = Scope(module)
        for attr, attribute in declared.block.attrs.items():
            if attr not in ("count", "for_each", "provider"):
                expressions[attr] = _expression(materialize(evaluate_safely(attribute.expr, scope)))
        for child in declared.block.blocks:
            expressions.setdefault(child.type, []).append(
                {a: _expression(materialize(evaluate_safely(v.expr, scope))) for a, v in child.attrs.items()})
        ref = next(iter(instances.values())).provider()
        configured.append({"address": key, "mode": "managed", "type": rtype, "name": name,
                           "provider_config_key": ref.config.key, "expressions": expressions})
        if ref.config.block is not None and ref.config.key not in providers:
            block, pscope = ref.config.block, Scope(ref.config.module)
            pexpr: dict[str, Any] = {a: _expression(materialize(evaluate_safely(v.expr, pscope)))
                                     for a, v in block.attrs.items() if a != "alias"}
            for child in block.blocks:
                pexpr.setdefault(child.type, []).append(
                    {a: _expression(materialize(evaluate_safely(v.expr, pscope))) for a, v in child.attrs.items()})
            providers[ref.config.key] = {"name": ref.config.name, "expressions": pexpr}
    return {"format_version": "1.2", "resource_changes": changes,
            "configuration": {"provider_config": providers, "root_module": {"resources": configured}}}


@pytest.mark.parametrize("folder", CATALOG, ids=[p.name for p in CATALOG])
def test_every_catalog_family_states_the_same_facts_from_its_plan(folder: Path, tmp_path: Path) -> None:
    inventory, _, _ = build_inventory([folder], ScanOptions(env={}, use_cache=False))
    hcl = {row.address: row for row in inventory.rows}
    (tmp_path / "plan.json").write_text(json.dumps(_plan_of(folder), indent=1))
    planned = scan_plan(tmp_path / "plan.json", "plan.json")
    assert planned.errors == []
    plan = {row.address: row for row in planned.rows}
    assert sorted(plan) == sorted(hcl)
    gaps = []
    for address, row in hcl.items():
        want, got = _facts(row), _facts(plan[address])
        for fact in ("region", "account", "multi_region", "name", "parent"):
            if want[fact] is not None and got[fact] != want[fact]:
                gaps.append((address, fact, want[fact], got[fact]))
        for fact in ("images", "endpoints", "flows"):
            if not want[fact] <= got[fact]:
                gaps.append((address, fact, want[fact] - got[fact], got[fact]))
    assert sorted((address, fact) for address, fact, _, _ in gaps) == sorted(
        (address, "flows") for address in hcl if address in PLAN_CANNOT_STATE)
