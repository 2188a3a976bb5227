"""CKV_RES_5: a resource or provider lands in an account/project/subscription outside the allowed set."""

from __future__ import annotations

from analyzer.models import InventoryRow, ProviderPlacement
from analyzer.rules.base import LOCATED_KINDS, Rule, RuleContext, Verdict


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    account = row.account
    if account.status != "resolved" or not context.accounts or account.value in context.accounts:
        return []
    return [Verdict(f"{row.address} is in account {account.value}, not in the allowed {', '.join(context.accounts)}",
                    account.evidence, row.region.value, account.value)]


def check_provider(provider: ProviderPlacement, context: RuleContext) -> list[Verdict]:
    account = provider.account
    if account.status != "resolved" or not context.accounts or account.value in context.accounts:
        return []
    return [Verdict(f"{provider.address} deploys into account {account.value}, not in the allowed {', '.join(context.accounts)}",
                    account.evidence, provider.region.value, account.value)]


RULE = Rule(
    id="CKV_RES_5", name="Foreign account, project or subscription", severity="CRITICAL", target="row",
    kinds=LOCATED_KINDS, check_row=check, check_provider=check_provider,
    description="The resource (or the provider creating it) is pinned to an AWS account, GCP project or Azure "
                "subscription that is not the customer's.",
    guideline="Point the provider's allowed_account_ids/assume_role, project or subscription_id at the customer's account, "
              "or add the account to `accounts` in residency.yaml if it is the customer's.",
)
