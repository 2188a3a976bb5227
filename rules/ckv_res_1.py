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

from analyzer.models import InventoryRow


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
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
    kinds=REGION_KINDS, check_row=check,
    description="A bucket, registry, secret store, log group, cluster or key is placed in a region other than the data "
                "plane's, Kubernetes configuration names another region (a `region:` key, a regional endpoint, an "
                "ARN), or Helm configuration and the Terraform creating a resource disagree on its region.",
    guideline="Move the resource to the data-plane region: set the provider (or per-resource) region to the allowed one. "
              "Suppress a deliberate exception with `# checkov:skip=CKV_RES_1: reason` in the resource block or an "
              "expiring exception in residency.yaml.",
)
