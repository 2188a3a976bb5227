"""CKV_RES_6: access or data flows to another account (policies, replication, log subscriptions)."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict

from analyzer.models import InventoryRow


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    verdicts = []
    for flow in row.flows:
        account = flow.account
        if account.status != "resolved":
            continue
        if account.value == "*":
            verdicts.append(Verdict(f"{row.address} {flow.description}: anyone, in any account", account.evidence,
                                    flow.region.value, "*", flow.line))
        elif context.accounts and account.value not in context.accounts:
            verdicts.append(Verdict(f"{row.address} {flow.description}: account {account.value} is not in the allowed "
                                    f"{', '.join(context.accounts)}", account.evidence, flow.region.value, account.value, flow.line))
    return verdicts


RULE = Rule(
    id="CKV_RES_6", name="Access or data flow to another account", severity="CRITICAL", target="row", check_row=check,
    description="A resource policy, KMS grant, IAM member, replication or log-subscription destination gives another "
                "account (or everyone) the data.",
    guideline="Restrict principals and destinations to the customer's accounts; remove wildcard principals.",
)
