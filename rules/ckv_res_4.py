"""CKV_RES_4: data is replicated or copied to another region."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict
from analyzer.rules.destinations import UNKNOWN_DESTINATION_FLOWS, merge_by_destination

from analyzer.models import InventoryRow

REGIONAL_FLOWS = ("replica", "replication", "copy", "subscription")


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    verdicts = []
    for flow in row.flows:
        if flow.kind not in REGIONAL_FLOWS:
            continue
        region = flow.region
        if region.status == "resolved" and context.regions and region.value not in context.regions:
            verdicts.append(Verdict(f"{row.address} {flow.description}: {region.value} is outside {', '.join(context.regions)}",
                                    region.evidence, region.value, flow.account.value, flow.line))
        elif region.status in ("multi", "global"):
            verdicts.append(Verdict(f"{row.address} {flow.description}: destination spans regions ({region.value})",
                                    region.evidence, region.value, flow.account.value, flow.line))
        elif region.status == "unknown" and flow.kind in UNKNOWN_DESTINATION_FLOWS and context.fail_on_unknown:
            verdicts.append(Verdict(f"{row.address} {flow.description}: destination region unknown ({region.reason})",
                                    region.evidence, None, flow.account.value, flow.line))
    return merge_by_destination(verdicts, "flows", "region")


RULE = Rule(
    id="CKV_RES_4", name="Replication to another region", severity="CRITICAL", target="row", check_row=check,
    description="S3/ECR/EFS replication, Secrets Manager replicas, KMS replica keys, DynamoDB replicas, ACR "
                "georeplications and backup copy actions send data to another region.",
    guideline="Remove the replica or point it at the data-plane region. Cross-region disaster recovery breaks the "
              "single-region promise; agree it with the customer and record an expiring exception.",
)
