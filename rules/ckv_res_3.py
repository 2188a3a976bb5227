"""CKV_RES_3: placement is multi-region or global."""

from __future__ import annotations

from analyzer.rules.base import LOCATED_KINDS, Rule, RuleContext, Verdict, judged_elsewhere

from analyzer.models import InventoryRow


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    if row.multi_region is None and row.region.status not in ("multi", "global"):
        return []
    if judged_elsewhere(row):
        return []  # placement inherited from a row that is reported itself
    why = row.multi_region or f"location {row.region.value} is {row.region.status}"
    return [Verdict(f"{row.address} is not pinned to one region: {why}", row.region.evidence, row.region.value, row.account.value)]


RULE = Rule(
    id="CKV_RES_3", name="Multi-region or global placement", severity="HIGH", target="row",
    kinds=LOCATED_KINDS, check_row=check,
    description="GCS/Artifact Registry multi- and dual-regions, Secret Manager automatic replication, global logging "
                "buckets, AWS multi-Region KMS keys and Azure geo-redundant storage keep copies outside the region.",
    guideline="Use a single-region location (e.g. `europe-west4`, not `EU`), user-managed replication in the region, "
              "`multi_region = false`, or LRS/ZRS storage.",
)
