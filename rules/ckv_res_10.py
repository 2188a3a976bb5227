"""CKV_RES_10: the control plane is in another jurisdiction than the data-plane region."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict

from analyzer import regions
from analyzer.models import Evidence, InventoryRow
from analyzer.registries import control_plane_regions


def _home_jurisdiction(cloud: str, region: str) -> str | None:
    """The data-plane region's jurisdiction. Helm releases and Kubernetes workloads are rows of
    cloud "kubernetes": their region is the policy's, named in whichever cloud knows it
    (europe-west4 is a GCP code, westeurope an Azure one)."""
    clouds = ([cloud] if cloud in ("aws", "gcp", "azure") else []) + ["aws", "gcp", "azure"]
    for name in clouds:
        found = regions.jurisdiction(name, region)
        if found:
            return found
    return None


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    if not context.regions:
        return []
    home = _home_jurisdiction(row.cloud, context.regions[0])
    verdicts = []
    for endpoint in row.endpoints:
        for text, cloud, region in control_plane_regions(endpoint):
            theirs = regions.jurisdiction(cloud, region)
            if home and theirs and theirs != home:
                verdicts.append(Verdict(
                    f"{row.address} connects to control plane {text} in {region} ({theirs}); the data plane is in "
                    f"{context.regions[0]} ({home})",
                    [Evidence(file=row.file, line=row.line, note=f"{row.address} endpoint {text}")], region))
    return verdicts


RULE = Rule(
    id="CKV_RES_10", name="Control plane in another jurisdiction", severity="HIGH", target="row", check_row=check,
    description="An EU data plane must talk to an EU control plane: the endpoint it connects to names a region in "
                "another jurisdiction.",
    guideline="Point the data plane at the control-plane endpoint of its own jurisdiction.",
)
