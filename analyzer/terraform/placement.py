"""Effective region and account of one resource instance, with the evidence chain.

AWS: the resource's own `region` (provider 6) -> its provider (alias, module providers
map) -> the default provider. GCP: location/region/zone -> provider region; project from
the resource or the provider. Azure: location; subscription from the provider. Resources
that live inside another (a container in a storage account) inherit from that parent,
which inventory.py links after every row exists.
"""

from __future__ import annotations

from typing import Any

from analyzer.catalog import CatalogEntry
from analyzer.hcl import ast
from analyzer.models import Evidence, InventoryRow, Placement
from analyzer.placements import account_placement, region_placement
from analyzer.terraform.evaluate import evaluate_safely, materialize
from analyzer.terraform.module import ResourceInstance, add_evidence
from analyzer.terraform.providers import ProviderRef
from analyzer.values import Unknown


def own_attr(instance: ResourceInstance, name: str) -> tuple[Any, list[Evidence]] | None:
    attribute = instance.declared.block.attrs.get(name)
    if attribute is None:
        return None
    trace: list[Evidence] = [Evidence(file=attribute.file or instance.declared.file, line=attribute.line, note=f"{instance.address} {name}")]
    return evaluate_safely(attribute.expr, instance.scope, trace), trace


def provider_steps(instance: ResourceInstance, ref: ProviderRef) -> list[Evidence]:
    if ref.via:
        return list(ref.via)
    block = instance.declared.block
    return [Evidence(file=instance.declared.file, line=block.line, note=f"{instance.address} uses provider {ref.config.key}")]


def region_of(instance: ResourceInstance, entry: CatalogEntry, ref: ProviderRef) -> Placement:
    cloud = entry.cloud
    for attr in entry.region:
        found = own_attr(instance, attr)
        if found is not None:
            value, trace = found
            if value is None:
                continue  # null means "use the provider's", as in Terraform
            return region_placement(cloud, materialize(value), trace, f"{instance.address}.{attr}")
    if entry.parent and cloud in ("azure", "gcp"):
        # a GCP child that names no location of its own (an IAM binding, a secret version)
        # is where its parent is; the provider's region is only a default for new regional resources
        why, steps = _unknown_parent(instance, entry)
        return Placement(status="unknown", reason="inherits its parent's location" + why, evidence=steps)
    if cloud == "azure":
        return Placement(status="unknown", reason=f"{instance.address} sets no location",
                         evidence=[Evidence(file=instance.declared.file, line=instance.declared.block.line, note=instance.address)])
    if cloud in ("aws", "gcp") and (entry.region or cloud == "aws") and not (entry.parent and not entry.region):
        setting = ref.config.setting("region")
        steps = provider_steps(instance, ref) + setting.evidence
        return region_placement(cloud, setting.value, steps, f"provider {ref.config.key} region")
    return Placement(status="unknown", reason="inherits its parent's location")


def account_of(instance: ResourceInstance, entry: CatalogEntry, ref: ProviderRef) -> Placement:
    if entry.cloud == "gcp":
        found = own_attr(instance, "project")
        if found is not None and found[0] is not None:
            value, trace = found
            return account_placement(value, trace)
        setting = ref.config.setting("project")
    else:
        setting = ref.config.setting("account")
    return account_placement(setting.value, provider_steps(instance, ref) + setting.evidence)


def _unknown_parent(instance: ResourceInstance, entry: CatalogEntry) -> tuple[str, list[Evidence]]:
    """Why the parent cannot be found when the attribute naming it is not known statically, and
    that attribute's chain (to the unset variable); linking replaces both when it finds the parent."""
    for attr in entry.parent:
        found = own_attr(instance, attr)
        if found is not None:
            value, trace = found
            if isinstance(value, Unknown) and not value.origin:
                return f", and which one it is ({attr}) is not known statically: {value.reason}", trace
            return "", trace
    return "", [Evidence(file=instance.declared.file, line=instance.declared.block.line, note=instance.address)]


def trace_flow_sources(instance: ResourceInstance, row: InventoryRow) -> None:
    """Extend each flow's chain past the attribute that sets its destination (`replica.region` at
    main.tf:10) to where that value comes from (the variable, its tfvars file:line or --var), as a
    resource's own region chain does: flows read nested blocks as plain values, without a trace.
    Attributes inside `dynamic` blocks read an iterator and are left as they are."""
    if not row.flows:
        return
    attributes = _static_attributes(instance.declared.block, instance.declared.file)
    for flow in row.flows:
        for placement in (flow.region, flow.account):
            if not placement.evidence:
                continue
            last = placement.evidence[-1]
            attribute = attributes.get((last.file, last.line))
            if attribute is None:
                continue
            steps: list[Evidence] = []
            evaluate_safely(attribute.expr, instance.scope, steps, where=(last.file, last.line))
            # the attribute itself is already the chain's last step; a new list: the old one may be shared
            placement.evidence = add_evidence(list(placement.evidence),
                                              [step for step in steps if (step.file, step.line) != (last.file, last.line)])


def _static_attributes(block: ast.Block, file: str) -> dict[tuple[str, int], ast.Attribute]:
    """(file, line) -> attribute, for the block's attributes and those of its nested blocks (not `dynamic`)."""
    found: dict[tuple[str, int], ast.Attribute] = {}
    stack = [block]
    while stack:
        current = stack.pop()
        for attribute in current.attrs.values():
            found.setdefault((attribute.file or file, attribute.line), attribute)
        stack.extend(child for child in current.blocks if child.type != "dynamic")
    return found
