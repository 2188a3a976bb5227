"""CKV_RES_1: a located resource is outside the allowed region."""

from __future__ import annotations

from analyzer.rules.base import (
    REGION_KINDS,
    Rule,
    RuleContext,
    Verdict,
    conflict_verdicts,
    judged_elsewhere,
    subject,
    where,
)
from analyzer.rules.ckv_res_7 import image_place, own_registry_region

from analyzer.models import InventoryRow
from analyzer.registries import parse_image


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    verdicts = _image_regions(row, context)
    if row.kind not in REGION_KINDS:
        return verdicts
    return verdicts + _placement(row, context)


def _image_regions(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    """An image pulled from the customer's own registry in another region moves data across regions."""
    verdicts = []
    for image in row.images:
        registry = own_registry_region(image, context)
        if registry is not None:
            evidence, line = image_place(row, image)
            verdicts.append(Verdict(f"{row.address} uses image {image} from {registry}, outside the allowed region "
                                    f"{where(context)}", evidence, parse_image(image).region, row.account.value,
                                    line=line))
    return verdicts


def _placement(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    region = row.region
    if judged_elsewhere(row):
        return conflict_verdicts(row, "region")
    if region.status != "resolved" or not context.regions or region.value in context.regions:
        return []
    placed = f"names region {region.value}" if row.kind == "setting" else f"is in {region.value}"
    return [Verdict(f"{subject(row)} {placed}, outside the allowed region {where(context)}",
                    region.evidence, region.value, row.account.value)]


RULE = Rule(
    id="CKV_RES_1", name="Data-plane resource outside the allowed region", severity="HIGH", target="row",
    check_row=check,  # every kind: a workload's images too (REGION_KINDS for the row's own region)
    description="A bucket, registry, secret store, log group, cluster or key is placed in a region other than the data "
                "plane's, Kubernetes configuration names another region (a `region:` key, a regional endpoint, an "
                "ARN), or Helm configuration and the Terraform creating a resource disagree on its region.",
    guideline="Move the resource to the data-plane region: set the provider (or per-resource) region to the allowed one. "
              "Suppress a deliberate exception with `# checkov:skip=CKV_RES_1: reason` in the resource block or an "
              "expiring exception in residency.yaml.",
)
